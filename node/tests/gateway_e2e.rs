//! The data gateway end to end, across the departments' own nodes of a 4-validator
//! consortium: a real `kuai-node` process is the providing department's
//! node (public security, serving a population dataset of 2,000 synthetic persons plus
//! known dirty rows); this test process is the using department (civil affairs), acting
//! through the SDK (and the `kuai` CLI when it is built). It requests data, the provider
//! approves, the grantee fetches masked rows, the delivery is on chain as an access
//! event, and then fetches are refused when the quota is used up, when the grant is
//! revoked, and when the request is unsigned, badly signed, replayed, stale, or signed by
//! a key of another organization.

mod common;

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{key, NodeProc, BIN};
use kuai_client::types::gateway::{DataFormat, FetchRequest, Filter, SignedFetch};
use kuai_client::types::{Event, Receipt};
use kuai_client::{Client, ClientError, FetchOptions, Fetched, Keypair, ListQuery, TxBuilder};
use kuai_node::dev::datasets::{population_spec, write_population, DISTRICTS, POPULATION_DIRTY};

const WAIT: Duration = Duration::from_secs(30);
const PURPOSE: &str = "Subsistence allowance eligibility checks";
const VALID_ROWS: usize = 2_000;

fn first_id(r: &Receipt) -> u64 {
    r.events
        .iter()
        .find_map(|e| match e {
            Event::GrantIssued { grant_id, .. } => Some(*grant_id),
            Event::CatalogEntryRegistered { entry_id, .. } => Some(*entry_id),
            Event::ShareRequestSubmitted { request_id, .. } => Some(*request_id),
            _ => None,
        })
        .expect("an id in the receipt")
}

async fn builder(c: &Client, dir: &Path, name: &str) -> TxBuilder {
    TxBuilder::for_key(c, key(dir, name)).await.unwrap()
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

fn opts(entry: u64, grant: u64, limit: u32) -> FetchOptions {
    FetchOptions {
        entry_id: entry,
        grant_id: Some(grant),
        fields: ["id_number", "name", "birth_date", "district"]
            .map(String::from)
            .to_vec(),
        filters: vec![],
        offset: 0,
        limit,
        purpose: None,
        format: DataFormat::Csv,
    }
}

/// The refusal's (status, code), or a panic if the fetch succeeded.
fn refusal(r: Result<Fetched, ClientError>) -> (u16, String) {
    match r {
        Err(ClientError::Api { status, code, .. }) => (status, code),
        Err(e) => panic!("unexpected error {e}"),
        Ok(f) => panic!("fetch of {} rows was not refused", f.rows),
    }
}

fn request(chain: &str, grant: u64, entry: u64, accessor: &Keypair, limit: u32) -> FetchRequest {
    FetchRequest {
        chain_id: chain.into(),
        grant_id: grant,
        entry_id: entry,
        accessor: accessor.public(),
        fields: vec!["name".into(), "district".into()],
        filters: vec![],
        offset: 0,
        limit,
        purpose: PURPOSE.into(),
        format: DataFormat::Jsonl,
        timestamp_ms: now_ms(),
        nonce: FetchRequest::random_nonce(),
    }
}

/// Is the row a plausible masked population row (and never the raw one)?
fn check_masked_row(cells: &[&str]) {
    let [id, name, birth, district] = cells else {
        panic!("row {cells:?} has {} cells", cells.len())
    };
    assert_eq!(id.len(), 18, "{id}");
    assert!(id[..6].bytes().all(|b| b.is_ascii_digit()), "{id}");
    assert_eq!(&id[6..14], "********", "{id}");
    assert!(
        name.chars().count() >= 2 && name.chars().skip(1).all(|c| c == '*'),
        "{name}"
    );
    let (from, to) = birth.split_once('-').expect("a year band");
    let (from, to): (u32, u32) = (from.parse().unwrap(), to.parse().unwrap());
    assert!(from % 5 == 0 && to == from + 4, "{birth}");
    assert!(DISTRICTS.iter().any(|(_, d)| d == district), "{district}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grant_fetch_record_and_refusals_across_two_departments() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    common::testnet(dir, 4, "kuai-gw");

    // The provider publishes its population entry (the gateway checks datasets against
    // entries on chain at start, so the entry comes first).
    // Four validators: public security runs validator 1 (the provider's node, with the
    // gateway), civil affairs validator 3 (the using department's node).
    let mut nodes: Vec<NodeProc> = (0..4)
        .map(|i| NodeProc::start_with(dir, &dir.join(format!("node-{i}/config.toml"))))
        .collect();
    let c = Client::new(&nodes[1].url).unwrap();
    let mut police = builder(&c, dir, "police-cdo").await;
    let entry = first_id(
        &c.submit_and_wait(&police.register_catalog_entry(population_spec()), WAIT)
            .await
            .unwrap(),
    );
    nodes[1].kill9();

    // Bind the dataset in the provider's node config and restart with the gateway.
    let csv = dir.join("datasets/population.csv");
    let written = write_population(&csv, VALID_ROWS).unwrap();
    kuai_node::gateway::ensure_secret(&dir.join("keys/gateway.secret")).unwrap();
    let mut config = std::fs::read_to_string(dir.join("node-1/config.toml")).unwrap();
    config.push_str(&format!(
        r#"
[gateway]
secret_file = "../keys/gateway.secret"

[[gateway.datasets]]
entry = {entry}
key_file = "../keys/police-app.key"
source = "csv"
path = "../datasets/population.csv"
unique = "id_number"

[gateway.datasets.checks]
id_number = "resident_id"
name = "required"
birth_date = "date"
district = "required"
"#
    ));
    std::fs::write(dir.join("node-1/config.toml"), config).unwrap();
    nodes[1] = NodeProc::start_with(dir, &dir.join("node-1/config.toml"));
    let node = &nodes[1];
    let c = Client::new(&node.url).unwrap();
    let cu = Client::new(&nodes[3].url).unwrap();
    let chain_id = c.status().await.unwrap().chain_id;

    // Dirty data is excluded and counted, by reason.
    let sets = c.gateway_datasets().await.unwrap();
    assert_eq!(sets.len(), 1);
    let ds = &sets[0];
    let dirty: usize = POPULATION_DIRTY.iter().map(|(_, n)| n).sum();
    assert_eq!(ds.rows_read as usize, written);
    assert_eq!(ds.rows_served as usize, VALID_ROWS);
    assert_eq!(ds.rows_excluded as usize, dirty);
    for (kind, n) in POPULATION_DIRTY {
        assert_eq!(
            ds.excluded_by_reason.get(kind).copied(),
            Some(n as u64),
            "{kind}"
        );
    }
    let cards = c.gateway_scorecards().await.unwrap();
    assert_eq!(cards[0].rows_excluded as usize, dirty);
    assert!(cards[0].clean_per_10k < 10_000);

    // Civil affairs asks; public security approves with a row quota of 155.
    let civil_key = key(dir, "civil-app");
    let mut civil = builder(&cu, dir, "civil-app").await;
    let req = first_id(
        &cu.submit_and_wait(
            &civil.submit_share_request(
                entry,
                &["id_number", "name", "birth_date", "district"],
                PURPOSE,
                "Interim Measures for Social Assistance art. 11",
                30,
            ),
            WAIT,
        )
        .await
        .unwrap(),
    );
    let mut reviewer = builder(&c, dir, "police-reviewer").await;
    let grant = first_id(
        &c.submit_and_wait(&reviewer.approve_share_request(req, Some(155)), WAIT)
            .await
            .unwrap(),
    );

    // Fetch 100 masked rows; the grant and purpose are found from the chain.
    let mut o = opts(entry, grant, 100);
    o.grant_id = None;
    let got = c.fetch_data(&civil_key, &o).await.unwrap();
    assert_eq!((got.rows, got.grant_id), (100, grant));
    let text = String::from_utf8(got.body.clone()).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("id_number,name,birth_date,district"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 100);
    // The source's clean rows, in order (what the validator keeps).
    let source = std::fs::read_to_string(&csv).unwrap();
    let mut seen = std::collections::HashSet::new();
    let clean: Vec<&str> = source
        .lines()
        .skip(1)
        .filter(|l| {
            let c: Vec<&str> = l.split(',').collect();
            kuai_client::identifiers::check_resident_id(c[0]).is_ok()
                && !c[1].is_empty()
                && !c[2].contains("-13-")
                && seen.insert(c[0].to_string())
        })
        .collect();
    assert_eq!(clean.len(), VALID_ROWS);
    for (masked, raw) in rows.iter().zip(clean.iter()) {
        let cells: Vec<&str> = masked.split(',').collect();
        check_masked_row(&cells);
        let raw: Vec<&str> = raw.split(',').collect();
        // The same person: region code, last four, surname, district; never the raw ID.
        assert_eq!(&cells[0][..6], &raw[0][..6]);
        assert_eq!(&cells[0][14..], &raw[0][14..]);
        assert_eq!(cells[1].chars().next(), raw[1].chars().next());
        assert_eq!(cells[3], raw[3]);
        assert!(!text.contains(raw[0]), "a raw ID number was delivered");
    }

    // The delivery is on chain: its access event names the grantee's key, the fields,
    // the rows and the query digest the gateway answered with.
    // ...and seen from the using department's own node.
    let receipt = cu.wait_for_success(&got.access_tx, WAIT).await.unwrap();
    assert!(receipt.events.iter().any(
        |e| matches!(e, Event::AccessRecorded { grant_id, rows: 100, .. } if *grant_id == grant)
    ));
    let events = cu
        .access_events(&ListQuery::limit(50).filter("grant", grant))
        .await
        .unwrap()
        .items;
    assert_eq!(events.len(), 1);
    let ev = &events[0];
    assert_eq!(ev.accessor, civil_key.public());
    assert_eq!(ev.query_digest, got.query_digest);
    assert_eq!((ev.rows, ev.purpose.as_str()), (100, PURPOSE));
    assert_eq!(ev.fields, o.fields);
    assert_eq!(cu.grant(grant).await.unwrap().rows_used, 100);

    // Who accessed my data: a delivered person finds this delivery by their ID number, on
    // the using department's node; the ledger holds only keyed hashes, never the number.
    let first_raw: Vec<&str> = clean[0].split(',').collect();
    let person = first_raw[0];
    let found = cu.subject_accesses(person).await.unwrap();
    assert_eq!(found.len(), 1, "one delivery included {person}");
    assert_eq!(
        (found[0].id, found[0].purpose.as_str(), found[0].accessor),
        (ev.id, PURPOSE, civil_key.public())
    );
    assert_eq!(found[0].subjects, 100);
    let tx_json = serde_json::to_string(&cu.tx(&got.access_tx).await.unwrap()).unwrap();
    assert!(!tx_json.contains(person), "the raw ID number is on chain");
    let stranger = kuai_client::identifiers::complete_resident_id("11010519491231002");
    assert!(cu.subject_accesses(&stranger).await.unwrap().is_empty());
    assert!(matches!(
        cu.subject_accesses("12345").await,
        Err(ClientError::Api { status: 400, .. })
    ));

    // The CLI, as a separate process, when it is built next to kuai-node.
    let cli = BIN.with_file_name("kuai");
    let mut used = 100;
    if cli.exists() {
        let out_file = dir.join("civil.csv");
        let out = std::process::Command::new(&cli)
            .args([
                "--node",
                &node.url,
                "data",
                "fetch",
                &entry.to_string(),
                "--key",
            ])
            .arg(dir.join("keys/civil-app.key"))
            .args([
                "--fields",
                "id_number,name,birth_date,district",
                "--limit",
                "5",
                "--out",
            ])
            .arg(&out_file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let csv_out = std::fs::read_to_string(&out_file).unwrap();
        assert_eq!(csv_out.lines().count(), 6);
        for line in csv_out.lines().skip(1) {
            check_masked_row(&line.split(',').collect::<Vec<_>>());
        }
        assert!(String::from_utf8_lossy(&out.stderr).contains("access event: tx"));
        used += 5;
    } else {
        eprintln!(
            "note: {} is not built; the CLI step is skipped",
            cli.display()
        );
    }

    // An equality filter on an unmasked field narrows the rows; JSON lines format.
    let mut f = opts(entry, grant, 10);
    f.filters = vec![Filter::parse("district=云岩区").unwrap()];
    f.format = DataFormat::Jsonl;
    let got = c.fetch_data(&civil_key, &f).await.unwrap();
    used += got.rows;
    for line in String::from_utf8(got.body).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["district"], "云岩区");
        assert!(v["name"].as_str().unwrap().ends_with('*'));
    }
    // ...but a prefix filter on a masked field could uncover it: refused.
    let mut f = opts(entry, grant, 10);
    f.filters = vec![Filter::parse("id_number^=5201").unwrap()];
    assert_eq!(
        refusal(c.fetch_data(&civil_key, &f).await),
        (403, "filter_not_allowed".into())
    );
    // Scope and purpose.
    let mut f = opts(entry, grant, 10);
    f.fields.push("phone".into());
    assert_eq!(
        refusal(c.fetch_data(&civil_key, &f).await),
        (403, "field_outside_grant".into())
    );
    let mut f = opts(entry, grant, 10);
    f.purpose = Some("Something else".into());
    assert_eq!(
        refusal(c.fetch_data(&civil_key, &f).await),
        (403, "purpose_mismatch".into())
    );

    // Quota: asking for more than is left is refused before any row is sent, even while
    // the earlier deliveries' events are not yet committed.
    let left = 155 - used;
    assert_eq!(
        refusal(
            c.fetch_data(&civil_key, &opts(entry, grant, left as u32 + 1))
                .await
        ),
        (429, "quota_exceeded".into())
    );
    let got = c
        .fetch_data(&civil_key, &opts(entry, grant, left as u32))
        .await
        .unwrap();
    assert_eq!(got.rows, left);
    assert_eq!(
        refusal(c.fetch_data(&civil_key, &opts(entry, grant, 1)).await),
        (429, "quota_exceeded".into())
    );
    c.wait_for_success(&got.access_tx, WAIT).await.unwrap();
    assert_eq!(c.grant(grant).await.unwrap().rows_used, 155);

    // A call quota: one delivery, then refused at once (before the first is committed).
    let req2 = first_id(
        &c.submit_and_wait(
            &civil.submit_share_request(entry, &["name", "district"], PURPOSE, "art. 11", 30),
            WAIT,
        )
        .await
        .unwrap(),
    );
    let grant2 = first_id(
        &c.submit_and_wait(
            &reviewer.approve_share_request_with_quotas(req2, None, Some(1)),
            WAIT,
        )
        .await
        .unwrap(),
    );
    let one = c
        .fetch_signed(&request(&chain_id, grant2, entry, &civil_key, 3).sign(&civil_key))
        .await
        .unwrap();
    assert_eq!(one.rows, 3);
    assert_eq!(
        refusal(
            c.fetch_signed(&request(&chain_id, grant2, entry, &civil_key, 3).sign(&civil_key))
                .await
        ),
        (429, "call_quota_exceeded".into())
    );
    c.wait_for_success(&one.access_tx, WAIT).await.unwrap();
    assert_eq!(c.grant(grant2).await.unwrap().calls_used, 1);

    // Authentication: a third grant with room to spare.
    let req3 = first_id(
        &c.submit_and_wait(
            &civil.submit_share_request(entry, &["name", "district"], PURPOSE, "art. 11", 30),
            WAIT,
        )
        .await
        .unwrap(),
    );
    let grant3 = first_id(
        &c.submit_and_wait(&reviewer.approve_share_request(req3, Some(10_000)), WAIT)
            .await
            .unwrap(),
    );
    // Unsigned, over raw HTTP as any client could send it.
    let unsigned = SignedFetch {
        request: request(&chain_id, grant3, entry, &civil_key, 5),
        signature: None,
    };
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/gateway/fetch", node.url))
        .json(&unsigned)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unsigned");
    // Signed by a key of another organization (market regulation's app) as itself.
    let market = key(dir, "market-app");
    assert_eq!(
        refusal(
            c.fetch_signed(&request(&chain_id, grant3, entry, &market, 5).sign(&market))
                .await
        ),
        (403, "wrong_organization".into())
    );
    // Naming the grantee's key but signed by another organization's key.
    assert_eq!(
        refusal(
            c.fetch_signed(&request(&chain_id, grant3, entry, &civil_key, 5).sign(&market))
                .await
        ),
        (401, "bad_signature".into())
    );
    // A key of no organization at all.
    let stranger = Keypair::generate();
    assert_eq!(
        refusal(
            c.fetch_signed(&request(&chain_id, grant3, entry, &stranger, 5).sign(&stranger))
                .await
        ),
        (403, "unknown_accessor".into())
    );
    // Replayed and stale requests.
    let signed = request(&chain_id, grant3, entry, &civil_key, 5).sign(&civil_key);
    assert_eq!(c.fetch_signed(&signed).await.unwrap().rows, 5);
    assert_eq!(
        refusal(c.fetch_signed(&signed).await),
        (409, "replayed".into())
    );
    let mut old = request(&chain_id, grant3, entry, &civil_key, 5);
    old.timestamp_ms -= 10 * 60 * 1000;
    assert_eq!(
        refusal(c.fetch_signed(&old.sign(&civil_key)).await),
        (401, "stale_request".into())
    );
    let other_chain = request("kuai-other", grant3, entry, &civil_key, 5).sign(&civil_key);
    assert_eq!(
        refusal(c.fetch_signed(&other_chain).await),
        (422, "wrong_chain".into())
    );
    // Bad input is a clear 4xx.
    let zero = request(&chain_id, grant3, entry, &civil_key, 0).sign(&civil_key);
    assert_eq!(
        refusal(c.fetch_signed(&zero).await),
        (400, "bad_request".into())
    );
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/gateway/fetch", node.url))
        .header("content-type", "application/json")
        .body("{\"request\": 5}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 422);

    // Revocation: the provider revokes; the next fetch is refused.
    let mut police = builder(&c, dir, "police-cdo").await;
    c.submit_and_wait(
        &police.revoke_grant(grant3, "the allowance review ended"),
        WAIT,
    )
    .await
    .unwrap();
    assert_eq!(
        refusal(
            c.fetch_signed(&request(&chain_id, grant3, entry, &civil_key, 5).sign(&civil_key))
                .await
        ),
        (403, "grant_revoked".into())
    );

    // Every delivery is on chain, none of the refusals is.
    let mut delivered = 0;
    for g in [grant, grant2, grant3] {
        let evs = c
            .access_events(&ListQuery::limit(50).filter("grant", g))
            .await
            .unwrap()
            .items;
        delivered += evs.len();
    }
    // grant: 100-row fetch, CLI (if built), filtered fetch, the rest; grant2: 1; grant3: 1.
    let expected = 3 + usize::from(cli.exists()) + 1 + 1;
    let deadline = tokio::time::Instant::now() + WAIT;
    while delivered < expected && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        delivered = 0;
        for g in [grant, grant2, grant3] {
            delivered += c
                .access_events(&ListQuery::limit(50).filter("grant", g))
                .await
                .unwrap()
                .items
                .len();
        }
    }
    assert_eq!(delivered, expected);
    drop(nodes);
}
