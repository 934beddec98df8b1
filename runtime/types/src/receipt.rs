//! Receipts: the outcome of each transaction of a block, with its events.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::codec;
use crate::hash::Hash;

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
    CatalogEntryRegistered {
        entry_id: u64,
        provider: String,
    },
    ShareRequestSubmitted {
        request_id: u64,
        entry_id: u64,
        requester: String,
    },
    ShareRequestRejected {
        request_id: u64,
        reason: String,
    },
    GrantIssued {
        grant_id: u64,
        request_id: u64,
        grantee: String,
        expires_at: u64,
    },
    AccessRecorded {
        access_id: u64,
        grant_id: u64,
        rows: u64,
    },
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
