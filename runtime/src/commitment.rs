//! A hash chain over state diffs, for the runtime's tests and `genesis::build`.
//!
//! `root(h) = SHA-256("kuai/state/v1" || root(h-1) || encoding of the ordered diff of block h)`,
//! with `root(genesis) = ` the same over `Hash::ZERO` and the genesis diff. Because the
//! diff sequence determines the state, equal roots mean equal state, and any divergence
//! shows at the first differing block. It was the header's state root before the
//! Jellyfish Merkle tree (`node/src/store/tree.rs`) replaced it; block execution no
//! longer computes it (hashing every block's whole diff bought nothing a node read).

use kuai_types::{codec, Hash};

use crate::state::StateDiff;

pub fn state_root(previous: &Hash, diff: &StateDiff) -> Hash {
    let entries: Vec<(&Vec<u8>, &Option<Vec<u8>>)> = diff.iter().collect();
    Hash::tagged(b"kuai/state/v1", &[&previous.0, &codec::encode(&entries)])
}
