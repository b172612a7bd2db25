//! Hello world in every language: through the engine against the same toolchain run bare on
//! the host, interleaved in one process (`cargo bench -p engine --bench languages [-- RUNS]`).
//!
//! For compiled languages the engine's runs are compile-cache hits (the first run fills the
//! cache), so "engine" is stage + restore artifacts + sandboxed run, against the bare run alone.

use engine::{Engine, EngineConfig, RunRequest, SourceFile};
use model::Verdict;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PROGRAMS: &[(&str, &str, &str)] = &[
    ("bash", "main.sh", "echo hello"),
    ("javascript", "main.js", "console.log('hello')"),
    (
        "typescript",
        "main.ts",
        "const s: string = 'hello';\nconsole.log(s);",
    ),
    ("python", "main.py", "print('hello')"),
    ("ruby", "main.rb", "puts 'hello'"),
    ("elixir", "main.exs", "IO.puts(\"hello\")"),
    (
        "go",
        "main.go",
        "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello\") }",
    ),
    (
        "java",
        "Main.java",
        "public class Main { public static void main(String[] a) { System.out.println(\"hello\"); } }",
    ),
    ("kotlin", "main.kt", "fun main() { println(\"hello\") }"),
    (
        "scala",
        "Main.scala",
        "object Main { def main(a: Array[String]): Unit = println(\"hello\") }",
    ),
    (
        "csharp",
        "Main.cs",
        "class P { static void Main() { System.Console.WriteLine(\"hello\"); } }",
    ),
    ("rust", "main.rs", "fn main() { println!(\"hello\"); }"),
    (
        "c",
        "main.c",
        "#include <stdio.h>\nint main(void) { puts(\"hello\"); return 0; }",
    ),
    (
        "cpp",
        "main.cpp",
        "#include <iostream>\nint main() { std::cout << \"hello\" << std::endl; }",
    ),
];

/// The sandbox's clean environment, so that bare runs use the very same binaries.
fn bare_command(argv: &[String], dir: &std::path::Path, env: &[(String, String)]) -> Command {
    let mut command = Command::new(&argv[0]);
    command
        .args(&argv[1..])
        .current_dir(dir)
        .env_clear()
        .env(
            "PATH",
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        )
        .env("HOME", dir)
        .env("LANG", "C.UTF-8")
        .env("TMPDIR", "/tmp")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

fn median(samples: &mut [Duration]) -> f64 {
    samples.sort_unstable();
    samples[samples.len() / 2].as_secs_f64() * 1000.0
}

fn main() {
    let runs: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(15);
    let sandbox =
        sandbox::Sandbox::new(sandbox::SandboxConfig::default()).expect("sandbox (run as root)");
    let catalogue = languages::Catalogue::builtin().expect("catalogue");
    let cache_dir = std::env::temp_dir().join("codecollab-bench-compile-cache");
    // Start cold, so that the first run of each compiled language really compiles.
    let _ = std::fs::remove_dir_all(&cache_dir);
    let engine = Engine::new(
        sandbox,
        catalogue.clone(),
        EngineConfig {
            cache_dir,
            cache_max_bytes: 1 << 30,
        },
    )
    .expect("engine");
    println!("{runs} runs each, medians; engine = stage + (cached) compile + sandboxed run");
    println!(
        "{:<11} {:>10} {:>10} {:>10} {:>7} {:>14}",
        "language", "bare ms", "engine ms", "overhead", "ratio", "cold compile"
    );
    for (id, file, source) in PROGRAMS {
        let language = catalogue.get(id).expect("language");
        let dir = std::env::temp_dir().join(format!("codecollab-bench-{id}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join(file), source).expect("write");
        let env: Vec<(String, String)> = language
            .env
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if let Some(compile) = &language.compile {
            let status = bare_command(&language.expand(compile, file, &[file]), &dir, &env)
                .status()
                .expect("bare compile");
            assert!(status.success(), "{id}: bare compile failed");
        }
        let request = || RunRequest {
            language: id.to_string(),
            files: vec![SourceFile {
                name: file.to_string(),
                content: source.to_string(),
            }],
            ..RunRequest::default()
        };
        let first = engine.execute(request(), &mut |_| {}).expect("first run");
        assert_eq!(first.verdict, Verdict::Ok, "{id}: {first:?}");
        let first_compile = first
            .compile
            .map_or("-".to_string(), |c| format!("{} ms", c.wall_ms));
        let run_argv = language.expand(&language.run, file, &[file]);
        let (mut bare, mut boxed) = (Vec::with_capacity(runs), Vec::with_capacity(runs));
        for _ in 0..runs {
            let start = Instant::now();
            let status = bare_command(&run_argv, &dir, &env)
                .status()
                .expect("bare run");
            bare.push(start.elapsed());
            assert!(status.success(), "{id}: bare run failed");
            let start = Instant::now();
            let result = engine.execute(request(), &mut |_| {}).expect("engine run");
            boxed.push(start.elapsed());
            assert_eq!(result.verdict, Verdict::Ok, "{id}");
        }
        let (bare_ms, engine_ms) = (median(&mut bare), median(&mut boxed));
        println!(
            "{:<11} {:>10.1} {:>10.1} {:>+10.1} {:>7.2} {:>14}",
            id,
            bare_ms,
            engine_ms,
            engine_ms - bare_ms,
            engine_ms / bare_ms,
            first_compile
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
