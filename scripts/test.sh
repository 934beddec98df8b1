#!/usr/bin/env bash
# Sets up the machine and runs every check and test: formatting, clippy (warnings are
# errors), and the whole workspace's tests (unit, property, multi-process).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kuai-target}"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
# The explorer's end-to-end tests in headless Chromium run the built binaries.
cargo build --bins --locked
node tests/e2e/run.mjs
