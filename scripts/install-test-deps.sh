#!/usr/bin/env bash
# Everything the test suite needs on a fresh Debian machine, idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
require_root
require_cargo
# The sandbox tests run real programs inside the sandbox: python3 (attacks and accounting),
# gcc (a compile in a lease), procps (pgrep), util-linux (unshare, mount, su).
apt_install python3 gcc libc6-dev procps util-linux coreutils
# Every language's toolchain: the engine tests run real programs in each.
scripts/install-toolchains.sh
rustup component add rustfmt clippy >/dev/null 2>&1 || true
if ! cargo nextest --version >/dev/null 2>&1; then
  cargo install cargo-nextest --locked
fi
