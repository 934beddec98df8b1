//! Grouping a block's deadline filings ([`crate::deadlines`]) into one value per day.
//!
//! Rules: from the height in [`keys::DEADLINE_GROUPS_FROM`] (written at genesis when the
//! spec names one; absent: never), the deadline items a block files for one day are
//! written as one value, `dg/{day}/{first}`: the items in filing order, numbered
//! `first..first + len` by the day's counter, which still counts each item. No item key
//! of that day (`dl/{day}/{n}`) is written then. A block files a day's items at the end
//! of its counter, so they are consecutive; anything else is a corrupt state. A group
//! holds at most [`MAX_GROUP_ITEMS`]; more make consecutive groups. The sweep reads both
//! forms, so a day may hold items filed before the height and groups after.
//!
//! Why: every value is a leaf of the state tree, and a share request filed two of them
//! (itself and its answer deadline). The tree's update and the nodes it writes are the
//! largest part of a block's commit; grouping leaves one deadline leaf per block and day.

use kuai_types::codec::{self, MAX_STATE_VALUE_BYTES};

use crate::deadlines::Due;
use crate::error::RuntimeError;
use crate::keys;
use crate::state::{StateDiff, StateRead};

/// The most items one group holds (at most 20 bytes each encoded, far below the largest
/// state value).
pub const MAX_GROUP_ITEMS: usize = 16_384;

/// Whether block `height` groups its deadline filings, on the state before it.
pub fn in_force(state: &dyn StateRead, height: u64) -> Result<bool, RuntimeError> {
    crate::chain_state::in_force_from(state, keys::DEADLINE_GROUPS_FROM, height)
}

/// The `(day, n)` of an item key `dl/{day}/{n}`; `None` for the day counters.
fn item_position(key: &[u8]) -> Option<(i64, u64)> {
    let rest = key.strip_prefix(keys::DEADLINES)?;
    if rest.len() != 16 {
        return None;
    }
    let day = i64::from_be_bytes(rest[..8].try_into().ok()?);
    let n = u64::from_be_bytes(rest[8..].try_into().ok()?);
    Some((day, n))
}

/// Replaces the deadline items a block's diff files with its groups. Deleted items (the
/// sweep's) stay as they are.
pub fn seal(diff: &mut StateDiff) -> Result<(), RuntimeError> {
    let mut filed: Vec<(i64, u64, Vec<u8>)> = Vec::new();
    for (k, v) in diff.range(keys::DEADLINES.to_vec()..) {
        if !k.starts_with(keys::DEADLINES) {
            break;
        }
        if let (Some((day, n)), Some(_)) = (item_position(k), v) {
            filed.push((day, n, k.clone()));
        }
    }
    if filed.is_empty() {
        return Ok(());
    }
    // The diff is ordered by key: by day, then by item number.
    let mut groups: Vec<(i64, u64, Vec<Due>)> = Vec::new();
    for (day, n, key) in filed {
        let corrupt = |reason: &str| RuntimeError::CorruptState {
            key: String::from_utf8_lossy(&key).into_owned(),
            reason: reason.into(),
        };
        let bytes = diff
            .remove(&key)
            .flatten()
            .ok_or_else(|| corrupt("a filed deadline without a value"))?;
        let item: Due = codec::decode(&bytes, MAX_STATE_VALUE_BYTES)
            .map_err(|e| corrupt(&format!("not a deadline item: {e}")))?;
        match groups.last_mut() {
            Some((d, first, items))
                if *d == day
                    && items.len() < MAX_GROUP_ITEMS
                    && *first + items.len() as u64 == n =>
            {
                items.push(item)
            }
            Some((d, first, items)) if *d == day && *first + items.len() as u64 != n => {
                return Err(corrupt(
                    "a block's deadline items for a day are not consecutive",
                ));
            }
            _ => groups.push((day, n, vec![item])),
        }
    }
    for (day, first, items) in groups {
        diff.insert(
            keys::deadline_group(day, first),
            Some(codec::encode(&items)),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::MemState;

    fn item(id: u64) -> Option<Vec<u8>> {
        Some(codec::encode(&Due::RequestAnswer(id)))
    }

    fn group(diff: &StateDiff, day: i64, first: u64) -> Vec<Due> {
        codec::decode(
            diff[&keys::deadline_group(day, first)].as_ref().unwrap(),
            MAX_STATE_VALUE_BYTES,
        )
        .unwrap()
    }

    #[test]
    fn groups_are_in_force_from_the_named_height_only() {
        let mut st = MemState::default();
        assert!(!in_force(&st, 5).unwrap(), "absent: never");
        st.0.insert(keys::DEADLINE_GROUPS_FROM.to_vec(), codec::encode(&3u64));
        assert!(!in_force(&st, 2).unwrap());
        assert!(in_force(&st, 3).unwrap());
    }

    #[test]
    fn a_block_files_one_group_per_day_in_filing_order() {
        let mut diff = StateDiff::new();
        diff.insert(keys::deadlines(100), Some(codec::encode(&7u64)));
        for n in 4..7 {
            diff.insert(keys::deadline_item(100, n), item(n));
        }
        diff.insert(keys::deadline_item(101, 0), item(50));
        // The sweep deleted an ended day's items: those stay deletions.
        diff.insert(keys::deadline_item(90, 0), None);
        diff.insert(keys::share_request(1), Some(vec![1]));
        seal(&mut diff).unwrap();
        assert_eq!(
            group(&diff, 100, 4),
            (4..7).map(Due::RequestAnswer).collect::<Vec<_>>()
        );
        assert_eq!(group(&diff, 101, 0), vec![Due::RequestAnswer(50)]);
        for n in 4..7 {
            assert!(!diff.contains_key(&keys::deadline_item(100, n)));
        }
        assert_eq!(diff[&keys::deadline_item(90, 0)], None);
        assert!(diff.contains_key(&keys::deadlines(100)), "counters stay");
        assert!(diff.contains_key(&keys::share_request(1)));
        assert_eq!(diff.len(), 5);
    }

    #[test]
    fn no_filings_no_groups_and_gaps_are_corrupt() {
        let mut none = StateDiff::new();
        none.insert(keys::deadlines(3), Some(codec::encode(&1u64)));
        none.insert(keys::deadline_item(2, 0), None);
        let before = none.clone();
        seal(&mut none).unwrap();
        assert_eq!(none, before);

        let mut gap = StateDiff::new();
        gap.insert(keys::deadline_item(5, 1), item(1));
        gap.insert(keys::deadline_item(5, 3), item(3));
        assert!(matches!(
            seal(&mut gap),
            Err(RuntimeError::CorruptState { .. })
        ));

        let mut garbage = StateDiff::new();
        garbage.insert(keys::deadline_item(5, 0), Some(vec![0xff; 3]));
        assert!(matches!(
            seal(&mut garbage),
            Err(RuntimeError::CorruptState { .. })
        ));
    }

    #[test]
    fn a_large_block_makes_consecutive_groups() {
        let mut diff = StateDiff::new();
        let count = MAX_GROUP_ITEMS as u64 + 10;
        for n in 0..count {
            diff.insert(keys::deadline_item(7, n), item(n));
        }
        seal(&mut diff).unwrap();
        assert_eq!(group(&diff, 7, 0).len(), MAX_GROUP_ITEMS);
        let rest = group(&diff, 7, MAX_GROUP_ITEMS as u64);
        assert_eq!(
            rest,
            (MAX_GROUP_ITEMS as u64..count)
                .map(Due::RequestAnswer)
                .collect::<Vec<_>>()
        );
        assert_eq!(diff.len(), 2);
    }
}
