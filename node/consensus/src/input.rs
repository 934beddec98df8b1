//! What the driver feeds the core. Every input is serde-serializable so the driver can
//! write it to the write-ahead log before handing it over (see [`crate::wal`]).

use kuai_types::certificate::CommitCertificate;
use kuai_types::Hash;
use serde::{Deserialize, Serialize};

use crate::message::{SignedProposal, SignedVote};
use crate::safety::SafetyRecord;
use crate::types::{Height, Round, Timeout};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Input {
    /// Start consensus at `height` (the height after the last committed block), with the
    /// safety record loaded from disk (`None` on a fresh node). This is the outcome of the
    /// driver's state restore; it must be the first input, and only once.
    Start {
        height: Height,
        safety: Option<SafetyRecord>,
    },
    /// A proposal from the network whose signature the driver has checked
    /// ([`SignedProposal::verify`]).
    Proposal(SignedProposal),
    /// A vote from the network whose signature the driver has checked
    /// ([`SignedVote::verify`]).
    Vote(SignedVote),
    /// A timeout the core scheduled with [`crate::Effect::ScheduleTimeout`] has elapsed.
    TimeoutElapsed(Timeout),
    /// The application's value (block hash) for a round this node leads, answering
    /// [`crate::Effect::RequestProposal`]. The driver keeps the block body to gossip it.
    ProposalValue {
        height: Height,
        round: Round,
        value: Hash,
    },
    /// The application's verdict on a value, answering
    /// [`crate::Effect::RequestValidation`]. `valid: false` means the block is *known to
    /// be invalid* (it decodes to a block that breaks a rule); while the block body is not
    /// yet available the application must not answer at all ("not yet" is silence).
    Validity {
        height: Height,
        value: Hash,
        valid: bool,
    },
    /// A commit certificate for the current height obtained by block sync (the driver
    /// also fetched the block). The core verifies it and decides.
    Synced(CommitCertificate),
}
