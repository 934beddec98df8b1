//! The libp2p swarm: TCP, noise (authenticated, encrypted), yamux; gossip over one
//! long-lived stream per peer ([`super::gossip_stream`]), and one request-response
//! protocol ([`super::wire`]) for block sync (and for gossip to and from peers that do
//! not speak the stream protocol yet).
//!
//! Rules:
//! - a node's libp2p identity is its validator key, so a peer id names a validator;
//! - connection gating: only peers whose keys are in the allowed set (the validators)
//!   may connect, in or out; every refused connection and every message from outside
//!   the set is dropped and counted ([`NetworkHandle::dropped`]);
//! - the node dials every configured peer and redials the ones it lost every second;
//! - sync requests are served here from the store, without bothering the driver; a sync
//!   request that names no peer goes to the connected peers in turn.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use futures::StreamExt;
use kuai_types::{Keypair, PublicKey};
use libp2p::request_response::{self, ProtocolSupport};
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{allow_block_list, noise, tcp, yamux, Multiaddr, PeerId, Swarm, SwarmBuilder};
use tokio::sync::mpsc;

use super::gossip_stream::{self, Frame, WriterExit};
use super::wire::{Gossip, Request, Response, WireCodec, PROTOCOL, SYNC_BATCH};
use crate::chain::Chain;
use crate::error::NodeError;

/// The libp2p peer id of a validator key.
pub fn peer_id(key: &PublicKey) -> Result<PeerId, NodeError> {
    let ed = libp2p::identity::ed25519::PublicKey::try_from_bytes(&key.0)
        .map_err(|e| NodeError::P2p(format!("key {key}: {e}")))?;
    Ok(libp2p::identity::PublicKey::from(ed).to_peer_id())
}

fn identity(key: &Keypair) -> Result<libp2p::identity::Keypair, NodeError> {
    libp2p::identity::Keypair::ed25519_from_bytes(key.secret_bytes())
        .map_err(|e| NodeError::P2p(e.to_string()))
}

#[derive(NetworkBehaviour)]
struct Behaviour {
    allowed: allow_block_list::Behaviour<allow_block_list::AllowedPeers>,
    wire: request_response::Behaviour<WireCodec>,
    streams: libp2p_stream::Behaviour,
}

/// Where this node listens and which validators it talks to.
#[derive(Clone, Debug)]
pub struct NetworkConfig {
    pub listen: Multiaddr,
    /// Validators to dial, with their addresses.
    pub peers: Vec<(PublicKey, Multiaddr)>,
    /// Keys allowed to connect (the validator set).
    pub allowed: Vec<PublicKey>,
}

/// What the network tells the driver.
#[derive(Debug)]
pub enum NetEvent {
    Gossip {
        from: PublicKey,
        gossip: Gossip,
    },
    Synced {
        from: PublicKey,
        blocks: Vec<(
            kuai_types::Block,
            kuai_types::certificate::CommitCertificate,
        )>,
    },
    PeerConnected(PublicKey),
    /// A candidate block a peer sent on request ([`Command::FetchCandidate`]).
    Candidate {
        from: PublicKey,
        block: Box<kuai_types::Block>,
    },
    /// A peer asked for a candidate does not hold it, is not connected, or did not
    /// answer (the request failed or timed out).
    CandidateUnavailable {
        from: PublicKey,
        hash: kuai_types::Hash,
    },
}

/// What the driver asks of the network.
#[derive(Debug)]
pub enum Command {
    Broadcast(Gossip),
    /// The validator set changed: allow exactly these keys from now on (and drop
    /// connections of removed ones).
    SetAllowed(Vec<PublicKey>),
    /// Ask one peer (or any connected one) for committed blocks from a height.
    Sync {
        peer: Option<PublicKey>,
        from: u64,
    },
    /// Ask a peer for a candidate block whole (a compact proposal named transactions
    /// this node lacks); answered by [`NetEvent::Candidate`] or
    /// [`NetEvent::CandidateUnavailable`], exactly one of them per request.
    FetchCandidate {
        peer: PublicKey,
        height: u64,
        hash: kuai_types::Hash,
    },
}

/// The driver's side of the network.
#[derive(Clone)]
pub struct NetworkHandle {
    commands: mpsc::UnboundedSender<Command>,
    /// Connected validator peers.
    pub peers: Arc<AtomicUsize>,
    /// Refused connections and messages from outside the set.
    pub dropped: Arc<AtomicU64>,
    /// Gossip messages not sent because a peer's queue was full.
    pub overflow: Arc<AtomicU64>,
}

impl NetworkHandle {
    pub fn broadcast(&self, gossip: Gossip) {
        let _ = self.commands.send(Command::Broadcast(gossip));
    }

    pub fn set_allowed(&self, keys: Vec<PublicKey>) {
        let _ = self.commands.send(Command::SetAllowed(keys));
    }

    pub fn sync(&self, peer: Option<PublicKey>, from: u64) {
        let _ = self.commands.send(Command::Sync { peer, from });
    }

    pub fn fetch_candidate(&self, peer: PublicKey, height: u64, hash: kuai_types::Hash) {
        let _ = self
            .commands
            .send(Command::FetchCandidate { peer, height, hash });
    }
}

/// Starts the swarm task; returns its handle and the stream of events.
pub fn spawn(
    key: &Keypair,
    cfg: NetworkConfig,
    chain: Arc<Chain>,
) -> Result<(NetworkHandle, mpsc::UnboundedReceiver<NetEvent>), NodeError> {
    let mut allowed_peers =
        allow_block_list::Behaviour::<allow_block_list::AllowedPeers>::default();
    let mut by_peer: HashMap<PeerId, PublicKey> = HashMap::new();
    for k in &cfg.allowed {
        let id = peer_id(k)?;
        allowed_peers.allow_peer(id);
        by_peer.insert(id, *k);
    }
    let wire = request_response::Behaviour::with_codec(
        WireCodec,
        [(PROTOCOL, ProtocolSupport::Full)],
        request_response::Config::default()
            .with_request_timeout(Duration::from_secs(30))
            .with_max_concurrent_streams(1024),
    );
    let streams = libp2p_stream::Behaviour::new();
    let control = streams.new_control();
    let behaviour = Behaviour {
        allowed: allowed_peers,
        wire,
        streams,
    };
    let mut swarm = SwarmBuilder::with_existing_identity(identity(key)?)
        .with_tokio()
        .with_tcp(
            tcp::Config::default().nodelay(true),
            noise::Config::new,
            yamux::Config::default,
        )
        .map_err(|e| NodeError::P2p(e.to_string()))?
        .with_behaviour(|_| behaviour)
        .map_err(|e| NodeError::P2p(e.to_string()))?
        .with_swarm_config(|c| {
            c.with_idle_connection_timeout(Duration::from_secs(24 * 3600))
                // Every request (block sync, gossip to peers without the stream
                // protocol) opens a new stream, as does each gossip stream. With
                // multistream-select `V1` the dialer waits for the listener to confirm
                // the protocol before sending anything: a round trip per stream. Peers
                // name exactly the protocol they want, so `V1Lazy` sends the proposal
                // and the first bytes together.
                .with_substream_upgrade_protocol_override(libp2p::core::upgrade::Version::V1Lazy)
        })
        .build();
    swarm
        .listen_on(cfg.listen.clone())
        .map_err(|e| NodeError::P2p(format!("listen on {}: {e}", cfg.listen)))?;
    let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
    let (ev_tx, ev_rx) = mpsc::unbounded_channel();
    let handle = NetworkHandle {
        commands: cmd_tx,
        peers: Arc::new(AtomicUsize::new(0)),
        dropped: Arc::new(AtomicU64::new(0)),
        overflow: Arc::new(AtomicU64::new(0)),
    };
    let shared_peers = Arc::new(RwLock::new(by_peer.clone()));
    gossip_stream::spawn_reader(
        control.clone(),
        shared_peers.clone(),
        ev_tx.clone(),
        handle.dropped.clone(),
    )?;
    let (exit_tx, exit_rx) = mpsc::unbounded_channel();
    let task = Task {
        swarm,
        by_peer,
        shared_peers,
        dial: cfg.peers,
        connected: HashSet::new(),
        events: ev_tx,
        handle: handle.clone(),
        chain,
        control,
        writers: HashMap::new(),
        legacy: HashSet::new(),
        exit_tx,
        sync_turn: 0,
        candidate_requests: HashMap::new(),
    };
    tokio::spawn(task.run(cmd_rx, exit_rx));
    Ok((handle, ev_rx))
}

/// The peer whose turn `turn` is: the peers in a fixed order (by id), one per turn,
/// whatever order the set iterates in.
fn in_turn(peers: &HashSet<PeerId>, turn: usize) -> Option<PeerId> {
    let mut ordered: Vec<PeerId> = peers.iter().copied().collect();
    ordered.sort_unstable();
    ordered.get(turn.checked_rem(ordered.len())?).copied()
}

struct Task {
    swarm: Swarm<Behaviour>,
    by_peer: HashMap<PeerId, PublicKey>,
    dial: Vec<(PublicKey, Multiaddr)>,
    connected: HashSet<PeerId>,
    events: mpsc::UnboundedSender<NetEvent>,
    handle: NetworkHandle,
    chain: Arc<Chain>,
    /// The validator set's peer ids and keys, as the gossip stream readers see them.
    shared_peers: Arc<RwLock<HashMap<PeerId, PublicKey>>>,
    control: libp2p_stream::Control,
    /// Each connected peer's gossip stream queue.
    writers: HashMap<PeerId, mpsc::Sender<Frame>>,
    /// Connected peers that do not speak the gossip stream protocol: gossip goes to them
    /// as requests.
    legacy: HashSet<PeerId>,
    exit_tx: mpsc::UnboundedSender<WriterExit>,
    /// Counts sync requests that named no peer (see [`Task::next_sync_peer`]).
    sync_turn: usize,
    /// Candidate fetches awaiting their answer: whom each asked, for which block.
    candidate_requests: HashMap<request_response::OutboundRequestId, (PublicKey, kuai_types::Hash)>,
}

impl Task {
    async fn run(
        mut self,
        mut commands: mpsc::UnboundedReceiver<Command>,
        mut exits: mpsc::UnboundedReceiver<WriterExit>,
    ) {
        let mut redial = tokio::time::interval(Duration::from_secs(1));
        loop {
            tokio::select! {
                _ = redial.tick() => self.redial(),
                Some(WriterExit::Unsupported(peer)) = exits.recv() => {
                    self.writers.remove(&peer);
                    self.legacy.insert(peer);
                }
                cmd = commands.recv() => match cmd {
                    Some(c) => self.command(c),
                    None => return,
                },
                event = self.swarm.select_next_some() => self.swarm_event(event),
            }
        }
    }

    fn redial(&mut self) {
        for (key, addr) in self.dial.clone() {
            let Ok(id) = peer_id(&key) else { continue };
            if !self.connected.contains(&id) && !self.swarm.is_connected(&id) {
                let opts = libp2p::swarm::dial_opts::DialOpts::peer_id(id)
                    .addresses(vec![addr])
                    .build();
                let _ = self.swarm.dial(opts);
            }
        }
    }

    fn command(&mut self, cmd: Command) {
        match cmd {
            Command::Broadcast(g) => self.broadcast(g),
            Command::SetAllowed(keys) => {
                let new: HashMap<PeerId, PublicKey> = keys
                    .iter()
                    .filter_map(|k| peer_id(k).ok().map(|p| (p, *k)))
                    .collect();
                for (old_peer, _) in self.by_peer.iter().filter(|(p, _)| !new.contains_key(p)) {
                    self.swarm.behaviour_mut().allowed.disallow_peer(*old_peer);
                    let _ = self.swarm.disconnect_peer_id(*old_peer);
                    self.connected.remove(old_peer);
                    self.writers.remove(old_peer);
                }
                for p in new.keys() {
                    self.swarm.behaviour_mut().allowed.allow_peer(*p);
                }
                *self.shared_peers.write().unwrap_or_else(|p| p.into_inner()) = new.clone();
                self.by_peer = new;
                self.handle
                    .peers
                    .store(self.connected.len(), Ordering::Relaxed);
                tracing::info!(
                    validators = keys.len(),
                    "p2p allow-list follows the new validator set"
                );
            }
            Command::Sync { peer, from } => {
                let target = peer
                    .and_then(|k| peer_id(&k).ok())
                    .filter(|p| self.connected.contains(p))
                    .or_else(|| self.next_sync_peer());
                if let Some(p) = target {
                    self.swarm.behaviour_mut().wire.send_request(
                        &p,
                        Request::Sync {
                            from,
                            max: SYNC_BATCH,
                        },
                    );
                }
            }
            Command::FetchCandidate { peer, height, hash } => {
                match peer_id(&peer).ok().filter(|p| self.connected.contains(p)) {
                    Some(p) => {
                        let id = self
                            .swarm
                            .behaviour_mut()
                            .wire
                            .send_request(&p, Request::Candidate { height, hash });
                        self.candidate_requests.insert(id, (peer, hash));
                    }
                    // Not connected: answered as unavailable, so the driver asks another.
                    None => {
                        let _ = self
                            .events
                            .send(NetEvent::CandidateUnavailable { from: peer, hash });
                    }
                }
            }
        }
    }

    /// The connected peer to ask for blocks when no peer is named: each time the next one
    /// in a fixed order, so a node whose first peer is as far behind as itself still
    /// reaches one that is ahead.
    fn next_sync_peer(&mut self) -> Option<PeerId> {
        self.sync_turn = self.sync_turn.wrapping_add(1);
        in_turn(&self.connected, self.sync_turn)
    }

    /// Sends a message to every connected peer: encoded once onto each peer's gossip
    /// stream queue (a full queue drops it and counts it), or as a request to a peer that
    /// does not speak the stream protocol.
    fn broadcast(&mut self, g: Gossip) {
        let frame = gossip_stream::frame(&g);
        for peer in self.connected.clone() {
            if self.legacy.contains(&peer) {
                self.swarm
                    .behaviour_mut()
                    .wire
                    .send_request(&peer, Request::Gossip(g.clone()));
                continue;
            }
            let Some(queue) = self.writers.get(&peer) else {
                continue;
            };
            match queue.try_send(frame.clone()) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_)) => {
                    if self
                        .handle
                        .overflow
                        .fetch_add(1, Ordering::Relaxed)
                        .is_multiple_of(1000)
                    {
                        tracing::warn!(%peer, "a peer's gossip queue is full; dropping gossip");
                    }
                }
                Err(mpsc::error::TrySendError::Closed(_)) => {
                    self.writers.remove(&peer);
                }
            }
        }
    }

    fn swarm_event(&mut self, event: SwarmEvent<BehaviourEvent>) {
        match event {
            SwarmEvent::ConnectionEstablished { peer_id, .. } => {
                if let Some(key) = self.by_peer.get(&peer_id) {
                    if self.connected.insert(peer_id) {
                        self.writers.insert(
                            peer_id,
                            gossip_stream::spawn_writer(
                                self.control.clone(),
                                peer_id,
                                self.exit_tx.clone(),
                            ),
                        );
                        self.handle
                            .peers
                            .store(self.connected.len(), Ordering::Relaxed);
                        tracing::info!(validator = %key, peers = self.connected.len(), "validator connected");
                        let _ = self.events.send(NetEvent::PeerConnected(*key));
                    }
                }
            }
            SwarmEvent::ConnectionClosed {
                peer_id,
                num_established: 0,
                ..
            } => {
                if self.connected.remove(&peer_id) {
                    if let Some(key) = self.by_peer.get(&peer_id) {
                        tracing::info!(validator = %key, peers = self.connected.len(), "validator disconnected");
                    }
                }
                // The writer ends; a reconnected peer (upgraded, maybe) is asked for the
                // stream protocol again.
                self.writers.remove(&peer_id);
                self.legacy.remove(&peer_id);
                self.handle
                    .peers
                    .store(self.connected.len(), Ordering::Relaxed);
            }
            SwarmEvent::IncomingConnectionError { error, .. } => {
                self.handle.dropped.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(%error, "refused an incoming connection");
            }
            SwarmEvent::NewListenAddr { address, .. } => tracing::info!(%address, "p2p listening"),
            SwarmEvent::Behaviour(BehaviourEvent::Wire(e)) => self.wire_event(e),
            _ => {}
        }
    }

    fn wire_event(&mut self, event: request_response::Event<Request, Response>) {
        let (peer, message) = match event {
            request_response::Event::Message { peer, message, .. } => (peer, message),
            // A candidate fetch that failed (connection lost, timeout) is reported as
            // unavailable, so the driver asks another peer.
            request_response::Event::OutboundFailure {
                request_id, error, ..
            } => {
                if let Some((from, hash)) = self.candidate_requests.remove(&request_id) {
                    tracing::debug!(peer = %from, %hash, %error, "a candidate fetch failed");
                    let _ = self
                        .events
                        .send(NetEvent::CandidateUnavailable { from, hash });
                }
                return;
            }
            _ => return,
        };
        let Some(from) = self.by_peer.get(&peer).copied() else {
            self.handle.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        };
        match message {
            request_response::Message::Request {
                request, channel, ..
            } => {
                let response = match request {
                    Request::Gossip(gossip) => {
                        let _ = self.events.send(NetEvent::Gossip { from, gossip });
                        Response::Ack
                    }
                    Request::Sync { from: height, max } => Response::Blocks(
                        self.chain
                            .certified_blocks(height, max.min(SYNC_BATCH))
                            .unwrap_or_default(),
                    ),
                    Request::Candidate { height, hash } => Response::Candidate {
                        hash,
                        block: self
                            .chain
                            .store()
                            .candidate(height, &hash)
                            .ok()
                            .flatten()
                            .map(Box::new),
                    },
                };
                let _ = self
                    .swarm
                    .behaviour_mut()
                    .wire
                    .send_response(channel, response);
            }
            request_response::Message::Response {
                response: Response::Blocks(blocks),
                ..
            } => {
                let _ = self.events.send(NetEvent::Synced { from, blocks });
            }
            request_response::Message::Response {
                request_id,
                response: Response::Candidate { hash, block },
            } => {
                self.candidate_requests.remove(&request_id);
                let _ = self.events.send(match block {
                    Some(block) => NetEvent::Candidate { from, block },
                    None => NetEvent::CandidateUnavailable { from, hash },
                });
            }
            request_response::Message::Response {
                response: Response::Ack,
                ..
            } => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn untargeted_sync_requests_visit_every_connected_peer_in_turn() {
        assert_eq!(in_turn(&HashSet::new(), 7), None, "no peer, no target");
        let peers: HashSet<PeerId> = (0..3).map(|_| PeerId::random()).collect();
        let turns: Vec<PeerId> = (0..6).filter_map(|t| in_turn(&peers, t)).collect();
        assert_eq!(turns.len(), 6);
        assert_eq!(
            turns[..3].iter().collect::<HashSet<_>>().len(),
            3,
            "three turns ask three different peers"
        );
        assert_eq!(turns[..3], turns[3..], "then the same order again");
        // A peer that leaves drops out of the turns; the others are still visited.
        let mut fewer = peers.clone();
        fewer.remove(&turns[0]);
        let after: HashSet<PeerId> = (0..2).filter_map(|t| in_turn(&fewer, t)).collect();
        assert_eq!(after, fewer);
    }
}
