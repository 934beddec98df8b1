//! The Kuai node: storage, mempool, block production and the REST API around the
//! `kuai-runtime` state machine.
//!
//! Layout: [`store`] (RocksDB), [`mempool`], [`chain`] (the propose / verify / commit
//! boundary that consensus drives; its admissions batched by [`combiner`]), [`solo`] (the single-validator engine),
//! [`intake`] (asynchronous submissions), [`outlets`] (where admitted transactions go), [`api`] (axum), [`init`] and [`dev`] (the node directory and the sample consortium),
//! [`node`] (wiring it all together).

pub mod api;
pub mod bft;
pub mod calibrate;
pub mod chain;
pub mod clock;
pub mod combiner;
pub mod config;
pub mod dev;
pub mod error;
pub mod gateway;
pub mod gossip_pool;
pub mod init;
pub mod intake;
pub mod mempool;
pub mod metrics;
pub mod node;
pub mod outlets;
pub mod p2p;
pub mod recent_tx_ids;
pub mod solo;
pub mod store;
#[cfg(test)]
mod test_support;
pub mod testnet;

pub use error::NodeError;
