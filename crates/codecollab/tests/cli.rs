//! The `codecollab` binary as a user runs it: real processes, real sandbox.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The host's default state dir, shared with every other test process through its slot locks.
fn shared(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_codecollab"))
        .args(args)
        .output()
        .expect("codecollab runs")
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not one JSON object ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

/// A private state dir (for a test that must know its slot), with its own uid range as two
/// state dirs on one host must have; destroyed, host mounts included, on drop.
struct StateDir(PathBuf);

impl StateDir {
    fn new(name: &str) -> Self {
        StateDir(PathBuf::from(format!(
            "/run/codecollab-test-{}-{name}",
            std::process::id()
        )))
    }

    fn uid_base(&self) -> u32 {
        let hash = self
            .0
            .as_os_str()
            .as_encoded_bytes()
            .iter()
            .fold(2_166_136_261_u32, |h, b| {
                (h ^ u32::from(*b)).wrapping_mul(16_777_619)
            });
        1_000_000_000 + (hash % 1_000_000) * 512
    }

    fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_codecollab"));
        command
            .env("CODECOLLAB_STATE_DIR", &self.0)
            .env("CODECOLLAB_UID_BASE", self.uid_base().to_string());
        command
    }

    fn config(&self) -> sandbox::SandboxConfig {
        sandbox::SandboxConfig {
            state_dir: self.0.clone(),
            uid_base: self.uid_base(),
            ..Default::default()
        }
    }
}

impl Drop for StateDir {
    fn drop(&mut self) {
        let _ = sandbox::Sandbox::destroy_state(self.config());
    }
}

#[test]
fn sandbox_json_prints_exactly_one_object_with_every_field() {
    let output = shared(&[
        "sandbox",
        "--json",
        "--",
        "/bin/sh",
        "-c",
        "echo héllo; echo err >&2; exit 3",
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "the sandbox worked, whatever the verdict"
    );
    let value = json(&output);
    assert_eq!(value["verdict"], "runtime_error");
    assert_eq!(value["exit_code"], 3);
    assert_eq!(value["signal"], serde_json::Value::Null);
    assert_eq!(value["stdout"], "héllo\n");
    assert_eq!(value["stderr"], "err\n");
    assert_eq!(value["stdout_truncated"], false);
    for field in ["wall_ms", "cpu_ms", "memory_kib"] {
        assert!(value[field].is_u64(), "{field} missing");
    }
}

#[test]
fn sandbox_passes_output_and_the_exit_code_through() {
    let output = shared(&[
        "sandbox",
        "--",
        "/bin/sh",
        "-c",
        "echo out; echo err >&2; exit 5",
    ]);
    assert_eq!(output.status.code(), Some(5));
    assert_eq!(output.stdout, b"out\n");
    assert_eq!(output.stderr, b"err\n");
}

#[test]
fn a_limit_hit_exits_128_plus_the_signal_with_a_verdict_line() {
    let output = shared(&["sandbox", "--wall-time", "0.3", "--", "sleep", "10"]);
    assert_eq!(output.status.code(), Some(128 + 9));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("codecollab: time_limit"), "{stderr}");
}

#[test]
fn stdin_env_and_workdir_options_reach_the_program() {
    let dir = std::env::temp_dir().join(format!("codecollab-cli-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sub")).expect("mkdir");
    std::fs::write(dir.join("sub/data.txt"), "from the host dir").expect("write");
    std::fs::write(dir.join("input.txt"), "21\n").expect("write");
    let output = shared(&[
        "sandbox",
        "--json",
        "--env",
        "GREETING=hi there",
        "--stdin",
        dir.join("input.txt").to_str().expect("utf8"),
        "--workdir",
        dir.to_str().expect("utf8"),
        "--",
        "/bin/sh",
        "-c",
        "read n; echo $((n * 2)); echo $GREETING; cat sub/data.txt",
    ]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(json(&output)["stdout"], "42\nhi there\nfrom the host dir");
}

/// Regression: `--stdin FILE` handed the host file's descriptor to the program, which reopened
/// `/proc/self/fd/0` for writing and appended to the host file. The program must only ever see
/// a pipe.
#[test]
fn stdin_file_a_program_cannot_write_to_the_host_file_behind_its_stdin() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("codecollab-cli-stdin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let input = dir.join("input.txt");
    std::fs::write(&input, "original\n").expect("write");
    // Writable by anyone: only the descriptor the program gets stands between it and the file.
    std::fs::set_permissions(&input, std::fs::Permissions::from_mode(0o666)).expect("chmod");
    std::fs::write(
        dir.join("main.py"),
        "import sys\nprint(sys.stdin.read(), end='')\ntry:\n    open('/proc/self/fd/0', 'a').write('pwned by run\\n')\nexcept OSError as e:\n    print('refused', e.errno)\n",
    )
    .expect("write");
    let attack = "cat; echo pwned by sandbox >> /proc/self/fd/0 || echo refused";
    let sandbox = shared(&[
        "sandbox",
        "--json",
        "--stdin",
        input.to_str().expect("utf8"),
        "--",
        "/bin/sh",
        "-c",
        attack,
    ]);
    let run = shared(&[
        "run",
        "--json",
        "--stdin",
        input.to_str().expect("utf8"),
        dir.join("main.py").to_str().expect("utf8"),
    ]);
    let after = std::fs::read_to_string(&input).expect("read");
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        after, "original\n",
        "the host file behind stdin was written"
    );
    let sandbox = json(&sandbox);
    assert!(
        sandbox["stdout"]
            .as_str()
            .is_some_and(|s| s.starts_with("original\nrefused")),
        "{sandbox}"
    );
    let run = json(&run);
    assert!(
        run["stdout"]
            .as_str()
            .is_some_and(|s| s.starts_with("original\nrefused")),
        "{run}"
    );
}

#[test]
fn bad_input_is_refused_with_a_message_and_a_non_zero_exit() {
    let cases: [(&[&str], &str); 4] = [
        (
            &["sandbox", "--cpu-time", "0", "--", "true"],
            "--cpu-time must be a positive number",
        ),
        (
            &["sandbox", "--memory", "999999", "--", "true"],
            "limit memory_kib",
        ),
        (
            &["sandbox", "--env", "NOEQUALS", "--", "true"],
            "--env expects KEY=VALUE",
        ),
        (
            &["sandbox", "--stdin", "/no/such/file", "--", "true"],
            "cannot open stdin file",
        ),
    ];
    for (args, message) in cases {
        let output = shared(args);
        assert_ne!(output.status.code(), Some(0), "{args:?} must fail");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    let missing_command = shared(&["sandbox", "--json"]);
    assert_eq!(missing_command.status.code(), Some(2), "clap usage error");
}

#[test]
fn doctor_reports_the_host_and_a_working_trial_run() {
    let output = shared(&["doctor"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    for check in [
        "user namespaces",
        "cgroups",
        "seccomp",
        "tmpfs",
        "trial run",
    ] {
        assert!(
            stdout.contains(check),
            "doctor does not mention {check}: {stdout}"
        );
    }
    assert!(stdout.contains("/bin/true ran sandboxed"), "{stdout}");
}

#[test]
fn leftovers_of_a_killed_supervisor_are_cleaned_at_the_next_start() {
    let state = StateDir::new("crash");
    let mut victim = state
        .command()
        .args([
            "sandbox",
            "--",
            "/bin/sh",
            "-c",
            "sleep 300 & echo ready; wait",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(victim.stdout.take().expect("stdout")),
        &mut line,
    )
    .expect("read");
    assert_eq!(line, "ready\n");
    victim.kill().expect("kill -9 the supervisor");
    victim.wait().expect("reap");

    let work = state.0.join("slots/slot-0/work");
    let mounted = |path: &Path| {
        let needle = format!(" {} ", path.display());
        std::fs::read_to_string("/proc/self/mountinfo")
            .expect("mountinfo")
            .contains(&needle)
    };
    assert!(
        mounted(&work),
        "the killed supervisor left its work dir mounted (the premise of this test)"
    );

    let output = state
        .command()
        .args(["sandbox", "--", "true"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(0));
    assert!(
        !mounted(&work),
        "the next start must unmount what the crashed one left"
    );
    assert!(
        !state.0.join("slots/slot-0").exists(),
        "the crashed slot's dirs are removed"
    );
    let program_uid = state.uid_base() + 1;
    let sleepers = Command::new("pgrep")
        .args(["-u", &program_uid.to_string(), "sleep"])
        .output()
        .expect("pgrep");
    assert!(
        sleepers.stdout.is_empty(),
        "the sandbox's processes died with their supervisor"
    );

    let state_dir = state.0.clone();
    drop(state);
    assert!(!state_dir.exists(), "destroy_state removes the state dir");
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").expect("mountinfo");
    assert!(
        !mountinfo.contains(state_dir.to_str().expect("utf8")),
        "no host mount of the state dir is left"
    );
}

/// A scratch directory with the given files, removed on drop.
struct Sources(PathBuf);

impl Sources {
    fn new(name: &str, files: &[(&str, &str)]) -> Self {
        let dir =
            std::env::temp_dir().join(format!("codecollab-cli-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        for (file, content) in files {
            std::fs::write(dir.join(file), content).expect("write");
        }
        Sources(dir)
    }

    fn path(&self, file: &str) -> String {
        self.0.join(file).to_string_lossy().into_owned()
    }
}

impl Drop for Sources {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn run_kotlin_works_for_a_newcomer() {
    let sources = Sources::new(
        "kotlin",
        &[(
            "hello.kt",
            "fun main() {\n    println(\"Hello from Kotlin ✓\")\n}\n",
        )],
    );
    let output = shared(&["run", &sources.path("hello.kt")]);
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "Hello from Kotlin ✓\n",
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn run_json_names_the_toolchain_and_the_compile_stage() {
    let sources = Sources::new(
        "json-run",
        &[
            (
                "main.c",
                "#include <stdio.h>\nint main(void) { int a, b; scanf(\"%d %d\", &a, &b); printf(\"%d\\n\", a + b); return 0; }\n",
            ),
            ("in.txt", "20 22\n"),
        ],
    );
    let output = shared(&[
        "run",
        "--json",
        "--stdin",
        &sources.path("in.txt"),
        &sources.path("main.c"),
    ]);
    assert_eq!(output.status.code(), Some(0));
    let value = json(&output);
    assert_eq!(value["language"]["id"], "c");
    assert_eq!(value["language"]["name"], "C");
    assert!(
        value["language"]["version"]
            .as_str()
            .is_some_and(|v| v.starts_with(char::is_numeric)),
        "{value}"
    );
    assert_eq!(value["verdict"], "ok");
    assert_eq!(value["stdout"], "42\n");
    assert_eq!(value["compile"]["verdict"], "ok");
    assert!(value["compile"]["cached"].is_boolean());
}

#[test]
fn run_prints_a_compile_error_like_the_compiler_and_fails() {
    let sources = Sources::new(
        "compile-error",
        &[("main.c", "int main(void) {\n    return x;\n}\n")],
    );
    let output = shared(&["run", &sources.path("main.c")]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("main.c:2:"), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn run_exits_with_the_programs_exit_code_and_passes_arguments() {
    let sources = Sources::new(
        "exit",
        &[(
            "main.py",
            "import sys\nprint(' '.join(sys.argv[1:]))\nsys.exit(4)\n",
        )],
    );
    let output = shared(&["run", &sources.path("main.py"), "--", "one", "two"]);
    assert_eq!(String::from_utf8_lossy(&output.stdout), "one two\n");
    assert_eq!(output.status.code(), Some(4));
}

#[test]
fn run_refuses_an_unknown_language_or_extension_clearly() {
    let sources = Sources::new("unknown", &[("notes.txt", "hello")]);
    let output = shared(&["run", &sources.path("notes.txt")]);
    assert_ne!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no language uses the extension"));
    let output = shared(&["run", "--language", "cobol", &sources.path("notes.txt")]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("unknown language \"cobol\"; valid ids: bash, javascript"),
        "{stderr}"
    );
}

#[test]
fn languages_lists_every_language_with_its_toolchain() {
    let output = shared(&["languages", "--json"]);
    assert_eq!(output.status.code(), Some(0));
    let value = json(&output);
    let list = value.as_array().expect("array");
    let get = |id: &str| {
        list.iter()
            .find(|l| l["id"] == id)
            .unwrap_or_else(|| panic!("{id} missing"))
    };
    for id in [
        "javascript",
        "typescript",
        "python",
        "elixir",
        "go",
        "java",
        "csharp",
        "ruby",
        "rust",
        "kotlin",
        "scala",
        "c",
        "cpp",
        "bash",
    ] {
        assert_eq!(get(id)["available"], true, "{}", get(id));
        assert!(get(id)["version"].is_string());
    }
    let swift = get("swift");
    if swift["available"] == false {
        assert!(
            swift["reason"]
                .as_str()
                .unwrap_or_default()
                .contains("toolchain not found"),
            "{swift}"
        );
    }
}

/// A `codecollab serve` child process on a free port with its own data dir.
struct Served {
    child: std::process::Child,
    base: String,
}

impl Served {
    fn start(data_dir: &Path) -> Served {
        Served::start_with(data_dir, std::process::Stdio::inherit())
    }

    /// With the server's stderr (its logs) going to `stderr`.
    fn start_with(data_dir: &Path, stderr: std::process::Stdio) -> Served {
        let mut child = Command::new(env!("CARGO_BIN_EXE_codecollab"))
            .args([
                "serve",
                "--bind",
                "127.0.0.1:0",
                "--workers",
                "1",
                "--lease-secs",
                "2",
                "--data-dir",
            ])
            .arg(data_dir)
            .stdout(std::process::Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("serve");
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().expect("stdout")),
            &mut line,
        )
        .expect("read");
        let base = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .expect("address line")
            .to_string();
        Served { child, base }
    }

    fn post(&self, body: &serde_json::Value) -> serde_json::Value {
        let text = ureq::post(&format!("{}/api/v1/runs", self.base))
            .set("content-type", "application/json")
            .send_string(&body.to_string())
            .expect("post")
            .into_string()
            .expect("body");
        serde_json::from_str(&text).expect("json")
    }

    fn get(&self, id: &str) -> serde_json::Value {
        let text = ureq::get(&format!("{}/api/v1/runs/{id}", self.base))
            .call()
            .expect("get")
            .into_string()
            .expect("body");
        serde_json::from_str(&text).expect("json")
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn after_kill_minus_9_of_the_server_no_accepted_run_is_lost() {
    let data = std::env::temp_dir().join(format!("codecollab-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let first = Served::start(&data);
    // One run in flight when the server dies, three waiting behind it (one worker).
    let running = first.post(&serde_json::json!({"language": "bash", "source": "sleep 1; echo slow", "limits": {"wall_time_ms": 5000}}));
    std::thread::sleep(std::time::Duration::from_millis(400));
    let queued: Vec<_> = (0..3)
        .map(|i| {
            first.post(&serde_json::json!({"language": "python", "source": format!("print({i})")}))
        })
        .collect();
    assert_eq!(
        first.get(running["id"].as_str().expect("id"))["status"],
        "running"
    );
    drop(first); // SIGKILL: no graceful shutdown

    let second = Served::start(&data);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    for (i, run) in queued.iter().enumerate() {
        let id = run["id"].as_str().expect("id");
        loop {
            let now = second.get(id);
            if now["status"] == "finished" {
                assert_eq!(now["stdout"], format!("{i}\n"), "{now}");
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "queued run {id} never ran: {now}"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
    let id = running["id"].as_str().expect("id");
    loop {
        let now = second.get(id);
        if now["status"] == "finished" {
            // Its worker died: retried once after the lease expired, and it ran to the end.
            assert_eq!(now["verdict"], "ok", "{now}");
            assert_eq!(now["stdout"], "slow\n");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the interrupted run was lost: {now}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    drop(second);
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn serve_takes_options_from_a_config_file_below_env_and_flags() {
    let dir = std::env::temp_dir().join(format!("codecollab-config-serve-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let file = dir.join("codecollab.toml");
    std::fs::write(
        &file,
        format!(
            "bind = \"127.0.0.1:0\"\nworkers = 1\ndata_dir = \"{}\"\n",
            dir.join("data").display()
        ),
    )
    .expect("write");
    let first_line = |extra_env: Option<(&str, &str)>, extra_args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_codecollab"));
        command
            .arg("--config")
            .arg(&file)
            .arg("serve")
            .args(extra_args)
            .stdout(std::process::Stdio::piped());
        command.env_remove("CODECOLLAB_WORKERS");
        if let Some((key, value)) = extra_env {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("serve");
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().expect("stdout")),
            &mut line,
        )
        .expect("read");
        let _ = child.kill();
        let _ = child.wait();
        line
    };
    assert!(
        first_line(None, &[]).contains("(1 workers"),
        "the file's value"
    );
    assert!(
        first_line(Some(("CODECOLLAB_WORKERS", "2")), &[]).contains("(2 workers"),
        "the environment wins over the file"
    );
    assert!(
        first_line(Some(("CODECOLLAB_WORKERS", "2")), &["--workers", "3"]).contains("(3 workers"),
        "a flag wins over both"
    );
    assert!(
        dir.join("data/codecollab.sqlite").exists(),
        "data_dir from the file"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn serve_logs_json_lines_with_the_request_id_and_the_run_id() {
    let data = std::env::temp_dir().join(format!("codecollab-logs-{}", std::process::id()));
    let mut served = Served::start_with(&data, std::process::Stdio::piped());
    let base = served.base.clone();
    let response = ureq::post(&format!("{base}/api/v1/runs?wait=true"))
        .set("content-type", "application/json")
        .set("x-request-id", "req-from-test-42")
        .send_string(r#"{"language": "python", "source": "print(1)"}"#)
        .expect("run");
    assert_eq!(response.header("x-request-id"), Some("req-from-test-42"));
    let run: serde_json::Value =
        serde_json::from_str(&response.into_string().expect("body")).expect("json");
    let id = run["id"].as_str().expect("id").to_string();
    let fresh = ureq::get(&format!("{base}/healthz"))
        .call()
        .expect("health");
    let fresh_id = fresh
        .header("x-request-id")
        .expect("an id made here")
        .to_string();
    assert_eq!(fresh_id.len(), 16, "{fresh_id}");
    let _ = served.child.kill();
    let mut logs = String::new();
    std::io::Read::read_to_string(&mut served.child.stderr.take().expect("stderr"), &mut logs)
        .expect("logs");
    let _ = std::fs::remove_dir_all(&data);
    let lines: Vec<serde_json::Value> = logs
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l.to_string().contains("req-from-test-42") && l["status"] == 201),
        "{logs}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l["message"] == "run finished" && l.to_string().contains(&id)),
        "{logs}"
    );
    assert!(
        lines.iter().any(|l| l.to_string().contains(&fresh_id)),
        "{logs}"
    );
}
