//! Accounts over real HTTP: sign-up and sign-in, guests, tokens, ownership of runs, disabling,
//! CSRF, rate limits, cookies — against a real server on SQLite (and PostgreSQL where named).

mod common;

use common::*;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn python(source: &str) -> Value {
    json!({"language": "python", "source": source})
}

#[test]
fn sign_up_sign_out_and_sign_in_again_with_a_new_session_each_time() {
    let server = start(unlimited());
    let mut ann = sign_up(&server, "Ann");
    let first_cookie = ann.cookie.clone().expect("session cookie");
    let me = ann.get("/api/v1/me");
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.body["user"]["username"], "ann", "names are lower case");
    assert_eq!(
        me.body["user"]["is_admin"], true,
        "the first user is an admin"
    );
    assert_eq!(me.body["auth"]["via"], "session");
    let out = ann.post("/api/v1/auth/logout", &json!({}));
    assert_eq!(out.status, 204);
    assert_eq!(ann.cookie, None, "the cookie is cleared");
    // The old cookie is dead on the server too, not only forgotten by the browser.
    let mut replay = Client::new(&server);
    replay.cookie = Some(first_cookie.clone());
    assert_eq!(replay.get("/api/v1/me").status, 401);
    let mut again = sign_in(&server, "ann");
    assert_ne!(again.cookie.as_deref(), Some(first_cookie.as_str()));
    assert_eq!(again.get("/api/v1/me").status, 200);
    // Signing in while signed in replaces the session (no fixation of a planted one).
    let before = again.cookie.clone();
    let reply = again.post(
        "/api/v1/auth/login",
        &json!({"username": "ann", "password": PASSWORD}),
    );
    assert_eq!(reply.status, 200);
    let mut old = Client::new(&server);
    old.cookie = before;
    assert_eq!(
        old.get("/api/v1/me").status,
        401,
        "the previous session ended"
    );
    let bob = sign_up(&server, "bob").get("/api/v1/me");
    assert_eq!(bob.body["user"]["is_admin"], false, "only the first user");
}

#[test]
fn the_session_cookie_is_http_only_same_site_and_secure_behind_https() {
    let server = start(unlimited());
    let mut client = Client::new(&server);
    let reply = client.post(
        "/api/v1/auth/signup",
        &json!({"username": "ann", "password": PASSWORD}),
    );
    let cookie = reply.set_cookie.first().expect("set-cookie").clone();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");
    let mut config = unlimited();
    config.auth.public_url = Some("https://code.example.org".into());
    let secure = start(config);
    let mut client = Client::new(&secure);
    let reply = client.post(
        "/api/v1/auth/signup",
        &json!({"username": "ann", "password": PASSWORD}),
    );
    assert!(
        reply.set_cookie[0].contains("; Secure"),
        "{:?}",
        reply.set_cookie
    );
}

#[test]
fn a_wrong_password_and_an_unknown_user_get_the_same_answer() {
    let server = start(unlimited());
    sign_up(&server, "ann");
    let mut client = Client::new(&server);
    let wrong = client.post(
        "/api/v1/auth/login",
        &json!({"username": "ann", "password": "not the password at all"}),
    );
    let unknown = client.post(
        "/api/v1/auth/login",
        &json!({"username": "nobody", "password": "not the password at all"}),
    );
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.body, unknown.body);
    assert_eq!(wrong.body["code"], "invalid_credentials");
    assert!(
        !wrong.body.to_string().contains("not the password"),
        "a password never shows in an error"
    );
}

#[test]
fn bad_sign_ups_are_refused_with_a_reason() {
    let server = start(unlimited());
    let mut client = Client::new(&server);
    let mut try_signup = |username: &str, password: &str| {
        client.post(
            "/api/v1/auth/signup",
            &json!({"username": username, "password": password}),
        )
    };
    let short = try_signup("ann", "short");
    assert_eq!(
        (short.status, short.body["code"].as_str()),
        (400, Some("weak_password"))
    );
    let common = try_signup("ann", "Password123!");
    assert_eq!(common.body["code"], "weak_password", "{}", common.body);
    let name = try_signup("a b", PASSWORD);
    assert_eq!(name.body["code"], "invalid_username", "{}", name.body);
    assert_eq!(try_signup("ann", PASSWORD).status, 201);
    let taken = try_signup("ANN", PASSWORD);
    assert_eq!(
        (taken.status, taken.body["code"].as_str()),
        (409, Some("username_taken"))
    );
    let unknown_field = client.post(
        "/api/v1/auth/signup",
        &json!({"username": "cy", "password": PASSWORD, "admin": true}),
    );
    assert_eq!(unknown_field.status, 422, "{}", unknown_field.body);
}

#[test]
fn closed_and_invitation_only_sign_up() {
    let mut config = unlimited();
    config.auth.signup = server::auth::Signup::Closed;
    let closed = start(config);
    let reply = Client::new(&closed).post(
        "/api/v1/auth/signup",
        &json!({"username": "ann", "password": PASSWORD}),
    );
    assert_eq!(
        (reply.status, reply.body["code"].as_str()),
        (403, Some("signup_closed"))
    );

    let mut config = unlimited();
    config.auth.signup = server::auth::Signup::Invite;
    let invite_only = start(config);
    // The first admin comes from `codecollab admin create-user`; here, straight to the store.
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let store = store::Store::connect(&invite_only.url)
            .await
            .expect("store");
        let accounts = accounts::Accounts::new(store, Default::default());
        accounts
            .create_user("root-admin", PASSWORD, None, true)
            .await
            .expect("admin");
    });
    let mut admin = sign_in(&invite_only, "root-admin");
    let invite = admin.post("/api/v1/admin/invites", &json!({}));
    assert_eq!(invite.status, 201, "{}", invite.body);
    let code = invite.body["code"].as_str().expect("code").to_string();
    let mut newcomer = Client::new(&invite_only);
    let without = newcomer.post(
        "/api/v1/auth/signup",
        &json!({"username": "ann", "password": PASSWORD}),
    );
    assert_eq!(without.status, 403);
    let with = newcomer.post(
        "/api/v1/auth/signup",
        &json!({"username": "ann", "password": PASSWORD, "invite": code}),
    );
    assert_eq!(with.status, 201, "{}", with.body);
    let reused = Client::new(&invite_only).post(
        "/api/v1/auth/signup",
        &json!({"username": "bob", "password": PASSWORD, "invite": code}),
    );
    assert_eq!(
        reused.body["code"], "invalid_invite",
        "an invitation is used once"
    );
}

#[test]
fn a_guest_runs_code_then_claims_an_account_keeping_its_runs() {
    let server = start(unlimited());
    let mut guest = Client::new(&server);
    let reply = guest.post("/api/v1/auth/guest", &json!({}));
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["user"]["is_guest"], true);
    let run = guest.post("/api/v1/runs?wait=true", &python("print(6 * 7)"));
    assert_eq!(run.status, 201, "{}", run.body);
    assert_eq!(run.body["stdout"], "42\n");
    let run_id = run.body["id"].as_str().expect("id").to_string();
    let claimed = guest.post(
        "/api/v1/auth/claim",
        &json!({"username": "gina", "password": PASSWORD}),
    );
    assert_eq!(claimed.status, 200, "{}", claimed.body);
    assert_eq!(claimed.body["user"]["is_guest"], false);
    assert_eq!(
        claimed.body["user"]["id"], reply.body["user"]["id"],
        "the same user, so everything it made stays its own"
    );
    let mut gina = sign_in(&server, "gina");
    assert_eq!(gina.get(&format!("/api/v1/runs/{run_id}")).status, 200);
    let twice = gina.post(
        "/api/v1/auth/claim",
        &json!({"username": "gina2", "password": PASSWORD}),
    );
    assert_eq!(twice.body["code"], "not_a_guest");
}

#[test]
fn a_users_runs_are_theirs_others_get_404_and_admins_see_them() {
    let server = start(unlimited());
    let mut admin = sign_up(&server, "boss");
    let mut ann = sign_up(&server, "ann");
    let mut bob = sign_up(&server, "bob");
    let run = ann.post("/api/v1/runs?wait=true", &python("print('mine')"));
    assert_eq!(run.status, 201, "{}", run.body);
    let id = run.body["id"].as_str().expect("id").to_string();
    let path = format!("/api/v1/runs/{id}");
    assert_eq!(ann.get(&path).status, 200);
    assert_eq!(admin.get(&path).status, 200);
    let other = bob.get(&path);
    let nobody = Client::new(&server).get(&path);
    let missing = bob.get("/api/v1/runs/0000000000000000000000000000000a");
    assert_eq!(other.status, 404);
    assert_eq!(nobody.status, 404);
    assert_eq!(other.body, missing.body, "not told that the run exists");
    assert_eq!(bob.post(&format!("{path}/cancel"), &json!({})).status, 404);
    let judge0 = bob.get(&format!("/submissions/{id}"));
    assert_eq!(judge0.status, 404);
    // An anonymous run is reachable by whoever holds its id (Judge0 and Piston clients).
    let anonymous = Client::new(&server).post("/api/v1/runs?wait=true", &python("print(1)"));
    let anonymous_id = anonymous.body["id"].as_str().expect("id");
    assert_eq!(bob.get(&format!("/api/v1/runs/{anonymous_id}")).status, 200);
}

#[test]
fn api_tokens_work_with_their_scopes_on_every_api_and_die_when_revoked() {
    let server = start(unlimited());
    let mut ann = sign_up(&server, "ann");
    let secret = token(&mut ann, &["runs"]);
    assert!(secret.starts_with("cc_"));
    let mut api = Client::with_token(&server, &secret);
    let me = api.get("/api/v1/me");
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.body["auth"]["via"], "token");
    assert_eq!(me.body["auth"]["scopes"], json!(["runs"]));
    let run = api.post("/api/v1/runs?wait=true", &python("print(6 * 7)"));
    assert_eq!(run.status, 201, "{}", run.body);
    let id = run.body["id"].as_str().expect("id").to_string();
    assert_eq!(
        ann.get(&format!("/api/v1/runs/{id}")).status,
        200,
        "owned by ann"
    );
    // Judge0's own header, for its clients.
    let judge0 = agent()
        .get(&format!("{}/submissions/{id}", server.base))
        .set("x-auth-token", &secret)
        .call()
        .expect("judge0 with X-Auth-Token");
    assert_eq!(judge0.status(), 200);
    // Managing tokens is for the browser session, not for tokens.
    assert_eq!(api.get("/api/v1/tokens").status, 403);
    let narrow = token(&mut ann, &["projects:read"]);
    let refused = Client::with_token(&server, &narrow).post("/api/v1/runs", &python("1"));
    assert_eq!(
        (refused.status, refused.body["code"].as_str()),
        (403, Some("forbidden"))
    );
    // Only the hash is stored.
    let listed = ann.get("/api/v1/tokens");
    assert_eq!(listed.body["tokens"].as_array().map(Vec::len), Some(2));
    assert!(!listed.body.to_string().contains(&secret));
    let database = std::fs::read(server.url.trim_start_matches("sqlite://")).expect("db");
    let wal = std::fs::read(format!(
        "{}-wal",
        server.url.trim_start_matches("sqlite://")
    ))
    .unwrap_or_default();
    for bytes in [&database, &wal] {
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "the secret is in the database"
        );
    }
    let id = listed.body["tokens"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["scopes"] == json!(["runs"])))
        .and_then(|t| t["id"].as_str())
        .expect("runs token")
        .to_string();
    let revoke = ann.send("DELETE", &format!("/api/v1/tokens/{id}"), None);
    assert_eq!(revoke.status, 204);
    let after = api.get("/api/v1/me");
    assert_eq!(
        (after.status, after.body["code"].as_str()),
        (401, Some("unauthenticated"))
    );
    assert_eq!(api.post("/api/v1/runs", &python("1")).status, 401);
}

#[test]
fn a_state_changing_request_from_another_site_is_refused() {
    let server = start(unlimited());
    let mut ann = sign_up(&server, "ann");
    ann.origin = Some("http://evil.example".into());
    let forged = ann.post("/api/v1/tokens", &json!({"name": "x", "scopes": ["runs"]}));
    assert_eq!(
        (forged.status, forged.body["code"].as_str()),
        (403, Some("cross_origin"))
    );
    let forged_login = Client {
        origin: Some("http://evil.example".into()),
        ..Client::new(&server)
    }
    .post(
        "/api/v1/auth/login",
        &json!({"username": "ann", "password": PASSWORD}),
    );
    assert_eq!(
        forged_login.status, 403,
        "no sign-in from another site either"
    );
    ann.origin = Some(server.base.clone());
    let own = ann.post("/api/v1/tokens", &json!({"name": "x", "scopes": ["runs"]}));
    assert_eq!(own.status, 201, "{}", own.body);
    // Reading is not state-changing.
    ann.origin = Some("http://evil.example".into());
    assert_eq!(ann.get("/api/v1/me").status, 200);
    // But a WebSocket opened by another site's page with the session is (it talks both ways).
    let run = ann.clone().post("/api/v1/runs", &python("print(1)"));
    let id = run.body["id"].as_str().map(String::from);
    ann.origin = Some(server.base.clone());
    let run = ann.post("/api/v1/runs", &python("print(1)"));
    assert_eq!(run.status, 201, "{}", run.body);
    assert!(id.is_none(), "a cross-site POST was refused above");
    let id = run.body["id"].as_str().expect("id");
    let url = format!(
        "{}/api/v1/runs/{id}/events",
        server.base.replace("http://", "ws://")
    );
    let handshake = |origin: &str| {
        let mut request = tungstenite::client::IntoClientRequest::into_client_request(url.as_str())
            .expect("request");
        let headers = request.headers_mut();
        headers.insert(
            "cookie",
            format!("cc_session={}", ann.cookie.as_deref().expect("cookie"))
                .parse()
                .expect("header"),
        );
        headers.insert("origin", origin.parse().expect("header"));
        tungstenite::connect(request)
    };
    match handshake("http://evil.example") {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 403),
        Err(e) => panic!("unexpected error: {e}"),
        Ok(_) => panic!("another site opened a WebSocket with the session"),
    }
    assert!(handshake(&server.base).is_ok(), "our own page may");
}

#[test]
fn sign_in_attempts_are_rate_limited_per_username_with_retry_after() {
    let mut config = unlimited();
    config.auth.limits.login_per_username_per_minute = 3;
    let server = start(config);
    sign_up(&server, "ann");
    let mut attacker = Client::new(&server);
    let attempt = |client: &mut Client| {
        client.post(
            "/api/v1/auth/login",
            &json!({"username": "ann", "password": "guessing guessing"}),
        )
    };
    for _ in 0..3 {
        assert_eq!(attempt(&mut attacker).status, 401);
    }
    let limited = attempt(&mut attacker);
    assert_eq!(limited.status, 429, "{}", limited.body);
    assert_eq!(limited.body["code"], "rate_limited");
    let retry: u64 = limited
        .retry_after
        .as_deref()
        .and_then(|r| r.parse().ok())
        .expect("Retry-After");
    assert!((1..=60).contains(&retry), "{retry}");
    // Another user is not locked out by ann's attacker.
    sign_up(&server, "bob");
    assert_eq!(sign_in(&server, "bob").get("/api/v1/me").status, 200);
}

#[test]
fn runs_are_limited_per_minute_and_at_once_for_guests() {
    let mut config = unlimited();
    config.auth.limits.runs_per_minute.guest = 2;
    let server = start(config);
    let mut guest = Client::new(&server);
    guest.post("/api/v1/auth/guest", &json!({}));
    for _ in 0..2 {
        let run = guest.post("/api/v1/runs", &python("print(1)"));
        assert_eq!(run.status, 201, "{}", run.body);
    }
    let third = guest.post("/api/v1/runs", &python("print(1)"));
    assert_eq!(third.status, 429, "{}", third.body);
    assert!(third.retry_after.is_some());
    // A user is counted on their own.
    let mut ann = sign_up(&server, "ann");
    assert_eq!(ann.post("/api/v1/runs", &python("print(1)")).status, 201);

    let mut config = unlimited();
    config.auth.limits.concurrent_runs.anonymous = 1;
    let server = start(config);
    let mut anonymous = Client::new(&server);
    let slow = anonymous.post("/api/v1/runs", &python("import time; time.sleep(3)"));
    assert_eq!(slow.status, 201);
    let second = anonymous.post("/api/v1/runs", &python("print(1)"));
    assert_eq!(
        (second.status, second.body["code"].as_str()),
        (429, Some("rate_limited"))
    );
}

#[test]
fn without_anonymous_runs_the_run_apis_need_credentials() {
    let mut config = unlimited();
    config.auth.anonymous_runs = false;
    let server = start(config);
    let mut nobody = Client::new(&server);
    assert_eq!(nobody.post("/api/v1/runs", &python("1")).status, 401);
    assert_eq!(nobody.post("/api/v2/execute", &json!({})).status, 401);
    assert_eq!(nobody.post("/submissions", &json!({})).status, 401);
    assert_eq!(
        nobody.get("/api/v1/languages").status,
        200,
        "the catalogue stays public"
    );
    let mut ann = sign_up(&server, "ann");
    assert_eq!(ann.post("/api/v1/runs", &python("print(1)")).status, 201);
}

#[test]
fn disabling_a_user_ends_their_sessions_tokens_and_websockets_at_once() {
    let server = start(unlimited());
    let mut admin = sign_up(&server, "boss");
    let mut ann = sign_up(&server, "ann");
    let secret = token(&mut ann, &["runs"]);
    let run = ann.post(
        "/api/v1/runs",
        &json!({"language": "python", "source": "input()", "interactive": true}),
    );
    assert_eq!(run.status, 201, "{}", run.body);
    let id = run.body["id"].as_str().expect("id");
    let url = format!(
        "{}/api/v1/runs/{id}/events?token={secret}",
        server.base.replace("http://", "ws://")
    );
    let (mut socket, _) = tungstenite::connect(&url).expect("websocket with a token");
    let users = admin.get("/api/v1/admin/users");
    let ann_id = users.body["users"]
        .as_array()
        .and_then(|u| u.iter().find(|u| u["username"] == "ann"))
        .and_then(|u| u["id"].as_str())
        .expect("ann")
        .to_string();
    let disabled_at = Instant::now();
    let reply = admin.post(&format!("/api/v1/admin/users/{ann_id}/disable"), &json!({}));
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["user"]["disabled"], true);
    assert_eq!(ann.get("/api/v1/me").status, 401);
    assert_eq!(
        Client::with_token(&server, &secret)
            .get("/api/v1/me")
            .status,
        401
    );
    let login = Client::new(&server).post(
        "/api/v1/auth/login",
        &json!({"username": "ann", "password": PASSWORD}),
    );
    assert_eq!(login.body["code"], "account_disabled");
    // The open WebSocket is closed by the server with 4401 (the end of the run, which waits for
    // input for minutes, would close it without a code); the loop's bound only keeps a broken
    // server from hanging the test.
    let mut closed = None;
    while disabled_at.elapsed() < Duration::from_secs(5) {
        match socket.read() {
            Ok(tungstenite::Message::Close(frame)) => {
                closed = frame.map(|f| u16::from(f.code));
                break;
            }
            Ok(_) => continue,
            Err(_) => break,
        }
    }
    assert_eq!(closed, Some(4401));
    let enabled = admin.post(&format!("/api/v1/admin/users/{ann_id}/enable"), &json!({}));
    assert_eq!(enabled.body["user"]["disabled"], false);
    assert_eq!(sign_in(&server, "ann").get("/api/v1/me").status, 200);
}

#[test]
fn an_expired_session_is_signed_out() {
    let server = start(unlimited());
    let mut ann = sign_up(&server, "ann");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let store = store::Store::connect(&server.url).await.expect("store");
        store
            .execute_raw("UPDATE sessions SET expires_at = 1")
            .await
            .expect("expire");
    });
    // The cache trusts a resolved session for at most its time to live.
    std::thread::sleep(accounts::CACHE_TTL + Duration::from_millis(100));
    let reply = ann.get("/api/v1/me");
    assert_eq!(reply.status, 401);
    assert!(
        reply.set_cookie.iter().any(|c| c.contains("Max-Age=0")),
        "the browser is told to forget it: {:?}",
        reply.set_cookie
    );
}

#[test]
fn a_password_change_ends_the_other_sessions() {
    let server = start(unlimited());
    let mut here = sign_up(&server, "ann");
    let mut elsewhere = sign_in(&server, "ann");
    let new_password = "a much better passphrase";
    let changed = here.post(
        "/api/v1/auth/password",
        &json!({"current_password": PASSWORD, "new_password": new_password}),
    );
    assert_eq!(changed.status, 204, "{}", changed.body);
    assert_eq!(
        here.get("/api/v1/me").status,
        200,
        "the session that changed it stays"
    );
    assert_eq!(elsewhere.get("/api/v1/me").status, 401);
    let login = Client::new(&server).post(
        "/api/v1/auth/login",
        &json!({"username": "ann", "password": new_password}),
    );
    assert_eq!(login.status, 200);
    let wrong = here.post(
        "/api/v1/auth/password",
        &json!({"current_password": "not it at all", "new_password": "another good one!"}),
    );
    assert_eq!(wrong.body["code"], "invalid_credentials");
}

#[test]
fn an_expired_token_is_refused() {
    let server = start(unlimited());
    let mut ann = sign_up(&server, "ann");
    let secret = token(&mut ann, &["runs"]);
    assert_eq!(
        Client::with_token(&server, &secret)
            .get("/api/v1/me")
            .status,
        200
    );
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let store = store::Store::connect(&server.url).await.expect("store");
        store
            .execute_raw("UPDATE api_tokens SET expires_at = 1")
            .await
            .expect("expire");
    });
    std::thread::sleep(accounts::CACHE_TTL + Duration::from_millis(100));
    let reply = Client::with_token(&server, &secret).get("/api/v1/me");
    assert_eq!(
        (reply.status, reply.body["code"].as_str()),
        (401, Some("unauthenticated"))
    );
    let bad = ann.post(
        "/api/v1/tokens",
        &json!({"name": "x", "scopes": ["runs"], "expires_in_days": 0}),
    );
    assert_eq!(bad.status, 400, "{}", bad.body);
    let unknown = ann.post("/api/v1/tokens", &json!({"name": "x", "scopes": ["root"]}));
    assert!(
        unknown.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("root")),
        "{}",
        unknown.body
    );
}
