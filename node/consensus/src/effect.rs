//! What the core asks the driver to do. Effects must be executed **in order**: in
//! particular [`Effect::PersistSafety`] must be durably synced before any later effect
//! (the signature it guards is in a later `Broadcast*` effect).

use kuai_types::certificate::CommitCertificate;
use kuai_types::Hash;
use serde::{Deserialize, Serialize};
use std::time::Duration;

use crate::error::ConsensusError;
use crate::message::{SignedProposal, SignedVote};
use crate::safety::SafetyRecord;
use crate::types::{Height, Round, Timeout};

/// A decided block: the core moves to the next height right after emitting it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub height: Height,
    pub round: Round,
    pub value: Hash,
    pub certificate: CommitCertificate,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Write this record to disk and sync, replacing the previous one, before executing
    /// any later effect. A failed write is fatal: stop the node.
    PersistSafety(SafetyRecord),
    /// Send the proposal (and the block body with that hash) to all other validators.
    /// The core already counted its own message: do not feed it back.
    BroadcastProposal(SignedProposal),
    /// Send the vote to all other validators (the core already counted it).
    BroadcastVote(SignedVote),
    /// Hand `timeout` back as [`crate::Input::TimeoutElapsed`] after `duration`. Timers
    /// are never cancelled: the core ignores stale ones.
    ScheduleTimeout {
        timeout: Timeout,
        duration: Duration,
    },
    /// Build a block for (height, round) and answer with
    /// [`crate::Input::ProposalValue`] (the paper's `getValue()`).
    RequestProposal { height: Height, round: Round },
    /// Validate the block with hash `value` (fetch it if needed) and answer with
    /// [`crate::Input::Validity`] (the paper's `valid(v)`). Asked once per value and height.
    RequestValidation {
        height: Height,
        round: Round,
        value: Hash,
    },
    /// Commit the block: store it with its certificate, execute it, truncate the WAL.
    Decide(Decision),
    /// An input was dropped or a signature refused; log it (an equivocation is evidence
    /// against its validator, a safety refusal after a restart is expected, anything else
    /// from a peer may lower its score).
    Rejected(ConsensusError),
}
