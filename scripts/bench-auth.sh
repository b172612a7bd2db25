#!/usr/bin/env bash
# What authentication costs, side by side in one run against one release server:
#  1. the same cheap request (`GET /healthz`) anonymous, with an API token and with a session
#     cookie: p50/p99 latency at concurrency 1 and 8 (wrk), and the difference to anonymous;
#  2. sign-in latency (argon2id, by design slow), sequentially;
#  3. the same anonymous request while a flood of sign-ins hashes: the server keeps serving.
# Usage: scripts/bench-auth.sh [SECONDS]  (needs wrk: scripts/install-dev-tools.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
seconds=${1:-10}
port=18182
base="http://127.0.0.1:$port"
serve_release "$port" --workers 1 --login-attempts-per-minute 0 --signups-per-hour 0
password='correct horse battery staple'
cookie=$(curl -s -D - -o /dev/null -X POST "$base/api/v1/auth/signup" -H 'content-type: application/json' \
  -d "{\"username\": \"bench\", \"password\": \"$password\"}" | awk -F'[=;]' 'tolower($0) ~ /^set-cookie: cc_session=/ {print $2}')
token=$(curl -s -X POST "$base/api/v1/tokens" -H 'content-type: application/json' -H "cookie: cc_session=$cookie" \
  -d '{"name": "bench", "scopes": ["runs"]}' | sed -E 's/.*"secret":"([^"]+)".*/\1/')
[ -n "$cookie" ] && [ "${token#cc_}" != "$token" ] || { echo "could not sign up: $cookie $token" >&2; exit 1; }

ms() { # wrk's latency (850.00us, 1.20ms, 2.00s) in ms
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}
measure() { # concurrency header... -> "p50 p99 req/s"
  local c=$1; shift
  local out
  out=$(wrk -t1 -c"$c" -d"${seconds}s" --latency "$@" "$base/healthz")
  echo "$(ms "$(echo "$out" | awk '$1=="50%" {print $2}')") $(ms "$(echo "$out" | awk '$1=="99%" {print $2}')") $(echo "$out" | awk '/Requests\/sec/ {print $2}')"
}
printf '%-5s %-12s %9s %9s %10s %12s\n' conc caller "p50 ms" "p99 ms" "req/s" "p50 - anon"
for c in 1 8; do
  read -r a50 a99 arate <<<"$(measure "$c")"
  printf '%-5s %-12s %9s %9s %10s %12s\n' "$c" anonymous "$a50" "$a99" "$arate" "-"
  read -r t50 t99 trate <<<"$(measure "$c" -H "Authorization: Bearer $token")"
  printf '%-5s %-12s %9s %9s %10s %12s\n' "$c" "API token" "$t50" "$t99" "$trate" "$(echo "$t50 - $a50" | bc)"
  read -r s50 s99 srate <<<"$(measure "$c" -H "Cookie: cc_session=$cookie")"
  printf '%-5s %-12s %9s %9s %10s %12s\n' "$c" session "$s50" "$s99" "$srate" "$(echo "$s50 - $a50" | bc)"
done

echo
login() {
  curl -s -o /dev/null -w '%{time_total}\n' -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"username\": \"bench\", \"password\": \"$password\"}"
}
for _ in $(seq 3); do login >/dev/null; done
times=$(for _ in $(seq 20); do login; done | sort -n)
echo "sign-in, 20 sequential: p50 $(echo "$times" | sed -n 10p | awk '{printf "%.0f", $1 * 1000}') ms, min $(echo "$times" | head -1 | awk '{printf "%.0f", $1 * 1000}') ms, max $(echo "$times" | tail -1 | awk '{printf "%.0f", $1 * 1000}') ms"

echo
read -r q50 q99 _ <<<"$(measure 1)"
end=$((SECONDS + seconds + 2))
flood=()
for _ in $(seq 8); do
  (while [ $SECONDS -lt $end ]; do login >/dev/null; done) &
  flood+=($!)
done
sleep 1
read -r f50 f99 _ <<<"$(measure 1)"
wait "${flood[@]}"
printf 'anonymous /healthz at c=1, quiet: p50 %s ms p99 %s ms; during 8 concurrent sign-in loops: p50 %s ms p99 %s ms\n' \
  "$q50" "$q99" "$f50" "$f99"
