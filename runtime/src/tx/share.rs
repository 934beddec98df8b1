//! Share requests and their answers.
//!
//! - submit: by any non-validator member key of an organization other than the provider;
//!   the entry must exist and be shareable; fields must be the entry's; purpose and legal
//!   basis stated; period 1 to 3,650 days. Unconditional entries are granted at once;
//!   conditional ones wait for the provider.
//! - approve / reject: by the CDO or a reviewer of the providing department, only while
//!   the request is pending; a rejection needs a reason. Approval issues a grant whose
//!   scope is the requested fields and whose expiry is block time + period.

use kuai_types::model::{
    CatalogEntry, Grant, Organization, RequestStatus, Role, ShareRequest, ShareType,
};
use kuai_types::payload::{ApproveShareRequest, RejectShareRequest, SubmitShareRequest};
use kuai_types::{Event, PublicKey};

use super::{name_list, require_role, signer_org, text};
use crate::error::RuntimeError;
use crate::execute::BlockContext;
use crate::keys;
use crate::state::Overlay;

const DAY_MS: u64 = 86_400_000;

pub(crate) fn submit(
    st: &mut Overlay<'_>,
    ctx: &BlockContext,
    signer: &PublicKey,
    p: &SubmitShareRequest,
) -> Result<Vec<Event>, RuntimeError> {
    let (org, role) = signer_org(st, signer)?;
    require_role(
        &org,
        signer,
        role,
        &[Role::Cdo, Role::Reviewer, Role::App],
        "submitting a share request",
        "a CDO, reviewer or app key",
    )?;
    let entry: CatalogEntry = st
        .read(&keys::catalog_entry(p.entry_id))?
        .ok_or(RuntimeError::UnknownEntry(p.entry_id))?;
    if entry.provider == org.credit_code {
        return Err(RuntimeError::OwnEntry {
            entry_id: entry.id,
            org: org.credit_code,
        });
    }
    if entry.spec.share_type == ShareType::NotShareable {
        return Err(RuntimeError::EntryNotShareable {
            entry_id: entry.id,
            legal_basis: entry.spec.legal_basis.clone().unwrap_or_default(),
        });
    }
    name_list("fields", &p.fields, 256)?;
    if let Some(f) = p.fields.iter().find(|f| entry.field(f).is_none()) {
        return Err(RuntimeError::FieldNotInEntry {
            entry_id: entry.id,
            field: f.clone(),
        });
    }
    text("purpose", &p.purpose, 1000)?;
    text("legal_basis", &p.legal_basis, 1000)?;
    if !(1..=3650).contains(&p.period_days) {
        return Err(RuntimeError::InvalidField {
            field: "period_days",
            reason: format!("{} is outside 1 to 3650 days", p.period_days),
        });
    }
    let id = st.next_id("share_request")?;
    let mut request = ShareRequest {
        id,
        entry_id: entry.id,
        requester: org.credit_code.clone(),
        provider: entry.provider.clone(),
        fields: p.fields.clone(),
        purpose: p.purpose.clone(),
        legal_basis: p.legal_basis.clone(),
        period_days: p.period_days,
        submitted_at: ctx.time_ms,
        status: RequestStatus::Pending,
        decided_at: None,
    };
    let mut events = vec![Event::ShareRequestSubmitted {
        request_id: id,
        entry_id: entry.id,
        requester: org.credit_code,
    }];
    if entry.spec.share_type == ShareType::Unconditional {
        events.push(issue_grant(st, ctx, &mut request, None)?);
    }
    st.write(keys::share_request(id), &request);
    Ok(events)
}

fn pending_for_provider(
    st: &Overlay<'_>,
    signer: &PublicKey,
    request_id: u64,
    action: &'static str,
) -> Result<(ShareRequest, Organization), RuntimeError> {
    let (org, role) = signer_org(st, signer)?;
    let request: ShareRequest = st
        .read(&keys::share_request(request_id))?
        .ok_or(RuntimeError::UnknownRequest(request_id))?;
    if request.provider != org.credit_code {
        return Err(RuntimeError::WrongOrganization {
            org: org.credit_code,
            action,
            needed: format!("the providing department {}", request.provider),
        });
    }
    require_role(
        &org,
        signer,
        role,
        &[Role::Cdo, Role::Reviewer],
        action,
        "the CDO or reviewer role",
    )?;
    if request.status != RequestStatus::Pending {
        return Err(RuntimeError::RequestNotPending {
            request_id,
            status: status_name(&request.status).into(),
        });
    }
    Ok((request, org))
}

fn status_name(s: &RequestStatus) -> &'static str {
    match s {
        RequestStatus::Pending => "pending",
        RequestStatus::Granted { .. } => "granted",
        RequestStatus::Rejected { .. } => "rejected",
    }
}

pub(crate) fn approve(
    st: &mut Overlay<'_>,
    ctx: &BlockContext,
    signer: &PublicKey,
    p: &ApproveShareRequest,
) -> Result<Vec<Event>, RuntimeError> {
    let (mut request, _) =
        pending_for_provider(st, signer, p.request_id, "approving a share request")?;
    if p.quota_rows == Some(0) {
        return Err(RuntimeError::InvalidField {
            field: "quota_rows",
            reason: "a quota must allow at least one row".into(),
        });
    }
    let event = issue_grant(st, ctx, &mut request, p.quota_rows)?;
    st.write(keys::share_request(request.id), &request);
    Ok(vec![event])
}

pub(crate) fn reject(
    st: &mut Overlay<'_>,
    ctx: &BlockContext,
    signer: &PublicKey,
    p: &RejectShareRequest,
) -> Result<Vec<Event>, RuntimeError> {
    let (mut request, _) =
        pending_for_provider(st, signer, p.request_id, "rejecting a share request")?;
    text("reason", &p.reason, 1000)?;
    request.status = RequestStatus::Rejected {
        reason: p.reason.clone(),
    };
    request.decided_at = Some(ctx.time_ms);
    st.write(keys::share_request(request.id), &request);
    Ok(vec![Event::ShareRequestRejected {
        request_id: request.id,
        reason: p.reason.clone(),
    }])
}

fn issue_grant(
    st: &mut Overlay<'_>,
    ctx: &BlockContext,
    request: &mut ShareRequest,
    quota_rows: Option<u64>,
) -> Result<Event, RuntimeError> {
    let grant_id = st.next_id("grant")?;
    let expires_at = ctx
        .time_ms
        .saturating_add(u64::from(request.period_days) * DAY_MS);
    let grant = Grant {
        id: grant_id,
        request_id: request.id,
        entry_id: request.entry_id,
        grantee: request.requester.clone(),
        provider: request.provider.clone(),
        fields: request.fields.clone(),
        purpose: request.purpose.clone(),
        granted_at: ctx.time_ms,
        expires_at,
        quota_rows,
        rows_used: 0,
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
