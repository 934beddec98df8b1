#!/usr/bin/env bash
# A local consortium of validator processes on loopback.
#
#   scripts/local-net.sh up --validators N --dir DIR [--api-base 8080] [--p2p-base 26656]
#   scripts/local-net.sh down --dir DIR
#   scripts/local-net.sh kill --node I --dir DIR      # SIGKILL, as a crash
#   scripts/local-net.sh restart --node I --dir DIR
#   scripts/local-net.sh status --dir DIR
#
# Each validator runs `kuai-node run` with its log in DIR/node-I/node.log and its PID in
# DIR/node-I/pid. The binary is $KUAI_NODE_BIN, or the debug build in $CARGO_TARGET_DIR
# (default $HOME/.cache/kuai-target), built if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kuai-target}"
BIN="${KUAI_NODE_BIN:-$CARGO_TARGET_DIR/debug/kuai-node}"

cmd="${1:-}"; shift || true
validators=4; dir=""; node=""; api_base=8080; p2p_base=26656
while [ $# -gt 0 ]; do
  case "$1" in
    --validators) validators="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --node) node="$2"; shift 2 ;;
    --api-base) api_base="$2"; shift 2 ;;
    --p2p-base) p2p_base="$2"; shift 2 ;;
    *) echo "local-net: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$dir" ] || { echo "local-net: --dir DIR is required" >&2; exit 2; }
[ -x "$BIN" ] || cargo build --locked --bin kuai-node >&2

api_url() { grep '^api_addr' "$dir/node-$1/config.toml" | sed 's/.*"\(.*\)"/http:\/\/\1/'; }

start_node() {
  local i="$1" d="$dir/node-$1"
  "$BIN" run --config "$d/config.toml" >>"$d/node.log" 2>&1 &
  echo $! >"$d/pid"
  local url; url="$(api_url "$i")"
  for _ in $(seq 1 200); do
    curl -sf "$url/v1/status" >/dev/null 2>&1 && { echo "node $i: $url (pid $(cat "$d/pid"))"; return 0; }
    kill -0 "$(cat "$d/pid")" 2>/dev/null || { echo "node $i exited; see $d/node.log" >&2; return 1; }
    sleep 0.1
  done
  echo "node $i did not answer on $url within 20 s" >&2; return 1
}

stop_node() {
  local pidfile="$dir/node-$1/pid"
  [ -f "$pidfile" ] || return 0
  local pid; pid="$(cat "$pidfile")"
  kill "-$2" "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  rm -f "$pidfile"
}

nodes() { ls -d "$dir"/node-* 2>/dev/null | sed 's/.*node-//' | sort -n; }

case "$cmd" in
  up)
    if [ ! -f "$dir/genesis.json" ]; then
      "$BIN" testnet --dir "$dir" --validators "$validators" --api-base "$api_base" --p2p-base "$p2p_base" >/dev/null
    fi
    for i in $(nodes); do start_node "$i"; done ;;
  down) for i in $(nodes); do stop_node "$i" TERM; done; echo "stopped" ;;
  kill) [ -n "$node" ] || { echo "local-net: --node I is required" >&2; exit 2; }; stop_node "$node" KILL; echo "killed node $node" ;;
  restart) [ -n "$node" ] || { echo "local-net: --node I is required" >&2; exit 2; }; stop_node "$node" TERM; start_node "$node" ;;
  status)
    for i in $(nodes); do
      url="$(api_url "$i")"
      printf 'node %s %s ' "$i" "$url"; curl -sf "$url/v1/status" | sed 's/.*"height":\([0-9]*\).*/height \1/' || echo "down"; echo
    done ;;
  *) echo "usage: local-net.sh up|down|kill|restart|status --dir DIR [...]" >&2; exit 2 ;;
esac
