//! `POST /v1/txs` with `mode: async`: the node answers with ids at once and verifies
//! later, in batches. Good transactions commit; one with a forged signature is reported
//! as refused by `GET /v1/tx/{hash}` (and the SDK's wait stops on it); what fails the
//! checks that need no signature is refused in the answer; a batch that does not fit
//! the mempool is refused whole, and nothing of it is queued (synchronously, what does
//! not fit is refused before its signature is checked).

mod common;

use std::time::Duration;

use common::{init, key, NodeProc};
use kuai_client::{Client, TxBuilder};

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_batches_commit_and_late_refusals_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init(dir, "kuai-async");
    let mut node = NodeProc::start(dir);
    let c = Client::new(&node.url).unwrap();
    let mut health = TxBuilder::for_key(&c, key(dir, "health-cdo"))
        .await
        .unwrap();
    let mut batch: Vec<_> = (0..20)
        .map(|i| health.register_catalog_entry(common::entry_spec(&format!("A{i}"))))
        .collect();
    // A valid signature over another transaction: only verification can tell.
    let mut forged = health.register_catalog_entry(common::entry_spec("forged"));
    forged.signature = batch[0].signature;
    batch.push(forged.clone());
    let k = key(dir, "market-cdo");
    let wrong_chain = common::wrong_chain_tx(&k);
    batch.push(wrong_chain);

    let results = c.submit_batch_async(&batch).await.unwrap();
    assert_eq!(results.len(), batch.len());
    for (r, t) in results.iter().zip(&batch).take(21) {
        assert_eq!(r.hash, Some(t.hash()), "queued: {:?}", r.error);
    }
    let chain_refusal = results[21].error.as_ref().expect("wrong chain refused now");
    assert!(results[21].hash.is_none());
    assert!(chain_refusal.message.contains("chain"), "{chain_refusal:?}");

    for t in &batch[..20] {
        c.wait_for_success(&t.hash(), WAIT).await.unwrap();
    }
    // Resubmitting a committed transaction is refused in the answer (its nonce is used).
    let again = c.submit_batch_async(&batch[..1]).await.unwrap();
    assert!(
        again[0].hash.is_none() && again[0].error.is_some(),
        "{again:?}"
    );

    let err = c
        .wait_for_commit(&forged.hash(), WAIT)
        .await
        .expect_err("a forged signature never commits");
    assert!(err.is_refused(), "{err}");
    assert!(err.to_string().contains("signature"), "{err}");
    let metrics = c.metrics().await.unwrap();
    assert_eq!(
        common::metric(&metrics, "kuai_intake_size"),
        Some(0),
        "the queue drained"
    );
    assert!(node.is_running());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_async_batch_that_does_not_fit_the_mempool_is_refused_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init(dir, "kuai-async-full");
    let config = dir.join("config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let small = text.replace("capacity = 100000", "capacity = 5");
    assert_ne!(text, small, "the template's mempool capacity moved");
    std::fs::write(&config, small).unwrap();
    let mut node = NodeProc::start(dir);
    let c = Client::new(&node.url).unwrap();
    let mut health = TxBuilder::for_key(&c, key(dir, "health-cdo"))
        .await
        .unwrap();
    let batch: Vec<_> = (0..6)
        .map(|i| health.register_catalog_entry(common::entry_spec(&format!("F{i}"))))
        .collect();
    let err = c
        .submit_batch_async(&batch)
        .await
        .expect_err("6 do not fit a mempool of 5");
    assert!(
        matches!(&err, kuai_client::ClientError::Api { status: 503, code, .. } if code == "mempool_full"),
        "{err}"
    );
    for t in &batch {
        assert!(c.tx(&t.hash()).await.unwrap_err().is_not_found());
    }
    // The first five fit, and commit.
    let results = c.submit_batch_async(&batch[..5]).await.unwrap();
    for (r, t) in results.iter().zip(&batch) {
        assert_eq!(r.hash, Some(t.hash()), "{:?}", r.error);
        c.wait_for_success(&t.hash(), WAIT).await.unwrap();
    }
    // A committed block's transactions leave the mempool just after the block is stored,
    // where `wait_for_success` sees it: wait until they are out.
    let deadline = std::time::Instant::now() + WAIT;
    while c.status().await.unwrap().mempool_size > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the mempool never emptied"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // Synchronously, what does not fit is refused as full before its signature is
    // checked: the sixth's forged signature goes unnoticed.
    let mut more: Vec<_> = (0..6)
        .map(|i| health.register_catalog_entry(common::entry_spec(&format!("G{i}"))))
        .collect();
    more[5].signature = more[0].signature;
    let results = c.submit_batch(&more).await.unwrap();
    for (r, t) in results.iter().zip(&more).take(5) {
        assert_eq!(r.hash, Some(t.hash()), "{:?}", r.error);
    }
    let refusal = results[5].error.as_ref().expect("the sixth does not fit");
    assert_eq!(refusal.code, "mempool_full", "{refusal:?}");
    assert!(node.is_running());
}
