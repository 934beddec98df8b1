//! Register catalog entry: signed by the CDO or a reviewer of a department (or the
//! platform operator); the entry must carry every element the policy lists, with a
//! legal basis when it is not shareable or not open.

use kuai_types::model::{CatalogEntry, CatalogEntrySpec, OpenMode, OrgKind, Role, ShareType};
use kuai_types::payload::RegisterCatalogEntry;
use kuai_types::{Event, PublicKey};

use super::{require_role, signer_org, text};
use crate::error::RuntimeError;
use crate::execute::BlockContext;
use crate::keys;
use crate::state::Overlay;

pub(crate) fn register(
    st: &mut Overlay<'_>,
    ctx: &BlockContext,
    signer: &PublicKey,
    p: &RegisterCatalogEntry,
) -> Result<Vec<Event>, RuntimeError> {
    let (org, role) = signer_org(st, signer)?;
    if !matches!(org.kind, OrgKind::Department | OrgKind::PlatformOperator) {
        return Err(RuntimeError::WrongOrganization {
            org: org.credit_code,
            action: "publishing a catalog entry",
            needed: "a department".into(),
        });
    }
    require_role(
        &org,
        signer,
        role,
        &[Role::Cdo, Role::Reviewer],
        "publishing a catalog entry",
        "the CDO or reviewer role",
    )?;
    validate_spec(&p.spec)?;
    let id = st.next_id("catalog_entry")?;
    let entry = CatalogEntry {
        id,
        provider: org.credit_code.clone(),
        version: 1,
        spec: p.spec.clone(),
        registered_at: ctx.time_ms,
        updated_at: ctx.time_ms,
    };
    st.write(keys::catalog_entry(id), &entry);
    Ok(vec![Event::CatalogEntryRegistered {
        entry_id: id,
        provider: org.credit_code,
    }])
}

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
    super::name_list("fields", &names, 256)?;
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
    Ok(())
}
