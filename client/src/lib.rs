//! `kuai-client`: the Rust SDK for Kuai nodes, and the `kuai` CLI built on it.
//!
//! - [`Client`]: typed REST queries, transaction submission, and waiting for commit;
//! - [`TxBuilder`]: one method per transaction type, signing with a key and tracking
//!   its nonce;
//! - keys and identifier checks are re-exported from `kuai-types`.
//!
//! This crate must never compile RocksDB or wasmtime: it depends only on `kuai-types`
//! for the ledger's types.

mod builder;
mod client;
mod data;
mod error;
mod stream;
mod verify;

pub use builder::{agreement_digest, query_digest, TxBuilder};
pub use client::{Client, EncodedTx, ListQuery};
pub use data::{FetchOptions, Fetched};
pub use error::ClientError;
pub use kuai_types as types;
pub use kuai_types::{identifiers, keyfile, Keypair, PublicKey};
pub use stream::{EventFilter, StreamedEvent, MAX_RETRIES as EVENT_STREAM_MAX_RETRIES};
pub use verify::{CertifiedHeader, LightClient};
