//! The access recorder: turns deliveries into `RecordAccess` transactions signed with the
//! provider's gateway key and admits them to the node's mempool, in batches (group
//! commit): fetches that arrive while a batch is being admitted wait for the next one,
//! which takes them all. A fetch's rows are sent only after its transaction is admitted,
//! so no delivery goes unrecorded while the node runs. Blocks then commit them (one event
//! per delivery, so call quotas count each).
//!
//! Nonces: the recorder keeps the key's next nonce; it starts from the committed state
//! and, if the key was used elsewhere (a pending or committed transaction with that
//! nonce), skips ahead. The key should still be kept for the gateway alone.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use kuai_runtime::{keys, Overlay, RuntimeError};
use kuai_types::payload::RecordAccess;
use kuai_types::{Hash, Keypair, Payload, PublicKey, Transaction};
use tokio::sync::{oneshot, Notify};

use crate::chain::Chain;
use crate::mempool::AdmitError;

type Reply = oneshot::Sender<Result<Hash, String>>;
/// Where admitted transactions are passed on to the other validators (BFT engine).
pub type Gossip = Option<tokio::sync::mpsc::UnboundedSender<(Hash, kuai_types::SignedTransaction)>>;

pub struct Recorder {
    key: Keypair,
    chain: Arc<Chain>,
    max_batch: usize,
    queue: Mutex<Vec<(RecordAccess, Gossip, Reply)>>,
    wake: Notify,
    next_nonce: Mutex<Option<u64>>,
}

/// Attempts at admitting one transaction before it is reported as not recorded.
const ADMIT_TRIES: usize = 50;

impl Recorder {
    pub fn new(key: Keypair, chain: Arc<Chain>, max_batch: usize) -> Arc<Recorder> {
        Arc::new(Recorder {
            key,
            chain,
            max_batch: max_batch.max(1),
            queue: Mutex::new(Vec::new()),
            wake: Notify::new(),
            next_nonce: Mutex::new(None),
        })
    }

    pub fn public(&self) -> PublicKey {
        self.key.public()
    }

    /// Queues a delivery's access event; resolves to its transaction's hash once the
    /// transaction is in the mempool.
    pub async fn record(&self, access: RecordAccess, gossip: Gossip) -> Result<Hash, String> {
        let (tx, rx) = oneshot::channel();
        self.queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((access, gossip, tx));
        self.wake.notify_one();
        rx.await
            .map_err(|_| "the access recorder stopped".to_string())?
    }

    /// Runs the batching loop (spawn it once).
    pub async fn run(self: Arc<Self>) {
        loop {
            self.wake.notified().await;
            loop {
                let batch: Vec<(RecordAccess, Gossip, Reply)> = {
                    let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
                    let n = q.len().min(self.max_batch);
                    q.drain(..n).collect()
                };
                if batch.is_empty() {
                    break;
                }
                let me = self.clone();
                let admitted = tokio::task::spawn_blocking(move || me.admit_batch(batch)).await;
                if let Err(e) = admitted {
                    tracing::error!(error = %e, "access recorder batch failed");
                }
            }
        }
    }

    /// Signs and admits a batch in order (blocking: signature checks and store reads).
    pub fn admit_batch(&self, batch: Vec<(RecordAccess, Gossip, Reply)>) {
        let mut nonce = self.next_nonce.lock().unwrap_or_else(|p| p.into_inner());
        for (access, gossip, reply) in batch {
            let result = self.admit_one(&mut nonce, access, &gossip);
            if let Err(e) = &result {
                tracing::error!(error = %e, "an access event could not be recorded; the delivery is refused");
            }
            let _ = reply.send(result);
        }
    }

    fn committed_nonce(&self) -> Result<u64, String> {
        Overlay::new(self.chain.store())
            .read::<u64>(&keys::nonce(&self.key.public()))
            .map(|n| n.unwrap_or(0))
            .map_err(|e| e.to_string())
    }

    fn admit_one(
        &self,
        next: &mut Option<u64>,
        access: RecordAccess,
        gossip: &Gossip,
    ) -> Result<Hash, String> {
        let payload = Payload::RecordAccess(access);
        for _ in 0..ADMIT_TRIES {
            let nonce = match *next {
                Some(n) => n,
                None => self.committed_nonce()?,
            };
            let stx = Transaction {
                chain_id: self.chain.chain_id().to_string(),
                signer: self.key.public(),
                nonce,
                payload: payload.clone(),
            }
            .sign(&self.key);
            match self.chain.submit(stx.clone()) {
                Ok(hash) => {
                    *next = Some(nonce + 1);
                    if let Some(g) = gossip {
                        let _ = g.send((hash, stx));
                    }
                    return Ok(hash);
                }
                Err(AdmitError::NonceTaken { .. })
                | Err(AdmitError::Invalid(RuntimeError::NonceReplayed { .. })) => {
                    // The key was used by someone else: skip ahead.
                    *next = Some(self.committed_nonce()?.max(nonce + 1));
                }
                Err(AdmitError::Full(_)) => std::thread::sleep(Duration::from_millis(20)),
                Err(e) => return Err(e.to_string()),
            }
        }
        Err(format!(
            "the access event was not admitted after {ADMIT_TRIES} attempts"
        ))
    }
}
