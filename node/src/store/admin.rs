//! The admin token: operator routes (`/v1/admin/*`, e.g. a live backup) are authorized by
//! a random secret the node writes into its store directory at every start.
//!
//! Rules: the token is 32 random bytes from the OS (hex), in `DB_DIR/admin.token`, mode
//! 0600, replaced at each start; a request carries it as `Authorization: Bearer TOKEN`;
//! it is compared in constant time. Whoever can read the node's store can already copy
//! it, so the token grants nothing more than file access to the node's data does.
//! RocksDB ignores the file (it is not one of its own), and checkpoints do not copy it.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::error::NodeError;

/// The token's file name in the store directory.
pub const ADMIN_TOKEN_FILE: &str = "admin.token";

fn token_path(db_dir: &Path) -> PathBuf {
    db_dir.join(ADMIN_TOKEN_FILE)
}

/// Writes a fresh token (readable by the owner only) and returns it.
pub fn write_admin_token(db_dir: &Path) -> Result<String, NodeError> {
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    let token = hex::encode(bytes);
    let path = token_path(db_dir);
    let _ = std::fs::remove_file(&path);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(&path)?;
    f.write_all(token.as_bytes())?;
    Ok(token)
}

/// The token of the node running on `db_dir`.
pub fn read_admin_token(db_dir: &Path) -> Result<String, NodeError> {
    Ok(std::fs::read_to_string(token_path(db_dir))?
        .trim()
        .to_string())
}

/// Constant-time comparison of a presented token with the expected one.
pub fn token_matches(expected: &str, given: &str) -> bool {
    let (a, b) = (expected.as_bytes(), given.as_bytes());
    if a.len() != b.len() || a.is_empty() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let t = write_admin_token(dir.path()).unwrap();
        assert_eq!(t.len(), 64);
        assert_eq!(read_admin_token(dir.path()).unwrap(), t);
        assert!(token_matches(&t, &t));
        assert!(!token_matches(&t, &t[1..]));
        assert!(!token_matches("", ""));
        let t2 = write_admin_token(dir.path()).unwrap();
        assert_ne!(t, t2);
    }
}
