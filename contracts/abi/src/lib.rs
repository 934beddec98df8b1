//! The ABI between Kuai's contract host and a policy contract.
//!
//! A policy contract is a WebAssembly module (`wasm32-unknown-unknown`, no WASI, no
//! floating point) that a department binds to a catalog entry; share requests for that
//! entry are then decided by the contract, identically on every validator.
//!
//! # Calls (guest exports)
//! - `memory`: the module's linear memory.
//! - `kuai_alloc(len: i32) -> i32`: a buffer of `len` bytes the host may fill.
//! - `kuai_init(ptr: i32, len: i32) -> i64`: input [`InitInput`]; output [`InitOutcome`].
//! - `kuai_decide(ptr: i32, len: i32) -> i64`: input [`PolicyInput`]; output [`Decision`].
//!
//! The host passes an input in the buffer `kuai_alloc(len)` returned, with that same
//! `len` (the SDK frees it after decoding). Inputs and outputs are [`postcard`]-encoded ([`encode`] / [`decode`]). An output is
//! returned as `(ptr << 32) | len` of a buffer in the guest's memory.
//!
//! # Host functions (imports from module `"kuai"`)
//! - `storage_get(key_ptr, key_len, val_ptr, val_cap) -> i32`: the value under `key` in
//!   the instance's own storage: `-1` when absent, else its full length (of which
//!   `min(len, cap)` bytes were copied to `val_ptr`).
//! - `storage_set(key_ptr, key_len, val_ptr, val_len)`; `storage_remove(key_ptr, key_len)`.
//! - `emit_event(ptr, len)`: a UTF-8 note recorded in the transaction's receipt.
//! - `abort(ptr, len)`: stop with a UTF-8 message (the SDK's panic handler).
//!
//! Any other import is refused when code is uploaded. Limits are in [`limits`]; going
//! over one stops the call with an error, as does running out of fuel.
//!
//! The only clock a contract has is [`PolicyInput::block_time_ms`].

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// Version of this ABI; a contract exports nothing for it, the host checks exports.
pub const ABI_VERSION: u32 = 1;

/// Names of the exports and imports described in the crate docs.
pub mod names {
    pub const MODULE: &str = "kuai";
    pub const MEMORY: &str = "memory";
    pub const ALLOC: &str = "kuai_alloc";
    pub const INIT: &str = "kuai_init";
    pub const DECIDE: &str = "kuai_decide";
    pub const STORAGE_GET: &str = "storage_get";
    pub const STORAGE_SET: &str = "storage_set";
    pub const STORAGE_REMOVE: &str = "storage_remove";
    pub const EMIT_EVENT: &str = "emit_event";
    pub const ABORT: &str = "abort";
}

/// Bounds the host enforces.
pub mod limits {
    /// Largest code accepted for upload (bytes of WebAssembly).
    pub const MAX_CODE_BYTES: usize = 48 * 1024;
    /// Linear memory per instance.
    pub const MAX_MEMORY_BYTES: usize = 16 * 1024 * 1024;
    /// Fuel (roughly, WebAssembly instructions) per call.
    pub const FUEL_PER_CALL: u64 = 20_000_000;
    /// A storage key, a storage value.
    pub const MAX_KEY_BYTES: usize = 256;
    pub const MAX_VALUE_BYTES: usize = 16 * 1024;
    /// Events per call, bytes per event.
    pub const MAX_EVENTS: usize = 16;
    pub const MAX_EVENT_BYTES: usize = 1024;
    /// Largest output (a decision) a call may return.
    pub const MAX_OUTPUT_BYTES: usize = 64 * 1024;
    /// Instance parameters (text).
    pub const MAX_PARAMS_BYTES: usize = 8 * 1024;
    /// Entries in one instance's storage.
    pub const MAX_STORAGE_ENTRIES: usize = 1024;
}

/// How a request reached the provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Channel {
    /// A department's share request (共享).
    Sharing,
    /// An outside applicant's request for open data (开放).
    Opening,
}

/// The share request to decide.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub id: u64,
    pub channel: Channel,
    /// Fields asked for: all are fields of the entry.
    pub fields: Vec<String>,
    /// Of `fields`, those asked for unmasked.
    pub raw_fields: Vec<String>,
    pub purpose: String,
    pub legal_basis: String,
    pub period_days: u32,
}

/// Who asks: the requesting organization and the signing key's role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requester {
    /// Unified social credit code.
    pub org: String,
    pub org_name: String,
    /// `department`, `platform_operator`, `external_applicant` or `auditor`.
    pub org_kind: String,
    /// `cdo`, `reviewer` or `app`.
    pub role: String,
}

/// One field of the entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    /// `public`, `internal` or `sensitive`.
    pub sensitivity: String,
    /// The entry's masking rule: `none`, `id_number`, `name`, `phone`, `address`,
    /// `keyed_hash`, `generalize` or `suppress`.
    pub masking: String,
}

impl Field {
    pub fn is_sensitive(&self) -> bool {
        self.sensitivity == "sensitive"
    }
}

/// The catalog entry the request is for (its current version).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub id: u64,
    pub version: u32,
    /// The providing department's credit code.
    pub provider: String,
    pub name: String,
    pub security_grade: u8,
    pub fields: Vec<Field>,
}

impl Entry {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// Input of `kuai_decide`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyInput {
    pub instance_id: u64,
    /// The instance's parameters as given at instantiation: `key=value` lines.
    pub params: String,
    pub block_height: u64,
    /// Block time, ms since the Unix epoch.
    pub block_time_ms: u64,
    pub request: Request,
    pub entry: Entry,
    pub requester: Requester,
}

/// Input of `kuai_init`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InitInput {
    pub instance_id: u64,
    pub params: String,
    pub block_height: u64,
    pub block_time_ms: u64,
}

/// Output of `kuai_init`: whether the parameters are acceptable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum InitOutcome {
    Ok,
    InvalidParams { reason: String },
}

/// The terms of a grant a contract issues. The host refuses terms wider than asked:
/// `fields` must be a non-empty subset of the requested fields (empty means all of them),
/// `raw_fields` a subset of the requested raw fields among `fields`, `period_days` at
/// most the requested period (0 means the requested period).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantTerms {
    pub fields: Vec<String>,
    pub raw_fields: Vec<String>,
    pub period_days: u32,
    pub quota_rows: Option<u64>,
    pub quota_calls: Option<u64>,
}

/// Output of `kuai_decide`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decision {
    /// Grant at once on these terms.
    Grant(GrantTerms),
    /// Refuse, with the reason the requester sees.
    Reject { reason: String },
    /// Leave the request to the provider's officers (the 10-working-day clock runs).
    Defer { note: String },
}

/// Encodes an ABI value.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    // Encoding into a Vec cannot fail for these types (no maps with non-string keys,
    // no unsized sequences).
    postcard::to_allocvec(value).unwrap_or_default()
}

/// Decodes an ABI value; trailing bytes are an error.
pub fn decode<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, DecodeError> {
    match postcard::take_from_bytes(bytes) {
        Ok((v, [])) => Ok(v),
        Ok((_, rest)) => Err(DecodeError::TrailingBytes(rest.len())),
        Err(_) => Err(DecodeError::Malformed),
    }
}

/// Why bytes are not a valid ABI value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    Malformed,
    TrailingBytes(usize),
}

impl core::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            DecodeError::Malformed => f.write_str("malformed postcard encoding"),
            DecodeError::TrailingBytes(n) => write!(f, "{n} trailing bytes"),
        }
    }
}
