//! One module per concern: each transaction type's validation, state changes and events.

mod access;
mod agreement;
mod catalog;
mod contract;
mod governance;
mod grant;
mod objection;
mod org;
mod policy;
mod share;

use std::cell::RefCell;
use std::sync::Arc;

use kuai_types::model::{CatalogEntry, Grant, Organization, Role, ShareRequest};
use kuai_types::{Event, Payload, PublicKey, Transaction};

use crate::error::RuntimeError;
use crate::execute::BlockContext;
use crate::keys;
use crate::memo::DecodedMemo;
use crate::state::{Overlay, StateRead};

pub(crate) use governance::{count_governing, validate_parameters};
pub(crate) use org::create as create_organization;

pub(crate) fn apply(
    st: &mut Overlay<'_>,
    ctx: &BlockContext,
    tx: &Transaction,
) -> Result<Vec<Event>, RuntimeError> {
    let by = signer(st, &tx.signer)?;
    match &tx.payload {
        Payload::RegisterOrganization(p) => org::register(st, ctx, &by, p),
        Payload::AddMember(p) => org::add_member(st, ctx, &by, p),
        Payload::RemoveMember(p) => org::remove_member(st, ctx, &by, p),
        Payload::RotateKey(p) => org::rotate_key(st, ctx, &by, p),
        Payload::SetApprovalThreshold(p) => org::set_approval_threshold(st, &by, p),
        Payload::SubmitProposal(p) => governance::submit(st, ctx, &by, p),
        Payload::VoteProposal(p) => governance::vote(st, ctx, &by, p),
        Payload::RegisterCatalogEntry(p) => catalog::register(st, ctx, &by, p),
        Payload::UpdateCatalogEntry(p) => catalog::update(st, ctx, &by, p),
        Payload::ReviewCatalogEntry(p) => catalog::review(st, ctx, &by, p),
        Payload::DeclareChange(p) => catalog::declare_change(st, ctx, &by, p),
        Payload::SetNegativeList(p) => catalog::set_negative_list(st, &by, p),
        Payload::SubmitShareRequest(p) => share::submit(st, ctx, &by, p),
        Payload::ApproveShareRequest(p) => share::approve(st, ctx, &by, p),
        Payload::RejectShareRequest(p) => share::reject(st, ctx, &by, p),
        Payload::WithdrawShareRequest(p) => share::withdraw(st, &by, p),
        Payload::RevokeGrant(p) => grant::revoke(st, ctx, &by, p),
        Payload::RecordAccess(p) => access::record(st, ctx, &by, p),
        Payload::RaiseObjection(p) => objection::raise(st, ctx, &by, p),
        Payload::AnswerObjection(p) => objection::answer(st, ctx, &by, p),
        Payload::ProposeAgreement(p) => agreement::propose(st, ctx, &by, p),
        Payload::SignAgreement(p) => agreement::sign(st, ctx, &by, p),
        Payload::UploadContractCode(p) => contract::upload(st, ctx, &by, p),
        Payload::InstantiateContract(p) => contract::instantiate(st, ctx, &by, p),
        Payload::BindPolicyContract(p) => contract::bind(st, &by, p),
        Payload::UpgradeContract(p) => contract::upgrade(st, ctx, &by, p),
    }
}

/// The signer of a transaction: an active key of an active organization.
pub(crate) struct Signer {
    pub key: PublicKey,
    pub org: Arc<Organization>,
    pub role: Role,
}

impl Signer {
    pub fn code(&self) -> &str {
        &self.org.credit_code
    }

    /// Fails unless the key's role is one of `allowed`.
    pub fn require(
        &self,
        allowed: &[Role],
        action: &'static str,
        needed: &'static str,
    ) -> Result<(), RuntimeError> {
        if allowed.contains(&self.role) {
            Ok(())
        } else {
            Err(RuntimeError::NotAuthorized {
                key: self.key.to_hex(),
                org: self.org.credit_code.clone(),
                role: self.role,
                action,
                needed,
            })
        }
    }

    /// Fails unless the signer belongs to `org`.
    pub fn require_org(
        &self,
        org: &str,
        action: &'static str,
        needed: impl FnOnce() -> String,
    ) -> Result<(), RuntimeError> {
        if self.org.credit_code == org {
            Ok(())
        } else {
            Err(RuntimeError::WrongOrganization {
                org: self.org.credit_code.clone(),
                action,
                needed: needed(),
            })
        }
    }

    /// The CDO or a reviewer of `org`: who answers for a provider.
    pub fn require_officer_of(&self, org: &str, action: &'static str) -> Result<(), RuntimeError> {
        self.require_org(org, action, || format!("the providing department {org}"))?;
        self.require(
            &[Role::Cdo, Role::Reviewer],
            action,
            "the CDO or reviewer role",
        )
    }
}

pub(crate) fn signer(st: &Overlay<'_>, key: &PublicKey) -> Result<Signer, RuntimeError> {
    let unknown = || RuntimeError::UnknownSigner { key: key.to_hex() };
    let code: String = st.read(&keys::member_key(key))?.ok_or_else(unknown)?;
    let org = organization(st, &code).map_err(|_| unknown())?;
    let role = org.role_of(key).ok_or_else(unknown)?;
    Ok(Signer {
        key: *key,
        org,
        role,
    })
}

/// An active organization. Decoded records are memoized by their key and bytes (an
/// organization is read by every transaction its keys sign, and decoding its member list
/// was a tenth of a validator's time): the same bytes always decode to the same record,
/// so the memo ([`DecodedMemo`]) cannot change an outcome. It compares the bytes rather
/// than hashing them (hashing the whole record, member list and all, for every
/// transaction cost 4% of a validator).
pub(crate) fn organization(
    st: &Overlay<'_>,
    code: &str,
) -> Result<Arc<Organization>, RuntimeError> {
    let key = keys::organization(code);
    let unknown = || RuntimeError::UnknownOrganization(code.to_string());
    let bytes = st.get(&key)?.ok_or_else(unknown)?;
    let org = DECODED_ORGS.with(|memo| {
        memo.borrow_mut().get_or_decode(&key, Some(bytes), |b| {
            st.decode(&key, b.unwrap_or_default())
        })
    })?;
    if org.is_active() {
        Ok(org)
    } else {
        Err(unknown())
    }
}

/// Organizations memoized per thread (see [`organization`]).
const MAX_DECODED_ORGS: usize = 512;

thread_local! {
    static DECODED_ORGS: RefCell<DecodedMemo<Organization>> =
        RefCell::new(DecodedMemo::new(MAX_DECODED_ORGS));
}

pub(crate) fn entry(st: &Overlay<'_>, id: u64) -> Result<CatalogEntry, RuntimeError> {
    st.read(&keys::catalog_entry(id))?
        .ok_or(RuntimeError::UnknownEntry(id))
}

pub(crate) fn request(st: &Overlay<'_>, id: u64) -> Result<ShareRequest, RuntimeError> {
    st.read(&keys::share_request(id))?
        .ok_or(RuntimeError::UnknownRequest(id))
}

pub(crate) fn grant_record(st: &Overlay<'_>, id: u64) -> Result<Grant, RuntimeError> {
    st.read(&keys::grant(id))?
        .ok_or(RuntimeError::UnknownGrant(id))
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

/// A period of use: 1 to 3,650 days.
pub(crate) fn period(days: u32) -> Result<u64, RuntimeError> {
    if !(1..=3650).contains(&days) {
        return Err(RuntimeError::InvalidField {
            field: "period_days",
            reason: format!("{days} is outside 1 to 3650 days"),
        });
    }
    Ok(u64::from(days) * crate::calendar::DAY_MS)
}

#[cfg(test)]
pub(crate) mod tests;
