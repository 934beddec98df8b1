//! Decision latency of the sample policies under the contract host: one `kuai_decide`
//! call on a realistic request (instance from the pool, input written, decision read
//! back), with the module already compiled (the steady state on a validator), and the
//! upload check (validation and compilation) of a policy.
//!
//! `cargo bench -p kuai-runtime --bench contracts --profile dev`

use criterion::{criterion_group, criterion_main, Criterion};
use kuai_contract_abi::{encode, names, Channel, Entry, Field, PolicyInput, Request, Requester};
use kuai_runtime::contracts::{call, check_code, Storage};
use kuai_types::Hash;

fn wasm(name: &str) -> Vec<u8> {
    // The package directory at run time, not at build time (see tests/policies.rs).
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or(env!("CARGO_MANIFEST_DIR").into());
    let path = format!("{dir}/../contracts/wasm/{name}.wasm");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn input(params: &str) -> Vec<u8> {
    let field = |name: &str, sensitivity: &str, masking: &str| Field {
        name: name.into(),
        sensitivity: sensitivity.into(),
        masking: masking.into(),
    };
    encode(&PolicyInput {
        instance_id: 1,
        params: params.into(),
        block_height: 1_000,
        block_time_ms: 1_772_416_800_000,
        request: Request {
            id: 42,
            channel: Channel::Sharing,
            fields: vec!["name".into(), "district".into(), "licence_class".into()],
            raw_fields: vec![],
            purpose: "Subsistence allowance eligibility checks (低保资格核查)".into(),
            legal_basis: "Social Assistance Measures art. 11".into(),
            period_days: 180,
        },
        entry: Entry {
            id: 4,
            version: 1,
            provider: "11520100009283741A".into(),
            name: "Driving licences (机动车驾驶证信息)".into(),
            security_grade: 2,
            fields: vec![
                field("id_number", "sensitive", "id_number"),
                field("name", "sensitive", "name"),
                field("birth_date", "sensitive", "generalize"),
                field("district", "public", "none"),
                field("licence_class", "public", "none"),
            ],
        },
        requester: Requester {
            org: "115201000092838058".into(),
            org_name: "Guiyang Civil Affairs Bureau".into(),
            org_kind: "department".into(),
            role: "app".into(),
        },
    })
}

fn bench(c: &mut Criterion) {
    let cases = [
        (
            "allow_list",
            "requesters=115201000092838058,11520100MB1742286U\nroles=cdo,app\npurposes=allowance,licence\nfields=name,district,licence_class",
        ),
        ("quota_window", "max_days=90\ndaily_calls=200\ndaily_grants=1000000"),
        ("masking_required", "legal_basis_codes=LAW-EXITENTRY-37,GB-2023-17"),
    ];
    for (name, params) in cases {
        let code = wasm(name);
        let hash = Hash::sha256(&code);
        let bytes = input(params);
        c.bench_function(&format!("decide/{name}"), |b| {
            b.iter(|| {
                let code = code.clone();
                call(&hash, || Ok(code), names::DECIDE, &bytes, Storage::new())
                    .expect("no host failure")
                    .expect("decides")
            })
        });
    }
    let code = wasm("allow_list");
    c.bench_function("upload_check/allow_list", |b| {
        b.iter(|| check_code(&code).expect("valid"))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
