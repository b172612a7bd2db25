//! Finds which cgroup version this host offers and where our own cgroup lives.

use std::path::{Path, PathBuf};

/// The cgroup support of this host, as seen from this process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CgroupMode {
    /// Unified hierarchy with the memory and pids controllers: the primary path.
    V2 { own_dir: PathBuf },
    /// Legacy hierarchies: our own cgroup in each of memory, pids and cpuacct.
    V1 {
        memory: PathBuf,
        pids: PathBuf,
        cpuacct: PathBuf,
    },
    /// No usable cgroup: limits fall back to rlimits and accounting to rusage.
    Unavailable { reason: String },
}

impl CgroupMode {
    pub fn name(&self) -> &'static str {
        match self {
            CgroupMode::V2 { .. } => "v2",
            CgroupMode::V1 { .. } => "v1",
            CgroupMode::Unavailable { .. } => "none",
        }
    }
}

const V2_CONTROLLERS: [&str; 2] = ["memory", "pids"];
const V1_CONTROLLERS: [&str; 3] = ["memory", "pids", "cpuacct"];

/// Detects the mode from this process's `/proc/self/{mountinfo,cgroup}`.
pub fn detect() -> CgroupMode {
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let own = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
    detect_from(&mountinfo, &own, |dir| {
        std::fs::read_to_string(dir.join("cgroup.controllers")).ok()
    })
}

struct Mount<'a> {
    root: &'a str,
    mount_point: &'a str,
    fstype: &'a str,
    super_options: &'a str,
}

fn parse_mountinfo(text: &str) -> impl Iterator<Item = Mount<'_>> {
    text.lines().filter_map(|line| {
        let (before, after) = line.split_once(" - ")?;
        let fields: Vec<&str> = before.split(' ').collect();
        let mut after = after.split(' ');
        Some(Mount {
            root: fields.get(3)?,
            mount_point: fields.get(4)?,
            fstype: after.next()?,
            super_options: after.nth(1).unwrap_or(""),
        })
    })
}

/// Joins a mount point with our cgroup path relative to the mount's root.
fn own_dir(mount: &Mount<'_>, own_path: &str) -> PathBuf {
    let relative = own_path
        .strip_prefix(mount.root)
        .unwrap_or(own_path)
        .trim_start_matches('/');
    Path::new(mount.mount_point).join(relative)
}

pub(crate) fn detect_from(
    mountinfo: &str,
    proc_self_cgroup: &str,
    read_controllers: impl Fn(&Path) -> Option<String>,
) -> CgroupMode {
    let own_paths: Vec<(&str, &str)> = proc_self_cgroup
        .lines()
        .filter_map(|line| {
            let mut parts = line.splitn(3, ':');
            let _id = parts.next()?;
            Some((parts.next()?, parts.next()?))
        })
        .collect();

    let mut v2_problem = None;
    if let Some(mount) = parse_mountinfo(mountinfo).find(|m| m.fstype == "cgroup2")
        && let Some((_, path)) = own_paths
            .iter()
            .find(|(controllers, _)| controllers.is_empty())
    {
        let dir = own_dir(&mount, path);
        let available = read_controllers(&dir).unwrap_or_default();
        let missing: Vec<&str> = V2_CONTROLLERS
            .into_iter()
            .filter(|c| !available.split_whitespace().any(|a| a == *c))
            .collect();
        if missing.is_empty() {
            return CgroupMode::V2 { own_dir: dir };
        }
        v2_problem = Some(format!(
            "cgroup v2 at {} lacks the {} controller(s)",
            mount.mount_point,
            missing.join(", ")
        ));
    }

    let v1_dir = |controller: &str| -> Option<PathBuf> {
        let mount = parse_mountinfo(mountinfo).find(|m| {
            m.fstype == "cgroup" && m.super_options.split(',').any(|o| o == controller)
        })?;
        let (_, path) = own_paths
            .iter()
            .find(|(controllers, _)| controllers.split(',').any(|c| c == controller))?;
        Some(own_dir(&mount, path))
    };
    let dirs: Vec<Option<PathBuf>> = V1_CONTROLLERS.iter().map(|c| v1_dir(c)).collect();
    if let [Some(memory), Some(pids), Some(cpuacct)] = &dirs[..] {
        return CgroupMode::V1 {
            memory: memory.clone(),
            pids: pids.clone(),
            cpuacct: cpuacct.clone(),
        };
    }
    let missing_v1: Vec<&str> = V1_CONTROLLERS
        .iter()
        .zip(&dirs)
        .filter(|(_, dir)| dir.is_none())
        .map(|(c, _)| *c)
        .collect();
    CgroupMode::Unavailable {
        reason: format!(
            "{}; cgroup v1 lacks the {} hierarchy",
            v2_problem.unwrap_or_else(|| "no cgroup v2 mount".into()),
            missing_v1.join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HYBRID_MOUNTINFO: &str = "\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
";
    const HYBRID_CGROUP: &str = "\
8:pids:/
4:memory:/process_api/abc
2:cpuacct:/
1:cpu:/
0::/
";

    #[test]
    fn a_hybrid_host_without_v2_controllers_uses_v1() {
        let mode = detect_from(HYBRID_MOUNTINFO, HYBRID_CGROUP, |_| {
            Some("hugetlb\n".into())
        });
        assert_eq!(
            mode,
            CgroupMode::V1 {
                memory: "/sys/fs/cgroup/memory/process_api/abc".into(),
                pids: "/sys/fs/cgroup/pids".into(),
                cpuacct: "/sys/fs/cgroup/cpuacct".into(),
            }
        );
    }

    #[test]
    fn a_unified_host_with_memory_and_pids_uses_v2_in_our_own_cgroup() {
        let mountinfo = "29 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";
        let cgroup = "0::/system.slice/codecollab.service\n";
        let mode = detect_from(mountinfo, cgroup, |dir| {
            assert_eq!(
                dir,
                Path::new("/sys/fs/cgroup/system.slice/codecollab.service")
            );
            Some("cpuset cpu io memory pids\n".into())
        });
        assert_eq!(
            mode,
            CgroupMode::V2 {
                own_dir: "/sys/fs/cgroup/system.slice/codecollab.service".into()
            }
        );
    }

    #[test]
    fn a_container_mount_root_is_stripped_from_our_path() {
        let mountinfo = "29 23 0:26 /docker/ctr /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
        let cgroup = "0::/docker/ctr/app\n";
        let mode = detect_from(mountinfo, cgroup, |_| Some("memory pids".into()));
        assert_eq!(
            mode,
            CgroupMode::V2 {
                own_dir: "/sys/fs/cgroup/app".into()
            }
        );
    }

    #[test]
    fn co_mounted_cpu_and_cpuacct_are_found() {
        let mountinfo = "\
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids
";
        let cgroup = "3:cpu,cpuacct:/a\n2:memory:/a\n1:pids:/a\n";
        let mode = detect_from(mountinfo, cgroup, |_| None);
        let CgroupMode::V1 { cpuacct, .. } = mode else {
            panic!("expected v1, got {mode:?}")
        };
        assert_eq!(cpuacct, Path::new("/sys/fs/cgroup/cpu,cpuacct/a"));
    }

    #[test]
    fn no_cgroup_at_all_says_what_is_missing() {
        let mode = detect_from("", "", |_| None);
        let CgroupMode::Unavailable { reason } = mode else {
            panic!("expected unavailable")
        };
        assert!(reason.contains("no cgroup v2 mount"), "{reason}");
        assert!(reason.contains("memory, pids, cpuacct"), "{reason}");
    }
}
