//! Turning a `RunSpec` into a `ChildPlan`: argv and PATH lookup, the clean environment, rlimits.

use crate::plan::{ChildFds, ChildPlan};
use crate::slots::Slot;
use crate::{SandboxError, config, sys};
use model::Limits;
use std::ffi::CString;

pub(crate) struct PlanInput<'a> {
    pub slot: &'a Slot,
    pub ops: Vec<crate::plan::MountOp>,
    pub argv: &'a [String],
    pub env: &'a [(String, String)],
    pub limits: &'a Limits,
    pub with_cgroup: bool,
    pub filter: &'a [libc::sock_filter],
    pub fds: ChildFds,
}

fn cstring(s: &str, what: &str) -> Result<CString, SandboxError> {
    CString::new(s).map_err(|_| SandboxError::InvalidRun {
        reason: format!("{what} contains a NUL byte"),
    })
}

/// The clean environment: fixed defaults, then the caller's variables on top.
fn environment(extra: &[(String, String)]) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = [
        ("PATH", config::DEFAULT_PATH),
        ("HOME", config::WORKDIR),
        ("LANG", "C.UTF-8"),
        ("LC_ALL", "C.UTF-8"),
        ("TMPDIR", "/tmp"),
        ("USER", "sandbox"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (key, value) in extra {
        match env.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value.clone(),
            None => env.push((key.clone(), value.clone())),
        }
    }
    env
}

/// Signals a run may have queued at once (the host default is tens of thousands).
const RUN_SIGPENDING: u64 = 1024;
/// Bytes of POSIX message queues a run may create.
const RUN_MSGQUEUE_BYTES: u64 = 256 * 1024;

fn rlimits(limits: &Limits, with_cgroup: bool) -> Vec<(libc::c_int, libc::rlimit)> {
    let limit = |soft: u64, hard: u64| libc::rlimit {
        rlim_cur: soft,
        rlim_max: hard,
    };
    // RLIMIT_CPU is per process and in whole seconds: a backstop behind the cgroup's
    // whole-tree accounting, one second past the limit.
    let cpu_seconds = limits.cpu_time_ms.div_ceil(1000) + 1;
    let mut rlimits = vec![
        (
            libc::RLIMIT_CPU as libc::c_int,
            limit(cpu_seconds, cpu_seconds + 1),
        ),
        (
            libc::RLIMIT_FSIZE as libc::c_int,
            limit(limits.file_size_kib * 1024, limits.file_size_kib * 1024),
        ),
        (
            libc::RLIMIT_NOFILE as libc::c_int,
            limit(u64::from(limits.open_files), u64::from(limits.open_files)),
        ),
        (
            libc::RLIMIT_STACK as libc::c_int,
            limit(limits.stack_kib * 1024, limits.stack_kib * 1024),
        ),
        (libc::RLIMIT_CORE as libc::c_int, limit(0, 0)),
        // Kernel objects charged per user: a run's share is bounded here, and what it takes is
        // charged to its slot's uid, never to host root's (`spawn::as_owner`).
        (
            libc::RLIMIT_SIGPENDING as libc::c_int,
            limit(RUN_SIGPENDING, RUN_SIGPENDING),
        ),
        (
            libc::RLIMIT_MSGQUEUE as libc::c_int,
            limit(RUN_MSGQUEUE_BYTES, RUN_MSGQUEUE_BYTES),
        ),
        (
            libc::RLIMIT_NPROC as libc::c_int,
            limit(u64::from(limits.processes), u64::from(limits.processes)),
        ),
    ];
    if !with_cgroup {
        // Degraded: without a memory cgroup, cap each process's address space instead.
        rlimits.push((
            libc::RLIMIT_AS as libc::c_int,
            limit(limits.memory_bytes(), limits.memory_bytes()),
        ));
    }
    rlimits
}

pub(crate) fn build_plan(input: PlanInput<'_>) -> Result<ChildPlan, SandboxError> {
    let Some(program) = input.argv.first().filter(|p| !p.is_empty()) else {
        return Err(SandboxError::InvalidRun {
            reason: "no command given".into(),
        });
    };
    let env = environment(input.env);
    let mut strings = Vec::new();
    for arg in input.argv {
        strings.push(cstring(arg, "an argument")?);
    }
    let argc = strings.len();
    for (key, value) in &env {
        if key.is_empty() || key.contains('=') {
            return Err(SandboxError::InvalidRun {
                reason: format!("invalid environment variable name {key:?}"),
            });
        }
        strings.push(cstring(
            &format!("{key}={value}"),
            "an environment variable",
        )?);
    }
    let pointers = |range: std::ops::Range<usize>| {
        let mut ptrs: Vec<*const libc::c_char> =
            strings[range].iter().map(|s| s.as_ptr()).collect();
        ptrs.push(std::ptr::null());
        ptrs
    };
    let argv = pointers(0..argc);
    let envp = pointers(argc..strings.len());
    let exec_candidates = if program.contains('/') {
        vec![cstring(program, "the command")?]
    } else {
        let path = env
            .iter()
            .find(|(k, _)| k == "PATH")
            .map_or("", |(_, v)| v.as_str());
        path.split(':')
            .filter(|dir| !dir.is_empty())
            .map(|dir| cstring(&format!("{dir}/{program}"), "the command"))
            .collect::<Result<_, _>>()?
    };
    let spawn_err = |source| SandboxError::Spawn {
        step: "building the plan",
        source,
    };
    Ok(ChildPlan {
        root_dir: sys::cstring(&input.slot.root_dir()).map_err(spawn_err)?,
        ops: input.ops,
        hostname: cstring(config::HOSTNAME, "hostname")?,
        workdir: cstring(config::WORKDIR, "workdir")?,
        rlimits: rlimits(input.limits, input.with_cgroup),
        filter: input.filter.to_vec(),
        exec_candidates,
        argv,
        envp,
        _strings: strings,
        fds: input.fds,
        uid: config::INSIDE_UID,
        gid: config::INSIDE_UID,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_is_clean_and_caller_values_win() {
        let env = environment(&[
            ("HOME".into(), "/tmp".into()),
            ("GOCACHE".into(), "/tmp/go".into()),
        ]);
        let get = |k: &str| {
            env.iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("HOME"), Some("/tmp"));
        assert_eq!(get("GOCACHE"), Some("/tmp/go"));
        assert_eq!(get("PATH"), Some(config::DEFAULT_PATH));
        assert_eq!(env.len(), 7, "nothing of the host's environment is added");
    }

    #[test]
    fn address_space_is_capped_only_without_a_cgroup() {
        let has_as = |with_cgroup| {
            rlimits(&Limits::default(), with_cgroup)
                .iter()
                .any(|(r, _)| *r == libc::RLIMIT_AS as libc::c_int)
        };
        assert!(!has_as(true));
        assert!(has_as(false));
        let cpu = rlimits(
            &Limits {
                cpu_time_ms: 1500,
                ..Limits::default()
            },
            true,
        )[0]
        .1;
        assert_eq!((cpu.rlim_cur, cpu.rlim_max), (3, 4));
    }
}
