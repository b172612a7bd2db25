#!/usr/bin/env bash
# Installs every language toolchain CodeCollab runs, from Debian's packages and npm; idempotent.
# Swift has no Debian package and is not installable here: its catalogue entry reports that.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
require_root
# C, C++, Python, Bash, Java, Go, Ruby, Elixir, C#, Kotlin, Scala, Rust, Node.js.
apt_install gcc g++ libc6-dev python3 bash default-jdk-headless golang-go ruby elixir \
  mono-mcs mono-runtime kotlin scala rustc nodejs
# npm comes with nodejs (NodeSource) or as its own Debian package.
command -v npm >/dev/null || apt_install npm
# TypeScript with Node's type definitions, in a fixed prefix the sandbox shows read-only (/opt).
prefix=/opt/codecollab/typescript
if [ ! -x "$prefix/node_modules/.bin/tsc" ]; then
  mkdir -p "$prefix"
  npm install --silent --no-audit --no-fund --prefix "$prefix" typescript@5 @types/node@20 >/dev/null
fi
