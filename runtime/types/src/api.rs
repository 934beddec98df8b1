//! The JSON bodies of the node's REST API (`/v1`), shared by the node (which writes
//! them) and the client SDK (which reads them).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::block::BlockHeader;
use crate::certificate::CommitCertificate;
use crate::crypto::{PublicKey, Signature};
use crate::hash::Hash;
use crate::model::Role;
use crate::receipt::{Event, Receipt};
use crate::tx::Transaction;

/// Largest page any listing returns.
pub const MAX_PAGE: u32 = 500;
/// Page size when `limit` is not given.
pub const DEFAULT_PAGE: u32 = 50;

/// An error answer: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `not_found`, `nonce_replayed`.
    pub code: String,
    pub message: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Status {
    pub chain_id: String,
    pub height: u64,
    pub latest_block_hash: Hash,
    pub latest_block_time_ms: u64,
    pub state_root: Hash,
    pub genesis_hash: Hash,
    pub mempool_size: usize,
    pub validator: PublicKey,
    pub version: String,
}

/// A committed block's head, as `GET /v1/heads` streams it (one server-sent event per
/// height, in order; the event id is the height).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HeadEvent {
    pub height: u64,
    /// The block's hash.
    pub hash: Hash,
    /// The state root after the block.
    pub state_root: Hash,
    pub time_ms: u64,
}

/// `POST /v1/tx` body: the canonical encoding of a `SignedTransaction`, in hex.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SubmitTx {
    pub tx: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Submitted {
    pub hash: Hash,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TxState {
    /// In the mempool, not yet in a block.
    Pending,
    /// In a committed block; see the receipt for its outcome.
    Committed,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct TxView {
    pub hash: Hash,
    pub status: TxState,
    pub height: Option<u64>,
    pub index: Option<u32>,
    pub tx: Transaction,
    pub signature: Signature,
    pub receipt: Option<Receipt>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct BlockTx {
    pub hash: Hash,
    pub tx: Transaction,
    pub signature: Signature,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct BlockView {
    pub hash: Hash,
    pub header: BlockHeader,
    pub txs: Vec<BlockTx>,
    pub receipts: Vec<Receipt>,
    /// The block's own events (overdue marks, validator-set changes), before its transactions.
    pub events: Vec<Event>,
    /// The commit certificate: signatures of more than 2/3 of the validators on this
    /// block. `None` only for blocks of a single-validator chain.
    pub certificate: Option<CommitCertificate>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct BlockSummary {
    pub height: u64,
    pub hash: Hash,
    pub time_ms: u64,
    pub tx_count: usize,
    pub proposer: PublicKey,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Account {
    pub key: PublicKey,
    /// The nonce the key's next transaction must carry.
    pub next_nonce: u64,
    pub organization: Option<String>,
    pub role: Option<Role>,
}

/// Most transactions in one `POST /v1/txs`.
pub const MAX_BATCH: usize = 5_000;

/// `POST /v1/txs` body: many encoded transactions (hex), admitted one by one in order.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SubmitTxs {
    pub txs: Vec<String>,
    /// When the node answers (default `sync`).
    #[serde(default)]
    pub mode: SubmitMode,
}

/// When `POST /v1/txs` answers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubmitMode {
    /// Once each transaction's signature was verified and the mempool admitted it (or
    /// refused it, with the reason).
    #[default]
    Sync,
    /// Once each transaction passed the checks that need no signature (it decodes, its
    /// chain id, its nonce is not used): the answer's id means queued, not admitted. The
    /// node verifies queued transactions in large batches and admits them; one refused
    /// then is reported by `GET /v1/tx/{hash}` (code `refused`). Like CometBFT's
    /// `broadcast_tx_async`: for load generators and gateways that follow commits anyway.
    Async,
}

/// The outcome of one transaction of a batch: its id, or why it was refused.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct BatchResult {
    pub hash: Option<Hash>,
    pub error: Option<ErrorDetail>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SubmittedBatch {
    pub results: Vec<BatchResult>,
}

/// The ids of a block's transactions, without their bodies.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct BlockTxIds {
    pub height: u64,
    pub time_ms: u64,
    pub txs: Vec<Hash>,
}

/// One ledger event and where it happened: the `data` of a `GET /v1/events` message and
/// an item of the history listings.
///
/// `id` is `height:tx_index:event_index`; a block's own events (overdue marks,
/// validator-set changes) have tx index `-1` in the id, so they sort before the block's
/// transactions, and `tx_index`/`tx_hash` null here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventRecord {
    pub id: String,
    pub height: u64,
    pub tx_index: Option<u32>,
    pub event_index: u32,
    pub tx_hash: Option<Hash>,
    /// The block's time.
    pub time_ms: u64,
    /// The event's type name, e.g. `grant_issued`.
    pub kind: String,
    pub event: Event,
}

/// A Merkle proof of a state value (or of its absence) at a height, with the header that
/// carries the root and the certificate that signs the header.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct StateProofView {
    /// The height (state tree version) the proof is for.
    pub height: u64,
    /// The state key, hex (`kuai_types::state_keys`).
    pub key: String,
    /// The sparse Merkle proof of the `jmt` crate (SHA-256), as JSON.
    #[schema(value_type = Object)]
    pub merkle_proof: serde_json::Value,
    pub header: BlockHeader,
    /// Absent on a single-validator chain.
    pub certificate: Option<CommitCertificate>,
    /// For an access event under access buckets: `key` and `merkle_proof` prove its
    /// block's bucket, and this places the record in it
    /// ([`crate::access_bucket`]). Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_bucket: Option<crate::access_bucket::BucketMembership>,
}

/// A record with its proof (`?proof=true`); `value` is null when the proof shows absence.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Proven<T> {
    pub value: Option<T>,
    pub proof: StateProofView,
}
