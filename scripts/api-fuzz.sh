#!/usr/bin/env bash
# API robustness: schemathesis (PyPI) generates requests from the node's own OpenAPI
# document against a running dev consortium; any 5xx fails. A fixed seed keeps CI
# repeatable; `scripts/api-fuzz.sh --examples 200 --seed random` searches harder.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kuai-target}"
examples=30; seed=1
while [ $# -gt 0 ]; do
  case "$1" in
    --examples) examples="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    *) echo "api-fuzz: unknown argument $1" >&2; exit 2 ;;
  esac
done
command -v st >/dev/null 2>&1 || python3 -m pip install -q --disable-pip-version-check schemathesis
ST="$(command -v st || echo "python3 -m schemathesis.cli")"
dir="$(mktemp -d)"
# The dev consortium uses API ports PORT..PORT+3 and p2p ports PORT+100..PORT+103: pick a
# PORT with all eight free.
port=$(python3 - <<'PY'
import random, socket
def free(p):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); return True
    except OSError:
        return False
    finally:
        s.close()
while True:
    p = random.randint(20000, 60000)
    if all(free(p + i) for i in (0, 1, 2, 3, 100, 101, 102, 103)):
        print(p); break
PY
)
"$CARGO_TARGET_DIR/debug/kuai-node" dev --data-dir "$dir" --api "127.0.0.1:$port" >"$dir/node.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 120); do grep -q "seeded\|resumed" "$dir/node.log" && break; sleep 0.5; done
grep -q "seeded\|resumed" "$dir/node.log" || { echo "api-fuzz: the dev node did not start"; grep -v '^ \+\(at \|[0-9]\+: \)' "$dir/node.log" | tail -20; exit 1; }
seed_args=(); [ "$seed" = random ] || seed_args=(--seed "$seed")
timeout 600 $ST run "http://127.0.0.1:$port/v1/openapi.json" --url "http://127.0.0.1:$port" \
  --checks not_a_server_error --max-examples "$examples" "${seed_args[@]}"
kill -0 $pid || { echo "api-fuzz: the node died"; exit 1; }
echo "api-fuzz: no server error; the node is still up"
