//! The one error enum of the SDK.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum ClientError {
    #[error("cannot reach node at {url}: {source}")]
    Connect { url: String, source: reqwest::Error },
    #[error("node answered {status} {code}: {message}")]
    Api {
        status: u16,
        code: String,
        message: String,
    },
    #[error("unexpected answer from {url}: {reason}")]
    Decode { url: String, reason: String },
    #[error("transaction {hash} was not committed within {seconds} s")]
    Timeout { hash: String, seconds: u64 },
    #[error("transaction {hash} was rejected in block {height}: {code}: {reason}")]
    Rejected {
        hash: String,
        height: u64,
        code: String,
        reason: String,
    },
    #[error("block {height} does not verify: {reason}")]
    Unverified { height: u64, reason: String },
    #[error("invalid node URL {0:?}: use http://host:port")]
    BadUrl(String),
    #[error(transparent)]
    Types(#[from] kuai_types::TypesError),
}

impl ClientError {
    /// True when the node said the thing asked for does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, ClientError::Api { status: 404, .. })
    }

    /// True when the node refused an asynchronously submitted transaction after
    /// answering (`GET /v1/tx/{hash}` code `refused`): it will never commit.
    pub fn is_refused(&self) -> bool {
        matches!(self, ClientError::Api { status: 404, code, .. } if code == "refused")
    }
}

/// The error a node answered with: its JSON error body, or the first 200 characters of
/// whatever else it sent.
pub(crate) fn api_error(status: u16, bytes: &[u8]) -> ClientError {
    match serde_json::from_slice::<kuai_types::api::ErrorBody>(bytes) {
        Ok(b) => ClientError::Api {
            status,
            code: b.error.code,
            message: b.error.message,
        },
        Err(_) => ClientError::Api {
            status,
            code: "http".into(),
            message: String::from_utf8_lossy(bytes).chars().take(200).collect(),
        },
    }
}
