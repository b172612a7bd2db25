//! Which toolchain runs a language here: found by running its version command inside the
//! sandbox (exactly what a run would use), once per process.

use languages::{Language, parse_version};
use model::{Limits, Verdict};
use sandbox::{RunSpec, Sandbox};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What this host offers for one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// Where to look for a bare command name: the sandbox's own PATH (its dirs are the host's,
/// bound read-only).
const SANDBOX_PATH: [&str; 6] = [
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
];

/// Identifies the installed toolchain without running it: path, size and mtime of every file
/// the version command names. A package upgrade changes it; nothing else does.
pub fn fingerprint(language: &Language) -> String {
    let mut parts = Vec::new();
    for arg in &language.version {
        let candidates: Vec<PathBuf> = if arg.starts_with('/') {
            vec![PathBuf::from(arg)]
        } else if !arg.starts_with('-') && !arg.contains('/') {
            SANDBOX_PATH
                .iter()
                .map(|dir| Path::new(dir).join(arg))
                .collect()
        } else {
            continue;
        };
        let found = candidates.iter().find_map(|path| {
            let meta = std::fs::metadata(path).ok()?;
            let modified = meta
                .modified()
                .ok()?
                .duration_since(std::time::UNIX_EPOCH)
                .ok()?
                .as_nanos();
            Some(format!("{}:{}:{modified}", path.display(), meta.len()))
        });
        parts.push(found.unwrap_or_else(|| format!("{arg}:absent")));
    }
    parts.join("|")
}

/// Detection results kept on disk between processes (detecting all languages starts several
/// JVMs: seconds), valid while the toolchain's fingerprint is unchanged.
#[derive(Debug)]
pub struct KnownToolchains {
    file: PathBuf,
    entries: std::sync::Mutex<HashMap<String, (String, Toolchain)>>,
}

impl KnownToolchains {
    pub fn load(file: PathBuf) -> Self {
        let entries = std::fs::read(&file)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        KnownToolchains {
            file,
            entries: std::sync::Mutex::new(entries),
        }
    }

    pub fn get(&self, id: &str, fingerprint: &str) -> Option<Toolchain> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .get(id)
            .filter(|(known, _)| known == fingerprint)
            .map(|(_, toolchain)| toolchain.clone())
    }

    /// Records a detection; the file is rewritten atomically (a lost write only costs a
    /// detection later).
    pub fn insert(&self, id: &str, fingerprint: String, toolchain: Toolchain) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.insert(id.to_string(), (fingerprint, toolchain));
        if let Ok(json) = serde_json::to_vec(&*entries) {
            let staging = self
                .file
                .with_extension(format!("tmp{}", std::process::id()));
            if std::fs::write(&staging, json).is_ok() {
                let _ = std::fs::rename(&staging, &self.file);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fingerprint_names_the_files_of_the_version_command() {
        let catalogue = languages::Catalogue::builtin().expect("catalogue");
        let bash = catalogue.get("bash").expect("bash");
        let print = fingerprint(bash);
        assert!(
            print.starts_with("/usr/local/sbin/bash:") || print.contains("/bin/bash:"),
            "{print}"
        );
        assert_eq!(print, fingerprint(bash), "stable");
        let swift = catalogue.get("swift").expect("swift");
        if !Path::new("/usr/bin/swiftc").exists() {
            assert_eq!(fingerprint(swift), "swiftc:absent");
        }
    }

    #[test]
    fn known_toolchains_survive_a_restart_and_expire_with_their_fingerprint() {
        let file =
            std::env::temp_dir().join(format!("codecollab-toolchains-{}.json", std::process::id()));
        let python = Toolchain {
            available: true,
            version: Some("3.11.2".into()),
            reason: None,
        };
        KnownToolchains::load(file.clone()).insert("python", "fp1".into(), python.clone());
        let reloaded = KnownToolchains::load(file.clone());
        assert_eq!(reloaded.get("python", "fp1"), Some(python));
        assert_eq!(
            reloaded.get("python", "fp2"),
            None,
            "an upgraded toolchain is detected again"
        );
        let _ = std::fs::remove_file(file);
    }
}
