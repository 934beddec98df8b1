//! Signature verification cost per signature: one at a time, and in batches of the sizes
//! a validator sees (a peer's gossip batch is tens, a full admission batch thousands).
//! `cargo bench -p kuai-types --bench signatures`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use kuai_types::crypto::{verify_batch, Keypair, SignDomain};

fn signed(
    n: usize,
    signers: usize,
) -> Vec<(kuai_types::PublicKey, Vec<u8>, kuai_types::Signature)> {
    let keys: Vec<Keypair> = (0..signers)
        .map(|i| Keypair::from_seed(&format!("bench-signer-{i}")))
        .collect();
    (0..n)
        .map(|i| {
            let k = &keys[i % signers];
            let msg = format!("transaction {i} of about the size of an access event").into_bytes();
            let sig = k.sign(SignDomain::Transaction, &msg);
            (k.public(), msg, sig)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("ed25519");
    let one = signed(1, 1);
    g.throughput(Throughput::Elements(1));
    g.bench_function("single", |b| {
        b.iter(|| {
            one[0]
                .0
                .verify(SignDomain::Transaction, &one[0].1, &one[0].2)
        })
    });
    for n in [16usize, 64, 256, 1024] {
        let items = signed(n, 64);
        let batch: Vec<_> = items
            .iter()
            .map(|(pk, m, s)| (*pk, SignDomain::Transaction, m.as_slice(), *s))
            .collect();
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("batch", n), &batch, |b, batch| {
            b.iter(|| verify_batch(batch).expect("all valid"))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
