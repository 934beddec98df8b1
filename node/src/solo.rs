//! The single-validator engine: proposes and commits a block every
//! `block_interval_ms` when transactions wait (or always, with `empty_blocks`), or at
//! once when `max_block_txs` wait. It drives [`Chain`] through the same
//! propose/commit boundary a BFT engine uses. A failed commit is fatal: the engine
//! stops and the node exits rather than diverge from its store. What waits is
//! [`Chain::waiting`]: transactions that cannot run yet (a nonce gap) stop counting once
//! a block left them out, until new ones arrive.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use crate::chain::Chain;
use crate::clock::Clock;
use crate::config::ProducerConfig;
use crate::error::NodeError;

/// Runs until a block fails to commit; returns that error.
pub async fn run(
    chain: Arc<Chain>,
    cfg: ProducerConfig,
    full: Arc<Notify>,
    clock: Arc<dyn Clock>,
) -> NodeError {
    let mut tick = tokio::time::interval(Duration::from_millis(cfg.block_interval_ms));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = full.notified() => {}
        }
        if chain.waiting() == 0 && !cfg.empty_blocks {
            continue;
        }
        let c = chain.clone();
        let max = cfg.max_block_txs;
        let now = clock.now_ms();
        let result = tokio::task::spawn_blocking(move || {
            let proposal = c.propose(now, max)?;
            c.commit(proposal)
        })
        .await;
        match result {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return e,
            Err(join) => {
                return NodeError::Corrupt {
                    what: "block producer".into(),
                    reason: join.to_string(),
                }
            }
        }
    }
}
