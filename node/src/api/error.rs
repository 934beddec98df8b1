//! API errors: every failure is JSON `{"error": {"code", "message"}}` with the right
//! status: 400 malformed, 404 unknown, 413 too large, 415 wrong content type,
//! 422 well-formed but invalid, 503 mempool full, 500 only for storage failures.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use kuai_types::api::{ErrorBody, ErrorDetail};

use crate::error::NodeError;
use crate::mempool::AdmitError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.to_string(),
            message: message.into(),
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

impl From<NodeError> for ApiError {
    fn from(e: NodeError) -> Self {
        tracing::error!(error = %e, "storage error while answering a request");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "storage", e.to_string())
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        let code = match r.status() {
            StatusCode::PAYLOAD_TOO_LARGE => "too_large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
            StatusCode::UNPROCESSABLE_ENTITY => "invalid_body",
            _ => "malformed_json",
        };
        Self::new(r.status(), code, r.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_query", r.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_path", r.body_text())
    }
}

impl From<AdmitError> for ApiError {
    fn from(e: AdmitError) -> Self {
        match e {
            AdmitError::Full(_) => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "mempool_full",
                e.to_string(),
            ),
            AdmitError::Duplicate(_) => Self::new(StatusCode::CONFLICT, "duplicate", e.to_string()),
            AdmitError::NonceTaken { .. } => {
                Self::new(StatusCode::CONFLICT, "nonce_taken", e.to_string())
            }
            AdmitError::NonceTooFarAhead { .. } => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "nonce_too_far_ahead",
                e.to_string(),
            ),
            AdmitError::Invalid(inner) if inner.is_fatal() => NodeError::Runtime(inner).into(),
            AdmitError::Invalid(inner) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                inner.code(),
                inner.to_string(),
            ),
        }
    }
}

pub type ApiResult<T> = Result<Json<T>, ApiError>;
