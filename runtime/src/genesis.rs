//! Builds the genesis state from a [`GenesisSpec`], validating it as strictly as the
//! transactions that could have produced it.

use kuai_types::genesis::GenesisSpec;
use kuai_types::identifiers::check_credit_code;
use kuai_types::model::Organization;
use kuai_types::Hash;

use crate::commitment::state_root;
use crate::error::RuntimeError;
use crate::keys;
use crate::state::{MemState, Overlay, StateDiff};

/// Returns the genesis state diff and its commitment.
pub fn build(spec: &GenesisSpec) -> Result<(StateDiff, Hash), RuntimeError> {
    let empty = MemState::default();
    let mut st = Overlay::new(&empty);
    if spec.chain_id.trim().is_empty() {
        return Err(RuntimeError::InvalidField {
            field: "chain_id",
            reason: "must not be empty".into(),
        });
    }
    if spec.validators.is_empty() {
        return Err(RuntimeError::InvalidField {
            field: "validators",
            reason: "at least one validator is required".into(),
        });
    }
    for org in &spec.organizations {
        let code = check_credit_code(&org.credit_code)
            .map_err(|e| RuntimeError::InvalidIdentifier(e.to_string()))?;
        if st.contains(&keys::organization(&code))? {
            return Err(RuntimeError::OrganizationExists(code));
        }
        for m in &org.members {
            if let Some(existing) = st.read::<String>(&keys::member_key(&m.key))? {
                return Err(RuntimeError::KeyAlreadyMember {
                    key: m.key.to_hex(),
                    org: existing,
                });
            }
            st.write(keys::member_key(&m.key), &code);
        }
        let record = Organization {
            credit_code: code.clone(),
            name: org.name.clone(),
            kind: org.kind,
            members: org.members.clone(),
            registered_height: 0,
        };
        st.write(keys::organization(&code), &record);
    }
    for v in &spec.validators {
        if !st.contains(&keys::organization(&v.operator))? {
            return Err(RuntimeError::InvalidField {
                field: "validators.operator",
                reason: format!(
                    "validator {} names unknown organization {}",
                    v.key, v.operator
                ),
            });
        }
    }
    let diff = st.into_diff();
    let root = state_root(&Hash::ZERO, &diff);
    Ok((diff, root))
}
