use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::TimeMs;
use crate::crypto::PublicKey;
use crate::hash::Hash;

/// Where a share request stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Waiting for the provider's answer.
    Pending,
    /// Approved (or granted at once for unconditional entries).
    Granted { grant_id: u64 },
    /// Refused by the provider, with its reason.
    Rejected { reason: String },
}

/// A using department's application for data of a catalog entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ShareRequest {
    pub id: u64,
    pub entry_id: u64,
    /// Credit code of the requesting organization.
    pub requester: String,
    /// Credit code of the providing department.
    pub provider: String,
    pub fields: Vec<String>,
    pub purpose: String,
    pub legal_basis: String,
    /// Requested period of use, in days.
    pub period_days: u32,
    pub submitted_at: TimeMs,
    pub status: RequestStatus,
    pub decided_at: Option<TimeMs>,
}

/// The right to take data of an entry: scope, expiry and quota.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Grant {
    pub id: u64,
    pub request_id: u64,
    pub entry_id: u64,
    pub grantee: String,
    pub provider: String,
    /// Fields the grantee may take.
    pub fields: Vec<String>,
    pub purpose: String,
    pub granted_at: TimeMs,
    pub expires_at: TimeMs,
    /// Maximum rows over the grant's life; `None` is unlimited.
    pub quota_rows: Option<u64>,
    pub rows_used: u64,
}

/// One delivery of data under a grant: who took what, and for what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AccessEvent {
    pub id: u64,
    pub grant_id: u64,
    pub entry_id: u64,
    pub accessor: PublicKey,
    pub accessor_org: String,
    pub fields: Vec<String>,
    pub rows: u64,
    pub query_digest: Hash,
    pub purpose: String,
    pub time: TimeMs,
    pub height: u64,
}
