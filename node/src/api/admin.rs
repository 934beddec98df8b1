//! Operator routes, outside the public OpenAPI document: `POST /v1/admin/backup` takes a
//! consistent RocksDB checkpoint of the running node's store (what `kuai-node backup`
//! calls when the node holds its store's lock).
//!
//! Rules: every request must carry `Authorization: Bearer TOKEN` with the token the node
//! wrote into its store directory at start (`crate::store::admin`), else 401; the target
//! directory is a path on the node's machine, must be absolute and must not exist (409);
//! the checkpoint runs off the async runtime and is consistent at a block boundary.

use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::error::ApiError;
use super::AppState;
use crate::store::admin::{read_admin_token, token_matches};

/// `POST /v1/admin/backup` body.
#[derive(Debug, Serialize, Deserialize)]
pub struct BackupRequest {
    /// Absolute path of a directory to create on the node's machine.
    pub out: String,
}

/// What a backup holds.
#[derive(Debug, Serialize, Deserialize)]
pub struct BackupDone {
    pub out: String,
    pub height: u64,
    pub block_hash: String,
    pub state_root: String,
}

fn authorize(s: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let unauthorized = |m: &str| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", m);
    let expected = read_admin_token(s.chain.store().path())
        .map_err(|_| unauthorized("this node has no admin token"))?;
    let given = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| unauthorized("missing Authorization: Bearer <admin token>"))?;
    if !token_matches(&expected, given.trim()) {
        return Err(unauthorized("wrong admin token"));
    }
    Ok(())
}

/// Takes a checkpoint of the live store into `out` and reports the head it holds.
pub async fn backup(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<BackupRequest>, JsonRejection>,
) -> Result<Json<BackupDone>, ApiError> {
    authorize(&s, &headers)?;
    let Json(req) = body?;
    let out = std::path::PathBuf::from(&req.out);
    if !out.is_absolute() {
        return Err(ApiError::bad_request("out must be an absolute path"));
    }
    if out.exists() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "exists",
            format!("{} already exists", out.display()),
        ));
    }
    let chain = s.chain.clone();
    let head = tokio::task::spawn_blocking(move || {
        chain.store().checkpoint(&out)?;
        crate::store::Store::open_read_only(&out)?.verify_head()
    })
    .await
    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))??;
    Ok(Json(BackupDone {
        out: req.out,
        height: head.height,
        block_hash: head.hash.to_string(),
        state_root: head.state_root.to_string(),
    }))
}
