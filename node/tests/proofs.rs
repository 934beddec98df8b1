//! Verifiable state: a record read with `?proof=true` from a 4-validator consortium is
//! checked by the SDK's light client (which follows the validator set from genesis block
//! by block) without trusting the node; a changed value, root, key or certificate fails,
//! and the absence of a record is provable too.

mod common;

use std::time::Duration;

use common::key;
use kuai_client::types::api::Proven;
use kuai_client::types::model::{
    CatalogEntry, CatalogEntrySpec, FieldSpec, MaskingRule, OpenMode, Organization, Sensitivity,
    ShareMethod, ShareType,
};
use kuai_client::types::state_keys;
use kuai_client::types::Event;
use kuai_client::{Client, LightClient, TxBuilder};

const WAIT: Duration = Duration::from_secs(60);

fn spec() -> CatalogEntrySpec {
    CatalogEntrySpec {
        name: "Medical institutions".into(),
        classification: "health/institutions".into(),
        security_grade: 1,
        format: "csv".into(),
        fields: vec![FieldSpec {
            name: "institution".into(),
            sensitivity: Sensitivity::Public,
            masking: MaskingRule::None,
            element_code: None,
        }],
        update_frequency: "monthly".into(),
        share_type: ShareType::Unconditional,
        legal_basis: None,
        share_methods: vec![ShareMethod::Api],
        open_mode: OpenMode::Open,
        usage_requirements: "none".into(),
        approval_threshold: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proofs_verify_and_tampering_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let nodes = common::start_testnet(dir, 4, "kuai-proofs");
    let c = Client::new(&nodes[2].url).unwrap();
    let genesis: kuai_client::types::genesis::GenesisSpec =
        serde_json::from_str(&std::fs::read_to_string(dir.join("genesis.json")).unwrap()).unwrap();
    let mut light = LightClient::new(genesis.validators.iter().map(|v| v.key).collect());

    let mut health = TxBuilder::for_key(&c, key(dir, "health-cdo"))
        .await
        .unwrap();
    let r = c
        .submit_and_wait(&health.register_catalog_entry(spec()), WAIT)
        .await
        .unwrap();
    let id = r
        .events
        .iter()
        .find_map(|e| match e {
            Event::CatalogEntryRegistered { entry_id, .. } => Some(*entry_id),
            _ => None,
        })
        .unwrap();

    let proven: Proven<CatalogEntry> = c.proven(&format!("/v1/catalog/{id}")).await.unwrap();
    light.sync_to(&c, proven.proof.height).await.unwrap();
    let k = state_keys::catalog_entry(id);
    light.verify(&proven, &k).unwrap();
    assert_eq!(
        proven.value.as_ref().unwrap(),
        &c.catalog_entry(id).await.unwrap()
    );

    // A changed value, root, key or certificate is refused.
    let mut changed = proven.clone();
    changed.value.as_mut().unwrap().spec.name = "Forged".into();
    assert!(light.verify(&changed, &k).is_err());
    let mut root = proven.clone();
    root.proof.header.state_root.0[0] ^= 1;
    assert!(light.verify(&root, &k).is_err());
    assert!(light
        .verify(&proven, &state_keys::catalog_entry(id + 1))
        .is_err());
    let mut cert = proven.clone();
    cert.proof.certificate.as_mut().unwrap().votes[0]
        .signature
        .0[3] ^= 1;
    assert!(light.verify(&cert, &k).is_err());
    let mut unsigned = proven.clone();
    unsigned.proof.certificate = None;
    assert!(light.verify(&unsigned, &k).is_err());

    // Absence is provable, and a claimed presence under the absence proof fails.
    let absent: Proven<CatalogEntry> = c.proven("/v1/catalog/999").await.unwrap();
    assert!(absent.value.is_none());
    light.sync_to(&c, absent.proof.height).await.unwrap();
    light
        .verify(&absent, &state_keys::catalog_entry(999))
        .unwrap();
    let mut claimed = absent.clone();
    claimed.value = proven.value.clone();
    assert!(light
        .verify(&claimed, &state_keys::catalog_entry(999))
        .is_err());

    // Another record kind, read from another node.
    let c0 = Client::new(&nodes[0].url).unwrap();
    let code = c0
        .account(&key(dir, "health-cdo").public())
        .await
        .unwrap()
        .organization
        .unwrap();
    let org: Proven<Organization> = c0
        .proven(&format!("/v1/organizations/{code}"))
        .await
        .unwrap();
    light.sync_to(&c0, org.proof.height).await.unwrap();
    light
        .verify(&org, &state_keys::organization(&code))
        .unwrap();
    assert_eq!(light.height(), org.proof.height);
}
