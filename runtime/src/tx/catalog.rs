//! The data resource catalog.
//!
//! - register / update: by the owning department's CDO or reviewer; the entry carries
//!   every element the policy lists, a legal basis when it is not shareable or not open;
//!   an update keeps the previous version in the history and needs a new sign-off.
//! - one datum, one source: a field naming a data element code makes the department the
//!   code's source; a second department declaring itself the source of a registered code
//!   is refused, naming the existing source.
//! - review: a designated reviewer of the owner signs off (or asks for changes on) the
//!   current version; an approval restarts the yearly review clock.
//! - declare change: starts the update clock (2 working days for data, 15 for a law or
//!   duty change); the next update stops it; the sweep marks it overdue otherwise.
//! - negative list: the owner's CDO lists an entry as never opened, with the basis.

use kuai_types::model::{
    CatalogEntry, CatalogEntrySpec, CatalogEntryVersion, ChangeKind, DataElement, OpenMode,
    OrgKind, ReviewStatus, Role, ShareType,
};
use kuai_types::payload::{
    DeclareChange, RegisterCatalogEntry, ReviewCatalogEntry, SetNegativeList, UpdateCatalogEntry,
};
use kuai_types::Event;

use super::{entry, name_list, text, Signer};
use crate::calendar::{day_of, end_of_day, WorkingDays};
use crate::chain_state::{parameters, score};
use crate::deadlines::{self, Due};
use crate::error::RuntimeError;
use crate::execute::BlockContext;
use crate::keys;
use crate::state::Overlay;

const OFFICERS: &[Role] = &[Role::Cdo, Role::Reviewer];

pub(crate) fn validate_spec(s: &CatalogEntrySpec) -> Result<(), RuntimeError> {
    let invalid =
        |field: &'static str, reason: String| RuntimeError::InvalidField { field, reason };
    text("name", &s.name, 200)?;
    text("classification", &s.classification, 100)?;
    text("format", &s.format, 50)?;
    text("update_frequency", &s.update_frequency, 50)?;
    text("usage_requirements", &s.usage_requirements, 2000)?;
    if !(1..=4).contains(&s.security_grade) {
        return Err(invalid(
            "security_grade",
            format!("{} is not a grade from 1 to 4", s.security_grade),
        ));
    }
    let names: Vec<String> = s.fields.iter().map(|f| f.name.clone()).collect();
    name_list("fields", &names, 256)?;
    let mut codes = std::collections::BTreeSet::new();
    for f in &s.fields {
        if let Some(code) = &f.element_code {
            text("element_code", code, 64)?;
            if !codes.insert(code) {
                return Err(invalid(
                    "element_code",
                    format!("{code} is declared by two fields"),
                ));
            }
        }
    }
    let needs_basis = s.share_type == ShareType::NotShareable || s.open_mode == OpenMode::NotOpen;
    match &s.legal_basis {
        Some(b) => text("legal_basis", b, 1000)?,
        None if needs_basis => {
            return Err(invalid(
                "legal_basis",
                "required when the entry is not shareable or not open".into(),
            ))
        }
        None => {}
    }
    if s.share_type != ShareType::NotShareable && s.share_methods.is_empty() {
        return Err(invalid(
            "share_methods",
            "a shareable entry needs at least one share method".into(),
        ));
    }
    if let Some(k) = s.approval_threshold {
        if !(1..=16).contains(&k) {
            return Err(invalid(
                "approval_threshold",
                format!("{k} is outside 1 to 16"),
            ));
        }
    }
    Ok(())
}

/// Registers the spec's data element codes for `org`, refusing codes another department holds.
fn claim_elements(
    st: &mut Overlay<'_>,
    org: &str,
    entry_id: u64,
    spec: &CatalogEntrySpec,
) -> Result<(), RuntimeError> {
    for f in &spec.fields {
        let Some(code) = &f.element_code else {
            continue;
        };
        let key = keys::data_element(code);
        match st.read::<DataElement>(&key)? {
            Some(de) if de.source != org => {
                return Err(RuntimeError::DataElementTaken {
                    code: code.clone(),
                    holder: de.source,
                    entry_id: de.entry_id,
                });
            }
            Some(_) => {}
            None => st.write(
                key,
                &DataElement {
                    code: code.clone(),
                    source: org.into(),
                    entry_id,
                    field: f.name.clone(),
                },
            ),
        }
    }
    Ok(())
}

fn review_due(st: &Overlay<'_>, now: u64) -> Result<u64, RuntimeError> {
    Ok(end_of_day(
        day_of(now) + i64::from(parameters(st)?.review_interval_days),
    ))
}

pub(crate) fn register(
    st: &mut Overlay<'_>,
    ctx: &BlockContext,
    by: &Signer,
    p: &RegisterCatalogEntry,
) -> Result<Vec<Event>, RuntimeError> {
    if !matches!(by.org.kind, OrgKind::Department | OrgKind::PlatformOperator) {
        return Err(RuntimeError::WrongOrganization {
            org: by.code().into(),
            action: "publishing a catalog entry",
            needed: "a department".into(),
        });
    }
    by.require(
        OFFICERS,
        "publishing a catalog entry",
        "the CDO or reviewer role",
    )?;
    validate_spec(&p.spec)?;
    let id = st.next_id("catalog_entry")?;
    claim_elements(st, by.code(), id, &p.spec)?;
    let due = review_due(st, ctx.time_ms)?;
    let entry = CatalogEntry {
        id,
        provider: by.code().into(),
        version: 1,
        spec: p.spec.clone(),
        registered_at: ctx.time_ms,
        updated_at: ctx.time_ms,
        review: ReviewStatus::Pending,
        review_due: due,
        review_overdue: false,
        update_due: None,
        update_overdue: false,
        negative_list_basis: None,
    };
    st.write(keys::catalog_entry(id), &entry);
    deadlines::file(st, due, Due::EntryReview { entry_id: id, due })?;
    score(st, by.code(), |s| s.entries_published += 1)?;
    Ok(vec![Event::CatalogEntryRegistered {
        entry_id: id,
        provider: by.code().into(),
    }])
}

fn owned(
    st: &Overlay<'_>,
    by: &Signer,
    entry_id: u64,
    action: &'static str,
) -> Result<CatalogEntry, RuntimeError> {
    let e = entry(st, entry_id)?;
    by.require_org(&e.provider, action, || {
        format!("the owning department {}", e.provider)
    })?;
    Ok(e)
}

pub(crate) fn update(
    st: &mut Overlay<'_>,
    ctx: &BlockContext,
    by: &Signer,
    p: &UpdateCatalogEntry,
) -> Result<Vec<Event>, RuntimeError> {
    let mut e = owned(st, by, p.entry_id, "updating a catalog entry")?;
    by.require(
        OFFICERS,
        "updating a catalog entry",
        "the CDO or reviewer role",
    )?;
    validate_spec(&p.spec)?;
    claim_elements(st, by.code(), e.id, &p.spec)?;
    let old = CatalogEntryVersion {
        entry_id: e.id,
        version: e.version,
        spec: e.spec.clone(),
        updated_at: e.updated_at,
        updated_by: by.key,
        review: e.review.clone(),
    };
    st.write(keys::entry_version(e.id, e.version), &old);
    e.version += 1;
    e.spec = p.spec.clone();
    e.updated_at = ctx.time_ms;
    e.review = ReviewStatus::Pending;
    if e.update_overdue {
        score(st, &e.provider, |s| {
            s.entries_update_overdue = s.entries_update_overdue.saturating_sub(1)
        })?;
    }
    e.update_due = None;
    e.update_overdue = false;
    st.write(keys::catalog_entry(e.id), &e);
    Ok(vec![Event::CatalogEntryUpdated {
        entry_id: e.id,
        version: e.version,
    }])
}

pub(crate) fn review(
    st: &mut Overlay<'_>,
    ctx: &BlockContext,
    by: &Signer,
    p: &ReviewCatalogEntry,
) -> Result<Vec<Event>, RuntimeError> {
    let mut e = owned(st, by, p.entry_id, "reviewing a catalog entry")?;
    by.require(
        &[Role::Reviewer],
        "reviewing a catalog entry",
        "a designated reviewer",
    )?;
    if p.version != e.version {
        return Err(RuntimeError::VersionMismatch {
            entry_id: e.id,
            current: e.version,
            found: p.version,
        });
    }
    if p.approve {
        e.review = ReviewStatus::Approved {
            reviewer: by.key,
            at: ctx.time_ms,
        };
        if e.review_overdue {
            score(st, &e.provider, |s| {
                s.entries_review_overdue = s.entries_review_overdue.saturating_sub(1)
            })?;
        }
        e.review_overdue = false;
        e.review_due = review_due(st, ctx.time_ms)?;
        deadlines::file(
            st,
            e.review_due,
            Due::EntryReview {
                entry_id: e.id,
                due: e.review_due,
            },
        )?;
    } else {
        text("note", &p.note, 2000)?;
        e.review = ReviewStatus::ChangesRequested {
            reviewer: by.key,
            note: p.note.clone(),
            at: ctx.time_ms,
        };
    }
    st.write(keys::catalog_entry(e.id), &e);
    Ok(vec![Event::CatalogEntryReviewed {
        entry_id: e.id,
        version: e.version,
        approved: p.approve,
    }])
}

pub(crate) fn declare_change(
    st: &mut Overlay<'_>,
    ctx: &BlockContext,
    by: &Signer,
    p: &DeclareChange,
) -> Result<Vec<Event>, RuntimeError> {
    let mut e = owned(st, by, p.entry_id, "declaring a change")?;
    by.require(OFFICERS, "declaring a change", "the CDO or reviewer role")?;
    text("note", &p.note, 2000)?;
    let params = parameters(st)?;
    let days = match p.kind {
        ChangeKind::Data => params.update_working_days_data,
        ChangeKind::LawOrDuty => params.update_working_days_law,
    };
    let due = WorkingDays::new(st).due(ctx.time_ms, days)?;
    // An earlier open deadline stands: a second declaration cannot extend it.
    let due = match e.update_due {
        Some(existing) if existing <= due => existing,
        _ => due,
    };
    if e.update_due != Some(due) {
        e.update_due = Some(due);
        deadlines::file(
            st,
            due,
            Due::EntryUpdate {
                entry_id: e.id,
                due,
            },
        )?;
    }
    st.write(keys::catalog_entry(e.id), &e);
    Ok(vec![Event::ChangeDeclared {
        entry_id: e.id,
        update_due: due,
    }])
}

pub(crate) fn set_negative_list(
    st: &mut Overlay<'_>,
    by: &Signer,
    p: &SetNegativeList,
) -> Result<Vec<Event>, RuntimeError> {
    let mut e = owned(st, by, p.entry_id, "changing the negative list")?;
    by.require(&[Role::Cdo], "changing the negative list", "the CDO role")?;
    if let Some(b) = &p.basis {
        text("basis", b, 1000)?;
    }
    e.negative_list_basis = p.basis.clone();
    st.write(keys::catalog_entry(e.id), &e);
    Ok(vec![Event::NegativeListSet {
        entry_id: e.id,
        listed: p.basis.is_some(),
    }])
}
