//! Signed consensus messages: proposals and votes.
//!
//! Rules:
//! - a proposal signs `SignDomain::Proposal` tag || canonical encoding of
//!   [`ProposalMessage`] (chain id first);
//! - a vote signs `SignDomain::Vote` tag || [`VoteMessage::signing_bytes`] (defined in
//!   `kuai-types` so commit certificates verify without this crate);
//! - the core agrees on block *hashes*: the block body travels outside consensus and the
//!   application validates it (see [`crate::Input::Validity`]).
//!
//! Signatures are produced only by the [`crate::safety::SafetyGuard`]. They are checked
//! by the driver with [`SignedProposal::verify`] / [`SignedVote::verify`] before a message
//! is handed to the core (the core checks membership, proposer and chain id, not
//! signatures: keeping ed25519 out of the state machine keeps it fast to simulate).

use kuai_types::certificate::{VoteKind, VoteMessage};
use kuai_types::codec;
use kuai_types::crypto::SignDomain;
use kuai_types::{Hash, PublicKey, Signature, TypesError};
use serde::{Deserialize, Serialize};

use crate::types::{Height, Round};

/// Largest encoded consensus message a driver should accept from the network.
pub const MAX_MESSAGE_BYTES: usize = 4 * 1024;

/// What a proposer signs: the value (block hash) it proposes for (height, round), and
/// the round of the polka that justifies re-proposing it (`pol_round`, the paper's
/// `validRound`; `None` is the paper's -1).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ProposalMessage {
    pub chain_id: String,
    pub height: Height,
    pub round: Round,
    pub value: Hash,
    pub pol_round: Option<Round>,
}

impl ProposalMessage {
    pub fn signing_bytes(&self) -> Vec<u8> {
        codec::encode(self)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedProposal {
    pub proposal: ProposalMessage,
    pub proposer: PublicKey,
    pub signature: Signature,
}

impl SignedProposal {
    pub fn verify(&self) -> Result<(), TypesError> {
        self.proposer.verify(
            SignDomain::Proposal,
            &self.proposal.signing_bytes(),
            &self.signature,
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedVote {
    pub vote: VoteMessage,
    pub validator: PublicKey,
    pub signature: Signature,
}

impl SignedVote {
    pub fn verify(&self) -> Result<(), TypesError> {
        self.validator.verify(
            SignDomain::Vote,
            &self.vote.signing_bytes(),
            &self.signature,
        )
    }

    pub fn kind(&self) -> VoteKind {
        self.vote.kind
    }
}

/// A consensus message as sent between nodes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConsensusMessage {
    Proposal(SignedProposal),
    Vote(SignedVote),
}

impl ConsensusMessage {
    pub fn height(&self) -> Height {
        match self {
            ConsensusMessage::Proposal(p) => p.proposal.height,
            ConsensusMessage::Vote(v) => v.vote.height,
        }
    }

    pub fn sender(&self) -> PublicKey {
        match self {
            ConsensusMessage::Proposal(p) => p.proposer,
            ConsensusMessage::Vote(v) => v.validator,
        }
    }

    /// Checks the signature (the driver calls this before [`crate::Core::handle`]).
    pub fn verify(&self) -> Result<(), TypesError> {
        match self {
            ConsensusMessage::Proposal(p) => p.verify(),
            ConsensusMessage::Vote(v) => v.verify(),
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        codec::encode(self)
    }

    /// Bounded decode ([`MAX_MESSAGE_BYTES`], no trailing bytes); does not verify.
    pub fn decode(bytes: &[u8]) -> Result<Self, TypesError> {
        codec::decode(bytes, MAX_MESSAGE_BYTES)
    }
}
