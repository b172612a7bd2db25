#!/usr/bin/env bash
# Builds CodeCollab and starts it. Until `codecollab serve` exists, it checks this host with
# `codecollab doctor` and runs a first sandboxed program.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
require_root
require_cargo
cargo build --release --locked -p codecollab
./target/release/codecollab doctor
./target/release/codecollab sandbox -- /bin/sh -c 'echo "hello from the sandbox: uid $(id -u), host $(hostname)"'
