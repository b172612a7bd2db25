//! The accounts' rows, told against every backend: users (the first an admin, names unique),
//! guests claimed, sessions and tokens found by hash with their user, disabling, invitations.

mod support;

use store::{NewToken, NewUser, SessionRecord, Store};

fn user(id: &str, name: &str) -> NewUser {
    NewUser {
        id: id.into(),
        username: name.into(),
        display_name: name.into(),
        email: None,
        password_hash: Some("$argon2id$fake".into()),
        is_admin: false,
        admin_if_first: true,
        is_guest: false,
        oidc: None,
        created_at_ms: 1,
    }
}

async fn the_first_user_is_an_admin_and_names_are_unique(store: Store) {
    let guest = NewUser {
        is_guest: true,
        password_hash: None,
        created_at_ms: 0,
        ..user("g", "guest-aaaa")
    };
    let guest = store
        .insert_user(&guest)
        .await
        .expect("guest")
        .expect("new");
    assert!(
        !guest.is_admin,
        "a guest never becomes admin by being first"
    );
    let first = store
        .insert_user(&user("a", "ann"))
        .await
        .expect("ann")
        .expect("new");
    assert!(first.is_admin);
    let second = store
        .insert_user(&user("b", "bob"))
        .await
        .expect("bob")
        .expect("new");
    assert!(!second.is_admin);
    assert_eq!(
        store.insert_user(&user("c", "ann")).await.expect("insert"),
        None,
        "a taken name is refused"
    );
    assert_eq!(
        store.user_by_name("ANN").await.expect("read"),
        Some(first.clone())
    );
    assert_eq!(store.user("b").await.expect("read"), Some(second));
    let names: Vec<String> = store
        .users()
        .await
        .expect("list")
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(names, ["guest-aaaa", "ann", "bob"]);
}

async fn a_guest_claims_an_account_keeping_its_id(store: Store) {
    store.insert_user(&user("a", "ann")).await.expect("ann");
    let guest = NewUser {
        is_guest: true,
        password_hash: None,
        ..user("g", "guest-bbbb")
    };
    store.insert_user(&guest).await.expect("guest");
    assert_eq!(
        store
            .claim_guest("g", "ann", "$argon2id$x")
            .await
            .expect("claim"),
        None,
        "a taken name is refused"
    );
    let claimed = store
        .claim_guest("g", "gina", "$argon2id$x")
        .await
        .expect("claim")
        .expect("claimed");
    assert_eq!(claimed.id, "g");
    assert_eq!(claimed.username, "gina");
    assert!(!claimed.is_guest && !claimed.is_admin);
    assert!(
        store
            .claim_guest("g", "gina2", "$argon2id$x")
            .await
            .is_err(),
        "a user that is no guest cannot claim again"
    );
}

async fn sessions_and_tokens_are_found_by_hash_with_their_user(store: Store) {
    store.insert_user(&user("a", "ann")).await.expect("ann");
    let session = SessionRecord {
        id_hash: "s1".into(),
        user_id: "a".into(),
        created_at_ms: 10,
        last_seen_ms: 10,
        expires_at_ms: 1_000,
    };
    store.insert_session(&session).await.expect("session");
    store.touch_session("s1", 20).await.expect("touch");
    let (found, owner) = store.session("s1").await.expect("read").expect("found");
    assert_eq!(found.last_seen_ms, 20);
    assert_eq!(found.created_at_ms, 10);
    assert_eq!(owner.username, "ann");
    assert_eq!(
        owner.created_at_ms, 1,
        "the user's own columns, not the session's"
    );
    assert_eq!(store.session("s2").await.expect("read"), None);
    store
        .insert_token(&NewToken {
            id: "t1".into(),
            user_id: "a".into(),
            name: "ci".into(),
            secret_hash: "h1".into(),
            scopes: "runs".into(),
            created_at_ms: 30,
            expires_at_ms: Some(99),
        })
        .await
        .expect("token");
    let (token, owner) = store.token("h1").await.expect("read").expect("found");
    assert_eq!((token.id.as_str(), token.scopes.as_str()), ("t1", "runs"));
    assert_eq!(token.expires_at_ms, Some(99));
    assert_eq!(owner.id, "a");
    assert_eq!(store.tokens("a").await.expect("list").len(), 1);
    assert!(
        !store.revoke_token("b", "t1").await.expect("revoke"),
        "not bob's"
    );
    assert!(store.revoke_token("a", "t1").await.expect("revoke"));
    assert!(
        store
            .token("h1")
            .await
            .expect("read")
            .expect("kept")
            .0
            .revoked
    );
    assert!(store.tokens("a").await.expect("list").is_empty());
    store.delete_session("s1").await.expect("delete");
    assert_eq!(store.session("s1").await.expect("read"), None);
}

async fn disabling_a_user_ends_their_sessions(store: Store) {
    store.insert_user(&user("a", "ann")).await.expect("ann");
    for id in ["s1", "s2"] {
        store
            .insert_session(&SessionRecord {
                id_hash: id.into(),
                user_id: "a".into(),
                created_at_ms: 1,
                last_seen_ms: 1,
                expires_at_ms: 100,
            })
            .await
            .expect("session");
    }
    store
        .set_password("a", "$argon2id$new", Some("s1"))
        .await
        .expect("password");
    assert!(
        store.session("s1").await.expect("read").is_some(),
        "the changing session stays"
    );
    assert_eq!(store.session("s2").await.expect("read"), None);
    assert!(store.set_disabled("a", true).await.expect("disable"));
    assert!(store.user("a").await.expect("read").expect("user").disabled);
    assert_eq!(store.session("s1").await.expect("read"), None);
    assert!(!store.set_disabled("nobody", true).await.expect("disable"));
}

async fn an_invitation_is_taken_once_and_can_be_given_back(store: Store) {
    store
        .insert_invite("i1", "a", 10, 100)
        .await
        .expect("invite");
    store
        .insert_invite("i2", "a", 10, 20)
        .await
        .expect("invite");
    assert!(store.take_invite("i1", 50).await.expect("take"));
    assert!(!store.take_invite("i1", 50).await.expect("take"), "used");
    store.return_invite("i1").await.expect("give back");
    assert!(store.take_invite("i1", 60).await.expect("take"));
    assert!(!store.take_invite("i2", 50).await.expect("take"), "expired");
    assert!(!store.take_invite("nope", 50).await.expect("take"));
}

async fn an_oidc_sign_in_is_taken_once_before_it_expires(store: Store) {
    let login = store::OidcLogin {
        state_hash: "st".into(),
        nonce: "n".into(),
        verifier: "v".into(),
        return_to: "/".into(),
        expires_at_ms: 100,
    };
    store.insert_oidc_login(&login).await.expect("keep");
    assert_eq!(
        store.take_oidc_login("st", 50).await.expect("take"),
        Some(login.clone())
    );
    assert_eq!(
        store.take_oidc_login("st", 50).await.expect("take"),
        None,
        "once"
    );
    store
        .insert_oidc_login(&store::OidcLogin {
            state_hash: "late".into(),
            ..login
        })
        .await
        .expect("keep");
    assert_eq!(
        store.take_oidc_login("late", 150).await.expect("take"),
        None,
        "expired"
    );
    let linked = NewUser {
        oidc: Some(("https://idp".into(), "sub-1".into())),
        password_hash: None,
        ..user("o", "olga")
    };
    store
        .insert_user(&linked)
        .await
        .expect("insert")
        .expect("new");
    let found = store
        .user_by_oidc("https://idp", "sub-1")
        .await
        .expect("read");
    assert_eq!(found.map(|u| u.id), Some("o".to_string()));
    let twice = NewUser {
        username: "olga2".into(),
        ..linked
    };
    assert_eq!(
        store
            .insert_user(&NewUser {
                id: "o2".into(),
                ..twice
            })
            .await
            .expect("insert"),
        None,
        "one user per (issuer, subject)"
    );
}

story!(
    the_first_user_is_an_admin_and_names_are_unique,
    a_guest_claims_an_account_keeping_its_id,
    sessions_and_tokens_are_found_by_hash_with_their_user,
    disabling_a_user_ends_their_sessions,
    an_invitation_is_taken_once_and_can_be_given_back,
    an_oidc_sign_in_is_taken_once_before_it_expires,
);
