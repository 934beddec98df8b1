//! A second copy of the consensus safety record, kept next to the validator's key file
//! (`KEY_FILE.safety`), outside the data directory.
//!
//! Why: the record in the store rolls back with the store. A node restarted from a copy of
//! an old data directory (a restored backup, a cloned VM disk) with the same key would
//! otherwise forget what it signed since the copy was taken and could sign a conflicting
//! proposal or vote. The key and the record of its last signature travel together.
//!
//! Rules:
//! - the file holds two fixed slots of [`SLOT_BYTES`]; each write goes to the slot that
//!   does not hold the latest record, as `magic, length, SHA-256 prefix, record`, and is
//!   synced (`fdatasync`) before the signature it covers leaves the node
//!   (`Effect::PersistSafety`). A write torn by a crash leaves that slot unreadable and the
//!   other slot's record (whose signature was the last one released) intact: one sync per
//!   signature, no rename, no directory sync after the file exists;
//! - the record in the store is written too, unsynced when this file is kept (the file
//!   alone carries safety; the store copy serves a node run without a key-side file),
//!   except before a precommit when candidate blocks were stored since the store's last
//!   sync: then that write is synced so the block a lock names is durable before the
//!   lock leaves (see `Store::put_candidate`);
//! - at start (and whenever the core restarts) the guard gets the *later* of the two
//!   records; a record of another chain or key is ignored with a warning (a regenerated
//!   genesis); a file in which no slot reads stops the node with the file's name. A
//!   file of the earlier format (the bare record) is read as one slot.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use kuai_consensus::SafetyRecord;
use kuai_types::codec;
use kuai_types::PublicKey;
use sha2::{Digest, Sha256};

use crate::error::NodeError;

/// The safety record's file next to a key file.
pub fn path_for_key(key_file: &Path) -> PathBuf {
    sibling(key_file, ".safety")
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

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

/// Bytes of one slot; a record is far smaller (chain id, height, round, step, hashes).
pub const SLOT_BYTES: usize = 4096;
const MAGIC: &[u8; 4] = b"KSR2";
const HEADER: usize = 4 + 4 + 8;

fn checksum(payload: &[u8]) -> [u8; 8] {
    let d = Sha256::digest(payload);
    let mut out = [0u8; 8];
    out.copy_from_slice(&d[..8]);
    out
}

fn corrupt(path: &Path, reason: impl Into<String>) -> NodeError {
    NodeError::Corrupt {
        what: format!("safety record {}", path.display()),
        reason: reason.into(),
    }
}

/// The record in one slot, if the slot holds a whole one.
fn slot_record(slot: &[u8]) -> Option<SafetyRecord> {
    if slot.len() < HEADER || &slot[..4] != MAGIC {
        return None;
    }
    let len = u32::from_le_bytes(slot[4..8].try_into().ok()?) as usize;
    let payload = slot.get(HEADER..HEADER + len)?;
    if checksum(payload)[..] != slot[8..16] {
        return None;
    }
    codec::decode(payload, SLOT_BYTES).ok()
}

/// Whose records count: the chain's and the validator's own.
struct Owner<'a> {
    chain_id: &'a str,
    validator: &'a PublicKey,
}

impl Owner<'_> {
    fn owns(&self, r: &SafetyRecord) -> bool {
        r.chain_id == self.chain_id && r.validator == *self.validator
    }
}

/// The latest of the owner's records in the file's bytes and the slot it is in. A
/// record of another chain or key (a regenerated genesis, a replaced key) counts as
/// "nothing signed" and never hides the owner's record in the other slot.
fn latest(
    path: &Path,
    bytes: &[u8],
    owner: &Owner<'_>,
) -> Result<Option<(usize, SafetyRecord)>, NodeError> {
    if bytes.is_empty() {
        return Ok(None);
    }
    let warn_foreign = |r: &SafetyRecord| {
        tracing::warn!(
            file = %path.display(),
            chain = %r.chain_id,
            "ignoring the safety record of another chain or key"
        )
    };
    if bytes.starts_with(MAGIC) || bytes.len() == 2 * SLOT_BYTES {
        let slots: Vec<&[u8]> = bytes.chunks(SLOT_BYTES).take(2).collect();
        let whole: Vec<(usize, SafetyRecord)> = slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| slot_record(s).map(|r| (i, r)))
            .collect();
        let (ours, foreign): (Vec<_>, Vec<_>) = whole.into_iter().partition(|(_, r)| owner.owns(r));
        foreign.iter().for_each(|(_, r)| warn_foreign(r));
        let best = ours.into_iter().max_by_key(|(_, r)| position(r));
        let written = slots.iter().filter(|s| s.iter().any(|b| *b != 0)).count();
        return match best {
            Some(found) => Ok(Some(found)),
            // No record of ours: either none was ever written here, or only the very
            // first write was torn (beside nothing, or beside a foreign record); its
            // signature never left the node.
            None if written <= 1 + foreign.len() => Ok(None),
            None => Err(corrupt(path, "neither slot holds a whole record")),
        };
    }
    // The earlier format: the encoded record alone.
    let r: SafetyRecord =
        codec::decode(bytes, 64 * 1024).map_err(|e| corrupt(path, e.to_string()))?;
    if owner.owns(&r) {
        Ok(Some((1, r)))
    } else {
        warn_foreign(&r);
        Ok(None)
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
    let owner = Owner {
        chain_id,
        validator,
    };
    Ok(latest(path, &bytes, &owner)?.map(|(_, r)| r))
}

/// The open safety file: each [`SafetyFile::write`] is one slot write and one sync.
pub struct SafetyFile {
    path: PathBuf,
    file: File,
    next_slot: usize,
}

impl SafetyFile {
    /// Opens (or creates, syncing its directory once) the file next to the key, for the
    /// records of `chain_id` and `validator`.
    pub fn open(
        path: &Path,
        chain_id: &str,
        validator: &PublicKey,
    ) -> Result<SafetyFile, NodeError> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        let owner = Owner {
            chain_id,
            validator,
        };
        let found = latest(path, &bytes, &owner)?;
        let slotted = bytes.len() == 2 * SLOT_BYTES;
        if !slotted {
            // New, or the earlier format: build the slotted file beside it and rename it
            // over, so the earlier record is never absent from disk.
            let tmp = sibling(path, ".tmp");
            let mut f = SafetyFile {
                path: tmp.clone(),
                file: File::create(&tmp)?,
                next_slot: 0,
            };
            f.file.set_len(2 * SLOT_BYTES as u64)?;
            if let Some((_, record)) = &found {
                f.write(record)?;
            }
            f.file.sync_all()?;
            std::fs::rename(&tmp, path)?;
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d,
                _ => Path::new("."),
            };
            File::open(dir)?.sync_all()?;
        }
        let file = OpenOptions::new().read(true).write(true).open(path)?;
        let next_slot = match found {
            Some((slot, _)) if slotted => 1 - slot,
            Some(_) => 1,
            None => 0,
        };
        Ok(SafetyFile {
            path: path.to_path_buf(),
            file,
            next_slot,
        })
    }

    /// Writes `record` into the slot not holding the latest record, and syncs it.
    pub fn write(&mut self, record: &SafetyRecord) -> Result<(), NodeError> {
        let payload = codec::encode(record);
        if HEADER + payload.len() > SLOT_BYTES {
            return Err(corrupt(&self.path, "record larger than a slot"));
        }
        let mut slot = Vec::with_capacity(SLOT_BYTES);
        slot.extend_from_slice(MAGIC);
        slot.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        slot.extend_from_slice(&checksum(&payload));
        slot.extend_from_slice(&payload);
        slot.resize(SLOT_BYTES, 0);
        self.file
            .write_all_at(&slot, (self.next_slot * SLOT_BYTES) as u64)?;
        self.file.sync_data()?;
        self.next_slot = 1 - self.next_slot;
        Ok(())
    }
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
        let mut f = SafetyFile::open(&p, "c", &key).unwrap();
        f.write(&a).unwrap();
        assert_eq!(read(&p, "c", &key).unwrap(), Some(a.clone()));
        f.write(&b).unwrap();
        assert_eq!(read(&p, "c", &key).unwrap(), Some(b.clone()));
        assert_eq!(read(&p, "other", &key).unwrap(), None);
        // Reopened, it writes over the older slot, never the latest.
        let c = rec(6, 1, SignStep::Prevote);
        SafetyFile::open(&p, "c", &key).unwrap().write(&c).unwrap();
        assert_eq!(read(&p, "c", &key).unwrap(), Some(c));
        std::fs::write(&p, b"junk").unwrap();
        assert!(read(&p, "c", &key).is_err());
    }

    #[test]
    fn a_torn_write_leaves_the_previous_record() {
        let dir = tempfile::tempdir().unwrap();
        let p = path_for_key(&dir.path().join("validator-0.key"));
        let key = Keypair::from_seed("v").public();
        let mut f = SafetyFile::open(&p, "c", &key).unwrap();
        let (a, b) = (rec(7, 0, SignStep::Prevote), rec(7, 0, SignStep::Precommit));
        f.write(&a).unwrap();
        f.write(&b).unwrap();
        // A crash in the middle of the next write (into a's slot, slot 0): half a slot.
        let mut bytes = std::fs::read(&p).unwrap();
        bytes[HEADER + 3] ^= 0xff;
        std::fs::write(&p, &bytes).unwrap();
        assert_eq!(read(&p, "c", &key).unwrap(), Some(b.clone()));
        // Both slots unreadable: an error naming the file, never "nothing signed".
        bytes[SLOT_BYTES + HEADER + 3] ^= 0xff;
        std::fs::write(&p, &bytes).unwrap();
        let e = read(&p, "c", &key).unwrap_err().to_string();
        assert!(e.contains("validator-0.key.safety"), "{e}");
    }

    #[test]
    fn a_record_of_another_chain_never_hides_this_chains() {
        let dir = tempfile::tempdir().unwrap();
        let p = path_for_key(&dir.path().join("validator-0.key"));
        let key = Keypair::from_seed("v").public();
        // The old chain's record, far ahead, in slot 0.
        let mut old = rec(1000, 0, SignStep::Precommit);
        old.chain_id = "old".into();
        SafetyFile::open(&p, "old", &key)
            .unwrap()
            .write(&old)
            .unwrap();
        // A regenerated genesis: the foreign record counts as nothing signed, and the
        // new chain's first signature may go over it.
        assert_eq!(read(&p, "c", &key).unwrap(), None);
        let first = rec(1, 0, SignStep::Prevote);
        SafetyFile::open(&p, "c", &key)
            .unwrap()
            .write(&first)
            .unwrap();
        assert_eq!(read(&p, "c", &key).unwrap(), Some(first.clone()));
        // Reopened, the next write never goes over `first`, the latest record.
        let second = rec(1, 0, SignStep::Precommit);
        let bytes = std::fs::read(&p).unwrap();
        let first_slot = (0..2)
            .find(|i| {
                slot_record(&bytes[i * SLOT_BYTES..(i + 1) * SLOT_BYTES]) == Some(first.clone())
            })
            .unwrap();
        SafetyFile::open(&p, "c", &key)
            .unwrap()
            .write(&second)
            .unwrap();
        let bytes = std::fs::read(&p).unwrap();
        let at = |i: usize| slot_record(&bytes[i * SLOT_BYTES..(i + 1) * SLOT_BYTES]);
        assert_eq!(at(first_slot), Some(first));
        assert_eq!(at(1 - first_slot), Some(second.clone()));
        assert_eq!(read(&p, "c", &key).unwrap(), Some(second));
        // The old chain's record beside one of ours in the other slot: ours wins even
        // though the foreign one is far ahead.
        let mut bytes = std::fs::read(&p).unwrap();
        let foreign_file = dir.path().join("foreign");
        SafetyFile::open(&foreign_file, "old", &key)
            .unwrap()
            .write(&old)
            .unwrap();
        let foreign = std::fs::read(&foreign_file).unwrap();
        bytes[first_slot * SLOT_BYTES..(first_slot + 1) * SLOT_BYTES]
            .copy_from_slice(&foreign[..SLOT_BYTES]);
        std::fs::write(&p, &bytes).unwrap();
        assert_eq!(
            read(&p, "c", &key).unwrap(),
            Some(rec(1, 0, SignStep::Precommit))
        );
        // A torn first write beside a foreign record: nothing of ours was signed.
        let mut bytes = vec![0u8; 2 * SLOT_BYTES];
        let mut g = SafetyFile::open(&dir.path().join("x"), "old", &key).unwrap();
        g.write(&old).unwrap();
        bytes[..SLOT_BYTES]
            .copy_from_slice(&std::fs::read(dir.path().join("x")).unwrap()[..SLOT_BYTES]);
        bytes[SLOT_BYTES..SLOT_BYTES + 10].copy_from_slice(b"KSR2garbag");
        std::fs::write(&p, &bytes).unwrap();
        assert_eq!(read(&p, "c", &key).unwrap(), None);
    }

    #[test]
    fn the_earlier_single_record_format_is_read_and_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let p = path_for_key(&dir.path().join("validator-0.key"));
        let key = Keypair::from_seed("v").public();
        let old = rec(9, 2, SignStep::Precommit);
        std::fs::write(&p, codec::encode(&old)).unwrap();
        assert_eq!(read(&p, "c", &key).unwrap(), Some(old.clone()));
        let mut f = SafetyFile::open(&p, "c", &key).unwrap();
        assert_eq!(std::fs::metadata(&p).unwrap().len(), 2 * SLOT_BYTES as u64);
        assert_eq!(read(&p, "c", &key).unwrap(), Some(old.clone()));
        let next = rec(10, 0, SignStep::Propose);
        f.write(&next).unwrap();
        assert_eq!(read(&p, "c", &key).unwrap(), Some(next));
    }
}
