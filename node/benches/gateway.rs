//! Data gateway throughput: masked rows served per second with the access event
//! recorded. Each iteration is one fetch as the API serves it: signature and grant checks
//! against the store, row selection, quota reservation, the `record_access` transaction
//! signed and admitted to the mempool (group commit), and every row rendered masked
//! (ID number, name, birth date generalized; CSV). Blocks are produced and committed in
//! the background meanwhile, as the node's engine does.
//!
//! `cargo bench -p kuai-node --bench gateway`; results in docs/BENCHMARKS.md.

use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use kuai_node::chain::Chain;
use kuai_node::dev::datasets::{gateway_config, population_spec, write_population};
use kuai_node::gateway::{ensure_secret, Gateway};
use kuai_types::gateway::{DataFormat, FetchRequest};
use kuai_types::payload::{ApproveShareRequest, RegisterCatalogEntry, SubmitShareRequest};
use kuai_types::{Keypair, Payload, Transaction};

const PURPOSE: &str = "Subsistence allowance eligibility checks";

mod support;
use support::now_ms;

/// Runs one transaction to commit on the chain (one block).
fn run(chain: &Chain, key: &Keypair, nonce: u64, payload: Payload) {
    let stx = Transaction {
        chain_id: chain.chain_id().into(),
        signer: key.public(),
        nonce,
        payload,
    }
    .sign(key);
    chain.submit(stx).unwrap();
    let p = chain.propose(now_ms(), 10_000).unwrap();
    assert!(p.outcome.receipts.iter().all(|r| r.is_success()));
    chain.commit(p).unwrap();
}

fn gateway(c: &mut Criterion) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (cfg, genesis) = support::dev_chain(dir);
    let key = |n: &str| support::key(dir, n);
    let chain = Arc::new(Chain::open(&cfg.db_dir, genesis, key("validator"), 1_000_000).unwrap());
    // Entry 1 (the population), a grant to civil affairs without quota.
    run(
        &chain,
        &key("police-cdo"),
        0,
        Payload::RegisterCatalogEntry(RegisterCatalogEntry {
            spec: population_spec(),
        }),
    );
    run(
        &chain,
        &key("civil-app"),
        0,
        Payload::SubmitShareRequest(SubmitShareRequest {
            entry_id: 1,
            fields: ["id_number", "name", "birth_date", "district"]
                .map(String::from)
                .to_vec(),
            purpose: PURPOSE.into(),
            legal_basis: "art. 11".into(),
            period_days: 365,
            raw_fields: vec![],
        }),
    );
    run(
        &chain,
        &key("police-reviewer"),
        0,
        Payload::ApproveShareRequest(ApproveShareRequest {
            request_id: 1,
            quota_rows: None,
            quota_calls: None,
        }),
    );
    write_population(&dir.join("datasets/population.csv"), 100_000).unwrap();
    ensure_secret(&dir.join("keys/gateway.secret")).unwrap();
    let mut gcfg = gateway_config();
    gcfg.datasets.truncate(1);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let gw = Arc::new(Gateway::open(&gcfg.resolved(dir), chain.clone(), None).unwrap());
    let _guard = rt.enter();
    gw.spawn_recorders();
    // The engine: commit what waits every 100 ms.
    let producer = chain.clone();
    rt.spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let c = producer.clone();
            let _ = tokio::task::spawn_blocking(move || {
                if c.mempool_len() > 0 {
                    let p = c.propose(now_ms(), 10_000)?;
                    c.commit(p)?;
                }
                Ok::<_, kuai_node::NodeError>(())
            })
            .await;
        }
    });
    let civil = key("civil-app");
    let chain_id = chain.chain_id().to_string();
    let mut offset = 0u64;

    let mut group = c.benchmark_group("gateway");
    group.measurement_time(Duration::from_secs(8));
    for rows in [1_000u32, 10_000] {
        group.throughput(Throughput::Elements(u64::from(rows)));
        group.bench_with_input(
            BenchmarkId::new("fetch_masked_csv", rows),
            &rows,
            |b, &rows| {
                b.iter(|| {
                    let signed = FetchRequest {
                        chain_id: chain_id.clone(),
                        grant_id: 1,
                        entry_id: 1,
                        accessor: civil.public(),
                        fields: ["id_number", "name", "birth_date", "district"]
                            .map(String::from)
                            .to_vec(),
                        filters: vec![],
                        offset,
                        limit: rows,
                        purpose: PURPOSE.into(),
                        format: DataFormat::Csv,
                        timestamp_ms: now_ms(),
                        nonce: FetchRequest::random_nonce(),
                    }
                    .sign(&civil);
                    offset = (offset + u64::from(rows)) % 90_000;
                    let delivery = rt.block_on(gw.fetch(&signed, now_ms(), None)).unwrap();
                    assert_eq!(delivery.rows.len(), rows as usize);
                    let bytes: usize = Arc::new(delivery).chunks().map(|c| c.len()).sum();
                    bytes
                })
            },
        );
    }
    group.finish();
    // Every delivery became an access event: wait for the last commits and check.
    std::thread::sleep(Duration::from_millis(500));
    let grant: kuai_types::model::Grant = chain
        .store()
        .state_value(&kuai_runtime::keys::grant(1))
        .unwrap()
        .unwrap();
    println!(
        "grant 1 after the benchmark: {} deliveries, {} rows recorded on chain",
        grant.calls_used, grant.rows_used
    );
    assert!(grant.calls_used > 0);
}

criterion_group!(benches, gateway);
criterion_main!(benches);
