//! The OpenAPI document, generated from the handlers' annotations.

use utoipa::OpenApi;

use super::{governance, ledger, oversight, records};

#[derive(OpenApi)]
#[openapi(
    info(title = "Kuai node API", description = "Permissioned ledger for government data sharing: status, transactions, blocks and the records of the data-sharing policy."),
    paths(
        ledger::status, ledger::submit_tx, ledger::get_tx, ledger::list_blocks, ledger::get_block, ledger::get_account,
        records::organizations, records::organization, records::catalog, records::catalog_entry,
        records::share_requests, records::share_request, records::grants, records::grant,
        records::access_events, records::access_event,
        oversight::entry_versions, oversight::data_element, oversight::objections, oversight::objection,
        oversight::agreements, oversight::agreement, oversight::scorecards, oversight::org_scorecard,
        governance::proposals, governance::proposal, governance::validators, governance::parameters, governance::calendar,
    ),
    tags((name = "ledger", description = "Chain status, transactions, blocks"), (name = "records", description = "Policy records on the ledger"), (name = "governance", description = "Proposals, validators, parameters, calendars"))
)]
struct ApiDoc;

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
