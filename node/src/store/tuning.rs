//! How the store tunes RocksDB.
//!
//! Rules:
//! - all column families share one block cache and one memtable budget, so memory stays
//!   bounded however many column families there are;
//! - every column family has whole-key Bloom filters kept in the block cache;
//! - each store's memtable sizes are spread within ±25% of the nominal ones
//!   ([`MemtableSpread`]), so validators that write the same blocks do not all flush at
//!   the same moment: a validator's by its place in the validator set, evenly (no two
//!   validators share a factor), any other store's at random;
//! - flushes and compactions run at the lowest CPU priority and, where the filesystem
//!   supports it, write their SST files with direct I/O; a filesystem without direct I/O
//!   (tmpfs before Linux 6.6, some network filesystems) keeps buffered writes, found by a
//!   probe when the store opens, never by a failed flush.

use std::path::Path;

use rocksdb::{ColumnFamilyDescriptor, Options};

use crate::error::NodeError;

/// The block cache all column families share.
const BLOCK_CACHE_BYTES: usize = 64 << 20;

/// The most memory all column families' memtables may hold together before the largest
/// is flushed. Without it each of the dozen column families may hold two 64 MiB
/// memtables, and a validator under a minute of load reached 900+ MiB of RSS.
const MEMTABLE_BUDGET_BYTES: usize = 256 << 20;

/// A column family's memtable before it is flushed (RocksDB's default), nominal.
const MEMTABLE_BYTES: usize = 64 << 20;

/// Where a store's memtable sizes sit within [0.75, 1.25) of the nominal ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemtableSpread {
    /// Drawn at random when the store opens (a store that is not a validator's).
    Random,
    /// The validator at `index` of a set of `of`: evenly spaced, so the validators'
    /// first flushes fall an eighth of a fill apart or more (four validators) instead of
    /// where random draws put them (for four, some two within that in all but 0.4% of
    /// draws).
    Slot { index: usize, of: usize },
}

impl MemtableSpread {
    /// The factor for this store's memtable sizes, within [0.75, 1.25).
    fn factor(self) -> f64 {
        match self {
            MemtableSpread::Slot { index, of } if index < of => {
                memtable_spread(index as f64 / of as f64)
            }
            _ => {
                // A per-process random draw: the standard library seeds each
                // `RandomState` from the operating system.
                use std::hash::{BuildHasher, Hasher};
                let draw = std::collections::hash_map::RandomState::new()
                    .build_hasher()
                    .finish() as u32;
                memtable_spread(f64::from(draw) / (f64::from(u32::MAX) + 1.0))
            }
        }
    }
}

/// A factor within [0.75, 1.25) for a store's memtable sizes, at `position` within
/// [0, 1) of the range.
///
/// Validators write the same blocks, so with equal memtable sizes they fill them at the
/// same moment and flush together; where they share CPUs (a test machine, a consolidated
/// host) every validator slows at once and the consortium with them. Spread, the flushes
/// of different validators fall at different moments, and the others, a quorum, keep
/// committing while one flushes.
fn memtable_spread(position: f64) -> f64 {
    0.75 + 0.5 * position
}

/// Column-family options: whole-key Bloom filters (execution and the state tree do point
/// reads, most of them for keys in one SST file of many) kept in the shared block cache
/// with the index blocks.
fn cf_options(cache: &rocksdb::Cache, memtable_bytes: usize) -> Options {
    let mut table = rocksdb::BlockBasedOptions::default();
    table.set_bloom_filter(10.0, false);
    table.set_block_cache(cache);
    table.set_cache_index_and_filter_blocks(true);
    table.set_pin_l0_filter_and_index_blocks_in_cache(true);
    let mut cf = Options::default();
    cf.set_write_buffer_size(memtable_bytes);
    cf.set_block_based_table_factory(&table);
    cf.set_level_compaction_dynamic_level_bytes(true);
    cf
}

/// Whether files in `dir` can be opened for direct I/O (tmpfs before Linux 6.6 and some
/// network filesystems cannot), probed with a scratch file.
fn direct_io_supported(dir: &Path) -> bool {
    use std::os::unix::fs::OpenOptionsExt;
    let probe = dir.join(".direct-io-probe");
    let ok = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .custom_flags(libc::O_DIRECT)
        .open(&probe)
        .is_ok();
    let _ = std::fs::remove_file(&probe);
    ok
}

/// The database options and the column-family descriptors for a store at `path`
/// (created if missing).
pub(super) fn options(
    path: &Path,
    column_families: &[&str],
    spread: MemtableSpread,
) -> Result<(Options, Vec<ColumnFamilyDescriptor>), NodeError> {
    let mut opts = Options::default();
    opts.create_if_missing(true);
    opts.create_missing_column_families(true);
    opts.set_max_background_jobs(2);
    let factor = spread.factor();
    let scaled = |bytes: usize| (bytes as f64 * factor) as usize;
    opts.set_db_write_buffer_size(scaled(MEMTABLE_BUDGET_BYTES));
    // Flushes and compactions run at the lowest CPU priority (nice 19): they can
    // wait for an idle moment, blocks cannot. A flush turns a 64 MiB memtable into
    // a file in one burst of CPU; at full priority it took the cores from consensus
    // (and validators flush at about the same moment, having written the same
    // blocks). Writes still cannot outrun them: the memtable budget stalls writers,
    // which leaves the CPU to the flush.
    let mut env = rocksdb::Env::new()?;
    env.lower_thread_pool_cpu_priority();
    env.lower_high_priority_thread_pool_cpu_priority();
    opts.set_env(&env);
    // Flushes and compactions write with direct I/O: their SST files bypass the page
    // cache. Buffered, every flushed byte took a fresh page-cache page, and on this
    // kind of VM a first-touched page is costly (writing 1 GB into new page-cache
    // pages runs at 0.4-1.4 GB/s, overwriting cached ones at 5.8): under a steady
    // load the flush threads' copy into the page cache was a tenth of a validator's
    // CPU. Reads still go through the page cache and the block cache. A filesystem
    // without direct I/O keeps buffered writes (RocksDB would fail its first flush).
    std::fs::create_dir_all(path)?;
    if direct_io_supported(path) {
        opts.set_use_direct_io_for_flush_and_compaction(true);
    } else {
        tracing::warn!(dir = %path.display(), "filesystem without direct I/O: flushes are buffered");
    }
    let cache = rocksdb::Cache::new_lru_cache(BLOCK_CACHE_BYTES);
    let cfs = column_families
        .iter()
        .map(|n| ColumnFamilyDescriptor::new(*n, cf_options(&cache, scaled(MEMTABLE_BYTES))))
        .collect();
    Ok((opts, cfs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memtable_spread_stays_within_a_quarter_of_nominal() {
        assert_eq!(memtable_spread(0.0), 0.75);
        assert_eq!(memtable_spread(0.5), 1.0);
        let top = memtable_spread(f64::from(u32::MAX) / (f64::from(u32::MAX) + 1.0));
        assert!(top < 1.25 && top > 1.2499, "{top}");
        assert!(memtable_spread(0.25) < memtable_spread(0.5), "monotone");
    }

    #[test]
    fn validators_get_evenly_spaced_distinct_factors_and_others_stay_in_range() {
        let four: Vec<f64> = (0..4)
            .map(|index| MemtableSpread::Slot { index, of: 4 }.factor())
            .collect();
        assert_eq!(four, [0.75, 0.875, 1.0, 1.125]);
        let seven: Vec<f64> = (0..7)
            .map(|index| MemtableSpread::Slot { index, of: 7 }.factor())
            .collect();
        assert!(seven.windows(2).all(|w| w[1] - w[0] > 0.07), "{seven:?}");
        // Out of range (a set that shrank under it) or not a validator: random, in range.
        for s in [
            MemtableSpread::Slot { index: 4, of: 4 },
            MemtableSpread::Random,
        ] {
            let f = s.factor();
            assert!((0.75..1.25).contains(&f), "{f}");
        }
    }

    #[test]
    fn the_probe_leaves_nothing_behind_and_fails_where_no_directory_is() {
        let dir = tempfile::tempdir().unwrap();
        direct_io_supported(dir.path());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        assert!(!direct_io_supported(&dir.path().join("missing")));
    }
}
