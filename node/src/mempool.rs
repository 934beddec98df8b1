//! The transaction pool.
//!
//! Rules:
//! - bounded: at most `capacity` transactions; a full pool refuses new ones (the client
//!   retries) rather than evicting what it already accepted;
//! - a transaction is admitted only after [`kuai_runtime::check_envelope`] (chain id,
//!   signature, nonce not already used) against the committed state, so each signature
//!   is verified once per node;
//! - duplicates are refused: the same transaction id, or a second transaction for a
//!   (signer, nonce) already pending;
//! - a nonce more than [`MAX_NONCE_AHEAD`] beyond the signer's next is refused, so one
//!   signer cannot fill the pool with transactions that can never run;
//! - [`Mempool::reap`] hands out transactions in arrival order, per signer in nonce order,
//!   skipping ones whose predecessors are missing.

use std::collections::{HashMap, HashSet, VecDeque};

use kuai_runtime::{
    check_envelope, check_envelope_verified, keys, Overlay, RuntimeError, StateRead,
};
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
    order: VecDeque<Hash>,
    pending_nonces: HashSet<(PublicKey, u64)>,
}

fn next_nonce(state: &dyn StateRead, signer: &PublicKey) -> Result<u64, RuntimeError> {
    Ok(Overlay::new(state)
        .read::<u64>(&keys::nonce(signer))?
        .unwrap_or(0))
}

impl Mempool {
    pub fn new(capacity: usize) -> Self {
        Mempool {
            capacity,
            txs: HashMap::new(),
            order: VecDeque::new(),
            pending_nonces: HashSet::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.txs.len()
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
        self.admit_checked(state, chain_id, stx, false)
    }

    /// Admits a transaction whose signature the caller verified (outside the pool's lock,
    /// usually in a batch).
    pub fn admit_verified(
        &mut self,
        state: &dyn StateRead,
        chain_id: &str,
        stx: SignedTransaction,
    ) -> Result<Hash, AdmitError> {
        self.admit_checked(state, chain_id, stx, true)
    }

    fn admit_checked(
        &mut self,
        state: &dyn StateRead,
        chain_id: &str,
        stx: SignedTransaction,
        signature_verified: bool,
    ) -> Result<Hash, AdmitError> {
        let hash = stx.hash();
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
        if signature_verified {
            check_envelope_verified(state, chain_id, &stx).map_err(AdmitError::Invalid)?;
        } else {
            check_envelope(state, chain_id, &stx).map_err(AdmitError::Invalid)?;
        }
        let expected = next_nonce(state, &signer).map_err(AdmitError::Invalid)?;
        if stx.tx.nonce > expected.saturating_add(MAX_NONCE_AHEAD) {
            return Err(AdmitError::NonceTooFarAhead {
                expected,
                found: stx.tx.nonce,
            });
        }
        self.pending_nonces.insert((signer, stx.tx.nonce));
        self.order.push_back(hash);
        self.txs.insert(hash, stx);
        Ok(hash)
    }

    /// Up to `max` transactions that can run in order on top of `state`. Transactions
    /// whose nonce is already used in `state` are dropped from the pool.
    pub fn reap(
        &mut self,
        state: &dyn StateRead,
        max: usize,
    ) -> Result<Vec<SignedTransaction>, RuntimeError> {
        let mut expected: HashMap<PublicKey, u64> = HashMap::new();
        let mut picked: Vec<SignedTransaction> = Vec::new();
        let mut taken: HashSet<Hash> = HashSet::new();
        let mut stale: Vec<Hash> = Vec::new();
        // Out-of-order arrivals of one signer need another pass; a few passes cover the
        // common case without quadratic work on a large pool.
        for _pass in 0..4 {
            let before = picked.len();
            for hash in &self.order {
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
                    picked.push(stx.clone());
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
        self.order.retain(|h| !gone.contains(h));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kuai_runtime::MemState;
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
            .map(|t| (t.tx.signer, t.tx.nonce))
            .collect();
        assert_eq!(got, vec![(a.public(), 0), (a.public(), 1), (a.public(), 2)]);
        assert_eq!(m.reap(&st, 2).unwrap().len(), 2, "max is respected");
        st.0.insert(keys::nonce(&a.public()), codec::encode(&2u64));
        let got = m.reap(&st, 10).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(m.len(), 2, "a's nonces 0 and 1 are stale and dropped");
    }
}
