//! Starts a node from its config: opens the chain, serves the API, runs the engine
//! (BFT over libp2p when `[p2p]` is configured, the single-validator engine otherwise),
//! and stops cleanly on Ctrl-C / SIGTERM (or with an error when a commit fails).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use kuai_consensus::types::{Config as CoreConfig, TimeoutGrowth};
use kuai_types::{keyfile, Keypair, PublicKey, SignedTransaction};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, Notify};

use crate::api::{self, AppState};
use crate::bft::{self, BftConfig};
use crate::chain::Chain;
use crate::clock::Clock;
use crate::config::{NodeConfig, P2pConfig};
use crate::error::NodeError;
use crate::init::read_genesis;
use crate::intake::Intake;
use crate::metrics::Metrics;
use crate::outlets::Outlets;
use crate::p2p::{self, Gossip, NetworkConfig};
use crate::solo;

/// A started node: its chain and the address its API listens on.
pub struct Running {
    pub chain: Arc<Chain>,
    pub api_addr: SocketAddr,
    pub metrics: Arc<Metrics>,
    gossip: Option<mpsc::UnboundedSender<(kuai_types::Hash, SignedTransaction)>>,
    engine: tokio::task::JoinHandle<NodeError>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

fn network_config(p2p: &P2pConfig, validators: &[PublicKey]) -> Result<NetworkConfig, NodeError> {
    let bad = |what: &str, v: &str, e: String| NodeError::Config {
        path: "p2p".into(),
        reason: format!("{what} {v:?}: {e}"),
    };
    let listen = p2p
        .listen
        .parse()
        .map_err(|e: libp2p::multiaddr::Error| bad("listen", &p2p.listen, e.to_string()))?;
    let mut peers = Vec::new();
    for p in &p2p.peers {
        let key: PublicKey = p
            .key
            .parse()
            .map_err(|e: kuai_types::TypesError| bad("peer key", &p.key, e.to_string()))?;
        let addr = p
            .addr
            .parse()
            .map_err(|e: libp2p::multiaddr::Error| bad("peer addr", &p.addr, e.to_string()))?;
        peers.push((key, addr));
    }
    Ok(NetworkConfig {
        listen,
        peers,
        allowed: validators.to_vec(),
    })
}

fn bft_config(cfg: &NodeConfig, chain_id: &str) -> BftConfig {
    let ms = Duration::from_millis;
    let c = &cfg.consensus;
    let growth = |base| TimeoutGrowth {
        base: ms(base),
        delta: ms(c.timeout_delta_ms),
    };
    let mut core = CoreConfig::new(chain_id);
    core.timeout_propose = growth(c.timeout_propose_ms);
    core.timeout_prevote = growth(c.timeout_prevote_ms);
    core.timeout_precommit = growth(c.timeout_precommit_ms);
    BftConfig {
        core,
        block_interval: ms(cfg.producer.block_interval_ms),
        empty_block_interval: ms(c
            .empty_block_interval_ms
            .max(cfg.producer.block_interval_ms)),
        max_block_txs: cfg.producer.max_block_txs,
        safety_file: Some(bft::safety_file::path_for_key(&cfg.validator_key_file)),
    }
}

/// Starts a node whose blocks take their time from `clock`.
pub async fn start(cfg: &NodeConfig, clock: Arc<dyn Clock>) -> Result<Running, NodeError> {
    let genesis = read_genesis(&cfg.genesis_file)?;
    let key: Keypair = keyfile::read(&cfg.validator_key_file)?;
    let chain = Arc::new(Chain::open(
        &cfg.db_dir,
        genesis,
        key.clone(),
        cfg.mempool.capacity,
    )?);
    chain.set_state_history(cfg.state_history_blocks);
    chain.set_mempool_ttl(
        (cfg.mempool.ttl_secs > 0).then(|| Duration::from_secs(cfg.mempool.ttl_secs)),
    );
    crate::store::admin::write_admin_token(&cfg.db_dir)?;
    let metrics = Arc::new(Metrics::new());
    let full = Arc::new(Notify::new());
    let listener = TcpListener::bind(cfg.api_addr).await?;
    let api_addr = listener.local_addr()?;
    let (engine, gossip) = match &cfg.p2p {
        Some(p2p_cfg) => {
            let validators = chain.validators()?;
            let (net, events) =
                p2p::spawn(&key, network_config(p2p_cfg, &validators)?, chain.clone())?;
            let (peers, dropped, overflow, m) = (
                net.peers.clone(),
                net.dropped.clone(),
                net.overflow.clone(),
                metrics.clone(),
            );
            tokio::spawn(async move {
                use std::sync::atomic::Ordering::Relaxed;
                let (mut seen_dropped, mut seen_overflow) = (0, 0);
                loop {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    m.peers.set(peers.load(Relaxed) as i64);
                    let d = dropped.load(Relaxed);
                    m.p2p_dropped.inc_by(d - seen_dropped);
                    seen_dropped = d;
                    let o = overflow.load(Relaxed);
                    m.gossip_overflow.inc_by(o - seen_overflow);
                    seen_overflow = o;
                }
            });
            let gossip = {
                let (net, chain) = (net.clone(), chain.clone());
                p2p::tx_gossip::spawn(move |batch: Vec<(kuai_types::Hash, SignedTransaction)>| {
                    let (ids, batch): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
                    net.broadcast(Gossip::Txs(batch));
                    // After the broadcast: a proposal naming these by id goes out after them.
                    chain.note_peers_hold(ids);
                })
            };
            let engine = bft::start(
                chain.clone(),
                key,
                bft_config(cfg, chain.chain_id()),
                net,
                events,
                clock,
                metrics.clone(),
            )?;
            (engine, Some(gossip))
        }
        None => (
            tokio::spawn(solo::run(
                chain.clone(),
                cfg.producer.clone(),
                full.clone(),
                clock,
            )),
            None,
        ),
    };
    let subject_key = cfg.subject_key()?;
    let outlets = Arc::new(Outlets {
        gossip: gossip.clone(),
        full,
        max_block_txs: cfg.producer.max_block_txs,
    });
    let intake = Arc::new(Intake::spawn(chain.clone(), outlets.clone())?);
    let app = api::router(AppState {
        chain: chain.clone(),
        outlets,
        metrics: metrics.clone(),
        subject_key,
        intake,
    });
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    tracing::info!(api = %format!("http://{api_addr}"), bft = cfg.p2p.is_some(), "node started");
    Ok(Running {
        chain,
        api_addr,
        metrics,
        gossip,
        engine,
        server,
    })
}

impl Running {
    /// Admits a transaction to this node's mempool and gossips it to the other validators.
    pub fn submit(
        &self,
        stx: SignedTransaction,
    ) -> Result<kuai_types::Hash, crate::mempool::AdmitError> {
        let hash = self.chain.submit(stx.clone())?;
        if let Some(g) = &self.gossip {
            let _ = g.send((hash, stx));
        }
        Ok(hash)
    }

    /// Waits for a shutdown signal (Ok) or a fatal engine or server failure (Err).
    pub async fn wait(self) -> Result<(), NodeError> {
        wait_all(vec![self]).await
    }
}

/// Waits for a shutdown signal (Ok) or the first fatal engine or server failure of any
/// of `nodes` (Err).
pub async fn wait_all(nodes: Vec<Running>) -> Result<(), NodeError> {
    use futures::future::{select_all, FutureExt};
    let mut failures = Vec::new();
    for n in nodes {
        failures.push(
            async move {
                n.engine.await.unwrap_or_else(|j| NodeError::Corrupt {
                    what: "engine".into(),
                    reason: j.to_string(),
                })
            }
            .boxed(),
        );
        failures.push(
            async move {
                match n.server.await {
                    Ok(Ok(())) => NodeError::Corrupt {
                        what: "api server".into(),
                        reason: "stopped".into(),
                    },
                    Ok(Err(e)) => NodeError::Io(e),
                    Err(j) => NodeError::Corrupt {
                        what: "api server".into(),
                        reason: j.to_string(),
                    },
                }
            }
            .boxed(),
        );
    }
    let result = tokio::select! {
        _ = shutdown_signal() => Ok(()),
        (e, _, _) = select_all(failures) => Err(e),
    };
    tracing::info!("stopping");
    result
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
