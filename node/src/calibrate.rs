//! How fast this machine checks signatures right now, on one core: ed25519 verifications
//! one at a time and in batches of [`BATCH`], the two figures the consensus benchmark's
//! budget rests on (`kuai-node calibrate`, printed beside every `scripts/bench.sh` run).
//! On a shared machine the same build's CPU per transaction varied by up to half from
//! hour to hour; a figure taken next to each run tells a slower machine from slower code.
//!
//! Rules:
//! - only valid signatures are checked, and a check counts only when it passes, so a
//!   rate is never made of failed (cheaper) checks; a failure is an error
//!   ([`NodeError::Key`]);
//! - each kind runs on the calling thread for at least the time asked (batches below
//!   the size `kuai_types::crypto` splits over cores), so the rates are per core;
//! - the messages are transaction-sized (300 bytes) and signed by 64 keys, as in a
//!   busy consortium; single checks find their key decoded after the first round, as a
//!   node's do (`kuai_types::crypto` keeps decoded keys), so from the commit that added
//!   that cache on, the single rate is about a seventh above the figures before it.

use std::time::{Duration, Instant};

use kuai_types::crypto::{verify_batch, BatchItem, Keypair, SignDomain};
use serde::Serialize;

use crate::error::NodeError;

/// Signatures per batch: below the size that is split over threads.
pub const BATCH: usize = 1_000;
const SIGNERS: usize = 64;
const MESSAGE_BYTES: usize = 300;

/// Verifications per second on one core.
#[derive(Clone, Debug, Serialize)]
pub struct SignatureRates {
    pub single_per_s: f64,
    pub batch_per_s: f64,
    pub batch_size: usize,
}

/// Measures both rates, each for at least `min_time`.
pub fn signature_rates(min_time: Duration) -> Result<SignatureRates, NodeError> {
    let keys: Vec<Keypair> = (0..SIGNERS)
        .map(|i| Keypair::from_seed(&format!("calibrate-{i}")))
        .collect();
    let messages: Vec<Vec<u8>> = (0..BATCH)
        .map(|i| {
            let mut m = vec![0u8; MESSAGE_BYTES];
            m[..8].copy_from_slice(&(i as u64).to_le_bytes());
            m
        })
        .collect();
    let items: Vec<BatchItem<'_>> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let k = &keys[i % SIGNERS];
            let sig = k.sign(SignDomain::Transaction, m);
            (k.public(), SignDomain::Transaction, m.as_slice(), sig)
        })
        .collect();

    let started = Instant::now();
    let mut singles = 0usize;
    while started.elapsed() < min_time || singles == 0 {
        let (pk, domain, msg, sig) = &items[singles % items.len()];
        pk.verify(*domain, msg, sig)?;
        singles += 1;
    }
    let single_secs = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let mut batches = 0usize;
    while started.elapsed() < min_time || batches == 0 {
        verify_batch(&items).map_err(|(_, e)| e)?;
        batches += 1;
    }
    let batch_secs = started.elapsed().as_secs_f64();

    Ok(SignatureRates {
        single_per_s: (singles as f64 / single_secs).round(),
        batch_per_s: ((batches * BATCH) as f64 / batch_secs).round(),
        batch_size: BATCH,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_rates_come_from_checks_that_passed() {
        let r = signature_rates(Duration::from_millis(30)).unwrap();
        assert_eq!(r.batch_size, BATCH);
        // At least one single check and one whole batch passed within the time measured.
        assert!(r.single_per_s > 0.0 && r.single_per_s.is_finite(), "{r:?}");
        assert!(r.batch_per_s >= 1.0 && r.batch_per_s.is_finite(), "{r:?}");
    }
}
