//! History of an organization or a catalog entry: the events that concern it (see
//! [`super::events::subjects`]), with the transaction each came from, read from the event
//! index that `Store::commit_block` writes with each block.
//!
//! Rules:
//! - newest first by default (`order=oldest` for oldest first); `after` is the id of the
//!   last item of the previous page (the page's `next`), ids as in the event stream;
//! - `from`/`to` bound block time: block time in ms, or a `YYYY-MM-DD` day in China time
//!   (UTC+8). `from` is inclusive (a day: from its start), `to` is exclusive when in ms
//!   and inclusive when a day (through the day's end), so `from=D&to=D` is day D;
//! - one request examines at most [`MAX_SCAN`] events past its cursor: a page can then
//!   hold fewer than `limit` items and still carry a `next` cursor to continue from;
//! - `format=csv` or `Accept: text/csv` answers CSV (columns `id, height, tx_index,
//!   event_index, tx_hash, time_ms, kind, event` with the event as JSON); the next
//!   cursor, if any, is in the `X-Next-After` header.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use kuai_runtime::calendar;
use kuai_types::api::{ErrorBody, EventRecord};
use kuai_types::identifiers::check_credit_code;
use kuai_types::model::Page;
use serde::Deserialize;
use utoipa::IntoParams;

use super::error::ApiError;
use super::event_index::{self, entry_prefix, org_prefix};
use super::events::EventPos;
use super::params;
use super::AppState;

/// Most events past its cursor one history request examines.
pub const MAX_SCAN: usize = 5_000;

/// `?from=&to=&limit=&after=&order=&format=` of the history listings.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// Earliest block time: ms, or `YYYY-MM-DD` (China time, from the day's start).
    pub from: Option<String>,
    /// Latest block time: ms (exclusive), or `YYYY-MM-DD` (China time, through the day's end).
    pub to: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<u32>,
    /// Cursor: the `next` value of the previous page (an event id).
    pub after: Option<String>,
    /// `newest` (default) or `oldest` first.
    pub order: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// A time bound in ms; `end` chooses the end of a day for `to`.
fn time_bound(what: &str, raw: &str, end: bool) -> Result<u64, ApiError> {
    if let Ok(ms) = raw.parse::<u64>() {
        return Ok(ms);
    }
    let date = calendar::parse_date(raw).map_err(|_| {
        ApiError::bad_request(format!(
            "{what} must be a block time in ms or a date YYYY-MM-DD, got {raw:?}"
        ))
    })?;
    let day = calendar::day_of_date(date);
    Ok(if end {
        calendar::end_of_day(day)
    } else {
        calendar::end_of_day(day - 1)
    })
}

fn wants_csv(q: &HistoryParams, headers: &HeaderMap) -> Result<bool, ApiError> {
    match q.format.as_deref() {
        Some("csv") => Ok(true),
        Some("json") => Ok(false),
        Some(other) => Err(ApiError::bad_request(format!(
            "format must be json or csv, got {other:?}"
        ))),
        None => Ok(headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/csv"))),
    }
}

fn listing(
    s: &AppState,
    prefix: Vec<u8>,
    q: &HistoryParams,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let limit = params::limit(q.limit)?;
    let reverse = match q.order.as_deref() {
        None | Some("newest") => true,
        Some("oldest") => false,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "order must be newest or oldest, got {other:?}"
            )))
        }
    };
    let from = q
        .from
        .as_deref()
        .map(|r| time_bound("from", r, false))
        .transpose()?;
    let to =
        q.to.as_deref()
            .map(|r| time_bound("to", r, true))
            .transpose()?;
    if let (Some(f), Some(t)) = (from, to) {
        if f >= t {
            return Err(ApiError::bad_request(format!(
                "from ({f}) must be before to ({t})"
            )));
        }
    }
    let csv = wants_csv(q, headers)?;
    let cursor = q
        .after
        .as_deref()
        .map(|raw| EventPos::parse(raw).map_err(|e| ApiError::bad_request(format!("after: {e}"))))
        .transpose()?;
    let seek = cursor.map(|c| event_index::seek_key(&prefix, c, reverse));
    let spec = event_index::PageSpec {
        reverse,
        cursor,
        from,
        to,
        limit,
        max_scan: MAX_SCAN,
    };
    let store = s.chain.store();
    let entries = store.index_entries_from(&prefix, seek.as_deref(), reverse)?;
    let event_index::Page { items, next } = event_index::page(&prefix, entries, &spec)?;
    if csv {
        csv_response(&items, next)
    } else {
        Ok(Json(Page { items, next }).into_response())
    }
}

fn csv_response(items: &[EventRecord], next: Option<String>) -> Result<Response, ApiError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: String| {
        ApiError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("cannot write CSV: {e}"),
        )
    };
    w.write_record([
        "id",
        "height",
        "tx_index",
        "event_index",
        "tx_hash",
        "time_ms",
        "kind",
        "event",
    ])
    .map_err(|e| fail(e.to_string()))?;
    for r in items {
        let event = serde_json::to_string(&r.event).map_err(|e| fail(e.to_string()))?;
        w.write_record([
            r.id.clone(),
            r.height.to_string(),
            r.tx_index.map(|i| i.to_string()).unwrap_or_default(),
            r.event_index.to_string(),
            r.tx_hash.map(|h| h.to_string()).unwrap_or_default(),
            r.time_ms.to_string(),
            r.kind.clone(),
            event,
        ])
        .map_err(|e| fail(e.to_string()))?;
    }
    let body = w.into_inner().map_err(|e| fail(e.to_string()))?;
    let mut resp = ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], body).into_response();
    if let Some(n) = next.and_then(|n| HeaderValue::from_str(&n).ok()) {
        resp.headers_mut().insert("x-next-after", n);
    }
    Ok(resp)
}

#[utoipa::path(get, path = "/v1/organizations/{credit_code}/history", tag = "events",
    params(("credit_code" = String, Path, description = "Unified social credit code"), HistoryParams),
    responses((status = 200, body = Page<EventRecord>, description = "JSON, or CSV with format=csv / Accept: text/csv"),
        (status = 400, body = ErrorBody)))]
pub async fn organization(
    State(s): State<AppState>,
    headers: HeaderMap,
    p: Result<Path<String>, PathRejection>,
    q: Result<Query<HistoryParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let (Path(raw), Query(q)) = (p?, q?);
    let code = check_credit_code(&raw).map_err(|e| ApiError::bad_request(e.to_string()))?;
    listing(&s, org_prefix(&code), &q, &headers)
}

#[utoipa::path(get, path = "/v1/catalog/{id}/history", tag = "events",
    params(("id" = u64, Path, description = "Catalog entry id"), HistoryParams),
    responses((status = 200, body = Page<EventRecord>, description = "JSON, or CSV with format=csv / Accept: text/csv"),
        (status = 400, body = ErrorBody)))]
pub async fn entry(
    State(s): State<AppState>,
    headers: HeaderMap,
    p: Result<Path<String>, PathRejection>,
    q: Result<Query<HistoryParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let (Path(raw), Query(q)) = (p?, q?);
    let id = params::numeric_id("id", &raw)?;
    listing(&s, entry_prefix(id), &q, &headers)
}
