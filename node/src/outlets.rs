//! Where transactions go once the mempool admitted them, whichever route brought them
//! (`POST /v1/tx`, `POST /v1/txs` in either mode, the gateway's access records).
//!
//! Rules:
//! - every transaction a client submitted here and the mempool admitted is gossiped to
//!   the other validators (BFT engine only), once;
//! - after each admission, a waiting proposer is woken when a block's worth of
//!   transactions waits in the mempool.

use std::sync::Arc;

use kuai_types::{Hash, SignedTransaction};
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::Notify;

use crate::chain::Chain;

pub struct Outlets {
    /// Admitted transactions, with their ids, to gossip to the other validators (BFT
    /// engine only).
    pub gossip: Option<UnboundedSender<(Hash, SignedTransaction)>>,
    /// Woken when a block's worth of transactions waits in the mempool.
    pub full: Arc<Notify>,
    pub max_block_txs: usize,
}

impl Outlets {
    /// Passes on transactions the mempool just admitted, with their ids.
    pub fn admitted(
        &self,
        chain: &Chain,
        txs: impl IntoIterator<Item = (Hash, SignedTransaction)>,
    ) {
        if let Some(g) = &self.gossip {
            for t in txs {
                let _ = g.send(t);
            }
        }
        if chain.mempool_len() >= self.max_block_txs {
            self.full.notify_one();
        }
    }

    /// Whether admitted transactions are gossiped (callers skip copying them otherwise).
    pub fn gossips(&self) -> bool {
        self.gossip.is_some()
    }
}
