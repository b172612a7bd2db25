//! Judge0 CE 1.13.1: submissions (single and batch, base64, `wait`, `fields`), languages,
//! statuses, about and config — so that the official `judge0` Python client works unchanged.
//! Submissions go through the same queue, limits and sandbox as native runs.

use crate::AppState;
use crate::api::{FileBody, LimitsBody, RunBody, submit, view, wait_final};
use crate::auth::Caller;
use crate::error::ApiError;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Deserialize;
use serde_json::{Map, Value, json};

pub const VERSION: &str = "1.13.1";

/// Judge0 CE's ids for the languages we run, with the names its clients show.
const LANGUAGES: &[(u32, &str, &str)] = &[
    (46, "bash", "Bash"),
    (50, "c", "C (GCC)"),
    (51, "csharp", "C# (Mono)"),
    (52, "cpp", "C++ (GCC)"),
    (57, "elixir", "Elixir"),
    (60, "go", "Go"),
    (62, "java", "Java (OpenJDK)"),
    (63, "javascript", "JavaScript (Node.js)"),
    (71, "python", "Python"),
    (72, "ruby", "Ruby"),
    (73, "rust", "Rust"),
    (74, "typescript", "TypeScript"),
    (78, "kotlin", "Kotlin"),
    (81, "scala", "Scala"),
    (83, "swift", "Swift"),
];

const STATUSES: &[(u32, &str)] = &[
    (1, "In Queue"),
    (2, "Processing"),
    (3, "Accepted"),
    (4, "Wrong Answer"),
    (5, "Time Limit Exceeded"),
    (6, "Compilation Error"),
    (7, "Runtime Error (SIGSEGV)"),
    (8, "Runtime Error (SIGXFSZ)"),
    (9, "Runtime Error (SIGFPE)"),
    (10, "Runtime Error (SIGABRT)"),
    (11, "Runtime Error (NZEC)"),
    (12, "Runtime Error (Other)"),
    (13, "Internal Error"),
    (14, "Exec Format Error"),
];

/// Fields a GET returns when it names none (Judge0's default).
const DEFAULT_FIELDS: &str = "token,stdout,time,memory,stderr,compile_output,message,status";
const MAX_BATCH: usize = 20;

fn judge0_error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({"error": message.into()}))).into_response()
}

fn from_api(error: ApiError) -> Response {
    judge0_error(error.status, error.message)
}

fn language_by_id(id: u32) -> Option<(u32, &'static str, &'static str)> {
    LANGUAGES.iter().copied().find(|(lid, _, _)| *lid == id)
}

pub async fn about() -> Json<Value> {
    Json(json!({
        "version": VERSION,
        "homepage": "https://github.com/codecollab/codecollab",
        "source_code": "https://github.com/codecollab/codecollab",
        "maintainer": "CodeCollab (Judge0-compatible API)",
    }))
}

pub async fn config_info(State(state): State<AppState>) -> Json<Value> {
    let max = state.engine.max_limits();
    let default = model::Limits::default();
    Json(json!({
        "maintenance_mode": false,
        "enable_wait_result": true,
        "enable_compiler_options": false,
        "allowed_languages_for_compile_options": [],
        "enable_command_line_arguments": true,
        "enable_submission_delete": false,
        "enable_callbacks": false,
        "callbacks_max_tries": 0,
        "callbacks_timeout": 0.0,
        "enable_additional_files": false,
        "max_queue_size": state.config.max_queue,
        "cpu_time_limit": default.cpu_time_ms as f64 / 1000.0,
        "max_cpu_time_limit": max.cpu_time_ms as f64 / 1000.0,
        "cpu_extra_time": 0.0,
        "max_cpu_extra_time": 0.0,
        "wall_time_limit": default.wall_time_ms as f64 / 1000.0,
        "max_wall_time_limit": max.wall_time_ms as f64 / 1000.0,
        "memory_limit": default.memory_kib,
        "max_memory_limit": max.memory_kib,
        "stack_limit": default.stack_kib,
        "max_stack_limit": max.stack_kib,
        "max_processes_and_or_threads": default.processes,
        "max_max_processes_and_or_threads": max.processes,
        "enable_per_process_and_thread_time_limit": false,
        "allow_enable_per_process_and_thread_time_limit": false,
        "enable_per_process_and_thread_memory_limit": false,
        "allow_enable_per_process_and_thread_memory_limit": false,
        "max_file_size": default.file_size_kib,
        "max_max_file_size": max.file_size_kib,
        "number_of_runs": 1,
        "max_number_of_runs": 1,
        "redirect_stderr_to_stdout": false,
        "max_extract_size": 0,
        "enable_batched_submissions": true,
        "max_submission_batch_size": MAX_BATCH,
        "submission_cache_duration": 0.0,
        "use_docs_as_homepage": false,
        "enable_network": false,
        "allow_enable_network": false,
    }))
}

pub async fn languages(State(state): State<AppState>) -> Json<Value> {
    let toolchains = state.toolchains().await;
    let available = |id: &str| toolchains.iter().any(|(l, t)| l.id == id && t.available);
    let version = |id: &str| {
        toolchains
            .iter()
            .find(|(l, _)| l.id == id)
            .and_then(|(_, t)| t.version.clone())
            .unwrap_or_default()
    };
    Json(Value::Array(
        LANGUAGES
            .iter()
            .filter(|(_, id, _)| available(id))
            .map(|(lid, id, name)| json!({"id": lid, "name": format!("{name} ({})", version(id))}))
            .collect(),
    ))
}

pub async fn language(State(state): State<AppState>, Path(id): Path<u32>) -> Response {
    let Some((lid, our_id, name)) = language_by_id(id) else {
        return judge0_error(
            StatusCode::NOT_FOUND,
            format!("language with id {id} doesn't exist"),
        );
    };
    let Ok(language) = state.engine.catalogue().get(our_id) else {
        return judge0_error(
            StatusCode::NOT_FOUND,
            format!("language with id {id} doesn't exist"),
        );
    };
    Json(json!({
        "id": lid,
        "name": name,
        "is_archived": false,
        "source_file": language.main_file,
        "compile_cmd": language.compile.as_ref().map(|c| c.join(" ")),
        "run_cmd": language.run.join(" "),
    }))
    .into_response()
}

pub async fn statuses() -> Json<Value> {
    Json(Value::Array(
        STATUSES
            .iter()
            .map(|(id, description)| json!({"id": id, "description": description}))
            .collect(),
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct Options {
    #[serde(default)]
    base64_encoded: Option<String>,
    #[serde(default)]
    wait: Option<String>,
    #[serde(default)]
    fields: Option<String>,
    #[serde(default)]
    tokens: Option<String>,
}

fn truthy(value: &Option<String>) -> bool {
    value.as_deref() == Some("true")
}

/// A Judge0 submission body; fields we do not support are accepted and ignored, as Judge0
/// ignores what its configuration disables.
#[derive(Debug, Deserialize)]
struct SubmissionBody {
    source_code: Option<String>,
    language_id: Option<u32>,
    #[serde(default)]
    stdin: Option<String>,
    #[serde(default)]
    expected_output: Option<String>,
    #[serde(default)]
    cpu_time_limit: Option<f64>,
    #[serde(default)]
    wall_time_limit: Option<f64>,
    #[serde(default)]
    memory_limit: Option<f64>,
    #[serde(default)]
    max_processes_and_or_threads: Option<u32>,
    #[serde(default)]
    command_line_arguments: Option<String>,
}

fn decode(field: &str, value: Option<String>, base64: bool) -> Result<Option<String>, String> {
    let Some(value) = value else { return Ok(None) };
    if !base64 {
        return Ok(Some(value));
    }
    let cleaned: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = BASE64
        .decode(cleaned)
        .map_err(|_| format!("{field} is not valid base64"))?;
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| format!("{field} is not valid UTF-8"))
}

fn seconds_to_ms(value: Option<f64>) -> Option<u64> {
    value
        .filter(|v| v.is_finite() && *v > 0.0)
        .map(|v| (v * 1000.0).round() as u64)
}

fn to_native(body: SubmissionBody, base64: bool, state: &AppState) -> Result<RunBody, String> {
    let language_id = body.language_id.ok_or("language_id can't be blank")?;
    let (_, our_id, _) = language_by_id(language_id)
        .ok_or_else(|| format!("language with id {language_id} doesn't exist"))?;
    let language = state
        .engine
        .catalogue()
        .get(our_id)
        .map_err(|e| e.to_string())?;
    let source =
        decode("source_code", body.source_code, base64)?.ok_or("source_code can't be blank")?;
    let args = body
        .command_line_arguments
        .map(|a| a.split_whitespace().map(String::from).collect())
        .unwrap_or_default();
    Ok(RunBody {
        language: our_id.to_string(),
        files: vec![FileBody {
            name: language.main_file.clone(),
            content: source,
        }],
        source: None,
        entry: None,
        stdin: decode("stdin", body.stdin, base64)?.unwrap_or_default(),
        args,
        limits: LimitsBody {
            cpu_time_ms: seconds_to_ms(body.cpu_time_limit),
            wall_time_ms: seconds_to_ms(body.wall_time_limit),
            memory_kib: body.memory_limit.filter(|m| *m > 0.0).map(|m| m as u64),
            processes: body.max_processes_and_or_threads,
            ..Default::default()
        },
        compile_limits: LimitsBody::default(),
        interactive: false,
        expected_output: decode("expected_output", body.expected_output, base64)?,
        priority: Some("batch".into()),
    })
}

/// The Judge0 status of a run.
fn status_of(job: &store::Job, result: &Value, expected: Option<&str>) -> (u32, Option<String>) {
    use store::JobStatus;
    match job.status {
        JobStatus::Queued => return (1, None),
        JobStatus::Running => return (2, None),
        JobStatus::Cancelled => return (13, Some("cancelled".into())),
        JobStatus::Finished => {}
    }
    let signal = result["signal"].as_i64();
    match result["verdict"].as_str().unwrap_or("internal_error") {
        "ok" => match expected {
            Some(expected)
                if expected.trim_end()
                    != result["stdout"].as_str().unwrap_or_default().trim_end() =>
            {
                (4, None)
            }
            _ => (3, None),
        },
        "time_limit" => (5, Some("time limit exceeded".into())),
        "compile_error" => (6, None),
        "memory_limit" => (12, Some("memory limit exceeded".into())),
        "output_limit" => (12, Some("output limit exceeded".into())),
        "runtime_error" => match signal {
            Some(11) => (7, None),
            Some(25) => (8, None),
            Some(8) => (9, None),
            Some(6) => (10, None),
            Some(other) => (12, Some(format!("killed by signal {other}"))),
            None => (
                11,
                Some(format!("Exited with error status {}", result["exit_code"])),
            ),
        },
        _ => (13, result["message"].as_str().map(String::from)),
    }
}

/// `2026-11-23T01:02:03.456Z` from milliseconds since the epoch.
fn timestamp(ms: Option<i64>) -> Value {
    let Some(ms) = ms else { return Value::Null };
    let (days, rest) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s, milli) = (
        rest / 3_600_000,
        rest / 60_000 % 60,
        rest / 1000 % 60,
        rest % 1000,
    );
    json!(format!(
        "{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{milli:03}Z"
    ))
}

fn submission_view(job: &store::Job, base64: bool, fields: &str) -> Value {
    let result = view(job);
    let request = runs::JobPayload::summary(&job.request);
    let expected = request.as_ref().and_then(|r| r.expected_output.clone());
    let (status_id, message) = status_of(job, &result, expected.as_deref());
    let description = STATUSES
        .iter()
        .find(|(id, _)| *id == status_id)
        .map_or("", |(_, d)| d);
    let encode = |text: Option<String>| -> Value {
        match text {
            Some(text) if base64 => json!(BASE64.encode(text)),
            Some(text) => json!(text),
            None => Value::Null,
        }
    };
    let text = |v: &Value| v.as_str().map(String::from).filter(|s| !s.is_empty());
    let language_id = request
        .as_ref()
        .and_then(|r| LANGUAGES.iter().find(|(_, id, _)| *id == r.language))
        .map(|(lid, _, name)| (*lid, *name));
    let compile_output = result
        .get("compile")
        .and_then(|c| c.get("output"))
        .and_then(text);
    let mut all = Map::new();
    all.insert("token".into(), json!(job.id));
    all.insert(
        "source_code".into(),
        encode(request.as_ref().and_then(|r| r.source.clone())),
    );
    all.insert("language_id".into(), json!(language_id.map(|(id, _)| id)));
    all.insert(
        "language".into(),
        language_id.map_or(Value::Null, |(id, name)| json!({"id": id, "name": name})),
    );
    all.insert(
        "stdin".into(),
        encode(
            request
                .as_ref()
                .map(|r| r.stdin.clone())
                .filter(|s| !s.is_empty()),
        ),
    );
    all.insert("expected_output".into(), encode(expected));
    // Output is bytes: in base64 mode they go out exactly as the program wrote them, also
    // when they are not UTF-8 (the text view would have replaced them).
    let output = |stream: &str| match result[format!("{stream}_base64")].as_str() {
        Some(bytes) if base64 => json!(bytes),
        _ => encode(text(&result[stream])),
    };
    all.insert("stdout".into(), output("stdout"));
    all.insert("stderr".into(), output("stderr"));
    all.insert("compile_output".into(), encode(compile_output));
    all.insert("message".into(), encode(message));
    all.insert("exit_code".into(), result["exit_code"].clone());
    all.insert("exit_signal".into(), result["signal"].clone());
    all.insert(
        "status".into(),
        json!({"id": status_id, "description": description}),
    );
    all.insert("status_id".into(), json!(status_id));
    let seconds = |ms: &Value| {
        ms.as_u64().map_or(Value::Null, |ms| {
            json!(format!("{:.3}", ms as f64 / 1000.0))
        })
    };
    all.insert("time".into(), seconds(&result["cpu_ms"]));
    all.insert("wall_time".into(), seconds(&result["wall_ms"]));
    all.insert("memory".into(), result["memory_kib"].clone());
    all.insert("created_at".into(), timestamp(Some(job.created_at_ms)));
    all.insert("finished_at".into(), timestamp(job.finished_at_ms));
    if fields == "*" {
        return Value::Object(all);
    }
    Value::Object(
        fields
            .split(',')
            .map(str::trim)
            .filter_map(|f| all.get(f).map(|v| (f.to_string(), v.clone())))
            .collect(),
    )
}

async fn create_one(
    state: &AppState,
    caller: &Caller,
    body: Value,
    base64: bool,
) -> Result<String, Response> {
    let body: SubmissionBody = serde_json::from_value(body)
        .map_err(|e| judge0_error(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
    let native = to_native(body, base64, state)
        .map_err(|e| judge0_error(StatusCode::UNPROCESSABLE_ENTITY, e))?;
    submit(state, &native, caller).await.map_err(from_api)
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Query(options): Query<Options>,
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Json(body)) = body else {
        return judge0_error(
            StatusCode::BAD_REQUEST,
            "the body must be a JSON submission",
        );
    };
    let base64 = truthy(&options.base64_encoded);
    let mut finished = state.runs.finished();
    let token = match create_one(&state, &caller, body, base64).await {
        Ok(token) => token,
        Err(response) => return response,
    };
    if !truthy(&options.wait) {
        return (StatusCode::CREATED, Json(json!({"token": token}))).into_response();
    }
    match wait_final(&state, &token, &mut finished).await {
        Ok(job) => {
            let fields = options.fields.as_deref().unwrap_or(DEFAULT_FIELDS);
            (
                StatusCode::CREATED,
                Json(submission_view(&job, base64, fields)),
            )
                .into_response()
        }
        Err(e) => from_api(e),
    }
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(token): Path<String>,
    Query(options): Query<Options>,
) -> Response {
    match state.store.get(&token).await {
        Ok(Some(job)) if caller.may_see(job.owner.as_deref()) => {
            let fields = options.fields.as_deref().unwrap_or(DEFAULT_FIELDS);
            Json(submission_view(
                &job,
                truthy(&options.base64_encoded),
                fields,
            ))
            .into_response()
        }
        Ok(_) => judge0_error(StatusCode::NOT_FOUND, "Not Found"),
        Err(e) => from_api(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct BatchBody {
    submissions: Vec<Value>,
}

pub async fn create_batch(
    State(state): State<AppState>,
    caller: Caller,
    Query(options): Query<Options>,
    body: Result<Json<BatchBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Json(batch)) = body else {
        return judge0_error(
            StatusCode::BAD_REQUEST,
            "the body must be {\"submissions\": [...]}",
        );
    };
    if batch.submissions.is_empty() || batch.submissions.len() > MAX_BATCH {
        return judge0_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("number of submissions must be between 1 and {MAX_BATCH}"),
        );
    }
    let base64 = truthy(&options.base64_encoded);
    let mut tokens = Vec::with_capacity(batch.submissions.len());
    for body in batch.submissions {
        tokens.push(match create_one(&state, &caller, body, base64).await {
            Ok(token) => json!({"token": token}),
            Err(_) => json!({"error": "invalid submission"}),
        });
    }
    (StatusCode::CREATED, Json(Value::Array(tokens))).into_response()
}

pub async fn show_batch(
    State(state): State<AppState>,
    caller: Caller,
    Query(options): Query<Options>,
) -> Response {
    let Some(tokens) = options.tokens.as_deref().filter(|t| !t.is_empty()) else {
        return judge0_error(StatusCode::BAD_REQUEST, "tokens can't be blank");
    };
    let fields = options.fields.as_deref().unwrap_or(DEFAULT_FIELDS);
    let base64 = truthy(&options.base64_encoded);
    let mut submissions = Vec::new();
    for token in tokens.split(',').take(MAX_BATCH) {
        match state.store.get(token.trim()).await {
            Ok(Some(job)) if caller.may_see(job.owner.as_deref()) => {
                submissions.push(submission_view(&job, base64, fields))
            }
            Ok(_) => submissions.push(Value::Null),
            Err(e) => return from_api(e.into()),
        }
    }
    Json(json!({"submissions": submissions})).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_in_judge0s_format() {
        assert_eq!(timestamp(Some(0)), json!("1970-01-01T00:00:00.000Z"));
        assert_eq!(
            timestamp(Some(1_795_400_860_697)),
            json!("2026-11-23T02:27:40.697Z")
        );
        assert_eq!(
            timestamp(Some(951_782_400_123)),
            json!("2000-02-29T00:00:00.123Z")
        );
        assert_eq!(timestamp(None), Value::Null);
    }

    #[test]
    fn every_judge0_language_is_in_our_catalogue() {
        let catalogue = languages::Catalogue::builtin().expect("catalogue");
        for (_, id, _) in LANGUAGES {
            assert!(catalogue.get(id).is_ok(), "{id}");
        }
    }
}
