//! One module per transaction type: its validation, state changes and events.

mod access;
mod catalog;
mod org;
mod share;

use kuai_types::model::{Organization, Role};
use kuai_types::{Event, Payload, PublicKey, Transaction};

use crate::error::RuntimeError;
use crate::execute::BlockContext;
use crate::keys;
use crate::state::Overlay;

pub(crate) fn apply(
    st: &mut Overlay<'_>,
    ctx: &BlockContext,
    tx: &Transaction,
) -> Result<Vec<Event>, RuntimeError> {
    let signer = &tx.signer;
    match &tx.payload {
        Payload::RegisterOrganization(p) => org::register(st, ctx, signer, p),
        Payload::RegisterCatalogEntry(p) => catalog::register(st, ctx, signer, p),
        Payload::SubmitShareRequest(p) => share::submit(st, ctx, signer, p),
        Payload::ApproveShareRequest(p) => share::approve(st, ctx, signer, p),
        Payload::RejectShareRequest(p) => share::reject(st, ctx, signer, p),
        Payload::RecordAccess(p) => access::record(st, ctx, signer, p),
    }
}

/// The organization a member key belongs to, and the key's role in it.
pub(crate) fn signer_org(
    st: &Overlay<'_>,
    key: &PublicKey,
) -> Result<(Organization, Role), RuntimeError> {
    let unknown = || RuntimeError::UnknownSigner { key: key.to_hex() };
    let code: String = st.read(&keys::member_key(key))?.ok_or_else(unknown)?;
    let org: Organization =
        st.read(&keys::organization(&code))?
            .ok_or_else(|| RuntimeError::CorruptState {
                key: format!("k/{key}"),
                reason: format!("names missing organization {code}"),
            })?;
    let role = org.role_of(key).ok_or_else(unknown)?;
    Ok((org, role))
}

/// Fails unless the key's role is one of `allowed`.
pub(crate) fn require_role(
    org: &Organization,
    key: &PublicKey,
    role: Role,
    allowed: &[Role],
    action: &'static str,
    needed: &'static str,
) -> Result<(), RuntimeError> {
    if allowed.contains(&role) {
        Ok(())
    } else {
        Err(RuntimeError::NotAuthorized {
            key: key.to_hex(),
            org: org.credit_code.clone(),
            role,
            action,
            needed,
        })
    }
}

/// Non-empty text of at most `max` characters.
pub(crate) fn text(field: &'static str, value: &str, max: usize) -> Result<(), RuntimeError> {
    let n = value.trim().chars().count();
    if n == 0 {
        return Err(RuntimeError::InvalidField {
            field,
            reason: "must not be empty".into(),
        });
    }
    if n > max {
        return Err(RuntimeError::InvalidField {
            field,
            reason: format!("{n} characters, at most {max} allowed"),
        });
    }
    Ok(())
}

/// A list of 1..=max distinct names, each valid text.
pub(crate) fn name_list(
    field: &'static str,
    names: &[String],
    max: usize,
) -> Result<(), RuntimeError> {
    if names.is_empty() || names.len() > max {
        return Err(RuntimeError::InvalidField {
            field,
            reason: format!("{} given, 1 to {max} allowed", names.len()),
        });
    }
    let mut seen = std::collections::BTreeSet::new();
    for n in names {
        text(field, n, 128)?;
        if !seen.insert(n) {
            return Err(RuntimeError::InvalidField {
                field,
                reason: format!("{n:?} appears twice"),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
