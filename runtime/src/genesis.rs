//! Builds the genesis state from a [`GenesisSpec`], validating it as strictly as the
//! transactions that could have produced it.

use kuai_types::genesis::GenesisSpec;
use kuai_types::model::{Parameters, ValidatorInfo};
use kuai_types::payload::RegisterOrganization;
use kuai_types::Hash;

use crate::commitment::state_root;
use crate::error::RuntimeError;
use crate::state::{MemState, Overlay, StateDiff};
use crate::{calendar, keys, tx};

/// Returns the genesis state diff and its commitment.
pub fn build(spec: &GenesisSpec) -> Result<(StateDiff, Hash), RuntimeError> {
    let empty = MemState::default();
    let mut st = Overlay::new(&empty);
    let invalid =
        |field: &'static str, reason: String| RuntimeError::InvalidField { field, reason };
    if spec.chain_id.trim().is_empty() || spec.chain_id.len() > 64 {
        return Err(invalid("chain_id", "must be 1 to 64 characters".into()));
    }
    if spec.validators.is_empty() {
        return Err(invalid(
            "validators",
            "at least one validator is required".into(),
        ));
    }
    let params = spec.parameters.clone().unwrap_or_default();
    tx::validate_parameters(&params)?;
    st.write(keys::PARAMETERS.to_vec(), &params);
    for org in &spec.organizations {
        let p = RegisterOrganization {
            credit_code: org.credit_code.clone(),
            name: org.name.clone(),
            kind: org.kind,
            members: org.members.clone(),
        };
        tx::create_organization(&mut st, 0, &p)?;
        if org.kind.votes_in_governance() {
            tx::count_governing(&mut st, 1)?;
        }
    }
    let mut validators: Vec<ValidatorInfo> = Vec::new();
    for v in &spec.validators {
        tx::organization(&st, &v.operator).map_err(|_| {
            invalid(
                "validators.operator",
                format!(
                    "validator {} names unknown organization {}",
                    v.key, v.operator
                ),
            )
        })?;
        if validators.iter().any(|x| x.key == v.key) {
            return Err(invalid("validators", format!("{} is listed twice", v.key)));
        }
        validators.push(ValidatorInfo {
            key: v.key,
            operator: v.operator.clone(),
        });
    }
    st.write(keys::VALIDATORS.to_vec(), &validators);
    if spec.access_event_buckets_from > 0 {
        st.write(
            keys::ACCESS_BUCKETS_FROM.to_vec(),
            &spec.access_event_buckets_from,
        );
    }
    if spec.deadline_groups_from > 0 {
        st.write(
            keys::DEADLINE_GROUPS_FROM.to_vec(),
            &spec.deadline_groups_from,
        );
    }
    for cal in &spec.calendars {
        calendar::validate(cal)?;
        st.write(keys::calendar(cal.year), cal);
    }
    st.write(
        keys::LAST_DEADLINE_DAY.to_vec(),
        &calendar::day_of(spec.genesis_time_ms),
    );
    let diff = st.into_diff();
    let root = state_root(&Hash::ZERO, &diff);
    Ok((diff, root))
}

/// The parameters a genesis spec starts with.
pub fn parameters(spec: &GenesisSpec) -> Parameters {
    spec.parameters.clone().unwrap_or_default()
}
