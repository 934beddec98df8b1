//! `kuai-node backup` and `kuai-node restore`.
//!
//! Rules:
//! - `backup --config C --out DIR` writes a consistent RocksDB checkpoint of the node's
//!   store into DIR (which must not exist or be empty). When the node is running it holds
//!   the store's lock, so the backup is taken *by the node* through its operator route
//!   `POST /v1/admin/backup` (authorized by the admin token in the store directory; DIR is
//!   made absolute and must be on the node's machine); when it is stopped the store is
//!   opened here and checkpointed directly. Either way every block is one write batch, so
//!   the copy holds whole blocks: it is the state after some committed block;
//! - both check the copy before reporting it: it opens read-only, has a head, and the
//!   state tree's root at the head's height is the head's state root;
//! - `restore --from DIR --data-dir D` refuses a D that exists and is not empty, checks
//!   the backup, copies its files into D, checks the copy the same way and prints its
//!   height and state root. Point a node's `db_dir` at D and start it: it catches up
//!   from its peers; the safety record next to its key keeps it from signing anything
//!   conflicting with what it signed after the backup was taken.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use kuai_node::config::NodeConfig;
use kuai_node::store::admin::read_admin_token;
use kuai_node::store::{Head, Store};

fn is_empty_dir(p: &Path) -> Result<bool> {
    Ok(std::fs::read_dir(p)
        .with_context(|| format!("reading {}", p.display()))?
        .next()
        .is_none())
}

/// Makes `out` absolute (its parent must exist) and checks it is free.
fn target(out: &Path) -> Result<PathBuf> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let parent = parent
        .canonicalize()
        .with_context(|| format!("the parent of {} must exist", out.display()))?;
    let name = out
        .file_name()
        .with_context(|| format!("{} names no directory", out.display()))?;
    let abs = parent.join(name);
    if abs.exists() {
        if !abs.is_dir() || !is_empty_dir(&abs)? {
            bail!("{} exists and is not an empty directory", abs.display());
        }
        std::fs::remove_dir(&abs)?;
    }
    Ok(abs)
}

fn describe(head: &Head) -> String {
    format!(
        "height {} (block {}), state root {}",
        head.height, head.hash, head.state_root
    )
}

/// Whether the store's lock is held by a running node.
fn locked(err: &kuai_node::NodeError) -> bool {
    let s = err.to_string();
    s.contains("lock") || s.contains("Resource temporarily unavailable")
}

pub fn backup(config: &Path, out: &Path) -> Result<()> {
    let cfg = NodeConfig::load(config).with_context(|| format!("loading {}", config.display()))?;
    if !cfg.db_dir.join("CURRENT").exists() {
        bail!("{} holds no store", cfg.db_dir.display());
    }
    let out = target(out)?;
    let how = match Store::open(&cfg.db_dir) {
        Ok(store) => {
            store
                .checkpoint(&out)
                .with_context(|| format!("checkpoint into {}", out.display()))?;
            "stopped node: store opened directly"
        }
        Err(e) if locked(&e) => {
            backup_via_api(&cfg, &out)?;
            "running node: checkpoint taken by the node"
        }
        Err(e) => return Err(e).with_context(|| format!("opening {}", cfg.db_dir.display())),
    };
    let head = Store::open_read_only(&out)
        .and_then(|s| s.verify_head())
        .with_context(|| format!("checking the backup in {}", out.display()))?;
    println!("backup of {} in {} ({how})", describe(&head), out.display());
    Ok(())
}

/// `POST /v1/admin/backup` on the node's API, over plain HTTP/1.1.
fn backup_via_api(cfg: &NodeConfig, out: &Path) -> Result<()> {
    let token = read_admin_token(&cfg.db_dir).with_context(|| {
        format!(
            "the node holds {} but its admin token is unreadable",
            cfg.db_dir.display()
        )
    })?;
    let mut addr = cfg.api_addr;
    if addr.ip().is_unspecified() {
        addr = SocketAddr::new([127, 0, 0, 1].into(), addr.port());
    }
    let body = serde_json::json!({ "out": out.display().to_string() }).to_string();
    let request = format!(
        "POST /v1/admin/backup HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream =
        TcpStream::connect_timeout(&addr, Duration::from_secs(5)).with_context(|| {
            format!("the store is locked but the node's API {addr} does not answer")
        })?;
    stream.set_read_timeout(Some(Duration::from_secs(300)))?;
    stream.write_all(request.as_bytes())?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .with_context(|| format!("unexpected answer from {addr}"))?;
    if status != 200 {
        let body = response.split("\r\n\r\n").nth(1).unwrap_or("");
        bail!("the node refused the backup (HTTP {status}): {body}");
    }
    Ok(())
}

pub fn restore(from: &Path, data_dir: &Path) -> Result<()> {
    if data_dir.exists() && (!data_dir.is_dir() || !is_empty_dir(data_dir)?) {
        bail!(
            "refusing to overwrite {}: it exists and is not empty",
            data_dir.display()
        );
    }
    let source = Store::open_read_only(from)
        .and_then(|s| s.verify_head())
        .with_context(|| format!("{} is not a usable backup", from.display()))?;
    std::fs::create_dir_all(data_dir)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        if !entry.file_type()?.is_file() {
            bail!("unexpected entry {} in the backup", entry.path().display());
        }
        let to = data_dir.join(entry.file_name());
        std::fs::copy(entry.path(), &to)
            .with_context(|| format!("copying {}", entry.path().display()))?;
        std::fs::File::open(&to)?.sync_all()?;
    }
    std::fs::File::open(data_dir)?.sync_all()?;
    let head = Store::open_read_only(data_dir)
        .and_then(|s| s.verify_head())
        .with_context(|| format!("checking the restored store in {}", data_dir.display()))?;
    if head != source {
        bail!("the restored store's head differs from the backup's");
    }
    println!("restored {} into {}", describe(&head), data_dir.display());
    Ok(())
}
