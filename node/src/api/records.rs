//! Routes over the records the ledger holds: organizations, catalog entries, share
//! requests, grants and access events. Listings are in id order with `?limit=&after=`
//! cursors; filters narrow a listing without breaking its pages.

use std::sync::{Arc, Mutex};

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use kuai_runtime::keys;
use kuai_types::access_bucket::{AccessBucket, BucketMembership};
use kuai_types::api::{ErrorBody, Proven, StateProofView};
use kuai_types::codec::{self, MAX_STATE_VALUE_BYTES};
use kuai_types::identifiers::check_credit_code;
use kuai_types::model::{AccessEvent, CatalogEntry, Grant, Organization, Page, ShareRequest};
use kuai_types::Hash;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use utoipa::IntoParams;

use super::error::{ApiError, ApiResult};
use super::params::{self, ListParams};
use super::AppState;
use crate::error::NodeError;

/// Scans `prefix` from the cursor, keeps values passing `keep`, returns one page.
/// `cursor_key` turns the `after` text into a full key; `cursor_of` gives an item's cursor.
pub(super) fn page<T: DeserializeOwned>(
    s: &AppState,
    prefix: &[u8],
    q: &ListParams,
    cursor_key: impl Fn(&str) -> Result<Vec<u8>, ApiError>,
    cursor_of: impl Fn(&T) -> String,
    keep: impl Fn(&T) -> bool,
) -> ApiResult<Page<T>> {
    let limit = params::limit(q.limit)?;
    let mut after = q.after.as_deref().map(&cursor_key).transpose()?;
    let mut items = Vec::new();
    loop {
        let batch = s.chain.store().scan_state(prefix, after.as_deref(), 256)?;
        let exhausted = batch.len() < 256;
        for (k, v) in batch {
            after = Some(k);
            let item: T =
                codec::decode(&v, MAX_STATE_VALUE_BYTES).map_err(|e| NodeError::Corrupt {
                    what: "state value".into(),
                    reason: e.to_string(),
                })?;
            if keep(&item) {
                items.push(item);
                if items.len() == limit {
                    let next = items.last().map(&cursor_of);
                    return Ok(Json(Page { items, next }));
                }
            }
        }
        if exhausted {
            return Ok(Json(Page { items, next: None }));
        }
    }
}

pub(super) fn numeric_cursor(prefix: &'static [u8]) -> impl Fn(&str) -> Result<Vec<u8>, ApiError> {
    move |raw| Ok([prefix, &params::numeric_id("after", raw)?.to_be_bytes()].concat())
}

pub(super) fn one<T: DeserializeOwned>(s: &AppState, key: &[u8], what: String) -> ApiResult<T> {
    s.chain
        .store()
        .state_value(key)?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("{what} does not exist")))
}

/// `?proof=true` on a record's route.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProofQuery {
    /// Return the record with a Merkle proof, the header and its commit certificate.
    pub proof: Option<bool>,
}

/// The record (404 when absent), or with `?proof=true` the record at the head height
/// with its proof of inclusion (or of absence: `value` null, still 200).
pub(super) fn record<T: DeserializeOwned + serde::Serialize>(
    s: &AppState,
    key: &[u8],
    what: String,
    q: Result<Query<ProofQuery>, QueryRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Query(q) = q?;
    if !q.proof.unwrap_or(false) {
        let Json(v) = one::<T>(s, key, what)?;
        return Ok(Json(to_json(&v)?));
    }
    proven::<T>(s, key)
}

/// The record under `key` (or its absence) with its state proof at the head.
fn proven<T: DeserializeOwned + serde::Serialize>(
    s: &AppState,
    key: &[u8],
) -> Result<Json<serde_json::Value>, ApiError> {
    let (value, proof) = proven_at_head(s, key)?;
    let value: Option<T> = value.map(|b| decode_state(&b)).transpose()?;
    Ok(Json(to_json(&Proven { value, proof })?))
}

fn decode_state<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, NodeError> {
    codec::decode(bytes, MAX_STATE_VALUE_BYTES).map_err(|e| NodeError::Corrupt {
        what: "state value".into(),
        reason: e.to_string(),
    })
}

/// The value under a state key at the head height with its proof, the header and its
/// certificate.
fn proven_at_head(s: &AppState, key: &[u8]) -> Result<(Option<Vec<u8>>, StateProofView), ApiError> {
    let store = s.chain.store();
    let height = s.chain.head().height;
    let (header, _) = store.block_header(height)?.ok_or_else(|| {
        ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "no_block",
            "the chain has no block yet to prove against",
        )
    })?;
    let (value, proof, root) = store.state_proof(key, height)?;
    if root != header.state_root {
        return Err(NodeError::Corrupt {
            what: "state tree".into(),
            reason: format!("root at {height} differs from the header"),
        }
        .into());
    }
    let view = StateProofView {
        height,
        key: hex::encode(key),
        merkle_proof: serde_json::to_value(&proof).map_err(|e| NodeError::Corrupt {
            what: "proof".into(),
            reason: e.to_string(),
        })?,
        header,
        certificate: store.certificate(height)?,
        access_bucket: None,
    };
    Ok((value, view))
}

/// An access event with its proof: under access buckets, the state proof of its
/// block's bucket and its place in it (`kuai_types::access_bucket`); before them, the
/// state proof of the record itself. An id no event has is a 404 under buckets (the
/// tree has no leaf whose absence would show it).
fn proven_access_event(s: &AppState, id: u64) -> Result<Json<serde_json::Value>, ApiError> {
    let store = s.chain.store();
    let Some(bytes) = store.raw_state(&keys::access_event(id))? else {
        return Err(ApiError::not_found(format!(
            "access event {id} does not exist"
        )));
    };
    let event: AccessEvent = decode_state(&bytes)?;
    if !kuai_runtime::access_buckets::in_force(store, event.height).map_err(NodeError::from)? {
        return proven::<AccessEvent>(s, &keys::access_event(id));
    }
    let (bucket, mut proof) = proven_at_head(s, &keys::access_bucket(event.height))?;
    if proof.height < event.height {
        // Committed to the store, not yet the head this node proves against.
        return Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "not_yet_provable",
            format!(
                "access event {id} is in block {}, above the head {}; retry",
                event.height, proof.height
            ),
        ));
    }
    let corrupt = |reason: String| bucket_corrupt(event.height, reason);
    let bucket: AccessBucket = decode_state(&bucket.ok_or_else(|| corrupt("missing".into()))?)?;
    let leaves = bucket_leaves(store, &bucket)?;
    let membership = BucketMembership::from_leaves(&bucket, &leaves, id)
        .ok_or_else(|| corrupt(format!("does not hold access event {id}")))?;
    proof.access_bucket = Some(membership);
    Ok(Json(to_json(&Proven {
        value: Some(event),
        proof,
    })?))
}

fn bucket_corrupt(height: u64, reason: String) -> NodeError {
    NodeError::Corrupt {
        what: format!("access bucket of block {height}"),
        reason,
    }
}

/// The leaf hashes of the last bucket proven from, by its root: an audit export asks
/// for a block's events one after another, and each proof needs all of its block's
/// leaves (a block holds up to thousands). The root names its leaves (they were checked
/// to hash to it), so one entry serves every node and chain in the process.
static LAST_BUCKET: Mutex<Option<(Hash, Arc<Vec<Hash>>)>> = Mutex::new(None);

/// The leaves of a bucket's records, read from the state (or the last bucket's).
fn bucket_leaves(
    store: &crate::store::Store,
    bucket: &AccessBucket,
) -> Result<Arc<Vec<Hash>>, NodeError> {
    let cached = LAST_BUCKET
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    if let Some((_, leaves)) = cached.filter(|(root, _)| *root == bucket.root) {
        return Ok(leaves);
    }
    let corrupt = |reason: String| bucket_corrupt(bucket.height, reason);
    let mut leaves = Vec::with_capacity(bucket.count.min(1 << 16) as usize);
    for i in bucket.first_id..bucket.first_id.saturating_add(bucket.count) {
        let r = store
            .raw_state(&keys::access_event(i))?
            .ok_or_else(|| corrupt(format!("access event {i} missing")))?;
        leaves.push(kuai_types::access_bucket::leaf(&r));
    }
    if kuai_types::hash::merkle_root(&leaves) != bucket.root {
        return Err(corrupt("its records do not hash to its root".into()));
    }
    let leaves = Arc::new(leaves);
    *LAST_BUCKET.lock().unwrap_or_else(|p| p.into_inner()) = Some((bucket.root, leaves.clone()));
    Ok(leaves)
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<serde_json::Value, NodeError> {
    serde_json::to_value(v).map_err(|e| NodeError::Corrupt {
        what: "record".into(),
        reason: e.to_string(),
    })
}

#[utoipa::path(get, path = "/v1/organizations", tag = "records", params(ListParams),
    responses((status = 200, body = Page<Organization>), (status = 400, body = ErrorBody)))]
pub async fn organizations(
    State(s): State<AppState>,
    q: Result<Query<ListParams>, QueryRejection>,
) -> ApiResult<Page<Organization>> {
    let Query(q) = q?;
    page(
        &s,
        keys::ORGANIZATION,
        &q,
        |raw| Ok(keys::organization(raw)),
        |o: &Organization| o.credit_code.clone(),
        |_| true,
    )
}

#[utoipa::path(get, path = "/v1/organizations/{credit_code}", tag = "records",
    params(ProofQuery, ("credit_code" = String, Path, description = "Unified social credit code")),
    responses((status = 200, body = Organization), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn organization(
    State(s): State<AppState>,
    Path(raw): Path<String>,
    q: Result<Query<ProofQuery>, QueryRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let code = check_credit_code(&raw).map_err(|e| ApiError::bad_request(e.to_string()))?;
    record::<Organization>(
        &s,
        &keys::organization(&code),
        format!("organization {code}"),
        q,
    )
}

/// Filters of the catalog listing.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CatalogFilter {
    /// Providing department's credit code.
    pub provider: Option<String>,
    /// `unconditional`, `conditional` or `not_shareable`.
    pub share_type: Option<String>,
    /// `open`, `on_application` or `not_open`.
    pub open_mode: Option<String>,
    /// Classification prefix, e.g. `population`.
    pub classification: Option<String>,
    /// `true`: only entries on the negative list.
    pub negative_list: Option<bool>,
}

fn enum_name<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

fn one_of(what: &str, value: &Option<String>, allowed: &[&str]) -> Result<(), ApiError> {
    match value {
        Some(v) if !allowed.contains(&v.as_str()) => Err(ApiError::bad_request(format!(
            "{what} must be one of {}, got {v:?}",
            allowed.join(", ")
        ))),
        _ => Ok(()),
    }
}

#[utoipa::path(get, path = "/v1/catalog", tag = "records", params(ListParams, CatalogFilter),
    responses((status = 200, body = Page<CatalogEntry>), (status = 400, body = ErrorBody)))]
pub async fn catalog(
    State(s): State<AppState>,
    q: Result<Query<ListParams>, QueryRejection>,
    f: Result<Query<CatalogFilter>, QueryRejection>,
) -> ApiResult<Page<CatalogEntry>> {
    let (Query(q), Query(f)) = (q?, f?);
    one_of(
        "share_type",
        &f.share_type,
        &["unconditional", "conditional", "not_shareable"],
    )?;
    one_of(
        "open_mode",
        &f.open_mode,
        &["open", "on_application", "not_open"],
    )?;
    page(
        &s,
        keys::CATALOG_ENTRY,
        &q,
        numeric_cursor(keys::CATALOG_ENTRY),
        |e: &CatalogEntry| e.id.to_string(),
        |e| {
            f.provider.as_ref().is_none_or(|p| &e.provider == p)
                && f.share_type
                    .as_ref()
                    .is_none_or(|t| &enum_name(&e.spec.share_type) == t)
                && f.open_mode
                    .as_ref()
                    .is_none_or(|m| &enum_name(&e.spec.open_mode) == m)
                && f.classification
                    .as_ref()
                    .is_none_or(|c| e.spec.classification.starts_with(c.as_str()))
                && f.negative_list
                    .is_none_or(|n| e.negative_list_basis.is_some() == n)
        },
    )
}

#[utoipa::path(get, path = "/v1/catalog/{id}", tag = "records",
    params(ProofQuery, ("id" = u64, Path, description = "Catalog entry id")),
    responses((status = 200, body = CatalogEntry), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn catalog_entry(
    State(s): State<AppState>,
    Path(raw): Path<String>,
    q: Result<Query<ProofQuery>, QueryRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = params::numeric_id("catalog entry id", &raw)?;
    record::<CatalogEntry>(
        &s,
        &keys::catalog_entry(id),
        format!("catalog entry {id}"),
        q,
    )
}

/// Filters of the share request listing.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestFilter {
    pub entry: Option<u64>,
    /// Requesting organization's credit code.
    pub requester: Option<String>,
    /// Providing department's credit code.
    pub provider: Option<String>,
    /// `pending`, `granted`, `rejected` or `withdrawn`.
    pub status: Option<String>,
    /// `true`: only requests marked overdue.
    pub overdue: Option<bool>,
}

#[utoipa::path(get, path = "/v1/share-requests", tag = "records", params(ListParams, RequestFilter),
    responses((status = 200, body = Page<ShareRequest>), (status = 400, body = ErrorBody)))]
pub async fn share_requests(
    State(s): State<AppState>,
    q: Result<Query<ListParams>, QueryRejection>,
    f: Result<Query<RequestFilter>, QueryRejection>,
) -> ApiResult<Page<ShareRequest>> {
    let (Query(q), Query(f)) = (q?, f?);
    if let Some(st) = f
        .status
        .as_deref()
        .filter(|s| !["pending", "granted", "rejected"].contains(s))
    {
        return Err(ApiError::bad_request(format!(
            "status must be pending, granted or rejected, got {st:?}"
        )));
    }
    page(
        &s,
        keys::SHARE_REQUEST,
        &q,
        numeric_cursor(keys::SHARE_REQUEST),
        |r: &ShareRequest| r.id.to_string(),
        |r| {
            f.entry.is_none_or(|e| r.entry_id == e)
                && f.requester.as_ref().is_none_or(|x| &r.requester == x)
                && f.provider.as_ref().is_none_or(|x| &r.provider == x)
                && f.status.as_ref().is_none_or(|st| r.status.name() == st)
                && f.overdue.is_none_or(|o| r.overdue == o)
        },
    )
}

#[utoipa::path(get, path = "/v1/share-requests/{id}", tag = "records",
    params(ProofQuery, ("id" = u64, Path, description = "Share request id")),
    responses((status = 200, body = ShareRequest), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn share_request(
    State(s): State<AppState>,
    Path(raw): Path<String>,
    q: Result<Query<ProofQuery>, QueryRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = params::numeric_id("share request id", &raw)?;
    record::<ShareRequest>(
        &s,
        &keys::share_request(id),
        format!("share request {id}"),
        q,
    )
}

/// Filters of grant and access listings.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GrantFilter {
    pub entry: Option<u64>,
    /// Grantee's credit code.
    pub grantee: Option<String>,
}

#[utoipa::path(get, path = "/v1/grants", tag = "records", params(ListParams, GrantFilter),
    responses((status = 200, body = Page<Grant>), (status = 400, body = ErrorBody)))]
pub async fn grants(
    State(s): State<AppState>,
    q: Result<Query<ListParams>, QueryRejection>,
    f: Result<Query<GrantFilter>, QueryRejection>,
) -> ApiResult<Page<Grant>> {
    let (Query(q), Query(f)) = (q?, f?);
    page(
        &s,
        keys::GRANT,
        &q,
        numeric_cursor(keys::GRANT),
        |g: &Grant| g.id.to_string(),
        |g| {
            f.entry.is_none_or(|e| g.entry_id == e)
                && f.grantee.as_ref().is_none_or(|x| &g.grantee == x)
        },
    )
}

#[utoipa::path(get, path = "/v1/grants/{id}", tag = "records",
    params(ProofQuery, ("id" = u64, Path, description = "Grant id")),
    responses((status = 200, body = Grant), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn grant(
    State(s): State<AppState>,
    Path(raw): Path<String>,
    q: Result<Query<ProofQuery>, QueryRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = params::numeric_id("grant id", &raw)?;
    record::<Grant>(&s, &keys::grant(id), format!("grant {id}"), q)
}

/// Filters of the access event listing.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccessFilter {
    pub entry: Option<u64>,
    pub grant: Option<u64>,
    /// Accessing organization's credit code.
    pub accessor_org: Option<String>,
    /// Providing department's credit code.
    pub provider: Option<String>,
    /// Purpose contains this text.
    pub purpose: Option<String>,
    /// From this block time (ms, inclusive).
    pub from: Option<u64>,
    /// Up to this block time (ms, exclusive).
    pub to: Option<u64>,
}

#[utoipa::path(get, path = "/v1/access-events", tag = "records", params(ListParams, AccessFilter),
    responses((status = 200, body = Page<AccessEvent>), (status = 400, body = ErrorBody)))]
pub async fn access_events(
    State(s): State<AppState>,
    q: Result<Query<ListParams>, QueryRejection>,
    f: Result<Query<AccessFilter>, QueryRejection>,
) -> ApiResult<Page<AccessEvent>> {
    let (Query(q), Query(f)) = (q?, f?);
    page(
        &s,
        keys::ACCESS_EVENT,
        &q,
        numeric_cursor(keys::ACCESS_EVENT),
        |a: &AccessEvent| a.id.to_string(),
        |a| {
            f.entry.is_none_or(|e| a.entry_id == e)
                && f.grant.is_none_or(|g| a.grant_id == g)
                && f.accessor_org.as_ref().is_none_or(|x| &a.accessor_org == x)
                && f.provider.as_ref().is_none_or(|x| &a.provider == x)
                && f.purpose
                    .as_ref()
                    .is_none_or(|x| a.purpose.contains(x.as_str()))
                && f.from.is_none_or(|t| a.time >= t)
                && f.to.is_none_or(|t| a.time < t)
        },
    )
}

#[utoipa::path(get, path = "/v1/access-events/{id}", tag = "records",
    params(ProofQuery, ("id" = u64, Path, description = "Access event id")),
    responses((status = 200, body = AccessEvent), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn access_event(
    State(s): State<AppState>,
    Path(raw): Path<String>,
    q: Result<Query<ProofQuery>, QueryRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = params::numeric_id("access event id", &raw)?;
    let Query(pq) = q?;
    if pq.proof.unwrap_or(false) {
        return proven_access_event(&s, id);
    }
    record::<AccessEvent>(
        &s,
        &keys::access_event(id),
        format!("access event {id}"),
        Ok(Query(pq)),
    )
}
