//! Share requests and their answers.
//!
//! - submit: by a CDO, reviewer or app key of an organization other than the provider.
//!   A department's request follows the entry's share type: unconditional entries are
//!   granted at once, conditional ones wait for the provider, not-shareable ones are
//!   refused with the entry's legal basis. An outside applicant's request follows the
//!   open mode: open entries are granted at once, on-application ones wait, not-open or
//!   negative-listed ones are refused. Fields must be the entry's; purpose and legal basis
//!   stated; period 1 to 3,650 days. The provider must answer within 10 working days.
//! - approve: each distinct CDO or reviewer key of the provider adds one approval; the
//!   grant is issued at the k-th (k from the entry, else the department). Reject: one such
//!   key, with a reason. Withdraw: the requester, while pending.
//! - a grant's scope is the requested fields, each with the entry's masking rule (none
//!   for fields asked raw, when the officers or the contract grant them raw); it expires
//!   at block time + period. `raw_fields` must be among `fields`; a request with raw
//!   fields is never granted at once, even for unconditional or open entries.
//! - a request that would wait for the provider, for an entry with a bound policy
//!   contract, is decided by the contract in the same transaction (see `policy`):
//!   granted, rejected with the contract's reason, or left pending.

use kuai_types::model::{
    FieldMasking, Grant, MaskingRule, OpenMode, OrgKind, RequestChannel, RequestStatus, Role,
    ShareRequest, ShareType,
};
use kuai_types::payload::{
    ApproveShareRequest, RejectShareRequest, SubmitShareRequest, WithdrawShareRequest,
};
use kuai_types::Event;

use super::policy::{self, Verdict};
use super::{entry, name_list, period, request, text, Signer};
use crate::calendar::WorkingDays;
use crate::chain_state::{parameters, score};
use crate::deadlines::{self, Due};
use crate::error::RuntimeError;
use crate::execute::BlockContext;
use crate::keys;
use crate::state::Overlay;

const REQUESTERS: &[Role] = &[Role::Cdo, Role::Reviewer, Role::App];

pub(crate) fn submit(
    st: &mut Overlay<'_>,
    ctx: &BlockContext,
    by: &Signer,
    p: &SubmitShareRequest,
) -> Result<Vec<Event>, RuntimeError> {
    by.require(
        REQUESTERS,
        "submitting a share request",
        "a CDO, reviewer or app key",
    )?;
    let e = entry(st, p.entry_id)?;
    if e.provider == by.code() {
        return Err(RuntimeError::OwnEntry {
            entry_id: e.id,
            org: by.code().into(),
        });
    }
    let channel = if by.org.kind == OrgKind::ExternalApplicant {
        RequestChannel::Opening
    } else {
        RequestChannel::Sharing
    };
    let grant_at_once = match channel {
        RequestChannel::Sharing => match e.spec.share_type {
            ShareType::NotShareable => {
                return Err(RuntimeError::EntryNotShareable {
                    entry_id: e.id,
                    legal_basis: e.spec.legal_basis.clone().unwrap_or_default(),
                });
            }
            ShareType::Unconditional => true,
            ShareType::Conditional => false,
        },
        RequestChannel::Opening => {
            if let Some(b) = &e.negative_list_basis {
                return Err(RuntimeError::EntryNotOpen {
                    entry_id: e.id,
                    basis: format!("on the negative list: {b}"),
                });
            }
            match e.spec.open_mode {
                OpenMode::NotOpen => {
                    return Err(RuntimeError::EntryNotOpen {
                        entry_id: e.id,
                        basis: e.spec.legal_basis.clone().unwrap_or_default(),
                    });
                }
                OpenMode::Open => true,
                OpenMode::OnApplication => false,
            }
        }
    };
    name_list("fields", &p.fields, 256)?;
    if let Some(f) = p.fields.iter().find(|f| e.field(f).is_none()) {
        return Err(RuntimeError::FieldNotInEntry {
            entry_id: e.id,
            field: f.clone(),
        });
    }
    if !p.raw_fields.is_empty() {
        name_list("raw_fields", &p.raw_fields, 256)?;
        if let Some(f) = p.raw_fields.iter().find(|f| !p.fields.contains(f)) {
            return Err(RuntimeError::InvalidField {
                field: "raw_fields",
                reason: format!("{f:?} is not among the requested fields"),
            });
        }
    }
    let grant_at_once = grant_at_once && p.raw_fields.is_empty();
    text("purpose", &p.purpose, 1000)?;
    text("legal_basis", &p.legal_basis, 1000)?;
    period(p.period_days)?;
    let provider = super::organization(st, &e.provider)?;
    let answer_days = parameters(st)?.answer_working_days;
    let answer_due = WorkingDays::new(st).due(ctx.time_ms, answer_days)?;
    let id = st.next_id("share_request")?;
    let mut request = ShareRequest {
        id,
        entry_id: e.id,
        channel,
        requester: by.code().into(),
        provider: e.provider.clone(),
        fields: p.fields.clone(),
        purpose: p.purpose.clone(),
        legal_basis: p.legal_basis.clone(),
        period_days: p.period_days,
        submitted_at: ctx.time_ms,
        answer_due,
        overdue: false,
        status: RequestStatus::Pending,
        approvals: vec![],
        required_approvals: e
            .spec
            .approval_threshold
            .unwrap_or(provider.approval_threshold)
            .max(1),
        decided_at: None,
        raw_fields: p.raw_fields.clone(),
        decided_by_contract: None,
    };
    score(st, by.code(), |s| s.requests_submitted += 1)?;
    score(st, &e.provider, |s| s.requests_received += 1)?;
    let mut events = vec![Event::ShareRequestSubmitted {
        request_id: id,
        entry_id: e.id,
        requester: by.code().into(),
    }];
    if grant_at_once {
        let terms = Terms::as_asked(&request, None, None);
        events.push(issue_grant(st, ctx, &mut request, terms)?);
    } else if let Some(instance_id) = st.read::<u64>(&keys::entry_policy(e.id))? {
        let (verdict, event) = policy::decide(st, ctx, instance_id, &request, &e, by)?;
        events.push(event);
        match verdict {
            Verdict::Grant(terms) => {
                request.decided_by_contract = Some(instance_id);
                answered(st, &request, ctx.time_ms)?;
                events.push(issue_grant(st, ctx, &mut request, terms)?);
            }
            Verdict::Reject(reason) => {
                request.decided_by_contract = Some(instance_id);
                answered(st, &request, ctx.time_ms)?;
                let reason = format!("policy contract {instance_id}: {reason}");
                request.status = RequestStatus::Rejected {
                    reason: reason.clone(),
                };
                request.decided_at = Some(ctx.time_ms);
                events.push(Event::ShareRequestRejected {
                    request_id: id,
                    reason,
                });
            }
            Verdict::Defer => deadlines::file(st, answer_due, Due::RequestAnswer(id))?,
        }
    } else {
        deadlines::file(st, answer_due, Due::RequestAnswer(id))?;
    }
    st.write(keys::share_request(id), &request);
    Ok(events)
}

fn pending(st: &Overlay<'_>, id: u64) -> Result<ShareRequest, RuntimeError> {
    let r = request(st, id)?;
    if r.status != RequestStatus::Pending {
        return Err(RuntimeError::RequestNotPending {
            request_id: id,
            status: r.status.name().into(),
        });
    }
    Ok(r)
}

/// Books an answer (grant, rejection) in the provider's scorecard.
fn answered(st: &mut Overlay<'_>, r: &ShareRequest, now: u64) -> Result<(), RuntimeError> {
    let (overdue, on_time) = (r.overdue, now < r.answer_due);
    score(st, &r.provider, |s| {
        if overdue {
            s.requests_overdue = s.requests_overdue.saturating_sub(1);
        }
        if on_time {
            s.requests_answered_on_time += 1;
        } else {
            s.requests_answered_late += 1;
        }
    })
}

pub(crate) fn approve(
    st: &mut Overlay<'_>,
    ctx: &BlockContext,
    by: &Signer,
    p: &ApproveShareRequest,
) -> Result<Vec<Event>, RuntimeError> {
    let mut r = pending(st, p.request_id)?;
    by.require_officer_of(&r.provider, "approving a share request")?;
    if r.approvals.contains(&by.key) {
        return Err(RuntimeError::AlreadyApproved {
            request_id: r.id,
            key: by.key.to_hex(),
        });
    }
    if p.quota_rows == Some(0) {
        return Err(RuntimeError::InvalidField {
            field: "quota_rows",
            reason: "a quota must allow at least one row".into(),
        });
    }
    r.approvals.push(by.key);
    let mut events = vec![Event::ShareRequestApproved {
        request_id: r.id,
        approvals: r.approvals.len() as u8,
        required: r.required_approvals,
    }];
    if r.approvals.len() >= usize::from(r.required_approvals) {
        answered(st, &r, ctx.time_ms)?;
        let terms = Terms::as_asked(&r, p.quota_rows, p.quota_calls);
        events.push(issue_grant(st, ctx, &mut r, terms)?);
    }
    st.write(keys::share_request(r.id), &r);
    Ok(events)
}

pub(crate) fn reject(
    st: &mut Overlay<'_>,
    ctx: &BlockContext,
    by: &Signer,
    p: &RejectShareRequest,
) -> Result<Vec<Event>, RuntimeError> {
    let mut r = pending(st, p.request_id)?;
    by.require_officer_of(&r.provider, "rejecting a share request")?;
    text("reason", &p.reason, 1000)?;
    answered(st, &r, ctx.time_ms)?;
    r.status = RequestStatus::Rejected {
        reason: p.reason.clone(),
    };
    r.decided_at = Some(ctx.time_ms);
    st.write(keys::share_request(r.id), &r);
    Ok(vec![Event::ShareRequestRejected {
        request_id: r.id,
        reason: p.reason.clone(),
    }])
}

pub(crate) fn withdraw(
    st: &mut Overlay<'_>,
    by: &Signer,
    p: &WithdrawShareRequest,
) -> Result<Vec<Event>, RuntimeError> {
    let mut r = pending(st, p.request_id)?;
    by.require_org(&r.requester, "withdrawing a share request", || {
        format!("the requester {}", r.requester)
    })?;
    by.require(
        REQUESTERS,
        "withdrawing a share request",
        "a CDO, reviewer or app key",
    )?;
    if r.overdue {
        score(st, &r.provider, |s| {
            s.requests_overdue = s.requests_overdue.saturating_sub(1)
        })?;
    }
    r.status = RequestStatus::Withdrawn;
    st.write(keys::share_request(r.id), &r);
    Ok(vec![Event::ShareRequestWithdrawn { request_id: r.id }])
}

/// What a grant gives: fields (those in `raw_fields` unmasked), period and quotas.
pub(crate) struct Terms {
    pub fields: Vec<String>,
    pub raw_fields: Vec<String>,
    pub period_days: u32,
    pub quota_rows: Option<u64>,
    pub quota_calls: Option<u64>,
}

impl Terms {
    /// Everything the request asked for.
    fn as_asked(r: &ShareRequest, quota_rows: Option<u64>, quota_calls: Option<u64>) -> Self {
        Terms {
            fields: r.fields.clone(),
            raw_fields: r.raw_fields.clone(),
            period_days: r.period_days,
            quota_rows,
            quota_calls,
        }
    }
}

/// Issues the grant for an approved (or at-once, or contract-decided) request.
fn issue_grant(
    st: &mut Overlay<'_>,
    ctx: &BlockContext,
    request: &mut ShareRequest,
    terms: Terms,
) -> Result<Event, RuntimeError> {
    let e = entry(st, request.entry_id)?;
    let masking = terms
        .fields
        .iter()
        .filter_map(|f| {
            e.field(f).map(|spec| FieldMasking {
                field: f.clone(),
                rule: if terms.raw_fields.contains(f) {
                    MaskingRule::None
                } else {
                    spec.masking
                },
            })
        })
        .collect();
    let (quota_rows, quota_calls) = (terms.quota_rows, terms.quota_calls);
    let grant_id = st.next_id("grant")?;
    let expires_at = ctx.time_ms.saturating_add(period(terms.period_days)?);
    let grant = Grant {
        id: grant_id,
        request_id: request.id,
        agreement_id: None,
        entry_id: request.entry_id,
        grantee: request.requester.clone(),
        provider: request.provider.clone(),
        fields: terms.fields,
        masking,
        purpose: request.purpose.clone(),
        granted_at: ctx.time_ms,
        expires_at,
        quota_rows,
        rows_used: 0,
        quota_calls,
        calls_used: 0,
        revoked: None,
    };
    st.write(keys::grant(grant_id), &grant);
    request.status = RequestStatus::Granted { grant_id };
    request.decided_at = Some(ctx.time_ms);
    Ok(Event::GrantIssued {
        grant_id,
        request_id: request.id,
        grantee: grant.grantee,
        expires_at,
    })
}

/// Issues a grant outside a share request (an opening agreement).
pub(crate) fn grant_for_agreement(
    st: &mut Overlay<'_>,
    grant: Grant,
) -> Result<Event, RuntimeError> {
    let event = Event::GrantIssued {
        grant_id: grant.id,
        request_id: 0,
        grantee: grant.grantee.clone(),
        expires_at: grant.expires_at,
    };
    st.write(keys::grant(grant.id), &grant);
    Ok(event)
}
