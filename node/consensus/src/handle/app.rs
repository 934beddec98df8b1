//! Inputs from the driver and the application: Start (the outcome of a state restore),
//! the proposal value (the paper's `getValue()`), validity verdicts (`valid(v)`) and
//! commit certificates obtained by block sync.

use kuai_types::certificate::CommitCertificate;
use kuai_types::Hash;

use crate::effect::Effect;
use crate::error::ConsensusError;
use crate::safety::SafetyRecord;
use crate::state::Core;
use crate::types::{Height, Round, Step};

impl Core {
    pub(crate) fn on_start(
        &mut self,
        height: Height,
        safety: Option<SafetyRecord>,
        out: &mut Vec<Effect>,
    ) {
        if self.step != Step::Unstarted {
            return out.push(Effect::Rejected(ConsensusError::AlreadyStarted {
                height: self.height,
            }));
        }
        // A record of another key or chain means a misconfigured node: stay stopped.
        if let Err(e) = self.guard.set_record(safety) {
            return out.push(Effect::Rejected(e));
        }
        self.height = height;
        self.start_round(0, out); // L10
        self.apply_rules(out);
    }

    /// L19 for a leader without validValue: the application's answer to getValue().
    pub(crate) fn on_proposal_value(
        &mut self,
        height: Height,
        round: Round,
        value: Hash,
        out: &mut Vec<Effect>,
    ) {
        if height != self.height
            || round != self.round
            || self.step != Step::Propose
            || !self.awaiting_value
        {
            return out.push(Effect::Rejected(ConsensusError::UnexpectedProposalValue {
                height,
                round,
                current_height: self.height,
                current_round: self.round,
            }));
        }
        self.awaiting_value = false;
        // validValue is still nil here: it only changes at L36, at step >= prevote.
        let pol_round = self.valid.map(|(_, r)| r);
        let value = self.valid.map(|(v, _)| v).unwrap_or(value);
        self.propose(value, pol_round, out);
        self.apply_rules(out);
    }

    pub(crate) fn on_validity(
        &mut self,
        height: Height,
        value: Hash,
        valid: bool,
        out: &mut Vec<Effect>,
    ) {
        if height != self.height {
            return; // a late answer about a finished height
        }
        self.verdicts.insert(value, valid);
        self.apply_rules(out);
    }

    /// Block sync: a certificate for the current height decides it (the certificate
    /// proves more than 2/3 precommitted, which is what L49 waits for).
    pub(crate) fn on_synced(&mut self, certificate: CommitCertificate, out: &mut Vec<Effect>) {
        if certificate.height != self.height {
            return out.push(Effect::Rejected(ConsensusError::HeightOutOfRange {
                height: certificate.height,
                current: self.height,
            }));
        }
        if certificate.chain_id != self.config.chain_id {
            return out.push(Effect::Rejected(ConsensusError::WrongChain {
                expected: self.config.chain_id.clone(),
                found: certificate.chain_id,
            }));
        }
        if let Err(source) = certificate.verify(self.validators.keys()) {
            return out.push(Effect::Rejected(ConsensusError::InvalidCertificate {
                height: certificate.height,
                source,
            }));
        }
        self.decide(certificate, out);
        self.apply_rules(out);
    }
}
