//! Kuai's BFT consensus core: Tendermint (Buchman, Kwon, Milosevic, "The latest gossip on
//! BFT consensus", 2018, Algorithm 1) as a pure state machine.
//!
//! [`Core::handle`] takes an [`Input`] and returns the [`Effect`]s the driver must execute
//! in order. There is no I/O, no clock and no randomness here: timers are effects, the
//! network, the disk and the application live in the driver (or the test simulator).
//! The core agrees on block *hashes*; the application builds and validates blocks.
//!
//! # Rules enforced (line numbers of Algorithm 1; the code cites them as `// L28`)
//! - StartRound (L11): round-robin proposer by `(height + round) mod n`; the proposer
//!   re-proposes validValue with validRound (L15) or asks the application (L18).
//! - L22 / L28: prevote the round's proposal if valid and compatible with the lock
//!   (`lockedRound = -1 ∨ lockedValue = v`, resp. `lockedRound <= vr ∨ lockedValue = v`
//!   with 2f+1 prevotes for v in round vr < r), otherwise prevote nil.
//! - L34 / L47: schedule timeoutPrevote / timeoutPrecommit once per round on 2f+1
//!   prevotes / precommits for anything.
//! - L36: on the proposal, 2f+1 prevotes for it and valid(v), once per round: at step
//!   prevote lock it and precommit it; in any case set validValue/validRound.
//! - L44: 2f+1 prevotes for nil at step prevote → precommit nil.
//! - L49: 2f+1 precommits for v in any round of the height and valid(v) → decide, with a
//!   [`kuai_types::certificate::CommitCertificate`] of those precommits; then L52-L54:
//!   next height, reset locks, StartRound(0).
//! - L55: messages from f+1 validators in a higher round → StartRound(that round).
//! - L57 / L61 / L65: the timeouts (prevote nil, precommit nil, next round).
//! - Thresholds with equal power: 2f+1 is *more than 2/3 of n*, f+1 *more than 1/3*.
//! - Every signature comes from the [`safety::SafetyGuard`], which persists (as an effect
//!   ordered before the broadcast) and refuses conflicting or backward messages.
//!
//! # Deviations from the paper
//! - `valid(v)` is asynchronous: the core emits [`Effect::RequestValidation`] and the
//!   rules that need it wait for [`Input::Validity`] (timeoutPropose bounds the wait at
//!   L22/L28). Our own proposed value is taken as valid.
//! - `getValue()` is asynchronous ([`Effect::RequestProposal`] /
//!   [`Input::ProposalValue`]), so the proposer also schedules timeoutPropose (L21 is
//!   for every node, not only non-proposers).
//! - L49 does not require the PROPOSAL message: 2f+1 precommits for v (more than 1/3 of
//!   them honest, each of which saw a valid proposal) plus the local valid(v) suffice.
//!   This lets a node that missed the proposal decide once the driver fetched the block.
//! - Block sync: [`Input::Synced`] gives a verified commit certificate for the current
//!   height, which decides it like L49 (a node that fell behind catches up this way).
//! - Signatures of incoming messages are checked by the driver
//!   ([`message::ConsensusMessage::verify`]), not by the core; the core checks chain id,
//!   membership, proposer, height window and round window. Commit certificates from
//!   sync are verified by the core.
//! - Memory bounds: the core keeps messages of the current and the next height only,
//!   and of rounds at most [`Config::max_rounds_ahead`] above the current one. Like the
//!   paper, which counts messages, a validator that votes for two values in one (round,
//!   step) counts towards both (this matters for liveness: a polka one node saw must be
//!   visible to all); unlike the paper, only its first
//!   [`votes::MAX_VOTES_PER_VALIDATOR`] different votes are kept. Every such vote is
//!   reported as [`ConsensusError::Equivocation`] evidence. For proposals only the first
//!   one of a round is kept (L49 does not need the proposal, see above).
//! - When the safety guard refuses to sign (only possible after a restart that lost
//!   state), the step still advances and the node stays silent in that step.
//!
//! # Restart
//! See [`wal`]: `Core::restore(config, validators, key, height, safety_record, &wal)`.

#![forbid(unsafe_code)]

pub mod effect;
pub mod error;
mod handle;
pub mod input;
pub mod message;
pub mod safety;
mod state;
pub mod types;
pub mod votes;
pub mod wal;

#[cfg(test)]
mod tests;

pub use effect::{Decision, Effect};
pub use error::ConsensusError;
pub use input::Input;
pub use message::{ConsensusMessage, ProposalMessage, SignedProposal, SignedVote};
pub use safety::{SafetyGuard, SafetyRecord, SignStep};
pub use state::Core;
pub use types::{Config, Height, Round, Step, Timeout, TimeoutGrowth, TimeoutStep, ValidatorSet};
pub use votes::VoteKeeper;
pub use wal::Wal;
