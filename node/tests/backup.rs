//! `kuai-node backup` while the node runs, `kuai-node restore`, and the restored node
//! rejoining a 4-validator consortium.
//!
//! Asserts: the live backup goes through the running node (its store is locked) and holds
//! a committed block whose header carries the backup's state root; `restore` refuses a
//! non-empty data directory; the restored store has the backup's height and state root;
//! a validator started on it catches up with the others and has their block hashes.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::NodeProc;
use kuai_client::Client;

const WAIT: Duration = Duration::from_secs(60);

async fn height(c: &Client) -> u64 {
    c.status().await.map(|s| s.height).unwrap_or(0)
}

async fn wait_height(c: &Client, h: u64) {
    let start = Instant::now();
    while height(c).await < h {
        assert!(
            start.elapsed() < WAIT,
            "height {h} not reached within {WAIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn run(args: &[&str], paths: &[&Path]) -> (bool, String) {
    let mut cmd = Command::new(&*common::BIN);
    let mut p = paths.iter();
    for a in args {
        if *a == "{}" {
            cmd.arg(p.next().expect("path"));
        } else {
            cmd.arg(a);
        }
    }
    let out = cmd.output().expect("run kuai-node");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// "... height H (block X), state root R ..." -> (H, R)
fn height_and_root(line: &str) -> (u64, String) {
    let h = line
        .split("height ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no height in {line:?}"));
    let root = line
        .split("state root ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap_or_else(|| panic!("no state root in {line:?}"))
        .to_string();
    (h, root)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_backup_restore_and_rejoin() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut nodes = common::start_testnet(dir, 4, "kuai-backup-it");
    let clients: Vec<Client> = nodes.iter().map(|n| Client::new(&n.url).unwrap()).collect();
    wait_height(&clients[1], 3).await;

    // A backup of validator 1 while it runs: taken by the node itself.
    let config = dir.join("node-1/config.toml");
    let out = dir.join("backup-1");
    let (ok, line) = run(
        &["backup", "--config", "{}", "--out", "{}"],
        &[&config, &out],
    );
    assert!(ok, "backup failed: {line}");
    assert!(line.contains("running node"), "{line}");
    let (bh, broot) = height_and_root(&line);
    let header = clients[2].block(&bh.to_string()).await.unwrap();
    assert_eq!(header.header.state_root.to_string(), broot, "height {bh}");
    // A second backup into the same place is refused.
    let (ok, line2) = run(
        &["backup", "--config", "{}", "--out", "{}"],
        &[&config, &out],
    );
    assert!(!ok, "{line2}");

    // Stop it; restore refuses its non-empty store, then restores into a fresh one.
    nodes[1].kill9();
    let db = dir.join("node-1/db");
    let (ok, msg) = run(
        &["restore", "--from", "{}", "--data-dir", "{}"],
        &[&out, &db],
    );
    assert!(!ok && msg.contains("refusing to overwrite"), "{msg}");
    let restored = dir.join("node-1/db.restored");
    let (ok, rline) = run(
        &["restore", "--from", "{}", "--data-dir", "{}"],
        &[&out, &restored],
    );
    assert!(ok, "restore failed: {rline}");
    assert_eq!(height_and_root(&rline), (bh, broot.clone()));

    // Started on the restored store, it rejoins and has the others' blocks.
    let text = std::fs::read_to_string(&config).unwrap();
    let text = text.replace("db_dir = \"db\"", "db_dir = \"db.restored\"");
    std::fs::write(&config, text).unwrap();
    nodes[1] = NodeProc::start_with(dir, &config);
    let c1 = Client::new(&nodes[1].url).unwrap();
    let target = height(&clients[0]).await + 2;
    wait_height(&c1, target).await;
    wait_height(&clients[0], target).await;
    for h in 1..=target {
        let a = clients[0].block(&h.to_string()).await.unwrap();
        let b = c1.block(&h.to_string()).await.unwrap();
        assert_eq!(a.hash, b.hash, "height {h}");
    }

    // Offline: with the node stopped, backup opens the store directly.
    nodes[3].kill9();
    let out3 = dir.join("backup-3");
    let (ok, line3) = run(
        &["backup", "--config", "{}", "--out", "{}"],
        &[&dir.join("node-3/config.toml"), &out3],
    );
    assert!(ok && line3.contains("stopped node"), "{line3}");
}
