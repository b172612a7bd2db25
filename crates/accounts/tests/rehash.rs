//! A password hashed with older, weaker parameters is hashed again, with today's, at the next
//! successful sign-in (on a real SQLite store).

use argon2::password_hash::PasswordHasher;
use argon2::{Algorithm, Argon2, Params, Version};

#[tokio::test]
async fn an_old_hash_is_made_stronger_at_the_next_sign_in_and_still_signs_in() {
    let path =
        std::env::temp_dir().join(format!("codecollab-rehash-{}.sqlite", std::process::id()));
    let store = store::Store::connect(&format!("sqlite://{}", path.display()))
        .await
        .expect("store");
    let password = "correct horse battery staple";
    // OWASP's minimum, which an earlier version used.
    let old = Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(19 * 1024, 2, 1, None).expect("params"),
    )
    .hash_password_with_salt(password.as_bytes(), b"sixteen-byte-slt")
    .expect("hash")
    .to_string();
    assert!(accounts::password::needs_rehash(&old));
    store
        .insert_user(&store::NewUser {
            id: "u1".into(),
            username: "ann".into(),
            display_name: "ann".into(),
            email: None,
            password_hash: Some(old.clone()),
            is_admin: false,
            admin_if_first: true,
            is_guest: false,
            oidc: None,
            created_at_ms: 1,
        })
        .await
        .expect("insert")
        .expect("new");
    let accounts = accounts::Accounts::new(store.clone(), Default::default());
    accounts
        .login("ann", password)
        .await
        .expect("the old hash signs in");
    let stored = store.user("u1").await.expect("read").expect("user");
    let new = stored.password_hash.expect("hash");
    assert_ne!(new, old);
    assert!(!accounts::password::needs_rehash(&new), "{new}");
    accounts
        .login("ann", password)
        .await
        .expect("the new hash signs in");
    assert!(
        accounts
            .login("ann", "not the password at all")
            .await
            .is_err()
    );
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
