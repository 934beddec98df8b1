//! Replay protection: a signed request is accepted once. Requests carry a timestamp
//! (refused when more than `MAX_REQUEST_SKEW_MS` from the gateway's clock) and a random
//! nonce; the cache remembers each accepted `(accessor, nonce)` until its timestamp
//! leaves the window, so memory is bounded by the request rate over ten minutes.

use std::collections::{BTreeMap, HashSet};

use kuai_types::gateway::MAX_REQUEST_SKEW_MS;
use kuai_types::PublicKey;

#[derive(Default)]
pub struct ReplayCache {
    seen: HashSet<(PublicKey, u64)>,
    by_time: BTreeMap<u64, Vec<(PublicKey, u64)>>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    Stale { skew_ms: u64 },
    Replayed,
}

impl ReplayCache {
    /// Accepts `(accessor, nonce)` stamped `timestamp_ms` at `now_ms`, or says why not.
    pub fn accept(
        &mut self,
        accessor: PublicKey,
        nonce: u64,
        timestamp_ms: u64,
        now_ms: u64,
    ) -> Result<(), Refusal> {
        let skew_ms = now_ms.abs_diff(timestamp_ms);
        if skew_ms > MAX_REQUEST_SKEW_MS {
            return Err(Refusal::Stale { skew_ms });
        }
        let horizon = now_ms.saturating_sub(MAX_REQUEST_SKEW_MS);
        while let Some(entry) = self.by_time.first_entry() {
            if *entry.key() >= horizon {
                break;
            }
            for k in entry.remove() {
                self.seen.remove(&k);
            }
        }
        if !self.seen.insert((accessor, nonce)) {
            return Err(Refusal::Replayed);
        }
        self.by_time
            .entry(timestamp_ms)
            .or_default()
            .push((accessor, nonce));
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.seen.len()
    }

    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kuai_types::Keypair;

    #[test]
    fn replays_and_stale_requests_are_refused_and_memory_is_freed() {
        let k = Keypair::from_seed("a").public();
        let mut c = ReplayCache::default();
        let t = 1_000_000_000;
        assert_eq!(c.accept(k, 1, t, t), Ok(()));
        assert_eq!(c.accept(k, 1, t, t + 5), Err(Refusal::Replayed));
        assert_eq!(c.accept(Keypair::from_seed("b").public(), 1, t, t), Ok(()));
        assert_eq!(
            c.accept(k, 2, t - MAX_REQUEST_SKEW_MS - 1, t),
            Err(Refusal::Stale {
                skew_ms: MAX_REQUEST_SKEW_MS + 1
            })
        );
        assert!(matches!(
            c.accept(k, 3, t + MAX_REQUEST_SKEW_MS + 1, t),
            Err(Refusal::Stale { .. })
        ));
        // Once the first requests are out of the window they are forgotten; a replay of
        // them is then refused as stale instead.
        let later = t + MAX_REQUEST_SKEW_MS + 10;
        assert_eq!(c.accept(k, 4, later, later), Ok(()));
        assert_eq!(c.len(), 1);
        assert!(matches!(
            c.accept(k, 1, t, later),
            Err(Refusal::Stale { .. })
        ));
    }
}
