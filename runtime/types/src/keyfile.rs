//! Key files: JSON `{"public_key": hex, "secret_key": hex}`, written with mode 0600
//! and never overwritten silently.

use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

use crate::crypto::{hex_array, Keypair};
use crate::error::TypesError;

#[derive(Serialize, Deserialize)]
struct KeyFile {
    public_key: String,
    secret_key: String,
}

fn err(path: &Path, reason: impl ToString) -> TypesError {
    TypesError::KeyFile {
        path: path.display().to_string(),
        reason: reason.to_string(),
    }
}

/// Writes `key` to a new file at `path`; fails if the file exists.
pub fn write(path: &Path, key: &Keypair) -> Result<(), TypesError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| err(path, e))?;
    }
    let body = serde_json::to_string_pretty(&KeyFile {
        public_key: key.public().to_hex(),
        secret_key: hex::encode(key.secret_bytes()),
    })
    .map_err(|e| err(path, e))?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(path).map_err(|e| err(path, e))?;
    f.write_all(body.as_bytes()).map_err(|e| err(path, e))?;
    f.sync_all().map_err(|e| err(path, e))
}

/// Reads a key file and checks that its public key matches its secret key.
pub fn read(path: &Path) -> Result<Keypair, TypesError> {
    let text = std::fs::read_to_string(path).map_err(|e| err(path, e))?;
    let kf: KeyFile =
        serde_json::from_str(&text).map_err(|e| err(path, format!("not a key file: {e}")))?;
    let secret = hex_array::<32>(&kf.secret_key).map_err(|e| err(path, e))?;
    let key = Keypair::from_secret(secret);
    if key.public().to_hex() != kf.public_key.trim().to_ascii_lowercase() {
        return Err(err(path, "public key does not match the secret key"));
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_read_and_refuse_overwrite() {
        let dir = std::env::temp_dir().join(format!("kuai-keyfile-{}", std::process::id()));
        let path = dir.join("a.key");
        let _ = std::fs::remove_file(&path);
        let k = Keypair::generate();
        write(&path, &k).unwrap();
        assert_eq!(read(&path).unwrap().public(), k.public());
        assert!(write(&path, &k).is_err(), "must not overwrite");
        std::fs::write(&path, "{}").unwrap();
        assert!(read(&path)
            .unwrap_err()
            .to_string()
            .contains("not a key file"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
