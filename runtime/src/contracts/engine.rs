//! The process-wide wasmtime engine, its linker of host functions, and the cache of
//! compiled modules by code hash.
//!
//! Caching is pure memoization: the cache holds what compiling the stored bytes gives,
//! so it cannot change an outcome, only its speed. Likewise how a pool slot is reset
//! between calls (dirty pages found by `PAGEMAP_SCAN` and reset, kept pages zeroed, or
//! pages returned to the kernel) and how an instance's memory gets its data segments
//! (copied, or mapped copy-on-write): every call starts from the same zeroed memory with
//! the module's data in it either way. Bounds are checked by the compiled code, so no
//! call can reach memory past its own size (see [`config`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use kuai_types::Hash;
use wasmtime::{
    Config, Enabled, Engine, InstanceAllocationStrategy, InstancePre, Linker, Module,
    PoolingAllocationConfig,
};

use super::call::{link_host_functions, HostState};
use super::{limits, MAX_WASM_STACK};
use crate::error::RuntimeError;

/// Compiled modules kept; past this the cache starts over.
const MAX_CACHED_MODULES: usize = 256;
/// Instances that may run at once in this process (pool slots).
const POOL_INSTANCES: u32 = 64;
/// Bytes of each slot's linear memory and table that stay resident between calls and
/// are reset in place instead of handed back to the kernel. Returning them (`madvise`)
/// and faulting them in again, with the TLB shootdowns that go with it, was half of a
/// decision's time. Where Linux has the `PAGEMAP_SCAN` ioctl (6.7 and later) only the
/// pages a call dirtied are reset, so the kept region can cover where a Rust policy's
/// stack, data and heap sit (around its first megabyte): [`KEEP_RESIDENT_SCANNED`].
/// Elsewhere the whole kept region is zeroed on every call, and zeroing a megabyte costs
/// more than the faults, so only [`KEEP_RESIDENT_ZEROED`] is kept. Pages a call never
/// touched are not resident either way, so a validator, which runs one call at a time,
/// keeps about one slot's working set; at most `POOL_INSTANCES` x 1.25 MiB (80 MiB).
const KEEP_RESIDENT_SCANNED: usize = 1280 << 10;
/// See [`KEEP_RESIDENT_SCANNED`].
const KEEP_RESIDENT_ZEROED: usize = 32 << 10;

pub(crate) struct Host {
    pub engine: Engine,
    linker: Linker<HostState>,
    cache: Mutex<HashMap<Hash, Arc<InstancePre<HostState>>>>,
}

static HOST: OnceLock<Result<Host, String>> = OnceLock::new();

pub(crate) fn host() -> Result<&'static Host, RuntimeError> {
    HOST.get_or_init(|| Host::new().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| RuntimeError::ContractHost(format!("engine: {e}")))
}

fn config() -> Config {
    let mut pool = PoolingAllocationConfig::default();
    pool.total_core_instances(POOL_INSTANCES)
        .total_memories(POOL_INSTANCES)
        .total_tables(POOL_INSTANCES)
        .max_memories_per_module(1)
        .max_tables_per_module(1)
        .table_elements(16 * 1024)
        .max_memory_size(limits::MAX_MEMORY_BYTES);
    if PoolingAllocationConfig::is_pagemap_scan_available() {
        pool.pagemap_scan(Enabled::Yes)
            .linear_memory_keep_resident(KEEP_RESIDENT_SCANNED)
            .table_keep_resident(KEEP_RESIDENT_SCANNED);
    } else {
        pool.linear_memory_keep_resident(KEEP_RESIDENT_ZEROED)
            .table_keep_resident(KEEP_RESIDENT_ZEROED);
    }
    let mut c = Config::new();
    // Data segments are copied in at instantiation (a few KiB for a policy) rather than
    // mapped copy-on-write, whose page faults and unmapping per call cost more.
    // Memory bounds are checked by the compiled code, not by guard pages and a signal
    // handler. A policy's allocator grows its memory on every call (each call is a fresh
    // instance), and with guard pages each growth, and each instantiation after one, is
    // an `mprotect` with its TLB shootdown: 6% of a validator deciding a burst of
    // requests. With explicit checks a pool slot stays mapped read-write as far as any
    // call grew it, and the checks keep each call within its own memory's size
    // (`memory_a_call_grew_is_neither_visible_nor_reachable_from_the_next`). This also
    // turns off Cranelift's Spectre mitigations for memory and tables, which rely on
    // guard pages: contract code is approved by governance, and a contract has no clock
    // to time a side channel with.
    c.memory_init_cow(false)
        .signals_based_traps(false)
        .memory_guard_size(0)
        .guard_before_linear_memory(false)
        .consume_fuel(true)
        .cranelift_nan_canonicalization(true)
        .wasm_simd(false)
        .wasm_relaxed_simd(false)
        .wasm_multi_memory(false)
        .wasm_memory64(false)
        .max_wasm_stack(MAX_WASM_STACK)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    c
}

impl Host {
    fn new() -> wasmtime::Result<Host> {
        let engine = Engine::new(&config())?;
        let mut linker = Linker::new(&engine);
        link_host_functions(&mut linker)?;
        Ok(Host {
            engine,
            linker,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// Compiles `code` (already checked at upload) without caching it.
    pub fn compile(&self, code: &[u8]) -> wasmtime::Result<Module> {
        Module::from_binary(&self.engine, code)
    }

    /// The pre-linked module for `hash`, compiling `code()` on a miss.
    pub fn prepared(
        &self,
        hash: &Hash,
        code: impl FnOnce() -> Result<Vec<u8>, RuntimeError>,
    ) -> Result<Arc<InstancePre<HostState>>, RuntimeError> {
        if let Some(pre) = self.lock().get(hash) {
            return Ok(pre.clone());
        }
        let bytes = code()?;
        let module = self.compile(&bytes).map_err(|e| {
            RuntimeError::ContractHost(format!("stored code {hash} does not compile: {e}"))
        })?;
        let pre = Arc::new(self.linker.instantiate_pre(&module).map_err(|e| {
            RuntimeError::ContractHost(format!("stored code {hash} does not link: {e}"))
        })?);
        let mut cache = self.lock();
        if cache.len() >= MAX_CACHED_MODULES {
            cache.clear();
        }
        cache.insert(*hash, pre.clone());
        Ok(pre)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Hash, Arc<InstancePre<HostState>>>> {
        // A panic while holding the lock leaves a valid map (inserts are whole).
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }
}
