//! The checks the fuzz targets run, one per untrusted input the node decodes.
//!
//! Rules every check asserts, for any input bytes:
//! - decoding never panics, never allocates past the decoder's byte limit, and rejects
//!   trailing bytes (the canonical codec, `kuai_types::codec`);
//! - a value that decodes re-encodes to bytes that decode back to the same value, and its
//!   hash and signature checks run without panicking;
//! - the contract host's code check (`kuai_runtime::contracts::check_code`) refuses bad
//!   code with an error, never a panic.
//!
//! The targets in `fuzz_targets/` are one line each around these functions, so
//! `cargo test` here runs them over the seed corpus (`corpus/<target>/`) without libFuzzer.

use kuai_consensus::ConsensusMessage;
use kuai_types::certificate::CommitCertificate;
use kuai_types::{Block, Keypair, PublicKey, SignedTransaction};

/// A transaction envelope as `POST /v1/tx`, the mempool and gossip receive it.
pub fn tx(data: &[u8]) {
    if let Ok(stx) = SignedTransaction::decode(data) {
        let again = SignedTransaction::decode(&stx.encode()).expect("re-encoded tx decodes");
        assert_eq!(again, stx, "tx round trip");
        let _ = stx.hash();
        let _ = stx.verify_signature();
        let _ = stx.tx.payload.kind();
    }
}

/// A block as synced from a peer or read back from the store.
pub fn block(data: &[u8]) {
    if let Ok(b) = Block::decode(data) {
        let again = Block::decode(&b.encode()).expect("re-encoded block decodes");
        assert_eq!(again, b, "block round trip");
        let _ = b.hash();
        for stx in &b.txs {
            let _ = stx.hash();
        }
    }
}

fn validators() -> Vec<PublicKey> {
    (0..4)
        .map(|i| Keypair::from_seed(&format!("fuzz-validator-{i}")).public())
        .collect()
}

/// A commit certificate as synced with a block, checked against a validator set.
pub fn certificate(data: &[u8]) {
    if let Ok(c) = CommitCertificate::decode(data) {
        let again = CommitCertificate::decode(&c.encode()).expect("re-encoded cert decodes");
        assert_eq!(again, c, "certificate round trip");
        let _ = c.verify(&validators());
        let _ = c.precommit().signing_bytes();
    }
}

/// A proposal or vote as received from a peer.
pub fn consensus_message(data: &[u8]) {
    if let Ok(m) = ConsensusMessage::decode(data) {
        let again = ConsensusMessage::decode(&m.encode()).expect("re-encoded message decodes");
        assert_eq!(again, m, "consensus message round trip");
        let _ = m.verify();
        let _ = (m.height(), m.sender());
    }
}

/// Uploaded contract code, as the contract host checks it before storing it.
pub fn contract_code(data: &[u8]) {
    let _ = kuai_runtime::contracts::check_code(data);
}

/// Valid inputs of each target, the seed corpus (`cargo test -- --ignored write_seeds`
/// rewrites `corpus/`).
pub mod seeds {
    use kuai_consensus::message::{ProposalMessage, SignedProposal, SignedVote};
    use kuai_consensus::ConsensusMessage;
    use kuai_types::certificate::{CommitCertificate, CommitVote, VoteKind, VoteMessage};
    use kuai_types::crypto::SignDomain;
    use kuai_types::payload::{Payload, RejectShareRequest};
    use kuai_types::{Block, BlockHeader, Hash, Keypair, Transaction};

    const CHAIN: &str = "kuai-fuzz";

    fn key(i: usize) -> Keypair {
        Keypair::from_seed(&format!("fuzz-validator-{i}"))
    }

    pub fn tx() -> Vec<Vec<u8>> {
        let stx = Transaction {
            chain_id: CHAIN.into(),
            signer: key(0).public(),
            nonce: 7,
            payload: Payload::RejectShareRequest(RejectShareRequest {
                request_id: 1,
                reason: "no legal basis".into(),
            }),
        }
        .sign(&key(0));
        vec![stx.encode()]
    }

    fn block_value() -> Block {
        let stx = kuai_types::SignedTransaction::decode(&tx()[0]).expect("seed tx");
        Block {
            header: BlockHeader {
                chain_id: CHAIN.into(),
                height: 5,
                parent_hash: Hash::tagged(b"p", &[]),
                time_ms: 1_700_000_000_000,
                proposer: key(1).public(),
                tx_root: Hash::ZERO,
                state_root: Hash::tagged(b"s", &[]),
                receipts_root: Hash::ZERO,
            },
            txs: vec![stx],
        }
    }

    pub fn block() -> Vec<Vec<u8>> {
        let mut empty = block_value();
        empty.txs.clear();
        vec![block_value().encode(), empty.encode()]
    }

    fn vote(i: usize, kind: VoteKind, value: Option<Hash>) -> SignedVote {
        let vote = VoteMessage {
            chain_id: CHAIN.into(),
            height: 5,
            round: 0,
            kind,
            block_hash: value,
        };
        let signature = key(i).sign(SignDomain::Vote, &vote.signing_bytes());
        SignedVote {
            vote,
            validator: key(i).public(),
            signature,
        }
    }

    pub fn certificate() -> Vec<Vec<u8>> {
        let value = block_value().hash();
        let votes = (0..3)
            .map(|i| {
                let v = vote(i, VoteKind::Precommit, Some(value));
                CommitVote {
                    validator: v.validator,
                    signature: v.signature,
                }
            })
            .collect();
        let cert = CommitCertificate {
            chain_id: CHAIN.into(),
            height: 5,
            round: 0,
            block_hash: value,
            votes,
        };
        vec![cert.encode()]
    }

    pub fn consensus_message() -> Vec<Vec<u8>> {
        let value = block_value().hash();
        let proposal = ProposalMessage {
            chain_id: CHAIN.into(),
            height: 5,
            round: 0,
            value,
            pol_round: None,
        };
        let signature = key(1).sign(SignDomain::Proposal, &proposal.signing_bytes());
        vec![
            ConsensusMessage::Proposal(SignedProposal {
                proposal,
                proposer: key(1).public(),
                signature,
            })
            .encode(),
            ConsensusMessage::Vote(vote(2, VoteKind::Prevote, Some(value))).encode(),
            ConsensusMessage::Vote(vote(3, VoteKind::Precommit, None)).encode(),
        ]
    }

    pub fn contract_code() -> Vec<Vec<u8>> {
        // An empty module, and one exporting `f: () -> i32` returning 42.
        let empty = b"\0asm\x01\0\0\0".to_vec();
        let mut f = empty.clone();
        f.extend_from_slice(&[
            0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, // type section: () -> i32
            0x03, 0x02, 0x01, 0x00, // function section
            0x07, 0x05, 0x01, 0x01, b'f', 0x00, 0x00, // export "f"
            0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x2a, 0x0b, // code: i32.const 42
        ]);
        vec![empty, f]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Target = (&'static str, fn(&[u8]), fn() -> Vec<Vec<u8>>);

    const TARGETS: [Target; 5] = [
        ("tx_decode", tx, seeds::tx),
        ("block_decode", block, seeds::block),
        ("certificate_decode", certificate, seeds::certificate),
        (
            "consensus_message_decode",
            consensus_message,
            seeds::consensus_message,
        ),
        ("contract_code", contract_code, seeds::contract_code),
    ];

    #[test]
    fn seeds_decode_and_checks_hold() {
        assert!(SignedTransaction::decode(&seeds::tx()[0]).is_ok());
        assert!(Block::decode(&seeds::block()[0]).is_ok());
        let cert = CommitCertificate::decode(&seeds::certificate()[0]).unwrap();
        cert.verify(&validators()).unwrap();
        for m in seeds::consensus_message() {
            ConsensusMessage::decode(&m).unwrap().verify().unwrap();
        }
        for (_, check, seeds) in TARGETS {
            for s in seeds() {
                check(&s);
                for cut in 0..s.len() {
                    check(&s[..cut]);
                }
            }
        }
    }

    /// The seed corpus of this checkout: the package directory cargo gives the test when
    /// it runs it, not the one baked in at build time (a test binary reused from a target
    /// directory shared with another checkout must read this checkout's files).
    fn corpus_root() -> std::path::PathBuf {
        std::env::var_os("CARGO_MANIFEST_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into())
            .join("corpus")
    }

    #[test]
    fn corpus_files_run() {
        let root = corpus_root();
        assert!(root.is_dir(), "{} is missing", root.display());
        for (name, check, _) in TARGETS {
            let Ok(dir) = std::fs::read_dir(root.join(name)) else {
                continue;
            };
            for f in dir {
                check(&std::fs::read(f.unwrap().path()).unwrap());
            }
        }
    }

    #[test]
    #[ignore = "rewrites the seed corpus"]
    fn write_seeds() {
        let root = corpus_root();
        for (name, _, seeds) in TARGETS {
            let dir = root.join(name);
            std::fs::create_dir_all(&dir).unwrap();
            for (i, s) in seeds().into_iter().enumerate() {
                std::fs::write(dir.join(format!("seed-{i}")), s).unwrap();
            }
        }
    }
}
