#!/usr/bin/env bash
# The service path against a bare spawn, in one run: end-to-end runs/s of Python hello world
# through `POST /api/v1/runs?wait=true` at concurrency 1, 2 and 8 (wrk), against the rate of
# spawning the same python3 bare at the same concurrency; then the WebSocket relay latency
# (crates/server/benches/relay.rs). A third column is the isolation floor: the same namespaces
# made by unshare(1) around the same program. Usage: scripts/bench-service.sh [SECONDS]  (root)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
seconds=${1:-10}
port=18181
serve_release "$port" --workers 2
write_hello_lua "$data/post.lua"
# Warm-up: toolchain detection, page cache, slots.
warm_up "$port"

spawn_rate() { # concurrency command... -> runs/s of that command spawned back to back during $seconds
  local c=$1; shift
  local end=$((SECONDS + seconds)) count=0
  count=$( (for w in $(seq "$c"); do (n=0; while [ $SECONDS -lt $end ]; do "$@" >/dev/null; n=$((n+1)); done; echo $n) & done; wait) | paste -sd+ | bc)
  echo "scale=1; $count / $seconds" | bc
}
hello=(/usr/bin/python3 -c 'print("hello")')
# The isolation floor: the same namespaces as a sandbox run (user, pid, mount, net, ipc, uts)
# made by unshare(1) around the same program, with nothing else (no mounts, limits, cgroups,
# seccomp, queue or HTTP). No namespace sandbox can be faster than this.
floor=(unshare -U -r -p -f -m -n -i -u "${hello[@]}")

printf '%-6s %10s %10s %10s %8s %8s %10s %10s\n' conc "service/s" "bare/s" "floor/s" "svc/bare" "svc/flr" "p50" "p99"
for c in 1 2 8; do
  out=$(wrk -t1 -c"$c" -d"${seconds}s" --latency -s "$data/post.lua" "http://127.0.0.1:$port")
  rate=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  bare=$(spawn_rate "$c" "${hello[@]}")
  isolated=$(spawn_rate "$c" "${floor[@]}")
  printf '%-6s %10s %10s %10s %8s %8s %10s %10s\n' "$c" "$rate" "$bare" "$isolated" \
    "$(echo "scale=2; $rate / $bare" | bc)" "$(echo "scale=2; $rate / $isolated" | bc)" "$p50" "$p99"
done
echo
echo "bare python3 spawn latency (hyperfine):"
hyperfine -N --warmup 5 --runs 100 "/usr/bin/python3 -c 'print(\"hello\")'" \
  "unshare -U -r -p -f -m -n -i -u /usr/bin/python3 -c 'print(\"hello\")'" 2>/dev/null | grep -E "Benchmark|Time|Range"
echo
cargo bench -q -p server --bench relay
