//! `GET /api/v1/runs/{id}/events`: a WebSocket of the run's events — `status`, `stdout`,
//! `stderr`, `stats`, and a final `result` — everything missed first, then live. The client may
//! send `{"type": "stdin", "data": "…"}` and `{"type": "eof"}` to an interactive run.

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use store::Input;

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientMessage {
    Stdin { data: String },
    Eof,
}

pub async fn events(
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    crate::api::visible_run(&state, &caller, &id).await?;
    let ws = ws.map_err(|e| {
        ApiError::bad_request(
            "websocket_required",
            format!("this route is a WebSocket: {e}"),
        )
    })?;
    Ok(ws.on_upgrade(move |socket| relay(socket, state, caller, id)))
}

async fn send(socket: &mut WebSocket, text: &str) -> bool {
    socket.send(Message::Text(text.into())).await.is_ok()
}

/// The run's events (from memory or from the store, wherever it executes) to the client; the
/// client's input to the run (straight to the program here, or through the store).
async fn relay(mut socket: WebSocket, state: AppState, caller: Caller, id: String) {
    let _open = crate::metrics::WebSocketGauge::open();
    let mut events = state.runs.subscribe(&id);
    // A client that stops answering pings (gone without a close, or never reading) is
    // disconnected: otherwise its socket would be held for the run's whole life and after.
    let every = state.config.websocket_ping;
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    let mut heard = tokio::time::Instant::now();
    // A signed-in watcher who signs out, is disabled or whose token is revoked is cut off:
    // at once for what this process revoked, within `RECHECK` for what another replica did.
    let mut revocations = state.auth.accounts.revocations();
    let mut recheck = tokio::time::interval_at(tokio::time::Instant::now() + RECHECK, RECHECK);
    let signed_in = caller.credential.is_some();
    loop {
        tokio::select! {
            changed = revocations.changed(), if signed_in => {
                if changed.is_err() || !state.auth.still_valid(&caller).await {
                    return close_revoked(socket).await;
                }
            }
            _ = recheck.tick(), if signed_in => {
                if !state.auth.still_valid(&caller).await {
                    return close_revoked(socket).await;
                }
            }
            event = events.next() => match event {
                Some(event) => if !send(&mut socket, &event).await {
                    return;
                },
                None => break,
            },
            _ = ping.tick() => {
                if heard.elapsed() > every * 2 {
                    tracing::debug!(run_id = %id, "closing an events WebSocket whose client stopped answering");
                    break;
                }
                if socket.send(Message::Ping(Default::default())).await.is_err() {
                    return;
                }
            }
            incoming = socket.recv() => {
                heard = tokio::time::Instant::now();
                let input = match client_message(incoming) {
                    Incoming::Stdin(data) => Input::Stdin(data),
                    Incoming::Eof => Input::Eof,
                    Incoming::Bad(error) => {
                        let _ = send(&mut socket, &error).await;
                        continue;
                    }
                    Incoming::Nothing => continue,
                    Incoming::Gone => return,
                };
                if let Err(full) = state.runs.send_input(&id, input).await {
                    let error = json!({"type": "error", "code": "stdin_full", "message": full.to_string()});
                    let _ = send(&mut socket, &error.to_string()).await;
                }
            }
        }
    }
    let _ = socket.send(Message::Close(None)).await;
}

/// How often a signed-in watcher's credential is checked again (revocations made by this
/// process are heard at once).
const RECHECK: std::time::Duration = std::time::Duration::from_millis(500);

async fn close_revoked(mut socket: WebSocket) {
    let frame = CloseFrame {
        // The 4000s are the application's: 4401 as in HTTP 401.
        code: 4401,
        reason: "signed out, disabled or token revoked".into(),
    };
    let _ = socket.send(Message::Close(Some(frame))).await;
}

enum Incoming {
    Stdin(String),
    Eof,
    Bad(String),
    Nothing,
    Gone,
}

fn client_message(incoming: Option<Result<Message, axum::Error>>) -> Incoming {
    match incoming {
        Some(Ok(Message::Text(text))) => match serde_json::from_str::<ClientMessage>(&text) {
            Ok(ClientMessage::Stdin { data }) => Incoming::Stdin(data),
            Ok(ClientMessage::Eof) => Incoming::Eof,
            Err(e) => Incoming::Bad(
                json!({"type": "error", "message": format!("unknown message: {e}")}).to_string(),
            ),
        },
        Some(Ok(_)) => Incoming::Nothing,
        Some(Err(_)) | None => Incoming::Gone,
    }
}
