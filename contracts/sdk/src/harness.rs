//! Running a built contract natively, for tests (feature `harness`, not on `wasm32`),
//! under the real contract host of `kuai-runtime`: the same upload checks, engine,
//! limits, fuel and host functions a validator uses, so a policy's tests cannot pass
//! against a host that differs from the chain's.
//!
//! - [`check_code`]: what the host refuses at upload, with its reason.
//! - [`WasmContract`]: calls a module through the host, with a [`MockHost`]'s storage
//!   going in and the storage and events it leaves coming back.
//! - [`committed_wasm`]: where the checkout's committed builds are.
//! - [`assert_same_as_native`]: the same inputs through the policy's Rust functions and
//!   through its built module must give the same outcomes, events and storage; so a
//!   committed `.wasm` that no longer matches its source fails the policy's tests.

use crate::{
    abi::names, decode, encode, run_decide, run_init, Context, Decision, InitInput, InitOutcome,
    MockHost, Params, PolicyInput,
};
use kuai_runtime::contracts;
use kuai_types::Hash;
use std::path::Path;

/// Checks a module as the host does at upload; the error says what is refused.
pub fn check_code(code: &[u8]) -> Result<(), String> {
    contracts::check_code(code)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// A contract module that passed the upload checks.
pub struct WasmContract {
    code: Vec<u8>,
    hash: Hash,
}

impl WasmContract {
    /// Checks ([`check_code`]) `code`.
    pub fn new(code: &[u8]) -> Result<WasmContract, String> {
        check_code(code)?;
        Ok(WasmContract {
            code: code.to_vec(),
            hash: Hash::sha256(code),
        })
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

    /// Calls `export` with raw `input` bytes through the host; the error is the host's
    /// reason (trap, limit, fuel, or `contract aborted: <message>`).
    pub fn call(&self, host: &mut MockHost, export: &str, input: &[u8]) -> Result<Vec<u8>, String> {
        let code = self.code.clone();
        let outcome = contracts::call(&self.hash, || Ok(code), export, input, host.storage.clone())
            .map_err(|e| e.to_string())?
            .map_err(|e| e.reason)?;
        if let Some(storage) = outcome.storage {
            host.storage = storage;
        }
        host.events.extend(outcome.events);
        Ok(outcome.output)
    }
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

/// `contracts/wasm/<file>` of the checkout the test runs in. Found from the package
/// directory cargo names when it *runs* the test, walking up to the directory holding
/// `contracts/wasm`, not from the one baked in at build time: a test binary reused from
/// a target directory shared with another checkout (CI's fresh clone) must read this
/// checkout's files, not those of a clone that may be gone.
pub fn committed_wasm(file: &str) -> std::path::PathBuf {
    let start = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into());
    let root = start
        .ancestors()
        .find(|d| d.join("contracts/wasm").is_dir())
        .unwrap_or(&start);
    root.join("contracts/wasm").join(file)
}
