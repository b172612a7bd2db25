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
# The real client libraries the compatibility tests drive: pistonapi (PyPI) and piston-client
# (npm), in fixed prefixes so that tests find them.
apt_install python3-venv
venv=/opt/codecollab/test-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import pistonapi, judge0' 2>/dev/null; then
  /usr/bin/python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check pistonapi==1.0.1 judge0==0.0.8 requests
fi
# The web UI's browser tests drive Debian's Chromium (never a downloaded browser).
apt_install chromium fonts-dejavu-core
node_prefix=/opt/codecollab/test-node
if [ ! -d "$node_prefix/node_modules/piston-client" ]; then
  mkdir -p "$node_prefix"
  npm install --silent --no-audit --no-fund --prefix "$node_prefix" piston-client@1.0.2 >/dev/null
fi
