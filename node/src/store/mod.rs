//! Durable storage on RocksDB.
//!
//! Rules:
//! - column families: `blocks` (height -> block), `receipts` (tx hash -> receipt),
//!   `state` (runtime key -> value), `index` (block hash -> height, tx hash -> location),
//!   `meta` (head, genesis), `block_events` (height -> the block's own events);
//! - the state tree ([`tree`], a Jellyfish Merkle tree) is updated in the same batch: its
//!   root after block `h` is header `h`'s state root;
//! - a block, its receipts, its indexes, its state diff and the new head are written in one
//!   write batch with `sync = true`: after a crash (even `kill -9`) the node reopens at its
//!   last committed block, never a partial one;
//! - every value read back is decoded with a size limit; a value that does not decode is
//!   reported as corruption, never a panic;
//! - [`Store::checkpoint`] copies the live store consistently (a RocksDB checkpoint) for
//!   `kuai-node backup`; operator routes are authorized by the [`admin`] token.

pub mod admin;
mod batch;
mod db;
mod tree;
mod tuning;

pub use db::{Head, Store, TxLocation};
pub use tree::{key_hash, StateProof, HEIGHT_KEY};
pub use tuning::MemtableSpread;
