//! Every language of the catalogue, end to end through the engine and the real sandbox:
//! UTF-8 output, stdin, several files, compile errors with the compiler's line, runtime errors
//! and infinite loops. Each program is written the way a user of that language would.

mod common;

use common::engine;
use engine::{EngineError, RunInput, RunRequest, RunResult, SourceFile, Stage};
use model::Verdict;

fn files(files: &[(&str, &str)]) -> Vec<SourceFile> {
    files
        .iter()
        .map(|(name, content)| SourceFile {
            name: name.to_string(),
            content: content.to_string(),
        })
        .collect()
}

fn run(language: &str, sources: &[(&str, &str)], stdin: &str, cpu_ms: Option<u64>) -> RunResult {
    let engine = engine();
    let lang = engine.catalogue().get(language).expect("language").clone();
    let mut limits = engine.default_limits(&lang, Stage::Run);
    if let Some(cpu) = cpu_ms {
        limits.cpu_time_ms = cpu;
        limits.wall_time_ms = cpu * 3;
    }
    let request = RunRequest {
        language: language.into(),
        files: files(sources),
        entry: Some(sources[0].0.to_string()),
        stdin: RunInput::Bytes(stdin.as_bytes().to_vec()),
        run_limits: Some(limits),
        ..RunRequest::default()
    };
    engine
        .execute(request, &mut |_| {})
        .unwrap_or_else(|e| panic!("{language}: {e}"))
}

fn explain(result: &RunResult) -> String {
    format!(
        "verdict {:?}, exit {:?}, signal {:?}\nstdout: {}\nstderr: {}\ncompile: {:?}",
        result.verdict,
        result.exit_code,
        result.signal,
        result.stdout,
        result.stderr,
        result.compile
    )
}

const HELLO: &str = "héllo wörld ✓ 日本";

fn hello(language: &str, sources: &[(&str, &str)]) {
    let result = run(language, sources, "", None);
    assert_eq!(result.verdict, Verdict::Ok, "{}", explain(&result));
    assert_eq!(result.stdout.trim_end(), HELLO, "{}", explain(&result));
    assert_eq!(result.language.id, language);
    assert!(!result.language.version.is_empty());
}

fn sum(language: &str, sources: &[(&str, &str)]) {
    let result = run(language, sources, "3 4\n", None);
    assert_eq!(result.verdict, Verdict::Ok, "{}", explain(&result));
    assert_eq!(result.stdout.trim(), "7", "{}", explain(&result));
}

fn multi_file(language: &str, sources: &[(&str, &str)]) {
    let result = run(language, sources, "", None);
    assert_eq!(result.verdict, Verdict::Ok, "{}", explain(&result));
    assert_eq!(result.stdout.trim(), "from lib", "{}", explain(&result));
}

fn compile_error(language: &str, sources: &[(&str, &str)], line_marker: &str) {
    let result = run(language, sources, "", None);
    assert_eq!(
        result.verdict,
        Verdict::CompileError,
        "{}",
        explain(&result)
    );
    let compile = result.compile.as_ref().expect("compile stage");
    assert_eq!(compile.verdict, Verdict::CompileError);
    assert!(
        compile.output.contains(line_marker),
        "no {line_marker:?} in the compiler output:\n{}",
        compile.output
    );
}

fn runtime_error(language: &str, sources: &[(&str, &str)], stderr_marker: &str) {
    let result = run(language, sources, "", None);
    assert_eq!(
        result.verdict,
        Verdict::RuntimeError,
        "{}",
        explain(&result)
    );
    assert!(
        result.stderr.contains(stderr_marker),
        "no {stderr_marker:?} in stderr\n{}",
        explain(&result)
    );
}

fn infinite_loop(language: &str, sources: &[(&str, &str)]) {
    let result = run(language, sources, "", Some(1_500));
    assert_eq!(result.verdict, Verdict::TimeLimit, "{}", explain(&result));
    assert!(
        result.cpu_ms >= 1_500 || result.wall_ms >= 4_500,
        "{}",
        explain(&result)
    );
}

/// Regression: a cache hit must behave exactly like the miss that filled it. A marker file with
/// content of this process makes the first compile a miss (compilers ignore the file).
fn cache_hit_like_miss(language: &str, sources: &[(&str, &str)]) {
    let marker = format!("{}-{:?}", std::process::id(), std::time::SystemTime::now());
    let mut with_marker = sources.to_vec();
    with_marker.push(("cache-marker.txt", marker.as_str()));
    let miss = run(language, &with_marker, "", None);
    let hit = run(language, &with_marker, "", None);
    if let Some(compile) = &miss.compile {
        assert!(
            !compile.cached,
            "the first compile is a miss: {}",
            explain(&miss)
        );
        assert!(
            hit.compile.as_ref().is_some_and(|c| c.cached),
            "the second is a hit: {}",
            explain(&hit)
        );
    }
    assert_eq!(
        (
            &miss.verdict,
            &miss.stdout,
            &miss.stderr,
            miss.exit_code,
            miss.signal
        ),
        (
            &hit.verdict,
            &hit.stdout,
            &hit.stderr,
            hit.exit_code,
            hit.signal
        ),
        "miss: {}\nhit: {}",
        explain(&miss),
        explain(&hit)
    );
}

macro_rules! language_tests {
    ($module:ident, $id:literal, {
        hello: $hello:expr,
        sum: $sum:expr,
        multi: $multi:expr,
        $(compile_error: ($compile_error:expr, $marker:literal),)?
        runtime_error: ($runtime_error:expr, $stderr:literal),
        infinite: $infinite:expr $(,)?
    }) => {
        mod $module {
            use super::*;
            #[test]
            fn hello_world_round_trips_utf8() { hello($id, $hello) }
            #[test]
            fn numbers_read_from_stdin_are_summed() { sum($id, $sum) }
            #[test]
            fn a_program_of_several_files_runs() { multi_file($id, $multi) }
            $(
            #[test]
            fn a_compile_error_is_reported_with_the_compilers_line() { compile_error($id, $compile_error, $marker) }
            )?
            #[test]
            fn an_uncaught_error_is_a_runtime_error_with_its_message() { runtime_error($id, $runtime_error, $stderr) }
            #[test]
            fn an_infinite_loop_ends_in_time_limit() { infinite_loop($id, $infinite) }
            #[test]
            fn a_compile_cache_hit_behaves_exactly_like_the_miss() { cache_hit_like_miss($id, $multi) }
        }
    };
}

language_tests!(bash, "bash", {
    hello: &[("main.sh", "echo 'héllo wörld ✓ 日本'")],
    sum: &[("main.sh", "read a b\necho $((a + b))")],
    multi: &[("main.sh", ". ./lib.sh\ngreet"), ("lib.sh", "greet() { echo 'from lib'; }")],
    runtime_error: (&[("main.sh", "echo boom >&2\nexit 3")], "boom"),
    infinite: &[("main.sh", "while :; do :; done")],
});

language_tests!(javascript, "javascript", {
    hello: &[("main.js", "console.log('héllo wörld ✓ 日本');")],
    sum: &[("main.js", "const [a, b] = require('fs').readFileSync(0, 'utf8').trim().split(/\\s+/).map(Number);\nconsole.log(a + b);")],
    multi: &[("main.js", "const { greet } = require('./lib.js');\nconsole.log(greet());"), ("lib.js", "exports.greet = () => 'from lib';")],
    runtime_error: (&[("main.js", "throw new Error('boom');")], "Error: boom"),
    infinite: &[("main.js", "while (true) {}")],
});

language_tests!(typescript, "typescript", {
    hello: &[("main.ts", "const greeting: string = 'héllo wörld ✓ 日本';\nconsole.log(greeting);")],
    sum: &[("main.ts", "import * as fs from 'fs';\nconst [a, b] = fs.readFileSync(0, 'utf8').trim().split(/\\s+/).map(Number);\nconsole.log(a + b);")],
    multi: &[("main.ts", "import { greet } from './lib';\nconsole.log(greet());"), ("lib.ts", "export function greet(): string {\n  return 'from lib';\n}")],
    compile_error: (&[("main.ts", "const x: number = 1;\nconst y: string = x;\nconsole.log(y);")], "main.ts(2,"),
    runtime_error: (&[("main.ts", "throw new Error('boom');")], "Error: boom"),
    infinite: &[("main.ts", "while (true) {}")],
});

language_tests!(python, "python", {
    hello: &[("main.py", "print('héllo wörld ✓ 日本')")],
    sum: &[("main.py", "a, b = map(int, input().split())\nprint(a + b)")],
    multi: &[("main.py", "from lib import greet\nprint(greet())"), ("lib.py", "def greet():\n    return 'from lib'")],
    runtime_error: (&[("main.py", "raise ValueError('boom')")], "ValueError: boom"),
    infinite: &[("main.py", "while True:\n    pass")],
});

language_tests!(ruby, "ruby", {
    hello: &[("main.rb", "puts 'héllo wörld ✓ 日本'")],
    sum: &[("main.rb", "a, b = gets.split.map(&:to_i)\nputs a + b")],
    multi: &[("main.rb", "require_relative 'lib'\nputs greet"), ("lib.rb", "def greet\n  'from lib'\nend")],
    runtime_error: (&[("main.rb", "raise 'boom'")], "boom (RuntimeError)"),
    infinite: &[("main.rb", "loop {}")],
});

language_tests!(elixir, "elixir", {
    hello: &[("main.exs", "IO.puts(\"héllo wörld ✓ 日本\")")],
    sum: &[("main.exs", "[a, b] = IO.read(:stdio, :line) |> String.split() |> Enum.map(&String.to_integer/1)\nIO.puts(a + b)")],
    multi: &[("main.exs", "Code.require_file(\"lib.exs\", __DIR__)\nIO.puts(Lib.greet())"), ("lib.exs", "defmodule Lib do\n  def greet, do: \"from lib\"\nend")],
    runtime_error: (&[("main.exs", "raise \"boom\"")], "** (RuntimeError) boom"),
    infinite: &[("main.exs", "defmodule Spin do\n  def loop, do: loop()\nend\nSpin.loop()")],
});

language_tests!(go, "go", {
    hello: &[("main.go", "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"héllo wörld ✓ 日本\")\n}")],
    sum: &[("main.go", "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tvar a, b int\n\tfmt.Scan(&a, &b)\n\tfmt.Println(a + b)\n}")],
    multi: &[("main.go", "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(greet())\n}"), ("lib.go", "package main\n\nfunc greet() string {\n\treturn \"from lib\"\n}")],
    compile_error: (&[("main.go", "package main\n\nfunc main() {\n\tx := 1\n}")], "main.go:4:"),
    runtime_error: (&[("main.go", "package main\n\nfunc main() {\n\tpanic(\"boom\")\n}")], "panic: boom"),
    infinite: &[("main.go", "package main\n\nfunc main() {\n\tfor {\n\t}\n}")],
});

language_tests!(java, "java", {
    hello: &[("Main.java", "public class Main {\n    public static void main(String[] args) {\n        System.out.println(\"héllo wörld ✓ 日本\");\n    }\n}")],
    sum: &[("Main.java", "import java.util.Scanner;\n\npublic class Main {\n    public static void main(String[] args) {\n        Scanner in = new Scanner(System.in);\n        System.out.println(in.nextInt() + in.nextInt());\n    }\n}")],
    multi: &[("Main.java", "public class Main {\n    public static void main(String[] args) {\n        System.out.println(Greeter.greet());\n    }\n}"), ("Greeter.java", "public class Greeter {\n    static String greet() { return \"from lib\"; }\n}")],
    compile_error: (&[("Main.java", "public class Main {\n    public static void main(String[] args) {\n        int x = \"s\";\n    }\n}")], "Main.java:3: error"),
    runtime_error: (&[("Main.java", "public class Main {\n    public static void main(String[] args) {\n        throw new IllegalStateException(\"boom\");\n    }\n}")], "java.lang.IllegalStateException: boom"),
    infinite: &[("Main.java", "public class Main {\n    public static void main(String[] args) {\n        while (true) {}\n    }\n}")],
});

language_tests!(kotlin, "kotlin", {
    hello: &[("main.kt", "fun main() {\n    println(\"héllo wörld ✓ 日本\")\n}")],
    sum: &[("main.kt", "fun main() {\n    val (a, b) = readLine()!!.trim().split(\" \").map { it.toInt() }\n    println(a + b)\n}")],
    multi: &[("main.kt", "fun main() {\n    println(greet())\n}"), ("lib.kt", "fun greet() = \"from lib\"")],
    compile_error: (&[("main.kt", "fun main() {\n    val x: Int = \"s\"\n}")], "main.kt:2:"),
    runtime_error: (&[("main.kt", "fun main() {\n    throw IllegalStateException(\"boom\")\n}")], "java.lang.IllegalStateException: boom"),
    infinite: &[("main.kt", "fun main() {\n    while (true) {}\n}")],
});

language_tests!(scala, "scala", {
    hello: &[("Main.scala", "object Main {\n  def main(args: Array[String]): Unit = println(\"héllo wörld ✓ 日本\")\n}")],
    sum: &[("Main.scala", "object Main {\n  def main(args: Array[String]): Unit = {\n    val Array(a, b) = scala.io.StdIn.readLine().trim.split(\" \").map(_.toInt)\n    println(a + b)\n  }\n}")],
    multi: &[("Main.scala", "object Main {\n  def main(args: Array[String]): Unit = println(Lib.greet)\n}"), ("Lib.scala", "object Lib {\n  def greet: String = \"from lib\"\n}")],
    compile_error: (&[("Main.scala", "object Main {\n  def main(args: Array[String]): Unit = {\n    val x: Int = \"s\"\n  }\n}")], "Main.scala:3: error"),
    runtime_error: (&[("Main.scala", "object Main {\n  def main(args: Array[String]): Unit = throw new IllegalStateException(\"boom\")\n}")], "java.lang.IllegalStateException: boom"),
    infinite: &[("Main.scala", "object Main {\n  def main(args: Array[String]): Unit = while (true) {}\n}")],
});

language_tests!(csharp, "csharp", {
    hello: &[("Main.cs", "class Program {\n    static void Main() {\n        System.Console.WriteLine(\"héllo wörld ✓ 日本\");\n    }\n}")],
    sum: &[("Main.cs", "using System;\nclass Program {\n    static void Main() {\n        var parts = Console.ReadLine().Trim().Split(' ');\n        Console.WriteLine(int.Parse(parts[0]) + int.Parse(parts[1]));\n    }\n}")],
    multi: &[("Main.cs", "class Program {\n    static void Main() {\n        System.Console.WriteLine(Lib.Greet());\n    }\n}"), ("Lib.cs", "static class Lib {\n    public static string Greet() { return \"from lib\"; }\n}")],
    compile_error: (&[("Main.cs", "class Program {\n    static void Main() {\n        int x = \"s\";\n    }\n}")], "Main.cs(3,"),
    runtime_error: (&[("Main.cs", "class Program {\n    static void Main() {\n        throw new System.InvalidOperationException(\"boom\");\n    }\n}")], "System.InvalidOperationException: boom"),
    infinite: &[("Main.cs", "class Program {\n    static void Main() {\n        while (true) {}\n    }\n}")],
});

language_tests!(rust, "rust", {
    hello: &[("main.rs", "fn main() {\n    println!(\"héllo wörld ✓ 日本\");\n}")],
    sum: &[("main.rs", "use std::io::Read;\n\nfn main() {\n    let mut s = String::new();\n    std::io::stdin().read_to_string(&mut s).unwrap();\n    let n: Vec<i64> = s.split_whitespace().map(|x| x.parse().unwrap()).collect();\n    println!(\"{}\", n[0] + n[1]);\n}")],
    multi: &[("main.rs", "mod util;\n\nfn main() {\n    println!(\"{}\", util::greet());\n}"), ("util.rs", "pub fn greet() -> &'static str {\n    \"from lib\"\n}")],
    compile_error: (&[("main.rs", "fn main() {\n    let x: i32 = \"s\";\n}")], "main.rs:2:"),
    runtime_error: (&[("main.rs", "fn main() {\n    panic!(\"boom\");\n}")], "boom"),
    infinite: &[("main.rs", "fn main() {\n    loop {}\n}")],
});

language_tests!(c, "c", {
    hello: &[("main.c", "#include <stdio.h>\n\nint main(void) {\n    printf(\"héllo wörld ✓ 日本\\n\");\n    return 0;\n}")],
    sum: &[("main.c", "#include <stdio.h>\n\nint main(void) {\n    int a, b;\n    if (scanf(\"%d %d\", &a, &b) != 2) return 1;\n    printf(\"%d\\n\", a + b);\n    return 0;\n}")],
    multi: &[("main.c", "#include <stdio.h>\n#include \"util.h\"\n\nint main(void) {\n    puts(greet());\n    return 0;\n}"), ("util.h", "const char *greet(void);"), ("util.c", "#include \"util.h\"\n\nconst char *greet(void) { return \"from lib\"; }")],
    compile_error: (&[("main.c", "int main(void) {\n    int x = 1;\n    return x +;\n}")], "main.c:3:"),
    runtime_error: (&[("main.c", "#include <stdio.h>\n\nint main(void) {\n    fprintf(stderr, \"boom\\n\");\n    return 3;\n}")], "boom"),
    infinite: &[("main.c", "int main(void) {\n    volatile unsigned long n = 0;\n    for (;;) n++;\n}")],
});

language_tests!(cpp, "cpp", {
    hello: &[("main.cpp", "#include <iostream>\n\nint main() {\n    std::cout << \"héllo wörld ✓ 日本\" << std::endl;\n}")],
    sum: &[("main.cpp", "#include <iostream>\n\nint main() {\n    int a, b;\n    std::cin >> a >> b;\n    std::cout << a + b << std::endl;\n}")],
    multi: &[("main.cpp", "#include <iostream>\n#include \"util.hpp\"\n\nint main() {\n    std::cout << greet() << std::endl;\n}"), ("util.hpp", "#include <string>\nstd::string greet();"), ("util.cpp", "#include \"util.hpp\"\n\nstd::string greet() { return \"from lib\"; }")],
    compile_error: (&[("main.cpp", "int main() {\n    int x = 1;\n    return x +;\n}")], "main.cpp:3:"),
    runtime_error: (&[("main.cpp", "#include <stdexcept>\n\nint main() {\n    throw std::runtime_error(\"boom\");\n}")], "what():  boom"),
    infinite: &[("main.cpp", "int main() {\n    volatile unsigned long n = 0;\n    for (;;) n++;\n}")],
});

#[test]
fn swift_is_listed_and_honestly_unavailable_without_its_toolchain() {
    let engine = engine();
    let swift = engine
        .catalogue()
        .get("swift")
        .expect("swift in the catalogue")
        .clone();
    let toolchain = engine.toolchain(&swift).expect("detection runs");
    if std::path::Path::new("/usr/bin/swiftc").exists() {
        assert!(toolchain.available, "{toolchain:?}");
        return;
    }
    assert!(!toolchain.available);
    assert!(
        toolchain
            .reason
            .as_deref()
            .unwrap_or_default()
            .contains("toolchain not found"),
        "{toolchain:?}"
    );
    let request = RunRequest {
        language: "swift".into(),
        files: files(&[("main.swift", "print(1)")]),
        ..RunRequest::default()
    };
    let err = engine
        .execute(request, &mut |_| {})
        .expect_err("no toolchain");
    assert!(matches!(err, EngineError::Unavailable { .. }), "{err}");
}

/// Regression: a C program next to a file named like its compiled output (`main`) ran on the
/// miss (the compiler overwrote the file) and failed with "permission denied" on the identical
/// cached request (the overwritten file was not kept as an artifact).
#[test]
fn a_source_overwritten_by_the_compile_is_restored_from_the_cache_as_the_compiler_left_it() {
    let marker = format!("{:?}", std::time::SystemTime::now());
    let sources = [
        (
            "main.c",
            "#include <stdio.h>\nint main(void) { puts(\"compiled\"); return 0; }\n",
        ),
        ("main", marker.as_str()),
    ];
    let miss = run("c", &sources, "", None);
    let hit = run("c", &sources, "", None);
    assert_eq!(miss.verdict, Verdict::Ok, "{}", explain(&miss));
    assert_eq!(miss.stdout, "compiled\n");
    assert!(
        hit.compile.as_ref().is_some_and(|c| c.cached),
        "{}",
        explain(&hit)
    );
    assert_eq!(hit.verdict, Verdict::Ok, "{}", explain(&hit));
    assert_eq!(hit.stdout, "compiled\n");
}

#[test]
fn kotlins_own_jvm_warning_never_reaches_the_user() {
    let engine = engine();
    // A source of its own: a cached compile would print nothing at all.
    let source = format!(
        "// {}\nfun main() {{ println(\"hi\") }}\n",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    let request = RunRequest {
        language: "kotlin".into(),
        files: files(&[("main.kt", &source)]),
        ..RunRequest::default()
    };
    let mut streamed = Vec::new();
    let result = engine
        .execute(request, &mut |event| {
            if let engine::EngineEvent::Output { data, .. } = event {
                streamed.extend_from_slice(data);
            }
        })
        .expect("kotlin");
    assert_eq!(result.verdict, Verdict::Ok, "{}", explain(&result));
    let compile = result.compile.as_ref().expect("compiled");
    assert!(!compile.cached, "compiled anew");
    let streamed = String::from_utf8_lossy(&streamed);
    for (what, text) in [
        ("streamed", streamed.as_ref()),
        ("result", compile.output.as_str()),
    ] {
        assert!(!text.contains("-Xverify:none"), "{what}: {text}");
    }
}
