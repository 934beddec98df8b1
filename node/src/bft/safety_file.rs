//! A second copy of the consensus safety record, kept next to the validator's key file
//! (`KEY_FILE.safety`), outside the data directory.
//!
//! Why: the record in the store rolls back with the store. A node restarted from a copy of
//! an old data directory (a restored backup, a cloned VM disk) with the same key would
//! otherwise forget what it signed since the copy was taken and could sign a conflicting
//! proposal or vote. The key and the record of its last signature travel together.
//!
//! Rules:
//! - written after the store's record and before the signature it covers leaves the node
//!   (`Effect::PersistSafety`): write a temporary file, fsync it, rename it over the old
//!   one, fsync the directory; a failed write is fatal, like the store's;
//! - at start (and whenever the core restarts) the guard gets the *later* of the two
//!   records; a record of another chain or key is ignored with a warning (a regenerated
//!   genesis), one that does not decode stops the node with the file's name.

use std::io::Write;
use std::path::{Path, PathBuf};

use kuai_consensus::SafetyRecord;
use kuai_types::codec;
use kuai_types::PublicKey;

use crate::error::NodeError;

/// The safety record's file next to a key file.
pub fn path_for_key(key_file: &Path) -> PathBuf {
    let mut s = key_file.as_os_str().to_os_string();
    s.push(".safety");
    PathBuf::from(s)
}

fn position(r: &SafetyRecord) -> (u64, u32, kuai_consensus::safety::SignStep) {
    (r.height, r.round, r.step)
}

/// The later of two records (by height, round, step).
pub fn later(a: Option<SafetyRecord>, b: Option<SafetyRecord>) -> Option<SafetyRecord> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if position(&b) > position(&a) { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// Reads the record, or `None` if there is none (or it is another chain's or key's).
pub fn read(
    path: &Path,
    chain_id: &str,
    validator: &PublicKey,
) -> Result<Option<SafetyRecord>, NodeError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let record: SafetyRecord =
        codec::decode(&bytes, 64 * 1024).map_err(|e| NodeError::Corrupt {
            what: format!("safety record {}", path.display()),
            reason: e.to_string(),
        })?;
    if record.chain_id != chain_id || record.validator != *validator {
        tracing::warn!(
            file = %path.display(),
            chain = %record.chain_id,
            "ignoring the safety record of another chain or key"
        );
        return Ok(None);
    }
    Ok(Some(record))
}

/// Replaces the record durably (temporary file, fsync, rename, fsync of the directory).
pub fn write(path: &Path, record: &SafetyRecord) -> Result<(), NodeError> {
    let mut tmp = path.as_os_str().to_os_string();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&codec::encode(record))?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kuai_consensus::safety::SignStep;
    use kuai_types::{Hash, Keypair};

    fn rec(height: u64, round: u32, step: SignStep) -> SafetyRecord {
        SafetyRecord {
            chain_id: "c".into(),
            validator: Keypair::from_seed("v").public(),
            height,
            round,
            step,
            value: None,
            digest: Hash::ZERO,
        }
    }

    #[test]
    fn later_record_wins_and_file_round_trips() {
        let a = rec(5, 0, SignStep::Precommit);
        let b = rec(6, 0, SignStep::Propose);
        assert_eq!(later(Some(a.clone()), Some(b.clone())), Some(b.clone()));
        assert_eq!(later(Some(b.clone()), Some(a.clone())), Some(b.clone()));
        assert_eq!(later(None, Some(a.clone())), Some(a.clone()));
        let dir = tempfile::tempdir().unwrap();
        let p = path_for_key(&dir.path().join("validator-0.key"));
        let key = Keypair::from_seed("v").public();
        assert_eq!(read(&p, "c", &key).unwrap(), None);
        write(&p, &b).unwrap();
        assert_eq!(read(&p, "c", &key).unwrap(), Some(b));
        assert_eq!(read(&p, "other", &key).unwrap(), None);
        std::fs::write(&p, b"junk").unwrap();
        assert!(read(&p, "c", &key).is_err());
    }
}
