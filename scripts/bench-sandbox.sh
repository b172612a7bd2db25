#!/usr/bin/env bash
# Whole-process comparison: bare spawn, `codecollab sandbox`, and bubblewrap, in one hyperfine
# run per program; then the in-process library benchmark (crates/sandbox/benches/spawn.rs).
# On cgroup v1 hosts the whole-process part runs twice: with the kernel's default RCU grace
# periods and with /sys/kernel/rcu_expedited=1 (restored afterwards), because each cold v1
# cgroup attach waits for a grace period (see `codecollab doctor`).
# Usage: scripts/bench-sandbox.sh [RUNS]   (root; hyperfine and bwrap: scripts/install-dev-tools.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-300}
cargo build --release -q -p codecollab
bin=target/release/codecollab
bwrap_args=(--unshare-all --die-with-parent --ro-bind /usr /usr --symlink usr/lib /lib --symlink usr/lib64 /lib64
  --symlink usr/bin /bin --symlink usr/sbin /sbin --proc /proc --dev /dev --tmpfs /tmp)
# One run first, so that the shared read-only tree exists before timing starts.
"$bin" sandbox -- /bin/true

whole_process() {
  for program in "/bin/true" "/usr/bin/python3 -c pass"; do
    hyperfine -N --warmup 20 --runs "$runs" \
      -n "bare $program" "$program" \
      -n "codecollab sandbox -- $program" "$bin sandbox -- $program" \
      -n "bwrap --unshare-all $program" "bwrap ${bwrap_args[*]} $program"
  done
}

echo "## whole process, rcu_expedited=$(cat /sys/kernel/rcu_expedited 2>/dev/null || echo n/a)"
whole_process
if [ -w /sys/kernel/rcu_expedited ] && "$bin" doctor | grep -q "cgroup v1 attach"; then
  original=$(cat /sys/kernel/rcu_expedited)
  trap 'echo "$original" > /sys/kernel/rcu_expedited' EXIT
  echo 1 > /sys/kernel/rcu_expedited
  echo "## whole process, rcu_expedited=1"
  whole_process
  echo "$original" > /sys/kernel/rcu_expedited
fi
echo "## in process (library), rcu_expedited=$(cat /sys/kernel/rcu_expedited 2>/dev/null || echo n/a)"
cargo bench -q -p sandbox --bench spawn -- "$runs"
