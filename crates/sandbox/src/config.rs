//! Operator settings of the sandbox, typed and with defaults that fit a Debian host.

use model::Limits;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Where slot locks, mount points and work dirs live. Root-owned; created if missing.
    pub state_dir: PathBuf,
    /// Host directories bound read-only at the same place (symlinks are recreated as symlinks).
    pub readonly_dirs: Vec<PathBuf>,
    /// Further host paths shown read-only at the same place (a toolchain's cache, say).
    pub extra_readonly_paths: Vec<PathBuf>,
    /// Entries of the host's `/etc` bound read-only; the rest of `/etc` is generated.
    pub etc_entries: Vec<String>,
    /// The largest limits a run may ask for.
    pub max_limits: Limits,
    /// The longest wall limit of an interactive run (live stdin): a person types slower than a
    /// program runs. Its CPU limit stays `max_limits`'.
    pub max_interactive_wall_ms: u64,
    /// First host uid of the range runs map to: slot N uses `uid_base + 2N` (namespace root,
    /// setup only) and `uid_base + 2N + 1` (the program). Far above any real account.
    pub uid_base: u32,
    /// How many sandboxes may run at once across every process on this host.
    pub max_slots: u32,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            state_dir: PathBuf::from("/run/codecollab/sandbox"),
            readonly_dirs: [
                "/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin", "/opt",
            ]
            .map(PathBuf::from)
            .to_vec(),
            extra_readonly_paths: Vec::new(),
            etc_entries: [
                "ld.so.cache",
                "ld.so.conf",
                "ld.so.conf.d",
                "ssl",
                "ca-certificates",
                "alternatives",
                "localtime",
                "nsswitch.conf",
                "protocols",
                "services",
                "mime.types",
                "java-17-openjdk",
                "java-21-openjdk",
                "mono",
                "fonts",
            ]
            .map(String::from)
            .to_vec(),
            max_limits: Limits::operator_maximum(),
            max_interactive_wall_ms: 15 * 60 * 1000,
            uid_base: 2_000_000_000,
            max_slots: 256,
        }
    }
}

/// The user the program runs as, inside the namespace.
pub(crate) const INSIDE_UID: u32 = 1000;
pub(crate) const HOSTNAME: &str = "sandbox";
pub(crate) const WORKDIR: &str = "/work";
pub(crate) const DEFAULT_PATH: &str =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
