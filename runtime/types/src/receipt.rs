//! Receipts: the outcome of each transaction of a block, with its events.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::codec;
use crate::crypto::PublicKey;
use crate::hash::Hash;
use crate::model::Role;

/// A transaction's result. A rejected transaction changes no state but its signer's
/// nonce, and says why in words a user can act on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TxOutcome {
    Success,
    Rejected {
        /// Stable machine-readable reason, e.g. `unknown_entry`.
        code: String,
        /// What went wrong, with the values involved.
        reason: String,
    },
}

/// Something that happened on the ledger, for subscribers and auditors.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    OrganizationRegistered {
        credit_code: String,
    },
    OrganizationRemoved {
        credit_code: String,
    },
    MemberAdded {
        organization: String,
        key: PublicKey,
        role: Role,
    },
    MemberRemoved {
        organization: String,
        key: PublicKey,
    },
    KeyRotated {
        organization: String,
        old_key: PublicKey,
        new_key: PublicKey,
    },
    ApprovalThresholdSet {
        organization: String,
        threshold: u8,
    },
    ProposalSubmitted {
        proposal_id: u64,
        proposer: String,
    },
    ProposalVoted {
        proposal_id: u64,
        organization: String,
        approve: bool,
    },
    ProposalPassed {
        proposal_id: u64,
    },
    ProposalRejected {
        proposal_id: u64,
    },
    ProposalExpired {
        proposal_id: u64,
    },
    ValidatorSetScheduled {
        effective_height: u64,
        validators: Vec<PublicKey>,
    },
    ValidatorSetChanged {
        validators: Vec<PublicKey>,
    },
    HolidayCalendarSet {
        year: i32,
    },
    ParametersSet,
    CatalogEntryRegistered {
        entry_id: u64,
        provider: String,
    },
    CatalogEntryUpdated {
        entry_id: u64,
        version: u32,
    },
    CatalogEntryReviewed {
        entry_id: u64,
        version: u32,
        approved: bool,
    },
    ChangeDeclared {
        entry_id: u64,
        update_due: u64,
    },
    NegativeListSet {
        entry_id: u64,
        listed: bool,
    },
    EntryUpdateOverdue {
        entry_id: u64,
        due: u64,
    },
    EntryReviewOverdue {
        entry_id: u64,
        due: u64,
    },
    ShareRequestSubmitted {
        request_id: u64,
        entry_id: u64,
        requester: String,
    },
    ShareRequestApproved {
        request_id: u64,
        approvals: u8,
        required: u8,
    },
    ShareRequestRejected {
        request_id: u64,
        reason: String,
    },
    ShareRequestWithdrawn {
        request_id: u64,
    },
    ShareRequestOverdue {
        request_id: u64,
        due: u64,
    },
    GrantIssued {
        grant_id: u64,
        request_id: u64,
        grantee: String,
        expires_at: u64,
    },
    GrantRevoked {
        grant_id: u64,
        reason: String,
    },
    AccessRecorded {
        access_id: u64,
        grant_id: u64,
        rows: u64,
    },
    ObjectionRaised {
        objection_id: u64,
        entry_id: u64,
        raised_by: String,
    },
    ObjectionAnswered {
        objection_id: u64,
        corrected: bool,
    },
    ObjectionOverdue {
        objection_id: u64,
        due: u64,
    },
    AgreementProposed {
        agreement_id: u64,
        entry_id: u64,
        applicant: String,
    },
    AgreementSigned {
        agreement_id: u64,
        party: String,
    },
    ContractCodeUploaded {
        code_hash: Hash,
        name: String,
        size: u32,
        uploaded_by: String,
    },
    ContractCodeApproved {
        code_hash: Hash,
        proposal_id: u64,
    },
    ContractInstantiated {
        instance_id: u64,
        code_hash: Hash,
        owner: String,
    },
    ContractUpgraded {
        instance_id: u64,
        code_hash: Hash,
        version: u32,
    },
    PolicyContractBound {
        entry_id: u64,
        /// `None`: the entry was unbound.
        instance_id: Option<u64>,
    },
    /// A policy contract decided a share request: `grant`, `reject` or `defer`.
    PolicyDecided {
        request_id: u64,
        instance_id: u64,
        decision: String,
        fuel_used: u64,
        /// Notes the contract emitted.
        notes: Vec<String>,
    },
    /// A policy contract failed (trap, out of fuel, a limit, a malformed decision):
    /// the request waits for the provider's officers instead.
    PolicyFailed {
        request_id: u64,
        instance_id: u64,
        error: String,
        fuel_used: u64,
    },
}

impl Event {
    /// The event's type name, as in its JSON tag.
    pub fn kind(&self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| match v {
                serde_json::Value::Object(m) => m.keys().next().cloned(),
                serde_json::Value::String(s) => Some(s),
                _ => None,
            })
            .unwrap_or_default()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Receipt {
    pub tx_hash: Hash,
    pub height: u64,
    pub index: u32,
    pub outcome: TxOutcome,
    pub events: Vec<Event>,
}

impl Receipt {
    pub fn hash(&self) -> Hash {
        Hash::tagged(b"kuai/receipt/v1", &[&codec::encode(self)])
    }

    pub fn is_success(&self) -> bool {
        self.outcome == TxOutcome::Success
    }
}
