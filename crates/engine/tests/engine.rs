//! The engine's own behaviour: the compile cache, request validation, events.

mod common;

use common::engine;
use engine::{EngineError, EngineEvent, RunRequest, SourceFile, Stage};
use model::Verdict;

fn request(language: &str, files: &[(&str, &str)]) -> RunRequest {
    RunRequest {
        language: language.into(),
        files: files
            .iter()
            .map(|(n, c)| SourceFile {
                name: n.to_string(),
                content: c.to_string(),
            })
            .collect(),
        ..RunRequest::default()
    }
}

/// A comment no earlier run had, so that the first compile is a cache miss.
fn nonce() -> String {
    format!("{}-{:?}", std::process::id(), std::time::SystemTime::now())
}

#[test]
fn a_second_identical_run_takes_the_compiled_artifacts_from_the_cache() {
    let engine = engine();
    let source = format!(
        "// {}\n#include <cstdio>\nint main() {{ std::puts(\"cached\"); }}\n",
        nonce()
    );
    let first = engine
        .execute(request("cpp", &[("main.cpp", &source)]), &mut |_| {})
        .expect("first");
    let second = engine
        .execute(request("cpp", &[("main.cpp", &source)]), &mut |_| {})
        .expect("second");
    assert_eq!(
        (first.verdict, second.verdict),
        (Verdict::Ok, Verdict::Ok),
        "{first:?}"
    );
    assert!(
        !first.compile.as_ref().expect("compile").cached,
        "the first compile runs the compiler"
    );
    assert!(
        second.compile.as_ref().expect("compile").cached,
        "the second is a cache hit"
    );
    assert_eq!(second.stdout, "cached\n");
    let changed = source.replace("cached", "changed");
    let third = engine
        .execute(request("cpp", &[("main.cpp", &changed)]), &mut |_| {})
        .expect("third");
    assert!(
        !third.compile.as_ref().expect("compile").cached,
        "different source, different key"
    );
    assert_eq!(third.stdout, "changed\n");
}

#[test]
fn a_cache_hit_restores_every_artifact_of_a_multi_class_java_program() {
    let engine = engine();
    let main = format!(
        "// {}\npublic class Main {{ public static void main(String[] a) {{ System.out.println(Other.name()); }} }}",
        nonce()
    );
    let files = [
        ("Main.java", main.as_str()),
        (
            "Other.java",
            "class Other { static String name() { return \"other\"; } }",
        ),
    ];
    let first = engine
        .execute(request("java", &files), &mut |_| {})
        .expect("first");
    let second = engine
        .execute(request("java", &files), &mut |_| {})
        .expect("second");
    assert_eq!(first.stdout, "other\n", "{first:?}");
    assert_eq!(second.stdout, "other\n", "{second:?}");
    assert!(second.compile.as_ref().expect("compile").cached);
}

#[test]
fn path_traversal_in_file_names_is_refused_before_anything_runs() {
    let engine = engine();
    for name in ["../escape.py", "/etc/passwd", "a/../../b.py"] {
        let err = engine
            .execute(request("python", &[(name, "print(1)")]), &mut |_| {})
            .expect_err("refused");
        assert!(
            matches!(err, EngineError::InvalidRequest { .. }),
            "{name}: {err}"
        );
    }
}

#[test]
fn nested_paths_are_allowed() {
    let engine = engine();
    let files = [
        ("main.py", "from pkg.util import greet\nprint(greet())"),
        ("pkg/util.py", "def greet():\n    return 'nested'"),
        ("pkg/__init__.py", ""),
    ];
    let result = engine
        .execute(request("python", &files), &mut |_| {})
        .expect("run");
    assert_eq!(result.stdout, "nested\n", "{result:?}");
}

#[test]
fn an_unknown_language_is_refused_with_the_valid_ids() {
    let engine = engine();
    let err = engine
        .execute(request("cobol", &[("main.cob", "x")]), &mut |_| {})
        .expect_err("unknown")
        .to_string();
    assert!(err.contains("unknown language \"cobol\""), "{err}");
    for id in ["python", "java", "kotlin", "csharp"] {
        assert!(err.contains(id), "{err} should list {id}");
    }
}

#[test]
fn events_tell_the_stages_in_order_with_the_output_between() {
    let engine = engine();
    let source = format!("// {}\nfn main() {{ println!(\"hi\"); }}", nonce());
    let mut seen = Vec::new();
    let result = engine
        .execute(
            request("rust", &[("main.rs", &source)]),
            &mut |event| match event {
                EngineEvent::StageStarted { stage } => seen.push(format!("start {stage:?}")),
                EngineEvent::StageFinished { stage, verdict, .. } => {
                    seen.push(format!("end {stage:?} {verdict}"))
                }
                EngineEvent::Output {
                    stage: Stage::Run,
                    data,
                    ..
                } => seen.push(format!("out {}", String::from_utf8_lossy(data).trim())),
                _ => {}
            },
        )
        .expect("run");
    assert_eq!(result.verdict, Verdict::Ok);
    assert_eq!(
        seen,
        [
            "start Compile",
            "end Compile ok",
            "start Run",
            "out hi",
            "end Run ok"
        ]
    );
    let info = &result.language;
    assert_eq!(
        (info.id.as_str(), info.build_tool.as_deref()),
        ("rust", Some("rustc"))
    );
}

#[test]
fn program_arguments_reach_the_program() {
    let engine = engine();
    let mut req = request("python", &[("main.py", "import sys\nprint(sys.argv[1:])")]);
    req.args = vec!["a b".into(), "--flag".into()];
    let result = engine.execute(req, &mut |_| {}).expect("run");
    assert_eq!(result.stdout, "['a b', '--flag']\n");
}

#[test]
fn a_jvm_program_may_use_most_of_its_memory_limit_for_its_heap() {
    // 600 MiB of a 1 GiB limit: more than the JVM's default heap (25 % of the limit) allows
    // where the JVM reads the limit from the cgroup (cgroup v2 hosts). On a cgroup v1 host it
    // sizes the heap from the host's memory and this passes with or without the setting.
    let source = "public class Main { public static void main(String[] a) { \
        byte[][] blocks = new byte[600][]; \
        for (int i = 0; i < blocks.length; i++) { blocks[i] = new byte[1 << 20]; blocks[i][0] = 1; } \
        System.out.println(\"held \" + blocks.length + \" MiB\"); } }";
    let result = engine()
        .execute(request("java", &[("Main.java", source)]), &mut |_| {})
        .expect("run");
    assert_eq!(result.verdict, Verdict::Ok, "{result:?}");
    assert_eq!(result.stdout, "held 600 MiB\n");
}
