//! The asynchronous intake in process, over a real chain: what it queues it verifies in
//! a batch and admits (gossiping what was admitted), a forged signature is remembered as
//! refused, duplicates and wrong-chain transactions are refused at once, and a request
//! that does not fit the mempool's room is refused whole.

use std::sync::Arc;
use std::time::Duration;

use kuai_node::chain::Chain;
use kuai_node::init;
use kuai_node::intake::Intake;
use kuai_node::mempool::AdmitError;
use kuai_node::outlets::Outlets;
use kuai_types::payload::SetApprovalThreshold;
use kuai_types::{Keypair, Payload, SignedTransaction, Transaction};

mod common;

const CAPACITY: usize = 100;

fn tx(chain_id: &str, key: &Keypair, nonce: u64) -> SignedTransaction {
    Transaction {
        chain_id: chain_id.into(),
        signer: key.public(),
        nonce,
        payload: Payload::SetApprovalThreshold(SetApprovalThreshold { threshold: 1 }),
    }
    .sign(key)
}

fn with_ids(txs: &[SignedTransaction]) -> Vec<(kuai_types::Hash, SignedTransaction)> {
    txs.iter().map(|t| (t.hash(), t.clone())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_transactions_are_verified_in_a_batch_and_refusals_remembered() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    common::init(dir, "kuai-intake");
    let cfg = kuai_node::config::NodeConfig::load(&dir.join(init::CONFIG_FILE)).unwrap();
    let genesis = init::read_genesis(&cfg.genesis_file).unwrap();
    let chain = Arc::new(
        Chain::open(
            &cfg.db_dir,
            genesis,
            common::key(dir, "validator"),
            CAPACITY,
        )
        .unwrap(),
    );
    let (gossip, mut gossiped) = tokio::sync::mpsc::unbounded_channel();
    let outlets = Outlets {
        gossip: Some(gossip),
        full: Arc::new(tokio::sync::Notify::new()),
        max_block_txs: 1_000,
    };
    let intake = Intake::spawn(chain.clone(), Arc::new(outlets)).unwrap();
    let id = chain.chain_id().to_string();
    let cdo = common::key(dir, "police-cdo");
    let (t0, t1) = (tx(&id, &cdo, 0), tx(&id, &cdo, 1));
    let mut forged = tx(&id, &common::key(dir, "civil-app"), 2);
    forged.tx.signer = cdo.public();
    let wrong_chain = tx("another-chain", &cdo, 3);

    let results = intake
        .queue(with_ids(&[
            t0.clone(),
            t1.clone(),
            forged.clone(),
            t0.clone(),
            wrong_chain,
        ]))
        .unwrap();
    assert_eq!(results[0].as_ref().ok(), Some(&t0.hash()));
    assert_eq!(results[1].as_ref().ok(), Some(&t1.hash()));
    assert_eq!(
        results[2].as_ref().ok(),
        Some(&forged.hash()),
        "queued unverified"
    );
    assert!(
        matches!(results[3], Err(AdmitError::Duplicate(_))),
        "{:?}",
        results[3]
    );
    assert!(
        matches!(results[4], Err(AdmitError::Invalid(_))),
        "{:?}",
        results[4]
    );
    for t in [&t0, &t1, &forged] {
        let h = t.hash();
        assert!(
            intake.queued(&h).is_some()
                || chain.pending(&h).is_some()
                || intake.refusal(&h).is_some(),
            "a queued transaction is always visible somewhere"
        );
    }

    // The admitted two reach the gossip outlet, in order; the forged one never does.
    for want in [&t0, &t1] {
        let got = tokio::time::timeout(Duration::from_secs(30), gossiped.recv())
            .await
            .expect("gossiped within 30 s")
            .unwrap();
        assert_eq!(got, (want.hash(), want.clone()), "with its id");
    }
    assert_eq!(chain.mempool_len(), 2);
    assert!(intake.is_empty());
    let why = intake
        .refusal(&forged.hash())
        .expect("the forgery is remembered");
    assert!(why.message.contains("signature"), "{why:?}");
    assert!(intake.refusal(&t0.hash()).is_none());
    assert!(gossiped.try_recv().is_err(), "nothing else was gossiped");

    // Room is 98: a request of 99 is refused whole, and nothing of it is queued.
    let many: Vec<_> = (10..109).map(|n| tx(&id, &cdo, n)).collect();
    let err = intake.queue(with_ids(&many)).unwrap_err();
    assert_eq!(err.code, "mempool_full", "{}", err.message);
    assert!(intake.is_empty());
    assert!(intake.queued(&many[0].hash()).is_none());
    let fits = intake.queue(with_ids(&many[..98])).unwrap();
    assert!(fits.iter().all(Result::is_ok));
    // The worker takes them on: each ends admitted or refused. (Waiting for it also
    // keeps the worker from reading the store while the test process exits, which
    // RocksDB answers with an abort.)
    let last = many[97].hash();
    tokio::time::timeout(Duration::from_secs(30), async {
        while !intake.is_empty()
            || (chain.pending(&last).is_none() && intake.refusal(&last).is_none())
        {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the worker took the batch on within 30 s");
}
