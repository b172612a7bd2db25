//! The filesystem a program sees, as a list of steps for the child to carry out.

use crate::config::{HOSTNAME, INSIDE_UID, SandboxConfig};
use crate::plan::MountOp;
use model::Limits;
use std::ffi::CString;
use std::io;
use std::path::{Path, PathBuf};

/// One host path to show inside, decided once at start-up.
#[derive(Debug, Clone)]
pub(crate) enum HostEntry {
    Dir {
        path: PathBuf,
        locked: libc::c_ulong,
    },
    File {
        path: PathBuf,
        locked: libc::c_ulong,
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
        Ok(Some(if meta.file_type().is_symlink() {
            HostEntry::Symlink {
                target: std::fs::read_link(&path)?,
                path,
            }
        } else if meta.is_dir() {
            HostEntry::Dir {
                locked: locked_flags(&path)?,
                path,
            }
        } else {
            HostEntry::File {
                locked: locked_flags(&path)?,
                path,
            }
        }))
    }
}

/// Mount flags a read-only remount in a user namespace must keep: the kernel refuses to clear
/// flags that the host mount has (nosuid, nodev, noexec, atime).
fn locked_flags(path: &Path) -> io::Result<libc::c_ulong> {
    let c_path = crate::sys::cstring(path)?;
    // SAFETY: zeroed statvfs is valid for statvfs to fill; the path is NUL-terminated.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    crate::sys::check(unsafe { libc::statvfs(c_path.as_ptr(), &mut stat) }.into())?;
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

/// The static part of the layout: host entries found at start-up.
#[derive(Debug, Clone)]
pub(crate) struct HostLayout {
    pub top: Vec<HostEntry>,
    pub etc: Vec<HostEntry>,
}

impl HostLayout {
    pub(crate) fn discover(config: &SandboxConfig) -> io::Result<Self> {
        let mut top = Vec::new();
        for dir in &config.readonly_dirs {
            top.extend(HostEntry::inspect(dir)?);
        }
        let mut etc = Vec::new();
        for entry in &config.etc_entries {
            etc.extend(HostEntry::inspect(&Path::new("/etc").join(entry))?);
        }
        Ok(HostLayout { top, etc })
    }
}

fn c(path: impl AsRef<Path>) -> io::Result<CString> {
    crate::sys::cstring(path.as_ref())
}

/// `path` relative to `/`, for use inside the new root.
fn relative(path: &Path) -> &Path {
    path.strip_prefix("/").unwrap_or(path)
}

fn push_entry(ops: &mut Vec<MountOp>, entry: &HostEntry, under: &Path) -> io::Result<()> {
    match entry {
        HostEntry::Symlink { path, target } => ops.push(MountOp::Symlink {
            target: c(target)?,
            path: c(under.join(path.file_name().unwrap_or_default()))?,
        }),
        HostEntry::Dir { path, locked } | HostEntry::File { path, locked } => {
            let inside = c(under.join(path.file_name().unwrap_or_default()))?;
            ops.push(if matches!(entry, HostEntry::Dir { .. }) {
                MountOp::Mkdir {
                    path: inside.clone(),
                    mode: 0o755,
                }
            } else {
                MountOp::Touch {
                    path: inside.clone(),
                }
            });
            ops.push(MountOp::Bind {
                source: c(path)?,
                target: inside,
                readonly: Some(*locked),
            });
        }
    }
    Ok(())
}

const PASSWD: &str = "root:x:0:0:root:/root:/usr/sbin/nologin\n\
sandbox:x:1000:1000:sandbox:/work:/bin/sh\n\
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
const GROUP: &str = "root:x:0:\nsandbox:x:1000:\nnogroup:x:65534:\n";
const HOSTS: &str = "127.0.0.1 localhost sandbox\n::1 localhost ip6-localhost\n";
const DEVICES: [&str; 5] = ["null", "zero", "full", "random", "urandom"];

/// Builds the steps for one run: read-only toolchains, generated `/etc`, private `/proc`,
/// a minimal `/dev`, size-capped `/tmp` and `/dev/shm`, and the slot's work dir at `/work`.
pub(crate) fn build(
    host: &HostLayout,
    extra_readonly: &[HostEntry],
    limits: &Limits,
    host_workdir: &Path,
) -> io::Result<Vec<MountOp>> {
    debug_assert_eq!(INSIDE_UID, 1000, "PASSWD names uid 1000");
    let mut ops = Vec::with_capacity(64);
    for entry in &host.top {
        push_entry(&mut ops, entry, Path::new(""))?;
    }
    for entry in extra_readonly {
        let path = match entry {
            HostEntry::Dir { path, .. }
            | HostEntry::File { path, .. }
            | HostEntry::Symlink { path, .. } => path,
        };
        let parent = relative(path).parent().unwrap_or(Path::new(""));
        let mut prefix = PathBuf::new();
        for component in parent.components() {
            prefix.push(component);
            ops.push(MountOp::Mkdir {
                path: c(&prefix)?,
                mode: 0o755,
            });
        }
        push_entry(&mut ops, entry, parent)?;
    }

    ops.push(MountOp::Mkdir {
        path: c("etc")?,
        mode: 0o755,
    });
    for (name, content) in [
        ("passwd", PASSWD),
        ("group", GROUP),
        ("hosts", HOSTS),
        ("hostname", "sandbox\n"),
    ] {
        ops.push(MountOp::Write {
            path: c(Path::new("etc").join(name))?,
            content: content.as_bytes().to_vec(),
        });
    }
    debug_assert_eq!(HOSTNAME, "sandbox");
    for entry in &host.etc {
        push_entry(&mut ops, entry, Path::new("etc"))?;
    }

    ops.push(MountOp::Mkdir {
        path: c("proc")?,
        mode: 0o555,
    });
    ops.push(MountOp::Proc { target: c("proc")? });

    ops.push(MountOp::Mkdir {
        path: c("dev")?,
        mode: 0o755,
    });
    ops.push(MountOp::Tmpfs {
        target: c("dev")?,
        options: c("size=64k,nr_inodes=64,mode=0755")?,
    });
    for device in DEVICES {
        let inside = c(Path::new("dev").join(device))?;
        ops.push(MountOp::Touch {
            path: inside.clone(),
        });
        ops.push(MountOp::Bind {
            source: c(Path::new("/dev").join(device))?,
            target: inside,
            readonly: None,
        });
    }
    for (name, target) in [
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
    ] {
        ops.push(MountOp::Symlink {
            target: c(target)?,
            path: c(Path::new("dev").join(name))?,
        });
    }
    let scratch = c(format!(
        "size={}k,nr_inodes=65536,mode=1777",
        limits.tmpfs_kib
    ))?;
    ops.push(MountOp::Mkdir {
        path: c("dev/shm")?,
        mode: 0o755,
    });
    ops.push(MountOp::Tmpfs {
        target: c("dev/shm")?,
        options: scratch.clone(),
    });
    ops.push(MountOp::Mkdir {
        path: c("tmp")?,
        mode: 0o755,
    });
    ops.push(MountOp::Tmpfs {
        target: c("tmp")?,
        options: scratch,
    });

    ops.push(MountOp::Mkdir {
        path: c("work")?,
        mode: 0o755,
    });
    ops.push(MountOp::Bind {
        source: c(host_workdir)?,
        target: c("work")?,
        readonly: None,
    });
    Ok(ops)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(ops: &[MountOp]) -> Vec<String> {
        ops.iter()
            .filter_map(|op| match op {
                MountOp::Bind { target, .. }
                | MountOp::Tmpfs { target, .. }
                | MountOp::Proc { target } => Some(target.to_string_lossy().into_owned()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_layout_mounts_only_what_is_listed() {
        let host = HostLayout {
            top: vec![
                HostEntry::Dir {
                    path: "/usr".into(),
                    locked: 0,
                },
                HostEntry::Symlink {
                    path: "/bin".into(),
                    target: "usr/bin".into(),
                },
            ],
            etc: vec![HostEntry::File {
                path: "/etc/ld.so.cache".into(),
                locked: 0,
            }],
        };
        let ops = build(
            &host,
            &[],
            &Limits::default(),
            Path::new("/state/slot-0/work"),
        )
        .expect("build");
        assert_eq!(
            targets(&ops),
            [
                "usr",
                "etc/ld.so.cache",
                "proc",
                "dev",
                "dev/null",
                "dev/zero",
                "dev/full",
                "dev/random",
                "dev/urandom",
                "dev/shm",
                "tmp",
                "work"
            ]
        );
        assert!(
            ops.iter()
                .any(|op| matches!(op, MountOp::Symlink { path, .. } if path.to_bytes() == b"bin"))
        );
    }

    #[test]
    fn toolchains_and_etc_are_read_only_while_work_and_devices_are_not() {
        let host = HostLayout {
            top: vec![HostEntry::Dir {
                path: "/usr".into(),
                locked: libc::MS_NOATIME,
            }],
            etc: vec![],
        };
        let ops = build(&host, &[], &Limits::default(), Path::new("/w")).expect("build");
        for op in &ops {
            if let MountOp::Bind {
                target, readonly, ..
            } = op
            {
                let target = target.to_string_lossy();
                let writable = target == "work" || target.starts_with("dev/");
                assert_eq!(readonly.is_none(), writable, "{target}");
                if target == "usr" {
                    assert_eq!(*readonly, Some(libc::MS_NOATIME));
                }
            }
        }
    }

    #[test]
    fn tmpfs_sizes_come_from_the_limits() {
        let limits = Limits {
            tmpfs_kib: 1234,
            ..Limits::default()
        };
        let ops = build(
            &HostLayout {
                top: vec![],
                etc: vec![],
            },
            &[],
            &limits,
            Path::new("/w"),
        )
        .expect("build");
        let tmp = ops.iter().find_map(|op| match op {
            MountOp::Tmpfs { target, options } if target.to_bytes() == b"tmp" => {
                Some(options.to_string_lossy().into_owned())
            }
            _ => None,
        });
        assert_eq!(tmp.as_deref(), Some("size=1234k,nr_inodes=65536,mode=1777"));
    }

    #[test]
    fn extra_read_only_paths_get_their_parent_directories() {
        let extra = [HostEntry::Dir {
            path: "/var/cache/go".into(),
            locked: 0,
        }];
        let ops = build(
            &HostLayout {
                top: vec![],
                etc: vec![],
            },
            &extra,
            &Limits::default(),
            Path::new("/w"),
        )
        .expect("build");
        let mkdirs: Vec<_> = ops
            .iter()
            .take(3)
            .filter_map(|op| match op {
                MountOp::Mkdir { path, .. } => Some(path.to_string_lossy().into_owned()),
                _ => None,
            })
            .collect();
        assert_eq!(mkdirs, ["var", "var/cache", "var/cache/go"]);
    }
}
