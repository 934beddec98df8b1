//! Routes over the ledger itself: status, transactions, blocks, accounts.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use kuai_runtime::{keys, Overlay};
use kuai_types::api::{
    Account, BlockSummary, BlockTx, BlockView, Status, SubmitTx, Submitted, TxState, TxView,
};
use kuai_types::codec::MAX_TX_BYTES;
use kuai_types::model::Organization;
use kuai_types::{Block, PublicKey, SignedTransaction};

use crate::store::TxLocation;

use super::error::{ApiError, ApiResult};
use super::params::{self, BlockListParams};
use super::AppState;
use kuai_types::api::ErrorBody;

#[utoipa::path(get, path = "/v1/status", tag = "ledger",
    responses((status = 200, description = "Chain status", body = Status)))]
pub async fn status(State(s): State<AppState>) -> ApiResult<Status> {
    let head = s.chain.head();
    Ok(Json(Status {
        chain_id: s.chain.chain_id().to_string(),
        height: head.height,
        latest_block_hash: head.hash,
        latest_block_time_ms: head.time_ms,
        state_root: head.state_root,
        genesis_hash: s.chain.genesis_hash(),
        mempool_size: s.chain.mempool_len(),
        validator: s.chain.validator_key(),
        version: env!("CARGO_PKG_VERSION").to_string(),
    }))
}

#[utoipa::path(post, path = "/v1/tx", tag = "ledger", request_body = SubmitTx,
    responses(
        (status = 202, description = "Admitted to the mempool", body = Submitted),
        (status = 400, description = "Malformed JSON, hex or encoding", body = ErrorBody),
        (status = 409, description = "Already pending", body = ErrorBody),
        (status = 413, description = "Too large", body = ErrorBody),
        (status = 422, description = "Wrong chain, bad signature, used nonce", body = ErrorBody),
        (status = 503, description = "Mempool full", body = ErrorBody)))]
pub async fn submit_tx(
    State(s): State<AppState>,
    body: Result<Json<SubmitTx>, JsonRejection>,
) -> Result<(StatusCode, Json<Submitted>), ApiError> {
    let Json(body) = body?;
    if body.tx.len() > 2 * MAX_TX_BYTES {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!(
                "transaction is {} bytes, over the limit of {MAX_TX_BYTES}",
                body.tx.len() / 2
            ),
        ));
    }
    let bytes = hex::decode(body.tx.trim())
        .map_err(|e| ApiError::bad_request(format!("tx is not hex: {e}")))?;
    let stx = SignedTransaction::decode(&bytes)
        .map_err(|e| ApiError::bad_request(format!("tx does not decode: {e}")))?;
    let chain = s.chain.clone();
    let hash = tokio::task::spawn_blocking(move || chain.submit(stx))
        .await
        .map_err(|e| {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
        })??;
    let admitted = s
        .outlets
        .gossips()
        .then(|| s.chain.pending(&hash))
        .flatten()
        .map(|t| (hash, t));
    s.outlets.admitted(&s.chain, admitted);
    Ok((StatusCode::ACCEPTED, Json(Submitted { hash })))
}

#[utoipa::path(get, path = "/v1/tx/{hash}", tag = "ledger",
    params(("hash" = String, Path, description = "Transaction id (hex)")),
    responses((status = 200, body = TxView), (status = 400, body = ErrorBody),
        (status = 404, description = "Unknown, or (code `refused`) submitted asynchronously and refused", body = ErrorBody)))]
pub async fn get_tx(State(s): State<AppState>, Path(raw): Path<String>) -> ApiResult<TxView> {
    let hash = params::hash("transaction hash", &raw)?;
    let store = s.chain.store();
    // The receipt says where the transaction is; it is read once, for both.
    if let Some(receipt) = store.receipt(&hash)? {
        let loc = TxLocation::from(&receipt);
        let block = store
            .block(loc.height)?
            .ok_or_else(|| ApiError::not_found(format!("block {} is missing", loc.height)))?;
        let stx = block.txs.get(loc.index as usize).cloned().ok_or_else(|| {
            ApiError::not_found(format!(
                "transaction {hash} is missing from block {}",
                loc.height
            ))
        })?;
        return Ok(Json(TxView {
            hash,
            status: TxState::Committed,
            height: Some(loc.height),
            index: Some(loc.index),
            tx: stx.tx,
            signature: stx.signature,
            receipt: Some(receipt),
        }));
    }
    // Queued by an asynchronous submission counts as pending: it is on its way in.
    if let Some(stx) = s.chain.pending(&hash).or_else(|| s.intake.queued(&hash)) {
        return Ok(Json(TxView {
            hash,
            status: TxState::Pending,
            height: None,
            index: None,
            tx: stx.tx,
            signature: stx.signature,
            receipt: None,
        }));
    }
    match s.intake.refusal(&hash) {
        Some(why) => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "refused",
            format!(
                "transaction {hash} was submitted asynchronously and refused: {} ({})",
                why.message, why.code
            ),
        )),
        None => Err(ApiError::not_found(format!(
            "transaction {hash} is neither committed nor pending"
        ))),
    }
}

fn block_view(s: &AppState, block: Block) -> Result<BlockView, ApiError> {
    let mut receipts = Vec::with_capacity(block.txs.len());
    let txs = block
        .txs
        .into_iter()
        .map(|stx| {
            let hash = stx.hash();
            Ok::<_, ApiError>(BlockTx {
                hash,
                tx: stx.tx,
                signature: stx.signature,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    for t in &txs {
        if let Some(r) = s.chain.store().receipt(&t.hash)? {
            receipts.push(r);
        }
    }
    Ok(BlockView {
        hash: block.header.hash(),
        events: s.chain.store().block_events(block.header.height)?,
        certificate: s.chain.store().certificate(block.header.height)?,
        header: block.header,
        txs,
        receipts,
    })
}

#[utoipa::path(get, path = "/v1/blocks/{id}", tag = "ledger",
    params(("id" = String, Path, description = "Block height, or block hash (hex)")),
    responses((status = 200, body = BlockView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_block(State(s): State<AppState>, Path(raw): Path<String>) -> ApiResult<BlockView> {
    let store = s.chain.store();
    let height = if raw.len() == 64 {
        let hash = params::hash("block hash", &raw)?;
        store
            .height_of_block(&hash)?
            .ok_or_else(|| ApiError::not_found(format!("no block with hash {hash}")))?
    } else {
        params::numeric_id("block height", &raw)?
    };
    let head = s.chain.head().height;
    let block = store.block(height)?.ok_or_else(|| {
        ApiError::not_found(format!(
            "no block at height {height} (head is {head}; height 0 is genesis)"
        ))
    })?;
    Ok(Json(block_view(&s, block)?))
}

#[utoipa::path(get, path = "/v1/blocks", tag = "ledger", params(BlockListParams),
    responses((status = 200, body = Vec<BlockSummary>), (status = 400, body = ErrorBody)))]
pub async fn list_blocks(
    State(s): State<AppState>,
    q: Result<Query<BlockListParams>, QueryRejection>,
) -> ApiResult<Vec<BlockSummary>> {
    let Query(q) = q?;
    let limit = params::limit(q.limit)? as u64;
    let head = s.chain.head().height;
    let top = q
        .before
        .map(|b| b.saturating_sub(1))
        .unwrap_or(head)
        .min(head);
    let mut out = Vec::new();
    let mut h = top;
    while h >= 1 && (out.len() as u64) < limit {
        if let Some((header, tx_count)) = s.chain.store().block_header(h)? {
            out.push(BlockSummary {
                height: h,
                hash: header.hash(),
                time_ms: header.time_ms,
                tx_count: tx_count as usize,
                proposer: header.proposer,
            });
        }
        h -= 1;
    }
    Ok(Json(out))
}

#[utoipa::path(get, path = "/v1/accounts/{key}", tag = "ledger",
    params(("key" = String, Path, description = "ed25519 public key (hex)")),
    responses((status = 200, body = Account), (status = 400, body = ErrorBody)))]
pub async fn get_account(State(s): State<AppState>, Path(raw): Path<String>) -> ApiResult<Account> {
    let key: PublicKey = raw
        .parse()
        .map_err(|e| ApiError::bad_request(format!("key must be 64 hex characters: {e}")))?;
    let store = s.chain.store();
    let st = Overlay::new(store);
    let next_nonce = st
        .read::<u64>(&keys::nonce(&key))
        .map_err(crate::error::NodeError::from)?
        .unwrap_or(0);
    let organization: Option<String> = store.state_value(&keys::member_key(&key))?;
    let role = match &organization {
        Some(code) => store
            .state_value::<Organization>(&keys::organization(code))?
            .and_then(|o| o.role_of(&key)),
        None => None,
    };
    Ok(Json(Account {
        key,
        next_nonce,
        organization,
        role,
    }))
}
