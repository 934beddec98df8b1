//! Which peer a node asks for committed blocks, and how often.
//!
//! A node falls behind when it misses a decision (it restarted, or the block of a decided
//! height never reached it). It learns so in two ways: a consensus message for a height
//! above its next one names a peer that is ahead; or nothing commits for a while and it
//! asks around in case it is the one behind.
//!
//! Rules:
//! - a peer known to be ahead (it sent a message for a height above this node's next one)
//!   is asked first, until this node reaches that height;
//! - with no such peer, the network picks a connected peer, a different one each time
//!   (see `Command::Sync` in [`crate::p2p`]), so a node whose first peer is stuck as
//!   well still reaches one that is ahead;
//! - a named peer is asked at most once per [`SYNC_EVERY`], and so is "any peer"; the two
//!   are paced apart: asking an arbitrary peer (every re-gossip of a stalled height)
//!   must not hold back asking the one known to be ahead, or two nodes that are behind
//!   ask each other in phase and stall for good. Named peers share one pace, so a node a
//!   step behind its peers while it commits does not have every peer send it the same
//!   block.

use std::time::{Duration, Instant};

use kuai_consensus::types::Height;
use kuai_types::PublicKey;

/// Least time between two sync requests to the same target.
pub const SYNC_EVERY: Duration = Duration::from_millis(500);

/// The sync requests' pacing and the best-known peer ahead.
#[derive(Debug, Default)]
pub struct SyncPacer {
    /// When a named peer was last asked.
    last_named: Option<Instant>,
    /// When any peer was last asked.
    last_any: Option<Instant>,
    /// The peer that sent the highest consensus message above our next height.
    ahead: Option<(PublicKey, Height)>,
}

impl SyncPacer {
    /// Notes a verified consensus message from `peer` for `height`; `next` is this node's
    /// next height. Returns whether the peer is ahead of this node.
    pub fn saw(&mut self, peer: PublicKey, height: Height, next: Height) -> bool {
        if height <= next {
            return false;
        }
        if self.ahead.is_none_or(|(_, h)| height >= h) {
            self.ahead = Some((peer, height));
        }
        true
    }

    /// This node's next height is now `next`: a peer no longer ahead is forgotten.
    pub fn caught_up(&mut self, next: Height) {
        if self.ahead.is_some_and(|(_, h)| h <= next) {
            self.ahead = None;
        }
    }

    /// The target of a sync request now (`Some(None)`: any connected peer), or `None` if
    /// that target was asked less than [`SYNC_EVERY`] ago. `hint` names a peer to ask;
    /// without one, the peer known to be ahead is asked.
    pub fn request(&mut self, hint: Option<PublicKey>, now: Instant) -> Option<Option<PublicKey>> {
        let target = hint.or(self.ahead.map(|(p, _)| p));
        let last = match target {
            Some(_) => &mut self.last_named,
            None => &mut self.last_any,
        };
        if last.is_some_and(|t| now.saturating_duration_since(t) < SYNC_EVERY) {
            return None;
        }
        *last = Some(now);
        Some(target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kuai_types::Keypair;

    fn key(s: &str) -> PublicKey {
        Keypair::from_seed(s).public()
    }

    #[test]
    fn asking_any_peer_never_holds_back_asking_the_one_ahead() {
        let (a, b) = (key("a"), key("b"));
        let t0 = Instant::now();
        let mut p = SyncPacer::default();
        assert_eq!(p.request(None, t0), Some(None));
        // A message from `a` for height 65 while this node's next height is 64.
        assert!(p.saw(a, 65, 64));
        assert_eq!(p.request(Some(a), t0), Some(Some(a)));
        // Named peers share one pace, apart from "any peer".
        assert_eq!(p.request(Some(a), t0 + SYNC_EVERY / 2), None);
        assert_eq!(p.request(Some(b), t0 + SYNC_EVERY / 2), None);
        assert_eq!(
            p.request(None, t0 + SYNC_EVERY / 2),
            None,
            "a is ahead, asked just now"
        );
        assert_eq!(p.request(Some(b), t0 + SYNC_EVERY), Some(Some(b)));
        p.caught_up(65);
        assert_eq!(p.request(None, t0 + SYNC_EVERY), Some(None));
    }

    #[test]
    fn a_stalled_node_asks_the_peer_known_ahead_until_it_reaches_that_height() {
        let (a, b) = (key("a"), key("b"));
        let t0 = Instant::now();
        let mut p = SyncPacer::default();
        assert!(
            !p.saw(a, 64, 64),
            "a message for our next height is not ahead"
        );
        assert_eq!(p.request(None, t0), Some(None));
        assert!(p.saw(a, 66, 64));
        assert!(p.saw(b, 65, 64), "b is ahead too, but a is further");
        assert_eq!(p.request(None, t0 + SYNC_EVERY), Some(Some(a)));
        assert!(p.saw(b, 67, 64));
        assert_eq!(p.request(None, t0 + 2 * SYNC_EVERY), Some(Some(b)));
        p.caught_up(66);
        assert_eq!(
            p.request(None, t0 + 3 * SYNC_EVERY),
            Some(Some(b)),
            "b (67) is still ahead of 66"
        );
        p.caught_up(67);
        assert_eq!(p.request(None, t0 + 4 * SYNC_EVERY), Some(None));
    }
}
