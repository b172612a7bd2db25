//! `/api/v1/runs`: submit, read, wait for and cancel runs.

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use engine::{RunInput, Stage};
use runs::{JobPayload, PAYLOAD_VERSION, PayloadFile, SubmitError};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use store::Job;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileBody {
    pub name: String,
    pub content: String,
}

/// Limits a request may set; what it leaves out takes the language's defaults.
pub use runs::LimitOverrides as LimitsBody;

/// The body of `POST /api/v1/runs` (the queue stores a `JobPayload` made from it).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunBody {
    pub language: String,
    #[serde(default)]
    pub files: Vec<FileBody>,
    /// A single file, for convenience: stored under the language's main file name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
    #[serde(default)]
    pub stdin: String,
    #[serde(default)]
    pub args: Vec<String>,
    #[serde(default)]
    pub limits: LimitsBody,
    #[serde(default)]
    pub compile_limits: LimitsBody,
    /// Keep stdin open: after `stdin`, the program reads what a WebSocket client sends
    /// (`{"type": "stdin", "data": …}`) until `{"type": "eof"}`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub interactive: bool,
    /// The output a run should produce, kept with it for APIs that judge (Judge0's
    /// "Wrong Answer").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_output: Option<String>,
    /// `interactive` (the default, from the UI) runs before `batch`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
}

impl RunBody {
    /// The payload the queue stores for this body: files explicit, limits resolved.
    pub fn to_payload(&self, engine: &engine::Engine) -> Result<JobPayload, ApiError> {
        let language = engine
            .catalogue()
            .get(&self.language)
            .map_err(engine::EngineError::from)?;
        let mut files: Vec<PayloadFile> = self
            .files
            .iter()
            .map(|f| PayloadFile {
                name: f.name.clone(),
                content: f.content.clone(),
            })
            .collect();
        if let Some(source) = &self.source {
            if !files.is_empty() {
                return Err(ApiError::bad_request(
                    "invalid_request",
                    "give either `source` or `files`, not both",
                ));
            }
            files.push(PayloadFile {
                name: language.main_file.clone(),
                content: source.clone(),
            });
        }
        Ok(JobPayload {
            v: PAYLOAD_VERSION,
            language: language.id.clone(),
            files,
            entry: self.entry.clone(),
            stdin: self.stdin.clone(),
            args: self.args.clone(),
            run_limits: {
                let mut defaults = engine.default_limits(language, Stage::Run);
                if self.interactive {
                    // A person reads and types: the wall fits them (CPU stays as it is); a
                    // run left waiting ends after the idle timeout instead.
                    defaults.wall_time_ms = engine.max_limits_for(true).wall_time_ms;
                }
                self.limits.apply(defaults)
            },
            compile_limits: self
                .compile_limits
                .apply(engine.default_limits(language, Stage::Compile)),
            interactive: self.interactive,
            expected_output: self.expected_output.clone(),
        })
    }

    fn priority(&self) -> Result<i32, ApiError> {
        match self.priority.as_deref() {
            None | Some("interactive") => Ok(10),
            Some("batch") => Ok(0),
            Some(other) => Err(ApiError::bad_request(
                "invalid_request",
                format!("priority must be interactive or batch, not {other:?}"),
            )),
        }
    }
}

/// An interactive run's initial stdin is queued before the program starts: it must fit the
/// bound on input a program has not read yet.
pub const INTERACTIVE_STDIN_MAX: usize = engine::DEFAULT_STDIN_CAPACITY;

#[derive(Debug, Deserialize)]
pub struct CreateQuery {
    #[serde(default)]
    wait: bool,
}

pub use runs::view;

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<CreateQuery>,
    body: Result<Json<RunBody>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let Json(body) = body?;
    let mut finished = state.runs.finished();
    let id = submit(&state, &body, &caller).await?;
    if !query.wait {
        return Ok((
            StatusCode::CREATED,
            Json(json!({"id": id, "status": "queued"})),
        ));
    }
    let job = wait_final(&state, &id, &mut finished).await?;
    Ok((StatusCode::CREATED, Json(view(&job))))
}

async fn refuse_unavailable(state: &AppState, language: &str) -> Result<(), ApiError> {
    let engine = state.engine.clone();
    let language = engine
        .catalogue()
        .get(language)
        .map_err(engine::EngineError::from)?
        .clone();
    let toolchain =
        tokio::task::spawn_blocking(move || engine.toolchain(&language).map(|t| (language, t)))
            .await
            .map_err(ApiError::internal)??;
    let (language, toolchain) = toolchain;
    if toolchain.available {
        return Ok(());
    }
    Err(ApiError::bad_request(
        "language_unavailable",
        format!(
            "{} is not available on this host: {}",
            language.name,
            toolchain.reason.as_deref().unwrap_or("no toolchain")
        ),
    ))
}

/// Validates and enqueues a run for `caller` within their quotas; returns its id. Shared by
/// every API that submits runs.
pub async fn submit(state: &AppState, body: &RunBody, caller: &Caller) -> Result<String, ApiError> {
    let payload = body.to_payload(&state.engine)?;
    let request = payload.to_request(RunInput::Empty);
    state.engine.check(&request)?;
    let priority = body.priority()?;
    if state.config.workers > 0 {
        // This host runs what it accepts: a language without its toolchain here is refused now,
        // not failed later. (A process without workers cannot know the workers' hosts.)
        refuse_unavailable(state, &request.language).await?;
    }
    if body.interactive && body.stdin.len() > INTERACTIVE_STDIN_MAX {
        return Err(ApiError::bad_request(
            "invalid_request",
            format!("an interactive run's initial stdin is at most {INTERACTIVE_STDIN_MAX} bytes"),
        ));
    }
    let client = caller.client();
    within_quota(state, caller, &client).await?;
    state
        .runs
        .submit(&payload, client, caller.owner(), priority)
        .await
        .map_err(|e| match e {
            SubmitError::Invalid(e) => ApiError::from(e),
            SubmitError::QueueFull => {
                let mut error =
                    ApiError::new(StatusCode::TOO_MANY_REQUESTS, "queue_full", e.to_string());
                error.retry_after = Some(1);
                error
            }
            SubmitError::NoRandom(_) => ApiError::internal(e),
            SubmitError::Store(e) => ApiError::from(e),
        })
}

/// Waits until the run is finished or cancelled. Subscribe to `finished` before submitting.
pub async fn wait_final(
    state: &AppState,
    id: &str,
    finished: &mut tokio::sync::broadcast::Receiver<String>,
) -> Result<Job, ApiError> {
    Ok(state.runs.wait(id, finished).await?)
}

/// Runs per minute and runs at once, per user, per guest and per anonymous IP.
async fn within_quota(state: &AppState, caller: &Caller, client: &str) -> Result<(), ApiError> {
    let limiters = &state.auth.limiters;
    let (per_minute, at_once) = match &caller.principal {
        None => (
            &limiters.runs_anonymous,
            limiters.config.concurrent_runs.anonymous,
        ),
        Some(p) if p.user.is_guest => (&limiters.runs_guest, limiters.config.concurrent_runs.guest),
        Some(_) => (&limiters.runs_user, limiters.config.concurrent_runs.user),
    };
    per_minute.check(client)?;
    if at_once > 0 && state.store.active_runs(client).await? >= i64::from(at_once) {
        let mut error = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("at most {at_once} runs at once: wait for one to finish"),
        );
        error.retry_after = Some(1);
        return Err(error);
    }
    Ok(())
}

/// The run with this id if `caller` may see it; 404 alike for a run of someone else's and for
/// no run (whether an id exists is not told).
pub async fn visible_run(state: &AppState, caller: &Caller, id: &str) -> Result<Job, ApiError> {
    match state.store.get(id).await? {
        Some(job) if caller.may_see(job.owner.as_deref()) => Ok(job),
        _ => Err(ApiError::not_found("run with this id")),
    }
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(view(&visible_run(&state, &caller, &id).await?)))
}

pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    visible_run(&state, &caller, &id).await?;
    match state.runs.cancel(&id).await? {
        None => Err(ApiError::not_found("run with this id")),
        Some(job) => Ok(Json(view(&job))),
    }
}

pub async fn ready(State(state): State<AppState>) -> Result<&'static str, ApiError> {
    state.store.queue_depth().await?;
    Ok("ready")
}
