//! Verifying the next proposer's gossip before its block arrives.
//!
//! Under load a block carries mostly its proposer's own clients' transactions. They
//! reached the other validators by gossip, unverified (see [`crate::gossip_pool`]), so
//! each of them checked those signatures only when the block came, while the proposer
//! waited for their votes; and while the proposer built the block, they waited. Here a
//! validator checks the next proposer's gossip while it waits ([`Chain::verify_ahead`]),
//! and the block's validation skips what verified.
//!
//! Rules:
//! - the work runs on one thread of its own under the idle scheduling policy
//!   (`SCHED_IDLE`): it takes only CPU time nothing else wants, so it never slows the
//!   proposer's build or any validation, which are on the height's critical path. The
//!   same checks run at normal priority with default scheduling: if the policy is
//!   refused, it is logged and the work goes on at normal priority;
//! - it never decides anything: a transaction verified here is only marked so in the
//!   gossip pool; what is not marked when a block comes is verified with the block;
//! - one height at a time, the latest asked for; a run stops between batches once a
//!   block of its height is being validated (that validation checks what is left);
//! - the thread ends when its [`VerifyAhead`] is dropped, and holds the chain only
//!   weakly.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Weak};

use kuai_consensus::types::Height;
use kuai_types::PublicKey;

use crate::chain::Chain;
use crate::error::NodeError;

/// The handle of the verify-ahead thread.
pub(super) struct VerifyAhead {
    requests: Sender<(PublicKey, Height)>,
    /// The highest height whose block this node began to validate.
    validating: Arc<AtomicU64>,
}

impl VerifyAhead {
    /// Starts the thread; each run verifies at most `max` transactions.
    pub(super) fn start(chain: &Arc<Chain>, max: usize) -> Result<VerifyAhead, NodeError> {
        let (requests, rx) = mpsc::channel();
        let validating = Arc::new(AtomicU64::new(0));
        let (chain, seen) = (Arc::downgrade(chain), validating.clone());
        std::thread::Builder::new()
            .name("kuai-verify-ahead".into())
            .spawn(move || {
                idle_priority();
                run(&chain, &rx, &seen, max);
            })?;
        Ok(VerifyAhead {
            requests,
            validating,
        })
    }

    /// Asks for `proposer`'s gossip to be verified while this node waits for its block
    /// of `height`.
    pub(super) fn request(&self, proposer: PublicKey, height: Height) {
        let _ = self.requests.send((proposer, height));
    }

    /// Notes that a block of `height` is being validated.
    pub(super) fn validating(&self, height: Height) {
        self.validating.fetch_max(height, Ordering::SeqCst);
    }
}

fn run(
    chain: &Weak<Chain>,
    requests: &Receiver<(PublicKey, Height)>,
    validating: &AtomicU64,
    max: usize,
) {
    while let Ok(mut next) = requests.recv() {
        // Only the latest request matters: the others' heights are over.
        while let Ok(later) = requests.try_recv() {
            next = later;
        }
        let (proposer, height) = next;
        let Some(chain) = chain.upgrade() else {
            return;
        };
        chain.verify_ahead(&proposer, max, &|| {
            validating.load(Ordering::SeqCst) >= height
        });
    }
}

/// Puts the calling thread under the idle scheduling policy (Linux), or logs why not.
fn idle_priority() {
    #[cfg(target_os = "linux")]
    {
        use thread_priority::{
            set_thread_priority_and_policy, thread_native_id, NormalThreadSchedulePolicy,
            ThreadPriority, ThreadSchedulePolicy,
        };
        if let Err(e) = set_thread_priority_and_policy(
            thread_native_id(),
            ThreadPriority::Min,
            ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle),
        ) {
            tracing::info!(error = ?e, "verify-ahead thread runs at normal priority");
        }
    }
}
