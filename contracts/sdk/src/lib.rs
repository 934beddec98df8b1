//! Writing a Kuai policy contract as plain Rust.
//!
//! A policy contract decides share requests for the catalog entries it is bound to (see
//! [`kuai_contract_abi`] for the ABI). With this SDK a contract is two functions over typed
//! data, wired into the module's exports by [`policy!`]:
//!
//! ```
//! #![cfg_attr(target_arch = "wasm32", no_std)]
//! #![forbid(unsafe_code)]
//! extern crate alloc;
//! use kuai_contract_sdk::prelude::*;
//!
//! /// The instance's parameters, checked once per call.
//! pub struct Config { max_days: u64 }
//!
//! pub fn init(params: &Params) -> Result<Config, String> {
//!     params.check_keys(&["max_days"])?;
//!     Ok(Config { max_days: params.required_u64("max_days")? })
//! }
//!
//! pub fn decide(ctx: &mut Context, config: &Config, input: &PolicyInput) -> Decision {
//!     ctx.emit("looked at it");
//!     Decision::Defer { note: format!("at most {} days", config.max_days) }
//! }
//!
//! kuai_contract_sdk::policy!(init = init, decide = decide);
//! # fn main() {
//! #     let mut input = kuai_contract_sdk::sample_input();
//! #     input.params = "max_days=7".into();
//! #     let config = init(&Params::parse(&input.params).unwrap()).unwrap();
//! #     let mut host = kuai_contract_sdk::MockHost::new();
//! #     let d = decide(&mut host.context(), &config, &input);
//! #     assert_eq!(d, Decision::Defer { note: "at most 7 days".into() });
//! #     assert_eq!(host.events, ["looked at it"]);
//! # }
//! ```
//!
//! A policy crate is `crate-type = ["cdylib", "rlib"]`: the cdylib is the contract
//! (`scripts/build-contracts.sh`), the rlib what its native tests use.
//!
//! # Rules
//! - `kuai_init` parses the parameters text ([`Params::parse`]) and runs `init`: an error
//!   from either becomes [`InitOutcome::InvalidParams`] with that reason.
//! - `kuai_decide` builds the configuration again from [`PolicyInput::params`] (a contract
//!   keeps nothing between calls except its storage) and runs `decide`. Parameters that no
//!   longer pass `init` (the host only instantiates with ones that did) give
//!   [`Decision::Defer`] with the reason: neither a grant nor a refusal.
//! - Storage ([`Storage`]) is the instance's own key-value store; events
//!   ([`Context::emit`]) are UTF-8 notes recorded in the receipt, cut to
//!   [`limits::MAX_EVENT_BYTES`] at a character boundary. Keys, values and the number of
//!   events per call are bounded by [`limits`]; going over stops the call (natively: a
//!   panic, from [`MockHost`] or [`Context`]).
//! - A panic stops the call: the host's `abort` receives the panic message.
//! - The contract has no clock but [`PolicyInput::block_time_ms`]; [`time`] turns it
//!   into China dates and hours with integer arithmetic (contracts must contain no
//!   floating-point instructions).
//!
//! On `wasm32` the crate is `no_std` and provides the global allocator (`dlmalloc`), the
//! panic handler and the host imports; all `unsafe` code is in the `wasm` module. On other
//! targets the same API runs on [`MockHost`], an in-memory host, so that policies are unit
//! tested natively with `cargo test`.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;

pub use kuai_contract_abi as abi;
pub use kuai_contract_abi::{
    decode, encode, limits, Channel, Decision, DecodeError, Entry, Field, GrantTerms, InitInput,
    InitOutcome, PolicyInput, Request, Requester,
};

mod params;
pub mod text;
pub mod time;

#[cfg(all(feature = "harness", not(target_arch = "wasm32")))]
pub mod harness;
#[cfg(not(target_arch = "wasm32"))]
mod mock;
#[cfg(target_arch = "wasm32")]
mod wasm;

pub use params::Params;

#[cfg(not(target_arch = "wasm32"))]
pub use mock::{sample_input, MockHost};

/// What a policy module usually imports: the SDK's types and the `alloc` items that a
/// `no_std` crate does not have in scope.
pub mod prelude {
    pub use crate::text::{contains_ignore_ascii_case, join};
    pub use crate::{
        time, Context, Decision, Entry, Field, GrantTerms, Params, PolicyInput, Request, Requester,
        Storage,
    };
    pub use alloc::borrow::ToOwned;
    pub use alloc::format;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec;
    pub use alloc::vec::Vec;
}

/// The host functions a contract calls: on `wasm32` the imports from module `"kuai"`, in
/// native tests [`MockHost`].
pub trait Host {
    /// The value under `key`, if any.
    fn storage_get(&mut self, key: &[u8]) -> Option<Vec<u8>>;
    fn storage_set(&mut self, key: &[u8], value: &[u8]);
    fn storage_remove(&mut self, key: &[u8]);
    /// Records a UTF-8 note in the transaction's receipt.
    fn emit_event(&mut self, note: &str);
}

/// What `decide` may do besides deciding: use the instance's storage, emit events.
pub struct Context<'h> {
    /// The instance's own key-value storage.
    pub storage: Storage<'h>,
    events: usize,
}

impl<'h> Context<'h> {
    pub fn new(host: &'h mut dyn Host) -> Self {
        Context {
            storage: Storage { host },
            events: 0,
        }
    }

    /// Records `note` in the receipt, cut to [`limits::MAX_EVENT_BYTES`] bytes at a
    /// character boundary. Panics (stopping the call, as the host would) on the event
    /// after [`limits::MAX_EVENTS`] in one call.
    pub fn emit(&mut self, note: &str) {
        self.events += 1;
        if self.events > limits::MAX_EVENTS {
            panic!("more than {} events in one call", limits::MAX_EVENTS);
        }
        let mut end = note.len().min(limits::MAX_EVENT_BYTES);
        while !note.is_char_boundary(end) {
            end -= 1;
        }
        // `get` rather than indexing: no slicing-panic code (with its `Debug` formatting).
        self.storage
            .host
            .emit_event(note.get(..end).unwrap_or_default());
    }
}

/// The instance's key-value storage: bytes to bytes, kept between calls and on every
/// validator alike.
pub struct Storage<'h> {
    host: &'h mut dyn Host,
}

impl Storage<'_> {
    pub fn get(&mut self, key: impl AsRef<[u8]>) -> Option<Vec<u8>> {
        self.host.storage_get(key.as_ref())
    }

    pub fn set(&mut self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) {
        self.host.storage_set(key.as_ref(), value.as_ref());
    }

    pub fn remove(&mut self, key: impl AsRef<[u8]>) {
        self.host.storage_remove(key.as_ref());
    }

    /// A number stored by [`Storage::set_u64`] (8 bytes, little-endian). Panics (stopping
    /// the call) if the value under `key` is not 8 bytes long.
    pub fn get_u64(&mut self, key: impl AsRef<[u8]>) -> Option<u64> {
        self.get_u64_at(key.as_ref())
    }

    pub fn set_u64(&mut self, key: impl AsRef<[u8]>, value: u64) {
        self.host.storage_set(key.as_ref(), &value.to_le_bytes());
    }

    fn get_u64_at(&mut self, key: &[u8]) -> Option<u64> {
        let value = self.host.storage_get(key)?;
        match <[u8; 8]>::try_from(value.as_slice()) {
            Ok(bytes) => Some(u64::from_le_bytes(bytes)),
            Err(_) => panic!(
                "storage value under `{}` is {} bytes, not a u64",
                core::str::from_utf8(key).unwrap_or("(binary key)"),
                value.len()
            ),
        }
    }
}

/// Generates the contract's exports (`kuai_alloc`, `kuai_init`, `kuai_decide`) from two
/// functions:
///
/// ```ignore
/// kuai_contract_sdk::policy!(init = my_init, decide = my_decide);
/// // fn my_init(params: &Params) -> Result<Config, String>
/// // fn my_decide(ctx: &mut Context, config: &Config, input: &PolicyInput) -> Decision
/// ```
///
/// `Config` is any type the policy chooses (`()` if it needs none). The exports exist on
/// `wasm32` only; natively the macro expands to nothing, and the two functions are tested
/// directly (or through [`run_init`] and [`run_decide`] with a [`MockHost`]).
#[macro_export]
macro_rules! policy {
    (init = $init:path, decide = $decide:path $(,)?) => {
        /// ABI export: a buffer of `len` bytes for the host to fill.
        #[cfg(target_arch = "wasm32")]
        #[unsafe(no_mangle)]
        pub extern "C" fn kuai_alloc(len: i32) -> i32 {
            $crate::__wasm_alloc(len)
        }

        /// ABI export: checks the instance parameters (`InitInput` → `InitOutcome`).
        #[cfg(target_arch = "wasm32")]
        #[unsafe(no_mangle)]
        pub extern "C" fn kuai_init(ptr: i32, len: i32) -> i64 {
            $crate::__wasm_init(ptr, len, $init)
        }

        /// ABI export: decides a request (`PolicyInput` → `Decision`).
        #[cfg(target_arch = "wasm32")]
        #[unsafe(no_mangle)]
        pub extern "C" fn kuai_decide(ptr: i32, len: i32) -> i64 {
            $crate::__wasm_decide(ptr, len, $init, $decide)
        }
    };
}

#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub use wasm::{alloc as __wasm_alloc, decide as __wasm_decide, init as __wasm_init};

/// What `kuai_init` does with its input bytes: decode an [`InitInput`], parse and check its
/// parameters, encode the [`InitOutcome`]. Panics if the input is not an `InitInput`.
pub fn run_init<C>(input: &[u8], init: fn(&Params) -> Result<C, String>) -> Vec<u8> {
    let input: InitInput = match decode(input) {
        Ok(input) => input,
        Err(e) => panic!("kuai_init: input is not an InitInput: {e}"),
    };
    let outcome = match configure(&input.params, init) {
        Ok(_) => InitOutcome::Ok,
        Err(reason) => InitOutcome::InvalidParams { reason },
    };
    encode(&outcome)
}

/// What `kuai_decide` does with its input bytes: decode a [`PolicyInput`], rebuild the
/// configuration from its parameters, run `decide`, encode the [`Decision`]. Panics if the
/// input is not a `PolicyInput`.
pub fn run_decide<C>(
    host: &mut dyn Host,
    input: &[u8],
    init: fn(&Params) -> Result<C, String>,
    decide: fn(&mut Context, &C, &PolicyInput) -> Decision,
) -> Vec<u8> {
    let input: PolicyInput = match decode(input) {
        Ok(input) => input,
        Err(e) => panic!("kuai_decide: input is not a PolicyInput: {e}"),
    };
    let decision = match configure(&input.params, init) {
        Ok(config) => decide(&mut Context::new(host), &config, &input),
        Err(reason) => Decision::Defer {
            note: alloc::format!("the policy's parameters are invalid: {reason}"),
        },
    };
    encode(&decision)
}

fn configure<C>(text: &str, init: fn(&Params) -> Result<C, String>) -> Result<C, String> {
    init(&Params::parse(text)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn init(params: &Params) -> Result<u64, String> {
        params.required_u64("n")
    }

    fn decide(ctx: &mut Context, n: &u64, input: &PolicyInput) -> Decision {
        let seen = ctx.storage.get_u64("seen").unwrap_or(0) + 1;
        ctx.storage.set_u64("seen", seen);
        ctx.emit(&alloc::format!("call {seen}"));
        if seen > *n {
            Decision::Reject {
                reason: alloc::format!("more than {n} calls"),
            }
        } else {
            Decision::Grant(GrantTerms {
                fields: Vec::new(),
                raw_fields: Vec::new(),
                period_days: input.request.period_days,
                quota_rows: None,
                quota_calls: Some(*n),
            })
        }
    }

    fn init_bytes(params: &str) -> Vec<u8> {
        encode(&InitInput {
            instance_id: 1,
            params: params.into(),
            block_height: 1,
            block_time_ms: 0,
        })
    }

    #[test]
    fn init_reports_parse_and_check_errors() {
        let ok: InitOutcome = decode(&run_init(&init_bytes("n=2"), init)).unwrap();
        assert_eq!(ok, InitOutcome::Ok);
        let missing: InitOutcome = decode(&run_init(&init_bytes("# none"), init)).unwrap();
        assert_eq!(
            missing,
            InitOutcome::InvalidParams {
                reason: "missing required parameter `n`".into()
            }
        );
        let bad: InitOutcome = decode(&run_init(&init_bytes("n=2\nnope"), init)).unwrap();
        let InitOutcome::InvalidParams { reason } = bad else {
            panic!("accepted a line without `=`")
        };
        assert!(reason.starts_with("line 2:"), "{reason}");
    }

    #[test]
    fn decide_round_trips_and_keeps_storage_between_calls() {
        let mut host = MockHost::new();
        let mut input = sample_input();
        input.params = "n=1".into();
        let bytes = encode(&input);
        let first: Decision = decode(&run_decide(&mut host, &bytes, init, decide)).unwrap();
        assert!(matches!(first, Decision::Grant(ref t) if t.quota_calls == Some(1)));
        let second: Decision = decode(&run_decide(&mut host, &bytes, init, decide)).unwrap();
        assert_eq!(
            second,
            Decision::Reject {
                reason: "more than 1 calls".into()
            }
        );
        assert_eq!(host.events, ["call 1", "call 2"]);
        assert_eq!(host.storage[&b"seen"[..]], 2u64.to_le_bytes());
    }

    #[test]
    fn decide_defers_when_parameters_no_longer_pass() {
        let mut host = MockHost::new();
        let mut input = sample_input();
        input.params = "n=many".into();
        let d: Decision = decode(&run_decide(&mut host, &encode(&input), init, decide)).unwrap();
        let Decision::Defer { note } = d else {
            panic!("expected Defer, got {d:?}")
        };
        assert!(note.contains("`n`"), "{note}");
        assert!(host.events.is_empty());
    }

    #[test]
    #[should_panic(expected = "not a PolicyInput")]
    fn decide_panics_on_garbage_input() {
        run_decide(&mut MockHost::new(), &[0xff, 0xff], init, decide);
    }

    #[test]
    fn events_are_cut_at_a_char_boundary() {
        let mut host = MockHost::new();
        let long = "数".repeat(500); // 1500 bytes
        Context::new(&mut host).emit(&long);
        let note = &host.events[0];
        assert!(note.len() <= limits::MAX_EVENT_BYTES && note.len() > 1000);
        assert!(long.starts_with(note.as_str()));
    }

    #[test]
    fn storage_set_get_remove() {
        let mut host = MockHost::new();
        let mut ctx = Context::new(&mut host);
        assert_eq!(ctx.storage.get("k"), None);
        ctx.storage.set("k", b"v");
        assert_eq!(ctx.storage.get("k").as_deref(), Some(&b"v"[..]));
        ctx.storage.remove("k");
        assert_eq!(ctx.storage.get("k"), None);
        assert_eq!(ctx.storage.get_u64("n"), None);
        ctx.storage.set_u64("n", u64::MAX - 1);
        assert_eq!(ctx.storage.get_u64("n"), Some(u64::MAX - 1));
    }

    #[test]
    #[should_panic(expected = "not a u64")]
    fn get_u64_of_other_bytes_panics() {
        let mut host = MockHost::new();
        let mut ctx = Context::new(&mut host);
        ctx.storage.set("k", b"abc");
        ctx.storage.get_u64("k");
    }
}
