#!/usr/bin/env bash
# Fault-injection campaign on 4 validators, each in its own network namespace.
#
#   scripts/faults.sh                 # quick mode (CI: a few minutes)
#   scripts/faults.sh --long          # the full campaign (10 kill rounds, 60 s fuzzing per target, ...)
#   scripts/faults.sh --only 1,2,9    # some scenarios only (1-9; 8 is scripts/api-fuzz.sh)
#   scripts/faults.sh --keep          # keep the work directory (logs, data dirs) at the end
#
# Rules (see docs/RELIABILITY.md for the scenarios and their pass criteria):
# - needs root; creates only network namespaces named `kuai-f-*` (a hub holding the
#   bridge `kf-br`, and `kuai-f-n0..3`, one per validator, joined to the hub by veth pairs),
#   and never touches the root namespace's interfaces, routes or firewall; everything it
#   creates (namespaces, processes by PID, the tmpfs of scenario 5) is removed on any exit;
# - every scenario asserts its pass criterion: a failure prints `FAIL <scenario>: <why>`
#   and the script exits 1 after cleaning up; figures are printed as they are measured and
#   summed up at the end; what cannot be produced on this machine prints `SKIP` with the
#   reason and never counts as a pass;
# - every wait is bounded; load comes from `kuai bench` running in the hub namespace.
#
# Binaries: $KUAI_NODE_BIN and $KUAI_BIN, or the debug builds in $CARGO_TARGET_DIR (default
# $HOME/.cache/kuai-target, built if missing); they are copied into the work directory so a
# rebuild during the run changes nothing. Fuzzing (scenario 7) needs nightly and cargo-fuzz
# and builds into $KUAI_FUZZ_TARGET_DIR (default $HOME/.cache/kuai-fuzz-target).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kuai-target}"

MODE=quick; ONLY="1,2,3,4,5,6,7,8,9"; KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --long) MODE=long; shift ;;
    --quick) MODE=quick; shift ;;
    --only) ONLY="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    *) echo "faults: unknown argument $1" >&2; exit 2 ;;
  esac
done
want() { [[ ",$ONLY," == *",$1,"* ]]; }
if [ "$MODE" = long ]; then
  KILL_ROUNDS=10; PART_SECS=20; FUZZ_SECS=60; LOSS_SECS=30; SKEW_SECS=20; LOAD_RATE=100; DELAY_MIN_BLOCKS=10
else
  KILL_ROUNDS=3; PART_SECS=8; FUZZ_SECS=5; LOSS_SECS=12; SKEW_SECS=10; LOAD_RATE=50; DELAY_MIN_BLOCKS=3
fi
CATCH_UP_LIMIT=30

[ "$(id -u)" = 0 ] || { echo "faults: needs root (network namespaces, tmpfs)" >&2; exit 2; }
for tool in ip curl jq; do
  command -v "$tool" >/dev/null || { echo "faults: needs $tool (scripts/setup.sh installs it)" >&2; exit 2; }
done

W="$(mktemp -d /tmp/kuai-faults.XXXXXX)"
NET=10.213.7
HUB=kuai-f-hub
N=4
RESULTS="$W/results.txt"
FAILED=0
: >"$RESULTS"
LOAD_PID=""

log() { printf '[faults %s] %s\n' "$(date +%T)" "$*"; }
result() { printf '%s\n' "$*" | tee -a "$RESULTS" >&2; }
fail() { result "FAIL $*"; FAILED=1; return 1; }

# ---------------------------------------------------------------- cleanup
cleanup() {
  local rc=$?
  set +e
  stop_load
  for f in "$W"/pids/*; do
    [ -f "$f" ] || continue
    kill -9 "$(cat "$f")" 2>/dev/null
  done
  sleep 0.3
  for i in $(seq 0 $((N - 1))); do ip netns del "kuai-f-n$i" 2>/dev/null; done
  ip netns del "$HUB" 2>/dev/null
  if mountpoint -q "$W/net/node-2/db" 2>/dev/null; then umount -l "$W/net/node-2/db"; fi
  if [ "$KEEP" = 1 ] || [ "$rc" != 0 ] || [ "$FAILED" = 1 ]; then
    echo "faults: work directory kept: $W"
  else
    rm -rf "$W"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- binaries
mkdir -p "$W/bin" "$W/pids"
if [ -z "${KUAI_NODE_BIN:-}" ] || [ -z "${KUAI_BIN:-}" ]; then
  [ -x "$CARGO_TARGET_DIR/debug/kuai-node" ] && [ -x "$CARGO_TARGET_DIR/debug/kuai" ] \
    || cargo build --locked --bins >&2
fi
cp "${KUAI_NODE_BIN:-$CARGO_TARGET_DIR/debug/kuai-node}" "$W/bin/kuai-node"
cp "${KUAI_BIN:-$CARGO_TARGET_DIR/debug/kuai}" "$W/bin/kuai"
cp "$ROOT/scripts/faults/delay_relay.py" "$W/bin/delay_relay.py"
NODE_BIN="$W/bin/kuai-node"
CLI_BIN="$W/bin/kuai"

# ---------------------------------------------------------------- network
ns() { echo "kuai-f-n$1"; }
ip_of() { echo "$NET.$(($1 + 1))"; }
api() { echo "http://$(ip_of "$1"):8080"; }
hx() { ip netns exec "$HUB" "$@"; }

net_up() {
  for n in "$HUB" $(for i in $(seq 0 $((N - 1))); do ns "$i"; done); do
    if ip netns list | grep -qw "$n"; then
      echo "faults: namespace $n exists (another run?); remove it with: ip netns del $n" >&2
      exit 2
    fi
  done
  ip netns add "$HUB"
  ip -n "$HUB" link set lo up
  ip -n "$HUB" link add kf-br type bridge
  ip -n "$HUB" addr add "$NET.254/24" dev kf-br
  ip -n "$HUB" link set kf-br up
  for i in $(seq 0 $((N - 1))); do
    ip netns add "$(ns "$i")"
    ip -n "$(ns "$i")" link set lo up
    ip -n "$HUB" link add "kf-h$i" type veth peer name eth0 netns "$(ns "$i")"
    ip -n "$HUB" link set "kf-h$i" master kf-br up
    ip -n "$(ns "$i")" addr add "$(ip_of "$i")/24" dev eth0
    ip -n "$(ns "$i")" link set eth0 up
  done
}

# Partition: node a and node b cannot reach each other (blackhole routes in both).
cut_link() {
  ip -n "$(ns "$1")" route add blackhole "$(ip_of "$2")/32"
  ip -n "$(ns "$2")" route add blackhole "$(ip_of "$1")/32"
}
heal_all() {
  for i in $(seq 0 $((N - 1))); do
    for j in $(seq 0 $((N - 1))); do
      ip -n "$(ns "$i")" route del blackhole "$(ip_of "$j")/32" 2>/dev/null || true
    done
  done
}

# ---------------------------------------------------------------- nodes
D="$W/net"
make_net() {
  "$NODE_BIN" testnet --dir "$D" --validators "$N" >/dev/null
  for i in $(seq 0 $((N - 1))); do
    local c="$D/node-$i/config.toml" j
    sed -i "s|^api_addr = .*|api_addr = \"$(ip_of "$i"):8080\"|" "$c"
    sed -i "s|^listen = .*|listen = \"/ip4/$(ip_of "$i")/tcp/26656\"|" "$c"
    for j in $(seq 0 $((N - 1))); do
      sed -i "s|/ip4/127.0.0.1/tcp/$((26656 + j))\"|/ip4/$(ip_of "$j")/tcp/26656\"|" "$c"
    done
  done
}

# start_node I [ENV=VALUE...]: starts validator I in its namespace, waits for its API.
start_node() {
  local i="$1"; shift
  ip netns exec "$(ns "$i")" env "$@" "$NODE_BIN" run --config "$D/node-$i/config.toml" \
    >>"$D/node-$i/node.log" 2>&1 &
  echo $! >"$W/pids/node-$i"
  local t
  for t in $(seq 1 200); do
    hx curl -sf -m 1 "$(api "$i")/v1/status" >/dev/null 2>&1 && return 0
    kill -0 "$(cat "$W/pids/node-$i")" 2>/dev/null || { fail "node $i exited at start; see $D/node-$i/node.log"; return 1; }
    sleep 0.1
  done
  fail "node $i did not answer within 20 s"
}
# stop_node I SIGNAL: signals validator I and waits (10 s at most) for it to exit.
stop_node() {
  local f="$W/pids/node-$1" pid t
  [ -f "$f" ] || return 0
  pid="$(cat "$f")"
  kill "-$2" "$pid" 2>/dev/null || true
  for t in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$f"
}
alive() { [ -f "$W/pids/node-$1" ] && kill -0 "$(cat "$W/pids/node-$1")" 2>/dev/null; }

status() { hx curl -sf -m 2 "$(api "$1")/v1/status"; }
# height I: the node's height, or -1 if it does not answer.
height() { local s; s="$(status "$1" 2>/dev/null)" && jq -r .height <<<"$s" || echo -1; }
heights() { local i; for i in $(seq 0 $((N - 1))); do printf '%s ' "$(height "$i")"; done; }
max_height() { local m=-1 h i; for i in "$@"; do h="$(height "$i")"; [ "$h" -gt "$m" ] && m="$h"; done; echo "$m"; }
min_height() { local m=-1 h i; for i in "$@"; do h="$(height "$i")"; { [ "$m" = -1 ] || [ "$h" -lt "$m" ]; } && m="$h"; done; echo "$m"; }
# wait_height I H SECS: waits until node I is at height >= H; prints the seconds it took.
wait_height() {
  local start; start="$(date +%s.%N)"
  local deadline=$(( $(date +%s) + $3 ))
  while [ "$(date +%s)" -le "$deadline" ]; do
    if [ "$(height "$1")" -ge "$2" ]; then
      echo "$(date +%s.%N) $start" | awk '{printf "%.1f", $1 - $2}'; return 0
    fi
    sleep 0.2
  done
  return 1
}
# hashes I FROM TO: "height hash" lines of node I's blocks FROM..TO.
hashes() {
  local before=$(( $3 + 1 ))
  while [ "$before" -gt "$2" ]; do
    local page
    page="$(hx curl -sf -m 5 "$(api "$1")/v1/blocks?limit=500&before=$before")" || return 1
    jq -r '(if type == "array" then . else .blocks // .items end)[] | "\(.height) \(.hash)"' <<<"$page" \
      | awk -v lo="$2" '$1 >= lo'
    before=$(( before - 500 ))
  done | sort -n
}
# same_chain NODES...: every given node has the same block hashes up to the lowest height.
same_chain() {
  local top; top="$(min_height "$@")"
  [ "$top" -ge 1 ] || { fail "no blocks to compare"; return 1; }
  local first="" i
  for i in "$@"; do
    hashes "$i" 1 "$top" >"$W/hashes-$i" || { fail "reading blocks of node $i"; return 1; }
    [ "$(wc -l <"$W/hashes-$i")" = "$top" ] || { fail "node $i lists $(wc -l <"$W/hashes-$i") blocks of 1..$top"; return 1; }
    if [ -z "$first" ]; then first="$i"; continue; fi
    if ! cmp -s "$W/hashes-$first" "$W/hashes-$i"; then
      fail "FORK: nodes $first and $i differ: $(diff "$W/hashes-$first" "$W/hashes-$i" | head -3 | tr '\n' ' ')"
      return 1
    fi
  done
  echo "$top"
}

# ---------------------------------------------------------------- load
# A steady load: `kuai bench` against every node, again and again, until stop_load.
start_load() {
  local rate="$1" nodes="" i
  for i in $(seq 0 $((N - 1))); do nodes="$nodes --node $(api "$i")"; done
  (
    while true; do
      # not through the function hx: $! must be kuai's own pid, or stop_load would kill a
      # subshell and leave the bench running (loading the next measurement window)
      # shellcheck disable=SC2086
      ip netns exec "$HUB" "$CLI_BIN" $nodes bench --keys "$D/keys" --rate "$rate" --duration 20 --wait-secs 10 \
        --signers 8 --json >>"$W/load.jsonl" 2>>"$W/load.err" &
      echo $! >"$W/pids/bench"
      wait $! || sleep 1
    done
  ) &
  LOAD_PID=$!
}
stop_load() {
  [ -n "$LOAD_PID" ] || return 0
  kill -9 "$LOAD_PID" 2>/dev/null || true
  wait "$LOAD_PID" 2>/dev/null || true
  sleep 0.1
  [ -f "$W/pids/bench" ] && kill -9 "$(cat "$W/pids/bench")" 2>/dev/null || true
  rm -f "$W/pids/bench"
  LOAD_PID=""
}
# bench_once RATE SECS: one `kuai bench` run in the foreground; prints its figures.
bench_once() {
  local nodes="" i out
  for i in $(seq 0 $((N - 1))); do nodes="$nodes --node $(api "$i")"; done
  # shellcheck disable=SC2086
  out="$(hx timeout $(( $2 + 120 )) "$CLI_BIN" $nodes bench --keys "$D/keys" --rate "$1" --duration "$2" \
    --wait-secs 20 --signers 8 --json 2>>"$W/bench.err")" || return 1
  jq -r '"\(.committed)/\(.offered) committed, \(.committed_tps) tx/s, p50 \(.p50_ms) ms, p99 \(.p99_ms) ms"' <<<"$out"
}
# committed_txs I FROM TO: transactions in node I's blocks FROM..TO.
committed_txs() {
  local before=$(( $3 + 1 )) page total=0 n
  while [ "$before" -gt "$2" ]; do
    page="$(hx curl -sf -m 5 "$(api "$1")/v1/blocks?limit=500&before=$before")" || { echo 0; return; }
    n="$(jq -r --argjson lo "$2" '[(if type == "array" then . else .blocks // .items end)[] | select(.height >= $lo) | .tx_count] | add // 0' <<<"$page")"
    total=$(( total + n )); before=$(( before - 500 ))
  done
  echo "$total"
}

# ---------------------------------------------------------------- delay relays (scenario 3)
# No netem here, so delay is produced by a userspace TCP relay (scripts/faults/delay_relay.py)
# in the hub: one listener per directed link i->j on $RELAY_IP:relay_port(i,j), forwarding
# to j's p2p address and delaying every chunk by 200 ms ± 100 ms each way (order kept).
# relay_on restarts the validators one at a time (the other three keep a quorum) with every
# [[p2p.peers]] addr pointing at its relay; once none runs the direct configuration, their
# egress to the other validators' addresses is dropped (chain KF_RELAY_ONLY in each
# validator's namespace), so validator-to-validator traffic can only go through the relays.
# relay_off removes the chains and restarts them one at a time on the direct configuration.
# (Not all four at once: a simultaneous restart in the middle of a height is a different
# fault, and it has been seen to stall the chain; see docs/RELIABILITY.md.)
RELAY_IP="$NET.254"
RELAY_STATS="$W/relay-stats.json"
relay_port() { echo $(( 27000 + 10 * $1 + $2 )); }
relay_on() {
  local i j links=() t
  for i in $(seq 0 $((N - 1))); do
    for j in $(seq 0 $((N - 1))); do
      [ "$i" = "$j" ] || links+=(--link "$i-$j=$RELAY_IP:$(relay_port "$i" "$j"),$(ip_of "$j"):26656")
    done
  done
  rm -f "$RELAY_STATS"
  # the interpreter itself (not a wrapper such as a pyenv shim) and no shell function in
  # between, so that $! is the relay's own pid; it also exits by itself after 30 min
  local py; py="$(python3 -c 'import sys; print(sys.executable)')"
  ip netns exec "$HUB" "$py" "$W/bin/delay_relay.py" --delay-ms 200 --jitter-ms 100 --max-secs 1800 \
    --stats "$RELAY_STATS" "${links[@]}" >>"$W/relay.log" 2>&1 &
  echo $! >"$W/pids/relay"
  for t in $(seq 1 100); do [ -s "$RELAY_STATS" ] && break; sleep 0.1; done
  [ -s "$RELAY_STATS" ] || { fail "3: the delay relay did not start within 10 s; see $W/relay.log"; return 1; }
  local own; own="$(jq -r .pid "$RELAY_STATS")"
  if [ "$own" != "$(cat "$W/pids/relay")" ]; then  # started through a wrapper after all
    mv "$W/pids/relay" "$W/pids/relay-launcher"; echo "$own" >"$W/pids/relay"
  fi
  for i in $(seq 0 $((N - 1))); do
    local c="$D/node-$i/config.toml"
    stop_node "$i" TERM
    cp "$c" "$c.direct"
    for j in $(seq 0 $((N - 1))); do
      [ "$i" = "$j" ] && continue
      sed -i "s|^addr = \"/ip4/$(ip_of "$j")/tcp/26656\"|addr = \"/ip4/$RELAY_IP/tcp/$(relay_port "$i" "$j")\"|" "$c"
    done
    [ "$(grep -c "^addr = \"/ip4/$RELAY_IP/tcp/" "$c")" = $((N - 1)) ] \
      || { fail "3: could not point node $i's peers at the relays (see $c)"; return 1; }
    start_node "$i" || return 1
    rejoin "$i" || return 1
  done
  for i in $(seq 0 $((N - 1))); do
    ip netns exec "$(ns "$i")" iptables -N KF_RELAY_ONLY
    for j in $(seq 0 $((N - 1))); do
      [ "$i" = "$j" ] || ip netns exec "$(ns "$i")" iptables -A KF_RELAY_ONLY -d "$(ip_of "$j")/32" -j DROP
    done
    ip netns exec "$(ns "$i")" iptables -I OUTPUT 1 -o eth0 -j KF_RELAY_ONLY
  done
  # every validator connected to its 3 peers (which can only be through the relays)
  local peers
  for t in $(seq 1 150); do
    peers="$(for i in $(seq 0 $((N - 1))); do hx curl -sf -m 2 "$(api "$i")/metrics" | awk '$1 == "kuai_peers" {printf "%s ", $2}'; done)"
    [ "$peers" = "$(printf "$((N - 1)) %.0s" $(seq 1 "$N"))" ] && return 0
    sleep 0.2
  done
  fail "3: the validators did not all connect to their $((N - 1)) peers through the relays within 30 s (peers: $peers)"
}
# iptables_packets CHAIN AWK-CONDITION: packets counted by the rules of CHAIN matching the
# condition, summed over the validators' namespaces.
iptables_packets() {
  local i n=0 d
  for i in $(seq 0 $((N - 1))); do
    d="$(ip netns exec "$(ns "$i")" iptables -L "$1" -v -n -x 2>/dev/null | awk "$2"' {s += $1} END {print s + 0}')"
    n=$(( n + ${d:-0} ))
  done
  echo "$n"
}
# relay_drops: packets the KF_RELAY_ONLY chains dropped (direct validator-to-validator attempts).
relay_drops() { iptables_packets KF_RELAY_ONLY 'NR > 2'; }
relay_off() {
  local i
  for i in $(seq 0 $((N - 1))); do
    ip netns exec "$(ns "$i")" iptables -D OUTPUT -o eth0 -j KF_RELAY_ONLY 2>/dev/null || true
    ip netns exec "$(ns "$i")" iptables -F KF_RELAY_ONLY 2>/dev/null || true
    ip netns exec "$(ns "$i")" iptables -X KF_RELAY_ONLY 2>/dev/null || true
  done
  for i in $(seq 0 $((N - 1))); do
    stop_node "$i" TERM
    [ -f "$D/node-$i/config.toml.direct" ] && mv "$D/node-$i/config.toml.direct" "$D/node-$i/config.toml"
    start_node "$i" || return 1
    rejoin "$i" || return 1
  done
  # no relayed connection is left (every process that dialed through a relay was restarted)
  if [ -f "$W/pids/relay" ]; then
    kill -TERM "$(cat "$W/pids/relay")" 2>/dev/null || true
    local t; for t in $(seq 1 50); do kill -0 "$(cat "$W/pids/relay")" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$(cat "$W/pids/relay")" 2>/dev/null || true
    wait "$(cat "$W/pids/relay")" 2>/dev/null || true
    rm -f "$W/pids/relay"
  fi
  if [ -f "$W/pids/relay-launcher" ]; then
    kill -9 "$(cat "$W/pids/relay-launcher")" 2>/dev/null || true
    wait "$(cat "$W/pids/relay-launcher")" 2>/dev/null || true
    rm -f "$W/pids/relay-launcher"
  fi
}
# rejoin I: after a restart, node I reaches the others' height (30 s at most).
rejoin() {
  local others=() j
  for j in $(seq 0 $((N - 1))); do [ "$j" = "$1" ] || others+=("$j"); done
  local target; target="$(max_height "${others[@]}")"
  wait_height "$1" "$target" "$CATCH_UP_LIMIT" >/dev/null \
    || { fail "3: node $1 did not reach height $target within ${CATCH_UP_LIMIT}s after its restart (heights $(heights))"; return 1; }
}
# relay_check: fails when a pair of validators exchanged nothing through the relays, in
# either direction (a pair may use one connection, dialed by either side).
relay_check() {
  local i j
  for i in $(seq 0 $((N - 1))); do
    for j in $(seq $((i + 1)) $((N - 1))); do
      jq -e --arg a "$i-$j" --arg b "$j-$i" '.links[$a] as $x | .links[$b] as $y
        | ($x.fwd.bytes + $y.rev.bytes) > 0 and ($x.rev.bytes + $y.fwd.bytes) > 0' "$RELAY_STATS" >/dev/null \
        || { fail "3: no traffic between nodes $i and $j went through the relays (see $RELAY_STATS)"; return 1; }
    done
  done
}
# relay_summary / relay_links: the relays' byte counters and measured delay, for the log.
relay_links() {
  jq -r '[.links | to_entries[] | "\(.key) \(.value.fwd.bytes)/\(.value.rev.bytes)"] | join(", ")' "$RELAY_STATS"
}
relay_summary() {
  jq -r '[.links[] | .fwd, .rev] as $d
    | ($d | map(.chunks) | add) as $c
    | "\(.links | length) links, \($d | map(.bytes) | add) bytes in \($c) chunks, measured delay mean \(($d | map((.delay_mean_ms // 0) * .chunks) | add) / $c | . * 10 | round / 10) ms, max \($d | map(.delay_max_ms) | max) ms"' "$RELAY_STATS"
}

# ================================================================ scenarios
scenario_kill() {
  log "1. kill -9 of a random validator, $KILL_ROUNDS rounds, under load"
  local r victim before others_before t0 h_restart secs worst=0
  for r in $(seq 1 "$KILL_ROUNDS"); do
    victim=$(( RANDOM % N ))
    before="$(height "$victim")"
    stop_node "$victim" KILL
    local others=() i
    for i in $(seq 0 $((N - 1))); do [ "$i" = "$victim" ] || others+=("$i"); done
    others_before="$(max_height "${others[@]}")"
    sleep 3
    # The others go on (a round the dead validator should propose waits for its timeout).
    local o_secs
    o_secs="$(wait_height "${others[0]}" $((others_before + 2)) 30)" \
      || { fail "1: the other validators did not commit while node $victim was down ($others_before -> $(max_height "${others[@]}"))"; return 1; }
    start_node "$victim" || return 1
    h_restart="$(height "$victim")"
    [ "$h_restart" -ge "$before" ] || { fail "1: node $victim lost blocks: height $before before kill -9, $h_restart after restart"; return 1; }
    local target; target="$(max_height "${others[@]}")"
    secs="$(wait_height "$victim" "$target" "$CATCH_UP_LIMIT")" || { fail "1: node $victim did not catch up to $target within ${CATCH_UP_LIMIT}s (at $(height "$victim"))"; return 1; }
    log "   round $r: killed node $victim at height $before; others went $others_before -> $target; restarted at $h_restart; caught up in ${secs}s"
    worst="$(awk -v a="$worst" -v b="$secs" 'BEGIN{print (b > a) ? b : a}')"
  done
  sleep 2
  local top; top="$(same_chain 0 1 2 3)" || return 1
  result "PASS 1 kill -9: $KILL_ROUNDS rounds; identical hashes on all 4 nodes up to height $top; slowest catch-up ${worst}s (limit ${CATCH_UP_LIMIT}s)"
}

scenario_partition() {
  log "2. partitions 2|2 and 1|3"
  # --- 2|2: {0,1} | {2,3}
  cut_link 0 2; cut_link 0 3; cut_link 1 2; cut_link 1 3
  sleep 3
  local h_p; h_p="$(max_height 0 1 2 3)"
  sleep "$PART_SECS"
  local h_after; h_after="$(max_height 0 1 2 3)"
  log "   2|2: heights at partition+3s: max $h_p; after ${PART_SECS}s more: $(heights)"
  [ "$h_after" -le "$h_p" ] || { fail "2: a block committed during the 2|2 partition ($h_p -> $h_after)"; heal_all; return 1; }
  heal_all
  local secs; secs="$(wait_height 0 $((h_p + 2)) 60)" || { fail "2: commits did not resume within 60 s after healing 2|2 (heights $(heights))"; return 1; }
  local i; for i in 1 2 3; do wait_height "$i" $((h_p + 2)) 30 >/dev/null || { fail "2: node $i did not resume after 2|2"; return 1; }; done
  local top; top="$(same_chain 0 1 2 3)" || return 1
  result "PASS 2a partition 2|2: nothing committed in ${PART_SECS}s (height stayed $h_p); commits resumed ${secs}s after healing; no fork up to $top"
  # --- 1|3: {3} | {0,1,2}
  cut_link 3 0; cut_link 3 1; cut_link 3 2
  sleep 3
  local m0 s0; m0="$(max_height 0 1 2)"; s0="$(height 3)"
  sleep "$PART_SECS"
  local m1 s1; m1="$(max_height 0 1 2)"; s1="$(height 3)"
  log "   1|3: majority $m0 -> $m1, minority (node 3) $s0 -> $s1 in ${PART_SECS}s"
  [ "$m1" -ge $((m0 + 2)) ] || { fail "2: the majority did not continue during 1|3 ($m0 -> $m1)"; heal_all; return 1; }
  [ "$s1" -le "$s0" ] || { fail "2: the minority committed during 1|3 ($s0 -> $s1)"; heal_all; return 1; }
  heal_all
  local target; target="$(max_height 0 1 2)"
  secs="$(wait_height 3 "$target" "$CATCH_UP_LIMIT")" || { fail "2: node 3 did not catch up to $target within ${CATCH_UP_LIMIT}s after healing"; return 1; }
  top="$(same_chain 0 1 2 3)" || return 1
  result "PASS 2b partition 1|3: majority +$((m1 - m0)) blocks in ${PART_SECS}s, minority +0; minority caught up in ${secs}s; no fork up to $top"
}

scenario_netem() {
  log "3. delay and loss"
  if ! command -v iptables >/dev/null || ! ip netns exec "$(ns 0)" iptables -L OUTPUT >/dev/null 2>&1; then
    result "SKIP 3 loss 10%: iptables (netfilter) is not usable here"
    result "SKIP 3 delay 200ms±100ms: netem is missing and the relay fallback needs iptables to force the p2p traffic through it"
    return 0
  fi
  # Loss on the validators' p2p traffic only (their listen port, and the relay ports of
  # the delay windows), as the delay relay delays only p2p traffic: lost API answers
  # would measure the benchmark's own HTTP retransmissions instead (with them, p50 at
  # 10% loss was 0.5-3.4 s from run to run; without, 8 ms).
  local loss_rule=(OUTPUT -o eth0 -p tcp -m multiport --ports 26656,27000:27099 -m statistic --mode random --probability 0.1 -j DROP)
  stop_load
  sleep 2
  local h0 h1 base loss
  h0="$(height 0)"
  base="$(bench_once "$LOAD_RATE" "$LOSS_SECS")" || { fail "3: kuai bench failed without faults; see $W/bench.err"; return 1; }
  h1="$(height 0)"
  log "   no fault: heights $h0 -> $h1; bench: $base"
  local i
  for i in $(seq 0 $((N - 1))); do ip netns exec "$(ns "$i")" iptables -A "${loss_rule[@]}"; done
  h0="$(height 0)"
  loss="$(bench_once "$LOAD_RATE" "$LOSS_SECS")" || loss="bench failed (see $W/bench.err)"
  h1="$(height 0)"
  local dropped; dropped="$(loss_dropped)"
  for i in $(seq 0 $((N - 1))); do ip netns exec "$(ns "$i")" iptables -D "${loss_rule[@]}"; done
  log "   10% loss: heights $h0 -> $h1; $dropped packets dropped; bench: $loss"
  [ "$dropped" -gt 0 ] || { fail "3: the loss rule dropped no packet"; return 1; }
  [ "$h1" -ge $((h0 + 2)) ] || { fail "3: no progress under 10% loss ($h0 -> $h1)"; return 1; }
  local top; top="$(same_chain 0 1 2 3)" || return 1
  result "PASS 3 loss 10% (iptables statistic, every node's p2p egress): $((h1 - h0)) blocks; with loss $loss; without $base ($dropped packets dropped); no fork up to $top"

  # --- delay: userspace relays on every p2p link (not netem; see docs/RELIABILITY.md)
  if ! command -v python3 >/dev/null; then
    result "SKIP 3 delay 200ms±100ms: netem is missing and the relay fallback needs python3"
    start_load "$LOAD_RATE"; return 0
  fi
  log "   delay: restarting the validators one by one with every p2p link through a delaying relay (200 ms ± 100 ms each way)"
  relay_on || return 1
  log "   all $N validators connected to their $((N - 1)) peers through the relays at $(heights)"
  sleep 2
  local delay
  h0="$(height 0)"
  delay="$(bench_once "$LOAD_RATE" "$LOSS_SECS")" || { fail "3: kuai bench failed under delay; see $W/bench.err"; return 1; }
  h1="$(height 0)"
  relay_check || return 1
  local direct; direct="$(relay_drops)"
  local relays; relays="$(relay_summary)"
  log "   delay: heights $h0 -> $h1; bench: $delay"
  log "   relays: $relays; per directed link (bytes fwd/rev): $(relay_links)"
  log "   direct validator-to-validator packets dropped by KF_RELAY_ONLY: $direct"
  [ "$h1" -ge $((h0 + DELAY_MIN_BLOCKS)) ] || { fail "3: fewer than $DELAY_MIN_BLOCKS blocks under delay ($h0 -> $h1)"; return 1; }
  top="$(same_chain 0 1 2 3)" || return 1
  result "PASS 3 delay 200ms±100ms (userspace TCP relay on every p2p link, not netem): $((h1 - h0)) blocks; with delay $delay; relays: $relays; $direct direct packets; no fork up to $top"

  # --- delay and loss at once (loss on every validator's p2p egress, as above)
  for i in $(seq 0 $((N - 1))); do ip netns exec "$(ns "$i")" iptables -A "${loss_rule[@]}"; done
  local both
  h0="$(height 0)"
  both="$(bench_once "$LOAD_RATE" "$LOSS_SECS")" || both="bench failed (see $W/bench.err)"
  h1="$(height 0)"
  dropped="$(loss_dropped)"
  for i in $(seq 0 $((N - 1))); do ip netns exec "$(ns "$i")" iptables -D "${loss_rule[@]}"; done
  log "   delay + 10% loss: heights $h0 -> $h1; $dropped packets dropped; bench: $both"
  [ "$dropped" -gt 0 ] || { fail "3: the loss rule dropped no packet under delay"; return 1; }
  [ "$h1" -ge $((h0 + DELAY_MIN_BLOCKS)) ] || { fail "3: fewer than $DELAY_MIN_BLOCKS blocks under delay + 10% loss ($h0 -> $h1)"; return 1; }
  top="$(same_chain 0 1 2 3)" || return 1
  result "PASS 3 delay 200ms±100ms + loss 10%: $((h1 - h0)) blocks; with both $both ($dropped packets dropped); no fork up to $top"

  # --- back to direct links
  relay_off || return 1
  h0="$(max_height 0 1 2 3)"
  local secs; secs="$(wait_height 0 $((h0 + 2)) 60)" || { fail "3: no progress within 60 s after going back to direct links (heights $(heights))"; return 1; }
  for i in 1 2 3; do
    wait_height "$i" $((h0 + 2)) 30 >/dev/null || { fail "3: node $i stopped following the chain after going back to direct links (heights $(heights))"; return 1; }
  done
  top="$(same_chain 0 1 2 3)" || return 1
  log "   direct links restored: commits resumed in ${secs}s; no fork up to $top"
  start_load "$LOAD_RATE"
}
# loss_dropped: packets the 10% loss rules dropped, summed over the validators.
loss_dropped() { iptables_packets OUTPUT '/statistic/'; }

scenario_skew() {
  log "4. clock skew of one validator by +20 s and -20 s (libfaketime)"
  local lib
  lib="$(ls /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1 || true)"
  [ -n "$lib" ] || { result "SKIP 4 clock skew: libfaketime is not installed (apt-get install faketime)"; return 0; }
  local skew v=1 key
  key="$(jq -r .validator <<<"$(status "$v")")"
  for skew in +20 -20; do
    stop_node "$v" TERM
    local mark; mark="$(wc -l <"$D/node-$v/node.log")"
    local h0; h0="$(max_height 0 2 3)"
    start_node "$v" LD_PRELOAD="$lib" FAKETIME="${skew}s" FAKETIME_DONT_FAKE_MONOTONIC=1 DONT_FAKE_MONOTONIC=1 || return 1
    sleep "$SKEW_SECS"
    local h1; h1="$(max_height 0 1 2 3)"
    [ "$h1" -ge $((h0 + 2)) ] || { fail "4: no progress with node $v's clock ${skew}s ($h0 -> $h1)"; return 1; }
    local top; top="$(same_chain 0 1 2 3)" || return 1
    # Block times strictly increase and none is ahead of the real clock by more than the
    # allowed drift (10 s).
    local now_ms; now_ms="$(( $(date +%s) * 1000 ))"
    local page; page="$(hx curl -sf "$(api 0)/v1/blocks?limit=500")"
    local bad; bad="$(jq -r --argjson now "$now_ms" '(if type == "array" then . else .blocks // .items end) | sort_by(.height) as $b | [range(1; $b|length) | select($b[.].time_ms <= $b[. - 1].time_ms)] | length as $nonmono | [$b[] | select(.time_ms > $now + 10000)] | length as $future | "\($nonmono) \($future)"' <<<"$page")"
    [ "$bad" = "0 0" ] || { fail "4: block times with skew ${skew}s: $bad (non-increasing, future)"; return 1; }
    local by_skewed; by_skewed="$(jq -r --arg k "$key" --argjson h0 "$h0" '[(if type == "array" then . else .blocks // .items end)[] | select(.height > $h0 and .proposer == $k)] | length' <<<"$page")"
    local refusals
    if [ "$skew" = +20 ]; then
      refusals="$(cat "$D"/node-[023]/node.log | grep -c "ahead of this node's clock" || true)"
    else
      refusals="$(tail -n +"$mark" "$D/node-$v/node.log" | grep -c "ahead of this node's clock" || true)"
    fi
    log "   skew ${skew}s: heights $h0 -> $h1; blocks proposed by the skewed node: $by_skewed; 'ahead of this node's clock' refusals: $refusals"
    [ "$refusals" -gt 0 ] || { fail "4: no block was refused for its time: the ${skew}s skew did not take effect"; return 1; }
    # The skewed validator itself keeps following the chain.
    local lag_target; lag_target="$(max_height 0 2 3)"
    wait_height "$v" "$lag_target" 15 >/dev/null || { fail "4: the skewed node stopped following the chain (at $(height "$v"), others at $lag_target)"; return 1; }
    result "PASS 4 skew ${skew}s on node $v: $((h1 - h0)) blocks in ${SKEW_SECS}s, no fork up to $top, block times increasing and never >10 s ahead; $by_skewed blocks by the skewed node; $refusals time refusals"
  done
  stop_node "$v" TERM
  start_node "$v" || return 1
}

scenario_disk_full() {
  log "5. disk full on node 2 (its data dir on a small tmpfs, then filled)"
  local v=2 db="$D/node-2/db"
  stop_node "$v" TERM
  mv "$db" "$db.orig"; mkdir "$db"
  # room for the store, a memtable flush and compactions; then filled up below
  local used_mb size_mb
  used_mb="$(du -sm "$db.orig" | cut -f1)"
  size_mb=$(( used_mb * 2 + 96 ))
  mount -t tmpfs -o "size=${size_mb}m" kuai-f-tmpfs "$db" || { rmdir "$db"; mv "$db.orig" "$db"; start_node "$v"; result "SKIP 5 disk full: cannot mount a tmpfs"; return 0; }
  cp -a "$db.orig/." "$db/"
  start_node "$v" || return 1
  local h0; h0="$(height "$v")"
  wait_height "$v" $((h0 + 2)) 30 >/dev/null || { fail "5: node 2 does not commit on the tmpfs"; return 1; }
  local before_fill; before_fill="$(height "$v")"
  dd if=/dev/zero of="$db/filler" bs=1M status=none 2>/dev/null || true
  log "   filled the tmpfs at height $before_fill: $(df -h "$db" | awk 'NR==2 {print $4 " free"}')"
  local t pid; pid="$(cat "$W/pids/node-$v")"
  for t in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then fail "5: node 2 still runs 30 s after its disk filled"; return 1; fi
  local rc=0; wait "$pid" 2>/dev/null || rc=$?
  rm -f "$W/pids/node-$v"
  local err; err="$(grep -E "No space left|disk.*full" "$D/node-2/node.log" | tail -1 | cut -c1-300)"
  [ -n "$err" ] || { fail "5: node 2 stopped without a disk-full error (see $D/node-2/node.log)"; return 1; }
  grep -q "panicked at" "$D/node-2/node.log" && { fail "5: node 2 panicked on the full disk"; return 1; }
  log "   node 2 stopped (exit $rc): $err"
  local m0; m0="$(max_height 0 1 3)"; sleep 4
  local m1; m1="$(max_height 0 1 3)"
  [ "$m1" -ge $((m0 + 1)) ] || { fail "5: the others stopped while node 2 was down ($m0 -> $m1)"; return 1; }
  rm -f "$db/filler"
  start_node "$v" || return 1
  local target; target="$(max_height 0 1 3)"
  local secs; secs="$(wait_height "$v" "$target" "$CATCH_UP_LIMIT")" || { fail "5: node 2 did not recover within ${CATCH_UP_LIMIT}s"; return 1; }
  local top; top="$(same_chain 0 1 2 3)" || return 1
  result "PASS 5 disk full: node 2 stopped with exit $rc and the error '$(sed 's/.*\(No space left[^"]*\).*/\1/' <<<"$err" | cut -c1-80)', the others went $m0 -> $m1; with space back it caught up in ${secs}s; no fork up to $top"
  # back onto the ordinary disk
  stop_node "$v" TERM
  rm -rf "$db.orig"; mkdir "$db.orig"; cp -a "$db/." "$db.orig/"; umount "$db"; rmdir "$db"; mv "$db.orig" "$db"
  start_node "$v"
}

scenario_old_datadir() {
  log "6. restart from a copy of an old data dir with the same key"
  local v=0 db="$D/node-0/db"
  stop_node "$v" TERM
  rm -rf "$db.old"; cp -a "$db" "$db.old"
  local old_h; old_h="$("$NODE_BIN" restore --from "$db.old" --data-dir "$W/verify-old" | sed 's/.*height \([0-9]*\).*/\1/')"
  rm -rf "$W/verify-old"
  start_node "$v" || return 1
  wait_height "$v" $((old_h + 15)) 60 >/dev/null || { fail "6: node 0 did not advance after the copy"; return 1; }
  local signed_h; signed_h="$(height "$v")"
  stop_node "$v" KILL
  rm -rf "$db"; mv "$db.old" "$db"
  local mark; mark="$(wc -l <"$D/node-0/node.log")"
  start_node "$v" || return 1
  local target; target="$(max_height 1 2 3)"
  local secs; secs="$(wait_height "$v" "$target" "$CATCH_UP_LIMIT")" || { fail "6: node 0 did not catch up from the old data dir"; return 1; }
  local newlog; newlog="$(tail -n +"$mark" "$D/node-0/node.log" | sed 's/\x1b\[[0-9;]*m//g')"
  local warn; warn="$(grep "older than this validator's last signature" <<<"$newlog" | head -1)"
  [ -n "$warn" ] || { fail "6: node 0 did not notice its data dir is older than its last signature"; return 1; }
  local refused; refused="$(grep -c "refused to sign" <<<"$newlog" || true)"
  local rec_h; rec_h="$(sed 's/.*height=\([0-9]*\).*/\1/' <<<"$warn")"
  [ "$rec_h" -ge "$((signed_h - 1))" ] || { fail "6: the safety record (height $rec_h) is behind the last height node 0 signed at (~$signed_h)"; return 1; }
  local top; top="$(same_chain 0 1 2 3)" || return 1
  result "PASS 6 old data dir: restarted at height $old_h with its last signature at height $rec_h (key-side safety record); $refused signatures refused; caught up in ${secs}s; no fork up to $top"
}

scenario_fuzz() {
  log "7. fuzzing, ${FUZZ_SECS}s per target"
  if ! rustup run nightly rustc --version >/dev/null 2>&1 || ! cargo fuzz --version >/dev/null 2>&1; then
    fail "7: needs the nightly toolchain and cargo-fuzz (cargo install cargo-fuzz --locked)"; return 1
  fi
  local ft="${KUAI_FUZZ_TARGET_DIR:-$HOME/.cache/kuai-fuzz-target}" t
  CARGO_TARGET_DIR="$ft" cargo +nightly fuzz build --fuzz-dir "$ROOT/fuzz" >"$W/fuzz-build.log" 2>&1 \
    || { fail "7: fuzz build failed; see $W/fuzz-build.log"; return 1; }
  for t in $(CARGO_TARGET_DIR="$ft" cargo +nightly fuzz list --fuzz-dir "$ROOT/fuzz"); do
    mkdir -p "$W/corpus/$t" "$W/artifacts/$t"
    cp "$ROOT/fuzz/corpus/$t/"* "$W/corpus/$t/" 2>/dev/null || true
    if CARGO_TARGET_DIR="$ft" cargo +nightly fuzz run --fuzz-dir "$ROOT/fuzz" "$t" "$W/corpus/$t" -- \
        -max_total_time="$FUZZ_SECS" -rss_limit_mb=2048 -artifact_prefix="$W/artifacts/$t/" \
        >"$W/fuzz-$t.log" 2>&1; then
      local runs; runs="$(grep -o 'stat::number_of_executed_units: [0-9]*' "$W/fuzz-$t.log" | awk '{print $2}' | tail -1)"
      [ -n "$runs" ] || runs="$(grep -oE '#[0-9]+' "$W/fuzz-$t.log" | tail -1 | tr -d '#')"
      result "PASS 7 fuzz $t: ${FUZZ_SECS}s, ${runs:-?} inputs, no crash (corpus $(ls "$W/corpus/$t" | wc -l) files)"
    else
      fail "7: fuzz target $t crashed; see $W/fuzz-$t.log and $W/artifacts/$t/"; return 1
    fi
  done
}

scenario_backup() {
  log "9. backup while running, restore, same state root, rejoin"
  local v=1 out="$W/backup-1"
  local line
  line="$(ip netns exec "$(ns "$v")" "$NODE_BIN" backup --config "$D/node-1/config.toml" --out "$out")" \
    || { fail "9: kuai-node backup failed"; return 1; }
  log "   $line"
  grep -q "running node" <<<"$line" || { fail "9: the backup did not go through the running node"; return 1; }
  local bh broot
  bh="$(sed 's/.*height \([0-9]*\).*/\1/' <<<"$line")"; broot="$(sed 's/.*state root \([0-9a-f]*\).*/\1/' <<<"$line")"
  local hdr_root; hdr_root="$(hx curl -sf "$(api 2)/v1/blocks/$bh" | jq -r .header.state_root)"
  [ "$hdr_root" = "$broot" ] || { fail "9: backup state root $broot != header $bh's $hdr_root"; return 1; }
  stop_node "$v" TERM
  if "$NODE_BIN" restore --from "$out" --data-dir "$D/node-1/db" >/dev/null 2>&1; then
    fail "9: restore overwrote a non-empty data dir"; return 1
  fi
  local rline; rline="$("$NODE_BIN" restore --from "$out" --data-dir "$D/node-1/db.restored")" || { fail "9: restore failed"; return 1; }
  log "   $rline"
  local rh rroot
  rh="$(sed 's/.*height \([0-9]*\).*/\1/' <<<"$rline")"; rroot="$(sed 's/.*state root \([0-9a-f]*\).*/\1/' <<<"$rline")"
  [ "$rh" = "$bh" ] && [ "$rroot" = "$broot" ] || { fail "9: restored height/root $rh/$rroot != backup $bh/$broot"; return 1; }
  sed -i 's|^db_dir = .*|db_dir = "db.restored"|' "$D/node-1/config.toml"
  start_node "$v" || return 1
  local target; target="$(max_height 0 2 3)"
  local secs; secs="$(wait_height "$v" "$target" "$CATCH_UP_LIMIT")" || { fail "9: the restored node did not rejoin within ${CATCH_UP_LIMIT}s"; return 1; }
  local top; top="$(same_chain 0 1 2 3)" || return 1
  result "PASS 9 backup/restore: live backup at height $bh (state root ${broot:0:16}…) = header $bh; restore refused a non-empty dir; restored node rejoined in ${secs}s; no fork up to $top"
}

# ================================================================ run
T_START="$(date +%s)"
log "mode $MODE; work directory $W"
run() { "$@" || FAILED=1; }
if want 1 || want 2 || want 3 || want 4 || want 5 || want 6 || want 9; then
  net_up
  make_net
  for i in $(seq 0 $((N - 1))); do start_node "$i"; done
  wait_height 0 2 30 >/dev/null || { fail "the network does not commit"; exit 1; }
  start_load "$LOAD_RATE"
  sleep 5
  log "4 validators up at $(heights); load: kuai bench at $LOAD_RATE tx/s offered"
  want 1 && { run scenario_kill; }
  want 2 && [ "$FAILED" = 0 ] && { run scenario_partition; }
  want 3 && [ "$FAILED" = 0 ] && { run scenario_netem; }
  want 4 && [ "$FAILED" = 0 ] && { run scenario_skew; }
  want 5 && [ "$FAILED" = 0 ] && { run scenario_disk_full; }
  want 6 && [ "$FAILED" = 0 ] && { run scenario_old_datadir; }
  want 9 && [ "$FAILED" = 0 ] && { run scenario_backup; }
  stop_load
  if [ -s "$W/load.jsonl" ]; then
    log "load: $(jq -s '"\(length) bench runs, \(map(.committed) | add) txs committed, \(map(.committed_tps) | add / length | . * 10 | round / 10) tx/s on average"' -r "$W/load.jsonl")"
  fi
fi
want 7 && [ "$FAILED" = 0 ] && { run scenario_fuzz; }
want 8 && result "SEE 8 API robustness: scripts/api-fuzz.sh (schemathesis against /v1/openapi.json), run by scripts/test.sh"
echo
echo "== faults ($MODE) in $(( $(date +%s) - T_START ))s =="
cat "$RESULTS"
[ "$FAILED" = 0 ] || exit 1
