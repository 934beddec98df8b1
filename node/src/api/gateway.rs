//! Routes of the data gateway (see [`crate::gateway`]), under `/v1/gateway`:
//! - `POST /v1/gateway/fetch`: a signed [`SignedFetch`]; answers the masked rows as CSV
//!   (`text/csv`) or JSON lines (`application/x-ndjson`), streamed, with the headers
//!   `x-kuai-rows`, `x-kuai-grant`, `x-kuai-query-digest` and `x-kuai-access-tx` (the
//!   access event's transaction, already in the mempool);
//! - `GET /v1/gateway/datasets`: the bound datasets with rows served and dirty rows
//!   excluded (by reason, with examples);
//! - `GET /v1/gateway/scorecards`: each served provider's on-chain scorecard with its
//!   data quality.
//!
//! Refusals: 401 unsigned / bad signature / stale, 409 replayed, 403 grant refusals
//! (revoked, expired, wrong organization, scope, filter, purpose), 429 quota used up,
//! 404 unknown grant or dataset, 503 when no gateway runs or the access event cannot be
//! recorded.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use kuai_types::api::ErrorBody;
use kuai_types::gateway::{
    DataFormat, DatasetInfo, GatewayScorecard, SignedFetch, HEADER_ACCESS_TX, HEADER_GRANT,
    HEADER_QUERY_DIGEST, HEADER_ROWS,
};

use super::error::{ApiError, ApiResult};
use super::AppState;
use crate::gateway::{self, Gateway, GatewayError};

impl From<GatewayError> for ApiError {
    fn from(e: GatewayError) -> Self {
        use GatewayError as G;
        let (status, code) = match &e {
            G::Node(_) => {
                return ApiError::from(match e {
                    G::Node(n) => n,
                    _ => unreachable!(),
                })
            }
            G::Config(_) => (StatusCode::SERVICE_UNAVAILABLE, "gateway_config"),
            G::Unsigned => (StatusCode::UNAUTHORIZED, "unsigned"),
            G::BadSignature => (StatusCode::UNAUTHORIZED, "bad_signature"),
            G::Stale { .. } => (StatusCode::UNAUTHORIZED, "stale_request"),
            G::WrongChain { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "wrong_chain"),
            G::Replayed => (StatusCode::CONFLICT, "replayed"),
            G::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            G::NotServed(_) => (StatusCode::NOT_FOUND, "dataset_not_served"),
            G::UnknownGrant(_) => (StatusCode::NOT_FOUND, "unknown_grant"),
            G::GrantEntryMismatch { .. } => {
                (StatusCode::UNPROCESSABLE_ENTITY, "grant_entry_mismatch")
            }
            G::UnknownAccessor(_) => (StatusCode::FORBIDDEN, "unknown_accessor"),
            G::WrongOrganization { .. } => (StatusCode::FORBIDDEN, "wrong_organization"),
            G::GrantRevoked { .. } => (StatusCode::FORBIDDEN, "grant_revoked"),
            G::GrantExpired { .. } => (StatusCode::FORBIDDEN, "grant_expired"),
            G::FieldOutsideGrant { .. } => (StatusCode::FORBIDDEN, "field_outside_grant"),
            G::FilterNotAllowed { .. } => (StatusCode::FORBIDDEN, "filter_not_allowed"),
            G::PurposeMismatch { .. } => (StatusCode::FORBIDDEN, "purpose_mismatch"),
            G::QuotaExceeded { .. } => (StatusCode::TOO_MANY_REQUESTS, "quota_exceeded"),
            G::CallQuotaExceeded { .. } => (StatusCode::TOO_MANY_REQUESTS, "call_quota_exceeded"),
            G::SchemaMismatch { .. } => (StatusCode::CONFLICT, "schema_mismatch"),
            G::NotRecorded(_) => (StatusCode::SERVICE_UNAVAILABLE, "access_not_recorded"),
        };
        ApiError::new(status, code, e.to_string())
    }
}

fn installed(s: &AppState) -> Result<Arc<Gateway>, ApiError> {
    gateway::for_chain(&s.chain).ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no_gateway",
            "this node runs no data gateway (no [gateway] in its config)",
        )
    })
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn header_value(v: String) -> HeaderValue {
    HeaderValue::from_str(&v).unwrap_or(HeaderValue::from_static(""))
}

#[utoipa::path(post, path = "/v1/gateway/fetch", tag = "gateway", request_body = SignedFetch,
    responses(
        (status = 200, description = "Masked rows, CSV (text/csv) or JSON lines (application/x-ndjson)", body = String),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 429, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub async fn fetch(
    State(s): State<AppState>,
    body: Result<Json<SignedFetch>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(signed) = body?;
    let gw = installed(&s)?;
    let delivery = gw
        .fetch(&signed, now_ms(), s.outlets.gossip.clone())
        .await?;
    let content_type = match delivery.format {
        DataFormat::Csv => "text/csv; charset=utf-8",
        DataFormat::Jsonl => "application/x-ndjson",
    };
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (
            header::HeaderName::from_static(HEADER_ROWS),
            header_value(delivery.rows.len().to_string()),
        ),
        (
            header::HeaderName::from_static(HEADER_GRANT),
            header_value(delivery.grant_id.to_string()),
        ),
        (
            header::HeaderName::from_static(HEADER_QUERY_DIGEST),
            header_value(delivery.digest.to_hex()),
        ),
        (
            header::HeaderName::from_static(HEADER_ACCESS_TX),
            header_value(delivery.access_tx.to_hex()),
        ),
    ];
    let chunks = Arc::new(delivery)
        .chunks()
        .map(|c| Ok::<_, Infallible>(Bytes::from(c)));
    let body = Body::from_stream(futures::stream::iter(chunks));
    Ok((headers, body).into_response())
}

#[utoipa::path(get, path = "/v1/gateway/datasets", tag = "gateway",
    responses((status = 200, body = Vec<DatasetInfo>), (status = 503, body = ErrorBody)))]
pub async fn datasets(State(s): State<AppState>) -> ApiResult<Vec<DatasetInfo>> {
    Ok(Json(installed(&s)?.datasets()))
}

#[utoipa::path(get, path = "/v1/gateway/scorecards", tag = "gateway",
    responses((status = 200, body = Vec<GatewayScorecard>), (status = 503, body = ErrorBody)))]
pub async fn scorecards(State(s): State<AppState>) -> ApiResult<Vec<GatewayScorecard>> {
    Ok(Json(installed(&s)?.scorecards()?))
}
