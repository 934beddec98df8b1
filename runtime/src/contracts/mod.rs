//! The contract host: runs policy contracts (WebAssembly, ABI in `kuai-contract-abi`)
//! on wasmtime, identically on every validator.
//!
//! Rules it enforces:
//! - **Determinism.** Fuel metering is the only budget (no wall-clock interruption);
//!   floating-point instructions and float-typed values are refused when code is
//!   uploaded and NaNs are canonicalized anyway; no WASI, no threads, no SIMD; the only
//!   clock is the block time in the input. The same call on the same state uses the same
//!   fuel and gives the same result on every machine.
//! - **Bounds.** Code at most [`limits::MAX_CODE_BYTES`]; imports only the five host
//!   functions of module `kuai`; linear memory at most [`limits::MAX_MEMORY_BYTES`]
//!   (growth past it stops the call); one memory, one table of bounded size; the wasm
//!   stack at [`MAX_WASM_STACK`]; [`limits::FUEL_PER_CALL`] fuel per call, host calls
//!   charged by the byte; outputs, storage keys, values and events bounded.
//! - **Isolation.** A contract sees only its input and its own storage (one bounded
//!   map per instance, written back only when the call succeeds).
//! - **Speed.** Modules are compiled once per code hash and kept as `InstancePre`;
//!   instances come from wasmtime's pooling allocator.
//!
//! A failure of the contract (trap, fuel, a limit, an output that does not decode) is a
//! [`CallError`] the caller records. A failure of the host itself (the pool exhausted,
//! stored code that no longer compiles) is [`crate::RuntimeError::ContractHost`], which aborts
//! the block rather than record an outcome that depends on one machine.

mod call;
mod engine;
mod validate;

#[cfg(test)]
mod tests;

pub use call::{call, CallError, CallOutcome, Storage};
pub use kuai_contract_abi::limits;
pub use validate::{check_code, CodeInfo};

/// Deepest wasm stack a call may use (a deep recursion stops with an error).
pub const MAX_WASM_STACK: usize = 256 * 1024;
/// Most entries in one instance's storage.
pub const MAX_STORAGE_ENTRIES: usize = limits::MAX_STORAGE_ENTRIES;
