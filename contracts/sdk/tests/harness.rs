//! The harness's upload checks refuse what the host refuses, and every committed contract
//! build passes them.

use kuai_contract_sdk::harness::{check_code, WasmContract};
use kuai_contract_sdk::{limits, MockHost};
use std::path::Path;

/// A minimal module with the ABI's exports, plus `extra` (imports first, then the rest).
fn module(imports: &str, extra: &str) -> Vec<u8> {
    wat::parse_str(format!(
        r#"(module
            {imports}
            (memory (export "memory") 1)
            (func (export "kuai_alloc") (param i32) (result i32) i32.const 0)
            (func (export "kuai_init") (param i32 i32) (result i64) i64.const 0)
            (func (export "kuai_decide") (param i32 i32) (result i64) i64.const 0)
            {extra})"#
    ))
    .unwrap()
}

fn refused(code: &[u8]) -> String {
    check_code(code).expect_err("accepted")
}

#[test]
fn a_minimal_module_with_the_host_imports_passes() {
    let imports = r#"
        (import "kuai" "storage_get" (func (param i32 i32 i32 i32) (result i32)))
        (import "kuai" "storage_set" (func (param i32 i32 i32 i32)))
        (import "kuai" "storage_remove" (func (param i32 i32)))
        (import "kuai" "emit_event" (func (param i32 i32)))
        (import "kuai" "abort" (func (param i32 i32)))"#;
    assert_eq!(check_code(&module(imports, "")), Ok(()));
}

#[test]
fn floating_point_is_refused() {
    let op = module("", "(func (result i32) f64.const 1 f64.const 2 f64.lt)");
    assert!(refused(&op).starts_with("floating-point instruction F64Const"));
    let convert = module(
        "",
        "(func (param i64) (result i64) local.get 0 f32.convert_i64_s i64.trunc_f32_s)",
    );
    assert!(refused(&convert).starts_with("floating-point instruction F32ConvertI64S"));
    let local = module("", "(func (local f32))");
    assert_eq!(refused(&local), "a function has f32/f64 locals");
    let param = module("", "(func (param f64))");
    assert_eq!(refused(&param), "a function type uses f32/f64");
    let global = module("", "(global f32 (f32.const 0))");
    assert_eq!(refused(&global), "a global is f32/f64");
}

#[test]
fn other_imports_and_wrong_types_are_refused() {
    let wasi = module(
        r#"(import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))"#,
        "",
    );
    assert_eq!(
        refused(&wasi),
        "unknown import wasi_snapshot_preview1::fd_write"
    );
    let unknown = module(r#"(import "kuai" "clock" (func (result i64)))"#, "");
    assert_eq!(refused(&unknown), "unknown import kuai::clock");
    let wrong = module(r#"(import "kuai" "abort" (func (param i32)))"#, "");
    assert!(refused(&wrong).starts_with("import kuai::abort is"));
}

#[test]
fn missing_or_mistyped_exports_are_refused() {
    let no_decide = wat::parse_str(
        r#"(module (memory (export "memory") 1)
            (func (export "kuai_alloc") (param i32) (result i32) i32.const 0)
            (func (export "kuai_init") (param i32 i32) (result i64) i64.const 0))"#,
    )
    .unwrap();
    assert!(refused(&no_decide).starts_with("export kuai_decide is None"));
    let no_memory = wat::parse_str(
        r#"(module
            (func (export "kuai_alloc") (param i32) (result i32) i32.const 0)
            (func (export "kuai_init") (param i32 i32) (result i64) i64.const 0)
            (func (export "kuai_decide") (param i32 i32) (result i32) i32.const 0))"#,
    )
    .unwrap();
    assert_eq!(refused(&no_memory), "no exported memory");
}

#[test]
fn oversized_and_invalid_modules_are_refused() {
    let big = module(
        "",
        &format!(
            r#"(data (i32.const 0) "{}")"#,
            "x".repeat(limits::MAX_CODE_BYTES)
        ),
    );
    assert!(refused(&big).contains("over the limit"));
    let simd = module(
        "",
        "(func (result i32) v128.const i64x2 0 0 i32x4.extract_lane 0)",
    );
    assert!(!refused(&simd).is_empty());
    assert!(refused(b"\0asm\x01\0\0\0\x01").starts_with("malformed module"));
}

#[test]
fn every_committed_contract_passes_and_runs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../wasm");
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
            err.starts_with("abort: ") && err.contains("kuai_init: input is not an InitInput"),
            "{}: {err}",
            path.display()
        );
    }
}
