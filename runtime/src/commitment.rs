//! The state commitment in each block header.
//!
//! `root(h) = SHA-256("kuai/state/v1" || root(h-1) || encoding of the ordered diff of block h)`,
//! with `root(genesis) = ` the same over `Hash::ZERO` and the genesis diff. Because the
//! diff sequence determines the state, equal roots mean equal state on every node, and
//! any divergence shows at the first differing block. It is an opaque 32-byte value in
//! the header, so the Merkle state tree with inclusion proofs (verifiable-state issue)
//! replaces it without changing the header format.

use kuai_types::{codec, Hash};

use crate::state::StateDiff;

pub fn state_root(previous: &Hash, diff: &StateDiff) -> Hash {
    let entries: Vec<(&Vec<u8>, &Option<Vec<u8>>)> = diff.iter().collect();
    Hash::tagged(b"kuai/state/v1", &[&previous.0, &codec::encode(&entries)])
}
