//! What the web UI stands on: its pages and files served by the binary itself, and shared
//! snippets — over a real socket against a real server.

mod common;

use common::*;
use serde_json::json;

fn raw_get(server: &TestServer, path: &str, gzip: bool) -> ureq::Response {
    let mut request = agent().get(&format!("{}{path}", server.base));
    if gzip {
        request = request.set("accept-encoding", "gzip");
    }
    match request.call() {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("transport error: {e}"),
    }
}

/// The built UI in the source tree (the binary embeds it when it is built after it).
fn built_ui() -> Option<String> {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../web/dist/index.html"
    ))
    .ok()
}

#[test]
fn pages_are_the_ui_with_a_strict_content_security_policy() {
    let server = start(server::ServerConfig::default());
    let home = raw_get(&server, "/", false);
    assert_eq!(home.status(), 200);
    assert!(home.content_type().starts_with("text/html"));
    let csp = home
        .header("content-security-policy")
        .expect("a CSP")
        .to_string();
    assert!(
        csp.contains("default-src 'self'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert_eq!(home.header("x-frame-options"), Some("DENY"));
    let page = home.into_string().expect("html");
    // A shared link's page is the same document: the UI routes it itself.
    let shared = raw_get(&server, "/s/AbCdEfGhIj", false);
    assert_eq!(shared.status(), 200);
    assert_eq!(shared.into_string().expect("html"), page);
    match built_ui() {
        Some(index) => assert_eq!(page, index, "the embedded page is the built one"),
        None => assert!(page.contains("was not built"), "{page}"),
    }
}

#[test]
fn the_ui_s_scripts_are_served_compressed_and_cached_and_a_missing_one_is_a_404() {
    let Some(index) = built_ui() else {
        // Nothing to serve: the not-built page above covers this build (scripts/test.sh
        // builds the UI first, so CI always takes the other branch).
        eprintln!("web/dist is not built; skipping the asset checks");
        return;
    };
    let server = start(server::ServerConfig::default());
    let script = index
        .split('"')
        .find(|part| part.starts_with("/assets/") && part.ends_with(".js"))
        .expect("index.html loads a script from /assets/");
    let zipped = raw_get(&server, script, true);
    assert_eq!(zipped.status(), 200);
    assert_eq!(zipped.header("content-encoding"), Some("gzip"));
    assert!(
        zipped
            .header("cache-control")
            .unwrap_or_default()
            .contains("immutable")
    );
    assert!(zipped.content_type().contains("javascript"));
    let mut gz = Vec::new();
    std::io::Read::read_to_end(&mut zipped.into_reader(), &mut gz).expect("body");
    let plain = raw_get(&server, script, false);
    assert_eq!(plain.header("content-encoding"), None);
    let plain = plain.into_string().expect("script");
    assert!(
        gz.len() < plain.len() / 2,
        "{} vs {}",
        gz.len(),
        plain.len()
    );
    assert_eq!(
        raw_get(&server, "/assets/missing-0000.js", false).status(),
        404
    );
}

#[test]
fn unknown_api_routes_and_methods_are_json_404s() {
    let server = start(server::ServerConfig::default());
    let (status, body) = get(&server, "/api/v1/nothing");
    assert_eq!(status, 404);
    assert_eq!(body["code"], "not_found", "{body}");
    let (status, body) = post(&server, "/", &json!({}));
    assert_eq!(status, 404);
    assert_eq!(body["code"], "not_found", "{body}");
}

#[test]
fn a_shared_snippet_opens_for_anyone_and_runs_as_saved() {
    let server = start(server::ServerConfig::default());
    let snippet = json!({
        "language": "python",
        "files": [
            {"name": "main.py", "content": "import util\nprint(util.greet(input()))\n"},
            {"name": "util.py", "content": "def greet(n):\n    return 'hi ' + n\n"}
        ],
        "entry": "main.py",
        "stdin": "ada\n"
    });
    let (status, saved) = post(&server, "/api/v1/snippets", &snippet);
    assert_eq!(status, 201, "{saved}");
    let id = saved["id"].as_str().expect("id");
    assert_eq!(id.len(), 10);
    assert_eq!(saved["url"], format!("/s/{id}"));
    let (status, opened) = get(&server, &format!("/api/v1/snippets/{id}"));
    assert_eq!(status, 200, "{opened}");
    for field in ["language", "files", "entry", "stdin"] {
        assert_eq!(opened[field], snippet[field], "{field}");
    }
    assert!(opened["created_at"].as_i64().expect("created_at") > 0);
    // Whoever opens it can run exactly what was saved.
    let run = json!({
        "language": opened["language"], "files": opened["files"],
        "entry": opened["entry"], "stdin": opened["stdin"]
    });
    let (_, result) = post(&server, "/api/v1/runs?wait=true", &run);
    assert_eq!(result["stdout"], "hi ada\n", "{result}");
    // Saving the same code again is a new link: snippets never change under a link.
    let (_, again) = post(&server, "/api/v1/snippets", &snippet);
    assert_ne!(again["id"], saved["id"]);
}

#[test]
fn bad_snippets_are_refused_and_unknown_ids_are_404s() {
    let server = start(server::ServerConfig::default());
    let file = json!([{"name": "main.py", "content": "print(1)"}]);
    for (body, expected, code, says) in [
        (
            json!({"language": "cobol", "files": file}),
            400,
            "unknown_language",
            "python",
        ),
        (
            json!({"language": "python", "files": []}),
            400,
            "invalid_request",
            "at least one file",
        ),
        (
            json!({"language": "python", "files": [{"name": "../evil.py", "content": ""}]}),
            400,
            "invalid_request",
            "evil.py",
        ),
        // Well-formed JSON of the wrong shape: 422, as for runs.
        (
            json!({"language": "python", "files": file, "owner": "x"}),
            422,
            "invalid_json",
            "owner",
        ),
    ] {
        let (status, error) = post(&server, "/api/v1/snippets", &body);
        assert_eq!(status, expected, "{body} → {error}");
        assert_eq!(error["code"], code, "{error}");
        assert!(
            error["message"].as_str().unwrap_or_default().contains(says),
            "{error}"
        );
    }
    for id in ["AAAAAAAAAA", "short", "..%2F..%2Fetc"] {
        let (status, error) = get(&server, &format!("/api/v1/snippets/{id}"));
        assert_eq!(status, 404, "{id}: {error}");
        assert_eq!(error["code"], "not_found");
    }
}
