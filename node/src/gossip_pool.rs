//! Transactions that peers gossiped, held unverified until they can be verified in one
//! large batch. A validator receives most transactions by gossip, in messages of tens;
//! ed25519 batches of a few hundred verify about twice as fast per signature as batches
//! of tens (`cargo bench -p kuai-types --bench signatures`). So gossiped transactions wait
//! here, and are verified either when this node builds a block (all of them with
//! whatever else waits, then admitted to the mempool) or when a block that carries them is
//! validated (execution verifies the block's transactions this node has not admitted, as
//! one batch); committed ones then leave. Either way each signature is verified once per
//! node, as before, in larger batches.
//!
//! Rules:
//! - nothing here is trusted, served or proposed: a transaction reaches the mempool (and
//!   the API, and blocks this node builds) only after its signature verified and the
//!   mempool admitted it;
//! - what can be checked without the signature is checked on arrival (chain id, nonce
//!   not already used: [`crate::chain::Chain::defer_gossiped`]), so stale gossip does not
//!   wait here;
//! - each transaction is held with the peer that sent it: a peer whose gossip held a bad
//!   signature is distrusted, and its gossip is verified on arrival from then on (a
//!   Byzantine validator gets one pool's worth of junk, not a stream of it);
//! - bounded: at most `capacity` transactions; when full the oldest is dropped (gossip is
//!   best effort: the node a client submitted to keeps the transaction and proposes it);
//! - a transaction already held is not added twice; [`GossipPool::take`] hands out the
//!   oldest first.

use hashlink::LinkedHashMap;
use kuai_types::{Hash, PublicKey, SignedTransaction};

pub struct GossipPool {
    capacity: usize,
    /// By id: the sending peer and the transaction.
    txs: LinkedHashMap<Hash, (PublicKey, SignedTransaction)>,
}

impl GossipPool {
    pub fn new(capacity: usize) -> GossipPool {
        GossipPool {
            capacity: capacity.max(1),
            txs: LinkedHashMap::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.txs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.txs.is_empty()
    }

    /// Holds `txs` (with their ids) that peer `from` sent; returns how many were new.
    pub fn add(&mut self, from: PublicKey, txs: Vec<(Hash, SignedTransaction)>) -> usize {
        let mut added = 0;
        for (hash, stx) in txs {
            if self.txs.contains_key(&hash) {
                continue;
            }
            if self.txs.len() >= self.capacity {
                self.txs.pop_front();
            }
            self.txs.insert(hash, (from, stx));
            added += 1;
        }
        added
    }

    /// A held transaction (unverified).
    pub fn get(&self, hash: &Hash) -> Option<&SignedTransaction> {
        self.txs.get(hash).map(|(_, stx)| stx)
    }

    /// Removes and returns up to `max` transactions with their senders and ids, oldest
    /// first.
    pub fn take(&mut self, max: usize) -> Vec<(PublicKey, (Hash, SignedTransaction))> {
        let mut out = Vec::with_capacity(max.min(self.txs.len()));
        while out.len() < max {
            match self.txs.pop_front() {
                Some((hash, (from, stx))) => out.push((from, (hash, stx))),
                None => break,
            }
        }
        out
    }

    /// Forgets transactions (committed or admitted ones).
    pub fn remove(&mut self, hashes: &[Hash]) {
        if self.txs.is_empty() {
            return;
        }
        for h in hashes {
            self.txs.remove(h);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kuai_types::{Keypair, Payload, Transaction};

    fn tx(nonce: u64) -> (Hash, SignedTransaction) {
        let key = Keypair::from_seed("gossip-pool");
        let stx = Transaction {
            chain_id: "t".into(),
            signer: key.public(),
            nonce,
            payload: Payload::SetApprovalThreshold(kuai_types::payload::SetApprovalThreshold {
                threshold: 1,
            }),
        }
        .sign(&key);
        (stx.hash(), stx)
    }

    fn peer(name: &str) -> PublicKey {
        Keypair::from_seed(name).public()
    }

    #[test]
    fn holds_each_once_with_its_sender_hands_out_oldest_first_and_forgets_committed() {
        let mut pool = GossipPool::new(10);
        let (a, b) = (peer("a"), peer("b"));
        assert_eq!(pool.add(a, vec![tx(0), tx(1), tx(2)]), 3);
        assert_eq!(pool.add(b, vec![tx(1), tx(3)]), 1, "tx 1 is already held");
        pool.remove(&[tx(0).0]);
        assert_eq!(pool.len(), 3);
        assert_eq!(pool.get(&tx(3).0), Some(&tx(3).1));
        assert_eq!(pool.get(&tx(0).0), None, "forgotten");
        let first = pool.take(2);
        assert_eq!(first, vec![(a, tx(1)), (a, tx(2))], "with their ids");
        assert_eq!(pool.take(10), vec![(b, tx(3))]);
        assert!(pool.is_empty());
        assert!(pool.take(5).is_empty());
    }

    #[test]
    fn a_full_pool_drops_its_oldest() {
        let mut pool = GossipPool::new(3);
        pool.add(peer("a"), (0..5).map(tx).collect());
        assert_eq!(pool.len(), 3);
        let held: Vec<_> = pool.take(3).into_iter().map(|(_, t)| t).collect();
        assert_eq!(held, vec![tx(2), tx(3), tx(4)]);
    }
}
