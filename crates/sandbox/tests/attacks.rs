//! One test per attack class, on the real kernel: each asserts the verdict and that the host is
//! untouched afterwards. THREAT_MODEL.md maps each threat to its test here.

mod common;

use common::*;
use sandbox::{Limits, Verdict};
use std::io::Read;

#[test]
fn a_fork_bomb_is_capped_by_the_process_limit_and_leaves_nothing_behind() {
    let sandbox = sandbox();
    let limits = Limits {
        processes: 32,
        wall_time_ms: 3_000,
        ..Limits::default()
    };
    let bomb = "import os\nprint(open('/proc/self/uid_map').read(), flush=True)\nrefused = False\n\
                while True:\n    try:\n        os.fork()\n    except OSError:\n        if not refused:\n            print('EAGAIN', flush=True)\n            refused = True";
    let outcome = sandbox
        .run(spec(&["python3", "-c", bomb], limits), &mut |_| {})
        .expect("run");
    assert_verdict(&outcome, Verdict::TimeLimit);
    assert!(
        stdout(&outcome).contains("EAGAIN"),
        "fork must have been refused: {}",
        stdout(&outcome)
    );
    let uid = host_uid(&outcome);
    assert!(
        host_processes_of(uid).is_empty(),
        "bomb processes survived on the host"
    );
    let host_fork = std::process::Command::new("/bin/true")
        .status()
        .expect("the host can still fork");
    assert!(host_fork.success());
}

#[test]
fn a_memory_bomb_ends_in_memory_limit_at_the_limit() {
    let sandbox = sandbox();
    let limits = short(Limits {
        memory_kib: 64 * 1024,
        ..Limits::default()
    });
    let bomb = "a = []\nwhile True: a.append(bytearray(1 << 20))";
    let outcome = sandbox
        .run(spec(&["python3", "-c", bomb], limits), &mut |_| {})
        .expect("run");
    assert_verdict(&outcome, Verdict::MemoryLimit);
    assert_eq!(outcome.signal, Some(libc::SIGKILL));
    assert!(
        outcome.memory_kib <= 64 * 1024,
        "peak {} KiB above the limit",
        outcome.memory_kib
    );
    assert!(
        outcome.memory_kib >= 60 * 1024,
        "peak {} KiB: the limit was not reached",
        outcome.memory_kib
    );
}

#[test]
fn an_output_flood_is_cut_at_the_limit_and_flagged() {
    let sandbox = sandbox();
    let limits = short(Limits {
        output_kib: 64,
        ..Limits::default()
    });
    let outcome = sh(&sandbox, "yes", limits);
    assert_verdict(&outcome, Verdict::OutputLimit);
    assert!(outcome.stdout_truncated);
    assert!(!outcome.stderr_truncated);
    assert_eq!(outcome.stdout.len(), 64 * 1024, "exactly the limit is kept");
    assert!(outcome.stdout.starts_with(b"y\ny\n"));
}

#[test]
fn output_on_both_streams_counts_against_one_limit() {
    let sandbox = sandbox();
    let limits = short(Limits {
        output_kib: 8,
        ..Limits::default()
    });
    let outcome = sh(&sandbox, "yes out & yes err >&2", limits);
    assert_verdict(&outcome, Verdict::OutputLimit);
    assert_eq!(outcome.stdout.len() + outcome.stderr.len(), 8 * 1024);
}

#[test]
fn a_cpu_spin_ends_in_time_limit_with_the_cpu_time_used() {
    let sandbox = sandbox();
    let limits = Limits {
        cpu_time_ms: 500,
        wall_time_ms: 5_000,
        ..Limits::default()
    };
    let outcome = sh(&sandbox, "while :; do :; done", limits);
    assert_verdict(&outcome, Verdict::TimeLimit);
    assert!(
        outcome.cpu_ms >= 500,
        "cpu {} ms below the limit",
        outcome.cpu_ms
    );
    assert!(
        outcome.wall_ms < 5_000,
        "the CPU limit, not the wall limit, must end it"
    );
}

#[test]
fn a_cpu_spin_in_many_threads_is_limited_as_a_whole_tree() {
    let sandbox = sandbox();
    let limits = Limits {
        cpu_time_ms: 600,
        wall_time_ms: 5_000,
        ..Limits::default()
    };
    let outcome = sh(
        &sandbox,
        "for i in 1 2 3 4; do (while :; do :; done) & done; wait",
        limits,
    );
    assert_verdict(&outcome, Verdict::TimeLimit);
    assert!(outcome.cpu_ms >= 600, "cpu {} ms", outcome.cpu_ms);
}

#[test]
fn sleeping_forever_ends_in_time_limit_at_the_wall_limit() {
    let sandbox = sandbox();
    let limits = Limits {
        wall_time_ms: 700,
        ..Limits::default()
    };
    let outcome = sh(&sandbox, "sleep 1000", limits);
    assert_verdict(&outcome, Verdict::TimeLimit);
    assert!(outcome.wall_ms >= 700);
    assert!(
        outcome.cpu_ms < 500,
        "sleeping costs no CPU: {} ms",
        outcome.cpu_ms
    );
}

#[test]
fn the_network_is_unreachable_even_to_a_listening_host_port() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("addr").port();
    let sandbox = sandbox();
    let script = format!(
        "import socket\nprint(sorted(n for _, n in socket.if_nameindex()))\n\
         try:\n    socket.create_connection(('127.0.0.1', {port}), timeout=2)\n    print('CONNECTED')\n\
         except OSError as e:\n    print('refused', e.errno)"
    );
    let outcome = sandbox
        .run(
            spec(&["python3", "-c", &script], short(Limits::default())),
            &mut |_| {},
        )
        .expect("run");
    assert_verdict(&outcome, Verdict::Ok);
    let out = stdout(&outcome);
    assert!(
        out.starts_with("['lo']"),
        "only a loopback interface: {out}"
    );
    assert!(out.contains("refused"), "{out}");
    assert!(!out.contains("CONNECTED"));
    assert!(
        listener.accept().is_err(),
        "the host listener must not see a connection"
    );
}

#[test]
fn host_files_and_the_servers_environment_are_invisible() {
    let secret = HostFile::new("secret", "TOPSECRET");
    let sandbox = sandbox();
    let script = format!(
        "cat {} 2>&1; ls /root /home /var /run 2>&1; ls {} 2>&1; env; cat /proc/1/cmdline 2>&1 | tr -d '\\0' | sed s/^/init:/; echo done",
        secret.0.display(),
        sandbox.config().state_dir.display()
    );
    let outcome = sh(&sandbox, &script, Limits::default());
    let out = stdout(&outcome);
    assert!(!out.contains("TOPSECRET"), "{out}");
    assert!(out.contains("No such file or directory"), "{out}");
    assert!(out.contains("done"));
    assert!(
        !out.contains("CARGO"),
        "the host's environment leaked: {out}"
    );
    let init = out
        .lines()
        .find(|l| l.starts_with("init:"))
        .expect("init line");
    assert!(
        init.contains("No such file or directory"),
        "the supervisor's command line leaked: {init}"
    );
    let env_names: Vec<&str> = out
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, _)| k))
        .collect();
    for name in &env_names {
        assert!(
            [
                "PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER", "PWD", "SHLVL", "_"
            ]
            .contains(name),
            "unexpected variable {name} in {out}"
        );
    }
}

#[test]
fn toolchain_directories_are_read_only() {
    let sandbox = sandbox();
    let outcome = sh(
        &sandbox,
        "touch /usr/codecollab-evil; echo x > /etc/passwd; touch /evil; echo $?",
        Limits::default(),
    );
    let err = stderr(&outcome);
    assert!(err.contains("Read-only file system"), "{err}");
    assert!(
        !std::path::Path::new("/usr/codecollab-evil").exists(),
        "the host /usr was written"
    );
    assert!(!std::path::Path::new("/evil").exists());
    assert!(
        std::fs::read_to_string("/etc/passwd")
            .expect("host passwd")
            .contains("root:x:0:0")
    );
}

#[test]
fn kill_minus_one_inside_cannot_reach_host_processes() {
    let mut host = std::process::Command::new("sleep")
        .arg("30")
        .spawn()
        .expect("host sleep");
    let sandbox = sandbox();
    let outcome = sh(&sandbox, "kill -9 -1; echo survived", Limits::default());
    assert!(
        matches!(outcome.verdict(), Verdict::Ok | Verdict::RuntimeError),
        "{outcome:?}"
    );
    assert!(
        host.try_wait().expect("try_wait").is_none(),
        "a host process was killed from inside"
    );
    host.kill().expect("kill");
    let _ = host.wait();
}

#[test]
fn filling_tmp_stops_at_its_size() {
    let sandbox = sandbox();
    let limits = Limits {
        tmpfs_kib: 8 * 1024,
        ..Limits::default()
    };
    let outcome = sh(
        &sandbox,
        "dd if=/dev/zero of=/tmp/fill bs=1M count=64 2>&1; stat -c %s /tmp/fill",
        limits,
    );
    let out = stdout(&outcome);
    assert!(out.contains("No space left on device"), "{out}");
    let size: u64 = out
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .expect("size");
    assert!(
        size <= 8 * 1024 * 1024,
        "wrote {size} bytes into an 8 MiB /tmp"
    );
}

#[test]
fn filling_the_work_dir_stops_at_its_size() {
    let sandbox = sandbox();
    let mut lease = sandbox.lease(4 * 1024).expect("lease");
    let script = "dd if=/dev/zero of=/work/fill bs=1M count=64 2>&1; stat -c %s /work/fill";
    let outcome = lease
        .run(
            spec(&["/bin/sh", "-c", script], Limits::default()),
            &mut |_| {},
        )
        .expect("run");
    let out = stdout(&outcome);
    assert!(out.contains("No space left on device"), "{out}");
    let size: u64 = out
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .expect("size");
    assert!(
        size <= 4 * 1024 * 1024,
        "wrote {size} bytes into a 4 MiB work dir"
    );
}

#[test]
fn a_large_file_is_refused_by_the_file_size_limit() {
    let sandbox = sandbox();
    let limits = Limits {
        file_size_kib: 1024,
        ..Limits::default()
    };
    let outcome = sh(
        &sandbox,
        "exec dd if=/dev/zero of=/tmp/big bs=1M count=4",
        limits,
    );
    assert_verdict(&outcome, Verdict::RuntimeError);
    assert_eq!(
        outcome.signal,
        Some(libc::SIGXFSZ),
        "dd is killed by SIGXFSZ past RLIMIT_FSIZE"
    );
}

#[test]
fn vsock_sockets_are_refused() {
    let sandbox = sandbox();
    let script = "import socket\ntry:\n    socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)\n    print('OPEN')\nexcept OSError as e:\n    print('refused', e.errno)";
    let outcome = sandbox
        .run(
            spec(&["python3", "-c", script], Limits::default()),
            &mut |_| {},
        )
        .expect("run");
    assert_eq!(
        stdout(&outcome).trim(),
        format!("refused {}", libc::EAFNOSUPPORT)
    );
}

#[test]
fn an_abstract_unix_socket_of_one_sandbox_is_unreachable_from_another() {
    let sandbox = sandbox();
    let listener_sandbox = sandbox.clone();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let server = std::thread::spawn(move || {
        let script = "import socket, time\ns = socket.socket(socket.AF_UNIX)\ns.bind('\\0codecollab-test')\ns.listen()\nprint('ready', flush=True)\ntime.sleep(3)";
        let mut spec = spec(&["python3", "-c", script], Limits::default());
        spec.limits.wall_time_ms = 3_000;
        listener_sandbox
            .run(spec, &mut |event| {
                if let sandbox::Event::Output { data, .. } = event
                    && data.starts_with(b"ready")
                {
                    let _ = ready_tx.send(());
                }
            })
            .expect("listener run")
    });
    ready_rx
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("listener ready");
    let script = "import socket\ns = socket.socket(socket.AF_UNIX)\ntry:\n    s.connect('\\0codecollab-test')\n    print('CONNECTED')\nexcept OSError as e:\n    print('refused', e.errno)";
    let outcome = sandbox
        .run(
            spec(&["python3", "-c", script], Limits::default()),
            &mut |_| {},
        )
        .expect("run");
    assert_eq!(
        stdout(&outcome).trim(),
        format!("refused {}", libc::ECONNREFUSED)
    );
    let listener = server.join().expect("listener thread");
    assert_verdict(&listener, Verdict::TimeLimit);
}

#[test]
fn a_daemonized_double_forked_child_is_gone_after_the_run() {
    let sandbox = sandbox();
    let outcome = sh(
        &sandbox,
        "cat /proc/self/uid_map; (setsid sh -c 'sleep 300' > /dev/null 2>&1 &); (nohup sleep 300 > /dev/null 2>&1 &); echo started",
        Limits::default(),
    );
    assert_verdict(&outcome, Verdict::Ok);
    assert!(stdout(&outcome).contains("started"));
    let uid = host_uid(&outcome);
    assert!(
        host_processes_of(uid).is_empty(),
        "daemons survived the run"
    );
}

#[test]
fn symlinks_planted_in_the_work_dir_are_never_followed_by_the_host() {
    let victim = HostFile::new("victim", "must survive");
    let victim_dir = victim.0.parent().expect("dir").to_path_buf();
    let sandbox = sandbox();
    let mut lease = sandbox.lease(4 * 1024).expect("lease");
    let script = format!(
        "ln -s /etc/shadow /work/result.txt; ln -s /etc /work/etc; ln -s {} /work/victim; mkdir /work/d; ln -s ../result.txt /work/d/r",
        victim_dir.display()
    );
    let outcome = lease
        .run(
            spec(&["/bin/sh", "-c", &script], Limits::default()),
            &mut |_| {},
        )
        .expect("run");
    assert_verdict(&outcome, Verdict::Ok);
    let workdir = lease.workdir();
    for path in ["result.txt", "etc/passwd", "victim/file.txt", "d/r"] {
        assert!(
            workdir.read_file(path, 1 << 20).is_err(),
            "{path} was followed"
        );
    }
    assert!(
        workdir
            .write_file("victim/file.txt", b"overwritten")
            .is_err(),
        "write through a symlink"
    );
    drop(lease);
    assert_eq!(
        std::fs::read_to_string(&victim.0).expect("victim"),
        "must survive"
    );
    assert!(std::fs::read_to_string("/etc/shadow").is_ok());
}

#[test]
fn ptrace_mount_and_unshare_fail() {
    let sandbox = sandbox();
    let script = "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n\
                  print('ptrace', libc.ptrace(0, 0, 0, 0), ctypes.get_errno())\n\
                  print('mount', libc.mount(b'none', b'/tmp', b'tmpfs', 0, None), ctypes.get_errno())\n\
                  print('unshare', libc.unshare(0x10000000), ctypes.get_errno())\n\
                  print('chroot', libc.chroot(b'/tmp'), ctypes.get_errno())";
    let outcome = sandbox
        .run(
            spec(&["python3", "-c", script], Limits::default()),
            &mut |_| {},
        )
        .expect("run");
    assert_verdict(&outcome, Verdict::Ok);
    let eperm = libc::EPERM;
    assert_eq!(
        stdout(&outcome),
        format!("ptrace -1 {eperm}\nmount -1 {eperm}\nunshare -1 {eperm}\nchroot -1 {eperm}\n")
    );
    let tools = sh(
        &sandbox,
        "unshare -r true; echo unshare=$?; mount -t tmpfs none /tmp; echo mount=$?",
        Limits::default(),
    );
    assert!(stdout(&tools).contains("unshare=1"), "{}", stdout(&tools));
    assert!(!stdout(&tools).contains("mount=0"), "{}", stdout(&tools));
}

#[test]
fn setuid_binaries_grant_nothing() {
    let sandbox = sandbox();
    let outcome = sh(
        &sandbox,
        "grep -E '^(NoNewPrivs|CapEff|CapPrm|CapBnd|Seccomp):' /proc/self/status; su root -c 'id -u' 2>&1; echo su=$?",
        Limits::default(),
    );
    let out = stdout(&outcome);
    assert!(out.contains("NoNewPrivs:\t1"), "{out}");
    assert!(out.contains("CapEff:\t0000000000000000"), "{out}");
    assert!(out.contains("CapPrm:\t0000000000000000"), "{out}");
    assert!(out.contains("CapBnd:\t0000000000000000"), "{out}");
    assert!(out.contains("Seccomp:\t2"), "{out}");
    assert!(!out.contains("su=0"), "su succeeded: {out}");
    assert!(!out.lines().any(|l| l.trim() == "0"), "became root: {out}");
}

#[test]
fn the_program_runs_as_an_unprivileged_uid_mapped_to_a_non_root_host_uid() {
    let sandbox = sandbox();
    let outcome = sh(
        &sandbox,
        "id -u; id -G; cat /proc/self/uid_map /proc/self/gid_map",
        Limits::default(),
    );
    let out = stdout(&outcome);
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("1000"));
    assert_eq!(
        lines.next(),
        Some("1000"),
        "supplementary groups must be dropped"
    );
    let uid = host_uid(&outcome);
    assert!(uid >= sandbox.config().uid_base, "host uid {uid}");
    assert!(
        !out.lines()
            .any(|l| l.split_whitespace().nth(1) == Some("0")),
        "something maps to host root: {out}"
    );
}

#[test]
fn no_file_descriptor_of_the_supervisor_leaks_in() {
    let _open = std::fs::File::open("/etc/hostname").expect("an fd in the supervisor");
    let sandbox = sandbox();
    let outcome = sh(&sandbox, "ls /proc/self/fd", Limits::default());
    let mut fds: Vec<u32> = stdout(&outcome)
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect();
    fds.sort_unstable();
    // 0-2 are stdio; 3 is the directory `ls` itself opened.
    assert_eq!(fds, [0, 1, 2, 3], "{}", stdout(&outcome));
}

#[test]
fn a_missing_command_is_a_runtime_error_with_exit_127() {
    let sandbox = sandbox();
    let outcome = sandbox
        .run(
            spec(&["no-such-command-here"], Limits::default()),
            &mut |_| {},
        )
        .expect("run");
    assert_verdict(&outcome, Verdict::RuntimeError);
    assert_eq!(outcome.exit_code, Some(127));
    assert!(stderr(&outcome).contains("cannot execute no-such-command-here: command not found"));
}

#[test]
fn reading_host_devices_other_than_the_minimal_set_is_impossible() {
    let sandbox = sandbox();
    let outcome = sh(
        &sandbox,
        "ls /dev; cat /dev/vda 2>&1 | head -c 100; echo",
        Limits::default(),
    );
    let out = stdout(&outcome);
    let devices: Vec<&str> = out.lines().take_while(|l| !l.contains("vda")).collect();
    assert_eq!(
        devices,
        [
            "fd", "full", "null", "random", "shm", "stderr", "stdin", "stdout", "urandom", "zero"
        ]
    );
    let mut buf = [0u8; 1];
    assert!(
        std::fs::File::open("/dev/null")
            .expect("host null")
            .read(&mut buf)
            .is_ok()
    );
}

/// Children of this (test) process that exited and were never reaped.
fn zombie_children() -> Vec<String> {
    let me = std::process::id().to_string();
    std::fs::read_dir("/proc")
        .expect("/proc")
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter(|stat| {
            // pid (comm) state ppid ...: comm may hold spaces, so split after its last ')'.
            let fields: Vec<&str> = stat
                .rsplit_once(')')
                .map_or("", |(_, rest)| rest)
                .split_whitespace()
                .collect();
            fields.first() == Some(&"Z") && fields.get(1) == Some(&me.as_str())
        })
        .collect()
}

/// Regression: a program that parks its stdout/stderr pipes in an unreachable `SCM_RIGHTS`
/// cycle and exits 0 kept the pipes' write ends open with no process holding them; the
/// supervisor waited for an end of file that never came, reported "the sandbox did not end
/// after SIGKILL", left init a zombie in the server and leaked one task of the slot's process
/// count each time, until every run with a small process limit failed in that slot.
#[test]
fn scm_rights_cycle_hiding_the_output_pipes_ends_the_run_when_the_program_exits() {
    let program = r#"
import array, os, socket
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
def park(sock, fds):
    sock.sendmsg([b'x'], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', fds))])
print('hidden', flush=True)
park(a, [b.fileno(), 1, 2])
park(b, [a.fileno()])
os.close(1); os.close(2); a.close(); b.close()
os._exit(0)
"#;
    let sandbox = sandbox();
    let limits = Limits {
        processes: 8,
        ..Limits::default()
    };
    let mut lease = sandbox.lease(limits.workdir_kib).expect("lease");
    for attempt in 0..6 {
        let outcome = lease
            .run(spec(&["python3", "-c", program], limits), &mut |_| {})
            .unwrap_or_else(|e| panic!("attempt {attempt}: {e}"));
        assert_verdict(&outcome, Verdict::Ok);
        assert_eq!(stdout(&outcome), "hidden\n", "attempt {attempt}");
    }
    assert_eq!(
        zombie_children(),
        Vec::<String>::new(),
        "init reaped every time"
    );
    // The slot's process count is whole: a run that needs all but one of its 8 processes runs.
    let forks = lease
        .run(
            spec(
                &[
                    "/bin/sh",
                    "-c",
                    "for i in 1 2 3 4 5 6; do sleep 0.2 & done; wait; echo all",
                ],
                limits,
            ),
            &mut |_| {},
        )
        .expect("run");
    assert_eq!(stdout(&forks), "all\n", "{forks:?}");
    drop(lease);
    assert_eq!(sandbox.quarantined_slots(), 0);
}

/// One of each per-user kernel object, as JSON: 0 where it worked, else the errno.
const QUOTA_PROBE: &str = r#"
import ctypes, json, os, signal
libc = ctypes.CDLL(None, use_errno=True)
out = {}
fd = libc.inotify_init1(0)
out['inotify'] = ctypes.get_errno() if fd < 0 else 0
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGRTMIN])
# sigqueue, not kill: kill's signals are exempt from the limit, queued ones are not.
ok = libc.sigqueue(os.getpid(), signal.SIGRTMIN, ctypes.c_void_p(0)) == 0
out['sigpending'] = 0 if ok else ctypes.get_errno()
name = f'/codecollab-probe-{os.getpid()}'.encode()
q = libc.mq_open(name, os.O_CREAT | os.O_RDWR, 0o600, None)
out['mqueue'] = ctypes.get_errno() if q < 0 else 0
if q >= 0:
    libc.mq_unlink(name)
print(json.dumps(out), flush=True)
"#;

/// Takes every inotify instance, queued signal and message queue it can, says so, holds them.
const QUOTA_HOG: &str = r#"
import ctypes, json, os, signal, time
libc = ctypes.CDLL(None, use_errno=True)
got = {}
def take(name, attempt, most):
    n = 0
    while n < most:
        err = attempt(n)
        if err:
            got[name] = [n, err]
            return
        n += 1
    got[name] = [n, 0]
def inotify(n):
    return ctypes.get_errno() if libc.inotify_init1(0) < 0 else 0
def sigpending(n):
    ok = libc.sigqueue(os.getpid(), signal.SIGRTMIN, ctypes.c_void_p(0)) == 0
    return 0 if ok else ctypes.get_errno()
def mqueue(n):
    q = libc.mq_open(f'/hog-{n}'.encode(), os.O_CREAT | os.O_RDWR, 0o600, None)
    return ctypes.get_errno() if q < 0 else 0
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGRTMIN])
take('inotify', inotify, 10_000)
take('sigpending', sigpending, 200_000)
take('mqueue', mqueue, 1_000)
print(json.dumps(got), flush=True)
print('exhausted', flush=True)
time.sleep(3)
"#;

fn probe_json(text: &str) -> serde_json::Value {
    serde_json::from_str(text.lines().next().unwrap_or_default())
        .unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Regression: the user namespace was created by root, so every run's inotify instances,
/// queued signals and message queues were charged to host root: one program could leave the
/// server (and every other run) without them. Each run now draws on its own slot's uid.
#[test]
fn per_user_kernel_quotas_a_run_that_exhausts_them_leaves_host_root_and_a_neighbour_untouched() {
    let sandbox = sandbox();
    let (exhausted, hogging) = std::sync::mpsc::channel();
    let hog = {
        let sandbox = sandbox.clone();
        std::thread::spawn(move || {
            let limits = Limits {
                wall_time_ms: 30_000,
                ..Limits::default()
            };
            let mut seen = String::new();
            sandbox
                .run(spec(&["python3", "-c", QUOTA_HOG], limits), &mut |event| {
                    if let sandbox::Event::Output { data, .. } = event {
                        seen.push_str(&String::from_utf8_lossy(data));
                        if seen.contains("exhausted") {
                            let _ = exhausted.send(());
                        }
                    }
                })
                .expect("hog run")
        })
    };
    hogging
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the hog took everything it could");
    // Host root (as the server is) while the hog holds everything it took.
    let host = std::process::Command::new("python3")
        .args(["-c", QUOTA_PROBE])
        .output()
        .expect("host probe");
    let host = probe_json(&String::from_utf8_lossy(&host.stdout));
    // A neighbour run in another slot at the same time.
    let neighbour = sandbox
        .run(
            spec(&["python3", "-c", QUOTA_PROBE], Limits::default()),
            &mut |_| {},
        )
        .expect("neighbour run");
    let hog = hog.join().expect("hog thread");
    assert_verdict(&hog, Verdict::Ok);
    let took = probe_json(&stdout(&hog));
    let expect_untouched = serde_json::json!({"inotify": 0, "sigpending": 0, "mqueue": 0});
    assert_eq!(
        host, expect_untouched,
        "host root after the hog took {took}"
    );
    assert_eq!(
        probe_json(&stdout(&neighbour)),
        expect_untouched,
        "a neighbour run after the hog took {took}"
    );
    // The hog was refused by its own limits: EMFILE for inotify instances (the kernel's 128
    // per user, now its slot's) and message queues, EAGAIN for queued signals.
    assert_eq!(took["inotify"][1], libc::EMFILE, "{took}");
    assert_eq!(took["sigpending"][1], libc::EAGAIN, "{took}");
    assert!(
        took["sigpending"][0].as_u64().is_some_and(|n| n <= 1024),
        "{took}"
    );
    assert_eq!(took["mqueue"][1], libc::EMFILE, "{took}");
}

/// Regression: the work dir was 0755 and staged files 0644 under traversable directories, so
/// any host account (here `nobody`) could read a live run's source and output by guessing the
/// slot's path.
#[test]
fn host_users_cannot_read_a_live_run_s_work_dir() {
    let sandbox = sandbox();
    let mut lease = sandbox.lease(Limits::default().workdir_kib).expect("lease");
    lease
        .workdir()
        .write_file("src/secret.py", b"TOKEN = 'staged secret'\n")
        .expect("stage");
    let dir = lease.workdir().path().to_path_buf();
    let (ready, running) = std::sync::mpsc::channel();
    let run = std::thread::spawn(move || {
        let script = "echo 'written secret' > out.txt; echo ready; sleep 2";
        let mut told = false;
        lease
            .run(
                spec(&["/bin/sh", "-c", script], Limits::default()),
                &mut |event| {
                    if let sandbox::Event::Output { .. } = event
                        && !told
                    {
                        told = true;
                        let _ = ready.send(());
                    }
                },
            )
            .expect("run")
    });
    running
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("the run is live");
    let as_nobody = |args: &[&str]| {
        std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .args(args)
            .output()
            .expect("setpriv")
    };
    let targets = [dir.join("src/secret.py"), dir.join("out.txt")];
    assert!(targets.iter().all(|t| t.exists()), "root sees the files");
    for target in &targets {
        let read = as_nobody(&["cat", target.to_str().expect("utf8")]);
        assert!(!read.status.success(), "nobody read {}", target.display());
        assert!(
            !String::from_utf8_lossy(&read.stdout).contains("secret"),
            "{read:?}"
        );
    }
    let list = as_nobody(&["ls", dir.to_str().expect("utf8")]);
    assert!(
        !list.status.success(),
        "nobody listed the work dir: {list:?}"
    );
    let outcome = run.join().expect("run thread");
    assert_verdict(&outcome, Verdict::Ok);
}

/// Regression: the host's boot command line was readable, `pidfd_open(1)` found init despite
/// `hidepid`, and `modify_ldt` was allowed.
#[test]
fn host_information_proc_cmdline_is_empty_and_pidfd_open_and_modify_ldt_are_refused() {
    let program = r#"
import ctypes, errno, os
libc = ctypes.CDLL(None, use_errno=True)
print('cmdline', len(open('/proc/cmdline', 'rb').read()))
def refused(nr, *args):
    r = libc.syscall(nr, *args)
    return 'refused' if r == -1 and ctypes.get_errno() == errno.EPERM else f'allowed {r}'
print('pidfd_open', refused(434, 1, 0))
buf = ctypes.create_string_buffer(64)
print('modify_ldt', refused(154, 0, buf, 64))
"#;
    let outcome = sandbox()
        .run(
            spec(&["python3", "-c", program], Limits::default()),
            &mut |_| {},
        )
        .expect("run");
    assert_verdict(&outcome, Verdict::Ok);
    assert_eq!(
        stdout(&outcome),
        "cmdline 0\npidfd_open refused\nmodify_ldt refused\n",
        "{}",
        stderr(&outcome)
    );
    assert!(
        !std::fs::read("/proc/cmdline").expect("host").is_empty(),
        "the host's own is untouched"
    );
}
