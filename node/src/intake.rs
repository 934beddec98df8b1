//! Asynchronous intake: transactions a client submitted with `mode: async` (see
//! [`kuai_types::api::SubmitMode`]) wait here, already answered, until a worker thread
//! verifies them with everything else that arrived meanwhile as one signature batch.
//! Like CometBFT's `broadcast_tx_async`, it spares a load generator or gateway the
//! round trip through verification, and the node verifies in batches far larger than
//! one request's.
//!
//! Rules:
//! - a transaction is queued only after [`Chain::precheck`] (the checks that need no
//!   signature) and only if it is not queued already; its id is the answer;
//! - at most the mempool's free room is queued: a request that would exceed it is
//!   refused whole as `mempool_full` (the client retries later); a queued transaction is
//!   refused for want of room later only if synchronous submissions or peers' gossip
//!   filled the mempool meanwhile (reported like any other refusal);
//! - the worker takes at most [`MAX_BATCH`] queued transactions at a time, in arrival
//!   order, lingering first until [`MIN_BATCH`] wait, at most [`LINGER`]; it verifies
//!   and admits them through [`Chain::submit_many`] (so they still join any concurrent
//!   admissions' batch) and only then drops them from the queue: a queued transaction is
//!   always visible as queued, pending or committed;
//! - admitted transactions go to the other validators' gossip like synchronously
//!   submitted ones; a refused one (except a duplicate, which is pending already) is
//!   remembered with its reason, the latest [`REMEMBERED`], for `GET /v1/tx/{hash}`;
//! - the worker ends when the [`Intake`] is dropped; once it ended (a panic included)
//!   nothing more is queued: submissions are refused as `unavailable`.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use hashlink::LinkedHashMap;
use kuai_types::api::ErrorDetail;
use kuai_types::{Hash, SignedTransaction};

use crate::api::ApiError;
use crate::chain::Chain;
use crate::mempool::AdmitError;
use crate::outlets::Outlets;

/// The longest the worker waits for [`MIN_BATCH`] to gather.
pub const LINGER: Duration = Duration::from_millis(50);
/// Queued transactions worth verifying without lingering further.
pub const MIN_BATCH: usize = 1024;
/// The most transactions verified as one batch.
pub const MAX_BATCH: usize = 4096;
/// Refusals remembered for `GET /v1/tx/{hash}`.
pub const REMEMBERED: usize = 65_536;

#[derive(Default)]
struct Queue {
    waiting: LinkedHashMap<Hash, SignedTransaction>,
    refused: LinkedHashMap<Hash, ErrorDetail>,
    closed: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    arrived: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The queue of asynchronously submitted transactions and its worker.
pub struct Intake {
    shared: Arc<Shared>,
    chain: Arc<Chain>,
}

impl Intake {
    /// Starts the worker thread.
    pub fn spawn(chain: Arc<Chain>, outlets: Arc<Outlets>) -> std::io::Result<Intake> {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            arrived: Condvar::new(),
        });
        let (s, c) = (shared.clone(), chain.clone());
        std::thread::Builder::new()
            .name("kuai-intake".into())
            .spawn(move || work(&s, &c, &outlets))?;
        Ok(Intake { shared, chain })
    }

    /// Queues decoded transactions with their ids; each result is the id or why it was
    /// refused now. Refuses them all when they do not fit ([`AdmitError::Full`]) or the
    /// worker stopped (503 `unavailable`).
    pub fn queue(
        &self,
        txs: Vec<(Hash, SignedTransaction)>,
    ) -> Result<Vec<Result<Hash, AdmitError>>, ApiError> {
        let room = self.chain.mempool_room();
        let checked = self.chain.precheck(txs);
        let mut q = self.shared.lock();
        if q.closed {
            return Err(ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "asynchronous submission stopped on this node; submit synchronously",
            ));
        }
        let fresh = checked.iter().filter(|r| r.is_ok()).count();
        if q.waiting.len() + fresh > room {
            return Err(AdmitError::Full(self.chain.mempool_len() + q.waiting.len()).into());
        }
        let results = checked
            .into_iter()
            .map(|r| {
                let (h, t) = r?;
                if q.waiting.contains_key(&h) {
                    return Err(AdmitError::Duplicate(h));
                }
                q.refused.remove(&h);
                q.waiting.insert(h, t);
                Ok(h)
            })
            .collect();
        drop(q);
        self.shared.arrived.notify_one();
        Ok(results)
    }

    /// A queued transaction not yet verified.
    pub fn queued(&self, hash: &Hash) -> Option<SignedTransaction> {
        self.shared.lock().waiting.get(hash).cloned()
    }

    /// Why a queued transaction was refused, if it was (among the latest refusals).
    pub fn refusal(&self, hash: &Hash) -> Option<ErrorDetail> {
        self.shared.lock().refused.get(hash).cloned()
    }

    /// Transactions queued, not yet verified.
    pub fn len(&self) -> usize {
        self.shared.lock().waiting.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Drop for Intake {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.arrived.notify_all();
    }
}

/// Closes the queue when the worker ends, however it ends (a panic included), so that
/// nothing is queued that no one will verify.
struct Closing<'a>(&'a Shared);

impl Drop for Closing<'_> {
    fn drop(&mut self) {
        self.0.lock().closed = true;
    }
}

/// The worker: waits for queued transactions, then verifies and admits them in batches.
fn work(shared: &Shared, chain: &Chain, outlets: &Outlets) {
    let _closing = Closing(shared);
    loop {
        let mut q = shared.lock();
        while q.waiting.is_empty() && !q.closed {
            q = shared.arrived.wait(q).unwrap_or_else(|p| p.into_inner());
        }
        if q.closed {
            return;
        }
        // Linger for a batch worth verifying (each arrival wakes this wait).
        q = shared
            .arrived
            .wait_timeout_while(q, LINGER, |q| q.waiting.len() < MIN_BATCH && !q.closed)
            .map(|(q, _)| q)
            .unwrap_or_else(|p| p.into_inner().0);
        let batch: Vec<(Hash, SignedTransaction)> = q
            .waiting
            .iter()
            .take(MAX_BATCH)
            .map(|(h, t)| (*h, t.clone()))
            .collect();
        drop(q);
        let hashes: Vec<Hash> = batch.iter().map(|(h, _)| *h).collect();
        let results = chain.submit_hashed(batch);
        let mut admitted = Vec::new();
        let mut q = shared.lock();
        for (hash, result) in hashes.iter().zip(results) {
            // The queue's own copy leaves with it, to the gossip if admitted.
            let held = q.waiting.remove(hash);
            match result {
                Ok(_) => admitted.extend(held.filter(|_| outlets.gossips()).map(|t| (*hash, t))),
                Err(AdmitError::Duplicate(_)) => {}
                Err(e) => {
                    let e = ApiError::from(e);
                    q.refused.insert(
                        *hash,
                        ErrorDetail {
                            code: e.code,
                            message: e.message,
                        },
                    );
                    if q.refused.len() > REMEMBERED {
                        q.refused.pop_front();
                    }
                }
            }
        }
        drop(q);
        outlets.admitted(chain, admitted);
    }
}
