//! cgroup v2: one directory per slot under `<our cgroup>/codecollab`, entered at clone time.

use super::{Usage, kill_listed, mkdir_existing_ok, read_keyed, read_u64, write_value};
use model::Limits;
use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// Creates `<own>/codecollab` with the memory and pids controllers enabled for its children.
///
/// v2 forbids processes in a cgroup that hands controllers to children ("no internal
/// processes"), so when our own cgroup holds us, we first move into a leaf beside it, the way a
/// systemd service with `Delegate=yes` is expected to.
pub(crate) fn prepare_base(own: &Path, base_name: &str) -> io::Result<PathBuf> {
    let controllers = "+memory +pids";
    if let Err(e) = write_value(&own.join("cgroup.subtree_control"), controllers) {
        if e.raw_os_error() != Some(libc::EBUSY) && e.kind() != io::ErrorKind::ResourceBusy {
            return Err(e);
        }
        let leaf = own.join("codecollab-supervisor");
        mkdir_existing_ok(&leaf)?;
        write_value(&leaf.join("cgroup.procs"), &std::process::id().to_string())?;
        write_value(&own.join("cgroup.subtree_control"), controllers)?;
    }
    let base = own.join(base_name);
    mkdir_existing_ok(&base)?;
    write_value(&base.join("cgroup.subtree_control"), controllers)?;
    Ok(base)
}

#[derive(Debug)]
pub(crate) struct Slot {
    dir: PathBuf,
    dir_fd: File,
    /// `memory.peak` opened and reset for this run (kernel 6.12+ resets it per open file).
    peak: Option<File>,
    /// Older kernels cannot reset the peak: the cgroup is then recreated before each run.
    recreate_each_run: bool,
    used: bool,
    cpu_usec_before: u64,
    oom_kills_before: u64,
    refaults_before: u64,
    stale_bytes: u64,
}

impl Slot {
    pub(crate) fn create(dir: PathBuf) -> io::Result<Self> {
        mkdir_existing_ok(&dir)?;
        let dir_fd = open_dir(&dir)?;
        Ok(Slot {
            dir,
            dir_fd,
            peak: None,
            recreate_each_run: false,
            used: false,
            cpu_usec_before: 0,
            oom_kills_before: 0,
            refaults_before: 0,
            stale_bytes: 0,
        })
    }

    pub(crate) fn dir_fd(&self) -> std::os::fd::RawFd {
        self.dir_fd.as_raw_fd()
    }

    pub(crate) fn prepare(&mut self, limits: &Limits) -> io::Result<()> {
        if self.used && self.recreate_each_run {
            std::fs::remove_dir(&self.dir)?;
            std::fs::create_dir(&self.dir)?;
            self.dir_fd = open_dir(&self.dir)?;
        }
        self.used = true;
        write_value(
            &self.dir.join("memory.max"),
            &limits.memory_bytes().to_string(),
        )?;
        let swap = self.dir.join("memory.swap.max");
        if swap.exists() {
            write_value(&swap, "0")?;
        }
        write_value(&self.dir.join("pids.max"), &limits.processes.to_string())?;
        self.peak = None;
        if !self.recreate_each_run {
            let peak = File::options()
                .read(true)
                .write(true)
                .open(self.dir.join("memory.peak"))?;
            match peak.write_at(b"reset\n", 0) {
                Ok(_) => self.peak = Some(peak),
                Err(_) => self.recreate_each_run = true,
            }
        }
        self.cpu_usec_before = read_keyed(&self.dir.join("cpu.stat"), "usage_usec")?;
        self.oom_kills_before = read_keyed(&self.dir.join("memory.events"), "oom_kill")?;
        self.refaults_before = super::refaults(&self.dir.join("memory.stat"));
        self.stale_bytes = read_u64(&self.dir.join("memory.current"))?;
        Ok(())
    }

    pub(crate) fn usage(&self, finished: bool) -> io::Result<Usage> {
        let charged_bytes = match (&self.peak, finished) {
            (Some(peak), true) => {
                let mut buf = [0u8; 32];
                let n = peak.read_at(&mut buf, 0)?;
                String::from_utf8_lossy(&buf[..n])
                    .trim()
                    .parse()
                    .map_err(io::Error::other)?
            }
            (None, true) => read_u64(&self.dir.join("memory.peak"))?,
            (_, false) => read_u64(&self.dir.join("memory.current"))?,
        };
        let cpu_usec = read_keyed(&self.dir.join("cpu.stat"), "usage_usec")?;
        let oom_kills = read_keyed(&self.dir.join("memory.events"), "oom_kill")?;
        Ok(Usage {
            cpu_ns: cpu_usec.saturating_sub(self.cpu_usec_before) * 1000,
            memory_bytes: charged_bytes.saturating_sub(self.stale_bytes),
            charged_bytes,
            oom_kills: oom_kills.saturating_sub(self.oom_kills_before),
            refaults: super::refaults(&self.dir.join("memory.stat"))
                .saturating_sub(self.refaults_before),
        })
    }

    pub(crate) fn clean(&mut self) -> io::Result<()> {
        // cgroup.kill (5.14+) kills atomically, even processes forking right now.
        // Then wait for the list to empty (and kill one by one where cgroup.kill is missing).
        let _ = write_value(&self.dir.join("cgroup.kill"), "1");
        kill_listed(&self.dir.join("cgroup.procs"))?;
        if let Ok(current) = read_u64(&self.dir.join("memory.current"))
            && current > super::RECLAIM_ABOVE_BYTES
        {
            let _ = write_value(&self.dir.join("memory.reclaim"), &current.to_string());
        }
        Ok(())
    }

    pub(crate) fn tasks(&self) -> io::Result<u64> {
        read_u64(&self.dir.join("pids.current"))
    }

    pub(crate) fn remove(mut self) -> io::Result<()> {
        self.clean()?;
        std::fs::remove_dir(&self.dir)
    }
}

fn open_dir(dir: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    File::options()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_CLOEXEC)
        .open(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cgroup::test_support::TempDir;

    fn fake_slot(root: &TempDir) -> Slot {
        let dir = root.0.join("slot-0");
        std::fs::create_dir_all(&dir).expect("mkdir");
        for (file, content) in [
            ("memory.max", "max"),
            ("memory.swap.max", "max"),
            ("pids.max", "max"),
            ("memory.peak", "0"),
            ("memory.current", "8192"),
            (
                "cpu.stat",
                "usage_usec 500\nuser_usec 400\nsystem_usec 100\n",
            ),
            ("memory.events", "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n"),
            ("cgroup.procs", ""),
        ] {
            std::fs::write(dir.join(file), content).expect("write");
        }
        Slot::create(dir).expect("create")
    }

    #[test]
    fn prepare_sets_limits_without_swap_and_takes_baselines() {
        let root = TempDir::new("v2-prepare");
        let mut slot = fake_slot(&root);
        slot.prepare(&Limits {
            memory_kib: 2048,
            processes: 3,
            ..Limits::default()
        })
        .expect("prepare");
        let read = |f: &str| std::fs::read_to_string(root.0.join("slot-0").join(f)).expect("read");
        assert_eq!(read("memory.max"), "2097152");
        assert_eq!(read("memory.swap.max"), "0");
        assert_eq!(read("pids.max"), "3");
        assert_eq!((slot.cpu_usec_before, slot.oom_kills_before), (500, 1));
    }

    #[test]
    fn usage_is_relative_to_the_baselines() {
        let root = TempDir::new("v2-usage");
        let mut slot = fake_slot(&root);
        slot.prepare(&Limits::default()).expect("prepare");
        let dir = root.0.join("slot-0");
        std::fs::write(dir.join("cpu.stat"), "usage_usec 2500\n").expect("write");
        std::fs::write(dir.join("memory.events"), "max 4\noom_kill 2\n").expect("write");
        let usage = slot.usage(false).expect("usage");
        assert_eq!(
            usage,
            Usage {
                cpu_ns: 2_000_000,
                memory_bytes: 0,
                charged_bytes: 8192,
                oom_kills: 1,
                refaults: 0,
            }
        );
    }
}
