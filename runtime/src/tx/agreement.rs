//! Contract-based opening (契约式开放): the platform operator's CDO proposes an agreement
//! (the digest of its off-chain text) between itself, the providing department and an
//! outside applicant; the provider's CDO and the applicant's CDO or app key sign the same
//! digest; at the last signature the grant is issued. Entries that are not open, or on
//! the negative list, cannot be opened this way.

use kuai_types::model::{Agreement, AgreementStatus, FieldMasking, Grant, OpenMode, OrgKind, Role};
use kuai_types::payload::{ProposeAgreement, SignAgreement};
use kuai_types::Event;

use super::{entry, name_list, organization, period, text, Signer};
use crate::error::RuntimeError;
use crate::execute::BlockContext;
use crate::keys;
use crate::state::Overlay;

pub(crate) fn propose(
    st: &mut Overlay<'_>,
    ctx: &BlockContext,
    by: &Signer,
    p: &ProposeAgreement,
) -> Result<Vec<Event>, RuntimeError> {
    if by.org.kind != OrgKind::PlatformOperator {
        return Err(RuntimeError::WrongOrganization {
            org: by.code().into(),
            action: "proposing an opening agreement",
            needed: "the platform operator".into(),
        });
    }
    by.require(
        &[Role::Cdo],
        "proposing an opening agreement",
        "the CDO role",
    )?;
    let e = entry(st, p.entry_id)?;
    if let Some(b) = &e.negative_list_basis {
        return Err(RuntimeError::EntryNotOpen {
            entry_id: e.id,
            basis: format!("on the negative list: {b}"),
        });
    }
    if e.spec.open_mode == OpenMode::NotOpen {
        return Err(RuntimeError::EntryNotOpen {
            entry_id: e.id,
            basis: e.spec.legal_basis.clone().unwrap_or_default(),
        });
    }
    let applicant = organization(st, &p.applicant)?;
    if applicant.kind != OrgKind::ExternalApplicant {
        return Err(RuntimeError::InvalidField {
            field: "applicant",
            reason: format!("{} is not an external applicant", p.applicant),
        });
    }
    name_list("fields", &p.fields, 256)?;
    if let Some(f) = p.fields.iter().find(|f| e.field(f).is_none()) {
        return Err(RuntimeError::FieldNotInEntry {
            entry_id: e.id,
            field: f.clone(),
        });
    }
    text("purpose", &p.purpose, 1000)?;
    period(p.period_days)?;
    if p.quota_rows == Some(0) {
        return Err(RuntimeError::InvalidField {
            field: "quota_rows",
            reason: "a quota must allow at least one row".into(),
        });
    }
    let id = st.next_id("agreement")?;
    let a = Agreement {
        id,
        entry_id: e.id,
        operator: by.code().into(),
        provider: e.provider.clone(),
        applicant: p.applicant.clone(),
        digest: p.digest,
        fields: p.fields.clone(),
        purpose: p.purpose.clone(),
        period_days: p.period_days,
        quota_rows: p.quota_rows,
        signed_by: vec![by.code().into()],
        status: AgreementStatus::Proposed,
        proposed_at: ctx.time_ms,
    };
    st.write(keys::agreement(id), &a);
    Ok(vec![Event::AgreementProposed {
        agreement_id: id,
        entry_id: e.id,
        applicant: p.applicant.clone(),
    }])
}

pub(crate) fn sign(
    st: &mut Overlay<'_>,
    ctx: &BlockContext,
    by: &Signer,
    p: &SignAgreement,
) -> Result<Vec<Event>, RuntimeError> {
    let key = keys::agreement(p.agreement_id);
    let mut a: Agreement = st
        .read(&key)?
        .ok_or(RuntimeError::UnknownAgreement(p.agreement_id))?;
    let org = by.code().to_string();
    if org != a.provider && org != a.applicant {
        return Err(RuntimeError::NotAParty {
            agreement_id: a.id,
            org,
        });
    }
    if org == a.provider {
        by.require(&[Role::Cdo], "signing an opening agreement", "the CDO role")?;
    } else {
        by.require(
            &[Role::Cdo, Role::App],
            "signing an opening agreement",
            "the CDO or an app key",
        )?;
    }
    if p.digest != a.digest {
        return Err(RuntimeError::AgreementMismatch { agreement_id: a.id });
    }
    if a.signed_by.contains(&org) {
        return Err(RuntimeError::AlreadySigned {
            agreement_id: a.id,
            org,
        });
    }
    a.signed_by.push(org.clone());
    let mut events = vec![Event::AgreementSigned {
        agreement_id: a.id,
        party: org,
    }];
    if a.signed_by.len() == 3 {
        let e = entry(st, a.entry_id)?;
        let grant_id = st.next_id("grant")?;
        let masking = a
            .fields
            .iter()
            .filter_map(|f| {
                e.field(f).map(|s| FieldMasking {
                    field: f.clone(),
                    rule: s.masking,
                })
            })
            .collect();
        let grant = Grant {
            id: grant_id,
            request_id: 0,
            agreement_id: Some(a.id),
            entry_id: a.entry_id,
            grantee: a.applicant.clone(),
            provider: a.provider.clone(),
            fields: a.fields.clone(),
            masking,
            purpose: a.purpose.clone(),
            granted_at: ctx.time_ms,
            expires_at: ctx.time_ms.saturating_add(period(a.period_days)?),
            quota_rows: a.quota_rows,
            rows_used: 0,
            quota_calls: None,
            calls_used: 0,
            revoked: None,
        };
        events.push(super::share::grant_for_agreement(st, grant)?);
        a.status = AgreementStatus::Active { grant_id };
    }
    st.write(key, &a);
    Ok(events)
}
