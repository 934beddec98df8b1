//! Heights, rounds, steps, the validator set and the configuration of the core.
//!
//! Rules:
//! - every validator has equal voting power; a quorum is *more than 2/3* of `n`
//!   (`3 * count > 2 * n`, which is `2f+1` for `n = 3f+1`), and the "f+1" threshold of
//!   the paper's L55 is *more than 1/3* (`3 * count > n`);
//! - the proposer of (height, round) is `validators[(height + round) mod n]`
//!   (round-robin over the set in its given order);
//! - timeouts grow linearly with the round: `base + delta * round`.

use kuai_types::PublicKey;
use serde::{Deserialize, Serialize};
use std::time::Duration;

use crate::error::ConsensusError;

/// A block height (the first block of a chain is height 1).
pub type Height = u64;
/// A round within a height, from 0.
pub type Round = u32;

/// The step of the current round (the paper's `step_p`), ordered as the paper orders them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Step {
    /// Before [`crate::Input::Start`].
    Unstarted,
    Propose,
    Prevote,
    Precommit,
}

/// The validators of a height, in proposer order. Equal voting power.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidatorSet {
    validators: Vec<PublicKey>,
}

impl ValidatorSet {
    pub fn new(validators: Vec<PublicKey>) -> Result<Self, ConsensusError> {
        if validators.is_empty() {
            return Err(ConsensusError::EmptyValidatorSet);
        }
        let mut seen = std::collections::BTreeSet::new();
        for v in &validators {
            if !seen.insert(*v) {
                return Err(ConsensusError::DuplicateValidator(*v));
            }
        }
        Ok(ValidatorSet { validators })
    }

    pub fn len(&self) -> usize {
        self.validators.len()
    }

    pub fn is_empty(&self) -> bool {
        self.validators.is_empty()
    }

    pub fn keys(&self) -> &[PublicKey] {
        &self.validators
    }

    pub fn index_of(&self, key: &PublicKey) -> Option<usize> {
        self.validators.iter().position(|v| v == key)
    }

    /// Index of the proposer of (height, round): round-robin by `height + round`.
    pub fn proposer_index(&self, height: Height, round: Round) -> usize {
        let n = self.validators.len() as u64;
        ((height % n + u64::from(round) % n) % n) as usize
    }

    pub fn proposer(&self, height: Height, round: Round) -> PublicKey {
        self.validators[self.proposer_index(height, round)]
    }

    /// More than 2/3 of the validators (the paper's `2f+1`).
    pub fn is_quorum(&self, count: usize) -> bool {
        3 * count > 2 * self.validators.len()
    }

    /// More than 1/3 of the validators (the paper's `f+1`).
    pub fn is_one_third(&self, count: usize) -> bool {
        3 * count > self.validators.len()
    }
}

/// The three timeouts of a round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TimeoutStep {
    Propose,
    Prevote,
    Precommit,
}

/// A timeout the core asked for; the driver hands it back as
/// [`crate::Input::TimeoutElapsed`] when it fires. Stale ones are ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Timeout {
    pub height: Height,
    pub round: Round,
    pub step: TimeoutStep,
}

/// `base + delta * round` for one kind of timeout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeoutGrowth {
    pub base: Duration,
    pub delta: Duration,
}

impl TimeoutGrowth {
    pub fn for_round(&self, round: Round) -> Duration {
        self.base.saturating_add(self.delta.saturating_mul(round))
    }
}

/// Configuration of a [`crate::Core`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    pub chain_id: String,
    pub timeout_propose: TimeoutGrowth,
    pub timeout_prevote: TimeoutGrowth,
    pub timeout_precommit: TimeoutGrowth,
    /// Messages for rounds more than this far above the current round are dropped, which
    /// bounds the memory a Byzantine validator can make the core use.
    pub max_rounds_ahead: Round,
}

impl Config {
    /// Tendermint-like defaults: propose 3 s + 0.5 s/round, prevote and precommit
    /// 1 s + 0.5 s/round.
    pub fn new(chain_id: impl Into<String>) -> Self {
        let ms = Duration::from_millis;
        Config {
            chain_id: chain_id.into(),
            timeout_propose: TimeoutGrowth {
                base: ms(3000),
                delta: ms(500),
            },
            timeout_prevote: TimeoutGrowth {
                base: ms(1000),
                delta: ms(500),
            },
            timeout_precommit: TimeoutGrowth {
                base: ms(1000),
                delta: ms(500),
            },
            max_rounds_ahead: 1000,
        }
    }

    pub fn timeout_duration(&self, timeout: &Timeout) -> Duration {
        let growth = match timeout.step {
            TimeoutStep::Propose => &self.timeout_propose,
            TimeoutStep::Prevote => &self.timeout_prevote,
            TimeoutStep::Precommit => &self.timeout_precommit,
        };
        growth.for_round(timeout.round)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kuai_types::Keypair;

    fn set(n: usize) -> ValidatorSet {
        ValidatorSet::new(
            (0..n)
                .map(|i| Keypair::from_seed(&format!("v{i}")).public())
                .collect(),
        )
        .unwrap()
    }

    #[test]
    fn thresholds() {
        let s4 = set(4);
        assert!(!s4.is_quorum(2) && s4.is_quorum(3));
        assert!(!s4.is_one_third(1) && s4.is_one_third(2));
        let s7 = set(7);
        assert!(!s7.is_quorum(4) && s7.is_quorum(5));
        assert!(!s7.is_one_third(2) && s7.is_one_third(3));
    }

    #[test]
    fn proposer_rotates_by_height_plus_round() {
        let s = set(4);
        assert_eq!(s.proposer_index(1, 0), 1);
        assert_eq!(s.proposer_index(1, 1), 2);
        assert_eq!(s.proposer_index(2, 0), 2);
        assert_eq!(s.proposer_index(3, 2), 1);
        assert_eq!(
            s.proposer_index(u64::MAX, u32::MAX),
            ((u64::MAX % 4 + 3) % 4) as usize
        );
    }

    #[test]
    fn rejects_bad_sets_and_timeouts_grow() {
        assert_eq!(
            ValidatorSet::new(vec![]),
            Err(ConsensusError::EmptyValidatorSet)
        );
        let k = Keypair::from_seed("a").public();
        assert_eq!(
            ValidatorSet::new(vec![k, k]),
            Err(ConsensusError::DuplicateValidator(k))
        );
        let c = Config::new("x");
        let t = |round| Timeout {
            height: 1,
            round,
            step: TimeoutStep::Prevote,
        };
        assert!(c.timeout_duration(&t(3)) > c.timeout_duration(&t(2)));
        assert_eq!(c.timeout_duration(&t(2)), Duration::from_millis(2000));
    }
}
