//! The authenticated state: a Jellyfish Merkle tree (the `jmt` crate, SHA-256) over the
//! runtime's state, stored in RocksDB next to it.
//!
//! Rules:
//! - the tree's version is the block height (genesis is version 0); its root after block
//!   `h` is the `state_root` of header `h`;
//! - its leaves are the state's keys, except access-event records (`a/{id}`) from the
//!   height a chain's genesis starts access buckets at: their block's bucket
//!   (`ab/{height}`) is the leaf for them (`kuai_types::access_bucket`);
//! - every version holds the key [`HEIGHT_KEY`] = `h`, so each block has its own root
//!   even when it changes nothing else;
//! - a key of the tree is `SHA-256(state key)` ([`key_hash`]); its value is the state
//!   value's bytes (the canonical encoding), so a client re-encodes a typed record to check it;
//! - a node's key is its version (big-endian) then its nibble path, so blocks' nodes sort
//!   by version and compaction moves rather than rewrites them (stores from before this
//!   format, recorded in the meta column, keep their keys: [`Store::tree_node_key`]);
//! - nodes and value versions are written in the block's own write batch, with an index of
//!   the nodes each version replaced (one entry per version, listing them); with
//!   `state_history_blocks = N` in the config, nodes no version of the last N needs are
//!   pruned after each commit, so proofs are available for the last N heights (without
//!   it, for every height);
//! - a node's value is [`NODE_COMPACT`] then the node in bincode's varint form
//!   ([`encode_node`]): a fifth of the bytes each block writes, against the fixed-width
//!   form, whose versions, counts and enum tags take 4-8 bytes each. Nodes written
//!   before it (fixed-width, so starting with their variant's 0-2) still decode, so a
//!   store needs no migration; the encoding is local (hashes never cover it).

use std::collections::BTreeMap;
use std::sync::Mutex;

use jmt::storage::{LeafNode, Node, NodeKey, TreeReader, TreeUpdateBatch};
use jmt::{JellyfishMerkleTree, KeyHash, OwnedValue, RootHash, Version};
use kuai_runtime::{keys, StateDiff};
use kuai_types::codec;
use rocksdb::{Direction, IteratorMode, WriteBatch};
use sha2::Sha256;

use super::batch::put_in_key_order;
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

/// The first byte of a node in the compact encoding; the fixed-width encoding of a node
/// starts with its variant's index (0-2, little-endian u32), never with this.
pub(super) const NODE_COMPACT: u8 = 0xC1;

/// The most bytes a node may decode from (a full internal node takes about 650).
const NODE_LIMIT: u64 = 1 << 20;

/// Varint, little-endian, no trailing bytes (bincode's defaults).
fn compact() -> bincode::DefaultOptions {
    bincode::DefaultOptions::new()
}

/// A node as stored: [`NODE_COMPACT`] then bincode's varint encoding.
pub(super) fn encode_node(node: &Node) -> Result<Vec<u8>, NodeError> {
    use bincode::Options;
    let mut out = Vec::with_capacity(700);
    out.push(NODE_COMPACT);
    // Without a limit, so bincode does not size the node in a first pass.
    compact().serialize_into(&mut out, node).map_err(tree_err)?;
    Ok(out)
}

/// A stored node, in either encoding.
pub(super) fn decode_node(bytes: &[u8]) -> Result<Node, NodeError> {
    use bincode::Options;
    match bytes.split_first() {
        Some((&NODE_COMPACT, rest)) => compact()
            .with_limit(NODE_LIMIT)
            .deserialize(rest)
            .map_err(tree_err),
        _ => Ok(codec::decode(bytes, NODE_LIMIT as usize)?),
    }
}

fn tree_err(e: impl std::fmt::Display) -> NodeError {
    NodeError::Corrupt {
        what: "state tree".into(),
        reason: e.to_string(),
    }
}

/// Applies `diff` (deletions too) and the height key as `version`, one key at a time.
fn key_by_key<'d>(
    tree: &JellyfishMerkleTree<Reader<'_>, Sha256>,
    leaves: impl IntoIterator<Item = (&'d Vec<u8>, &'d Option<Vec<u8>>)>,
    version: Version,
) -> Result<(kuai_types::Hash, TreeUpdateBatch), NodeError> {
    let mut set: Vec<(KeyHash, Option<OwnedValue>)> = leaves
        .into_iter()
        .map(|(k, v)| (key_hash(k), v.clone()))
        .collect();
    set.push((key_hash(HEIGHT_KEY), Some(codec::encode(&version))));
    let (root, batch) = tree.put_value_set(set, version).map_err(tree_err)?;
    Ok((kuai_types::Hash(root.0), batch))
}

/// The levels of the tree [`NodeCache`] keeps: the root's and the next `NODE_CACHE_LEVELS`
/// (1 + 16 + 256 + 4,096 + 65,536 = 69,905 nodes at most, about 50 MiB once the tree is
/// that large).
const NODE_CACHE_LEVELS: usize = 4;

/// The decoded nodes of the top levels of the state tree, as the last committed blocks
/// wrote them: every block rewrites these levels and reads them first, and a third of a
/// tree update's time was reading them back from RocksDB (a third of that decoding).
/// One slot per nibble path, so no hashing and no eviction; the slots are allocated by the
/// first commit, so a store that only reads (CLI tools, backups) never holds them.
///
/// Rules:
/// - only nodes of committed versions go in ([`NodeCache::committed`], after the block's
///   write): a proposal's nodes are not durable, and another block may commit at its
///   height with different nodes under the same keys;
/// - a slot answers only for the exact version it holds (a committed node key names one
///   node for ever), so a replaced node is simply never asked for again;
/// - only the tree update reads through it: it reads the nodes of the head's tree, which
///   pruning never removes, while proofs read the store, so a pruned node is never served.
pub(crate) struct NodeCache(Mutex<Vec<Option<(Version, Node)>>>);

impl Default for NodeCache {
    fn default() -> Self {
        NodeCache(Mutex::new(Vec::new()))
    }
}

/// The first slot of nibble-path length `n`: (16^n - 1) / 15.
fn level_start(n: usize) -> usize {
    ((1usize << (4 * n)) - 1) / 15
}

/// The slot of a nibble path, when its level is cached.
fn slot(path: &jmt::storage::NibblePath) -> Option<usize> {
    let n = path.num_nibbles();
    (n <= NODE_CACHE_LEVELS).then(|| {
        let within = (0..n).fold(0, |at, i| {
            at * 16 + usize::from(u8::from(path.get_nibble(i)))
        });
        level_start(n) + within
    })
}

impl NodeCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Option<(Version, Node)>>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn get(&self, key: &NodeKey) -> Option<Node> {
        let at = slot(key.nibble_path())?;
        match self.lock().get(at) {
            Some(Some((version, node))) if *version == key.version() => Some(node.clone()),
            _ => None,
        }
    }

    /// Keeps the top-level nodes a committed block wrote.
    pub(super) fn committed(&self, update: &TreeUpdateBatch) {
        let mut slots = self.lock();
        if slots.is_empty() {
            slots.resize(level_start(NODE_CACHE_LEVELS + 1), None);
        }
        for (k, n) in update.node_batch.nodes() {
            if let Some(at) = slot(k.nibble_path()) {
                if slots[at].as_ref().is_none_or(|(v, _)| *v <= k.version()) {
                    slots[at] = Some((k.version(), n.clone()));
                }
            }
        }
    }
}

/// Reads the tree from the store; through the node cache when `cached` (only for
/// updates of the head's tree: see [`NodeCache`]).
struct Reader<'a> {
    store: &'a Store,
    cached: bool,
}

impl TreeReader for Reader<'_> {
    fn get_node_option(&self, node_key: &NodeKey) -> anyhow::Result<Option<Node>> {
        if self.cached {
            if let Some(node) = self.store.tree_cache.get(node_key) {
                return Ok(Some(node));
            }
        }
        let raw = self
            .store
            .raw_get(CF_TREE_NODES, &self.store.tree_node_key(node_key))?;
        Ok(raw.map(|b| decode_node(&b)).transpose()?)
    }

    fn get_value_option(
        &self,
        max_version: Version,
        key_hash: KeyHash,
    ) -> anyhow::Result<Option<OwnedValue>> {
        let start = value_key(&key_hash, max_version);
        let found = self.store.raw_iter(
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
        // Once access buckets are in force, access-event records are state but not
        // leaves: their block's bucket is (`kuai_types::access_bucket`). The rule is
        // read from the committed state, as the runtime reads it when it seals a bucket.
        let buckets = version > 0 && kuai_runtime::access_buckets::in_force(self, version)?;
        let leaves = || {
            diff.iter()
                .filter(move |(k, _)| !(buckets && keys::outside_state_tree(k)))
        };
        let reader = Reader {
            store: self,
            cached: true,
        };
        let tree = JellyfishMerkleTree::<_, Sha256>::new(&reader);
        // Writes only (nearly every block): jmt's batch insertion sorts the keys and
        // builds each new internal node once, where inserting key by key rebuilds and
        // rehashes the path from the root for every key. Same tree, same root (tested
        // against the key-by-key path). It cannot delete, and it needs the previous
        // version's root (key-by-key insertion starts a tree at any version; a chain's
        // starts at 0, from genesis).
        let batchable = leaves().all(|(_, v)| v.is_some())
            && (version == 0
                || tree
                    .get_root_hash_option(version - 1)
                    .map_err(tree_err)?
                    .is_some());
        if !batchable {
            return key_by_key(&tree, leaves(), version);
        }
        let mut set: Vec<(KeyHash, OwnedValue)> = leaves()
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
        let nodes = update
            .node_batch
            .nodes()
            .iter()
            .map(|(k, n)| Ok((self.tree_node_key(k), encode_node(n)?)))
            .collect::<Result<_, NodeError>>()?;
        put_in_key_order(batch, self.cf_handle(CF_TREE_NODES)?, nodes);
        let values = update
            .node_batch
            .values()
            .iter()
            .map(|((version, hash), v)| (value_key(hash, *version), codec::encode(v)))
            .collect();
        put_in_key_order(batch, self.cf_handle(CF_TREE_VALUES)?, values);
        // One index entry per version (not one per replaced node: about 7.5 a
        // transaction, each a memtable insert on every commit and a delete when pruned).
        let mut replaced: BTreeMap<Version, Vec<Vec<u8>>> = BTreeMap::new();
        for s in &update.stale_node_index_batch {
            replaced
                .entry(s.stale_since_version)
                .or_default()
                .push(self.tree_node_key(&s.node_key));
        }
        let stale = self.cf_handle(CF_TREE_STALE)?;
        for (version, keys) in replaced {
            batch.put_cf(stale, version.to_be_bytes(), codec::encode(&keys));
        }
        Ok(())
    }

    /// Deletes the tree nodes that no version from `keep_from` on needs (those replaced at
    /// or before it), so only the roots of the last versions stay provable. Returns how
    /// many nodes it removed.
    ///
    /// The replaced-node index has two entry forms: the version alone, valued with the
    /// list of node keys that version replaced (written now), and the version followed by
    /// one node key, valued empty (stores written before the fifth session). Both sort
    /// by version first, so one pass in key order takes both.
    pub fn prune_tree(&self, keep_from: Version) -> Result<usize, NodeError> {
        /// Node deletions per write batch.
        const BATCH_NODES: usize = 16_384;
        let mut removed = 0;
        loop {
            let entries = self.raw_iter(CF_TREE_STALE, IteratorMode::Start, 256)?;
            let mut batch = WriteBatch::default();
            let (nodes, stale) = (
                self.cf_handle(CF_TREE_NODES)?,
                self.cf_handle(CF_TREE_STALE)?,
            );
            let mut count = 0;
            for (k, v) in entries {
                let version = k
                    .get(..8)
                    .and_then(|v| v.try_into().ok())
                    .map(u64::from_be_bytes)
                    .ok_or_else(|| tree_err(format!("replaced-node index key {k:02x?}")))?;
                if version > keep_from || count >= BATCH_NODES {
                    break;
                }
                if k.len() == 8 {
                    let keys: Vec<Vec<u8>> = codec::decode(&v, 1 << 30).map_err(tree_err)?;
                    for node in &keys {
                        batch.delete_cf(nodes, node);
                    }
                    count += keys.len();
                } else {
                    batch.delete_cf(nodes, &k[8..]);
                    count += 1;
                }
                batch.delete_cf(stale, &k);
            }
            if batch.is_empty() {
                return Ok(removed);
            }
            removed += count;
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
        let reader = Reader {
            store: self,
            cached: false,
        };
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

    #[test]
    fn access_events_are_leaves_only_before_buckets_are_in_force() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let mut genesis = StateDiff::new();
        genesis.insert(
            keys::ACCESS_BUCKETS_FROM.to_vec(),
            Some(codec::encode(&2u64)),
        );
        let (root, tree) = store.state_tree_update(&genesis, 0).unwrap();
        commit_diff(&store, 0, &genesis, root, &tree);
        for h in 1..=2u64 {
            let mut diff = StateDiff::new();
            diff.insert(keys::access_event(h), Some(vec![h as u8; 8]));
            diff.insert(keys::grant(h), Some(vec![h as u8; 8]));
            let (root, tree) = store.state_tree_update(&diff, h).unwrap();
            commit_diff(&store, h, &diff, root, &tree);
        }
        // Both records are state; only the one before height 2 is a leaf.
        for h in 1..=2u64 {
            let stored = store.raw_state(&keys::access_event(h)).unwrap();
            assert_eq!(stored, Some(vec![h as u8; 8]));
            let (leaf, _, _) = store.state_proof(&keys::access_event(h), 2).unwrap();
            assert_eq!(leaf.is_some(), h < 2, "access event of block {h}");
            let (grant, _, _) = store.state_proof(&keys::grant(h), 2).unwrap();
            assert_eq!(grant, Some(vec![h as u8; 8]), "other keys stay leaves");
        }
    }

    #[test]
    fn nodes_round_trip_compactly_and_old_nodes_still_decode() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let diff: StateDiff = (0..600u32)
            .map(|i| (format!("k/{i}").into_bytes(), Some(vec![i as u8; 40])))
            .collect();
        let (_, update) = store.state_tree_update(&diff, 1).unwrap();
        // Internal nodes (the leaves are two hashes either way).
        let (mut compact_bytes, mut fixed_bytes, mut internal) = (0, 0, 0);
        for node in update.node_batch.nodes().values() {
            internal += usize::from(matches!(node, Node::Internal(_)));
            let compact = encode_node(node).unwrap();
            let fixed = codec::encode(node);
            assert_eq!(compact[0], NODE_COMPACT);
            assert!(fixed[0] <= 2, "fixed-width nodes start with their variant");
            assert_eq!(&decode_node(&compact).unwrap(), node);
            assert_eq!(&decode_node(&fixed).unwrap(), node);
            for cut in [1, compact.len() / 2, compact.len() - 1] {
                assert!(decode_node(&compact[..cut]).is_err(), "cut at {cut}");
            }
            if matches!(node, Node::Internal(_)) {
                compact_bytes += compact.len();
                fixed_bytes += fixed.len();
            }
        }
        assert!(internal > 16, "the update has internal nodes ({internal})");
        assert!(
            compact_bytes * 4 < fixed_bytes * 3,
            "compact {compact_bytes} bytes against fixed-width {fixed_bytes}"
        );
        assert!(decode_node(&[]).is_err());
        assert!(decode_node(&[NODE_COMPACT, 9, 9, 9]).is_err());
    }

    /// Each of `heights` proves `c/1` = `v{h}` (as [`commit`] wrote it) against its root.
    fn assert_provable(store: &Store, heights: std::ops::Range<u64>) {
        for h in heights {
            let (value, proof, root) = store.state_proof(b"c/1", h).unwrap();
            assert_eq!(value.as_deref(), Some(format!("v{h}").as_bytes()));
            proof
                .verify(RootHash(root.0), key_hash(b"c/1"), value.as_ref())
                .unwrap();
        }
    }

    /// Two fresh stores (and their directories) that committed the same versions `0..n`.
    fn twin_stores(n: u64) -> ([tempfile::TempDir; 2], Store, Store) {
        let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
        let (a, b) = (
            Store::open(dirs[0].path()).unwrap(),
            Store::open(dirs[1].path()).unwrap(),
        );
        for h in 0..n {
            commit(&a, h, &format!("v{h}"));
            commit(&b, h, &format!("v{h}"));
        }
        (dirs, a, b)
    }

    /// Batch insertion (blocks without deletions) builds the same tree as inserting key
    /// by key: the same root at every version, over blocks that add, overwrite and (with
    /// deletions, key by key) remove keys, and proofs from the stored nodes hold.
    #[test]
    fn batch_insertion_builds_the_tree_key_by_key_insertion_builds() {
        let (_dirs, batch, reference) = twin_stores(0);
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
            let reader = Reader {
                store: &reference,
                cached: false,
            };
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

    /// The node cache holds the committed blocks' top nodes and nothing of a proposal
    /// that never committed: an update through it gives the root a store read without
    /// it gives, after an abandoned proposal at the same height.
    #[test]
    fn the_node_cache_holds_committed_nodes_only() {
        let (_dirs, cached, plain) = twin_stores(5);
        let mut abandoned = StateDiff::new();
        abandoned.insert(b"c/1".to_vec(), Some(b"abandoned".to_vec()));
        abandoned.insert(b"c/2".to_vec(), Some(b"abandoned".to_vec()));
        let (abandoned_root, _) = cached.state_tree_update(&abandoned, 5).unwrap();
        let root_at_5 = NodeKey::new(5, std::iter::empty().collect());
        assert!(cached.tree_cache.get(&root_at_5).is_none());
        for h in 5..8 {
            commit(&cached, h, &format!("v{h}"));
            commit(&plain, h, &format!("v{h}"));
        }
        // One slot per path: the head's root, not the replaced ones.
        let root_at_7 = NodeKey::new(7, std::iter::empty().collect());
        assert!(cached.tree_cache.get(&root_at_7).is_some());
        assert!(cached.tree_cache.get(&root_at_5).is_none());
        let mut next = StateDiff::new();
        next.insert(b"c/3".to_vec(), Some(b"x".to_vec()));
        let (root, _) = cached.state_tree_update(&next, 8).unwrap();
        let reader = Reader {
            store: &plain,
            cached: false,
        };
        let (want, _) = key_by_key(&JellyfishMerkleTree::new(&reader), &next, 8).unwrap();
        assert_eq!(root, want);
        let (_, _, root_5) = cached.state_proof(b"c/1", 5).unwrap();
        assert_ne!(root_5, abandoned_root);
    }

    /// A replaced-node index in the form stores from before the fifth session have (one
    /// entry per node, valued empty) is pruned as the per-version form is: the same
    /// nodes go, the window stays provable, and the index ends up empty up to the window.
    #[test]
    fn pruning_takes_the_older_one_entry_per_node_index_too() {
        let (_dirs, current, older) = twin_stores(8);
        // Rewrite `older`'s index in the one-entry-per-node form.
        let entries = older
            .raw_iter(CF_TREE_STALE, IteratorMode::Start, usize::MAX)
            .unwrap();
        assert!(entries.iter().all(|(k, _)| k.len() == 8));
        let stale = older.cf_handle(CF_TREE_STALE).unwrap();
        let mut batch = WriteBatch::default();
        for (k, v) in &entries {
            batch.delete_cf(stale, k);
            for node in codec::decode::<Vec<Vec<u8>>>(v, 1 << 20).unwrap() {
                batch.put_cf(stale, [&k[..], &node].concat(), []);
            }
        }
        older.write_unsynced(batch).unwrap();

        let removed = current.prune_tree(5).unwrap();
        assert!(removed > 0);
        assert_eq!(older.prune_tree(5).unwrap(), removed);
        for store in [&current, &older] {
            let nodes = store
                .raw_iter(CF_TREE_NODES, IteratorMode::Start, usize::MAX)
                .unwrap();
            assert_eq!(
                nodes,
                current
                    .raw_iter(CF_TREE_NODES, IteratorMode::Start, usize::MAX)
                    .unwrap()
            );
            let left = store
                .raw_iter(CF_TREE_STALE, IteratorMode::Start, usize::MAX)
                .unwrap();
            assert!(left
                .iter()
                .all(|(k, _)| u64::from_be_bytes(k[..8].try_into().unwrap()) > 5));
            assert_provable(store, 5..8);
            assert!(store.state_proof(b"c/1", 2).is_err());
        }
    }

    #[test]
    fn proofs_hold_per_version_and_pruning_keeps_the_window() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        for h in 0..6 {
            commit(&store, h, &format!("v{h}"));
        }
        assert_provable(&store, 0..6);
        let removed = store.prune_tree(4).unwrap();
        assert!(removed > 0);
        assert_provable(&store, 4..6);
        assert!(
            store.state_proof(b"c/1", 1).is_err(),
            "version 1 is outside the window"
        );
    }
}
