#!/usr/bin/env bash
# Tools for the benchmarks (not needed by the tests): hyperfine, bubblewrap for comparison, wrk
# for load on the service.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
require_root
apt_install hyperfine bubblewrap wrk
