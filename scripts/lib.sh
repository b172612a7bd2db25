# Shared helpers of the project's scripts (sourced, not run).

# Installs the Debian packages given that are missing; `apt-get update` only when needed.
apt_install() {
  local missing=()
  for package in "$@"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

require_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "$0: run as root (the sandbox maps user ids and creates cgroups)" >&2
    exit 1
  fi
}

require_cargo() {
  if ! command -v cargo >/dev/null 2>&1; then
    echo "$0: cargo (Rust 1.88 or newer) is needed; this machine image provides it under ~/.cargo/bin" >&2
    exit 1
  fi
}

# Node.js 20 and npm 11 come with this machine image; a bare Debian 12 gets Debian's.
require_node() {
  if ! command -v npm >/dev/null 2>&1; then
    apt_install nodejs npm
  fi
}

# The service benchmarks' request: Python hello world through `POST /api/v1/runs?wait=true`.
HELLO_RUN='{"language": "python", "source": "print(\"hello\")"}'

# write_hello_lua FILE: the wrk script that posts HELLO_RUN.
write_hello_lua() {
  cat > "$1" <<'LUA'
wrk.method = "POST"
wrk.path = "/api/v1/runs?wait=true"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"language": "python", "source": "print(\\"hello\\")"}'
LUA
}

# warm_up PORT: ten runs (toolchain detection, page cache, slots) before anything is measured.
warm_up() {
  for _ in $(seq 10); do
    curl -s -X POST "http://127.0.0.1:$1/api/v1/runs?wait=true" -H 'content-type: application/json' \
      -d "$HELLO_RUN" >/dev/null
  done
}

# serve_release PORT [ARGS...]: builds and starts a release `codecollab serve` on 127.0.0.1:PORT
# with a fresh data dir (`$data`), stopped and removed when the script exits; returns when it
# is ready.
serve_release() {
  local port=$1; shift
  cargo build --release -q -p codecollab
  data=$(mktemp -d)
  target/release/codecollab serve --bind "127.0.0.1:$port" --data-dir "$data" "$@" > "$data/serve.log" 2>&1 &
  server=$!
  trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data"' EXIT
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && return 0; sleep 0.1; done
  echo "codecollab serve did not become ready:" >&2
  cat "$data/serve.log" >&2
  return 1
}
