//! Per-run control groups: memory, process count and CPU accounting for a whole process tree.
//!
//! cgroup v2 is the primary path; v1 (memory, pids and cpuacct hierarchies) is the fallback this
//! kind of machine runs. Cgroups are prepared once per slot and reused: creating one per run and
//! its first attach are what make other sandboxes slow (`shared/notes/sandbox-facts.md`).

mod detect;
mod v1;
mod v2;

pub use detect::{CgroupMode, detect};

use model::Limits;
use std::io;
use std::path::{Path, PathBuf};

/// The cgroup layout this process uses, decided once at start-up.
#[derive(Debug, Clone)]
pub(crate) enum Hierarchy {
    V2 {
        base: PathBuf,
    },
    V1 {
        memory: PathBuf,
        pids: PathBuf,
        cpuacct: PathBuf,
    },
}

impl Hierarchy {
    /// Makes the base directories (and on v2 enables the controllers for our subtree).
    pub(crate) fn from_mode(mode: &CgroupMode, base_name: &str) -> io::Result<Option<Self>> {
        match mode {
            CgroupMode::V2 { own_dir } => {
                v2::prepare_base(own_dir, base_name).map(|base| Some(Hierarchy::V2 { base }))
            }
            CgroupMode::V1 {
                memory,
                pids,
                cpuacct,
            } => {
                let base = |dir: &Path| -> io::Result<PathBuf> {
                    let base = dir.join(base_name);
                    mkdir_existing_ok(&base)?;
                    Ok(base)
                };
                Ok(Some(Hierarchy::V1 {
                    memory: base(memory)?,
                    pids: base(pids)?,
                    cpuacct: base(cpuacct)?,
                }))
            }
            CgroupMode::Unavailable { .. } => Ok(None),
        }
    }

    pub(crate) fn remove_base_if_empty(&self) {
        match self {
            Hierarchy::V2 { base } => {
                let _ = std::fs::remove_dir(base);
            }
            Hierarchy::V1 {
                memory,
                pids,
                cpuacct,
            } => {
                for base in [memory, pids, cpuacct] {
                    let _ = std::fs::remove_dir(base);
                }
            }
        }
    }

    /// Whether a cgroup for `slot` exists (left by a crashed process, or in use by another).
    pub(crate) fn slot_exists(&self, slot: u32) -> bool {
        let name = format!("slot-{slot}");
        match self {
            Hierarchy::V2 { base } => base.join(name).exists(),
            Hierarchy::V1 { memory, .. } => memory.join(name).exists(),
        }
    }

    pub(crate) fn slot(&self, slot: u32) -> io::Result<SlotCgroup> {
        // Another process dropping its last slot removes the (then empty) base dir; recreate
        // it and retry. Once our slot dir is inside, the base cannot be removed under us.
        let mut attempts = 0;
        loop {
            match self.try_slot(slot) {
                Err(e) if e.kind() == io::ErrorKind::NotFound && attempts < 3 => {
                    attempts += 1;
                    self.ensure_base()?;
                }
                other => return other,
            }
        }
    }

    fn ensure_base(&self) -> io::Result<()> {
        match self {
            Hierarchy::V2 { base } => {
                let own = base.parent().unwrap_or(base);
                let name = base
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or(BASE_DEFAULT);
                v2::prepare_base(own, name).map(drop)
            }
            Hierarchy::V1 {
                memory,
                pids,
                cpuacct,
            } => [memory, pids, cpuacct]
                .into_iter()
                .try_for_each(|d| mkdir_existing_ok(d)),
        }
    }

    fn try_slot(&self, slot: u32) -> io::Result<SlotCgroup> {
        let name = format!("slot-{slot}");
        Ok(match self {
            Hierarchy::V2 { base } => SlotCgroup::V2(v2::Slot::create(base.join(name))?),
            Hierarchy::V1 {
                memory,
                pids,
                cpuacct,
            } => SlotCgroup::V1(v1::Slot::create(
                memory.join(&name),
                pids.join(&name),
                cpuacct.join(&name),
            )?),
        })
    }
}

const BASE_DEFAULT: &str = "codecollab";

/// The name of our directory under the process's own cgroup: `codecollab` for the default state
/// dir, suffixed with a hash of any other, so that two state dirs never share a slot's cgroup.
pub(crate) fn base_name(state_dir: &Path, default_state_dir: &Path) -> String {
    if state_dir == default_state_dir {
        return BASE_DEFAULT.into();
    }
    // FNV-1a: stable across runs and builds, unlike the std hasher.
    let hash = state_dir
        .as_os_str()
        .as_encoded_bytes()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        });
    format!("codecollab-{:08x}", hash as u32)
}

/// A reusable cgroup owned by one sandbox slot.
#[derive(Debug)]
pub(crate) enum SlotCgroup {
    V2(v2::Slot),
    V1(v1::Slot),
}

/// What the cgroup says about a run, in the units it reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Usage {
    pub cpu_ns: u64,
    /// Memory the run added: the cgroup's (peak) charge minus what earlier runs left charged
    /// to this reused cgroup (page cache of shared libraries, mostly).
    pub memory_bytes: u64,
    /// The raw charge the memory limit applies to.
    pub charged_bytes: u64,
    pub oom_kills: u64,
    /// Pages faulted back in after reclaim took them (major faults and working-set
    /// refaults): what a program stuck in reclaim at its memory limit does all the time, and
    /// one sitting still below it does not.
    pub refaults: u64,
}

/// The refault counters of a `memory.stat` (the same keys on v1 and v2); missing keys count 0.
pub(crate) fn refaults(memory_stat: &Path) -> u64 {
    let Ok(text) = std::fs::read_to_string(memory_stat) else {
        return 0;
    };
    [
        "pgmajfault",
        "workingset_refault_anon",
        "workingset_refault_file",
    ]
    .iter()
    .filter_map(|key| keyed_value(&text, key))
    .sum()
}

impl SlotCgroup {
    /// Sets the limits for the next run and resets the counters it will report.
    pub(crate) fn prepare(&mut self, limits: &Limits) -> io::Result<()> {
        match self {
            SlotCgroup::V2(slot) => slot.prepare(limits),
            SlotCgroup::V1(slot) => slot.prepare(limits),
        }
    }

    /// v2 only: an open directory fd for `clone3(CLONE_INTO_CGROUP)`.
    pub(crate) fn clone_into_fd(&self) -> Option<std::os::fd::RawFd> {
        match self {
            SlotCgroup::V2(slot) => Some(slot.dir_fd()),
            SlotCgroup::V1(_) => None,
        }
    }

    /// v1 only (v2 places the child at clone time): moves `pid` into every hierarchy.
    pub(crate) fn attach(&self, pid: libc::pid_t) -> io::Result<()> {
        match self {
            SlotCgroup::V2(_) => Ok(()),
            SlotCgroup::V1(slot) => slot.attach(pid),
        }
    }

    /// Usage since `prepare`: CPU so far, memory now (for live stats).
    pub(crate) fn current(&self) -> io::Result<Usage> {
        match self {
            SlotCgroup::V2(slot) => slot.usage(false),
            SlotCgroup::V1(slot) => slot.usage(false),
        }
    }

    /// Usage since `prepare` with the peak memory, once every process has exited.
    pub(crate) fn finished(&self) -> io::Result<Usage> {
        match self {
            SlotCgroup::V2(slot) => slot.usage(true),
            SlotCgroup::V1(slot) => slot.usage(true),
        }
    }

    /// Kills anything still inside (leftovers of a crashed supervisor) and drops cached pages
    /// charged by the previous run, so the next run's peak is its own.
    pub(crate) fn clean(&mut self) -> io::Result<()> {
        match self {
            SlotCgroup::V2(slot) => slot.clean(),
            SlotCgroup::V1(slot) => slot.clean(),
        }
    }

    /// Tasks still charged to the slot (a zombie counts until it is reaped): a slot with any
    /// between runs is not clean.
    pub(crate) fn tasks(&self) -> io::Result<u64> {
        match self {
            SlotCgroup::V2(slot) => slot.tasks(),
            SlotCgroup::V1(slot) => slot.tasks(),
        }
    }

    pub(crate) fn remove(self) -> io::Result<()> {
        match self {
            SlotCgroup::V2(slot) => slot.remove(),
            SlotCgroup::V1(slot) => slot.remove(),
        }
    }
}

/// Charges left by earlier runs are reclaimed only past this: reclaiming costs about a
/// millisecond per run (measured), and small stale charges are subtracted from the peak anyway.
pub(crate) const RECLAIM_ABOVE_BYTES: u64 = 64 << 20;

pub(crate) fn mkdir_existing_ok(dir: &Path) -> io::Result<()> {
    match std::fs::create_dir(dir) {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        other => other,
    }
}

pub(crate) fn write_value(path: &Path, value: &str) -> io::Result<()> {
    std::fs::write(path, value)
        .map_err(|e| io::Error::new(e.kind(), format!("write {}: {e}", path.display())))
}

pub(crate) fn read_u64(path: &Path) -> io::Result<u64> {
    let text = std::fs::read_to_string(path)?;
    parse_u64(text.trim(), path)
}

fn parse_u64(text: &str, path: &Path) -> io::Result<u64> {
    if text == "max" {
        return Ok(u64::MAX);
    }
    text.parse().map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: not a number: {text:?}", path.display()),
        )
    })
}

/// Reads `key value` lines (memory.events, cpu.stat, memory.oom_control) and returns `key`'s value.
pub(crate) fn read_keyed(path: &Path, key: &str) -> io::Result<u64> {
    let text = std::fs::read_to_string(path)?;
    keyed_value(&text, key).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: no {key}", path.display()),
        )
    })
}

pub(crate) fn keyed_value(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|line| {
        let (name, value) = line.split_once(' ')?;
        (name == key).then(|| value.trim().parse().ok()).flatten()
    })
}

/// Kills every process listed in a `cgroup.procs` file, then waits briefly until it is empty.
pub(crate) fn kill_listed(procs: &Path) -> io::Result<()> {
    for _ in 0..100 {
        let text = std::fs::read_to_string(procs)?;
        let pids: Vec<libc::pid_t> = text.lines().filter_map(|l| l.trim().parse().ok()).collect();
        if pids.is_empty() {
            return Ok(());
        }
        for pid in pids {
            // SAFETY: kill has no memory-safety preconditions; these pids are in our cgroup.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    Err(io::Error::other(format!(
        "{}: processes survive SIGKILL",
        procs.display()
    )))
}

#[cfg(test)]
pub(crate) mod test_support {
    use std::path::PathBuf;

    /// A fresh directory under the system temp dir, removed on drop.
    #[derive(Debug)]
    pub struct TempDir(pub PathBuf);

    impl TempDir {
        pub fn new(name: &str) -> Self {
            use std::sync::atomic::{AtomicU32, Ordering};
            static COUNTER: AtomicU32 = AtomicU32::new(0);
            let dir = std::env::temp_dir().join(format!(
                "codecollab-test-{name}-{}-{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::create_dir_all(&dir).expect("create temp dir");
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_value_finds_the_key_and_nothing_else() {
        let text = "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n";
        assert_eq!(keyed_value(text, "oom_kill"), Some(3));
        assert_eq!(keyed_value(text, "under_oom"), Some(0));
        assert_eq!(keyed_value(text, "oom"), None);
        assert_eq!(
            keyed_value("usage_usec 1234\nuser_usec 1000\n", "usage_usec"),
            Some(1234)
        );
    }

    #[test]
    fn each_state_dir_gets_its_own_cgroup_name() {
        let default = Path::new("/run/codecollab/sandbox");
        assert_eq!(base_name(default, default), "codecollab");
        let a = base_name(Path::new("/run/a"), default);
        assert!(
            a.starts_with("codecollab-") && a.len() == "codecollab-".len() + 8,
            "{a}"
        );
        assert_ne!(a, base_name(Path::new("/run/b"), default));
        assert_eq!(a, base_name(Path::new("/run/a"), default), "stable");
    }

    #[test]
    fn max_reads_as_unlimited() {
        assert_eq!(parse_u64("max", Path::new("x")).expect("max"), u64::MAX);
        assert!(parse_u64("lots", Path::new("x")).is_err());
    }
}
