//! The authorization matrix: every route of the server (read from the route table the router is
//! built from) called by every kind of caller, each answer compared with the expected status.
//! A route added without a row here fails this test, and so does a row for a route that is gone.

mod common;

use common::*;
use serde_json::{Value, json};

/// The callers, in the order of every row's statuses.
const CALLERS: [&str; 9] = [
    "owner",
    "other user",
    "guest",
    "anonymous",
    "admin",
    "expired session",
    "revoked token",
    "token without the scope",
    "disabled user",
];

// The common shapes of rows.
const PUBLIC: [u16; 9] = [200; 9];
/// A run API on the owner's run: others do not learn it exists.
const OWNED_RUN: [u16; 9] = [200, 404, 404, 404, 200, 404, 401, 403, 401];
const SIGNED_IN: [u16; 9] = [200, 200, 200, 401, 200, 401, 401, 200, 401];
const SESSION: [u16; 9] = [200, 200, 200, 401, 200, 401, 401, 403, 401];
const ADMIN: [u16; 9] = [403, 403, 403, 401, 200, 401, 401, 403, 401];

/// What the test set up, for the rows' paths and bodies.
struct World {
    run: String,
    snippet: String,
    token_of_owner: String,
    victim: String,
}

struct Row {
    method: &'static str,
    route: &'static str,
    /// The concrete path (ids filled in, query added).
    path: String,
    body: Option<Value>,
    expected: [u16; 9],
}

fn rows(world: &World) -> Vec<Row> {
    let row = |method, route: &'static str, path: String, body: Option<Value>, expected| Row {
        method,
        route,
        path,
        body,
        expected,
    };
    let same = |method, route: &'static str, body: Option<Value>, expected| {
        row(method, route, route.to_string(), body, expected)
    };
    let run = &world.run;
    // A body the run APIs refuse after access control: nothing is executed, yet the status
    // tells whether the caller got through.
    let unknown_language = json!({"language": "no-such-language", "source": "1"});
    vec![
        same(
            "POST",
            "/api/v1/runs",
            Some(unknown_language.clone()),
            [400, 400, 400, 400, 400, 400, 401, 403, 401],
        ),
        row(
            "GET",
            "/api/v1/runs/{id}",
            format!("/api/v1/runs/{run}"),
            None,
            OWNED_RUN,
        ),
        row(
            "POST",
            "/api/v1/runs/{id}/cancel",
            format!("/api/v1/runs/{run}/cancel"),
            Some(json!({})),
            OWNED_RUN,
        ),
        // Without an upgrade the route says it is a WebSocket (400) to whoever may watch.
        row(
            "GET",
            "/api/v1/runs/{id}/events",
            format!("/api/v1/runs/{run}/events"),
            None,
            [400, 404, 404, 404, 400, 404, 401, 403, 401],
        ),
        same("GET", "/api/v1/languages", None, PUBLIC),
        same("GET", "/api/v1/limits", None, PUBLIC),
        same(
            "POST",
            "/api/v1/snippets",
            Some(
                json!({"language": "python", "files": [{"name": "main.py", "content": "print(1)"}]}),
            ),
            [201, 201, 201, 201, 201, 201, 401, 403, 401],
        ),
        row(
            "GET",
            "/api/v1/snippets/{id}",
            format!("/api/v1/snippets/{}", world.snippet),
            None,
            PUBLIC,
        ),
        same("GET", "/api/v1/auth/config", None, PUBLIC),
        // Public, and refused for what the body says, whoever asks.
        same(
            "POST",
            "/api/v1/auth/signup",
            Some(json!({"username": "newcomer", "password": "short"})),
            [400; 9],
        ),
        same(
            "POST",
            "/api/v1/auth/login",
            Some(json!({"username": "victim", "password": PASSWORD})),
            PUBLIC,
        ),
        same("POST", "/api/v1/auth/logout", Some(json!({})), [204; 9]),
        same("POST", "/api/v1/auth/guest", Some(json!({})), [201; 9]),
        // Only a guest claims; a user is told it is not one.
        same(
            "POST",
            "/api/v1/auth/claim",
            Some(json!({"username": "claimed", "password": PASSWORD})),
            [400, 400, 200, 401, 400, 401, 401, 403, 401],
        ),
        // A too-weak new password: nothing changes, but the status says who got through (a
        // guest has no password to give).
        same(
            "POST",
            "/api/v1/auth/password",
            Some(json!({"current_password": PASSWORD, "new_password": "short"})),
            [400, 400, 401, 401, 400, 401, 401, 403, 401],
        ),
        // Public; this server has no provider configured, which it says to anyone.
        same("GET", "/api/v1/auth/oidc/login", None, [404; 9]),
        row(
            "GET",
            "/api/v1/auth/oidc/callback",
            "/api/v1/auth/oidc/callback?code=x&state=y".into(),
            None,
            [404; 9],
        ),
        same("GET", "/api/v1/me", None, SIGNED_IN),
        same("GET", "/api/v1/tokens", None, SESSION),
        same(
            "POST",
            "/api/v1/tokens",
            Some(json!({"name": "t", "scopes": ["runs"]})),
            [201, 201, 201, 401, 201, 401, 401, 403, 401],
        ),
        row(
            "DELETE",
            "/api/v1/tokens/{id}",
            format!("/api/v1/tokens/{}", world.token_of_owner),
            None,
            [204, 404, 404, 401, 404, 401, 401, 403, 401],
        ),
        same("GET", "/api/v1/admin/users", None, ADMIN),
        row(
            "POST",
            "/api/v1/admin/users/{id}/disable",
            format!("/api/v1/admin/users/{}/disable", world.victim),
            Some(json!({})),
            ADMIN,
        ),
        row(
            "POST",
            "/api/v1/admin/users/{id}/enable",
            format!("/api/v1/admin/users/{}/enable", world.victim),
            Some(json!({})),
            ADMIN,
        ),
        same(
            "POST",
            "/api/v1/admin/invites",
            Some(json!({})),
            [403, 403, 403, 401, 201, 401, 401, 403, 401],
        ),
        // Judge0: an unknown language id is refused after access control.
        same(
            "POST",
            "/submissions",
            Some(json!({"language_id": 999999, "source_code": "1"})),
            [422, 422, 422, 422, 422, 422, 401, 403, 401],
        ),
        same(
            "POST",
            "/submissions/batch",
            Some(json!({"submissions": []})),
            [422, 422, 422, 422, 422, 422, 401, 403, 401],
        ),
        // A batch read answers for each token; another's run is a null, not an error.
        row(
            "GET",
            "/submissions/batch",
            format!("/submissions/batch?tokens={run}"),
            None,
            [200, 200, 200, 200, 200, 200, 401, 403, 401],
        ),
        row(
            "GET",
            "/submissions/{token}",
            format!("/submissions/{run}"),
            None,
            OWNED_RUN,
        ),
        same("GET", "/languages", None, PUBLIC),
        row(
            "GET",
            "/languages/{id}",
            "/languages/71".into(),
            None,
            PUBLIC,
        ),
        same("GET", "/statuses", None, PUBLIC),
        same("GET", "/about", None, PUBLIC),
        same("GET", "/config_info", None, PUBLIC),
        same(
            "POST",
            "/api/v2/execute",
            Some(json!({"language": "no-such-language", "files": [{"content": "1"}]})),
            [400, 400, 400, 400, 400, 400, 401, 403, 401],
        ),
        same("GET", "/api/v2/runtimes", None, PUBLIC),
        same("GET", "/api/openapi.json", None, PUBLIC),
        same("GET", "/docs", None, PUBLIC),
        same("GET", "/healthz", None, PUBLIC),
        same("GET", "/readyz", None, PUBLIC),
        same("GET", "/metrics", None, PUBLIC),
    ]
}

/// Credentials that cannot be spent: tokens (revoked, narrow, of a disabled user) and an
/// expired session.
struct Fixed {
    expired: String,
    revoked: String,
    narrow: String,
    disabled: String,
}

/// The caller `index` of `CALLERS`, fresh (a row may sign it out or in).
fn caller(server: &TestServer, fixed: &Fixed, index: usize) -> Client {
    match index {
        0 => sign_in(server, "owner"),
        1 => sign_in(server, "other"),
        2 => {
            let mut guest = Client::new(server);
            assert_eq!(guest.post("/api/v1/auth/guest", &json!({})).status, 201);
            guest
        }
        3 => Client::new(server),
        4 => sign_in(server, "boss"),
        5 => Client {
            cookie: Some(fixed.expired.clone()),
            ..Client::new(server)
        },
        6 => Client::with_token(server, &fixed.revoked),
        7 => Client::with_token(server, &fixed.narrow),
        8 => Client::with_token(server, &fixed.disabled),
        _ => unreachable!("nine callers"),
    }
}

#[test]
fn every_route_answers_only_to_whom_it_should() {
    let server = start(unlimited());
    let mut boss = sign_up(&server, "boss");
    let mut owner = sign_up(&server, "owner");
    sign_up(&server, "other");
    sign_up(&server, "victim");
    let mut to_disable = sign_up(&server, "disabled");
    let run = owner.post(
        "/api/v1/runs?wait=true",
        &json!({"language": "python", "source": "print(1)"}),
    );
    assert_eq!(run.status, 201, "{}", run.body);
    let snippet = owner.post(
        "/api/v1/snippets",
        &json!({"language": "python", "files": [{"name": "main.py", "content": "print(1)"}]}),
    );
    let token_of_owner = {
        token(&mut owner, &["runs"]);
        let listed = owner.get("/api/v1/tokens");
        listed.body["tokens"][0]["id"]
            .as_str()
            .expect("id")
            .to_string()
    };
    let revoked = token(&mut owner, &["runs"]);
    let revoked_id = owner.get("/api/v1/tokens").body["tokens"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(
        owner
            .send("DELETE", &format!("/api/v1/tokens/{revoked_id}"), None)
            .status,
        204
    );
    let narrow = token(&mut owner, &["projects:read"]);
    let disabled = token(
        &mut to_disable,
        &["runs", "projects:read", "projects:write", "functions"],
    );
    let users = boss.get("/api/v1/admin/users");
    let id_of = |name: &str| {
        users.body["users"]
            .as_array()
            .and_then(|u| u.iter().find(|u| u["username"] == name))
            .and_then(|u| u["id"].as_str())
            .expect("user")
            .to_string()
    };
    let victim = id_of("victim");
    let disabled_id = id_of("disabled");
    assert_eq!(
        boss.post(
            &format!("/api/v1/admin/users/{disabled_id}/disable"),
            &json!({})
        )
        .status,
        200
    );
    let expired = {
        let session = sign_in(&server, "owner").cookie.expect("cookie");
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(async {
            let store = store::Store::connect(&server.url).await.expect("store");
            let hash = accounts::secret::hash(&session);
            store
                .execute_raw(&format!(
                    "UPDATE sessions SET expires_at = 1 WHERE id_hash = '{hash}'"
                ))
                .await
                .expect("expire");
        });
        session
    };
    let world = World {
        run: run.body["id"].as_str().expect("id").to_string(),
        snippet: snippet.body["id"].as_str().expect("id").to_string(),
        token_of_owner,
        victim,
    };
    let fixed = Fixed {
        expired,
        revoked,
        narrow,
        disabled,
    };
    let rows = rows(&world);

    // The table and the router agree, both ways.
    let routes = server::api::routes();
    let mut missing = Vec::new();
    for route in &routes {
        if !rows
            .iter()
            .any(|r| r.method == route.method.as_str() && r.route == route.path)
        {
            missing.push(format!("{} {}", route.method, route.path));
        }
    }
    assert!(
        missing.is_empty(),
        "routes without a row in the matrix: {missing:?}"
    );
    for row in &rows {
        assert!(
            routes
                .iter()
                .any(|r| r.method.as_str() == row.method && r.path == row.route),
            "a row for a route the server does not have: {} {}",
            row.method,
            row.route
        );
    }

    // The expired session is past its cache time to live before it is used.
    std::thread::sleep(accounts::CACHE_TTL);
    let mut wrong = Vec::new();
    for row in &rows {
        for (index, expected) in row.expected.iter().enumerate() {
            let mut client = caller(&server, &fixed, index);
            let reply = client.send(row.method, &row.path, row.body.as_ref());
            if reply.status != *expected {
                wrong.push(format!(
                    "{} {} as {}: {} (expected {expected}) {}",
                    row.method, row.route, CALLERS[index], reply.status, reply.body
                ));
            }
            // Refusals say why, in the API's words.
            if reply.status == 401 && row.route != "/api/v1/auth/password" {
                assert_eq!(
                    reply.body["code"], "unauthenticated",
                    "{} {}",
                    row.method, row.route
                );
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong answers:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
