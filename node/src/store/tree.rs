//! The authenticated state: a Jellyfish Merkle tree (the `jmt` crate, SHA-256) over the
//! runtime's state, stored in RocksDB next to it.
//!
//! Rules:
//! - the tree's version is the block height (genesis is version 0); its root after block
//!   `h` is the `state_root` of header `h`;
//! - every version holds the key [`HEIGHT_KEY`] = `h`, so each block has its own root
//!   even when it changes nothing else;
//! - a key of the tree is `SHA-256(state key)` ([`key_hash`]); its value is the state
//!   value's bytes (the canonical encoding), so a client re-encodes a typed record to check it;
//! - nodes and value versions are written in the block's own write batch; no version is
//!   pruned (the window of old roots is the whole chain), so a proof can be asked for at
//!   any committed height.

use jmt::storage::{LeafNode, Node, NodeKey, TreeReader, TreeUpdateBatch};
use jmt::{JellyfishMerkleTree, KeyHash, OwnedValue, RootHash, Version};
use kuai_runtime::StateDiff;
use kuai_types::codec;
use rocksdb::{Direction, IteratorMode, WriteBatch};
use sha2::Sha256;

use super::db::{Store, CF_TREE_NODES, CF_TREE_VALUES};
use crate::error::NodeError;

/// The state key every version sets to its height.
pub const HEIGHT_KEY: &[u8] = b"meta/height";

pub type StateProof = jmt::proof::SparseMerkleProof<Sha256>;

pub fn key_hash(key: &[u8]) -> KeyHash {
    KeyHash::with::<Sha256>(key)
}

fn value_key(hash: &KeyHash, version: Version) -> Vec<u8> {
    [&hash.0[..], &version.to_be_bytes()].concat()
}

fn tree_err(e: impl std::fmt::Display) -> NodeError {
    NodeError::Corrupt {
        what: "state tree".into(),
        reason: e.to_string(),
    }
}

/// Reads the tree from the store.
struct Reader<'a>(&'a Store);

impl TreeReader for Reader<'_> {
    fn get_node_option(&self, node_key: &NodeKey) -> anyhow::Result<Option<Node>> {
        let raw = self.0.raw_get(CF_TREE_NODES, &codec::encode(node_key))?;
        Ok(raw.map(|b| codec::decode(&b, 1 << 20)).transpose()?)
    }

    fn get_value_option(
        &self,
        max_version: Version,
        key_hash: KeyHash,
    ) -> anyhow::Result<Option<OwnedValue>> {
        let start = value_key(&key_hash, max_version);
        let found = self.0.raw_iter(
            CF_TREE_VALUES,
            IteratorMode::From(&start, Direction::Reverse),
            1,
        )?;
        match found.into_iter().next() {
            Some((k, v)) if k.starts_with(&key_hash.0) => {
                Ok(codec::decode::<Option<Vec<u8>>>(&v, 1 << 24)?)
            }
            _ => Ok(None),
        }
    }

    fn get_rightmost_leaf(&self) -> anyhow::Result<Option<(NodeKey, LeafNode)>> {
        anyhow::bail!("state tree restoration from a snapshot is not supported")
    }
}

impl Store {
    /// The root after applying `diff` as version `version` on top of the committed tree,
    /// and the writes that make it durable. Nothing is written here.
    pub fn state_tree_update(
        &self,
        diff: &StateDiff,
        version: Version,
    ) -> Result<(kuai_types::Hash, TreeUpdateBatch), NodeError> {
        let reader = Reader(self);
        let tree = JellyfishMerkleTree::<_, Sha256>::new(&reader);
        let mut set: Vec<(KeyHash, Option<OwnedValue>)> =
            diff.iter().map(|(k, v)| (key_hash(k), v.clone())).collect();
        set.push((key_hash(HEIGHT_KEY), Some(codec::encode(&version))));
        let (root, batch) = tree.put_value_set(set, version).map_err(tree_err)?;
        Ok((kuai_types::Hash(root.0), batch))
    }

    /// Adds a tree update to a write batch.
    pub(super) fn put_tree(
        &self,
        batch: &mut WriteBatch,
        update: &TreeUpdateBatch,
    ) -> Result<(), NodeError> {
        let nodes = self.cf_handle(CF_TREE_NODES)?;
        for (k, n) in update.node_batch.nodes() {
            batch.put_cf(nodes, codec::encode(k), codec::encode(n));
        }
        let values = self.cf_handle(CF_TREE_VALUES)?;
        for ((version, hash), v) in update.node_batch.values() {
            batch.put_cf(values, value_key(hash, *version), codec::encode(v));
        }
        Ok(())
    }

    /// A state value at `version` with its proof of inclusion (or absence) under that
    /// version's root.
    pub fn state_proof(
        &self,
        key: &[u8],
        version: Version,
    ) -> Result<(Option<Vec<u8>>, StateProof, kuai_types::Hash), NodeError> {
        let reader = Reader(self);
        let tree = JellyfishMerkleTree::<_, Sha256>::new(&reader);
        let (value, proof) = tree
            .get_with_proof(key_hash(key), version)
            .map_err(tree_err)?;
        let root: RootHash = tree.get_root_hash(version).map_err(tree_err)?;
        Ok((value, proof, kuai_types::Hash(root.0)))
    }
}
