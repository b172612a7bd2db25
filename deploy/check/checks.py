"""Checks of the deployment files that no generic linter makes; run by scripts/check-deploy.sh.

    python checks.py SECTION [options]     SECTION: dockerfile | compose | grafana | helm | entrypoint

Each section prints one line per failed expectation and exits non-zero if there was any. The
expectations come from the binary's interface (crates/*/src/metrics.rs, the CODECOLLAB_*
variables declared in crates/codecollab/src) and from the privileges deploy/README.md explains,
so a rename in the code or a capability added in one file but not the others fails here.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
CHART = DEPLOY / "helm" / "codecollab"

# What the sandbox needs, exactly (deploy/README.md explains each). CAP_SYS_PTRACE is not needed.
WORKER_CAPABILITIES = {
    "SYS_ADMIN", "SETUID", "SETGID", "SYS_RESOURCE", "KILL", "DAC_OVERRIDE", "CHOWN", "FOWNER",
    "SETPCAP",
}
# The metrics the deployment relies on; each must still be recorded in metrics.rs.
EXPECTED_METRICS = {
    "codecollab_runs_total", "codecollab_queue_wait_seconds", "codecollab_run_duration_seconds",
    "codecollab_run_peak_memory_bytes", "codecollab_http_requests_total",
    "codecollab_websocket_connections", "codecollab_queue_depth",
}
# The panels the dashboard must have.
DASHBOARD_PANELS = [
    "Runs/s by verdict", "Runs/s by language", "Queue depth", "Queue wait p50 / p95 / p99",
    "Run duration p95 by language", "Peak memory p95 by language",
    "HTTP requests/s by status class", "HTTP 5xx ratio", "Open WebSockets",
]
WORKER_ENTRYPOINT = "codecollab-worker-entrypoint"
SERVE_PORT, WORKER_PORT = 8080, 9091

failures = []


def fail(message):
    failures.append(message)
    print(f"  FAIL {message}")


def expect(condition, message):
    if not condition:
        fail(message)
    return bool(condition)


def finish():
    sys.exit(1 if failures else 0)


# --- What the code declares -------------------------------------------------------------------

def declared_env_vars():
    """CODECOLLAB_* variables the binary reads (clap `env = "..."` attributes)."""
    names = set()
    for path in (REPO / "crates" / "codecollab" / "src").rglob("*.rs"):
        names |= set(re.findall(r'env\s*=\s*"(CODECOLLAB_[A-Z0-9_]+)"', path.read_text()))
    return names


def declared_metrics():
    """{name: (kind, labels)} for every metric recorded in the crates' `metrics.rs` files (the
    exporter's in crates/server, the runs' in crates/runs), and the suffixes the exporter
    renders as histograms (anything else becomes a summary, with no _bucket series for
    histogram_quantile)."""
    source = "\n".join(p.read_text() for p in sorted((REPO / "crates").glob("*/src/metrics.rs")))
    metrics = {}
    for kind, name, rest in re.findall(r'metrics::(counter|gauge|histogram)!\(\s*"(\w+)"([^;]*)', source):
        call = re.split(r"\)\s*\.(?:increment|decrement|record|set)\(", rest)[0]
        labels = set(re.findall(r'"(\w+)"\s*=>', call))
        old = metrics.get(name, (kind, set()))
        metrics[name] = (kind, old[1] | labels)
    suffixes = set(re.findall(r'Matcher::Suffix\("(\w+)"', source))
    return metrics, suffixes


def env_names_ok(names, where):
    declared = declared_env_vars()
    for name in sorted(names):
        if name.startswith("CODECOLLAB_"):
            expect(name in declared, f"{where}: {name} is not a variable the binary declares "
                                     f"(crates/codecollab/src); known: {', '.join(sorted(declared))}")


# --- Dockerfile ---------------------------------------------------------------------------------

def dockerignore_patterns():
    lines = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    return [l.strip().rstrip("/") for l in lines if l.strip() and not l.startswith("#")]


def ignored(path, patterns):
    """Whether the context path is excluded. Enough of the .dockerignore syntax for this file:
    plain paths, a leading **/ and no negations (checked)."""
    parts = Path(path).parts
    hit = False
    for pattern in patterns:
        expect(not pattern.startswith("!"), f"Dockerfile.dockerignore: negation {pattern!r} is not understood by this check")
        if pattern.startswith("**/"):
            name = pattern[3:]
            hit |= name in parts
        else:
            p = Path(pattern).parts
            hit |= tuple(parts[: len(p)]) == p
    return hit


def check_dockerfile(_args):
    import dockerfile

    commands = dockerfile.parse_file(str(DEPLOY / "Dockerfile"))
    patterns = dockerignore_patterns()
    for required in ("target", "web/node_modules", "data"):
        expect(required in patterns, f"Dockerfile.dockerignore does not exclude {required}/")
    expect("deploy/.env" in patterns, "Dockerfile.dockerignore does not exclude deploy/.env (passwords)")

    args, stages, current = {}, [], None
    for c in commands:
        if c.cmd == "ARG" and current is None:
            name, _, default = c.value[0].partition("=")
            args[name] = default
        elif c.cmd == "FROM":
            image = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), c.value[0])
            name = c.value[2] if len(c.value) == 3 and c.value[1].upper() == "AS" else None
            current = {"image": image, "name": name, "commands": []}
            stages.append(current)
        elif current is not None:
            current["commands"].append(c)
    if not expect(len(stages) >= 2, "Dockerfile is not multi-stage"):
        return
    names = {s["name"] for s in stages if s["name"]}

    rust = [s for s in stages if s["image"].startswith("rust:")]
    if expect(rust, "no build stage FROM a rust: image"):
        version = re.match(r"rust:(\d+)\.(\d+)", rust[0]["image"])
        wanted = re.search(r'rust-version\s*=\s*"(\d+)\.(\d+)"', (REPO / "Cargo.toml").read_text())
        if expect(version and wanted, f"cannot compare {rust[0]['image']} with Cargo.toml's rust-version"):
            expect(tuple(map(int, version.groups())) >= tuple(map(int, wanted.groups())),
                   f"{rust[0]['image']} is older than Cargo.toml's rust-version {'.'.join(wanted.groups())}")
    final = stages[-1]
    expect(final["image"] == "debian:bookworm-slim", f"final stage is FROM {final['image']}, not debian:bookworm-slim")

    runs = {i: " ".join(" ".join(c.value) for c in s["commands"] if c.cmd == "RUN") for i, s in enumerate(stages)}
    expect(any("scripts/build-web.sh" in r for r in runs.values()), "no stage runs scripts/build-web.sh")
    expect(any("cargo build --release --locked -p codecollab" in r for r in runs.values()),
           "no stage runs cargo build --release --locked -p codecollab")
    expect("install-toolchains.sh" in runs[len(stages) - 1], "the final stage does not run scripts/install-toolchains.sh")

    destinations = {}
    for s in stages:
        for c in s["commands"]:
            if c.cmd not in ("COPY", "ADD"):
                continue
            expect(c.cmd == "COPY", f"line {c.start_line}: ADD (fetches and unpacks implicitly); use COPY")
            source_stage = next((f.split("=", 1)[1] for f in c.flags if f.startswith("--from=")), None)
            *sources, dest = c.value
            for source in sources:
                if s is final:
                    destinations.setdefault(dest.rstrip("/"), set()).add(source)
                if source_stage:
                    expect(source_stage in names, f"line {c.start_line}: COPY --from={source_stage}: no such stage")
                    continue
                path = source.rstrip("/")
                expect((REPO / path).exists(), f"line {c.start_line}: COPY {source}: no such path in the repository")
                expect(not ignored(path, patterns), f"line {c.start_line}: COPY {source}: excluded by Dockerfile.dockerignore")
                if path.startswith("scripts/") and path.endswith(".sh"):
                    expect(os.access(REPO / path, os.X_OK), f"{path} is not executable (the image runs it directly)")
    expect(destinations.get("/usr/local/bin/codecollab") == {"/out/codecollab"},
           "the final stage does not copy the built binary to /usr/local/bin/codecollab")
    expect(destinations.get(f"/usr/local/bin/{WORKER_ENTRYPOINT}") == {"deploy/worker-entrypoint.sh"},
           f"the final stage does not install deploy/worker-entrypoint.sh as /usr/local/bin/{WORKER_ENTRYPOINT}")
    toolchain_dirs = [d for d, srcs in destinations.items() if "scripts/install-toolchains.sh" in srcs]
    expect(toolchain_dirs and toolchain_dirs[0].endswith("/scripts") and "scripts/lib.sh" in destinations[toolchain_dirs[0]],
           "install-toolchains.sh needs scripts/lib.sh beside it, in a directory named scripts")

    final_cmds = {c.cmd: c for c in final["commands"]}
    entry, cmd = final_cmds.get("ENTRYPOINT"), final_cmds.get("CMD")
    expect(entry and entry.json and list(entry.value) == ["codecollab"], 'ENTRYPOINT is not ["codecollab"] (exec form)')
    expect(cmd and cmd.json and list(cmd.value) == ["serve", "--bind", f"0.0.0.0:{SERVE_PORT}"],
           f'CMD is not ["serve", "--bind", "0.0.0.0:{SERVE_PORT}"] (exec form)')
    finish()


# --- compose.yaml -------------------------------------------------------------------------------

def environment(service):
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(e.split("=", 1) for e in env)
    return env


def healthcheck_probe(service):
    test = " ".join(map(str, service.get("healthcheck", {}).get("test", [])))
    m = re.search(r"/dev/tcp/127\.0\.0\.1/(\d+).*GET (\S+) ", test)
    return (int(m.group(1)), m.group(2)) if m else None


def check_compose(args):
    """Checks the services as Docker Compose resolved them (`docker compose config --format
    json`: anchors merged, variables interpolated), and the file as written for what must not
    be in it."""
    raw = (DEPLOY / "compose.yaml").read_text()
    services = json.loads(Path(args.resolved).read_text()).get("services", {})
    for secret in ("POSTGRES_PASSWORD", "GRAFANA_ADMIN_PASSWORD"):
        expect(not re.search(rf"^\s*{secret}\s*[:=]\s*(?!\$\{{)\S", raw, re.M),
               f"compose.yaml gives {secret} a literal value; it must come from deploy/.env or the environment")
    expect(raw.count("postgres://") == 1, "the database URL is written more than once in compose.yaml (use the x-codecollab-env anchor)")

    expected = {"postgres", "serve-1", "serve-2", "worker-1", "worker-2", "prometheus", "grafana"}
    expect(set(services) == expected, f"services are {sorted(services)}, expected {sorted(expected)}")

    pg = services.get("postgres", {})
    expect(str(pg.get("image", "")).startswith("postgres:15"), "postgres is not PostgreSQL 15")
    expect("pg_isready" in " ".join(pg.get("healthcheck", {}).get("test", [])), "postgres has no pg_isready healthcheck")

    host_ports = set()
    for name in ("serve-1", "serve-2"):
        s = services.get(name, {})
        where = f"compose {name}"
        expect(s.get("command") == ["serve", "--bind", f"0.0.0.0:{SERVE_PORT}", "--workers", "0"],
               f"{where}: command is not serve --bind 0.0.0.0:{SERVE_PORT} --workers 0")
        expect(str(s.get("user", "0")).split(":")[0] not in ("0", "root"), f"{where}: runs as root")
        expect(s.get("read_only") is True, f"{where}: root filesystem is not read-only")
        expect(s.get("cap_drop") == ["ALL"] and not s.get("cap_add"), f"{where}: capabilities are not all dropped")
        expect(not s.get("privileged"), f"{where}: privileged")
        expect(any(o.replace(":", "=") == "no-new-privileges=true" for o in s.get("security_opt", [])),
               f"{where}: no no-new-privileges")
        expect(healthcheck_probe(s) == (SERVE_PORT, "/readyz"), f"{where}: healthcheck does not ask /readyz on {SERVE_PORT}")
        expect(s.get("depends_on", {}).get("postgres", {}).get("condition") == "service_healthy",
               f"{where}: does not wait for a healthy postgres")
        for port in s.get("ports", []):
            expect(port.get("target") == SERVE_PORT, f"{where}: publishes container port {port.get('target')}")
            host_ports.add(int(port.get("published", 0)))
        env_names_ok(environment(s), where)
    expect(host_ports == {8080, 8081}, f"the API replicas are published on {sorted(host_ports)}, expected 8080 and 8081")

    uid_bases = []
    for name in ("worker-1", "worker-2"):
        s = services.get(name, {})
        where = f"compose {name}"
        expect(s.get("entrypoint") == [WORKER_ENTRYPOINT], f"{where}: entrypoint is not {WORKER_ENTRYPOINT}")
        expect(s.get("command") == ["worker", "--bind", f"0.0.0.0:{WORKER_PORT}"],
               f"{where}: command is not worker --bind 0.0.0.0:{WORKER_PORT}")
        expect(str(s.get("user", "0")).split(":")[0] in ("0", "root"), f"{where}: the sandbox needs root")
        expect(not s.get("privileged"), f"{where}: privileged (list capabilities instead)")
        expect(s.get("cap_drop") == ["ALL"], f"{where}: the default capabilities are not dropped first")
        caps = set(s.get("cap_add", []))
        expect(caps == WORKER_CAPABILITIES, f"{where}: cap_add is {sorted(caps)}, expected {sorted(WORKER_CAPABILITIES)}")
        opts = {o.replace(":", "=", 1) for o in s.get("security_opt", [])}
        expect({"seccomp=unconfined", "apparmor=unconfined"} <= opts, f"{where}: seccomp and AppArmor are not unconfined")
        expect(s.get("cgroup") == "private", f"{where}: no private cgroup namespace (cgroup: private)")
        expect(s.get("init") is not True, f"{where}: init: true puts a process beside codecollab in its cgroup")
        expect(not s.get("ports"), f"{where}: publishes ports (its metrics are for Prometheus on the compose network)")
        expect(healthcheck_probe(s) == (WORKER_PORT, "/healthz"), f"{where}: healthcheck does not ask /healthz on {WORKER_PORT}")
        state = [t for t in s.get("tmpfs", []) if t.split(":")[0] == "/run/codecollab"]
        expect(state and "exec" in state[0].split(":", 1)[1].split(","),
               f"{where}: the sandbox state dir /run/codecollab is not a tmpfs mounted with exec")
        env = environment(s)
        env_names_ok(env, where)
        expect("CODECOLLAB_DATABASE_URL" in env, f"{where}: no CODECOLLAB_DATABASE_URL")
        uid_bases.append(int(env.get("CODECOLLAB_UID_BASE", 2_000_000_000)))
    uid_bases.sort()
    expect(all(b - a >= 512 for a, b in zip(uid_bases, uid_bases[1:])),
           f"workers on one host share run uids (CODECOLLAB_UID_BASE {uid_bases}; each uses 256 slots x 2)")

    # What compose mounts and builds exists (compose made the paths absolute).
    for name, s in services.items():
        build = s.get("build")
        if build:
            expect(Path(build["context"]).resolve() == REPO, f"compose {name}: the build context is not the repository root")
            expect((Path(build["context"]) / build["dockerfile"]).is_file(), f"compose {name}: no {build['dockerfile']} in its build context")
        for volume in s.get("volumes", []):
            if volume.get("type") == "bind":
                expect(Path(volume["source"]).exists(), f"compose {name}: mounts {volume['source']}, which does not exist")
                expect(volume.get("read_only") is True, f"compose {name}: mounts {volume['source']} writable")

    # Prometheus scrapes exactly the API replicas and the workers, where they listen.
    prom = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    targets = {}
    for job in prom.get("scrape_configs", []):
        for sc in job.get("static_configs", []):
            for t in sc.get("targets", []):
                targets[t] = job.get("metrics_path", "/metrics")
    wanted = {f"{n}:{SERVE_PORT}" for n in ("serve-1", "serve-2")} | {f"{n}:{WORKER_PORT}" for n in ("worker-1", "worker-2")}
    for t in sorted(wanted):
        expect(targets.get(t) == "/metrics", f"prometheus.yml does not scrape {t}/metrics")
    for t in targets:
        host = t.split(":")[0]
        expect(host == "localhost" or host in services, f"prometheus.yml scrapes {t}, which is no compose service")

    readme = (DEPLOY / "README.md").read_text()
    for cap in sorted(WORKER_CAPABILITIES):
        expect(f"CAP_{cap}" in readme, f"deploy/README.md does not explain CAP_{cap}")
    finish()


# --- Grafana ------------------------------------------------------------------------------------

def check_grafana(args):
    ds = yaml.safe_load((DEPLOY / "grafana/provisioning/datasources/prometheus.yaml").read_text())
    sources = ds.get("datasources", [])
    expect(ds.get("apiVersion") == 1 and len(sources) == 1 and sources[0].get("type") == "prometheus",
           "datasources/prometheus.yaml: not one prometheus datasource (apiVersion 1)")
    uid = sources[0].get("uid") if sources else None
    expect(sources and sources[0].get("url") == "http://prometheus:9090", "the datasource does not point at the compose prometheus service")

    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    mounts = dict(v.split(":")[:2] for v in compose["services"]["grafana"]["volumes"] if v.startswith("./"))
    providers = yaml.safe_load((DEPLOY / "grafana/provisioning/dashboards/codecollab.yaml").read_text())
    paths = [p.get("options", {}).get("path") for p in providers.get("providers", [])]
    expect(paths == [mounts.get("./grafana/dashboards")], f"the dashboard provider reads {paths}, compose mounts the dashboards on {mounts.get('./grafana/dashboards')}")
    expect(mounts.get("./grafana/provisioning") == "/etc/grafana/provisioning", "compose does not mount the provisioning on /etc/grafana/provisioning")

    dashboard = json.loads((DEPLOY / "grafana/dashboards/codecollab.json").read_text())
    expect(dashboard.get("uid") and dashboard.get("title"), "the dashboard has no uid or title")
    panels = dashboard.get("panels", [])
    ids = [p.get("id") for p in panels]
    expect(len(ids) == len(set(ids)) and None not in ids, "panel ids are missing or repeated")
    titles = [p.get("title") for p in panels]
    for title in DASHBOARD_PANELS:
        expect(title in titles, f"the dashboard has no panel {title!r}")

    metrics, suffixes = declared_metrics()
    for name in sorted(EXPECTED_METRICS):
        expect(name in metrics, f"metrics.rs no longer records {name}")
    rules = []
    for panel in panels:
        where = f"panel {panel.get('title')!r}"
        expect(panel.get("datasource", {}).get("uid") == uid, f"{where}: datasource is not {uid}")
        expect({"x", "y", "w", "h"} <= set(panel.get("gridPos", {})), f"{where}: no gridPos")
        targets = panel.get("targets", [])
        expect(targets, f"{where}: no query")
        for target in targets:
            expr = target.get("expr", "")
            expect(target.get("datasource", {}).get("uid") == uid, f"{where}: a query's datasource is not {uid}")
            used = set(re.findall(r"\bcodecollab_\w+", expr))
            expect(used, f"{where}: {expr!r} uses no codecollab metric")
            labels = set()
            for token in used:
                base = re.sub(r"_(bucket|sum|count)$", "", token)
                kind, metric_labels = metrics.get(base, metrics.get(token, (None, set())))
                if not expect(kind, f"{where}: {token} is not a metric in metrics.rs (known: {', '.join(sorted(metrics))})"):
                    continue
                if token != base:
                    expect(kind == "histogram" and any(base.endswith(s) for s in suffixes),
                           f"{where}: {token}: {base} is not rendered as a histogram (metrics.rs bucket suffixes: {sorted(suffixes)})")
                    labels.add("le")
                labels |= metric_labels
            for group in re.findall(r"\bby\s*\(([^)]*)\)", expr):
                for label in (l.strip() for l in group.split(",")):
                    made = re.findall(r'label_replace\([^"]*"(\w+)"', expr)
                    expect(label in labels or label in made, f"{where}: groups by {label!r}, which {sorted(used)} do not have")
            rules.append({"record": f"codecollab:panel{panel.get('id')}:{target.get('refId')}",
                          "expr": expr.replace("$__rate_interval", "5m").replace("$__interval", "1m")})
    # PromQL syntax, by Prometheus's own parser: every query as a recording rule.
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
        yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}, f)
    result = subprocess.run([args.promtool, "check", "rules", f.name], capture_output=True, text=True)
    os.unlink(f.name)
    expect(result.returncode == 0, f"promtool rejects a dashboard query:\n{result.stdout}{result.stderr}")
    print(f"  {len(rules)} dashboard queries parsed by promtool")
    finish()


# --- Helm chart ---------------------------------------------------------------------------------

URL = "postgres://codecollab:example@postgres.example:5432/codecollab"
SCENARIOS = {
    "defaults": {"database": {"url": URL}},
    "everything": {
        "database": {"existingSecret": "codecollab-db", "existingSecretKey": "url"},
        "config": {"extraEnv": {"CODECOLLAB_LOG_LEVEL": "debug"}},
        "serve": {"autoscaling": {"enabled": True}},
        "worker": {"uidBase": "2000010000", "stateVolume": {"medium": "Memory", "sizeLimit": "1Gi"},
                   "autoscaling": {"enabled": True, "metricSelector": {"matchLabels": {"namespace": "codecollab"}}}},
        "ingress": {"enabled": True, "className": "nginx",
                    "annotations": {"nginx.ingress.kubernetes.io/proxy-read-timeout": "3600"},
                    "tls": [{"secretName": "codecollab-tls", "hosts": ["codecollab.example.com"]}]},
        "metrics": {"serviceMonitor": {"enabled": True}},
        "auth": {"signup": "invite", "guests": False, "publicUrl": "https://codecollab.example.com",
                 "oidc": {"issuer": "https://idp.example.com/realms/main", "clientId": "codecollab",
                          "existingSecret": "codecollab-oidc"}},
    },
    "legacy-apparmor": {"database": {"url": URL}, "worker": {"appArmor": {"useAnnotation": True}}},
    "serve-only": {"database": {"url": URL}, "worker": {"enabled": False}},
    "worker-only": {"database": {"url": URL}, "serve": {"enabled": False}},
}
# Values that must be refused, and a piece of the message that says why.
REFUSED = {
    "no database": ({}, "set database.url"),
    "not a postgres URL": ({"database": {"url": "mysql://x"}}, "postgres://"),
    "nothing enabled": ({"database": {"url": URL}, "serve": {"enabled": False}, "worker": {"enabled": False}}, "nothing to deploy"),
    "a typo": ({"database": {"url": URL}, "serve": {"replica": 3}}, "replica"),
    "an unneeded capability": ({"database": {"url": URL}, "worker": {"capabilities": ["SYS_PTRACE"]}}, "capabilities"),
    "OIDC without its secret": ({"database": {"url": URL}, "auth": {"publicUrl": "https://x.example",
                                 "oidc": {"issuer": "https://idp.example", "clientId": "c"}}}, "existingSecret"),
    "an unknown sign-up mode": ({"database": {"url": URL}, "auth": {"signup": "sometimes"}}, "signup"),
}
KUBERNETES_VERSIONS = ["1.30.0", None]   # the chart's kubeVersion floor, and the newest schemas


def containers(obj):
    return obj["spec"]["template"]["spec"]["containers"]


def check_rendered(scenario, values, objects):
    by_kind = {}
    for o in objects:
        by_kind.setdefault(o["kind"], {})[o["metadata"]["name"]] = o
    deployments = by_kind.get("Deployment", {})
    serve = next((o for n, o in deployments.items() if n.endswith("-serve")), None)
    worker = next((o for n, o in deployments.items() if n.endswith("-worker")), None)
    where = f"[{scenario}]"
    serve_on = values.get("serve", {}).get("enabled", True)
    worker_on = values.get("worker", {}).get("enabled", True)
    expect(bool(serve) == serve_on and bool(worker) == worker_on, f"{where} rendered Deployments {sorted(deployments)}")

    existing = values.get("database", {}).get("existingSecret")
    secrets = by_kind.get("Secret", {})
    expect(bool(secrets) != bool(existing), f"{where} a database Secret is rendered {'despite' if existing else 'without'} existingSecret")
    configmaps = by_kind.get("ConfigMap", {})
    env_names_ok(set().union(*(c.get("data", {}) for c in configmaps.values())), f"{where} ConfigMap")

    def common(obj, role):
        c = containers(obj)[0]
        spec = obj["spec"]["template"]["spec"]
        w = f"{where} {role}"
        db = [e for e in c.get("env", []) if e["name"] == "CODECOLLAB_DATABASE_URL"]
        if expect(db and "secretKeyRef" in db[0].get("valueFrom", {}), f"{w}: CODECOLLAB_DATABASE_URL is not from a Secret"):
            ref = db[0]["valueFrom"]["secretKeyRef"]
            if existing:
                expect(ref["name"] == existing and ref["key"] == values["database"]["existingSecretKey"], f"{w}: does not use existingSecret")
            else:
                expect(ref["name"] in secrets and ref["key"] in secrets[ref["name"]]["stringData"], f"{w}: names a Secret key the chart does not render")
        expect([e["configMapRef"]["name"] for e in c.get("envFrom", [])] == list(configmaps), f"{w}: does not read the ConfigMap")
        env_names_ok({e["name"] for e in c.get("env", [])}, w)
        expect(spec.get("automountServiceAccountToken") is False, f"{w}: mounts a service account token")
        expect(spec.get("enableServiceLinks") is False, f"{w}: service links can inject variables")
        expect("checksum/config" in obj["spec"]["template"]["metadata"].get("annotations", {}), f"{w}: no config checksum")
        return c, spec, w

    if serve:
        c, spec, w = common(serve, "serve")
        sc, psc = c.get("securityContext", {}), spec.get("securityContext", {})
        expect(c.get("args") == ["serve", "--bind", f"0.0.0.0:{SERVE_PORT}", "--workers", "0"], f"{w}: args {c.get('args')}")
        expect(psc.get("runAsNonRoot") is True and psc.get("runAsUser", 0) != 0, f"{w}: may run as root")
        expect(sc.get("readOnlyRootFilesystem") is True, f"{w}: root filesystem is writable")
        expect(sc.get("allowPrivilegeEscalation") is False, f"{w}: privilege escalation allowed")
        expect(sc.get("capabilities") == {"drop": ["ALL"]}, f"{w}: capabilities {sc.get('capabilities')}")
        expect(psc.get("seccompProfile", {}).get("type") == "RuntimeDefault", f"{w}: no RuntimeDefault seccomp")
        ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
        expect(ports == {"http": SERVE_PORT}, f"{w}: ports {ports}")
        for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz"), ("startupProbe", "/healthz")):
            expect(c.get(probe, {}).get("httpGet") == {"path": path, "port": "http"}, f"{w}: {probe} is not {path} on http")
        expect(("replicas" in serve["spec"]) != values.get("serve", {}).get("autoscaling", {}).get("enabled", False),
               f"{w}: replicas and the HPA both set the replica count, or neither does")
        labels = serve["spec"]["template"]["metadata"]["labels"]
        services = [s for s in by_kind.get("Service", {}).values() if s["metadata"]["name"] == serve["metadata"]["name"]]
        if expect(services, f"{w}: no Service"):
            expect(services[0]["spec"]["selector"].items() <= labels.items(), f"{w}: the Service does not select the pods")
        for ing in by_kind.get("Ingress", {}).values():
            for rule in ing["spec"]["rules"]:
                for p in rule["http"]["paths"]:
                    expect(p["backend"]["service"] == {"name": serve["metadata"]["name"], "port": {"name": "http"}},
                           f"{where} Ingress: backend {p['backend']['service']}")
    if worker:
        c, spec, w = common(worker, "worker")
        sc = c.get("securityContext", {})
        expect(c.get("command") == [WORKER_ENTRYPOINT], f"{w}: command is not {WORKER_ENTRYPOINT}")
        expect(c.get("args") == ["worker", "--bind", f"0.0.0.0:{WORKER_PORT}"], f"{w}: args {c.get('args')}")
        expect(sc.get("runAsUser") == 0, f"{w}: the sandbox needs root")
        expect(sc.get("privileged") is False, f"{w}: privileged is not false")
        caps = sc.get("capabilities", {})
        expect(caps.get("drop") == ["ALL"] and set(caps.get("add", [])) == WORKER_CAPABILITIES,
               f"{w}: capabilities {caps}, expected drop ALL + {sorted(WORKER_CAPABILITIES)}")
        expect(sc.get("seccompProfile") == {"type": "Unconfined"}, f"{w}: seccomp is not Unconfined")
        annotation = worker["spec"]["template"]["metadata"]["annotations"].get("container.apparmor.security.beta.kubernetes.io/worker")
        if values.get("worker", {}).get("appArmor", {}).get("useAnnotation"):
            expect(annotation == "unconfined" and "appArmorProfile" not in sc, f"{w}: legacy AppArmor annotation not used alone")
        else:
            expect(sc.get("appArmorProfile") == {"type": "Unconfined"} and annotation is None, f"{w}: appArmorProfile is not Unconfined")
        env = {e["name"]: e.get("value") for e in c.get("env", [])}
        expect(env.get("CODECOLLAB_WORKERS") == str(values.get("worker", {}).get("slots", 2)), f"{w}: CODECOLLAB_WORKERS {env.get('CODECOLLAB_WORKERS')}")
        if values.get("worker", {}).get("uidBase"):
            expect(env.get("CODECOLLAB_UID_BASE") == values["worker"]["uidBase"], f"{w}: uidBase not passed")
        ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
        expect(ports == {"metrics": WORKER_PORT}, f"{w}: ports {ports}")
        for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz"), ("startupProbe", "/healthz")):
            expect(c.get(probe, {}).get("httpGet") == {"path": path, "port": "metrics"}, f"{w}: {probe} is not {path} on metrics")
        data = next(iter(configmaps.values()))["data"]
        mounts = {m["mountPath"] for m in c.get("volumeMounts", [])}
        for key in ("CODECOLLAB_STATE_DIR", "CODECOLLAB_CACHE_DIR"):
            expect(data[key] in mounts, f"{w}: {key} {data[key]} is not a mounted volume")
        expect(spec.get("hostUsers") in (None, True), f"{w}: a pod user namespace has no host uids for the sandbox")
        autoscaled = values.get("worker", {}).get("autoscaling", {}).get("enabled", False)
        expect(("replicas" in worker["spec"]) != autoscaled, f"{w}: replicas and the HPA both set the replica count, or neither does")
        hpas = [h for h in by_kind.get("HorizontalPodAutoscaler", {}).values()
                if h["spec"]["scaleTargetRef"]["name"] == worker["metadata"]["name"]]
        expect(bool(hpas) == autoscaled, f"{w}: worker HPA rendered: {bool(hpas)}")
        for h in hpas:
            metric = h["spec"]["metrics"][0]
            expect(metric["type"] == "External" and metric["external"]["metric"]["name"] == "codecollab_queue_depth"
                   and metric["external"]["target"]["type"] == "AverageValue",
                   f"{w}: the HPA does not scale on the External metric codecollab_queue_depth (AverageValue)")
    monitors = by_kind.get("ServiceMonitor", {})
    if values.get("metrics", {}).get("serviceMonitor", {}).get("enabled"):
        expect(len(monitors) == int(serve_on) + int(worker_on), f"{where} ServiceMonitors: {sorted(monitors)}")
        service_ports = {p["name"] for s in by_kind.get("Service", {}).values() for p in s["spec"]["ports"]}
        for m in monitors.values():
            for e in m["spec"]["endpoints"]:
                expect(e["port"] in service_ports and e["path"] == "/metrics", f"{where} {m['metadata']['name']}: endpoint {e}")
    else:
        expect(not monitors, f"{where} ServiceMonitor rendered while disabled")


def check_helm(args):
    import helm_python as helm
    import kubernetes_validate

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print(f"  helm SDK {helm.helm_sdk_version()} (helm-c {helm.helm_c_version()}), kubernetes-validate schemas up to {kubernetes_validate.utils.latest_version()}")
    chart_meta = yaml.safe_load((CHART / "Chart.yaml").read_text())
    expect(chart_meta.get("apiVersion") == "v2", "Chart.yaml apiVersion is not v2")
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    expect(set(values["worker"]["capabilities"]) == WORKER_CAPABILITIES, "values.yaml worker.capabilities differ from the sandbox's needs")
    expect(values["worker"]["autoscaling"]["enabled"] is False, "the queue-depth HPA must be off by default (it needs prometheus-adapter)")

    for scenario, overrides in SCENARIOS.items():
        report = helm.lint(str(CHART), overrides, strict=True, kube_version="v1.30.0")
        for m in report.get("messages", []):
            if m.get("severity", 0) >= 2:
                fail(f"[{scenario}] helm lint: {m.get('path')}: {m.get('error')}")
        for e in report.get("errors", []):
            fail(f"[{scenario}] helm lint: {e}")
        with helm.Chart.load(str(CHART)) as chart:
            manifests = chart.render(overrides, name="codecollab", namespace="codecollab", is_install=True)
        objects, text = [], []
        for template, body in sorted(manifests.items()):
            if template.endswith("NOTES.txt"):
                expect(body.strip(), f"[{scenario}] NOTES.txt renders empty")
                continue
            for obj in yaml.safe_load_all(body):
                if obj:
                    objects.append(obj)
            text.append(f"# Source: {template}\n{body}")
        (out / f"{scenario}.yaml").write_text("---\n".join(text))
        for obj in objects:
            name = f"[{scenario}] {obj.get('kind')}/{obj.get('metadata', {}).get('name')}"
            if obj.get("apiVersion", "").startswith("monitoring.coreos.com/"):
                continue    # a CRD: no schema in kubernetes-validate; checked structurally below
            for version in KUBERNETES_VERSIONS:
                version = version or kubernetes_validate.utils.latest_version()
                try:
                    kubernetes_validate.validate(obj, version, strict=True)
                except Exception as e:   # ValidationError, SchemaNotFoundError
                    fail(f"{name}: not valid Kubernetes {version} (strict): {getattr(e, 'message', e)}")
        check_rendered(scenario, overrides, objects)
        print(f"  [{scenario}] {len(objects)} objects rendered, validated against Kubernetes "
              f"{', '.join(v or kubernetes_validate.utils.latest_version() for v in KUBERNETES_VERSIONS)}")

    for what, (overrides, reason) in REFUSED.items():
        try:
            with helm.Chart.load(str(CHART)) as chart:
                chart.render(overrides, name="codecollab", namespace="codecollab")
            fail(f"the chart renders with {what}")
        except helm.HelmError as e:
            expect(reason in str(e), f"the chart refuses {what}, but without saying {reason!r}: {e}")
    finish()


# --- worker entrypoint --------------------------------------------------------------------------

def check_entrypoint(_args):
    """Runs deploy/worker-entrypoint.sh against made-up /proc files, with `mount`, `mkdir` and
    `codecollab` replaced by stubs that record their arguments."""
    remount = "-o remount,rw /sys/fs/cgroup"
    spare = "-t proc -o rw,nosuid,nodev,noexec proc /run/codecollab-proc"
    masked = "40 22 0:5 /null /proc/kcore rw,nosuid - devtmpfs udev rw\n41 22 0:21 /sys /proc/sys ro,nosuid - proc proc rw\n"
    v2_ro = "0:27 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate"
    cases = [
        # name, cgroup line of mountinfo, extra mountinfo, /proc/self/cgroup, env, mount's exit, exit, mount calls, exec
        ("Docker/Kubernetes default: read-only cgroup2, masked /proc", v2_ro, masked, "0::/\n", {}, 0, 0, [remount, spare], True),
        ("writable cgroup2, unmasked /proc", v2_ro.replace(" ro,", " rw,"), "", "0::/\n", {}, 0, 0, [], True),
        ("host cgroup namespace", "0:27 /../.. /sys/fs/cgroup ro,nosuid - cgroup2 cgroup2 rw", masked, "0::/system.slice/docker-1.scope\n", {}, 0, 1, [], False),
        ("remount refused", v2_ro, masked, "0::/\n", {}, 32, 1, [remount], False),
        ("cgroup v1 host", "0:28 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs rw,mode=755", masked, "4:memory:/x\n0::/\n", {}, 0, 0, [spare], True),
        ("both opted out", v2_ro, masked, "0::/\n", {"CODECOLLAB_CGROUP_REMOUNT": "0", "CODECOLLAB_SPARE_PROC": "0"}, 0, 0, [], True),
    ]
    script = DEPLOY / "worker-entrypoint.sh"
    expect(os.access(script, os.X_OK), "deploy/worker-entrypoint.sh is not executable")
    for name, line, extra_lines, cgroup, extra_env, mount_rc, want_rc, want_mounts, want_exec in cases:
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            (tmp / "proc").mkdir()
            (tmp / "proc" / "mountinfo").write_text(f"22 1 0:20 / /proc rw - proc proc rw\n31 23 {line}\n{extra_lines}")
            (tmp / "proc" / "cgroup").write_text(cgroup)
            (tmp / "bin").mkdir()
            for stub, rc in (("mount", mount_rc), ("mkdir", 0), ("codecollab", 0)):
                (tmp / "bin" / stub).write_text(f'#!/bin/sh\necho "$*" >> "{tmp}/{stub}.args"\nexit {rc}\n')
                (tmp / "bin" / stub).chmod(0o755)
            env = {"PATH": f"{tmp}/bin:/usr/bin:/bin", "CODECOLLAB_ENTRYPOINT_PROC": str(tmp / "proc"), **extra_env}
            result = subprocess.run([str(script), "worker", "--bind", "0.0.0.0:9091"], env=env, capture_output=True, text=True)
            def calls(stub):
                path = tmp / f"{stub}.args"
                return path.read_text().splitlines() if path.exists() else []
            ok = expect(result.returncode == want_rc, f"entrypoint, {name}: exit {result.returncode}, expected {want_rc} ({result.stderr.strip()})")
            ok &= expect(calls("mount") == want_mounts, f"entrypoint, {name}: mount called with {calls('mount')}, expected {want_mounts}")
            ok &= expect(calls("mkdir") == (["-p /run/codecollab-proc"] if spare in want_mounts else []), f"entrypoint, {name}: mkdir {calls('mkdir')}")
            ok &= expect(calls("codecollab") == (["worker --bind 0.0.0.0:9091"] if want_exec else []), f"entrypoint, {name}: codecollab run with {calls('codecollab')}")
            ok &= expect(want_rc == 0 or result.stderr.strip(), f"entrypoint, {name}: fails without saying why")
            if ok:
                print(f"  ok: {name}")
    finish()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("section", choices=["dockerfile", "compose", "grafana", "helm", "entrypoint"])
    parser.add_argument("--promtool", default="promtool")
    parser.add_argument("--out", default=tempfile.gettempdir() + "/codecollab-rendered")
    parser.add_argument("--resolved", help="compose: the output of `docker compose config --format json`")
    args = parser.parse_args()
    {"dockerfile": check_dockerfile, "compose": check_compose, "grafana": check_grafana,
     "helm": check_helm, "entrypoint": check_entrypoint}[args.section](args)


if __name__ == "__main__":
    main()
