//! Consensus votes and commit certificates: the signed vote message of the BFT layer and
//! the proof that more than 2/3 of the validators precommitted a block.
//!
//! Rules this module enforces (the consensus core and the client SDK share them, so they
//! cannot disagree on what a vote signs):
//! - a vote signs `SignDomain::Vote` tag || [`VoteMessage::signing_bytes`], the canonical
//!   encoding of (chain id, height, round, kind, block hash or nil); the chain id comes
//!   first, so a vote of one chain never verifies on another, and the kind is inside the
//!   message, so a prevote can never be replayed as a precommit;
//! - a [`CommitCertificate`] is valid for a validator set when its signers are distinct
//!   members of the set, they are *more than 2/3* of it (equal voting power:
//!   `3 * signers > 2 * n`, i.e. at least `2f+1` of `n = 3f+1`), and every signature verifies over the
//!   precommit for the certificate's (chain id, height, round, block hash).
//!
//! What it does not provide: the certificate does not say which validator set was in
//! force at its height (the caller passes it), and it does not check the chain id against
//! the caller's chain: compare [`CommitCertificate::chain_id`] yourself.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use utoipa::ToSchema;

use crate::codec;
use crate::crypto::{verify_batch, PublicKey, SignDomain, Signature};
use crate::error::TypesError;
use crate::hash::Hash;

/// Largest encoded certificate accepted by [`CommitCertificate::decode`] (room for about
/// 2,000 validators).
pub const MAX_CERTIFICATE_BYTES: usize = 256 * 1024;

/// The smallest number of votes out of `n` equal-power validators that is more than 2/3
/// of them (`2f+1` when `n = 3f+1`).
pub fn quorum_size(n: usize) -> usize {
    n * 2 / 3 + 1
}

/// The two kinds of consensus votes (Tendermint's PREVOTE and PRECOMMIT).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum VoteKind {
    Prevote,
    Precommit,
}

/// What a validator signs when it votes. `block_hash: None` is a vote for nil.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
pub struct VoteMessage {
    pub chain_id: String,
    pub height: u64,
    pub round: u32,
    pub kind: VoteKind,
    pub block_hash: Option<Hash>,
}

impl VoteMessage {
    /// The bytes the signature covers (without the `SignDomain::Vote` tag, which
    /// [`crate::Keypair::sign`] and [`PublicKey::verify`] add).
    pub fn signing_bytes(&self) -> Vec<u8> {
        codec::encode(self)
    }
}

/// One validator's precommit signature inside a certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CommitVote {
    pub validator: PublicKey,
    pub signature: Signature,
}

/// Proof that a block was committed: precommits for `block_hash` at (`height`, `round`)
/// from more than 2/3 of the validators.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CommitCertificate {
    pub chain_id: String,
    pub height: u64,
    pub round: u32,
    pub block_hash: Hash,
    pub votes: Vec<CommitVote>,
}

impl CommitCertificate {
    /// The precommit every signature of this certificate must cover.
    pub fn precommit(&self) -> VoteMessage {
        VoteMessage {
            chain_id: self.chain_id.clone(),
            height: self.height,
            round: self.round,
            kind: VoteKind::Precommit,
            block_hash: Some(self.block_hash),
        }
    }

    /// Checks the certificate against the validator set in force at its height: no
    /// unknown or duplicate signer, more than 2/3 of the set signing, and every signature
    /// valid over [`Self::precommit`] with `SignDomain::Vote`. Cheap checks run first;
    /// signatures are verified as one batch (same acceptance as single checks).
    pub fn verify(&self, validators: &[PublicKey]) -> Result<(), TypesError> {
        let set: BTreeSet<&PublicKey> = validators.iter().collect();
        let mut seen = BTreeSet::new();
        for vote in &self.votes {
            if !set.contains(&vote.validator) {
                return Err(TypesError::CertificateUnknownSigner {
                    height: self.height,
                    signer: vote.validator.to_hex(),
                });
            }
            if !seen.insert(vote.validator) {
                return Err(TypesError::CertificateDuplicateSigner {
                    height: self.height,
                    signer: vote.validator.to_hex(),
                });
            }
        }
        let needed = quorum_size(set.len());
        if seen.len() < needed {
            return Err(TypesError::CertificateNoQuorum {
                height: self.height,
                signers: seen.len(),
                validators: set.len(),
                needed,
            });
        }
        let msg = self.precommit().signing_bytes();
        let items: Vec<(PublicKey, SignDomain, &[u8], Signature)> = self
            .votes
            .iter()
            .map(|v| (v.validator, SignDomain::Vote, msg.as_slice(), v.signature))
            .collect();
        verify_batch(&items).map_err(|(_, e)| e)
    }

    pub fn encode(&self) -> Vec<u8> {
        codec::encode(self)
    }

    /// Decodes a certificate, enforcing [`MAX_CERTIFICATE_BYTES`] and rejecting trailing
    /// bytes. Does not verify it.
    pub fn decode(bytes: &[u8]) -> Result<Self, TypesError> {
        codec::decode(bytes, MAX_CERTIFICATE_BYTES)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::Keypair;

    fn keys(n: usize) -> Vec<Keypair> {
        (0..n)
            .map(|i| Keypair::from_seed(&format!("v{i}")))
            .collect()
    }

    fn certificate(signers: &[Keypair], height: u64) -> CommitCertificate {
        let mut cert = CommitCertificate {
            chain_id: "kuai-test".into(),
            height,
            round: 2,
            block_hash: Hash::tagged(b"kuai/test/block", &[&height.to_le_bytes()]),
            votes: vec![],
        };
        let msg = cert.precommit().signing_bytes();
        cert.votes = signers
            .iter()
            .map(|k| CommitVote {
                validator: k.public(),
                signature: k.sign(SignDomain::Vote, &msg),
            })
            .collect();
        cert
    }

    fn publics(keys: &[Keypair]) -> Vec<PublicKey> {
        keys.iter().map(Keypair::public).collect()
    }

    #[test]
    fn quorum_is_more_than_two_thirds() {
        assert_eq!(quorum_size(1), 1);
        assert_eq!(quorum_size(3), 3);
        assert_eq!(quorum_size(4), 3);
        assert_eq!(quorum_size(6), 5);
        assert_eq!(quorum_size(7), 5);
        assert_eq!(quorum_size(10), 7);
        for n in 1..50 {
            let q = quorum_size(n);
            assert!(3 * q > 2 * n && 3 * (q - 1) <= 2 * n, "n = {n}");
        }
    }

    #[test]
    fn a_quorum_certificate_verifies() {
        let ks = keys(4);
        certificate(&ks[..3], 5).verify(&publics(&ks)).unwrap();
        certificate(&ks, 5).verify(&publics(&ks)).unwrap();
    }

    #[test]
    fn a_changed_signature_fails() {
        let ks = keys(4);
        let mut cert = certificate(&ks[..3], 5);
        cert.votes[1].signature.0[10] ^= 1;
        assert_eq!(
            cert.verify(&publics(&ks)),
            Err(TypesError::BadSignature {
                signer: ks[1].public().to_hex()
            })
        );
    }

    #[test]
    fn a_signature_over_another_block_or_kind_fails() {
        let ks = keys(4);
        let mut cert = certificate(&ks[..3], 5);
        cert.block_hash = Hash::tagged(b"other", &[]);
        assert!(matches!(
            cert.verify(&publics(&ks)),
            Err(TypesError::BadSignature { .. })
        ));
        // A prevote signature for the same block is not a precommit signature.
        let mut cert = certificate(&ks[..3], 5);
        let mut prevote = cert.precommit();
        prevote.kind = VoteKind::Prevote;
        cert.votes[0].signature = ks[0].sign(SignDomain::Vote, &prevote.signing_bytes());
        assert!(matches!(
            cert.verify(&publics(&ks)),
            Err(TypesError::BadSignature { .. })
        ));
    }

    #[test]
    fn an_unknown_signer_fails() {
        let ks = keys(5);
        let cert = certificate(&ks[1..5], 5);
        assert_eq!(
            cert.verify(&publics(&ks[..4])),
            Err(TypesError::CertificateUnknownSigner {
                height: 5,
                signer: ks[4].public().to_hex()
            })
        );
    }

    #[test]
    fn a_duplicate_signer_fails() {
        let ks = keys(4);
        let mut cert = certificate(&ks[..2], 5);
        let dup = cert.votes[0].clone();
        cert.votes.push(dup);
        assert_eq!(
            cert.verify(&publics(&ks)),
            Err(TypesError::CertificateDuplicateSigner {
                height: 5,
                signer: ks[0].public().to_hex()
            })
        );
    }

    #[test]
    fn a_sub_quorum_set_fails() {
        let ks = keys(7);
        let cert = certificate(&ks[..4], 9);
        assert_eq!(
            cert.verify(&publics(&ks)),
            Err(TypesError::CertificateNoQuorum {
                height: 9,
                signers: 4,
                validators: 7,
                needed: 5
            })
        );
        assert!(certificate(&ks[..5], 9).verify(&publics(&ks)).is_ok());
        assert!(certificate(&[], 9).verify(&publics(&ks)).is_err());
    }

    #[test]
    fn codec_round_trip_and_limit() {
        let ks = keys(4);
        let cert = certificate(&ks[..3], 5);
        assert_eq!(CommitCertificate::decode(&cert.encode()).unwrap(), cert);
        let mut bytes = cert.encode();
        bytes.push(0);
        assert_eq!(
            CommitCertificate::decode(&bytes),
            Err(TypesError::TrailingBytes)
        );
        let json = serde_json::to_string(&cert).unwrap();
        assert_eq!(
            serde_json::from_str::<CommitCertificate>(&json).unwrap(),
            cert
        );
    }

    #[test]
    fn golden_vote_signing_bytes() {
        // Pins the signed vote format: any change here is a breaking change of the chain.
        let vote = VoteMessage {
            chain_id: "k".into(),
            height: 2,
            round: 1,
            kind: VoteKind::Precommit,
            block_hash: Some(Hash([0xab; 32])),
        };
        assert_eq!(
            hex::encode(vote.signing_bytes()),
            format!(
                "0100000000000000{}{}{}{}{}{}",
                "6b",
                "0200000000000000",
                "01000000",
                "01000000",
                "01",
                "ab".repeat(32)
            )
        );
        let nil = VoteMessage {
            block_hash: None,
            kind: VoteKind::Prevote,
            ..vote
        };
        assert_eq!(
            hex::encode(nil.signing_bytes()),
            format!(
                "0100000000000000{}{}{}{}{}",
                "6b", "0200000000000000", "01000000", "00000000", "00"
            )
        );
    }
}
