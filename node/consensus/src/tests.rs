//! Unit tests of the paper's rules, driven input by input on one core.

use kuai_types::certificate::{VoteKind, VoteMessage};
use kuai_types::crypto::SignDomain;
use kuai_types::{Hash, Keypair};

use crate::*;

const CHAIN: &str = "kuai-unit";

struct T {
    keys: Vec<Keypair>,
    core: Core,
    me: usize,
}

fn value(tag: &str) -> Hash {
    Hash::tagged(b"kuai/unit/value", &[tag.as_bytes()])
}

fn keys(n: usize) -> Vec<Keypair> {
    (0..n)
        .map(|i| Keypair::from_seed(&format!("unit-{i}")))
        .collect()
}

fn set(keys: &[Keypair]) -> ValidatorSet {
    ValidatorSet::new(keys.iter().map(Keypair::public).collect()).unwrap()
}

impl T {
    /// A started core of validator `me` of 4, at height 1.
    fn new(me: usize) -> T {
        let keys = keys(4);
        let mut core = Core::new(Config::new(CHAIN), set(&keys), keys[me].clone());
        core.handle(Input::Start {
            height: 1,
            safety: None,
        });
        T { keys, core, me }
    }

    fn feed(&mut self, input: Input) -> Vec<Effect> {
        self.core.handle(input)
    }

    fn proposal(&self, round: Round, v: Hash, pol_round: Option<Round>) -> Input {
        let height = self.core.height();
        let proposer = self.core.validators().proposer_index(height, round);
        let proposal = ProposalMessage {
            chain_id: CHAIN.into(),
            height,
            round,
            value: v,
            pol_round,
        };
        let signature = self.keys[proposer].sign(SignDomain::Proposal, &proposal.signing_bytes());
        Input::Proposal(SignedProposal {
            proposal,
            proposer: self.keys[proposer].public(),
            signature,
        })
    }

    fn vote(&self, from: usize, round: Round, kind: VoteKind, v: Option<Hash>) -> Input {
        let vote = VoteMessage {
            chain_id: CHAIN.into(),
            height: self.core.height(),
            round,
            kind,
            block_hash: v,
        };
        let signature = self.keys[from].sign(SignDomain::Vote, &vote.signing_bytes());
        Input::Vote(SignedVote {
            vote,
            validator: self.keys[from].public(),
            signature,
        })
    }

    fn votes(
        &mut self,
        from: &[usize],
        round: Round,
        kind: VoteKind,
        v: Option<Hash>,
    ) -> Vec<Effect> {
        let inputs: Vec<Input> = from.iter().map(|i| self.vote(*i, round, kind, v)).collect();
        inputs.into_iter().flat_map(|i| self.feed(i)).collect()
    }

    fn valid(&mut self, v: Hash) -> Vec<Effect> {
        self.feed(Input::Validity {
            height: self.core.height(),
            value: v,
            valid: true,
        })
    }
}

fn sent_votes(effects: &[Effect]) -> Vec<VoteMessage> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::BroadcastVote(v) => Some(v.vote.clone()),
            _ => None,
        })
        .collect()
}

fn timeout(height: Height, round: Round, step: TimeoutStep) -> Input {
    Input::TimeoutElapsed(Timeout {
        height,
        round,
        step,
    })
}

#[test]
fn leader_asks_the_app_then_proposes_and_persists_before_broadcasting() {
    // Proposer of (1, 0) is index (1 + 0) mod 4 = 1.
    let mut t = T::new(1);
    let start = {
        let keys = keys(4);
        let mut c = Core::new(Config::new(CHAIN), set(&keys), keys[1].clone());
        c.handle(Input::Start {
            height: 1,
            safety: None,
        })
    };
    assert!(start.contains(&Effect::RequestProposal {
        height: 1,
        round: 0
    }));
    assert!(start.iter().any(|e| matches!(
        e,
        Effect::ScheduleTimeout {
            timeout: Timeout {
                step: TimeoutStep::Propose,
                ..
            },
            ..
        }
    )));
    let a = value("a");
    let fx = t.feed(Input::ProposalValue {
        height: 1,
        round: 0,
        value: a,
    });
    // Persist, proposal, persist, own prevote for its value (L22 on its own proposal).
    assert!(matches!(&fx[0], Effect::PersistSafety(r) if r.step == SignStep::Propose));
    assert!(
        matches!(&fx[1], Effect::BroadcastProposal(p) if p.proposal.value == a && p.verify().is_ok())
    );
    assert!(matches!(&fx[2], Effect::PersistSafety(r) if r.step == SignStep::Prevote));
    assert!(
        matches!(&fx[3], Effect::BroadcastVote(v) if v.vote.block_hash == Some(a) && v.verify().is_ok())
    );
    // A second value for the same round is not wanted.
    let fx = t.feed(Input::ProposalValue {
        height: 1,
        round: 0,
        value: value("b"),
    });
    assert!(matches!(
        &fx[..],
        [Effect::Rejected(
            ConsensusError::UnexpectedProposalValue { .. }
        )]
    ));
}

#[test]
fn prevote_waits_for_validity_and_nil_for_an_invalid_value() {
    let mut t = T::new(0);
    let a = value("a");
    let p = t.proposal(0, a, None);
    let fx = t.feed(p);
    assert_eq!(
        fx,
        vec![Effect::RequestValidation {
            height: 1,
            round: 0,
            value: a
        }]
    );
    let fx = t.feed(Input::Validity {
        height: 1,
        value: a,
        valid: false,
    });
    assert_eq!(
        sent_votes(&fx)[0].block_hash,
        None,
        "L26: invalid → prevote nil"
    );
    assert_eq!(t.core.step(), Step::Prevote);
}

#[test]
fn locks_on_a_polka_l36_and_decides_l49_with_a_valid_certificate() {
    let mut t = T::new(0);
    let a = value("a");
    t.valid(a);
    let p = t.proposal(0, a, None);
    let fx = t.feed(p);
    assert_eq!(sent_votes(&fx)[0].block_hash, Some(a), "L24");
    assert_eq!(t.core.locked(), None);
    let fx = t.votes(&[1], 0, VoteKind::Prevote, Some(a));
    assert!(sent_votes(&fx).is_empty(), "2 of 4 prevotes are no polka");
    let fx = t.votes(&[2], 0, VoteKind::Prevote, Some(a));
    assert_eq!(t.core.locked(), Some((a, 0)), "L38-L39");
    assert_eq!(t.core.valid_value(), Some((a, 0)), "L42-L43");
    let pc = sent_votes(&fx);
    assert_eq!(
        (pc[0].kind, pc[0].block_hash),
        (VoteKind::Precommit, Some(a)),
        "L40"
    );
    // L34 fired too: 2f+1 prevotes at step prevote schedule timeoutPrevote.
    assert!(fx.iter().any(|e| matches!(
        e,
        Effect::ScheduleTimeout {
            timeout: Timeout {
                step: TimeoutStep::Prevote,
                ..
            },
            ..
        }
    )));
    assert_eq!(t.core.step(), Step::Precommit);
    t.votes(&[1], 0, VoteKind::Precommit, Some(a));
    let fx = t.votes(&[3], 0, VoteKind::Precommit, Some(a));
    let decision = fx
        .iter()
        .find_map(|e| match e {
            Effect::Decide(d) => Some(d.clone()),
            _ => None,
        })
        .expect("L49 decides");
    assert_eq!((decision.height, decision.round, decision.value), (1, 0, a));
    assert_eq!(decision.certificate.votes.len(), 3);
    decision
        .certificate
        .verify(&t.keys.iter().map(Keypair::public).collect::<Vec<_>>())
        .unwrap();
    // L52-L54: next height, locks reset, round 0.
    assert_eq!(
        (t.core.height(), t.core.round(), t.core.step()),
        (2, 0, Step::Propose)
    );
    assert_eq!(t.core.locked(), None);
    assert_eq!(t.core.valid_value(), None);
}

#[test]
fn a_locked_node_prevotes_nil_for_another_value_l22_and_unlocks_only_on_a_later_polka_l28() {
    // Validator 0; proposers at height 1: r1 → 2, r2 → 3, r4 → 1.
    let mut t = T::new(0);
    let (a, b) = (value("a"), value("b"));
    t.valid(a);
    t.valid(b);
    // f+1 messages of round 1 → L55 StartRound(1).
    t.votes(&[1, 2], 1, VoteKind::Prevote, Some(a));
    assert_eq!(t.core.round(), 1, "L55");
    let p = t.proposal(1, a, None);
    t.feed(p);
    assert_eq!(t.core.locked(), Some((a, 1)), "L36 with own prevote + 2");

    // Round 2: B re-proposed with a polka of round 0, below lockedRound 1 → nil (L32).
    t.votes(&[2, 3], 2, VoteKind::Precommit, None);
    assert_eq!(t.core.round(), 2);
    t.votes(&[1, 2, 3], 0, VoteKind::Prevote, Some(b));
    let p = t.proposal(2, b, Some(0));
    let fx = t.feed(p);
    assert_eq!(
        sent_votes(&fx)[0].block_hash,
        None,
        "lockedRound 1 > vr 0 and B != A"
    );
    assert_eq!(t.core.locked(), Some((a, 1)));

    // A fresh proposal of B (vr = -1) would not unlock either (L22/L26): checked in round 3?
    // Round 3 is ours; go to round 4 instead, where B comes with a polka of round 2.
    t.votes(&[2, 3], 4, VoteKind::Precommit, None);
    assert_eq!(t.core.round(), 4);
    t.votes(&[1, 2, 3], 2, VoteKind::Prevote, Some(b));
    let p = t.proposal(4, b, Some(2));
    let fx = t.feed(p);
    assert_eq!(
        sent_votes(&fx)[0].block_hash,
        Some(b),
        "L29: lockedRound 1 <= vr 2"
    );
    assert_eq!(
        t.core.locked(),
        Some((a, 1)),
        "prevoting does not unlock by itself"
    );
    t.votes(&[2, 3], 4, VoteKind::Prevote, Some(b));
    assert_eq!(
        t.core.locked(),
        Some((b, 4)),
        "L36 relocks on the later polka"
    );
}

#[test]
fn a_locked_node_prevotes_nil_on_a_fresh_proposal_of_another_value_l22() {
    let mut t = T::new(0);
    let (a, b) = (value("a"), value("b"));
    t.valid(a);
    t.valid(b);
    let p = t.proposal(0, a, None);
    t.feed(p);
    t.votes(&[1, 2], 0, VoteKind::Prevote, Some(a));
    assert_eq!(t.core.locked(), Some((a, 0)));
    // L65: timeoutPrecommit → round 1 (proposer 2).
    t.feed(timeout(1, 0, TimeoutStep::Precommit));
    assert_eq!((t.core.round(), t.core.step()), (1, Step::Propose));
    let p = t.proposal(1, b, None);
    let fx = t.feed(p);
    assert_eq!(
        sent_votes(&fx)[0].block_hash,
        None,
        "L23 fails: locked on A"
    );
    // The locked value itself, proposed fresh, is prevoted (lockedValue = v).
    t.feed(timeout(1, 1, TimeoutStep::Precommit));
    let p = t.proposal(2, a, None);
    let fx = t.feed(p);
    assert_eq!(sent_votes(&fx)[0].block_hash, Some(a));
}

#[test]
fn timeouts_l57_l61_l65_and_nil_polka_l44() {
    let mut t = T::new(0);
    let fx = t.feed(timeout(1, 0, TimeoutStep::Propose));
    assert_eq!(sent_votes(&fx)[0].block_hash, None, "L59");
    assert_eq!(t.core.step(), Step::Prevote);
    // Stale timeouts change nothing.
    assert!(t.feed(timeout(1, 0, TimeoutStep::Propose)).is_empty());
    assert!(t.feed(timeout(1, 5, TimeoutStep::Prevote)).is_empty());
    let fx = t.feed(timeout(1, 0, TimeoutStep::Prevote));
    let v = sent_votes(&fx);
    assert_eq!(
        (v[0].kind, v[0].block_hash),
        (VoteKind::Precommit, None),
        "L63"
    );
    t.feed(timeout(1, 0, TimeoutStep::Precommit));
    assert_eq!((t.core.round(), t.core.step()), (1, Step::Propose), "L67");
    // L44 in round 1: own nil prevote + 2 nil prevotes → precommit nil.
    t.feed(timeout(1, 1, TimeoutStep::Propose));
    let fx = t.votes(&[1, 3], 1, VoteKind::Prevote, None);
    let v = sent_votes(&fx);
    assert_eq!(
        (v[0].kind, v[0].block_hash),
        (VoteKind::Precommit, None),
        "L45"
    );
    // Round timeouts grow with the round.
    let d = |fx: &[Effect]| {
        fx.iter().find_map(|e| match e {
            Effect::ScheduleTimeout { timeout, duration }
                if timeout.step == TimeoutStep::Propose =>
            {
                Some(*duration)
            }
            _ => None,
        })
    };
    let r2 = d(&t.feed(timeout(1, 1, TimeoutStep::Precommit))).unwrap();
    let r3 = d(&t.feed(timeout(1, 2, TimeoutStep::Precommit))).unwrap();
    assert!(r3 > r2);
}

#[test]
fn rejects_wrong_proposer_bad_pol_round_and_reports_equivocation() {
    let mut t = T::new(0);
    let a = value("a");
    let Input::Proposal(mut p) = t.proposal(0, a, None) else {
        unreachable!()
    };
    p.proposer = t.keys[2].public();
    assert!(matches!(
        &t.feed(Input::Proposal(p))[..],
        [Effect::Rejected(ConsensusError::WrongProposer { .. })]
    ));
    let p = t.proposal(1, a, Some(1));
    assert!(matches!(
        &t.feed(p)[..],
        [Effect::Rejected(ConsensusError::InvalidPolRound { .. })]
    ));
    t.votes(&[1], 0, VoteKind::Prevote, Some(a));
    let fx = t.votes(&[1], 0, VoteKind::Prevote, None);
    assert!(matches!(
        &fx[..],
        [Effect::Rejected(ConsensusError::Equivocation {
            first: Some(_),
            second: None,
            counted: true,
            ..
        })]
    ));
    let fx = t.votes(&[1], 7, VoteKind::Prevote, None);
    assert!(fx.iter().all(|e| !matches!(e, Effect::Rejected(_))));
    let mut far = t.vote(1, 5000, VoteKind::Prevote, None);
    if let Input::Vote(v) = &mut far {
        v.vote.height = 1;
    }
    assert!(matches!(
        &t.feed(far)[..],
        [Effect::Rejected(ConsensusError::RoundTooFarAhead { .. })]
    ));
    let stranger = Keypair::from_seed("stranger");
    let Input::Vote(mut v) = t.vote(1, 0, VoteKind::Precommit, None) else {
        unreachable!()
    };
    v.validator = stranger.public();
    assert!(matches!(
        &t.feed(Input::Vote(v))[..],
        [Effect::Rejected(ConsensusError::UnknownValidator(_))]
    ));
}

#[test]
fn messages_of_the_next_height_are_kept_until_we_get_there() {
    let mut t = T::new(0);
    let a = value("a");
    t.valid(a);
    // Height 2 proposal (proposer (2+0) mod 4 = 2) arrives early.
    let early = {
        let proposal = ProposalMessage {
            chain_id: CHAIN.into(),
            height: 2,
            round: 0,
            value: value("h2"),
            pol_round: None,
        };
        let signature = t.keys[2].sign(SignDomain::Proposal, &proposal.signing_bytes());
        Input::Proposal(SignedProposal {
            proposal,
            proposer: t.keys[2].public(),
            signature,
        })
    };
    assert!(t.feed(early).is_empty());
    t.votes(&[1, 2, 3], 0, VoteKind::Precommit, Some(a));
    assert_eq!(t.core.height(), 2);
    // Decided on precommits alone (no proposal seen): the early proposal is now current.
    let fx = t.valid(value("h2"));
    assert_eq!(sent_votes(&fx)[0].block_hash, Some(value("h2")));
}

#[test]
fn restore_replays_the_wal_to_the_same_state_and_never_conflicts() {
    let mut t = T::new(0);
    let mut wal = Wal::new(1);
    let mut record = None;
    let (a, b) = (value("a"), value("b"));
    let mut inputs = vec![Input::Validity {
        height: 1,
        value: a,
        valid: true,
    }];
    inputs.push(t.proposal(0, a, None));
    inputs.push(t.vote(1, 0, VoteKind::Prevote, Some(a)));
    inputs.push(t.vote(2, 0, VoteKind::Prevote, Some(a)));
    inputs.push(timeout(1, 0, TimeoutStep::Precommit));
    for input in inputs {
        wal.record_input(&input);
        for e in t.feed(input) {
            wal.record_effect(&e);
            if let Effect::PersistSafety(r) = &e {
                record = Some(r.clone());
            }
        }
    }
    assert_eq!(t.core.locked(), Some((a, 0)));
    assert_eq!(t.core.round(), 1);
    // Through the disk encodings.
    let wal: Wal = kuai_types::codec::decode(&kuai_types::codec::encode(&wal), 1 << 20).unwrap();
    let record: Option<SafetyRecord> =
        kuai_types::codec::decode(&kuai_types::codec::encode(&record), 1024).unwrap();
    let keys = keys(4);
    let (restored, fx) = Core::restore(
        Config::new(CHAIN),
        set(&keys),
        keys[0].clone(),
        1,
        record.clone(),
        &wal,
    );
    assert_eq!(
        (
            restored.height(),
            restored.round(),
            restored.step(),
            restored.locked(),
            restored.valid_value()
        ),
        (
            t.core.height(),
            t.core.round(),
            t.core.step(),
            t.core.locked(),
            t.core.valid_value()
        )
    );
    // The replay re-signs nothing new: every vote it sends is the one already recorded.
    for v in sent_votes(&fx) {
        let r = record.as_ref().unwrap();
        assert_eq!(
            (v.height, v.round, SignStep::from(v.kind), v.block_hash),
            (r.height, r.round, r.step, r.value)
        );
    }
    assert!(!fx.iter().any(|e| matches!(e, Effect::PersistSafety(_))));

    // Amnesia: the WAL is lost, only the safety record survives. Back in round 0 the
    // node must not prevote B where it prevoted A... it already precommitted A in round 0,
    // so anything of round 0 is refused.
    let (mut amnesic, _) = Core::restore(
        Config::new(CHAIN),
        set(&keys),
        keys[0].clone(),
        1,
        record,
        &Wal::new(1),
    );
    amnesic.handle(Input::Validity {
        height: 1,
        value: b,
        valid: true,
    });
    let p = t.proposal(0, b, None);
    let fx = amnesic.handle(p);
    assert!(sent_votes(&fx).is_empty());
    assert!(fx
        .iter()
        .any(|e| matches!(e, Effect::Rejected(ConsensusError::SafetyRegression { .. }))));
}

#[test]
fn synced_certificate_decides_and_a_bad_one_is_refused() {
    let mut t = T::new(0);
    let a = value("a");
    let mut other = T::new(3);
    other.valid(a);
    let mut decided = None;
    for i in [0, 1, 2] {
        let v = other.vote(i, 0, VoteKind::Precommit, Some(a));
        for e in other.feed(v) {
            if let Effect::Decide(d) = e {
                decided = Some(d.certificate);
            }
        }
    }
    let good = decided.expect("other decided");
    assert_eq!(other.core.height(), 2);
    let mut bad = good.clone();
    bad.votes.pop();
    assert!(matches!(
        &t.feed(Input::Synced(bad))[..],
        [Effect::Rejected(ConsensusError::InvalidCertificate { .. })]
    ));
    let fx = t.feed(Input::Synced(good.clone()));
    assert!(matches!(&fx[0], Effect::Decide(d) if d.certificate == good));
    assert_eq!(t.core.height(), 2);
    assert_eq!(t.me, 0);
}
