//! Audit bundles: exported from a 4-validator consortium with the `kuai` CLI, verified
//! offline with only the genesis file, and refused after any change of content: a byte
//! of a table, a proven value (even with the manifest's hash fixed up), a header's
//! certificate, or another chain's genesis.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::{key, kuai_bin};
use kuai_client::types::model::{
    CatalogEntrySpec, FieldSpec, MaskingRule, OpenMode, Sensitivity, ShareMethod, ShareType,
};
use kuai_client::types::{state_keys, Event};
use kuai_client::{Client, TxBuilder};

const WAIT: Duration = Duration::from_secs(60);

fn verify(dir: &Path, genesis: &Path) -> (i32, String) {
    let out = Command::new(kuai_bin())
        .args(["audit", "verify"])
        .arg(dir)
        .arg("--genesis")
        .arg(genesis)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exported_bundle_verifies_offline_and_a_tampered_one_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let nodes = common::start_testnet(dir, 4, "kuai-audit");
    let c = Client::new(&nodes[0].url).unwrap();
    let b = |name: &str| {
        let (c, k) = (c.clone(), key(dir, name));
        async move { TxBuilder::for_key(&c, k).await.unwrap() }
    };
    let (mut health, mut health_app, mut civil) = (
        b("health-cdo").await,
        b("health-app").await,
        b("civil-app").await,
    );
    let spec = CatalogEntrySpec {
        name: "Vaccinations".into(),
        classification: "health/vaccination".into(),
        security_grade: 3,
        format: "csv".into(),
        fields: vec![FieldSpec {
            name: "name".into(),
            sensitivity: Sensitivity::Sensitive,
            masking: MaskingRule::Name,
            element_code: None,
        }],
        update_frequency: "daily".into(),
        share_type: ShareType::Conditional,
        legal_basis: Some("PIPL art. 28".into()),
        share_methods: vec![ShareMethod::Api],
        open_mode: OpenMode::NotOpen,
        usage_requirements: "stated purpose only".into(),
        approval_threshold: None,
    };
    let r = c
        .submit_and_wait(&health.register_catalog_entry(spec), WAIT)
        .await
        .unwrap();
    let entry = r
        .events
        .iter()
        .find_map(|e| match e {
            Event::CatalogEntryRegistered { entry_id, .. } => Some(*entry_id),
            _ => None,
        })
        .unwrap();
    let mut grant = 0;
    for _ in 0..3 {
        let r = c
            .submit_and_wait(
                &civil.submit_share_request(
                    entry,
                    &["name"],
                    "elderly care checks",
                    "Elderly Rights Law art. 30",
                    30,
                ),
                WAIT,
            )
            .await
            .unwrap();
        let req = r
            .events
            .iter()
            .find_map(|e| match e {
                Event::ShareRequestSubmitted { request_id, .. } => Some(*request_id),
                _ => None,
            })
            .unwrap();
        let r = c
            .submit_and_wait(&health.approve_share_request(req, None), WAIT)
            .await
            .unwrap();
        grant = r
            .events
            .iter()
            .find_map(|e| match e {
                Event::GrantIssued { grant_id, .. } => Some(*grant_id),
                _ => None,
            })
            .unwrap();
    }
    let civil_key = key(dir, "civil-app").public();
    // One batch, so blocks are likely to hold several (one access bucket for them all).
    let accesses: Vec<_> = (0..4)
        .map(|i| {
            health_app.record_access(
                grant,
                civil_key,
                &["name"],
                10 + i,
                "q",
                "elderly care checks",
            )
        })
        .collect();
    let submitted = c.submit_batch(&accesses).await.unwrap();
    for r in &submitted {
        let hash = r.hash.unwrap_or_else(|| panic!("refused: {:?}", r.error));
        c.wait_for_success(&hash, WAIT).await.unwrap();
    }
    let civil_code = c.account(&civil_key).await.unwrap().organization.unwrap();

    let bundle = dir.join("bundle");
    let out = Command::new(kuai_bin())
        .args([
            "--node",
            &nodes[1].url,
            "audit",
            "export",
            "--org",
            &civil_code,
            "--out",
        ])
        .arg(&bundle)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("exported 3 requests, 3 grants, 4 access events"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // The chain (from the dev template) commits access events in per-block buckets:
    // each event's proof is its block's bucket, holding every event of that block.
    let records: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bundle.join("records.json")).unwrap()).unwrap();
    let events = records["access_events"].as_array().unwrap();
    assert_eq!(events.len(), 4);
    for e in events {
        let height = e["value"]["height"].as_u64().unwrap();
        let same_block = events
            .iter()
            .filter(|o| o["value"]["height"].as_u64() == Some(height))
            .count() as u64;
        assert_eq!(
            e["proof"]["key"].as_str().unwrap(),
            hex::encode(state_keys::access_bucket(height))
        );
        assert_eq!(
            e["proof"]["access_bucket"]["bucket"]["count"].as_u64(),
            Some(same_block)
        );
    }
    let genesis = dir.join("genesis.json");
    let (code, text) = verify(&bundle, &genesis);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("verified: 3 requests, 3 grants, 4 access events"));

    // One byte of a table.
    let t = dir.join("t1");
    copy_dir(&bundle, &t);
    let mut csv = std::fs::read(t.join("accesses.csv")).unwrap();
    let pos = csv.iter().rposition(|b| b.is_ascii_digit()).unwrap();
    csv[pos] = if csv[pos] == b'9' { b'8' } else { csv[pos] + 1 };
    std::fs::write(t.join("accesses.csv"), &csv).unwrap();
    assert_eq!(verify(&t, &genesis).0, 1);

    // A proven value changed, with the manifest's hash fixed up to match.
    let t = dir.join("t2");
    copy_dir(&bundle, &t);
    let records = std::fs::read_to_string(t.join("records.json"))
        .unwrap()
        .replacen("\"rows\": 10", "\"rows\": 1", 1);
    std::fs::write(t.join("records.json"), &records).unwrap();
    let manifest = std::fs::read_to_string(t.join("manifest.json")).unwrap();
    let old = sha256_hex(&std::fs::read(bundle.join("records.json")).unwrap());
    std::fs::write(
        t.join("manifest.json"),
        manifest.replace(&old, &sha256_hex(records.as_bytes())),
    )
    .unwrap();
    let (code, text) = verify(&t, &genesis);
    assert_eq!(code, 1);
    assert!(
        text.contains("access event") && text.contains("Merkle proof"),
        "{text}"
    );

    // A header's certificate changed (and the manifest fixed up).
    let t = dir.join("t3");
    copy_dir(&bundle, &t);
    let mut headers: serde_json::Value =
        serde_json::from_slice(&std::fs::read(t.join("headers.json")).unwrap()).unwrap();
    let sig = headers[2]["certificate"]["votes"][0]["signature"]
        .as_str()
        .unwrap()
        .to_string();
    let flipped = format!(
        "{}{}",
        if sig.starts_with('0') { "1" } else { "0" },
        &sig[1..]
    );
    headers[2]["certificate"]["votes"][0]["signature"] = serde_json::Value::String(flipped);
    let bytes = serde_json::to_vec(&headers).unwrap();
    std::fs::write(t.join("headers.json"), &bytes).unwrap();
    let manifest = std::fs::read_to_string(t.join("manifest.json")).unwrap();
    let old = sha256_hex(&std::fs::read(bundle.join("headers.json")).unwrap());
    std::fs::write(
        t.join("manifest.json"),
        manifest.replace(&old, &sha256_hex(&bytes)),
    )
    .unwrap();
    let (code, text) = verify(&t, &genesis);
    assert_eq!(code, 1);
    assert!(text.contains("header 3"), "{text}");

    // Another chain's genesis.
    let other = dir.join("other-genesis.json");
    std::fs::write(
        &other,
        std::fs::read_to_string(&genesis)
            .unwrap()
            .replace("kuai-audit", "kuai-other"),
    )
    .unwrap();
    assert_eq!(verify(&bundle, &other).0, 1);
}
