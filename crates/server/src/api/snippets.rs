//! `/api/v1/snippets`: shared code. Saving gives a short link (`/s/{id}`) that opens the code
//! for anyone, who can fork it (edit, run, share again: a new snippet). Snippets never change.

use crate::api::{FileBody, RunBody};
use crate::error::ApiError;
use crate::{AppState, now_ms};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnippetBody {
    pub language: String,
    pub files: Vec<FileBody>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
    #[serde(default)]
    pub stdin: String,
}

/// Base62, 10 characters: 59 bits, not guessable by enumeration.
const ID_LEN: usize = 10;

fn valid_id(id: &str) -> bool {
    id.len() == ID_LEN && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

pub async fn create(
    State(state): State<AppState>,
    caller: crate::auth::Caller,
    body: Result<Json<SnippetBody>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let Json(body) = body?;
    if body.files.is_empty() {
        return Err(ApiError::bad_request(
            "invalid_request",
            "a snippet needs at least one file",
        ));
    }
    // The same rules as a run of this code (language, file names, sizes), so that whoever
    // opens the link can run it.
    let as_run = RunBody {
        language: body.language.clone(),
        files: body.files.clone(),
        entry: body.entry.clone(),
        stdin: body.stdin.clone(),
        ..RunBody::default()
    };
    state.engine.check(
        &as_run
            .to_payload(&state.engine)?
            .to_request(engine::RunInput::Empty),
    )?;
    let text = serde_json::to_string(&body).map_err(ApiError::internal)?;
    for _ in 0..4 {
        let snippet = store::Snippet {
            id: crate::ids::base62(ID_LEN)?,
            body: text.clone(),
            created_at_ms: now_ms(),
            owner: caller.owner(),
        };
        if state.store.insert_snippet(&snippet).await? {
            let url = format!("/s/{}", snippet.id);
            return Ok((
                StatusCode::CREATED,
                Json(json!({"id": snippet.id, "url": url})),
            ));
        }
    }
    Err(ApiError::internal("four snippet ids in a row were taken"))
}

pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let missing = || ApiError::not_found("snippet with this id");
    if !valid_id(&id) {
        return Err(missing());
    }
    let snippet = state.store.snippet(&id).await?.ok_or_else(missing)?;
    let mut value: Value = serde_json::from_str(&snippet.body).map_err(ApiError::internal)?;
    value["id"] = json!(snippet.id);
    value["created_at"] = json!(snippet.created_at_ms);
    Ok(Json(value))
}
