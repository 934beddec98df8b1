//! The one error enum of the node library. Storage failures are fatal to the node:
//! it stops rather than run on a store it could not write.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum NodeError {
    #[error("storage: {0}")]
    Storage(#[from] rocksdb::Error),
    #[error("corrupt {what} in the store: {reason}")]
    Corrupt { what: String, reason: String },
    #[error("config {path}: {reason}")]
    Config { path: String, reason: String },
    #[error("genesis: {0}")]
    Genesis(String),
    #[error("the store holds chain {found:?} but the genesis file is for {expected:?}")]
    ChainMismatch { expected: String, found: String },
    #[error("runtime: {0}")]
    Runtime(#[from] kuai_runtime::RuntimeError),
    #[error("key: {0}")]
    Key(#[from] kuai_types::TypesError),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("p2p: {0}")]
    P2p(String),
    #[error("consensus: {0}")]
    Consensus(String),
    #[error("block {height} does not follow the head: {reason}")]
    BadBlock { height: u64, reason: String },
}
