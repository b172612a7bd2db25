//! Spawn-to-reap cost of a sandboxed run against a bare spawn, measured in one process.
//!
//! `cargo bench -p sandbox --bench spawn [-- RUNS]`: interleaves bare `Command` spawns with
//! sandboxed runs of the same program (so machine noise hits both alike), then runs the sandbox
//! from two threads at once. Prints medians, p90 and runs/s; BENCHMARKS.md records the output.

use sandbox::{Limits, RunSpec, Sandbox, SandboxConfig, Verdict};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn bare(argv: &[&str]) -> Duration {
    let start = Instant::now();
    let status = Command::new(argv[0])
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .expect("bare spawn");
    assert!(status.success());
    start.elapsed()
}

fn sandboxed(sandbox: &Sandbox, argv: &[&str]) -> Duration {
    let spec = RunSpec {
        argv: argv.iter().map(|s| s.to_string()).collect(),
        limits: Limits::default(),
        ..RunSpec::default()
    };
    let start = Instant::now();
    let outcome = sandbox.run(spec, &mut |_| {}).expect("sandboxed run");
    let elapsed = start.elapsed();
    assert_eq!(outcome.verdict(), Verdict::Ok, "{outcome:?}");
    elapsed
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort_unstable();
    samples[((samples.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let runs: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(200);
    let sandbox = Sandbox::new(SandboxConfig::default()).expect("sandbox (run as root)");
    println!(
        "cgroup: {}; {runs} runs per program, interleaved",
        sandbox.cgroup_mode().name()
    );
    println!(
        "{:<24} {:>12} {:>12} {:>12} {:>12} {:>10}",
        "program", "bare p50 ms", "sandbox p50", "overhead", "sandbox p90", "runs/s"
    );
    for argv in [&["/bin/true"][..], &["/usr/bin/python3", "-c", "pass"][..]] {
        // Warm-up: first cgroup attach, page cache, slot creation.
        for _ in 0..5 {
            bare(argv);
            sandboxed(&sandbox, argv);
        }
        let (mut plain, mut boxed) = (Vec::with_capacity(runs), Vec::with_capacity(runs));
        let started = Instant::now();
        for _ in 0..runs {
            plain.push(bare(argv));
            boxed.push(sandboxed(&sandbox, argv));
        }
        let _ = started;
        let total_boxed: Duration = boxed.iter().sum();
        let (bare_p50, boxed_p50) = (percentile(&mut plain, 0.5), percentile(&mut boxed, 0.5));
        println!(
            "{:<24} {:>12.2} {:>12.2} {:>+12.2} {:>12.2} {:>10.0}",
            argv.join(" "),
            ms(bare_p50),
            ms(boxed_p50),
            ms(boxed_p50) - ms(bare_p50),
            ms(percentile(&mut boxed, 0.9)),
            runs as f64 / total_boxed.as_secs_f64()
        );
    }
    for argv in [&["/bin/true"][..], &["/usr/bin/python3", "-c", "pass"][..]] {
        let started = Instant::now();
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let sandbox = sandbox.clone();
                let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
                std::thread::spawn(move || {
                    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
                    for _ in 0..runs / 2 {
                        sandboxed(&sandbox, &argv);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("thread");
        }
        let sandboxed_rate = (runs / 2 * 2) as f64 / started.elapsed().as_secs_f64();
        let started = Instant::now();
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
                std::thread::spawn(move || {
                    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
                    for _ in 0..runs / 2 {
                        bare(&argv);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("thread");
        }
        let bare_rate = (runs / 2 * 2) as f64 / started.elapsed().as_secs_f64();
        println!(
            "2 in parallel, {:<12} bare {:>8.0} runs/s, sandboxed {:>8.0} runs/s ({:.0}% of bare)",
            argv.join(" "),
            bare_rate,
            sandboxed_rate,
            100.0 * sandboxed_rate / bare_rate
        );
    }
}
