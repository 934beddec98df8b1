//! The upon-rules of Algorithm 1 that fire on the message log rather than on a single
//! input. After every input the core runs them to a fixpoint: each rule that fires
//! changes the state (step, round, height or a "first time" flag), so the loop ends.
//!
//! Order: L49 (decide) first, then L55 (round skip), then the rules of the current round.

use kuai_types::certificate::VoteKind;

use crate::effect::Effect;
use crate::state::Core;
use crate::types::{Step, TimeoutStep};

impl Core {
    pub(crate) fn apply_rules(&mut self, out: &mut Vec<Effect>) {
        if self.step == Step::Unstarted {
            return;
        }
        loop {
            let fired = self.rule_decide(out)
                || self.rule_round_skip(out)
                || self.rule_prevote_on_proposal(out)
                || self.rule_prevote_timeout(out)
                || self.rule_polka(out)
                || self.rule_polka_nil(out)
                || self.rule_precommit_timeout(out);
            if !fired {
                return;
            }
        }
    }

    /// L49: 2f+1 PRECOMMIT(h, r, id(v)) (any round r) and valid(v) → decide v.
    /// Deviation: the proposal message itself is not required (see the crate docs).
    fn rule_decide(&mut self, out: &mut Vec<Effect>) -> bool {
        for (round, value) in self.msgs.votes.precommit_quorums() {
            if self.validity(value, round, out) == Some(true) {
                let certificate = self.certificate(round, value);
                self.decide(certificate, out);
                return true;
            }
        }
        false
    }

    /// L55: f+1 messages of a round above ours → StartRound(that round).
    fn rule_round_skip(&mut self, out: &mut Vec<Effect>) -> bool {
        match self.msgs.votes.highest_round_with_one_third(self.round) {
            Some(round) => {
                self.start_round(round, out);
                true
            }
            None => false,
        }
    }

    /// L22 (vr = -1) and L28 (0 <= vr < r, with 2f+1 PREVOTE(h, vr, id(v))): prevote on
    /// the round's proposal.
    fn rule_prevote_on_proposal(&mut self, out: &mut Vec<Effect>) -> bool {
        if self.step != Step::Propose {
            return false;
        }
        let Some(p) = self.msgs.proposals.get(&self.round) else {
            return false;
        };
        let (value, pol_round) = (p.proposal.value, p.proposal.pol_round);
        let accept = match pol_round {
            // L22
            None => {
                let Some(valid) = self.validity(value, self.round, out) else {
                    return false;
                };
                // L23: valid(v) ∧ (lockedRound = -1 ∨ lockedValue = v)
                valid
                    && match self.locked {
                        None => true,
                        Some((locked_value, _)) => locked_value == value,
                    }
            }
            // L28
            Some(vr) => {
                if !self
                    .msgs
                    .votes
                    .has_quorum_for(vr, VoteKind::Prevote, Some(value))
                {
                    return false;
                }
                let Some(valid) = self.validity(value, self.round, out) else {
                    return false;
                };
                // L29: valid(v) ∧ (lockedRound <= vr ∨ lockedValue = v)
                valid
                    && match self.locked {
                        None => true,
                        Some((locked_value, locked_round)) => {
                            locked_round <= vr || locked_value == value
                        }
                    }
            }
        };
        // L24/L30 prevote id(v), else L26/L32 prevote nil; L27/L33 step ← prevote.
        self.vote(VoteKind::Prevote, accept.then_some(value), out);
        self.step = Step::Prevote;
        true
    }

    /// L34: 2f+1 PREVOTE(h, r, ∗) while step = prevote, first time → timeoutPrevote.
    fn rule_prevote_timeout(&mut self, out: &mut Vec<Effect>) -> bool {
        if self.step != Step::Prevote
            || self.flags.prevote_timeout
            || !self
                .msgs
                .votes
                .has_quorum_any(self.round, VoteKind::Prevote)
        {
            return false;
        }
        self.flags.prevote_timeout = true;
        self.schedule(TimeoutStep::Prevote, out);
        true
    }

    /// L36: PROPOSAL(h, r, v, ∗) ∧ 2f+1 PREVOTE(h, r, id(v)) ∧ valid(v) while
    /// step >= prevote, first time → lock and precommit (if at prevote), set validValue.
    fn rule_polka(&mut self, out: &mut Vec<Effect>) -> bool {
        if self.step < Step::Prevote || self.flags.polka {
            return false;
        }
        let Some(p) = self.msgs.proposals.get(&self.round) else {
            return false;
        };
        let value = p.proposal.value;
        if !self
            .msgs
            .votes
            .has_quorum_for(self.round, VoteKind::Prevote, Some(value))
        {
            return false;
        }
        if self.validity(value, self.round, out) != Some(true) {
            return false;
        }
        self.flags.polka = true;
        if self.step == Step::Prevote {
            self.locked = Some((value, self.round)); // L38-L39
            self.vote(VoteKind::Precommit, Some(value), out); // L40
            self.step = Step::Precommit; // L41
        }
        self.valid = Some((value, self.round)); // L42-L43
        true
    }

    /// L44: 2f+1 PREVOTE(h, r, nil) while step = prevote → precommit nil.
    fn rule_polka_nil(&mut self, out: &mut Vec<Effect>) -> bool {
        if self.step != Step::Prevote
            || !self
                .msgs
                .votes
                .has_quorum_for(self.round, VoteKind::Prevote, None)
        {
            return false;
        }
        self.vote(VoteKind::Precommit, None, out); // L45
        self.step = Step::Precommit; // L46
        true
    }

    /// L47: 2f+1 PRECOMMIT(h, r, ∗), first time → timeoutPrecommit.
    fn rule_precommit_timeout(&mut self, out: &mut Vec<Effect>) -> bool {
        if self.flags.precommit_timeout
            || !self
                .msgs
                .votes
                .has_quorum_any(self.round, VoteKind::Precommit)
        {
            return false;
        }
        self.flags.precommit_timeout = true;
        self.schedule(TimeoutStep::Precommit, out);
        true
    }
}
