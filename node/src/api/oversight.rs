//! Routes for oversight: entry versions, the data element register, objections,
//! opening agreements, and department scorecards.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use kuai_runtime::keys;
use kuai_types::api::ErrorBody;
use kuai_types::codec::{self, MAX_STATE_VALUE_BYTES};
use kuai_types::identifiers::check_credit_code;
use kuai_types::model::{
    Agreement, CatalogEntryVersion, DataElement, Objection, ObjectionStatus, Organization, Page,
    Scorecard,
};

use super::error::{ApiError, ApiResult};
use super::params::{self, ListParams};
use super::records::{numeric_cursor, one, page};
use super::AppState;
use crate::error::NodeError;

#[utoipa::path(get, path = "/v1/catalog/{id}/versions", tag = "records",
    params(("id" = u64, Path, description = "Catalog entry id")),
    responses((status = 200, description = "Earlier versions, oldest first", body = Vec<CatalogEntryVersion>), (status = 400, body = ErrorBody)))]
pub async fn entry_versions(
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<Vec<CatalogEntryVersion>> {
    let id = params::numeric_id("catalog entry id", &raw)?;
    let rows = s
        .chain
        .store()
        .scan_state(&keys::entry_versions(id), None, 10_000)?;
    let versions = rows
        .iter()
        .map(|(_, v)| codec::decode(v, MAX_STATE_VALUE_BYTES))
        .collect::<Result<Vec<CatalogEntryVersion>, _>>()
        .map_err(|e| NodeError::Corrupt {
            what: "entry version".into(),
            reason: e.to_string(),
        })?;
    Ok(Json(versions))
}

#[utoipa::path(get, path = "/v1/data-elements/{code}", tag = "records",
    params(("code" = String, Path, description = "Data element code")),
    responses((status = 200, body = DataElement), (status = 404, body = ErrorBody)))]
pub async fn data_element(
    State(s): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<DataElement> {
    one(
        &s,
        &keys::data_element(&code),
        format!("data element {code}"),
    )
}

/// Filters of the objection listing.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ObjectionFilter {
    pub entry: Option<u64>,
    /// Providing department's credit code.
    pub provider: Option<String>,
    /// `true`: only unanswered objections.
    pub open: Option<bool>,
}

#[utoipa::path(get, path = "/v1/objections", tag = "records", params(ListParams, ObjectionFilter),
    responses((status = 200, body = Page<Objection>), (status = 400, body = ErrorBody)))]
pub async fn objections(
    State(s): State<AppState>,
    q: Result<Query<ListParams>, QueryRejection>,
    f: Result<Query<ObjectionFilter>, QueryRejection>,
) -> ApiResult<Page<Objection>> {
    let (Query(q), Query(f)) = (q?, f?);
    page(
        &s,
        keys::OBJECTION,
        &q,
        numeric_cursor(keys::OBJECTION),
        |o: &Objection| o.id.to_string(),
        |o| {
            f.entry.is_none_or(|e| o.entry_id == e)
                && f.provider.as_ref().is_none_or(|p| &o.provider == p)
                && f.open
                    .is_none_or(|open| (o.status == ObjectionStatus::Open) == open)
        },
    )
}

#[utoipa::path(get, path = "/v1/objections/{id}", tag = "records",
    params(("id" = u64, Path, description = "Objection id")),
    responses((status = 200, body = Objection), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn objection(State(s): State<AppState>, Path(raw): Path<String>) -> ApiResult<Objection> {
    let id = params::numeric_id("objection id", &raw)?;
    one(&s, &keys::objection(id), format!("objection {id}"))
}

#[utoipa::path(get, path = "/v1/agreements", tag = "records", params(ListParams),
    responses((status = 200, body = Page<Agreement>), (status = 400, body = ErrorBody)))]
pub async fn agreements(
    State(s): State<AppState>,
    q: Result<Query<ListParams>, QueryRejection>,
) -> ApiResult<Page<Agreement>> {
    let Query(q) = q?;
    page(
        &s,
        keys::AGREEMENT,
        &q,
        numeric_cursor(keys::AGREEMENT),
        |a: &Agreement| a.id.to_string(),
        |_| true,
    )
}

#[utoipa::path(get, path = "/v1/agreements/{id}", tag = "records",
    params(("id" = u64, Path, description = "Agreement id")),
    responses((status = 200, body = Agreement), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn agreement(State(s): State<AppState>, Path(raw): Path<String>) -> ApiResult<Agreement> {
    let id = params::numeric_id("agreement id", &raw)?;
    one(&s, &keys::agreement(id), format!("agreement {id}"))
}

#[utoipa::path(get, path = "/v1/scorecards", tag = "records",
    responses((status = 200, description = "Every department's scorecard", body = Vec<Scorecard>)))]
pub async fn scorecards(State(s): State<AppState>) -> ApiResult<Vec<Scorecard>> {
    let mut out = Vec::new();
    for (_, v) in s
        .chain
        .store()
        .scan_state(keys::ORGANIZATION, None, 100_000)?
    {
        let org: Organization =
            codec::decode(&v, MAX_STATE_VALUE_BYTES).map_err(|e| NodeError::Corrupt {
                what: "organization".into(),
                reason: e.to_string(),
            })?;
        if org.kind == kuai_types::model::OrgKind::Department {
            out.push(card(&s, &org.credit_code)?);
        }
    }
    Ok(Json(out))
}

fn card(s: &AppState, code: &str) -> Result<Scorecard, ApiError> {
    Ok(s.chain
        .store()
        .state_value::<Scorecard>(&keys::scorecard(code))?
        .unwrap_or_else(|| Scorecard {
            organization: code.to_string(),
            ..Default::default()
        }))
}

#[utoipa::path(get, path = "/v1/organizations/{credit_code}/scorecard", tag = "records",
    params(("credit_code" = String, Path, description = "Unified social credit code")),
    responses((status = 200, body = Scorecard), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn org_scorecard(
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<Scorecard> {
    let code = check_credit_code(&raw).map_err(|e| ApiError::bad_request(e.to_string()))?;
    if s.chain
        .store()
        .state_value::<Organization>(&keys::organization(&code))?
        .is_none()
    {
        return Err(ApiError::not_found(format!(
            "organization {code} does not exist"
        )));
    }
    Ok(Json(card(&s, &code)?))
}
