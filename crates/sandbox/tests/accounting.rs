//! Honest accounting: what the sandbox reports matches what the program did.

mod common;

use common::*;
use sandbox::{DEFAULT_STDIN_CAPACITY, FeedError, Limits, Stdin, StdinFeed, Stream, Verdict};

#[test]
fn touching_200_mib_reports_200_mib_within_ten_percent() {
    let sandbox = sandbox();
    let limits = Limits {
        memory_kib: 512 * 1024,
        ..Limits::default()
    };
    let program = "a = bytearray(200 << 20)\nfor i in range(0, len(a), 4096): a[i] = 1";
    let outcome = sandbox
        .run(spec(&["python3", "-c", program], limits), &mut |_| {})
        .expect("run");
    assert_verdict(&outcome, Verdict::Ok);
    let expected = 200 * 1024;
    let error = outcome.memory_kib.abs_diff(expected) as f64 / expected as f64;
    assert!(
        error <= 0.10,
        "reported {} KiB for 200 MiB ({:.1}% off)",
        outcome.memory_kib,
        error * 100.0
    );
}

#[test]
fn a_one_second_busy_loop_reports_one_second_of_cpu_within_ten_percent() {
    let sandbox = sandbox();
    let program =
        "import time\nend = time.process_time() + 1.0\nwhile time.process_time() < end: pass";
    let outcome = sandbox
        .run(
            spec(&["python3", "-c", program], Limits::default()),
            &mut |_| {},
        )
        .expect("run");
    assert_verdict(&outcome, Verdict::Ok);
    let error = outcome.cpu_ms.abs_diff(1000) as f64 / 1000.0;
    assert!(
        error <= 0.10,
        "reported {} ms of CPU for a 1 s loop",
        outcome.cpu_ms
    );
    assert!(
        outcome.wall_ms >= outcome.cpu_ms.saturating_sub(50),
        "one thread cannot use more CPU than wall time"
    );
}

#[test]
fn cpu_of_child_processes_is_counted() {
    let sandbox = sandbox();
    let child =
        "import time\nend = time.process_time() + 0.5\nwhile time.process_time() < end: pass";
    let script = format!("python3 -c '{child}' & python3 -c '{child}' & wait");
    let outcome = sh(&sandbox, &script, Limits::default());
    assert_verdict(&outcome, Verdict::Ok);
    assert!(
        outcome.cpu_ms >= 900,
        "two children of 0.5 s each reported {} ms",
        outcome.cpu_ms
    );
}

#[test]
fn exit_codes_and_signals_are_reported_as_they_happened() {
    let sandbox = sandbox();
    let exited = sh(&sandbox, "exit 42", Limits::default());
    assert_verdict(&exited, Verdict::RuntimeError);
    assert_eq!((exited.exit_code, exited.signal), (Some(42), None));
    let killed = sandbox
        .run(
            spec(
                &[
                    "python3",
                    "-c",
                    "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)",
                ],
                Limits::default(),
            ),
            &mut |_| {},
        )
        .expect("run");
    assert_verdict(&killed, Verdict::RuntimeError);
    assert_eq!(
        (killed.exit_code, killed.signal),
        (None, Some(libc::SIGSEGV))
    );
    let aborted = sandbox
        .run(
            spec(
                &["python3", "-c", "import os; os.abort()"],
                Limits::default(),
            ),
            &mut |_| {},
        )
        .expect("run");
    assert_eq!(
        aborted.signal,
        Some(libc::SIGABRT),
        "abort must not be swallowed as by a pid 1"
    );
}

#[test]
fn output_arrives_as_it_is_written_and_streams_stay_apart() {
    let sandbox = sandbox();
    let mut events = Vec::new();
    let script = "echo first; sleep 0.3; echo oops >&2; sleep 0.3; echo last";
    let outcome = sandbox
        .run(
            spec(&["/bin/sh", "-c", script], Limits::default()),
            &mut collect_events(&mut events),
        )
        .expect("run");
    assert_verdict(&outcome, Verdict::Ok);
    let chunks: Vec<(Stream, &[u8])> = events.iter().map(|(s, _, d)| (*s, d.as_slice())).collect();
    assert_eq!(
        chunks,
        [
            (Stream::Stdout, &b"first\n"[..]),
            (Stream::Stderr, b"oops\n"),
            (Stream::Stdout, b"last\n")
        ]
    );
    assert!(
        events[0].1 < events[1].1 && events[1].1 < events[2].1,
        "chunks are delivered in order, as written"
    );
    assert_eq!(outcome.stdout, b"first\nlast\n");
    assert_eq!(outcome.stderr, b"oops\n");
}

#[test]
fn stdin_bytes_are_fed_to_the_program() {
    let sandbox = sandbox();
    let outcome = sh_stdin(&sandbox, "read a b; echo $((a + b))", b"2 40\n");
    assert_eq!(stdout(&outcome), "42\n");
}

#[test]
fn an_interactive_program_is_answered_while_it_runs() {
    let sandbox = sandbox();
    let feed = StdinFeed::new(DEFAULT_STDIN_CAPACITY).expect("feed");
    let mut spec = spec(
        &[
            "python3",
            "-c",
            "name = input('name? ')\nprint('hello', name)\nprint('then', input())",
        ],
        Limits::default(),
    );
    spec.stdin = Stdin::Live(feed.clone());
    let mut answered = false;
    let outcome = sandbox
        .run(spec, &mut |event| {
            if let sandbox::Event::Output { data, .. } = event
                && data.starts_with(b"name? ")
                && !answered
            {
                answered = true;
                feed.push("Zoë\n".as_bytes()).expect("answer");
                feed.push(b"end").expect("more");
                feed.close();
            }
        })
        .expect("run");
    assert_verdict(&outcome, Verdict::Ok);
    assert_eq!(stdout(&outcome), "name? hello Zoë\nthen end\n");
    assert_eq!(
        feed.push(b"late"),
        Err(FeedError::Closed),
        "a finished run takes no input"
    );
}

/// Regression: stdin was written with a blocking `write_all` by the server, under the lock the
/// supervisor's event callback also takes; past the pipe's 64 KiB a program that never reads
/// hung the supervisor (no wall limit, no cancel, the worker gone for good).
#[test]
fn stdin_deadlock_a_program_that_never_reads_2_mib_still_ends_at_its_wall_limit() {
    let sandbox = sandbox();
    let feed = StdinFeed::new(DEFAULT_STDIN_CAPACITY).expect("feed");
    let limits = Limits {
        wall_time_ms: 1_500,
        ..Limits::default()
    };
    let mut spec = spec(&["sleep", "60"], limits);
    spec.stdin = Stdin::Live(feed.clone());
    let writer = std::thread::spawn(move || {
        let chunk = vec![b'x'; 64 * 1024];
        let (mut accepted, mut refused) = (0usize, 0usize);
        for _ in 0..32 {
            match feed.push_timeout(&chunk, std::time::Duration::from_millis(50)) {
                Ok(()) => accepted += chunk.len(),
                Err(FeedError::Full { .. }) => refused += 1,
                Err(FeedError::Closed) => break,
            }
        }
        (accepted, refused, feed)
    });
    let mut events = 0;
    let outcome = sandbox.run(spec, &mut |_| events += 1).expect("run");
    assert_verdict(&outcome, Verdict::TimeLimit);
    assert!(
        (1_500..10_000).contains(&outcome.wall_ms),
        "ended at its wall limit: {outcome:?}"
    );
    let (accepted, refused, feed) = writer.join().expect("writer");
    assert_eq!(
        accepted + refused * 64 * 1024,
        2 << 20,
        "every push answered"
    );
    assert!(refused > 0, "past the bound a push is refused");
    assert!(
        accepted <= DEFAULT_STDIN_CAPACITY + 64 * 1024,
        "no more taken than the bound and the pipe hold: {accepted}"
    );
    assert_eq!(feed.push(b"x"), Err(FeedError::Closed));
    // The slot is fine: the next run runs.
    let next = sandbox
        .run(
            self::spec(&["echo", "next"], Limits::default()),
            &mut |_| {},
        )
        .expect("next run");
    assert_eq!(stdout(&next), "next\n");
}

#[test]
fn live_stats_are_sampled_during_a_long_run() {
    let sandbox = sandbox();
    let mut samples = Vec::new();
    let program = "import time\na = bytearray(50 << 20)\nend = time.time() + 0.6\nwhile time.time() < end: pass";
    let outcome = sandbox
        .run(
            spec(&["python3", "-c", program], Limits::default()),
            &mut |event| {
                if let sandbox::Event::Stats {
                    cpu_ms, memory_kib, ..
                } = event
                {
                    samples.push((cpu_ms, memory_kib));
                }
            },
        )
        .expect("run");
    assert_verdict(&outcome, Verdict::Ok);
    assert!(
        samples.len() >= 3,
        "only {} samples in 0.6 s",
        samples.len()
    );
    assert!(
        samples.windows(2).all(|w| w[0].0 <= w[1].0),
        "CPU never goes backwards: {samples:?}"
    );
    assert!(
        samples.iter().any(|(_, mem)| *mem >= 50 * 1024),
        "the 50 MiB buffer shows: {samples:?}"
    );
}

#[test]
fn a_run_stops_promptly_when_its_cancel_flag_is_set() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let sandbox = sandbox();
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    let setter = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(300));
        flag.store(true, Ordering::Relaxed);
    });
    let mut spec = spec(
        &["/bin/sh", "-c", "echo before; sleep 30"],
        Limits {
            wall_time_ms: 60_000,
            ..Limits::default()
        },
    );
    spec.cancel = Some(cancel);
    let outcome = sandbox.run(spec, &mut |_| {}).expect("run");
    setter.join().expect("setter");
    assert!(outcome.cancelled, "{outcome:?}");
    assert_verdict(&outcome, Verdict::RuntimeError);
    assert_eq!(outcome.signal, Some(libc::SIGKILL));
    assert_eq!(stdout(&outcome), "before\n");
    assert!(outcome.wall_ms < 5_000, "stopped at {} ms", outcome.wall_ms);
}

/// Regression: a program resting at 98 % of its memory limit, killed at its wall limit, was
/// judged `memory_limit` by the thrash heuristic, which looked only at the level.
#[test]
fn verdicts_a_program_sleeping_at_98_percent_of_its_memory_is_a_time_limit() {
    let sandbox = sandbox();
    let limits = Limits {
        memory_kib: 64 * 1024,
        wall_time_ms: 2_000,
        ..Limits::default()
    };
    let program = "a = bytearray(60 << 20)\nfor i in range(0, len(a), 4096): a[i] = 1\n\
                   import time\ntime.sleep(30)";
    let outcome = sandbox
        .run(spec(&["python3", "-c", program], limits), &mut |_| {})
        .expect("run");
    assert!(
        outcome.memory_kib * 100 >= 60 * 1024 * 95,
        "the program did hold its memory: {outcome:?}"
    );
    assert_verdict(&outcome, Verdict::TimeLimit);
}

/// Regression: a program that sends itself SIGXCPU after a millisecond of CPU was judged
/// `time_limit`; only our own kill or the kernel's backstop past the CPU limit is one.
#[test]
fn verdicts_a_self_sent_sigxcpu_is_a_runtime_error_not_a_time_limit() {
    let sandbox = sandbox();
    let program = "import os, signal\nos.kill(os.getpid(), signal.SIGXCPU)";
    let outcome = sandbox
        .run(
            spec(&["python3", "-c", program], Limits::default()),
            &mut |_| {},
        )
        .expect("run");
    assert_eq!(outcome.signal, Some(libc::SIGXCPU), "{outcome:?}");
    assert_verdict(&outcome, Verdict::RuntimeError);
}
