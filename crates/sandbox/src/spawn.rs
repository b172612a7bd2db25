//! The parent side of starting a sandbox: clone3 into fresh namespaces, id maps, cgroup, go.

use crate::SandboxError;
use crate::cgroup::SlotCgroup;
use crate::plan::ChildPlan;
use crate::sys;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// `struct clone_args` of clone3 (kernel 5.7 layout, with `cgroup`).
#[repr(C)]
#[derive(Debug, Default)]
struct CloneArgs {
    flags: u64,
    pidfd: u64,
    child_tid: u64,
    parent_tid: u64,
    exit_signal: u64,
    stack: u64,
    stack_size: u64,
    tls: u64,
    set_tid: u64,
    set_tid_size: u64,
    cgroup: u64,
}

const CLONE_PIDFD: u64 = 0x1000;
const CLONE_INTO_CGROUP: u64 = 0x2_0000_0000;

/// The namespaces every run gets. The cgroup namespace is entered by init after the (v1)
/// attach, so that the program's view is rooted at its own cgroup.
const NAMESPACES: u64 = (libc::CLONE_NEWUSER
    | libc::CLONE_NEWPID
    | libc::CLONE_NEWNS
    | libc::CLONE_NEWNET
    | libc::CLONE_NEWIPC
    | libc::CLONE_NEWUTS) as u64;

/// Host ids that the namespace's root (setup only) and the program's user map to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IdMap {
    pub host_root: u32,
    pub host_user: u32,
    pub inside_user: u32,
}

#[derive(Debug)]
pub(crate) struct Child {
    pub pid: libc::pid_t,
    pub pidfd: OwnedFd,
}

const SECBIT_NO_SETUID_FIXUP: libc::c_ulong = 1 << 2;
/// `uid_t` -1: "leave this id as it is" for setresuid.
const UNCHANGED: libc::uid_t = libc::uid_t::MAX;

/// Runs `f` (the clone of a run) with this thread's effective uid set to the slot's own host
/// uid, keeping every capability.
///
/// The kernel charges what a user namespace's processes take of per-user quotas (inotify
/// instances and watches, pending signals, POSIX message queues, processes) to the
/// namespace's owner, the euid of its creator, in every ancestor namespace. Created by root,
/// every run drew on host root's quotas: one program could leave the server itself without
/// inotify instances or queued signals. Created as the slot's uid, a run draws on its slot's.
///
/// Only this thread's credentials change (raw syscalls, not glibc's process-wide setresuid),
/// `SECBIT_NO_SETUID_FIXUP` keeps the capabilities the clone needs (cgroup placement), and
/// both are restored before returning. The child inherits the securebit and clears it first.
fn as_owner(uid: u32, f: impl FnOnce() -> libc::c_long) -> std::io::Result<libc::c_long> {
    // SAFETY: prctl and setresuid on this thread's own credentials; no memory is passed.
    unsafe {
        let bits = libc::prctl(libc::PR_GET_SECUREBITS);
        let dumpable = libc::prctl(libc::PR_GET_DUMPABLE);
        if bits < 0 || dumpable < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let bits = bits as libc::c_ulong;
        if libc::prctl(libc::PR_SET_SECUREBITS, bits | SECBIT_NO_SETUID_FIXUP) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        if libc::syscall(libc::SYS_setresuid, UNCHANGED, uid, UNCHANGED) != 0 {
            let e = std::io::Error::last_os_error();
            libc::prctl(libc::PR_SET_SECUREBITS, bits);
            return Err(e);
        }
        let result = f();
        let errno = *libc::__errno_location();
        if libc::syscall(libc::SYS_setresuid, UNCHANGED, 0, UNCHANGED) != 0
            || libc::prctl(libc::PR_SET_SECUREBITS, bits) != 0
        {
            // This thread could no longer be trusted with its credentials.
            std::process::abort();
        }
        // An euid change makes the process undumpable; it was as it was before.
        libc::prctl(libc::PR_SET_DUMPABLE, dumpable as libc::c_ulong);
        *libc::__errno_location() = errno;
        Ok(result)
    }
}

/// Clones the child, finishes its setup from outside, and lets it go.
pub(crate) fn spawn(
    plan: &ChildPlan,
    ids: IdMap,
    cgroup: Option<&SlotCgroup>,
    sync_write: OwnedFd,
) -> Result<Child, SandboxError> {
    let mut pidfd: libc::c_int = -1;
    let mut args = CloneArgs {
        flags: NAMESPACES | CLONE_PIDFD,
        pidfd: (&raw mut pidfd) as u64,
        exit_signal: libc::SIGCHLD as u64,
        ..CloneArgs::default()
    };
    if let Some(fd) = cgroup.and_then(SlotCgroup::clone_into_fd) {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = fd as u64;
    }
    let pid = as_owner(ids.host_root, || {
        // SAFETY: clone3 with a zero stack behaves like fork: the child continues here on a copy
        // of our stack and only runs `init_main`, which makes raw syscalls and never returns.
        let pid = unsafe { libc::syscall(libc::SYS_clone3, &raw mut args, size_of::<CloneArgs>()) };
        if pid == 0 {
            // SAFETY: we are the freshly cloned child and `plan` was copied with our memory.
            unsafe { crate::child::init_main(plan) }
        }
        pid
    })
    .map_err(|source| SandboxError::Spawn {
        step: "taking the slot's uid",
        source,
    })?;
    let pid = sys::check(pid).map_err(|source| SandboxError::Spawn {
        step: "clone3",
        source,
    })? as libc::pid_t;
    // SAFETY: clone3 succeeded with CLONE_PIDFD, so `pidfd` is an fd we now own.
    let pidfd = unsafe { OwnedFd::from_raw_fd(pidfd) };
    let child = Child { pid, pidfd };
    if let Err(e) = finish_setup(&child, ids, cgroup, &sync_write) {
        let _ = sys::pidfd_kill(child.pidfd.as_raw_fd(), libc::SIGKILL);
        let _ = sys::reap(child.pid);
        return Err(e);
    }
    Ok(child)
}

fn finish_setup(
    child: &Child,
    ids: IdMap,
    cgroup: Option<&SlotCgroup>,
    sync_write: &OwnedFd,
) -> Result<(), SandboxError> {
    let map = |host_root: u32, host_user: u32| {
        format!(
            "0 {host_root} 1\n{inside} {host_user} 1\n",
            inside = ids.inside_user
        )
    };
    let proc_dir = format!("/proc/{}", child.pid);
    let write = |file: &str, content: &str| {
        std::fs::write(format!("{proc_dir}/{file}"), content).map_err(|source| {
            SandboxError::Spawn {
                step: "writing the id maps",
                source,
            }
        })
    };
    write("uid_map", &map(ids.host_root, ids.host_user))?;
    write("gid_map", &map(ids.host_root, ids.host_user))?;
    if let Some(cgroup) = cgroup {
        cgroup
            .attach(child.pid)
            .map_err(|source| SandboxError::Spawn {
                step: "attaching to the cgroup",
                source,
            })?;
    }
    sys::write(sync_write.as_raw_fd(), &[1]).map_err(|source| SandboxError::Spawn {
        step: "releasing the child",
        source,
    })?;
    Ok(())
}
