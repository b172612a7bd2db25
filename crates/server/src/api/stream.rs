//! `GET /api/v1/runs/{id}/events`: a WebSocket of the run's events — `status`, `stdout`,
//! `stderr`, `stats`, and a final `result` — everything missed first, then live. The client may
//! send `{"type": "stdin", "data": "…"}` and `{"type": "eof"}` to an interactive run.

use crate::error::ApiError;
use crate::{AppState, api::view};
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientMessage {
    Stdin { data: String },
    Eof,
}

pub async fn events(
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    if state.store.get(&id).await?.is_none() {
        return Err(ApiError::not_found("run with this id"));
    }
    let ws = ws.map_err(|e| {
        ApiError::bad_request(
            "websocket_required",
            format!("this route is a WebSocket: {e}"),
        )
    })?;
    Ok(ws.on_upgrade(move |socket| relay(socket, state, id)))
}

async fn send(socket: &mut WebSocket, text: &str) -> bool {
    socket.send(Message::Text(text.into())).await.is_ok()
}

async fn relay(mut socket: WebSocket, state: AppState, id: String) {
    let _open = crate::metrics::WebSocketGauge::open();
    let Some(run) = state.events.get(&id) else {
        // Not known in memory: finished long ago, or running in another process. The store
        // knows the status and, in the end, the result.
        from_store(&mut socket, &state, &id).await;
        return;
    };
    let (history, mut live, done) = run.subscribe();
    for message in &history {
        if !send(&mut socket, message).await {
            return;
        }
    }
    if done {
        let _ = socket.send(Message::Close(None)).await;
        return;
    }
    loop {
        tokio::select! {
            message = live.recv() => match message {
                Ok(text) => {
                    let last = text.contains(r#""type":"result""#);
                    if !send(&mut socket, &text).await || last {
                        break;
                    }
                }
                Err(RecvError::Lagged(_)) => {
                    let _ = send(&mut socket, &json!({"type": "error", "message": "client too slow; reconnect to resume"}).to_string()).await;
                    break;
                }
                Err(RecvError::Closed) => break,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => match serde_json::from_str::<ClientMessage>(&text) {
                    Ok(ClientMessage::Stdin { data }) => {
                        let run = run.clone();
                        let _ = tokio::task::spawn_blocking(move || run.write_stdin(data.as_bytes())).await;
                    }
                    Ok(ClientMessage::Eof) => run.close_stdin(),
                    Err(e) => {
                        let _ = send(&mut socket, &json!({"type": "error", "message": format!("unknown message: {e}")}).to_string()).await;
                    }
                },
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return,
            },
        }
    }
    let _ = socket.send(Message::Close(None)).await;
}

async fn from_store(socket: &mut WebSocket, state: &AppState, id: &str) {
    let mut last_status = String::new();
    loop {
        let Ok(Some(job)) = state.store.get(id).await else {
            return;
        };
        if job.status.as_str() != last_status {
            last_status = job.status.as_str().to_string();
            if !send(socket, &crate::events::status(&last_status).to_string()).await {
                return;
            }
        }
        if job.status.is_final() {
            let mut result = view(&job);
            result["type"] = json!("result");
            let _ = send(socket, &result.to_string()).await;
            let _ = socket.send(Message::Close(None)).await;
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
