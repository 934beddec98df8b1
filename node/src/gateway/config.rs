//! The gateway's part of the node config (`[gateway]` in `config.toml`): which local
//! datasets serve which catalog entries, checked by which rules, and recorded on chain
//! with which provider key. Relative paths are relative to the config file's directory.
//!
//! ```toml
//! [gateway]
//! secret_file = "keys/gateway.secret"      # 32 random bytes, hex: the keyed-hashing secret
//!
//! [[gateway.datasets]]
//! entry = 1                                # catalog entry id
//! key_file = "keys/police-app.key"         # provider key that signs the access events
//! source = "csv"                           # csv | jsonl | sqlite
//! path = "datasets/population.csv"
//! unique = "id_number"                     # optional: later rows repeating it are dirty
//! [gateway.datasets.checks]                # every listed field is required
//! id_number = "resident_id"                # required | resident_id | credit_code | date
//! name = "required"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GatewayConfig {
    /// File holding the 32-byte keyed-hashing secret in hex (never leaves the node).
    pub secret_file: PathBuf,
    /// Most access events submitted to the mempool in one batch.
    #[serde(default = "default_max_batch")]
    pub max_batch: usize,
    #[serde(default)]
    pub datasets: Vec<DatasetBinding>,
}

fn default_max_batch() -> usize {
    512
}

/// Where a dataset is read from.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// CSV with a header line naming the columns.
    Csv,
    /// One JSON object per line; strings, numbers or null.
    Jsonl,
    /// A table of an SQLite database (`table` names it).
    Sqlite,
}

impl SourceKind {
    pub fn name(self) -> &'static str {
        match self {
            SourceKind::Csv => "csv",
            SourceKind::Jsonl => "jsonl",
            SourceKind::Sqlite => "sqlite",
        }
    }
}

/// A validation rule of a field; every rule also makes the field required.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FieldCheck {
    Required,
    /// 18-character resident ID number (GB 11643) with a valid check character.
    ResidentId,
    /// Unified social credit code (GB 32100) with a valid check character.
    CreditCode,
    /// A calendar date `YYYY-MM-DD`.
    Date,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DatasetBinding {
    /// The catalog entry this dataset serves; its fields must all be columns.
    pub entry: u64,
    /// Key file of the providing department's gateway key (signs the access events).
    pub key_file: PathBuf,
    pub source: SourceKind,
    pub path: PathBuf,
    /// SQLite only: the table to read.
    #[serde(default)]
    pub table: Option<String>,
    /// A field whose value must be unique; later rows repeating a value are excluded.
    #[serde(default)]
    pub unique: Option<String>,
    #[serde(default)]
    pub checks: BTreeMap<String, FieldCheck>,
}

impl GatewayConfig {
    /// Resolves relative paths against `base` (the config file's directory).
    pub fn resolved(&self, base: &Path) -> GatewayConfig {
        let abs = |p: &PathBuf| {
            if p.is_relative() {
                base.join(p)
            } else {
                p.clone()
            }
        };
        let mut cfg = self.clone();
        cfg.secret_file = abs(&self.secret_file);
        for d in &mut cfg.datasets {
            d.key_file = abs(&d.key_file);
            d.path = abs(&d.path);
        }
        cfg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_example_and_round_trips() {
        let text = r#"
secret_file = "keys/gateway.secret"

[[datasets]]
entry = 1
key_file = "keys/police-app.key"
source = "csv"
path = "datasets/population.csv"
unique = "id_number"
[datasets.checks]
id_number = "resident_id"
name = "required"
"#;
        let cfg: GatewayConfig = toml::from_str(text).unwrap();
        assert_eq!(cfg.max_batch, 512);
        assert_eq!(cfg.datasets[0].checks["id_number"], FieldCheck::ResidentId);
        let back: GatewayConfig = toml::from_str(&toml::to_string(&cfg).unwrap()).unwrap();
        assert_eq!(back, cfg);
        let r = cfg.resolved(Path::new("/n"));
        assert_eq!(r.datasets[0].path, Path::new("/n/datasets/population.csv"));
        assert!(toml::from_str::<GatewayConfig>("secret_file = \"s\"\nbogus = 1").is_err());
        assert!(toml::from_str::<GatewayConfig>(
            "secret_file = \"s\"\n[[datasets]]\nentry = 1\nkey_file = \"k\"\nsource = \"xls\"\npath = \"p\""
        )
        .is_err());
    }
}
