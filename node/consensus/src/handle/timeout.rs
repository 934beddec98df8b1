//! Timeouts: L57 (OnTimeoutPropose), L61 (OnTimeoutPrevote), L65 (OnTimeoutPrecommit).
//! A timeout whose (height, round) is no longer current, or whose step has passed, is
//! ignored, as in the paper.

use kuai_types::certificate::VoteKind;

use crate::effect::Effect;
use crate::state::Core;
use crate::types::{Step, Timeout, TimeoutStep};

impl Core {
    pub(crate) fn on_timeout(&mut self, t: Timeout, out: &mut Vec<Effect>) {
        if t.height != self.height || t.round != self.round {
            return;
        }
        match t.step {
            // L57-L60
            TimeoutStep::Propose if self.step == Step::Propose => {
                self.vote(VoteKind::Prevote, None, out);
                self.step = Step::Prevote;
            }
            // L61-L64
            TimeoutStep::Prevote if self.step == Step::Prevote => {
                self.vote(VoteKind::Precommit, None, out);
                self.step = Step::Precommit;
            }
            // L65-L67
            TimeoutStep::Precommit => {
                let next = self.round.saturating_add(1);
                self.start_round(next, out);
            }
            _ => return,
        }
        self.apply_rules(out);
    }
}
