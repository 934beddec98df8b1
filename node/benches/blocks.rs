//! What one validator spends on each transaction of a block, in process, on RocksDB:
//! blocks of the domain mix `kuai bench` sends (70% access events under a grant, 30%
//! share requests, from 64 signers), as the validator of another's block (re-execution
//! with every signature checked in one batch, state-tree update, synced commit) and as
//! the proposer (admission with batch signature verification, block building, execution,
//! tree update, synced commit). No network, no consensus messages, no HTTP: the
//! per-transaction floor under the multi-process `kuai bench` figures, steadier than
//! they are, for comparing changes to the pipeline.
//!
//! The time criterion reports is the process's CPU time (every thread: RocksDB's
//! background flushes too), which is what limits four validators on two cores; the wall
//! time per block (with the commit's `fdatasync`) is printed at the end.
//!
//! `cargo bench -p kuai-node --bench blocks --profile dev`; results in docs/BENCHMARKS.md.
//! Blocks hold 1,000 transactions, or `KUAI_BENCH_BLOCK_TXS` (the size of a block at a
//! steady few thousand a second is a few hundred).

use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use kuai_client::TxBuilder;
use kuai_node::chain::Chain;
use kuai_node::dev::datasets::population_spec;
use kuai_types::model::Role;
use kuai_types::{Keypair, SignedTransaction};

/// The allocator the node binary runs with (`node/src/main.rs`).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

const PURPOSE: &str = "Subsistence allowance eligibility checks";
/// Transactions per block unless `KUAI_BENCH_BLOCK_TXS` says otherwise.
const BLOCK: usize = 1_000;

fn block_txs() -> usize {
    match std::env::var("KUAI_BENCH_BLOCK_TXS") {
        Ok(v) => v
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .expect("KUAI_BENCH_BLOCK_TXS must be a positive number"),
        Err(_) => BLOCK,
    }
}
const SIGNERS: usize = 64;

mod support;
use support::now_ms;

/// The CPU time of the process's live threads so far (the benchmark's thread and
/// RocksDB's, which live as long as the stores), from each one's `schedstat` (ns).
fn cpu_time() -> Duration {
    let ns: u64 = std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    Duration::from_nanos(ns)
}

/// CPU and wall time of one stage.
#[derive(Clone, Copy, Default)]
struct Cost {
    cpu: Duration,
    wall: Duration,
}

impl Cost {
    fn measure<T>(f: impl FnOnce() -> T) -> (T, Cost) {
        let (cpu, wall) = (cpu_time(), Instant::now());
        let out = f();
        let cost = Cost {
            cpu: cpu_time() - cpu,
            wall: wall.elapsed(),
        };
        (out, cost)
    }
}

impl std::ops::AddAssign for Cost {
    fn add_assign(&mut self, o: Cost) {
        self.cpu += o.cpu;
        self.wall += o.wall;
    }
}

/// A proposer and a validator of one chain, each on its own store.
struct Pair {
    proposer: Chain,
    validator: Chain,
}

impl Pair {
    fn open(dir: &Path) -> (Pair, impl Fn(&str) -> Keypair + '_) {
        let (cfg, genesis) = support::dev_chain(dir);
        let key = move |n: &str| support::key(dir, n);
        let open = |db: &Path| Chain::open(db, genesis.clone(), key("validator"), 1_000_000);
        let pair = Pair {
            proposer: open(&cfg.db_dir).unwrap(),
            validator: open(&dir.join("validator-db")).unwrap(),
        };
        (pair, key)
    }

    /// Runs `txs` as one block on both chains; returns what validating (re-executing and
    /// committing) and proposing (admitting, building and committing) cost.
    fn block(&self, txs: Vec<SignedTransaction>) -> (Cost, Cost) {
        let n = txs.len();
        let (block, proposing) = Cost::measure(|| {
            assert!(self.proposer.submit_many(txs).iter().all(Result::is_ok));
            let p = self.proposer.propose(now_ms(), n).unwrap();
            assert_eq!(p.block.txs.len(), n);
            assert!(p.outcome.receipts.iter().all(|r| r.is_success()));
            let block = p.block.clone();
            self.proposer.commit(p).unwrap();
            block
        });
        let (head, validating) = Cost::measure(|| {
            let v = self.validator.verify(block, now_ms()).unwrap();
            self.validator.commit(v).unwrap()
        });
        assert_eq!(head, self.proposer.head());
        (validating, proposing)
    }
}

/// The benchmark's transactions: each signer's next, round robin.
struct Mix {
    signers: Vec<TxBuilder>,
    next: usize,
    size: usize,
}

impl Mix {
    fn block(&mut self) -> Vec<SignedTransaction> {
        (0..self.size)
            .map(|_| {
                let i = self.next;
                self.next += 1;
                let b = &mut self.signers[i % SIGNERS];
                if i % 10 < 7 {
                    let me = b.public_key();
                    b.record_access(1, me, &["id_number"], 1, &format!("q {i}"), PURPOSE)
                } else {
                    b.submit_share_request(1, &["district"], PURPOSE, "art. 11", 30)
                }
            })
            .collect()
    }
}

fn blocks(c: &mut Criterion) {
    let tmp = tempfile::tempdir().unwrap();
    let (pair, key) = Pair::open(tmp.path());
    let chain_id = pair.proposer.chain_id().to_string();
    let builder = |name: &str| TxBuilder::new(chain_id.clone(), key(name), 0);
    // Entry 1 (police), request 1 from civil affairs, approved: grant 1.
    let (mut police, mut civil, mut reviewer) = (
        builder("police-cdo"),
        builder("civil-app"),
        builder("police-reviewer"),
    );
    pair.block(vec![police.register_catalog_entry(population_spec())]);
    pair.block(vec![civil.submit_share_request(
        1,
        &["id_number", "district"],
        PURPOSE,
        "art. 11",
        365,
    )]);
    pair.block(vec![reviewer.approve_share_request(1, None)]);
    let keys: Vec<Keypair> = (0..SIGNERS).map(|_| Keypair::generate()).collect();
    let mut cdo = builder("civil-cdo");
    pair.block(
        keys.iter()
            .map(|k| cdo.add_member(k.public(), Role::App))
            .collect(),
    );
    let mut mix = Mix {
        signers: keys
            .into_iter()
            .map(|k| TxBuilder::new(chain_id.clone(), k, 0))
            .collect(),
        next: 0,
        size: block_txs(),
    };
    let size = mix.size;

    let mut group = c.benchmark_group(format!("block_of_{size}"));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(15));
    group.throughput(Throughput::Elements(size as u64));
    let (mut validating, mut proposing) = (Cost::default(), Cost::default());
    let mut blocks = 0u32;
    group.bench_function("validate_and_commit", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    let (v, p) = pair.block(mix.block());
                    validating += v;
                    proposing += p;
                    blocks += 1;
                    v.cpu
                })
                .sum()
        })
    });
    group.finish();
    let per_tx = |c: Cost| {
        let n = f64::from(blocks) * size as f64;
        (
            c.cpu.as_secs_f64() * 1e6 / n,
            c.wall.as_secs_f64() * 1e6 / n,
        )
    };
    let (vc, vw) = per_tx(validating);
    let (pc, pw) = per_tx(proposing);
    println!(
        "{blocks} blocks of {size}, ending at height {} with {} transactions of the mix:\n  \
         validator: {vc:.1} µs CPU, {vw:.1} µs wall per transaction\n  \
         proposer:  {pc:.1} µs CPU, {pw:.1} µs wall per transaction",
        pair.proposer.head().height,
        mix.next
    );
}

criterion_group!(benches, blocks);
criterion_main!(benches);
