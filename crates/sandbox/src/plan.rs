//! What the child does between clone and exec, computed in the parent.
//!
//! After `clone` from a multi-threaded parent the child may not allocate (another thread may
//! hold the allocator's lock), so every string, path and table it needs is built here first.

use std::ffi::CString;

/// One mount of the child, with absolute paths beneath the slot's root mount point.
#[derive(Debug)]
pub(crate) enum MountOp {
    /// A recursive bind; read-only-ness comes from the source mounts.
    Bind {
        source: CString,
        target: CString,
    },
    Tmpfs {
        target: CString,
        options: CString,
    },
    Proc {
        target: CString,
    },
}

/// Everything the child needs, by value; pointers in `argv`/`envp` point into `_strings`.
#[derive(Debug)]
pub(crate) struct ChildPlan {
    pub root_dir: CString,
    pub ops: Vec<MountOp>,
    pub hostname: CString,
    pub workdir: CString,
    pub rlimits: Vec<(libc::c_int, libc::rlimit)>,
    pub filter: Vec<libc::sock_filter>,
    pub exec_candidates: Vec<CString>,
    pub argv: Vec<*const libc::c_char>,
    pub envp: Vec<*const libc::c_char>,
    pub _strings: Vec<CString>,
    pub fds: ChildFds,
    pub uid: libc::uid_t,
    pub gid: libc::gid_t,
}

/// The fds the child keeps; every other inherited fd is closed first thing.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChildFds {
    /// Parent writes one byte here once the id maps (and v1 cgroup) are in place.
    pub sync_read: libc::c_int,
    /// Child reports setup failures, exec failures and the program's exit here.
    pub report_write: libc::c_int,
    pub stdin: libc::c_int,
    pub stdout: libc::c_int,
    pub stderr: libc::c_int,
}

impl ChildFds {
    pub fn sorted(&self) -> [libc::c_int; 5] {
        let mut fds = [
            self.sync_read,
            self.report_write,
            self.stdin,
            self.stdout,
            self.stderr,
        ];
        fds.sort_unstable();
        fds
    }
}

/// A message on the report pipe; fixed size and below PIPE_BUF, so every write is atomic.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Report {
    pub kind: u32,
    pub step: u32,
    pub value: i64,
    pub cpu_us: i64,
    pub maxrss_kib: i64,
}

/// Writes up to PIPE_BUF are atomic: reports from init and the program never interleave.
const _: () = assert!(Report::SIZE <= libc::PIPE_BUF);

pub(crate) const REPORT_SETUP_FAILED: u32 = 1;
pub(crate) const REPORT_EXITED: u32 = 2;
pub(crate) const REPORT_EXEC_FAILED: u32 = 3;

impl Report {
    pub const SIZE: usize = std::mem::size_of::<Report>();

    pub fn to_bytes(self) -> [u8; Report::SIZE] {
        let mut out = [0u8; Report::SIZE];
        out[0..4].copy_from_slice(&self.kind.to_ne_bytes());
        out[4..8].copy_from_slice(&self.step.to_ne_bytes());
        out[8..16].copy_from_slice(&self.value.to_ne_bytes());
        out[16..24].copy_from_slice(&self.cpu_us.to_ne_bytes());
        out[24..32].copy_from_slice(&self.maxrss_kib.to_ne_bytes());
        out
    }

    pub fn from_bytes(bytes: &[u8; Report::SIZE]) -> Report {
        let u32_at =
            |i: usize| u32::from_ne_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        let i64_at = |i: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&bytes[i..i + 8]);
            i64::from_ne_bytes(b)
        };
        Report {
            kind: u32_at(0),
            step: u32_at(4),
            value: i64_at(8),
            cpu_us: i64_at(16),
            maxrss_kib: i64_at(24),
        }
    }
}

/// Names of the setup steps, for the message of an `internal_error`.
pub(crate) fn step_name(step: u32) -> String {
    match step {
        STEP_WAIT_PARENT => "waiting for the supervisor".into(),
        STEP_IDS => "switching to the namespace root".into(),
        STEP_HOSTNAME => "setting the hostname".into(),
        STEP_PRIVATE => "making mounts private".into(),
        STEP_PIVOT => "pivot_root".into(),
        STEP_FORK => "forking the program".into(),
        STEP_DROP => "dropping privileges".into(),
        STEP_RLIMIT => "setting rlimits".into(),
        STEP_SECCOMP => "installing seccomp".into(),
        STEP_CHDIR => "entering the work dir".into(),
        op if op >= STEP_OP => format!("filesystem step {}", op - STEP_OP),
        other => format!("step {other}"),
    }
}

pub(crate) const STEP_WAIT_PARENT: u32 = 1;
pub(crate) const STEP_IDS: u32 = 2;
pub(crate) const STEP_HOSTNAME: u32 = 3;
pub(crate) const STEP_PRIVATE: u32 = 4;
pub(crate) const STEP_PIVOT: u32 = 6;
pub(crate) const STEP_FORK: u32 = 8;
pub(crate) const STEP_DROP: u32 = 9;
pub(crate) const STEP_RLIMIT: u32 = 10;
pub(crate) const STEP_SECCOMP: u32 = 11;
pub(crate) const STEP_CHDIR: u32 = 12;
pub(crate) const STEP_OP: u32 = 100;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_round_trips_through_bytes() {
        let report = Report {
            kind: REPORT_EXITED,
            step: 7,
            value: -3,
            cpu_us: 1 << 40,
            maxrss_kib: 42,
        };
        let back = Report::from_bytes(&report.to_bytes());
        assert_eq!(
            (
                back.kind,
                back.step,
                back.value,
                back.cpu_us,
                back.maxrss_kib
            ),
            (REPORT_EXITED, 7, -3, 1 << 40, 42)
        );
    }

    #[test]
    fn step_names_cover_filesystem_steps() {
        assert_eq!(step_name(STEP_OP + 3), "filesystem step 3");
        assert_eq!(step_name(STEP_PIVOT), "pivot_root");
    }
}
