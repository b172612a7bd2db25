#!/usr/bin/env bash
# Builds the web UI into web/dist, which the next cargo build embeds into `codecollab`.
# Usage: scripts/build-web.sh [--test]   (--test also runs the UI's unit tests first)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
require_node
# `npm ci` only when the lock file changed since the last install: it wipes node_modules.
stamp=web/node_modules/.codecollab-lock
if [ ! -f "$stamp" ] || ! cmp -s web/package-lock.json "$stamp"; then
  npm ci --prefix web --no-audit --no-fund --loglevel=error
  cp web/package-lock.json "$stamp"
fi
if [ "${1:-}" = "--test" ]; then
  npm --prefix web test
fi
npm --prefix web run build
