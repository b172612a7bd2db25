#!/usr/bin/env bash
# Two builds of the service side by side in one run: runs/s of Python hello world through
# `POST /api/v1/runs?wait=true` (wrk) at concurrency 1, 2 and 8, alternating between the two
# servers so that both see the same machine state. Usage (root):
#   scripts/bench-compare.sh BASELINE_BINARY [CANDIDATE_BINARY] [SECONDS] [ROUNDS]
# The candidate defaults to this checkout's release build. Each round measures both once; the
# ratio is of the sums (this machine's rates drift by tens of percent from one minute to the
# next, so only alternation in one run compares).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
base=${1:?give the baseline codecollab binary}
candidate=${2:-target/release/codecollab}
seconds=${3:-10}
rounds=${4:-3}
if [ "$candidate" = target/release/codecollab ]; then cargo build --release -q -p codecollab; fi
data=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$data"' EXIT
start() { # name binary port
  mkdir -p "$data/$1"
  # Only flags both builds know.
  "$2" serve --bind "127.0.0.1:$3" --data-dir "$data/$1" --workers 2 >"$data/$1.log" 2>&1 &
  pids+=($!)
  local ready=
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$3/readyz" >/dev/null && ready=1 && break; sleep 0.1; done
  if [ -z "$ready" ]; then echo "$1 ($2) did not start:" >&2; cat "$data/$1.log" >&2; exit 1; fi
  warm_up "$3"
}
start baseline "$base" 18191
start candidate "$candidate" 18192
write_hello_lua "$data/post.lua"
rate() { wrk -t1 -c"$1" -d"${seconds}s" -s "$data/post.lua" "http://127.0.0.1:$2" | awk '/Requests\/sec/ {print $2}'; }
printf '%-6s %-40s %-40s %9s\n' conc "baseline runs/s per round" "candidate runs/s per round" "cand/base"
for c in 1 2 8; do
  bases=() cands=() bsum=0 csum=0
  for _ in $(seq "$rounds"); do
    b=$(rate "$c" 18191); n=$(rate "$c" 18192)
    bases+=("$b"); cands+=("$n")
    bsum=$(echo "$bsum + $b" | bc); csum=$(echo "$csum + $n" | bc)
  done
  printf '%-6s %-40s %-40s %9s\n' "$c" "${bases[*]}" "${cands[*]}" "$(echo "scale=2; $csum / $bsum" | bc)"
done
