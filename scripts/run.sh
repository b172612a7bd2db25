#!/usr/bin/env bash
# Installs the language toolchains, builds CodeCollab, installs `codecollab` to /usr/local/bin,
# checks this host (`codecollab doctor`), runs a first program, then starts the whole product:
# `codecollab serve` on 127.0.0.1:8080 (CODECOLLAB_BIND) with SQLite under ./data.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
require_root
require_cargo
scripts/install-toolchains.sh
scripts/build-web.sh
cargo build --release --locked -p codecollab
install -m 0755 target/release/codecollab /usr/local/bin/codecollab
codecollab doctor
codecollab languages
hello="$(mktemp -d)/hello.py"
echo 'print("hello from the sandbox")' > "$hello"
codecollab run "$hello"
echo
echo "codecollab is installed: 'codecollab run FILE' (hello.kt, main.go, ...) works from any shell."
echo "Starting the service. Open http://${CODECOLLAB_BIND:-127.0.0.1:8080}/ for the web IDE, or try:"
echo "  curl -s -X POST 'http://${CODECOLLAB_BIND:-127.0.0.1:8080}/api/v1/runs?wait=true' \\"
echo "       -H 'content-type: application/json' -d '{\"language\": \"python\", \"source\": \"print(6 * 7)\"}'"
exec codecollab serve
