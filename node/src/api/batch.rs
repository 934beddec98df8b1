//! Bulk routes for applications and load generators: submit many transactions in one
//! request (answered after verification, or at once with `mode: async`), and read a
//! block's transaction ids without their bodies.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use kuai_types::api::{
    BatchResult, BlockTxIds, ErrorBody, ErrorDetail, SubmitMode, SubmitTxs, SubmittedBatch,
    MAX_BATCH,
};
use kuai_types::{Hash, SignedTransaction};

use super::error::{ApiError, ApiResult};
use super::{params, AppState};

/// Largest `POST /v1/txs` body.
pub const MAX_BATCH_BODY: usize = 16 * 1024 * 1024;

fn refused(e: ApiError) -> BatchResult {
    BatchResult {
        hash: None,
        error: Some(ErrorDetail {
            code: e.code,
            message: e.message,
        }),
    }
}

#[utoipa::path(post, path = "/v1/txs", tag = "ledger", request_body = SubmitTxs,
    responses(
        (status = 200, description = "Each transaction's id, or the reason it was refused", body = SubmittedBatch),
        (status = 400, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 503, description = "Mode `async` only: the batch does not fit the mempool now", body = ErrorBody)))]
pub async fn submit_txs(
    State(s): State<AppState>,
    body: Result<Json<SubmitTxs>, JsonRejection>,
) -> ApiResult<SubmittedBatch> {
    let Json(body) = body?;
    if body.txs.len() > MAX_BATCH {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!(
                "{} transactions, at most {MAX_BATCH} per batch",
                body.txs.len()
            ),
        ));
    }
    if body.mode == SubmitMode::Async {
        return submit_async(s, body.txs).await;
    }
    let (chain, outlets) = (s.chain.clone(), s.outlets.clone());
    tokio::task::spawn_blocking(move || {
        let (slots, decoded) = decode_all(&body.txs);
        let copies = outlets.gossips().then(|| decoded.clone());
        let admitted = chain.submit_many(decoded);
        let gossiped = copies
            .into_iter()
            .flatten()
            .zip(&admitted)
            .filter_map(|(t, r)| r.as_ref().ok().map(|h| (*h, t)));
        outlets.admitted(&chain, gossiped);
        Ok(Json(SubmittedBatch {
            results: merge(
                slots,
                admitted.into_iter().map(|r| r.map_err(ApiError::from)),
            ),
        }))
    })
    .await
    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?
}

/// Decodes a transaction of a batch (hex of its canonical encoding).
fn decode(hex_tx: &str) -> Result<SignedTransaction, ApiError> {
    let bytes = hex::decode(hex_tx.trim())
        .map_err(|e| ApiError::bad_request(format!("tx is not hex: {e}")))?;
    SignedTransaction::decode(&bytes)
        .map_err(|e| ApiError::bad_request(format!("tx does not decode: {e}")))
}

/// Decodes a batch: one slot per transaction (filled with the refusal when it does not
/// decode, left empty for [`merge`] otherwise) and the decoded ones, in order.
fn decode_all(txs: &[String]) -> (Vec<Option<BatchResult>>, Vec<SignedTransaction>) {
    let mut slots = Vec::with_capacity(txs.len());
    let mut decoded = Vec::with_capacity(txs.len());
    for hex_tx in txs {
        match decode(hex_tx) {
            Ok(t) => {
                decoded.push(t);
                slots.push(None);
            }
            Err(e) => slots.push(Some(refused(e))),
        }
    }
    (slots, decoded)
}

/// Fills the empty slots of [`decode_all`] with the outcomes of the decoded
/// transactions, in order.
fn merge(
    slots: Vec<Option<BatchResult>>,
    outcomes: impl IntoIterator<Item = Result<Hash, ApiError>>,
) -> Vec<BatchResult> {
    let mut outcomes = outcomes.into_iter();
    slots
        .into_iter()
        .map(|slot| {
            slot.unwrap_or_else(|| match outcomes.next() {
                Some(Ok(hash)) => BatchResult {
                    hash: Some(hash),
                    error: None,
                },
                Some(Err(e)) => refused(e),
                None => refused(ApiError::bad_request("not admitted")),
            })
        })
        .collect()
}

/// `mode: async`: queue what decodes and passes the checks that need no signature (see
/// [`crate::intake`]); a batch that does not fit the mempool is refused whole (503).
async fn submit_async(s: AppState, txs: Vec<String>) -> ApiResult<SubmittedBatch> {
    let intake = s.intake.clone();
    tokio::task::spawn_blocking(move || {
        let (slots, decoded) = decode_all(&txs);
        let queued = intake.queue(decoded.into_iter().map(|t| (t.hash(), t)).collect())?;
        Ok(Json(SubmittedBatch {
            results: merge(slots, queued.into_iter().map(|r| r.map_err(ApiError::from))),
        }))
    })
    .await
    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?
}

#[utoipa::path(get, path = "/v1/blocks/{height}/txs", tag = "ledger",
    params(("height" = u64, Path, description = "Block height")),
    responses((status = 200, body = BlockTxIds), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn block_tx_ids(
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<BlockTxIds> {
    let height = params::numeric_id("block height", &raw)?;
    let block = s
        .chain
        .block_tx_ids(height)?
        .ok_or_else(|| ApiError::not_found(format!("no block at height {height}")))?;
    Ok(Json(BlockTxIds {
        height,
        time_ms: block.time_ms,
        txs: block.ids.to_vec(),
    }))
}
