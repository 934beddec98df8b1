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
//! - a node's key is its version (big-endian) then its nibble path, so blocks' nodes sort
//!   by version and compaction moves rather than rewrites them (stores from before this
//!   format, recorded in the meta column, keep their keys: [`Store::tree_node_key`]);
//! - nodes and value versions are written in the block's own write batch, with an index of
//!   the nodes each version replaced; with `state_history_blocks = N` in the config, nodes
//!   no version of the last N needs are pruned after each commit, so proofs are available
//!   for the last N heights (without it, for every height).

use jmt::storage::{LeafNode, Node, NodeKey, TreeReader, TreeUpdateBatch};
use jmt::{JellyfishMerkleTree, KeyHash, OwnedValue, RootHash, Version};
use kuai_runtime::StateDiff;
use kuai_types::codec;
use rocksdb::{Direction, IteratorMode, WriteBatch};
use sha2::Sha256;

use super::db::{Store, CF_TREE_NODES, CF_TREE_STALE, CF_TREE_VALUES};
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

/// Applies `diff` (deletions too) and the height key as `version`, one key at a time.
fn key_by_key(
    tree: &JellyfishMerkleTree<Reader<'_>, Sha256>,
    diff: &StateDiff,
    version: Version,
) -> Result<(kuai_types::Hash, TreeUpdateBatch), NodeError> {
    let mut set: Vec<(KeyHash, Option<OwnedValue>)> =
        diff.iter().map(|(k, v)| (key_hash(k), v.clone())).collect();
    set.push((key_hash(HEIGHT_KEY), Some(codec::encode(&version))));
    let (root, batch) = tree.put_value_set(set, version).map_err(tree_err)?;
    Ok((kuai_types::Hash(root.0), batch))
}

/// Reads the tree from the store.
struct Reader<'a>(&'a Store);

impl TreeReader for Reader<'_> {
    fn get_node_option(&self, node_key: &NodeKey) -> anyhow::Result<Option<Node>> {
        let raw = self
            .0
            .raw_get(CF_TREE_NODES, &self.0.tree_node_key(node_key))?;
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
    /// A tree node's key in the store: its version (big-endian) then its nibble path, so
    /// each block's new nodes sort after every older node. Flushed tables then do not
    /// overlap older ones and compaction mostly moves files instead of rewriting them
    /// (with the version little-endian first, as in stores from before the fourth
    /// session, every block's nodes spread over the whole key space and compaction
    /// rewrote the tree again and again: 30% of a node's time after a minute under load).
    pub(super) fn tree_node_key(&self, key: &NodeKey) -> Vec<u8> {
        if self.tree_keys_by_version {
            [
                &key.version().to_be_bytes()[..],
                &codec::encode(key.nibble_path()),
            ]
            .concat()
        } else {
            codec::encode(key)
        }
    }

    /// The root after applying `diff` as version `version` on top of the committed tree,
    /// and the writes that make it durable. Nothing is written here.
    pub fn state_tree_update(
        &self,
        diff: &StateDiff,
        version: Version,
    ) -> Result<(kuai_types::Hash, TreeUpdateBatch), NodeError> {
        let reader = Reader(self);
        let tree = JellyfishMerkleTree::<_, Sha256>::new(&reader);
        // Writes only (nearly every block): jmt's batch insertion sorts the keys and
        // builds each new internal node once, where inserting key by key rebuilds and
        // rehashes the path from the root for every key. Same tree, same root (tested
        // against the key-by-key path). It cannot delete, and it needs the previous
        // version's root (key-by-key insertion starts a tree at any version; a chain's
        // starts at 0, from genesis).
        let batchable = diff.values().all(Option::is_some)
            && (version == 0
                || tree
                    .get_root_hash_option(version - 1)
                    .map_err(tree_err)?
                    .is_some());
        if !batchable {
            return key_by_key(&tree, diff, version);
        }
        let mut set: Vec<(KeyHash, OwnedValue)> = diff
            .iter()
            .filter_map(|(k, v)| v.clone().map(|v| (key_hash(k), v)))
            .collect();
        set.push((key_hash(HEIGHT_KEY), codec::encode(&version)));
        let (roots, batch) = tree
            .batch_put_value_sets(vec![set], None, version)
            .map_err(tree_err)?;
        let root = roots.first().ok_or_else(|| tree_err("no root"))?;
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
            batch.put_cf(nodes, self.tree_node_key(k), codec::encode(n));
        }
        let values = self.cf_handle(CF_TREE_VALUES)?;
        for ((version, hash), v) in update.node_batch.values() {
            batch.put_cf(values, value_key(hash, *version), codec::encode(v));
        }
        let stale = self.cf_handle(CF_TREE_STALE)?;
        for s in &update.stale_node_index_batch {
            batch.put_cf(
                stale,
                [
                    &s.stale_since_version.to_be_bytes()[..],
                    &self.tree_node_key(&s.node_key),
                ]
                .concat(),
                [],
            );
        }
        Ok(())
    }

    /// Deletes the tree nodes that no version from `keep_from` on needs (those replaced at
    /// or before it), so only the roots of the last versions stay provable. Returns how
    /// many nodes it removed.
    pub fn prune_tree(&self, keep_from: Version) -> Result<usize, NodeError> {
        let mut removed = 0;
        loop {
            let entries = self.raw_iter(CF_TREE_STALE, IteratorMode::Start, 1024)?;
            let due: Vec<_> = entries
                .into_iter()
                .take_while(|(k, _)| {
                    k.get(..8)
                        .and_then(|v| v.try_into().ok())
                        .map(u64::from_be_bytes)
                        .is_some_and(|v| v <= keep_from)
                })
                .collect();
            if due.is_empty() {
                return Ok(removed);
            }
            let mut batch = WriteBatch::default();
            let (nodes, stale) = (
                self.cf_handle(CF_TREE_NODES)?,
                self.cf_handle(CF_TREE_STALE)?,
            );
            for (k, _) in &due {
                batch.delete_cf(nodes, &k[8..]);
                batch.delete_cf(stale, k);
            }
            removed += due.len();
            self.write_unsynced(batch)?;
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use kuai_types::{Block, BlockHeader, Hash, Keypair};

    fn commit(store: &Store, h: u64, value: &str) {
        let mut diff = StateDiff::new();
        diff.insert(b"c/1".to_vec(), Some(value.as_bytes().to_vec()));
        let (root, tree) = store.state_tree_update(&diff, h).unwrap();
        commit_diff(store, h, &diff, root, &tree);
    }

    fn commit_diff(store: &Store, h: u64, diff: &StateDiff, root: Hash, tree: &TreeUpdateBatch) {
        let header = BlockHeader {
            chain_id: "t".into(),
            height: h,
            parent_hash: Hash::ZERO,
            time_ms: h,
            proposer: Keypair::from_seed("v").public(),
            tx_root: Hash::ZERO,
            state_root: root,
            receipts_root: Hash::ZERO,
        };
        store
            .commit_block(
                &Block {
                    header,
                    txs: vec![],
                },
                &[],
                &[],
                diff,
                tree,
                None,
            )
            .unwrap();
    }

    /// Batch insertion (blocks without deletions) builds the same tree as inserting key
    /// by key: the same root at every version, over blocks that add, overwrite and (with
    /// deletions, key by key) remove keys, and proofs from the stored nodes hold.
    #[test]
    fn batch_insertion_builds_the_tree_key_by_key_insertion_builds() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (batch, reference) = (
            Store::open(a.path()).unwrap(),
            Store::open(b.path()).unwrap(),
        );
        let mut seed = 7u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for h in 0..40u64 {
            let mut diff = StateDiff::new();
            for _ in 0..(1 + next() % 300) {
                let key = format!("k/{}", next() % 500).into_bytes();
                diff.insert(key, Some(next().to_le_bytes().to_vec()));
            }
            if h % 7 == 3 {
                diff.insert(format!("k/{}", next() % 500).into_bytes(), None);
            }
            let (root, tree) = batch.state_tree_update(&diff, h).unwrap();
            let reader = Reader(&reference);
            let (want, reference_tree) =
                key_by_key(&JellyfishMerkleTree::new(&reader), &diff, h).unwrap();
            assert_eq!(root, want, "version {h}");
            commit_diff(&batch, h, &diff, root, &tree);
            commit_diff(&reference, h, &diff, want, &reference_tree);
        }
        for k in 0..500 {
            let key = format!("k/{k}").into_bytes();
            let (value, proof, root) = batch.state_proof(&key, 39).unwrap();
            let (want, _, _) = reference.state_proof(&key, 39).unwrap();
            assert_eq!(value, want, "k/{k}");
            proof
                .verify(RootHash(root.0), key_hash(&key), value.as_ref())
                .unwrap();
        }
    }

    #[test]
    fn proofs_hold_per_version_and_pruning_keeps_the_window() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        for h in 0..6 {
            commit(&store, h, &format!("v{h}"));
        }
        for h in 0..6 {
            let (value, proof, root) = store.state_proof(b"c/1", h).unwrap();
            assert_eq!(value.as_deref(), Some(format!("v{h}").as_bytes()));
            proof
                .verify(RootHash(root.0), key_hash(b"c/1"), value.as_ref())
                .unwrap();
        }
        let removed = store.prune_tree(4).unwrap();
        assert!(removed > 0);
        for h in 4..6 {
            let (value, proof, root) = store.state_proof(b"c/1", h).unwrap();
            proof
                .verify(RootHash(root.0), key_hash(b"c/1"), value.as_ref())
                .unwrap();
        }
        assert!(
            store.state_proof(b"c/1", 1).is_err(),
            "version 1 is outside the window"
        );
    }
}
