//! `kuai contract ...`: upload policy code, put it to governance, instantiate, bind,
//! upgrade, and query code and instances.
//!
//! Parameters are given as repeated `--param key=value` (or `--params-file`), the
//! `key=value` lines the contract reads.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use kuai_client::types::model::ProposalAction;
use kuai_client::types::Hash;
use kuai_client::Client;

use crate::cli::{ListArgs, Signer};
use crate::commands::{print, query, send, wall_clock_ms};

#[derive(Subcommand)]
pub enum ContractCmd {
    /// Uploaded code (metadata).
    Codes(ListArgs),
    /// One code's metadata; `--out FILE` also saves its WebAssembly (hash-checked).
    Code {
        hash: String,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Upload a .wasm policy (a CDO); prints its hash.
    Upload {
        #[command(flatten)]
        signer: Signer,
        /// Display name of the code.
        #[arg(long)]
        name: String,
        file: PathBuf,
    },
    /// Propose to governance that uploaded code may be instantiated.
    ProposeApproval {
        #[command(flatten)]
        signer: Signer,
        hash: String,
        /// Votes close at the end of the day this many days from now.
        #[arg(long, default_value_t = 7)]
        days: u64,
    },
    /// Create an instance of approved code with parameters (a department's CDO).
    Instantiate {
        #[command(flatten)]
        signer: Signer,
        #[arg(long)]
        code: String,
        #[arg(long)]
        label: String,
        /// A `key=value` parameter (repeatable).
        #[arg(long = "param")]
        params: Vec<String>,
        /// A file of `key=value` lines (instead of --param).
        #[arg(long)]
        params_file: Option<PathBuf>,
    },
    /// Bind an instance to one of your entries, or `--unbind`.
    Bind {
        #[command(flatten)]
        signer: Signer,
        #[arg(long)]
        entry: u64,
        #[arg(long, required_unless_present = "unbind")]
        instance: Option<u64>,
        #[arg(long, conflicts_with = "instance")]
        unbind: bool,
    },
    /// Move an instance to other approved code and/or parameters (the owner's CDO).
    Upgrade {
        #[command(flatten)]
        signer: Signer,
        instance: u64,
        #[arg(long)]
        code: String,
        /// New `key=value` parameters (repeatable); none keeps the current ones.
        #[arg(long = "param")]
        params: Vec<String>,
        #[arg(long)]
        params_file: Option<PathBuf>,
    },
    /// Instances, optionally of one owner.
    Instances {
        #[command(flatten)]
        list: ListArgs,
        #[arg(long)]
        owner: Option<String>,
    },
    /// One instance with its version history and bound entries.
    Show { id: u64 },
    /// The instance bound to a catalog entry.
    Policy { entry: u64 },
}

fn hash(raw: &str) -> Result<Hash> {
    raw.parse()
        .map_err(|_| anyhow::anyhow!("code hash must be 64 hex characters, got {raw:?}"))
}

/// The parameter text from `--param` values or a file; `None` when neither is given.
fn params_text(params: &[String], file: Option<&PathBuf>) -> Result<Option<String>> {
    match (params.is_empty(), file) {
        (false, Some(_)) => bail!("give --param or --params-file, not both"),
        (true, Some(f)) => Ok(Some(
            std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?,
        )),
        (false, None) => {
            for p in params {
                if !p.contains('=') {
                    bail!("--param must be key=value, got {p:?}");
                }
            }
            Ok(Some(params.join("\n")))
        }
        (true, None) => Ok(None),
    }
}

pub async fn run(c: &Client, w: u64, cmd: ContractCmd) -> Result<i32> {
    match cmd {
        ContractCmd::Codes(l) => print(&c.contract_codes(&query(&l)).await?),
        ContractCmd::Code { hash: raw, out } => {
            let h = hash(&raw)?;
            let meta = c.contract_code(&h).await?;
            if let Some(path) = out {
                let bytes = c.contract_wasm(&h).await?;
                std::fs::write(&path, bytes)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            print(&meta)
        }
        ContractCmd::Upload { signer, name, file } => {
            let code =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            out!("code hash {}", Hash::sha256(&code));
            send(c, w, &signer, |b| b.upload_contract_code(&name, code)).await
        }
        ContractCmd::ProposeApproval {
            signer,
            hash: raw,
            days,
        } => {
            let code_hash = hash(&raw)?;
            let now = c.status().await?.latest_block_time_ms.max(wall_clock_ms());
            send(c, w, &signer, |b| {
                b.submit_proposal(
                    ProposalAction::ApproveContractCode { code_hash },
                    now + days * 86_400_000,
                )
            })
            .await
        }
        ContractCmd::Instantiate {
            signer,
            code,
            label,
            params,
            params_file,
        } => {
            let h = hash(&code)?;
            let text = params_text(&params, params_file.as_ref())?.unwrap_or_default();
            send(c, w, &signer, |b| b.instantiate_contract(h, &label, &text)).await
        }
        ContractCmd::Bind {
            signer,
            entry,
            instance,
            unbind,
        } => {
            let instance = if unbind { None } else { instance };
            send(c, w, &signer, |b| b.bind_policy_contract(entry, instance)).await
        }
        ContractCmd::Upgrade {
            signer,
            instance,
            code,
            params,
            params_file,
        } => {
            let h = hash(&code)?;
            let text = params_text(&params, params_file.as_ref())?;
            send(c, w, &signer, |b| {
                b.upgrade_contract(instance, h, text.as_deref())
            })
            .await
        }
        ContractCmd::Instances { list, owner } => {
            let mut q = query(&list);
            if let Some(o) = owner {
                q = q.filter("owner", o);
            }
            print(&c.contract_instances(&q).await?)
        }
        ContractCmd::Show { id } => print(&c.contract_instance(id).await?),
        ContractCmd::Policy { entry } => print(&c.entry_policy(entry).await?),
    }
}
