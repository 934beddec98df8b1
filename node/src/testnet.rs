//! `kuai-node testnet`: the directories of an N-validator consortium on one machine,
//! from a genesis template (default: the dev consortium of `genesis/dev.json`).
//!
//! Layout: `DIR/genesis.json`, `DIR/keys/*.key` (the members' keys and `validator-I.key`),
//! and `DIR/node-I/config.toml` for each validator I, listening for its API on
//! `api_base + I` and for peers on `p2p_base + I` (loopback), dialing every other
//! validator. Validator I is run by the I-th governing organization (round robin) and is
//! one of its member keys with the validator role.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::config::{
    ConsensusConfig, MempoolConfig, NodeConfig, P2pConfig, PeerConfig, ProducerConfig,
};
use crate::error::NodeError;
use crate::init::{write_genesis, CONFIG_FILE};

pub struct TestnetOptions {
    pub dir: PathBuf,
    pub template: String,
    pub validators: usize,
    pub chain_id: Option<String>,
    pub host: IpAddr,
    pub api_base: u16,
    pub p2p_base: u16,
    pub producer: ProducerConfig,
    pub now_ms: u64,
}

/// The config file of validator `i` in a testnet directory.
pub fn node_config_path(dir: &Path, i: usize) -> PathBuf {
    dir.join(format!("node-{i}")).join(CONFIG_FILE)
}

/// Writes the testnet; fails if `DIR/genesis.json` exists.
pub fn generate(opts: &TestnetOptions) -> Result<Vec<PathBuf>, NodeError> {
    let n = opts.validators;
    if !(1..=64).contains(&n) {
        return Err(NodeError::Genesis(format!(
            "{n} validators: choose 1 to 64"
        )));
    }
    if opts.dir.join("genesis.json").exists() {
        return Err(NodeError::Config {
            path: opts.dir.join("genesis.json").display().to_string(),
            reason: "already exists; refusing to overwrite a testnet".into(),
        });
    }
    let mut template: Value = serde_json::from_str(&opts.template)
        .map_err(|e| NodeError::Genesis(format!("template is not JSON: {e}")))?;
    let orgs = template["organizations"]
        .as_array_mut()
        .ok_or_else(|| NodeError::Genesis("template has no organizations".into()))?;
    // The template's own single validator key is replaced by N validators.
    for org in orgs.iter_mut() {
        if let Some(members) = org["members"].as_array_mut() {
            members.retain(|m| m["key"] != "@validator");
        }
    }
    let governing: Vec<usize> = (0..orgs.len())
        .filter(|&i| {
            matches!(
                orgs[i]["kind"].as_str(),
                Some("department" | "platform_operator")
            )
        })
        .collect();
    if governing.is_empty() {
        return Err(NodeError::Genesis(
            "the template has no department or operator to run validators".into(),
        ));
    }
    let mut validators = Vec::new();
    for v in 0..n {
        let org = &mut orgs[governing[v % governing.len()]];
        let name = format!("@validator-{v}");
        if let Some(members) = org["members"].as_array_mut() {
            members.push(json!({ "key": name, "role": "validator" }));
        }
        validators.push(json!({ "key": name, "operator": org["credit_code"] }));
    }
    template["validators"] = Value::Array(validators);
    let made = write_genesis(&opts.dir, template, opts.chain_id.as_deref(), opts.now_ms)?;
    let p2p_addr = |i: usize| format!("/ip4/{}/tcp/{}", opts.host, opts.p2p_base as usize + i);
    let mut paths = Vec::new();
    for i in 0..n {
        let node_dir = opts.dir.join(format!("node-{i}"));
        std::fs::create_dir_all(&node_dir)?;
        let peers = (0..n)
            .filter(|&j| j != i)
            .map(|j| PeerConfig {
                key: made[&format!("validator-{j}")].clone(),
                addr: p2p_addr(j),
            })
            .collect();
        let cfg = NodeConfig {
            db_dir: "db".into(),
            genesis_file: "../genesis.json".into(),
            validator_key_file: format!("../keys/validator-{i}.key").into(),
            api_addr: SocketAddr::new(opts.host, opts.api_base + i as u16),
            producer: opts.producer.clone(),
            mempool: MempoolConfig::default(),
            log_format: "text".into(),
            p2p: Some(P2pConfig {
                listen: p2p_addr(i),
                peers,
            }),
            consensus: ConsensusConfig::default(),
            gateway: None,
            subject_key_file: Some("../keys/subject.secret".into()),
            state_history_blocks: None,
        };
        let path = node_dir.join(CONFIG_FILE);
        cfg.save(&path)?;
        paths.push(path);
    }
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::{read_genesis, DEV_TEMPLATE};

    #[test]
    fn four_validators_each_dialing_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let opts = TestnetOptions {
            dir: dir.path().to_path_buf(),
            template: DEV_TEMPLATE.into(),
            validators: 4,
            chain_id: Some("kuai-net".into()),
            host: "127.0.0.1".parse().unwrap(),
            api_base: 18000,
            p2p_base: 19000,
            producer: ProducerConfig::default(),
            now_ms: 1,
        };
        let paths = generate(&opts).unwrap();
        assert_eq!(paths.len(), 4);
        let cfg = NodeConfig::load(&paths[2]).unwrap();
        let p2p = cfg.p2p.unwrap();
        assert_eq!(p2p.listen, "/ip4/127.0.0.1/tcp/19002");
        assert_eq!(p2p.peers.len(), 3);
        assert!(!p2p.peers.iter().any(|p| p.addr.ends_with("19002")));
        let spec = read_genesis(&cfg.genesis_file).unwrap();
        assert_eq!(spec.validators.len(), 4);
        let key = kuai_types::keyfile::read(&cfg.validator_key_file).unwrap();
        assert_eq!(spec.validators[2].key, key.public());
        let operators: std::collections::BTreeSet<_> =
            spec.validators.iter().map(|v| v.operator.clone()).collect();
        assert_eq!(
            operators.len(),
            4,
            "four different organizations run the four validators"
        );
        assert!(generate(&opts).is_err(), "never overwrites");
    }
}
