//! Register organization: signed by the CDO of a platform operator; the credit code
//! must be valid (GB 32100) and new; each member key must belong to no organization yet.

use kuai_types::identifiers::check_credit_code;
use kuai_types::model::{OrgKind, Organization, Role};
use kuai_types::payload::RegisterOrganization;
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
    p: &RegisterOrganization,
) -> Result<Vec<Event>, RuntimeError> {
    let (by, role) = signer_org(st, signer)?;
    if by.kind != OrgKind::PlatformOperator {
        return Err(RuntimeError::WrongOrganization {
            org: by.credit_code,
            action: "registering an organization",
            needed: "the platform operator".into(),
        });
    }
    require_role(
        &by,
        signer,
        role,
        &[Role::Cdo],
        "registering an organization",
        "the CDO role",
    )?;
    let code = check_credit_code(&p.credit_code)
        .map_err(|e| RuntimeError::InvalidIdentifier(e.to_string()))?;
    text("name", &p.name, 200)?;
    if st.contains(&keys::organization(&code))? {
        return Err(RuntimeError::OrganizationExists(code));
    }
    if p.members.is_empty() || p.members.len() > 64 {
        return Err(RuntimeError::InvalidField {
            field: "members",
            reason: format!("{} given, 1 to 64 allowed", p.members.len()),
        });
    }
    for (i, m) in p.members.iter().enumerate() {
        if let Some(existing) = st.read::<String>(&keys::member_key(&m.key))? {
            return Err(RuntimeError::KeyAlreadyMember {
                key: m.key.to_hex(),
                org: existing,
            });
        }
        if p.members[..i].iter().any(|o| o.key == m.key) {
            return Err(RuntimeError::InvalidField {
                field: "members",
                reason: format!("key {} is listed twice", m.key),
            });
        }
        st.write(keys::member_key(&m.key), &code);
    }
    let org = Organization {
        credit_code: code.clone(),
        name: p.name.trim().to_string(),
        kind: p.kind,
        members: p.members.clone(),
        registered_height: ctx.height,
    };
    st.write(keys::organization(&code), &org);
    Ok(vec![Event::OrganizationRegistered { credit_code: code }])
}
