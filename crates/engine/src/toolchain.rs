//! Which toolchain runs a language here: found by running its version command inside the
//! sandbox (exactly what a run would use), once per process.

use languages::{Language, parse_version};
use model::{Limits, Verdict};
use sandbox::{RunSpec, Sandbox};
use serde::Serialize;

/// What this host offers for one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Toolchain {
    pub available: bool,
    pub version: Option<String>,
    /// Why the language cannot run here, when it cannot.
    pub reason: Option<String>,
}

/// Version commands start JVMs (kotlinc takes seconds): generous, but bounded.
fn detection_limits() -> Limits {
    Limits {
        cpu_time_ms: 30_000,
        wall_time_ms: 30_000,
        memory_kib: 1536 * 1024,
        processes: 128,
        ..Limits::default()
    }
}

/// Runs the version command; a sandbox failure is an error (worth retrying), not a verdict on
/// the toolchain.
pub fn detect(sandbox: &Sandbox, language: &Language) -> Result<Toolchain, sandbox::SandboxError> {
    let spec = RunSpec {
        argv: language.version.clone(),
        env: language
            .env
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        limits: detection_limits(),
        ..RunSpec::default()
    };
    let outcome = sandbox.run(spec, &mut |_| {})?;
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&outcome.stdout),
        String::from_utf8_lossy(&outcome.stderr)
    );
    if outcome.exit_code == Some(127) {
        return Ok(unavailable(format!(
            "toolchain not found: {} is not installed on this host",
            language.version[0]
        )));
    }
    Ok(match (outcome.verdict(), parse_version(&output)) {
        (Verdict::Ok, Some(version)) => Toolchain {
            available: true,
            version: Some(version),
            reason: None,
        },
        (verdict, _) => unavailable(format!(
            "`{}` ended {verdict}: {}",
            language.version.join(" "),
            output.lines().next().unwrap_or("no output")
        )),
    })
}

fn unavailable(reason: String) -> Toolchain {
    Toolchain {
        available: false,
        version: None,
        reason: Some(reason),
    }
}
