//! The node's config file (TOML), written by `kuai-node init`. Relative paths are
//! relative to the config file's directory.

use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::error::NodeError;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
    /// RocksDB directory.
    pub db_dir: PathBuf,
    pub genesis_file: PathBuf,
    /// This node's validator key.
    pub validator_key_file: PathBuf,
    pub api_addr: SocketAddr,
    #[serde(default)]
    pub producer: ProducerConfig,
    #[serde(default)]
    pub mempool: MempoolConfig,
    /// `text` or `json`.
    #[serde(default = "default_log_format")]
    pub log_format: String,
    /// Networking with the other validators; without it the node runs alone
    /// (single-validator engine).
    #[serde(default)]
    pub p2p: Option<P2pConfig>,
    #[serde(default)]
    pub consensus: ConsensusConfig,
    /// The data gateway: local datasets served under grants (see `crate::gateway`).
    #[serde(default)]
    pub gateway: Option<crate::gateway::GatewayConfig>,
    /// The consortium's subject key (32 bytes, hex): keyed hashes of the persons and
    /// companies in delivered records, so `/v1/subjects/{id}/accesses` can answer "who
    /// accessed my data" while the ledger holds no raw identifier. The same on every
    /// member node; generated with the genesis and handed to members out of band.
    #[serde(default)]
    pub subject_key_file: Option<PathBuf>,
    /// Keep the state tree's old roots provable for this many blocks (older tree nodes are
    /// pruned after each commit); absent: keep every height provable.
    #[serde(default)]
    pub state_history_blocks: Option<u64>,
}

/// Where this validator listens and which validators it dials.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct P2pConfig {
    /// A libp2p multiaddress, e.g. `/ip4/127.0.0.1/tcp/26656`.
    pub listen: String,
    pub peers: Vec<PeerConfig>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PeerConfig {
    /// The peer's validator public key (hex).
    pub key: String,
    /// Its libp2p multiaddress.
    pub addr: String,
}

/// Round timeouts of the BFT engine: each is `base + delta × round`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ConsensusConfig {
    pub timeout_propose_ms: u64,
    pub timeout_prevote_ms: u64,
    pub timeout_precommit_ms: u64,
    pub timeout_delta_ms: u64,
    /// With no transactions waiting, propose an empty block only after this long.
    pub empty_block_interval_ms: u64,
}

impl Default for ConsensusConfig {
    fn default() -> Self {
        ConsensusConfig {
            timeout_propose_ms: 3000,
            timeout_prevote_ms: 1000,
            timeout_precommit_ms: 1000,
            timeout_delta_ms: 500,
            empty_block_interval_ms: 1000,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ProducerConfig {
    /// A block is proposed every this many ms when transactions wait.
    pub block_interval_ms: u64,
    /// ...or at once when this many transactions wait; also the block size limit.
    pub max_block_txs: usize,
    /// Produce blocks with no transactions on every interval.
    pub empty_blocks: bool,
}

impl Default for ProducerConfig {
    fn default() -> Self {
        ProducerConfig {
            block_interval_ms: 200,
            max_block_txs: 5_000,
            empty_blocks: false,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MempoolConfig {
    pub capacity: usize,
    /// Seconds of block time a transaction may wait before it is dropped (one that can
    /// never run must not hold a slot for ever); 0: never.
    #[serde(default = "default_mempool_ttl_secs")]
    pub ttl_secs: u64,
}

fn default_mempool_ttl_secs() -> u64 {
    600
}

impl Default for MempoolConfig {
    fn default() -> Self {
        MempoolConfig {
            capacity: 100_000,
            ttl_secs: default_mempool_ttl_secs(),
        }
    }
}

fn default_log_format() -> String {
    "text".into()
}

impl NodeConfig {
    pub fn load(path: &Path) -> Result<NodeConfig, NodeError> {
        let err = |reason: String| NodeError::Config {
            path: path.display().to_string(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        let mut cfg: NodeConfig = toml::from_str(&text).map_err(|e| err(e.to_string()))?;
        if cfg.producer.max_block_txs == 0 || cfg.producer.block_interval_ms == 0 {
            return Err(err(
                "producer.max_block_txs and producer.block_interval_ms must be positive".into(),
            ));
        }
        if cfg.mempool.capacity == 0 {
            return Err(err("mempool.capacity must be positive".into()));
        }
        let base = path.parent().unwrap_or(Path::new("."));
        for p in [
            &mut cfg.db_dir,
            &mut cfg.genesis_file,
            &mut cfg.validator_key_file,
        ] {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        if let Some(p) = cfg.subject_key_file.as_mut().filter(|p| p.is_relative()) {
            *p = base.join(&*p);
        }
        Ok(cfg)
    }

    /// The subject key named by `subject_key_file`, if any.
    pub fn subject_key(&self) -> Result<Option<[u8; 32]>, NodeError> {
        self.subject_key_file
            .as_ref()
            .map(|p| {
                crate::gateway::read_secret(p).map_err(|e| NodeError::Config {
                    path: p.display().to_string(),
                    reason: e.to_string(),
                })
            })
            .transpose()
    }

    pub fn save(&self, path: &Path) -> Result<(), NodeError> {
        let text = toml::to_string_pretty(self).map_err(|e| NodeError::Config {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        std::fs::write(path, text)?;
        Ok(())
    }
}
