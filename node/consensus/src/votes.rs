//! The vote keeper: the votes of one height, per round, with their tallies.
//!
//! Rules:
//! - an honest validator sends one prevote and one precommit per round; an identical copy
//!   is a duplicate, a different one is reported as [`AddVote::Equivocation`] and, as in
//!   the paper (which counts messages), counted for its value too, up to
//!   [`MAX_VOTES_PER_VALIDATOR`] different votes (a bound on memory);
//! - tallies count distinct validators per value, and "votes for anything" counts
//!   distinct validators (equal power); thresholds are *more than 2/3*
//!   (quorum) and *more than 1/3* (the paper's f+1) of `n`;
//! - for the paper's L55 it also records which validators sent *any* message (proposal
//!   or vote) in each round.
//!
//! The keeper does not check signatures, heights or membership: the core does that
//! before adding (the keeper is keyed by validator index).

use kuai_types::certificate::{CommitVote, VoteKind};
use kuai_types::Hash;
use std::collections::{BTreeMap, BTreeSet};

use crate::message::SignedVote;
use crate::types::Round;

/// How many different votes of one validator for one (round, kind) are counted. The
/// paper counts messages, so an equivocating validator counts towards each value it
/// voted for; keeping the first two is enough for the twins and split-vote attacks and
/// bounds the memory a Byzantine validator can use.
pub const MAX_VOTES_PER_VALIDATOR: usize = 2;

/// Outcome of [`VoteKeeper::add`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddVote {
    Added,
    Duplicate,
    /// The validator already voted for `first` in this round and step; the new vote is
    /// evidence of equivocation. `counted` says whether it was kept and counted (only the
    /// first [`MAX_VOTES_PER_VALIDATOR`] different votes are).
    Equivocation {
        first: Option<Hash>,
        counted: bool,
    },
}

#[derive(Clone, Debug, Default)]
struct KindVotes {
    by_validator: BTreeMap<usize, Vec<SignedVote>>,
    /// Distinct validators per value (a validator counts once per value).
    tally: BTreeMap<Option<Hash>, usize>,
}

impl KindVotes {
    fn add(&mut self, index: usize, vote: SignedVote) -> AddVote {
        let votes = self.by_validator.entry(index).or_default();
        if votes.iter().any(|v| v.vote == vote.vote) {
            return AddVote::Duplicate;
        }
        let first = votes.first().map(|v| v.vote.block_hash);
        let counted = votes.len() < MAX_VOTES_PER_VALIDATOR;
        if counted {
            *self.tally.entry(vote.vote.block_hash).or_insert(0) += 1;
            votes.push(vote);
        }
        match first {
            None => AddVote::Added,
            Some(first) => AddVote::Equivocation { first, counted },
        }
    }
}

#[derive(Clone, Debug, Default)]
struct RoundVotes {
    prevotes: KindVotes,
    precommits: KindVotes,
    /// Validators that sent any message in this round (L55).
    senders: BTreeSet<usize>,
}

impl RoundVotes {
    fn kind(&self, kind: VoteKind) -> &KindVotes {
        match kind {
            VoteKind::Prevote => &self.prevotes,
            VoteKind::Precommit => &self.precommits,
        }
    }
}

/// All votes of one height. See the module docs.
#[derive(Clone, Debug)]
pub struct VoteKeeper {
    validators: usize,
    rounds: BTreeMap<Round, RoundVotes>,
}

impl VoteKeeper {
    pub fn new(validators: usize) -> Self {
        VoteKeeper {
            validators,
            rounds: BTreeMap::new(),
        }
    }

    pub fn add(&mut self, index: usize, vote: SignedVote) -> AddVote {
        let round = self.rounds.entry(vote.vote.round).or_default();
        let outcome = match vote.vote.kind {
            VoteKind::Prevote => round.prevotes.add(index, vote),
            VoteKind::Precommit => round.precommits.add(index, vote),
        };
        round.senders.insert(index);
        outcome
    }

    /// Records that validator `index` sent a message (a proposal) in `round`.
    pub fn note_sender(&mut self, round: Round, index: usize) {
        self.rounds.entry(round).or_default().senders.insert(index);
    }

    /// Votes of `kind` for `value` (`None`: nil) in `round`.
    pub fn count(&self, round: Round, kind: VoteKind, value: Option<Hash>) -> usize {
        self.rounds
            .get(&round)
            .and_then(|r| r.kind(kind).tally.get(&value).copied())
            .unwrap_or(0)
    }

    /// Votes of `kind` for anything (values and nil) in `round`.
    pub fn total(&self, round: Round, kind: VoteKind) -> usize {
        self.rounds
            .get(&round)
            .map(|r| r.kind(kind).by_validator.len())
            .unwrap_or(0)
    }

    pub fn is_quorum(&self, count: usize) -> bool {
        3 * count > 2 * self.validators
    }

    pub fn is_one_third(&self, count: usize) -> bool {
        3 * count > self.validators
    }

    /// More than 2/3 of `kind` votes for exactly `value` in `round`.
    pub fn has_quorum_for(&self, round: Round, kind: VoteKind, value: Option<Hash>) -> bool {
        self.is_quorum(self.count(round, kind, value))
    }

    /// More than 2/3 of `kind` votes for anything in `round` (the paper's `2f+1 ⟨…, ∗⟩`).
    pub fn has_quorum_any(&self, round: Round, kind: VoteKind) -> bool {
        self.is_quorum(self.total(round, kind))
    }

    /// Every (round, block hash) that has a quorum of precommits, lowest round first.
    pub fn precommit_quorums(&self) -> Vec<(Round, Hash)> {
        self.rounds
            .iter()
            .flat_map(|(round, r)| {
                r.precommits
                    .tally
                    .iter()
                    .filter(|(value, count)| value.is_some() && self.is_quorum(**count))
                    .filter_map(move |(value, _)| value.map(|v| (*round, v)))
            })
            .collect()
    }

    /// The highest round above `current` in which more than 1/3 of the validators sent
    /// a message (L55).
    pub fn highest_round_with_one_third(&self, current: Round) -> Option<Round> {
        self.rounds
            .range(current.saturating_add(1)..)
            .rev()
            .find(|(_, r)| self.is_one_third(r.senders.len()))
            .map(|(round, _)| *round)
    }

    /// The precommit signatures for `value` in `round`, ordered by validator index:
    /// the votes of a commit certificate.
    pub fn commit_votes(&self, round: Round, value: Hash) -> Vec<CommitVote> {
        self.rounds
            .get(&round)
            .map(|r| {
                r.precommits
                    .by_validator
                    .values()
                    .flatten()
                    .filter(|v| v.vote.block_hash == Some(value))
                    .map(|v| CommitVote {
                        validator: v.validator,
                        signature: v.signature,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// All votes kept, in (round, kind, validator) order (for re-gossip by a driver).
    pub fn all_votes(&self) -> impl Iterator<Item = &SignedVote> {
        self.rounds.values().flat_map(|r| {
            r.prevotes
                .by_validator
                .values()
                .chain(r.precommits.by_validator.values())
                .flatten()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kuai_types::certificate::VoteMessage;
    use kuai_types::{Keypair, Signature};

    fn vote(index: usize, round: Round, kind: VoteKind, value: Option<u8>) -> SignedVote {
        SignedVote {
            vote: VoteMessage {
                chain_id: "t".into(),
                height: 1,
                round,
                kind,
                block_hash: value.map(|b| Hash([b; 32])),
            },
            validator: Keypair::from_seed(&index.to_string()).public(),
            signature: Signature([0; 64]),
        }
    }

    const A: Option<u8> = Some(1);
    const B: Option<u8> = Some(2);
    fn h(v: Option<u8>) -> Option<Hash> {
        v.map(|b| Hash([b; 32]))
    }

    #[test]
    fn tallies_per_round_kind_and_value() {
        let mut k = VoteKeeper::new(4);
        assert_eq!(k.add(0, vote(0, 0, VoteKind::Prevote, A)), AddVote::Added);
        assert_eq!(k.add(1, vote(1, 0, VoteKind::Prevote, A)), AddVote::Added);
        assert_eq!(
            k.add(2, vote(2, 0, VoteKind::Prevote, None)),
            AddVote::Added
        );
        assert_eq!(k.add(3, vote(3, 1, VoteKind::Prevote, A)), AddVote::Added);
        assert_eq!(k.add(3, vote(3, 0, VoteKind::Precommit, A)), AddVote::Added);
        assert_eq!(k.count(0, VoteKind::Prevote, h(A)), 2);
        assert_eq!(k.count(0, VoteKind::Prevote, None), 1);
        assert_eq!(k.count(0, VoteKind::Prevote, h(B)), 0);
        assert_eq!(k.count(1, VoteKind::Prevote, h(A)), 1);
        assert_eq!(k.total(0, VoteKind::Prevote), 3);
        assert_eq!(k.total(0, VoteKind::Precommit), 1);
        assert!(!k.has_quorum_for(0, VoteKind::Prevote, h(A)));
        assert!(k.has_quorum_any(0, VoteKind::Prevote));
        k.add(3, vote(3, 0, VoteKind::Prevote, A));
        assert!(k.has_quorum_for(0, VoteKind::Prevote, h(A)));
    }

    #[test]
    fn duplicates_and_equivocations_count_once() {
        let mut k = VoteKeeper::new(4);
        k.add(0, vote(0, 0, VoteKind::Prevote, A));
        assert_eq!(
            k.add(0, vote(0, 0, VoteKind::Prevote, A)),
            AddVote::Duplicate
        );
        assert_eq!(
            k.add(0, vote(0, 0, VoteKind::Prevote, B)),
            AddVote::Equivocation {
                first: h(A),
                counted: true
            }
        );
        // Counted once per value, once in the total.
        assert_eq!(k.total(0, VoteKind::Prevote), 1);
        assert_eq!(k.count(0, VoteKind::Prevote, h(A)), 1);
        assert_eq!(k.count(0, VoteKind::Prevote, h(B)), 1);
        assert_eq!(
            k.add(0, vote(0, 0, VoteKind::Prevote, B)),
            AddVote::Duplicate
        );
        // A third value is dropped: memory per validator is bounded.
        assert_eq!(
            k.add(0, vote(0, 0, VoteKind::Prevote, None)),
            AddVote::Equivocation {
                first: h(A),
                counted: false
            }
        );
        assert_eq!(k.count(0, VoteKind::Prevote, None), 0);
        assert_eq!(k.all_votes().count(), 2);
    }

    #[test]
    fn precommit_quorums_and_certificate_votes() {
        let mut k = VoteKeeper::new(7);
        for i in 0..4 {
            k.add(i, vote(i, 2, VoteKind::Precommit, A));
        }
        k.add(4, vote(4, 2, VoteKind::Precommit, None));
        assert!(k.precommit_quorums().is_empty(), "4 of 7 is not a quorum");
        k.add(5, vote(5, 2, VoteKind::Precommit, A));
        assert_eq!(k.precommit_quorums(), vec![(2, Hash([1; 32]))]);
        let votes = k.commit_votes(2, Hash([1; 32]));
        assert_eq!(votes.len(), 5);
        assert!(!votes
            .iter()
            .any(|v| v.validator == Keypair::from_seed("4").public()));
        // A quorum of nil precommits is not a decision.
        let mut k = VoteKeeper::new(4);
        for i in 0..4 {
            k.add(i, vote(i, 0, VoteKind::Precommit, None));
        }
        assert!(k.precommit_quorums().is_empty());
        assert!(k.has_quorum_any(0, VoteKind::Precommit));
    }

    #[test]
    fn round_skip_needs_more_than_a_third_of_senders_above_the_current_round() {
        let mut k = VoteKeeper::new(4);
        k.add(0, vote(0, 3, VoteKind::Prevote, A));
        assert_eq!(k.highest_round_with_one_third(0), None);
        k.note_sender(3, 1);
        assert_eq!(k.highest_round_with_one_third(0), Some(3));
        assert_eq!(k.highest_round_with_one_third(3), None);
        // Two messages of the same validator are one sender.
        k.add(2, vote(2, 5, VoteKind::Prevote, A));
        k.add(2, vote(2, 5, VoteKind::Precommit, A));
        assert_eq!(k.highest_round_with_one_third(0), Some(3));
    }
}
