#!/usr/bin/env bash
# Installs the language toolchains, builds CodeCollab, installs `codecollab` to /usr/local/bin
# and starts it. Until `codecollab serve` exists, it checks this host with `codecollab doctor`,
# lists the languages and runs a first program.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
require_root
require_cargo
scripts/install-toolchains.sh
cargo build --release --locked -p codecollab
install -m 0755 target/release/codecollab /usr/local/bin/codecollab
codecollab doctor
codecollab languages
hello="$(mktemp -d)/hello.py"
echo 'print("hello from the sandbox")' > "$hello"
codecollab run "$hello"
echo
echo "codecollab is installed: try 'codecollab run FILE' (hello.kt, main.go, ...) or 'codecollab --help'"
