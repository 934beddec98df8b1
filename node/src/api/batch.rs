//! Bulk routes for applications and load generators: submit many transactions in one
//! request, and read a block's transaction ids without their bodies.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use kuai_types::api::{
    BatchResult, BlockTxIds, ErrorBody, ErrorDetail, SubmitTxs, SubmittedBatch, MAX_BATCH,
};
use kuai_types::SignedTransaction;

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
        (status = 400, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
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
    let chain = s.chain.clone();
    let gossip = s.gossip.clone();
    let results = tokio::task::spawn_blocking(move || {
        let mut results: Vec<Option<BatchResult>> = Vec::with_capacity(body.txs.len());
        let mut decoded = Vec::new();
        for hex_tx in &body.txs {
            let parsed = hex::decode(hex_tx.trim())
                .map_err(|e| ApiError::bad_request(format!("tx is not hex: {e}")))
                .and_then(|b| {
                    SignedTransaction::decode(&b)
                        .map_err(|e| ApiError::bad_request(format!("tx does not decode: {e}")))
                });
            match parsed {
                Ok(t) => {
                    decoded.push(t);
                    results.push(None);
                }
                Err(e) => results.push(Some(refused(e))),
            }
        }
        let copies = gossip.as_ref().map(|_| decoded.clone());
        let mut admitted = chain.submit_many(decoded).into_iter();
        let mut to_gossip = Vec::new();
        let mut copies = copies.map(|c| c.into_iter());
        for slot in results.iter_mut().filter(|r| r.is_none()) {
            let copy = copies.as_mut().and_then(|c| c.next());
            *slot = Some(match admitted.next() {
                Some(Ok(hash)) => {
                    to_gossip.extend(copy);
                    BatchResult {
                        hash: Some(hash),
                        error: None,
                    }
                }
                Some(Err(e)) => refused(e.into()),
                None => refused(ApiError::bad_request("not admitted")),
            });
        }
        if let Some(g) = &gossip {
            for t in to_gossip {
                let _ = g.send(t);
            }
        }
        results.into_iter().flatten().collect::<Vec<_>>()
    })
    .await
    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?;
    if s.chain.mempool_len() >= s.max_block_txs {
        s.full.notify_one();
    }
    Ok(Json(SubmittedBatch { results }))
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
        .store()
        .block(height)?
        .ok_or_else(|| ApiError::not_found(format!("no block at height {height}")))?;
    Ok(Json(BlockTxIds {
        height,
        time_ms: block.header.time_ms,
        txs: block.txs.iter().map(SignedTransaction::hash).collect(),
    }))
}
