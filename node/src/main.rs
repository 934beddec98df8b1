//! `kuai-node`: init a node directory, run a node, or start the local dev chain.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use kuai_node::clock::{DevClock, WallClock};
use kuai_node::config::{NodeConfig, ProducerConfig};
use kuai_node::init::{self, InitOptions, CONFIG_FILE, DEV_TEMPLATE};
use kuai_node::{dev, node};

#[derive(Parser)]
#[command(
    name = "kuai-node",
    version,
    about = "Kuai validator node: a permissioned ledger for government data sharing"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Create a node directory: keys, genesis.json and config.toml.
    Init {
        #[arg(long)]
        dir: PathBuf,
        /// Genesis template (default: the built-in dev consortium, genesis/dev.json).
        #[arg(long)]
        genesis_template: Option<PathBuf>,
        #[arg(long)]
        chain_id: Option<String>,
        #[arg(long, default_value = "127.0.0.1:8080")]
        api: SocketAddr,
    },
    /// Run a node from its config file.
    Run {
        #[arg(long)]
        config: PathBuf,
    },
    /// Start (or resume) a local chain with sample departments, catalog and requests.
    Dev {
        #[arg(long, default_value = ".kuai-dev")]
        data_dir: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8080")]
        api: SocketAddr,
    },
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn init_logging(format: &str) {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn load(config: &std::path::Path) -> Result<NodeConfig> {
    NodeConfig::load(config).with_context(|| format!("loading {}", config.display()))
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Init {
            dir,
            genesis_template,
            chain_id,
            api,
        } => {
            let template = match genesis_template {
                Some(p) => std::fs::read_to_string(&p)
                    .with_context(|| format!("reading {}", p.display()))?,
                None => DEV_TEMPLATE.to_string(),
            };
            let path = init::init(&InitOptions {
                dir,
                template,
                chain_id,
                api_addr: api,
                producer: ProducerConfig::default(),
                now_ms: now_ms(),
            })?;
            println!("initialized {}", path.display());
            Ok(())
        }
        Cmd::Run { config } => {
            let cfg = load(&config)?;
            init_logging(&cfg.log_format);
            let running = node::start(&cfg, Arc::new(WallClock)).await?;
            println!("kuai-node: API on http://{}", running.api_addr);
            running.wait().await?;
            Ok(())
        }
        Cmd::Dev { data_dir, api } => {
            init_logging("text");
            let config = data_dir.join(CONFIG_FILE);
            let now = now_ms();
            if !config.exists() {
                // The genesis lies in the past, so the seeded history has real deadlines behind it.
                init::init(&InitOptions {
                    dir: data_dir.clone(),
                    template: DEV_TEMPLATE.to_string(),
                    chain_id: None,
                    api_addr: api,
                    producer: ProducerConfig {
                        block_interval_ms: 100,
                        ..ProducerConfig::default()
                    },
                    now_ms: now - dev::HISTORY_DAYS * 86_400_000,
                })?;
            }
            let mut cfg = load(&config)?;
            cfg.api_addr = api;
            let clock = Arc::new(DevClock::default());
            let running = node::start(&cfg, clock.clone()).await?;
            let url = format!("http://{}", running.api_addr);
            match dev::seed(running.chain.clone(), &data_dir.join("keys"), &clock, now).await {
                Ok(true) => println!("seeded the sample consortium"),
                Ok(false) => println!("resumed at height {}", running.chain.head().height),
                Err(e) => bail!("seeding failed: {e}"),
            }
            println!("{}", dev::tour(&url, &data_dir));
            running.wait().await?;
            Ok(())
        }
    }
}
