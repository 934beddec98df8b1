//! Records decoded from state, memoized per thread and checked against their bytes.
//!
//! Some records are read by nearly every transaction (an organization by each one its
//! keys sign, a year's holiday calendar by each share request), and decoding them each
//! time was a measurable part of a validator's CPU. A [`DecodedMemo`] keeps the last
//! decoded value of each state key with the bytes it came from.
//!
//! Rules:
//! - a value is reused only for exactly the bytes it was decoded from (the caller reads
//!   the bytes first; comparing them is cheaper than hashing them), so a changed, added or
//!   removed record is decoded afresh and the memo can never change an outcome;
//! - a failed decode is returned and nothing is memoized;
//! - bounded: when `capacity` keys are held, the memo is emptied before the next insert.

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::RuntimeError;

/// The bytes read under a key (or none), and the value decoded from them.
type Memoized<V> = (Option<Vec<u8>>, Arc<V>);

/// State key -> what was last decoded under it.
pub(crate) struct DecodedMemo<V> {
    entries: HashMap<Vec<u8>, Memoized<V>>,
    capacity: usize,
}

impl<V> DecodedMemo<V> {
    pub(crate) fn new(capacity: usize) -> Self {
        DecodedMemo {
            entries: HashMap::new(),
            capacity: capacity.max(1),
        }
    }

    /// The value decoded from `bytes` (read under `key`): the memoized one when `key`
    /// last held exactly these bytes, otherwise `decode(bytes)`, then memoized.
    pub(crate) fn get_or_decode(
        &mut self,
        key: &[u8],
        bytes: Option<Vec<u8>>,
        decode: impl FnOnce(Option<&[u8]>) -> Result<V, RuntimeError>,
    ) -> Result<Arc<V>, RuntimeError> {
        if let Some((seen, value)) = self.entries.get(key) {
            if *seen == bytes {
                return Ok(value.clone());
            }
        }
        let value = Arc::new(decode(bytes.as_deref())?);
        if self.entries.len() >= self.capacity {
            self.entries.clear();
        }
        self.entries.insert(key.to_vec(), (bytes, value.clone()));
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_reused_only_for_the_same_bytes_and_failures_are_not_kept() {
        let mut memo = DecodedMemo::<usize>::new(2);
        let decodes = std::cell::Cell::new(0);
        let len = |b: Option<&[u8]>| {
            decodes.set(decodes.get() + 1);
            Ok(b.map_or(0, <[u8]>::len))
        };
        assert_eq!(
            *memo
                .get_or_decode(b"k", Some(b"abc".to_vec()), len)
                .unwrap(),
            3
        );
        assert_eq!(
            *memo
                .get_or_decode(b"k", Some(b"abc".to_vec()), len)
                .unwrap(),
            3
        );
        assert_eq!(
            *memo
                .get_or_decode(b"k", Some(b"abcd".to_vec()), len)
                .unwrap(),
            4
        );
        assert_eq!(*memo.get_or_decode(b"k", None, len).unwrap(), 0);
        assert_eq!(decodes.get(), 3);
        let bad = memo.get_or_decode(b"j", Some(b"x".to_vec()), |_| {
            Err(RuntimeError::Storage("undecodable".into()))
        });
        assert!(bad.is_err());
        // The failure was not memoized: the next read decodes again.
        assert_eq!(
            *memo.get_or_decode(b"j", Some(b"x".to_vec()), len).unwrap(),
            1
        );
        assert_eq!(decodes.get(), 4);
    }
}
