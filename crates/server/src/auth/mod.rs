//! Who is calling, and whether they may: credentials (session cookie, `Authorization: Bearer`,
//! Judge0's `X-Auth-Token`, a WebSocket's `token` query parameter) resolved to a `Caller`, and
//! every route's `Access` enforced in one middleware before any handler runs. A route without
//! an access rule does not exist (the route table gives both, see `api::table`).

pub mod csrf;
pub mod limits;
mod routes;

pub use limits::{PerCaller, RateLimits};
pub use routes::{admin_routes, auth_routes, token_routes};

use crate::AppState;
use crate::error::ApiError;
use accounts::{Accounts, AccountsConfig, Principal, Scope};
use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

pub const SESSION_COOKIE: &str = "cc_session";

/// Who may create accounts by themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signup {
    Open,
    /// With a code an admin made.
    Invite,
    /// Only `codecollab admin create-user`.
    Closed,
}

impl Signup {
    pub fn parse(text: &str) -> Option<Signup> {
        match text {
            "open" => Some(Signup::Open),
            "invite" => Some(Signup::Invite),
            "closed" => Some(Signup::Closed),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Signup::Open => "open",
            Signup::Invite => "invite",
            Signup::Closed => "closed",
        }
    }
}

#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub signup: Signup,
    /// Whether "continue as guest" is offered.
    pub guests: bool,
    /// Whether the run APIs (native, Judge0, Piston) answer callers without credentials.
    pub anonymous_runs: bool,
    /// The address users reach the server at (`https://…` makes cookies `Secure` and is the
    /// one origin state-changing requests may come from).
    pub public_url: Option<String>,
    pub accounts: AccountsConfig,
    pub limits: RateLimits,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            signup: Signup::Open,
            guests: true,
            anonymous_runs: true,
            public_url: None,
            accounts: AccountsConfig::default(),
            limits: RateLimits::default(),
        }
    }
}

/// What the authentication middleware and the account routes share.
#[derive(Debug, Clone)]
pub struct Auth {
    pub accounts: Accounts,
    pub config: Arc<AuthConfig>,
    pub limiters: Arc<limits::Limiters>,
}

impl Auth {
    pub fn new(store: store::Store, config: AuthConfig) -> Self {
        let limiters = Arc::new(limits::Limiters::new(config.limits));
        let shrinking = Arc::downgrade(&limiters);
        // Keys of callers gone quiet are dropped every minute, while the server lives.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
                loop {
                    every.tick().await;
                    match shrinking.upgrade() {
                        Some(limiters) => limiters.shrink(),
                        None => return,
                    }
                }
            });
        }
        Auth {
            accounts: Accounts::new(store, config.accounts.clone()),
            config: Arc::new(config),
            limiters,
        }
    }

    pub(crate) fn secure_cookies(&self) -> bool {
        self.config
            .public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }

    /// `Set-Cookie` for a new session.
    pub fn session_cookie(&self, secret: &str) -> HeaderValue {
        let max_age = self.config.accounts.session_lifetime.as_secs();
        let secure = if self.secure_cookies() {
            "; Secure"
        } else {
            ""
        };
        HeaderValue::from_str(&format!(
            "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
        ))
        .unwrap_or_else(|_| HeaderValue::from_static(""))
    }

    pub fn clear_cookie(&self) -> HeaderValue {
        let secure = if self.secure_cookies() {
            "; Secure"
        } else {
            ""
        };
        HeaderValue::from_str(&format!(
            "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"
        ))
        .unwrap_or_else(|_| HeaderValue::from_static(""))
    }
}

/// A credential as presented (kept to check it again on long-lived connections).
#[derive(Debug, Clone)]
pub enum Credential {
    Session(String),
    Token(String),
}

/// Who is behind a request: a principal, or nobody (anonymous), and from where.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Option<Principal>,
    pub credential: Option<Credential>,
    pub ip: IpAddr,
}

impl Caller {
    pub fn anonymous(ip: IpAddr) -> Self {
        Caller {
            principal: None,
            credential: None,
            ip,
        }
    }

    /// Whom fairness, quotas and concurrency count this caller as.
    pub fn client(&self) -> String {
        match &self.principal {
            Some(p) => format!("u:{}", p.user.id),
            None => format!("ip:{}", self.ip),
        }
    }

    /// The owner of what this caller makes (none when anonymous).
    pub fn owner(&self) -> Option<String> {
        self.principal.as_ref().map(|p| p.user.id.clone())
    }

    pub fn is_admin(&self) -> bool {
        self.principal
            .as_ref()
            .is_some_and(|p| p.allows(Scope::Admin))
    }

    /// Whether this caller may see something owned by `owner`: its owner and admins; anything
    /// without an owner is reachable by whoever holds its id.
    pub fn may_see(&self, owner: Option<&str>) -> bool {
        match owner {
            None => true,
            Some(owner) => {
                self.is_admin() || self.principal.as_ref().is_some_and(|p| p.user.id == owner)
            }
        }
    }

    /// The signed-in principal, or 401.
    pub fn signed_in(&self) -> Result<&Principal, ApiError> {
        self.principal.as_ref().ok_or_else(unauthenticated)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        Ok(Caller::anonymous(peer_ip(parts)))
    }
}

fn peer_ip(parts: &Parts) -> IpAddr {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip())
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone; credentials are optional.
    Public,
    /// The run APIs: a token needs the `runs` scope; nobody at all when anonymous runs are on.
    Runs,
    /// Anyone signed in, with any credential.
    SignedIn,
    /// A browser session only (managing tokens and passwords is not for tokens).
    Session,
    /// An admin, by session or by a token with the `admin` scope.
    Admin,
}

pub fn unauthenticated() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "sign in, or send a valid API token (Authorization: Bearer …)",
    )
}

pub fn forbidden(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
}

pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

/// The token a request presents, if any: the header, Judge0's header on its routes, or the
/// `token` query parameter on a WebSocket handshake (browsers cannot set its headers).
fn presented_token(request: &Request, route: &str) -> Option<String> {
    let headers = request.headers();
    if let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .unwrap_or("");
        return Some(token.trim().to_string());
    }
    if route.starts_with("/submissions")
        && let Some(value) = headers.get("x-auth-token").and_then(|v| v.to_str().ok())
    {
        return Some(value.trim().to_string());
    }
    let upgrade = headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if upgrade {
        return request.uri().query().and_then(|query| {
            query
                .split('&')
                .filter_map(|pair| pair.split_once('='))
                .find(|(k, _)| *k == "token")
                .map(|(_, v)| v.to_string())
        });
    }
    None
}

/// Resolves the caller, enforces the route's access rule and the same-origin rule, and hands
/// the caller to the handler.
pub async fn enforce(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string());
    let access = match &route {
        Some(route) => match crate::api::access_of(request.method(), route) {
            Ok(access) => access,
            // Fail closed: a route the table does not know is nobody's.
            Err(e) => return ApiError::internal(e).into_response(),
        },
        // The web UI and the fallback.
        None => Access::Public,
    };
    let route = route.unwrap_or_default();
    let auth = &state.auth;
    let ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
    let mut caller = Caller::anonymous(ip);
    let mut clear_cookie = false;
    if let Some(token) = presented_token(&request, &route) {
        match auth.accounts.bearer(&token).await {
            Ok(Some(principal)) => {
                caller.principal = Some(principal);
                caller.credential = Some(Credential::Token(token));
            }
            Ok(None) if access == Access::Public => {}
            Ok(None) => {
                return ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthenticated",
                    "the API token is unknown, expired or revoked",
                )
                .into_response();
            }
            Err(e) => return ApiError::internal(e).into_response(),
        }
    } else if let Some(secret) = cookie(request.headers(), SESSION_COOKIE) {
        match auth.accounts.session(secret).await {
            Ok(Some(principal)) => {
                caller.principal = Some(principal);
                caller.credential = Some(Credential::Session(secret.to_string()));
            }
            // An ended session makes the browser anonymous (and forget the cookie).
            Ok(None) => clear_cookie = true,
            Err(e) => return ApiError::internal(e).into_response(),
        }
    }
    // What a browser sends by itself: its session cookie, and sign-in attempts (a forged
    // sign-in would put the victim in the attacker's account).
    let ambient = caller.principal.as_ref().is_some_and(Principal::is_session)
        || route.starts_with("/api/v1/auth/");
    // A WebSocket handshake is a GET, but it opens a two-way channel with the browser's
    // credentials: another site's page may not open one (cross-site WebSocket hijacking).
    let upgrade = request
        .headers()
        .get(header::UPGRADE)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"websocket"));
    let ambient =
        ambient || (upgrade && caller.principal.as_ref().is_some_and(Principal::is_session));
    if (!csrf::is_safe_method(request.method()) || upgrade)
        && ambient
        && !csrf::same_origin(request.headers(), auth.config.public_url.as_deref())
    {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "cross_origin",
            "a state-changing request must come from this site's own pages",
        )
        .into_response();
    }
    if let Err(error) = check(access, &caller, &auth.config) {
        return with_cleared_cookie(
            error.into_response(),
            clear_cookie.then(|| auth.clear_cookie()),
        );
    }
    request.extensions_mut().insert(caller);
    let response = next.run(request).await;
    with_cleared_cookie(response, clear_cookie.then(|| auth.clear_cookie()))
}

fn with_cleared_cookie(mut response: Response, cookie: Option<HeaderValue>) -> Response {
    if let Some(cookie) = cookie
        && !response.headers().contains_key(header::SET_COOKIE)
    {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

fn check(access: Access, caller: &Caller, config: &AuthConfig) -> Result<(), ApiError> {
    let principal = caller.principal.as_ref();
    match access {
        Access::Public => Ok(()),
        Access::Runs => match principal {
            Some(p) if p.allows(Scope::Runs) => Ok(()),
            Some(_) => Err(forbidden("this token lacks the runs scope")),
            None if config.anonymous_runs => Ok(()),
            None => Err(unauthenticated()),
        },
        Access::SignedIn => principal.map(|_| ()).ok_or_else(unauthenticated),
        Access::Session => match principal {
            Some(p) if p.is_session() => Ok(()),
            Some(_) => Err(forbidden(
                "this is done signed in, in the browser: API tokens cannot do it",
            )),
            None => Err(unauthenticated()),
        },
        Access::Admin => match principal {
            Some(p) if p.allows(Scope::Admin) => Ok(()),
            Some(_) => Err(forbidden("this needs an admin (and a token's admin scope)")),
            None => Err(unauthenticated()),
        },
    }
}

impl Auth {
    /// Whether the caller's credential still holds (for connections that outlive a request).
    pub async fn still_valid(&self, caller: &Caller) -> bool {
        let resolved = match &caller.credential {
            None => return true,
            Some(Credential::Session(secret)) => self.accounts.session(secret).await,
            Some(Credential::Token(secret)) => self.accounts.bearer(secret).await,
        };
        matches!(resolved, Ok(Some(_)))
    }
}
