//! Policy contracts on the ledger: code stored once by hash and approved by governance,
//! instances of that code with parameters owned by a department, and the binding of an
//! instance to the catalog entries whose share requests it decides.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::TimeMs;
use crate::hash::Hash;

/// Uploaded WebAssembly code (the bytes are stored apart, under the same hash).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ContractCode {
    /// SHA-256 of the WebAssembly bytes.
    pub hash: Hash,
    pub name: String,
    pub size: u32,
    /// Credit code of the uploading organization.
    pub uploaded_by: String,
    pub uploaded_at: TimeMs,
    /// The governance proposal that approved the code for use; `None` while it waits.
    pub approved_by_proposal: Option<u64>,
}

/// One version of an instance: the code and parameters it ran from a time on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ContractVersion {
    pub version: u32,
    pub code_hash: Hash,
    pub params: String,
    pub since: TimeMs,
}

/// A department's instance of approved code, with its parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ContractInstance {
    pub id: u64,
    pub label: String,
    /// Credit code of the owning department: only its CDO upgrades or binds it.
    pub owner: String,
    pub code_hash: Hash,
    /// `key=value` lines, read by the contract.
    pub params: String,
    pub version: u32,
    pub created_at: TimeMs,
    /// Every version, oldest first (the current one last).
    pub history: Vec<ContractVersion>,
    /// Catalog entries whose share requests this instance decides.
    pub entries: Vec<u64>,
}
