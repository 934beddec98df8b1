//! One call into a contract: a fresh instance from the pool, the input written into its
//! memory, the export run under a fuel budget, the output read back, and the host
//! functions it may use meanwhile.
//!
//! Every way a call can end is reported with the fuel it used: the output, or a
//! [`CallError`] whose reason names the limit or trap. Host functions charge fuel for
//! the bytes they move, so a contract cannot get unmetered work from the host.

use std::collections::BTreeMap;

use kuai_contract_abi::{limits, names};
use kuai_types::Hash;
use wasmtime::{
    Caller, Extern, Linker, Memory, ResourceLimiter, Store, StoreLimits, StoreLimitsBuilder, Trap,
};

use super::engine::host;
use super::{MAX_STORAGE_ENTRIES, MAX_WASM_STACK};
use crate::error::RuntimeError;

/// An instance's own storage.
pub type Storage = BTreeMap<Vec<u8>, Vec<u8>>;

/// Fuel a host call costs before the bytes it moves (one unit per byte).
const HOST_CALL_FUEL: u64 = 500;

/// A call that ran to the end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallOutcome {
    pub output: Vec<u8>,
    pub fuel_used: u64,
    /// Notes the contract emitted.
    pub events: Vec<String>,
    /// The instance's storage after the call, when the call changed it.
    pub storage: Option<Storage>,
}

/// A call the contract did not finish: why, and the fuel it used until then.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallError {
    pub reason: String,
    pub fuel_used: u64,
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (fuel used {})", self.reason, self.fuel_used)
    }
}

/// The state of one call, owned by its wasmtime store.
pub(crate) struct HostState {
    limits: StoreLimits,
    storage: Storage,
    storage_changed: bool,
    events: Vec<String>,
    /// Why a host function or a limit stopped the call (clearer than the trap).
    stop: Option<String>,
}

impl ResourceLimiter for HostState {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > limits::MAX_MEMORY_BYTES {
            return Err(self.stop_with(format!(
                "memory.grow to {desired} bytes is over the limit of {} bytes",
                limits::MAX_MEMORY_BYTES
            )));
        }
        self.limits.memory_growing(current, desired, maximum)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.limits.table_growing(current, desired, maximum)
    }

    fn instances(&self) -> usize {
        self.limits.instances()
    }

    fn tables(&self) -> usize {
        self.limits.tables()
    }

    fn memories(&self) -> usize {
        self.limits.memories()
    }
}

impl HostState {
    fn stop_with(&mut self, reason: String) -> wasmtime::Error {
        self.stop.get_or_insert(reason.clone());
        wasmtime::Error::msg(reason)
    }
}

/// Runs `export` of the code `hash` (bytes from `code()` on a cache miss) with `input`
/// and the instance's `storage`. The outer error is a host failure (fatal for the
/// block); the inner one a contract failure (recorded).
pub fn call(
    hash: &Hash,
    code: impl FnOnce() -> Result<Vec<u8>, RuntimeError>,
    export: &str,
    input: &[u8],
    storage: Storage,
) -> Result<Result<CallOutcome, CallError>, RuntimeError> {
    let host = host()?;
    let pre = host.prepared(hash, code)?;
    let state = HostState {
        limits: StoreLimitsBuilder::new()
            .memory_size(limits::MAX_MEMORY_BYTES)
            .table_elements(16 * 1024)
            .instances(1)
            .tables(1)
            .memories(1)
            .trap_on_grow_failure(true)
            .build(),
        storage,
        storage_changed: false,
        events: Vec::new(),
        stop: None,
    };
    let mut store = Store::new(&host.engine, state);
    store.limiter(|s| s as &mut dyn ResourceLimiter);
    store
        .set_fuel(limits::FUEL_PER_CALL)
        .map_err(|e| RuntimeError::ContractHost(format!("fuel: {e}")))?;
    let instance = match pre.instantiate(&mut store) {
        Ok(i) => i,
        Err(e) if e.is::<wasmtime::PoolConcurrencyLimitError>() => {
            return Err(RuntimeError::ContractHost(format!("instance pool: {e}")))
        }
        Err(e) => return Ok(Err(failure(&mut store, e))),
    };
    let result = (|| -> wasmtime::Result<Vec<u8>> {
        let memory = instance
            .get_memory(&mut store, names::MEMORY)
            .ok_or_else(|| store.data_mut().stop_with("no exported memory".to_string()))?;
        let alloc = instance.get_typed_func::<i32, i32>(&mut store, names::ALLOC)?;
        let run = instance.get_typed_func::<(i32, i32), i64>(&mut store, export)?;
        let len = i32::try_from(input.len())
            .map_err(|_| store.data_mut().stop_with("input too large".to_string()))?;
        let ptr = alloc.call(&mut store, len)?;
        memory
            .write(&mut store, ptr as u32 as usize, input)
            .map_err(|_| {
                store.data_mut().stop_with(format!(
                    "kuai_alloc returned {ptr}, where {len} bytes do not fit in memory"
                ))
            })?;
        let packed = run.call(&mut store, (ptr, len))? as u64;
        let (out_ptr, out_len) = ((packed >> 32) as usize, (packed & 0xffff_ffff) as usize);
        if out_len > limits::MAX_OUTPUT_BYTES {
            return Err(store.data_mut().stop_with(format!(
                "output of {out_len} bytes is over the limit of {} bytes",
                limits::MAX_OUTPUT_BYTES
            )));
        }
        let mut out = vec![0u8; out_len];
        memory.read(&store, out_ptr, &mut out).map_err(|_| {
            store.data_mut().stop_with(format!(
                "output at {out_ptr}+{out_len} is outside the contract's memory"
            ))
        })?;
        Ok(out)
    })();
    let fuel_used = fuel_used(&store);
    Ok(match result {
        Ok(output) => {
            let state = store.into_data();
            Ok(CallOutcome {
                output,
                fuel_used,
                events: state.events,
                storage: state.storage_changed.then_some(state.storage),
            })
        }
        Err(e) => Err(failure(&mut store, e)),
    })
}

fn fuel_used(store: &Store<HostState>) -> u64 {
    limits::FUEL_PER_CALL.saturating_sub(store.get_fuel().unwrap_or(0))
}

fn failure(store: &mut Store<HostState>, e: wasmtime::Error) -> CallError {
    let fuel_used = fuel_used(store);
    let reason = match store.data_mut().stop.take() {
        Some(reason) => reason,
        None => match e.downcast_ref::<Trap>() {
            Some(Trap::OutOfFuel) => format!(
                "out of fuel: the call used all {} units",
                limits::FUEL_PER_CALL
            ),
            Some(Trap::StackOverflow) => format!(
                "wasm stack exhausted: recursion deeper than the {} KiB stack",
                MAX_WASM_STACK / 1024
            ),
            Some(Trap::UnreachableCodeReached) => {
                "unreachable instruction executed (the contract panicked)".to_string()
            }
            Some(trap) => format!("trap: {trap}"),
            None => e.to_string(),
        },
    };
    CallError { reason, fuel_used }
}

fn memory_of(caller: &mut Caller<'_, HostState>) -> wasmtime::Result<Memory> {
    match caller.get_export(names::MEMORY) {
        Some(Extern::Memory(m)) => Ok(m),
        _ => Err(caller
            .data_mut()
            .stop_with("no exported memory".to_string())),
    }
}

fn charge(caller: &mut Caller<'_, HostState>, units: u64) -> wasmtime::Result<()> {
    let left = caller.get_fuel()?;
    if left < units {
        caller.set_fuel(0)?;
        return Err(caller.data_mut().stop_with(format!(
            "out of fuel: the call used all {} units",
            limits::FUEL_PER_CALL
        )));
    }
    caller.set_fuel(left - units)
}

/// Reads `len` bytes at `ptr` of the guest's memory, at most `max`, charging for them.
fn read(
    caller: &mut Caller<'_, HostState>,
    ptr: i32,
    len: i32,
    max: usize,
    what: &str,
) -> wasmtime::Result<Vec<u8>> {
    let (ptr, len) = (ptr as u32 as usize, len as u32 as usize);
    if len > max {
        return Err(caller.data_mut().stop_with(format!(
            "{what} of {len} bytes is over the limit of {max} bytes"
        )));
    }
    charge(caller, HOST_CALL_FUEL + len as u64)?;
    let memory = memory_of(caller)?;
    let mut buf = vec![0u8; len];
    memory.read(&*caller, ptr, &mut buf).map_err(|_| {
        caller.data_mut().stop_with(format!(
            "{what} at {ptr}+{len} is outside the contract's memory"
        ))
    })?;
    Ok(buf)
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8_lossy(&bytes).into_owned()
}

pub(crate) fn link_host_functions(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    linker.func_wrap(
        names::MODULE,
        names::STORAGE_GET,
        |mut caller: Caller<'_, HostState>, kp: i32, kl: i32, vp: i32, cap: i32| {
            let key = read(&mut caller, kp, kl, limits::MAX_KEY_BYTES, "storage key")?;
            let Some(value) = caller.data().storage.get(&key).cloned() else {
                return Ok(-1);
            };
            let n = value.len().min(cap.max(0) as usize);
            charge(&mut caller, n as u64)?;
            let memory = memory_of(&mut caller)?;
            memory
                .write(&mut caller, vp as u32 as usize, &value[..n])
                .map_err(|_| {
                    caller.data_mut().stop_with(format!(
                        "storage_get buffer at {vp}+{n} is outside the contract's memory"
                    ))
                })?;
            Ok(value.len() as i32)
        },
    )?;
    linker.func_wrap(
        names::MODULE,
        names::STORAGE_SET,
        |mut caller: Caller<'_, HostState>, kp: i32, kl: i32, vp: i32, vl: i32| {
            let key = read(&mut caller, kp, kl, limits::MAX_KEY_BYTES, "storage key")?;
            let value = read(
                &mut caller,
                vp,
                vl,
                limits::MAX_VALUE_BYTES,
                "storage value",
            )?;
            let state = caller.data_mut();
            if !state.storage.contains_key(&key) && state.storage.len() >= MAX_STORAGE_ENTRIES {
                return Err(state.stop_with(format!(
                    "storage is full: at most {MAX_STORAGE_ENTRIES} entries per instance"
                )));
            }
            state.storage.insert(key, value);
            state.storage_changed = true;
            Ok(())
        },
    )?;
    linker.func_wrap(
        names::MODULE,
        names::STORAGE_REMOVE,
        |mut caller: Caller<'_, HostState>, kp: i32, kl: i32| {
            let key = read(&mut caller, kp, kl, limits::MAX_KEY_BYTES, "storage key")?;
            let state = caller.data_mut();
            if state.storage.remove(&key).is_some() {
                state.storage_changed = true;
            }
            Ok(())
        },
    )?;
    linker.func_wrap(
        names::MODULE,
        names::EMIT_EVENT,
        |mut caller: Caller<'_, HostState>, p: i32, l: i32| {
            let note = text(read(&mut caller, p, l, limits::MAX_EVENT_BYTES, "event")?);
            let state = caller.data_mut();
            if state.events.len() >= limits::MAX_EVENTS {
                return Err(state.stop_with(format!(
                    "more than {} events in one call",
                    limits::MAX_EVENTS
                )));
            }
            state.events.push(note);
            Ok(())
        },
    )?;
    linker.func_wrap(
        names::MODULE,
        names::ABORT,
        |mut caller: Caller<'_, HostState>, p: i32, l: i32| -> wasmtime::Result<()> {
            let message = match read(&mut caller, p, l, limits::MAX_EVENT_BYTES, "abort message") {
                Ok(bytes) => text(bytes),
                Err(e) => return Err(e),
            };
            Err(caller
                .data_mut()
                .stop_with(format!("contract aborted: {message}")))
        },
    )?;
    Ok(())
}
