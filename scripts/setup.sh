#!/usr/bin/env bash
# Installs what a fresh machine lacks to build, run and test Kuai. Safe to run twice:
# every step checks before it installs.
set -euo pipefail

need_apt=()
# Build: clang for RocksDB's bindings, make for jemalloc's. Fault tests (scripts/faults.sh): network
# namespaces, packet loss, clock skew.
for pkg in clang libclang-dev make pkg-config iproute2 iptables faketime jq curl; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ "${#need_apt[@]}" -gt 0 ]; then
  echo "setup: installing ${need_apt[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# The contract target: optional (committed .wasm files are used where it is missing).
if command -v rustup >/dev/null 2>&1; then
  rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$' \
    || rustup target add wasm32-unknown-unknown >/dev/null 2>&1 \
    || echo "setup: wasm32-unknown-unknown target unavailable; using committed contract builds"
fi
# Fuzzing (scripts/faults.sh, scenario 7): the nightly toolchain and cargo-fuzz.
if command -v rustup >/dev/null 2>&1; then
  rustup run nightly rustc --version >/dev/null 2>&1 \
    || rustup toolchain install nightly --profile minimal >/dev/null 2>&1 \
    || echo "setup: the nightly toolchain is unavailable; fuzzing will fail in scripts/faults.sh"
fi
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "setup: installing cargo-fuzz"
  cargo install cargo-fuzz --locked --quiet
fi
# The explorer's end-to-end tests: Debian's Chromium (and CJK fonts, so that Chinese pages
# render in screenshots), Node.js and npm only when missing, then playwright-core (it
# drives the system Chromium and downloads no browser).
need_e2e=()
for pkg in chromium fonts-noto-cjk; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_e2e+=("$pkg")
done
command -v node >/dev/null 2>&1 || need_e2e+=(nodejs)
command -v npm >/dev/null 2>&1 || need_e2e+=(npm)
if [ "${#need_e2e[@]}" -gt 0 ]; then
  echo "setup: installing ${need_e2e[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_e2e[@]}" >/dev/null
fi
e2e_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/e2e"
if [ ! -d "$e2e_dir/node_modules" ]; then
  echo "setup: installing the e2e tests' npm packages"
  npm ci --prefix "$e2e_dir" --no-audit --no-fund >/dev/null
fi
# API robustness tests: schemathesis from PyPI.
if ! command -v st >/dev/null 2>&1; then
  echo "setup: installing schemathesis"
  python3 -m pip install -q --disable-pip-version-check schemathesis
fi
echo "setup: ok"
