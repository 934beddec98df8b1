//! Starts a node from its config: opens the chain, serves the API, runs the engine,
//! and stops cleanly on Ctrl-C / SIGTERM (or with an error when a commit fails).

use std::net::SocketAddr;
use std::sync::Arc;

use kuai_types::keyfile;
use tokio::net::TcpListener;
use tokio::sync::Notify;

use crate::api::{self, AppState};
use crate::chain::Chain;
use crate::clock::Clock;
use crate::config::NodeConfig;
use crate::error::NodeError;
use crate::init::read_genesis;
use crate::solo;

/// A started node: its chain and the address its API listens on.
pub struct Running {
    pub chain: Arc<Chain>,
    pub api_addr: SocketAddr,
    engine: tokio::task::JoinHandle<NodeError>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Starts a node whose blocks take their time from `clock`.
pub async fn start(cfg: &NodeConfig, clock: Arc<dyn Clock>) -> Result<Running, NodeError> {
    let genesis = read_genesis(&cfg.genesis_file)?;
    let key = keyfile::read(&cfg.validator_key_file)?;
    let chain = Arc::new(Chain::open(
        &cfg.db_dir,
        genesis,
        key,
        cfg.mempool.capacity,
    )?);
    let full = Arc::new(Notify::new());
    let listener = TcpListener::bind(cfg.api_addr).await?;
    let api_addr = listener.local_addr()?;
    let app = api::router(AppState {
        chain: chain.clone(),
        full: full.clone(),
        max_block_txs: cfg.producer.max_block_txs,
    });
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let engine = tokio::spawn(solo::run(chain.clone(), cfg.producer.clone(), full, clock));
    tracing::info!(api = %format!("http://{api_addr}"), "node started");
    Ok(Running {
        chain,
        api_addr,
        engine,
        server,
    })
}

impl Running {
    /// Waits for a shutdown signal (Ok) or a fatal engine or server failure (Err).
    pub async fn wait(self) -> Result<(), NodeError> {
        let result = tokio::select! {
            _ = shutdown_signal() => Ok(()),
            e = self.engine => Err(e.unwrap_or_else(|j| NodeError::Corrupt { what: "engine".into(), reason: j.to_string() })),
            r = self.server => Err(match r {
                Ok(Ok(())) => NodeError::Corrupt { what: "api server".into(), reason: "stopped".into() },
                Ok(Err(e)) => NodeError::Io(e),
                Err(j) => NodeError::Corrupt { what: "api server".into(), reason: j.to_string() },
            }),
        };
        tracing::info!("node stopping");
        result
    }
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
