//! The one error enum of `kuai-consensus`.
//!
//! Errors never abort [`crate::Core::handle`]: an input that cannot be used is dropped and
//! reported as [`crate::Effect::Rejected`], so the effects already produced by the same
//! input are never lost. Variants carry the numbers needed to act on them.

use kuai_types::{Hash, PublicKey, TypesError};
use thiserror::Error;

use crate::safety::SignStep;
use crate::types::{Height, Round};

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ConsensusError {
    #[error("the validator set is empty")]
    EmptyValidatorSet,
    #[error("validator {0} appears twice in the validator set")]
    DuplicateValidator(PublicKey),
    #[error("the core has not been started: send Input::Start first")]
    NotStarted,
    #[error("the core was already started at height {height}")]
    AlreadyStarted { height: Height },
    #[error("message for chain {found:?}, this node runs chain {expected:?}")]
    WrongChain { expected: String, found: String },
    #[error("message signed by {0}, who is not a validator")]
    UnknownValidator(PublicKey),
    #[error(
        "proposal for height {height} round {round} from {found}, but the proposer is {expected}"
    )]
    WrongProposer {
        height: Height,
        round: Round,
        expected: PublicKey,
        found: PublicKey,
    },
    #[error("proposal for height {height} round {round} names proof-of-lock round {pol_round}, which is not below the round")]
    InvalidPolRound {
        height: Height,
        round: Round,
        pol_round: Round,
    },
    #[error("message for height {height}, the core is at height {current} and only keeps this height and the next")]
    HeightOutOfRange { height: Height, current: Height },
    #[error("message for round {round} at height {height}, more than {max_ahead} rounds ahead of round {current}")]
    RoundTooFarAhead {
        height: Height,
        round: Round,
        current: Round,
        max_ahead: Round,
    },
    #[error("validator {validator} equivocated: two different {step:?} messages for height {height} round {round}, for {first:?} and {second:?} (second counted: {counted})")]
    Equivocation {
        validator: PublicKey,
        height: Height,
        round: Round,
        step: SignStep,
        first: Option<Hash>,
        second: Option<Hash>,
        counted: bool,
    },
    #[error("proposal value for height {height} round {round} arrived when not wanted (the core is at height {current_height} round {current_round} and is not waiting for it)")]
    UnexpectedProposalValue {
        height: Height,
        round: Round,
        current_height: Height,
        current_round: Round,
    },
    #[error("safety guard refused to sign {step:?} at height {height} round {round} for {requested:?}: it already signed {signed:?} there")]
    SafetyConflict {
        height: Height,
        round: Round,
        step: SignStep,
        signed: Option<Hash>,
        requested: Option<Hash>,
    },
    #[error("safety guard refused to sign {step:?} at height {height} round {round}: it already signed {last_step:?} at height {last_height} round {last_round}")]
    SafetyRegression {
        height: Height,
        round: Round,
        step: SignStep,
        last_height: Height,
        last_round: Round,
        last_step: SignStep,
    },
    #[error("safety record belongs to validator {record}, this node signs as {key}")]
    SafetyRecordKeyMismatch { record: PublicKey, key: PublicKey },
    #[error("safety record is for chain {found:?}, this node runs chain {expected:?}")]
    SafetyRecordChainMismatch { expected: String, found: String },
    #[error("node {0} is not in the validator set and cannot sign")]
    NotAValidator(PublicKey),
    #[error("commit certificate for height {height} does not verify: {source}")]
    InvalidCertificate {
        height: Height,
        #[source]
        source: TypesError,
    },
}
