//! The ledger as the consensus layer sees it: propose a block on the committed head,
//! verify someone else's, commit one. This is the boundary a BFT engine drives (after
//! commonware's `Automaton`); the single-validator producer in [`crate::solo`] is the
//! first engine behind it.
//!
//! Rules:
//! - `propose` and `verify` never change durable state; only `commit` does, in one synced
//!   batch (see [`crate::store`]);
//! - `verify` answers [`NodeError::BadBlock`] only for a block that can never be valid on
//!   this head (wrong height, parent, chain, time, roots); storage failures are other errors;
//! - block time strictly increases: `time = max(wall clock, parent time + 1)`.

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use hashlink::LinkedHashSet;

use kuai_runtime::{execute_hashed_block, BlockContext, BlockOutcome};
use kuai_types::certificate::CommitCertificate;
use kuai_types::genesis::GenesisSpec;
use kuai_types::{Block, BlockHeader, Hash, Keypair, PublicKey, SignedTransaction};

use crate::combiner::Combiner;
use crate::error::NodeError;
use crate::gossip_pool::GossipPool;
use crate::mempool::{AdmitError, Mempool};
use crate::recent_tx_ids::{BlockIds, RecentTxIds};
use crate::store::{Head, MemtableSpread, Store};

/// How far ahead of a validator's clock a proposed block's time may be.
pub const MAX_CLOCK_DRIFT_MS: u64 = 10_000;

/// A block with the outcome of executing it on the current head.
pub struct Proposal {
    pub block: Block,
    pub outcome: BlockOutcome,
    /// The state tree's update for this block (its root is the header's state root).
    pub tree: jmt::storage::TreeUpdateBatch,
}

pub struct Chain {
    store: Store,
    genesis: GenesisSpec,
    /// `genesis.hash()`, computed once (every status request reports it).
    genesis_hash: Hash,
    key: Keypair,
    mempool: Mutex<Mempool>,
    /// Peers' gossip, verified in large batches later (see [`crate::gossip_pool`]).
    gossiped: Mutex<GossipPool>,
    /// Peers whose gossip held a bad signature: theirs is verified on arrival.
    distrusted: Mutex<HashSet<PublicKey>>,
    /// Blocks whose state roots stay provable (0: all).
    state_history: std::sync::atomic::AtomicU64,
    /// Milliseconds of block time a transaction may wait in the mempool (0: no limit).
    mempool_ttl_ms: std::sync::atomic::AtomicU64,
    /// Signalled when transactions enter the mempool or the gossip pool (a waiting
    /// proposer builds at once).
    admitted: tokio::sync::Notify,
    /// Counts arrivals of new transactions: client submissions admitted and peers'
    /// gossip taken into the gossip pool, not gossip moving on into the mempool when a
    /// block is built.
    arrivals: std::sync::atomic::AtomicU64,
    /// `arrivals + 1` when this chain's last built block came out empty although
    /// transactions waited (0 otherwise): see [`Chain::waiting`].
    empty_build: std::sync::atomic::AtomicU64,
    /// Concurrent submissions, verified together in one signature batch.
    admission: Combiner<(Hash, SignedTransaction), Result<Hash, AdmitError>>,
    /// Ids of transactions every peer should hold already (see [`Chain::peers_hold`]),
    /// oldest first, at most [`PEERS_HOLD_CAPACITY`].
    peers_hold: Mutex<LinkedHashSet<Hash>>,
    /// The committed head: read by [`Chain::head`], replaced at each commit, and watched
    /// by those who follow commits ([`Chain::follow_heads`]).
    head: tokio::sync::watch::Sender<Head>,
    /// The latest committed blocks' transaction ids, for [`Chain::block_tx_ids`].
    recent_ids: RecentTxIds,
}

/// The most transactions one admission batch verifies.
const MAX_ADMISSION_BATCH: usize = 4096;
/// The most ids [`Chain::peers_hold`] remembers (committed ones leave at once).
const PEERS_HOLD_CAPACITY: usize = 1 << 18;

impl Chain {
    /// Opens the store, writing the genesis state on first start; refuses a store that
    /// belongs to another genesis.
    pub fn open(
        db_dir: &Path,
        genesis: GenesisSpec,
        key: Keypair,
        mempool_capacity: usize,
    ) -> Result<Chain, NodeError> {
        // A validator of the genesis set takes its place in the memtable spread.
        let spread = genesis
            .validators
            .iter()
            .position(|v| v.key == key.public())
            .map_or(MemtableSpread::Random, |index| MemtableSpread::Slot {
                index,
                of: genesis.validators.len(),
            });
        let store = Store::open_spread(db_dir, spread)?;
        let genesis_hash = genesis.hash();
        let head = match (store.head()?, store.genesis()?) {
            (Some(head), Some(stored)) => {
                if stored.hash() != genesis_hash {
                    return Err(NodeError::ChainMismatch {
                        expected: genesis.chain_id.clone(),
                        found: stored.chain_id,
                    });
                }
                head
            }
            _ => {
                let (diff, _) = kuai_runtime::genesis::build(&genesis)
                    .map_err(|e| NodeError::Genesis(e.to_string()))?;
                store.commit_genesis(&genesis, &diff)?
            }
        };
        tracing::info!(chain_id = %genesis.chain_id, height = head.height, hash = %head.hash, "chain opened");
        Ok(Chain {
            store,
            genesis_hash,
            genesis,
            key,
            mempool: Mutex::new(Mempool::new(mempool_capacity)),
            gossiped: Mutex::new(GossipPool::new(mempool_capacity)),
            distrusted: Mutex::new(HashSet::new()),
            head: tokio::sync::watch::Sender::new(head),
            state_history: std::sync::atomic::AtomicU64::new(0),
            mempool_ttl_ms: std::sync::atomic::AtomicU64::new(0),
            admitted: tokio::sync::Notify::new(),
            arrivals: Default::default(),
            empty_build: Default::default(),
            admission: Combiner::new(MAX_ADMISSION_BATCH),
            peers_hold: Mutex::new(LinkedHashSet::new()),
            recent_ids: RecentTxIds::default(),
        })
    }

    /// Keep the state tree provable for the last `blocks` heights only (prunes after each
    /// commit); `None` keeps every height.
    pub fn set_state_history(&self, blocks: Option<u64>) {
        self.state_history
            .store(blocks.unwrap_or(0), std::sync::atomic::Ordering::Relaxed);
    }

    /// Drop transactions that waited in the mempool longer than `ttl` of block time
    /// (checked at each commit); `None` keeps them until they run.
    pub fn set_mempool_ttl(&self, ttl: Option<std::time::Duration>) {
        let ms = ttl.map_or(0, |t| t.as_millis().max(1) as u64);
        self.mempool_ttl_ms
            .store(ms, std::sync::atomic::Ordering::Relaxed);
        self.pool().expire(self.head().time_ms, 0);
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn genesis(&self) -> &GenesisSpec {
        &self.genesis
    }

    /// The genesis spec's hash (block 1's parent).
    pub fn genesis_hash(&self) -> Hash {
        self.genesis_hash
    }

    pub fn chain_id(&self) -> &str {
        &self.genesis.chain_id
    }

    pub fn validator_key(&self) -> kuai_types::PublicKey {
        self.key.public()
    }

    pub fn head(&self) -> Head {
        self.head.borrow().clone()
    }

    /// The head as it changes: the receiver sees the latest head after each commit (a
    /// follower that falls behind sees only the newest; the blocks in between are in the
    /// store).
    pub fn follow_heads(&self) -> tokio::sync::watch::Receiver<Head> {
        self.head.subscribe()
    }

    fn pool(&self) -> MutexGuard<'_, Mempool> {
        self.mempool.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn mempool_len(&self) -> usize {
        self.pool().len()
    }

    /// How many more transactions the mempool takes now.
    pub fn mempool_room(&self) -> usize {
        self.pool().room()
    }

    /// The checks [`Chain::submit`] makes that need no signature, for each of `txs`
    /// (with its id): the chain id, the nonce not used by a committed transaction, not
    /// already pending. What passes is handed back.
    pub fn precheck(
        &self,
        txs: Vec<(Hash, SignedTransaction)>,
    ) -> Vec<Result<(Hash, SignedTransaction), AdmitError>> {
        let committed = kuai_runtime::ReadCache::new(&self.store);
        let checked: Vec<_> = txs
            .into_iter()
            .map(|(h, t)| {
                kuai_runtime::check_envelope_verified(&committed, &self.genesis.chain_id, &t)
                    .map(|_next| (h, t))
                    .map_err(AdmitError::Invalid)
            })
            .collect();
        let pool = self.pool();
        checked
            .into_iter()
            .map(|r| match r {
                Ok((h, _)) if pool.contains(&h) => Err(AdmitError::Duplicate(h)),
                r => r,
            })
            .collect()
    }

    fn gossip_pool(&self) -> MutexGuard<'_, GossipPool> {
        self.gossiped.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Peers' gossip not yet verified.
    pub fn gossip_pool_len(&self) -> usize {
        self.gossip_pool().len()
    }

    /// Transactions waiting for a block: admitted ones and peers' unverified gossip.
    pub fn pending_len(&self) -> usize {
        self.mempool_len() + self.gossip_pool_len()
    }

    /// Transactions worth building a block for: [`Chain::pending_len`], except none
    /// when the last block built here came out empty and nothing arrived since. What
    /// waits then cannot run yet (a nonce gap), and building again would find nothing:
    /// an engine counting it would build empty blocks back to back. Arrivals are client
    /// submissions admitted and peers' gossip taken in (which brings a missing
    /// predecessor, committed elsewhere or not), not gossip moving on into the mempool
    /// when a block is built.
    pub fn waiting(&self) -> usize {
        use std::sync::atomic::Ordering;
        let arrivals = self.arrivals.load(Ordering::SeqCst);
        if self.empty_build.load(Ordering::SeqCst) == arrivals + 1 {
            0
        } else {
            self.pending_len()
        }
    }

    /// Takes transactions peer `from` gossiped: what fails the checks that need no
    /// signature (chain id, nonce already used) is dropped, what the mempool holds is
    /// skipped, the rest waits in the gossip pool until a large batch verifies it (see
    /// [`crate::gossip_pool`]); a waiting proposer wakes. A distrusted peer's gossip is
    /// verified and admitted at once instead. Blocks (call off async tasks).
    pub fn defer_gossiped(&self, from: PublicKey, txs: Vec<SignedTransaction>) {
        if self.distrusted().contains(&from) {
            let _ = self.submit_many(txs);
            return;
        }
        let hashed: Vec<(Hash, SignedTransaction)> =
            txs.into_iter().map(|t| (t.hash(), t)).collect();
        // The sender gossiped these to every validator.
        self.note_peers_hold(hashed.iter().map(|(h, _)| *h));
        let fresh: Vec<(Hash, SignedTransaction)> = self
            .precheck(hashed)
            .into_iter()
            .filter_map(Result::ok)
            .collect();
        if self.gossip_pool().add(from, fresh) > 0 {
            self.count_arrival();
            self.admitted.notify_one();
        }
    }

    fn peers_hold_set(&self) -> MutexGuard<'_, LinkedHashSet<Hash>> {
        self.peers_hold.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Remembers transactions every peer should hold: ones this node gossiped to all of
    /// them, and ones a peer gossiped (it sends to every validator).
    pub fn note_peers_hold(&self, hashes: impl IntoIterator<Item = Hash>) {
        let mut set = self.peers_hold_set();
        for h in hashes {
            if set.contains(&h) {
                continue;
            }
            if set.len() >= PEERS_HOLD_CAPACITY {
                set.pop_front();
            }
            set.insert(h);
        }
    }

    /// For each id, whether every peer should hold that transaction already: a proposal
    /// names those by id only. Gossip is best effort, so this is an expectation; a peer
    /// that lacks one asks for the whole block.
    pub fn peers_hold(&self, hashes: &[Hash]) -> Vec<bool> {
        let set = self.peers_hold_set();
        hashes.iter().map(|h| set.contains(h)).collect()
    }

    /// The transactions with these ids this node holds: admitted ones, or peers' gossip
    /// not verified yet (a block's execution verifies those).
    pub fn held_txs(&self, hashes: &[Hash]) -> Vec<Option<SignedTransaction>> {
        let mut out: Vec<Option<SignedTransaction>> = {
            let pool = self.pool();
            hashes.iter().map(|h| pool.get(h).cloned()).collect()
        };
        if out.iter().any(Option::is_none) {
            let gossip = self.gossip_pool();
            for (slot, h) in out.iter_mut().zip(hashes) {
                if slot.is_none() {
                    *slot = gossip.get(h).cloned();
                }
            }
        }
        out
    }

    fn distrusted(&self) -> MutexGuard<'_, HashSet<PublicKey>> {
        self.distrusted.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Verifies and admits up to `max` gossiped transactions as one batch (with whatever
    /// else is being submitted); a peer that sent a bad signature is distrusted.
    fn admit_gossiped(&self, max: usize) {
        let held = self.gossip_pool().take(max);
        if held.is_empty() {
            return;
        }
        let (senders, txs): (Vec<PublicKey>, Vec<(Hash, SignedTransaction)>) =
            held.into_iter().unzip();
        let results = self.admit_batch(txs);
        for (from, r) in senders.iter().zip(&results) {
            if let Err(AdmitError::Invalid(kuai_runtime::RuntimeError::BadSignature { .. })) = r {
                if self.distrusted().insert(*from) {
                    tracing::warn!(
                        peer = %from,
                        "a peer gossiped a transaction with a bad signature; \
                         its gossip is verified on arrival from now on"
                    );
                }
            }
        }
    }

    /// Completes once transactions were admitted since the last wait (or now, if some
    /// were admitted while nobody waited).
    pub async fn admitted(&self) {
        self.admitted.notified().await
    }

    /// An admitted transaction waiting for a block (gossip not yet verified is not one).
    pub fn pending(&self, hash: &Hash) -> Option<SignedTransaction> {
        self.pool().get(hash).cloned()
    }

    /// Admits a transaction to the mempool after checking it against committed state.
    pub fn submit(&self, stx: SignedTransaction) -> Result<Hash, AdmitError> {
        self.submit_many(vec![stx]).remove(0)
    }

    /// Admits many transactions: with whatever other callers submit meanwhile (API
    /// requests, block building's gossiped transactions), their signatures are verified
    /// in one batch outside the mempool's lock (so reaping and validation never wait for
    /// it), then each is admitted in order. Blocks until this call's transactions are
    /// through.
    pub fn submit_many(&self, txs: Vec<SignedTransaction>) -> Vec<Result<Hash, AdmitError>> {
        self.submit_hashed(txs.into_iter().map(|t| (t.hash(), t)).collect())
    }

    /// [`Chain::submit_many`] for transactions with the ids this node computed for them
    /// on arrival ([`SignedTransaction::hash`]), so none is hashed twice.
    pub fn submit_hashed(
        &self,
        txs: Vec<(Hash, SignedTransaction)>,
    ) -> Vec<Result<Hash, AdmitError>> {
        let results = self.admit_batch(txs);
        if results.iter().any(Result::is_ok) {
            self.count_arrival();
        }
        results
    }

    fn admit_batch(&self, txs: Vec<(Hash, SignedTransaction)>) -> Vec<Result<Hash, AdmitError>> {
        self.admission.run(txs, |all| self.verify_and_admit(all))
    }

    fn count_arrival(&self) {
        self.arrivals
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    /// Verifies as many of `txs` as the mempool has room for, as one batch, and admits
    /// them in order; the rest are refused as full unverified: an overloaded node spends
    /// nothing on what it cannot take (clients retry them).
    fn verify_and_admit(
        &self,
        txs: Vec<(Hash, SignedTransaction)>,
    ) -> Vec<Result<Hash, AdmitError>> {
        let (room, capacity) = {
            let pool = self.pool();
            (pool.room(), pool.capacity())
        };
        let fits = txs.len().min(room);
        let msgs: Vec<Vec<u8>> = txs[..fits].iter().map(|(_, t)| t.signing_bytes()).collect();
        let items: Vec<_> = txs
            .iter()
            .zip(&msgs)
            .map(|((_, t), m)| {
                (
                    t.tx.signer,
                    kuai_types::crypto::SignDomain::Transaction,
                    m.as_slice(),
                    t.signature,
                )
            })
            .collect();
        let ok = kuai_types::crypto::verify_each(&items);
        // The batch's signers' nonces are read from the store once each, not once per
        // transaction. A block committed meanwhile can make one stale: the mempool drops
        // such a transaction when it reaps, and execution refuses it, as before.
        let committed = kuai_runtime::ReadCache::new(&self.store);
        let mut pool = self.pool();
        let results: Vec<_> = txs
            .into_iter()
            .zip(ok.into_iter().map(Some).chain(std::iter::repeat(None)))
            .map(|((hash, stx), verified)| match verified {
                None => Err(AdmitError::Full(capacity)),
                Some(true) => pool.admit_verified(&committed, &self.genesis.chain_id, hash, stx),
                Some(false) => Err(AdmitError::Invalid(
                    kuai_runtime::RuntimeError::BadSignature {
                        signer: stx.tx.signer.to_hex(),
                    },
                )),
            })
            .collect();
        drop(pool);
        let admitted: Vec<Hash> = results
            .iter()
            .filter_map(|r| r.as_ref().ok().copied())
            .collect();
        if !admitted.is_empty() {
            // A client may submit what a peer's gossip brought first.
            self.gossip_pool().remove(&admitted);
            self.admitted.notify_one();
        }
        results
    }

    fn context(&self, head: &Head, time_ms: u64, proposer: kuai_types::PublicKey) -> BlockContext {
        BlockContext {
            chain_id: self.genesis.chain_id.clone(),
            height: head.height + 1,
            time_ms,
            proposer,
        }
    }

    /// Builds and executes the next block from the mempool (at most `max_txs`), after
    /// verifying and admitting peers' gossip as far as the block has room.
    pub fn propose(&self, wall_clock_ms: u64, max_txs: usize) -> Result<Proposal, NodeError> {
        use std::sync::atomic::Ordering;
        let head = self.head();
        let arrivals = self.arrivals.load(Ordering::SeqCst);
        // Peers' gossip joins the mempool first, verified as one batch, as far as the
        // block has room.
        self.admit_gossiped(max_txs.saturating_sub(self.mempool_len()));
        let (hashes, txs): (Vec<Hash>, Vec<SignedTransaction>) =
            self.pool().reap(&self.store, max_txs)?.into_iter().unzip();
        self.empty_build.store(
            if txs.is_empty() { arrivals + 1 } else { 0 },
            Ordering::SeqCst,
        );
        let time_ms = wall_clock_ms.max(head.time_ms + 1);
        let ctx = self.context(&head, time_ms, self.key.public());
        // Every reaped transaction's signature was verified on admission, and its id
        // computed then: they serve the verified set, execution and the transactions root.
        let verified: HashSet<Hash> = hashes.iter().copied().collect();
        let outcome = execute_hashed_block(&self.store, &ctx, &txs, &hashes, &verified)?;
        let (state_root, tree) = self.store.state_tree_update(&outcome.diff, ctx.height)?;
        let header = BlockHeader {
            chain_id: ctx.chain_id,
            height: ctx.height,
            parent_hash: head.hash,
            time_ms,
            proposer: ctx.proposer,
            tx_root: Block::tx_root_of(&hashes),
            state_root,
            receipts_root: outcome.receipts_root,
        };
        Ok(Proposal {
            block: Block { header, txs },
            outcome,
            tree,
        })
    }

    /// Re-executes a block proposed elsewhere and checks it against the head. `now_ms` is
    /// the local clock: a block more than [`MAX_CLOCK_DRIFT_MS`] in the future is invalid.
    pub fn verify(&self, block: Block, now_ms: u64) -> Result<Proposal, NodeError> {
        self.verify_hashed(block, None, now_ms)
    }

    /// [`Chain::verify`], given the transactions' ids when the caller has them (it took
    /// the transactions by those ids from this node's pools, which key them by their own
    /// hash); `None` hashes them here.
    pub fn verify_hashed(
        &self,
        block: Block,
        tx_hashes: Option<Vec<Hash>>,
        now_ms: u64,
    ) -> Result<Proposal, NodeError> {
        let head = self.head();
        let h = &block.header;
        let bad = |reason: String| NodeError::BadBlock {
            height: h.height,
            reason,
        };
        if h.chain_id != self.genesis.chain_id {
            return Err(bad(format!("chain id {:?}", h.chain_id)));
        }
        if h.height != head.height + 1 || h.parent_hash != head.hash {
            return Err(bad(format!(
                "expected height {} on parent {}",
                head.height + 1,
                head.hash
            )));
        }
        if h.time_ms > now_ms.saturating_add(MAX_CLOCK_DRIFT_MS) {
            return Err(bad(format!("time {} is more than {MAX_CLOCK_DRIFT_MS} ms ahead of this node's clock ({now_ms})", h.time_ms)));
        }
        if h.time_ms <= head.time_ms {
            return Err(bad(format!(
                "time {} is not after the parent's {}",
                h.time_ms, head.time_ms
            )));
        }
        let hashes: Vec<Hash> = match tx_hashes {
            Some(hashes) if hashes.len() == block.txs.len() => hashes,
            _ => block.txs.iter().map(SignedTransaction::hash).collect(),
        };
        if Block::tx_root_of(&hashes) != h.tx_root {
            return Err(bad("transactions root mismatch".into()));
        }
        let ctx = self.context(&head, h.time_ms, h.proposer);
        // Transactions this node admitted were verified on admission; only the others are
        // checked (in one batch) during execution.
        let verified: HashSet<Hash> = {
            let pool = self.pool();
            hashes
                .iter()
                .filter(|h| pool.contains(h))
                .copied()
                .collect()
        };
        let outcome = execute_hashed_block(&self.store, &ctx, &block.txs, &hashes, &verified)?;
        let (state_root, tree) = self.store.state_tree_update(&outcome.diff, h.height)?;
        if state_root != h.state_root || outcome.receipts_root != h.receipts_root {
            return Err(bad(
                "state or receipts root differs from re-execution".into()
            ));
        }
        Ok(Proposal {
            block,
            outcome,
            tree,
        })
    }

    /// Makes a proposal durable and the new head (single validator: no certificate).
    pub fn commit(&self, p: Proposal) -> Result<Head, NodeError> {
        self.commit_certified(p, None)
    }

    /// Makes a proposal durable and the new head, with its commit certificate.
    pub fn commit_certified(
        &self,
        p: Proposal,
        certificate: Option<&CommitCertificate>,
    ) -> Result<Head, NodeError> {
        let head = self.store.commit_block(
            &p.block,
            &p.outcome.receipts,
            &p.outcome.block_events,
            &p.outcome.diff,
            &p.tree,
            certificate,
        )?;
        let window = self
            .state_history
            .load(std::sync::atomic::Ordering::Relaxed);
        if window > 0 && head.height > window {
            self.store.prune_tree(head.height - window)?;
        }
        let hashes: Arc<[Hash]> = p.outcome.receipts.iter().map(|r| r.tx_hash).collect();
        let ttl = self
            .mempool_ttl_ms
            .load(std::sync::atomic::Ordering::Relaxed);
        let expired = {
            let mut pool = self.pool();
            pool.remove(&hashes);
            pool.expire(head.time_ms, ttl)
        };
        if !expired.is_empty() {
            tracing::info!(
                count = expired.len(),
                ttl_secs = ttl / 1000,
                "dropped transactions that waited in the mempool past its time to live"
            );
        }
        self.gossip_pool().remove(&hashes);
        {
            let mut held = self.peers_hold_set();
            for h in hashes.iter() {
                held.remove(h);
            }
        }
        // Before the new head is announced: a follower asks for these ids at once.
        let count = hashes.len();
        self.recent_ids.record(head.height, head.time_ms, hashes);
        self.head.send_replace(head.clone());
        let rejected = p
            .outcome
            .receipts
            .iter()
            .filter(|r| !r.is_success())
            .count();
        tracing::info!(height = head.height, hash = %head.hash, txs = count, rejected, "block committed");
        if let Some(set) = &p.outcome.new_validators {
            tracing::info!(
                height = head.height,
                validators = set.len(),
                "validator set changed"
            );
        }
        Ok(head)
    }

    /// The validator set of the next block (the runtime's current set).
    pub fn validators(&self) -> Result<Vec<PublicKey>, NodeError> {
        let st = kuai_runtime::Overlay::new(&self.store);
        Ok(kuai_runtime::chain_state::validators(&st)?
            .into_iter()
            .map(|v| v.key)
            .collect())
    }

    /// Committed block `height`'s time and transaction ids (`None`: not committed): from
    /// memory for the latest blocks ([`crate::recent_tx_ids`]), otherwise from its
    /// stored body, hashing each transaction.
    pub fn block_tx_ids(&self, height: u64) -> Result<Option<BlockIds>, NodeError> {
        if let Some(recent) = self.recent_ids.get(height) {
            return Ok(Some(recent));
        }
        Ok(self.store.block(height)?.map(|block| BlockIds {
            height,
            time_ms: block.header.time_ms,
            ids: block.txs.iter().map(SignedTransaction::hash).collect(),
        }))
    }

    /// Committed blocks with their certificates from `from` on (at most `max`), for
    /// peers that sync.
    pub fn certified_blocks(
        &self,
        from: u64,
        max: u32,
    ) -> Result<Vec<(Block, CommitCertificate)>, NodeError> {
        let mut out = Vec::new();
        for h in from..from.saturating_add(u64::from(max)) {
            match (self.store.block(h)?, self.store.certificate(h)?) {
                (Some(b), Some(c)) => out.push((b, c)),
                _ => break,
            }
        }
        Ok(out)
    }
}
