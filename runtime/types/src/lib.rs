//! Kuai ledger types shared by the node, the runtime and the client SDK.
//!
//! This crate is the wire and disk contract of the chain. It must never depend on
//! RocksDB, wasmtime, tokio or libp2p, so the client SDK can use it cheaply.
//!
//! Rules it enforces:
//! - One canonical binary encoding ([`codec`]): bincode, fixed-width little-endian
//!   integers, an explicit size limit on every decode, trailing bytes rejected.
//! - One hash function ([`hash`]): SHA-256, always with a domain tag.
//! - One signature scheme ([`crypto`]): ed25519 with ZIP-215 validation rules
//!   (`ed25519-zebra`), so single and batch verification accept exactly the
//!   same signatures. Every signed message starts with a per-kind domain tag
//!   followed by the chain id.
//! - Identifier checks ([`identifiers`]): unified social credit codes (GB 32100) and
//!   resident ID numbers (GB 11643), one implementation for runtime, gateway and CLI.

pub mod access_bucket;
pub mod api;
pub mod block;
pub mod certificate;
pub mod codec;
pub mod cpu;
pub mod crypto;
pub mod error;
pub mod gateway;
pub mod genesis;
pub mod hash;
mod hexbytes;
pub mod identifiers;
pub mod keyfile;
pub mod masking;
pub mod model;
pub mod payload;
pub mod receipt;
mod schema;
pub mod state_keys;
pub mod tx;

pub use block::{Block, BlockHeader};
pub use crypto::{Keypair, PublicKey, Signature};
pub use error::TypesError;
pub use hash::Hash;
pub use payload::Payload;
pub use receipt::{Event, Receipt, TxOutcome};
pub use tx::{SignedTransaction, Transaction};
