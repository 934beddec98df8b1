//! The REST API under `/v1` (axum), with its OpenAPI document at `/v1/openapi.json`.
//!
//! Rules: every answer is JSON; every failure is an [`error::ApiError`] with a 4xx status
//! naming the problem (5xx only when the node's own storage fails); bodies are capped
//! at [`MAX_BODY_BYTES`], and a 413 closes its connection (see [`close_after_refusal`]);
//! a panic in a handler becomes a 500, never a dead node.

mod admin;
mod batch;
mod contracts;
mod error;
pub(crate) mod event_index;
pub(crate) mod events;
mod explorer;
mod gateway;
mod governance;
mod heads;
mod history;
mod ledger;
mod openapi;
mod oversight;
mod params;
mod records;
mod search;
mod subjects;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use tower_http::catch_panic::CatchPanicLayer;

use crate::chain::Chain;
use crate::outlets::Outlets;
pub use error::ApiError;

/// Largest request body: a hex-encoded transaction at the size limit, plus JSON framing.
pub const MAX_BODY_BYTES: usize = 2 * kuai_types::codec::MAX_TX_BYTES + 1024;

#[derive(Clone)]
pub struct AppState {
    pub chain: Arc<Chain>,
    /// Where admitted transactions go next (gossip, a waiting proposer).
    pub outlets: Arc<Outlets>,
    pub metrics: Arc<crate::metrics::Metrics>,
    /// The consortium's subject key, when this node holds it (see `subjects`).
    pub subject_key: Option<[u8; 32]>,
    /// Transactions submitted asynchronously, waiting for verification.
    pub intake: Arc<crate::intake::Intake>,
}

pub fn router(state: AppState) -> Router {
    let v1 = Router::new()
        .route("/admin/backup", post(admin::backup))
        .route("/status", get(ledger::status))
        .route("/heads", get(heads::stream))
        .route("/tx", post(ledger::submit_tx))
        .route(
            "/txs",
            post(batch::submit_txs).layer(DefaultBodyLimit::max(batch::MAX_BATCH_BODY)),
        )
        .route("/blocks/{height}/txs", get(batch::block_tx_ids))
        .route("/tx/{hash}", get(ledger::get_tx))
        .route("/blocks", get(ledger::list_blocks))
        .route("/blocks/{id}", get(ledger::get_block))
        .route("/accounts/{key}", get(ledger::get_account))
        .route("/organizations", get(records::organizations))
        .route("/organizations/{credit_code}", get(records::organization))
        .route(
            "/organizations/{credit_code}/scorecard",
            get(oversight::org_scorecard),
        )
        .route("/scorecards", get(oversight::scorecards))
        .route(
            "/subjects/{identifier}/accesses",
            get(subjects::subject_accesses),
        )
        .route("/catalog/{id}/versions", get(oversight::entry_versions))
        .route("/catalog/{id}/history", get(history::entry))
        .route(
            "/organizations/{credit_code}/history",
            get(history::organization),
        )
        .route("/events", get(events::stream))
        .route("/data-elements/{code}", get(oversight::data_element))
        .route("/objections", get(oversight::objections))
        .route("/objections/{id}", get(oversight::objection))
        .route("/agreements", get(oversight::agreements))
        .route("/agreements/{id}", get(oversight::agreement))
        .route("/proposals", get(governance::proposals))
        .route("/proposals/{id}", get(governance::proposal))
        .route("/validators", get(governance::validators))
        .route("/parameters", get(governance::parameters))
        .route("/calendar/{year}", get(governance::calendar))
        .route("/calendars", get(search::calendars))
        .route("/search", get(search::search))
        .route("/catalog", get(records::catalog))
        .route("/catalog/{id}", get(records::catalog_entry))
        .route("/share-requests", get(records::share_requests))
        .route("/share-requests/{id}", get(records::share_request))
        .route("/grants", get(records::grants))
        .route("/grants/{id}", get(records::grant))
        .route("/access-events", get(records::access_events))
        .route("/access-events/{id}", get(records::access_event))
        .route("/contracts/code", get(contracts::codes))
        .route("/contracts/code/{hash}", get(contracts::code))
        .route("/contracts/code/{hash}/wasm", get(contracts::code_wasm))
        .route("/contracts/instances", get(contracts::instances))
        .route("/contracts/instances/{id}", get(contracts::instance))
        .route("/catalog/{id}/policy", get(contracts::entry_policy))
        .route("/gateway/fetch", post(gateway::fetch))
        .route("/gateway/datasets", get(gateway::datasets))
        .route("/gateway/scorecards", get(gateway::scorecards))
        .route("/openapi.json", get(|| async { Json(openapi::document()) }));
    let metrics = get(
        |axum::extract::State(s): axum::extract::State<AppState>| async move {
            s.metrics.height.set(s.chain.head().height as i64);
            s.metrics.mempool.set(s.chain.mempool_len() as i64);
            s.metrics.gossip_pool.set(s.chain.gossip_pool_len() as i64);
            s.metrics.intake.set(s.intake.len() as i64);
            (
                [(
                    axum::http::header::CONTENT_TYPE,
                    "text/plain; version=0.0.4",
                )],
                s.metrics.render(),
            )
        },
    );
    Router::new()
        .nest("/v1", v1)
        .route("/", get(explorer::index))
        .route("/explorer/{*path}", get(explorer::asset))
        .route("/metrics", metrics)
        .fallback(|uri: axum::http::Uri| async move {
            ApiError::not_found(format!("no route for {uri}"))
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::map_response(close_after_refusal))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "the request handler failed",
            )
            .into_response_owned()
        }))
        .with_state(state)
}

/// A body over the limit is refused before it is read, and the server then drops the
/// connection with the rest of it unread. Without saying so, a client would keep the
/// connection for its next request and lose that request when the close arrives
/// (hyper's `IncompleteMessage`), so a 413 says `Connection: close`.
async fn close_after_refusal(mut res: axum::response::Response) -> axum::response::Response {
    if res.status() == StatusCode::PAYLOAD_TOO_LARGE {
        res.headers_mut().insert(
            axum::http::header::CONNECTION,
            axum::http::HeaderValue::from_static("close"),
        );
    }
    res
}

impl ApiError {
    fn into_response_owned(self) -> axum::response::Response {
        axum::response::IntoResponse::into_response(self)
    }
}
