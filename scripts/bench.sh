#!/usr/bin/env bash
# The consortium's performance goals, measured on this machine in one command.
#
#   scripts/bench.sh [--quick] [--only NAME] [--out FILE]
#
# Each scenario runs on a fresh local consortium (validators on loopback, started with
# scripts/local-net.sh from a generated genesis), loads every node with `kuai bench` and
# prints what it measured beside the goal it is checked against:
#
#   latency     4 validators, 100 tx/s for 30 s:     all committed at the rate (below),
#               p50 <= 20 ms
#   throughput  4 validators, 10,000 tx/s for 60 s:  all committed at the rate (below),
#               p50 <= 300 ms, p99 <= 1 s, RSS <= 1 GiB per validator
#   seven       7 validators, 60,000 at once (`--rate 0`, as fast as they are accepted):
#               all committed at >= 5,000 tx/s (the goal sets no latency bound there)
#
# "At the rate": `kuai bench` divides what committed by the time to the last commit, so a
# chain that keeps up at R tx/s for S seconds shows R * S / (S + tail); the goal counts as
# met when every offered transaction committed and the tail is at most 1 s (the p99 bound).
# Each row also shows the nodes' CPU time per committed transaction and the mean time of
# each phase of a height, from their /metrics (docs/BENCHMARKS.md says how to read them).
# Before and after the scenarios, `kuai-node calibrate` measures how fast the machine
# checks signatures at that moment, so runs at different hours can be compared.
#
# --quick runs each scenario small (100 and 1,000 tx/s for 5 s, 20,000 at once): a check
# that the harness works (tests/CI), not a measurement; there only "all committed" and
# the nodes' CPU figure are required. --out FILE appends one JSON line per scenario. Exit status: 0 when every
# goal (in --quick: every scenario) is met, 1 when one is missed, 2 when the harness
# itself failed (a node did not start, the load generator failed).
#
# Binaries: $KUAI_NODE_BIN and $KUAI_BIN, or the debug builds in $CARGO_TARGET_DIR
# (default $HOME/.cache/kuai-target), built if missing. Ports 28480-28499 (API) and
# 28580-28599 (p2p) on 127.0.0.1. Every node started is stopped by PID on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kuai-target}"
NODE_BIN="${KUAI_NODE_BIN:-$CARGO_TARGET_DIR/debug/kuai-node}"
CLI_BIN="${KUAI_BIN:-$CARGO_TARGET_DIR/debug/kuai}"
API_BASE=28480
P2P_BASE=28580

quick=0; only=""; out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1; shift ;;
    --only) only="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "bench: unknown argument $1 (use --quick, --only NAME, --out FILE)" >&2; exit 2 ;;
  esac
done
case "$only" in ""|latency|throughput|seven) ;; *) echo "bench: no scenario '$only' (latency, throughput, seven)" >&2; exit 2 ;; esac
command -v jq >/dev/null || { echo "bench: jq is missing (scripts/setup.sh installs it)" >&2; exit 2; }
if [ ! -x "$NODE_BIN" ] || [ ! -x "$CLI_BIN" ]; then
  cargo build --locked --bins >&2
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/kuai-bench.XXXXXX")"
current=""
cleanup() {
  if [ -n "$current" ]; then
    KUAI_NODE_BIN="$NODE_BIN" bash scripts/local-net.sh down --dir "$current" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

# A number compared with awk (bash has no floating point): le A B, ge A B.
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }

# The machine's speed now (ed25519 checks per second on one core), before and after.
calib_secs=1; [ "$quick" = 1 ] && calib_secs=0.2
calibrate() {
  local c
  c="$("$NODE_BIN" calibrate --secs "$calib_secs")" || { echo "bench: kuai-node calibrate failed" >&2; exit 2; }
  printf 'machine %s: ed25519 verifications per second on one core: %s single, %s in batches of %s\n' \
    "$1" "$(jq .single_per_s <<<"$c")" "$(jq .batch_per_s <<<"$c")" "$(jq .batch_size <<<"$c")"
  [ -z "$out" ] || jq -c --arg when "$1" '{calibration: $when, rates: .}' <<<"$c" >>"$out"
}
calibrate before

missed=0
printf '%-10s %3s %7s %6s | %9s %9s %9s %9s %7s %9s | %s\n' \
  scenario val rate secs committed "tx/s" "p50 ms" "p99 ms" "RSS MiB" "µs CPU/tx" "verdict"

# run NAME VALIDATORS RATE SECS MIN_TPS P50_MAX P99_MAX RSS_MAX: one scenario (RATE 0:
# as fast as accepted; a bound of "-" is not checked).
run() {
  local name="$1" n="$2" rate="$3" secs="$4" min_tps="$5" p50_max="$6" p99_max="$7" rss_max="$8"
  [ -z "$only" ] || [ "$only" = "$name" ] || return 0
  current="$work/$name"
  "$NODE_BIN" testnet --validators "$n" --chain-id "kuai-bench-$name" \
    --api-base "$API_BASE" --p2p-base "$P2P_BASE" --dir "$current" >/dev/null \
    || { echo "bench: $name: could not generate the testnet" >&2; exit 2; }
  KUAI_NODE_BIN="$NODE_BIN" bash scripts/local-net.sh up --validators "$n" --dir "$current" >/dev/null \
    || { echo "bench: $name: the consortium did not start (logs in $current/node-*/node.log)" >&2; exit 2; }
  local nodes=() i
  for ((i = 0; i < n; i++)); do nodes+=(--node "http://127.0.0.1:$((API_BASE + i))"); done
  local report
  # Bounded: the bench gives up 60 s after its sending ends; this allows for its setup too.
  report="$(timeout $((secs + 180)) "$CLI_BIN" "${nodes[@]}" bench --keys "$current/keys" \
    --rate "$rate" --duration "$secs" --requests 10 --json)" \
    || { echo "bench: $name: kuai bench failed" >&2; exit 2; }
  KUAI_NODE_BIN="$NODE_BIN" bash scripts/local-net.sh down --dir "$current" >/dev/null 2>&1 || true
  current=""

  local offered committed tps p50 p99 rss cpu
  offered="$(jq .offered <<<"$report")"; committed="$(jq .committed <<<"$report")"
  tps="$(jq .committed_tps <<<"$report")"; p50="$(jq .p50_ms <<<"$report")"
  p99="$(jq .p99_ms <<<"$report")"; rss="$(jq '.rss_mb | max' <<<"$report")"
  cpu="$(jq -r '.cpu_us_per_tx // "-"' <<<"$report")"
  local why=()
  [ "$committed" = "$offered" ] || why+=("committed $committed of $offered")
  [ "$cpu" != - ] || why+=("no CPU figure from the nodes' /metrics")
  if [ "$quick" = 0 ]; then
    [ "$min_tps" = - ] || ge "$tps" "$min_tps" || why+=("tx/s below $min_tps")
    [ "$p50_max" = - ] || le "$p50" "$p50_max" || why+=("p50 over $p50_max ms")
    [ "$p99_max" = - ] || le "$p99" "$p99_max" || why+=("p99 over $p99_max ms")
    [ "$rss_max" = - ] || le "$rss" "$rss_max" || why+=("RSS over $rss_max MiB")
  fi
  local verdict="met"
  if [ "${#why[@]}" -gt 0 ]; then
    verdict="MISSED: $(IFS=';'; echo "${why[*]}" | sed 's/;/; /g')"
    missed=1
  fi
  printf '%-10s %3s %7s %6s | %9s %9s %9s %9s %7s %9s | %s\n' \
    "$name" "$n" "$rate" "$secs" "$committed" "$tps" "$p50" "$p99" "$rss" "$cpu" "$verdict"
  printf '%-10s phases of a height (ms, mean): %s; cores per node: %s\n' "" \
    "$(jq -r '.phases | "build \(.build_ms // "-"), verify \(.verify_ms // "-"), write \(.write_ms // "-")"' <<<"$report")" \
    "$(jq -r '[.cpu_cores[] | tostring] | join(", ")' <<<"$report")"
  if [ -n "$out" ]; then
    jq -c --arg name "$name" --argjson validators "$n" --argjson rate "$rate" \
      --argjson secs "$secs" --argjson quick "$quick" --arg verdict "$verdict" \
      '{scenario: $name, validators: $validators, rate: $rate, duration_s: $secs,
        quick: ($quick == 1), verdict: $verdict, report: .}' <<<"$report" >>"$out"
  fi
}

# At the rate: R * S / (S + 1), as above.
at_rate() { awk -v r="$1" -v s="$2" 'BEGIN { printf "%.1f", r * s / (s + 1) }'; }
if [ "$quick" = 1 ]; then
  run latency 4 100 5 - - - -
  run throughput 4 1000 5 - - - -
  run seven 7 0 1 - - - -
else
  run latency 4 100 30 "$(at_rate 100 30)" 20 - -
  run throughput 4 10000 60 "$(at_rate 10000 60)" 300 1000 1024
  run seven 7 0 3 5000 - - -
fi
calibrate after
exit "$missed"
