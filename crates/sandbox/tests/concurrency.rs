//! Many sandboxes at once from one process, as the worker pool runs them.

mod common;

use common::*;
use sandbox::{Limits, Verdict};
use std::collections::HashSet;

#[test]
fn sixteen_sandboxes_at_once_are_all_correct_and_leave_no_cgroup_or_dir_behind() {
    let sandbox = sandbox();
    let state = sandbox.config().state_dir.join("slots");
    let threads: Vec<_> = (0..16)
        .map(|i| {
            let sandbox = sandbox.clone();
            std::thread::spawn(move || {
                let script = format!("cat /proc/self/uid_map; echo run-{i} > /work/out; sleep 0.2; cat /work/out; ls /work");
                sh(&sandbox, &script, Limits::default())
            })
        })
        .collect();
    let outcomes: Vec<_> = threads
        .into_iter()
        .map(|t| t.join().expect("thread"))
        .collect();
    let mut uids = HashSet::new();
    for (i, outcome) in outcomes.iter().enumerate() {
        assert_verdict(outcome, Verdict::Ok);
        let out = stdout(outcome);
        assert!(
            out.ends_with(&format!("run-{i}\nout\n")),
            "run {i} saw another run's work dir: {out}"
        );
        uids.insert(host_uid(outcome));
    }
    assert_eq!(uids.len(), 16, "every concurrent run has its own host uid");

    let base = sandbox.config().uid_base;
    let slots: Vec<u32> = uids.iter().map(|uid| (uid - base) / 2).collect();
    let cgroup_dirs = slot_cgroup_dirs(&sandbox, &slots);
    assert!(
        cgroup_dirs.iter().all(|d| d.exists()),
        "slots keep prepared cgroups while the sandbox lives"
    );
    drop(sandbox);
    for slot in &slots {
        assert!(
            !state.join(format!("slot-{slot}")).exists(),
            "slot {slot} dir leaked"
        );
    }
    for dir in cgroup_dirs {
        assert!(!dir.exists(), "cgroup {} leaked", dir.display());
    }
    for uid in uids {
        assert!(host_processes_of(uid).is_empty());
    }
}

fn slot_cgroup_dirs(sandbox: &sandbox::Sandbox, slots: &[u32]) -> Vec<std::path::PathBuf> {
    let roots: Vec<std::path::PathBuf> = match sandbox.cgroup_mode() {
        sandbox::CgroupMode::V2 { own_dir } => vec![own_dir.clone()],
        sandbox::CgroupMode::V1 {
            memory,
            pids,
            cpuacct,
        } => vec![memory.clone(), pids.clone(), cpuacct.clone()],
        sandbox::CgroupMode::Unavailable { .. } => vec![],
    };
    roots
        .iter()
        .flat_map(|root| {
            slots
                .iter()
                .map(move |s| root.join("codecollab").join(format!("slot-{s}")))
        })
        .collect()
}

#[test]
fn a_lease_runs_several_commands_in_one_work_dir() {
    let sandbox = sandbox();
    let mut lease = sandbox.lease(16 * 1024).expect("lease");
    lease
        .workdir()
        .write_file("src/main.c", b"int main(void) { return 7; }\n")
        .expect("stage");
    let compile = lease
        .run(
            spec(
                &["gcc", "-o", "main", "src/main.c"],
                Limits {
                    cpu_time_ms: 10_000,
                    wall_time_ms: 20_000,
                    ..Limits::default()
                },
            ),
            &mut |_| {},
        )
        .expect("compile");
    assert_verdict(&compile, Verdict::Ok);
    let run = lease
        .run(spec(&["./main"], Limits::default()), &mut |_| {})
        .expect("run");
    assert_eq!(run.exit_code, Some(7));
    assert!(
        lease
            .workdir()
            .read_file("main", 10 << 20)
            .expect("artifact")
            .starts_with(b"\x7fELF")
    );
}

/// Regression: glibc's setresuid/setgroups broadcast to the parent's threads from inside the
/// cloned child and hung about one run in a few hundred when the supervisor had threads.
#[test]
fn regression_a_threaded_supervisor_never_hangs_a_child_in_glibc_setxid() {
    let sandbox = sandbox();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let sandbox = sandbox.clone();
            std::thread::spawn(move || {
                for _ in 0..25 {
                    let limits = Limits {
                        wall_time_ms: 5_000,
                        ..Limits::default()
                    };
                    let outcome = sandbox
                        .run(spec(&["/bin/true"], limits), &mut |_| {})
                        .expect("run");
                    assert_verdict(&outcome, Verdict::Ok);
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("no run hung or failed");
    }
}

/// Regression: the shared read-only tree outlived host updates: after a package upgrade it
/// still bound the deleted file (`/etc/ld.so.cache` after `apt`), because a bind shows the
/// inode it was made from. A path replaced on the host now gives a new tree, at start-up and
/// on the next look.
#[test]
fn the_read_only_tree_follows_a_host_file_replaced_by_an_upgrade() {
    let pid = std::process::id();
    let file = std::path::PathBuf::from(format!("/srv/codecollab-rootfs-test-{pid}.txt"));
    std::fs::create_dir_all("/srv").expect("/srv");
    std::fs::write(&file, "v1\n").expect("write");
    let config = sandbox::SandboxConfig {
        state_dir: format!("/run/codecollab-test-{pid}-rootfs").into(),
        uid_base: 1_900_000_000 + (pid % 100_000) * 64,
        extra_readonly_paths: vec![file.clone()],
        ..sandbox::SandboxConfig::default()
    };
    let read = |sandbox: &sandbox::Sandbox| {
        let outcome = sandbox
            .run(
                spec(&["cat", file.to_str().expect("utf8")], Limits::default()),
                &mut |_| {},
            )
            .expect("run");
        stdout(&outcome)
    };
    let sandbox = sandbox::Sandbox::new(config.clone()).expect("sandbox");
    assert_eq!(read(&sandbox), "v1\n");
    // What a package manager does: the new version renamed over the old path.
    let next = file.with_extension("new");
    std::fs::write(&next, "v2\n").expect("write");
    std::fs::rename(&next, &file).expect("rename");
    sandbox.refresh_rootfs().expect("refresh");
    assert_eq!(
        read(&sandbox),
        "v2\n",
        "the running process sees the new file"
    );
    drop(sandbox);
    let restarted = sandbox::Sandbox::new(config.clone()).expect("sandbox");
    assert_eq!(read(&restarted), "v2\n", "and so does the next start");
    drop(restarted);
    sandbox::Sandbox::destroy_state(config).expect("destroy");
    let _ = std::fs::remove_file(&file);
}
