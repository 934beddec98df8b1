//! The spine end to end: a real `kuai-node` process on a temp RocksDB directory. Every
//! transaction type goes through the SDK and is read back; the node is killed with
//! SIGKILL, restarted, and must hold every committed transaction and the same state root;
//! a kill in the middle of a stream of blocks must leave no partial block.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{init, key, NodeProc};
use kuai_client::types::model::{
    CatalogEntrySpec, FieldSpec, MaskingRule, Member, OpenMode, OrgKind, RequestStatus, Role,
    Sensitivity, ShareMethod, ShareType,
};
use kuai_client::types::{Event, Hash, Keypair, Receipt};
use kuai_client::{Client, ListQuery, TxBuilder};

const WAIT: Duration = Duration::from_secs(30);

fn spec(name: &str, share_type: ShareType) -> CatalogEntrySpec {
    CatalogEntrySpec {
        name: name.into(),
        classification: "population/basic".into(),
        security_grade: 2,
        format: "csv".into(),
        fields: ["id_number", "name", "district"]
            .iter()
            .map(|f| FieldSpec {
                name: f.to_string(),
                sensitivity: Sensitivity::Sensitive,
                masking: MaskingRule::IdNumber,
                element_code: None,
            })
            .collect(),
        update_frequency: "daily".into(),
        share_type,
        legal_basis: None,
        share_methods: vec![ShareMethod::Api],
        open_mode: OpenMode::OnApplication,
        usage_requirements: "stated purpose only".into(),
        approval_threshold: None,
    }
}

/// The id a receipt announces: the grant when one was issued, else the first event's.
fn event_id(r: &Receipt) -> u64 {
    if let Some(id) = r.events.iter().find_map(|e| match e {
        Event::GrantIssued { grant_id, .. } => Some(*grant_id),
        _ => None,
    }) {
        return id;
    }
    match r.events.first() {
        Some(Event::CatalogEntryRegistered { entry_id, .. }) => *entry_id,
        Some(Event::ShareRequestSubmitted { request_id, .. }) => *request_id,
        Some(Event::GrantIssued { grant_id, .. }) => *grant_id,
        Some(Event::AccessRecorded { access_id, .. }) => *access_id,
        other => panic!("unexpected event {other:?}"),
    }
}

async fn builder(c: &Client, dir: &std::path::Path, name: &str) -> TxBuilder {
    TxBuilder::for_key(c, key(dir, name)).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_transaction_type_survives_kill_9() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init(dir, "kuai-it");
    let mut node = NodeProc::start(dir);
    let c = Client::new(&node.url).unwrap();
    let mut receipts: BTreeMap<Hash, Receipt> = BTreeMap::new();
    let mut keep = |r: Receipt| {
        receipts.insert(r.tx_hash, r.clone());
        r
    };

    // Register organization.
    let newcomer = Keypair::generate();
    let mut operator = builder(&c, dir, "operator-cdo").await;
    let code = "91520100MA6DKQ8X2E";
    let stx = operator.register_organization(
        code,
        "Qianxing Data",
        OrgKind::ExternalApplicant,
        vec![Member {
            key: newcomer.public(),
            role: Role::Cdo,
        }],
    );
    keep(c.submit_and_wait(&stx, WAIT).await.unwrap());
    let org = c.organization(code).await.unwrap();
    assert_eq!(
        (org.kind, org.members[0].key),
        (OrgKind::ExternalApplicant, newcomer.public())
    );

    // Register catalog entries: conditional (health) and unconditional (market).
    let mut health = builder(&c, dir, "health-cdo").await;
    let conditional = event_id(&keep(
        c.submit_and_wait(
            &health.register_catalog_entry(spec("Births", ShareType::Conditional)),
            WAIT,
        )
        .await
        .unwrap(),
    ));
    let mut market = builder(&c, dir, "market-cdo").await;
    let unconditional = event_id(&keep(
        c.submit_and_wait(
            &market.register_catalog_entry(spec("Companies", ShareType::Unconditional)),
            WAIT,
        )
        .await
        .unwrap(),
    ));
    assert_eq!(
        c.catalog_entry(conditional).await.unwrap().spec.name,
        "Births"
    );
    assert_eq!(
        c.catalog_entry(unconditional).await.unwrap().provider,
        c.catalog_entry(unconditional).await.unwrap().provider
    );

    // Submit share requests; approve one, reject one; one is granted at once.
    let mut civil = builder(&c, dir, "civil-app").await;
    let purpose = "allowance eligibility";
    let r1 = event_id(&keep(
        c.submit_and_wait(
            &civil.submit_share_request(
                conditional,
                &["name", "district"],
                purpose,
                "Social Assistance art. 11",
                30,
            ),
            WAIT,
        )
        .await
        .unwrap(),
    ));
    let r2 = event_id(&keep(
        c.submit_and_wait(
            &civil.submit_share_request(conditional, &["id_number"], "curiosity", "none", 30),
            WAIT,
        )
        .await
        .unwrap(),
    ));
    assert_eq!(
        c.share_request(r1).await.unwrap().status,
        RequestStatus::Pending
    );
    let mut reviewer = builder(&c, dir, "health-reviewer").await;
    let grant = event_id(&keep(
        c.submit_and_wait(&reviewer.approve_share_request(r1, Some(500)), WAIT)
            .await
            .unwrap(),
    ));
    keep(
        c.submit_and_wait(
            &reviewer.reject_share_request(r2, "no legal basis for ID numbers"),
            WAIT,
        )
        .await
        .unwrap(),
    );
    assert_eq!(
        c.share_request(r1).await.unwrap().status,
        RequestStatus::Granted { grant_id: grant }
    );
    assert_eq!(
        c.share_request(r2).await.unwrap().status,
        RequestStatus::Rejected {
            reason: "no legal basis for ID numbers".into()
        }
    );
    let mut police = builder(&c, dir, "police-app").await;
    let r3 = keep(
        c.submit_and_wait(
            &police.submit_share_request(
                unconditional,
                &["name"],
                "checks",
                "Police Law art. 6",
                10,
            ),
            WAIT,
        )
        .await
        .unwrap(),
    );
    assert!(
        matches!(r3.events[1], Event::GrantIssued { .. }),
        "unconditional entries grant at once"
    );

    // Record an access event, signed by the provider's key for the grantee's app.
    let civil_app = key(dir, "civil-app").public();
    let access = event_id(&keep(
        c.submit_and_wait(
            &reviewer.record_access(grant, civil_app, &["name"], 120, "district=yunyan", purpose),
            WAIT,
        )
        .await
        .unwrap(),
    ));
    let ev = c.access_event(access).await.unwrap();
    assert_eq!((ev.rows, ev.accessor), (120, civil_app));
    assert_eq!(c.grant(grant).await.unwrap().rows_used, 120);

    // A rejected transaction: over quota. It is committed with a reason.
    let over = reviewer.record_access(grant, civil_app, &["name"], 1000, "all", purpose);
    let err = c
        .submit_and_wait(&over, WAIT)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("quota_exceeded") && err.contains("allows 500 rows"),
        "{err}"
    );

    let before = c.status().await.unwrap();
    let orgs = c.organizations(&ListQuery::limit(100)).await.unwrap();
    let requests = c.share_requests(&ListQuery::limit(100)).await.unwrap();

    // Crash and restart.
    node.kill9();
    assert!(!node.is_running());
    let node = NodeProc::start(dir);
    let c = Client::new(&node.url).unwrap();
    let after = c.status().await.unwrap();
    assert_eq!(
        (after.height, after.state_root, after.latest_block_hash),
        (before.height, before.state_root, before.latest_block_hash)
    );
    for (hash, receipt) in &receipts {
        let view = c.tx(hash).await.unwrap();
        assert_eq!(
            view.receipt.as_ref(),
            Some(receipt),
            "tx {hash} after restart"
        );
    }
    assert_eq!(c.organizations(&ListQuery::limit(100)).await.unwrap(), orgs);
    assert_eq!(
        c.share_requests(&ListQuery::limit(100)).await.unwrap(),
        requests
    );

    // The chain goes on where it stopped, with the nonces it had.
    let mut reviewer = builder(&c, dir, "health-reviewer").await;
    let r = c
        .submit_and_wait(
            &reviewer.record_access(grant, civil_app, &["district"], 5, "q2", purpose),
            WAIT,
        )
        .await
        .unwrap();
    assert_eq!(r.height, before.height + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_during_a_stream_of_blocks_leaves_no_partial_block() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init(dir, "kuai-it-stream");
    // Small, frequent blocks, so the kill lands among many block writes.
    let cfg = std::fs::read_to_string(dir.join("config.toml")).unwrap();
    let cfg = cfg
        .replace("max_block_txs = 5000", "max_block_txs = 5")
        .replace("block_interval_ms = 200", "block_interval_ms = 25");
    assert!(cfg.contains("max_block_txs = 5\n"), "{cfg}");
    std::fs::write(dir.join("config.toml"), cfg).unwrap();
    let mut node = NodeProc::start(dir);
    let c = Client::new(&node.url).unwrap();
    let mut health = builder(&c, dir, "health-cdo").await;
    let txs: Vec<_> = (0..300)
        .map(|i| health.register_catalog_entry(spec(&format!("Entry {i}"), ShareType::Conditional)))
        .collect();
    // All 300 admitted at once: at 5 per block and a block every 25 ms the stream takes
    // about 1.5 s, and the kill comes after a few blocks.
    let sent: Vec<_> = c
        .submit_batch(&txs)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.hash.expect("admitted"))
        .collect();
    while c.status().await.unwrap().height < 3 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    node.kill9();
    let node = NodeProc::start(dir);
    let c = Client::new(&node.url).unwrap();
    let status = c.status().await.unwrap();
    assert!(status.height >= 3);
    let head = c.block(&status.height.to_string()).await.unwrap();
    assert_eq!(
        head.hash, status.latest_block_hash,
        "the head's block is stored whole"
    );
    assert_eq!(head.header.state_root, status.state_root);
    let mut committed = 0;
    for h in 1..=status.height {
        let b = c.block(&h.to_string()).await.unwrap();
        assert_eq!(
            b.txs.len(),
            b.receipts.len(),
            "block {h} has a receipt per transaction"
        );
        for t in &b.txs {
            assert_eq!(c.tx(&t.hash).await.unwrap().height, Some(h));
            committed += 1;
        }
    }
    // Whatever committed is a prefix of what was sent, in nonce order.
    for (i, hash) in sent.iter().enumerate() {
        let found = c
            .tx(hash)
            .await
            .map(|v| v.height.is_some())
            .unwrap_or(false);
        assert_eq!(
            found,
            i < committed,
            "tx {i} of {} sent, {committed} committed",
            sent.len()
        );
    }
    let next = c
        .account(&key(dir, "health-cdo").public())
        .await
        .unwrap()
        .next_nonce;
    assert_eq!(next as usize, committed);
    assert!(
        committed < sent.len(),
        "the kill came before the stream ended ({committed} of {})",
        sent.len()
    );
}
