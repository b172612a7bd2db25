//! `/api/v1/auth/*`, `/api/v1/me`, `/api/v1/tokens` and `/api/v1/admin/*`: accounts over HTTP.

use super::{Access, Caller, Signup, forbidden};
use crate::AppState;
use crate::api::Table;
use crate::error::ApiError;
use accounts::{AccountError, NewTokenRequest, Principal, Scopes, User, Via};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::Duration;

pub fn auth_routes() -> Table {
    Table::new()
        .get("/api/v1/auth/config", Access::Public, config)
        .post("/api/v1/auth/signup", Access::Public, signup)
        .post("/api/v1/auth/login", Access::Public, login)
        .post("/api/v1/auth/logout", Access::Public, logout)
        .post("/api/v1/auth/guest", Access::Public, guest)
        .post("/api/v1/auth/claim", Access::Session, claim)
        .post("/api/v1/auth/password", Access::Session, change_password)
        .get("/api/v1/me", Access::SignedIn, me)
        .get("/api/v1/auth/oidc/login", Access::Public, oidc_login)
        .get("/api/v1/auth/oidc/callback", Access::Public, oidc_callback)
}

pub fn token_routes() -> Table {
    Table::new()
        .get("/api/v1/tokens", Access::Session, list_tokens)
        .post("/api/v1/tokens", Access::Session, create_token)
        .delete("/api/v1/tokens/{id}", Access::Session, revoke_token)
}

pub fn admin_routes() -> Table {
    Table::new()
        .get("/api/v1/admin/users", Access::Admin, list_users)
        .post(
            "/api/v1/admin/users/{id}/disable",
            Access::Admin,
            disable_user,
        )
        .post(
            "/api/v1/admin/users/{id}/enable",
            Access::Admin,
            enable_user,
        )
        .post("/api/v1/admin/invites", Access::Admin, create_invite)
}

impl From<AccountError> for ApiError {
    fn from(error: AccountError) -> Self {
        let message = error.to_string();
        match error {
            AccountError::UsernameTaken => {
                ApiError::new(StatusCode::CONFLICT, "username_taken", message)
            }
            AccountError::InvalidUsername(_) => ApiError::bad_request("invalid_username", message),
            AccountError::WeakPassword(_) => ApiError::bad_request("weak_password", message),
            AccountError::InvalidCredentials => {
                ApiError::new(StatusCode::UNAUTHORIZED, "invalid_credentials", message)
            }
            AccountError::Disabled => {
                ApiError::new(StatusCode::FORBIDDEN, "account_disabled", message)
            }
            AccountError::InvalidInvite => ApiError::bad_request("invalid_invite", message),
            AccountError::NotGuest => ApiError::bad_request("not_a_guest", message),
            AccountError::InvalidRequest(_) => ApiError::bad_request("invalid_request", message),
            AccountError::UnknownSignIn => ApiError::bad_request("invalid_state", message),
            AccountError::Oidc(accounts::oidc::OidcError::InvalidToken(_)) => {
                ApiError::new(StatusCode::UNAUTHORIZED, "invalid_credentials", message)
            }
            AccountError::Oidc(e @ accounts::oidc::OidcError::Provider(_)) => {
                tracing::warn!("OpenID Connect: {e}");
                ApiError::new(
                    StatusCode::BAD_GATEWAY,
                    "identity_provider_unavailable",
                    "the identity provider could not be reached: try again later",
                )
            }
            AccountError::Store(e) => ApiError::internal(e),
            AccountError::Internal(e) => ApiError::internal(e),
        }
    }
}

/// A user as the API shows them to themselves and to others.
pub fn user_json(user: &User) -> Value {
    json!({
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "is_admin": user.is_admin,
        "is_guest": user.is_guest,
    })
}

/// With what only the user and admins see.
fn full_user_json(user: &User) -> Value {
    let mut value = user_json(user);
    value["email"] = json!(user.email);
    value["disabled"] = json!(user.disabled);
    value["created_at"] = json!(user.created_at_ms);
    value
}

/// A response that signs the browser in.
fn signed_in(state: &AppState, status: StatusCode, user: &User, secret: &str) -> Response {
    let mut response = (status, Json(json!({"user": user_json(user)}))).into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, state.auth.session_cookie(secret));
    response
}

async fn config(State(state): State<AppState>) -> Json<Value> {
    let config = &state.auth.config;
    Json(json!({
        "signup": config.signup.as_str(),
        "guests": config.guests,
        "anonymous_runs": config.anonymous_runs,
        "oidc": state.auth.accounts.oidc().map(|o| json!({"name": o.config().name})),
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignupBody {
    username: String,
    password: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    invite: Option<String>,
}

async fn signup(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<SignupBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(body) = body?;
    let invite = match state.auth.config.signup {
        Signup::Open => None,
        Signup::Closed => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "signup_closed",
                "sign-up is closed on this server: an admin creates accounts",
            ));
        }
        Signup::Invite => Some(body.invite.as_deref().ok_or_else(|| {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "signup_closed",
                "sign-up is by invitation on this server: give the code an admin sent you",
            )
        })?),
    };
    state
        .auth
        .limiters
        .signup_ip
        .check(&caller.ip.to_string())?;
    let created = state
        .auth
        .accounts
        .signup(
            &body.username,
            &body.password,
            body.email.as_deref(),
            invite,
        )
        .await?;
    tracing::info!(user = %created.user.id, username = %created.user.username, "signed up");
    Ok(signed_in(
        &state,
        StatusCode::CREATED,
        &created.user,
        &created.session_secret,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    username: String,
    password: String,
}

async fn login(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<LoginBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(body) = body?;
    let limiters = &state.auth.limiters;
    let count = |outcome: &'static str| {
        metrics::counter!("codecollab_sign_ins_total", "outcome" => outcome).increment(1);
    };
    limiters
        .login_ip
        .check(&caller.ip.to_string())
        .and_then(|()| {
            limiters
                .login_username
                .check(&body.username.trim().to_lowercase())
        })
        .inspect_err(|_| count("rate_limited"))?;
    let created = state
        .auth
        .accounts
        .login(&body.username, &body.password)
        .await
        .inspect_err(|e| match e {
            AccountError::InvalidCredentials => {
                tracing::info!(ip = %caller.ip, "failed sign-in");
                count("invalid_credentials");
            }
            AccountError::Disabled => count("disabled"),
            _ => {}
        })?;
    count("ok");
    // A new session at every sign-in: whatever session the browser had is ended.
    if let Some(super::Credential::Session(old)) = &caller.credential {
        state.auth.accounts.logout(old).await?;
    }
    Ok(signed_in(
        &state,
        StatusCode::OK,
        &created.user,
        &created.session_secret,
    ))
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    if let Some(secret) = super::cookie(&headers, super::SESSION_COOKIE) {
        state.auth.accounts.logout(secret).await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, state.auth.clear_cookie());
    Ok(response)
}

async fn guest(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    if !state.auth.config.guests {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "guests_disabled",
            "this server does not offer guest accounts",
        ));
    }
    state
        .auth
        .limiters
        .signup_ip
        .check(&caller.ip.to_string())?;
    let created = state.auth.accounts.guest().await?;
    Ok(signed_in(
        &state,
        StatusCode::CREATED,
        &created.user,
        &created.session_secret,
    ))
}

async fn claim(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<LoginBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(body) = body?;
    let principal = caller.signed_in()?;
    let user = state
        .auth
        .accounts
        .claim(&principal.user, &body.username, &body.password)
        .await?;
    Ok(Json(json!({"user": user_json(&user)})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordBody {
    current_password: String,
    new_password: String,
}

async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<PasswordBody>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(body) = body?;
    let principal = caller.signed_in()?;
    state
        .auth
        .accounts
        .change_password(principal, &body.current_password, &body.new_password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn scopes_of(principal: &Principal) -> Vec<&'static str> {
    let scopes = match &principal.via {
        Via::Session { .. } => Scopes::all(),
        Via::Token { scopes, .. } | Via::AccessToken { scopes } => *scopes,
    };
    scopes
        .iter()
        .filter(|s| principal.allows(*s))
        .map(|s| s.as_str())
        .collect()
}

async fn me(caller: Caller) -> Result<Json<Value>, ApiError> {
    let principal = caller.signed_in()?;
    let via = match principal.via {
        Via::Session { .. } => "session",
        Via::Token { .. } => "token",
        Via::AccessToken { .. } => "access_token",
    };
    Ok(Json(json!({
        "user": full_user_json(&principal.user),
        "auth": {"via": via, "scopes": scopes_of(principal)},
    })))
}

fn token_json(token: &store::TokenRecord) -> Value {
    json!({
        "id": token.id,
        "name": token.name,
        "scopes": token.scopes.split_whitespace().collect::<Vec<_>>(),
        "created_at": token.created_at_ms,
        "expires_at": token.expires_at_ms,
        "last_used_at": token.last_used_ms,
    })
}

async fn list_tokens(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    let principal = caller.signed_in()?;
    let tokens = state.auth.accounts.tokens(&principal.user).await?;
    Ok(Json(
        json!({"tokens": tokens.iter().map(token_json).collect::<Vec<_>>()}),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenBody {
    name: String,
    scopes: Vec<String>,
    /// None: never expires.
    #[serde(default)]
    expires_in_days: Option<u32>,
}

async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<TokenBody>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let Json(body) = body?;
    let principal = caller.signed_in()?;
    let scopes = Scopes::parse(body.scopes.iter().map(String::as_str)).map_err(|name| {
        ApiError::bad_request(
            "invalid_request",
            format!(
                "unknown scope {name:?}: scopes are runs, projects:read, projects:write, \
                 functions, admin"
            ),
        )
    })?;
    let expires_at_ms = match body.expires_in_days {
        None => None,
        Some(days @ 1..=3650) => Some(crate::now_ms() + i64::from(days) * 86_400_000),
        Some(_) => {
            return Err(ApiError::bad_request(
                "invalid_request",
                "expires_in_days is 1 to 3650, or null for a token that never expires",
            ));
        }
    };
    let (token, secret) = state
        .auth
        .accounts
        .create_token(
            &principal.user,
            &NewTokenRequest {
                name: body.name,
                scopes,
                expires_at_ms,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"token": token_json(&token), "secret": secret})),
    ))
}

async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let principal = caller.signed_in()?;
    if state
        .auth
        .accounts
        .revoke_token(&principal.user, &id)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("token with this id"))
    }
}

async fn list_users(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let users = state.auth.accounts.users().await?;
    Ok(Json(
        json!({"users": users.iter().map(full_user_json).collect::<Vec<_>>()}),
    ))
}

async fn set_disabled(
    state: &AppState,
    caller: &Caller,
    id: &str,
    disabled: bool,
) -> Result<Json<Value>, ApiError> {
    if disabled && caller.principal.as_ref().is_some_and(|p| p.user.id == id) {
        return Err(ApiError::bad_request(
            "invalid_request",
            "an admin cannot disable their own account",
        ));
    }
    let user = state
        .auth
        .accounts
        .set_disabled(id, disabled)
        .await?
        .ok_or_else(|| ApiError::not_found("user with this id"))?;
    tracing::info!(user = %user.id, disabled, by = ?caller.owner(), "user access changed");
    Ok(Json(json!({"user": full_user_json(&user)})))
}

async fn disable_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    set_disabled(&state, &caller, &id, true).await
}

async fn enable_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    set_disabled(&state, &caller, &id, false).await
}

const INVITE_VALID_FOR: Duration = Duration::from_secs(7 * 24 * 3600);

async fn create_invite(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let principal = caller.signed_in()?;
    if principal.user.is_guest {
        return Err(forbidden("guests cannot invite"));
    }
    let code = state
        .auth
        .accounts
        .create_invite(&principal.user, INVITE_VALID_FOR)
        .await?;
    let expires_at = crate::now_ms() + INVITE_VALID_FOR.as_millis() as i64;
    Ok((
        StatusCode::CREATED,
        Json(json!({"code": code, "expires_at": expires_at})),
    ))
}

/// The cookie that binds a sign-in under way to the browser that started it (a code and state
/// sent to another browser sign nobody in).
const OIDC_COOKIE: &str = "cc_oidc";
const OIDC_COOKIE_PATH: &str = "/api/v1/auth/oidc";

#[derive(Debug, Deserialize)]
struct OidcLoginQuery {
    #[serde(default)]
    return_to: Option<String>,
}

/// A path of ours to go back to; anything else (another site: `//evil`, `https://…`) is `/`.
fn local_path(path: Option<&str>) -> String {
    match path {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p.into(),
        _ => "/".into(),
    }
}

fn no_oidc() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "oidc_not_configured",
        "this server has no OpenID Connect provider",
    )
}

fn redirect(to: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = axum::http::HeaderValue::from_str(to) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

async fn oidc_login(
    State(state): State<AppState>,
    axum::extract::Query(query): axum::extract::Query<OidcLoginQuery>,
) -> Result<Response, ApiError> {
    if state.auth.accounts.oidc().is_none() {
        return Err(no_oidc());
    }
    let return_to = local_path(query.return_to.as_deref());
    let (url, oidc_state) = state.auth.accounts.oidc_start(&return_to).await?;
    let mut response = redirect(&url);
    let secure = if state.auth.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    if let Ok(cookie) = axum::http::HeaderValue::from_str(&format!(
        "{OIDC_COOKIE}={oidc_state}; Path={OIDC_COOKIE_PATH}; HttpOnly; SameSite=Lax; Max-Age=600{secure}"
    )) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

#[derive(Debug, Deserialize)]
struct CallbackQuery {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
}

async fn oidc_callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Query(query): axum::extract::Query<CallbackQuery>,
) -> Result<Response, ApiError> {
    if state.auth.accounts.oidc().is_none() {
        return Err(no_oidc());
    }
    if let Some(error) = query.error {
        return Err(ApiError::bad_request(
            "oidc_refused",
            format!(
                "the identity provider did not sign you in: {error}{}",
                query
                    .error_description
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default()
            ),
        ));
    }
    let (Some(code), Some(oidc_state)) = (query.code, query.state) else {
        return Err(ApiError::bad_request(
            "invalid_request",
            "the callback needs code and state",
        ));
    };
    if super::cookie(&headers, OIDC_COOKIE) != Some(oidc_state.as_str()) {
        return Err(ApiError::bad_request(
            "invalid_state",
            "this sign-in was not started in this browser: start again",
        ));
    }
    let (created, return_to) = state.auth.accounts.oidc_finish(&oidc_state, &code).await?;
    let mut response = redirect(&local_path(Some(&return_to)));
    let cookies = response.headers_mut();
    cookies.insert(
        header::SET_COOKIE,
        state.auth.session_cookie(&created.session_secret),
    );
    if let Ok(clear) = axum::http::HeaderValue::from_str(&format!(
        "{OIDC_COOKIE}=; Path={OIDC_COOKIE_PATH}; HttpOnly; SameSite=Lax; Max-Age=0"
    )) {
        cookies.append(header::SET_COOKIE, clear);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_our_own_paths_are_returned_to() {
        assert_eq!(local_path(Some("/s/abc?x=1")), "/s/abc?x=1");
        for outside in [
            "//evil.example/x",
            "https://evil.example",
            "evil",
            "/\\evil",
        ] {
            assert_eq!(local_path(Some(outside)), "/", "{outside}");
        }
        assert_eq!(local_path(None), "/");
    }
}
