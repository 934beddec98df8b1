//! The transaction ids of the most recently committed blocks, kept in memory.
//!
//! Whoever follows commits (the explorer, `kuai bench`, an SDK waiting for its
//! transactions) asks each new block's ids (`GET /v1/blocks/{height}/txs`) right after
//! the commit. Served from the store, that decoded the whole block and hashed every
//! transaction again, on node 0 about 1% of the consortium's CPU under load; the commit
//! already has the ids (its receipts carry them).
//!
//! Rules:
//! - only committed blocks are recorded, by the commit itself, in height order; a
//!   height is recorded at most once (a lower or repeated one is ignored);
//! - bounded by ids held, not blocks: past [`MAX_IDS`] the oldest blocks are dropped
//!   (one block larger than the bound is kept alone), so a reader of an older height
//!   falls back to the store and gets the same answer.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use kuai_types::Hash;

/// The most ids held (32 bytes each: 2 MiB).
pub const MAX_IDS: usize = 65_536;

/// One committed block's time and transaction ids.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockIds {
    pub height: u64,
    pub time_ms: u64,
    pub ids: Arc<[Hash]>,
}

/// The ids of the latest committed blocks, oldest first.
#[derive(Default)]
pub struct RecentTxIds {
    held: Mutex<Held>,
}

#[derive(Default)]
struct Held {
    /// In height order.
    blocks: VecDeque<BlockIds>,
    /// The ids in `blocks`, counted.
    ids: usize,
}

impl RecentTxIds {
    /// Records committed block `height`'s ids.
    pub fn record(&self, height: u64, time_ms: u64, ids: Arc<[Hash]>) {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        if held.blocks.back().is_some_and(|b| b.height >= height) {
            return;
        }
        held.ids += ids.len();
        held.blocks.push_back(BlockIds {
            height,
            time_ms,
            ids,
        });
        while held.ids > MAX_IDS && held.blocks.len() > 1 {
            if let Some(old) = held.blocks.pop_front() {
                held.ids -= old.ids.len();
            }
        }
    }

    /// Block `height`'s ids, if it is among the recent ones.
    pub fn get(&self, height: u64) -> Option<BlockIds> {
        let held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        // Heights are recorded in order but may skip (a restart, blocks synced in bulk).
        let at = held
            .blocks
            .binary_search_by_key(&height, |b| b.height)
            .ok()?;
        held.blocks.get(at).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl RecentTxIds {
        fn record_vec(&self, height: u64, time_ms: u64, ids: Vec<Hash>) {
            self.record(height, time_ms, ids.into());
        }
    }

    fn ids(n: usize, seed: u8) -> Vec<Hash> {
        (0..n)
            .map(|i| Hash::tagged(b"t", &[&[seed, i as u8]]))
            .collect()
    }

    #[test]
    fn serves_recorded_heights_and_nothing_else() {
        let recent = RecentTxIds::default();
        assert_eq!(recent.get(1), None);
        recent.record_vec(5, 500, ids(3, 5));
        recent.record_vec(6, 600, ids(0, 6));
        recent.record_vec(9, 900, ids(2, 9));
        let five = recent.get(5).unwrap();
        assert_eq!((five.height, five.time_ms), (5, 500));
        assert_eq!(&five.ids[..], &ids(3, 5)[..]);
        assert!(recent.get(6).unwrap().ids.is_empty());
        assert_eq!(&recent.get(9).unwrap().ids[..], &ids(2, 9)[..]);
        for absent in [0, 4, 7, 8, 10] {
            assert_eq!(recent.get(absent), None, "height {absent}");
        }
        // A repeated or lower height changes nothing.
        recent.record_vec(9, 1, ids(1, 0));
        recent.record_vec(2, 1, ids(1, 0));
        assert_eq!(recent.get(9).unwrap().time_ms, 900);
        assert_eq!(recent.get(2), None);
    }

    #[test]
    fn holds_at_most_max_ids_dropping_the_oldest() {
        let recent = RecentTxIds::default();
        let per = MAX_IDS / 4;
        for h in 1..=6 {
            recent.record_vec(h, h, vec![Hash::ZERO; per]);
        }
        assert_eq!(recent.get(1), None);
        assert_eq!(recent.get(2), None);
        for h in 3..=6 {
            assert_eq!(recent.get(h).unwrap().ids.len(), per, "height {h}");
        }
        // A block larger than the bound is kept, alone.
        recent.record_vec(7, 7, vec![Hash::ZERO; MAX_IDS + 1]);
        assert_eq!(recent.get(6), None);
        assert_eq!(recent.get(7).unwrap().ids.len(), MAX_IDS + 1);
    }
}
