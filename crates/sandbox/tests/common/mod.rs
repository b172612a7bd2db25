//! Shared helpers of the sandbox's real-kernel tests.
#![allow(dead_code)]

use sandbox::{Event, Limits, Outcome, RunSpec, Sandbox, SandboxConfig, Stdin, Verdict};
use std::path::PathBuf;

pub fn sandbox() -> Sandbox {
    Sandbox::new(SandboxConfig::default()).expect("the sandbox starts (tests run as root)")
}

pub fn spec(argv: &[&str], limits: Limits) -> RunSpec {
    RunSpec {
        argv: argv.iter().map(|s| s.to_string()).collect(),
        limits,
        ..RunSpec::default()
    }
}

/// Runs `script` with /bin/sh under `limits`.
pub fn sh(sandbox: &Sandbox, script: &str, limits: Limits) -> Outcome {
    sandbox
        .run(spec(&["/bin/sh", "-c", script], limits), &mut |_| {})
        .expect("the sandbox itself works")
}

pub fn sh_stdin(sandbox: &Sandbox, script: &str, stdin: &[u8]) -> Outcome {
    let mut spec = spec(&["/bin/sh", "-c", script], Limits::default());
    spec.stdin = Stdin::Bytes(stdin.to_vec());
    sandbox
        .run(spec, &mut |_| {})
        .expect("the sandbox itself works")
}

pub fn stdout(outcome: &Outcome) -> String {
    String::from_utf8_lossy(&outcome.stdout).into_owned()
}

pub fn stderr(outcome: &Outcome) -> String {
    String::from_utf8_lossy(&outcome.stderr).into_owned()
}

pub fn assert_verdict(outcome: &Outcome, verdict: Verdict) {
    assert_eq!(
        outcome.verdict(),
        verdict,
        "stdout: {}\nstderr: {}\nnotes: {:?}\noutcome: {outcome:?}",
        stdout(outcome),
        stderr(outcome),
        outcome.notes
    );
}

pub fn short(limits: Limits) -> Limits {
    Limits {
        cpu_time_ms: 2_000,
        wall_time_ms: 4_000,
        ..limits
    }
}

/// The host uid the program ran as, read from the `uid_map` line it printed first.
pub fn host_uid(outcome: &Outcome) -> u32 {
    let text = stdout(outcome);
    let line = text
        .lines()
        .find(|l| {
            let fields: Vec<&str> = l.split_whitespace().collect();
            fields.len() == 3 && fields[0] == "1000"
        })
        .unwrap_or_else(|| panic!("no uid_map line in {text:?}"));
    line.split_whitespace()
        .nth(1)
        .and_then(|u| u.parse().ok())
        .expect("host uid")
}

/// Host processes running as `uid`: anything a run left behind.
pub fn host_processes_of(uid: u32) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("read /proc").flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(status) = std::fs::read_to_string(entry.path().join("status")) else {
            continue;
        };
        let real_uid = status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|l| l.split_whitespace().next())
            .and_then(|u| u.parse::<u32>().ok());
        if real_uid == Some(uid) {
            found.push(pid);
        }
    }
    found
}

/// A file on the host outside every directory the sandbox shows.
pub struct HostFile(pub PathBuf);

impl HostFile {
    pub fn new(name: &str, content: &str) -> Self {
        let dir = PathBuf::from(format!(
            "/var/tmp/codecollab-test-{}-{name}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let path = dir.join("file.txt");
        std::fs::write(&path, content).expect("write host file");
        HostFile(path)
    }
}

impl Drop for HostFile {
    fn drop(&mut self) {
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Collects output events in arrival order.
pub fn collect_events(
    events: &mut Vec<(sandbox::Stream, std::time::Duration, Vec<u8>)>,
) -> impl FnMut(Event<'_>) + '_ {
    move |event| {
        if let Event::Output {
            stream,
            elapsed,
            data,
        } = event
        {
            events.push((stream, elapsed, data.to_vec()));
        }
    }
}
