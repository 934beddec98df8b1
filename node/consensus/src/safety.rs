//! The safety guard: the only holder of the validator's signing key (after aptos'
//! safety-rules).
//!
//! Rules it enforces:
//! - it keeps the last message it signed as a [`SafetyRecord`] (height, round, step,
//!   value, digest of the signed bytes), steps ordered `Propose < Prevote < Precommit`;
//! - it signs a message only if its (height, round, step) is *above* the record, or
//!   equal to it with byte-identical content (re-signing the same message is harmless
//!   and lets a replayed core re-send its last message). Anything else is refused:
//!   a different message at the same (height, round, step) is
//!   [`ConsensusError::SafetyConflict`], anything lower is
//!   [`ConsensusError::SafetyRegression`];
//! - when it signs something new it returns the new record *together with* the signature
//!   ([`Signed`]); the core emits [`crate::Effect::PersistSafety`] before the effect that
//!   releases the signature, and the driver must sync it to disk before executing any
//!   later effect;
//! - [`SafetyGuard::restore`] rebuilds it from the persisted record after a restart.
//!
//! Requires: the record is persisted durably before the signature leaves the node, and
//! the same key is never run by two guards (that is the "twins" fault it cannot catch).
//! Provides: an honest node never signs two different proposals or votes for the same
//! (height, round, step), even across crashes and without its write-ahead log.
//! Does not provide: protection against a stolen key or a rolled-back disk.

use kuai_types::certificate::{VoteKind, VoteMessage};
use kuai_types::crypto::SignDomain;
use kuai_types::{Hash, Keypair, PublicKey};
use serde::{Deserialize, Serialize};

use crate::error::ConsensusError;
use crate::message::{ProposalMessage, SignedProposal, SignedVote};
use crate::types::{Height, Round};

/// The kinds of signed consensus messages, in the order a round signs them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum SignStep {
    Propose,
    Prevote,
    Precommit,
}

impl From<VoteKind> for SignStep {
    fn from(kind: VoteKind) -> Self {
        match kind {
            VoteKind::Prevote => SignStep::Prevote,
            VoteKind::Precommit => SignStep::Precommit,
        }
    }
}

/// The last message the guard signed. Persist it (synced) on every
/// [`crate::Effect::PersistSafety`]; hand it back to [`crate::Input::Start`] after a restart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SafetyRecord {
    pub chain_id: String,
    pub validator: PublicKey,
    pub height: Height,
    pub round: Round,
    pub step: SignStep,
    /// The proposed value, or the voted block hash (`None` is a nil vote).
    pub value: Option<Hash>,
    /// Digest of the exact bytes signed: equal digests are the same message.
    pub digest: Hash,
}

impl SafetyRecord {
    fn position(&self) -> (Height, Round, SignStep) {
        (self.height, self.round, self.step)
    }
}

/// A signature with the record that must be persisted before it is released
/// (`None` when the message was already signed and recorded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signed<T> {
    pub persist: Option<SafetyRecord>,
    pub message: T,
}

/// Holds the key and the last signed message; see the module docs.
#[derive(Debug)]
pub struct SafetyGuard {
    key: Keypair,
    chain_id: String,
    last: Option<SafetyRecord>,
}

fn digest(domain: SignDomain, bytes: &[u8]) -> Hash {
    Hash::tagged(b"kuai/consensus/signed/v1", &[domain.tag(), bytes])
}

impl SafetyGuard {
    /// A guard that has never signed.
    pub fn new(key: Keypair, chain_id: impl Into<String>) -> Self {
        SafetyGuard {
            key,
            chain_id: chain_id.into(),
            last: None,
        }
    }

    /// A guard restored from its persisted record (`None`: it never signed).
    pub fn restore(
        key: Keypair,
        chain_id: impl Into<String>,
        record: Option<SafetyRecord>,
    ) -> Result<Self, ConsensusError> {
        let mut guard = SafetyGuard::new(key, chain_id);
        guard.set_record(record)?;
        Ok(guard)
    }

    /// Replaces the record (on restore). Refuses a record of another key or chain, and
    /// never moves the record backwards.
    pub(crate) fn set_record(
        &mut self,
        record: Option<SafetyRecord>,
    ) -> Result<(), ConsensusError> {
        let Some(record) = record else {
            return Ok(());
        };
        if record.validator != self.key.public() {
            return Err(ConsensusError::SafetyRecordKeyMismatch {
                record: record.validator,
                key: self.key.public(),
            });
        }
        if record.chain_id != self.chain_id {
            return Err(ConsensusError::SafetyRecordChainMismatch {
                expected: self.chain_id.clone(),
                found: record.chain_id,
            });
        }
        let newer = match &self.last {
            Some(last) => record.position() > last.position(),
            None => true,
        };
        if newer {
            self.last = Some(record);
        }
        Ok(())
    }

    pub fn public(&self) -> PublicKey {
        self.key.public()
    }

    pub fn last(&self) -> Option<&SafetyRecord> {
        self.last.as_ref()
    }

    /// Decides whether (position, digest) may be signed; returns the new record if it
    /// is new, `None` if it is the last signed message again.
    fn admit(
        &self,
        chain_id: &str,
        (height, round, step): (Height, Round, SignStep),
        value: Option<Hash>,
        digest: Hash,
    ) -> Result<Option<SafetyRecord>, ConsensusError> {
        if chain_id != self.chain_id {
            return Err(ConsensusError::WrongChain {
                expected: self.chain_id.clone(),
                found: chain_id.to_string(),
            });
        }
        if let Some(last) = &self.last {
            let requested = (height, round, step);
            if requested < last.position() {
                return Err(ConsensusError::SafetyRegression {
                    height,
                    round,
                    step,
                    last_height: last.height,
                    last_round: last.round,
                    last_step: last.step,
                });
            }
            if requested == last.position() {
                if last.digest == digest {
                    return Ok(None);
                }
                return Err(ConsensusError::SafetyConflict {
                    height,
                    round,
                    step,
                    signed: last.value,
                    requested: value,
                });
            }
        }
        Ok(Some(SafetyRecord {
            chain_id: self.chain_id.clone(),
            validator: self.key.public(),
            height,
            round,
            step,
            value,
            digest,
        }))
    }

    pub fn sign_proposal(
        &mut self,
        proposal: ProposalMessage,
    ) -> Result<Signed<SignedProposal>, ConsensusError> {
        let bytes = proposal.signing_bytes();
        let persist = self.admit(
            &proposal.chain_id,
            (proposal.height, proposal.round, SignStep::Propose),
            Some(proposal.value),
            digest(SignDomain::Proposal, &bytes),
        )?;
        if let Some(record) = &persist {
            self.last = Some(record.clone());
        }
        let signature = self.key.sign(SignDomain::Proposal, &bytes);
        Ok(Signed {
            persist,
            message: SignedProposal {
                proposal,
                proposer: self.key.public(),
                signature,
            },
        })
    }

    pub fn sign_vote(&mut self, vote: VoteMessage) -> Result<Signed<SignedVote>, ConsensusError> {
        let bytes = vote.signing_bytes();
        let persist = self.admit(
            &vote.chain_id,
            (vote.height, vote.round, vote.kind.into()),
            vote.block_hash,
            digest(SignDomain::Vote, &bytes),
        )?;
        if let Some(record) = &persist {
            self.last = Some(record.clone());
        }
        let signature = self.key.sign(SignDomain::Vote, &bytes);
        Ok(Signed {
            persist,
            message: SignedVote {
                vote,
                validator: self.key.public(),
                signature,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHAIN: &str = "kuai-test";

    fn vote(height: Height, round: Round, kind: VoteKind, value: Option<u8>) -> VoteMessage {
        VoteMessage {
            chain_id: CHAIN.into(),
            height,
            round,
            kind,
            block_hash: value.map(|b| Hash([b; 32])),
        }
    }

    fn proposal(height: Height, round: Round, value: u8) -> ProposalMessage {
        ProposalMessage {
            chain_id: CHAIN.into(),
            height,
            round,
            value: Hash([value; 32]),
            pol_round: None,
        }
    }

    fn guard() -> SafetyGuard {
        SafetyGuard::new(Keypair::from_seed("guard"), CHAIN)
    }

    #[test]
    fn signs_forward_and_persists_each_new_message() {
        let mut g = guard();
        let p = g.sign_proposal(proposal(1, 0, 1)).unwrap();
        assert_eq!(p.persist.as_ref().map(|r| r.step), Some(SignStep::Propose));
        p.message.verify().unwrap();
        let v = g.sign_vote(vote(1, 0, VoteKind::Prevote, Some(1))).unwrap();
        v.message.verify().unwrap();
        let rec = v.persist.unwrap();
        assert_eq!((rec.height, rec.round, rec.step), (1, 0, SignStep::Prevote));
        assert_eq!(g.last(), Some(&rec));
        assert!(g
            .sign_vote(vote(1, 0, VoteKind::Precommit, None))
            .unwrap()
            .persist
            .is_some());
        assert!(g
            .sign_vote(vote(1, 3, VoteKind::Prevote, None))
            .unwrap()
            .persist
            .is_some());
        assert!(g
            .sign_vote(vote(2, 0, VoteKind::Prevote, Some(2)))
            .unwrap()
            .persist
            .is_some());
    }

    #[test]
    fn re_signing_the_same_message_is_allowed_without_a_new_record() {
        let mut g = guard();
        let first = g.sign_vote(vote(1, 0, VoteKind::Prevote, Some(1))).unwrap();
        let again = g.sign_vote(vote(1, 0, VoteKind::Prevote, Some(1))).unwrap();
        assert!(again.persist.is_none());
        assert_eq!(first.message, again.message);
    }

    #[test]
    fn refuses_a_conflicting_vote_or_proposal() {
        let mut g = guard();
        g.sign_vote(vote(1, 0, VoteKind::Prevote, Some(1))).unwrap();
        assert!(matches!(
            g.sign_vote(vote(1, 0, VoteKind::Prevote, Some(2))),
            Err(ConsensusError::SafetyConflict {
                height: 1,
                round: 0,
                step: SignStep::Prevote,
                ..
            })
        ));
        assert!(matches!(
            g.sign_vote(vote(1, 0, VoteKind::Prevote, None)),
            Err(ConsensusError::SafetyConflict { .. })
        ));
        let mut g = guard();
        g.sign_proposal(proposal(4, 2, 1)).unwrap();
        assert!(matches!(
            g.sign_proposal(proposal(4, 2, 9)),
            Err(ConsensusError::SafetyConflict {
                step: SignStep::Propose,
                ..
            })
        ));
        // Same value, different proof-of-lock round: a different message too.
        let mut other = proposal(4, 2, 1);
        other.pol_round = Some(1);
        assert!(g.sign_proposal(other).is_err());
    }

    #[test]
    fn refuses_anything_lower() {
        let mut g = guard();
        g.sign_vote(vote(3, 2, VoteKind::Prevote, Some(1))).unwrap();
        for (h, r, kind) in [
            (2, 9, VoteKind::Precommit),
            (3, 1, VoteKind::Precommit),
            (3, 2, VoteKind::Prevote),
        ] {
            let v = vote(h, r, kind, Some(7));
            if (h, r, kind) == (3, 2, VoteKind::Prevote) {
                assert!(matches!(
                    g.sign_vote(v),
                    Err(ConsensusError::SafetyConflict { .. })
                ));
            } else {
                assert!(
                    matches!(
                        g.sign_vote(v),
                        Err(ConsensusError::SafetyRegression {
                            last_height: 3,
                            last_round: 2,
                            ..
                        })
                    ),
                    "({h}, {r}, {kind:?})"
                );
            }
        }
        assert!(matches!(
            g.sign_proposal(proposal(3, 2, 1)),
            Err(ConsensusError::SafetyRegression { .. })
        ));
        assert!(matches!(
            g.sign_vote(vote(3, 2, VoteKind::Prevote, Some(5))),
            Err(ConsensusError::SafetyConflict { .. })
        ));
    }

    #[test]
    fn survives_a_restore_from_its_record() {
        let mut g = guard();
        let rec = g
            .sign_vote(vote(5, 1, VoteKind::Precommit, Some(4)))
            .unwrap()
            .persist
            .unwrap();
        // The record goes through the disk encoding.
        let bytes = kuai_types::codec::encode(&rec);
        let rec: SafetyRecord = kuai_types::codec::decode(&bytes, 1024).unwrap();
        drop(g);
        let mut restored =
            SafetyGuard::restore(Keypair::from_seed("guard"), CHAIN, Some(rec)).unwrap();
        assert!(matches!(
            restored.sign_vote(vote(5, 1, VoteKind::Precommit, None)),
            Err(ConsensusError::SafetyConflict { .. })
        ));
        assert!(matches!(
            restored.sign_vote(vote(5, 1, VoteKind::Prevote, Some(4))),
            Err(ConsensusError::SafetyRegression { .. })
        ));
        // The identical message can be re-sent; the next round is allowed.
        assert!(restored
            .sign_vote(vote(5, 1, VoteKind::Precommit, Some(4)))
            .is_ok());
        assert!(restored
            .sign_vote(vote(5, 2, VoteKind::Prevote, None))
            .is_ok());
    }

    #[test]
    fn refuses_a_record_of_another_key_or_chain() {
        let mut other = SafetyGuard::new(Keypair::from_seed("other"), CHAIN);
        let rec = other
            .sign_vote(vote(1, 0, VoteKind::Prevote, None))
            .unwrap()
            .persist;
        assert!(matches!(
            SafetyGuard::restore(Keypair::from_seed("guard"), CHAIN, rec.clone()),
            Err(ConsensusError::SafetyRecordKeyMismatch { .. })
        ));
        assert!(matches!(
            SafetyGuard::restore(Keypair::from_seed("other"), "another-chain", rec),
            Err(ConsensusError::SafetyRecordChainMismatch { .. })
        ));
        let mut g = guard();
        let mut v = vote(1, 0, VoteKind::Prevote, None);
        v.chain_id = "another-chain".into();
        assert!(matches!(
            g.sign_vote(v),
            Err(ConsensusError::WrongChain { .. })
        ));
    }
}
