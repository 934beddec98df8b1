//! A deterministic simulator: n consensus cores over a simulated network, in virtual time.
//!
//! - One seeded ChaCha RNG drives every random choice (delays, drops, the order of
//!   simultaneous events is fixed by a sequence number), so a seed replays exactly.
//! - Virtual time is a priority queue of timed events; nothing sleeps, nothing reads a clock.
//! - The network delays each message uniformly in `[min_delay, max_delay]`, drops it with
//!   `drop_prob`, and drops everything across a partition while it lasts.
//! - The harness plays the driver: it executes effects in order (safety record "synced"
//!   before the broadcast), keeps each node's disk (safety record, WAL, committed blocks),
//!   answers the application's requests, re-gossips the messages a stuck node holds for its
//!   height (own and relayed: the paper assumes gossip delivers every message a correct
//!   node received to every correct node), and does
//!   block sync (a node that sees a message of a higher height gets the certificate of its
//!   height from that peer).
//! - Signatures of network messages are not checked on delivery (the core does not need
//!   them, and ed25519 per message would dominate the run time): no actor forges another
//!   key, and commit certificates are fully verified at every honest commit.
//! - Invariants are checked after every event: agreement among honest nodes, a valid
//!   certificate on every honest commit, and no honest key ever signing two different
//!   messages for the same (height, round, step).

use kuai_consensus::{
    Config, ConsensusError, ConsensusMessage, Core, Decision, Effect, Height, Input, SafetyRecord,
    SignStep, TimeoutGrowth, ValidatorSet, Wal,
};
use kuai_types::{Hash, Keypair, PublicKey};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use std::time::Duration;

pub const CHAIN: &str = "kuai-sim";

pub type NodeId = usize;
/// Virtual milliseconds.
pub type Time = u64;

/// What an actor asks the harness to do.
pub enum Action {
    /// An effect of a core, executed like a driver would.
    Effect(Effect),
    /// A message for some nodes only (Byzantine actors).
    SendTo(Vec<NodeId>, ConsensusMessage),
}

/// A node's behaviour. Honest nodes wrap a [`Core`]; Byzantine ones live in `actors.rs`.
pub trait Actor {
    fn handle(&mut self, input: Input) -> Vec<Action>;
    fn height(&self) -> Height;
    /// The messages of the current height this node relays when gossiping.
    fn gossip(&self) -> Vec<ConsensusMessage> {
        Vec::new()
    }
    /// A one-line description for failure messages.
    fn status(&self) -> String {
        format!("height {}", self.height())
    }
}

pub struct Honest(pub Core);

impl Actor for Honest {
    fn handle(&mut self, input: Input) -> Vec<Action> {
        self.0
            .handle(input)
            .into_iter()
            .map(Action::Effect)
            .collect()
    }
    fn height(&self) -> Height {
        self.0.height()
    }
    fn gossip(&self) -> Vec<ConsensusMessage> {
        self.0.current_messages()
    }
    fn status(&self) -> String {
        let c = &self.0;
        format!(
            "h{} r{} {:?} locked {:?} valid {:?}",
            c.height(),
            c.round(),
            c.step(),
            c.locked().map(|(_, r)| r),
            c.valid_value().map(|(_, r)| r)
        )
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Net {
    pub min_delay: Time,
    pub max_delay: Time,
    pub drop_prob: f64,
    /// A node whose height did not change for this long re-sends its own messages.
    pub gossip_interval: Time,
}

impl Default for Net {
    fn default() -> Self {
        Net {
            min_delay: 5,
            max_delay: 60,
            drop_prob: 0.02,
            gossip_interval: 500,
        }
    }
}

pub fn sim_config() -> Config {
    let ms = Duration::from_millis;
    let mut c = Config::new(CHAIN);
    c.timeout_propose = TimeoutGrowth {
        base: ms(300),
        delta: ms(100),
    };
    c.timeout_prevote = TimeoutGrowth {
        base: ms(150),
        delta: ms(50),
    };
    c.timeout_precommit = TimeoutGrowth {
        base: ms(150),
        delta: ms(50),
    };
    c
}

pub fn validator_key(i: usize) -> Keypair {
    Keypair::from_seed(&format!("sim-validator-{i}"))
}

/// The block the application of `node` builds for (height, round).
pub fn block_value(node: NodeId, height: Height, round: u32) -> Hash {
    Hash::tagged(
        b"kuai/sim/block",
        &[
            &height.to_le_bytes(),
            &round.to_le_bytes(),
            &(node as u64).to_le_bytes(),
        ],
    )
}

enum Event {
    Deliver {
        to: NodeId,
        from: NodeId,
        msg: ConsensusMessage,
    },
    /// A timer or an application answer; dropped if the node restarted since.
    Local {
        node: NodeId,
        epoch: u64,
        input: Input,
    },
    Sync {
        to: NodeId,
        from: NodeId,
        height: Height,
    },
    Gossip(NodeId),
    Crash(NodeId),
    /// Restart from disk; `false`: the WAL was lost (only the safety record survives).
    Restart(NodeId, bool),
}

struct Queued {
    at: Time,
    seq: u64,
    event: Event,
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Queued {}
impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Queued {
    // Reversed: BinaryHeap is a max-heap, we want the earliest event.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// What survives a crash.
#[derive(Default)]
pub struct Disk {
    pub record: Option<SafetyRecord>,
    pub wal: Wal,
    /// Committed blocks, height 1 first.
    pub commits: Vec<Decision>,
}

pub struct Node {
    pub key: Keypair,
    pub honest: bool,
    actor: Option<Box<dyn Actor>>,
    epoch: u64,
    pub disk: Disk,
    gossip_height: Height,
    pub restarts: u32,
}

impl Node {
    pub fn is_up(&self) -> bool {
        self.actor.is_some()
    }
}

struct Partition {
    side: BTreeSet<NodeId>,
    start: Time,
    end: Time,
}

pub struct Sim {
    pub seed: u64,
    pub now: Time,
    rng: ChaCha8Rng,
    queue: BinaryHeap<Queued>,
    seq: u64,
    pub net: Net,
    pub config: Config,
    pub validators: ValidatorSet,
    pub nodes: Vec<Node>,
    partitions: Vec<Partition>,
    sync_pending: BTreeSet<(NodeId, Height)>,
    /// First honest decision per height.
    decided: BTreeMap<Height, Hash>,
    new_commits: Vec<(NodeId, Decision)>,
    /// Every message signed by an honest key: (key, height, round, step) → message.
    signed: BTreeMap<(PublicKey, Height, u32, SignStep), ConsensusMessage>,
    pub events: u64,
    pub certificates_verified: u64,
    /// Signatures the safety guards refused (after restarts).
    pub guard_refusals: u64,
    /// (precommit bytes, signer, signature) triples that a passing
    /// `CommitCertificate::verify` has covered.
    verified: BTreeSet<(Vec<u8>, PublicKey, kuai_types::Signature)>,
    /// `KUAI_SIM_TRACE=1`: print decisions and rejections.
    trace: bool,
}

pub type ActorFactory = Box<dyn FnOnce(Core, &Keypair) -> Box<dyn Actor>>;

pub struct SimBuilder {
    n: usize,
    seed: u64,
    net: Net,
    byzantine: BTreeMap<NodeId, ActorFactory>,
    twins_of: Vec<usize>,
    crashes: Vec<(NodeId, Time)>,
    restarts: Vec<(NodeId, Time, bool)>,
    partitions: Vec<Partition>,
}

impl SimBuilder {
    pub fn new(n: usize, seed: u64) -> Self {
        SimBuilder {
            n,
            seed,
            net: Net::default(),
            byzantine: BTreeMap::new(),
            twins_of: vec![],
            crashes: vec![],
            restarts: vec![],
            partitions: vec![],
        }
    }

    /// Node `node` runs a Byzantine actor built from its (honest) core and key.
    pub fn byzantine(mut self, node: NodeId, make: ActorFactory) -> Self {
        self.byzantine.insert(node, make);
        self
    }

    /// Adds a second node running validator `of`'s key (both count as faulty).
    pub fn twin(mut self, of: usize) -> Self {
        self.twins_of.push(of);
        self
    }

    pub fn crash(mut self, node: NodeId, at: Time) -> Self {
        self.crashes.push((node, at));
        self
    }

    pub fn restart(mut self, node: NodeId, at: Time) -> Self {
        self.restarts.push((node, at, true));
        self
    }

    /// Restarts `node` at `at` with its safety record but without its WAL ("amnesia").
    pub fn restart_without_wal(mut self, node: NodeId, at: Time) -> Self {
        self.restarts.push((node, at, false));
        self
    }

    /// Cuts `side` off from everyone else during `[start, end)` (`Time::MAX`: until
    /// [`Sim::heal`]).
    pub fn partition(mut self, side: &[NodeId], start: Time, end: Time) -> Self {
        self.partitions.push(Partition {
            side: side.iter().copied().collect(),
            start,
            end,
        });
        self
    }

    pub fn build(mut self) -> Sim {
        let keys: Vec<Keypair> = (0..self.n).map(validator_key).collect();
        let validators =
            ValidatorSet::new(keys.iter().map(Keypair::public).collect()).expect("distinct keys");
        let config = sim_config();
        let faulty_keys: BTreeSet<usize> = self
            .twins_of
            .iter()
            .copied()
            .chain(self.byzantine.keys().copied())
            .collect();
        let mut owners: Vec<usize> = (0..self.n).collect();
        owners.extend(self.twins_of.iter().copied());
        let mut nodes = Vec::new();
        for (id, owner) in owners.into_iter().enumerate() {
            let key = keys[owner].clone();
            let core = Core::new(config.clone(), validators.clone(), key.clone());
            let actor: Box<dyn Actor> = match self.byzantine.remove(&id) {
                Some(make) => make(core, &key),
                None => Box::new(Honest(core)),
            };
            nodes.push(Node {
                key,
                honest: !faulty_keys.contains(&owner),
                actor: Some(actor),
                epoch: 0,
                disk: Disk {
                    wal: Wal::new(1),
                    ..Disk::default()
                },
                gossip_height: 0,
                restarts: 0,
            });
        }
        let mut sim = Sim {
            seed: self.seed,
            now: 0,
            rng: ChaCha8Rng::seed_from_u64(self.seed),
            queue: BinaryHeap::new(),
            seq: 0,
            net: self.net,
            config,
            validators,
            nodes,
            partitions: self.partitions,
            sync_pending: BTreeSet::new(),
            decided: BTreeMap::new(),
            new_commits: vec![],
            signed: BTreeMap::new(),
            events: 0,
            certificates_verified: 0,
            guard_refusals: 0,
            verified: BTreeSet::new(),
            trace: std::env::var("KUAI_SIM_TRACE").is_ok(),
        };
        for (node, at) in self.crashes {
            sim.push(at, Event::Crash(node));
        }
        for (node, at, keep_wal) in self.restarts {
            sim.push(at, Event::Restart(node, keep_wal));
        }
        for id in 0..sim.nodes.len() {
            let first = sim.net.gossip_interval + sim.rng.random_range(0..sim.net.gossip_interval);
            sim.push(first, Event::Gossip(id));
            // Start is handled at time 0 like any other input, after crashes at 0.
            sim.push(
                0,
                Event::Local {
                    node: id,
                    epoch: 0,
                    input: Input::Start {
                        height: 1,
                        safety: None,
                    },
                },
            );
        }
        sim
    }
}

impl Sim {
    fn push(&mut self, at: Time, event: Event) {
        self.seq += 1;
        self.queue.push(Queued {
            at,
            seq: self.seq,
            event,
        });
    }

    fn connected(&self, a: NodeId, b: NodeId, at: Time) -> bool {
        !self
            .partitions
            .iter()
            .any(|p| at >= p.start && at < p.end && p.side.contains(&a) != p.side.contains(&b))
    }

    /// Ends every partition at `at` (if it would last longer).
    pub fn heal(&mut self, at: Time) {
        for p in &mut self.partitions {
            p.end = p.end.min(at);
        }
    }

    /// Committed heights of node `id`.
    pub fn committed(&self, id: NodeId) -> usize {
        self.nodes[id].disk.commits.len()
    }

    /// The commit log (height, block hash) of each node.
    pub fn commit_log(&self) -> Vec<Vec<(Height, Hash)>> {
        self.nodes
            .iter()
            .map(|n| n.disk.commits.iter().map(|d| (d.height, d.value)).collect())
            .collect()
    }

    /// Every node's state, for failure messages.
    pub fn status(&self) -> String {
        let mut out = format!("at {} ms:", self.now);
        for (i, n) in self.nodes.iter().enumerate() {
            let state = n.actor.as_ref().map_or("down".to_string(), |a| a.status());
            out += &format!(
                "\n  node {i}{}: {} commits, {state}",
                if n.honest { "" } else { " (faulty)" },
                n.disk.commits.len()
            );
        }
        out
    }

    pub fn honest_up(&self) -> impl Iterator<Item = NodeId> + '_ {
        (0..self.nodes.len()).filter(|i| self.nodes[*i].honest && self.nodes[*i].is_up())
    }

    /// Runs events until `done` holds or virtual time passes `until`. Checks the
    /// invariants after every event. Returns whether `done` held.
    pub fn run(&mut self, until: Time, done: impl Fn(&Sim) -> bool) -> bool {
        while let Some(next) = self.queue.peek() {
            if done(self) {
                return true;
            }
            if next.at > until {
                break;
            }
            let Some(q) = self.queue.pop() else { break };
            self.now = q.at;
            self.events += 1;
            self.step(q.event);
            self.check_invariants();
        }
        self.now = self.now.max(until);
        done(self)
    }

    /// Runs until every up honest node committed `heights` blocks.
    pub fn run_until_committed(&mut self, heights: usize, until: Time) -> bool {
        self.run(until, |s| s.honest_up().all(|i| s.committed(i) >= heights))
    }

    fn step(&mut self, event: Event) {
        match event {
            Event::Deliver { to, from, msg } => {
                if !self.nodes[to].is_up() || !self.connected(from, to, self.now) {
                    return;
                }
                self.maybe_sync(to, from, msg.height());
                let input = match msg {
                    ConsensusMessage::Proposal(p) => Input::Proposal(p),
                    ConsensusMessage::Vote(v) => Input::Vote(v),
                };
                self.feed(to, input);
            }
            Event::Local { node, epoch, input } => {
                if self.nodes[node].epoch == epoch {
                    self.feed(node, input);
                }
            }
            Event::Sync { to, from, height } => {
                self.sync_pending.remove(&(to, height));
                let current = self.nodes[to].actor.as_ref().map(|a| a.height());
                if current != Some(height) {
                    return;
                }
                if let Some(d) = self.nodes[from].disk.commits.get(height as usize - 1) {
                    let cert = d.certificate.clone();
                    self.feed(to, Input::Synced(cert));
                }
            }
            Event::Gossip(id) => {
                let next = self.now + self.net.gossip_interval;
                self.push(next, Event::Gossip(id));
                let Some((height, msgs)) = self.nodes[id]
                    .actor
                    .as_ref()
                    .map(|a| (a.height(), a.gossip()))
                else {
                    return;
                };
                if height == self.nodes[id].gossip_height {
                    for msg in msgs {
                        self.send_all(id, msg);
                    }
                }
                self.nodes[id].gossip_height = height;
            }
            Event::Crash(id) => {
                let node = &mut self.nodes[id];
                node.actor = None;
                node.epoch += 1;
            }
            Event::Restart(id, keep_wal) => self.restart(id, keep_wal),
        }
    }

    /// Block sync: whoever is behind gets the certificate of its height from the other.
    fn maybe_sync(&mut self, to: NodeId, from: NodeId, msg_height: Height) {
        let Some(mine) = self.nodes[to].actor.as_ref().map(|a| a.height()) else {
            return;
        };
        let (lagging, helper, height) = if msg_height > mine {
            (to, from, mine)
        } else if msg_height < mine {
            (from, to, msg_height)
        } else {
            return;
        };
        if self.sync_pending.insert((lagging, height)) {
            let at = self.now + self.delay();
            self.push(
                at,
                Event::Sync {
                    to: lagging,
                    from: helper,
                    height,
                },
            );
        }
    }

    fn restart(&mut self, id: NodeId, keep_wal: bool) {
        if self.nodes[id].is_up() {
            return;
        }
        let node = &mut self.nodes[id];
        node.restarts += 1;
        let height = node.disk.commits.len() as Height + 1;
        if !keep_wal {
            node.disk.wal = Wal::new(height);
        }
        let (core, effects) = Core::restore(
            self.config.clone(),
            self.validators.clone(),
            node.key.clone(),
            height,
            node.disk.record.clone(),
            &node.disk.wal,
        );
        node.actor = Some(Box::new(Honest(core)));
        // Replayed effects are executed but not logged again.
        self.execute(id, effects.into_iter().map(Action::Effect).collect(), false);
    }

    fn delay(&mut self) -> Time {
        self.rng
            .random_range(self.net.min_delay..=self.net.max_delay)
    }

    fn feed(&mut self, id: NodeId, input: Input) {
        let node = &mut self.nodes[id];
        let Some(actor) = node.actor.as_mut() else {
            return;
        };
        node.disk.wal.record_input(&input);
        let actions = actor.handle(input);
        self.execute(id, actions, true);
    }

    fn execute(&mut self, id: NodeId, actions: Vec<Action>, log: bool) {
        for action in actions {
            match action {
                Action::Effect(effect) => {
                    if log {
                        self.nodes[id].disk.wal.record_effect(&effect);
                    }
                    self.effect(id, effect);
                }
                Action::SendTo(targets, msg) => {
                    self.note_signed(id, &msg);
                    for to in targets {
                        self.send(id, to, msg.clone());
                    }
                }
            }
        }
    }

    fn effect(&mut self, id: NodeId, effect: Effect) {
        let epoch = self.nodes[id].epoch;
        match effect {
            Effect::PersistSafety(record) => self.nodes[id].disk.record = Some(record),
            Effect::BroadcastProposal(p) => self.broadcast(id, ConsensusMessage::Proposal(p)),
            Effect::BroadcastVote(v) => self.broadcast(id, ConsensusMessage::Vote(v)),
            Effect::ScheduleTimeout { timeout, duration } => {
                let at = self.now + duration.as_millis() as Time;
                self.push(
                    at,
                    Event::Local {
                        node: id,
                        epoch,
                        input: Input::TimeoutElapsed(timeout),
                    },
                );
            }
            Effect::RequestProposal { height, round } => {
                let at = self.now + self.rng.random_range(1..=10);
                let value = block_value(id, height, round);
                self.push(
                    at,
                    Event::Local {
                        node: id,
                        epoch,
                        input: Input::ProposalValue {
                            height,
                            round,
                            value,
                        },
                    },
                );
            }
            Effect::RequestValidation { height, value, .. } => {
                let at = self.now + self.rng.random_range(1..=10);
                self.push(
                    at,
                    Event::Local {
                        node: id,
                        epoch,
                        input: Input::Validity {
                            height,
                            value,
                            valid: true,
                        },
                    },
                );
            }
            Effect::Decide(decision) => {
                let node = &mut self.nodes[id];
                assert_eq!(
                    decision.height,
                    node.disk.commits.len() as Height + 1,
                    "seed {}: node {id} decided out of order",
                    self.seed
                );
                if self.trace {
                    eprintln!(
                        "{} ms node {id}: decided height {} round {}",
                        self.now, decision.height, decision.round
                    );
                }
                node.disk.commits.push(decision.clone());
                self.new_commits.push((id, decision));
            }
            Effect::Rejected(e) => {
                if matches!(
                    e,
                    ConsensusError::SafetyConflict { .. } | ConsensusError::SafetyRegression { .. }
                ) {
                    self.guard_refusals += 1;
                }
                if self.trace {
                    eprintln!("{} ms node {id}: rejected {e}", self.now);
                }
            }
        }
    }

    fn broadcast(&mut self, from: NodeId, msg: ConsensusMessage) {
        self.note_signed(from, &msg);
        self.send_all(from, msg);
    }

    fn send_all(&mut self, from: NodeId, msg: ConsensusMessage) {
        for to in 0..self.nodes.len() {
            if to != from {
                self.send(from, to, msg.clone());
            }
        }
    }

    fn send(&mut self, from: NodeId, to: NodeId, msg: ConsensusMessage) {
        if !self.connected(from, to, self.now) || self.rng.random_bool(self.net.drop_prob) {
            return;
        }
        let at = self.now + self.delay();
        self.push(at, Event::Deliver { to, from, msg });
    }

    /// Invariant: an honest key never signs two different messages for one
    /// (height, round, step), across crashes and restarts.
    fn note_signed(&mut self, id: NodeId, msg: &ConsensusMessage) {
        if !self.nodes[id].honest {
            return;
        }
        let key = match msg {
            ConsensusMessage::Proposal(p) => (
                p.proposer,
                p.proposal.height,
                p.proposal.round,
                SignStep::Propose,
            ),
            ConsensusMessage::Vote(v) => (
                v.validator,
                v.vote.height,
                v.vote.round,
                SignStep::from(v.vote.kind),
            ),
        };
        if let Some(previous) = self.signed.get(&key) {
            assert_eq!(
                previous, msg,
                "seed {}: honest node {id} signed two different messages at {key:?}",
                self.seed
            );
        } else {
            self.signed.insert(key, msg.clone());
        }
    }

    /// Every honest commit's certificate must pass `CommitCertificate::verify`. To keep
    /// 1,000 seeds fast, a certificate all of whose signatures a passing `verify` already
    /// covered (most nodes commit subsets of the same precommits) gets the same checks
    /// without the ed25519 work: distinct known signers, a quorum, covered signatures.
    fn check_certificate(
        &mut self,
        id: NodeId,
        c: &kuai_types::certificate::CommitCertificate,
        keys: &[PublicKey],
    ) {
        let msg = c.precommit().signing_bytes();
        let signers: BTreeSet<PublicKey> = c.votes.iter().map(|v| v.validator).collect();
        let covered = signers.len() == c.votes.len()
            && signers.iter().all(|s| keys.contains(s))
            && self.validators.is_quorum(signers.len())
            && c.votes.iter().all(|v| {
                self.verified
                    .contains(&(msg.clone(), v.validator, v.signature))
            });
        if covered {
            return;
        }
        if let Err(e) = c.verify(keys) {
            panic!(
                "seed {}: node {id} committed height {} with an invalid certificate: {e}",
                self.seed, c.height
            );
        }
        self.certificates_verified += 1;
        for v in &c.votes {
            self.verified
                .insert((msg.clone(), v.validator, v.signature));
        }
    }

    /// Agreement and certificate validity of every honest commit since the last check.
    fn check_invariants(&mut self) {
        let keys = self.validators.keys().to_vec();
        for (id, d) in std::mem::take(&mut self.new_commits) {
            if !self.nodes[id].honest {
                continue;
            }
            let c = &d.certificate;
            assert_eq!(
                (c.height, c.block_hash, c.chain_id.as_str()),
                (d.height, d.value, CHAIN),
                "seed {}: node {id}: certificate does not match its decision",
                self.seed
            );
            self.check_certificate(id, c, &keys);
            let first = *self.decided.entry(d.height).or_insert(d.value);
            assert_eq!(
                first, d.value,
                "seed {}: FORK at height {}: node {id} committed another block",
                self.seed, d.height
            );
        }
    }
}
