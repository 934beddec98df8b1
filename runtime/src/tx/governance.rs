//! Governance: proposals passed by a threshold of the governing organizations
//! (departments and the platform operator; default two thirds) before a deadline.
//!
//! Rules:
//! - only a governing organization's CDO submits or votes; one vote per organization;
//!   the proposer's organization approves by submitting;
//! - the number of approvals needed is fixed at submission: `ceil(percent × governing / 100)`;
//! - a deadline is a whole day: votes close at the end of the deadline's day (CST), at
//!   most 90 days ahead; an open proposal is expired at the first block after it;
//! - a proposal passes at the vote that reaches the threshold and its action runs in
//!   that transaction; if the action can no longer run (e.g. the organization was
//!   registered meanwhile) the proposal is `failed` with the reason. It is rejected once
//!   enough organizations oppose that it cannot pass;
//! - actions are validated when submitted, so a proposal that could never run is refused.

use kuai_types::identifiers::check_credit_code;
use kuai_types::model::{
    Organization, Parameters, Proposal, ProposalAction, ProposalStatus, Role, ValidatorInfo,
};
use kuai_types::payload::{SubmitProposal, VoteProposal};
use kuai_types::Event;

use super::Signer;
use crate::calendar::{self, day_of, end_of_day};
use crate::chain_state::{latest_validators, schedule_validators};
use crate::deadlines::{self, Due};
use crate::error::RuntimeError;
use crate::execute::BlockContext;
use crate::keys;
use crate::state::Overlay;

const MAX_DEADLINE_DAYS: i64 = 90;

fn governing_count(st: &Overlay<'_>) -> Result<u32, RuntimeError> {
    let n: Option<u32> = st.read(&keys::counter("governing_orgs"))?;
    Ok(n.unwrap_or(0))
}

/// Keeps the count of governing organizations (read when proposals are submitted).
pub(crate) fn count_governing(st: &mut Overlay<'_>, delta: i64) -> Result<(), RuntimeError> {
    let n = i64::from(governing_count(st)?) + delta;
    st.write(keys::counter("governing_orgs"), &(n.max(0) as u32));
    Ok(())
}

fn require_governor(by: &Signer, action: &'static str) -> Result<(), RuntimeError> {
    if !by.org.kind.votes_in_governance() {
        return Err(RuntimeError::WrongOrganization {
            org: by.code().into(),
            action,
            needed: "a department or the platform operator".into(),
        });
    }
    by.require(&[Role::Cdo], action, "the CDO role")
}

pub(crate) fn validate_parameters(p: &Parameters) -> Result<(), RuntimeError> {
    let bad =
        |field: &'static str, reason: String| Err(RuntimeError::InvalidField { field, reason });
    if !(51..=100).contains(&p.governance_threshold_percent) {
        return bad(
            "governance_threshold_percent",
            format!("{} is outside 51 to 100", p.governance_threshold_percent),
        );
    }
    for (field, v) in [
        ("answer_working_days", p.answer_working_days),
        ("update_working_days_data", p.update_working_days_data),
        ("update_working_days_law", p.update_working_days_law),
        ("objection_working_days", p.objection_working_days),
    ] {
        if !(1..=250).contains(&v) {
            return bad(field, format!("{v} is outside 1 to 250 working days"));
        }
    }
    if !(1..=3660).contains(&p.review_interval_days) {
        return bad(
            "review_interval_days",
            format!("{} is outside 1 to 3660", p.review_interval_days),
        );
    }
    if !(1..=10_000).contains(&p.validator_change_delay) {
        return bad(
            "validator_change_delay",
            format!("{} is outside 1 to 10000 blocks", p.validator_change_delay),
        );
    }
    Ok(())
}

/// Checks that an action could run now.
pub(crate) fn validate_action(
    st: &Overlay<'_>,
    action: &ProposalAction,
) -> Result<(), RuntimeError> {
    match action {
        ProposalAction::AddOrganization(p) => {
            let code = check_credit_code(&p.credit_code)
                .map_err(|e| RuntimeError::InvalidIdentifier(e.to_string()))?;
            if st.contains(&keys::organization(&code))? {
                return Err(RuntimeError::OrganizationExists(code));
            }
            for m in &p.members {
                if let Some(org) = st.read::<String>(&keys::member_key(&m.key))? {
                    return Err(RuntimeError::KeyAlreadyMember {
                        key: m.key.to_hex(),
                        org,
                    });
                }
            }
            Ok(())
        }
        ProposalAction::RemoveOrganization { credit_code } => {
            super::organization(st, credit_code).map(|_| ())
        }
        ProposalAction::AddValidator(v) => {
            super::organization(st, &v.operator)?;
            if latest_validators(st)?.iter().any(|x| x.key == v.key) {
                return Err(RuntimeError::ValidatorSet(format!(
                    "{} is already a validator",
                    v.key
                )));
            }
            Ok(())
        }
        ProposalAction::RemoveValidator { key } => {
            let set = latest_validators(st)?;
            if !set.iter().any(|x| &x.key == key) {
                return Err(RuntimeError::ValidatorSet(format!(
                    "{key} is not a validator"
                )));
            }
            if set.len() == 1 {
                return Err(RuntimeError::ValidatorSet(
                    "the last validator cannot be removed".into(),
                ));
            }
            Ok(())
        }
        ProposalAction::SetHolidayCalendar(c) => calendar::validate(c),
        ProposalAction::SetParameters(p) => validate_parameters(p),
        ProposalAction::ApproveContractCode { code_hash } => {
            super::contract::approvable(st, code_hash).map(|_| ())
        }
    }
}

pub(crate) fn submit(
    st: &mut Overlay<'_>,
    ctx: &BlockContext,
    by: &Signer,
    p: &SubmitProposal,
) -> Result<Vec<Event>, RuntimeError> {
    require_governor(by, "submitting a proposal")?;
    validate_action(st, &p.action)?;
    let today = day_of(ctx.time_ms);
    let deadline_day = day_of(p.deadline);
    if p.deadline < ctx.time_ms || deadline_day > today + MAX_DEADLINE_DAYS {
        return Err(RuntimeError::InvalidField {
            field: "deadline",
            reason: format!(
                "must be from now ({}) to {MAX_DEADLINE_DAYS} days ahead, got {}",
                ctx.time_ms, p.deadline
            ),
        });
    }
    let percent = u32::from(crate::chain_state::parameters(st)?.governance_threshold_percent);
    let required = (percent * governing_count(st)?).div_ceil(100).max(1);
    let id = st.next_id("proposal")?;
    let deadline = end_of_day(deadline_day);
    let mut proposal = Proposal {
        id,
        proposer: by.code().into(),
        action: p.action.clone(),
        submitted_at: ctx.time_ms,
        deadline,
        approvals: vec![by.code().into()],
        rejections: vec![],
        required,
        status: ProposalStatus::Open,
    };
    let mut events = vec![Event::ProposalSubmitted {
        proposal_id: id,
        proposer: by.code().into(),
    }];
    deadlines::file(st, deadline, Due::Proposal(id))?;
    settle(st, ctx, &mut proposal, &mut events)?;
    st.write(keys::proposal(id), &proposal);
    Ok(events)
}

pub(crate) fn vote(
    st: &mut Overlay<'_>,
    ctx: &BlockContext,
    by: &Signer,
    p: &VoteProposal,
) -> Result<Vec<Event>, RuntimeError> {
    require_governor(by, "voting on a proposal")?;
    let key = keys::proposal(p.proposal_id);
    let mut proposal: Proposal = st
        .read(&key)?
        .ok_or(RuntimeError::UnknownProposal(p.proposal_id))?;
    if proposal.status != ProposalStatus::Open || ctx.time_ms >= proposal.deadline {
        let status = if proposal.status == ProposalStatus::Open {
            "past its deadline".to_string()
        } else {
            format!("{:?}", proposal.status).to_lowercase()
        };
        return Err(RuntimeError::ProposalClosed {
            proposal_id: p.proposal_id,
            status,
        });
    }
    let org = by.code().to_string();
    if proposal.approvals.contains(&org) || proposal.rejections.contains(&org) {
        return Err(RuntimeError::AlreadyVoted {
            proposal_id: p.proposal_id,
            org,
        });
    }
    if p.approve {
        proposal.approvals.push(org.clone());
    } else {
        proposal.rejections.push(org.clone());
    }
    let mut events = vec![Event::ProposalVoted {
        proposal_id: p.proposal_id,
        organization: org,
        approve: p.approve,
    }];
    settle(st, ctx, &mut proposal, &mut events)?;
    st.write(key, &proposal);
    Ok(events)
}

/// Passes (and executes) or rejects a proposal whose votes decide it.
fn settle(
    st: &mut Overlay<'_>,
    ctx: &BlockContext,
    proposal: &mut Proposal,
    events: &mut Vec<Event>,
) -> Result<(), RuntimeError> {
    let governing = governing_count(st)?;
    if proposal.approvals.len() as u32 >= proposal.required {
        // Run the action on a scratch overlay: a failed action leaves no partial writes.
        let mut scratch = Overlay::new(&*st);
        match execute(&mut scratch, ctx, proposal.id, &proposal.action) {
            Ok(mut action_events) => {
                let writes = scratch.into_writes();
                st.merge(writes);
                proposal.status = ProposalStatus::Passed { height: ctx.height };
                events.push(Event::ProposalPassed {
                    proposal_id: proposal.id,
                });
                events.append(&mut action_events);
            }
            Err(e) if e.is_fatal() => return Err(e),
            Err(e) => {
                proposal.status = ProposalStatus::Failed {
                    height: ctx.height,
                    reason: e.to_string(),
                }
            }
        }
    } else if governing.saturating_sub(proposal.rejections.len() as u32) < proposal.required {
        proposal.status = ProposalStatus::Rejected;
        events.push(Event::ProposalRejected {
            proposal_id: proposal.id,
        });
    }
    Ok(())
}

fn execute(
    st: &mut Overlay<'_>,
    ctx: &BlockContext,
    proposal_id: u64,
    action: &ProposalAction,
) -> Result<Vec<Event>, RuntimeError> {
    validate_action(st, action)?;
    match action {
        ProposalAction::AddOrganization(p) => {
            let code = super::org::create(st, ctx.height, p)?;
            if p.kind.votes_in_governance() {
                count_governing(st, 1)?;
            }
            Ok(vec![Event::OrganizationRegistered { credit_code: code }])
        }
        ProposalAction::RemoveOrganization { credit_code } => {
            let mut org: Organization = (*super::organization(st, credit_code)?).clone();
            if latest_validators(st)?
                .iter()
                .any(|v| &v.operator == credit_code)
            {
                return Err(RuntimeError::ValidatorSet(format!(
                    "{credit_code} still runs a validator; remove it first"
                )));
            }
            org.removed_height = Some(ctx.height);
            for m in org.members.iter_mut().filter(|m| m.active()) {
                m.removed_height = Some(ctx.height);
            }
            if org.kind.votes_in_governance() {
                count_governing(st, -1)?;
            }
            st.write(keys::organization(credit_code), &org);
            Ok(vec![Event::OrganizationRemoved {
                credit_code: credit_code.clone(),
            }])
        }
        ProposalAction::AddValidator(v) => {
            let mut set = latest_validators(st)?;
            set.push(ValidatorInfo {
                key: v.key,
                operator: v.operator.clone(),
            });
            Ok(vec![schedule_validators(st, ctx.height, set)?])
        }
        ProposalAction::RemoveValidator { key } => {
            let set: Vec<ValidatorInfo> = latest_validators(st)?
                .into_iter()
                .filter(|v| &v.key != key)
                .collect();
            Ok(vec![schedule_validators(st, ctx.height, set)?])
        }
        ProposalAction::SetHolidayCalendar(c) => {
            st.write(keys::calendar(c.year), c);
            Ok(vec![Event::HolidayCalendarSet { year: c.year }])
        }
        ProposalAction::SetParameters(p) => {
            st.write(keys::PARAMETERS.to_vec(), p);
            Ok(vec![Event::ParametersSet])
        }
        ProposalAction::ApproveContractCode { code_hash } => {
            Ok(vec![super::contract::approve(st, code_hash, proposal_id)?])
        }
    }
}
