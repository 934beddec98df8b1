//! Which peer a node asks for committed blocks, and how often.
//!
//! A node falls behind when it misses a decision (it restarted, or the block of a decided
//! height never reached it). It learns so in two ways: a consensus message for a height
//! above its next one names a peer that is ahead; or nothing commits for a while and it
//! asks around in case it is the one behind.
//!
//! Rules:
//! - a message for a height above this node's next one makes its sender the peer to ask
//!   (it has committed what this node lacks, or lies: see the next rule);
//! - asking "any peer" (every re-gossip of a stalled height) goes to the connected peers
//!   in turn (see `Command::Sync` in [`crate::p2p`]), so a node whose first peer is as
//!   far behind as itself, or a validator that claims heights it does not serve, cannot
//!   keep it from reaching one that is ahead;
//! - a named peer is asked at most once per [`SYNC_EVERY`], and so is "any peer"; the two
//!   are paced apart: asking an arbitrary peer must not hold back asking the one known to
//!   be ahead, or two nodes that are behind ask each other in phase and stall for good.
//!   Named peers share one pace, so a node a step behind its peers while it commits does
//!   not have every peer send it the same block.

use std::time::{Duration, Instant};

use kuai_consensus::types::Height;
use kuai_types::PublicKey;

/// Least time between two sync requests to a named peer, and between two to any peer.
pub const SYNC_EVERY: Duration = Duration::from_millis(500);

/// Whether a consensus message for `height` shows its sender ahead of a node whose next
/// height is `next`.
pub fn ahead(height: Height, next: Height) -> bool {
    height > next
}

/// The sync requests' pacing.
#[derive(Debug, Default)]
pub struct SyncPacer {
    /// When a named peer was last asked.
    last_named: Option<Instant>,
    /// When any peer was last asked.
    last_any: Option<Instant>,
}

impl SyncPacer {
    /// Whether to send a sync request to `peer` (`None`: any connected peer) now; if so,
    /// the request is counted.
    pub fn request(&mut self, peer: Option<PublicKey>, now: Instant) -> bool {
        let last = match peer {
            Some(_) => &mut self.last_named,
            None => &mut self.last_any,
        };
        if last.is_some_and(|t| now.saturating_duration_since(t) < SYNC_EVERY) {
            return false;
        }
        *last = Some(now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kuai_types::Keypair;

    #[test]
    fn asking_any_peer_never_holds_back_asking_the_one_ahead() {
        let (a, b) = (
            Keypair::from_seed("a").public(),
            Keypair::from_seed("b").public(),
        );
        let t0 = Instant::now();
        let mut p = SyncPacer::default();
        // A stalled height's re-gossip asks any peer; a message from `a` then shows it
        // ahead, and `a` is asked at once.
        assert!(p.request(None, t0));
        assert!(p.request(Some(a), t0));
        // Named peers share one pace, apart from "any peer".
        assert!(!p.request(Some(a), t0 + SYNC_EVERY / 2));
        assert!(!p.request(Some(b), t0 + SYNC_EVERY / 2));
        assert!(!p.request(None, t0 + SYNC_EVERY / 2));
        assert!(p.request(Some(b), t0 + SYNC_EVERY));
        // However often a peer (lying about its height, maybe) is named, any peer is
        // still asked at its own pace.
        assert!(p.request(None, t0 + SYNC_EVERY));
        assert!(!p.request(Some(a), t0 + SYNC_EVERY));
    }

    #[test]
    fn only_a_message_above_the_next_height_shows_a_peer_ahead() {
        assert!(!ahead(63, 64), "an old height");
        assert!(!ahead(64, 64), "our own next height: the peer is level");
        assert!(ahead(65, 64));
    }
}
