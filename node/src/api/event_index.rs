//! The event index: which events concern an organization or a catalog entry (see
//! [`super::events::subjects`]), written with each block by `Store::commit_block` and read
//! by the history listings.
//!
//! Rules:
//! - an entry is keyed by a subject's prefix ([`org_prefix`], [`entry_prefix`]) and a
//!   block height (8 bytes, big-endian), and valued with the block's time and that
//!   subject's events of the block, in ledger order (a group). A block's index is one
//!   key per subject its events concern, not one per event and subject: an access event
//!   concerns three (two organizations and the entry), and a key is a memtable insert
//!   on every validator's commit path;
//! - stores written before groups hold one entry per event and subject: the prefix and
//!   [`EventPos::key_suffix`] (16 bytes), valued `(tx_hash, time_ms, event)`. A store
//!   upgraded in place holds both forms, at different heights (a block is indexed once,
//!   in one form). The suffix length tells them apart, and they sort together: a
//!   height's group key is a prefix of, so before, any single entry of that height;
//! - reading ([`decode_entry`], [`seek_key`], [`page`]) gives events in ledger order or
//!   its reverse, from either form, strictly after (reverse: before) a cursor event.

use std::collections::HashMap;

use kuai_types::api::EventRecord;
use kuai_types::codec::{self, MAX_BLOCK_BYTES, MAX_STATE_VALUE_BYTES};
use kuai_types::{Event, Hash, Receipt};
use serde::{Deserialize, Serialize};

use super::events::{subjects, EventPos, Records, Subjects};
use crate::error::NodeError;

/// Index key prefix of the events concerning an organization.
pub fn org_prefix(credit_code: &str) -> Vec<u8> {
    [b"e/o/".as_slice(), credit_code.as_bytes(), b"/"].concat()
}

/// Index key prefix of the events concerning a catalog entry.
pub fn entry_prefix(id: u64) -> Vec<u8> {
    [b"e/e/".as_slice(), &id.to_be_bytes(), b"/"].concat()
}

/// Largest group a reader accepts: a guard against a corrupt length, not a format limit.
/// A group repeats events of one block (each with its position and transaction id), so
/// it can outgrow the block; four times the largest block leaves room for that.
const MAX_GROUP_BYTES: usize = 4 * MAX_BLOCK_BYTES;

/// One subject's events of one block. Written with `E = &Event`, read with `E = Event`
/// (the same encoding).
#[derive(Serialize, Deserialize)]
struct Group<E> {
    time_ms: u64,
    events: Vec<GroupItem<E>>,
}

#[derive(Clone, Copy, Serialize, Deserialize)]
struct GroupItem<E> {
    slot: u32,
    event: u32,
    tx_hash: Option<Hash>,
    body: E,
}

/// The event-index entries of a block, for `Store::commit_block`: one per organization
/// and catalog entry its events concern (prefix + height), valued with the block time
/// and those events in ledger order. `get` reads state (the block's writes included).
pub fn index_entries(
    height: u64,
    time_ms: u64,
    block_events: &[Event],
    receipts: &[Receipt],
    get: &dyn Fn(&[u8]) -> Option<Vec<u8>>,
) -> Vec<(Vec<u8>, Vec<u8>)> {
    let records = Records::new(get);
    let mut groups = Groups::default();
    // An access event concerns what its grant concerns: worked out once per grant.
    let mut by_grant: HashMap<u64, Vec<usize>> = HashMap::new();
    let block = block_events
        .iter()
        .enumerate()
        .map(|(i, e)| (0, i, None, e));
    let txs = receipts.iter().flat_map(|r| {
        r.events
            .iter()
            .enumerate()
            .map(move |(i, e)| (r.index + 1, i, Some(r.tx_hash), e))
    });
    for (slot, i, tx_hash, event) in block.chain(txs) {
        let item = GroupItem {
            slot,
            event: i as u32,
            tx_hash,
            body: event,
        };
        let fresh;
        let targets: &[usize] = match event {
            Event::AccessRecorded { grant_id, .. } => by_grant
                .entry(*grant_id)
                .or_insert_with(|| groups.of(&subjects(event, &records))),
            _ => {
                fresh = groups.of(&subjects(event, &records));
                &fresh
            }
        };
        for &g in targets {
            groups.items[g].1.push(item);
        }
    }
    let mut entries: Vec<(Vec<u8>, Vec<u8>)> = groups
        .items
        .into_iter()
        .map(|(prefix, events)| {
            let key = [prefix, height.to_be_bytes().to_vec()].concat();
            (key, codec::encode(&Group { time_ms, events }))
        })
        .collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    entries
}

/// A block's groups being built: each subject's prefix and events, and where each
/// prefix's group is.
#[derive(Default)]
struct Groups<'a> {
    items: Vec<(Vec<u8>, Vec<GroupItem<&'a Event>>)>,
    at: HashMap<Vec<u8>, usize>,
}

impl<'a> Groups<'a> {
    /// The groups of `subjects`, opened as needed.
    fn of(&mut self, subjects: &Subjects) -> Vec<usize> {
        let prefixes = subjects
            .organizations
            .iter()
            .map(|o| org_prefix(o))
            .chain(subjects.entries.iter().map(|e| entry_prefix(*e)));
        prefixes
            .map(|prefix| {
                *self.at.entry(prefix.clone()).or_insert_with(|| {
                    self.items.push((prefix, Vec::new()));
                    self.items.len() - 1
                })
            })
            .collect()
    }
}

fn corrupt(reason: String) -> NodeError {
    NodeError::Corrupt {
        what: "event index".into(),
        reason,
    }
}

/// The events of an index entry under `prefix`, in ledger order: a block's group, or a
/// single event of a store written before groups.
pub fn decode_entry(
    prefix: &[u8],
    key: &[u8],
    value: &[u8],
) -> Result<Vec<(EventPos, EventRecord)>, NodeError> {
    let bad_key = || corrupt(format!("bad key {}", hex::encode(key)));
    let suffix = key.strip_prefix(prefix).ok_or_else(bad_key)?;
    if let Some(pos) = EventPos::from_key_suffix(suffix) {
        let (tx_hash, time_ms, event): (Option<Hash>, u64, Event) =
            codec::decode(value, MAX_STATE_VALUE_BYTES).map_err(|e| corrupt(e.to_string()))?;
        return Ok(vec![(pos, pos.record(tx_hash, time_ms, event))]);
    }
    let height: [u8; 8] = suffix.try_into().map_err(|_| bad_key())?;
    let height = u64::from_be_bytes(height);
    let group: Group<Event> =
        codec::decode(value, MAX_GROUP_BYTES).map_err(|e| corrupt(e.to_string()))?;
    let mut out = Vec::with_capacity(group.events.len());
    for item in group.events {
        let pos = EventPos {
            height,
            slot: item.slot,
            event: item.event,
        };
        if out.last().is_some_and(|(last, _)| *last >= pos) {
            return Err(corrupt(format!(
                "group at height {height} is not in ledger order at {}",
                pos.id()
            )));
        }
        out.push((pos, pos.record(item.tx_hash, group.time_ms, item.body)));
    }
    Ok(out)
}

/// Where a scan under `prefix` starts (inclusive) to find the events after `cursor`
/// (`reverse`: before it): the cursor's height, whose entries may hold such events.
/// Forward: the height's group key, which sorts before its single entries. Reverse:
/// past every single entry of the height.
pub fn seek_key(prefix: &[u8], cursor: EventPos, reverse: bool) -> Vec<u8> {
    let height = cursor.height.to_be_bytes();
    if reverse {
        [prefix, &height, &[0xff; 8]].concat()
    } else {
        [prefix, &height].concat()
    }
}

/// What one page of a listing took from the index.
#[derive(Debug, Default, PartialEq)]
pub struct Page {
    pub items: Vec<EventRecord>,
    /// The id to continue after, when the page stopped before the end.
    pub next: Option<String>,
}

/// How a listing reads the index.
pub struct PageSpec {
    /// Newest first.
    pub reverse: bool,
    /// Events strictly after (reverse: before) this one.
    pub cursor: Option<EventPos>,
    /// Block time bounds in ms, `from` inclusive, `to` exclusive.
    pub from: Option<u64>,
    pub to: Option<u64>,
    pub limit: usize,
    /// Most events one page examines; past it the page ends with a `next` cursor.
    pub max_scan: usize,
}

/// A page of events from `entries`: the index's entries under `prefix` in key order
/// (reverse order when `spec.reverse`), starting at or before the first that can hold
/// an event past the cursor (see [`seek_key`]).
pub fn page(
    prefix: &[u8],
    entries: impl Iterator<Item = Result<(Vec<u8>, Vec<u8>), NodeError>>,
    spec: &PageSpec,
) -> Result<Page, NodeError> {
    let mut out = Page::default();
    let mut scanned = 0;
    for entry in entries {
        let (k, v) = entry?;
        let mut events = decode_entry(prefix, &k, &v)?;
        if spec.reverse {
            events.reverse();
        }
        for (pos, rec) in events {
            let past_cursor = match spec.cursor {
                None => true,
                Some(c) if spec.reverse => pos < c,
                Some(c) => pos > c,
            };
            if !past_cursor {
                continue;
            }
            scanned += 1;
            // Block time never decreases with height: past the range, stop.
            let before_range = spec.from.is_some_and(|f| rec.time_ms < f);
            let after_range = spec.to.is_some_and(|t| rec.time_ms >= t);
            if (spec.reverse && before_range) || (!spec.reverse && after_range) {
                return Ok(out);
            }
            if !before_range && !after_range {
                out.items.push(rec);
                if out.items.len() == spec.limit {
                    out.next = Some(pos.id());
                    return Ok(out);
                }
            }
            if scanned >= spec.max_scan {
                out.next = Some(pos.id());
                return Ok(out);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kuai_runtime::keys;
    use kuai_types::receipt::TxOutcome;
    use std::collections::BTreeMap;

    const TIME: u64 = 1_700_000_000_000;

    fn access(access_id: u64) -> Event {
        Event::AccessRecorded {
            access_id,
            grant_id: 4,
            rows: 1,
        }
    }

    fn receipt(index: u32, events: Vec<Event>) -> Receipt {
        Receipt {
            tx_hash: Hash([index as u8 + 1; 32]),
            height: 0,
            index,
            outcome: TxOutcome::Success,
            events,
        }
    }

    /// The entries of block `height`: a grant issued to G (a block event), then two
    /// transactions recording three accesses under grant 4 (G from P, entry 9).
    fn block_entries(height: u64) -> Vec<(Vec<u8>, Vec<u8>)> {
        let g = codec::encode(&crate::test_support::grant());
        let get = move |k: &[u8]| (k == keys::grant(4).as_slice()).then(|| g.clone());
        let issued = Event::GrantIssued {
            grant_id: 1,
            request_id: 2,
            grantee: "G".into(),
            expires_at: 0,
        };
        let a = 10 * height;
        let receipts = [
            receipt(0, vec![access(a), access(a + 1)]),
            receipt(1, vec![access(a + 2)]),
        ];
        index_entries(height, TIME + height, &[issued], &receipts, &get)
    }

    fn pos(height: u64, slot: u32, event: u32) -> EventPos {
        EventPos {
            height,
            slot,
            event,
        }
    }

    #[test]
    fn a_block_is_one_entry_per_subject_with_its_events_in_ledger_order() {
        let entries = block_entries(5);
        let keys: Vec<&[u8]> = entries.iter().map(|(k, _)| k.as_slice()).collect();
        let key = |prefix: Vec<u8>| [prefix, 5u64.to_be_bytes().to_vec()].concat();
        assert_eq!(
            keys,
            [
                key(entry_prefix(9)),
                key(org_prefix("G")),
                key(org_prefix("P"))
            ]
        );
        let (k, v) = &entries[1];
        let events = decode_entry(&org_prefix("G"), k, v).unwrap();
        let positions: Vec<EventPos> = events.iter().map(|(p, _)| *p).collect();
        assert_eq!(
            positions,
            [pos(5, 0, 0), pos(5, 1, 0), pos(5, 1, 1), pos(5, 2, 0)]
        );
        let (_, first) = &events[0];
        assert_eq!((first.id.as_str(), first.tx_hash), ("5:-1:0", None));
        let (_, last) = &events[3];
        assert_eq!(last.tx_hash, Some(Hash([2; 32])));
        assert_eq!(last.event, access(52));
        assert!(events.iter().all(|(_, r)| r.time_ms == TIME + 5));
        // The provider is not named by the grant's issue event: its accesses only.
        let (k, v) = &entries[2];
        assert_eq!(decode_entry(&org_prefix("P"), k, v).unwrap().len(), 3);
        // A group read under another prefix, or cut short, is an error, not a guess.
        assert!(decode_entry(&org_prefix("Q"), k, v).is_err());
        assert!(decode_entry(&org_prefix("P"), k, &v[..v.len() - 1]).is_err());
    }

    /// Index entries by key, as RocksDB orders them.
    type Index = BTreeMap<Vec<u8>, Vec<u8>>;

    /// Organization G's index over heights 1-4: heights 1 and 2 as a store written
    /// before groups holds them (one entry per event), 3 and 4 as groups.
    fn mixed_index() -> (Vec<u8>, Index, Vec<EventPos>) {
        let prefix = org_prefix("G");
        let mut index = BTreeMap::new();
        let mut all = Vec::new();
        for height in 1..=4 {
            for (k, v) in block_entries(height) {
                if !k.starts_with(&prefix) {
                    continue;
                }
                let events = decode_entry(&prefix, &k, &v).unwrap();
                all.extend(events.iter().map(|(p, _)| *p));
                if height >= 3 {
                    index.insert(k, v);
                    continue;
                }
                for (p, r) in events {
                    let single = codec::encode(&(r.tx_hash, r.time_ms, r.event));
                    index.insert([prefix.clone(), p.key_suffix()].concat(), single);
                }
            }
        }
        (prefix, index, all)
    }

    /// What `Store::index_entries_from` reads, over a sorted map.
    fn read(index: &BTreeMap<Vec<u8>, Vec<u8>>, prefix: &[u8], spec: &PageSpec) -> Page {
        let seek = spec.cursor.map(|c| seek_key(prefix, c, spec.reverse));
        let entries: Vec<_> = match (&seek, spec.reverse) {
            (Some(s), false) => index.range(s.clone()..).collect(),
            (Some(s), true) => index.range(..=s.clone()).rev().collect(),
            (None, false) => index.iter().collect(),
            (None, true) => index.iter().rev().collect(),
        };
        let entries = entries
            .into_iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| Ok((k.clone(), v.clone())));
        page(prefix, entries, spec).unwrap()
    }

    fn spec(reverse: bool, cursor: Option<EventPos>, limit: usize) -> PageSpec {
        PageSpec {
            reverse,
            cursor,
            from: None,
            to: None,
            limit,
            max_scan: 1_000,
        }
    }

    fn ids(page: &Page) -> Vec<String> {
        page.items.iter().map(|r| r.id.clone()).collect()
    }

    #[test]
    fn pages_read_single_entries_and_groups_alike_in_either_order() {
        let (prefix, index, all) = mixed_index();
        assert_eq!(all.len(), 16);
        let want: Vec<String> = all.iter().map(EventPos::id).collect();
        let page = read(&index, &prefix, &spec(false, None, 100));
        assert_eq!((ids(&page), page.next), (want.clone(), None));
        let page = read(&index, &prefix, &spec(true, None, 100));
        let mut newest_first = want.clone();
        newest_first.reverse();
        assert_eq!(ids(&page), newest_first);
        // Page by page, with each page's cursor, in both orders and both forms.
        for (reverse, want) in [(false, &want), (true, &newest_first)] {
            for limit in [1, 3, 5] {
                let (mut got, mut cursor) = (Vec::new(), None);
                loop {
                    let page = read(&index, &prefix, &spec(reverse, cursor, limit));
                    assert!(page.items.len() <= limit);
                    got.extend(ids(&page));
                    match page.next {
                        Some(n) => cursor = Some(EventPos::parse(&n).unwrap()),
                        None => break,
                    }
                }
                assert_eq!(&got, want, "reverse {reverse}, limit {limit}");
            }
        }
    }

    #[test]
    fn a_cursor_inside_a_group_or_at_a_single_entry_continues_strictly_past_it() {
        let (prefix, index, all) = mixed_index();
        for cursor in [pos(3, 1, 1), pos(2, 1, 0), pos(3, 0, 0), pos(2, 2, 0)] {
            let at = all.iter().position(|p| *p == cursor).unwrap();
            let after: Vec<String> = all[at + 1..].iter().map(EventPos::id).collect();
            let page = read(&index, &prefix, &spec(false, Some(cursor), 100));
            assert_eq!(ids(&page), after, "after {}", cursor.id());
            let mut before: Vec<String> = all[..at].iter().map(EventPos::id).collect();
            before.reverse();
            let page = read(&index, &prefix, &spec(true, Some(cursor), 100));
            assert_eq!(ids(&page), before, "before {}", cursor.id());
        }
    }

    #[test]
    fn time_bounds_and_the_scan_limit_end_a_page_where_they_say() {
        let (prefix, index, all) = mixed_index();
        // Heights 2 and 3 (block time TIME + height), from inclusive, to exclusive.
        let mut s = spec(false, None, 100);
        (s.from, s.to) = (Some(TIME + 2), Some(TIME + 4));
        let page = read(&index, &prefix, &s);
        let want: Vec<String> = all
            .iter()
            .filter(|p| (2..=3).contains(&p.height))
            .map(EventPos::id)
            .collect();
        assert_eq!((ids(&page), page.next), (want.clone(), None));
        s.reverse = true;
        let page = read(&index, &prefix, &s);
        assert_eq!(ids(&page), want.into_iter().rev().collect::<Vec<_>>());
        // Six events examined, none in range: an empty page that says where to go on.
        let mut s = spec(false, None, 100);
        (s.from, s.max_scan) = (Some(TIME + 4), 6);
        let page = read(&index, &prefix, &s);
        assert!(page.items.is_empty());
        assert_eq!(page.next, Some(all[5].id()));
    }
}
