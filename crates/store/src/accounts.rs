//! People and their credentials: users, sign-in sessions and personal API tokens. Secrets are
//! never stored: sessions and tokens are found by the SHA-256 of theirs (the `accounts` crate
//! makes and hashes them); passwords are argon2id hashes.

use crate::{Backend, Store, StoreError, db};
use sqlx::Row;
use sqlx::any::AnyRow;

/// A user as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: String,
    /// Lower-case, unique.
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    /// The argon2id hash (PHC string); none for a guest or a user who signs in with OIDC only.
    pub password_hash: Option<String>,
    pub is_admin: bool,
    pub is_guest: bool,
    pub disabled: bool,
    pub oidc_issuer: Option<String>,
    pub oidc_subject: Option<String>,
    pub created_at_ms: i64,
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub password_hash: Option<String>,
    pub is_admin: bool,
    /// Also an admin when no other (non-guest) user exists: the first user of an install.
    pub admin_if_first: bool,
    pub is_guest: bool,
    pub oidc: Option<(String, String)>,
    pub created_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id_hash: String,
    pub user_id: String,
    pub created_at_ms: i64,
    pub last_seen_ms: i64,
    /// The absolute end, whatever the activity.
    pub expires_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub id: String,
    pub user_id: String,
    pub name: String,
    /// Space-separated scope names.
    pub scopes: String,
    pub created_at_ms: i64,
    pub expires_at_ms: Option<i64>,
    pub last_used_ms: Option<i64>,
    pub revoked: bool,
}

#[derive(Debug, Clone)]
pub struct NewToken {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub secret_hash: String,
    pub scopes: String,
    pub created_at_ms: i64,
    pub expires_at_ms: Option<i64>,
}

/// Named `u_*` so that they never clash with the columns of a table joined to them.
const USER_COLUMNS: &str = "u.id AS u_id, u.username AS u_username, \
     u.display_name AS u_display_name, u.email AS u_email, u.password_hash AS u_password_hash, \
     u.is_admin AS u_is_admin, u.is_guest AS u_is_guest, u.disabled AS u_disabled, \
     u.oidc_issuer AS u_oidc_issuer, u.oidc_subject AS u_oidc_subject, \
     u.created_at AS u_created_at";
const TOKEN_COLUMNS: &str = "t.id, t.user_id, t.name, t.scopes, t.created_at, t.expires_at, \
     t.last_used_at, t.revoked";
const SESSION_COLUMNS: &str = "s.id_hash, s.user_id, s.created_at, s.last_seen_at, s.expires_at";

/// Serializes the "first user is an admin" decision between replicas on PostgreSQL.
const FIRST_USER_LOCK: i64 = 0x636f_6465_7573_6572; // "codeuser"

fn user_from(row: &AnyRow) -> Result<UserRecord, sqlx::Error> {
    Ok(UserRecord {
        id: row.try_get("u_id")?,
        username: row.try_get("u_username")?,
        display_name: row.try_get("u_display_name")?,
        email: row.try_get("u_email")?,
        password_hash: row.try_get("u_password_hash")?,
        is_admin: row.try_get::<i32, _>("u_is_admin")? != 0,
        is_guest: row.try_get::<i32, _>("u_is_guest")? != 0,
        disabled: row.try_get::<i32, _>("u_disabled")? != 0,
        oidc_issuer: row.try_get("u_oidc_issuer")?,
        oidc_subject: row.try_get("u_oidc_subject")?,
        created_at_ms: row.try_get("u_created_at")?,
    })
}

fn token_from(row: &AnyRow) -> Result<TokenRecord, sqlx::Error> {
    Ok(TokenRecord {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        name: row.try_get("name")?,
        scopes: row.try_get("scopes")?,
        created_at_ms: row.try_get("created_at")?,
        expires_at_ms: row.try_get("expires_at")?,
        last_used_ms: row.try_get("last_used_at")?,
        revoked: row.try_get::<i32, _>("revoked")? != 0,
    })
}

fn session_from(row: &AnyRow) -> Result<SessionRecord, sqlx::Error> {
    Ok(SessionRecord {
        id_hash: row.try_get("id_hash")?,
        user_id: row.try_get("user_id")?,
        created_at_ms: row.try_get("created_at")?,
        last_seen_ms: row.try_get("last_seen_at")?,
        expires_at_ms: row.try_get("expires_at")?,
    })
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(|e| e.is_unique_violation())
}

impl Store {
    /// Creates a user; `Ok(None)` when the username (or the OIDC identity) is taken.
    pub async fn insert_user(&self, user: &NewUser) -> Result<Option<UserRecord>, StoreError> {
        let err = db("creating a user");
        let mut tx = self.pool.begin().await.map_err(err)?;
        if self.backend == Backend::Postgres {
            sqlx::query(&format!("SELECT pg_advisory_xact_lock({FIRST_USER_LOCK})"))
                .execute(&mut *tx)
                .await
                .map_err(db("creating a user"))?;
        }
        let is_admin = user.is_admin
            || (user.admin_if_first && !user.is_guest && {
                let row = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE is_guest = 0")
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db("creating a user"))?;
                row.try_get::<i64, _>("n").map_err(db("creating a user"))? == 0
            });
        let (issuer, subject) = user.oidc.clone().unzip();
        let inserted = sqlx::query(
            "INSERT INTO users (id, username, display_name, email, password_hash, is_admin, \
             is_guest, disabled, oidc_issuer, oidc_subject, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, $10)",
        )
        .bind(&user.id)
        .bind(&user.username)
        .bind(&user.display_name)
        .bind(&user.email)
        .bind(&user.password_hash)
        .bind(i32::from(is_admin))
        .bind(i32::from(user.is_guest))
        .bind(&issuer)
        .bind(&subject)
        .bind(user.created_at_ms)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                tx.rollback().await.map_err(db("creating a user"))?;
                return Ok(None);
            }
            Err(e) => return Err(db("creating a user")(e)),
        }
        tx.commit().await.map_err(db("creating a user"))?;
        Ok(Some(UserRecord {
            id: user.id.clone(),
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            email: user.email.clone(),
            password_hash: user.password_hash.clone(),
            is_admin,
            is_guest: user.is_guest,
            disabled: false,
            oidc_issuer: issuer,
            oidc_subject: subject,
            created_at_ms: user.created_at_ms,
        }))
    }

    async fn user_where(
        &self,
        condition: &str,
        values: &[&str],
    ) -> Result<Option<UserRecord>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE {condition}");
        let mut query = sqlx::query(&sql);
        for value in values {
            query = query.bind(*value);
        }
        let row = query
            .fetch_optional(&self.reads)
            .await
            .map_err(db("reading a user"))?;
        row.as_ref()
            .map(user_from)
            .transpose()
            .map_err(db("reading a user"))
    }

    pub async fn user(&self, id: &str) -> Result<Option<UserRecord>, StoreError> {
        self.user_where("u.id = $1", &[id]).await
    }

    /// By username, which is matched lower-case.
    pub async fn user_by_name(&self, username: &str) -> Result<Option<UserRecord>, StoreError> {
        self.user_where("u.username = $1", &[&username.to_lowercase()])
            .await
    }

    pub async fn user_by_oidc(
        &self,
        issuer: &str,
        subject: &str,
    ) -> Result<Option<UserRecord>, StoreError> {
        self.user_where(
            "u.oidc_issuer = $1 AND u.oidc_subject = $2",
            &[issuer, subject],
        )
        .await
    }

    /// Every user, oldest first.
    pub async fn users(&self) -> Result<Vec<UserRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users u ORDER BY u.created_at, u.id"
        ))
        .fetch_all(&self.reads)
        .await
        .map_err(db("listing users"))?;
        rows.iter()
            .map(user_from)
            .collect::<Result<_, _>>()
            .map_err(db("listing users"))
    }

    /// Disables (or enables) a user; a disabled user's sessions are deleted with it, in one
    /// transaction. False for no such user.
    pub async fn set_disabled(&self, id: &str, disabled: bool) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db("disabling a user"))?;
        let done = sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
            .bind(i32::from(disabled))
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db("disabling a user"))?;
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db("disabling a user"))?;
        }
        tx.commit().await.map_err(db("disabling a user"))?;
        Ok(done.rows_affected() == 1)
    }

    /// Sets a new password and ends every session of the user but `keep` (the session that
    /// changed it), so that a stolen session does not outlive a password change.
    pub async fn set_password(
        &self,
        id: &str,
        password_hash: &str,
        keep: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(db("changing a password"))?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db("changing a password"))?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
            .bind(id)
            .bind(keep.unwrap_or(""))
            .execute(&mut *tx)
            .await
            .map_err(db("changing a password"))?;
        tx.commit().await.map_err(db("changing a password"))?;
        Ok(())
    }

    /// Replaces a password's hash by one of the same password (stronger parameters): sessions
    /// stay.
    pub async fn rehash_password(&self, id: &str, password_hash: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db("rehashing a password"))?;
        Ok(())
    }

    /// Turns a guest into a user with a username and password, keeping its id (and so all it
    /// made). `Ok(false)` when the username is taken; an error if `id` is not a guest.
    pub async fn claim_guest(
        &self,
        id: &str,
        username: &str,
        password_hash: &str,
    ) -> Result<Option<UserRecord>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db("claiming an account"))?;
        if self.backend == Backend::Postgres {
            sqlx::query(&format!("SELECT pg_advisory_xact_lock({FIRST_USER_LOCK})"))
                .execute(&mut *tx)
                .await
                .map_err(db("claiming an account"))?;
        }
        let row = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE is_guest = 0")
            .fetch_one(&mut *tx)
            .await
            .map_err(db("claiming an account"))?;
        let first = row
            .try_get::<i64, _>("n")
            .map_err(db("claiming an account"))?
            == 0;
        let done = sqlx::query(
            "UPDATE users SET username = $1, display_name = $2, password_hash = $3, \
             is_guest = 0, is_admin = $4 WHERE id = $5 AND is_guest = 1",
        )
        .bind(username)
        .bind(username)
        .bind(password_hash)
        .bind(i32::from(first))
        .bind(id)
        .execute(&mut *tx)
        .await;
        match done {
            Ok(done) if done.rows_affected() == 1 => {}
            Ok(_) => {
                tx.rollback().await.map_err(db("claiming an account"))?;
                return Err(StoreError::Corrupt {
                    column: "is_guest",
                    value: format!("user {id} is not a guest"),
                });
            }
            Err(e) if is_unique_violation(&e) => {
                tx.rollback().await.map_err(db("claiming an account"))?;
                return Ok(None);
            }
            Err(e) => return Err(db("claiming an account")(e)),
        }
        tx.commit().await.map_err(db("claiming an account"))?;
        self.user(id).await
    }

    pub async fn insert_session(&self, session: &SessionRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&session.id_hash)
        .bind(&session.user_id)
        .bind(session.created_at_ms)
        .bind(session.last_seen_ms)
        .bind(session.expires_at_ms)
        .execute(&self.pool)
        .await
        .map_err(db("creating a session"))?;
        Ok(())
    }

    /// A session with its user, in one read (every authenticated request makes it, or finds
    /// it cached).
    pub async fn session(
        &self,
        id_hash: &str,
    ) -> Result<Option<(SessionRecord, UserRecord)>, StoreError> {
        self.with_user(
            &format!(
                "SELECT {SESSION_COLUMNS}, {USER_COLUMNS} FROM sessions s \
                 JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1"
            ),
            id_hash,
            "reading a session",
            session_from,
        )
        .await
    }

    /// One row of a credential joined with its user.
    async fn with_user<T>(
        &self,
        sql: &str,
        key: &str,
        action: &'static str,
        read: fn(&AnyRow) -> Result<T, sqlx::Error>,
    ) -> Result<Option<(T, UserRecord)>, StoreError> {
        let row = sqlx::query(sql)
            .bind(key)
            .fetch_optional(&self.reads)
            .await
            .map_err(db(action))?;
        row.map(|row| Ok((read(&row)?, user_from(&row)?)))
            .transpose()
            .map_err(db(action))
    }

    /// Records activity (for the idle expiry).
    pub async fn touch_session(&self, id_hash: &str, now_ms: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
            .bind(now_ms)
            .bind(id_hash)
            .execute(&self.pool)
            .await
            .map_err(db("touching a session"))?;
        Ok(())
    }

    pub async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await
            .map_err(db("ending a session"))?;
        Ok(())
    }

    pub async fn insert_token(&self, token: &NewToken) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO api_tokens (id, user_id, name, secret_hash, scopes, created_at, \
             expires_at, revoked) VALUES ($1, $2, $3, $4, $5, $6, $7, 0)",
        )
        .bind(&token.id)
        .bind(&token.user_id)
        .bind(&token.name)
        .bind(&token.secret_hash)
        .bind(&token.scopes)
        .bind(token.created_at_ms)
        .bind(token.expires_at_ms)
        .execute(&self.pool)
        .await
        .map_err(db("creating a token"))?;
        Ok(())
    }

    /// A user's tokens that are not revoked, newest first.
    pub async fn tokens(&self, user_id: &str) -> Result<Vec<TokenRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens t WHERE t.user_id = $1 AND t.revoked = 0 \
             ORDER BY t.created_at DESC, t.id"
        ))
        .bind(user_id)
        .fetch_all(&self.reads)
        .await
        .map_err(db("listing tokens"))?;
        rows.iter()
            .map(token_from)
            .collect::<Result<_, _>>()
            .map_err(db("listing tokens"))
    }

    /// A token with its user, by the hash of its secret.
    pub async fn token(
        &self,
        secret_hash: &str,
    ) -> Result<Option<(TokenRecord, UserRecord)>, StoreError> {
        self.with_user(
            &format!(
                "SELECT {TOKEN_COLUMNS}, {USER_COLUMNS} FROM api_tokens t \
                 JOIN users u ON u.id = t.user_id WHERE t.secret_hash = $1"
            ),
            secret_hash,
            "reading a token",
            token_from,
        )
        .await
    }

    /// Revokes a token of `user_id`; false when it has no such token.
    pub async fn revoke_token(&self, user_id: &str, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked = 1 WHERE id = $1 AND user_id = $2 AND revoked = 0",
        )
        .bind(id)
        .bind(user_id)
        .execute(&self.pool)
        .await
        .map_err(db("revoking a token"))?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn touch_token(&self, id: &str, now_ms: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(now_ms)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db("touching a token"))?;
        Ok(())
    }

    pub async fn insert_invite(
        &self,
        code_hash: &str,
        created_by: &str,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO invites (code_hash, created_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(code_hash)
        .bind(created_by)
        .bind(now_ms)
        .bind(expires_at_ms)
        .execute(&self.pool)
        .await
        .map_err(db("creating an invitation"))?;
        Ok(())
    }

    /// Takes an invitation (once: false when unknown, used or expired).
    pub async fn take_invite(&self, code_hash: &str, now_ms: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE invites SET used_at = $1 \
             WHERE code_hash = $2 AND used_at IS NULL AND expires_at > $3",
        )
        .bind(now_ms)
        .bind(code_hash)
        .bind(now_ms)
        .execute(&self.pool)
        .await
        .map_err(db("taking an invitation"))?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives an invitation back (the sign-up it was taken for failed).
    pub async fn return_invite(&self, code_hash: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE invites SET used_at = NULL WHERE code_hash = $1")
            .bind(code_hash)
            .execute(&self.pool)
            .await
            .map_err(db("returning an invitation"))?;
        Ok(())
    }

    /// Keeps an OpenID Connect sign-in until the provider sends the browser back (and forgets
    /// those abandoned long ago).
    pub async fn insert_oidc_login(&self, login: &OidcLogin) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM oidc_logins WHERE expires_at < $1")
            .bind(login.expires_at_ms - 86_400_000)
            .execute(&self.pool)
            .await
            .map_err(db("keeping a sign-in"))?;
        sqlx::query(
            "INSERT INTO oidc_logins (state_hash, nonce, verifier, return_to, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&login.state_hash)
        .bind(&login.nonce)
        .bind(&login.verifier)
        .bind(&login.return_to)
        .bind(login.expires_at_ms)
        .execute(&self.pool)
        .await
        .map_err(db("keeping a sign-in"))?;
        Ok(())
    }

    /// Takes a sign-in under way (once); none when unknown or expired.
    pub async fn take_oidc_login(
        &self,
        state_hash: &str,
        now_ms: i64,
    ) -> Result<Option<OidcLogin>, StoreError> {
        let row = sqlx::query(
            "DELETE FROM oidc_logins WHERE state_hash = $1 \
             RETURNING state_hash, nonce, verifier, return_to, expires_at",
        )
        .bind(state_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(db("taking a sign-in"))?;
        let Some(row) = row else { return Ok(None) };
        let read = || -> Result<OidcLogin, sqlx::Error> {
            Ok(OidcLogin {
                state_hash: row.try_get("state_hash")?,
                nonce: row.try_get("nonce")?,
                verifier: row.try_get("verifier")?,
                return_to: row.try_get("return_to")?,
                expires_at_ms: row.try_get("expires_at")?,
            })
        };
        let login = read().map_err(db("taking a sign-in"))?;
        Ok((login.expires_at_ms > now_ms).then_some(login))
    }
}

/// An OpenID Connect sign-in under way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcLogin {
    pub state_hash: String,
    pub nonce: String,
    /// The PKCE code verifier.
    pub verifier: String,
    /// Where the browser goes once signed in (a path of ours).
    pub return_to: String,
    pub expires_at_ms: i64,
}
