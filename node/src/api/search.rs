//! Read-only lookups for the explorer: one search box over blocks, transactions,
//! organizations, catalog entries and share requests, and the list of holiday calendars
//! (so a page can count working days without probing `/v1/calendar/{year}` year by year).
//!
//! Rules: a search never fails for an unknown value, it answers an empty `hits` list;
//! a number finds the block at that height, the catalog entry, share request and grant
//! with that id; 64 hex characters find a transaction (committed or pending), a block
//! hash or a member key; any text finds organizations by credit code or name and
//! catalog entries by name or classification (case-insensitive, at most [`MAX_HITS`]).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use kuai_runtime::keys;
use kuai_types::api::ErrorBody;
use kuai_types::codec::{self, MAX_STATE_VALUE_BYTES};
use kuai_types::model::{CatalogEntry, Grant, HolidayCalendar, Organization, ShareRequest};
use kuai_types::{Hash, PublicKey};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::{ApiError, ApiResult};
use super::AppState;
use crate::error::NodeError;

/// Most hits one search returns.
pub const MAX_HITS: usize = 50;
/// Longest query accepted.
const MAX_QUERY_CHARS: usize = 200;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// A height, id, hash, key, credit code, or part of a name.
    pub q: Option<String>,
}

/// What a hit is; `id` is what the matching `/v1` route takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HitKind {
    Block,
    Transaction,
    Organization,
    CatalogEntry,
    ShareRequest,
    Grant,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SearchHit {
    pub kind: HitKind,
    /// Height, hash, credit code or numeric id.
    pub id: String,
    /// A short description (name, status, or block of a transaction).
    pub label: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SearchResults {
    pub query: String,
    pub hits: Vec<SearchHit>,
}

fn scan_all<T: DeserializeOwned>(s: &AppState, prefix: &[u8]) -> Result<Vec<T>, ApiError> {
    s.chain
        .store()
        .scan_state(prefix, None, 100_000)?
        .into_iter()
        .map(|(_, v)| {
            codec::decode(&v, MAX_STATE_VALUE_BYTES).map_err(|e| {
                ApiError::from(NodeError::Corrupt {
                    what: "state value".into(),
                    reason: e.to_string(),
                })
            })
        })
        .collect()
}

fn hit(kind: HitKind, id: impl ToString, label: impl Into<String>) -> SearchHit {
    SearchHit {
        kind,
        id: id.to_string(),
        label: label.into(),
    }
}

#[utoipa::path(get, path = "/v1/search", tag = "records", params(SearchParams),
    responses((status = 200, description = "What the text names, best matches first", body = SearchResults),
              (status = 400, body = ErrorBody)))]
pub async fn search(
    State(s): State<AppState>,
    q: Result<Query<SearchParams>, QueryRejection>,
) -> ApiResult<SearchResults> {
    let Query(q) = q?;
    let query = q.q.unwrap_or_default().trim().to_string();
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::bad_request(format!(
            "q must be at most {MAX_QUERY_CHARS} characters"
        )));
    }
    let mut hits = Vec::new();
    if query.is_empty() {
        return Ok(Json(SearchResults { query, hits }));
    }
    let store = s.chain.store();

    if let Ok(n) = query.parse::<u64>() {
        if n <= s.chain.head().height {
            if let Some((_, tx_count)) = store.block_header(n)? {
                let label = format!("{tx_count} tx");
                hits.push(hit(HitKind::Block, n, label));
            }
        }
        if let Some(e) = store.state_value::<CatalogEntry>(&keys::catalog_entry(n))? {
            hits.push(hit(HitKind::CatalogEntry, n, e.spec.name));
        }
        if let Some(r) = store.state_value::<ShareRequest>(&keys::share_request(n))? {
            let label = format!("{} · {}", r.status.name(), r.purpose);
            hits.push(hit(HitKind::ShareRequest, n, label));
        }
        if let Some(g) = store.state_value::<Grant>(&keys::grant(n))? {
            hits.push(hit(HitKind::Grant, n, g.purpose));
        }
    }

    let lower = query.to_lowercase();
    if lower.len() == 64 && lower.bytes().all(|b| b.is_ascii_hexdigit()) {
        if let Ok(hash) = lower.parse::<Hash>() {
            if let Some(loc) = store.tx_location(&hash)? {
                let label = format!("block {} #{}", loc.height, loc.index);
                hits.push(hit(HitKind::Transaction, &lower, label));
            } else if s.chain.pending(&hash).is_some() {
                hits.push(hit(HitKind::Transaction, &lower, "pending"));
            }
            if let Some(h) = store.height_of_block(&hash)? {
                hits.push(hit(HitKind::Block, h, format!("height {h}")));
            }
        }
        if let Ok(key) = lower.parse::<PublicKey>() {
            if let Some(code) = store.state_value::<String>(&keys::member_key(&key))? {
                if let Some(o) = store.state_value::<Organization>(&keys::organization(&code))? {
                    hits.push(hit(HitKind::Organization, &o.credit_code, o.name));
                }
            }
        }
    }

    for o in scan_all::<Organization>(&s, keys::ORGANIZATION)? {
        if o.credit_code.to_lowercase() == lower || o.name.to_lowercase().contains(&lower) {
            hits.push(hit(HitKind::Organization, &o.credit_code, o.name));
        }
    }
    for e in scan_all::<CatalogEntry>(&s, keys::CATALOG_ENTRY)? {
        if e.spec.name.to_lowercase().contains(&lower)
            || e.spec.classification.to_lowercase().starts_with(&lower)
        {
            hits.push(hit(HitKind::CatalogEntry, e.id, e.spec.name));
        }
    }
    let mut seen = std::collections::HashSet::new();
    hits.retain(|h| seen.insert((h.kind, h.id.clone())));
    hits.truncate(MAX_HITS);
    Ok(Json(SearchResults { query, hits }))
}

#[utoipa::path(get, path = "/v1/calendars", tag = "governance",
    responses((status = 200, description = "Every holiday calendar on the ledger, by year", body = Vec<HolidayCalendar>)))]
pub async fn calendars(State(s): State<AppState>) -> ApiResult<Vec<HolidayCalendar>> {
    Ok(Json(scan_all(&s, keys::CALENDAR)?))
}
