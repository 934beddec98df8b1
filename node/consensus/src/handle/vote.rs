//! PREVOTE and PRECOMMIT messages from the network: checks and counting. The rules that
//! act on vote counts (L28, L34, L36, L44, L47, L49, L55) run in [`super::rules`].

use crate::effect::Effect;
use crate::error::ConsensusError;
use crate::message::SignedVote;
use crate::state::Core;
use crate::votes::AddVote;

impl Core {
    pub(crate) fn on_vote(&mut self, signed: SignedVote, out: &mut Vec<Effect>) {
        let v = &signed.vote;
        let (index, is_next) = match self.admit(&v.chain_id, &signed.validator, v.height, v.round) {
            Ok(admitted) => admitted,
            Err(e) => return out.push(Effect::Rejected(e)),
        };
        let (validator, height, round, kind, second_value) =
            (signed.validator, v.height, v.round, v.kind, v.block_hash);
        let msgs = if is_next {
            &mut self.next
        } else {
            &mut self.msgs
        };
        match msgs.votes.add(index, signed) {
            AddVote::Added => {
                if !is_next {
                    self.apply_rules(out);
                }
            }
            AddVote::Duplicate => {}
            AddVote::Equivocation { first, counted } => {
                out.push(Effect::Rejected(ConsensusError::Equivocation {
                    validator,
                    height,
                    round,
                    step: kind.into(),
                    first,
                    second: second_value,
                    counted,
                }));
                if counted && !is_next {
                    self.apply_rules(out);
                }
            }
        }
    }
}
