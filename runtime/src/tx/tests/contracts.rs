//! Policy contracts through the ledger: upload, governance approval, instantiation,
//! binding, decisions on share requests, failures, upgrade. The contracts here are
//! small WebAssembly text modules that answer a fixed decision, so each story controls
//! exactly what the contract says; the real policies are tested in `contracts/` and
//! end to end on a node.

use kuai_contract_abi::{encode, Decision, GrantTerms, InitOutcome};

use super::*;

/// `bytes` as a WAT data string.
fn data(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("\\{b:02x}")).collect()
}

/// A contract whose `kuai_init` answers `init` and whose `kuai_decide` runs `before`
/// then answers `decision`.
fn fixed(init: &InitOutcome, decision: &Decision, before: &str) -> Vec<u8> {
    let (i, d) = (encode(init), encode(decision));
    wat::parse_str(format!(
        r#"(module
            (memory (export "memory") 1)
            (data (i32.const 512) "{}")
            (data (i32.const 4096) "{}")
            (func (export "kuai_alloc") (param i32) (result i32) (i32.const 16384))
            (func (export "kuai_init") (param i32 i32) (result i64)
                (i64.or (i64.shl (i64.const 512) (i64.const 32)) (i64.const {})))
            (func (export "kuai_decide") (param i32 i32) (result i64)
                {before}
                (i64.or (i64.shl (i64.const 4096) (i64.const 32)) (i64.const {}))))"#,
        data(&i),
        data(&d),
        i.len(),
        d.len()
    ))
    .unwrap()
}

fn grant_all() -> Decision {
    Decision::Grant(GrantTerms {
        fields: vec![],
        raw_fields: vec![],
        period_days: 0,
        quota_rows: Some(500),
        quota_calls: None,
    })
}

fn upload(code: Vec<u8>) -> Payload {
    Payload::UploadContractCode(UploadContractCode {
        name: "test policy".into(),
        code,
    })
}

fn instantiate(code: &[u8], params: &str) -> Payload {
    Payload::InstantiateContract(InstantiateContract {
        code_hash: Hash::sha256(code),
        label: "births policy".into(),
        params: params.into(),
    })
}

fn bind(entry_id: u64, instance_id: Option<u64>) -> Payload {
    Payload::BindPolicyContract(BindPolicyContract {
        entry_id,
        instance_id,
    })
}

/// Uploads `code` and passes its approval through governance (3 of 4 governing CDOs).
fn approved(c: &mut TestChain, code: &[u8]) {
    c.ok("health-cdo", upload(code.to_vec()));
    let proposal = Payload::SubmitProposal(SubmitProposal {
        action: ProposalAction::ApproveContractCode {
            code_hash: Hash::sha256(code),
        },
        deadline: c.time + 7 * DAY_MS,
    });
    let events = c.ok("health-cdo", proposal);
    let Some(Event::ProposalSubmitted { proposal_id, .. }) = events.first() else {
        panic!("no proposal event in {events:?}")
    };
    let id = *proposal_id;
    for cdo in ["police-cdo", "civil-cdo"] {
        c.ok(
            cdo,
            Payload::VoteProposal(VoteProposal {
                proposal_id: id,
                approve: true,
            }),
        );
    }
}

/// A conditional entry (1) of health with `decision`'s contract bound as instance 1.
fn bound(decision: &Decision, before: &str) -> TestChain {
    let mut c = TestChain::new();
    c.ok(
        "health-cdo",
        publish(spec(ShareType::Conditional, OpenMode::OnApplication)),
    );
    let code = fixed(&InitOutcome::Ok, decision, before);
    approved(&mut c, &code);
    c.ok("health-cdo", instantiate(&code, "k=v"));
    c.ok("health-cdo", bind(1, Some(1)));
    c
}

fn policy_event(events: &[Event]) -> Event {
    events
        .iter()
        .find(|e| matches!(e, Event::PolicyDecided { .. } | Event::PolicyFailed { .. }))
        .cloned()
        .unwrap_or_else(|| panic!("no policy event in {events:?}"))
}

#[test]
fn code_needs_a_cdo_and_governance_before_it_runs() {
    let mut c = TestChain::new();
    let code = fixed(&InitOutcome::Ok, &grant_all(), "");
    assert_eq!(
        c.rejected("health-app", upload(code.clone())).0,
        "not_authorized"
    );
    assert_eq!(
        c.rejected("auditor", upload(code.clone())).0,
        "wrong_organization",
        "an auditor's CDO does not upload code"
    );
    let (c_code, reason) = c.rejected("health-cdo", upload(b"\0asm\x01\0\0\0 junk".to_vec()));
    assert_eq!(c_code, "contract_code_refused", "{reason}");
    let events = c.ok("health-cdo", upload(code.clone()));
    assert!(
        matches!(&events[0], Event::ContractCodeUploaded { code_hash, .. } if *code_hash == Hash::sha256(&code))
    );
    assert_eq!(
        c.rejected("police-cdo", upload(code.clone())).0,
        "contract_code_exists"
    );
    assert_eq!(
        c.rejected("health-cdo", instantiate(&code, "")).0,
        "contract_code_not_approved"
    );
    assert_eq!(
        c.rejected("health-cdo", instantiate(b"other", "")).0,
        "unknown_contract_code"
    );
    // Approval by governance; the stored record names the proposal.
    let proposal = Payload::SubmitProposal(SubmitProposal {
        action: ProposalAction::ApproveContractCode {
            code_hash: Hash::sha256(&code),
        },
        deadline: c.time + 7 * DAY_MS,
    });
    c.ok("health-cdo", proposal);
    for cdo in ["police-cdo", "civil-cdo"] {
        c.ok(
            cdo,
            Payload::VoteProposal(VoteProposal {
                proposal_id: 1,
                approve: true,
            }),
        );
    }
    let stored: ContractCode = c.read(&keys::contract_code(&Hash::sha256(&code)));
    assert_eq!(stored.approved_by_proposal, Some(1));
    let events = c.ok("health-cdo", instantiate(&code, "k=v"));
    let health = super::code(1);
    assert!(
        matches!(&events[0], Event::ContractInstantiated { instance_id: 1, owner, .. } if *owner == health)
    );
}

#[test]
fn init_refusing_its_parameters_refuses_the_instance() {
    let mut c = TestChain::new();
    let refusing = fixed(
        &InitOutcome::InvalidParams {
            reason: "requesters= is required".into(),
        },
        &grant_all(),
        "",
    );
    approved(&mut c, &refusing);
    let (code, reason) = c.rejected("health-cdo", instantiate(&refusing, ""));
    assert_eq!(code, "contract_params_refused");
    assert!(reason.contains("requesters= is required"), "{reason}");
    assert!(c
        .try_read::<ContractInstance>(&keys::contract_instance(1))
        .is_none());
}

#[test]
fn only_the_provider_binds_its_own_instance() {
    let mut c = bound(&grant_all(), "");
    // Police's own instance cannot decide for health's entry.
    let code = fixed(&InitOutcome::Ok, &Decision::Defer { note: "x".into() }, "");
    approved(&mut c, &code);
    c.ok("police-cdo", instantiate(&code, ""));
    assert_eq!(
        c.rejected("health-cdo", bind(1, Some(2))).0,
        "wrong_organization"
    );
    assert_eq!(
        c.rejected("police-cdo", bind(1, Some(2))).0,
        "wrong_organization"
    );
    assert_eq!(
        c.rejected("health-reviewer", bind(1, None)).0,
        "not_authorized"
    );
    assert_eq!(
        c.rejected("health-cdo", bind(1, Some(9))).0,
        "unknown_contract_instance"
    );
    let inst: ContractInstance = c.read(&keys::contract_instance(1));
    assert_eq!(inst.entries, vec![1]);
    c.ok("health-cdo", bind(1, None));
    let inst: ContractInstance = c.read(&keys::contract_instance(1));
    assert!(inst.entries.is_empty());
    // Unbound: the request waits for the officers.
    c.ok("police-app", request(1, &["name"]));
    assert_eq!(c.request(1).status, RequestStatus::Pending);
}

#[test]
fn a_contract_grant_is_issued_at_once_with_its_terms() {
    let decision = Decision::Grant(GrantTerms {
        fields: vec!["name".into()],
        raw_fields: vec![],
        period_days: 7,
        quota_rows: Some(500),
        quota_calls: Some(20),
    });
    let mut c = bound(&decision, "");
    let events = c.ok("police-app", request(1, &["name", "district"]));
    let Event::PolicyDecided {
        decision,
        fuel_used,
        ..
    } = policy_event(&events)
    else {
        panic!("expected a decision")
    };
    assert_eq!(decision, "grant");
    assert!(fuel_used > 0);
    let r = c.request(1);
    assert_eq!(r.status, RequestStatus::Granted { grant_id: 1 });
    assert_eq!(r.decided_by_contract, Some(1));
    let g = c.grant(1);
    assert_eq!(
        g.fields,
        vec!["name".to_string()],
        "narrowed by the contract"
    );
    assert_eq!(g.expires_at, c.time + 7 * DAY_MS);
    assert_eq!((g.quota_rows, g.quota_calls), (Some(500), Some(20)));
    assert_eq!(c.scorecard(1).requests_answered_on_time, 1);
}

#[test]
fn a_contract_rejection_carries_its_reason() {
    let mut c = bound(
        &Decision::Reject {
            reason: "police is not on the allow-list".into(),
        },
        "",
    );
    c.ok("police-app", request(1, &["name"]));
    assert_eq!(
        c.request(1).status,
        RequestStatus::Rejected {
            reason: "policy contract 1: police is not on the allow-list".into()
        }
    );
}

#[test]
fn a_deferral_leaves_the_request_to_the_officers() {
    let mut c = bound(
        &Decision::Defer {
            note: "outside hours".into(),
        },
        "",
    );
    c.ok("police-app", request(1, &["name"]));
    assert_eq!(c.request(1).status, RequestStatus::Pending);
    c.ok("health-reviewer", approve(1, None));
    assert_eq!(c.request(1).status, RequestStatus::Granted { grant_id: 1 });
    assert_eq!(c.request(1).decided_by_contract, None);
}

#[test]
fn a_failing_contract_defers_with_the_same_error_and_fuel_everywhere() {
    // An infinite loop before answering.
    let mut a = bound(&grant_all(), "(loop $l (br $l))");
    let mut b = bound(&grant_all(), "(loop $l (br $l))");
    let ea = policy_event(&a.ok("police-app", request(1, &["name"])));
    let eb = policy_event(&b.ok("police-app", request(1, &["name"])));
    assert_eq!(ea, eb, "two chains, same failure and fuel");
    let Event::PolicyFailed {
        error, fuel_used, ..
    } = ea
    else {
        panic!("expected a failure, got {ea:?}")
    };
    assert!(error.contains("out of fuel"), "{error}");
    assert_eq!(fuel_used, crate::contracts::limits::FUEL_PER_CALL);
    assert_eq!(a.request(1).status, RequestStatus::Pending);
}

#[test]
fn a_contract_cannot_grant_more_than_was_asked() {
    let wider = [
        (
            GrantTerms {
                fields: vec!["id_number".into()],
                raw_fields: vec![],
                period_days: 0,
                quota_rows: None,
                quota_calls: None,
            },
            "not requested",
        ),
        (
            GrantTerms {
                fields: vec![],
                raw_fields: vec!["name".into()],
                period_days: 0,
                quota_rows: None,
                quota_calls: None,
            },
            "not asked for raw",
        ),
        (
            GrantTerms {
                fields: vec![],
                raw_fields: vec![],
                period_days: 31,
                quota_rows: None,
                quota_calls: None,
            },
            "more than the 30 requested",
        ),
    ];
    for (terms, why) in wider {
        let mut c = bound(&Decision::Grant(terms), "");
        let event = policy_event(&c.ok("police-app", request(1, &["name"])));
        assert!(
            matches!(&event, Event::PolicyFailed { error, .. } if error.contains(why)),
            "{why}: {event:?}"
        );
        assert_eq!(c.request(1).status, RequestStatus::Pending);
    }
}

#[test]
fn raw_fields_are_granted_unmasked_only_when_decided() {
    let decision = Decision::Grant(GrantTerms {
        fields: vec![],
        raw_fields: vec!["name".into()],
        period_days: 0,
        quota_rows: None,
        quota_calls: None,
    });
    let mut c = bound(&decision, "");
    let mut p = match request(1, &["name", "district"]) {
        Payload::SubmitShareRequest(p) => p,
        _ => unreachable!(),
    };
    p.raw_fields = vec!["district".into(), "id_number".into()];
    assert_eq!(
        c.rejected("police-app", Payload::SubmitShareRequest(p.clone()))
            .0,
        "invalid_field",
        "raw fields must be among the fields"
    );
    p.raw_fields = vec!["name".into()];
    c.ok("police-app", Payload::SubmitShareRequest(p));
    let g = c.grant(1);
    assert_eq!(
        g.masking,
        vec![
            FieldMasking {
                field: "name".into(),
                rule: MaskingRule::None
            },
            FieldMasking {
                field: "district".into(),
                rule: MaskingRule::None
            }
        ]
    );
    // An unconditional entry does not grant raw fields at once.
    c.ok(
        "health-cdo",
        publish(spec(ShareType::Unconditional, OpenMode::Open)),
    );
    let mut p = match request(2, &["name"]) {
        Payload::SubmitShareRequest(p) => p,
        _ => unreachable!(),
    };
    p.raw_fields = vec!["name".into()];
    c.ok("police-app", Payload::SubmitShareRequest(p));
    assert_eq!(c.request(2).status, RequestStatus::Pending);
}

#[test]
fn an_upgrade_keeps_the_history() {
    let mut c = bound(&Decision::Defer { note: "v1".into() }, "");
    let v2 = fixed(&InitOutcome::Ok, &grant_all(), "");
    approved(&mut c, &v2);
    let upgrade = |params: Option<&str>| {
        Payload::UpgradeContract(UpgradeContract {
            instance_id: 1,
            code_hash: Hash::sha256(&v2),
            params: params.map(String::from),
        })
    };
    assert_eq!(
        c.rejected("police-cdo", upgrade(None)).0,
        "wrong_organization"
    );
    c.ok("health-cdo", upgrade(Some("k=v2")));
    let inst: ContractInstance = c.read(&keys::contract_instance(1));
    assert_eq!((inst.version, inst.params.as_str()), (2, "k=v2"));
    assert_eq!(inst.history.len(), 2);
    assert_eq!(inst.history[0].params, "k=v");
    assert_eq!(inst.history[1].code_hash, Hash::sha256(&v2));
    c.ok("police-app", request(1, &["name"]));
    assert_eq!(c.request(1).status, RequestStatus::Granted { grant_id: 1 });
}

/// Produces the contract rejection codes, for the coverage test in `rejections`.
pub(super) fn contract_stories(c: &mut TestChain) {
    let code = fixed(&InitOutcome::Ok, &grant_all(), "");
    c.rejected("health-cdo", upload(vec![1, 2, 3]));
    c.rejected("health-cdo", instantiate(b"nothing", ""));
    c.ok("health-cdo", upload(code.clone()));
    c.rejected("health-cdo", upload(code.clone()));
    c.rejected("health-cdo", instantiate(&code, ""));
    c.rejected("health-cdo", bind(1, Some(77)));
    let refusing = fixed(
        &InitOutcome::InvalidParams {
            reason: "no".into(),
        },
        &grant_all(),
        "",
    );
    approved(c, &refusing);
    c.rejected("health-cdo", instantiate(&refusing, ""));
}
