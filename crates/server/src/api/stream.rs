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

/// How long a client's input may wait for the program to read what came before.
const STDIN_WAIT: Duration = Duration::from_secs(1);
/// How often a client of a run executing elsewhere looks at the store.
const ELSEWHERE_POLL: Duration = Duration::from_millis(250);

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
    let mut changes = run.watch();
    let mut seen = Seen::default();
    let mut position = 0;
    // Runs executing in another process never finish in this one's memory: their end is
    // read from the store.
    let mut elsewhere = tokio::time::interval(ELSEWHERE_POLL);
    loop {
        changes.mark_unchanged();
        let (messages, done) = run.since(position);
        for message in &messages {
            seen.note(message);
            if !send(&mut socket, message).await {
                return;
            }
        }
        position += messages.len();
        if done {
            break;
        }
        tokio::select! {
            _ = elsewhere.tick(), if !run.is_local() => {
                if let Some(job) = finished_elsewhere(&state, &id).await {
                    replay(&mut socket, &state, &job, &seen).await;
                    return;
                }
            }
            changed = changes.changed() => if changed.is_err() {
                break;
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => match serde_json::from_str::<ClientMessage>(&text) {
                    Ok(ClientMessage::Stdin { data }) => {
                        if let Some(error) = feed_stdin(&run, data).await {
                            let _ = send(&mut socket, &error).await;
                        }
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

/// Queues a client's input for the program. While the program has not read what came before,
/// this client waits (up to `STDIN_WAIT`: its next messages wait in TCP), then is told that
/// its input was refused; the run itself never waits on a client.
async fn feed_stdin(run: &crate::events::RunEvents, data: String) -> Option<String> {
    let feed = run.stdin()?;
    let pushed =
        tokio::task::spawn_blocking(move || feed.push_timeout(data.as_bytes(), STDIN_WAIT)).await;
    match pushed {
        Ok(Err(error @ engine::FeedError::Full { .. })) => Some(
            json!({"type": "error", "code": "stdin_full", "message": error.to_string()})
                .to_string(),
        ),
        // A program that takes no more input drops it, as a terminal would.
        Ok(Err(engine::FeedError::Closed)) | Ok(Ok(())) | Err(_) => None,
    }
}

async fn from_store(socket: &mut WebSocket, state: &AppState, id: &str) {
    let mut last_status = String::new();
    let mut seen = Seen::default();
    loop {
        let Ok(Some(job)) = state.store.get(id).await else {
            return;
        };
        if job.status.is_final() {
            replay(socket, state, &job, &seen).await;
            return;
        }
        if job.status.as_str() != last_status {
            last_status = job.status.as_str().to_string();
            let phase = match job.status {
                store::JobStatus::Queued => runs::Phase::Queued,
                _ => runs::Phase::Running,
            };
            let message = runs::RunEvent::status(phase).to_json();
            seen.note(&message);
            if !send(socket, &message).await {
                return;
            }
        }
        tokio::time::sleep(ELSEWHERE_POLL).await;
    }
}

/// The final job, for a run that executes in another process (so its end never reaches this
/// one's memory).
async fn finished_elsewhere(state: &AppState, id: &str) -> Option<store::Job> {
    let job = state.store.get(id).await.ok().flatten()?;
    job.status.is_final().then_some(job)
}

/// The statuses a client has been sent, so that a replay does not repeat them.
#[derive(Debug, Default)]
struct Seen(std::collections::HashSet<String>);

impl Seen {
    fn note(&mut self, message: &str) {
        if message.contains(r#""type":"status""#) {
            self.0.insert(message.to_string());
        }
    }
}

/// Sends a finished run's recorded stream (less the statuses the client has seen), then its
/// result, and closes.
async fn replay(socket: &mut WebSocket, state: &AppState, job: &store::Job, seen: &Seen) {
    let recorded = state.store.events(&job.id).await.ok().flatten();
    let events: Vec<runs::RunEvent> = recorded
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default();
    for event in events.iter().filter(|e| !e.is_result()) {
        let text = event.to_json();
        if !seen.0.contains(&text) && !send(socket, &text).await {
            return;
        }
    }
    let result = runs::RunEvent::result(view(job)).to_json();
    let _ = send(socket, &result).await;
    let _ = socket.send(Message::Close(None)).await;
}
