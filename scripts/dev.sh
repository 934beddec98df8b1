#!/usr/bin/env bash
# Sets up the machine, builds, and starts the local Kuai chain with the sample
# consortium on http://127.0.0.1:8080 (data in ./.kuai-dev; run again to resume).
# Extra arguments go to `kuai-node dev`, e.g. --api 127.0.0.1:9090 --data-dir /tmp/k.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kuai-target}"
cargo build --locked --bin kuai-node --bin kuai
exec "$CARGO_TARGET_DIR/debug/kuai-node" dev "$@"
