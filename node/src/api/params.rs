//! Parsing of path ids and list parameters, with 400s that name the problem.

use kuai_types::api::{DEFAULT_PAGE, MAX_PAGE};
use kuai_types::Hash;
use serde::Deserialize;
use utoipa::IntoParams;

use super::error::ApiError;

/// `?limit=&after=` for listings in id order.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<u32>,
    /// Cursor: the `next` value of the previous page.
    pub after: Option<String>,
}

/// `?limit=&before=` for blocks, newest first.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BlockListParams {
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<u32>,
    /// List blocks below this height (default: from the head).
    pub before: Option<u64>,
}

pub fn limit(limit: Option<u32>) -> Result<usize, ApiError> {
    match limit.unwrap_or(DEFAULT_PAGE) {
        n @ 1..=MAX_PAGE => Ok(n as usize),
        n => Err(ApiError::bad_request(format!(
            "limit must be 1 to {MAX_PAGE}, got {n}"
        ))),
    }
}

pub fn numeric_id(what: &str, raw: &str) -> Result<u64, ApiError> {
    raw.parse::<u64>().map_err(|_| {
        ApiError::bad_request(format!(
            "{what} must be a non-negative integer, got {raw:?}"
        ))
    })
}

pub fn hash(what: &str, raw: &str) -> Result<Hash, ApiError> {
    raw.parse::<Hash>()
        .map_err(|e| ApiError::bad_request(format!("{what} must be 64 hex characters: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pagination_bounds() {
        assert_eq!(limit(None).unwrap(), DEFAULT_PAGE as usize);
        assert_eq!(limit(Some(1)).unwrap(), 1);
        assert_eq!(limit(Some(MAX_PAGE)).unwrap(), MAX_PAGE as usize);
        assert!(limit(Some(0)).unwrap_err().message.contains("got 0"));
        assert!(limit(Some(MAX_PAGE + 1)).is_err());
    }

    #[test]
    fn ids_and_hashes() {
        assert_eq!(numeric_id("id", "42").unwrap(), 42);
        assert!(numeric_id("id", "-1").is_err());
        assert!(numeric_id("id", "abc")
            .unwrap_err()
            .message
            .contains("\"abc\""));
        assert!(hash("hash", "00").is_err());
    }
}
