use std::path::Path;

use jmt::storage::TreeUpdateBatch;
use kuai_consensus::wal::Wal;
use kuai_consensus::SafetyRecord;
use kuai_runtime::{RuntimeError, StateDiff, StateRead};
use kuai_types::certificate::CommitCertificate;
use kuai_types::codec::{self, MAX_BLOCK_BYTES, MAX_STATE_VALUE_BYTES};
use kuai_types::genesis::GenesisSpec;
use kuai_types::{Block, BlockHeader, Event, Hash, Receipt};
use rocksdb::{Direction, IteratorMode, Options, ReadOptions, WriteBatch, WriteOptions, DB};
use serde::{de::DeserializeOwned, Deserialize, Serialize};

use super::batch::put_in_key_order;
use super::tuning::MemtableSpread;
use crate::error::NodeError;

const CF_BLOCKS: &str = "blocks";
const CF_RECEIPTS: &str = "receipts";
const CF_STATE: &str = "state";
const CF_INDEX: &str = "index";
const CF_META: &str = "meta";
const CF_BLOCK_EVENTS: &str = "block_events";
const CF_CERTIFICATES: &str = "certificates";
const CF_CONSENSUS: &str = "consensus";
/// Candidate blocks in the consensus column family: `cand/` || height (BE) || hash.
const CANDIDATE_PREFIX: &[u8] = b"cand/";

fn candidate_key(height: u64, hash: &Hash) -> Vec<u8> {
    [CANDIDATE_PREFIX, &height.to_be_bytes()[..], &hash.0[..]].concat()
}
/// The consensus write-ahead log of a height: `wal/` || height (BE).
const WAL_PREFIX: &[u8] = b"wal/";
/// Where a single log was kept before logs were kept per height.
const LEGACY_WAL_KEY: &[u8] = b"wal";

fn wal_key(height: u64) -> Vec<u8> {
    [WAL_PREFIX, &height.to_be_bytes()[..]].concat()
}
pub(super) const CF_TREE_NODES: &str = "tree_nodes";
pub(super) const CF_TREE_VALUES: &str = "tree_values";
pub(super) const CF_TREE_STALE: &str = "tree_stale";
const ALL_CFS: [&str; 11] = [
    CF_TREE_STALE,
    CF_TREE_NODES,
    CF_TREE_VALUES,
    CF_BLOCKS,
    CF_RECEIPTS,
    CF_STATE,
    CF_INDEX,
    CF_META,
    CF_BLOCK_EVENTS,
    CF_CERTIFICATES,
    CF_CONSENSUS,
];

const META_HEAD: &[u8] = b"head";
const META_GENESIS: &[u8] = b"genesis";
/// Present (`v2`) when tree-node keys start with the version, big-endian (see
/// [`Store::tree_node_key`]); stores from before it keep their little-endian keys.
const META_TREE_KEYS: &[u8] = b"tree_key_format";
const TREE_KEYS_BY_VERSION: &[u8] = b"v2";

/// A raw state entry.
pub type KeyValue = (Vec<u8>, Vec<u8>);

/// The last committed block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    pub height: u64,
    pub hash: Hash,
    pub state_root: Hash,
    pub time_ms: u64,
}

/// Where a committed transaction is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxLocation {
    pub height: u64,
    pub index: u32,
}

impl From<&Receipt> for TxLocation {
    /// A receipt records where its transaction is.
    fn from(r: &Receipt) -> Self {
        TxLocation {
            height: r.height,
            index: r.index,
        }
    }
}

pub struct Store {
    db: DB,
    /// Candidate blocks were written since the last synced write (see
    /// [`Store::put_candidate`]).
    unsynced_candidates: std::sync::atomic::AtomicBool,
    /// Consensus records below this height were pruned by this process (see
    /// [`Store::prune_consensus`]).
    pruned_below: std::sync::atomic::AtomicU64,
    /// Tree-node keys start with their version, big-endian (every store created since
    /// the fourth session); otherwise they are the node key's canonical encoding.
    pub(super) tree_keys_by_version: bool,
    /// The top levels of the state tree as the last committed blocks wrote them (see
    /// [`super::tree::NodeCache`]).
    pub(super) tree_cache: super::tree::NodeCache,
}

fn block_hash_key(h: &Hash) -> Vec<u8> {
    [b"b/".as_slice(), &h.0].concat()
}

impl Store {
    pub fn open(path: &Path) -> Result<Store, NodeError> {
        Store::open_spread(path, MemtableSpread::Random)
    }

    /// [`Store::open`] with this store's place in the memtable spread (a validator's
    /// store: by its index in the validator set).
    pub fn open_spread(path: &Path, spread: MemtableSpread) -> Result<Store, NodeError> {
        let (opts, cfs) = super::tuning::options(path, &ALL_CFS, spread)?;
        Store::over(DB::open_cf_descriptors(&opts, path, cfs)?, true)
    }

    fn over(db: DB, writable: bool) -> Result<Store, NodeError> {
        let mut store = Store {
            db,
            unsynced_candidates: Default::default(),
            pruned_below: Default::default(),
            tree_keys_by_version: false,
            tree_cache: Default::default(),
        };
        store.tree_keys_by_version = store.tree_key_format(writable)?;
        Ok(store)
    }

    /// Whether tree-node keys start with the version: recorded in the store; a store
    /// without the record but with tree nodes predates it (little-endian keys); an empty
    /// one gets the record (when `writable`).
    fn tree_key_format(&self, writable: bool) -> Result<bool, NodeError> {
        if let Some(format) = self.db.get_cf(self.cf(CF_META)?, META_TREE_KEYS)? {
            return Ok(format == TREE_KEYS_BY_VERSION);
        }
        let has_tree = self
            .db
            .iterator_cf(self.cf(CF_TREE_NODES)?, IteratorMode::Start)
            .next()
            .transpose()?
            .is_some();
        if has_tree {
            return Ok(false);
        }
        if writable {
            let mut batch = WriteBatch::default();
            batch.put_cf(self.cf(CF_META)?, META_TREE_KEYS, TREE_KEYS_BY_VERSION);
            self.write_synced(batch)?;
        }
        Ok(true)
    }

    /// Opens a store read-only (no lock taken, nothing written): for checking a backup
    /// or a restored copy. Fails if the directory holds no Kuai store.
    pub fn open_read_only(path: &Path) -> Result<Store, NodeError> {
        let opts = Options::default();
        Store::over(
            DB::open_cf_for_read_only(&opts, path, ALL_CFS, false)?,
            false,
        )
    }

    /// The directory the store lives in.
    pub fn path(&self) -> &Path {
        self.db.path()
    }

    /// Writes a consistent point-in-time copy of the whole store into `out` (a RocksDB
    /// checkpoint: memtables are flushed, live files hard-linked when `out` is on the same
    /// filesystem and copied otherwise). Every block is one write batch, so the copy holds
    /// whole blocks only. `out` must not exist; its parent must.
    pub fn checkpoint(&self, out: &Path) -> Result<(), NodeError> {
        if out.exists() {
            return Err(NodeError::Io(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!("{} already exists", out.display()),
            )));
        }
        rocksdb::checkpoint::Checkpoint::new(&self.db)?.create_checkpoint(out)?;
        Ok(())
    }

    /// The head, after checking that the state tree's root at the head's height is the
    /// head's state root (the store is whole and consistent).
    pub fn verify_head(&self) -> Result<Head, NodeError> {
        let head = self.head()?.ok_or_else(|| NodeError::Corrupt {
            what: "head".into(),
            reason: "the store has no committed head".into(),
        })?;
        let (value, _, root) = self.state_proof(super::HEIGHT_KEY, head.height)?;
        let height: Option<u64> = value.and_then(|v| codec::decode(&v, 64).ok());
        if root != head.state_root || height != Some(head.height) {
            return Err(NodeError::Corrupt {
                what: "state tree".into(),
                reason: format!(
                    "the tree's root at height {} is {root}, the head says {}",
                    head.height, head.state_root
                ),
            });
        }
        Ok(head)
    }

    fn cf(&self, name: &str) -> Result<&rocksdb::ColumnFamily, NodeError> {
        self.db.cf_handle(name).ok_or_else(|| NodeError::Corrupt {
            what: "column family".into(),
            reason: format!("{name} is missing"),
        })
    }

    pub(super) fn cf_handle(&self, name: &str) -> Result<&rocksdb::ColumnFamily, NodeError> {
        self.cf(name)
    }

    pub(super) fn write_unsynced(&self, batch: WriteBatch) -> Result<(), NodeError> {
        self.db.write(batch)?;
        Ok(())
    }

    pub(super) fn raw_get(&self, cf: &str, key: &[u8]) -> Result<Option<Vec<u8>>, NodeError> {
        Ok(self.db.get_cf(self.cf(cf)?, key)?)
    }

    /// Up to `limit` raw entries of a column family from a position.
    pub(super) fn raw_iter(
        &self,
        cf: &str,
        mode: IteratorMode<'_>,
        limit: usize,
    ) -> Result<Vec<KeyValue>, NodeError> {
        let mut out = Vec::new();
        for item in self.db.iterator_cf(self.cf(cf)?, mode).take(limit) {
            let (k, v) = item?;
            out.push((k.to_vec(), v.to_vec()));
        }
        Ok(out)
    }

    fn get_decoded<T: DeserializeOwned>(
        &self,
        cf: &str,
        key: &[u8],
        limit: usize,
        what: &str,
    ) -> Result<Option<T>, NodeError> {
        self.get_with(
            cf,
            key,
            || what.to_string(),
            |bytes| codec::decode(bytes, limit),
        )
    }

    /// The value under `key` in `cf`, read without copying and decoded by `decode`; a
    /// value that does not decode is a corrupt `what()`.
    fn get_with<T>(
        &self,
        cf: &str,
        key: &[u8],
        what: impl FnOnce() -> String,
        decode: impl FnOnce(&[u8]) -> Result<T, kuai_types::TypesError>,
    ) -> Result<Option<T>, NodeError> {
        match self.db.get_pinned_cf(self.cf(cf)?, key)? {
            None => Ok(None),
            Some(bytes) => decode(&bytes).map(Some).map_err(|e| NodeError::Corrupt {
                what: what(),
                reason: e.to_string(),
            }),
        }
    }

    pub fn head(&self) -> Result<Option<Head>, NodeError> {
        self.get_decoded(CF_META, META_HEAD, 1024, "head")
    }

    pub fn genesis(&self) -> Result<Option<GenesisSpec>, NodeError> {
        self.raw_get(CF_META, META_GENESIS)?
            .map(|b| GenesisSpec::decode_stored(&b, MAX_BLOCK_BYTES))
            .transpose()
            .map_err(|e| NodeError::Corrupt {
                what: "genesis".into(),
                reason: e.to_string(),
            })
    }

    fn put_diff(&self, batch: &mut WriteBatch, diff: &StateDiff) -> Result<(), NodeError> {
        let cf = self.cf(CF_STATE)?;
        for (k, v) in diff {
            match v {
                Some(v) => batch.put_cf(cf, k, v),
                None => batch.delete_cf(cf, k),
            }
        }
        Ok(())
    }

    fn write_synced(&self, batch: WriteBatch) -> Result<(), NodeError> {
        let mut wo = WriteOptions::default();
        wo.set_sync(true);
        // RocksDB's log is sequential: this sync makes every earlier write durable.
        self.unsynced_candidates
            .store(false, std::sync::atomic::Ordering::SeqCst);
        self.db.write_opt(batch, &wo)?;
        Ok(())
    }

    /// Writes the genesis state and a height-0 head in one synced batch.
    /// The genesis state root is the state tree's root at version 0.
    pub fn commit_genesis(&self, spec: &GenesisSpec, diff: &StateDiff) -> Result<Head, NodeError> {
        let (root, tree) = self.state_tree_update(diff, 0)?;
        let head = Head {
            height: 0,
            hash: spec.hash(),
            state_root: root,
            time_ms: spec.genesis_time_ms,
        };
        let mut batch = WriteBatch::default();
        self.put_diff(&mut batch, diff)?;
        self.put_tree(&mut batch, &tree)?;
        batch.put_cf(self.cf(CF_META)?, META_GENESIS, codec::encode(spec));
        batch.put_cf(self.cf(CF_META)?, META_HEAD, codec::encode(&head));
        self.write_synced(batch)?;
        Ok(head)
    }

    /// Commits a block with its receipts and state diff atomically and durably.
    pub fn commit_block(
        &self,
        block: &Block,
        receipts: &[Receipt],
        block_events: &[Event],
        diff: &StateDiff,
        tree: &TreeUpdateBatch,
        certificate: Option<&CommitCertificate>,
    ) -> Result<Head, NodeError> {
        let h = &block.header;
        let hash = block.hash();
        let head = Head {
            height: h.height,
            hash,
            state_root: h.state_root,
            time_ms: h.time_ms,
        };
        let mut batch = WriteBatch::default();
        batch.put_cf(self.cf(CF_BLOCKS)?, h.height.to_be_bytes(), block.encode());
        let index = self.cf(CF_INDEX)?;
        batch.put_cf(index, block_hash_key(&hash), h.height.to_be_bytes());
        // A receipt, keyed by its transaction's hash, is also where the transaction is
        // (stores from before the fifth session have a separate `t/` index as well).
        let receipts_kv = receipts
            .iter()
            .map(|r| (r.tx_hash.0.to_vec(), codec::encode(r)))
            .collect();
        put_in_key_order(&mut batch, self.cf(CF_RECEIPTS)?, receipts_kv);
        // Event index for the history listings (api::event_index).
        let state_cf = self.cf(CF_STATE)?;
        let get = |k: &[u8]| match diff.get(k) {
            Some(v) => v.clone(),
            None => self.db.get_cf(state_cf, k).ok().flatten(),
        };
        let entries = crate::api::event_index::index_entries(
            h.height,
            h.time_ms,
            block_events,
            receipts,
            &get,
        );
        put_in_key_order(&mut batch, index, entries);
        if !block_events.is_empty() {
            batch.put_cf(
                self.cf(CF_BLOCK_EVENTS)?,
                h.height.to_be_bytes(),
                codec::encode(&block_events),
            );
        }
        if let Some(cert) = certificate {
            batch.put_cf(
                self.cf(CF_CERTIFICATES)?,
                h.height.to_be_bytes(),
                cert.encode(),
            );
        }
        self.put_diff(&mut batch, diff)?;
        self.put_tree(&mut batch, tree)?;
        batch.put_cf(self.cf(CF_META)?, META_HEAD, codec::encode(&head));
        self.write_synced(batch)?;
        self.tree_cache.committed(tree);
        Ok(head)
    }

    /// Persists the consensus safety record, synced when `synced` (it is the only durable
    /// copy: it must be on disk before the signature it covers leaves the node), or when
    /// `candidates_durable` and candidate blocks were stored since the last synced write
    /// (a precommit locks its value: see [`Store::put_candidate`]).
    pub fn put_safety(
        &self,
        record: &SafetyRecord,
        synced: bool,
        candidates_durable: bool,
    ) -> Result<(), NodeError> {
        let mut batch = WriteBatch::default();
        batch.put_cf(self.cf(CF_CONSENSUS)?, b"safety", codec::encode(record));
        let pending = self
            .unsynced_candidates
            .load(std::sync::atomic::Ordering::SeqCst);
        if synced || (candidates_durable && pending) {
            self.write_synced(batch)
        } else {
            self.write_unsynced(batch)
        }
    }

    pub fn safety(&self) -> Result<Option<SafetyRecord>, NodeError> {
        self.get_decoded(CF_CONSENSUS, b"safety", 64 * 1024, "safety record")
    }

    /// Mirrors the consensus write-ahead log of the current height (not synced: the log
    /// serves liveness after a restart; safety rests on the synced safety record). Each
    /// height's log has its own key and stays until [`Store::prune_consensus`] after that
    /// height's block is stored: the core starts the next height's log when it decides,
    /// before the block is written, and a crash in between must still find the decided
    /// height's log (its locks and own votes), or a restart of every validator at that
    /// moment leaves them unable to vote at the height again.
    pub fn put_wal(&self, wal: &Wal) -> Result<(), NodeError> {
        self.db.put_cf(
            self.cf(CF_CONSENSUS)?,
            wal_key(wal.height),
            codec::encode(wal),
        )?;
        Ok(())
    }

    /// Keeps a candidate block of a height in progress until that height commits. A
    /// validator may vote for a block only once it is stored here: after a crash of
    /// every validator, a value 2f+1 of them locked on must still have a block that
    /// someone can serve, or the height could never commit. (Not synced itself: the next
    /// synced write, at the latest the safety record's before a precommit, makes it
    /// durable, as RocksDB's log is sequential; so a block is on disk before any lock on
    /// it leaves.)
    pub fn put_candidate(&self, hash: &Hash, block: &Block) -> Result<(), NodeError> {
        let key = candidate_key(block.header.height, hash);
        self.db
            .put_cf(self.cf(CF_CONSENSUS)?, key, codec::encode(block))?;
        self.unsynced_candidates
            .store(true, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    /// The stored candidate block of `height` with header hash `hash`, if any.
    pub fn candidate(&self, height: u64, hash: &Hash) -> Result<Option<Block>, NodeError> {
        let what = || format!("candidate block {hash} at height {height}");
        let decode = |bytes: &[u8]| codec::decode(bytes, MAX_BLOCK_BYTES);
        self.get_with(CF_CONSENSUS, &candidate_key(height, hash), what, decode)
    }

    /// The stored candidate blocks of heights `from` and above.
    pub fn candidates(&self, from: u64) -> Result<Vec<Block>, NodeError> {
        let start = candidate_key(from, &Hash::ZERO);
        let mut out = Vec::new();
        for (k, v) in self.raw_iter(
            CF_CONSENSUS,
            IteratorMode::From(&start, Direction::Forward),
            usize::MAX,
        )? {
            if !k.starts_with(CANDIDATE_PREFIX) {
                break;
            }
            out.push(
                codec::decode(&v, MAX_BLOCK_BYTES).map_err(|e| NodeError::Corrupt {
                    what: "candidate block".into(),
                    reason: e.to_string(),
                })?,
            );
        }
        Ok(out)
    }

    /// Forgets the candidate blocks and write-ahead logs of heights below `height` (call
    /// once the block before `height` is stored).
    ///
    /// Deletes key by key, never by range: this runs at every commit, and RocksDB keeps
    /// each range tombstone in the memtable and re-fragments them all on reads and on
    /// recovery, so thousands of overlapping ranges made a restart spend tens of seconds
    /// and gigabytes replaying its log. The walk starts where the last prune stopped, so
    /// it does not step over the tombstones of earlier ones.
    pub fn prune_consensus(&self, height: u64) -> Result<(), NodeError> {
        use std::sync::atomic::Ordering;
        let from = self.pruned_below.load(Ordering::SeqCst);
        if height <= from {
            return Ok(());
        }
        let cf = self.cf(CF_CONSENSUS)?;
        let mut batch = WriteBatch::default();
        let ranges = [
            (
                candidate_key(from, &Hash::ZERO),
                candidate_key(height, &Hash::ZERO),
            ),
            (wal_key(from), wal_key(height)),
        ];
        for (start, end) in ranges {
            let mut opts = ReadOptions::default();
            opts.set_iterate_upper_bound(end);
            let mut it = self.db.raw_iterator_cf_opt(cf, opts);
            it.seek(&start);
            while let Some(key) = it.key() {
                batch.delete_cf(cf, key);
                it.next();
            }
            it.status()?;
        }
        if from == 0 {
            batch.delete_cf(cf, LEGACY_WAL_KEY);
        }
        self.db.write(batch)?;
        self.pruned_below.fetch_max(height, Ordering::SeqCst);
        Ok(())
    }

    /// The write-ahead log of `height`, if one was kept (also from the single log of
    /// older data directories).
    pub fn wal(&self, height: u64) -> Result<Option<Wal>, NodeError> {
        let read = |key: &[u8]| {
            self.get_decoded::<Wal>(CF_CONSENSUS, key, MAX_BLOCK_BYTES, "consensus wal")
        };
        match read(&wal_key(height))? {
            Some(wal) => Ok(Some(wal)),
            None => Ok(read(LEGACY_WAL_KEY)?.filter(|w| w.height == height)),
        }
    }

    /// The commit certificate of the block at `height`, if it was committed by consensus.
    pub fn certificate(&self, height: u64) -> Result<Option<CommitCertificate>, NodeError> {
        self.get_decoded(
            CF_CERTIFICATES,
            &height.to_be_bytes(),
            MAX_BLOCK_BYTES,
            "certificate",
        )
    }

    /// The block's own events (overdue marks, validator-set changes).
    pub fn block_events(&self, height: u64) -> Result<Vec<Event>, NodeError> {
        Ok(self
            .get_decoded(
                CF_BLOCK_EVENTS,
                &height.to_be_bytes(),
                MAX_BLOCK_BYTES,
                "block events",
            )?
            .unwrap_or_default())
    }

    pub fn block(&self, height: u64) -> Result<Option<Block>, NodeError> {
        self.get_decoded(CF_BLOCKS, &height.to_be_bytes(), MAX_BLOCK_BYTES, "block")
    }

    /// The header of the committed block at `height` and how many transactions it holds,
    /// decoded from the front of the stored block without its transactions (for heads,
    /// block listings and proofs, which need no more).
    pub fn block_header(&self, height: u64) -> Result<Option<(BlockHeader, u64)>, NodeError> {
        let what = || format!("block {height}");
        let decode = |bytes: &[u8]| codec::decode_front(bytes, MAX_BLOCK_BYTES);
        self.get_with(CF_BLOCKS, &height.to_be_bytes(), what, decode)
    }

    pub fn height_of_block(&self, hash: &Hash) -> Result<Option<u64>, NodeError> {
        self.get_decoded::<[u8; 8]>(CF_INDEX, &block_hash_key(hash), 8, "block index")
            .map(|o| o.map(u64::from_be_bytes))
    }

    /// Where a committed transaction is (from its receipt).
    pub fn tx_location(&self, hash: &Hash) -> Result<Option<TxLocation>, NodeError> {
        Ok(self.receipt(hash)?.as_ref().map(TxLocation::from))
    }

    pub fn receipt(&self, hash: &Hash) -> Result<Option<Receipt>, NodeError> {
        self.get_decoded(CF_RECEIPTS, &hash.0, MAX_BLOCK_BYTES, "receipt")
    }

    /// The event index's entries under `prefix` in key order (`reverse`: descending),
    /// from `seek` (inclusive) or else the prefix's first (last) entry.
    pub fn index_entries_from<'a>(
        &'a self,
        prefix: &'a [u8],
        seek: Option<&[u8]>,
        reverse: bool,
    ) -> Result<impl Iterator<Item = Result<KeyValue, NodeError>> + 'a, NodeError> {
        let (start, dir) = match (seek, reverse) {
            (Some(s), false) => (s.to_vec(), Direction::Forward),
            (None, false) => (prefix.to_vec(), Direction::Forward),
            (Some(s), true) => (s.to_vec(), Direction::Reverse),
            (None, true) => ([prefix, &[0xff; 32]].concat(), Direction::Reverse),
        };
        let iter = self
            .db
            .iterator_cf(self.cf(CF_INDEX)?, IteratorMode::From(&start, dir));
        Ok(iter
            .map(|item| {
                item.map(|(k, v)| (k.into_vec(), v.into_vec()))
                    .map_err(NodeError::from)
            })
            .take_while(move |item| !matches!(item, Ok((k, _)) if !k.starts_with(prefix))))
    }

    /// The raw state value under `key`.
    pub fn raw_state(&self, key: &[u8]) -> Result<Option<Vec<u8>>, NodeError> {
        self.raw_get(CF_STATE, key)
    }

    /// Decoded state value under `key`.
    pub fn state_value<T: DeserializeOwned>(&self, key: &[u8]) -> Result<Option<T>, NodeError> {
        self.get_decoded(CF_STATE, key, MAX_STATE_VALUE_BYTES, "state value")
    }

    /// Up to `limit` state entries under `prefix`, in key order, strictly after `after`
    /// (a full key) when given.
    pub fn scan_state(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<KeyValue>, NodeError> {
        let start: Vec<u8> = after.map(<[u8]>::to_vec).unwrap_or_else(|| prefix.to_vec());
        let iter = self.db.iterator_cf(
            self.cf(CF_STATE)?,
            IteratorMode::From(&start, Direction::Forward),
        );
        let mut out = Vec::new();
        for item in iter {
            let (k, v) = item?;
            if !k.starts_with(prefix) || out.len() >= limit {
                break;
            }
            if after.is_some_and(|a| a == &*k) {
                continue;
            }
            out.push((k.to_vec(), v.to_vec()));
        }
        Ok(out)
    }
}

impl StateRead for Store {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, RuntimeError> {
        let cf = self
            .cf(CF_STATE)
            .map_err(|e| RuntimeError::Storage(e.to_string()))?;
        self.db
            .get_cf(cf, key)
            .map_err(|e| RuntimeError::Storage(e.to_string()))
    }
}

#[cfg(test)]
#[path = "db_tests.rs"]
mod tests;
