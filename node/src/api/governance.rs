//! Routes over governance: proposals, the validator set, parameters, holiday calendars.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use kuai_runtime::{chain_state, keys, Overlay};
use kuai_types::api::ErrorBody;
use kuai_types::model::{HolidayCalendar, Page, Parameters, Proposal, ValidatorInfo};

use super::error::{ApiError, ApiResult};
use super::params::{self, ListParams};
use super::records::{numeric_cursor, one, page};
use super::AppState;
use crate::error::NodeError;

#[utoipa::path(get, path = "/v1/proposals", tag = "governance", params(ListParams),
    responses((status = 200, body = Page<Proposal>), (status = 400, body = ErrorBody)))]
pub async fn proposals(
    State(s): State<AppState>,
    q: Result<Query<ListParams>, QueryRejection>,
) -> ApiResult<Page<Proposal>> {
    let Query(q) = q?;
    page(
        &s,
        keys::PROPOSAL,
        &q,
        numeric_cursor(keys::PROPOSAL),
        |p: &Proposal| p.id.to_string(),
        |_| true,
    )
}

#[utoipa::path(get, path = "/v1/proposals/{id}", tag = "governance",
    params(("id" = u64, Path, description = "Proposal id")),
    responses((status = 200, body = Proposal), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn proposal(State(s): State<AppState>, Path(raw): Path<String>) -> ApiResult<Proposal> {
    let id = params::numeric_id("proposal id", &raw)?;
    one(&s, &keys::proposal(id), format!("proposal {id}"))
}

#[utoipa::path(get, path = "/v1/validators", tag = "governance",
    responses((status = 200, description = "The current validator set", body = Vec<ValidatorInfo>)))]
pub async fn validators(State(s): State<AppState>) -> ApiResult<Vec<ValidatorInfo>> {
    let st = Overlay::new(s.chain.store());
    Ok(Json(chain_state::validators(&st).map_err(NodeError::from)?))
}

#[utoipa::path(get, path = "/v1/parameters", tag = "governance",
    responses((status = 200, description = "The governed parameters", body = Parameters)))]
pub async fn parameters(State(s): State<AppState>) -> ApiResult<Parameters> {
    let st = Overlay::new(s.chain.store());
    Ok(Json(chain_state::parameters(&st).map_err(NodeError::from)?))
}

#[utoipa::path(get, path = "/v1/calendar/{year}", tag = "governance",
    params(("year" = i32, Path, description = "Calendar year")),
    responses((status = 200, body = HolidayCalendar), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn calendar(
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<HolidayCalendar> {
    let year: i32 = raw
        .parse()
        .map_err(|_| ApiError::bad_request(format!("year must be a number, got {raw:?}")))?;
    one(
        &s,
        &keys::calendar(year),
        format!("a holiday calendar for {year}"),
    )
}
