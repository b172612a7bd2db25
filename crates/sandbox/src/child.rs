//! The child side, from `clone` to `execve`: raw syscalls only, no allocation, no panics.
//!
//! The cloned child becomes pid 1 of the new pid namespace ("init"). It builds the filesystem,
//! forks the program as pid 2 and reaps until the program exits; when init exits the kernel
//! kills everything left in the namespace, so daemonized children cannot outlive the run.
//! The order of the privilege drop follows `shared/notes/sandbox-facts.md` (pitfall 5): mounts →
//! ids → rlimits → no_new_privs → seccomp → exec.

use crate::plan::{
    ChildPlan, MountOp, REPORT_EXEC_FAILED, REPORT_EXITED, REPORT_SETUP_FAILED, Report, STEP_CHDIR,
    STEP_DROP, STEP_FORK, STEP_HOSTNAME, STEP_IDS, STEP_OP, STEP_PIVOT, STEP_PRIVATE, STEP_RLIMIT,
    STEP_SECCOMP,
};
use libc::{c_int, c_ulong};
use std::ptr::null;

fn errno() -> c_int {
    // SAFETY: __errno_location always returns a valid pointer to this thread's errno.
    unsafe { *libc::__errno_location() }
}

/// setresgid + setresuid as raw syscalls. glibc's wrappers broadcast the change to every thread
/// it believes exists (the parent's, copied into our memory but not into our process) and can
/// wait forever for them to answer; measured here as one hung run in a few hundred.
fn set_ids(uid: libc::uid_t, gid: libc::gid_t) -> libc::c_long {
    // SAFETY: plain syscalls on our own credentials.
    unsafe {
        let ret = libc::syscall(libc::SYS_setresgid, gid, gid, gid);
        if ret != 0 {
            return ret;
        }
        libc::syscall(libc::SYS_setresuid, uid, uid, uid)
    }
}

/// setgroups([]) as a raw syscall, for the same reason as `set_ids`.
fn set_no_groups() -> libc::c_long {
    // SAFETY: an empty group list with a null pointer is valid for setgroups.
    unsafe { libc::syscall(libc::SYS_setgroups, 0, null::<libc::gid_t>()) }
}

fn send(fd: c_int, report: Report) {
    let bytes = report.to_bytes();
    // SAFETY: writing a stack buffer to an fd; a failure leaves nothing to do.
    unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
}

fn fail(fd: c_int, step: u32) -> ! {
    let value = i64::from(errno());
    send(
        fd,
        Report {
            kind: REPORT_SETUP_FAILED,
            step,
            value,
            ..Report::default()
        },
    );
    // SAFETY: _exit never returns and runs no user-space cleanup.
    unsafe { libc::_exit(126) }
}

/// Closes every fd except `keep` (sorted): fds inherited from other threads' runs must not stay
/// open in an init that never execs (pitfall 7).
fn close_all_except(keep: &[c_int; 5]) {
    let mut start: c_int = 0;
    for &fd in keep {
        if fd > start {
            close_range(start, fd - 1);
        }
        start = start.max(fd + 1);
    }
    close_range(start, c_int::MAX);
}

fn close_range(first: c_int, last: c_int) {
    // SAFETY: close_range only closes fds; no memory is touched.
    let ret = unsafe { libc::syscall(libc::SYS_close_range, first as u32, last as u32, 0u32) };
    if ret != 0 {
        // Kernels before 5.9: close one by one up to a sane bound.
        for fd in first..last.min(65_536) {
            // SAFETY: closing a possibly unused fd is harmless.
            unsafe { libc::close(fd) };
        }
    }
}

/// Entry point of the cloned child. Never returns.
///
/// # Safety
/// Must be called only in a freshly cloned child, with `plan` valid in its address space.
pub(crate) unsafe fn init_main(plan: &ChildPlan) -> ! {
    let fds = plan.fds;
    close_all_except(&fds.sorted());
    let report = fds.report_write;
    // The parent cloned us with SECBIT_NO_SETUID_FIXUP (see `spawn::as_owner`): cleared first,
    // so that the program's change to an unprivileged uid drops every capability.
    // SAFETY: prctl on our own credentials; we have CAP_SETPCAP in our new user namespace.
    if unsafe { libc::prctl(libc::PR_SET_SECUREBITS, 0 as c_ulong) } != 0 {
        fail(report, STEP_IDS);
    }

    // Wait until the parent has written our id maps; EOF means it died.
    let mut byte = 0u8;
    loop {
        // SAFETY: reading one byte into a stack variable.
        let n = unsafe { libc::read(fds.sync_read, (&raw mut byte).cast(), 1) };
        if n == 1 {
            break;
        }
        if n == -1 && errno() == libc::EINTR {
            continue;
        }
        // SAFETY: _exit never returns.
        unsafe { libc::_exit(125) };
    }
    // SAFETY: each call below is a plain syscall on values owned by this process; pointers come
    // from `plan`, whose strings were built NUL-terminated in the parent.
    unsafe {
        libc::close(fds.sync_read);
        if set_ids(0, 0) != 0 || set_no_groups() != 0 {
            fail(report, STEP_IDS);
        }
        // Set after the id change, which clears it (pitfall 5).
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
        // Our cgroup (v1: just attached by the parent) becomes the root of the program's view.
        if libc::unshare(libc::CLONE_NEWCGROUP) != 0 {
            fail(report, STEP_IDS);
        }
        let hostname = plan.hostname.as_bytes();
        if libc::sethostname(hostname.as_ptr().cast(), hostname.len()) != 0 {
            fail(report, STEP_HOSTNAME);
        }
        if libc::mount(
            null(),
            c"/".as_ptr(),
            null(),
            libc::MS_REC | libc::MS_PRIVATE,
            null(),
        ) != 0
        {
            fail(report, STEP_PRIVATE);
        }
    }
    for (index, op) in plan.ops.iter().enumerate() {
        if !apply(op) {
            fail(report, STEP_OP + index as u32);
        }
    }
    // SAFETY: as above; the root dir is the tree we just mounted.
    unsafe {
        if libc::chdir(plan.root_dir.as_ptr()) != 0
            || libc::syscall(libc::SYS_pivot_root, c".".as_ptr(), c".".as_ptr()) != 0
            || libc::umount2(c".".as_ptr(), libc::MNT_DETACH) != 0
            || libc::chdir(c"/".as_ptr()) != 0
        {
            fail(report, STEP_PIVOT);
        }
        // A raw clone, not fork(): glibc's fork runs atfork handlers that may allocate.
        let pid = libc::syscall(
            libc::SYS_clone,
            libc::SIGCHLD as c_ulong,
            0usize,
            0usize,
            0usize,
            0usize,
        );
        if pid == 0 {
            program_main(plan);
        }
        if pid < 0 {
            fail(report, STEP_FORK);
        }
        libc::close(fds.stdin);
        libc::close(fds.stdout);
        libc::close(fds.stderr);
        reap_until(pid as libc::pid_t, report)
    }
}

/// Reaps every process re-parented to us; when the program itself exits, reports and exits.
fn reap_until(program: libc::pid_t, report: c_int) -> ! {
    loop {
        let mut status = 0;
        // SAFETY: zeroed rusage is valid; wait4 fills it.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: wait4 with valid out-pointers.
        let pid = unsafe { libc::wait4(-1, &mut status, libc::__WALL, &mut usage) };
        if pid == program {
            let micros = |t: libc::timeval| t.tv_sec * 1_000_000 + t.tv_usec;
            send(
                report,
                Report {
                    kind: REPORT_EXITED,
                    step: 0,
                    value: i64::from(status),
                    cpu_us: micros(usage.ru_utime) + micros(usage.ru_stime),
                    maxrss_kib: usage.ru_maxrss,
                },
            );
            // SAFETY: _exit never returns; the kernel now kills the rest of the namespace.
            unsafe { libc::_exit(0) };
        }
        if pid == -1 && errno() != libc::EINTR {
            // SAFETY: as above.
            unsafe { libc::_exit(0) };
        }
    }
}

fn apply(op: &MountOp) -> bool {
    // SAFETY: every pointer is a NUL-terminated string owned by the plan.
    unsafe {
        match op {
            MountOp::Bind { source, target } => {
                let flags = libc::MS_BIND | libc::MS_REC;
                libc::mount(source.as_ptr(), target.as_ptr(), null(), flags, null()) == 0
            }
            MountOp::Tmpfs { target, options } => {
                let flags = libc::MS_NOSUID | libc::MS_NODEV;
                libc::mount(
                    c"tmpfs".as_ptr(),
                    target.as_ptr(),
                    c"tmpfs".as_ptr(),
                    flags,
                    options.as_ptr().cast(),
                ) == 0
            }
            MountOp::Proc { target } => {
                let flags = libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC;
                // hidepid=2: the program cannot see init (uid 0 inside), whose cmdline is the
                // supervisor's (pitfall 3).
                libc::mount(
                    c"proc".as_ptr(),
                    target.as_ptr(),
                    c"proc".as_ptr(),
                    flags,
                    c"hidepid=2".as_ptr().cast(),
                ) == 0
            }
        }
    }
}

/// pid 2: the user's program. Drops every privilege, then execs.
fn program_main(plan: &ChildPlan) -> ! {
    let fds = plan.fds;
    let report = fds.report_write;
    // SAFETY: plain syscalls on our own fds and credentials; pointers come from `plan`.
    unsafe {
        // The pipes are at fd >= 3 (sys::pipe guarantees it), so dup2 cannot clobber them.
        if libc::dup2(fds.stdin, 0) < 0
            || libc::dup2(fds.stdout, 1) < 0
            || libc::dup2(fds.stderr, 2) < 0
        {
            fail(report, STEP_DROP);
        }
        libc::close(fds.stdin);
        libc::close(fds.stdout);
        libc::close(fds.stderr);
        // The report pipe stays open until a successful exec closes it.
        libc::fcntl(report, libc::F_SETFD, libc::FD_CLOEXEC);

        for cap in 0..=63 {
            libc::prctl(libc::PR_CAPBSET_DROP, cap);
        }
        // setgroups([]) first: otherwise the supervisor's group 0 leaks in (pitfall 4).
        if set_no_groups() != 0 || set_ids(plan.uid, plan.gid) != 0 {
            fail(report, STEP_DROP);
        }
        libc::prctl(
            libc::PR_CAP_AMBIENT,
            libc::PR_CAP_AMBIENT_CLEAR_ALL,
            0,
            0,
            0,
        );
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
        for (resource, limit) in &plan.rlimits {
            if libc::setrlimit(*resource as _, limit) != 0 {
                fail(report, STEP_RLIMIT);
            }
        }
        if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
            fail(report, STEP_SECCOMP);
        }
        let program = libc::sock_fprog {
            len: plan.filter.len() as u16,
            filter: plan.filter.as_ptr().cast_mut(),
        };
        if libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            0,
            &program,
        ) != 0
        {
            fail(report, STEP_SECCOMP);
        }
        if libc::chdir(plan.workdir.as_ptr()) != 0 {
            fail(report, STEP_CHDIR);
        }
        let mut error = libc::ENOENT;
        for candidate in &plan.exec_candidates {
            libc::execve(candidate.as_ptr(), plan.argv.as_ptr(), plan.envp.as_ptr());
            let e = errno();
            // Like execvp: a missing candidate lets the next one try; keep the telling error.
            if e != libc::ENOENT && e != libc::ENOTDIR {
                error = e;
            }
        }
        write_exec_error(plan, error);
        send(
            report,
            Report {
                kind: REPORT_EXEC_FAILED,
                value: i64::from(error),
                ..Report::default()
            },
        );
        libc::_exit(127)
    }
}

/// "codecollab-sandbox: cannot execute NAME: REASON" on the program's stderr, without formatting.
fn write_exec_error(plan: &ChildPlan, error: c_int) {
    let reason: &[u8] = match error {
        libc::ENOENT => b"command not found",
        libc::EACCES => b"permission denied",
        libc::ENOEXEC => b"not an executable format",
        libc::E2BIG => b"argument list too long",
        libc::ENOMEM => b"out of memory",
        _ => b"exec failed",
    };
    let name = plan.argv.first().copied().unwrap_or(null());
    let name: &[u8] = if name.is_null() {
        b""
    } else {
        // SAFETY: argv[0] is a NUL-terminated string owned by the plan.
        unsafe { std::ffi::CStr::from_ptr(name) }.to_bytes()
    };
    for part in [
        &b"codecollab-sandbox: cannot execute "[..],
        name,
        b": ",
        reason,
        b"\n",
    ] {
        // SAFETY: writing a valid buffer to stderr.
        unsafe { libc::write(2, part.as_ptr().cast(), part.len()) };
    }
}
