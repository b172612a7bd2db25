//! The client libraries people already use, unchanged, against a real CodeCollab server:
//! `pistonapi` from PyPI and `piston-client` from npm (installed by scripts/install-test-deps.sh).

mod common;

use common::*;
use serde_json::json;
use std::process::Command;

const VENV_PYTHON: &str = "/opt/codecollab/test-venv/bin/python";
const NODE_CLIENTS: &str = "/opt/codecollab/test-node/node_modules";

#[test]
fn the_pistonapi_python_client_runs_code_unchanged() {
    let server = start(server::ServerConfig::default());
    let script = format!(
        r#"
from pistonapi import PistonAPI
from pistonapi.exceptions import PistonError
piston = PistonAPI(endpoint="{base}/api/v2")
runtimes = piston.runtimes
assert "python" in runtimes and "kotlin" in runtimes, runtimes.keys()
print(piston.execute(language="py", version=runtimes["python"]["version"], code="print(sum(map(int, input().split())))", stdin="20 22"), end="")
try:
    piston.execute(language="cobol", version="1", code="x")
except PistonError as e:
    print("error:", e)
"#,
        base = server.base
    );
    let output = Command::new(VENV_PYTHON)
        .arg("-c")
        .arg(&script)
        .output()
        .expect("scripts/install-test-deps.sh installs the venv");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(stdout, "42\nerror: cobol is not a supported runtime\n");
}

#[test]
fn the_piston_client_npm_package_runs_code_unchanged() {
    let server = start(server::ServerConfig::default());
    let script = format!(
        r#"
import piston from "{NODE_CLIENTS}/piston-client/index.js";
const client = piston({{ server: "{base}" }});
const runtimes = await client.runtimes();
if (!runtimes.some(r => r.language === "javascript")) throw new Error("no javascript runtime");
const ok = await client.execute("javascript", "console.log(process.argv.slice(2).join(','), 'héllo')");
const bad = await client.execute("c", "int main(void) {{ return x; }}");
console.log(JSON.stringify({{ ok: ok.run, compile: bad.compile.code, output: bad.compile.output.includes("main.c") }}));
"#,
        base = server.base
    );
    let dir = std::env::temp_dir().join(format!(
        "codecollab-piston-client-{}.mjs",
        std::process::id()
    ));
    std::fs::write(&dir, script).expect("write script");
    let output = Command::new("node").arg(&dir).output().expect("node");
    let _ = std::fs::remove_file(&dir);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let value: serde_json::Value = serde_json::from_str(stdout.trim()).expect("json");
    // piston-client passes args ["1", "2", "3"] unless told otherwise.
    assert_eq!(value["ok"]["stdout"], "1,2,3 héllo\n", "{value}");
    assert_eq!(value["ok"]["code"], 0);
    assert_eq!(
        value["compile"], 1,
        "a compile error reports a non-zero compile code"
    );
    assert_eq!(value["output"], json!(true));
}

#[test]
fn the_official_judge0_python_client_runs_code_unchanged() {
    let server = start(server::ServerConfig::default());
    let script = format!(
        r#"
import judge0
client = judge0.Client("{base}")
assert client.version == "1.13.1", client.version
ok = judge0.run(client=client, source_code="print('héllo', input())", stdin="wörld", language=judge0.PYTHON)
print(ok.status.name, repr(ok.stdout), ok.time is not None, ok.memory is not None)
bad = judge0.run(client=client, source_code="int main(void) {{ return x; }}", language=judge0.C)
print(bad.status.name, "main.c" in (bad.compile_output or ""))
wrong = judge0.run(client=client, source_code="print(41)", expected_output="42", language=judge0.PYTHON)
print(wrong.status.name)
# Submission objects keep integer language ids (the client turns aliases into its own enum
# values otherwise): 71 is Judge0 CE's Python.
both = judge0.run(client=client, submissions=[judge0.Submission(source_code="print(1)", language=71), judge0.Submission(source_code="print(2)", language=71)])
print([s.stdout for s in both])
"#,
        base = server.base
    );
    let output = Command::new(VENV_PYTHON)
        .arg("-c")
        .arg(&script)
        .env("JUDGE0_SUPPRESS_PREVIEW_WARNING", "1")
        .output()
        .expect("scripts/install-test-deps.sh installs the venv");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        stdout,
        "ACCEPTED 'héllo wörld\\n' True True\nCOMPILATION_ERROR True\nWRONG_ANSWER\n['1\\n', '2\\n']\n"
    );
}
