//! What the in-process benchmarks share: a development consortium's files (genesis,
//! keys, config) written to a directory, and the wall clock.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use kuai_node::config::{NodeConfig, ProducerConfig};
use kuai_node::init::{self, InitOptions, DEV_TEMPLATE};
use kuai_types::genesis::GenesisSpec;
use kuai_types::{keyfile, Keypair};

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// Writes the development template's chain (`kuai-bench`, genesis a day ago) to `dir`;
/// returns its config and genesis.
pub fn dev_chain(dir: &Path) -> (NodeConfig, GenesisSpec) {
    let cfg_path = init::init(&InitOptions {
        dir: dir.to_path_buf(),
        template: DEV_TEMPLATE.to_string(),
        chain_id: Some("kuai-bench".into()),
        api_addr: "127.0.0.1:0".parse().unwrap(),
        producer: ProducerConfig::default(),
        now_ms: now_ms() - 86_400_000,
    })
    .unwrap();
    let cfg = NodeConfig::load(&cfg_path).unwrap();
    let genesis = init::read_genesis(&cfg.genesis_file).unwrap();
    (cfg, genesis)
}

/// The key `keys/NAME.key` of a chain written by [`dev_chain`].
pub fn key(dir: &Path, name: &str) -> Keypair {
    keyfile::read(&dir.join(format!("keys/{name}.key"))).unwrap()
}
