//! The OpenAPI document, generated from the handlers' annotations.

use utoipa::OpenApi;

use super::gateway;
use super::search;
use super::{
    batch, contracts, events, governance, heads, history, ledger, oversight, records, subjects,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "Kuai node API", description = "Permissioned ledger for government data sharing: status, transactions, blocks and the records of the data-sharing policy."),
    paths(
        ledger::status, heads::stream, ledger::submit_tx, batch::submit_txs, batch::block_tx_ids, ledger::get_tx, ledger::list_blocks, ledger::get_block, ledger::get_account,
        records::organizations, records::organization, records::catalog, records::catalog_entry,
        records::share_requests, records::share_request, records::grants, records::grant,
        records::access_events, records::access_event,
        subjects::subject_accesses, oversight::entry_versions, oversight::data_element, oversight::objections, oversight::objection,
        oversight::agreements, oversight::agreement, oversight::scorecards, oversight::org_scorecard,
        governance::proposals, governance::proposal, governance::validators, governance::parameters, governance::calendar,
        search::search, search::calendars,
        gateway::fetch, gateway::datasets, gateway::scorecards,
        events::stream, history::organization, history::entry,
        contracts::codes, contracts::code, contracts::code_wasm, contracts::instances, contracts::instance, contracts::entry_policy,
    ),
    tags((name = "ledger", description = "Chain status, transactions, blocks"), (name = "records", description = "Policy records on the ledger"), (name = "governance", description = "Proposals, validators, parameters, calendars"), (name = "gateway", description = "The data gateway: masked rows under a grant, recorded on chain"), (name = "events", description = "The event stream (server-sent events) and the history of organizations and catalog entries"), (name = "contracts", description = "Policy contracts: code approved by governance, instances, bindings to catalog entries"))
)]
struct ApiDoc;

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
