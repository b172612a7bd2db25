#!/usr/bin/env bash
# Runs every test: formatting, lints, then the whole suite on the real kernel.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-test-deps.sh
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# The sandbox crate is the only one allowed `unsafe`: no other crate may opt out of the ban.
if grep -rn --include=*.rs 'allow(unsafe_code)' crates | grep -v '^crates/sandbox/'; then
  echo "unsafe code outside crates/sandbox" >&2
  exit 1
fi
cargo nextest run --workspace --locked --no-fail-fast
