//! Organizations and their keys.
//!
//! - register organization: the platform operator's CDO registers outside applicants;
//!   every other kind joins through governance. The credit code must be valid and new.
//! - add / remove member: by the organization's CDO; a key belongs to one organization
//!   for ever (never reused); the last CDO cannot be removed.
//! - rotate key: the key itself names its successor, which takes its role; the old key
//!   stays in the history, valid for the heights before the rotation.
//! - approval threshold: a department's CDO sets k (1 to the number of its CDO and
//!   reviewer keys) for share-request approvals.

use kuai_types::identifiers::check_credit_code;
use kuai_types::model::{Member, MemberKey, OrgKind, Organization, Role};
use kuai_types::payload::{
    AddMember, RegisterOrganization, RemoveMember, RotateKey, SetApprovalThreshold,
};
use kuai_types::{Event, PublicKey};

use super::{text, Signer};
use crate::error::RuntimeError;
use crate::execute::BlockContext;
use crate::keys;
use crate::state::Overlay;

pub(crate) fn register(
    st: &mut Overlay<'_>,
    ctx: &BlockContext,
    by: &Signer,
    p: &RegisterOrganization,
) -> Result<Vec<Event>, RuntimeError> {
    if by.org.kind != OrgKind::PlatformOperator {
        return Err(RuntimeError::WrongOrganization {
            org: by.code().into(),
            action: "registering an applicant",
            needed: "the platform operator".into(),
        });
    }
    by.require(&[Role::Cdo], "registering an applicant", "the CDO role")?;
    if p.kind != OrgKind::ExternalApplicant {
        return Err(RuntimeError::RequiresGovernance {
            kind: format!("{:?}", p.kind),
        });
    }
    create(st, ctx.height, p).map(|code| vec![Event::OrganizationRegistered { credit_code: code }])
}

/// Creates an organization (from a transaction or a passed proposal).
pub(crate) fn create(
    st: &mut Overlay<'_>,
    height: u64,
    p: &RegisterOrganization,
) -> Result<String, RuntimeError> {
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
    if !p.members.iter().any(|m| m.role == Role::Cdo) {
        return Err(RuntimeError::InvalidField {
            field: "members",
            reason: "an organization needs a CDO".into(),
        });
    }
    let mut members = Vec::with_capacity(p.members.len());
    for (i, m) in p.members.iter().enumerate() {
        if p.members[..i].iter().any(|o| o.key == m.key) {
            return Err(RuntimeError::InvalidField {
                field: "members",
                reason: format!("key {} is listed twice", m.key),
            });
        }
        claim_key(st, &m.key, &code)?;
        members.push(MemberKey {
            key: m.key,
            role: m.role,
            added_height: height,
            removed_height: None,
            rotated_from: None,
        });
    }
    let org = Organization {
        credit_code: code.clone(),
        name: p.name.trim().to_string(),
        kind: p.kind,
        members,
        registered_height: height,
        removed_height: None,
        approval_threshold: 1,
    };
    st.write(keys::organization(&code), &org);
    Ok(code)
}

/// Records that `key` belongs to `org`, refusing a key any organization ever had.
fn claim_key(st: &mut Overlay<'_>, key: &PublicKey, org: &str) -> Result<(), RuntimeError> {
    if let Some(existing) = st.read::<String>(&keys::member_key(key))? {
        return Err(RuntimeError::KeyAlreadyMember {
            key: key.to_hex(),
            org: existing,
        });
    }
    st.write(keys::member_key(key), &org.to_string());
    Ok(())
}

pub(crate) fn add_member(
    st: &mut Overlay<'_>,
    ctx: &BlockContext,
    by: &Signer,
    p: &AddMember,
) -> Result<Vec<Event>, RuntimeError> {
    by.require(&[Role::Cdo], "adding a member key", "the CDO role")?;
    let Member { key, role } = p.member.clone();
    claim_key(st, &key, by.code())?;
    let mut org = (*by.org).clone();
    org.members.push(MemberKey {
        key,
        role,
        added_height: ctx.height,
        removed_height: None,
        rotated_from: None,
    });
    st.write(keys::organization(by.code()), &org);
    Ok(vec![Event::MemberAdded {
        organization: org.credit_code,
        key,
        role,
    }])
}

pub(crate) fn remove_member(
    st: &mut Overlay<'_>,
    ctx: &BlockContext,
    by: &Signer,
    p: &RemoveMember,
) -> Result<Vec<Event>, RuntimeError> {
    by.require(&[Role::Cdo], "removing a member key", "the CDO role")?;
    let mut org = (*by.org).clone();
    let role = org
        .role_of(&p.key)
        .ok_or_else(|| RuntimeError::NotAMember {
            key: p.key.to_hex(),
            org: org.credit_code.clone(),
        })?;
    if role == Role::Cdo && org.active_members().filter(|m| m.role == Role::Cdo).count() == 1 {
        return Err(RuntimeError::LastCdo {
            org: org.credit_code,
        });
    }
    retire(&mut org, &p.key, ctx.height);
    st.write(keys::organization(&org.credit_code), &org);
    Ok(vec![Event::MemberRemoved {
        organization: org.credit_code,
        key: p.key,
    }])
}

fn retire(org: &mut Organization, key: &PublicKey, height: u64) {
    for m in org
        .members
        .iter_mut()
        .filter(|m| &m.key == key && m.active())
    {
        m.removed_height = Some(height);
    }
}

pub(crate) fn rotate_key(
    st: &mut Overlay<'_>,
    ctx: &BlockContext,
    by: &Signer,
    p: &RotateKey,
) -> Result<Vec<Event>, RuntimeError> {
    claim_key(st, &p.new_key, by.code())?;
    let mut org = (*by.org).clone();
    retire(&mut org, &by.key, ctx.height);
    org.members.push(MemberKey {
        key: p.new_key,
        role: by.role,
        added_height: ctx.height,
        removed_height: None,
        rotated_from: Some(by.key),
    });
    st.write(keys::organization(by.code()), &org);
    Ok(vec![Event::KeyRotated {
        organization: org.credit_code,
        old_key: by.key,
        new_key: p.new_key,
    }])
}

pub(crate) fn set_approval_threshold(
    st: &mut Overlay<'_>,
    by: &Signer,
    p: &SetApprovalThreshold,
) -> Result<Vec<Event>, RuntimeError> {
    by.require(
        &[Role::Cdo],
        "setting the approval threshold",
        "the CDO role",
    )?;
    let officers = by
        .org
        .active_members()
        .filter(|m| matches!(m.role, Role::Cdo | Role::Reviewer))
        .count();
    if p.threshold == 0 || usize::from(p.threshold) > officers {
        return Err(RuntimeError::InvalidField {
            field: "threshold",
            reason: format!(
                "{} is outside 1 to {officers} (the organization's CDO and reviewer keys)",
                p.threshold
            ),
        });
    }
    let mut org = (*by.org).clone();
    org.approval_threshold = p.threshold;
    st.write(keys::organization(by.code()), &org);
    Ok(vec![Event::ApprovalThresholdSet {
        organization: org.credit_code,
        threshold: p.threshold,
    }])
}
