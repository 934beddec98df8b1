//! Blocks and their headers.
//!
//! Rules:
//! - the block hash is `SHA-256("kuai/block/v1" || encoding of the header)`;
//! - `tx_root` is the Merkle root ([`crate::hash::merkle_root`]) of the transaction ids in order;
//! - `state_root` commits to the whole ledger state after executing this block; it is an
//!   opaque 32-byte commitment so that a Merkle state tree can take its place without a
//!   format change of the header;
//! - `receipts_root` is the Merkle root of the receipt hashes in order.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::codec::{self, MAX_BLOCK_BYTES};
use crate::crypto::PublicKey;
use crate::error::TypesError;
use crate::hash::{merkle_root, Hash};
use crate::tx::SignedTransaction;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BlockHeader {
    pub chain_id: String,
    pub height: u64,
    pub parent_hash: Hash,
    /// Block time, milliseconds since the Unix epoch; strictly increasing.
    pub time_ms: u64,
    pub proposer: PublicKey,
    pub tx_root: Hash,
    pub state_root: Hash,
    pub receipts_root: Hash,
}

impl BlockHeader {
    pub fn hash(&self) -> Hash {
        Hash::tagged(b"kuai/block/v1", &[&codec::encode(self)])
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Block {
    pub header: BlockHeader,
    pub txs: Vec<SignedTransaction>,
}

impl Block {
    pub fn hash(&self) -> Hash {
        self.header.hash()
    }

    pub fn compute_tx_root(txs: &[SignedTransaction]) -> Hash {
        Block::tx_root_of(&txs.iter().map(SignedTransaction::hash).collect::<Vec<_>>())
    }

    /// The transactions root from the transactions' hashes, in block order.
    pub fn tx_root_of(hashes: &[Hash]) -> Hash {
        merkle_root(hashes)
    }

    pub fn encode(&self) -> Vec<u8> {
        codec::encode(self)
    }

    pub fn decode(bytes: &[u8]) -> Result<Block, TypesError> {
        codec::decode(bytes, MAX_BLOCK_BYTES)
    }
}
