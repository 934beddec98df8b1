//! Deciding a share request by the policy contract bound to its entry.
//!
//! Rules:
//! - the contract sees the request, the entry's current version, the requester's
//!   organization and role, the block height and time, and its own parameters;
//! - a decision to grant may only narrow what was asked: a non-empty subset of the
//!   requested fields, raw (unmasked) delivery only of fields asked for raw, a period
//!   no longer than requested, quotas of at least one; a reject needs a reason;
//! - anything else the contract does (trap, out of fuel, a limit, an output that does
//!   not decode, terms wider than asked) is recorded as `PolicyFailed` with the fuel
//!   used, its storage writes are dropped, and the request waits for the provider's
//!   officers as it would without a contract: a broken contract never blocks a
//!   requester nor grants by accident.

use std::collections::BTreeSet;

use kuai_contract_abi as abi;
use kuai_contract_abi::{decode, encode, names, Decision};
use kuai_types::model::{CatalogEntry, RequestChannel, ShareRequest};
use kuai_types::Event;

use super::contract::{instance, storage, wasm};
use super::share::Terms;
use super::Signer;
use crate::contracts;
use crate::error::RuntimeError;
use crate::execute::BlockContext;
use crate::keys;
use crate::state::Overlay;

/// What the contract decided.
pub(crate) enum Verdict {
    Grant(Terms),
    Reject(String),
    /// Left to the provider's officers (the contract deferred, or failed).
    Defer,
}

fn input(
    ctx: &BlockContext,
    instance_id: u64,
    params: &str,
    r: &ShareRequest,
    e: &CatalogEntry,
    by: &Signer,
) -> abi::PolicyInput {
    abi::PolicyInput {
        instance_id,
        params: params.into(),
        block_height: ctx.height,
        block_time_ms: ctx.time_ms,
        request: abi::Request {
            id: r.id,
            channel: match r.channel {
                RequestChannel::Sharing => abi::Channel::Sharing,
                RequestChannel::Opening => abi::Channel::Opening,
            },
            fields: r.fields.clone(),
            raw_fields: r.raw_fields.clone(),
            purpose: r.purpose.clone(),
            legal_basis: r.legal_basis.clone(),
            period_days: r.period_days,
        },
        entry: abi::Entry {
            id: e.id,
            version: e.version,
            provider: e.provider.clone(),
            name: e.spec.name.clone(),
            security_grade: e.spec.security_grade,
            fields: e
                .spec
                .fields
                .iter()
                .map(|f| abi::Field {
                    name: f.name.clone(),
                    sensitivity: f.sensitivity.name().into(),
                    masking: f.masking.name().into(),
                })
                .collect(),
        },
        requester: abi::Requester {
            org: by.code().into(),
            org_name: by.org.name.clone(),
            org_kind: by.org.kind.name().into(),
            role: by.role.name().into(),
        },
    }
}

/// Checks a contract's grant against the request: it may only narrow it.
fn terms(r: &ShareRequest, g: abi::GrantTerms) -> Result<Terms, String> {
    let asked: BTreeSet<&String> = r.fields.iter().collect();
    let fields = if g.fields.is_empty() {
        r.fields.clone()
    } else {
        g.fields
    };
    let mut seen = BTreeSet::new();
    for f in &fields {
        if !asked.contains(f) {
            return Err(format!("grants field {f:?}, which was not requested"));
        }
        if !seen.insert(f) {
            return Err(format!("grants field {f:?} twice"));
        }
    }
    for f in &g.raw_fields {
        if !r.raw_fields.contains(f) {
            return Err(format!(
                "grants field {f:?} raw, which was not asked for raw"
            ));
        }
        if !fields.contains(f) {
            return Err(format!("grants field {f:?} raw but not the field itself"));
        }
    }
    let period_days = match g.period_days {
        0 => r.period_days,
        d if d > r.period_days => {
            return Err(format!(
                "grants {d} days, more than the {} requested",
                r.period_days
            ))
        }
        d => d,
    };
    if g.quota_rows == Some(0) || g.quota_calls == Some(0) {
        return Err("a quota of zero grants nothing".into());
    }
    Ok(Terms {
        fields,
        raw_fields: g.raw_fields,
        period_days,
        quota_rows: g.quota_rows,
        quota_calls: g.quota_calls,
    })
}

/// Runs the contract `instance_id` on request `r` for entry `e`, requested by `by`.
pub(crate) fn decide(
    st: &mut Overlay<'_>,
    ctx: &BlockContext,
    instance_id: u64,
    r: &ShareRequest,
    e: &CatalogEntry,
    by: &Signer,
) -> Result<(Verdict, Event), RuntimeError> {
    let inst = instance(st, instance_id)?;
    let bytes = encode(&input(ctx, instance_id, &inst.params, r, e, by));
    let store = storage(st, instance_id)?;
    let code = inst.code_hash;
    let failed = |error: String, fuel_used| {
        (
            Verdict::Defer,
            Event::PolicyFailed {
                request_id: r.id,
                instance_id,
                error,
                fuel_used,
            },
        )
    };
    let outcome = match contracts::call(&code, || wasm(st, &code), names::DECIDE, &bytes, store)? {
        Ok(o) => o,
        Err(e) => return Ok(failed(e.reason, e.fuel_used)),
    };
    let fuel = outcome.fuel_used;
    let verdict = match decode::<Decision>(&outcome.output) {
        Err(err) => {
            return Ok(failed(
                format!("kuai_decide returned a malformed decision: {err}"),
                fuel,
            ))
        }
        Ok(Decision::Grant(g)) => match terms(r, g) {
            Ok(t) => Verdict::Grant(t),
            Err(why) => return Ok(failed(format!("the decision {why}"), fuel)),
        },
        Ok(Decision::Reject { reason }) => {
            let n = reason.trim().chars().count();
            if n == 0 || n > 1000 {
                return Ok(failed(
                    format!("a rejection needs a reason of 1 to 1000 characters, got {n}"),
                    fuel,
                ));
            }
            Verdict::Reject(reason)
        }
        Ok(Decision::Defer { .. }) => Verdict::Defer,
    };
    if let Some(store) = outcome.storage {
        st.write(keys::contract_storage(instance_id), &store);
    }
    let decision = match &verdict {
        Verdict::Grant(_) => "grant",
        Verdict::Reject(_) => "reject",
        Verdict::Defer => "defer",
    };
    Ok((
        verdict,
        Event::PolicyDecided {
            request_id: r.id,
            instance_id,
            decision: decision.into(),
            fuel_used: fuel,
            notes: outcome.events,
        },
    ))
}
