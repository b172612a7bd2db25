//! Piston v2: `POST /api/v2/execute` and `GET /api/v2/runtimes`, so that existing Piston
//! clients (`pistonapi` on PyPI, `piston-client` on npm) work unchanged. Runs go through the
//! same queue, limits and sandbox as native ones. Piston's errors are `{"message": …}`.

use crate::AppState;
use crate::api::{FileBody, LimitsBody, RunBody, submit, wait_final};
use crate::auth::Caller;
use crate::error::ApiError;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

/// A Piston-shaped error: `{"message"}` alone, which the clients turn into their exception.
fn piston_error(error: ApiError) -> Response {
    (error.status, Json(json!({"message": error.message}))).into_response()
}

pub async fn runtimes(State(state): State<AppState>) -> Json<Value> {
    let toolchains = state.toolchains().await;
    Json(Value::Array(
        toolchains
            .into_iter()
            .filter(|(_, toolchain)| toolchain.available)
            .map(|(language, toolchain)| {
                json!({
                    "language": language.id,
                    "version": toolchain.version,
                    "aliases": language.aliases,
                    "runtime": language.runtime.clone(),
                })
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize)]
struct PistonFile {
    #[serde(default)]
    name: Option<String>,
    content: String,
}

/// The request, whichever way it came (JSON from piston-client, a form from pistonapi).
#[derive(Debug, Deserialize)]
struct ExecuteBody {
    language: String,
    #[serde(default)]
    files: Vec<PistonFile>,
    #[serde(default)]
    stdin: String,
    #[serde(default)]
    args: Vec<String>,
    #[serde(default)]
    compile_timeout: Option<i64>,
    #[serde(default)]
    run_timeout: Option<i64>,
    /// pistonapi's name for the run timeout.
    #[serde(default)]
    timeout: Option<i64>,
    #[serde(default)]
    compile_memory_limit: Option<i64>,
    #[serde(default)]
    run_memory_limit: Option<i64>,
}

fn from_form(body: &[u8]) -> Result<ExecuteBody, String> {
    let mut request = ExecuteBody {
        language: String::new(),
        files: Vec::new(),
        stdin: String::new(),
        args: Vec::new(),
        compile_timeout: None,
        run_timeout: None,
        timeout: None,
        compile_memory_limit: None,
        run_memory_limit: None,
    };
    let number = |key: &str, value: &str| {
        value
            .parse::<i64>()
            .map_err(|_| format!("{key} must be a number"))
    };
    for (key, value) in super::form::parse(body) {
        match key.as_str() {
            "language" => request.language = value,
            "files" => request.files.push(PistonFile {
                name: None,
                content: value,
            }),
            "stdin" => request.stdin = value,
            "args" => request.args.push(value),
            "version" => {}
            "compile_timeout" => request.compile_timeout = Some(number(&key, &value)?),
            "run_timeout" => request.run_timeout = Some(number(&key, &value)?),
            "timeout" => request.timeout = Some(number(&key, &value)?),
            "compile_memory_limit" => request.compile_memory_limit = Some(number(&key, &value)?),
            "run_memory_limit" => request.run_memory_limit = Some(number(&key, &value)?),
            other => return Err(format!("unknown field {other:?}")),
        }
    }
    Ok(request)
}

/// Piston's "-1 means default" convention, and milliseconds/bytes to our units.
fn positive(value: Option<i64>) -> Option<u64> {
    value.filter(|v| *v > 0).map(|v| v as u64)
}

fn to_native(request: ExecuteBody, main_file: &str) -> RunBody {
    let files = request
        .files
        .into_iter()
        .enumerate()
        .map(|(i, file)| FileBody {
            name: file.name.filter(|n| !n.is_empty()).unwrap_or_else(|| {
                if i == 0 {
                    main_file.to_string()
                } else {
                    format!("file{i}")
                }
            }),
            content: file.content,
        })
        .collect();
    let run_ms = positive(request.run_timeout).or(positive(request.timeout));
    RunBody {
        language: request.language,
        files,
        source: None,
        entry: None,
        stdin: request.stdin,
        args: request.args,
        limits: LimitsBody {
            cpu_time_ms: run_ms,
            wall_time_ms: run_ms.map(|ms| ms * 2),
            memory_kib: positive(request.run_memory_limit).map(|b| b.div_ceil(1024)),
            ..Default::default()
        },
        compile_limits: LimitsBody {
            cpu_time_ms: positive(request.compile_timeout),
            memory_kib: positive(request.compile_memory_limit).map(|b| b.div_ceil(1024)),
            ..Default::default()
        },
        interactive: false,
        expected_output: None,
        priority: Some("batch".into()),
    }
}

fn signal_name(signal: i64) -> String {
    match signal as i32 {
        9 => "SIGKILL".into(),
        6 => "SIGABRT".into(),
        11 => "SIGSEGV".into(),
        8 => "SIGFPE".into(),
        15 => "SIGTERM".into(),
        25 => "SIGXFSZ".into(),
        24 => "SIGXCPU".into(),
        other => format!("SIG{other}"),
    }
}

fn stage(
    stdout: &str,
    stderr: &str,
    code: Option<i64>,
    signal: Option<i64>,
    verdict: &str,
) -> Value {
    json!({
        "stdout": stdout,
        "stderr": stderr,
        "output": format!("{stdout}{stderr}"),
        "code": code,
        "signal": signal.map(signal_name),
        "status": verdict,
    })
}

pub async fn execute(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    let parsed = if form {
        from_form(&body)
    } else {
        serde_json::from_slice::<ExecuteBody>(&body).map_err(|e| e.to_string())
    };
    let request = match parsed {
        Ok(request) => request,
        Err(message) => return piston_error(ApiError::bad_request("invalid_request", message)),
    };
    let language = match state.engine.catalogue().get(&request.language) {
        Ok(language) => language.clone(),
        Err(_) => {
            let message = format!("{} is not a supported runtime", request.language);
            return piston_error(ApiError::bad_request("unknown_language", message));
        }
    };
    let body = to_native(request, &language.main_file);
    let mut finished = state.runs.finished();
    let job = match submit(&state, &body, &caller).await {
        Ok(id) => wait_final(&state, &id, &mut finished).await,
        Err(e) => Err(e),
    };
    let job = match job {
        Ok(job) => job,
        Err(e) => return piston_error(e),
    };
    let result: Value = job
        .result
        .as_deref()
        .and_then(|r| serde_json::from_str(r).ok())
        .unwrap_or_else(|| json!({}));
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let mut response = json!({
        "language": language.id,
        "version": result["language"]["version"].as_str().unwrap_or_default(),
        "run": stage(&text(&result["stdout"]), &text(&result["stderr"]), result["exit_code"].as_i64(), result["signal"].as_i64(), result["verdict"].as_str().unwrap_or("internal_error")),
    });
    if let Some(compile) = result.get("compile").filter(|c| !c.is_null()) {
        let failed = compile["verdict"] != "ok";
        response["compile"] = json!({
            "stdout": "",
            "stderr": compile["output"],
            "output": compile["output"],
            "code": if failed { 1 } else { 0 },
            "signal": null,
            "status": compile["verdict"],
        });
        if failed {
            response["run"] = stage("", "", None, None, "not_run");
        }
    }
    (StatusCode::OK, Json(response)).into_response()
}
