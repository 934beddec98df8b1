//! Tests of [`super::Store`]'s records: logs, candidates, heads, pruning, the event index.

use super::*;
use kuai_types::{BlockHeader, Keypair};

fn block(height: u64) -> Block {
    Block {
        header: BlockHeader {
            chain_id: "t".into(),
            height,
            parent_hash: Hash::ZERO,
            time_ms: height,
            proposer: Keypair::from_seed("v").public(),
            tx_root: Hash::ZERO,
            state_root: Hash::tagged(b"r", &[&height.to_le_bytes()]),
            receipts_root: Hash::ZERO,
        },
        txs: vec![],
    }
}

#[test]
fn a_decided_heights_log_outlives_the_next_one_until_pruned() {
    use kuai_consensus::Input;
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    let mut five = Wal::new(5);
    five.record_input(&Input::Validity {
        height: 5,
        value: Hash::ZERO,
        valid: true,
    });
    s.put_wal(&five).unwrap();
    // The core decided 5 and began 6's log; block 5 is not stored yet.
    s.put_wal(&Wal::new(6)).unwrap();
    assert_eq!(s.wal(5).unwrap(), Some(five), "a crash now still replays 5");
    assert_eq!(s.wal(6).unwrap(), Some(Wal::new(6)));
    // Block 5 stored: its log goes, 6's stays.
    s.prune_consensus(6).unwrap();
    assert_eq!(s.wal(5).unwrap(), None);
    assert_eq!(s.wal(6).unwrap(), Some(Wal::new(6)));
    // A data directory from before per-height logs: its single log serves its height.
    let cf = s.cf(CF_CONSENSUS).unwrap();
    s.db.put_cf(cf, LEGACY_WAL_KEY, codec::encode(&Wal::new(7)))
        .unwrap();
    drop(s);
    let s = Store::open(dir.path()).unwrap();
    assert_eq!(s.wal(7).unwrap(), Some(Wal::new(7)));
    assert_eq!(
        s.wal(8).unwrap(),
        None,
        "a log of another height is not replayed"
    );
    s.prune_consensus(8).unwrap();
    assert_eq!(s.wal(7).unwrap(), None);
}

/// Pruning at every commit must not pile up range tombstones: RocksDB replays and
/// re-fragments them all when it reopens, and 5,000 heights' worth made a restarted
/// validator spend over 20 s and 5 GiB before it answered.
#[test]
fn pruning_every_height_deletes_point_keys_and_reopens_whole() {
    const HEIGHTS: u64 = 3_000;
    let dir = tempfile::tempdir().unwrap();
    {
        let s = Store::open(dir.path()).unwrap();
        for h in 1..=HEIGHTS {
            s.put_candidate(&Hash([h as u8; 32]), &block(h)).unwrap();
            s.put_wal(&Wal::new(h)).unwrap();
            s.prune_consensus(h).unwrap(); // the block before h is stored
        }
        let cf = s.cf(CF_CONSENSUS).unwrap();
        let deletes =
            s.db.property_int_value_cf(cf, "rocksdb.num-deletes-active-mem-table")
                .unwrap()
                .unwrap();
        // Range tombstones are not counted here; one point delete per record is.
        assert!(
            deletes >= 2 * (HEIGHTS - 1),
            "{deletes} point deletes for {} pruned records",
            2 * (HEIGHTS - 1)
        );
    }
    let s = Store::open(dir.path()).unwrap();
    assert_eq!(s.wal(HEIGHTS - 1).unwrap(), None);
    assert_eq!(s.wal(HEIGHTS).unwrap(), Some(Wal::new(HEIGHTS)));
    let left: Vec<u64> = s
        .candidates(0)
        .unwrap()
        .iter()
        .map(|b| b.header.height)
        .collect();
    assert_eq!(
        left,
        vec![HEIGHTS],
        "only the height in progress keeps its candidate"
    );
    // A new process walks from the first height again and finds nothing left to do.
    s.prune_consensus(HEIGHTS + 1).unwrap();
    assert!(s.candidates(0).unwrap().is_empty());
    assert_eq!(s.wal(HEIGHTS).unwrap(), None);
}

fn commit_heights(s: &Store, heights: std::ops::RangeInclusive<u64>) {
    for h in heights {
        let mut diff = StateDiff::new();
        diff.insert(format!("k/{h}").into_bytes(), Some(vec![h as u8]));
        diff.insert(b"c/1".to_vec(), Some(vec![h as u8]));
        let (_, t) = s.state_tree_update(&diff, h).unwrap();
        s.commit_block(&block(h), &[], &[], &diff, &t, None)
            .unwrap();
    }
}

fn assert_proof(s: &Store, key: &[u8], version: u64, want: u8) {
    let (value, proof, root) = s.state_proof(key, version).unwrap();
    assert_eq!(value, Some(vec![want]));
    proof
        .verify(
            jmt::RootHash(root.0),
            super::super::tree::key_hash(key),
            value.as_ref(),
        )
        .unwrap();
}

#[test]
fn tree_node_keys_lead_with_the_version_and_older_stores_keep_theirs() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    assert!(
        s.tree_keys_by_version,
        "a new store records the version-first format"
    );
    commit_heights(&s, 1..=4);
    let cf = s.cf(CF_TREE_NODES).unwrap();
    let versions: Vec<u64> =
        s.db.iterator_cf(cf, IteratorMode::Start)
            .map(|kv| u64::from_be_bytes(kv.unwrap().0[..8].try_into().unwrap()))
            .collect();
    assert!(!versions.is_empty());
    assert!(
        versions.iter().all(|v| (1..=4).contains(v)),
        "every key starts with its version, big-endian: {versions:?}"
    );
    assert!(
        versions.windows(2).all(|w| w[0] <= w[1]),
        "so they sort by version"
    );
    assert_proof(&s, b"c/1", 4, 4);
    drop(s);
    assert!(Store::open(dir.path()).unwrap().tree_keys_by_version);

    // A store from before the format record, with a tree: its keys stay as they are.
    let old = tempfile::tempdir().unwrap();
    {
        let mut s = Store::open(old.path()).unwrap();
        s.db.delete_cf(s.cf(CF_META).unwrap(), META_TREE_KEYS)
            .unwrap();
        s.tree_keys_by_version = false;
        commit_heights(&s, 1..=3);
    }
    let s = Store::open(old.path()).unwrap();
    assert!(!s.tree_keys_by_version);
    assert_proof(&s, b"c/1", 3, 3);
    commit_heights(&s, 4..=5);
    assert_proof(&s, b"k/2", 5, 2);
    assert_proof(&s, b"c/1", 5, 5);
    drop(s);
    let ro = Store::open_read_only(old.path()).unwrap();
    assert!(!ro.tree_keys_by_version);
    assert_proof(&ro, b"k/4", 5, 4);
}

#[test]
fn a_blocks_header_and_count_read_without_its_transactions() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    let mut b = block(1);
    b.txs = crate::test_support::signed_txs("signer", 3);
    let (_, tree) = s.state_tree_update(&StateDiff::new(), 1).unwrap();
    s.commit_block(&b, &[], &[], &StateDiff::new(), &tree, None)
        .unwrap();
    assert_eq!(s.block_header(1).unwrap(), Some((b.header.clone(), 3)));
    assert_eq!(s.block(1).unwrap().unwrap(), b, "the whole block as stored");
    assert_eq!(s.block_header(2).unwrap(), None);
}

#[test]
fn commit_reopen_and_scan() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = Store::open(dir.path()).unwrap();
        assert!(s.head().unwrap().is_none());
        let mut diff = StateDiff::new();
        diff.insert(b"c/1".to_vec(), Some(vec![1]));
        diff.insert(b"c/2".to_vec(), Some(vec![2]));
        diff.insert(b"c/3".to_vec(), Some(vec![3]));
        diff.insert(b"d/1".to_vec(), Some(vec![4]));
        let (_, t1) = s.state_tree_update(&diff, 1).unwrap();
        s.commit_block(&block(1), &[], &[], &diff, &t1, None)
            .unwrap();
        let mut del = StateDiff::new();
        del.insert(b"c/2".to_vec(), None);
        let (_, t2) = s.state_tree_update(&del, 2).unwrap();
        s.commit_block(&block(2), &[], &[], &del, &t2, None)
            .unwrap();
    }
    let s = Store::open(dir.path()).unwrap();
    let head = s.head().unwrap().unwrap();
    assert_eq!(head.height, 2);
    assert_eq!(s.block(2).unwrap().unwrap().hash(), head.hash);
    assert_eq!(s.height_of_block(&head.hash).unwrap(), Some(2));
    let all = s.scan_state(b"c/", None, 10).unwrap();
    assert_eq!(
        all.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>(),
        vec![b"c/1".to_vec(), b"c/3".to_vec()]
    );
    let after = s.scan_state(b"c/", Some(b"c/1"), 10).unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!(s.scan_state(b"c/", None, 1).unwrap().len(), 1);
}

#[test]
fn the_event_index_reads_one_subject_from_a_seek_in_either_direction_in_both_forms() {
    use crate::api::event_index::{self, org_prefix, PageSpec};
    use crate::api::events::EventPos;
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    let cf = s.cf(CF_INDEX).unwrap();
    let issued = |grantee: &str, grant_id: u64| Event::GrantIssued {
        grant_id,
        request_id: 1,
        grantee: grantee.into(),
        expires_at: 0,
    };
    let none = |_: &[u8]| None;
    // Heights 1-2 as a store written before groups holds them (one entry per event),
    // 3-4 as groups; neighbours "F", "GG" and the block-hash index around them.
    for height in 1..=4u64 {
        let events = [issued("G", height * 10), issued("G", height * 10 + 1)];
        let more = [issued("GG", height), issued("F", height)];
        let entries = event_index::index_entries(height, height, &events, &[], &none);
        let (k, v) = entries.into_iter().next().unwrap();
        if height >= 3 {
            s.db.put_cf(cf, k, v).unwrap();
        } else {
            for (i, e) in events.iter().enumerate() {
                let pos = EventPos {
                    height,
                    slot: 0,
                    event: i as u32,
                };
                let key = [org_prefix("G"), pos.key_suffix()].concat();
                let value = codec::encode(&(None::<Hash>, height, e));
                s.db.put_cf(cf, key, value).unwrap();
            }
        }
        for (k, v) in event_index::index_entries(height, height, &more, &[], &none) {
            s.db.put_cf(cf, k, v).unwrap();
        }
        s.db.put_cf(cf, block_hash_key(&Hash([height as u8; 32])), b"x")
            .unwrap();
    }
    let prefix = org_prefix("G");
    let read = |reverse: bool, cursor: Option<EventPos>| {
        let seek = cursor.map(|c| event_index::seek_key(&prefix, c, reverse));
        let entries = s
            .index_entries_from(&prefix, seek.as_deref(), reverse)
            .unwrap();
        let spec = PageSpec {
            reverse,
            cursor,
            from: None,
            to: None,
            limit: 100,
            max_scan: 100,
        };
        let page = event_index::page(&prefix, entries, &spec).unwrap();
        page.items
            .iter()
            .map(|r| (r.id.clone(), r.event.clone()))
            .collect::<Vec<_>>()
    };
    let all: Vec<(String, Event)> = (1..=4u64)
        .flat_map(|h| (0..2).map(move |i| (format!("{h}:-1:{i}"), issued("G", h * 10 + i))))
        .collect();
    assert_eq!(read(false, None), all);
    let newest_first: Vec<_> = all.iter().rev().cloned().collect();
    assert_eq!(read(true, None), newest_first);
    for (at, (id, _)) in all.iter().enumerate() {
        let cursor = Some(EventPos::parse(id).unwrap());
        assert_eq!(read(false, cursor), all[at + 1..], "after {id}");
        assert_eq!(
            read(true, cursor),
            newest_first[all.len() - at..],
            "before {id}"
        );
    }
}
