//! The chain's one hash function: SHA-256 (the fastest choice on this CPU for the
//! small inputs a ledger hashes), always prefixed with a domain tag so a hash of one
//! kind of object can never be confused with another.
//!
//! Tags in use (changing one is a breaking change of the chain format):
//! `kuai/tx/v1` (transaction id), `kuai/block/v1` (block header),
//! `kuai/txroot/leaf/v1`, `kuai/txroot/node/v1` (transactions Merkle root),
//! `kuai/state/v1` (state commitment), `kuai/access-event/v1` (a record's leaf in its
//! block's access bucket, whose root is a [`merkle_root`]).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

use crate::error::TypesError;

/// A 32-byte SHA-256 digest. JSON shows it as lower-case hex; the binary codec as 32 raw bytes.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    pub const ZERO: Hash = Hash([0u8; 32]);

    /// SHA-256 over `tag || part_0 || part_1 || ...`. Callers must make the parts
    /// self-delimiting (fixed width or length-prefixed by the codec).
    pub fn tagged(tag: &[u8], parts: &[&[u8]]) -> Hash {
        let mut h = Sha256::new();
        h.update((tag.len() as u32).to_le_bytes());
        h.update(tag);
        for p in parts {
            h.update(p);
        }
        Hash(h.finalize().into())
    }

    /// Plain SHA-256 of `bytes`, for content addressed by its ordinary digest
    /// (contract code: `sha256sum code.wasm` prints the same).
    pub fn sha256(bytes: &[u8]) -> Hash {
        Hash(Sha256::digest(bytes).into())
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl FromStr for Hash {
    type Err = TypesError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Hash(crate::crypto::hex_array::<32>(s)?))
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", &self.to_hex()[..12])
    }
}

impl Serialize for Hash {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.serialize_str(&self.to_hex())
        } else {
            self.0.serialize(s)
        }
    }
}

impl<'de> Deserialize<'de> for Hash {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            let s = String::deserialize(d)?;
            s.parse().map_err(serde::de::Error::custom)
        } else {
            Ok(Hash(<[u8; 32]>::deserialize(d)?))
        }
    }
}

/// Merkle root over transaction ids (RFC 6962 style: leaves and inner nodes are
/// domain separated; an odd node is promoted unchanged). The empty list hashes to
/// the tag alone.
pub fn merkle_root(leaves: &[Hash]) -> Hash {
    if leaves.is_empty() {
        return Hash::tagged(b"kuai/txroot/empty/v1", &[]);
    }
    let mut level = leaf_level(leaves);
    while level.len() > 1 {
        level = next_level(&level);
    }
    level[0]
}

fn leaf_level(leaves: &[Hash]) -> Vec<Hash> {
    leaves
        .iter()
        .map(|l| Hash::tagged(b"kuai/txroot/leaf/v1", &[&l.0]))
        .collect()
}

/// Pairs hashed together, an odd last node promoted unchanged.
fn next_level(level: &[Hash]) -> Vec<Hash> {
    level
        .chunks(2)
        .map(|pair| match pair.get(1) {
            Some(b) => Hash::tagged(b"kuai/txroot/node/v1", &[&pair[0].0, &b.0]),
            None => pair[0],
        })
        .collect()
}

/// The siblings that lead from leaf `index` of `leaves` to their [`merkle_root`], lowest
/// first (a level where the leaf's node is the promoted odd one adds none); `None` when
/// `index` is out of range.
pub fn merkle_path(leaves: &[Hash], index: usize) -> Option<Vec<Hash>> {
    if index >= leaves.len() {
        return None;
    }
    let mut level = leaf_level(leaves);
    let (mut at, mut path) = (index, Vec::new());
    while level.len() > 1 {
        let sibling = at ^ 1;
        if sibling < level.len() {
            path.push(level[sibling]);
        }
        level = next_level(&level);
        at /= 2;
    }
    Some(path)
}

/// Whether `leaf` is leaf `index` of `count` leaves whose [`merkle_root`] is `root`,
/// by the siblings of [`merkle_path`]. The index and count fix the shape, so each
/// sibling's side is known and no extra or missing sibling passes. The count must come
/// from somewhere authenticated: the path alone does not bind it (with promoted odd
/// nodes, leaf 0 of 3 and of 4 can have the same path).
pub fn merkle_path_leads_to(
    leaf: &Hash,
    index: usize,
    count: usize,
    path: &[Hash],
    root: &Hash,
) -> bool {
    if index >= count {
        return false;
    }
    let mut node = Hash::tagged(b"kuai/txroot/leaf/v1", &[&leaf.0]);
    let (mut at, mut width, mut siblings) = (index, count, path.iter());
    while width > 1 {
        let sibling = at ^ 1;
        if sibling < width {
            let Some(s) = siblings.next() else {
                return false;
            };
            node = if at % 2 == 0 {
                Hash::tagged(b"kuai/txroot/node/v1", &[&node.0, &s.0])
            } else {
                Hash::tagged(b"kuai/txroot/node/v1", &[&s.0, &node.0])
            };
        }
        at /= 2;
        width = width.div_ceil(2);
    }
    siblings.next().is_none() && node == *root
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_separate_domains() {
        assert_ne!(Hash::tagged(b"a", &[b"x"]), Hash::tagged(b"b", &[b"x"]));
        // The tag length prefix stops "ab"+"c" colliding with "a"+"bc".
        assert_ne!(Hash::tagged(b"ab", &[b"c"]), Hash::tagged(b"a", &[b"bc"]));
    }

    #[test]
    fn hex_round_trip_and_errors() {
        let h = Hash::tagged(b"t", &[b"v"]);
        assert_eq!(h.to_hex().parse::<Hash>().unwrap(), h);
        assert!("zz".parse::<Hash>().is_err());
        assert!("00".parse::<Hash>().is_err());
    }

    #[test]
    fn merkle_root_depends_on_order_and_content() {
        let a = Hash::tagged(b"t", &[b"a"]);
        let b = Hash::tagged(b"t", &[b"b"]);
        let c = Hash::tagged(b"t", &[b"c"]);
        assert_ne!(merkle_root(&[a, b]), merkle_root(&[b, a]));
        assert_ne!(merkle_root(&[a, b, c]), merkle_root(&[a, b]));
        assert_ne!(merkle_root(&[a]), a, "a leaf is hashed, never used raw");
        assert_ne!(merkle_root(&[]), merkle_root(&[a]));
    }

    #[test]
    fn every_leaf_has_a_path_to_the_root_and_nothing_else_does() {
        for count in 1..=19usize {
            let leaves: Vec<Hash> = (0..count as u32)
                .map(|i| Hash::tagged(b"t", &[&i.to_le_bytes()]))
                .collect();
            let root = merkle_root(&leaves);
            for (i, leaf) in leaves.iter().enumerate() {
                let path = merkle_path(&leaves, i).unwrap();
                assert!(
                    merkle_path_leads_to(leaf, i, count, &path, &root),
                    "{i} of {count}"
                );
                let other = leaves[(i + 1) % count];
                if count > 1 {
                    assert!(!merkle_path_leads_to(&other, i, count, &path, &root));
                    assert!(!merkle_path_leads_to(
                        leaf,
                        (i + 1) % count,
                        count,
                        &path,
                        &root
                    ));
                }
                let mut longer = path.clone();
                longer.push(root);
                assert!(!merkle_path_leads_to(leaf, i, count, &longer, &root));
                if let Some((_, shorter)) = path.split_last() {
                    assert!(!merkle_path_leads_to(leaf, i, count, shorter, &root));
                }
            }
            assert_eq!(merkle_path(&leaves, count), None);
            assert!(!merkle_path_leads_to(&leaves[0], count, count, &[], &root));
        }
    }

    #[test]
    fn golden_tagged_hash() {
        // Pins the hash format: any change to tagging is a deliberate chain-format change.
        let h = Hash::tagged(b"kuai/test/v1", &[b"abc"]);
        let mut s = Sha256::new();
        s.update(12u32.to_le_bytes());
        s.update(b"kuai/test/v1abc");
        assert_eq!(h.0, <[u8; 32]>::from(s.finalize()));
    }
}
