//! One handler per input; every handler ends by running the upon-rules ([`rules`]).

mod app;
mod proposal;
mod rules;
mod timeout;
mod vote;

use crate::effect::Effect;
use crate::error::ConsensusError;
use crate::input::Input;
use crate::state::Core;
use crate::types::Step;

impl Core {
    /// Applies one input and returns the effects to execute, in order.
    pub fn handle(&mut self, input: Input) -> Vec<Effect> {
        let mut out = Vec::new();
        if self.step == Step::Unstarted && !matches!(input, Input::Start { .. }) {
            out.push(Effect::Rejected(ConsensusError::NotStarted));
            return out;
        }
        match input {
            Input::Start { height, safety } => self.on_start(height, safety, &mut out),
            Input::Proposal(p) => self.on_proposal(p, &mut out),
            Input::Vote(v) => self.on_vote(v, &mut out),
            Input::TimeoutElapsed(t) => self.on_timeout(t, &mut out),
            Input::ProposalValue {
                height,
                round,
                value,
            } => self.on_proposal_value(height, round, value, &mut out),
            Input::Validity {
                height,
                value,
                valid,
            } => self.on_validity(height, value, valid, &mut out),
            Input::Synced(certificate) => self.on_synced(certificate, &mut out),
        }
        out
    }
}
