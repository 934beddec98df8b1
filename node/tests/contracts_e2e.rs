//! Policy contracts on a real 4-validator consortium: code uploaded and approved by
//! governance, instantiated and bound by the providing department, and share requests
//! decided by the contract identically on every validator — the same receipt events,
//! fuel included, and the same block hashes. A hostile contract (an endless loop) is
//! stopped by fuel, with the same error and fuel on every node, and the request waits
//! for the officers.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{approve_code, key, policy_wasm};
use kuai_client::types::model::RequestStatus;
use kuai_client::types::{Event, Hash, Receipt};
use kuai_client::{Client, TxBuilder};

const WAIT: Duration = Duration::from_secs(30);

async fn builder(c: &Client, dir: &Path, name: &str) -> TxBuilder {
    TxBuilder::for_key(c, key(dir, name)).await.unwrap()
}

fn find<T>(r: &Receipt, pick: impl Fn(&Event) -> Option<T>) -> T {
    r.events
        .iter()
        .find_map(pick)
        .unwrap_or_else(|| panic!("not in {:?}", r.events))
}

/// Publishes a conditional entry named `name` (police); returns its id.
async fn publish(c: &Client, police: &mut TxBuilder, name: &str) -> u64 {
    let r = c
        .submit_and_wait(
            &police.register_catalog_entry(common::entry_spec(name)),
            WAIT,
        )
        .await
        .unwrap();
    find(&r, |e| match e {
        Event::CatalogEntryRegistered { entry_id, .. } => Some(*entry_id),
        _ => None,
    })
}

/// Instantiates approved `code` (police) and binds it to `entry`; returns the instance.
async fn bound_instance(
    c: &Client,
    police: &mut TxBuilder,
    code: Hash,
    params: &str,
    entry: u64,
) -> u64 {
    let r = c
        .submit_and_wait(&police.instantiate_contract(code, "policy", params), WAIT)
        .await
        .unwrap();
    let instance = find(&r, |e| match e {
        Event::ContractInstantiated { instance_id, .. } => Some(*instance_id),
        _ => None,
    });
    c.submit_and_wait(&police.bind_policy_contract(entry, Some(instance)), WAIT)
        .await
        .unwrap();
    instance
}

/// The receipt of `hash` on every node, once each has it; all must be equal, and so
/// must the block hash at its height.
async fn same_everywhere(clients: &[Client], hash: &Hash) -> Receipt {
    let mut receipts = Vec::new();
    for c in clients {
        receipts.push(c.wait_for_commit(hash, WAIT).await.unwrap());
    }
    for r in &receipts[1..] {
        assert_eq!(r, &receipts[0], "every validator records the same receipt");
    }
    let h = receipts[0].height.to_string();
    let mut block_hashes = Vec::new();
    for c in clients {
        block_hashes.push(c.block(&h).await.unwrap().hash);
    }
    assert!(
        block_hashes.windows(2).all(|w| w[0] == w[1]),
        "{block_hashes:?}"
    );
    receipts.remove(0)
}

/// An endless loop behind a valid ABI (init answers `InitOutcome::Ok`, one zero byte).
const ENDLESS: &str = r#"(module
    (memory (export "memory") 1)
    (func (export "kuai_alloc") (param i32) (result i32) (i32.const 1024))
    (func (export "kuai_init") (param i32 i32) (result i64)
        (i64.or (i64.shl (i64.const 64) (i64.const 32)) (i64.const 1)))
    (func (export "kuai_decide") (param i32 i32) (result i64)
        (loop $l (br $l))
        (i64.const 0)))"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_validators_decide_each_request_identically() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let nodes = common::start_testnet(dir, 4, "kuai-contracts");
    let clients: Vec<Client> = nodes.iter().map(|n| Client::new(&n.url).unwrap()).collect();
    let c = &clients[1];

    let allow = approve_code(c, dir, "allow_list", &policy_wasm("allow_list")).await;
    let code = c.contract_code(&allow).await.unwrap();
    assert!(code.approved_by_proposal.is_some());
    assert_eq!(
        c.contract_wasm(&allow).await.unwrap(),
        policy_wasm("allow_list")
    );

    let mut police = builder(c, dir, "police-cdo").await;
    let entry = publish(c, &mut police, "Driving licences").await;
    let civil = c
        .account(&key(dir, "civil-app").public())
        .await
        .unwrap()
        .organization
        .unwrap();
    let params = format!("requesters={civil}\npurposes=allowance\nfields=name");
    let instance = bound_instance(c, &mut police, allow, &params, entry).await;
    assert_eq!(c.entry_policy(entry).await.unwrap().id, instance);

    // Civil affairs asks through its own node (validator 3): granted, cut to `name`.
    let mut civil_app = builder(&clients[3], dir, "civil-app").await;
    let stx = civil_app.submit_share_request(
        entry,
        &["id_number", "name"],
        "Subsistence allowance checks",
        "Social Assistance Measures art. 11",
        30,
    );
    let hash = clients[3].submit(&stx).await.unwrap();
    let r = same_everywhere(&clients, &hash).await;
    let fuel = find(&r, |e| match e {
        Event::PolicyDecided {
            decision,
            fuel_used,
            ..
        } => Some((decision.clone(), *fuel_used)),
        _ => None,
    });
    assert_eq!(fuel.0, "grant");
    assert!(fuel.1 > 0);
    let grant = find(&r, |e| match e {
        Event::GrantIssued { grant_id, .. } => Some(*grant_id),
        _ => None,
    });
    assert_eq!(
        c.grant(grant).await.unwrap().fields,
        vec!["name".to_string()]
    );

    // Health is not on the list: refused by the contract, with its reason.
    let mut health_app = builder(&clients[2], dir, "health-app").await;
    let stx = health_app.submit_share_request(entry, &["name"], "allowance", "art. 1", 30);
    let hash = clients[2].submit(&stx).await.unwrap();
    let r = same_everywhere(&clients, &hash).await;
    let request = find(&r, |e| match e {
        Event::ShareRequestSubmitted { request_id, .. } => Some(*request_id),
        _ => None,
    });
    assert!(matches!(
        c.share_request(request).await.unwrap().status,
        RequestStatus::Rejected { reason } if reason.contains("allow list")
    ));

    // A hostile contract: stopped by fuel, identically everywhere; the request waits.
    let endless = wat::parse_str(ENDLESS).unwrap();
    let endless_hash = approve_code(c, dir, "endless", &endless).await;
    let mut police = builder(c, dir, "police-cdo").await;
    let entry2 = publish(c, &mut police, "Exit-entry permits").await;
    bound_instance(c, &mut police, endless_hash, "", entry2).await;
    let mut civil_app = builder(&clients[0], dir, "civil-app").await;
    let stx = civil_app.submit_share_request(entry2, &["name"], "allowance", "art. 11", 30);
    let hash = clients[0].submit(&stx).await.unwrap();
    let r = same_everywhere(&clients, &hash).await;
    let (error, fuel_used) = find(&r, |e| match e {
        Event::PolicyFailed {
            error, fuel_used, ..
        } => Some((error.clone(), *fuel_used)),
        _ => None,
    });
    assert!(error.contains("out of fuel"), "{error}");
    assert!(fuel_used > 1_000_000, "{fuel_used}");
    let request = find(&r, |e| match e {
        Event::ShareRequestSubmitted { request_id, .. } => Some(*request_id),
        _ => None,
    });
    assert_eq!(
        c.share_request(request).await.unwrap().status,
        RequestStatus::Pending
    );
    drop(nodes);
}
