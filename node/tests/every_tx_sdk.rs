//! Every transaction type through the SDK against a running node, each read back through
//! the SDK's typed queries; the test checks that the set of types it committed is the
//! whole `Payload::KINDS` list, so a new type without coverage fails it.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::{init, key, NodeProc};
use kuai_client::types::model::*;
use kuai_client::types::payload::ProposeAgreement;
use kuai_client::types::{Event, Payload, Receipt, SignedTransaction};
use kuai_client::{agreement_digest, Client, Keypair, ListQuery, TxBuilder};

const WAIT: Duration = Duration::from_secs(30);

struct Run {
    c: Client,
    kinds: BTreeSet<&'static str>,
}

impl Run {
    async fn ok(&mut self, stx: SignedTransaction) -> Receipt {
        let kind = stx.tx.payload.kind();
        let r = self
            .c
            .submit_and_wait(&stx, WAIT)
            .await
            .unwrap_or_else(|e| panic!("{kind}: {e}"));
        self.kinds.insert(kind);
        r
    }
}

fn id_of(r: &Receipt, pick: impl Fn(&Event) -> Option<u64>) -> u64 {
    r.events
        .iter()
        .find_map(pick)
        .unwrap_or_else(|| panic!("no id in {:?}", r.events))
}

fn spec(name: &str, open_mode: OpenMode) -> CatalogEntrySpec {
    CatalogEntrySpec {
        name: name.into(),
        classification: "health/births".into(),
        security_grade: 2,
        format: "csv".into(),
        fields: vec![
            FieldSpec {
                name: "child_name".into(),
                sensitivity: Sensitivity::Sensitive,
                masking: MaskingRule::Name,
                element_code: Some("DE-IT-CHILD".into()),
            },
            FieldSpec {
                name: "district".into(),
                sensitivity: Sensitivity::Public,
                masking: MaskingRule::None,
                element_code: None,
            },
        ],
        update_frequency: "daily".into(),
        share_type: ShareType::Conditional,
        legal_basis: (open_mode == OpenMode::NotOpen)
            .then(|| "Personal Information Protection Law art. 28".into()),
        share_methods: vec![ShareMethod::Api],
        open_mode,
        usage_requirements: "stated purpose only".into(),
        approval_threshold: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_transaction_type_commits_and_reads_back() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init(dir, "kuai-every-tx");
    let node = NodeProc::start(dir);
    let c = Client::new(&node.url).unwrap();
    let mut run = Run {
        c: c.clone(),
        kinds: BTreeSet::new(),
    };
    let b = |name: &str| {
        let c = c.clone();
        let k = key(dir, name);
        async move { TxBuilder::for_key(&c, k).await.unwrap() }
    };
    let (mut operator, mut police_cdo, mut police_app) = (
        b("operator-cdo").await,
        b("police-cdo").await,
        b("police-app").await,
    );
    let (mut health_cdo, mut health_reviewer, mut health_app) = (
        b("health-cdo").await,
        b("health-reviewer").await,
        b("health-app").await,
    );
    let (mut market_cdo, mut civil_cdo, mut civil_app) = (
        b("market-cdo").await,
        b("civil-cdo").await,
        b("civil-app").await,
    );

    // Organizations and keys.
    let (applicant_cdo, applicant_app) = (Keypair::generate(), Keypair::generate());
    let code = "91520100MA6DKQ8X2E";
    run.ok(operator.register_organization(
        code,
        "Qianxing Data",
        OrgKind::ExternalApplicant,
        vec![
            Member {
                key: applicant_cdo.public(),
                role: Role::Cdo,
            },
            Member {
                key: applicant_app.public(),
                role: Role::App,
            },
        ],
    ))
    .await;
    assert_eq!(
        c.organization(code).await.unwrap().kind,
        OrgKind::ExternalApplicant
    );
    let extra = Keypair::generate();
    run.ok(police_cdo.add_member(extra.public(), Role::Reviewer))
        .await;
    let police = c
        .account(&extra.public())
        .await
        .unwrap()
        .organization
        .unwrap();
    assert_eq!(
        c.organization(&police)
            .await
            .unwrap()
            .role_of(&extra.public()),
        Some(Role::Reviewer)
    );
    run.ok(police_cdo.remove_member(extra.public())).await;
    assert_eq!(
        c.organization(&police)
            .await
            .unwrap()
            .role_of(&extra.public()),
        None
    );
    let rotated = Keypair::generate();
    run.ok(police_app.rotate_key(rotated.public())).await;
    let org = c.organization(&police).await.unwrap();
    assert_eq!(org.role_of(&rotated.public()), Some(Role::App));
    assert!(
        org.members
            .iter()
            .any(|m| m.key == key(dir, "police-app").public() && m.removed_height.is_some()),
        "history kept"
    );
    run.ok(health_cdo.set_approval_threshold(2)).await;
    let health = c
        .account(&key(dir, "health-cdo").public())
        .await
        .unwrap()
        .organization
        .unwrap();
    assert_eq!(c.organization(&health).await.unwrap().approval_threshold, 2);

    // Governance: a parameter change passes with four of the five governing organizations.
    let now = c.status().await.unwrap().latest_block_time_ms;
    let params = Parameters {
        answer_working_days: 9,
        ..Parameters::default()
    };
    let r = run
        .ok(operator.submit_proposal(
            ProposalAction::SetParameters(params.clone()),
            now + 2 * 86_400_000,
        ))
        .await;
    let pid = id_of(&r, |e| match e {
        Event::ProposalSubmitted { proposal_id, .. } => Some(*proposal_id),
        _ => None,
    });
    for v in [&mut police_cdo, &mut market_cdo, &mut civil_cdo] {
        run.ok(v.vote_proposal(pid, true)).await;
    }
    assert!(matches!(
        c.proposal(pid).await.unwrap().status,
        ProposalStatus::Passed { .. }
    ));
    assert_eq!(c.parameters().await.unwrap(), params);

    // Catalog.
    let r = run
        .ok(health_cdo.register_catalog_entry(spec("Births", OpenMode::OnApplication)))
        .await;
    let entry = id_of(&r, |e| match e {
        Event::CatalogEntryRegistered { entry_id, .. } => Some(*entry_id),
        _ => None,
    });
    let mut v2 = spec("Births (v2)", OpenMode::OnApplication);
    v2.update_frequency = "hourly".into();
    run.ok(health_cdo.update_catalog_entry(entry, v2)).await;
    assert_eq!(
        c.catalog_versions(entry).await.unwrap()[0].spec.name,
        "Births"
    );
    run.ok(health_reviewer.review_catalog_entry(entry, 2, true, ""))
        .await;
    assert!(matches!(
        c.catalog_entry(entry).await.unwrap().review,
        ReviewStatus::Approved { .. }
    ));
    run.ok(health_cdo.declare_change(entry, ChangeKind::Data, "new district codes"))
        .await;
    assert!(c.catalog_entry(entry).await.unwrap().update_due.is_some());
    let r = run
        .ok(health_cdo.register_catalog_entry(spec("Deaths", OpenMode::OnApplication)))
        .await;
    let second = id_of(&r, |e| match e {
        Event::CatalogEntryRegistered { entry_id, .. } => Some(*entry_id),
        _ => None,
    });
    run.ok(health_cdo.set_negative_list(second, Some("security review pending")))
        .await;
    assert!(c
        .catalog_entry(second)
        .await
        .unwrap()
        .negative_list_basis
        .is_some());
    assert_eq!(c.data_element("DE-IT-CHILD").await.unwrap().source, health);

    // Sharing: approve (two of two), reject, withdraw.
    let purpose = "child benefit checks";
    let submit = |b: &mut TxBuilder| {
        b.submit_share_request(
            entry,
            &["child_name", "district"],
            purpose,
            "Social Assistance art. 9",
            30,
        )
    };
    let r = run.ok(submit(&mut civil_app)).await;
    let req = id_of(&r, |e| match e {
        Event::ShareRequestSubmitted { request_id, .. } => Some(*request_id),
        _ => None,
    });
    assert_eq!(
        c.share_request(req).await.unwrap().status,
        RequestStatus::Pending
    );
    run.ok(health_reviewer.approve_share_request(req, Some(100)))
        .await;
    assert_eq!(
        c.share_request(req).await.unwrap().status,
        RequestStatus::Pending,
        "one of two approvals"
    );
    let r = run
        .ok(health_cdo.approve_share_request(req, Some(100)))
        .await;
    let grant = id_of(&r, |e| match e {
        Event::GrantIssued { grant_id, .. } => Some(*grant_id),
        _ => None,
    });
    assert_eq!(
        c.grant(grant).await.unwrap().masking[0].rule,
        MaskingRule::Name
    );
    let r = run.ok(submit(&mut civil_app)).await;
    let rejected = id_of(&r, |e| match e {
        Event::ShareRequestSubmitted { request_id, .. } => Some(*request_id),
        _ => None,
    });
    run.ok(health_cdo.reject_share_request(rejected, "already granted"))
        .await;
    assert!(matches!(
        c.share_request(rejected).await.unwrap().status,
        RequestStatus::Rejected { .. }
    ));
    let r = run.ok(submit(&mut civil_app)).await;
    let withdrawn = id_of(&r, |e| match e {
        Event::ShareRequestSubmitted { request_id, .. } => Some(*request_id),
        _ => None,
    });
    run.ok(civil_app.withdraw_share_request(withdrawn)).await;
    assert_eq!(
        c.share_request(withdrawn).await.unwrap().status,
        RequestStatus::Withdrawn
    );

    // Access, objection, revocation.
    let civil_key = key(dir, "civil-app").public();
    let r = run
        .ok(health_app.record_access(
            grant,
            civil_key,
            &["child_name"],
            40,
            "district = 1",
            purpose,
        ))
        .await;
    let access = id_of(&r, |e| match e {
        Event::AccessRecorded { access_id, .. } => Some(*access_id),
        _ => None,
    });
    assert_eq!(c.access_event(access).await.unwrap().rows, 40);
    let r = run
        .ok(civil_app.raise_objection(grant, "child_name", "row 3", "misspelt"))
        .await;
    let objection = id_of(&r, |e| match e {
        Event::ObjectionRaised { objection_id, .. } => Some(*objection_id),
        _ => None,
    });
    run.ok(health_reviewer.answer_objection(objection, true, "fixed at the source"))
        .await;
    assert!(matches!(
        c.objection(objection).await.unwrap().status,
        ObjectionStatus::Corrected { .. }
    ));
    run.ok(health_cdo.revoke_grant(grant, "purpose fulfilled"))
        .await;
    assert!(c.grant(grant).await.unwrap().revoked.is_some());

    // Contract-based opening.
    let digest = agreement_digest(b"agreement text");
    let r = run
        .ok(operator.propose_agreement(ProposeAgreement {
            entry_id: entry,
            applicant: code.into(),
            digest,
            fields: vec!["district".into()],
            purpose: "research".into(),
            period_days: 30,
            quota_rows: Some(10),
        }))
        .await;
    let agreement = id_of(&r, |e| match e {
        Event::AgreementProposed { agreement_id, .. } => Some(*agreement_id),
        _ => None,
    });
    run.ok(health_cdo.sign_agreement(agreement, digest)).await;
    let mut applicant = TxBuilder::for_key(&c, applicant_app).await.unwrap();
    run.ok(applicant.sign_agreement(agreement, digest)).await;
    assert!(matches!(
        c.agreement(agreement).await.unwrap().status,
        AgreementStatus::Active { .. }
    ));

    // Policy contracts: upload, approval by governance (in `approve_code`), instantiate,
    // bind, a decided request, upgrade.
    let code = common::policy_wasm("allow_list");
    run.kinds.insert("upload_contract_code");
    let hash = common::approve_code(&c, dir, "allow_list", &code).await;
    let mut health_cdo = TxBuilder::for_key(&c, key(dir, "health-cdo"))
        .await
        .unwrap();
    let r = run
        .ok(health_cdo.instantiate_contract(hash, "anyone", "requesters=*\npurposes=*"))
        .await;
    let instance = id_of(&r, |e| match e {
        Event::ContractInstantiated { instance_id, .. } => Some(*instance_id),
        _ => None,
    });
    run.ok(health_cdo.bind_policy_contract(entry, Some(instance)))
        .await;
    let mut civil_app = TxBuilder::for_key(&c, key(dir, "civil-app")).await.unwrap();
    let r = run
        .ok(civil_app.submit_share_request(entry, &["district"], "contract-decided", "art. 1", 10))
        .await;
    assert!(r
        .events
        .iter()
        .any(|e| matches!(e, Event::PolicyDecided { decision, .. } if decision == "grant")));
    run.ok(health_cdo.upgrade_contract(instance, hash, Some("requesters=*\npurposes=checks")))
        .await;
    let upgraded = c.contract_instance(instance).await.unwrap();
    assert_eq!((upgraded.version, upgraded.history.len()), (2, 2));
    assert_eq!(
        c.contract_codes(&ListQuery::limit(10))
            .await
            .unwrap()
            .items
            .len(),
        1
    );

    let all: BTreeSet<&str> = Payload::KINDS.iter().copied().collect();
    let missing: Vec<_> = all.difference(&run.kinds).collect();
    assert!(
        missing.is_empty(),
        "transaction types not exercised: {missing:?}"
    );
    assert_eq!(c.scorecard(&health).await.unwrap().requests_received, 4);
    assert!(!c
        .access_events(&ListQuery::limit(10))
        .await
        .unwrap()
        .items
        .is_empty());
}
