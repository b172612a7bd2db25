//! `Accounts`: sign-up, sign-in, guests, sessions, tokens and users, over the store.
//!
//! Every authenticated request resolves its credential here. Lookups are cached for a short
//! time (`CACHE_TTL`) so that a request costs no database read most of the time; whatever this
//! process revokes (sign-out, a revoked token, a disabled user, a new password) empties the
//! cache at once and bumps `revocations`, which open WebSockets watch. Another replica's
//! revocation reaches this one within `CACHE_TTL`.

use crate::oidc::{Identity, Oidc, OidcConfig, OidcError};
use crate::password::{self, Hasher, WeakPassword};
use crate::principal::{Principal, User, Via};
use crate::scope::{Scope, Scopes};
use crate::{secret, username};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use store::{
    NewToken, NewUser, OidcLogin, SessionRecord, Store, StoreError, TokenRecord, UserRecord,
};
use tokio::sync::watch;

/// How long a resolved credential is trusted without reading the database again.
pub const CACHE_TTL: Duration = Duration::from_millis(500);
/// Activity is written back at most this often per session or token.
const TOUCH_EVERY_MS: i64 = 60_000;
const CACHE_MAX: usize = 10_000;

#[derive(Debug, Clone)]
pub struct AccountsConfig {
    /// A session unused for this long ends.
    pub session_idle: Duration,
    /// A session ends this long after sign-in, whatever its use.
    pub session_lifetime: Duration,
    /// Password hashes computed at once (each takes 64 MiB and a core for ~150 ms).
    pub hash_parallelism: usize,
    /// Sign-in with this OpenID Connect provider, and its JWT access tokens as bearer tokens.
    pub oidc: Option<OidcConfig>,
}

impl Default for AccountsConfig {
    fn default() -> Self {
        AccountsConfig {
            session_idle: Duration::from_secs(7 * 24 * 3600),
            session_lifetime: Duration::from_secs(30 * 24 * 3600),
            hash_parallelism: std::thread::available_parallelism()
                .map_or(1, |n| (n.get() / 2).max(1)),
            oidc: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("this username is taken")]
    UsernameTaken,
    #[error("{0}")]
    InvalidUsername(String),
    #[error("{0}")]
    WeakPassword(#[from] WeakPassword),
    /// The same for an unknown user and a wrong password.
    #[error("wrong username or password")]
    InvalidCredentials,
    #[error("this account is disabled")]
    Disabled,
    #[error("this invitation is unknown, used or expired")]
    InvalidInvite,
    #[error("only a guest can claim an account")]
    NotGuest,
    #[error("{0}")]
    InvalidRequest(String),
    #[error(transparent)]
    Oidc(#[from] OidcError),
    #[error("this sign-in is unknown or expired: start again")]
    UnknownSignIn,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Internal(String),
}

fn internal(e: impl std::fmt::Display) -> AccountError {
    AccountError::Internal(e.to_string())
}

/// A user just signed in (or up): who, and the session secret for their cookie.
#[derive(Debug, Clone)]
pub struct Created {
    pub user: User,
    pub session_secret: String,
}

#[derive(Debug, Clone)]
pub struct NewTokenRequest {
    pub name: String,
    pub scopes: Scopes,
    pub expires_at_ms: Option<i64>,
}

#[derive(Debug, Clone)]
struct Cached {
    at: Instant,
    principal: Option<Principal>,
}

#[derive(Debug)]
struct Inner {
    store: Store,
    config: AccountsConfig,
    hasher: Hasher,
    cache: Mutex<HashMap<String, Cached>>,
    revocations: watch::Sender<u64>,
    oidc: Option<Oidc>,
}

/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct Accounts {
    inner: Arc<Inner>,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

impl Accounts {
    pub fn new(store: Store, config: AccountsConfig) -> Self {
        let hasher = Hasher::new(config.hash_parallelism);
        let oidc = config.oidc.clone().map(Oidc::new);
        Accounts {
            inner: Arc::new(Inner {
                store,
                config,
                hasher,
                oidc,
                cache: Mutex::new(HashMap::new()),
                revocations: watch::channel(0).0,
            }),
        }
    }

    /// Changes each time this process revokes a credential: holders of long-lived connections
    /// check theirs again.
    pub fn revocations(&self) -> watch::Receiver<u64> {
        self.inner.revocations.subscribe()
    }

    fn revoked(&self) {
        if let Ok(mut cache) = self.inner.cache.lock() {
            cache.clear();
        }
        self.inner.revocations.send_modify(|n| *n += 1);
    }

    async fn new_session(&self, user_id: &str) -> Result<String, AccountError> {
        let secret = secret::session_secret().map_err(internal)?;
        let now = now_ms();
        self.inner
            .store
            .insert_session(&SessionRecord {
                id_hash: secret::hash(&secret),
                user_id: user_id.to_string(),
                created_at_ms: now,
                last_seen_ms: now,
                expires_at_ms: now.saturating_add(ms(self.inner.config.session_lifetime)),
            })
            .await?;
        Ok(secret)
    }

    /// Creates a user with a password (sign-up, `admin create-user`): the first user of an
    /// install is an admin.
    pub async fn create_user(
        &self,
        name: &str,
        password: &str,
        email: Option<&str>,
        is_admin: bool,
    ) -> Result<User, AccountError> {
        let name = username::normalize(name).map_err(AccountError::InvalidUsername)?;
        password::check_strength(password, &name)?;
        let email = email.map(str::trim).filter(|e| !e.is_empty());
        if let Some(email) = email
            && (email.len() > 254 || !email.contains('@') || email.contains(char::is_whitespace))
        {
            return Err(AccountError::InvalidRequest(format!(
                "{email:?} is not an e-mail address"
            )));
        }
        // A taken name is refused before the cost of a hash.
        if self.inner.store.user_by_name(&name).await?.is_some() {
            return Err(AccountError::UsernameTaken);
        }
        let hash = self.inner.hasher.hash(password).await.map_err(internal)?;
        let record = self
            .inner
            .store
            .insert_user(&NewUser {
                id: secret::id().map_err(internal)?,
                username: name.clone(),
                display_name: name,
                email: email.map(String::from),
                password_hash: Some(hash),
                is_admin,
                admin_if_first: true,
                is_guest: false,
                oidc: None,
                created_at_ms: now_ms(),
            })
            .await?
            .ok_or(AccountError::UsernameTaken)?;
        Ok(User::from(&record))
    }

    /// Signs a new user up. With `invite`, the invitation is used (once) or the sign-up refused.
    pub async fn signup(
        &self,
        name: &str,
        password: &str,
        email: Option<&str>,
        invite: Option<&str>,
    ) -> Result<Created, AccountError> {
        let invite_hash = invite.map(secret::hash);
        if let Some(hash) = &invite_hash
            && !self.inner.store.take_invite(hash, now_ms()).await?
        {
            return Err(AccountError::InvalidInvite);
        }
        let user = match self.create_user(name, password, email, false).await {
            Ok(user) => user,
            Err(e) => {
                if let Some(hash) = &invite_hash {
                    self.inner.store.return_invite(hash).await?;
                }
                return Err(e);
            }
        };
        let session_secret = self.new_session(&user.id).await?;
        Ok(Created {
            user,
            session_secret,
        })
    }

    pub async fn login(&self, name: &str, password: &str) -> Result<Created, AccountError> {
        // An unknown or malformed name is verified against a decoy: the same answer, in the same
        // time, as a wrong password.
        let record = match username::normalize(name) {
            Ok(name) => self.inner.store.user_by_name(&name).await?,
            Err(_) => None,
        };
        let hash = record.as_ref().and_then(|r| r.password_hash.as_deref());
        if password.len() > password::MAX_LENGTH || !self.inner.hasher.verify(hash, password).await
        {
            return Err(AccountError::InvalidCredentials);
        }
        let Some(record) = record else {
            return Err(AccountError::InvalidCredentials);
        };
        if record.disabled {
            return Err(AccountError::Disabled);
        }
        if record
            .password_hash
            .as_deref()
            .is_some_and(password::needs_rehash)
        {
            // Best effort: the sign-in stands whatever happens to the stronger hash.
            match self.inner.hasher.hash(password).await {
                Ok(hash) => {
                    if let Err(e) = self.inner.store.rehash_password(&record.id, &hash).await {
                        tracing::warn!("rehashing a password: {e}");
                    }
                }
                Err(e) => tracing::warn!("rehashing a password: {e}"),
            }
        }
        let session_secret = self.new_session(&record.id).await?;
        Ok(Created {
            user: User::from(&record),
            session_secret,
        })
    }

    /// A new guest: a user with a random name and no password, signed in.
    pub async fn guest(&self) -> Result<Created, AccountError> {
        let name = format!(
            "guest-{}",
            secret::random_base62(8).map_err(internal)?.to_lowercase()
        );
        let record = self
            .inner
            .store
            .insert_user(&NewUser {
                id: secret::id().map_err(internal)?,
                username: name.clone(),
                display_name: "Guest".into(),
                email: None,
                password_hash: None,
                is_admin: false,
                admin_if_first: false,
                is_guest: true,
                oidc: None,
                created_at_ms: now_ms(),
            })
            .await?
            .ok_or_else(|| internal("a random guest name was taken"))?;
        let session_secret = self.new_session(&record.id).await?;
        Ok(Created {
            user: User::from(&record),
            session_secret,
        })
    }

    /// A guest becomes a user (same id: everything it made stays its own).
    pub async fn claim(
        &self,
        guest: &User,
        name: &str,
        password: &str,
    ) -> Result<User, AccountError> {
        if !guest.is_guest {
            return Err(AccountError::NotGuest);
        }
        let name = username::normalize(name).map_err(AccountError::InvalidUsername)?;
        password::check_strength(password, &name)?;
        if self.inner.store.user_by_name(&name).await?.is_some() {
            return Err(AccountError::UsernameTaken);
        }
        let hash = self.inner.hasher.hash(password).await.map_err(internal)?;
        let record = self
            .inner
            .store
            .claim_guest(&guest.id, &name, &hash)
            .await?
            .ok_or(AccountError::UsernameTaken)?;
        self.revoked();
        Ok(User::from(&record))
    }

    /// Changes the password of the principal's user; every other session of theirs ends.
    pub async fn change_password(
        &self,
        principal: &Principal,
        current: &str,
        new: &str,
    ) -> Result<(), AccountError> {
        let record = self
            .inner
            .store
            .user(&principal.user.id)
            .await?
            .ok_or(AccountError::InvalidCredentials)?;
        if !self
            .inner
            .hasher
            .verify(record.password_hash.as_deref(), current)
            .await
        {
            return Err(AccountError::InvalidCredentials);
        }
        password::check_strength(new, &record.username)?;
        let hash = self.inner.hasher.hash(new).await.map_err(internal)?;
        let keep = match &principal.via {
            Via::Session { id_hash } => Some(id_hash.as_str()),
            Via::Token { .. } | Via::AccessToken { .. } => None,
        };
        self.inner
            .store
            .set_password(&record.id, &hash, keep)
            .await?;
        self.revoked();
        Ok(())
    }

    /// Ends the session whose secret this is (nothing if there is none).
    pub async fn logout(&self, session_secret: &str) -> Result<(), AccountError> {
        self.inner
            .store
            .delete_session(&secret::hash(session_secret))
            .await?;
        self.revoked();
        Ok(())
    }

    fn cached(&self, key: &str) -> Option<Option<Principal>> {
        let cache = self.inner.cache.lock().ok()?;
        let entry = cache.get(key)?;
        (entry.at.elapsed() < CACHE_TTL).then(|| entry.principal.clone())
    }

    fn remember(&self, key: String, principal: Option<Principal>) {
        if let Ok(mut cache) = self.inner.cache.lock() {
            if cache.len() >= CACHE_MAX {
                cache.clear();
            }
            cache.insert(
                key,
                Cached {
                    at: Instant::now(),
                    principal,
                },
            );
        }
    }

    /// The principal behind a session cookie; none when it is unknown, expired (idle or
    /// absolute) or its user is disabled.
    pub async fn session(&self, session_secret: &str) -> Result<Option<Principal>, AccountError> {
        let id_hash = secret::hash(session_secret);
        let key = format!("s:{id_hash}");
        self.cached_or(key, async {
            let now = now_ms();
            let found = self.inner.store.session(&id_hash).await?;
            Ok(match found {
                Some((session, user))
                    if !user.disabled
                        && session.expires_at_ms > now
                        && session.last_seen_ms + ms(self.inner.config.session_idle) > now =>
                {
                    if now - session.last_seen_ms > TOUCH_EVERY_MS {
                        self.inner.store.touch_session(&id_hash, now).await?;
                    }
                    Some(Principal {
                        user: User::from(&user),
                        via: Via::Session {
                            id_hash: id_hash.clone(),
                        },
                    })
                }
                _ => None,
            })
        })
        .await
    }

    /// What `key` resolved to a moment ago, or what `resolve` says now (remembered).
    async fn cached_or(
        &self,
        key: String,
        resolve: impl std::future::Future<Output = Result<Option<Principal>, AccountError>>,
    ) -> Result<Option<Principal>, AccountError> {
        if let Some(hit) = self.cached(&key) {
            return Ok(hit);
        }
        let principal = resolve.await?;
        self.remember(key, principal.clone());
        Ok(principal)
    }

    /// The principal behind an API token; none when it is unknown, revoked, expired or its
    /// user is disabled.
    pub async fn token(&self, token_secret: &str) -> Result<Option<Principal>, AccountError> {
        if !token_secret.starts_with(secret::TOKEN_PREFIX) || token_secret.len() > 128 {
            return Ok(None);
        }
        let hash = secret::hash(token_secret);
        let key = format!("t:{hash}");
        self.cached_or(key, async {
            let now = now_ms();
            let found = self.inner.store.token(&hash).await?;
            Ok(match found {
                Some((token, user))
                    if !user.disabled
                        && !token.revoked
                        && token.expires_at_ms.is_none_or(|at| at > now) =>
                {
                    if token
                        .last_used_ms
                        .is_none_or(|at| now - at > TOUCH_EVERY_MS)
                    {
                        self.inner.store.touch_token(&token.id, now).await?;
                    }
                    Some(Principal {
                        user: User::from(&user),
                        via: Via::Token {
                            id: token.id,
                            scopes: Scopes::from_text(&token.scopes),
                        },
                    })
                }
                _ => None,
            })
        })
        .await
    }

    /// A new token for `user`; the secret is returned once and never stored.
    pub async fn create_token(
        &self,
        user: &User,
        request: &NewTokenRequest,
    ) -> Result<(TokenRecord, String), AccountError> {
        let name = request.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(AccountError::InvalidRequest(
                "a token's name has 1 to 100 characters".into(),
            ));
        }
        if request.scopes.is_empty() {
            return Err(AccountError::InvalidRequest(
                "a token needs at least one scope".into(),
            ));
        }
        if request.scopes.contains(Scope::Admin) && !user.is_admin {
            return Err(AccountError::InvalidRequest(
                "only an admin can make a token with the admin scope".into(),
            ));
        }
        let now = now_ms();
        if request.expires_at_ms.is_some_and(|at| at <= now) {
            return Err(AccountError::InvalidRequest(
                "a token's expiry must be in the future".into(),
            ));
        }
        if self.inner.store.tokens(&user.id).await?.len() >= 100 {
            return Err(AccountError::InvalidRequest(
                "a user has at most 100 tokens: revoke one first".into(),
            ));
        }
        let secret = secret::token_secret().map_err(internal)?;
        let token = NewToken {
            id: secret::id().map_err(internal)?,
            user_id: user.id.clone(),
            name: name.to_string(),
            secret_hash: secret::hash(&secret),
            scopes: request.scopes.to_text(),
            created_at_ms: now,
            expires_at_ms: request.expires_at_ms,
        };
        self.inner.store.insert_token(&token).await?;
        let record = TokenRecord {
            id: token.id,
            user_id: token.user_id,
            name: token.name,
            scopes: token.scopes,
            created_at_ms: now,
            expires_at_ms: token.expires_at_ms,
            last_used_ms: None,
            revoked: false,
        };
        Ok((record, secret))
    }

    pub async fn tokens(&self, user: &User) -> Result<Vec<TokenRecord>, AccountError> {
        Ok(self.inner.store.tokens(&user.id).await?)
    }

    /// False when the user has no such token.
    pub async fn revoke_token(&self, user: &User, id: &str) -> Result<bool, AccountError> {
        let done = self.inner.store.revoke_token(&user.id, id).await?;
        if done {
            self.revoked();
        }
        Ok(done)
    }

    pub async fn users(&self) -> Result<Vec<User>, AccountError> {
        Ok(self
            .inner
            .store
            .users()
            .await?
            .iter()
            .map(User::from)
            .collect())
    }

    pub async fn user(&self, id: &str) -> Result<Option<User>, AccountError> {
        Ok(self.inner.store.user(id).await?.as_ref().map(User::from))
    }

    pub async fn user_by_name(&self, name: &str) -> Result<Option<User>, AccountError> {
        Ok(self
            .inner
            .store
            .user_by_name(name)
            .await?
            .as_ref()
            .map(User::from))
    }

    /// Disables or enables a user; disabling ends their sessions, tokens and connections at
    /// once. None for no such user.
    pub async fn set_disabled(
        &self,
        id: &str,
        disabled: bool,
    ) -> Result<Option<User>, AccountError> {
        if !self.inner.store.set_disabled(id, disabled).await? {
            return Ok(None);
        }
        self.revoked();
        self.user(id).await
    }

    /// A sign-up invitation, valid for `valid_for`; the code is returned once.
    pub async fn create_invite(
        &self,
        by: &User,
        valid_for: Duration,
    ) -> Result<String, AccountError> {
        let code = secret::random_base62(24).map_err(internal)?;
        let now = now_ms();
        self.inner
            .store
            .insert_invite(
                &secret::hash(&code),
                &by.id,
                now,
                now.saturating_add(ms(valid_for)),
            )
            .await?;
        Ok(code)
    }

    pub fn oidc(&self) -> Option<&Oidc> {
        self.inner.oidc.as_ref()
    }

    /// Starts an OpenID Connect sign-in: the provider's URL to send the browser to, and the
    /// `state` to bind to the browser (a cookie) until it comes back.
    pub async fn oidc_start(&self, return_to: &str) -> Result<(String, String), AccountError> {
        let oidc = self
            .inner
            .oidc
            .as_ref()
            .ok_or(AccountError::UnknownSignIn)?;
        let attempt = oidc.start().await?;
        self.inner
            .store
            .insert_oidc_login(&OidcLogin {
                state_hash: secret::hash(&attempt.state),
                nonce: attempt.nonce,
                verifier: attempt.verifier,
                return_to: return_to.to_string(),
                expires_at_ms: now_ms() + 10 * 60_000,
            })
            .await?;
        Ok((attempt.url, attempt.state))
    }

    /// Ends an OpenID Connect sign-in: the user linked to the provider's identity (made on the
    /// first sign-in), signed in, and where to send the browser.
    pub async fn oidc_finish(
        &self,
        state: &str,
        code: &str,
    ) -> Result<(Created, String), AccountError> {
        let oidc = self
            .inner
            .oidc
            .as_ref()
            .ok_or(AccountError::UnknownSignIn)?;
        let login = self
            .inner
            .store
            .take_oidc_login(&secret::hash(state), now_ms())
            .await?
            .ok_or(AccountError::UnknownSignIn)?;
        let identity = oidc.finish(code, &login.verifier, &login.nonce).await?;
        let user = self.linked_user(&identity).await?;
        if user.disabled {
            return Err(AccountError::Disabled);
        }
        let session_secret = self.new_session(&user.id).await?;
        Ok((
            Created {
                user: User::from(&user),
                session_secret,
            },
            login.return_to,
        ))
    }

    /// The user of a provider identity: found by (issuer, subject), or made now with a name
    /// from the provider's claims (a suffix when taken).
    async fn linked_user(&self, identity: &Identity) -> Result<UserRecord, AccountError> {
        let store = &self.inner.store;
        if let Some(user) = store
            .user_by_oidc(&identity.issuer, &identity.subject)
            .await?
        {
            return Ok(user);
        }
        let wanted = identity
            .preferred_username
            .clone()
            .or_else(|| {
                identity
                    .email
                    .as_ref()
                    .and_then(|e| e.split('@').next().map(String::from))
            })
            .unwrap_or_else(|| identity.subject.clone());
        let base = username::sanitize(&wanted);
        for attempt in 0..12 {
            let name = match attempt {
                0 => base.clone(),
                1..=8 => format!("{}-{}", base, attempt + 1),
                _ => format!(
                    "{}-{}",
                    base,
                    secret::random_base62(6).map_err(internal)?.to_lowercase()
                ),
            };
            let made = store
                .insert_user(&NewUser {
                    id: secret::id().map_err(internal)?,
                    username: name.clone(),
                    display_name: identity.name.clone().unwrap_or(name),
                    email: identity.email.clone(),
                    password_hash: None,
                    is_admin: false,
                    admin_if_first: true,
                    is_guest: false,
                    oidc: Some((identity.issuer.clone(), identity.subject.clone())),
                    created_at_ms: now_ms(),
                })
                .await?;
            if let Some(user) = made {
                tracing::info!(user = %user.id, username = %user.username, "signed up with OpenID Connect");
                return Ok(user);
            }
            // Taken: the name, or the identity itself by a concurrent first sign-in.
            if let Some(user) = store
                .user_by_oidc(&identity.issuer, &identity.subject)
                .await?
            {
                return Ok(user);
            }
        }
        Err(internal("no free username for a new OpenID Connect user"))
    }

    /// The principal behind an `Authorization: Bearer` value: one of our API tokens, or a JWT
    /// access token of the configured provider. None when it is neither valid one.
    pub async fn bearer(&self, token: &str) -> Result<Option<Principal>, AccountError> {
        if token.starts_with(secret::TOKEN_PREFIX) {
            return self.token(token).await;
        }
        let Some(oidc) = self.inner.oidc.as_ref() else {
            return Ok(None);
        };
        if !crate::oidc::looks_like_jwt(token) {
            return Ok(None);
        }
        let key = format!("j:{}", secret::hash(token));
        self.cached_or(key, async {
            let identity = match oidc.access_token(token).await {
                Ok(identity) => identity,
                Err(OidcError::InvalidToken(reason)) => {
                    tracing::debug!("refused an access token: {reason}");
                    return Ok(None);
                }
                Err(e) => return Err(e.into()),
            };
            let user = self.linked_user(&identity).await?;
            Ok((!user.disabled).then(|| Principal {
                user: User::from(&user),
                via: Via::AccessToken {
                    scopes: Scopes::from_text(identity.scope.as_deref().unwrap_or("")),
                },
            }))
        })
        .await
    }
}
