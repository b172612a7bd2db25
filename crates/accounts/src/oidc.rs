//! OpenID Connect: sign-in with the operator's provider (authorization code flow with PKCE,
//! state and nonce) and the provider's JWT access tokens accepted as bearer tokens.
//!
//! The provider's discovery document is read at the first use; its keys (JWKS) are cached and
//! read again when a token names a key id we do not know (a key rotation), at most once a
//! second so that tokens with invented key ids cannot make us hammer the provider. Only
//! asymmetric signatures are accepted (an `HS256` token signed with some public value is the
//! classic confusion attack).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// What the operator configures.
#[derive(Debug, Clone)]
pub struct OidcConfig {
    /// The issuer URL exactly as the provider names itself (`iss`).
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Shown on the sign-in button ("Sign in with …").
    pub name: String,
    /// Where the provider sends the browser back: `{public_url}/api/v1/auth/oidc/callback`.
    pub redirect_uri: String,
    /// The `aud` a JWT access token must carry (default: the client id).
    pub audience: String,
}

#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("the identity provider could not be reached or answered badly: {0}")]
    Provider(String),
    #[error("the token is not valid: {0}")]
    InvalidToken(String),
}

#[derive(Debug, Clone, Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    #[serde(default)]
    userinfo_endpoint: Option<String>,
}

#[derive(Debug)]
struct Keys {
    set: JwkSet,
    fetched: Instant,
}

/// Who the provider says the user is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    pub preferred_username: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    /// Space-separated scopes of an access token (none for an ID token).
    pub scope: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    #[serde(default)]
    nonce: Option<String>,
    #[serde(flatten)]
    profile: Profile,
    #[serde(default)]
    scope: Option<String>,
}

/// Who the user says they are, in a token's claims or at userinfo.
#[derive(Debug, Default, Deserialize)]
struct Profile {
    #[serde(default)]
    preferred_username: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
}

#[derive(Debug, Deserialize)]
struct UserInfo {
    sub: String,
    #[serde(flatten)]
    profile: Profile,
}

impl From<Claims> for Identity {
    fn from(claims: Claims) -> Self {
        Identity {
            issuer: claims.iss,
            subject: claims.sub,
            preferred_username: claims.profile.preferred_username,
            name: claims.profile.name,
            email: claims.profile.email,
            scope: claims.scope,
        }
    }
}

/// The secrets of one sign-in attempt, kept by the server until the provider sends the
/// browser back.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub state: String,
    pub nonce: String,
    pub verifier: String,
    /// Where to send the browser at the end.
    pub url: String,
}

const ACCEPTED: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

const REFETCH_EVERY: Duration = Duration::from_secs(1);

/// One configured provider; cheap to clone.
#[derive(Debug, Clone)]
pub struct Oidc {
    config: Arc<OidcConfig>,
    discovery: Arc<Mutex<Option<Discovery>>>,
    keys: Arc<std::sync::RwLock<Option<Keys>>>,
    refetching: Arc<Mutex<()>>,
    agent: ureq::Agent,
}

fn encode_query(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (key, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        for (j, part) in [key, value].iter().enumerate() {
            if j == 1 {
                out.push('=');
            }
            for byte in part.bytes() {
                if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
                    out.push(byte as char);
                } else {
                    out.push_str(&format!("%{byte:02X}"));
                }
            }
        }
    }
    out
}

fn provider(e: impl std::fmt::Display) -> OidcError {
    OidcError::Provider(e.to_string())
}

impl Oidc {
    pub fn new(config: OidcConfig) -> Self {
        Oidc {
            config: Arc::new(config),
            discovery: Arc::default(),
            keys: Arc::default(),
            refetching: Arc::default(),
            agent: ureq::AgentBuilder::new()
                .timeout(Duration::from_secs(10))
                .redirects(0)
                .build(),
        }
    }

    pub fn config(&self) -> &OidcConfig {
        &self.config
    }

    /// GETs a JSON document of the provider (with an access token for userinfo).
    async fn get_json<T: serde::de::DeserializeOwned + Send + 'static>(
        &self,
        url: String,
        bearer: Option<String>,
    ) -> Result<T, OidcError> {
        let agent = self.agent.clone();
        tokio::task::spawn_blocking(move || {
            let mut request = agent.get(&url);
            if let Some(token) = bearer {
                request = request.set("authorization", &format!("Bearer {token}"));
            }
            request
                .call()
                .map_err(provider)?
                .into_json::<T>()
                .map_err(provider)
        })
        .await
        .map_err(provider)?
    }

    async fn discovery(&self) -> Result<Discovery, OidcError> {
        let mut cached = self.discovery.lock().await;
        if let Some(discovery) = cached.as_ref() {
            return Ok(discovery.clone());
        }
        let url = format!(
            "{}/.well-known/openid-configuration",
            self.config.issuer.trim_end_matches('/')
        );
        let discovery: Discovery = self.get_json(url, None).await?;
        if discovery.issuer != self.config.issuer {
            return Err(OidcError::Provider(format!(
                "the provider calls itself {:?}, not {:?}",
                discovery.issuer, self.config.issuer
            )));
        }
        *cached = Some(discovery.clone());
        Ok(discovery)
    }

    /// Where to send the browser to sign in, and the secrets to keep until it comes back.
    pub async fn start(&self) -> Result<Attempt, OidcError> {
        let discovery = self.discovery().await?;
        let random = |n| crate::secret::random_base62(n).map_err(provider);
        let (state, nonce, verifier) = (random(32)?, random(32)?, random(64)?);
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        let query = encode_query(&[
            ("response_type", "code"),
            ("client_id", &self.config.client_id),
            ("redirect_uri", &self.config.redirect_uri),
            ("scope", "openid profile email"),
            ("state", &state),
            ("nonce", &nonce),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ]);
        let sep = if discovery.authorization_endpoint.contains('?') {
            '&'
        } else {
            '?'
        };
        Ok(Attempt {
            url: format!("{}{sep}{query}", discovery.authorization_endpoint),
            state,
            nonce,
            verifier,
        })
    }

    /// Exchanges the code the provider sent back for the user's identity (the ID token,
    /// verified: signature, issuer, audience, expiry, nonce).
    pub async fn finish(
        &self,
        code: &str,
        verifier: &str,
        nonce: &str,
    ) -> Result<Identity, OidcError> {
        let discovery = self.discovery().await?;
        let agent = self.agent.clone();
        let config = self.config.clone();
        let (code, verifier) = (code.to_string(), verifier.to_string());
        let token_endpoint = discovery.token_endpoint.clone();
        #[derive(Deserialize)]
        struct TokenResponse {
            id_token: String,
            #[serde(default)]
            access_token: Option<String>,
        }
        let response: TokenResponse = tokio::task::spawn_blocking(move || {
            // client_secret_basic: both parts form-encoded first (RFC 6749, 2.3.1).
            let basic = base64::engine::general_purpose::STANDARD.encode(format!(
                "{}:{}",
                encode_query(&[("", &config.client_id)]).trim_start_matches('='),
                encode_query(&[("", &config.client_secret)]).trim_start_matches('=')
            ));
            agent
                .post(&token_endpoint)
                .set("authorization", &format!("Basic {basic}"))
                .send_form(&[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", &config.redirect_uri),
                    ("code_verifier", &verifier),
                ])
                .map_err(|e| match e {
                    ureq::Error::Status(status, response) => OidcError::Provider(format!(
                        "the token endpoint answered {status}: {}",
                        response.into_string().unwrap_or_default()
                    )),
                    other => provider(other),
                })?
                .into_json::<TokenResponse>()
                .map_err(provider)
        })
        .await
        .map_err(provider)??;
        let claims = self
            .verify(&response.id_token, &self.config.client_id)
            .await?;
        if claims.nonce.as_deref() != Some(nonce) {
            return Err(OidcError::InvalidToken(
                "the ID token's nonce is not this sign-in's".into(),
            ));
        }
        let mut identity = Identity::from(claims);
        // Many providers keep the profile out of the ID token: ask for it at userinfo.
        if identity.preferred_username.is_none()
            && identity.name.is_none()
            && let (Some(endpoint), Some(access)) =
                (discovery.userinfo_endpoint, response.access_token)
        {
            match self.get_json::<UserInfo>(endpoint, Some(access)).await {
                Ok(info) if info.sub == identity.subject => {
                    identity.preferred_username = info.profile.preferred_username;
                    identity.name = info.profile.name;
                    identity.email = identity.email.or(info.profile.email);
                }
                Ok(_) => tracing::warn!("userinfo named another subject: ignored"),
                Err(e) => tracing::warn!("userinfo: {e}"),
            }
        }
        Ok(identity)
    }

    /// A JWT access token from the provider, verified; its identity (with its scopes). It must
    /// say it is one (`typ: at+jwt`, RFC 9068): an ID token is signed by the same keys for the
    /// same audience, and a user's ID token is no credential for the API.
    pub async fn access_token(&self, token: &str) -> Result<Identity, OidcError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|e| OidcError::InvalidToken(e.to_string()))?;
        let typ = header.typ.as_deref().unwrap_or("").to_ascii_lowercase();
        if typ != "at+jwt" && typ != "application/at+jwt" {
            return Err(OidcError::InvalidToken(format!(
                "not an access token (typ {:?}, not at+jwt)",
                header.typ
            )));
        }
        Ok(self.verify(token, &self.config.audience).await?.into())
    }

    async fn key(&self, kid: Option<&str>) -> Result<Option<DecodingKey>, OidcError> {
        let find = |keys: &Option<Keys>| {
            let set = &keys.as_ref()?.set;
            let jwk = match kid {
                Some(kid) => set.find(kid),
                None if set.keys.len() == 1 => set.keys.first(),
                None => None,
            };
            jwk.and_then(|jwk| DecodingKey::from_jwk(jwk).ok())
        };
        let read = |keys: &std::sync::RwLock<Option<Keys>>| keys.read().map_or(None, |k| find(&k));
        if let Some(key) = read(&self.keys) {
            return Ok(Some(key));
        }
        // An unknown key id: the provider may have rotated its keys. One task at a time reads
        // them again, at most once a second; requests with known keys never wait for it.
        let _refetching = self.refetching.lock().await;
        if let Some(key) = read(&self.keys) {
            return Ok(Some(key));
        }
        let since = self
            .keys
            .read()
            .ok()
            .and_then(|k| k.as_ref().map(|k| k.fetched.elapsed()));
        if let Some(since) = since
            && since < REFETCH_EVERY
        {
            tokio::time::sleep(REFETCH_EVERY - since).await;
        }
        let discovery = self.discovery().await?;
        let set: JwkSet = self.get_json(discovery.jwks_uri, None).await?;
        let fresh = Some(Keys {
            set,
            fetched: Instant::now(),
        });
        let key = find(&fresh);
        if let Ok(mut keys) = self.keys.write() {
            *keys = fresh;
        }
        Ok(key)
    }

    async fn verify(&self, token: &str, audience: &str) -> Result<Claims, OidcError> {
        let invalid = |e: jsonwebtoken::errors::Error| OidcError::InvalidToken(e.to_string());
        let header = jsonwebtoken::decode_header(token).map_err(invalid)?;
        if !ACCEPTED.contains(&header.alg) {
            return Err(OidcError::InvalidToken(format!(
                "{:?} signatures are not accepted",
                header.alg
            )));
        }
        let key = self.key(header.kid.as_deref()).await?.ok_or_else(|| {
            OidcError::InvalidToken("signed with a key the provider does not publish".into())
        })?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 30;
        validation.validate_nbf = true;
        let data = jsonwebtoken::decode::<Claims>(token, &key, &validation).map_err(invalid)?;
        Ok(data.claims)
    }
}

/// Whether a bearer value looks like a JWT (three base64url parts), not one of our tokens.
pub fn looks_like_jwt(token: &str) -> bool {
    token.len() < 16 * 1024
        && token.split('.').count() == 3
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_encoded_and_jwts_are_told_from_our_tokens() {
        assert_eq!(
            encode_query(&[
                ("redirect_uri", "http://h/cb?x=1"),
                ("scope", "openid email")
            ]),
            "redirect_uri=http%3A%2F%2Fh%2Fcb%3Fx%3D1&scope=openid%20email"
        );
        assert!(looks_like_jwt("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln"));
        assert!(!looks_like_jwt("cc_abcdef"));
        assert!(!looks_like_jwt("a.b"));
    }
}
