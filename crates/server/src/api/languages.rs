//! `GET /api/v1/languages`: the catalogue with the toolchain found on this host and each
//! language's default limits; `GET /api/v1/limits`: the operator's maxima.

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
                    "limits": state.engine.default_limits(&language, engine::Stage::Run),
                })
            })
            .collect(),
    ))
}

/// The largest limits a run may ask for (interactive runs: a longer wall), and how long an
/// interactive run may wait idle: what a run-settings form offers.
pub async fn limits(State(state): State<AppState>) -> Json<Value> {
    Json(json!({
        "max": state.engine.max_limits_for(false),
        "max_interactive": state.engine.max_limits_for(true),
        "interactive_idle_ms": state.config.interactive_idle.as_millis() as u64,
    }))
}
