//! Prometheus metrics at `/metrics`: chain height, consensus round, commit latency,
//! mempool and gossip pool sizes, connected peers, dropped p2p messages, gossip a slow
//! peer's full queue left unsent, rejected consensus messages, block sync requests sent
//! and blocks applied from them, the time each phase of a height took, and the process's
//! resident memory and CPU time.
//!
//! Rules: the process figures are read from `/proc` when `/metrics` is rendered (a
//! scrape costs two small file reads, nothing runs in between); where `/proc` is not
//! there they read 0, never an error.

use std::sync::atomic::{AtomicI64, AtomicU64};
use std::time::Duration;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

pub struct Metrics {
    registry: Registry,
    pub height: Gauge<i64, AtomicI64>,
    pub round: Gauge<i64, AtomicI64>,
    pub mempool: Gauge<i64, AtomicI64>,
    pub gossip_pool: Gauge<i64, AtomicI64>,
    pub intake: Gauge<i64, AtomicI64>,
    pub peers: Gauge<i64, AtomicI64>,
    pub rss_bytes: Gauge<i64, AtomicI64>,
    /// User and system CPU time of the process since it started, in seconds.
    pub cpu_seconds: Gauge<f64, AtomicU64>,
    pub p2p_dropped: Counter<u64, AtomicU64>,
    pub gossip_overflow: Counter<u64, AtomicU64>,
    pub consensus_rejected: Counter<u64, AtomicU64>,
    pub committed_txs: Counter<u64, AtomicU64>,
    pub sync_requests: Counter<u64, AtomicU64>,
    pub synced_blocks: Counter<u64, AtomicU64>,
    /// Compact proposals assembled from this node's pools.
    pub compact_proposals: Counter<u64, AtomicU64>,
    /// Transactions of those proposals' blocks, taken from this node's pools (none
    /// travelled with the proposal).
    pub compact_proposal_txs: Counter<u64, AtomicU64>,
    /// Requests for a candidate block whole (a compact proposal named transactions this
    /// node lacked): the proposer first, then other validators.
    pub candidate_fetches: Counter<u64, AtomicU64>,
    /// Seconds from one commit to the next.
    pub commit_interval: Histogram,
    /// Seconds this node took to build each of its proposals.
    pub block_build: Histogram,
    /// Seconds this node took to re-execute and check each block proposed by another.
    pub block_verify: Histogram,
    /// Seconds each decided block took to write.
    pub block_write: Histogram,
}

/// Buckets for the phases of a height, in seconds.
const PHASE_BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5];

/// Runs `phase`, recording its time in `histogram` when it succeeds (a failed build,
/// check or write says nothing about how long one takes).
pub fn timed<T, E>(histogram: &Histogram, phase: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
    let started = std::time::Instant::now();
    let result = phase();
    if result.is_ok() {
        histogram.observe(started.elapsed().as_secs_f64());
    }
    result
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("kuai");
        let m = Metrics {
            height: Gauge::default(),
            round: Gauge::default(),
            mempool: Gauge::default(),
            gossip_pool: Gauge::default(),
            intake: Gauge::default(),
            peers: Gauge::default(),
            rss_bytes: Gauge::default(),
            cpu_seconds: Gauge::default(),
            p2p_dropped: Counter::default(),
            gossip_overflow: Counter::default(),
            consensus_rejected: Counter::default(),
            committed_txs: Counter::default(),
            sync_requests: Counter::default(),
            synced_blocks: Counter::default(),
            compact_proposals: Counter::default(),
            compact_proposal_txs: Counter::default(),
            candidate_fetches: Counter::default(),
            commit_interval: Histogram::new([
                0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 5.0, 10.0,
            ]),
            block_build: Histogram::new(PHASE_BUCKETS),
            block_verify: Histogram::new(PHASE_BUCKETS),
            block_write: Histogram::new(PHASE_BUCKETS),
            registry: Registry::default(),
        };
        registry.register(
            "height",
            "Height of the last committed block",
            m.height.clone(),
        );
        registry.register(
            "round",
            "Consensus round at the current height",
            m.round.clone(),
        );
        registry.register(
            "mempool_size",
            "Transactions waiting in the mempool",
            m.mempool.clone(),
        );
        registry.register(
            "gossip_pool_size",
            "Transactions peers gossiped, held until a batch verifies them",
            m.gossip_pool.clone(),
        );
        registry.register(
            "intake_size",
            "Transactions submitted asynchronously, queued for verification",
            m.intake.clone(),
        );
        registry.register("peers", "Connected validator peers", m.peers.clone());
        registry.register(
            "resident_memory_bytes",
            "Resident set size of the node process",
            m.rss_bytes.clone(),
        );
        registry.register(
            "process_cpu_seconds",
            "User and system CPU time the node process has used since it started",
            m.cpu_seconds.clone(),
        );
        registry.register(
            "p2p_dropped",
            "Refused connections and messages from outside the validator set",
            m.p2p_dropped.clone(),
        );
        registry.register(
            "gossip_overflow",
            "Gossip messages not sent because a peer's queue was full",
            m.gossip_overflow.clone(),
        );
        registry.register(
            "consensus_rejected",
            "Consensus messages the core refused",
            m.consensus_rejected.clone(),
        );
        registry.register(
            "committed_transactions",
            "Transactions in committed blocks",
            m.committed_txs.clone(),
        );
        registry.register(
            "sync_requests",
            "Block sync requests sent to peers",
            m.sync_requests.clone(),
        );
        registry.register(
            "synced_blocks",
            "Blocks applied from block sync, each with its commit certificate checked",
            m.synced_blocks.clone(),
        );
        registry.register(
            "compact_proposals",
            "Compact proposals whose blocks this node assembled from its own pools",
            m.compact_proposals.clone(),
        );
        registry.register(
            "compact_proposal_txs",
            "Transactions of compact proposals' blocks that this node took from its own pools",
            m.compact_proposal_txs.clone(),
        );
        registry.register(
            "candidate_fetches",
            "Requests for a candidate block whole (the proposer first, then other validators), for lack of transactions a compact proposal named",
            m.candidate_fetches.clone(),
        );
        registry.register(
            "commit_interval_seconds",
            "Time between consecutive commits",
            m.commit_interval.clone(),
        );
        registry.register(
            "block_build_seconds",
            "Time to build a proposal: verify peers' gossip into the mempool, execute, update the state tree",
            m.block_build.clone(),
        );
        registry.register(
            "block_verify_seconds",
            "Time to re-execute a block another validator proposed and check it against its header",
            m.block_verify.clone(),
        );
        registry.register(
            "block_write_seconds",
            "Time to write a decided block with its certificate, receipts, indexes and state (one synced batch)",
            m.block_write.clone(),
        );
        Metrics { registry, ..m }
    }

    pub fn observe_commit(&self, since_last: Duration, txs: usize) {
        self.commit_interval.observe(since_last.as_secs_f64());
        self.committed_txs.inc_by(txs as u64);
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        self.rss_bytes.set(rss_bytes().unwrap_or(0) as i64);
        self.cpu_seconds.set(cpu_seconds().unwrap_or(0.0));
        let mut out = String::new();
        let _ = encode(&mut out, &self.registry);
        out
    }
}

/// Resident set size of this process, from /proc (Linux).
pub fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Clock ticks per second of the times in `/proc/*/stat`: Linux reports them in
/// `USER_HZ`, which is 100 on every architecture it runs on (proc(5)).
const USER_HZ: f64 = 100.0;

/// User plus system CPU time of this process (all its threads, live or exited), from
/// `/proc/self/stat` (Linux).
pub fn cpu_seconds() -> Option<f64> {
    parse_cpu_seconds(&std::fs::read_to_string("/proc/self/stat").ok()?)
}

/// `utime + stime` of a `/proc/PID/stat` line, in seconds. The command name (field 2)
/// may hold spaces and parentheses, so fields are counted after its last `)`: `utime`
/// and `stime` are then the 12th and 13th.
fn parse_cpu_seconds(stat: &str) -> Option<f64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some((utime + stime) as f64 / USER_HZ)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Works until the process's CPU time (as read here) is at least `above` + 0.05 s, a
    /// few ticks; by CPU time, not wall time, so a busy machine only makes it take longer.
    /// Panics if that does not happen within 20 s of wall time (the time is not read).
    fn burn_cpu_past(above: f64) -> f64 {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        let mut x = 0u64;
        loop {
            let now = cpu_seconds().expect("/proc/self/stat on Linux");
            if now >= above + 0.05 {
                return now;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "CPU time stuck at {now} s"
            );
            for _ in 0..100_000 {
                x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
            }
        }
    }

    #[test]
    fn cpu_time_is_user_plus_system_counted_after_the_command_name() {
        // A command name with a space and a parenthesis, as a thread may rename itself.
        let stat = "4242 (kuai node) x) S 1 4242 4242 0 -1 4194560 9120 0 0 0 \
                    1234 566 0 0 20 0 9 0 777 1000000 5000 18446744073709551615";
        assert_eq!(parse_cpu_seconds(stat), Some(18.0));
        assert_eq!(
            parse_cpu_seconds("4242 (kuai) S 1 2"),
            None,
            "too few fields"
        );
        assert_eq!(parse_cpu_seconds("no parenthesis at all"), None);
    }

    #[test]
    fn this_process_cpu_time_is_read_and_grows_with_work() {
        let before = cpu_seconds().expect("/proc/self/stat on Linux");
        let after = burn_cpu_past(before);
        assert!(after > before, "{before} -> {after}");
    }

    #[test]
    fn the_process_figures_are_in_the_rendered_text() {
        burn_cpu_past(0.0);
        let m = Metrics::new();
        let text = m.render();
        let value = |name: &str| -> f64 {
            text.lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
                .unwrap_or_else(|| panic!("{name} missing from:\n{text}"))
        };
        assert!(value("kuai_process_cpu_seconds") > 0.0);
        assert!(value("kuai_resident_memory_bytes") > 0.0);
    }
}
