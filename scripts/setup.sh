#!/usr/bin/env bash
# Installs what a fresh machine lacks to build, run and test Kuai. Safe to run twice:
# every step checks before it installs.
set -euo pipefail

need_apt=()
for pkg in clang libclang-dev pkg-config; do
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
echo "setup: ok"
