//! Record access: one delivery of data under a grant. Signed by a key of the providing
//! department (its gateway) or of the grantee; the accessor must be an active member
//! key of the grantee. Rejected when the grant is missing, revoked or expired, a field
//! is outside its scope, the purpose differs from the granted one, or the rows or the
//! deliveries exceed its quota, or it names more than `MAX_SUBJECTS` data subjects. Each
//! subject's keyed hash is indexed, so a person's accesses can be listed.

use kuai_types::model::AccessEvent;
use kuai_types::payload::{RecordAccess, MAX_SUBJECTS};
use kuai_types::Event;

use super::{grant_record, name_list, signer, text, Signer};
use crate::chain_state::score;
use crate::error::RuntimeError;
use crate::execute::BlockContext;
use crate::keys;
use crate::state::Overlay;

pub(crate) fn record(
    st: &mut Overlay<'_>,
    ctx: &BlockContext,
    by: &Signer,
    p: &RecordAccess,
) -> Result<Vec<Event>, RuntimeError> {
    let mut grant = grant_record(st, p.grant_id)?;
    if by.code() != grant.provider && by.code() != grant.grantee {
        return Err(RuntimeError::WrongOrganization {
            org: by.code().into(),
            action: "recording an access",
            needed: format!(
                "the provider {} or the grantee {}",
                grant.provider, grant.grantee
            ),
        });
    }
    let accessor = signer(st, &p.accessor)?;
    if accessor.code() != grant.grantee {
        return Err(RuntimeError::WrongOrganization {
            org: accessor.code().into(),
            action: "accessing data under a grant",
            needed: format!("a key of the grantee {}", grant.grantee),
        });
    }
    if let Some(r) = &grant.revoked {
        return Err(RuntimeError::GrantRevoked {
            grant_id: grant.id,
            reason: r.reason.clone(),
        });
    }
    if ctx.time_ms >= grant.expires_at {
        return Err(RuntimeError::GrantExpired {
            grant_id: grant.id,
            expired_at: grant.expires_at,
            now: ctx.time_ms,
        });
    }
    name_list("fields", &p.fields, 256)?;
    if let Some(f) = p.fields.iter().find(|f| !grant.fields.contains(f)) {
        return Err(RuntimeError::FieldOutsideGrant {
            grant_id: grant.id,
            field: f.clone(),
        });
    }
    text("purpose", &p.purpose, 1000)?;
    if p.purpose != grant.purpose {
        return Err(RuntimeError::PurposeMismatch {
            grant_id: grant.id,
            expected: grant.purpose.clone(),
            found: p.purpose.clone(),
        });
    }
    if let Some(quota) = grant.quota_rows {
        if grant.rows_used.saturating_add(p.rows) > quota {
            return Err(RuntimeError::QuotaExceeded {
                grant_id: grant.id,
                quota,
                used: grant.rows_used,
                requested: p.rows,
            });
        }
    }
    if let Some(quota) = grant.quota_calls {
        if grant.calls_used >= quota {
            return Err(RuntimeError::CallQuotaExceeded {
                grant_id: grant.id,
                quota,
            });
        }
    }
    if p.subjects.len() > MAX_SUBJECTS {
        return Err(RuntimeError::InvalidField {
            field: "subjects",
            reason: format!(
                "{} given, at most {MAX_SUBJECTS} per access event",
                p.subjects.len()
            ),
        });
    }
    grant.rows_used = grant.rows_used.saturating_add(p.rows);
    grant.calls_used += 1;
    st.write(keys::grant(grant.id), &grant);
    let id = st.next_id("access_event")?;
    let event = AccessEvent {
        id,
        grant_id: grant.id,
        entry_id: grant.entry_id,
        provider: grant.provider.clone(),
        accessor: p.accessor,
        accessor_org: accessor.code().into(),
        fields: p.fields.clone(),
        rows: p.rows,
        query_digest: p.query_digest,
        purpose: p.purpose.clone(),
        time: ctx.time_ms,
        height: ctx.height,
        subjects: p.subjects.len() as u32,
    };
    st.write(keys::access_event(id), &event);
    for subject in &p.subjects {
        st.put_raw(keys::subject_access(subject, id), Vec::new());
    }
    let rows = p.rows;
    score(st, &grant.provider, |s| {
        s.accesses_served += 1;
        s.rows_served += rows;
    })?;
    score(st, &grant.grantee, |s| s.accesses_made += 1)?;
    Ok(vec![Event::AccessRecorded {
        access_id: id,
        grant_id: grant.id,
        rows: p.rows,
    }])
}
