//! The committed build `contracts/wasm/allow_list.wasm` passes the host's upload checks
//! and decides exactly as this crate's source does (else: run scripts/build-contracts.sh).

use kuai_contract_sdk::harness::{assert_same_as_native, WasmContract};
use kuai_contract_sdk::{sample_input, MockHost, PolicyInput};
use kuai_policy_allow_list::{decide, init};

fn wasm() -> std::path::PathBuf {
    kuai_contract_sdk::harness::committed_wasm("allow_list.wasm")
}

fn with(f: impl FnOnce(&mut PolicyInput)) -> PolicyInput {
    let mut input = sample_input();
    f(&mut input);
    input
}

#[test]
fn committed_build_matches_source() {
    let contract = WasmContract::load(wasm()).unwrap();
    let inputs = vec![
        sample_input(),
        with(|i| i.request.raw_fields = vec!["name".into()]),
        with(|i| i.request.purpose = "marketing".into()),
        with(|i| i.requester.role = "cdo".into()),
        with(|i| i.requester.org = "11520100009283741A".into()),
        with(|i| i.request.fields = vec!["phone".into()]),
        with(|i| i.request.purpose = "营业执照 LICENCE 核验".into()),
    ];
    assert_same_as_native(
        &contract,
        init,
        decide,
        &[
            ("requesters=*\npurposes=licence", inputs.clone()),
            (
                "# market regulation only, its officers\n\
                 requesters=11520100MB1742286U\nroles=cdo,reviewer\n\
                 purposes=licence, 证照\nfields=name,district",
                inputs.clone(),
            ),
            (
                "requesters=11520100MB1742286U\npurposes=*\nfields=district",
                inputs.clone(),
            ),
            // Invalid parameters: InvalidParams from init, Defer from decide.
            ("requesters=bad\npurposes=*", inputs.clone()),
            ("requesters=*", inputs),
        ],
    );
}

#[test]
fn garbage_input_aborts_with_the_panic_message() {
    let contract = WasmContract::load(wasm()).unwrap();
    let err = contract
        .call(&mut MockHost::new(), "kuai_decide", &[0xff; 3])
        .unwrap_err();
    assert!(err.starts_with("contract aborted: "), "{err}");
    assert!(
        err.contains("kuai_decide: input is not a PolicyInput"),
        "{err}"
    );
}
