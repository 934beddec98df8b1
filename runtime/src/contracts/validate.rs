//! Checks on code before it is stored: what upload refuses, with the reason.
//!
//! Refused: more than [`limits::MAX_CODE_BYTES`]; anything that does not validate under
//! the engine's features (no SIMD, threads, memory64, multi-memory); any floating-point
//! instruction, or an f32/f64 value type anywhere (parameters, results, locals, globals);
//! an import other than the host functions of module `kuai` with their exact types;
//! missing exports `memory`, `kuai_alloc`, `kuai_init`, `kuai_decide` or wrong types.

use kuai_contract_abi::{limits, names};
use kuai_types::Hash;
use wasmparser::{Parser, Payload, ValType};
use wasmtime::{ExternType, FuncType, Module, ValType as WtVal};

use super::engine::host;
use crate::error::RuntimeError;

/// What upload learned about valid code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeInfo {
    pub hash: Hash,
    pub size: u32,
}

fn refused(reason: impl Into<String>) -> RuntimeError {
    RuntimeError::ContractCodeRefused {
        reason: reason.into(),
    }
}

/// Checks uploaded code; compiling it also warms the module cache's engine.
pub fn check_code(code: &[u8]) -> Result<CodeInfo, RuntimeError> {
    if code.len() > limits::MAX_CODE_BYTES {
        return Err(refused(format!(
            "{} bytes, over the limit of {}",
            code.len(),
            limits::MAX_CODE_BYTES
        )));
    }
    if code.is_empty() {
        return Err(refused("empty code"));
    }
    no_floats(code)?;
    let module = host()?
        .compile(code)
        .map_err(|e| refused(format!("not valid WebAssembly for this host: {e}")))?;
    check_imports(&module)?;
    check_exports(&module)?;
    Ok(CodeInfo {
        hash: Hash::sha256(code),
        size: code.len() as u32,
    })
}

fn is_float(t: ValType) -> bool {
    matches!(t, ValType::F32 | ValType::F64)
}

/// Scans every function body and type for floating point. Operators are matched by
/// name: every float instruction of WebAssembly has `F32` or `F64` in its name.
fn no_floats(code: &[u8]) -> Result<(), RuntimeError> {
    let malformed = |e: wasmparser::BinaryReaderError| refused(format!("malformed module: {e}"));
    for payload in Parser::new(0).parse_all(code) {
        match payload.map_err(malformed)? {
            Payload::TypeSection(types) => {
                for group in types {
                    for ty in group.map_err(malformed)?.into_types() {
                        if let wasmparser::CompositeInnerType::Func(f) = &ty.composite_type.inner {
                            if f.params().iter().chain(f.results()).any(|t| is_float(*t)) {
                                return Err(refused("a function type uses f32/f64 values"));
                            }
                        }
                    }
                }
            }
            Payload::GlobalSection(globals) => {
                for g in globals {
                    if is_float(g.map_err(malformed)?.ty.content_type) {
                        return Err(refused("a global has a float type"));
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                for local in body.get_locals_reader().map_err(malformed)? {
                    if is_float(local.map_err(malformed)?.1) {
                        return Err(refused("a function has float locals"));
                    }
                }
                let mut ops = body.get_operators_reader().map_err(malformed)?;
                while !ops.eof() {
                    let op = ops.read().map_err(malformed)?;
                    let name = format!("{op:?}");
                    if name.contains("F32") || name.contains("F64") {
                        let op_name = name.split([' ', '{', '(']).next().unwrap_or(&name);
                        return Err(refused(format!(
                            "floating-point instruction {op_name} (results could differ between machines)"
                        )));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn sig(params: &[WtVal], results: &[WtVal]) -> (Vec<String>, Vec<String>) {
    (
        params.iter().map(|t| t.to_string()).collect(),
        results.iter().map(|t| t.to_string()).collect(),
    )
}

fn func_sig(f: &FuncType) -> (Vec<String>, Vec<String>) {
    (
        f.params().map(|t| t.to_string()).collect(),
        f.results().map(|t| t.to_string()).collect(),
    )
}

fn check_imports(module: &Module) -> Result<(), RuntimeError> {
    use WtVal::I32;
    for import in module.imports() {
        let expected = match (import.module(), import.name()) {
            (names::MODULE, names::STORAGE_GET) => sig(&[I32, I32, I32, I32], &[I32]),
            (names::MODULE, names::STORAGE_SET) => sig(&[I32, I32, I32, I32], &[]),
            (names::MODULE, names::STORAGE_REMOVE) => sig(&[I32, I32], &[]),
            (names::MODULE, names::EMIT_EVENT) => sig(&[I32, I32], &[]),
            (names::MODULE, names::ABORT) => sig(&[I32, I32], &[]),
            (m, n) => {
                return Err(refused(format!(
                    "unknown import {m}::{n}; only {}::{{{}, {}, {}, {}, {}}} are provided",
                    names::MODULE,
                    names::STORAGE_GET,
                    names::STORAGE_SET,
                    names::STORAGE_REMOVE,
                    names::EMIT_EVENT,
                    names::ABORT
                )))
            }
        };
        match import.ty() {
            ExternType::Func(f) if func_sig(&f) == expected => {}
            _ => {
                return Err(refused(format!(
                    "import {}::{} has the wrong type, expected func {:?} -> {:?}",
                    import.module(),
                    import.name(),
                    expected.0,
                    expected.1
                )))
            }
        }
    }
    Ok(())
}

fn check_exports(module: &Module) -> Result<(), RuntimeError> {
    use WtVal::{I32, I64};
    match module.get_export(names::MEMORY) {
        Some(ExternType::Memory(_)) => {}
        _ => return Err(refused("no exported memory \"memory\"")),
    }
    let wanted = [
        (names::ALLOC, sig(&[I32], &[I32])),
        (names::INIT, sig(&[I32, I32], &[I64])),
        (names::DECIDE, sig(&[I32, I32], &[I64])),
    ];
    for (name, expected) in wanted {
        match module.get_export(name) {
            Some(ExternType::Func(f)) if func_sig(&f) == expected => {}
            Some(_) => {
                return Err(refused(format!(
                    "export {name} has the wrong type, expected func {:?} -> {:?}",
                    expected.0, expected.1
                )))
            }
            None => return Err(refused(format!("missing export {name}"))),
        }
    }
    Ok(())
}
