use super::*;
use crate::chain_state;

fn propose(action: ProposalAction, deadline: u64) -> Payload {
    Payload::SubmitProposal(SubmitProposal { action, deadline })
}

fn vote(id: u64, approve: bool) -> Payload {
    Payload::VoteProposal(VoteProposal {
        proposal_id: id,
        approve,
    })
}

fn new_department(n: u32) -> ProposalAction {
    ProposalAction::AddOrganization(RegisterOrganization {
        credit_code: code(n),
        name: "Natural resources bureau".into(),
        kind: OrgKind::Department,
        members: vec![member(&key(&format!("dept-{n}-cdo")), Role::Cdo)],
    })
}

#[test]
fn a_proposal_passes_with_two_thirds_of_the_governing_organizations() {
    // Governing: operator, health, police, civil affairs (4); 67% of 4 needs 3.
    let mut c = TestChain::new();
    let deadline = c.time + 7 * DAY_MS;
    c.ok("health-cdo", propose(new_department(7), deadline));
    let p: Proposal = c.read(&keys::proposal(1));
    assert_eq!((p.required, p.approvals.len()), (3, 1));
    assert_eq!(c.rejected("health-cdo", vote(1, true)).0, "already_voted");
    assert_eq!(
        c.rejected("auditor", vote(1, true)).0,
        "wrong_organization",
        "auditors do not govern"
    );
    assert_eq!(c.rejected("police-app", vote(1, true)).0, "not_authorized");
    c.ok("police-cdo", vote(1, true));
    assert!(
        c.try_read::<Organization>(&keys::organization(&code(7)))
            .is_none(),
        "two of four pass nothing"
    );
    let events = c.ok("civil-cdo", vote(1, true));
    assert!(events.contains(&Event::ProposalPassed { proposal_id: 1 }));
    let org: Organization = c.read(&keys::organization(&code(7)));
    assert_eq!(org.kind, OrgKind::Department);
    // The new department governs from now on: five organizations, four approvals needed.
    c.ok("dept-7-cdo", propose(new_department(8), deadline));
    let p: Proposal = c.read(&keys::proposal(2));
    assert_eq!(p.required, 4);
}

#[test]
fn opposition_rejects_and_the_deadline_expires() {
    let mut c = TestChain::new();
    c.ok("health-cdo", propose(new_department(7), c.time + DAY_MS));
    c.ok("police-cdo", vote(1, false));
    c.ok("civil-cdo", vote(1, false));
    let p: Proposal = c.read(&keys::proposal(1));
    assert_eq!(
        p.status,
        ProposalStatus::Rejected,
        "3 needed, only 2 can still approve"
    );
    assert_eq!(c.rejected("operator", vote(1, true)).0, "proposal_closed");

    let deadline = c.time + DAY_MS;
    c.ok("health-cdo", propose(new_department(8), deadline));
    let p: Proposal = c.read(&keys::proposal(2));
    c.advance_to(p.deadline - 2000);
    c.ok("police-cdo", vote(2, true));
    // The next block is past the deadline: its sweep expires the proposal before the vote runs.
    let (code_, reason) = c.rejected("civil-cdo", vote(2, true));
    assert!(c
        .block_events
        .contains(&Event::ProposalExpired { proposal_id: 2 }));
    assert_eq!(code_, "proposal_closed");
    assert!(reason.contains("expired"), "{reason}");
    let p: Proposal = c.read(&keys::proposal(2));
    assert_eq!(p.status, ProposalStatus::Expired);
    assert_eq!(
        c.rejected("health-cdo", propose(new_department(9), c.time - 10))
            .0,
        "invalid_field"
    );
    assert_eq!(
        c.rejected(
            "health-cdo",
            propose(new_department(9), c.time + 100 * DAY_MS)
        )
        .0,
        "invalid_field"
    );
}

#[test]
fn validator_changes_take_effect_at_a_later_height() {
    let mut c = TestChain::new();
    let v = key("civil-validator").public();
    let action = ProposalAction::AddValidator(ValidatorInfo {
        key: v,
        operator: code(3),
    });
    c.ok("civil-cdo", propose(action, c.time + DAY_MS));
    c.ok("police-cdo", vote(1, true));
    let events = c.ok("health-cdo", vote(1, true));
    let passed_at = c.height;
    assert!(events.contains(&Event::ValidatorSetScheduled {
        effective_height: passed_at + 2,
        validators: vec![key("police-validator").public(), v]
    }));
    assert_eq!(
        chain_state::validators(&Overlay::new(&c.state))
            .unwrap()
            .len(),
        1,
        "not yet"
    );
    c.block(&[]);
    assert!(c.last_outcome.as_ref().unwrap().new_validators.is_none());
    c.block(&[]);
    assert_eq!(c.height, passed_at + 2);
    let set = c
        .last_outcome
        .as_ref()
        .unwrap()
        .new_validators
        .clone()
        .expect("the set changes at the effective height");
    assert_eq!(
        set.iter().map(|x| x.key).collect::<Vec<_>>(),
        vec![key("police-validator").public(), v]
    );
    assert_eq!(
        chain_state::validators(&Overlay::new(&c.state)).unwrap(),
        set
    );
    // The last validator cannot be removed; an unknown one cannot either.
    let (code_, _) = c.rejected(
        "health-cdo",
        propose(
            ProposalAction::RemoveValidator {
                key: key("nobody").public(),
            },
            c.time + DAY_MS,
        ),
    );
    assert_eq!(code_, "validator_set");
}

#[test]
fn calendars_and_parameters_are_governed() {
    let mut c = TestChain::new();
    let cal = HolidayCalendar {
        year: 2026,
        holidays: vec!["2026-10-01".into(), "2026-10-02".into()],
        makeup_workdays: vec!["2026-10-10".into()],
    };
    c.ok(
        "health-cdo",
        propose(
            ProposalAction::SetHolidayCalendar(cal.clone()),
            c.time + DAY_MS,
        ),
    );
    c.ok("police-cdo", vote(1, true));
    let ev = c.ok("civil-cdo", vote(1, true));
    assert!(ev.contains(&Event::HolidayCalendarSet { year: 2026 }));
    assert_eq!(c.read::<HolidayCalendar>(&keys::calendar(2026)), cal);
    let params = Parameters {
        answer_working_days: 5,
        ..Parameters::default()
    };
    c.ok(
        "health-cdo",
        propose(
            ProposalAction::SetParameters(params.clone()),
            c.time + DAY_MS,
        ),
    );
    c.ok("police-cdo", vote(2, true));
    c.ok("civil-cdo", vote(2, true));
    assert_eq!(
        chain_state::parameters(&Overlay::new(&c.state)).unwrap(),
        params
    );
    let bad = Parameters {
        governance_threshold_percent: 40,
        ..Parameters::default()
    };
    assert_eq!(
        c.rejected(
            "health-cdo",
            propose(ProposalAction::SetParameters(bad), c.time + DAY_MS)
        )
        .0,
        "invalid_field"
    );
    let bad_cal = HolidayCalendar {
        year: 2026,
        holidays: vec!["2026-10-03".into()],
        makeup_workdays: vec![],
    };
    assert!(c
        .rejected(
            "health-cdo",
            propose(ProposalAction::SetHolidayCalendar(bad_cal), c.time + DAY_MS)
        )
        .1
        .contains("weekend"));
}

#[test]
fn a_passed_action_that_can_no_longer_run_fails_cleanly() {
    let mut c = TestChain::new();
    c.ok("health-cdo", propose(new_department(7), c.time + DAY_MS));
    c.ok("police-cdo", propose(new_department(7), c.time + DAY_MS));
    c.ok("police-cdo", vote(1, true));
    c.ok("civil-cdo", vote(1, true));
    c.ok("health-cdo", vote(2, true));
    c.ok("civil-cdo", vote(2, true));
    let p: Proposal = c.read(&keys::proposal(2));
    assert!(
        matches!(p.status, ProposalStatus::Failed { ref reason, .. } if reason.contains("already registered")),
        "{p:?}"
    );
}

#[test]
fn removing_an_organization_retires_its_keys() {
    let mut c = TestChain::new();
    c.ok(
        "health-cdo",
        propose(
            ProposalAction::RemoveOrganization {
                credit_code: code(3),
            },
            c.time + DAY_MS,
        ),
    );
    c.ok("police-cdo", vote(1, true));
    c.ok("operator", vote(1, true));
    let org: Organization = c.read(&keys::organization(&code(3)));
    assert!(org.removed_height.is_some() && org.active_members().count() == 0);
    assert_eq!(
        c.rejected("civil-app", request(1, &["x"])).0,
        "unknown_signer"
    );
    // A department that runs a validator cannot be removed before its validator.
    c.ok(
        "health-cdo",
        propose(
            ProposalAction::RemoveOrganization {
                credit_code: code(2),
            },
            c.time + DAY_MS,
        ),
    );
    c.ok("operator", vote(2, true));
    c.ok("police-cdo", vote(2, true));
    let p: Proposal = c.read(&keys::proposal(2));
    assert!(
        matches!(p.status, ProposalStatus::Failed { ref reason, .. } if reason.contains("still runs a validator")),
        "{p:?}"
    );
}
