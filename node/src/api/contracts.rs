//! Routes over policy contracts: uploaded code (metadata and bytes), instances, and the
//! instance bound to a catalog entry.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use kuai_runtime::keys;
use kuai_types::api::ErrorBody;
use kuai_types::model::{ContractCode, ContractInstance, Page};
use kuai_types::Hash;
use serde::Deserialize;
use utoipa::IntoParams;

use super::error::{ApiError, ApiResult};
use super::params::{self, ListParams};
use super::records::{numeric_cursor, one, page};
use super::AppState;

fn code_hash(raw: &str) -> Result<Hash, ApiError> {
    params::hash("code hash (the SHA-256 of the code)", raw)
}

#[utoipa::path(get, path = "/v1/contracts/code", tag = "contracts", params(ListParams),
    responses((status = 200, body = Page<ContractCode>), (status = 400, body = ErrorBody)))]
pub async fn codes(
    State(s): State<AppState>,
    q: Result<Query<ListParams>, QueryRejection>,
) -> ApiResult<Page<ContractCode>> {
    let Query(q) = q?;
    page(
        &s,
        keys::CONTRACT_CODE,
        &q,
        |raw| Ok(keys::contract_code(&code_hash(raw)?)),
        |c: &ContractCode| c.hash.to_hex(),
        |_| true,
    )
}

#[utoipa::path(get, path = "/v1/contracts/code/{hash}", tag = "contracts",
    params(("hash" = String, Path, description = "SHA-256 of the code, hex")),
    responses((status = 200, body = ContractCode), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn code(State(s): State<AppState>, Path(raw): Path<String>) -> ApiResult<ContractCode> {
    let hash = code_hash(&raw)?;
    one(
        &s,
        &keys::contract_code(&hash),
        format!("contract code {hash}"),
    )
}

#[utoipa::path(get, path = "/v1/contracts/code/{hash}/wasm", tag = "contracts",
    params(("hash" = String, Path, description = "SHA-256 of the code, hex")),
    responses((status = 200, description = "The WebAssembly bytes", content_type = "application/wasm"),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn code_wasm(
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let hash = code_hash(&raw)?;
    let bytes = s
        .chain
        .store()
        .raw_state(&keys::contract_wasm(&hash))?
        .ok_or_else(|| ApiError::not_found(format!("contract code {hash} does not exist")))?;
    Ok(([(header::CONTENT_TYPE, "application/wasm")], bytes))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InstanceParams {
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<u32>,
    /// Cursor: the `next` value of the previous page.
    pub after: Option<String>,
    /// Only instances owned by this organization (credit code).
    pub owner: Option<String>,
}

#[utoipa::path(get, path = "/v1/contracts/instances", tag = "contracts", params(InstanceParams),
    responses((status = 200, body = Page<ContractInstance>), (status = 400, body = ErrorBody)))]
pub async fn instances(
    State(s): State<AppState>,
    q: Result<Query<InstanceParams>, QueryRejection>,
) -> ApiResult<Page<ContractInstance>> {
    let Query(q) = q?;
    let list = ListParams {
        limit: q.limit,
        after: q.after,
    };
    page(
        &s,
        keys::CONTRACT_INSTANCE,
        &list,
        numeric_cursor(keys::CONTRACT_INSTANCE),
        |i: &ContractInstance| i.id.to_string(),
        |i| q.owner.as_ref().is_none_or(|o| &i.owner == o),
    )
}

#[utoipa::path(get, path = "/v1/contracts/instances/{id}", tag = "contracts",
    params(("id" = u64, Path, description = "Instance id")),
    responses((status = 200, body = ContractInstance), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn instance(
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<ContractInstance> {
    let id = params::numeric_id("instance id", &raw)?;
    one(
        &s,
        &keys::contract_instance(id),
        format!("contract instance {id}"),
    )
}

#[utoipa::path(get, path = "/v1/catalog/{id}/policy", tag = "contracts",
    params(("id" = u64, Path, description = "Catalog entry id")),
    responses((status = 200, description = "The policy contract instance deciding the entry's share requests", body = ContractInstance),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn entry_policy(
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<ContractInstance> {
    let id = params::numeric_id("catalog entry id", &raw)?;
    let instance: u64 = s
        .chain
        .store()
        .state_value(&keys::entry_policy(id))?
        .ok_or_else(|| {
            ApiError::not_found(format!("catalog entry {id} has no policy contract bound"))
        })?;
    one(
        &s,
        &keys::contract_instance(instance),
        format!("contract instance {instance}"),
    )
}
