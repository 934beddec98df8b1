//! The state of one validator's consensus (the paper's per-process variables) and the
//! procedures shared by the handlers: StartRound (L11), signing through the safety guard,
//! and deciding (L49-L54).

use kuai_types::certificate::{CommitCertificate, VoteKind, VoteMessage};
use kuai_types::{Hash, Keypair, PublicKey};
use std::collections::{BTreeMap, BTreeSet};

use crate::effect::{Decision, Effect};
use crate::error::ConsensusError;
use crate::message::{ConsensusMessage, ProposalMessage, SignedProposal};
use crate::safety::{SafetyGuard, SafetyRecord};
use crate::types::{Config, Height, Round, Step, Timeout, TimeoutStep, ValidatorSet};
use crate::votes::VoteKeeper;

/// Proposals and votes of one height.
#[derive(Clone, Debug)]
pub(crate) struct HeightMessages {
    pub(crate) votes: VoteKeeper,
    /// The first proposal received from the round's proposer, per round.
    pub(crate) proposals: BTreeMap<Round, SignedProposal>,
}

impl HeightMessages {
    fn new(validators: usize) -> Self {
        HeightMessages {
            votes: VoteKeeper::new(validators),
            proposals: BTreeMap::new(),
        }
    }
}

/// "For the first time" flags of the current round (L34, L36, L47).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RoundFlags {
    /// L34 fired: timeoutPrevote scheduled.
    pub(crate) prevote_timeout: bool,
    /// L36 fired: polka for the round's proposal seen.
    pub(crate) polka: bool,
    /// L47 fired: timeoutPrecommit scheduled.
    pub(crate) precommit_timeout: bool,
}

/// The consensus core of one node. Feed it [`crate::Input`]s with [`Core::handle`];
/// execute the returned [`Effect`]s in order.
#[derive(Debug)]
pub struct Core {
    pub(crate) config: Config,
    pub(crate) validators: ValidatorSet,
    /// This node's index in the validator set (`None`: an observer that never signs).
    pub(crate) me: Option<usize>,
    pub(crate) guard: SafetyGuard,
    pub(crate) height: Height,
    pub(crate) round: Round,
    pub(crate) step: Step,
    /// lockedValue / lockedRound (`None` is the paper's nil / -1).
    pub(crate) locked: Option<(Hash, Round)>,
    /// validValue / validRound.
    pub(crate) valid: Option<(Hash, Round)>,
    pub(crate) msgs: HeightMessages,
    /// Messages for the next height, kept until we get there.
    pub(crate) next: HeightMessages,
    /// The application's verdicts on values of this height (`valid(v)`).
    pub(crate) verdicts: BTreeMap<Hash, bool>,
    /// Values whose validation was requested at this height.
    pub(crate) requested: BTreeSet<Hash>,
    pub(crate) flags: RoundFlags,
    /// We lead this round and asked the application for a value.
    pub(crate) awaiting_value: bool,
}

impl Core {
    /// A core that signs with `key`. It does nothing until [`crate::Input::Start`].
    pub fn new(config: Config, validators: ValidatorSet, key: Keypair) -> Self {
        let me = validators.index_of(&key.public());
        let n = validators.len();
        let guard = SafetyGuard::new(key, config.chain_id.clone());
        Core {
            config,
            validators,
            me,
            guard,
            height: 0,
            round: 0,
            step: Step::Unstarted,
            locked: None,
            valid: None,
            msgs: HeightMessages::new(n),
            next: HeightMessages::new(n),
            verdicts: BTreeMap::new(),
            requested: BTreeSet::new(),
            flags: RoundFlags::default(),
            awaiting_value: false,
        }
    }

    pub fn height(&self) -> Height {
        self.height
    }

    pub fn round(&self) -> Round {
        self.round
    }

    pub fn step(&self) -> Step {
        self.step
    }

    /// (lockedValue, lockedRound).
    pub fn locked(&self) -> Option<(Hash, Round)> {
        self.locked
    }

    /// (validValue, validRound).
    pub fn valid_value(&self) -> Option<(Hash, Round)> {
        self.valid
    }

    pub fn public_key(&self) -> PublicKey {
        self.guard.public()
    }

    pub fn validators(&self) -> &ValidatorSet {
        &self.validators
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The last message this node signed (what the driver last persisted).
    pub fn safety_record(&self) -> Option<&SafetyRecord> {
        self.guard.last()
    }

    /// Every proposal and vote the core holds for the current height, for a driver that
    /// re-gossips to peers that lag behind.
    pub fn current_messages(&self) -> Vec<ConsensusMessage> {
        self.msgs
            .proposals
            .values()
            .cloned()
            .map(ConsensusMessage::Proposal)
            .chain(
                self.msgs
                    .votes
                    .all_votes()
                    .cloned()
                    .map(ConsensusMessage::Vote),
            )
            .collect()
    }

    /// StartRound(round), L11-L21.
    pub(crate) fn start_round(&mut self, round: Round, out: &mut Vec<Effect>) {
        self.round = round; // L12
        self.step = Step::Propose; // L13
        self.flags = RoundFlags::default();
        self.awaiting_value = false;
        // L21, for every node. Deviation: the paper schedules it only on non-proposers;
        // here the proposer waits for the application too, so it also needs the timeout.
        self.schedule(TimeoutStep::Propose, out);
        if self.me.is_some() && self.me == Some(self.validators.proposer_index(self.height, round))
        {
            match self.valid {
                // L15-L16: re-propose validValue with its round.
                Some((value, valid_round)) => self.propose(value, Some(valid_round), out),
                // L18: getValue().
                None => {
                    self.awaiting_value = true;
                    out.push(Effect::RequestProposal {
                        height: self.height,
                        round,
                    });
                }
            }
        }
    }

    pub(crate) fn schedule(&self, step: TimeoutStep, out: &mut Vec<Effect>) {
        let timeout = Timeout {
            height: self.height,
            round: self.round,
            step,
        };
        out.push(Effect::ScheduleTimeout {
            timeout,
            duration: self.config.timeout_duration(&timeout),
        });
    }

    /// L19: sign and broadcast PROPOSAL(h, round, value, pol_round), and count it as
    /// received (the paper's broadcast includes the sender).
    pub(crate) fn propose(&mut self, value: Hash, pol_round: Option<Round>, out: &mut Vec<Effect>) {
        let Some(me) = self.me else { return };
        let proposal = ProposalMessage {
            chain_id: self.config.chain_id.clone(),
            height: self.height,
            round: self.round,
            value,
            pol_round,
        };
        match self.guard.sign_proposal(proposal) {
            Ok(signed) => {
                if let Some(record) = signed.persist {
                    out.push(Effect::PersistSafety(record));
                }
                // The application built (or we already validated) the value we propose.
                self.verdicts.insert(value, true);
                self.msgs.votes.note_sender(self.round, me);
                self.msgs
                    .proposals
                    .entry(self.round)
                    .or_insert_with(|| signed.message.clone());
                out.push(Effect::BroadcastProposal(signed.message));
            }
            Err(e) => out.push(Effect::Rejected(e)),
        }
    }

    /// Signs and broadcasts a vote of the current round, counting it as received. A
    /// refusal of the safety guard is reported; the caller still moves to the next step
    /// (the node stays silent rather than sign a conflicting message).
    pub(crate) fn vote(&mut self, kind: VoteKind, value: Option<Hash>, out: &mut Vec<Effect>) {
        let Some(me) = self.me else { return };
        let vote = VoteMessage {
            chain_id: self.config.chain_id.clone(),
            height: self.height,
            round: self.round,
            kind,
            block_hash: value,
        };
        match self.guard.sign_vote(vote) {
            Ok(signed) => {
                if let Some(record) = signed.persist {
                    out.push(Effect::PersistSafety(record));
                }
                self.msgs.votes.add(me, signed.message.clone());
                out.push(Effect::BroadcastVote(signed.message));
            }
            Err(e) => out.push(Effect::Rejected(e)),
        }
    }

    /// valid(v): the application's verdict, asking for it the first time (`None`: not yet).
    pub(crate) fn validity(
        &mut self,
        value: Hash,
        round: Round,
        out: &mut Vec<Effect>,
    ) -> Option<bool> {
        if let Some(verdict) = self.verdicts.get(&value) {
            return Some(*verdict);
        }
        if self.requested.insert(value) {
            out.push(Effect::RequestValidation {
                height: self.height,
                round,
                value,
            });
        }
        None
    }

    /// L49-L54: decide, move to the next height and start its round 0.
    pub(crate) fn decide(&mut self, certificate: CommitCertificate, out: &mut Vec<Effect>) {
        out.push(Effect::Decide(Decision {
            height: certificate.height,
            round: certificate.round,
            value: certificate.block_hash,
            certificate,
        }));
        self.height += 1; // L52
                          // L53: reset lockedRound, lockedValue, validRound, validValue.
        self.locked = None;
        self.valid = None;
        self.verdicts.clear();
        self.requested.clear();
        let n = self.validators.len();
        self.msgs = std::mem::replace(&mut self.next, HeightMessages::new(n));
        self.start_round(0, out); // L54
                                  // Ask early about the proposals that arrived for this height while we finished
                                  // the last one.
        let buffered: Vec<(Round, Hash)> = self
            .msgs
            .proposals
            .iter()
            .map(|(r, p)| (*r, p.proposal.value))
            .collect();
        for (round, value) in buffered {
            let _ = self.validity(value, round, out);
        }
    }

    /// The certificate for `value` precommitted in `round` of the current height.
    pub(crate) fn certificate(&self, round: Round, value: Hash) -> CommitCertificate {
        CommitCertificate {
            chain_id: self.config.chain_id.clone(),
            height: self.height,
            round,
            block_hash: value,
            votes: self.msgs.votes.commit_votes(round, value),
        }
    }

    /// Common checks of a message from `sender` for (height, round): chain, membership,
    /// height window (this one or the next) and round window. Returns the sender's index
    /// and whether the message is for the next height.
    pub(crate) fn admit(
        &self,
        chain_id: &str,
        sender: &PublicKey,
        height: Height,
        round: Round,
    ) -> Result<(usize, bool), ConsensusError> {
        if chain_id != self.config.chain_id {
            return Err(ConsensusError::WrongChain {
                expected: self.config.chain_id.clone(),
                found: chain_id.to_string(),
            });
        }
        let index = self
            .validators
            .index_of(sender)
            .ok_or(ConsensusError::UnknownValidator(*sender))?;
        let is_next = if height == self.height {
            false
        } else if Some(height) == self.height.checked_add(1) {
            true
        } else {
            return Err(ConsensusError::HeightOutOfRange {
                height,
                current: self.height,
            });
        };
        let current = if is_next { 0 } else { self.round };
        if round > current.saturating_add(self.config.max_rounds_ahead) {
            return Err(ConsensusError::RoundTooFarAhead {
                height,
                round,
                current,
                max_ahead: self.config.max_rounds_ahead,
            });
        }
        Ok((index, is_next))
    }
}
