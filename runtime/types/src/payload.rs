//! Transaction payloads: what a signed transaction asks the ledger to do. Each
//! variant's validation, state changes and events live in one runtime module
//! (`kuai-runtime/src/tx/`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::crypto::PublicKey;
use crate::hash::Hash;
use crate::model::{CatalogEntrySpec, Member, OrgKind};

/// Register a member organization (signed by a platform operator's CDO).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RegisterOrganization {
    pub credit_code: String,
    pub name: String,
    pub kind: OrgKind,
    pub members: Vec<Member>,
}

/// Publish a catalog entry for the signer's department (signed by its CDO or reviewer).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RegisterCatalogEntry {
    pub spec: CatalogEntrySpec,
}

/// Apply for data of an entry on behalf of the signer's organization.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SubmitShareRequest {
    pub entry_id: u64,
    pub fields: Vec<String>,
    pub purpose: String,
    pub legal_basis: String,
    pub period_days: u32,
}

/// The provider approves a pending request, issuing a grant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApproveShareRequest {
    pub request_id: u64,
    /// Row quota of the grant; `None` is unlimited.
    pub quota_rows: Option<u64>,
}

/// The provider refuses a pending request; the reason is required.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RejectShareRequest {
    pub request_id: u64,
    pub reason: String,
}

/// Record one delivery of data under a grant (signed by the provider's gateway key
/// or by the accessor itself).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RecordAccess {
    pub grant_id: u64,
    pub accessor: PublicKey,
    pub fields: Vec<String>,
    pub rows: u64,
    pub query_digest: Hash,
    pub purpose: String,
}

/// Everything a transaction can ask for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Payload {
    RegisterOrganization(RegisterOrganization),
    RegisterCatalogEntry(RegisterCatalogEntry),
    SubmitShareRequest(SubmitShareRequest),
    ApproveShareRequest(ApproveShareRequest),
    RejectShareRequest(RejectShareRequest),
    RecordAccess(RecordAccess),
}

impl Payload {
    /// A stable, human-readable name of the transaction type.
    pub fn kind(&self) -> &'static str {
        match self {
            Payload::RegisterOrganization(_) => "register_organization",
            Payload::RegisterCatalogEntry(_) => "register_catalog_entry",
            Payload::SubmitShareRequest(_) => "submit_share_request",
            Payload::ApproveShareRequest(_) => "approve_share_request",
            Payload::RejectShareRequest(_) => "reject_share_request",
            Payload::RecordAccess(_) => "record_access",
        }
    }
}
