//! PROPOSAL messages from the network: checks and storage. The rules that act on a
//! proposal (L22, L28, L36, L49) run in [`super::rules`].

use crate::effect::Effect;
use crate::error::ConsensusError;
use crate::message::SignedProposal;
use crate::safety::SignStep;
use crate::state::Core;

impl Core {
    pub(crate) fn on_proposal(&mut self, signed: SignedProposal, out: &mut Vec<Effect>) {
        let p = &signed.proposal;
        let (index, is_next) = match self.admit(&p.chain_id, &signed.proposer, p.height, p.round) {
            Ok(admitted) => admitted,
            Err(e) => return out.push(Effect::Rejected(e)),
        };
        // "from proposer(h, r)" in L22, L28, L36, L49.
        let expected = self.validators.proposer(p.height, p.round);
        if signed.proposer != expected {
            return out.push(Effect::Rejected(ConsensusError::WrongProposer {
                height: p.height,
                round: p.round,
                expected,
                found: signed.proposer,
            }));
        }
        // L28 needs vr < r; a proposal with vr >= r matches no rule.
        if let Some(pol_round) = p.pol_round {
            if pol_round >= p.round {
                return out.push(Effect::Rejected(ConsensusError::InvalidPolRound {
                    height: p.height,
                    round: p.round,
                    pol_round,
                }));
            }
        }
        let (height, round, value) = (p.height, p.round, p.value);
        let msgs = if is_next {
            &mut self.next
        } else {
            &mut self.msgs
        };
        if let Some(kept) = msgs.proposals.get(&round) {
            if kept.proposal != signed.proposal {
                out.push(Effect::Rejected(ConsensusError::Equivocation {
                    validator: signed.proposer,
                    height,
                    round,
                    step: SignStep::Propose,
                    first: Some(kept.proposal.value),
                    second: Some(value),
                    counted: false,
                }));
            }
            return;
        }
        msgs.votes.note_sender(round, index);
        msgs.proposals.insert(round, signed);
        if !is_next {
            // Ask the application early; the rules ask again only if still unknown.
            let _ = self.validity(value, round, out);
            self.apply_rules(out);
        }
    }
}
