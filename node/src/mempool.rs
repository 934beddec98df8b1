//! The transaction pool.
//!
//! Rules:
//! - bounded: at most `capacity` transactions; a full pool refuses new ones (the client
//!   retries) rather than evicting what it already accepted;
//! - a transaction is admitted only after [`kuai_runtime::check_envelope`] (chain id,
//!   signature, nonce not already used) against the committed state, so each signature
//!   is verified once per node;
//! - duplicates are refused: the same transaction id, or a second transaction for a
//!   (signer, nonce) already pending; the id is the one this node computed when the
//!   transaction arrived (API or gossip), handed in with it and handed out again by
//!   [`Mempool::reap`], so a transaction is hashed once per node, not at each step;
//! - a nonce more than [`MAX_NONCE_AHEAD`] beyond the signer's next is refused, so one
//!   signer cannot fill the pool with transactions that can never run;
//! - [`Mempool::reap`] hands out transactions in arrival order, per signer in nonce order,
//!   skipping ones whose predecessors are missing;
//! - a transaction still here a time-to-live after it was admitted, by block time, is
//!   dropped ([`Mempool::expire`]): one that can never run (its nonce predecessor never
//!   came, or was lost with a crashed node) must not hold a slot for ever. A client
//!   resubmits what expired; a transaction that can run is in a block long before.

use std::collections::{HashMap, HashSet, VecDeque};

use kuai_runtime::{check_envelope, check_envelope_verified, next_nonce, RuntimeError, StateRead};
use kuai_types::{Hash, PublicKey, SignedTransaction};
use thiserror::Error;

pub const MAX_NONCE_AHEAD: u64 = 10_000;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum AdmitError {
    #[error("the mempool is full ({0} transactions); retry later")]
    Full(usize),
    #[error("transaction {0} is already pending")]
    Duplicate(Hash),
    #[error("signer {signer} already has a pending transaction with nonce {nonce}")]
    NonceTaken { signer: String, nonce: u64 },
    #[error(
        "nonce {found} is more than {MAX_NONCE_AHEAD} ahead of the signer's next nonce {expected}"
    )]
    NonceTooFarAhead { expected: u64, found: u64 },
    #[error(transparent)]
    Invalid(RuntimeError),
}

pub struct Mempool {
    capacity: usize,
    txs: HashMap<Hash, SignedTransaction>,
    /// Ids in arrival order, with the block time (ms) of the head when each arrived.
    order: VecDeque<(Hash, u64)>,
    pending_nonces: HashSet<(PublicKey, u64)>,
    /// The head's block time as of the last [`Mempool::expire`].
    now_ms: u64,
}

impl Mempool {
    pub fn new(capacity: usize) -> Self {
        Mempool {
            capacity,
            txs: HashMap::new(),
            order: VecDeque::new(),
            pending_nonces: HashSet::new(),
            now_ms: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.txs.len()
    }

    /// The most transactions the pool holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many more transactions the pool takes.
    pub fn room(&self) -> usize {
        self.capacity.saturating_sub(self.txs.len())
    }

    pub fn is_empty(&self) -> bool {
        self.txs.is_empty()
    }

    pub fn contains(&self, hash: &Hash) -> bool {
        self.txs.contains_key(hash)
    }

    pub fn get(&self, hash: &Hash) -> Option<&SignedTransaction> {
        self.txs.get(hash)
    }

    /// Checks and admits a transaction; returns its id.
    pub fn admit(
        &mut self,
        state: &dyn StateRead,
        chain_id: &str,
        stx: SignedTransaction,
    ) -> Result<Hash, AdmitError> {
        let hash = stx.hash();
        self.admit_checked(state, chain_id, hash, stx, false)
    }

    /// Admits a transaction whose signature the caller verified (outside the pool's lock,
    /// usually in a batch). `hash` is the transaction's id as this node computed it when
    /// the transaction arrived ([`SignedTransaction::hash`]; never an id a peer sent):
    /// the pool keys it by that.
    pub fn admit_verified(
        &mut self,
        state: &dyn StateRead,
        chain_id: &str,
        hash: Hash,
        stx: SignedTransaction,
    ) -> Result<Hash, AdmitError> {
        self.admit_checked(state, chain_id, hash, stx, true)
    }

    fn admit_checked(
        &mut self,
        state: &dyn StateRead,
        chain_id: &str,
        hash: Hash,
        stx: SignedTransaction,
        signature_verified: bool,
    ) -> Result<Hash, AdmitError> {
        if self.txs.contains_key(&hash) {
            return Err(AdmitError::Duplicate(hash));
        }
        let signer = stx.tx.signer;
        if self.pending_nonces.contains(&(signer, stx.tx.nonce)) {
            return Err(AdmitError::NonceTaken {
                signer: signer.to_hex(),
                nonce: stx.tx.nonce,
            });
        }
        if self.txs.len() >= self.capacity {
            return Err(AdmitError::Full(self.capacity));
        }
        let expected = if signature_verified {
            check_envelope_verified(state, chain_id, &stx)
        } else {
            check_envelope(state, chain_id, &stx)
        }
        .map_err(AdmitError::Invalid)?;
        if stx.tx.nonce > expected.saturating_add(MAX_NONCE_AHEAD) {
            return Err(AdmitError::NonceTooFarAhead {
                expected,
                found: stx.tx.nonce,
            });
        }
        self.pending_nonces.insert((signer, stx.tx.nonce));
        self.order.push_back((hash, self.now_ms));
        self.txs.insert(hash, stx);
        Ok(hash)
    }

    /// Up to `max` transactions that can run in order on top of `state`, with their ids.
    /// Transactions whose nonce is already used in `state` are dropped from the pool.
    pub fn reap(
        &mut self,
        state: &dyn StateRead,
        max: usize,
    ) -> Result<Vec<(Hash, SignedTransaction)>, RuntimeError> {
        let mut expected: HashMap<PublicKey, u64> = HashMap::new();
        let mut picked: Vec<(Hash, SignedTransaction)> = Vec::new();
        let mut taken: HashSet<Hash> = HashSet::new();
        let mut stale: Vec<Hash> = Vec::new();
        // Out-of-order arrivals of one signer need another pass; a few passes cover the
        // common case without quadratic work on a large pool.
        for _pass in 0..4 {
            let before = picked.len();
            for (hash, _) in &self.order {
                if picked.len() >= max {
                    break;
                }
                if taken.contains(hash) {
                    continue;
                }
                let Some(stx) = self.txs.get(hash) else {
                    continue;
                };
                let signer = stx.tx.signer;
                let next = match expected.get(&signer) {
                    Some(n) => *n,
                    None => next_nonce(state, &signer)?,
                };
                expected.insert(signer, next);
                if stx.tx.nonce < next {
                    stale.push(*hash);
                    taken.insert(*hash);
                } else if stx.tx.nonce == next {
                    expected.insert(signer, next + 1);
                    taken.insert(*hash);
                    picked.push((*hash, stx.clone()));
                }
            }
            if picked.len() == before || picked.len() >= max {
                break;
            }
        }
        self.remove(&stale);
        Ok(picked)
    }

    /// Removes transactions (committed ones, or ones found stale).
    pub fn remove(&mut self, hashes: &[Hash]) {
        if hashes.is_empty() {
            return;
        }
        let gone: HashSet<&Hash> = hashes.iter().collect();
        for h in hashes {
            if let Some(stx) = self.txs.remove(h) {
                self.pending_nonces.remove(&(stx.tx.signer, stx.tx.nonce));
            }
        }
        self.order.retain(|(h, _)| !gone.contains(h));
    }

    /// Sets the block time to `now_ms` (the new head's) and drops the transactions
    /// admitted more than `ttl_ms` before it (`ttl_ms` 0: none); returns their ids.
    pub fn expire(&mut self, now_ms: u64, ttl_ms: u64) -> Vec<Hash> {
        self.now_ms = self.now_ms.max(now_ms);
        let mut expired = Vec::new();
        if ttl_ms == 0 {
            return expired;
        }
        while let Some(&(hash, at)) = self.order.front() {
            if at.saturating_add(ttl_ms) >= self.now_ms {
                break;
            }
            self.order.pop_front();
            if let Some(stx) = self.txs.remove(&hash) {
                self.pending_nonces.remove(&(stx.tx.signer, stx.tx.nonce));
                expired.push(hash);
            }
        }
        expired
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kuai_runtime::{keys, MemState};
    use kuai_types::payload::RejectShareRequest;
    use kuai_types::{codec, Keypair, Payload, Transaction};

    fn tx(key: &Keypair, nonce: u64, chain: &str) -> SignedTransaction {
        Transaction {
            chain_id: chain.into(),
            signer: key.public(),
            nonce,
            payload: Payload::RejectShareRequest(RejectShareRequest {
                request_id: nonce,
                reason: "r".into(),
            }),
        }
        .sign(key)
    }

    #[test]
    fn a_transaction_that_waits_past_its_time_to_live_is_dropped_and_frees_its_nonce() {
        let st = MemState::default();
        let k = Keypair::from_seed("a");
        let mut m = Mempool::new(10);
        m.expire(1_000, 600_000);
        // Nonce 1 without nonce 0: it cannot run.
        let stuck = m.admit(&st, "c", tx(&k, 1, "c")).unwrap();
        assert!(m.reap(&st, 10).unwrap().is_empty());
        m.expire(300_000, 600_000);
        let later = m.admit(&st, "c", tx(&k, 2, "c")).unwrap();
        assert!(
            m.expire(601_000, 600_000).is_empty(),
            "not yet past its time to live"
        );
        assert_eq!(m.expire(601_001, 600_000), vec![stuck]);
        assert!(!m.contains(&stuck) && m.contains(&later));
        assert_eq!(m.len(), 1);
        // Its nonce is free again: a resubmission (a new transaction) is admitted.
        let mut again = tx(&k, 1, "c");
        again.tx.payload = Payload::RejectShareRequest(RejectShareRequest {
            request_id: 77,
            reason: "again".into(),
        });
        m.admit(&st, "c", again.tx.sign(&k)).unwrap();
        // A time-to-live of 0 keeps everything; time never goes back.
        assert!(m.expire(10_000_000, 0).is_empty());
        assert_eq!(
            m.expire(5, 1).len(),
            2,
            "time never goes back: at 10,000 s both waited over 1 ms"
        );
        assert!(m.is_empty());
    }

    #[test]
    fn admits_dedupes_and_bounds() {
        let st = MemState::default();
        let k = Keypair::from_seed("a");
        let mut m = Mempool::new(2);
        let h = m.admit(&st, "c", tx(&k, 0, "c")).unwrap();
        assert_eq!(
            m.admit(&st, "c", tx(&k, 0, "c")),
            Err(AdmitError::Duplicate(h))
        );
        let mut other = tx(&k, 0, "c");
        other.tx.payload = Payload::RejectShareRequest(RejectShareRequest {
            request_id: 9,
            reason: "x".into(),
        });
        let other = other.tx.sign(&k);
        assert!(matches!(
            m.admit(&st, "c", other),
            Err(AdmitError::NonceTaken { nonce: 0, .. })
        ));
        m.admit(&st, "c", tx(&k, 1, "c")).unwrap();
        assert_eq!(m.admit(&st, "c", tx(&k, 2, "c")), Err(AdmitError::Full(2)));
        assert!(matches!(
            m.admit(&st, "c", tx(&k, 2, "other")),
            Err(AdmitError::Full(2))
        ));
    }

    #[test]
    fn refuses_invalid_envelopes() {
        let mut st = MemState::default();
        let k = Keypair::from_seed("a");
        st.0.insert(keys::nonce(&k.public()), codec::encode(&3u64));
        let mut m = Mempool::new(10);
        assert!(matches!(
            m.admit(&st, "c", tx(&k, 0, "other")),
            Err(AdmitError::Invalid(RuntimeError::WrongChain { .. }))
        ));
        assert!(matches!(
            m.admit(&st, "c", tx(&k, 2, "c")),
            Err(AdmitError::Invalid(RuntimeError::NonceReplayed {
                expected: 3,
                found: 2
            }))
        ));
        assert!(matches!(
            m.admit(&st, "c", tx(&k, 3 + MAX_NONCE_AHEAD + 1, "c")),
            Err(AdmitError::NonceTooFarAhead { .. })
        ));
        let mut forged = tx(&k, 3, "c");
        forged.signature.0[5] ^= 1;
        assert!(matches!(
            m.admit(&st, "c", forged),
            Err(AdmitError::Invalid(RuntimeError::BadSignature { .. }))
        ));
        assert!(m.is_empty());
    }

    #[test]
    fn reaps_in_nonce_order_and_drops_stale() {
        let mut st = MemState::default();
        let (a, b) = (Keypair::from_seed("a"), Keypair::from_seed("b"));
        let mut m = Mempool::new(100);
        for n in [2, 0, 1] {
            m.admit(&st, "c", tx(&a, n, "c")).unwrap();
        }
        m.admit(&st, "c", tx(&b, 1, "c")).unwrap(); // gap: b's 0 is missing
        let got: Vec<(PublicKey, u64)> = m
            .reap(&st, 10)
            .unwrap()
            .iter()
            .map(|(h, t)| {
                assert_eq!(*h, t.hash(), "reaped with its id");
                (t.tx.signer, t.tx.nonce)
            })
            .collect();
        assert_eq!(got, vec![(a.public(), 0), (a.public(), 1), (a.public(), 2)]);
        assert_eq!(m.reap(&st, 2).unwrap().len(), 2, "max is respected");
        st.0.insert(keys::nonce(&a.public()), codec::encode(&2u64));
        let got = m.reap(&st, 10).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(m.len(), 2, "a's nonces 0 and 1 are stale and dropped");
    }
}
