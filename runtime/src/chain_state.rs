//! Chain-wide state: governed parameters, the validator set and its scheduled changes,
//! the per-department scorecards, and the heights from which a genesis put a state
//! format in force.
//!
//! Rules: a validator-set change passed at height `h` takes effect at the start of block
//! `h + validator_change_delay` (at least 1), so consensus learns the next set before it
//! must use it; the set is never empty.

use kuai_types::model::{Parameters, Scorecard, ValidatorInfo};
use kuai_types::Event;
use serde::{Deserialize, Serialize};

use crate::error::RuntimeError;
use crate::keys;
use crate::state::{Overlay, StateRead};

/// Whether block `height` is at or past the height stored under `key` (written at
/// genesis; absent or 0: never), on the state before the block.
pub fn in_force_from(state: &dyn StateRead, key: &[u8], height: u64) -> Result<bool, RuntimeError> {
    let from: Option<u64> = Overlay::new(state).read(key)?;
    Ok(from.is_some_and(|f| f > 0 && height >= f))
}

pub fn parameters(st: &Overlay<'_>) -> Result<Parameters, RuntimeError> {
    Ok(st.read(keys::PARAMETERS)?.unwrap_or_default())
}

pub fn validators(st: &Overlay<'_>) -> Result<Vec<ValidatorInfo>, RuntimeError> {
    Ok(st.read(keys::VALIDATORS)?.unwrap_or_default())
}

/// A validator set waiting for its height.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingValidators {
    pub effective_height: u64,
    pub validators: Vec<ValidatorInfo>,
}

/// The set that will be current once scheduled changes apply (for building the next change).
pub fn latest_validators(st: &Overlay<'_>) -> Result<Vec<ValidatorInfo>, RuntimeError> {
    match st.read::<PendingValidators>(keys::PENDING_VALIDATORS)? {
        Some(p) => Ok(p.validators),
        None => validators(st),
    }
}

pub fn schedule_validators(
    st: &mut Overlay<'_>,
    height: u64,
    set: Vec<ValidatorInfo>,
) -> Result<Event, RuntimeError> {
    let delay = parameters(st)?.validator_change_delay.max(1);
    let effective_height = height + delay;
    let keys_only = set.iter().map(|v| v.key).collect();
    st.write(
        keys::PENDING_VALIDATORS.to_vec(),
        &PendingValidators {
            effective_height,
            validators: set,
        },
    );
    Ok(Event::ValidatorSetScheduled {
        effective_height,
        validators: keys_only,
    })
}

/// At the start of a block: applies a scheduled set whose height has come. Returns the new set.
pub fn apply_scheduled(
    st: &mut Overlay<'_>,
    height: u64,
) -> Result<Option<Vec<ValidatorInfo>>, RuntimeError> {
    match st.read::<PendingValidators>(keys::PENDING_VALIDATORS)? {
        Some(p) if p.effective_height <= height => {
            st.write(keys::VALIDATORS.to_vec(), &p.validators);
            st.delete(keys::PENDING_VALIDATORS.to_vec());
            Ok(Some(p.validators))
        }
        _ => Ok(None),
    }
}

/// Changes an organization's scorecard.
pub fn score(
    st: &mut Overlay<'_>,
    org: &str,
    change: impl FnOnce(&mut Scorecard),
) -> Result<(), RuntimeError> {
    let key = keys::scorecard(org);
    let mut card: Scorecard = st.read(&key)?.unwrap_or_else(|| Scorecard {
        organization: org.to_string(),
        ..Default::default()
    });
    change(&mut card);
    st.write(key, &card);
    Ok(())
}
