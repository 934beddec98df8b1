//! Candidate fetches: whom a validator asks, and in what order, for a candidate block it
//! could not assemble from a compact proposal.
//!
//! Rules:
//! - the round's proposer is asked first: it stored the block before proposing it;
//! - then every other validator, one at a time, in the validator set's order starting
//!   after the proposer: each that assembled or received the block stored it too, so a
//!   proposer that crashed or was cut off after proposing does not strand the block;
//! - a peer is asked once per block, and the next one only when the peer asked now
//!   answers that it lacks the block (or the request fails): late or repeated answers
//!   from peers asked earlier move nothing;
//! - a fetch ends when the block arrives, when every peer was asked, or when its height
//!   is committed; re-gossip of a stalled height and the next round recover from there.

use std::collections::{HashMap, VecDeque};

use kuai_consensus::types::Height;
use kuai_types::{Hash, PublicKey};

/// The fetches in progress, by block hash.
#[derive(Default)]
pub struct CandidateFetches {
    pending: HashMap<Hash, Fetch>,
}

struct Fetch {
    height: Height,
    asking: PublicKey,
    untried: VecDeque<PublicKey>,
}

impl CandidateFetches {
    /// Starts fetching block `hash` of `height`: the peer to ask first (the proposer), or
    /// `None` when this block is being fetched already.
    pub fn start(
        &mut self,
        hash: Hash,
        height: Height,
        proposer: PublicKey,
        validators: &[PublicKey],
        me: &PublicKey,
    ) -> Option<PublicKey> {
        if self.pending.contains_key(&hash) {
            return None;
        }
        let at = validators.iter().position(|v| *v == proposer).unwrap_or(0);
        let untried = validators[at..]
            .iter()
            .chain(&validators[..at])
            .filter(|v| **v != proposer && *v != me)
            .copied()
            .collect();
        self.pending.insert(
            hash,
            Fetch {
                height,
                asking: proposer,
                untried,
            },
        );
        Some(proposer)
    }

    /// `from` does not deliver block `hash`: the block's height and the next peer to ask,
    /// or `None` when `from` is not the peer asked now or no peer is left (the fetch
    /// ends then).
    pub fn unavailable(&mut self, hash: &Hash, from: &PublicKey) -> Option<(Height, PublicKey)> {
        let fetch = self.pending.get_mut(hash)?;
        if fetch.asking != *from {
            return None;
        }
        match fetch.untried.pop_front() {
            Some(next) => {
                fetch.asking = next;
                Some((fetch.height, next))
            }
            None => {
                self.pending.remove(hash);
                None
            }
        }
    }

    /// The fetch of `hash` ends: its block arrived (from whichever peer, or re-gossiped).
    pub fn end(&mut self, hash: &Hash) {
        self.pending.remove(hash);
    }

    /// Forgets the fetches of committed heights (below `next`).
    pub fn prune(&mut self, next: Height) {
        self.pending.retain(|_, f| f.height >= next);
    }

    /// How many blocks are being fetched.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kuai_types::Keypair;

    fn keys(n: usize) -> Vec<PublicKey> {
        (0..n)
            .map(|i| Keypair::from_seed(&format!("fetch {i}")).public())
            .collect()
    }

    #[test]
    fn the_proposer_is_asked_first_then_each_other_validator_once() {
        let v = keys(5);
        let (me, proposer) = (v[1], v[3]);
        let mut f = CandidateFetches::default();
        let b = Hash::sha256(b"block");
        assert_eq!(f.start(b, 7, proposer, &v, &me), Some(proposer));
        assert_eq!(
            f.start(b, 7, proposer, &v, &me),
            None,
            "one fetch per block"
        );
        let mut asked = vec![proposer];
        let mut from = proposer;
        while let Some((h, next)) = f.unavailable(&b, &from) {
            assert_eq!(h, 7);
            asked.push(next);
            from = next;
        }
        // After the proposer, in the set's order from there, without this node.
        assert_eq!(asked, vec![v[3], v[4], v[0], v[2]]);
        assert!(f.is_empty(), "a fetch that ran out of peers ends");
        assert_eq!(f.unavailable(&b, &from), None);
    }

    #[test]
    fn only_the_peer_asked_now_moves_the_fetch_on() {
        let v = keys(4);
        let mut f = CandidateFetches::default();
        let b = Hash::sha256(b"block");
        f.start(b, 3, v[0], &v, &v[2]);
        assert_eq!(f.unavailable(&b, &v[1]), None, "v1 was not asked");
        assert_eq!(f.unavailable(&b, &v[0]), Some((3, v[1])));
        assert_eq!(
            f.unavailable(&b, &v[0]),
            None,
            "a repeated answer moves nothing"
        );
        assert_eq!(f.unavailable(&b, &v[1]), Some((3, v[3])));
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn a_fetch_ends_when_its_block_arrives_or_its_height_commits() {
        let v = keys(4);
        let mut f = CandidateFetches::default();
        let (a, b) = (Hash::sha256(b"a"), Hash::sha256(b"b"));
        f.start(a, 5, v[0], &v, &v[1]);
        f.start(b, 6, v[0], &v, &v[1]);
        f.end(&a);
        assert_eq!(f.unavailable(&a, &v[0]), None);
        f.prune(6);
        assert_eq!(f.len(), 1, "height 6 is not committed yet");
        f.prune(7);
        assert!(f.is_empty());
        assert_eq!(
            f.start(a, 7, v[0], &v, &v[1]),
            Some(v[0]),
            "a block can be fetched again later"
        );
    }
}
