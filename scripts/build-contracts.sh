#!/usr/bin/env bash
# Builds the policy contracts (contracts/policies/*) for wasm32-unknown-unknown and copies
# them to contracts/wasm/<name>.wasm, the committed files the node and its tests use.
#
#   scripts/build-contracts.sh           build, copy, print each file's size
#   scripts/build-contracts.sh --check   build from scratch in a temporary directory and
#                                        exit 1, naming the file, if any differs from the
#                                        committed one; exit 0 with a note, skipping the
#                                        check, when the toolchain or target is missing
#
# Reproducible: the same bytes on every machine with the pinned toolchain
# (KUAI_CONTRACTS_TOOLCHAIN, default below), whatever the checkout, cargo home or target
# directory: `--locked`, the `contract` profile of the root Cargo.toml, and
# --remap-path-prefix for every absolute path the compiler might record.
# Target directory: KUAI_CONTRACTS_TARGET (default ~/.cache/kuai-contracts-target), kept
# apart from the native build's so that neither invalidates the other.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd -P)"

TOOLCHAIN="${KUAI_CONTRACTS_TOOLCHAIN:-1.95.0}"
TARGET=wasm32-unknown-unknown
MAX_BYTES=$((48 * 1024)) # kuai_contract_abi::limits::MAX_CODE_BYTES
# crate directory under contracts/policies : file name in contracts/wasm (without .wasm)
CONTRACTS=(allow-list:allow_list quota-window:quota_window masking-required:masking_required)

check=false
case "${1:-}" in
  "") ;;
  --check) check=true ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

# The pinned toolchain with the wasm target, or why not.
missing=""
if ! command -v rustup >/dev/null 2>&1; then
  missing="rustup is not installed"
elif ! installed="$(rustup target list --installed --toolchain "$TOOLCHAIN" 2>/dev/null)"; then
  missing="toolchain $TOOLCHAIN is not installed"
elif ! grep -qx "$TARGET" <<<"$installed"; then
  missing="target $TARGET is not installed for toolchain $TOOLCHAIN"
fi
if [ -n "$missing" ]; then
  if $check; then
    echo "build-contracts: $missing; skipping the rebuild check of contracts/wasm"
    exit 0
  fi
  echo "build-contracts: $missing; install it with" >&2
  echo "  rustup toolchain install $TOOLCHAIN --profile minimal --target $TARGET" >&2
  exit 1
fi

cleanup=()
trap 'rm -rf ${cleanup[@]+"${cleanup[@]}"}' EXIT
if $check; then
  target_dir="$(mktemp -d)"
  out_dir="$(mktemp -d)"
  cleanup+=("$target_dir" "$out_dir")
else
  target_dir="${KUAI_CONTRACTS_TARGET:-$HOME/.cache/kuai-contracts-target}"
  out_dir="contracts/wasm"
  mkdir -p "$target_dir" "$out_dir"
fi
target_dir="$(cd "$target_dir" && pwd -P)"
cargo_home="${CARGO_HOME:-$HOME/.cargo}"

packages=()
for c in "${CONTRACTS[@]}"; do
  packages+=(-p "kuai-policy-${c%%:*}")
done

# RUSTFLAGS replaces any configured flags, which is the point: nothing machine-specific.
unset CARGO_ENCODED_RUSTFLAGS CARGO_BUILD_RUSTFLAGS
export RUSTFLAGS="--remap-path-prefix=$ROOT=/kuai --remap-path-prefix=$cargo_home=/cargo --remap-path-prefix=$target_dir=/target"
cargo "+$TOOLCHAIN" build --locked --quiet --profile contract --target "$TARGET" \
  --target-dir "$target_dir" "${packages[@]}"

status=0
for c in "${CONTRACTS[@]}"; do
  crate="kuai_policy_${c%%:*}"
  crate="${crate//-/_}"
  name="${c##*:}.wasm"
  install -m 0644 "$target_dir/$TARGET/contract/$crate.wasm" "$out_dir/$name"
  size=$(wc -c <"$out_dir/$name")
  if [ "$size" -gt "$MAX_BYTES" ]; then
    echo "build-contracts: $name is $size bytes, over the host's limit of $MAX_BYTES" >&2
    status=1
  fi
  if $check; then
    if [ ! -f "contracts/wasm/$name" ]; then
      echo "build-contracts: contracts/wasm/$name is missing; run scripts/build-contracts.sh" >&2
      status=1
    elif ! cmp -s "$out_dir/$name" "contracts/wasm/$name"; then
      echo "build-contracts: contracts/wasm/$name differs from a fresh build of its source;" \
        "run scripts/build-contracts.sh and commit the result" >&2
      status=1
    else
      echo "contracts/wasm/$name: up to date ($size bytes)"
    fi
  else
    echo "contracts/wasm/$name: $size bytes"
  fi
done
exit "$status"
