//! Four real validator processes on loopback agree on blocks over libp2p: they commit
//! with certificates the SDK verifies; one is SIGKILLed and the other three keep
//! committing; it restarts and catches up to identical block hashes; a node whose key is
//! outside the validator set can neither connect nor get anything counted.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{free_base, key, NodeProc};
use kuai_client::types::model::{ProposalAction, ValidatorInfo};
use kuai_client::types::PublicKey;
use kuai_client::{Client, Keypair, TxBuilder};

const WAIT: Duration = Duration::from_secs(60);

/// Starts a node outside the testnet's validators: node 0's config with its own key and
/// ports, dialing node 0's peers (and node 0 itself when `dial_node0`).
fn extra_node(
    dir: &Path,
    node0: &NodeProc,
    name: &str,
    key: &Keypair,
    dial_node0: bool,
) -> NodeProc {
    let node_dir = dir.join(name);
    std::fs::create_dir_all(&node_dir).unwrap();
    kuai_client::keyfile::write(&node_dir.join("validator.key"), key).unwrap();
    let cfg = std::fs::read_to_string(dir.join("node-0/config.toml")).unwrap();
    let (api, p2p) = (free_base(1), free_base(1));
    let listen = cfg
        .lines()
        .find(|l| l.starts_with("listen = "))
        .unwrap()
        .to_string();
    let own = listen
        .trim_start_matches("listen = ")
        .trim_matches('"')
        .to_string();
    let mut cfg = cfg
        .replace("../keys/validator-0.key", "validator.key")
        .replace(
            &format!("api_addr = \"{}\"", node0.url.trim_start_matches("http://")),
            &format!("api_addr = \"127.0.0.1:{api}\""),
        )
        .replace(&listen, &format!("listen = \"/ip4/127.0.0.1/tcp/{p2p}\""));
    if dial_node0 {
        let key0 = common::key(dir, "validator-0").public().to_hex();
        cfg = cfg.replacen(
            "[[p2p.peers]]",
            &format!("[[p2p.peers]]\nkey = \"{key0}\"\naddr = \"{own}\"\n\n[[p2p.peers]]"),
            1,
        );
    }
    std::fs::write(node_dir.join("config.toml"), cfg).unwrap();
    NodeProc::start_with(&node_dir, &node_dir.join("config.toml"))
}

async fn height(c: &Client) -> u64 {
    c.status().await.map(|s| s.height).unwrap_or(0)
}

async fn wait_height(c: &Client, h: u64, within: Duration) {
    let start = Instant::now();
    while height(c).await < h {
        assert!(
            start.elapsed() < within,
            "height {h} not reached within {within:?} (at {})",
            height(c).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn validators(c: &Client) -> Vec<PublicKey> {
    c.validators()
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.key)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_validators_survive_a_crash_and_catch_up() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut nodes = common::start_testnet(dir, 4, "kuai-bft-it");
    let clients: Vec<Client> = nodes.iter().map(|n| Client::new(&n.url).unwrap()).collect();
    let set = validators(&clients[0]).await;
    assert_eq!(set.len(), 4);

    // A transaction sent to node 0 is committed, with a certificate, on every node.
    let mut health = TxBuilder::for_key(&clients[0], key(dir, "health-cdo"))
        .await
        .unwrap();
    let r = clients[0]
        .submit_and_wait(&health.set_approval_threshold(2), WAIT)
        .await
        .unwrap();
    for c in &clients {
        wait_height(c, r.height, WAIT).await;
        let b = c.verified_block(r.height, &set).await.unwrap();
        assert!(b.txs.iter().any(|t| t.hash == r.tx_hash));
        assert!(b.certificate.unwrap().votes.len() >= 3);
    }

    // One validator crashes; the other three keep committing.
    nodes[3].kill9();
    let mut police = TxBuilder::for_key(&clients[1], key(dir, "police-cdo"))
        .await
        .unwrap();
    let r2 = clients[1]
        .submit_and_wait(&police.set_approval_threshold(1), WAIT)
        .await
        .unwrap();
    assert!(r2.height > r.height);
    let target = height(&clients[1]).await + 2;
    wait_height(&clients[1], target, WAIT).await;

    // It restarts and catches up to the same blocks.
    nodes[3] = NodeProc::start_with(dir, &dir.join("node-3/config.toml"));
    let c3 = Client::new(&nodes[3].url).unwrap();
    wait_height(&c3, target, WAIT).await;
    for h in 1..=target {
        let a = clients[0].verified_block(h, &set).await.unwrap();
        let b = c3.verified_block(h, &set).await.unwrap();
        assert_eq!(a.hash, b.hash, "height {h}");
    }
    // The blocks it missed came by block sync, as its metrics show.
    let metrics = c3.metrics().await.unwrap();
    let counter = |name: &str| {
        common::metric(&metrics, name).unwrap_or_else(|| panic!("{name} missing:\n{metrics}"))
    };
    assert!(counter("kuai_synced_blocks_total") >= 2, "{metrics}");
    assert!(counter("kuai_sync_requests_total") >= 1, "{metrics}");
    // And it takes part again: the network goes on with all four.
    let r3 = clients[0]
        .submit_and_wait(&health.set_approval_threshold(1), WAIT)
        .await
        .unwrap();
    wait_height(&c3, r3.height, WAIT).await;
    assert_eq!(
        c3.block(&r3.height.to_string()).await.unwrap().hash,
        clients[0].block(&r3.height.to_string()).await.unwrap().hash
    );
    // Proposals travelled compactly: each of the three that stayed up assembled blocks
    // proposed by the others from its own pools, and blocks with transactions among
    // them (an empty block assembles from nothing, so it alone would prove nothing).
    let mut pooled_txs = 0;
    // And the phases of each height were timed: every block each wrote, and the
    // proposals they built and checked.
    let (mut built, mut verified) = (0, 0);
    for c in &clients[..3] {
        wait_height(c, r3.height, WAIT).await;
        let m = c.metrics().await.unwrap();
        let metric =
            |name: &str| common::metric(&m, name).unwrap_or_else(|| panic!("{name}:\n{m}"));
        assert!(metric("kuai_compact_proposals_total") >= 1, "{m}");
        pooled_txs += metric("kuai_compact_proposal_txs_total");
        assert!(metric("kuai_block_write_seconds_count") >= r3.height, "{m}");
        built += metric("kuai_block_build_seconds_count");
        verified += metric("kuai_block_verify_seconds_count");
    }
    assert!(pooled_txs >= 1, "no compact proposal carried a transaction");
    assert!(
        built >= 1 && verified >= 1,
        "built {built}, verified {verified}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_outside_the_set_cannot_connect_or_be_counted() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let nodes = common::start_testnet(dir, 4, "kuai-bft-it");
    let c0 = Client::new(&nodes[0].url).unwrap();
    // An outsider: a fresh key, the same genesis and peers, its own ports.
    let outsider = Keypair::generate();
    let x = extra_node(dir, &nodes[0], "node-x", &outsider, false);
    let cx = Client::new(&x.url).unwrap();

    let mut health = TxBuilder::for_key(&c0, key(dir, "health-cdo"))
        .await
        .unwrap();
    let r = c0
        .submit_and_wait(&health.set_approval_threshold(2), WAIT)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(height(&cx).await, 0, "the outsider learns nothing");
    let metrics = |url: String| async move {
        reqwest::get(format!("{url}/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    // The validators keep only each other as peers (the outsider may see a connection
    // for the instant before the validator's gate closes it, so its own count is racy).
    let mut dropped = 0u64;
    for n in &nodes {
        let m = metrics(n.url.clone()).await;
        assert!(
            m.contains("kuai_peers 3\n"),
            "a validator peers only with the other three:\n{m}"
        );
        dropped += common::metric(&m, "kuai_p2p_dropped_total").unwrap_or(0);
    }
    assert!(
        dropped > 0,
        "the validators refused and counted the outsider's connections"
    );
    let set = validators(&c0).await;
    for h in 1..=r.height {
        let b = c0.verified_block(h, &set).await.unwrap();
        assert!(b
            .certificate
            .unwrap()
            .votes
            .iter()
            .all(|v| v.validator != outsider.public()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_validator_added_by_governance_joins_at_the_effective_height() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let nodes = common::start_testnet(dir, 4, "kuai-bft-it");
    let c0 = Client::new(&nodes[0].url).unwrap();
    // The health commission proposes its own validator; four of five governing
    // organizations approve.
    let newcomer = Keypair::generate();
    let health = c0
        .account(&key(dir, "health-cdo").public())
        .await
        .unwrap()
        .organization
        .unwrap();
    let now = c0.status().await.unwrap().latest_block_time_ms;
    let mut health_cdo = TxBuilder::for_key(&c0, key(dir, "health-cdo"))
        .await
        .unwrap();
    let action = ProposalAction::AddValidator(ValidatorInfo {
        key: newcomer.public(),
        operator: health,
    });
    c0.submit_and_wait(&health_cdo.submit_proposal(action, now + 86_400_000), WAIT)
        .await
        .unwrap();
    let mut passed_at = 0;
    for who in ["police-cdo", "market-cdo", "civil-cdo"] {
        let mut b = TxBuilder::for_key(&c0, key(dir, who)).await.unwrap();
        passed_at = c0
            .submit_and_wait(&b.vote_proposal(1, true), WAIT)
            .await
            .unwrap()
            .height;
    }
    assert!(matches!(
        c0.proposal(1).await.unwrap().status,
        kuai_client::types::model::ProposalStatus::Passed { .. }
    ));
    // The new validator's node: the same genesis, its own key and ports, dialing the others.
    let new_node = extra_node(dir, &nodes[0], "node-new", &newcomer, true);
    let cn = Client::new(&new_node.url).unwrap();
    // From the effective height on, the set has five validators and the newcomer signs.
    let effective = passed_at + 2;
    wait_height(&c0, effective + 3, WAIT).await;
    let set = validators(&c0).await;
    assert_eq!(set.len(), 5);
    assert!(set.contains(&newcomer.public()));
    let mut signed = false;
    let start = Instant::now();
    while !signed && start.elapsed() < WAIT {
        let h = height(&c0).await;
        wait_height(&cn, h, WAIT).await;
        let b = c0.verified_block(h, &set).await.unwrap();
        signed = b
            .certificate
            .unwrap()
            .votes
            .iter()
            .any(|v| v.validator == newcomer.public());
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(
        signed,
        "the new validator's precommits are counted in certificates"
    );
    let h = height(&c0).await;
    wait_height(&cn, h, WAIT).await;
    assert_eq!(
        cn.block(&h.to_string()).await.unwrap().hash,
        c0.block(&h.to_string()).await.unwrap().hash
    );
}

/// Every validator SIGKILLed at once in the middle of a height, five times, under load:
/// each time the restarted consortium commits again (a value that 2f+1 validators had
/// locked on before the crash still has its block: candidates are stored before any
/// vote for them), and at the end all four hold identical blocks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_consortium_crashing_at_once_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    common::testnet(dir, 4, "kuai-bft-all-down");
    let start = |i: usize| NodeProc::start_with(dir, &dir.join(format!("node-{i}/config.toml")));
    let mut nodes: Vec<NodeProc> = (0..4).map(start).collect();
    let clients: Vec<Client> = nodes.iter().map(|n| Client::new(&n.url).unwrap()).collect();
    let set = validators(&clients[0]).await;

    // Load: batches of transactions (refused by the ledger, but committed in blocks) to
    // whichever node answers, so every height has a proposal with a block in flight.
    let load_clients = clients.clone();
    let load_key = key(dir, "police-app");
    let load = tokio::spawn(async move {
        for n in 0usize.. {
            let c = &load_clients[n % 4];
            if let Ok(mut b) = TxBuilder::for_key(c, load_key.clone()).await {
                let batch: Vec<_> = (0..50).map(|_| b.set_approval_threshold(2)).collect();
                let _ = c.submit_batch(&batch).await;
            }
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
    });
    wait_height(&clients[0], 3, WAIT).await;
    for round in 0..5u64 {
        tokio::time::sleep(Duration::from_millis(700 + 450 * round)).await;
        let before = height(&clients[0]).await;
        for n in nodes.iter_mut() {
            n.kill9();
        }
        nodes = (0..4).map(start).collect();
        let clients: Vec<Client> = nodes.iter().map(|n| Client::new(&n.url).unwrap()).collect();
        for c in &clients {
            wait_height(c, before + 3, WAIT).await;
        }
    }
    load.abort();
    let clients: Vec<Client> = nodes.iter().map(|n| Client::new(&n.url).unwrap()).collect();
    let top = height(&clients[0]).await;
    for c in &clients {
        wait_height(c, top, WAIT).await;
    }
    for h in 1..=top {
        let a = clients[0].verified_block(h, &set).await.unwrap();
        for c in &clients[1..] {
            assert_eq!(
                c.verified_block(h, &set).await.unwrap().hash,
                a.hash,
                "height {h}"
            );
        }
    }
}

/// A transaction that cannot run yet (its signer's previous nonce never arrived) waits
/// in the mempool without making the validators build a block every block interval:
/// once a proposer's block left it out, it counts as waiting again only when something
/// new arrives, so the chain grows at the empty-block interval. When the missing
/// transaction comes, both commit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_waiting_for_its_predecessor_does_not_spin_out_empty_blocks() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let nodes = common::start_testnet(dir, 4, "kuai-bft-gap");
    let clients: Vec<Client> = nodes.iter().map(|n| Client::new(&n.url).unwrap()).collect();
    let mut health = TxBuilder::for_key(&clients[0], key(dir, "health-cdo"))
        .await
        .unwrap();
    // Reach a running chain first (the testnet commits its first blocks at once).
    let warm = clients[0]
        .submit_and_wait(&health.set_approval_threshold(2), WAIT)
        .await
        .unwrap();
    for c in &clients {
        wait_height(c, warm.height, WAIT).await;
    }
    let (first, second) = (
        health.set_approval_threshold(1),
        health.set_approval_threshold(2),
    );
    let second_hash = clients[0].submit(&second).await.unwrap();
    // Let it reach every mempool and every proposer build around it once.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = height(&clients[0]).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let grown = height(&clients[0]).await - before;
    // The empty-block interval is 1 s (3 blocks, give or take a round); the block
    // interval is a few milliseconds, so blocks for a stuck transaction would be
    // hundreds.
    assert!(
        grown <= 6,
        "{grown} blocks in 3 s while only a transaction that cannot run waited"
    );
    assert_eq!(
        clients[0].tx(&second_hash).await.unwrap().status,
        kuai_client::types::api::TxState::Pending,
        "the transaction waits for its predecessor"
    );
    // The predecessor arrives (at another node): both commit.
    let r1 = clients[2].submit_and_wait(&first, WAIT).await.unwrap();
    let r2 = clients[0]
        .wait_for_commit(&second_hash, WAIT)
        .await
        .unwrap();
    assert!(r1.is_success() && r2.is_success(), "{r1:?} {r2:?}");
}
