//! Fixtures shared by the crate's unit tests (compiled for tests only).

use kuai_types::model::Grant;
use kuai_types::{Keypair, SignedTransaction, Transaction};

/// `count` signed transactions of one signer (seeded by `seed`), nonces from 0, each
/// setting its approval threshold to 1: valid envelopes whose content does not matter.
pub fn signed_txs(seed: &str, count: u64) -> Vec<SignedTransaction> {
    let key = Keypair::from_seed(seed);
    (0..count)
        .map(|nonce| {
            Transaction {
                chain_id: "t".into(),
                signer: key.public(),
                nonce,
                payload: kuai_types::Payload::SetApprovalThreshold(
                    kuai_types::payload::SetApprovalThreshold { threshold: 1 },
                ),
            }
            .sign(&key)
        })
        .collect()
}

/// Grant 4 of request 2: grantee `G`, provider `P`, catalog entry 9, unlimited.
pub fn grant() -> Grant {
    Grant {
        id: 4,
        request_id: 2,
        agreement_id: None,
        entry_id: 9,
        grantee: "G".into(),
        provider: "P".into(),
        fields: vec![],
        masking: vec![],
        purpose: "x".into(),
        granted_at: 0,
        expires_at: u64::MAX,
        quota_rows: None,
        rows_used: 0,
        quota_calls: None,
        calls_used: 0,
        revoked: None,
    }
}
