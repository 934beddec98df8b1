//! Runs real `kuai-node` processes for integration tests: each on a temp directory
//! and an OS-chosen loopback port, killed by PID when dropped.

#![allow(dead_code)]

pub mod chains;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use kuai_client::{keyfile, Keypair};

/// The `kuai-node` binary: the one cargo built for this test, or, when this test binary
/// was reused from a target directory another checkout built (and the path baked in is
/// gone), the one beside it in the same target directory.
pub static BIN: std::sync::LazyLock<PathBuf> = std::sync::LazyLock::new(|| {
    let baked = PathBuf::from(env!("CARGO_BIN_EXE_kuai-node"));
    if baked.exists() {
        return baked;
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    // target/<profile>/deps/<test> -> target/<profile>/kuai-node
    exe.parent()
        .and_then(Path::parent)
        .map(|d| d.join("kuai-node"))
        .unwrap_or(baked)
});

/// `kuai-node init` with the dev template on an OS-chosen port.
pub fn init(dir: &Path, chain_id: &str) {
    let out = Command::new(&*BIN)
        .args(["init", "--dir"])
        .arg(dir)
        .args(["--api", "127.0.0.1:0", "--chain-id", chain_id])
        .output()
        .expect("run kuai-node init");
    assert!(
        out.status.success(),
        "init failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A well-formed transaction signed by `k` for chain `another-chain`: refused at the door.
pub fn wrong_chain_tx(k: &Keypair) -> kuai_client::types::SignedTransaction {
    use kuai_client::types::payload::RejectShareRequest;
    use kuai_client::types::{Payload, Transaction};
    Transaction {
        chain_id: "another-chain".into(),
        signer: k.public(),
        nonce: 0,
        payload: Payload::RejectShareRequest(RejectShareRequest {
            request_id: 1,
            reason: "x".into(),
        }),
    }
    .sign(k)
}

pub fn key(dir: &Path, name: &str) -> Keypair {
    keyfile::read(&dir.join("keys").join(format!("{name}.key"))).expect("read key")
}

pub struct NodeProc {
    pub child: Child,
    pub url: String,
    pub dir: PathBuf,
}

impl NodeProc {
    /// Starts `kuai-node run` and waits (at most 60 s) until it prints its API address.
    pub fn start(dir: &Path) -> NodeProc {
        Self::start_with(dir, &dir.join("config.toml"))
    }

    /// Like [`NodeProc::start`] with an explicit config file; the log goes to `dir/node.log`.
    pub fn start_with(dir: &Path, config: &Path) -> NodeProc {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("node.log"))
            .expect("open log");
        let mut child = Command::new(&*BIN)
            .arg("run")
            .arg("--config")
            .arg(config)
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("spawn kuai-node");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("kuai-node: API on ") {
                    let _ = tx.send(url.trim().to_string());
                }
            }
        });
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(url) => NodeProc {
                child,
                url,
                dir: dir.to_path_buf(),
            },
            Err(_) => {
                let _ = child.kill();
                let log = std::fs::read_to_string(dir.join("node.log")).unwrap_or_default();
                panic!("node did not start within 60 s; log:\n{log}");
            }
        }
    }

    /// SIGKILL, as a crash: no shutdown code runs.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for NodeProc {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A base port with `n` free ports above it, for APIs and for p2p.
pub fn free_base(n: u16) -> u16 {
    for _ in 0..200 {
        let base = 20_000 + (rand_u16() % 20_000);
        if (0..n).all(|i| std::net::TcpListener::bind(("127.0.0.1", base + i)).is_ok()) {
            return base;
        }
    }
    panic!("no free port range");
}

fn rand_u16() -> u16 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    ((t ^ std::process::id().wrapping_mul(2_654_435_761)) % 65_521) as u16
}

/// `kuai-node testnet` with `n` validators on free loopback ports.
pub fn testnet(dir: &Path, n: usize, chain_id: &str) {
    let api = free_base(n as u16);
    let p2p = free_base(n as u16 + 1);
    let out = std::process::Command::new(&*BIN)
        .args([
            "testnet",
            "--validators",
            &n.to_string(),
            "--chain-id",
            chain_id,
            "--api-base",
            &api.to_string(),
            "--p2p-base",
            &p2p.to_string(),
            "--dir",
        ])
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `kuai-node testnet` with `n` validators, each started as a process.
pub fn start_testnet(dir: &Path, n: usize, chain_id: &str) -> Vec<NodeProc> {
    testnet(dir, n, chain_id);
    (0..n)
        .map(|i| NodeProc::start_with(dir, &dir.join(format!("node-{i}/config.toml"))))
        .collect()
}

/// The `kuai` CLI next to `kuai-node` (built by scripts/test.sh; built here if missing).
pub fn kuai_bin() -> std::path::PathBuf {
    let path = BIN.with_file_name("kuai");
    if !path.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-p", "kuai-client", "--bin", "kuai"])
            .status()
            .expect("run cargo");
        assert!(status.success(), "building the kuai CLI failed");
    }
    path
}

/// A conditional, open-on-application catalog entry with two sensitive fields
/// (`id_number`, `name`), for tests that need any entry.
pub fn entry_spec(name: &str) -> kuai_client::types::model::CatalogEntrySpec {
    use kuai_client::types::model::*;
    CatalogEntrySpec {
        name: name.into(),
        classification: "population/basic".into(),
        security_grade: 2,
        format: "csv".into(),
        fields: ["id_number", "name"]
            .iter()
            .map(|f| FieldSpec {
                name: f.to_string(),
                sensitivity: Sensitivity::Sensitive,
                masking: MaskingRule::IdNumber,
                element_code: None,
            })
            .collect(),
        update_frequency: "daily".into(),
        share_type: ShareType::Conditional,
        legal_basis: None,
        share_methods: vec![ShareMethod::Api],
        open_mode: OpenMode::OnApplication,
        usage_requirements: "stated purpose only".into(),
        approval_threshold: None,
    }
}

/// Uploads `code` (police's CDO) and passes its approval through governance with the
/// dev consortium's CDOs; returns its hash.
pub async fn approve_code(
    c: &kuai_client::Client,
    dir: &Path,
    name: &str,
    code: &[u8],
) -> kuai_client::types::Hash {
    use kuai_client::types::model::{ProposalAction, ProposalStatus};
    use kuai_client::types::{Event, Hash};
    use kuai_client::TxBuilder;
    let wait = Duration::from_secs(30);
    let hash = Hash::sha256(code);
    let mut police = TxBuilder::for_key(c, key(dir, "police-cdo")).await.unwrap();
    c.submit_and_wait(&police.upload_contract_code(name, code.to_vec()), wait)
        .await
        .unwrap();
    let now = c.status().await.unwrap().latest_block_time_ms;
    let r = c
        .submit_and_wait(
            &police.submit_proposal(
                ProposalAction::ApproveContractCode { code_hash: hash },
                now + 7 * 86_400_000,
            ),
            wait,
        )
        .await
        .unwrap();
    let id = r
        .events
        .iter()
        .find_map(|e| match e {
            Event::ProposalSubmitted { proposal_id, .. } => Some(*proposal_id),
            _ => None,
        })
        .unwrap();
    for voter in ["market-cdo", "civil-cdo", "health-cdo", "operator-cdo"] {
        if c.proposal(id).await.unwrap().status != ProposalStatus::Open {
            break;
        }
        let mut b = TxBuilder::for_key(c, key(dir, voter)).await.unwrap();
        c.submit_and_wait(&b.vote_proposal(id, true), wait)
            .await
            .unwrap();
    }
    assert!(matches!(
        c.proposal(id).await.unwrap().status,
        ProposalStatus::Passed { .. }
    ));
    hash
}

/// A committed build of a sample policy contract (`contracts/wasm/NAME.wasm`).
pub fn policy_wasm(name: &str) -> Vec<u8> {
    // The package directory at run time, not at build time (see [`BIN`]).
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into());
    let path = dir.join(format!("../contracts/wasm/{name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The value of the unlabelled metric `name` (e.g. `kuai_synced_blocks_total`) in a
/// node's `/metrics` text, if it is there.
pub fn metric(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}
