//! Running a built contract natively, for tests (feature `harness`, not on `wasm32`).
//!
//! - [`check_code`]: what the contract host refuses at upload — over
//!   [`limits::MAX_CODE_BYTES`]; invalid WebAssembly (SIMD, memory64 and multiple memories
//!   are off; threads are not built into the engine); any floating-point instruction or f32/f64 value type; an import
//!   other than the five of module `kuai` with their exact types; a missing or mistyped
//!   `memory`, `kuai_alloc`, `kuai_init` or `kuai_decide`.
//! - [`WasmContract`]: calls a module under wasmtime as the host does (input written to a
//!   `kuai_alloc` buffer, output read from `(ptr << 32) | len`, [`limits`] on fuel, memory,
//!   keys, values and events), its storage and events in a [`MockHost`].
//! - [`assert_same_as_native`]: the same inputs through the policy's Rust functions and
//!   through its built module must give the same outcomes, events and storage; so a
//!   committed `.wasm` that no longer matches its source fails the policy's tests.

use crate::{
    abi::names, decode, encode, limits, run_decide, run_init, Context, Decision, Host, InitInput,
    InitOutcome, MockHost, Params, PolicyInput,
};
use std::path::Path;
use wasmparser::{CompositeInnerType, Parser, Payload, ValType};
use wasmtime::{
    Caller, Config, Engine, ExternType, Linker, Module, Store, StoreLimits, StoreLimitsBuilder,
};

/// Checks a module as the host does at upload; the error says what is refused.
pub fn check_code(code: &[u8]) -> Result<(), String> {
    if code.len() > limits::MAX_CODE_BYTES {
        return Err(format!(
            "{} bytes, over the limit of {}",
            code.len(),
            limits::MAX_CODE_BYTES
        ));
    }
    no_floats(code)?;
    let module = Module::new(&engine()?, code).map_err(|e| format!("invalid module: {e:#}"))?;
    check_interface(&module)
}

fn engine() -> Result<Engine, String> {
    let mut config = Config::new();
    config
        .consume_fuel(true)
        .wasm_simd(false)
        .wasm_relaxed_simd(false)
        .wasm_multi_memory(false)
        .wasm_memory64(false);
    Engine::new(&config).map_err(|e| format!("engine: {e:#}"))
}

fn no_floats(code: &[u8]) -> Result<(), String> {
    let float = |t: &ValType| matches!(t, ValType::F32 | ValType::F64);
    let bad = |e: wasmparser::BinaryReaderError| format!("malformed module: {e}");
    for payload in Parser::new(0).parse_all(code) {
        match payload.map_err(bad)? {
            Payload::TypeSection(types) => {
                for group in types {
                    for ty in group.map_err(bad)?.into_types() {
                        if let CompositeInnerType::Func(f) = &ty.composite_type.inner {
                            if f.params().iter().chain(f.results()).any(float) {
                                return Err("a function type uses f32/f64".into());
                            }
                        }
                    }
                }
            }
            Payload::GlobalSection(globals) => {
                for g in globals {
                    if float(&g.map_err(bad)?.ty.content_type) {
                        return Err("a global is f32/f64".into());
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                for local in body.get_locals_reader().map_err(bad)? {
                    if float(&local.map_err(bad)?.1) {
                        return Err("a function has f32/f64 locals".into());
                    }
                }
                let mut ops = body.get_operators_reader().map_err(bad)?;
                while !ops.eof() {
                    // Every float instruction has `F32` or `F64` in its name.
                    let op = format!("{:?}", ops.read().map_err(bad)?);
                    if op.contains("F32") || op.contains("F64") {
                        return Err(format!("floating-point instruction {op}"));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn check_interface(module: &Module) -> Result<(), String> {
    let func = |ty: ExternType| -> Option<String> {
        let f = ty.func()?.clone();
        let list = |ts: Vec<String>| ts.join(",");
        Some(format!(
            "({})->({})",
            list(f.params().map(|t| t.to_string()).collect()),
            list(f.results().map(|t| t.to_string()).collect())
        ))
    };
    for import in module.imports() {
        let expected = match (import.module(), import.name()) {
            (names::MODULE, names::STORAGE_GET) => "(i32,i32,i32,i32)->(i32)",
            (names::MODULE, names::STORAGE_SET) => "(i32,i32,i32,i32)->()",
            (names::MODULE, names::STORAGE_REMOVE | names::EMIT_EVENT | names::ABORT) => {
                "(i32,i32)->()"
            }
            (m, n) => return Err(format!("unknown import {m}::{n}")),
        };
        let found = func(import.ty());
        if found.as_deref() != Some(expected) {
            return Err(format!(
                "import {}::{} is {found:?}, expected {expected}",
                import.module(),
                import.name()
            ));
        }
    }
    let export = |name: &str| module.get_export(name);
    if !matches!(export(names::MEMORY), Some(ExternType::Memory(_))) {
        return Err("no exported memory".into());
    }
    for (name, expected) in [
        (names::ALLOC, "(i32)->(i32)"),
        (names::INIT, "(i32,i32)->(i64)"),
        (names::DECIDE, "(i32,i32)->(i64)"),
    ] {
        let found = export(name).and_then(func);
        if found.as_deref() != Some(expected) {
            return Err(format!("export {name} is {found:?}, expected {expected}"));
        }
    }
    Ok(())
}

/// What a call's host functions work on.
struct State {
    host: MockHost,
    events: usize,
    abort: Option<String>,
    limits: StoreLimits,
}

/// A checked, compiled contract module.
pub struct WasmContract {
    engine: Engine,
    module: Module,
}

impl WasmContract {
    /// Checks ([`check_code`]) and compiles `code`.
    pub fn new(code: &[u8]) -> Result<WasmContract, String> {
        check_code(code)?;
        let engine = engine()?;
        let module = Module::new(&engine, code).map_err(|e| format!("{e:#}"))?;
        Ok(WasmContract { engine, module })
    }

    /// [`WasmContract::new`] on the file at `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<WasmContract, String> {
        let path = path.as_ref();
        let code = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        WasmContract::new(&code).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// `kuai_init` on `input`.
    pub fn init(&self, input: &InitInput) -> Result<InitOutcome, String> {
        let out = self.call(&mut MockHost::new(), names::INIT, &encode(input))?;
        decode(&out).map_err(|e| format!("kuai_init output: {e}"))
    }

    /// `kuai_decide` on `input`, with `host`'s storage and events.
    pub fn decide(&self, host: &mut MockHost, input: &PolicyInput) -> Result<Decision, String> {
        let out = self.call(host, names::DECIDE, &encode(input))?;
        decode(&out).map_err(|e| format!("kuai_decide output: {e}"))
    }

    /// Calls `export` with raw `input` bytes; the error is the trap, limit or `abort`
    /// message that stopped the call.
    pub fn call(&self, host: &mut MockHost, export: &str, input: &[u8]) -> Result<Vec<u8>, String> {
        let state = State {
            host: std::mem::take(host),
            events: 0,
            abort: None,
            limits: StoreLimitsBuilder::new()
                .memory_size(limits::MAX_MEMORY_BYTES)
                .build(),
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        let result = self.run(&mut store, export, input);
        let state = store.into_data();
        *host = state.host;
        result.map_err(|e| match state.abort {
            Some(message) => format!("abort: {message}"),
            None => format!("{e:#}"),
        })
    }

    fn run(
        &self,
        store: &mut Store<State>,
        export: &str,
        input: &[u8],
    ) -> wasmtime::Result<Vec<u8>> {
        store.set_fuel(limits::FUEL_PER_CALL)?;
        let instance = linker(&self.engine)?.instantiate(&mut *store, &self.module)?;
        let memory = instance
            .get_memory(&mut *store, names::MEMORY)
            .ok_or_else(|| wasmtime::Error::msg("no memory"))?;
        let alloc = instance.get_typed_func::<i32, i32>(&mut *store, names::ALLOC)?;
        let run = instance.get_typed_func::<(i32, i32), i64>(&mut *store, export)?;
        let len = i32::try_from(input.len())?;
        let ptr = alloc.call(&mut *store, len)?;
        memory.write(&mut *store, ptr as u32 as usize, input)?;
        let packed = run.call(&mut *store, (ptr, len))? as u64;
        let (out_ptr, out_len) = ((packed >> 32) as usize, (packed & 0xffff_ffff) as usize);
        if out_len > limits::MAX_OUTPUT_BYTES {
            return Err(wasmtime::Error::msg(format!("output of {out_len} bytes")));
        }
        let mut out = vec![0; out_len];
        memory.read(&*store, out_ptr, &mut out)?;
        Ok(out)
    }
}

fn guest_bytes(
    caller: &mut Caller<'_, State>,
    ptr: i32,
    len: i32,
    max: usize,
) -> wasmtime::Result<Vec<u8>> {
    let len = len as u32 as usize;
    if len > max {
        return Err(wasmtime::Error::msg(format!(
            "{len} bytes, over the limit of {max}"
        )));
    }
    let memory = caller
        .get_export(names::MEMORY)
        .and_then(|e| e.into_memory())
        .ok_or_else(|| wasmtime::Error::msg("no memory"))?;
    let mut buf = vec![0; len];
    memory.read(&*caller, ptr as u32 as usize, &mut buf)?;
    Ok(buf)
}

fn linker(engine: &Engine) -> wasmtime::Result<Linker<State>> {
    let mut linker = Linker::new(engine);
    let key = |c: &mut Caller<'_, State>, p, l| guest_bytes(c, p, l, limits::MAX_KEY_BYTES);
    linker.func_wrap(
        names::MODULE,
        names::STORAGE_GET,
        move |mut c: Caller<'_, State>, kp: i32, kl: i32, vp: i32, cap: i32| {
            let k = key(&mut c, kp, kl)?;
            let Some(value) = c.data_mut().host.storage_get(&k) else {
                return Ok(-1);
            };
            let n = value.len().min(cap.max(0) as usize);
            let memory = c.get_export(names::MEMORY).and_then(|e| e.into_memory());
            let memory = memory.ok_or_else(|| wasmtime::Error::msg("no memory"))?;
            memory.write(&mut c, vp as u32 as usize, &value[..n])?;
            Ok(value.len() as i32)
        },
    )?;
    linker.func_wrap(
        names::MODULE,
        names::STORAGE_SET,
        move |mut c: Caller<'_, State>, kp: i32, kl: i32, vp: i32, vl: i32| {
            let k = key(&mut c, kp, kl)?;
            let v = guest_bytes(&mut c, vp, vl, limits::MAX_VALUE_BYTES)?;
            c.data_mut().host.storage_set(&k, &v);
            Ok(())
        },
    )?;
    linker.func_wrap(
        names::MODULE,
        names::STORAGE_REMOVE,
        move |mut c: Caller<'_, State>, kp: i32, kl: i32| {
            let k = key(&mut c, kp, kl)?;
            c.data_mut().host.storage_remove(&k);
            Ok(())
        },
    )?;
    linker.func_wrap(
        names::MODULE,
        names::EMIT_EVENT,
        |mut c: Caller<'_, State>, p: i32, l: i32| {
            let note = guest_bytes(&mut c, p, l, limits::MAX_EVENT_BYTES)?;
            let note = String::from_utf8(note)?;
            let state = c.data_mut();
            state.events += 1;
            if state.events > limits::MAX_EVENTS {
                return Err(wasmtime::Error::msg("too many events"));
            }
            state.host.emit_event(&note);
            Ok(())
        },
    )?;
    linker.func_wrap(
        names::MODULE,
        names::ABORT,
        |mut c: Caller<'_, State>, p: i32, l: i32| -> wasmtime::Result<()> {
            let message = guest_bytes(&mut c, p, l, 64 * 1024)?;
            let message = String::from_utf8_lossy(&message).into_owned();
            c.data_mut().abort = Some(message.clone());
            Err(wasmtime::Error::msg(message))
        },
    )?;
    Ok(linker)
}

/// Runs each `(params, inputs)` case through the policy's functions (natively, via
/// [`run_init`]/[`run_decide`]) and through `contract`, each side with its own
/// [`MockHost`] for the case: `kuai_init` on the parameters, then `kuai_decide` on each
/// input in order (with the case's parameters). Panics at the first difference in
/// outcome, decision, events or storage, or if a wasm call fails.
pub fn assert_same_as_native<C>(
    contract: &WasmContract,
    init: fn(&Params) -> Result<C, String>,
    decide: fn(&mut Context, &C, &PolicyInput) -> Decision,
    cases: &[(&str, Vec<PolicyInput>)],
) {
    let stale = "(if the source changed on purpose: run scripts/build-contracts.sh)";
    for (params, inputs) in cases {
        let init_input = InitInput {
            instance_id: 1,
            params: (*params).to_owned(),
            block_height: 1,
            block_time_ms: 0,
        };
        let native: InitOutcome =
            decode(&run_init(&encode(&init_input), init)).expect("native init output");
        let wasm = contract
            .init(&init_input)
            .unwrap_or_else(|e| panic!("kuai_init with {params:?} failed: {e}"));
        assert_eq!(wasm, native, "kuai_init with {params:?} {stale}");
        let (mut native_host, mut wasm_host) = (MockHost::new(), MockHost::new());
        for (i, input) in inputs.iter().enumerate() {
            let mut input = input.clone();
            input.params = (*params).to_owned();
            let native: Decision =
                decode(&run_decide(&mut native_host, &encode(&input), init, decide))
                    .expect("native decide output");
            let wasm = contract
                .decide(&mut wasm_host, &input)
                .unwrap_or_else(|e| panic!("kuai_decide #{i} with {params:?} failed: {e}"));
            assert_eq!(wasm, native, "decision #{i} with {params:?} {stale}");
            assert_eq!(
                wasm_host, native_host,
                "host after #{i} with {params:?} {stale}"
            );
        }
    }
}
