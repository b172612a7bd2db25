#!/usr/bin/env bash
# The service path against a bare spawn, in one run: end-to-end runs/s of Python hello world
# through `POST /api/v1/runs?wait=true` at concurrency 1, 2 and 8 (wrk), against the rate of
# spawning the same python3 bare at the same concurrency; then the WebSocket relay latency
# (crates/server/benches/relay.rs). Usage: scripts/bench-service.sh [SECONDS]  (root)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
cargo build --release -q -p codecollab
data=$(mktemp -d)
port=18181
target/release/codecollab serve --bind "127.0.0.1:$port" --data-dir "$data" --workers 2 > "$data/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
cat > "$data/post.lua" <<'LUA'
wrk.method = "POST"
wrk.path = "/api/v1/runs?wait=true"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"language": "python", "source": "print(\\"hello\\")"}'
LUA
# Warm-up: toolchain detection, page cache, slots.
for _ in $(seq 10); do curl -s -X POST "http://127.0.0.1:$port/api/v1/runs?wait=true" -H 'content-type: application/json' \
  -d '{"language": "python", "source": "print(\"hello\")"}' >/dev/null; done

bare_rate() { # concurrency -> runs/s of bare python3 spawns during $seconds
  local c=$1 end=$((SECONDS + seconds)) count=0
  count=$( (for w in $(seq "$c"); do (n=0; while [ $SECONDS -lt $end ]; do /usr/bin/python3 -c 'print("hello")' >/dev/null; n=$((n+1)); done; echo $n) & done; wait) | paste -sd+ | bc)
  echo "scale=1; $count / $seconds" | bc
}

printf '%-12s %14s %14s %8s %12s %12s\n' concurrency "service run/s" "bare run/s" ratio "p50 ms" "p99 ms"
for c in 1 2 8; do
  out=$(wrk -t1 -c"$c" -d"${seconds}s" --latency -s "$data/post.lua" "http://127.0.0.1:$port")
  rate=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  bare=$(bare_rate "$c")
  ratio=$(echo "scale=2; $rate / $bare" | bc)
  printf '%-12s %14s %14s %8s %12s %12s\n' "$c" "$rate" "$bare" "$ratio" "$p50" "$p99"
done
echo
echo "bare python3 spawn latency (hyperfine):"
hyperfine -N --warmup 5 --runs 100 "/usr/bin/python3 -c 'print(\"hello\")'" 2>/dev/null | grep -E "Time|Range"
echo
cargo bench -q -p server --bench relay
