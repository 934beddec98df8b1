//! `kuai-node init`: a node directory with keys, `genesis.json` and `config.toml`,
//! from a genesis template (see `genesis/README.md`).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use kuai_types::genesis::GenesisSpec;
use kuai_types::{keyfile, Keypair};
use serde_json::Value;

use crate::config::{MempoolConfig, NodeConfig, ProducerConfig};
use crate::error::NodeError;

/// The dev consortium template, built into the binary.
pub const DEV_TEMPLATE: &str = include_str!("../../genesis/dev.json");

pub const CONFIG_FILE: &str = "config.toml";

pub struct InitOptions {
    pub dir: PathBuf,
    pub template: String,
    pub chain_id: Option<String>,
    pub api_addr: SocketAddr,
    pub producer: ProducerConfig,
    pub now_ms: u64,
}

/// Replaces every `"@name"` string with the public key of the key `name`, generating it
/// (and its key file) on first use.
fn fill_keys(
    v: &mut Value,
    keys_dir: &Path,
    made: &mut BTreeMap<String, String>,
) -> Result<(), NodeError> {
    match v {
        Value::String(s) if s.starts_with('@') => {
            let name = s[1..].to_string();
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(NodeError::Genesis(format!(
                    "bad key placeholder {s:?}: use @letters-digits-dashes"
                )));
            }
            if !made.contains_key(&name) {
                let key = Keypair::generate();
                keyfile::write(&keys_dir.join(format!("{name}.key")), &key)?;
                made.insert(name.clone(), key.public().to_hex());
            }
            *s = made[&name].clone();
        }
        Value::Array(items) => {
            for i in items {
                fill_keys(i, keys_dir, made)?;
            }
        }
        Value::Object(map) => {
            for (_, i) in map.iter_mut() {
                fill_keys(i, keys_dir, made)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Fills a template's key placeholders (writing `DIR/keys/*.key`), sets the genesis time
/// (when 0) and the chain id (when given), validates the spec by building its state, and
/// writes `DIR/genesis.json`. Returns the public keys made, by name.
pub(crate) fn write_genesis(
    dir: &Path,
    mut template: Value,
    chain_id: Option<&str>,
    now_ms: u64,
) -> Result<BTreeMap<String, String>, NodeError> {
    let keys_dir = dir.join("keys");
    std::fs::create_dir_all(&keys_dir)?;
    let mut made = BTreeMap::new();
    fill_keys(&mut template, &keys_dir, &mut made)?;
    let mut spec: GenesisSpec = serde_json::from_value(template)
        .map_err(|e| NodeError::Genesis(format!("template: {e}")))?;
    if spec.genesis_time_ms == 0 {
        spec.genesis_time_ms = now_ms;
    }
    if let Some(id) = chain_id {
        spec.chain_id = id.to_string();
    }
    kuai_runtime::genesis::build(&spec).map_err(|e| NodeError::Genesis(e.to_string()))?;
    let genesis_json =
        serde_json::to_string_pretty(&spec).map_err(|e| NodeError::Genesis(e.to_string()))?;
    std::fs::write(dir.join("genesis.json"), genesis_json + "\n")?;
    crate::gateway::ensure_secret(&keys_dir.join("subject.secret"))?;
    Ok(made)
}

/// Creates the node directory; fails if it already holds a config.
pub fn init(opts: &InitOptions) -> Result<PathBuf, NodeError> {
    let config_path = opts.dir.join(CONFIG_FILE);
    if config_path.exists() {
        return Err(NodeError::Config {
            path: config_path.display().to_string(),
            reason: "already exists; refusing to overwrite a node's keys".into(),
        });
    }
    let template: Value = serde_json::from_str(&opts.template)
        .map_err(|e| NodeError::Genesis(format!("template is not JSON: {e}")))?;
    let made = write_genesis(&opts.dir, template, opts.chain_id.as_deref(), opts.now_ms)?;
    if !made.contains_key("validator") {
        return Err(NodeError::Genesis(
            "the template must name this node's key as \"@validator\"".into(),
        ));
    }
    let cfg = NodeConfig {
        db_dir: "db".into(),
        genesis_file: "genesis.json".into(),
        validator_key_file: "keys/validator.key".into(),
        api_addr: opts.api_addr,
        producer: opts.producer.clone(),
        mempool: MempoolConfig::default(),
        log_format: "text".into(),
        p2p: None,
        consensus: Default::default(),
        gateway: None,
        subject_key_file: Some("keys/subject.secret".into()),
        state_history_blocks: None,
    };
    cfg.save(&config_path)?;
    Ok(config_path)
}

/// Reads a genesis file.
pub fn read_genesis(path: &Path) -> Result<GenesisSpec, NodeError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| NodeError::Genesis(format!("{}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| NodeError::Genesis(format!("{}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_writes_keys_genesis_and_config_once() {
        let dir = tempfile::tempdir().unwrap();
        let opts = InitOptions {
            dir: dir.path().to_path_buf(),
            template: DEV_TEMPLATE.into(),
            chain_id: Some("kuai-unit".into()),
            api_addr: "127.0.0.1:0".parse().unwrap(),
            producer: ProducerConfig::default(),
            now_ms: 1_800_000_000_000,
        };
        let cfg_path = init(&opts).unwrap();
        let cfg = NodeConfig::load(&cfg_path).unwrap();
        let spec = read_genesis(&cfg.genesis_file).unwrap();
        assert_eq!(spec.chain_id, "kuai-unit");
        assert_eq!(spec.genesis_time_ms, 1_800_000_000_000);
        let validator = keyfile::read(&cfg.validator_key_file).unwrap();
        assert_eq!(spec.validators[0].key, validator.public());
        let operator = &spec.organizations[0];
        assert!(
            operator.members.iter().any(|m| m.key == validator.public()),
            "one name, one key"
        );
        assert!(init(&opts)
            .unwrap_err()
            .to_string()
            .contains("already exists"));
    }

    #[test]
    fn bad_templates_are_refused_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let mut opts = InitOptions {
            dir: dir.path().to_path_buf(),
            template: "{not json".into(),
            chain_id: None,
            api_addr: "127.0.0.1:0".parse().unwrap(),
            producer: ProducerConfig::default(),
            now_ms: 1,
        };
        assert!(init(&opts).unwrap_err().to_string().contains("not JSON"));
        opts.template = DEV_TEMPLATE.replace("9152010033718A0B3K", "9152010033718A0B3A");
        opts.dir = dir.path().join("b");
        assert!(init(&opts)
            .unwrap_err()
            .to_string()
            .contains("check character"));
    }
}
