//! `GET /api/v1/languages`: the catalogue with the toolchain found on this host.

use crate::AppState;
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

pub async fn list(State(state): State<AppState>) -> Json<Value> {
    let toolchains = state.toolchains().await;
    Json(Value::Array(
        toolchains
            .into_iter()
            .map(|(language, toolchain)| {
                json!({
                    "id": language.id,
                    "name": language.name,
                    "aliases": language.aliases,
                    "extensions": language.extensions,
                    "main_file": language.main_file,
                    "version": toolchain.version,
                    "available": toolchain.available,
                    "reason": toolchain.reason,
                    "build_tool": language.build_tool,
                    "runtime": language.runtime_name(),
                })
            })
            .collect(),
    ))
}
