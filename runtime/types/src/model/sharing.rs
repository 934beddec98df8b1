use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{MaskingRule, TimeMs};
use crate::crypto::PublicKey;
use crate::hash::Hash;

/// How a request came: sharing between departments, or opening to an outside applicant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestChannel {
    /// 共享: a department's request, governed by the entry's share type.
    Sharing,
    /// 开放: an external applicant's request, governed by the entry's open mode.
    Opening,
}

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
    /// Withdrawn by the requester before an answer.
    Withdrawn,
}

impl RequestStatus {
    pub fn name(&self) -> &'static str {
        match self {
            RequestStatus::Pending => "pending",
            RequestStatus::Granted { .. } => "granted",
            RequestStatus::Rejected { .. } => "rejected",
            RequestStatus::Withdrawn => "withdrawn",
        }
    }
}

/// A using department's (or applicant's) application for data of a catalog entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ShareRequest {
    pub id: u64,
    pub entry_id: u64,
    pub channel: RequestChannel,
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
    /// The provider must answer by this time (10 working days).
    pub answer_due: TimeMs,
    /// Set at the first block past `answer_due` while still pending.
    pub overdue: bool,
    pub status: RequestStatus,
    /// Provider keys that approved so far.
    pub approvals: Vec<PublicKey>,
    /// Approvals needed (k of n provider signers).
    pub required_approvals: u8,
    pub decided_at: Option<TimeMs>,
    /// Of `fields`, those asked for unmasked.
    #[serde(default)]
    pub raw_fields: Vec<String>,
    /// The policy contract instance that decided the request, if one did.
    #[serde(default)]
    pub decided_by_contract: Option<u64>,
}

/// A field's masking rule under a grant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldMasking {
    pub field: String,
    pub rule: MaskingRule,
}

/// Why and when a grant was revoked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Revocation {
    pub at: TimeMs,
    pub by: PublicKey,
    pub reason: String,
}

/// The right to take data of an entry: scope, masking, expiry and quota.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Grant {
    pub id: u64,
    /// The share request it answers, or 0 for a grant from an opening agreement.
    pub request_id: u64,
    pub agreement_id: Option<u64>,
    pub entry_id: u64,
    pub grantee: String,
    pub provider: String,
    /// Fields the grantee may take.
    pub fields: Vec<String>,
    /// The masking each field is delivered with.
    pub masking: Vec<FieldMasking>,
    pub purpose: String,
    pub granted_at: TimeMs,
    pub expires_at: TimeMs,
    /// Maximum rows over the grant's life; `None` is unlimited.
    pub quota_rows: Option<u64>,
    pub rows_used: u64,
    /// Maximum deliveries (access events) over the grant's life; `None` is unlimited.
    pub quota_calls: Option<u64>,
    pub calls_used: u64,
    pub revoked: Option<Revocation>,
}

impl Grant {
    /// Usable at `now`: not revoked and not expired.
    pub fn in_force(&self, now: TimeMs) -> bool {
        self.revoked.is_none() && now < self.expires_at
    }
}

/// One delivery of data under a grant: who took what, and for what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AccessEvent {
    pub id: u64,
    pub grant_id: u64,
    pub entry_id: u64,
    /// Credit code of the providing department.
    pub provider: String,
    pub accessor: PublicKey,
    pub accessor_org: String,
    pub fields: Vec<String>,
    pub rows: u64,
    pub query_digest: Hash,
    pub purpose: String,
    pub time: TimeMs,
    pub height: u64,
    /// How many data subjects the delivery concerned (their keyed hashes are indexed).
    pub subjects: u32,
}

/// Where a contract-based opening agreement (契约式开放) stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgreementStatus {
    /// Waiting for the provider's and the applicant's signatures.
    Proposed,
    /// Signed by all three parties; the grant is issued.
    Active { grant_id: u64 },
}

/// An opening agreement between the platform operator, the providing department and an
/// applicant; its text stays off chain, its digest is signed by all three.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Agreement {
    pub id: u64,
    pub entry_id: u64,
    pub operator: String,
    pub provider: String,
    pub applicant: String,
    pub digest: Hash,
    pub fields: Vec<String>,
    pub purpose: String,
    pub period_days: u32,
    pub quota_rows: Option<u64>,
    /// Credit codes of the parties that signed so far.
    pub signed_by: Vec<String>,
    pub status: AgreementStatus,
    pub proposed_at: TimeMs,
}
