#!/usr/bin/env bash
# Runs every test: formatting, lints, then the whole suite on the real kernel.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-test-deps.sh
# The UI first (its unit tests, then the build): the binaries built below embed web/dist.
scripts/build-web.sh --test
# The UI's size budget: initial JavaScript at most 300 KiB gzipped (a size, not a timing).
npm --prefix web run size
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# The sandbox crate is the only one allowed `unsafe`: no other crate may opt out of the ban.
if grep -rn --include=*.rs 'allow(unsafe_code)' crates | grep -v '^crates/sandbox/'; then
  echo "unsafe code outside crates/sandbox" >&2
  exit 1
fi
# Dependency arrows point down (ARCHITECTURE.md): the domain, the sandbox and the engine know
# nothing of the web server or the database.
for pair in "model tokio" "model sqlx" "languages tokio" "sandbox tokio" "sandbox axum" "sandbox sqlx" \
            "engine axum" "engine sqlx" "store axum" "runs axum" "accounts axum" "model store" "engine store"; do
  set -- $pair
  if cargo tree --locked -p "$1" -e normal -i "$2" >/dev/null 2>&1; then
    echo "crate $1 must not depend on $2" >&2
    exit 1
  fi
done
# The deployment files (compose, Helm chart, Dockerfile, Prometheus, Grafana): validated with
# the real tools' parsers and schemas, since Docker and Kubernetes do not run here.
scripts/check-deploy.sh
cargo nextest run --workspace --locked --no-fail-fast
# The web UI end to end: real Chromium against a real `codecollab serve` (the debug binary
# just built, with the UI embedded).
CODECOLLAB_BIN="$PWD/target/debug/codecollab" npm --prefix web run e2e
