//! Runtime tests: each reads as a small story on an in-memory chain.

use std::collections::HashSet;

use kuai_types::genesis::{GenesisOrganization, GenesisSpec, GenesisValidator};
use kuai_types::identifiers::complete_credit_code;
use kuai_types::model::*;
use kuai_types::payload::*;
use kuai_types::{Hash, Keypair, Payload, Receipt, SignedTransaction, Transaction, TxOutcome};

use crate::execute::{execute_block, BlockContext};
use crate::state::{MemState, Overlay};
use crate::{genesis, keys, RuntimeError};

const CHAIN: &str = "kuai-test";
const DAY: u64 = 86_400_000;

pub(crate) fn code(n: u32) -> String {
    complete_credit_code(&format!("11110000MB{n:07}")).unwrap()
}

struct TestChain {
    state: MemState,
    root: Hash,
    height: u64,
    time: u64,
    nonces: std::collections::HashMap<[u8; 32], u64>,
}

struct Actors {
    operator: Keypair,
    health_cdo: Keypair,
    health_reviewer: Keypair,
    police_cdo: Keypair,
    police_app: Keypair,
    police_validator: Keypair,
}

fn actors() -> Actors {
    Actors {
        operator: Keypair::from_seed("operator"),
        health_cdo: Keypair::from_seed("health-cdo"),
        health_reviewer: Keypair::from_seed("health-reviewer"),
        police_cdo: Keypair::from_seed("police-cdo"),
        police_app: Keypair::from_seed("police-app"),
        police_validator: Keypair::from_seed("police-validator"),
    }
}

fn member(k: &Keypair, role: Role) -> Member {
    Member {
        key: k.public(),
        role,
    }
}

impl TestChain {
    fn new(a: &Actors) -> Self {
        let spec = GenesisSpec {
            chain_id: CHAIN.into(),
            genesis_time_ms: 1_700_000_000_000,
            validators: vec![GenesisValidator {
                key: a.police_validator.public(),
                operator: code(2),
            }],
            organizations: vec![
                GenesisOrganization {
                    credit_code: code(0),
                    name: "Platform operator".into(),
                    kind: OrgKind::PlatformOperator,
                    members: vec![member(&a.operator, Role::Cdo)],
                },
                GenesisOrganization {
                    credit_code: code(1),
                    name: "Health commission".into(),
                    kind: OrgKind::Department,
                    members: vec![
                        member(&a.health_cdo, Role::Cdo),
                        member(&a.health_reviewer, Role::Reviewer),
                    ],
                },
                GenesisOrganization {
                    credit_code: code(2),
                    name: "Public security bureau".into(),
                    kind: OrgKind::Department,
                    members: vec![
                        member(&a.police_cdo, Role::Cdo),
                        member(&a.police_app, Role::App),
                        member(&a.police_validator, Role::Validator),
                    ],
                },
            ],
        };
        let (diff, root) = genesis::build(&spec).unwrap();
        let mut state = MemState::default();
        state.apply(&diff);
        TestChain {
            state,
            root,
            height: 0,
            time: spec.genesis_time_ms,
            nonces: Default::default(),
        }
    }

    fn sign(&mut self, key: &Keypair, payload: Payload) -> SignedTransaction {
        let n = self.nonces.entry(key.public().0).or_insert(0);
        let stx = Transaction {
            chain_id: CHAIN.into(),
            signer: key.public(),
            nonce: *n,
            payload,
        }
        .sign(key);
        *n += 1;
        stx
    }

    fn block(&mut self, txs: &[SignedTransaction]) -> Vec<Receipt> {
        self.height += 1;
        self.time += 1000;
        let ctx = BlockContext {
            chain_id: CHAIN.into(),
            height: self.height,
            time_ms: self.time,
            proposer: Keypair::from_seed("police-validator").public(),
        };
        let out = execute_block(&self.state, &self.root, &ctx, txs, &HashSet::new()).unwrap();
        self.state.apply(&out.diff);
        self.root = out.state_root;
        out.receipts
    }

    fn run(&mut self, key: &Keypair, payload: Payload) -> Receipt {
        let stx = self.sign(key, payload);
        self.block(&[stx]).remove(0)
    }

    fn read<T: serde::de::DeserializeOwned>(&self, key: &[u8]) -> T {
        Overlay::new(&self.state).read(key).unwrap().unwrap()
    }
}

fn rejected(r: &Receipt) -> (&str, &str) {
    match &r.outcome {
        TxOutcome::Rejected { code, reason } => (code.as_str(), reason.as_str()),
        TxOutcome::Success => panic!("expected a rejection, got success: {r:?}"),
    }
}

fn ok(r: &Receipt) {
    assert_eq!(r.outcome, TxOutcome::Success, "{r:?}");
}

fn entry_spec(share_type: ShareType) -> CatalogEntrySpec {
    CatalogEntrySpec {
        name: "Birth registrations".into(),
        classification: "population/births".into(),
        security_grade: 2,
        format: "csv".into(),
        fields: vec![
            FieldSpec {
                name: "id_number".into(),
                sensitivity: Sensitivity::Sensitive,
                masking: MaskingRule::IdNumber,
            },
            FieldSpec {
                name: "name".into(),
                sensitivity: Sensitivity::Sensitive,
                masking: MaskingRule::Name,
            },
            FieldSpec {
                name: "district".into(),
                sensitivity: Sensitivity::Public,
                masking: MaskingRule::None,
            },
        ],
        update_frequency: "daily".into(),
        share_type,
        legal_basis: (share_type == ShareType::NotShareable)
            .then(|| "Statistics Law art. 9".into()),
        share_methods: vec![ShareMethod::Api],
        open_mode: OpenMode::OnApplication,
        usage_requirements: "Only for the stated purpose".into(),
    }
}

fn request(entry_id: u64, fields: &[&str]) -> Payload {
    Payload::SubmitShareRequest(SubmitShareRequest {
        entry_id,
        fields: fields.iter().map(|s| s.to_string()).collect(),
        purpose: "household registration check".into(),
        legal_basis: "Resident ID Card Law art. 15".into(),
        period_days: 30,
    })
}

/// Health publishes a conditional entry (id 1); police requests it (request 1).
fn with_pending_request(a: &Actors) -> TestChain {
    let mut c = TestChain::new(a);
    ok(&c.run(
        &a.health_cdo,
        Payload::RegisterCatalogEntry(RegisterCatalogEntry {
            spec: entry_spec(ShareType::Conditional),
        }),
    ));
    ok(&c.run(&a.police_app, request(1, &["name", "district"])));
    c
}

fn access(grant_id: u64, accessor: &Keypair, fields: &[&str], rows: u64) -> Payload {
    Payload::RecordAccess(RecordAccess {
        grant_id,
        accessor: accessor.public(),
        fields: fields.iter().map(|s| s.to_string()).collect(),
        rows,
        query_digest: Hash::tagged(b"q", &[b"select"]),
        purpose: "household registration check".into(),
    })
}

#[test]
fn the_whole_flow_from_entry_to_access() {
    let a = actors();
    let mut c = with_pending_request(&a);
    let req: ShareRequest = c.read(&keys::share_request(1));
    assert_eq!(req.status, RequestStatus::Pending);
    ok(&c.run(
        &a.health_reviewer,
        Payload::ApproveShareRequest(ApproveShareRequest {
            request_id: 1,
            quota_rows: Some(100),
        }),
    ));
    let req: ShareRequest = c.read(&keys::share_request(1));
    assert_eq!(req.status, RequestStatus::Granted { grant_id: 1 });
    let grant: Grant = c.read(&keys::grant(1));
    assert_eq!(grant.grantee, code(2));
    assert_eq!(grant.expires_at, c.time + 30 * DAY);
    ok(&c.run(&a.health_cdo, access(1, &a.police_app, &["name"], 60)));
    let ev: AccessEvent = c.read(&keys::access_event(1));
    assert_eq!((ev.rows, ev.accessor_org.as_str()), (60, code(2).as_str()));
    let grant: Grant = c.read(&keys::grant(1));
    assert_eq!(grant.rows_used, 60);
}

#[test]
fn unconditional_entries_are_granted_at_once() {
    let a = actors();
    let mut c = TestChain::new(&a);
    ok(&c.run(
        &a.health_cdo,
        Payload::RegisterCatalogEntry(RegisterCatalogEntry {
            spec: entry_spec(ShareType::Unconditional),
        }),
    ));
    let r = c.run(&a.police_app, request(1, &["district"]));
    ok(&r);
    assert_eq!(r.events.len(), 2);
    let req: ShareRequest = c.read(&keys::share_request(1));
    assert_eq!(req.status, RequestStatus::Granted { grant_id: 1 });
}

#[test]
fn a_transaction_for_another_chain_is_rejected_and_consumes_nothing() {
    let a = actors();
    let mut c = TestChain::new(&a);
    let stx = Transaction {
        chain_id: "other-chain".into(),
        signer: a.police_app.public(),
        nonce: 0,
        payload: request(1, &["x"]),
    }
    .sign(&a.police_app);
    let r = c.block(&[stx]).remove(0);
    let (code, reason) = rejected(&r);
    assert_eq!(code, "wrong_chain");
    assert!(reason.contains("other-chain"), "{reason}");
    assert!(!c.state.0.contains_key(&keys::nonce(&a.police_app.public())));
}

#[test]
fn a_replayed_transaction_is_rejected() {
    let a = actors();
    let mut c = TestChain::new(&a);
    let stx = c.sign(
        &a.health_cdo,
        Payload::RegisterCatalogEntry(RegisterCatalogEntry {
            spec: entry_spec(ShareType::Conditional),
        }),
    );
    ok(&c.block(std::slice::from_ref(&stx))[0]);
    let r = c.block(&[stx]).remove(0);
    assert_eq!(rejected(&r).0, "nonce_replayed");
    let next: u64 = c.read(&keys::nonce(&a.health_cdo.public()));
    assert_eq!(next, 1);
}

#[test]
fn a_nonce_gap_and_a_bad_signature_are_rejected() {
    let a = actors();
    let mut c = TestChain::new(&a);
    c.nonces.insert(a.police_app.public().0, 5);
    let gap = c.sign(&a.police_app, request(1, &["x"]));
    assert_eq!(rejected(&c.block(&[gap])[0]).0, "nonce_gap");
    let mut forged = Transaction {
        chain_id: CHAIN.into(),
        signer: a.police_app.public(),
        nonce: 0,
        payload: request(1, &["x"]),
    }
    .sign(&a.police_cdo);
    forged.tx.nonce = 0;
    assert_eq!(rejected(&c.block(&[forged])[0]).0, "bad_signature");
}

#[test]
fn a_rejected_transaction_consumes_its_nonce_but_changes_nothing_else() {
    let a = actors();
    let mut c = TestChain::new(&a);
    let before = c.state.0.len();
    let r = c.run(&a.police_app, request(42, &["x"]));
    assert_eq!(rejected(&r).0, "unknown_entry");
    assert_eq!(c.state.0.len(), before + 1, "only the nonce key is new");
}

#[test]
fn register_organization_rules() {
    let a = actors();
    let mut c = TestChain::new(&a);
    let newcomer = Keypair::from_seed("civil-cdo");
    let reg = |cc: String, k: &Keypair| {
        Payload::RegisterOrganization(RegisterOrganization {
            credit_code: cc,
            name: "Civil affairs bureau".into(),
            kind: OrgKind::Department,
            members: vec![member(k, Role::Cdo)],
        })
    };
    assert_eq!(
        rejected(&c.run(&a.health_cdo, reg(code(3), &newcomer))).0,
        "wrong_organization"
    );
    let mut bad = code(3);
    bad.replace_range(17..18, if bad.ends_with('0') { "1" } else { "0" });
    let r = c.run(&a.operator, reg(bad, &newcomer));
    assert_eq!(rejected(&r).0, "invalid_identifier");
    assert!(rejected(&r).1.contains("check character"));
    assert_eq!(
        rejected(&c.run(&a.operator, reg(code(1), &newcomer))).0,
        "organization_exists"
    );
    assert_eq!(
        rejected(&c.run(&a.operator, reg(code(3), &a.health_cdo))).0,
        "key_already_member"
    );
    ok(&c.run(&a.operator, reg(code(3), &newcomer)));
    let org: Organization = c.read(&keys::organization(&code(3)));
    assert_eq!(org.role_of(&newcomer.public()), Some(Role::Cdo));
    let stranger = Keypair::from_seed("stranger");
    assert_eq!(
        rejected(&c.run(&stranger, reg(code(4), &stranger))).0,
        "unknown_signer"
    );
}

#[test]
fn catalog_entry_rules() {
    let a = actors();
    let mut c = TestChain::new(&a);
    let publish = |spec| Payload::RegisterCatalogEntry(RegisterCatalogEntry { spec });
    assert_eq!(
        rejected(&c.run(&a.police_app, publish(entry_spec(ShareType::Conditional)))).0,
        "not_authorized"
    );
    let mut s = entry_spec(ShareType::NotShareable);
    s.legal_basis = None;
    let r = c.run(&a.health_cdo, publish(s));
    assert_eq!(
        rejected(&r),
        (
            "invalid_field",
            "legal_basis: required when the entry is not shareable or not open"
        )
    );
    let mut s = entry_spec(ShareType::Conditional);
    s.security_grade = 9;
    assert_eq!(
        rejected(&c.run(&a.health_cdo, publish(s))).0,
        "invalid_field"
    );
    let mut s = entry_spec(ShareType::Conditional);
    s.fields.push(s.fields[0].clone());
    assert!(rejected(&c.run(&a.health_cdo, publish(s)))
        .1
        .contains("appears twice"));
    let mut s = entry_spec(ShareType::Conditional);
    s.share_methods.clear();
    assert_eq!(
        rejected(&c.run(&a.health_cdo, publish(s))).0,
        "invalid_field"
    );
    ok(&c.run(
        &a.health_reviewer,
        publish(entry_spec(ShareType::Conditional)),
    ));
}

#[test]
fn share_request_rules() {
    let a = actors();
    let mut c = TestChain::new(&a);
    ok(&c.run(
        &a.health_cdo,
        Payload::RegisterCatalogEntry(RegisterCatalogEntry {
            spec: entry_spec(ShareType::NotShareable),
        }),
    ));
    ok(&c.run(
        &a.health_cdo,
        Payload::RegisterCatalogEntry(RegisterCatalogEntry {
            spec: entry_spec(ShareType::Conditional),
        }),
    ));
    let r = c.run(&a.police_app, request(1, &["name"]));
    assert_eq!(rejected(&r).0, "entry_not_shareable");
    assert!(rejected(&r).1.contains("Statistics Law"));
    assert_eq!(
        rejected(&c.run(&a.police_app, request(9, &["name"]))).0,
        "unknown_entry"
    );
    assert_eq!(
        rejected(&c.run(&a.police_app, request(2, &["salary"]))).0,
        "field_not_in_entry"
    );
    assert_eq!(
        rejected(&c.run(&a.health_reviewer, request(2, &["name"]))).0,
        "own_entry"
    );
    assert_eq!(
        rejected(&c.run(&a.police_validator, request(2, &["name"]))).0,
        "not_authorized"
    );
    let mut p = request(2, &["name"]);
    if let Payload::SubmitShareRequest(s) = &mut p {
        s.purpose = "  ".into();
    }
    assert_eq!(
        rejected(&c.run(&a.police_app, p)).1,
        "purpose: must not be empty"
    );
    let mut p = request(2, &["name"]);
    if let Payload::SubmitShareRequest(s) = &mut p {
        s.period_days = 0;
    }
    assert_eq!(rejected(&c.run(&a.police_app, p)).0, "invalid_field");
}

#[test]
fn only_the_provider_answers_and_only_once() {
    let a = actors();
    let mut c = with_pending_request(&a);
    let approve = Payload::ApproveShareRequest(ApproveShareRequest {
        request_id: 1,
        quota_rows: None,
    });
    assert_eq!(
        rejected(&c.run(&a.police_cdo, approve.clone())).0,
        "wrong_organization"
    );
    let reject_no_reason = Payload::RejectShareRequest(RejectShareRequest {
        request_id: 1,
        reason: "".into(),
    });
    assert_eq!(
        rejected(&c.run(&a.health_cdo, reject_no_reason)).1,
        "reason: must not be empty"
    );
    let unknown = Payload::ApproveShareRequest(ApproveShareRequest {
        request_id: 7,
        quota_rows: None,
    });
    assert_eq!(
        rejected(&c.run(&a.health_cdo, unknown)).0,
        "unknown_request"
    );
    let reject = Payload::RejectShareRequest(RejectShareRequest {
        request_id: 1,
        reason: "purpose not covered by law".into(),
    });
    ok(&c.run(&a.health_cdo, reject));
    let req: ShareRequest = c.read(&keys::share_request(1));
    assert_eq!(
        req.status,
        RequestStatus::Rejected {
            reason: "purpose not covered by law".into()
        }
    );
    let r = c.run(&a.health_cdo, approve);
    assert_eq!(
        rejected(&r),
        (
            "request_not_pending",
            "share request 1 is rejected, not pending"
        )
    );
}

#[test]
fn access_rules() {
    let a = actors();
    let mut c = with_pending_request(&a);
    ok(&c.run(
        &a.health_cdo,
        Payload::ApproveShareRequest(ApproveShareRequest {
            request_id: 1,
            quota_rows: Some(10),
        }),
    ));
    assert_eq!(
        rejected(&c.run(&a.health_cdo, access(5, &a.police_app, &["name"], 1))).0,
        "unknown_grant"
    );
    assert_eq!(
        rejected(&c.run(&a.health_cdo, access(1, &a.police_app, &["id_number"], 1))).0,
        "field_outside_grant"
    );
    assert_eq!(
        rejected(&c.run(&a.health_cdo, access(1, &a.health_cdo, &["name"], 1))).0,
        "wrong_organization"
    );
    let mut p = access(1, &a.police_app, &["name"], 1);
    if let Payload::RecordAccess(r) = &mut p {
        r.purpose = "marketing".into();
    }
    assert_eq!(rejected(&c.run(&a.health_cdo, p)).0, "purpose_mismatch");
    ok(&c.run(&a.police_app, access(1, &a.police_app, &["name"], 8)));
    let r = c.run(&a.health_cdo, access(1, &a.police_app, &["name"], 3));
    assert_eq!(
        rejected(&r),
        (
            "quota_exceeded",
            "grant 1 allows 10 rows, 8 used; 3 more exceed it"
        )
    );
    ok(&c.run(&a.health_cdo, access(1, &a.police_app, &["name"], 2)));
    c.time += 31 * DAY;
    assert_eq!(
        rejected(&c.run(&a.health_cdo, access(1, &a.police_app, &["name"], 0))).0,
        "grant_expired"
    );
}

#[test]
fn execution_is_deterministic_and_roots_chain() {
    let a = actors();
    let run = || {
        let mut c = with_pending_request(&a);
        c.run(
            &a.health_cdo,
            Payload::ApproveShareRequest(ApproveShareRequest {
                request_id: 1,
                quota_rows: None,
            }),
        );
        c.root
    };
    let (r1, r2) = (run(), run());
    assert_eq!(r1, r2);
    let mut c = with_pending_request(&a);
    let before = c.root;
    c.block(&[]);
    assert_ne!(
        c.root, before,
        "every block moves the root, even an empty one"
    );
}

#[test]
fn corrupt_state_aborts_the_block() {
    let a = actors();
    let mut c = TestChain::new(&a);
    c.state
        .0
        .insert(keys::nonce(&a.police_app.public()), vec![1, 2, 3]);
    let stx = c.sign(&a.police_app, request(1, &["x"]));
    let ctx = BlockContext {
        chain_id: CHAIN.into(),
        height: 1,
        time_ms: c.time + 1,
        proposer: a.police_validator.public(),
    };
    let err = execute_block(&c.state, &c.root, &ctx, &[stx], &HashSet::new()).unwrap_err();
    assert!(matches!(err, RuntimeError::CorruptState { .. }));
}

#[test]
fn genesis_rejects_bad_specs() {
    let a = actors();
    let good = TestChain::new(&a);
    assert_ne!(good.root, Hash::ZERO);
    let spec = GenesisSpec {
        chain_id: CHAIN.into(),
        genesis_time_ms: 0,
        validators: vec![GenesisValidator {
            key: a.operator.public(),
            operator: code(9),
        }],
        organizations: vec![GenesisOrganization {
            credit_code: code(0),
            name: "op".into(),
            kind: OrgKind::PlatformOperator,
            members: vec![member(&a.operator, Role::Cdo)],
        }],
    };
    assert!(genesis::build(&spec)
        .unwrap_err()
        .to_string()
        .contains("unknown organization"));
    let mut dup = spec.clone();
    dup.validators[0].operator = code(0);
    dup.organizations.push(dup.organizations[0].clone());
    assert!(matches!(
        genesis::build(&dup),
        Err(RuntimeError::OrganizationExists(_))
    ));
    dup.organizations[1].credit_code = code(5);
    assert!(matches!(
        genesis::build(&dup),
        Err(RuntimeError::KeyAlreadyMember { .. })
    ));
}
