//! Proof generation and verification: a store holding 100,000 state values written over
//! 100 blocks; each iteration proves one (random) key at the head version, or verifies
//! such a proof the way the SDK does (SHA-256 sparse Merkle proof against the root).
//!
//! `cargo bench -p kuai-node --bench proofs --profile dev`; results in docs/BENCHMARKS.md.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use jmt::{KeyHash, RootHash};
use kuai_node::store::Store;
use kuai_runtime::StateDiff;
use kuai_types::{Block, BlockHeader, Hash, Keypair};
use sha2::Sha256;

const BLOCKS: u64 = 100;
const PER_BLOCK: u64 = 1_000;

fn key(i: u64) -> Vec<u8> {
    [b"c/".as_slice(), &i.to_be_bytes()].concat()
}

fn block(height: u64, state_root: Hash) -> Block {
    Block {
        header: BlockHeader {
            chain_id: "bench".into(),
            height,
            parent_hash: Hash::ZERO,
            time_ms: height,
            proposer: Keypair::from_seed("v").public(),
            tx_root: Hash::ZERO,
            state_root,
            receipts_root: Hash::ZERO,
        },
        txs: vec![],
    }
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    for h in 1..=BLOCKS {
        let mut diff = StateDiff::new();
        for i in 0..PER_BLOCK {
            let n = (h - 1) * PER_BLOCK + i;
            diff.insert(
                key(n),
                Some(
                    format!("record {n} with some payload bytes to look like a real value")
                        .into_bytes(),
                ),
            );
        }
        let (root, tree) = store.state_tree_update(&diff, h).unwrap();
        store
            .commit_block(&block(h, root), &[], &[], &diff, &tree, None)
            .unwrap();
    }
    let total = BLOCKS * PER_BLOCK;
    let mut g = c.benchmark_group("state_proofs");
    g.throughput(Throughput::Elements(1));
    let mut n = 0u64;
    g.bench_function("prove", |b| {
        b.iter(|| {
            n = n
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407)
                % total;
            store.state_proof(&key(n), BLOCKS).unwrap()
        })
    });
    let samples: Vec<_> = (0..1000u64)
        .map(|i| {
            let k = key(i * 97 % total);
            let (v, proof, root) = store.state_proof(&k, BLOCKS).unwrap();
            (k, v, proof, root)
        })
        .collect();
    let mut i = 0;
    g.bench_function("verify", |b| {
        b.iter(|| {
            let (k, v, proof, root) = &samples[i % samples.len()];
            i += 1;
            proof
                .verify(RootHash(root.0), KeyHash::with::<Sha256>(k), v.as_ref())
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
