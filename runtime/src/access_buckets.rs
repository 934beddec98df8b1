//! Sealing a block's access events into its bucket ([`kuai_types::access_bucket`]).
//!
//! Rules: from the height in [`keys::ACCESS_BUCKETS_FROM`] (written at genesis when the
//! spec names one; absent: never), a block whose diff writes access-event records also
//! writes `ab/{height}`, the [`AccessBucket`] over exactly those records, and the node
//! leaves the records themselves out of the state tree
//! ([`keys::outside_state_tree`]). Records are append-only, so a block's records are
//! the ones it created, with consecutive ids; anything else is a corrupt state.

use kuai_types::access_bucket::AccessBucket;
use kuai_types::codec;

use crate::error::RuntimeError;
use crate::keys;
use crate::state::{StateDiff, StateRead};

/// Whether block `height` seals its access events into a bucket, on the state before it.
pub fn in_force(state: &dyn StateRead, height: u64) -> Result<bool, RuntimeError> {
    crate::chain_state::in_force_from(state, keys::ACCESS_BUCKETS_FROM, height)
}

/// Adds block `height`'s bucket to its diff when the diff writes access events.
pub fn seal(diff: &mut StateDiff, height: u64) -> Result<(), RuntimeError> {
    let mut records: Vec<(u64, &[u8])> = Vec::new();
    for (k, v) in diff.range(keys::ACCESS_EVENT.to_vec()..) {
        if !k.starts_with(keys::ACCESS_EVENT) {
            break;
        }
        let corrupt = |reason: &str| RuntimeError::CorruptState {
            key: String::from_utf8_lossy(k).into_owned(),
            reason: reason.into(),
        };
        let id = k[keys::ACCESS_EVENT.len()..]
            .try_into()
            .map(u64::from_be_bytes)
            .map_err(|_| corrupt("not an access event id"))?;
        let bytes = v
            .as_deref()
            .ok_or_else(|| corrupt("an access event deleted"))?;
        records.push((id, bytes));
    }
    if records.is_empty() {
        return Ok(());
    }
    let bucket = AccessBucket::of(height, &records).ok_or_else(|| RuntimeError::CorruptState {
        key: String::from_utf8_lossy(&keys::access_bucket(height)).into_owned(),
        reason: "the block's access event ids are not consecutive".into(),
    })?;
    diff.insert(keys::access_bucket(height), Some(codec::encode(&bucket)));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::MemState;

    #[test]
    fn buckets_are_in_force_from_the_named_height_only() {
        let mut st = MemState::default();
        assert!(!in_force(&st, 5).unwrap(), "absent: never");
        st.0.insert(keys::ACCESS_BUCKETS_FROM.to_vec(), codec::encode(&3u64));
        assert!(!in_force(&st, 2).unwrap());
        assert!(in_force(&st, 3).unwrap());
        st.0.insert(keys::ACCESS_BUCKETS_FROM.to_vec(), codec::encode(&0u64));
        assert!(!in_force(&st, 3).unwrap(), "0: never");
    }

    #[test]
    fn a_block_seals_exactly_its_access_events() {
        let mut diff = StateDiff::new();
        diff.insert(keys::grant(1), Some(vec![1]));
        for id in 7..10u64 {
            diff.insert(keys::access_event(id), Some(vec![id as u8; 3]));
        }
        diff.insert(keys::agreement(1), Some(vec![2]));
        seal(&mut diff, 12).unwrap();
        let bucket: AccessBucket =
            codec::decode(diff[&keys::access_bucket(12)].as_ref().unwrap(), 1024).unwrap();
        let records: Vec<(u64, Vec<u8>)> = (7..10u64).map(|id| (id, vec![id as u8; 3])).collect();
        let refs: Vec<(u64, &[u8])> = records.iter().map(|(i, r)| (*i, r.as_slice())).collect();
        let want = AccessBucket::of(12, &refs).unwrap();
        assert_eq!(bucket, want);

        let mut none = StateDiff::new();
        none.insert(keys::grant(1), Some(vec![1]));
        seal(&mut none, 12).unwrap();
        assert_eq!(none.len(), 1, "no access events, no bucket");

        let mut gap = StateDiff::new();
        gap.insert(keys::access_event(1), Some(vec![1]));
        gap.insert(keys::access_event(3), Some(vec![3]));
        assert!(matches!(
            seal(&mut gap, 12),
            Err(RuntimeError::CorruptState { .. })
        ));
    }
}
