//! cgroup v1: one directory per slot in each of the memory, pids and cpuacct hierarchies.

use super::{Usage, kill_listed, mkdir_existing_ok, read_keyed, read_u64, write_value};
use model::Limits;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;

#[derive(Debug)]
pub(crate) struct Slot {
    memory: PathBuf,
    pids: PathBuf,
    cpuacct: PathBuf,
    /// Swap accounting is on: limit and measure memory + swap.
    has_memsw: bool,
    oom_kills_before: u64,
    refaults_before: u64,
    stale_bytes: u64,
    /// `cgroup.procs` of each hierarchy, kept open: attaching is on every run's path.
    procs: [File; 3],
}

impl Slot {
    pub(crate) fn create(memory: PathBuf, pids: PathBuf, cpuacct: PathBuf) -> io::Result<Self> {
        for dir in [&memory, &pids, &cpuacct] {
            mkdir_existing_ok(dir)?;
        }
        let open = |dir: &PathBuf| File::options().write(true).open(dir.join("cgroup.procs"));
        let procs = [open(&memory)?, open(&pids)?, open(&cpuacct)?];
        Ok(Slot {
            has_memsw: memory.join("memory.memsw.limit_in_bytes").exists(),
            memory,
            pids,
            cpuacct,
            oom_kills_before: 0,
            refaults_before: 0,
            stale_bytes: 0,
            procs,
        })
    }

    pub(crate) fn prepare(&mut self, limits: &Limits) -> io::Result<()> {
        let bytes = limits.memory_bytes().to_string();
        let memsw = self.memory.join("memory.memsw.limit_in_bytes");
        // memsw must stay >= the memory limit at every step: lift it, set memory, then lower it.
        if self.has_memsw {
            write_value(&memsw, "-1")?;
        }
        write_value(&self.memory.join("memory.limit_in_bytes"), &bytes)?;
        if self.has_memsw {
            write_value(&memsw, &bytes)?;
            write_value(&self.memory.join("memory.memsw.max_usage_in_bytes"), "0")?;
        }
        write_value(&self.memory.join("memory.max_usage_in_bytes"), "0")?;
        write_value(&self.pids.join("pids.max"), &limits.processes.to_string())?;
        write_value(&self.cpuacct.join("cpuacct.usage"), "0")?;
        self.oom_kills_before = self.oom_kills()?;
        self.refaults_before = super::refaults(&self.memory.join("memory.stat"));
        self.stale_bytes = read_u64(&self.memory.join("memory.usage_in_bytes"))?;
        Ok(())
    }

    fn oom_kills(&self) -> io::Result<u64> {
        // Kernels before 4.13 have no oom_kill counter; then only the peak tells.
        Ok(read_keyed(&self.memory.join("memory.oom_control"), "oom_kill").unwrap_or(0))
    }

    pub(crate) fn attach(&self, pid: libc::pid_t) -> io::Result<()> {
        let pid = pid.to_string();
        for file in &self.procs {
            file.write_at(pid.as_bytes(), 0)?;
        }
        Ok(())
    }

    pub(crate) fn usage(&self, finished: bool) -> io::Result<Usage> {
        let memory_file = match (finished, self.has_memsw) {
            (true, true) => "memory.memsw.max_usage_in_bytes",
            (true, false) => "memory.max_usage_in_bytes",
            (false, _) => "memory.usage_in_bytes",
        };
        let charged_bytes = read_u64(&self.memory.join(memory_file))?;
        Ok(Usage {
            cpu_ns: read_u64(&self.cpuacct.join("cpuacct.usage"))?,
            memory_bytes: charged_bytes.saturating_sub(self.stale_bytes),
            charged_bytes,
            oom_kills: self.oom_kills()?.saturating_sub(self.oom_kills_before),
            refaults: super::refaults(&self.memory.join("memory.stat"))
                .saturating_sub(self.refaults_before),
        })
    }

    pub(crate) fn clean(&mut self) -> io::Result<()> {
        kill_listed(&self.memory.join("cgroup.procs"))?;
        kill_listed(&self.pids.join("cgroup.procs"))?;
        // Page cache of earlier runs stays charged here; past the threshold, give it back.
        if read_u64(&self.memory.join("memory.usage_in_bytes"))? > super::RECLAIM_ABOVE_BYTES {
            let _ = write_value(&self.memory.join("memory.force_empty"), "0");
        }
        Ok(())
    }

    pub(crate) fn tasks(&self) -> io::Result<u64> {
        read_u64(&self.pids.join("pids.current"))
    }

    pub(crate) fn remove(mut self) -> io::Result<()> {
        self.clean()?;
        for dir in [&self.memory, &self.pids, &self.cpuacct] {
            std::fs::remove_dir(dir)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cgroup::test_support::TempDir;

    /// A fake v1 slot: plain files where the kernel would have its interface files.
    fn fake_slot(root: &TempDir) -> Slot {
        let dirs = ["memory", "pids", "cpuacct"].map(|c| root.0.join(c));
        for dir in &dirs {
            std::fs::create_dir_all(dir).expect("mkdir");
            std::fs::write(dir.join("cgroup.procs"), "").expect("procs");
        }
        let files = [
            ("memory", "memory.limit_in_bytes", ""),
            ("memory", "memory.memsw.limit_in_bytes", ""),
            ("memory", "memory.memsw.max_usage_in_bytes", "0"),
            ("memory", "memory.max_usage_in_bytes", "0"),
            ("memory", "memory.usage_in_bytes", "4096"),
            (
                "memory",
                "memory.oom_control",
                "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n",
            ),
            ("pids", "pids.max", "max"),
            ("cpuacct", "cpuacct.usage", "999"),
        ];
        for (dir, file, content) in files {
            std::fs::write(root.0.join(dir).join(file), content).expect("write");
        }
        let [memory, pids, cpuacct] = dirs;
        Slot::create(memory, pids, cpuacct).expect("create")
    }

    #[test]
    fn prepare_writes_limits_and_resets_counters() {
        let root = TempDir::new("v1-prepare");
        let mut slot = fake_slot(&root);
        let limits = Limits {
            memory_kib: 1024,
            processes: 7,
            ..Limits::default()
        };
        slot.prepare(&limits).expect("prepare");
        let read = |p: &str| std::fs::read_to_string(root.0.join(p)).expect("read");
        assert_eq!(read("memory/memory.limit_in_bytes"), "1048576");
        assert_eq!(read("memory/memory.memsw.limit_in_bytes"), "1048576");
        assert_eq!(read("pids/pids.max"), "7");
        assert_eq!(read("cpuacct/cpuacct.usage"), "0");
        assert_eq!(slot.oom_kills_before, 2);
    }

    #[test]
    fn usage_counts_only_oom_kills_since_prepare_and_reads_the_swap_peak() {
        let root = TempDir::new("v1-usage");
        let mut slot = fake_slot(&root);
        slot.prepare(&Limits::default()).expect("prepare");
        let write = |p: &str, v: &str| std::fs::write(root.0.join(p), v).expect("write");
        write(
            "memory/memory.oom_control",
            "oom_kill_disable 0\noom_kill 3\n",
        );
        write("memory/memory.memsw.max_usage_in_bytes", "209715200");
        write("cpuacct/cpuacct.usage", "1500000000");
        let usage = slot.usage(true).expect("usage");
        assert_eq!(
            usage,
            Usage {
                cpu_ns: 1_500_000_000,
                memory_bytes: 209_715_200 - 4096,
                charged_bytes: 209_715_200,
                oom_kills: 1,
                refaults: 0,
            }
        );
        assert_eq!(slot.usage(false).expect("live").charged_bytes, 4096);
    }
}
