//! Every rejection reason the runtime can give is produced by some story, with its
//! reason in the receipt. The stories live in the other test modules; this one runs the
//! rest and checks the whole list is covered.

use super::*;
use crate::RuntimeError;

fn stories(c: &mut TestChain) {
    // Envelope checks.
    let wrong_chain = Transaction {
        chain_id: "other".into(),
        signer: key("police-app").public(),
        nonce: 0,
        payload: request(1, &["x"]),
    }
    .sign(&key("police-app"));
    c.block(&[wrong_chain]);
    let forged = Transaction {
        chain_id: CHAIN.into(),
        signer: key("police-app").public(),
        nonce: 0,
        payload: request(1, &["x"]),
    }
    .sign(&key("police-cdo"));
    c.block(&[forged]);
    let stx = c.sign(
        &key("civil-cdo"),
        Payload::SetApprovalThreshold(SetApprovalThreshold { threshold: 1 }),
    );
    c.block(std::slice::from_ref(&stx));
    c.block(&[stx]);
    c.set_nonce(&key("civil-app"), 9);
    c.run(&key("civil-app"), request(1, &["x"]));
    c.set_nonce(&key("civil-app"), 0);
    // Requests, grants and access.
    c.ok(
        "health-cdo",
        publish(spec(ShareType::NotShareable, OpenMode::NotOpen)),
    );
    c.ok(
        "health-cdo",
        publish(spec(ShareType::Conditional, OpenMode::NotOpen)),
    );
    c.rejected("civil-app", request(1, &["name"]));
    c.rejected("civil-app", request(2, &["salary"]));
    c.rejected("health-app", request(2, &["name"]));
    c.rejected("civil-app", request(99, &["name"]));
    c.rejected("health-cdo", approve(42, None));
    c.ok("civil-app", request(2, &["name"]));
    c.ok("health-cdo", approve(1, Some(3)));
    c.rejected("health-cdo", access(7, "civil-app", &["name"], 1));
    c.rejected("health-cdo", access(1, "civil-app", &["name"], 4));
    c.rejected("health-cdo", access(1, "civil-app", &["district"], 1));
    let mut p = access(1, "civil-app", &["name"], 1);
    if let Payload::RecordAccess(r) = &mut p {
        r.purpose = "marketing".into();
    }
    c.rejected("health-cdo", p);
    c.rejected(
        "health-cdo",
        Payload::AnswerObjection(AnswerObjection {
            objection_id: 3,
            corrected: true,
            note: "x".into(),
        }),
    );
    c.rejected(
        "health-cdo",
        Payload::SignAgreement(SignAgreement {
            agreement_id: 3,
            digest: Hash::ZERO,
        }),
    );
    c.rejected(
        "health-cdo",
        Payload::VoteProposal(VoteProposal {
            proposal_id: 3,
            approve: true,
        }),
    );
    c.rejected(
        "health-reviewer",
        Payload::ReviewCatalogEntry(ReviewCatalogEntry {
            entry_id: 2,
            version: 5,
            approve: true,
            note: String::new(),
        }),
    );
    let dup = Payload::AddMember(AddMember {
        member: member(&key("police-cdo"), Role::App),
    });
    c.rejected("civil-cdo", dup);
    c.rejected(
        "civil-cdo",
        Payload::RemoveMember(RemoveMember {
            key: key("civil-cdo").public(),
        }),
    );
}

/// The remaining reasons: authorization, identity, openness, answers, votes.
fn more_stories(c: &mut TestChain) {
    let stranger = Payload::SetApprovalThreshold(SetApprovalThreshold { threshold: 1 });
    c.rejected("stranger", stranger);
    c.rejected(
        "police-app",
        Payload::SetApprovalThreshold(SetApprovalThreshold { threshold: 1 }),
    );
    c.rejected(
        "police-cdo",
        Payload::ReviewCatalogEntry(ReviewCatalogEntry {
            entry_id: 2,
            version: 1,
            approve: true,
            note: String::new(),
        }),
    );
    let reg = |cc: String, kind| {
        Payload::RegisterOrganization(RegisterOrganization {
            credit_code: cc,
            name: "X".into(),
            kind,
            members: vec![member(&key("x-cdo"), Role::Cdo)],
        })
    };
    c.rejected("operator", reg(code(5), OrgKind::Auditor));
    c.rejected(
        "operator",
        reg("91330100799655058A".into(), OrgKind::ExternalApplicant),
    );
    c.rejected("operator", reg(code(1), OrgKind::ExternalApplicant));
    c.rejected(
        "civil-cdo",
        Payload::RemoveMember(RemoveMember {
            key: key("health-app").public(),
        }),
    );
    c.rejected(
        "civil-cdo",
        Payload::SetApprovalThreshold(SetApprovalThreshold { threshold: 0 }),
    );
    let mut coded = spec(ShareType::Conditional, OpenMode::Open);
    coded.fields[0].element_code = Some("DE-9".into());
    coded.approval_threshold = Some(2);
    c.ok("health-cdo", publish(coded.clone()));
    c.rejected("police-cdo", publish(coded));
    register_applicant(c);
    c.rejected("applicant-app", request(2, &["name"]));
    c.rejected("health-cdo", approve(2, None));
    c.ok("civil-app", request(3, &["name"]));
    c.ok("health-reviewer", approve(2, None));
    c.rejected("health-reviewer", approve(2, None));
    c.ok("health-cdo", approve(2, None));
    c.rejected("health-reviewer-2", approve(2, None));
    let g = c.grant(2);
    c.advance_to(g.expires_at);
    c.rejected("health-cdo", access(2, "civil-app", &["name"], 1));
    c.ok("civil-app", request(3, &["name"]));
    c.ok("health-cdo", approve(3, None));
    c.ok("health-reviewer", approve(3, None));
    c.ok(
        "health-cdo",
        Payload::RevokeGrant(RevokeGrant {
            grant_id: 3,
            reason: "misuse".into(),
        }),
    );
    c.rejected("health-cdo", access(3, "civil-app", &["name"], 1));
    c.ok("civil-app", request(3, &["name"]));
    c.ok(
        "health-cdo",
        Payload::ApproveShareRequest(ApproveShareRequest {
            request_id: 4,
            quota_rows: None,
            quota_calls: Some(1),
        }),
    );
    c.ok(
        "health-reviewer",
        Payload::ApproveShareRequest(ApproveShareRequest {
            request_id: 4,
            quota_rows: None,
            quota_calls: Some(1),
        }),
    );
    c.ok("health-cdo", access(4, "civil-app", &["name"], 1));
    c.rejected("health-cdo", access(4, "civil-app", &["name"], 1));
    c.ok(
        "civil-app",
        Payload::RaiseObjection(RaiseObjection {
            grant_id: 3,
            field: "name".into(),
            record_ref: "r1".into(),
            description: "wrong".into(),
        }),
    );
    c.ok(
        "health-cdo",
        Payload::AnswerObjection(AnswerObjection {
            objection_id: 1,
            corrected: false,
            note: "checked, correct".into(),
        }),
    );
    c.rejected(
        "health-cdo",
        Payload::AnswerObjection(AnswerObjection {
            objection_id: 1,
            corrected: true,
            note: "x".into(),
        }),
    );
    let agreement = |applicant: String| {
        Payload::ProposeAgreement(ProposeAgreement {
            entry_id: 3,
            applicant,
            digest: Hash::ZERO,
            fields: vec!["name".into()],
            purpose: "p".into(),
            period_days: 1,
            quota_rows: None,
        })
    };
    c.rejected("operator", agreement(code(9)));
    c.ok("operator", agreement(code(5)));
    c.rejected(
        "police-cdo",
        Payload::SignAgreement(SignAgreement {
            agreement_id: 1,
            digest: Hash::ZERO,
        }),
    );
    c.rejected(
        "health-cdo",
        Payload::SignAgreement(SignAgreement {
            agreement_id: 1,
            digest: Hash::tagged(b"x", &[]),
        }),
    );
    c.ok(
        "health-cdo",
        Payload::SignAgreement(SignAgreement {
            agreement_id: 1,
            digest: Hash::ZERO,
        }),
    );
    c.rejected(
        "health-cdo",
        Payload::SignAgreement(SignAgreement {
            agreement_id: 1,
            digest: Hash::ZERO,
        }),
    );
    let remove_validator = ProposalAction::RemoveValidator {
        key: key("police-validator").public(),
    };
    c.rejected(
        "health-cdo",
        Payload::SubmitProposal(SubmitProposal {
            action: remove_validator,
            deadline: c.time + DAY_MS,
        }),
    );
    let calendar = ProposalAction::SetHolidayCalendar(HolidayCalendar {
        year: 2027,
        holidays: vec![],
        makeup_workdays: vec![],
    });
    c.ok(
        "health-cdo",
        Payload::SubmitProposal(SubmitProposal {
            action: calendar,
            deadline: c.time + DAY_MS,
        }),
    );
    c.rejected(
        "health-cdo",
        Payload::VoteProposal(VoteProposal {
            proposal_id: 1,
            approve: true,
        }),
    );
    c.ok(
        "police-cdo",
        Payload::VoteProposal(VoteProposal {
            proposal_id: 1,
            approve: true,
        }),
    );
    c.ok(
        "civil-cdo",
        Payload::VoteProposal(VoteProposal {
            proposal_id: 1,
            approve: true,
        }),
    );
    c.rejected(
        "operator",
        Payload::VoteProposal(VoteProposal {
            proposal_id: 1,
            approve: true,
        }),
    );
}

#[test]
fn every_rejection_reason_is_produced_with_a_reason() {
    let mut c = TestChain::new();
    stories(&mut c);
    more_stories(&mut c);
    super::contracts::contract_stories(&mut c);
    let expected: BTreeSet<String> = RuntimeError::CODES
        .iter()
        .filter(|c| !["storage", "corrupt_state", "contract_host"].contains(c))
        .map(|c| c.to_string())
        .collect();
    let missing: Vec<_> = expected.difference(&c.codes).collect();
    assert!(missing.is_empty(), "no story produces: {missing:?}");
}

/// Execution with the caller's hashes gives what execution computing them gives, and a
/// hash list that does not match the transactions is refused, not trusted.
#[test]
fn execution_with_given_hashes_matches_and_checks_their_count() {
    let mut c = TestChain::new();
    let txs = vec![
        c.sign(&key("civil-app"), request(1, &["x"])),
        c.sign(&key("police-app"), request(1, &["x"])),
    ];
    let ctx = BlockContext {
        chain_id: CHAIN.into(),
        height: 1,
        time_ms: 1_000,
        proposer: key("police-validator").public(),
    };
    let none = HashSet::new();
    let hashes: Vec<Hash> = txs.iter().map(SignedTransaction::hash).collect();
    let plain = crate::execute_block(&c.state, &ctx, &txs, &none).unwrap();
    let hashed = crate::execute_hashed_block(&c.state, &ctx, &txs, &hashes, &none).unwrap();
    assert_eq!(hashed.receipts, plain.receipts);
    assert_eq!(hashed.diff, plain.diff);
    assert_eq!(hashed.receipts_root, plain.receipts_root);
    let short = crate::execute_hashed_block(&c.state, &ctx, &txs, &hashes[..1], &none);
    assert!(matches!(short, Err(RuntimeError::Storage(_))));
}
