//! History listings of organizations and catalog entries against a real `kuai-node`:
//! order, pagination, date ranges (ms and China-time days), CSV export, bad parameters.

mod common;

use std::time::Duration;

use common::{init, key, NodeProc};
use kuai_client::types::api::EventRecord;
use kuai_client::types::Event;
use kuai_client::{Client, ListQuery, TxBuilder};

const WAIT: Duration = Duration::from_secs(30);

/// Every page of a history, following `next`.
async fn all_pages(c: &Client, code: &str, base: &ListQuery) -> (Vec<EventRecord>, usize) {
    let mut q = base.clone();
    let mut out = Vec::new();
    let mut pages = 0;
    loop {
        let page = c.organization_history(code, &q).await.unwrap();
        pages += 1;
        assert!(pages < 100, "paging does not end");
        out.extend(page.items);
        match page.next {
            Some(n) => q.after = Some(n),
            None => return (out, pages),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_pages_ranges_and_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init(dir, "kuai-history");
    let node = NodeProc::start(dir);
    let c = Client::new(&node.url).unwrap();
    let mut health = TxBuilder::for_key(&c, key(dir, "health-cdo"))
        .await
        .unwrap();
    let mut market = TxBuilder::for_key(&c, key(dir, "market-cdo"))
        .await
        .unwrap();
    // One block per registration, so block times differ.
    let mut receipts = Vec::new();
    for i in 0..5 {
        receipts.push(
            c.submit_and_wait(
                &health.register_catalog_entry(common::entry_spec(&format!("H{i}"))),
                WAIT,
            )
            .await
            .unwrap(),
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let m = c
        .submit_and_wait(
            &market.register_catalog_entry(common::entry_spec("M")),
            WAIT,
        )
        .await
        .unwrap();
    let (entry, code) = match &receipts[0].events[0] {
        Event::CatalogEntryRegistered { entry_id, provider } => (*entry_id, provider.clone()),
        e => panic!("{e:?}"),
    };
    let mut civil = TxBuilder::for_key(&c, key(dir, "civil-app")).await.unwrap();
    let req = c
        .submit_and_wait(
            &civil.submit_share_request(entry, &["name"], "checks", "art. 9", 30),
            WAIT,
        )
        .await
        .unwrap();

    // Newest first by default, all of health's events: 5 registrations and the request.
    let (newest, pages) = all_pages(&c, &code, &ListQuery::limit(2)).await;
    assert_eq!(newest.len(), 6, "{newest:?}");
    assert!(pages >= 3);
    assert_eq!(newest[0].tx_hash, Some(req.tx_hash));
    assert_eq!(newest[0].kind, "share_request_submitted");
    assert_eq!(newest[5].tx_hash, Some(receipts[0].tx_hash));
    for w in newest.windows(2) {
        assert!(w[0].height > w[1].height, "{} then {}", w[0].id, w[1].id);
    }
    let (oldest, _) = all_pages(&c, &code, &ListQuery::limit(4).filter("order", "oldest")).await;
    let mut reversed = newest.clone();
    reversed.reverse();
    assert_eq!(oldest, reversed);
    // Market's history holds only its own registration.
    let Event::CatalogEntryRegistered { provider, .. } = &m.events[0] else {
        panic!("{m:?}")
    };
    let (market, _) = all_pages(&c, provider, &ListQuery::default()).await;
    assert_eq!(market.len(), 1);
    assert_eq!(market[0].tx_hash, Some(m.tx_hash));

    // Entry history: its registration and the request on it, newest first.
    let page = c.entry_history(entry, &ListQuery::default()).await.unwrap();
    assert_eq!(
        page.items
            .iter()
            .map(|e| e.kind.as_str())
            .collect::<Vec<_>>(),
        ["share_request_submitted", "catalog_entry_registered"]
    );
    assert_eq!(page.next, None);

    // Date range in ms: [from, to).
    let t = newest[2].time_ms;
    let q = ListQuery::limit(50).filter("from", t);
    let (since, _) = all_pages(&c, &code, &q).await;
    assert_eq!(
        since,
        newest
            .iter()
            .filter(|e| e.time_ms >= t)
            .cloned()
            .collect::<Vec<_>>()
    );
    assert!(since.len() >= 3 && since.len() < 6);
    let (until, _) = all_pages(&c, &code, &ListQuery::limit(50).filter("to", t)).await;
    assert_eq!(
        until,
        newest
            .iter()
            .filter(|e| e.time_ms < t)
            .cloned()
            .collect::<Vec<_>>()
    );
    assert_eq!(since.len() + until.len(), 6);
    // Days in China time: today holds everything, the day before nothing.
    let day = kuai_runtime::calendar::day_of(t);
    let date = |d: i64| {
        kuai_runtime::calendar::date_of_day(d)
            .unwrap()
            .format("%Y-%m-%d")
            .to_string()
    };
    let q = ListQuery::limit(50)
        .filter("from", date(day))
        .filter("to", date(day));
    let same_day: Vec<_> = newest
        .iter()
        .filter(|e| kuai_runtime::calendar::day_of(e.time_ms) == day)
        .cloned()
        .collect();
    assert_eq!(all_pages(&c, &code, &q).await.0, same_day);
    let q = ListQuery::limit(50).filter("to", date(day - 1));
    assert!(all_pages(&c, &code, &q).await.0.is_empty());

    // CSV: the same rows as JSON, by ?format=csv and by Accept.
    let csv = c
        .history_csv(&format!("organizations/{code}"), &ListQuery::limit(50))
        .await
        .unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("id,height,tx_index,event_index,tx_hash,time_ms,kind,event")
    );
    let rows: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    assert_eq!(rows.len(), 6);
    for (row, e) in rows.iter().zip(&newest) {
        assert_eq!(row[0], e.id);
        assert_eq!(row[4], e.tx_hash.unwrap().to_string());
        assert_eq!(row[6], e.kind);
    }
    let http = reqwest::Client::new();
    let resp = http
        .get(format!(
            "{}/v1/catalog/{entry}/history?format=csv&limit=1",
            node.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert_eq!(
        resp.headers()
            .get("x-next-after")
            .map(|v| v.to_str().unwrap().to_string()),
        Some(page.items[0].id.clone())
    );
    assert_eq!(resp.text().await.unwrap().lines().count(), 2);

    // Bad parameters.
    for (path, needle) in [
        (
            format!("organizations/{code}/history?from=2024-13-01"),
            "from",
        ),
        (format!("organizations/{code}/history?to=yesterday"), "to"),
        (
            format!("organizations/{code}/history?from=20&to=10"),
            "before",
        ),
        (
            format!("organizations/{code}/history?order=sideways"),
            "order",
        ),
        (format!("organizations/{code}/history?format=xml"), "format"),
        (format!("organizations/{code}/history?limit=0"), "limit"),
        (format!("organizations/{code}/history?after=zz"), "after"),
        ("organizations/123/history".to_string(), ""),
        ("catalog/abc/history".to_string(), "id"),
    ] {
        let resp = http
            .get(format!("{}/v1/{path}", node.url))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "{path}");
        let body: serde_json::Value = resp.json().await.unwrap();
        let msg = body["error"]["message"].as_str().unwrap_or_default();
        assert!(!msg.is_empty() && msg.contains(needle), "{path}: {msg}");
    }
}
