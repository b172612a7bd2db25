#!/usr/bin/env bash
# Installs every language toolchain CodeCollab runs, from Debian's packages and npm; idempotent.
# A second run checks (dpkg -s, command -v, the installed TypeScript version) and does nothing
# else: no `apt-get update`, no npm (about 0.1 s). `--verify` also runs every version command
# the way the sandbox sees them (PATH without /usr/local, ~/.cargo or pyenv; ~2.5 s, mostly the
# JVM compilers); that check runs by itself whenever something was installed.
#
# Everything lands under /usr (Debian) or /opt/codecollab (npm), both shown read-only inside the
# sandbox; see docs/toolchains-notes.md for the /etc entries each toolchain needs at run time.
#
# Swift has no Debian 12 package (swift.org ships tarballs only) and is not installed: its
# catalogue entry reports the toolchain as missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
require_root
export DEBIAN_FRONTEND=noninteractive

# Debian 12 packages, one line per language. `rustc` is Debian's 1.63 under /usr/bin (rustup's
# toolchain under ~/.cargo is invisible to the sandbox); default-jdk-headless is OpenJDK 17 and
# also serves Kotlin and Scala; mono-mcs + mono-runtime is C# 7-ish on Mono 6.8.
packages=(
  bash                          # Bash
  python3                       # Python 3.11
  gcc g++ libc6-dev             # C, C++ (gcc 12)
  default-jdk-headless          # Java 17 (javac, java)
  golang-go                     # Go 1.19
  ruby                          # Ruby 3.1
  elixir                        # Elixir 1.14 on Erlang/OTP 25
  mono-mcs mono-runtime         # C# (mcs, mono 6.8)
  kotlin                        # Kotlin 1.3.31 (kotlinc)
  scala                         # Scala 2.11.12 (scalac; programs run on plain java)
  rustc                         # Rust 1.63
)
verify=0
[ "${1:-}" = "--verify" ] && verify=1
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || verify=1
done
apt_install "${packages[@]}"

# JavaScript: any Node.js >= 18 on the PATH under /usr (this image has NodeSource's 20.x in
# /usr/bin). Only when there is none, Debian's nodejs (18.x) and npm.
if ! command -v node >/dev/null 2>&1; then
  apt_install nodejs
  verify=1
fi
command -v npm >/dev/null 2>&1 || apt_install npm
case "$(node --version)" in
  v1[0-7].*) echo "$0: node $(node --version) is too old (need >= 18)" >&2; exit 1 ;;
esac

# TypeScript with Node's type definitions, in a fixed prefix the sandbox shows read-only (/opt).
# Pinned: TypeScript 7 (npm's `latest` since 2026) is the native Go compiler with another layout.
prefix=/opt/codecollab/typescript
typescript_version=5.9.3
types_node_version=20.19.43
installed_version() { # package.json version of $1 under the prefix, empty when absent
  node -p "try { require('$prefix/node_modules/$1/package.json').version } catch { '' }"
}
if [ "$(installed_version typescript)" != "$typescript_version" ] ||
   [ "$(installed_version @types/node)" != "$types_node_version" ]; then
  echo "installing typescript@$typescript_version @types/node@$types_node_version into $prefix"
  mkdir -p "$prefix"
  npm install --silent --no-audit --no-fund --no-update-notifier --prefix "$prefix" \
    "typescript@$typescript_version" "@types/node@$types_node_version" >/dev/null
  chmod -R a+rX "$prefix"   # the sandbox runs programs as an unprivileged user
  verify=1
fi

# Every toolchain answers its version command, found on the sandbox's PATH (fails otherwise).
if [ "$verify" = 0 ]; then echo "toolchains already installed (--verify runs every version command)"; exit 0; fi
for check in "node --version" "node $prefix/node_modules/typescript/bin/tsc --version" \
  "python3 --version" "ruby --version" "elixir --short-version" "go version" "javac -version" \
  "java -version" "kotlinc -version" "scalac -version" "mcs --version" "mono --version" \
  "rustc --version" "gcc --version" "g++ --version" "bash --version"; do
  if ! env -i HOME=/tmp PATH=/usr/sbin:/usr/bin:/sbin:/bin $check >/dev/null 2>&1; then
    echo "$0: \`$check\` failed" >&2
    exit 1
  fi
done
echo "toolchains ready (Swift is not installable from Debian 12 and is skipped)"
