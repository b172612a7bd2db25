//! The hostile-code sandbox: run one command in fresh namespaces, under limits, and report
//! exactly what happened.
//!
//! ```text
//! Sandbox::new(config)          once per process: cgroup detection, seccomp, slot pool
//!   └─ lease()                  a slot: host uid pair, prepared cgroup, tmpfs work dir
//!        ├─ workdir()           stage files in, read results out (never following symlinks)
//!        └─ run(spec, events)   clone3 → id maps → mounts → drop privileges → seccomp → exec
//! ```
//!
//! There is no unsandboxed mode: every run gets every namespace, the seccomp filter and the
//! limits. Only the cgroup can be missing on a host, and then every outcome says so.
#![allow(unsafe_code)]

mod cgroup;
mod child;
mod config;
mod error;
mod host;
mod plan;
mod planning;
mod rootfs;
mod seccomp;
mod slots;
mod spawn;
mod stdin;
mod supervise;
mod sys;
mod workdir;

pub use cgroup::{CgroupMode, detect as detect_cgroups};
pub use config::SandboxConfig;
pub use error::SandboxError;
pub use host::{Check, CheckStatus, inspect_host};
pub use model::{Limits, Outcome, Stream, Verdict};
pub use stdin::{DEFAULT_STDIN_CAPACITY, FeedError, StdinFeed};
pub use workdir::{FileEntry, WorkDir, validate_relative};

use cgroup::Hierarchy;
use plan::ChildFds;
use planning::{PlanInput, build_plan};
use rootfs::HostLayout;
use slots::{Slot, SlotPool};
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Something that happened during a run, delivered as it happens.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// A chunk of the program's output, as read from its pipe.
    Output {
        stream: Stream,
        elapsed: Duration,
        data: &'a [u8],
    },
    /// CPU and memory of the whole process tree so far (only with a cgroup).
    Stats {
        elapsed: Duration,
        cpu_ms: u64,
        memory_kib: u64,
    },
}

/// Where the program's stdin comes from.
#[derive(Debug, Default)]
pub enum Stdin {
    /// End of file at once.
    #[default]
    Empty,
    /// Fed by the supervisor as the program reads it, then end of file.
    Bytes(Vec<u8>),
    /// What the caller queues while the program runs (interactive programs), until it closes
    /// the feed. The program only ever sees a pipe: never a host file descriptor, which it could
    /// reopen for writing through `/proc/self/fd/0` or drive with terminal ioctls.
    Live(StdinFeed),
}

/// One command to run.
#[derive(Debug, Default)]
pub struct RunSpec {
    /// The program and its arguments; a bare name is looked up in `PATH` inside the sandbox.
    pub argv: Vec<String>,
    /// Environment on top of the clean defaults (PATH, HOME=/work, LANG, TMPDIR).
    pub env: Vec<(String, String)>,
    pub limits: Limits,
    pub stdin: Stdin,
    /// Set it to stop the run (a user pressed Stop); noticed within 100 ms.
    pub cancel: Option<Arc<std::sync::atomic::AtomicBool>>,
}

/// How often the host paths behind the read-only tree are looked at (a few dozen `lstat`s).
const ROOTFS_CHECK: Duration = Duration::from_secs(10);

/// A sandbox factory; cheap to clone and shareable between threads.
#[derive(Debug, Clone)]
pub struct Sandbox {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: SandboxConfig,
    cgroup_mode: CgroupMode,
    /// The shared read-only tree every run's root is bound from, and when the host's paths
    /// behind it were last looked at.
    rootfs: std::sync::Mutex<(PathBuf, Instant)>,
    filter: Vec<libc::sock_filter>,
    pool: SlotPool,
}

impl Sandbox {
    /// Prepares the sandbox: checks privileges, finds cgroups, compiles the seccomp filter and
    /// cleans what a crashed earlier process left behind.
    pub fn new(config: SandboxConfig) -> Result<Self, SandboxError> {
        // SAFETY: geteuid has no preconditions.
        let uid = unsafe { libc::geteuid() };
        if uid != 0 {
            return Err(SandboxError::NotRoot { uid });
        }
        let mut cgroup_mode = cgroup::detect();
        let base_name = cgroup::base_name(&config.state_dir, &SandboxConfig::default().state_dir);
        let hierarchy = match Hierarchy::from_mode(&cgroup_mode, &base_name) {
            Ok(hierarchy) => hierarchy,
            Err(e) => {
                cgroup_mode = CgroupMode::Unavailable {
                    reason: format!("cgroup {} found but not usable: {e}", cgroup_mode.name()),
                };
                None
            }
        };
        let layout = HostLayout::discover(&config).map_err(|source| SandboxError::StateDir {
            path: "/".into(),
            source,
        })?;
        let pool = SlotPool::new(
            &config.state_dir,
            config.max_slots,
            config.uid_base,
            hierarchy,
        )?;
        pool.sweep()?;
        let rootfs = rootfs::ensure(&config.state_dir, &layout).map_err(|source| {
            SandboxError::StateDir {
                path: config.state_dir.clone(),
                source,
            }
        })?;
        Ok(Sandbox {
            inner: Arc::new(Inner {
                config,
                cgroup_mode,
                rootfs: std::sync::Mutex::new((rootfs, Instant::now())),
                filter: seccomp::compile(),
                pool,
            }),
        })
    }

    /// Removes everything a state dir holds on this host: slot leftovers, the shared read-only
    /// trees (host mounts) and the directory itself. Only for a state dir no process uses.
    pub fn destroy_state(config: SandboxConfig) -> Result<(), SandboxError> {
        let state_dir = config.state_dir.clone();
        drop(Sandbox::new(config)?);
        let err = |source| SandboxError::StateDir {
            path: state_dir.clone(),
            source,
        };
        let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").map_err(err)?;
        let mut mounts: Vec<PathBuf> = mountinfo
            .lines()
            .filter_map(|line| line.split(' ').nth(4))
            .map(PathBuf::from)
            .filter(|point| point.starts_with(&state_dir))
            .collect();
        // Deepest first, so that parents are unmounted after their children.
        mounts.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
        for point in mounts {
            let _ = sys::unmount_detach(&point);
        }
        std::fs::remove_dir_all(&state_dir).map_err(err)
    }

    /// The read-only tree for the next run: rebuilt when a path it binds was replaced on the
    /// host since (an upgraded package renames new files into place; a bind would keep showing
    /// the deleted one). Looked at most every `ROOTFS_CHECK`, and at start-up.
    fn current_rootfs(&self) -> Result<PathBuf, SandboxError> {
        let mut current = self.inner.rootfs.lock().unwrap_or_else(|p| p.into_inner());
        if current.1.elapsed() < ROOTFS_CHECK {
            return Ok(current.0.clone());
        }
        self.refresh_rootfs_locked(&mut current)
    }

    /// Looks at the host's paths now (after installing a toolchain, say) and rebuilds the
    /// read-only tree if any changed; returns the tree new runs get.
    pub fn refresh_rootfs(&self) -> Result<PathBuf, SandboxError> {
        let mut current = self.inner.rootfs.lock().unwrap_or_else(|p| p.into_inner());
        self.refresh_rootfs_locked(&mut current)
    }

    fn refresh_rootfs_locked(
        &self,
        current: &mut (PathBuf, Instant),
    ) -> Result<PathBuf, SandboxError> {
        let config = &self.inner.config;
        let state_err = |source| SandboxError::StateDir {
            path: config.state_dir.clone(),
            source,
        };
        let layout = HostLayout::discover(config).map_err(state_err)?;
        *current = (
            rootfs::ensure(&config.state_dir, &layout).map_err(state_err)?,
            Instant::now(),
        );
        Ok(current.0.clone())
    }

    pub fn cgroup_mode(&self) -> &CgroupMode {
        &self.inner.cgroup_mode
    }

    pub fn config(&self) -> &SandboxConfig {
        &self.inner.config
    }

    /// Slots kept out of use because a run left something in them (reported by `doctor` and
    /// checked by the tests: it should stay 0).
    pub fn quarantined_slots(&self) -> usize {
        self.inner.pool.quarantined()
    }

    /// Takes a slot with a fresh work dir of `workdir_kib`, for one or more runs.
    pub fn lease(&self, workdir_kib: u64) -> Result<Lease, SandboxError> {
        let max = self.inner.config.max_limits.workdir_kib;
        if workdir_kib == 0 || workdir_kib > max {
            return Err(model::LimitError {
                field: "workdir_kib",
                value: workdir_kib,
                max,
            }
            .into());
        }
        let slot = self.inner.pool.acquire()?;
        match WorkDir::mount(&slot.work_dir(), workdir_kib, slot.ids.host_user) {
            Ok(workdir) => Ok(Lease {
                sandbox: self.clone(),
                slot: Some(slot),
                workdir: Some(workdir),
            }),
            Err(e) => {
                self.inner.pool.release(slot);
                Err(e)
            }
        }
    }

    /// Runs one command in a fresh work dir.
    pub fn run(
        &self,
        spec: RunSpec,
        on_event: &mut dyn FnMut(Event<'_>),
    ) -> Result<Outcome, SandboxError> {
        self.lease(spec.limits.workdir_kib)?.run(spec, on_event)
    }
}

/// A slot held for one or more runs sharing a work dir (e.g. compile, then run).
#[derive(Debug)]
pub struct Lease {
    sandbox: Sandbox,
    slot: Option<Slot>,
    workdir: Option<WorkDir>,
}

impl Lease {
    pub fn workdir(&self) -> &WorkDir {
        self.workdir
            .as_ref()
            .expect("a lease has its work dir until dropped")
    }

    /// Runs `spec` in this lease's work dir; blocks until the run is over.
    pub fn run(
        &mut self,
        spec: RunSpec,
        on_event: &mut dyn FnMut(Event<'_>),
    ) -> Result<Outcome, SandboxError> {
        let inner = &self.sandbox.inner;
        let max = match spec.stdin {
            Stdin::Live(_) => inner
                .config
                .max_limits
                .with_wall_of_at_least(inner.config.max_interactive_wall_ms),
            _ => inner.config.max_limits,
        };
        spec.limits.validate(&max)?;
        let slot = self
            .slot
            .as_mut()
            .expect("a lease has its slot until dropped");
        if let Some(cgroup) = slot.cgroup.as_mut() {
            cgroup
                .clean()
                .and_then(|()| cgroup.prepare(&spec.limits))
                .map_err(|source| SandboxError::Cgroup {
                    action: "preparing a run",
                    source,
                })?;
        }
        let spawn_err = |step| move |source| SandboxError::Spawn { step, source };
        let (sync_read, sync_write) = sys::pipe().map_err(spawn_err("creating pipes"))?;
        let (report_read, report_write) = sys::pipe().map_err(spawn_err("creating pipes"))?;
        let (stdout_read, stdout_write) = sys::pipe().map_err(spawn_err("creating pipes"))?;
        let (stderr_read, stderr_write) = sys::pipe().map_err(spawn_err("creating pipes"))?;
        let (stdin_child, stdin_write) = sys::pipe().map_err(spawn_err("creating pipes"))?;
        let stdin_feed = match spec.stdin {
            Stdin::Empty => {
                drop(stdin_write);
                None
            }
            Stdin::Bytes(bytes) => Some(supervise::StdinPump::bytes(stdin_write, bytes)),
            Stdin::Live(feed) => Some(supervise::StdinPump::live(stdin_write, feed)),
        };
        let fds = ChildFds {
            sync_read: sync_read.as_raw_fd(),
            report_write: report_write.as_raw_fd(),
            stdin: stdin_child.as_raw_fd(),
            stdout: stdout_write.as_raw_fd(),
            stderr: stderr_write.as_raw_fd(),
        };
        let rootfs = self.sandbox.current_rootfs()?;
        let ops = rootfs::run_mounts(&rootfs, &slot.root_dir(), &spec.limits, &slot.work_dir())
            .map_err(spawn_err("building the layout"))?;
        let plan = build_plan(PlanInput {
            slot,
            ops,
            argv: &spec.argv,
            env: &spec.env,
            limits: &spec.limits,
            with_cgroup: slot.cgroup.is_some(),
            filter: &inner.filter,
            fds,
        })?;

        let started = Instant::now();
        let child = spawn::spawn(&plan, slot.ids, slot.cgroup.as_ref(), sync_write)?;
        drop((
            sync_read,
            report_write,
            stdout_write,
            stderr_write,
            stdin_child,
        ));
        let pipes = supervise::Pipes {
            stdout: stdout_read,
            stderr: stderr_read,
            report: report_read,
            stdin: stdin_feed,
        };
        supervise::Supervisor {
            limits: &spec.limits,
            cgroup: slot.cgroup.as_ref(),
            on_event,
            started,
            cancel: spec.cancel.as_deref(),
        }
        .run(child, pipes)
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        drop(self.workdir.take());
        if let Some(slot) = self.slot.take() {
            self.sandbox.inner.pool.release(slot);
        }
    }
}
