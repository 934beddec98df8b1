//! The harness runs contracts through the real host: its upload check is the host's
//! (refusals in detail are tested in `kuai-runtime`), and every committed contract build
//! passes it and runs.

use kuai_contract_sdk::harness::{check_code, WasmContract};
use kuai_contract_sdk::MockHost;

#[test]
fn the_upload_check_is_the_hosts() {
    let float = wat::parse_str(
        r#"(module (memory (export "memory") 1)
            (func (export "kuai_alloc") (param i32) (result i32) i32.const 0)
            (func (export "kuai_init") (param i32 i32) (result i64) i64.const 0)
            (func (export "kuai_decide") (param i32 i32) (result i64)
                (drop (f64.const 1)) i64.const 0))"#,
    )
    .unwrap();
    let err = check_code(&float).unwrap_err();
    assert!(err.contains("floating-point instruction"), "{err}");
    let wasi =
        wat::parse_str(r#"(module (import "wasi_snapshot_preview1" "fd_write" (func)))"#).unwrap();
    assert!(check_code(&wasi).unwrap_err().contains("unknown import"));
}

#[test]
fn every_committed_contract_passes_and_runs() {
    let dir = kuai_contract_sdk::harness::committed_wasm("");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
        .collect();
    names.sort();
    let found: Vec<_> = names
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        found,
        [
            "allow_list.wasm",
            "masking_required.wasm",
            "quota_window.wasm"
        ]
    );
    for path in names {
        let contract = WasmContract::load(&path).unwrap();
        // Any input that is not an InitInput stops the call through the panic handler.
        let err = contract
            .call(&mut MockHost::new(), "kuai_init", b"")
            .unwrap_err();
        assert!(
            err.starts_with("contract aborted: ")
                && err.contains("kuai_init: input is not an InitInput"),
            "{}: {err}",
            path.display()
        );
    }
}
