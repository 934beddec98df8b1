//! The event stream against a real `kuai-node` process: an SDK subscriber survives a
//! SIGKILL and restart of the node and receives every event exactly once, in order;
//! filters narrow the stream exactly; bad parameters are 400s with a message.

mod common;

use std::time::Duration;

use common::{init, key, NodeProc};
use futures::StreamExt;
use kuai_client::types::api::EventRecord;
use kuai_client::types::Event;
use kuai_client::{Client, EventFilter, TxBuilder};

const WAIT: Duration = Duration::from_secs(30);

/// Every event of blocks 1..=head, read from the blocks and their receipts.
async fn ledger_events(c: &Client) -> Vec<EventRecord> {
    let head = c.status().await.unwrap().height;
    let mut out = Vec::new();
    for h in 1..=head {
        let b = c.block(&h.to_string()).await.unwrap();
        for (i, e) in b.events.iter().enumerate() {
            out.push(EventRecord {
                id: format!("{h}:-1:{i}"),
                height: h,
                tx_index: None,
                event_index: i as u32,
                tx_hash: None,
                time_ms: b.header.time_ms,
                kind: e.kind(),
                event: e.clone(),
            });
        }
        for r in &b.receipts {
            for (i, e) in r.events.iter().enumerate() {
                out.push(EventRecord {
                    id: format!("{h}:{}:{i}", r.index),
                    height: h,
                    tx_index: Some(r.index),
                    event_index: i as u32,
                    tx_hash: Some(r.tx_hash),
                    time_ms: b.header.time_ms,
                    kind: e.kind(),
                    event: e.clone(),
                });
            }
        }
    }
    out
}

fn pos(id: &str) -> (u64, i64, u32) {
    let p: Vec<&str> = id.split(':').collect();
    (
        p[0].parse().unwrap(),
        p[1].parse().unwrap(),
        p[2].parse().unwrap(),
    )
}

/// Pins the API port, so a restarted node answers at the same URL.
fn pin_port(dir: &std::path::Path) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cfg = std::fs::read_to_string(dir.join("config.toml")).unwrap();
    let cfg = cfg.replace(
        "api_addr = \"127.0.0.1:0\"",
        &format!("api_addr = \"127.0.0.1:{port}\""),
    );
    assert!(cfg.contains(&format!(":{port}\"")), "{cfg}");
    std::fs::write(dir.join("config.toml"), cfg).unwrap();
}

/// Collects a stream's events in a task; returns the receiver of what it saw.
fn subscribe(
    c: &Client,
    filter: EventFilter,
    from: Option<String>,
) -> tokio::sync::mpsc::UnboundedReceiver<Result<EventRecord, String>> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let stream = c.events(&filter, from);
    tokio::spawn(async move {
        futures::pin_mut!(stream);
        while let Some(item) = stream.next().await {
            if tx.send(item.map_err(|e| e.to_string())).is_err() {
                return;
            }
        }
    });
    rx
}

/// Receives until `n` events are in, within `within`.
async fn take(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<Result<EventRecord, String>>,
    got: &mut Vec<EventRecord>,
    n: usize,
    within: Duration,
) {
    let deadline = tokio::time::Instant::now() + within;
    while got.len() < n {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(Ok(e))) => got.push(e),
            Ok(Some(Err(e))) => panic!("stream failed: {e}"),
            Ok(None) => panic!("stream ended after {} events", got.len()),
            Err(_) => panic!("only {} of {n} events within {within:?}", got.len()),
        }
    }
}

async fn register(c: &Client, b: &mut TxBuilder, names: &[String]) {
    let mut last = None;
    for n in names {
        last = Some(
            c.submit(&b.register_catalog_entry(common::entry_spec(n)))
                .await
                .unwrap(),
        );
    }
    if let Some(h) = last {
        c.wait_for_commit(&h, WAIT).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_gets_every_event_once_across_a_kill_9() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init(dir, "kuai-events");
    pin_port(dir);
    let mut node = NodeProc::start(dir);
    let c = Client::new(&node.url).unwrap();
    let mut rx = subscribe(&c, EventFilter::default(), None);
    let mut health = TxBuilder::for_key(&c, key(dir, "health-cdo"))
        .await
        .unwrap();
    let names: Vec<String> = (0..12).map(|i| format!("Before {i}")).collect();
    register(&c, &mut health, &names).await;
    let mut got = Vec::new();
    take(&mut rx, &mut got, 12, WAIT).await;

    node.kill9();
    // Events committed while the node is down cannot exist; the subscriber retries.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let node = NodeProc::start(dir);
    assert_eq!(
        node.url,
        c.base_url(),
        "the restarted node has the same URL"
    );
    let mut health = TxBuilder::for_key(&c, key(dir, "health-cdo"))
        .await
        .unwrap();
    let mut market = TxBuilder::for_key(&c, key(dir, "market-cdo"))
        .await
        .unwrap();
    let names: Vec<String> = (0..8).map(|i| format!("After {i}")).collect();
    register(&c, &mut health, &names).await;
    register(&c, &mut market, &names[..4]).await;

    let expected = ledger_events(&c).await;
    assert!(
        expected.len() >= 24,
        "{} events on the ledger",
        expected.len()
    );
    take(&mut rx, &mut got, expected.len(), WAIT).await;
    // Nothing more arrives: no duplicates trailing behind.
    assert!(
        tokio::time::timeout(Duration::from_millis(700), rx.recv())
            .await
            .is_err(),
        "an event beyond the ledger's arrived"
    );
    for w in got.windows(2) {
        assert!(
            pos(&w[0].id) < pos(&w[1].id),
            "{} then {}",
            w[0].id,
            w[1].id
        );
    }
    assert_eq!(got, expected, "the stream is exactly the ledger's events");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_resume_and_bad_parameters() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init(dir, "kuai-events-filters");
    let node = NodeProc::start(dir);
    let c = Client::new(&node.url).unwrap();
    let mut health = TxBuilder::for_key(&c, key(dir, "health-cdo"))
        .await
        .unwrap();
    let mut market = TxBuilder::for_key(&c, key(dir, "market-cdo"))
        .await
        .unwrap();
    let names: Vec<String> = (0..3).map(|i| format!("E{i}")).collect();
    register(&c, &mut health, &names).await;
    register(&c, &mut market, &names[..2]).await;
    let entries: Vec<(u64, String)> = ledger_events(&c)
        .await
        .iter()
        .filter_map(|e| match &e.event {
            Event::CatalogEntryRegistered { entry_id, provider } => {
                Some((*entry_id, provider.clone()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(entries.len(), 5);
    let (health_entry, health_code) = entries[0].clone();
    let market_code = entries[4].1.clone();
    assert_ne!(health_code, market_code);

    // A share request on a health entry concerns the entry and both organizations.
    let mut civil = TxBuilder::for_key(&c, key(dir, "civil-app")).await.unwrap();
    c.submit_and_wait(
        &civil.submit_share_request(health_entry, &["name"], "checks", "art. 9", 30),
        WAIT,
    )
    .await
    .unwrap();
    let all = ledger_events(&c).await;
    let civil_code = all
        .iter()
        .find_map(|e| match &e.event {
            Event::ShareRequestSubmitted { requester, .. } => Some(requester.clone()),
            _ => None,
        })
        .expect("request submitted");

    let collect = |filter: EventFilter, from: Option<String>, n: usize| {
        let c = c.clone();
        async move {
            let mut rx = subscribe(&c, filter, from);
            let mut got = Vec::new();
            take(&mut rx, &mut got, n, WAIT).await;
            assert!(
                tokio::time::timeout(Duration::from_millis(700), rx.recv())
                    .await
                    .is_err(),
                "more events than expected"
            );
            got
        }
    };
    let org_filter = |code: &str| EventFilter {
        organization: Some(code.to_string()),
        ..Default::default()
    };
    // Organization: health's entries and the request on one of them.
    let got = collect(org_filter(&health_code), None, 4).await;
    assert_eq!(
        got.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
        [
            "catalog_entry_registered",
            "catalog_entry_registered",
            "catalog_entry_registered",
            "share_request_submitted"
        ]
    );
    assert_eq!(collect(org_filter(&market_code), None, 2).await.len(), 2);
    let got = collect(org_filter(&civil_code), None, 1).await;
    assert_eq!(got[0].kind, "share_request_submitted");
    // Entry.
    let got = collect(
        EventFilter {
            entry: Some(health_entry),
            ..Default::default()
        },
        None,
        2,
    )
    .await;
    assert_eq!(
        got.iter().map(|e| e.id.clone()).collect::<Vec<_>>(),
        all.iter()
            .filter(|e| matches!(&e.event,
                Event::CatalogEntryRegistered { entry_id, .. } | Event::ShareRequestSubmitted { entry_id, .. }
                if *entry_id == health_entry))
            .map(|e| e.id.clone())
            .collect::<Vec<_>>()
    );
    // Type, with a list.
    let got = collect(
        EventFilter {
            types: vec!["share_request_submitted".into(), "no_such_kind".into()],
            ..Default::default()
        },
        None,
        1,
    )
    .await;
    assert_eq!(got[0].kind, "share_request_submitted");
    // Resume: strictly after an id; from a height.
    let third = all[2].id.clone();
    let got = collect(EventFilter::default(), Some(third), all.len() - 3).await;
    assert_eq!(got, all[3..].to_vec());
    let last_h = all.last().unwrap().height;
    let tail: Vec<_> = all.iter().filter(|e| e.height >= last_h).cloned().collect();
    let got = collect(EventFilter::default(), Some(last_h.to_string()), tail.len()).await;
    assert_eq!(got, tail);

    // Bad parameters: 400 with a message naming the problem.
    let http = reqwest::Client::new();
    for (query, needle) in [
        ("type=Grant-Issued", "type"),
        ("type=,", "type"),
        ("organization=123", "organization"),
        ("entry=abc", "entry"),
        ("from=1:x:0", "from"),
        ("from=-3", "from"),
    ] {
        let resp = http
            .get(format!("{}/v1/events?{query}", node.url))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "{query}");
        let body: serde_json::Value = resp.json().await.unwrap();
        let msg = body["error"]["message"].as_str().unwrap_or_default();
        assert!(msg.contains(needle), "{query}: {msg}");
    }
    let resp = http
        .get(format!("{}/v1/events", node.url))
        .header("Last-Event-ID", "nonsense")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    // The SDK surfaces a 400 at once instead of retrying.
    let stream = c.events(
        &EventFilter {
            types: vec!["Bad".into()],
            ..Default::default()
        },
        None,
    );
    futures::pin_mut!(stream);
    let first = tokio::time::timeout(Duration::from_secs(5), stream.next())
        .await
        .expect("answered at once");
    assert!(
        matches!(
            first,
            Some(Err(kuai_client::ClientError::Api { status: 400, .. }))
        ),
        "{first:?}"
    );
    assert!(stream.next().await.is_none());
}
