//! Hostile contracts, written in WebAssembly text: each is stopped with a clear error,
//! and with the same fuel on every run.

use kuai_contract_abi::names;
use kuai_types::Hash;

use super::{call, check_code, limits, CallError, Storage};
use crate::error::RuntimeError;

/// A module with the required exports around `body` (a function `$decide` with the
/// ABI's signature) and `extra` module fields.
fn contract(decide_body: &str, extra: &str) -> Vec<u8> {
    wat::parse_str(format!(
        r#"(module
            {extra}
            (memory (export "memory") 1)
            (global $heap (mut i32) (i32.const 1024))
            (func (export "kuai_alloc") (param $n i32) (result i32)
                (local $p i32)
                (local.set $p (global.get $heap))
                (global.set $heap (i32.add (global.get $heap) (local.get $n)))
                (local.get $p))
            (func (export "kuai_init") (param i32 i32) (result i64) (i64.const 0))
            (func $decide (export "kuai_decide") (param $ptr i32) (param $len i32) (result i64)
                {decide_body}))"#
    ))
    .expect("test WAT parses")
}

fn run(code: &[u8], input: &[u8]) -> Result<super::CallOutcome, CallError> {
    let info = check_code(code).expect("the hostile contract passes upload checks");
    let code = code.to_vec();
    call(
        &info.hash,
        || Ok(code),
        names::DECIDE,
        input,
        Storage::new(),
    )
    .expect("no host failure")
}

/// Runs twice (the second time from the module cache) and expects the same failure.
fn fails(code: &[u8]) -> CallError {
    let first = run(code, b"input").expect_err("the contract must be stopped");
    let second = run(code, b"input").expect_err("the contract must be stopped");
    assert_eq!(first, second, "same error and fuel on every run");
    assert!(first.fuel_used > 0);
    first
}

fn refused(code: &[u8]) -> String {
    match check_code(code) {
        Err(RuntimeError::ContractCodeRefused { reason }) => reason,
        other => panic!("expected the code to be refused, got {other:?}"),
    }
}

#[test]
fn an_infinite_loop_runs_out_of_fuel() {
    let e = fails(&contract("(loop $l (br $l)) (i64.const 0)", ""));
    assert!(e.reason.contains("out of fuel"), "{e}");
    assert_eq!(e.fuel_used, limits::FUEL_PER_CALL);
}

#[test]
fn a_memory_grow_bomb_is_stopped_at_the_limit() {
    let e = fails(&contract(
        "(loop $l (drop (memory.grow (i32.const 16))) (br $l)) (i64.const 0)",
        "",
    ));
    assert!(e.reason.contains("over the limit"), "{e}");
    assert!(e.reason.contains("memory.grow"), "{e}");
}

#[test]
fn deep_recursion_exhausts_the_stack() {
    let code = contract(
        "(call $deep (i64.const 0))",
        "(func $deep (param $x i64) (result i64) (call $deep (i64.add (local.get $x) (i64.const 1))))",
    );
    let e = fails(&code);
    assert!(e.reason.contains("stack exhausted"), "{e}");
}

#[test]
fn a_huge_return_value_is_refused() {
    // ptr 0, len 1 GiB.
    let e = fails(&contract("(i64.const 0x40000000)", ""));
    assert!(e.reason.contains("output of 1073741824 bytes"), "{e}");
    // Within the limit but past the end of memory.
    let e = fails(&contract("(i64.const 0xFFFF000000001000)", ""));
    assert!(e.reason.contains("outside the contract's memory"), "{e}");
}

#[test]
fn unknown_imports_are_refused_at_upload() {
    let wasi = contract(
        "(i64.const 0)",
        r#"(import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))"#,
    );
    assert!(refused(&wasi).contains("unknown import wasi_snapshot_preview1::fd_write"));
    let wrong_type = contract(
        "(i64.const 0)",
        r#"(import "kuai" "emit_event" (func (param i64)))"#,
    );
    assert!(refused(&wrong_type).contains("kuai::emit_event has the wrong type"));
    let memory_import = wat::parse_str(r#"(module (import "kuai" "mem" (memory 1)))"#).unwrap();
    assert!(refused(&memory_import).contains("unknown import kuai::mem"));
}

#[test]
fn floating_point_is_refused_at_upload() {
    let ops = contract(
        "(drop (f64.add (f64.const 1) (f64.const 2))) (i64.const 0)",
        "",
    );
    assert!(
        refused(&ops).contains("floating-point instruction"),
        "{}",
        refused(&ops)
    );
    let conversion = contract("(drop (i32.trunc_f32_s (f32.const 1))) (i64.const 0)", "");
    assert!(refused(&conversion).contains("floating-point"));
    let typed = contract("(i64.const 0)", "(func (param f32))");
    assert!(refused(&typed).contains("f32/f64"));
}

#[test]
fn missing_exports_oversize_and_garbage_are_refused() {
    let no_decide = wat::parse_str(
        r#"(module (memory (export "memory") 1)
            (func (export "kuai_alloc") (param i32) (result i32) (i32.const 0))
            (func (export "kuai_init") (param i32 i32) (result i64) (i64.const 0)))"#,
    )
    .unwrap();
    assert!(refused(&no_decide).contains("missing export kuai_decide"));
    assert!(refused(&vec![0u8; limits::MAX_CODE_BYTES + 1]).contains("over the limit"));
    assert!(refused(b"\0asm garbage").contains("malformed"));
    assert!(refused(b"").contains("empty"));
}

#[test]
fn a_trap_and_an_abort_give_their_reasons() {
    let e = fails(&contract("unreachable", ""));
    assert!(e.reason.contains("unreachable"), "{e}");
    let abort = wat::parse_str(
        r#"(module
            (import "kuai" "abort" (func $abort (param i32 i32)))
            (memory (export "memory") 1)
            (data (i32.const 2048) "boom")
            (func (export "kuai_alloc") (param i32) (result i32) (i32.const 1024))
            (func (export "kuai_init") (param i32 i32) (result i64) (i64.const 0))
            (func (export "kuai_decide") (param i32 i32) (result i64)
                (call $abort (i32.const 2048) (i32.const 4)) (i64.const 0)))"#,
    )
    .unwrap();
    let e = fails(&abort);
    assert_eq!(e.reason, "contract aborted: boom");
}

#[test]
fn storage_and_output_round_trip_with_deterministic_fuel() {
    // Writes key "k" = the input, then returns the stored value read back.
    let code = wat::parse_str(
        r#"(module
            (import "kuai" "storage_set" (func $set (param i32 i32 i32 i32)))
            (import "kuai" "storage_get" (func $get (param i32 i32 i32 i32) (result i32)))
            (import "kuai" "emit_event" (func $emit (param i32 i32)))
            (memory (export "memory") 1)
            (data (i32.const 16) "k")
            (func (export "kuai_alloc") (param i32) (result i32) (i32.const 1024))
            (func (export "kuai_init") (param i32 i32) (result i64) (i64.const 0))
            (func (export "kuai_decide") (param $p i32) (param $n i32) (result i64)
                (local $len i32)
                (call $set (i32.const 16) (i32.const 1) (local.get $p) (local.get $n))
                (call $emit (local.get $p) (local.get $n))
                (local.set $len (call $get (i32.const 16) (i32.const 1) (i32.const 4096) (i32.const 64)))
                (i64.or (i64.shl (i64.const 4096) (i64.const 32)) (i64.extend_i32_u (local.get $len)))))"#,
    )
    .unwrap();
    let a = run(&code, b"hello").expect("runs");
    let b = run(&code, b"hello").expect("runs");
    assert_eq!(a, b);
    assert_eq!(a.output, b"hello");
    assert_eq!(a.events, vec!["hello".to_string()]);
    let stored = a.storage.expect("storage changed");
    assert_eq!(
        stored.get(&b"k"[..]).map(Vec::as_slice),
        Some(&b"hello"[..])
    );
    // More input costs more fuel (host calls are charged by the byte).
    let longer = run(&code, b"hello, world").expect("runs");
    assert!(longer.fuel_used > a.fuel_used);
}

#[test]
fn the_hash_is_the_plain_sha256_of_the_code() {
    let code = contract("(i64.const 0)", "");
    assert_eq!(check_code(&code).unwrap().hash, Hash::sha256(&code));
}

#[test]
fn every_call_starts_from_zeroed_memory_with_the_modules_data() {
    // Returns what it finds at its data segment, in the low pages every host keeps
    // resident, in a page only a `PAGEMAP_SCAN` host keeps, and in one past every kept
    // region; then overwrites all four: no call may see another's writes.
    let code = wat::parse_str(
        r#"(module
            (memory (export "memory") 24)
            (data (i32.const 16) "data")
            (func (export "kuai_alloc") (param i32) (result i32) (i32.const 1024))
            (func (export "kuai_init") (param i32 i32) (result i64) (i64.const 0))
            (func (export "kuai_decide") (param i32 i32) (result i64)
                (i32.store (i32.const 8192) (i32.load (i32.const 16)))
                (i64.store (i32.const 8196) (i64.load (i32.const 2048)))
                (i64.store (i32.const 8204) (i64.load (i32.const 100000)))
                (i64.store (i32.const 8212) (i64.load (i32.const 1400000)))
                (i32.store (i32.const 16) (i32.const 0x58585858))
                (i64.store (i32.const 2048) (i64.const -1))
                (i64.store (i32.const 100000) (i64.const -1))
                (i64.store (i32.const 1400000) (i64.const -1))
                (i64.or (i64.shl (i64.const 8192) (i64.const 32)) (i64.const 28))))"#,
    )
    .unwrap();
    let mut expected = b"data".to_vec();
    expected.extend([0u8; 24]);
    for _ in 0..5 {
        assert_eq!(run(&code, b"").expect("runs").output, expected);
    }
}

#[test]
fn memory_a_call_grew_is_neither_visible_nor_reachable_from_the_next() {
    // Memory bounds are checked by the compiled code (the host runs without guard pages
    // or signal handlers, see `engine.rs`), so a pool slot keeps what a call grew mapped
    // for the next one. With input "g" the contract grows its memory by three pages and
    // returns what it finds there, then overwrites it; with anything else it reads there
    // without growing, which must trap.
    let code = wat::parse_str(
        r#"(module
            (memory (export "memory") 1)
            (func (export "kuai_alloc") (param i32) (result i32) (i32.const 1024))
            (func (export "kuai_init") (param i32 i32) (result i64) (i64.const 0))
            (func (export "kuai_decide") (param $p i32) (param $n i32) (result i64)
                (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 0x67))
                    (then
                        (drop (memory.grow (i32.const 3)))
                        (i64.store (i32.const 8192) (i64.load (i32.const 200000)))
                        (i64.store (i32.const 200000) (i64.const -1))
                        (return (i64.or (i64.shl (i64.const 8192) (i64.const 32)) (i64.const 8)))))
                (i64.store (i32.const 8192) (i64.load (i32.const 200000)))
                (i64.or (i64.shl (i64.const 8192) (i64.const 32)) (i64.const 8))))"#,
    )
    .unwrap();
    for _ in 0..3 {
        assert_eq!(run(&code, b"g").expect("runs").output, [0u8; 8]);
        let e = run(&code, b"r").expect_err("a read past the memory's size traps");
        assert!(e.reason.contains("out of bounds"), "{e}");
    }
}
