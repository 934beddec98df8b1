//! The lifecycle of policy contracts: upload, governance approval, instantiation,
//! binding to catalog entries, and upgrade.
//!
//! - upload: a CDO of a department or of the platform operator. The code is checked
//!   ([`crate::contracts::check_code`]) and stored by its SHA-256; the same code twice
//!   is refused. Uploaded code cannot run until a governance proposal
//!   (`ApproveContractCode`) approves its hash: code runs on every validator and decides
//!   for every department's data, so the consortium, not one department, admits it.
//! - instantiate: a CDO of a department or the operator, from approved code; the
//!   contract's `kuai_init` must accept the parameters. The signer's organization owns
//!   the instance.
//! - bind: the providing department's CDO binds one of its own instances to one of its
//!   entries (or unbinds); conditional share requests and open-on-application requests
//!   for that entry are then decided by the contract (see `share`).
//! - upgrade: the owner's CDO moves an instance to other approved code and/or
//!   parameters; `kuai_init` must accept them; the history keeps every version and the
//!   instance's storage is kept.

use kuai_contract_abi::{decode, encode, names, InitInput, InitOutcome};
use kuai_types::model::{ContractCode, ContractInstance, ContractVersion, OrgKind, Role};
use kuai_types::payload::{
    BindPolicyContract, InstantiateContract, UpgradeContract, UploadContractCode,
};
use kuai_types::{Event, Hash};

use super::{entry, text, Signer};
use crate::contracts::{self, limits, Storage};
use crate::error::RuntimeError;
use crate::execute::BlockContext;
use crate::keys;
use crate::state::{Overlay, StateRead};

fn require_owner_kind(by: &Signer, action: &'static str) -> Result<(), RuntimeError> {
    by.require(&[Role::Cdo], action, "the CDO role")?;
    match by.org.kind {
        OrgKind::Department | OrgKind::PlatformOperator => Ok(()),
        _ => Err(RuntimeError::WrongOrganization {
            org: by.code().into(),
            action,
            needed: "a department or the platform operator".into(),
        }),
    }
}

pub(crate) fn code_record(st: &Overlay<'_>, hash: &Hash) -> Result<ContractCode, RuntimeError> {
    st.read(&keys::contract_code(hash))?
        .ok_or_else(|| RuntimeError::UnknownContractCode {
            code_hash: hash.to_hex(),
        })
}

/// Code a proposal may approve: uploaded and not approved yet.
pub(crate) fn approvable(st: &Overlay<'_>, hash: &Hash) -> Result<ContractCode, RuntimeError> {
    let code = code_record(st, hash)?;
    if let Some(p) = code.approved_by_proposal {
        return Err(RuntimeError::InvalidField {
            field: "code_hash",
            reason: format!("code {hash} was already approved by proposal {p}"),
        });
    }
    Ok(code)
}

pub(crate) fn approve(
    st: &mut Overlay<'_>,
    hash: &Hash,
    proposal_id: u64,
) -> Result<Event, RuntimeError> {
    let mut code = approvable(st, hash)?;
    code.approved_by_proposal = Some(proposal_id);
    st.write(keys::contract_code(hash), &code);
    Ok(Event::ContractCodeApproved {
        code_hash: *hash,
        proposal_id,
    })
}

fn approved_code(st: &Overlay<'_>, hash: &Hash) -> Result<ContractCode, RuntimeError> {
    let code = code_record(st, hash)?;
    if code.approved_by_proposal.is_none() {
        return Err(RuntimeError::ContractCodeNotApproved {
            code_hash: hash.to_hex(),
        });
    }
    Ok(code)
}

pub(crate) fn instance(st: &Overlay<'_>, id: u64) -> Result<ContractInstance, RuntimeError> {
    st.read(&keys::contract_instance(id))?
        .ok_or(RuntimeError::UnknownContractInstance(id))
}

/// The stored WebAssembly of `hash`.
pub(crate) fn wasm(st: &Overlay<'_>, hash: &Hash) -> Result<Vec<u8>, RuntimeError> {
    st.get(&keys::contract_wasm(hash))?
        .ok_or_else(|| RuntimeError::CorruptState {
            key: format!("contract wasm {hash}"),
            reason: "code metadata exists but its bytes are missing".into(),
        })
}

pub(crate) fn storage(st: &Overlay<'_>, id: u64) -> Result<Storage, RuntimeError> {
    Ok(st.read(&keys::contract_storage(id))?.unwrap_or_default())
}

pub(crate) fn upload(
    st: &mut Overlay<'_>,
    ctx: &BlockContext,
    by: &Signer,
    p: &UploadContractCode,
) -> Result<Vec<Event>, RuntimeError> {
    require_owner_kind(by, "uploading contract code")?;
    text("name", &p.name, 128)?;
    let info = contracts::check_code(&p.code)?;
    if st.contains(&keys::contract_code(&info.hash))? {
        return Err(RuntimeError::ContractCodeExists {
            code_hash: info.hash.to_hex(),
        });
    }
    let code = ContractCode {
        hash: info.hash,
        name: p.name.clone(),
        size: info.size,
        uploaded_by: by.code().into(),
        uploaded_at: ctx.time_ms,
        approved_by_proposal: None,
    };
    st.write(keys::contract_code(&info.hash), &code);
    st.put_raw(keys::contract_wasm(&info.hash), p.code.clone());
    Ok(vec![Event::ContractCodeUploaded {
        code_hash: info.hash,
        name: code.name,
        size: code.size,
        uploaded_by: code.uploaded_by,
    }])
}

fn check_params(params: &str) -> Result<(), RuntimeError> {
    if params.len() > limits::MAX_PARAMS_BYTES {
        return Err(RuntimeError::InvalidField {
            field: "params",
            reason: format!(
                "{} bytes, at most {} allowed",
                params.len(),
                limits::MAX_PARAMS_BYTES
            ),
        });
    }
    Ok(())
}

/// Runs `kuai_init` of `code` for instance `id`; writes the storage it leaves.
fn init(
    st: &mut Overlay<'_>,
    ctx: &BlockContext,
    id: u64,
    code: &Hash,
    params: &str,
) -> Result<(), RuntimeError> {
    let input = encode(&InitInput {
        instance_id: id,
        params: params.into(),
        block_height: ctx.height,
        block_time_ms: ctx.time_ms,
    });
    let store = storage(st, id)?;
    let refused =
        |reason: String, fuel_used| RuntimeError::ContractParamsRefused { reason, fuel_used };
    let outcome = contracts::call(code, || wasm(st, code), names::INIT, &input, store)?
        .map_err(|e| refused(e.reason, e.fuel_used))?;
    match decode::<InitOutcome>(&outcome.output) {
        Ok(InitOutcome::Ok) => {}
        Ok(InitOutcome::InvalidParams { reason }) => {
            return Err(refused(reason, outcome.fuel_used))
        }
        Err(e) => {
            return Err(refused(
                format!("kuai_init returned a malformed outcome: {e}"),
                outcome.fuel_used,
            ))
        }
    }
    if let Some(store) = outcome.storage {
        st.write(keys::contract_storage(id), &store);
    }
    Ok(())
}

pub(crate) fn instantiate(
    st: &mut Overlay<'_>,
    ctx: &BlockContext,
    by: &Signer,
    p: &InstantiateContract,
) -> Result<Vec<Event>, RuntimeError> {
    require_owner_kind(by, "instantiating a contract")?;
    approved_code(st, &p.code_hash)?;
    text("label", &p.label, 128)?;
    check_params(&p.params)?;
    let id = st.next_id("contract_instance")?;
    init(st, ctx, id, &p.code_hash, &p.params)?;
    let instance = ContractInstance {
        id,
        label: p.label.clone(),
        owner: by.code().into(),
        code_hash: p.code_hash,
        params: p.params.clone(),
        version: 1,
        created_at: ctx.time_ms,
        history: vec![ContractVersion {
            version: 1,
            code_hash: p.code_hash,
            params: p.params.clone(),
            since: ctx.time_ms,
        }],
        entries: vec![],
    };
    st.write(keys::contract_instance(id), &instance);
    Ok(vec![Event::ContractInstantiated {
        instance_id: id,
        code_hash: p.code_hash,
        owner: instance.owner,
    }])
}

pub(crate) fn bind(
    st: &mut Overlay<'_>,
    by: &Signer,
    p: &BindPolicyContract,
) -> Result<Vec<Event>, RuntimeError> {
    let e = entry(st, p.entry_id)?;
    by.require_org(&e.provider, "binding a policy contract", || {
        format!("the providing department {}", e.provider)
    })?;
    by.require(&[Role::Cdo], "binding a policy contract", "the CDO role")?;
    if let Some(id) = p.instance_id {
        let inst = instance(st, id)?;
        if inst.owner != e.provider {
            return Err(RuntimeError::WrongOrganization {
                org: inst.owner,
                action: "binding a policy contract",
                needed: format!("an instance owned by the provider {}", e.provider),
            });
        }
    }
    if let Some(old) = st.read::<u64>(&keys::entry_policy(e.id))? {
        let mut inst = instance(st, old)?;
        inst.entries.retain(|x| *x != e.id);
        st.write(keys::contract_instance(old), &inst);
    }
    match p.instance_id {
        Some(id) => {
            let mut inst = instance(st, id)?;
            inst.entries.push(e.id);
            inst.entries.sort_unstable();
            st.write(keys::contract_instance(id), &inst);
            st.write(keys::entry_policy(e.id), &id);
        }
        None => st.delete(keys::entry_policy(e.id)),
    }
    Ok(vec![Event::PolicyContractBound {
        entry_id: e.id,
        instance_id: p.instance_id,
    }])
}

pub(crate) fn upgrade(
    st: &mut Overlay<'_>,
    ctx: &BlockContext,
    by: &Signer,
    p: &UpgradeContract,
) -> Result<Vec<Event>, RuntimeError> {
    let mut inst = instance(st, p.instance_id)?;
    by.require_org(&inst.owner, "upgrading a contract", || {
        format!("the owner {}", inst.owner)
    })?;
    by.require(&[Role::Cdo], "upgrading a contract", "the CDO role")?;
    approved_code(st, &p.code_hash)?;
    let params = p.params.clone().unwrap_or_else(|| inst.params.clone());
    check_params(&params)?;
    init(st, ctx, inst.id, &p.code_hash, &params)?;
    inst.version += 1;
    inst.code_hash = p.code_hash;
    inst.params = params.clone();
    inst.history.push(ContractVersion {
        version: inst.version,
        code_hash: p.code_hash,
        params,
        since: ctx.time_ms,
    });
    st.write(keys::contract_instance(inst.id), &inst);
    Ok(vec![Event::ContractUpgraded {
        instance_id: inst.id,
        code_hash: p.code_hash,
        version: inst.version,
    }])
}
