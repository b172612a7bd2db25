//! JWT access tokens of an OpenID provider as bearer tokens: a provider of our own here (its
//! discovery document and JWKS over real HTTP, tokens signed with a test-only RSA key) so that
//! every way a token can be wrong is tried. The whole sign-in flow against a certified
//! provider (`oidc-provider`) is in `web/e2e/oidc.test.mjs`.

mod common;

use axum::Json;
use axum::routing::get;
use common::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

const KEY: &[u8] = include_bytes!("fixtures/TEST-ONLY-oidc-key.pem");
const JWK: &str = include_str!("fixtures/oidc-test-jwk.json");

struct Provider {
    issuer: String,
    /// The key id the JWKS publishes the key under (changed to simulate a rotation).
    published_kid: Arc<Mutex<String>>,
    _runtime: tokio::runtime::Runtime,
}

fn provider() -> Provider {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let published_kid = Arc::new(Mutex::new("test-key-1".to_string()));
    let kid = published_kid.clone();
    let issuer = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let issuer = format!("http://{}", listener.local_addr().expect("addr"));
        let discovery = json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/auth"),
            "token_endpoint": format!("{issuer}/token"),
            "jwks_uri": format!("{issuer}/jwks"),
        });
        let app = axum::Router::new()
            .route(
                "/.well-known/openid-configuration",
                get(move || async move { Json(discovery) }),
            )
            .route(
                "/jwks",
                get(move || async move {
                    let mut jwk: Value = serde_json::from_str(JWK).expect("jwk");
                    jwk["kid"] = json!(kid.lock().expect("kid").clone());
                    Json(json!({"keys": [jwk]}))
                }),
            );
        tokio::spawn(async move { axum::serve(listener, app).await });
        issuer
    });
    Provider {
        issuer,
        published_kid,
        _runtime: runtime,
    }
}

fn server_for(provider: &Provider) -> TestServer {
    let mut config = unlimited();
    config.auth.accounts.oidc = Some(accounts::oidc::OidcConfig {
        issuer: provider.issuer.clone(),
        client_id: "codecollab".into(),
        client_secret: "unused here".into(),
        name: "Test".into(),
        redirect_uri: "http://127.0.0.1/api/v1/auth/oidc/callback".into(),
        audience: "codecollab".into(),
    });
    start(config)
}

fn claims(provider: &Provider) -> Value {
    json!({
        "iss": provider.issuer,
        "sub": "machine-1",
        "aud": "codecollab",
        "exp": server::now_ms() / 1000 + 300,
        "iat": server::now_ms() / 1000,
        "scope": "runs",
    })
}

fn sign(claims: &Value, kid: &str) -> String {
    sign_typed(claims, kid, "at+jwt")
}

fn sign_typed(claims: &Value, kid: &str, typ: &str) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.into());
    header.typ = Some(typ.into());
    let key = EncodingKey::from_rsa_pem(KEY).expect("test key");
    jsonwebtoken::encode(&header, claims, &key).expect("sign")
}

fn me(server: &TestServer, token: &str) -> Reply {
    Client::with_token(server, token).get("/api/v1/me")
}

#[test]
fn a_valid_access_token_signs_its_subject_in_with_its_scopes() {
    let provider = provider();
    let server = server_for(&provider);
    let token = sign(&claims(&provider), "test-key-1");
    let reply = me(&server, &token);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["user"]["username"], "machine-1");
    assert_eq!(reply.body["auth"]["via"], "access_token");
    assert_eq!(reply.body["auth"]["scopes"], json!(["runs"]));
    // The same subject is the same user (linked by issuer and subject).
    let again = me(&server, &sign(&claims(&provider), "test-key-1"));
    assert_eq!(again.body["user"]["id"], reply.body["user"]["id"]);
    let mut narrow = claims(&provider);
    narrow["scope"] = json!("projects:read");
    let refused = Client::with_token(&server, &sign(&narrow, "test-key-1")).post(
        "/api/v1/runs",
        &json!({"language": "python", "source": "1"}),
    );
    assert_eq!(refused.status, 403, "{}", refused.body);
}

#[test]
fn a_token_with_anything_wrong_is_refused() {
    let provider = provider();
    let server = server_for(&provider);
    let base = claims(&provider);
    let with = |key: &str, value: Value| {
        let mut claims = base.clone();
        claims[key] = value;
        sign(&claims, "test-key-1")
    };
    let cases = [
        ("another audience", with("aud", json!("someone-else"))),
        ("another issuer", with("iss", json!("http://evil.example"))),
        (
            "expired",
            with("exp", json!(server::now_ms() / 1000 - 3600)),
        ),
        (
            "a key the provider does not publish",
            sign(&base, "no-such-key"),
        ),
        ("a forged signature", {
            let token = sign(&base, "test-key-1");
            let (head, signature) = token.rsplit_once('.').expect("jwt");
            let flipped = if signature.starts_with('A') { "B" } else { "A" };
            format!("{head}.{flipped}{}", &signature[1..])
        }),
        ("HS256 keyed with the public key (algorithm confusion)", {
            let jwk: Value = serde_json::from_str(JWK).expect("jwk");
            let mut header = Header::new(Algorithm::HS256);
            header.kid = Some("test-key-1".into());
            header.typ = Some("at+jwt".into());
            let secret = jwk["n"].as_str().expect("n").as_bytes().to_vec();
            jsonwebtoken::encode(
                &header,
                &base,
                &EncodingKey::from_secret(&secret).expect("key"),
            )
            .expect("sign")
        }),
    ];
    for (what, token) in cases {
        let reply = me(&server, &token);
        assert_eq!(reply.status, 401, "{what}: {}", reply.body);
        assert_eq!(reply.body["code"], "unauthenticated", "{what}");
    }
}

#[test]
fn a_rotated_key_is_fetched_when_a_token_names_it() {
    let provider = provider();
    let server = server_for(&provider);
    *provider.published_kid.lock().expect("kid") = "old-key".into();
    let old = sign(&claims(&provider), "old-key");
    assert_eq!(me(&server, &old).status, 200, "the key as first published");
    // The provider rotates: the key is now published under a new id, tokens name it.
    *provider.published_kid.lock().expect("kid") = "new-key".into();
    let new = sign(&claims(&provider), "new-key");
    assert_eq!(me(&server, &new).status, 200, "the JWKS was read again");
}
