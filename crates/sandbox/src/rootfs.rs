//! The filesystem a program sees.
//!
//! The read-only part — toolchain binds, a generated `/etc`, device nodes — is the same for
//! every run, so it is assembled once on the host as a tree of read-only mounts under the state
//! dir (one per host layout, shared by every process using that state dir). A run then needs
//! only six mounts in its own namespace: one recursive bind of that tree, `/proc` (its
//! `cmdline` masked), `/tmp`, `/dev/shm` and its work dir. That took the per-run setup from
//! ~35 mount calls to 6.

use crate::config::SandboxConfig;
use crate::plan::MountOp;
use crate::sys;
use model::Limits;
use std::ffi::CString;
use std::io;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

/// One host path to show inside, as found at start-up.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum HostEntry {
    Dir {
        path: PathBuf,
        locked: libc::c_ulong,
        /// Device and inode: a bind shows the inode it was made from, so a path replaced on
        /// the host (an `apt` upgrade renames new files into place) needs a new tree.
        identity: (u64, u64),
    },
    File {
        path: PathBuf,
        locked: libc::c_ulong,
        identity: (u64, u64),
    },
    Symlink {
        path: PathBuf,
        target: PathBuf,
    },
}

impl HostEntry {
    /// Looks at `path` without following it; None when it does not exist.
    pub(crate) fn inspect(path: &Path) -> io::Result<Option<HostEntry>> {
        let meta = match std::fs::symlink_metadata(path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let path = path.to_path_buf();
        let identity = {
            use std::os::unix::fs::MetadataExt;
            (meta.dev(), meta.ino())
        };
        Ok(Some(if meta.file_type().is_symlink() {
            HostEntry::Symlink {
                target: std::fs::read_link(&path)?,
                path,
            }
        } else if meta.is_dir() {
            HostEntry::Dir {
                locked: locked_flags(&path)?,
                path,
                identity,
            }
        } else {
            HostEntry::File {
                locked: locked_flags(&path)?,
                path,
                identity,
            }
        }))
    }

    fn path(&self) -> &Path {
        match self {
            HostEntry::Dir { path, .. }
            | HostEntry::File { path, .. }
            | HostEntry::Symlink { path, .. } => path,
        }
    }
}

/// Mount flags a read-only remount must keep: the kernel refuses to clear nosuid, nodev,
/// noexec or atime flags that the source mount has.
fn locked_flags(path: &Path) -> io::Result<libc::c_ulong> {
    let c_path = sys::cstring(path)?;
    // SAFETY: zeroed statvfs is valid for statvfs to fill; the path is NUL-terminated.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    sys::check(unsafe { libc::statvfs(c_path.as_ptr(), &mut stat) }.into())?;
    let mut flags = 0;
    for (st, ms) in [
        (libc::ST_NOEXEC, libc::MS_NOEXEC),
        (libc::ST_NOATIME, libc::MS_NOATIME),
        (libc::ST_NODIRATIME, libc::MS_NODIRATIME),
        (libc::ST_RELATIME, libc::MS_RELATIME),
    ] {
        if stat.f_flag & st != 0 {
            flags |= ms;
        }
    }
    Ok(flags)
}

/// The host paths the sandbox shows, decided at start-up.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct HostLayout {
    /// Top-level directories (`/usr`, `/opt`…) and extra read-only paths.
    pub top: Vec<HostEntry>,
    /// Entries of the host's `/etc`.
    pub etc: Vec<HostEntry>,
}

impl HostLayout {
    pub(crate) fn discover(config: &SandboxConfig) -> io::Result<Self> {
        let mut top = Vec::new();
        for dir in config
            .readonly_dirs
            .iter()
            .chain(&config.extra_readonly_paths)
        {
            top.extend(HostEntry::inspect(dir)?);
        }
        let mut etc = Vec::new();
        for entry in &config.etc_entries {
            etc.extend(HostEntry::inspect(&Path::new("/etc").join(entry))?);
        }
        Ok(HostLayout { top, etc })
    }

    /// A name that changes whenever the layout does, so a changed host gets a fresh tree.
    pub(crate) fn fingerprint(&self) -> String {
        // FNV-1a over the Debug form: stable across runs and builds, unlike the std hasher.
        let text = format!("v2 {self:?}");
        let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        format!("{hash:016x}")
    }
}

const PASSWD: &str = "root:x:0:0:root:/root:/usr/sbin/nologin\n\
sandbox:x:1000:1000:sandbox:/work:/bin/sh\n\
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
const GROUP: &str = "root:x:0:\nsandbox:x:1000:\nnogroup:x:65534:\n";
const HOSTS: &str = "127.0.0.1 localhost sandbox\n::1 localhost ip6-localhost\n";
const DEVICES: [&str; 5] = ["null", "zero", "full", "random", "urandom"];
const DEV_LINKS: [(&str, &str); 4] = [
    ("fd", "/proc/self/fd"),
    ("stdin", "/proc/self/fd/0"),
    ("stdout", "/proc/self/fd/1"),
    ("stderr", "/proc/self/fd/2"),
];
/// Written last, before the tree turns read-only: its presence means the tree is complete.
const READY_MARKER: &str = ".codecollab-rootfs-ready";

/// Returns the shared read-only tree for `layout`, building it if no process has yet.
pub(crate) fn ensure(state_dir: &Path, layout: &HostLayout) -> io::Result<PathBuf> {
    let lock = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(state_dir.join("rootfs.lock"))?;
    // SAFETY: flock on an fd we own; the lock is released when `lock` is dropped.
    sys::retry(|| unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) }.into())?;
    let root = state_dir.join(format!("rootfs-{}", layout.fingerprint()));
    if root.join(READY_MARKER).exists() {
        return Ok(root);
    }
    // A crash mid-build leaves a partial tree: start over.
    while sys::unmount_detach(&root).is_ok() {}
    crate::slots::make_dir(&root, 0o755)?;
    if let Err(e) = build(&root, layout) {
        let _ = sys::unmount_detach(&root);
        return Err(e);
    }
    Ok(root)
}

fn bind_read_only(source: &Path, target: &Path, locked: libc::c_ulong) -> io::Result<()> {
    sys::mount_bind(source, target)?;
    let flags = libc::MS_REMOUNT
        | libc::MS_BIND
        | libc::MS_RDONLY
        | libc::MS_NOSUID
        | libc::MS_NODEV
        | locked;
    sys::remount(target, flags)
}

fn place(entry: &HostEntry, inside: &Path) -> io::Result<()> {
    match entry {
        HostEntry::Symlink { target, .. } => std::os::unix::fs::symlink(target, inside),
        HostEntry::Dir { path, locked, .. } => {
            std::fs::create_dir_all(inside)?;
            bind_read_only(path, inside, *locked)
        }
        HostEntry::File { path, locked, .. } => {
            std::fs::write(inside, b"")?;
            bind_read_only(path, inside, *locked)
        }
    }
}

fn build(root: &Path, layout: &HostLayout) -> io::Result<()> {
    sys::mount(
        "tmpfs",
        root,
        "tmpfs",
        libc::MS_NOSUID | libc::MS_NODEV,
        "size=1m,nr_inodes=4096,mode=0755",
    )?;
    // Private: the host's later mounts and unmounts never propagate into or out of the tree.
    sys::remount(root, libc::MS_PRIVATE)?;
    for entry in &layout.top {
        let inside = root.join(entry.path().strip_prefix("/").unwrap_or(entry.path()));
        if let Some(parent) = inside.parent() {
            std::fs::create_dir_all(parent)?;
        }
        place(entry, &inside)?;
    }
    let etc = root.join("etc");
    std::fs::create_dir_all(&etc)?;
    for (name, content) in [
        ("passwd", PASSWD),
        ("group", GROUP),
        ("hosts", HOSTS),
        ("hostname", "sandbox\n"),
    ] {
        std::fs::write(etc.join(name), content)?;
    }
    for entry in &layout.etc {
        place(
            entry,
            &etc.join(entry.path().file_name().unwrap_or_default()),
        )?;
    }
    let dev = root.join("dev");
    std::fs::create_dir_all(dev.join("shm"))?;
    for device in DEVICES {
        std::fs::write(dev.join(device), b"")?;
        sys::mount_bind(&Path::new("/dev").join(device), &dev.join(device))?;
    }
    for (name, target) in DEV_LINKS {
        std::os::unix::fs::symlink(target, dev.join(name))?;
    }
    for dir in ["proc", "tmp", "work"] {
        std::fs::create_dir(root.join(dir))?;
    }
    std::fs::write(root.join(READY_MARKER), b"")?;
    sys::remount(
        root,
        libc::MS_REMOUNT | libc::MS_BIND | libc::MS_RDONLY | libc::MS_NOSUID | libc::MS_NODEV,
    )
}

fn c(path: impl AsRef<Path>) -> io::Result<CString> {
    sys::cstring(path.as_ref())
}

/// The mounts of one run, all beneath `root_dir` (the slot's mount point, inside the run's
/// own mount namespace): the shared tree, then the per-run writable places.
pub(crate) fn run_mounts(
    rootfs: &Path,
    root_dir: &Path,
    limits: &Limits,
    host_workdir: &Path,
) -> io::Result<Vec<MountOp>> {
    let scratch = c(format!(
        "size={}k,nr_inodes=65536,mode=1777",
        limits.tmpfs_kib
    ))?;
    Ok(vec![
        MountOp::Bind {
            source: c(rootfs)?,
            target: c(root_dir)?,
        },
        MountOp::Proc {
            target: c(root_dir.join("proc"))?,
        },
        // The host's boot command line (root device, kernel options) is not the program's
        // business: an empty file stands in its place.
        MountOp::Bind {
            source: c(root_dir.join("dev/null"))?,
            target: c(root_dir.join("proc/cmdline"))?,
        },
        MountOp::Tmpfs {
            target: c(root_dir.join("tmp"))?,
            options: scratch.clone(),
        },
        MountOp::Tmpfs {
            target: c(root_dir.join("dev/shm"))?,
            options: scratch,
        },
        MountOp::Bind {
            source: c(host_workdir)?,
            target: c(root_dir.join("work"))?,
        },
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_mounts_the_shared_tree_then_its_own_writable_places() {
        let limits = Limits {
            tmpfs_kib: 1234,
            ..Limits::default()
        };
        let ops = run_mounts(
            Path::new("/s/rootfs-1"),
            Path::new("/s/slots/slot-0/root"),
            &limits,
            Path::new("/s/slots/slot-0/work"),
        )
        .expect("ops");
        let described: Vec<String> = ops
            .iter()
            .map(|op| match op {
                MountOp::Bind { source, target } => format!(
                    "bind {} {}",
                    source.to_string_lossy(),
                    target.to_string_lossy()
                ),
                MountOp::Tmpfs { target, options } => format!(
                    "tmpfs {} {}",
                    target.to_string_lossy(),
                    options.to_string_lossy()
                ),
                MountOp::Proc { target } => format!("proc {}", target.to_string_lossy()),
            })
            .collect();
        assert_eq!(
            described,
            [
                "bind /s/rootfs-1 /s/slots/slot-0/root",
                "proc /s/slots/slot-0/root/proc",
                "bind /s/slots/slot-0/root/dev/null /s/slots/slot-0/root/proc/cmdline",
                "tmpfs /s/slots/slot-0/root/tmp size=1234k,nr_inodes=65536,mode=1777",
                "tmpfs /s/slots/slot-0/root/dev/shm size=1234k,nr_inodes=65536,mode=1777",
                "bind /s/slots/slot-0/work /s/slots/slot-0/root/work",
            ]
        );
    }

    #[test]
    fn the_fingerprint_changes_with_the_layout() {
        let a = HostLayout {
            top: vec![HostEntry::Dir {
                path: "/usr".into(),
                locked: 0,
                identity: (1, 2),
            }],
            etc: vec![],
        };
        let mut b = a.clone();
        assert_eq!(a.fingerprint(), b.fingerprint());
        let cache = |ino| HostEntry::File {
            path: "/etc/ld.so.cache".into(),
            locked: 0,
            identity: (1, ino),
        };
        b.etc.push(cache(7));
        assert_ne!(a.fingerprint(), b.fingerprint());
        // Replaced on the host (same path, new inode): a new tree.
        let mut c = a.clone();
        c.etc.push(cache(8));
        assert_ne!(b.fingerprint(), c.fingerprint());
    }
}
