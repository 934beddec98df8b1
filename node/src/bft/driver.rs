use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kuai_consensus::types::{Config as CoreConfig, Height, Round, Timeout, ValidatorSet};
use kuai_consensus::wal::Wal;
use kuai_consensus::{
    ConsensusError, ConsensusMessage, Core, Decision, Effect, Input, SafetyRecord,
};
use kuai_types::certificate::CommitCertificate;
use kuai_types::{Block, Hash, Keypair, SignedTransaction};
use tokio::sync::mpsc;

use crate::chain::{Chain, Proposal};
use crate::clock::Clock;
use crate::error::NodeError;
use crate::metrics::{timed, Metrics};
use crate::p2p::{Gossip, NetEvent, NetworkHandle};

use super::compact::{self, Assembled, GossipInFlight};
use super::fetches::CandidateFetches;
use super::sync_pacer::{self, SyncPacer};

mod candidates;

/// The "now" a certified block (decided, or synced with its certificate) is checked
/// against: the local clock only decides how this node votes, so a validator whose clock
/// lags still applies what 2f+1 validators committed.
const CERTIFIED: u64 = u64::MAX;

/// How often a stalled height re-gossips its messages.
const REGOSSIP_EVERY: Duration = Duration::from_millis(1000);

/// How the engine paces blocks.
#[derive(Clone, Debug)]
pub struct BftConfig {
    pub core: CoreConfig,
    /// Least time between a commit and the next proposal (lets transactions gather).
    pub block_interval: Duration,
    /// With an empty mempool, propose an empty block only after this long.
    pub empty_block_interval: Duration,
    pub max_block_txs: usize,
    /// The copy of the safety record kept next to the key file (see
    /// [`super::safety_file`]); `None` keeps the record in the store only.
    pub safety_file: Option<std::path::PathBuf>,
}

enum Internal {
    Timeout(Timeout),
    /// Periodic: re-gossip this height's messages while no block commits.
    Regossip,
    TryPropose,
    Built {
        height: Height,
        round: Round,
        result: Result<Proposal, NodeError>,
    },
    Verified {
        height: Height,
        value: Hash,
        result: Result<Proposal, NodeError>,
    },
    /// A compact proposal's block, assembled from this node's pools (or why not).
    Assembled {
        proposer: kuai_types::PublicKey,
        height: Height,
        value: Hash,
        result: Result<Assembled, compact::Unassembled>,
    },
}

struct Driver {
    chain: Arc<Chain>,
    key: Keypair,
    cfg: BftConfig,
    core: Core,
    wal: Wal,
    /// The key-side copy of the safety record, open for one-sync writes.
    safety_file: Option<super::safety_file::SafetyFile>,
    net: NetworkHandle,
    internal: mpsc::UnboundedSender<Internal>,
    clock: Arc<dyn Clock>,
    metrics: Arc<Metrics>,
    /// Candidate blocks of the current and next height, by hash.
    blocks: HashMap<Hash, Block>,
    /// The transactions' ids of candidates this node built or assembled, by block hash
    /// (verification need not hash the transactions again).
    tx_hashes: HashMap<Hash, Vec<Hash>>,
    /// Compact proposals being assembled, by block hash.
    assembling: HashSet<Hash>,
    /// Peers' gossip on its way into the gossip pool (an assembly waits for it).
    gossip_in_flight: Arc<GossipInFlight>,
    /// Candidates asked of peers whole, and whom to ask next.
    fetches: CandidateFetches,
    /// Executed candidates, by hash.
    executed: HashMap<Hash, Proposal>,
    verifying: HashSet<Hash>,
    /// Validations waiting for their block.
    wanted: HashMap<Hash, Height>,
    /// Digests of the consensus messages of this height already handed to the core: a
    /// re-gossiped duplicate carries nothing new, so it is neither verified again nor
    /// logged (the WAL would otherwise grow with every re-gossip while a height stalls).
    seen: HashSet<Hash>,
    /// A proposal the core asked for, waiting for the block interval or transactions.
    to_propose: Option<(Height, Round)>,
    building: bool,
    /// A decision whose block we do not have yet (it comes by sync).
    undecided: Option<Decision>,
    last_commit: Instant,
    sync: SyncPacer,
}

/// Starts the engine: restores the core from the safety record and the WAL, then runs.
/// Returns the error that stopped it (a failed write is fatal).
pub fn start(
    chain: Arc<Chain>,
    key: Keypair,
    cfg: BftConfig,
    net: NetworkHandle,
    net_events: mpsc::UnboundedReceiver<NetEvent>,
    clock: Arc<dyn Clock>,
    metrics: Arc<Metrics>,
) -> Result<tokio::task::JoinHandle<NodeError>, NodeError> {
    let height = chain.head().height + 1;
    let validators =
        ValidatorSet::new(chain.validators()?).map_err(|e| NodeError::Consensus(e.to_string()))?;
    let safety = load_safety(&chain, &key, cfg.safety_file.as_deref())?;
    // The log of the height in progress: kept until its block is stored, so even a
    // crash right after deciding (before the block was written) replays it.
    let wal = chain
        .store()
        .wal(height)?
        .unwrap_or_else(|| Wal::new(height));
    chain.store().prune_consensus(height)?;
    let replayed = wal.entries.len();
    let (core, effects) = Core::restore(
        cfg.core.clone(),
        validators,
        key.clone(),
        height,
        safety,
        &wal,
    );
    tracing::info!(height, replayed, "consensus core restored");
    let safety_file = cfg
        .safety_file
        .as_deref()
        .map(|p| super::safety_file::SafetyFile::open(p, chain.chain_id(), &key.public()))
        .transpose()?;
    let (internal, internal_rx) = mpsc::unbounded_channel();
    let mut d = Driver {
        chain,
        key,
        cfg,
        core,
        wal,
        safety_file,
        net,
        internal,
        clock,
        metrics,
        blocks: HashMap::new(),
        tx_hashes: HashMap::new(),
        assembling: HashSet::new(),
        gossip_in_flight: Arc::new(GossipInFlight::default()),
        fetches: CandidateFetches::default(),
        executed: HashMap::new(),
        verifying: HashSet::new(),
        wanted: HashMap::new(),
        seen: HashSet::new(),
        to_propose: None,
        building: false,
        undecided: None,
        last_commit: Instant::now(),
        sync: SyncPacer::default(),
    };
    // The candidates this node stored before a restart: it may have voted for them, and
    // its re-gossiped proposals must carry them.
    for block in d.chain.store().candidates(height)? {
        d.blocks.insert(block.hash(), block);
    }
    d.execute(effects, false)?;
    Ok(tokio::spawn(d.run(net_events, internal_rx)))
}

impl Driver {
    async fn run(
        mut self,
        mut net: mpsc::UnboundedReceiver<NetEvent>,
        mut internal: mpsc::UnboundedReceiver<Internal>,
    ) -> NodeError {
        let tx = self.internal.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(REGOSSIP_EVERY).await;
                if tx.send(Internal::Regossip).is_err() {
                    return;
                }
            }
        });
        loop {
            let step = tokio::select! {
                ev = net.recv() => match ev {
                    Some(ev) => self.on_net(ev),
                    None => return NodeError::P2p("the network task stopped".into()),
                },
                i = internal.recv() => match i {
                    Some(i) => self.on_internal(i),
                    None => return NodeError::Consensus("internal channel closed".into()),
                },
            };
            if let Err(e) = step {
                return e;
            }
            self.metrics.round.set(i64::from(self.core.round()));
        }
    }

    /// Logs an input, hands it to the core, runs the effects.
    fn feed(&mut self, input: Input) -> Result<(), NodeError> {
        tracing::debug!(
            height = self.core.height(),
            input = input_kind(&input),
            since_commit_us = self.last_commit.elapsed().as_micros() as u64,
            "consensus input"
        );
        self.wal.record_input(&input);
        self.chain.store().put_wal(&self.wal)?;
        let effects = self.core.handle(input);
        self.execute(effects, true)
    }

    fn execute(&mut self, effects: Vec<Effect>, log: bool) -> Result<(), NodeError> {
        for effect in effects {
            tracing::debug!(
                effect = effect_kind(&effect),
                since_commit_us = self.last_commit.elapsed().as_micros() as u64,
                "consensus effect"
            );
            if log {
                self.wal.record_effect(&effect);
                if matches!(
                    effect,
                    Effect::BroadcastProposal(_) | Effect::BroadcastVote(_) | Effect::Decide(_)
                ) {
                    self.chain.store().put_wal(&self.wal)?;
                }
            }
            match effect {
                Effect::PersistSafety(record) => {
                    // With the key-side file, that file's synced slot carries safety and
                    // the store's copy need not be synced too, except to make stored
                    // candidates durable before a precommit: it locks its value, and after
                    // a crash of every validator the block 2f+1 locked on must be on disk.
                    let precommit = record.step == kuai_consensus::SignStep::Precommit;
                    self.chain.store().put_safety(
                        &record,
                        self.safety_file.is_none(),
                        precommit,
                    )?;
                    if let Some(file) = &mut self.safety_file {
                        file.write(&record)?;
                    }
                }
                Effect::BroadcastProposal(p) => {
                    let gossip = self.proposal_gossip(ConsensusMessage::Proposal(p));
                    self.net.broadcast(gossip);
                }
                Effect::BroadcastVote(v) => self
                    .net
                    .broadcast(Gossip::Consensus(ConsensusMessage::Vote(v))),
                Effect::ScheduleTimeout { timeout, duration } => {
                    let tx = self.internal.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(duration).await;
                        let _ = tx.send(Internal::Timeout(timeout));
                    });
                }
                Effect::RequestProposal { height, round } => {
                    self.to_propose = Some((height, round));
                    self.try_propose();
                }
                Effect::RequestValidation { height, value, .. } => self.validate(height, value)?,
                Effect::Decide(d) => self.decide(d)?,
                Effect::Rejected(e) => {
                    self.metrics.consensus_rejected.inc();
                    match e {
                        ConsensusError::SafetyConflict { .. }
                        | ConsensusError::SafetyRegression { .. } => {
                            tracing::warn!(error = %e, "refused to sign a conflicting message")
                        }
                        _ => tracing::debug!(error = %e, "consensus input refused"),
                    }
                }
            }
        }
        Ok(())
    }

    fn on_internal(&mut self, i: Internal) -> Result<(), NodeError> {
        match i {
            Internal::Timeout(t) => self.feed(Input::TimeoutElapsed(t)),
            Internal::Regossip => {
                self.regossip();
                Ok(())
            }
            Internal::TryPropose => {
                self.try_propose();
                Ok(())
            }
            Internal::Built {
                height,
                round,
                result,
            } => {
                self.building = false;
                let p = result?;
                if height != self.core.height()
                    || p.block.header.height != self.chain.head().height + 1
                    || p.block.header.height != height
                {
                    return Ok(());
                }
                let value = p.block.hash();
                self.chain.store().put_candidate(&value, &p.block)?;
                self.blocks.insert(value, p.block.clone());
                self.tx_hashes.insert(
                    value,
                    p.outcome.receipts.iter().map(|r| r.tx_hash).collect(),
                );
                self.executed.insert(value, p);
                self.feed(Input::ProposalValue {
                    height,
                    round,
                    value,
                })
            }
            Internal::Verified {
                height,
                value,
                result,
            } => {
                self.verifying.remove(&value);
                match result {
                    Ok(p) => {
                        if height != self.core.height()
                            || p.block.header.height != self.chain.head().height + 1
                        {
                            return Ok(());
                        }
                        self.executed.insert(value, p);
                        self.feed(Input::Validity {
                            height,
                            value,
                            valid: true,
                        })
                    }
                    Err(NodeError::BadBlock { reason, .. }) => {
                        tracing::warn!(height, %value, %reason, "invalid block proposed");
                        self.feed(Input::Validity {
                            height,
                            value,
                            valid: false,
                        })
                    }
                    Err(e) => Err(e),
                }
            }
            Internal::Assembled {
                proposer,
                height,
                value,
                result,
            } => self.assembled(proposer, height, value, result),
        }
    }

    /// Builds our proposal once the block interval passed and transactions wait in the
    /// mempool or the gossip pool (or the empty-block interval passed); meanwhile waits
    /// for the interval's end or for transactions to arrive ([`Chain::waiting`]: what
    /// our last build left out, with nothing new since, counts as none).
    fn try_propose(&mut self) {
        let Some((height, round)) = self.to_propose else {
            return;
        };
        // The core may be a height ahead of the chain while a decided block comes by
        // sync: a block built now would sit at the chain's next height, not the core's.
        if height != self.core.height() || self.building || height != self.chain.head().height + 1 {
            self.to_propose = None;
            return;
        }
        let since = self.last_commit.elapsed();
        let waiting = self.chain.waiting();
        let ready = since >= self.cfg.block_interval
            && (waiting > 0 || since >= self.cfg.empty_block_interval);
        if !ready {
            // Wake at the end of the block interval, or when transactions arrive after
            // it, or at the empty-block interval.
            let (tx, chain) = (self.internal.clone(), self.chain.clone());
            let wait = if since < self.cfg.block_interval {
                Some(self.cfg.block_interval - since)
            } else {
                None
            };
            let idle = self.cfg.empty_block_interval.saturating_sub(since);
            tokio::spawn(async move {
                match wait {
                    Some(d) => tokio::time::sleep(d).await,
                    None => {
                        let _ = tokio::time::timeout(idle, chain.admitted()).await;
                    }
                }
                let _ = tx.send(Internal::TryPropose);
            });
            return;
        }
        self.to_propose = None;
        self.building = true;
        let (chain, tx, now, max) = (
            self.chain.clone(),
            self.internal.clone(),
            self.clock.now_ms(),
            self.cfg.max_block_txs,
        );
        let timer = self.metrics.block_build.clone();
        tokio::task::spawn_blocking(move || {
            let result = timed(&timer, || chain.propose(now, max));
            let _ = tx.send(Internal::Built {
                height,
                round,
                result,
            });
        });
    }

    fn validate(&mut self, height: Height, value: Hash) -> Result<(), NodeError> {
        // A block is valid only for the height in its header: a core that runs ahead of
        // the chain must not certify the chain's next block under another height.
        let block_height = self
            .executed
            .get(&value)
            .map(|p| p.block.header.height)
            .or_else(|| self.blocks.get(&value).map(|b| b.header.height));
        if block_height.is_some_and(|h| h != height) {
            return self.feed(Input::Validity {
                height,
                value,
                valid: false,
            });
        }
        if self.executed.contains_key(&value) {
            return self.feed(Input::Validity {
                height,
                value,
                valid: true,
            });
        }
        match self.blocks.get(&value).cloned() {
            Some(block) => {
                if self.verifying.insert(value) {
                    let (chain, tx, now, hashes) = (
                        self.chain.clone(),
                        self.internal.clone(),
                        self.clock.now_ms(),
                        self.tx_hashes.get(&value).cloned(),
                    );
                    let timer = self.metrics.block_verify.clone();
                    tokio::task::spawn_blocking(move || {
                        let result = timed(&timer, || chain.verify_hashed(block, hashes, now));
                        let _ = tx.send(Internal::Verified {
                            height,
                            value,
                            result,
                        });
                    });
                }
            }
            None => {
                self.wanted.insert(value, height);
            }
        }
        Ok(())
    }

    fn decide(&mut self, d: Decision) -> Result<(), NodeError> {
        if self.chain.head().height >= d.height {
            return self.after_commit();
        }
        let proposal = match self.executed.remove(&d.value) {
            Some(p) => p,
            None => match self.blocks.get(&d.value).cloned() {
                // Certified by 2f+1 precommits: the local clock is no reason to refuse it.
                Some(block) => {
                    let hashes = self.tx_hashes.get(&d.value).cloned();
                    match timed(&self.metrics.block_verify, || {
                        self.chain.verify_hashed(block, hashes, CERTIFIED)
                    }) {
                        Ok(p) => p,
                        Err(NodeError::BadBlock { reason, .. }) => {
                            // 2f+1 committed this hash, so the body held here is not
                            // theirs: drop it and take the block from a peer.
                            tracing::warn!(height = d.height, value = %d.value, %reason, "the decided block held here does not execute to its header; syncing it");
                            self.blocks.remove(&d.value);
                            self.tx_hashes.remove(&d.value);
                            self.send_sync(None, d.height);
                            self.undecided = Some(d);
                            return Ok(());
                        }
                        Err(e) => return Err(e),
                    }
                }
                None => {
                    // Decided by 2f+1 precommits without the block reaching us: fetch it.
                    self.send_sync(None, d.height);
                    self.undecided = Some(d);
                    return Ok(());
                }
            },
        };
        let txs = proposal.block.txs.len();
        let new_validators = proposal.outcome.new_validators.is_some();
        self.commit(proposal, &d.certificate)?;
        self.metrics.observe_commit(self.last_commit.elapsed(), txs);
        if new_validators {
            return self.restart_core();
        }
        self.after_commit()
    }

    /// Writes a decided block with its certificate, timed.
    fn commit(&self, proposal: Proposal, certificate: &CommitCertificate) -> Result<(), NodeError> {
        timed(&self.metrics.block_write, || {
            self.chain.commit_certified(proposal, Some(certificate))
        })?;
        Ok(())
    }

    /// Forgets the finished height's candidates and paces the next proposal.
    fn after_commit(&mut self) -> Result<(), NodeError> {
        let next = self.chain.head().height + 1;
        self.metrics.height.set(next as i64 - 1);
        self.last_commit = Instant::now();
        self.blocks.retain(|_, b| b.header.height >= next);
        let blocks = &self.blocks;
        self.tx_hashes.retain(|v, _| blocks.contains_key(v));
        self.fetches.prune(next);
        self.chain.store().prune_consensus(next)?;
        self.executed.retain(|_, p| p.block.header.height >= next);
        self.wanted.retain(|_, h| *h >= next);
        self.seen.clear();
        self.undecided = None;
        if self.core.height() < next {
            return self.restart_core();
        }
        Ok(())
    }

    /// Starts a fresh core at the height after the head (after a sync, or a validator-set
    /// change), keeping the safety record.
    fn restart_core(&mut self) -> Result<(), NodeError> {
        let height = self.chain.head().height + 1;
        let keys = self.chain.validators()?;
        if keys.as_slice() != self.core.validators().keys() {
            self.net.set_allowed(keys.clone());
        }
        let validators =
            ValidatorSet::new(keys).map_err(|e| NodeError::Consensus(e.to_string()))?;
        let safety = load_safety(&self.chain, &self.key, self.cfg.safety_file.as_deref())?;
        self.core = Core::new(self.cfg.core.clone(), validators, self.key.clone());
        self.wal = Wal::new(height);
        self.chain.store().put_wal(&self.wal)?;
        self.seen.clear();
        self.to_propose = None;
        let effects = self.core.handle(Input::Start { height, safety });
        self.execute(effects, true)
    }

    fn on_net(&mut self, ev: NetEvent) -> Result<(), NodeError> {
        match ev {
            NetEvent::PeerConnected(peer) => {
                self.send_sync(Some(peer), self.chain.head().height + 1);
                Ok(())
            }
            NetEvent::Gossip { from, gossip } => match gossip {
                Gossip::Txs(txs) => {
                    self.admit(from, txs);
                    Ok(())
                }
                Gossip::Consensus(m) => self.consensus_message(m),
                Gossip::ProposalWithBlock { message, block } => {
                    let value = proposal_value(&message);
                    if block.hash() == value {
                        self.add_candidate(value, *block, None)?;
                    }
                    self.consensus_message(message)
                }
                Gossip::CompactProposal {
                    message,
                    header,
                    txs,
                } => {
                    self.compact_proposal(&message, header, txs);
                    self.consensus_message(message)
                }
            },
            NetEvent::Candidate { block, .. } => {
                let value = block.hash();
                self.add_candidate(value, *block, None)
            }
            NetEvent::CandidateUnavailable { from, hash } => {
                self.candidate_unavailable(from, hash);
                Ok(())
            }
            NetEvent::Synced { from, blocks } => self.synced(from, blocks),
        }
    }

    /// While no block commits, re-sends every message of this height the core holds (its
    /// own and others'), with the blocks of proposals: peers that restarted or missed
    /// messages get them again (the paper assumes reliable gossip); and asks a peer for
    /// blocks in case this node is the one behind.
    fn regossip(&mut self) {
        if self.last_commit.elapsed() < REGOSSIP_EVERY {
            return;
        }
        for message in self.core.current_messages() {
            let gossip = match (&message, self.blocks.get(&proposal_value(&message))) {
                (ConsensusMessage::Proposal(_), Some(b)) => Gossip::ProposalWithBlock {
                    message,
                    block: Box::new(b.clone()),
                },
                _ => Gossip::Consensus(message),
            };
            self.net.broadcast(gossip);
        }
        self.request_sync(None);
    }

    /// Hands gossiped transactions to the chain's gossip pool (verified later in a large
    /// batch), off the driver's task: checking and hashing thousands takes milliseconds.
    fn admit(&self, from: kuai_types::PublicKey, txs: Vec<SignedTransaction>) {
        let chain = self.chain.clone();
        let ticket = self.gossip_in_flight.begin();
        tokio::task::spawn_blocking(move || {
            chain.defer_gossiped(from, txs);
            drop(ticket);
        });
    }

    fn consensus_message(&mut self, m: ConsensusMessage) -> Result<(), NodeError> {
        let digest = Hash::tagged(b"kuai/consensus-seen/v1", &[&kuai_types::codec::encode(&m)]);
        if self.seen.contains(&digest) {
            return Ok(());
        }
        if m.verify().is_err() {
            self.metrics.consensus_rejected.inc();
            return Ok(());
        }
        if m.height() == self.core.height() {
            self.seen.insert(digest);
        }
        if sync_pacer::ahead(m.height(), self.chain.head().height + 1) {
            self.request_sync(Some(m.sender()));
        }
        let input = match m {
            ConsensusMessage::Proposal(p) => Input::Proposal(p),
            ConsensusMessage::Vote(v) => Input::Vote(v),
        };
        self.feed(input)
    }

    /// Asks `peer` (or any peer, in turn) for the blocks after the head, paced by
    /// [`SyncPacer`].
    fn request_sync(&mut self, peer: Option<kuai_types::PublicKey>) {
        if self.sync.request(peer, Instant::now()) {
            self.send_sync(peer, self.chain.head().height + 1);
        }
    }

    /// Sends a sync request for the blocks from `from` on, and counts it.
    fn send_sync(&self, peer: Option<kuai_types::PublicKey>, from: u64) {
        self.metrics.sync_requests.inc();
        self.net.sync(peer, from);
    }

    /// Commits synced blocks whose certificates verify against the current validators.
    fn synced(
        &mut self,
        from: kuai_types::PublicKey,
        blocks: Vec<(Block, CommitCertificate)>,
    ) -> Result<(), NodeError> {
        let full = blocks.len() as u32 == crate::p2p::wire::SYNC_BATCH;
        let mut applied = 0;
        for (block, cert) in blocks {
            let head = self.chain.head().height;
            if block.header.height <= head {
                continue;
            }
            if block.header.height != head + 1 || !self.certificate_ok(&block, &cert)? {
                tracing::warn!(height = block.header.height, peer = %from, "synced block refused");
                break;
            }
            let proposal = match self.chain.verify(block, CERTIFIED) {
                Ok(p) => p,
                Err(NodeError::BadBlock { height, reason }) => {
                    tracing::warn!(height, %reason, peer = %from, "synced block does not execute to its header");
                    break;
                }
                Err(e) => return Err(e),
            };
            self.commit(proposal, &cert)?;
            applied += 1;
        }
        if applied > 0 {
            self.metrics.synced_blocks.inc_by(applied);
            tracing::info!(
                applied,
                head = self.chain.head().height,
                "caught up by block sync"
            );
            self.after_commit()?;
            if full {
                self.send_sync(Some(from), self.chain.head().height + 1);
            }
        }
        Ok(())
    }

    fn certificate_ok(&self, block: &Block, cert: &CommitCertificate) -> Result<bool, NodeError> {
        let validators = self.chain.validators()?;
        Ok(cert.chain_id == self.chain.chain_id()
            && cert.height == block.header.height
            && cert.block_hash == block.hash()
            && cert.verify(&validators).is_ok())
    }
}

/// The later of the store's safety record and the key file's copy; warns when the copy is
/// ahead (the data directory is older than this validator's last signature).
fn load_safety(
    chain: &Chain,
    key: &Keypair,
    file: Option<&std::path::Path>,
) -> Result<Option<SafetyRecord>, NodeError> {
    let stored = chain.store().safety()?;
    let Some(path) = file else {
        return Ok(stored);
    };
    let copy = super::safety_file::read(path, chain.chain_id(), &key.public())?;
    let stored_pos = stored.as_ref().map(|r| (r.height, r.round, r.step));
    let copy_pos = copy.as_ref().map(|r| (r.height, r.round, r.step));
    // The store's copy is not synced when the file is kept, so after a crash it may lag
    // the file by the last height; a copy further ahead means an older data directory.
    let head = chain.head().height;
    if let (Some(c), true) = (
        &copy,
        copy_pos > stored_pos && copy.as_ref().is_some_and(|c| c.height > head + 1),
    ) {
        tracing::warn!(
            file = %path.display(),
            height = c.height,
            round = c.round,
            step = ?c.step,
            head = chain.head().height,
            "the data directory is older than this validator's last signature: \
             it will not sign at or below that position"
        );
    }
    Ok(super::safety_file::later(stored, copy))
}

fn proposal_value(m: &ConsensusMessage) -> Hash {
    match m {
        ConsensusMessage::Proposal(p) => p.proposal.value,
        ConsensusMessage::Vote(v) => v.vote.block_hash.unwrap_or(Hash::ZERO),
    }
}

/// A short name of a consensus input, for debug logs.
fn input_kind(input: &Input) -> &'static str {
    match input {
        Input::Start { .. } => "start",
        Input::Proposal(_) => "proposal",
        Input::Vote(v) if v.kind() == kuai_types::certificate::VoteKind::Prevote => "prevote",
        Input::Vote(_) => "precommit",
        Input::TimeoutElapsed(_) => "timeout",
        Input::ProposalValue { .. } => "proposal_value",
        Input::Validity { .. } => "validity",
        _ => "other",
    }
}

/// A short name of a consensus effect, for debug logs.
fn effect_kind(effect: &Effect) -> &'static str {
    match effect {
        Effect::PersistSafety(_) => "persist_safety",
        Effect::BroadcastProposal(_) => "broadcast_proposal",
        Effect::BroadcastVote(_) => "broadcast_vote",
        Effect::ScheduleTimeout { .. } => "schedule_timeout",
        Effect::RequestProposal { .. } => "request_proposal",
        Effect::RequestValidation { .. } => "request_validation",
        Effect::Decide(_) => "decide",
        Effect::Rejected(_) => "rejected",
    }
}
