//! `kuai-node`: init a node directory or a local testnet, run a node, or start the local
//! dev consortium.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use kuai_node::clock::{DevClock, WallClock};
use kuai_node::config::{NodeConfig, ProducerConfig};
use kuai_node::init::{self, InitOptions, CONFIG_FILE, DEV_TEMPLATE};
use kuai_node::testnet::{self, TestnetOptions};
use kuai_node::{dev, node};

mod backup;

/// jemalloc instead of glibc's allocator: a validator allocates and frees many
/// short-lived buffers on several threads (blocks, batches, encodings), and glibc's
/// arenas spent a tenth of its CPU in `malloc`, `free` and their consolidation. Measured
/// in docs/BENCHMARKS.md (saturated throughput +6% for the domain mix, +9% for
/// contract-decided requests). Only Rust's allocations: serving RocksDB's C++ ones too
/// (`unprefixed_malloc_on_supported_platforms`) cut resident memory by about a sixth, but
/// a process whose `malloc` is jemalloc's deadlocks at start under `LD_PRELOAD` tools
/// such as libfaketime, which the clock-skew fault test (scripts/faults.sh) uses.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

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
    /// Create a single-validator node directory: keys, genesis.json and config.toml.
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
    /// Create the directories of an N-validator consortium on this machine.
    Testnet {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long, default_value_t = 4)]
        validators: usize,
        #[arg(long)]
        genesis_template: Option<PathBuf>,
        #[arg(long)]
        chain_id: Option<String>,
        /// API of validator I listens on this port + I.
        #[arg(long, default_value_t = 8080)]
        api_base: u16,
        /// Validator I listens for peers on this port + I.
        #[arg(long, default_value_t = 26656)]
        p2p_base: u16,
    },
    /// Run a node from its config file.
    Run {
        #[arg(long)]
        config: PathBuf,
    },
    /// Measure how fast this machine checks ed25519 signatures now, on one core (single
    /// and in batches), and print it as JSON: the yardstick for benchmark figures.
    Calibrate {
        /// Seconds to spend on each kind (0.1 to 60).
        #[arg(long, default_value_t = 1.0)]
        secs: f64,
    },
    /// Write a consistent copy of a node's store into DIR, while it runs or not.
    Backup {
        /// The node's config file (its store, API address and admin token).
        #[arg(long)]
        config: PathBuf,
        /// A directory to create (or an empty one).
        #[arg(long)]
        out: PathBuf,
    },
    /// Copy a backup into an empty data directory, check it and print its height and
    /// state root.
    Restore {
        #[arg(long)]
        from: PathBuf,
        /// The store directory to create (a node's `db_dir`).
        #[arg(long)]
        data_dir: PathBuf,
    },
    /// Start (or resume) a local 4-validator consortium with sample departments, catalog
    /// and a history of requests, in this process.
    Dev {
        #[arg(long, default_value = ".kuai-dev")]
        data_dir: PathBuf,
        /// API of validator 0; validators 1-3 use the next ports.
        #[arg(long, default_value = "127.0.0.1:8080")]
        api: SocketAddr,
        #[arg(long, default_value_t = 4)]
        validators: usize,
    },
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn init_logging(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,libp2p=warn".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn load(config: &Path) -> Result<NodeConfig> {
    NodeConfig::load(config).with_context(|| format!("loading {}", config.display()))
}

fn template(path: Option<PathBuf>) -> Result<String> {
    match path {
        Some(p) => std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display())),
        None => Ok(DEV_TEMPLATE.to_string()),
    }
}

/// Checks the CPU before anything else runs (a build's instruction-set extensions on a
/// CPU without them would die with "Illegal instruction"), then runs the command on a
/// multi-threaded tokio runtime.
fn main() -> Result<()> {
    kuai_types::cpu::check_build_features()?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?
        .block_on(run())
}

async fn run() -> Result<()> {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Init {
            dir,
            genesis_template,
            chain_id,
            api,
        } => {
            let path = init::init(&InitOptions {
                dir,
                template: template(genesis_template)?,
                chain_id,
                api_addr: api,
                producer: ProducerConfig::default(),
                now_ms: now_ms(),
            })?;
            println!("initialized {}", path.display());
            Ok(())
        }
        Cmd::Testnet {
            dir,
            validators,
            genesis_template,
            chain_id,
            api_base,
            p2p_base,
        } => {
            let paths = testnet::generate(&TestnetOptions {
                dir,
                template: template(genesis_template)?,
                validators,
                chain_id,
                host: "127.0.0.1".parse()?,
                api_base,
                p2p_base,
                producer: ProducerConfig {
                    block_interval_ms: 5,
                    ..ProducerConfig::default()
                },
                now_ms: now_ms(),
            })?;
            for p in paths {
                println!("{}", p.display());
            }
            Ok(())
        }
        Cmd::Run { config } => {
            let cfg = load(&config)?;
            init_logging(&cfg.log_format);
            let running = node::start(&cfg, Arc::new(WallClock)).await?;
            let base = config.parent().unwrap_or(Path::new("."));
            kuai_node::gateway::start(
                cfg.gateway.as_ref(),
                base,
                &running.chain,
                cfg.subject_key()?,
            )?;
            println!("kuai-node: API on http://{}", running.api_addr);
            running.wait().await?;
            Ok(())
        }
        Cmd::Calibrate { secs } => {
            if !(0.1..=60.0).contains(&secs) {
                bail!("--secs must be between 0.1 and 60, not {secs}");
            }
            let rates = kuai_node::calibrate::signature_rates(Duration::from_secs_f64(secs))?;
            println!("{}", serde_json::to_string(&rates)?);
            Ok(())
        }
        Cmd::Backup { config, out } => backup::backup(&config, &out),
        Cmd::Restore { from, data_dir } => backup::restore(&from, &data_dir),
        Cmd::Dev {
            data_dir,
            api,
            validators,
        } => run_dev(data_dir, api, validators).await,
    }
}

async fn run_dev(data_dir: PathBuf, api: SocketAddr, validators: usize) -> Result<()> {
    init_logging("text");
    if data_dir.join(CONFIG_FILE).exists() && !data_dir.join("node-0").exists() {
        bail!("{} holds a single-node chain of an older version; remove it or choose another --data-dir", data_dir.display());
    }
    let now = now_ms();
    if !data_dir.join("genesis.json").exists() {
        // The genesis lies in the past, so the seeded history has real deadlines behind it.
        testnet::generate(&TestnetOptions {
            dir: data_dir.clone(),
            template: DEV_TEMPLATE.to_string(),
            validators,
            chain_id: None,
            host: api.ip(),
            api_base: api.port(),
            p2p_base: api.port().wrapping_add(100),
            producer: ProducerConfig {
                block_interval_ms: 50,
                ..ProducerConfig::default()
            },
            now_ms: now - dev::HISTORY_DAYS * 86_400_000,
        })?;
    }
    dev::datasets::ensure(&data_dir)?;
    // All validators share one dev clock, so the seeded history has consistent block times.
    let clock = Arc::new(DevClock::default());
    let mut nodes = Vec::new();
    for i in 0.. {
        let path = testnet::node_config_path(&data_dir, i);
        if !path.exists() {
            break;
        }
        let mut cfg = load(&path)?;
        cfg.api_addr = SocketAddr::new(api.ip(), api.port() + i as u16);
        nodes.push(node::start(&cfg, clock.clone()).await?);
    }
    let Some(first) = nodes.first() else {
        bail!("{} has no validator directories", data_dir.display())
    };
    let url = format!("http://{}", first.api_addr);
    match dev::seed(first, &data_dir.join("keys"), &clock, now).await {
        Ok(true) => println!("seeded the sample consortium"),
        Ok(false) => println!("resumed at height {}", first.chain.head().height),
        Err(e) => bail!("seeding failed: {e}"),
    }
    kuai_node::gateway::start(
        Some(&dev::datasets::gateway_config()),
        &data_dir,
        &first.chain,
        Some(kuai_node::gateway::read_secret(
            &data_dir.join("keys/subject.secret"),
        )?),
    )?;
    let others: Vec<String> = nodes
        .iter()
        .skip(1)
        .map(|n| format!("http://{}", n.api_addr))
        .collect();
    println!("{}", dev::tour(&url, &data_dir));
    println!(
        "{} validators; the others' APIs: {}",
        nodes.len(),
        others.join(" ")
    );
    node::wait_all(nodes).await?;
    Ok(())
}
