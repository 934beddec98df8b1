//! The committed build `contracts/wasm/masking_required.wasm` passes the host's upload
//! checks and decides exactly as this crate's source does (else: run
//! scripts/build-contracts.sh).

use kuai_contract_sdk::harness::{assert_same_as_native, WasmContract};
use kuai_contract_sdk::{sample_input, Field, PolicyInput};
use kuai_policy_masking_required::{decide, init};

fn wasm() -> std::path::PathBuf {
    kuai_contract_sdk::harness::committed_wasm("masking_required.wasm")
}

fn with(f: impl FnOnce(&mut PolicyInput)) -> PolicyInput {
    let mut input = sample_input();
    f(&mut input);
    input
}

#[test]
fn committed_build_matches_source() {
    let contract = WasmContract::load(wasm()).unwrap();
    let unmasked = |i: &mut PolicyInput| {
        i.entry.fields.push(Field {
            name: "diagnosis".into(),
            sensitivity: "sensitive".into(),
            masking: "none".into(),
        });
        i.request.fields.push("diagnosis".into());
    };
    let inputs = vec![
        sample_input(),
        with(|i| i.request.raw_fields = vec!["district".into()]),
        with(|i| i.request.raw_fields = vec!["id_number".into(), "district".into()]),
        with(|i| {
            i.request.raw_fields = vec!["id_number".into()];
            i.request.legal_basis = "依据 law-pipl-13 第十三条".into();
        }),
        with(unmasked),
        with(|i| {
            unmasked(i);
            i.request.raw_fields = vec!["diagnosis".into()];
            i.request.legal_basis = "GB-2023-17".into();
        }),
        with(|i| i.request.fields.push("ghost".into())),
    ];
    assert_same_as_native(
        &contract,
        init,
        decide,
        &[
            ("legal_basis_codes=GB-2023-17, LAW-PIPL-13", inputs.clone()),
            ("legal_basis_codes=GB-2023-17", inputs.clone()),
            ("legal_basis_codes=not a code", inputs.clone()),
            ("", inputs),
        ],
    );
}
