#!/usr/bin/env bash
# Whole-process comparison: bare spawn, `codecollab sandbox`, and bubblewrap, one hyperfine run.
# Then the in-process library benchmark (crates/sandbox/benches/spawn.rs).
# Usage: scripts/bench-sandbox.sh [RUNS]   (needs root, hyperfine and bwrap: scripts/install-dev-tools.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-300}
cargo build --release -q -p codecollab
bin=target/release/codecollab
bwrap_args=(--unshare-all --die-with-parent --ro-bind /usr /usr --symlink usr/lib /lib --symlink usr/lib64 /lib64
  --symlink usr/bin /bin --symlink usr/sbin /sbin --proc /proc --dev /dev --tmpfs /tmp)
# One run first, so that the shared read-only tree exists before timing starts.
"$bin" sandbox -- /bin/true
for program in "/bin/true" "/usr/bin/python3 -c pass"; do
  hyperfine -N --warmup 20 --runs "$runs" --export-markdown "target/bench-sandbox-$(basename "${program%% *}").md" \
    -n "bare $program" "$program" \
    -n "codecollab sandbox -- $program" "$bin sandbox -- $program" \
    -n "bwrap --unshare-all $program" "bwrap ${bwrap_args[*]} $program"
done
cargo bench -q -p sandbox --bench spawn -- "$runs"
