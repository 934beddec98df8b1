//! Gossiping the transactions a node admitted from its clients to the other validators.
//!
//! Every gossip message is a new libp2p stream on each peer connection (with its own
//! frames, acknowledgement and wake-ups), so a message carrying a handful of
//! transactions costs more in syscalls and wake-ups than the transactions are worth.
//!
//! Rules:
//! - a node sends at most one transaction message per window, of at most
//!   [`MAX_GOSSIP_BATCH`] transactions, in the order it admitted them;
//! - after a quiet window a transaction goes at once (a lightly loaded chain keeps its
//!   latency);
//! - the window follows the load ([`next_window`]): [`MIN_WINDOW`] while messages are
//!   small, growing with the size of the last message up to [`MAX_WINDOW`], so under load
//!   messages carry tens to hundreds of transactions instead of a few.

use std::time::Duration;

use tokio::sync::mpsc;

/// The most transactions in one gossip message.
pub const MAX_GOSSIP_BATCH: usize = 2000;
/// The shortest time between two transaction messages of a node.
pub const MIN_WINDOW: Duration = Duration::from_millis(10);
/// The longest.
pub const MAX_WINDOW: Duration = Duration::from_millis(40);

/// The window after sending a message of `last_batch` transactions: half a millisecond
/// per transaction, within [`MIN_WINDOW`, `MAX_WINDOW`]. A node admitting fewer than two
/// transactions per millisecond stays at the minimum (each window's batch is too small to
/// lengthen the next); above that the window grows until messages are about 80
/// transactions, costing at most 30 ms more propagation under load.
pub fn next_window(last_batch: usize) -> Duration {
    let half_ms = u64::try_from(last_batch).unwrap_or(u64::MAX);
    Duration::from_micros(half_ms.saturating_mul(500)).clamp(MIN_WINDOW, MAX_WINDOW)
}

/// Starts the gossip task: transactions (with whatever the caller keeps beside each, such
/// as its id) sent to the returned channel go to `send` in batches, paced by
/// [`next_window`].
pub fn spawn<T: Send + 'static>(
    send: impl Fn(Vec<T>) + Send + 'static,
) -> mpsc::UnboundedSender<T> {
    let (tx, mut rx) = mpsc::unbounded_channel::<T>();
    tokio::spawn(async move {
        let mut next_at: Option<tokio::time::Instant> = None;
        while let Some(first) = rx.recv().await {
            if let Some(at) = next_at {
                tokio::time::sleep_until(at).await;
            }
            let mut batch = vec![first];
            while batch.len() < MAX_GOSSIP_BATCH {
                match rx.try_recv() {
                    Ok(t) => batch.push(t),
                    Err(_) => break,
                }
            }
            next_at = Some(tokio::time::Instant::now() + next_window(batch.len()));
            send(batch);
        }
    });
    tx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_grows_with_the_load_within_its_bounds() {
        assert_eq!(next_window(0), MIN_WINDOW);
        assert_eq!(next_window(1), MIN_WINDOW, "a lone transaction: minimum");
        assert_eq!(
            next_window(20),
            MIN_WINDOW,
            "20 per 10 ms: still the minimum"
        );
        assert_eq!(next_window(30), Duration::from_millis(15));
        assert_eq!(next_window(60), Duration::from_millis(30));
        assert_eq!(next_window(80), MAX_WINDOW);
        assert_eq!(next_window(MAX_GOSSIP_BATCH), MAX_WINDOW);
        assert_eq!(next_window(usize::MAX), MAX_WINDOW, "no overflow");
        // Monotone: more load never shortens the window.
        let mut last = Duration::ZERO;
        for n in 0..200 {
            let w = next_window(n);
            assert!(w >= last, "window shrank at {n}");
            last = w;
        }
    }

    #[tokio::test]
    async fn everything_sent_arrives_once_in_order_in_bounded_batches() {
        let (out_tx, mut out_rx) = mpsc::unbounded_channel::<Vec<kuai_types::SignedTransaction>>();
        let input = spawn(move |batch| {
            let _ = out_tx.send(batch);
        });
        let txs = crate::test_support::signed_txs("gossip-test", (MAX_GOSSIP_BATCH + 500) as u64);
        for t in &txs {
            input.send(t.clone()).unwrap();
        }
        let mut got = Vec::new();
        while got.len() < txs.len() {
            let batch = out_rx.recv().await.unwrap();
            assert!(!batch.is_empty() && batch.len() <= MAX_GOSSIP_BATCH);
            got.extend(batch);
        }
        assert_eq!(got, txs);
    }
}
