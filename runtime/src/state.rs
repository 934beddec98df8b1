//! Reading state, and buffering writes on top of it.
//!
//! Rules: what leaves this module in order (a [`StateDiff`]) is ordered by key; the hash
//! maps that buffer writes and cache reads meanwhile are only ever looked up, never
//! iterated into anything a block's result depends on. Their hasher is randomly seeded
//! per process (foldhash, `hashbrown`'s default), so keys a client chooses cannot be
//! made to collide.

use std::collections::BTreeMap;

use hashbrown::HashMap;

use kuai_types::codec::{self, MAX_STATE_VALUE_BYTES};
use serde::{de::DeserializeOwned, Serialize};

use crate::error::RuntimeError;

/// The changes a block makes: key -> new value, or `None` for a deletion. Ordered, so
/// its encoding (and the state commitment over it) is deterministic.
pub type StateDiff = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// Read access to the committed state.
pub trait StateRead {
    /// The value under `key`. An error means the store failed ([`RuntimeError::Storage`])
    /// and aborts the block; it is never mistaken for an absent key.
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, RuntimeError>;
}

/// An in-memory state, for tests, simulations and genesis.
#[derive(Default, Clone, Debug)]
pub struct MemState(pub BTreeMap<Vec<u8>, Vec<u8>>);

impl StateRead for MemState {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, RuntimeError> {
        Ok(self.0.get(key).cloned())
    }
}

impl MemState {
    pub fn apply(&mut self, diff: &StateDiff) {
        for (k, v) in diff {
            match v {
                Some(v) => self.0.insert(k.clone(), v.clone()),
                None => self.0.remove(k),
            };
        }
    }
}

/// A reader that remembers what it read, for one block's execution over a committed
/// state that does not change meanwhile: the records most transactions of a block read
/// (the catalog entry, the grant's organization, the signer's roles) come from the store
/// once per block instead of once per transaction. Only successful reads are kept.
pub struct ReadCache<'a> {
    base: &'a dyn StateRead,
    seen: std::sync::Mutex<HashMap<Vec<u8>, Option<Vec<u8>>>>,
}

impl<'a> ReadCache<'a> {
    pub fn new(base: &'a dyn StateRead) -> Self {
        ReadCache {
            base,
            seen: Default::default(),
        }
    }
}

impl StateRead for ReadCache<'_> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, RuntimeError> {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(v) = seen.get(key) {
            return Ok(v.clone());
        }
        let v = self.base.get(key)?;
        seen.insert(key.to_vec(), v.clone());
        Ok(v)
    }
}

/// An overlay's buffered writes, unordered ([`Overlay::into_writes`]).
pub struct Writes(HashMap<Vec<u8>, Option<Vec<u8>>>);

/// Writes buffered over a reader; reads see the buffered writes first. Hashed, not
/// ordered: a block's overlay holds tens of thousands of keys with long common prefixes,
/// which every read and write compared in turn; the order is made once, at the end.
pub struct Overlay<'a> {
    base: &'a dyn StateRead,
    writes: HashMap<Vec<u8>, Option<Vec<u8>>>,
}

impl<'a> Overlay<'a> {
    pub fn new(base: &'a dyn StateRead) -> Self {
        Overlay {
            base,
            writes: HashMap::new(),
        }
    }

    /// The buffered writes, ordered by key.
    pub fn into_diff(self) -> StateDiff {
        self.writes.into_iter().collect()
    }

    /// The buffered writes, unordered, for [`Overlay::merge`] into the overlay below (a
    /// transaction's scratch overlay into its block's): nothing is ordered until the
    /// block's diff is made.
    pub fn into_writes(self) -> Writes {
        Writes(self.writes)
    }

    /// Applies an upper overlay's writes over this one's.
    pub fn merge(&mut self, writes: Writes) {
        self.writes.extend(writes.0);
    }

    pub fn put_raw(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.writes.insert(key, Some(value));
    }

    /// True when a value exists under `key`.
    pub fn contains(&self, key: &[u8]) -> Result<bool, RuntimeError> {
        Ok(self.get(key)?.is_some())
    }

    /// Reads and decodes a typed value; a value that does not decode is corrupt state.
    pub fn read<T: DeserializeOwned>(&self, key: &[u8]) -> Result<Option<T>, RuntimeError> {
        match self.get(key)? {
            None => Ok(None),
            Some(bytes) => self.decode(key, &bytes).map(Some),
        }
    }

    /// Decodes the value read under `key`; a value that does not decode is corrupt state.
    pub fn decode<T: DeserializeOwned>(&self, key: &[u8], bytes: &[u8]) -> Result<T, RuntimeError> {
        codec::decode(bytes, MAX_STATE_VALUE_BYTES).map_err(|e| RuntimeError::CorruptState {
            key: String::from_utf8_lossy(key).into_owned(),
            reason: e.to_string(),
        })
    }

    pub fn delete(&mut self, key: Vec<u8>) {
        self.writes.insert(key, None);
    }

    pub fn write<T: Serialize>(&mut self, key: Vec<u8>, value: &T) {
        self.writes.insert(key, Some(codec::encode(value)));
    }

    /// Takes the next id of a named sequence (ids start at 1).
    pub fn next_id(&mut self, name: &str) -> Result<u64, RuntimeError> {
        let key = crate::keys::counter(name);
        let next = self.read::<u64>(&key)?.unwrap_or(0) + 1;
        self.write(key, &next);
        Ok(next)
    }
}

impl StateRead for Overlay<'_> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, RuntimeError> {
        match self.writes.get(key) {
            Some(v) => Ok(v.clone()),
            None => self.base.get(key),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    /// Counts reads, and fails those of `b"broken"`.
    struct Counting(MemState, Cell<usize>);

    impl StateRead for Counting {
        fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, RuntimeError> {
            self.1.set(self.1.get() + 1);
            if key == b"broken" {
                return Err(RuntimeError::Storage("disk".into()));
            }
            self.0.get(key)
        }
    }

    #[test]
    fn a_read_cache_asks_the_store_once_per_key_and_never_keeps_a_failure() {
        let mut mem = MemState::default();
        mem.0.insert(b"a".to_vec(), b"1".to_vec());
        let store = Counting(mem, Cell::new(0));
        let cache = ReadCache::new(&store);
        for _ in 0..3 {
            assert_eq!(cache.get(b"a").unwrap(), Some(b"1".to_vec()));
            assert_eq!(cache.get(b"missing").unwrap(), None);
        }
        assert_eq!(store.1.get(), 2);
        assert!(cache.get(b"broken").is_err());
        assert!(cache.get(b"broken").is_err());
        assert_eq!(store.1.get(), 4);
        // Writes over the cache are seen first, as over any reader.
        let mut block = Overlay::new(&cache);
        block.put_raw(b"a".to_vec(), b"2".to_vec());
        assert_eq!(block.get(b"a").unwrap(), Some(b"2".to_vec()));
    }

    #[test]
    fn an_overlay_keeps_the_last_write_per_key_and_hands_them_out_in_key_order() {
        let mut mem = MemState::default();
        mem.0.insert(b"base".to_vec(), b"0".to_vec());
        let mut block = Overlay::new(&mem);
        // Written out of order, some twice, one deleted, by transactions merged in turn.
        for (i, k) in [9u8, 3, 7, 3, 1, 9].iter().enumerate() {
            let mut tx = Overlay::new(&block);
            tx.put_raw(vec![b'k', *k], vec![i as u8]);
            if i == 4 {
                tx.delete(b"base".to_vec());
            }
            let writes = tx.into_writes();
            block.merge(writes);
        }
        assert_eq!(
            block.get(&[b'k', 3]).unwrap(),
            Some(vec![3]),
            "the later write wins"
        );
        assert_eq!(
            block.get(b"base").unwrap(),
            None,
            "a deletion hides the base"
        );
        let diff = block.into_diff();
        let keys: Vec<&[u8]> = diff.keys().map(Vec::as_slice).collect();
        assert_eq!(keys, [&b"base"[..], b"k\x01", b"k\x03", b"k\x07", b"k\x09"]);
        let values: Vec<Option<Vec<u8>>> = diff.into_values().collect();
        assert_eq!(
            values,
            [
                None,
                Some(vec![4]),
                Some(vec![3]),
                Some(vec![2]),
                Some(vec![5])
            ]
        );
    }
}
