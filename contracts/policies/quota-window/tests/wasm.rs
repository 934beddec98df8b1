//! The committed build `contracts/wasm/quota_window.wasm` passes the host's upload checks
//! and decides exactly as this crate's source does (else: run scripts/build-contracts.sh).

use kuai_contract_sdk::harness::{assert_same_as_native, WasmContract};
use kuai_contract_sdk::{sample_input, PolicyInput};
use kuai_policy_quota_window::{decide, init};

fn wasm() -> std::path::PathBuf {
    kuai_contract_sdk::harness::committed_wasm("quota_window.wasm")
}
const HOUR: u64 = 3_600_000;

/// The sample request `hours` after 2025-03-03 10:00 China time, from `org`.
fn at(hours: u64, org: &str) -> PolicyInput {
    let mut input = sample_input();
    input.block_time_ms += hours * HOUR;
    input.requester.org = org.into();
    input
}

#[test]
fn committed_build_matches_source() {
    let contract = WasmContract::load(wasm()).unwrap();
    let (a, b) = ("11520100MB1742286U", "11520100MB01377292");
    // Same day, two organizations, past the limit; late evening; the next days.
    let mut inputs = vec![at(0, a), at(1, a), at(2, b), at(3, a), at(9, a), at(13, a)];
    inputs.extend([at(14, a), at(14, b), at(23, a), at(24, a), at(48, b)]);
    let mut short = at(5, b);
    short.request.period_days = 2;
    short.request.raw_fields = vec!["id_number".into()];
    inputs.push(short);
    let mut zero = at(6, b);
    zero.request.period_days = 0;
    inputs.push(zero);
    assert_same_as_native(
        &contract,
        init,
        decide,
        &[
            (
                "max_days=10\ndaily_calls=100\ndaily_grants=2",
                inputs.clone(),
            ),
            (
                "max_days=90\ndaily_calls=18446744073709551615\ndaily_grants=3\nhours=9-18",
                inputs.clone(),
            ),
            (
                "max_days=7\ndaily_calls=5\ndaily_grants=1\nhours=22-6",
                inputs.clone(),
            ),
            ("max_days=0\ndaily_calls=5\ndaily_grants=1", inputs.clone()),
            ("max_days=7\ndaily_calls=5\ndaily_grants=1\nhours=9", inputs),
        ],
    );
}
