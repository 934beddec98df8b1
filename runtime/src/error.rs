//! The one error enum of the runtime. Every variant but [`RuntimeError::CorruptState`]
//! and [`RuntimeError::Storage`] is a rejection of one transaction; those two abort the
//! block (see [`RuntimeError::is_fatal`]).

use kuai_types::model::Role;
use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum RuntimeError {
    #[error("transaction is for chain {found:?}, this chain is {expected:?}")]
    WrongChain { expected: String, found: String },
    #[error("signature does not verify for signer {signer}")]
    BadSignature { signer: String },
    #[error("nonce {found} was already used (replay); the signer's next nonce is {expected}")]
    NonceReplayed { expected: u64, found: u64 },
    #[error("nonce {found} skips ahead; the signer's next nonce is {expected}")]
    NonceGap { expected: u64, found: u64 },
    #[error("key {key} is not a member key of any organization")]
    UnknownSigner { key: String },
    #[error("key {key} of {org} has role {role:?}; {action} needs {needed}")]
    NotAuthorized {
        key: String,
        org: String,
        role: Role,
        action: &'static str,
        needed: &'static str,
    },
    #[error("{action} must be signed by {needed}; {org} is not")]
    WrongOrganization {
        org: String,
        action: &'static str,
        needed: String,
    },
    #[error("{0}")]
    InvalidIdentifier(String),
    #[error("organization {0} is already registered")]
    OrganizationExists(String),
    #[error("key {key} is already a member of {org}")]
    KeyAlreadyMember { key: String, org: String },
    #[error("{field}: {reason}")]
    InvalidField { field: &'static str, reason: String },
    #[error("catalog entry {0} does not exist")]
    UnknownEntry(u64),
    #[error("share request {0} does not exist")]
    UnknownRequest(u64),
    #[error("grant {0} does not exist")]
    UnknownGrant(u64),
    #[error("catalog entry {entry_id} is not shareable (legal basis: {legal_basis})")]
    EntryNotShareable { entry_id: u64, legal_basis: String },
    #[error("catalog entry {entry_id} has no field {field:?}")]
    FieldNotInEntry { entry_id: u64, field: String },
    #[error("{org} provides catalog entry {entry_id}; it cannot request its own data")]
    OwnEntry { entry_id: u64, org: String },
    #[error("share request {request_id} is {status}, not pending")]
    RequestNotPending { request_id: u64, status: String },
    #[error("grant {grant_id} expired at {expired_at} (block time {now})")]
    GrantExpired {
        grant_id: u64,
        expired_at: u64,
        now: u64,
    },
    #[error("field {field:?} is outside the scope of grant {grant_id}")]
    FieldOutsideGrant { grant_id: u64, field: String },
    #[error("grant {grant_id} allows {quota} rows, {used} used; {requested} more exceed it")]
    QuotaExceeded {
        grant_id: u64,
        quota: u64,
        used: u64,
        requested: u64,
    },
    #[error("purpose {found:?} differs from the purpose of grant {grant_id} ({expected:?})")]
    PurposeMismatch {
        grant_id: u64,
        expected: String,
        found: String,
    },
    #[error("state storage failed: {0}")]
    Storage(String),
    #[error("state value under {key} is corrupt: {reason}")]
    CorruptState { key: String, reason: String },
}

impl RuntimeError {
    /// True for failures of the node's store rather than of the transaction.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            RuntimeError::CorruptState { .. } | RuntimeError::Storage(_)
        )
    }

    /// Stable snake_case code for receipts and API errors.
    pub fn code(&self) -> &'static str {
        match self {
            RuntimeError::WrongChain { .. } => "wrong_chain",
            RuntimeError::BadSignature { .. } => "bad_signature",
            RuntimeError::NonceReplayed { .. } => "nonce_replayed",
            RuntimeError::NonceGap { .. } => "nonce_gap",
            RuntimeError::UnknownSigner { .. } => "unknown_signer",
            RuntimeError::NotAuthorized { .. } => "not_authorized",
            RuntimeError::WrongOrganization { .. } => "wrong_organization",
            RuntimeError::InvalidIdentifier(_) => "invalid_identifier",
            RuntimeError::OrganizationExists(_) => "organization_exists",
            RuntimeError::KeyAlreadyMember { .. } => "key_already_member",
            RuntimeError::InvalidField { .. } => "invalid_field",
            RuntimeError::UnknownEntry(_) => "unknown_entry",
            RuntimeError::UnknownRequest(_) => "unknown_request",
            RuntimeError::UnknownGrant(_) => "unknown_grant",
            RuntimeError::EntryNotShareable { .. } => "entry_not_shareable",
            RuntimeError::FieldNotInEntry { .. } => "field_not_in_entry",
            RuntimeError::OwnEntry { .. } => "own_entry",
            RuntimeError::RequestNotPending { .. } => "request_not_pending",
            RuntimeError::GrantExpired { .. } => "grant_expired",
            RuntimeError::FieldOutsideGrant { .. } => "field_outside_grant",
            RuntimeError::QuotaExceeded { .. } => "quota_exceeded",
            RuntimeError::PurposeMismatch { .. } => "purpose_mismatch",
            RuntimeError::CorruptState { .. } => "corrupt_state",
            RuntimeError::Storage(_) => "storage",
        }
    }
}
