//! Thin, safe wrappers over the few syscalls the supervisor side needs (the child side, which
//! may not allocate, calls libc directly in `child.rs`).

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::Path;

/// Turns a libc return value into `io::Result`, reading errno on -1.
pub(crate) fn check(ret: libc::c_long) -> io::Result<libc::c_long> {
    if ret == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// Like `check` but retries on EINTR.
pub(crate) fn retry(mut f: impl FnMut() -> libc::c_long) -> io::Result<libc::c_long> {
    loop {
        match check(f()) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// A pipe whose both ends are close-on-exec and sit at fd 3 or above, so that the child can
/// `dup2` them onto 0..2 without clobbering one another.
pub(crate) fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: `fds` is a valid array of two ints for pipe2 to fill.
    check(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }.into())?;
    // SAFETY: pipe2 succeeded, so both fds are open and owned by nobody else.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    Ok((above_stdio(read)?, above_stdio(write)?))
}

fn above_stdio(fd: OwnedFd) -> io::Result<OwnedFd> {
    if fd.as_raw_fd() > 2 {
        return Ok(fd);
    }
    // SAFETY: F_DUPFD_CLOEXEC on an fd we own returns a new fd or -1.
    let new = check(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 3) }.into())?;
    // SAFETY: fcntl succeeded and returned a fresh fd that we now own.
    Ok(unsafe { OwnedFd::from_raw_fd(new as RawFd) })
}

pub(crate) fn set_nonblocking(fd: RawFd) -> io::Result<()> {
    // SAFETY: fcntl on an fd the caller keeps open.
    let flags = check(unsafe { libc::fcntl(fd, libc::F_GETFL) }.into())?;
    let flags = flags as libc::c_int | libc::O_NONBLOCK;
    // SAFETY: as above.
    let ret = unsafe { libc::fcntl(fd, libc::F_SETFL, flags) };
    check(ret.into())?;
    Ok(())
}

pub(crate) fn cstring(path: &Path) -> io::Result<CString> {
    use std::os::unix::ffi::OsStrExt;
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path contains a NUL byte"))
}

pub(crate) fn read(fd: RawFd, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: `buf` is valid for writes of `buf.len()` bytes.
    retry(|| unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) } as libc::c_long)
        .map(|n| n as usize)
}

pub(crate) fn write(fd: RawFd, buf: &[u8]) -> io::Result<usize> {
    // SAFETY: `buf` is valid for reads of `buf.len()` bytes.
    retry(|| unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) } as libc::c_long)
        .map(|n| n as usize)
}

pub(crate) fn mount(
    source: &str,
    target: &Path,
    fstype: &str,
    flags: libc::c_ulong,
    data: &str,
) -> io::Result<()> {
    let source = CString::new(source).map_err(io::Error::other)?;
    let fstype = CString::new(fstype).map_err(io::Error::other)?;
    let data = CString::new(data).map_err(io::Error::other)?;
    let target = cstring(target)?;
    let (source, target, fstype, data) = (
        source.as_ptr(),
        target.as_ptr(),
        fstype.as_ptr(),
        data.as_ptr(),
    );
    // SAFETY: every pointer is a valid NUL-terminated string living across the call.
    let ret = unsafe { libc::mount(source, target, fstype, flags, data.cast()) };
    check(ret.into())?;
    Ok(())
}

pub(crate) fn mount_bind(source: &Path, target: &Path) -> io::Result<()> {
    let (source, target) = (cstring(source)?, cstring(target)?);
    let flags = libc::MS_BIND | libc::MS_REC;
    // SAFETY: valid NUL-terminated paths; null fstype and data are allowed for a bind.
    let ret = unsafe {
        libc::mount(
            source.as_ptr(),
            target.as_ptr(),
            std::ptr::null(),
            flags,
            std::ptr::null(),
        )
    };
    check(ret.into())?;
    Ok(())
}

/// Changes the flags or propagation of an existing mount.
pub(crate) fn remount(target: &Path, flags: libc::c_ulong) -> io::Result<()> {
    let target = cstring(target)?;
    let null = std::ptr::null();
    // SAFETY: valid NUL-terminated path; null source, fstype and data are allowed here.
    let ret = unsafe { libc::mount(null, target.as_ptr(), null, flags, null.cast()) };
    check(ret.into())?;
    Ok(())
}

pub(crate) fn unmount_detach(target: &Path) -> io::Result<()> {
    let target = cstring(target)?;
    // SAFETY: valid NUL-terminated path.
    let ret = unsafe { libc::umount2(target.as_ptr(), libc::MNT_DETACH | libc::UMOUNT_NOFOLLOW) };
    check(ret.into())?;
    Ok(())
}

/// Sends a signal through a pidfd: immune to pid reuse.
pub(crate) fn pidfd_kill(pidfd: RawFd, signal: libc::c_int) -> io::Result<()> {
    // SAFETY: pidfd_send_signal with a null siginfo and no flags.
    check(unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            pidfd,
            signal,
            std::ptr::null::<libc::siginfo_t>(),
            0,
        )
    })?;
    Ok(())
}

/// Reaps a child of ours, returning its rusage.
pub(crate) fn reap(pid: libc::pid_t) -> io::Result<libc::rusage> {
    let mut status = 0;
    // SAFETY: zeroed rusage is a valid value for wait4 to fill.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 on our own child with valid out-pointers.
    retry(|| unsafe { libc::wait4(pid, &mut status, libc::__WALL, &mut usage) }.into())?;
    Ok(usage)
}

/// The number of the calling thread's current errno-style error, for messages.
pub(crate) fn errno_name(errno: i32) -> String {
    io::Error::from_raw_os_error(errno).to_string()
}
