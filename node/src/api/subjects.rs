//! "Who accessed my data": the access events that concern a person (resident ID number)
//! or a company (credit code).
//!
//! The ledger never holds the number: each access event names its data subjects by keyed
//! hash (HMAC-SHA256 under the consortium's subject key, `identifiers::subject_hash`) and
//! the runtime indexes them. A node that holds the key hashes the number it is asked about
//! and lists the indexed events. The key is consortium-wide: generated with the genesis
//! (`keys/subject.secret`), handed to member organizations out of band, and replaced by
//! all members together (a new key only covers deliveries recorded after the change);
//! the number asked about is used for the lookup and never stored or logged.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use kuai_runtime::keys;
use kuai_types::api::ErrorBody;
use kuai_types::codec::{self, MAX_STATE_VALUE_BYTES};
use kuai_types::identifiers::subject_hash;
use kuai_types::model::AccessEvent;

use super::error::{ApiError, ApiResult};
use super::AppState;
use crate::error::NodeError;

/// Most events one answer lists (the newest first).
const MAX_LISTED: usize = 500;

#[utoipa::path(get, path = "/v1/subjects/{identifier}/accesses", tag = "records",
    params(("identifier" = String, Path, description = "Resident ID number or unified social credit code")),
    responses(
        (status = 200, description = "Access events that delivered records of this subject, newest first", body = Vec<AccessEvent>),
        (status = 400, body = ErrorBody), (status = 503, description = "This node holds no subject key", body = ErrorBody)))]
pub async fn subject_accesses(
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<Vec<AccessEvent>> {
    let key = s.subject_key.ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no_subject_key",
            "this node holds no subject key (subject_key_file)",
        )
    })?;
    let subject = subject_hash(&key, &raw).map_err(|_| {
        ApiError::bad_request("not a valid resident ID number or unified social credit code")
    })?;
    let prefix = keys::subject_accesses(&subject);
    let store = s.chain.store();
    let mut events = Vec::new();
    for (k, _) in store.scan_state(&prefix, None, 100_000)? {
        let Some(id) = keys::numeric_id(&k) else {
            continue;
        };
        if let Some(bytes) = store.raw_state(&keys::access_event(id))? {
            let e: AccessEvent =
                codec::decode(&bytes, MAX_STATE_VALUE_BYTES).map_err(|e| NodeError::Corrupt {
                    what: "access event".into(),
                    reason: e.to_string(),
                })?;
            events.push(e);
        }
    }
    events.sort_by_key(|e| std::cmp::Reverse(e.id));
    events.truncate(MAX_LISTED);
    Ok(Json(events))
}
