#!/usr/bin/env bash
# Sets up the machine and runs every check and test: formatting, clippy (warnings are
# errors), the whole workspace's tests (unit, property, simulation, multi-process, CLI), and
# the explorer's end-to-end tests in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kuai-target}"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# The binaries first: the CLI tests and the explorer's browser tests run them.
cargo build --bins --locked
cargo test --workspace --locked
node tests/e2e/run.mjs
# API robustness: generated requests from the OpenAPI document; no 5xx, no crash.
bash scripts/api-fuzz.sh
