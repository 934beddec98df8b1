//! The committed sample policies (`contracts/wasm/*.wasm`) under the real host: each
//! passes the upload checks, accepts or refuses its parameters, and decides a request
//! the same way every run with the same fuel.

use kuai_contract_abi::{
    decode, encode, names, Channel, Decision, Entry, Field, InitInput, InitOutcome, PolicyInput,
    Request, Requester,
};
use kuai_runtime::contracts::{call, check_code, CallOutcome, Storage};

fn wasm(name: &str) -> Vec<u8> {
    // The package directory cargo gives the test when it runs it, not the one baked in
    // at build time (a binary reused from a target directory shared with another
    // checkout must read this checkout's files).
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or(env!("CARGO_MANIFEST_DIR").into());
    let path = format!("{dir}/../contracts/wasm/{name}.wasm");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn run(code: &[u8], export: &str, input: &[u8], storage: Storage) -> CallOutcome {
    let info = check_code(code).expect("the sample policy passes the upload checks");
    let bytes = code.to_vec();
    call(&info.hash, || Ok(bytes), export, input, storage)
        .expect("no host failure")
        .expect("the policy runs to the end")
}

fn init(code: &[u8], params: &str) -> InitOutcome {
    let input = encode(&InitInput {
        instance_id: 1,
        params: params.into(),
        block_height: 10,
        block_time_ms: 0,
    });
    decode(&run(code, names::INIT, &input, Storage::new()).output).unwrap()
}

const CIVIL: &str = "11520100MB1531042U";
const HEALTH: &str = "115201000092838058";
/// 2026-03-02 10:00 China time.
const MONDAY_10H: u64 = 1_772_416_800_000;

fn input(
    params: &str,
    org: &str,
    purpose: &str,
    fields: &[&str],
    raw: &[&str],
    basis: &str,
) -> PolicyInput {
    let field = |name: &str, sensitivity: &str, masking: &str| Field {
        name: name.into(),
        sensitivity: sensitivity.into(),
        masking: masking.into(),
    };
    PolicyInput {
        instance_id: 1,
        params: params.into(),
        block_height: 10,
        block_time_ms: MONDAY_10H,
        request: Request {
            id: 7,
            channel: Channel::Sharing,
            fields: fields.iter().map(|s| s.to_string()).collect(),
            raw_fields: raw.iter().map(|s| s.to_string()).collect(),
            purpose: purpose.into(),
            legal_basis: basis.into(),
            period_days: 365,
        },
        entry: Entry {
            id: 4,
            version: 1,
            provider: "11520100009283741A".into(),
            name: "Driving licences".into(),
            security_grade: 2,
            fields: vec![
                field("id_number", "sensitive", "id_number"),
                field("name", "sensitive", "name"),
                field("district", "public", "none"),
                field("permit_no", "sensitive", "keyed_hash"),
            ],
        },
        requester: Requester {
            org: org.into(),
            org_name: "Civil affairs".into(),
            org_kind: "department".into(),
            role: "app".into(),
        },
    }
}

fn decide(code: &[u8], i: &PolicyInput, storage: Storage) -> (Decision, CallOutcome) {
    let out = run(code, names::DECIDE, &encode(i), storage);
    (decode(&out.output).expect("a well-formed decision"), out)
}

#[test]
fn allow_list_grants_listed_requesters_and_cuts_fields() {
    let code = wasm("allow_list");
    assert!(
        matches!(init(&code, ""), InitOutcome::InvalidParams { reason } if reason.contains("requesters"))
    );
    let params = format!("requesters={CIVIL}\npurposes=allowance\nfields=name,district");
    assert_eq!(init(&code, &params), InitOutcome::Ok);
    let ok = input(
        &params,
        CIVIL,
        "Subsistence allowance checks",
        &["id_number", "name"],
        &[],
        "art. 11",
    );
    let (d, first) = decide(&code, &ok, Storage::new());
    match d {
        Decision::Grant(t) => assert_eq!(t.fields, vec!["name".to_string()]),
        other => panic!("expected a grant, got {other:?}"),
    }
    let (_, second) = decide(&code, &ok, Storage::new());
    assert_eq!(first, second, "same output, notes and fuel every run");
    let other = input(
        &params,
        HEALTH,
        "Subsistence allowance checks",
        &["name"],
        &[],
        "art. 11",
    );
    assert!(
        matches!(decide(&code, &other, Storage::new()).0, Decision::Reject { reason } if reason.contains(HEALTH))
    );
    let purpose = input(&params, CIVIL, "Marketing", &["name"], &[], "art. 11");
    assert!(matches!(
        decide(&code, &purpose, Storage::new()).0,
        Decision::Reject { .. }
    ));
}

#[test]
fn quota_window_counts_grants_per_day_in_its_storage() {
    let code = wasm("quota_window");
    let params = "max_days=90\ndaily_calls=10\ndaily_grants=2";
    assert_eq!(init(&code, params), InitOutcome::Ok);
    assert!(matches!(
        init(&code, "max_days=0\ndaily_calls=1\ndaily_grants=1"),
        InitOutcome::InvalidParams { .. }
    ));
    let i = input(params, CIVIL, "checks", &["name"], &[], "art. 11");
    let mut storage = Storage::new();
    for n in 0..2 {
        let (d, out) = decide(&code, &i, storage.clone());
        match d {
            Decision::Grant(t) => {
                assert_eq!(t.period_days, 90, "grant {n} is cut to max_days");
                assert_eq!(t.quota_calls, Some(900));
            }
            other => panic!("grant {n}: expected a grant, got {other:?}"),
        }
        storage = out.storage.expect("the count is stored");
    }
    let (d, _) = decide(&code, &i, storage);
    assert!(matches!(d, Decision::Reject { reason } if reason.contains("daily limit")));
}

#[test]
fn masking_required_needs_a_cited_code_for_raw_sensitive_fields() {
    let code = wasm("masking_required");
    let params = "legal_basis_codes=LAW-EXITENTRY-37";
    assert_eq!(init(&code, params), InitOutcome::Ok);
    let without = input(
        params,
        CIVIL,
        "checks",
        &["name", "permit_no"],
        &["permit_no"],
        "art. 11",
    );
    assert!(
        matches!(decide(&code, &without, Storage::new()).0, Decision::Reject { reason } if reason.contains("permit_no"))
    );
    let with = input(
        params,
        CIVIL,
        "checks",
        &["name", "permit_no"],
        &["permit_no"],
        "LAW-EXITENTRY-37 art. 37",
    );
    match decide(&code, &with, Storage::new()).0 {
        Decision::Grant(t) => assert_eq!(t.raw_fields, vec!["permit_no".to_string()]),
        other => panic!("expected a grant, got {other:?}"),
    }
    let masked = input(
        params,
        CIVIL,
        "checks",
        &["name", "district"],
        &[],
        "art. 11",
    );
    assert!(
        matches!(decide(&code, &masked, Storage::new()).0, Decision::Grant(t) if t.raw_fields.is_empty())
    );
}
