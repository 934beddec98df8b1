//! Byzantine test actors. They wrap an honest core and change what leaves the node, so
//! the production code has no `if byzantine` branch anywhere.

use kuai_consensus::{
    ConsensusMessage, Core, Effect, Height, Input, ProposalMessage, SignedProposal, SignedVote,
};
use kuai_types::certificate::VoteMessage;
use kuai_types::crypto::SignDomain;
use kuai_types::{Hash, Keypair};

use crate::harness::{Action, Actor, NodeId};

/// Sends one proposal to half of the nodes and a different one (same height and round)
/// to the other half; does the same with its votes (value to one half, a conflicting
/// vote to the other). Its signing bypasses the safety guard: it holds the raw key.
pub struct Equivocator {
    pub core: Core,
    pub key: Keypair,
    pub me: NodeId,
    pub nodes: usize,
}

impl Equivocator {
    fn halves(&self) -> (Vec<NodeId>, Vec<NodeId>) {
        (0..self.nodes)
            .filter(|i| *i != self.me)
            .partition(|i| i % 2 == 0)
    }

    fn other_proposal(&self, p: &SignedProposal) -> SignedProposal {
        let proposal = ProposalMessage {
            value: Hash::tagged(b"kuai/sim/equivocation", &[&p.proposal.value.0]),
            ..p.proposal.clone()
        };
        let signature = self
            .key
            .sign(SignDomain::Proposal, &proposal.signing_bytes());
        SignedProposal {
            proposal,
            proposer: self.key.public(),
            signature,
        }
    }

    fn other_vote(&self, v: &SignedVote) -> SignedVote {
        let vote = VoteMessage {
            block_hash: match v.vote.block_hash {
                Some(_) => None,
                None => Some(Hash::tagged(b"kuai/sim/equivocation", &[])),
            },
            ..v.vote.clone()
        };
        let signature = self.key.sign(SignDomain::Vote, &vote.signing_bytes());
        SignedVote {
            vote,
            validator: self.key.public(),
            signature,
        }
    }
}

impl Actor for Equivocator {
    fn handle(&mut self, input: Input) -> Vec<Action> {
        let (a, b) = self.halves();
        let mut actions = Vec::new();
        for effect in self.core.handle(input) {
            match effect {
                Effect::BroadcastProposal(p) => {
                    let other = self.other_proposal(&p);
                    actions.push(Action::SendTo(a.clone(), ConsensusMessage::Proposal(p)));
                    actions.push(Action::SendTo(b.clone(), ConsensusMessage::Proposal(other)));
                }
                Effect::BroadcastVote(v) => {
                    let other = self.other_vote(&v);
                    actions.push(Action::SendTo(a.clone(), ConsensusMessage::Vote(v)));
                    actions.push(Action::SendTo(b.clone(), ConsensusMessage::Vote(other)));
                }
                other => actions.push(Action::Effect(other)),
            }
        }
        actions
    }

    fn height(&self) -> Height {
        self.core.height()
    }
}
