//! `GET /api/v1/runs/{id}/events`: a WebSocket of the run's events — `status`, `stdout`,
//! `stderr`, `stats`, and a final `result` — everything missed first, then live. The client may
//! send `{"type": "stdin", "data": "…"}` and `{"type": "eof"}` to an interactive run.

use crate::error::ApiError;
use crate::events::RunEvents;
use crate::{AppState, api::view};
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;
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
    let mut seen = Seen::default();
    let run = state.events.get(&id);
    if let Some(run) = run.as_ref().filter(|run| run.is_local())
        && local(&mut socket, run, &mut seen).await.is_none()
    {
        return;
    }
    from_store(&mut socket, &state, &id, run, seen).await;
}

/// A run executing in this process: its events from memory, its input straight to the
/// program. None when the client is gone or the run is over; Some when this process lost the
/// run (its lease went to another attempt), which the store then tells.
async fn local(socket: &mut WebSocket, run: &Arc<RunEvents>, seen: &mut Seen) -> Option<()> {
    let mut changes = run.watch();
    let mut position = 0;
    let mut still_here = tokio::time::interval(ELSEWHERE_POLL);
    loop {
        changes.mark_unchanged();
        let (messages, done) = run.since(position);
        for message in &messages {
            seen.note(message);
            if !send(socket, message).await {
                return None;
            }
        }
        position += messages.len();
        if done {
            let _ = socket.send(Message::Close(None)).await;
            return None;
        }
        tokio::select! {
            _ = still_here.tick() => if !run.is_local() {
                return Some(());
            },
            changed = changes.changed() => if changed.is_err() {
                return None;
            },
            incoming = socket.recv() => match client_message(incoming) {
                Incoming::Stdin(data) => {
                    if let Some(error) = feed_stdin(run, data).await {
                        let _ = send(socket, &error).await;
                    }
                }
                Incoming::Eof => run.close_stdin(),
                Incoming::Bad(error) => { let _ = send(socket, &error).await; }
                Incoming::Nothing => {}
                Incoming::Gone => return None,
            },
        }
    }
}

/// Rows read from the store's stream at a time.
const STREAM_PAGE: i64 = 512;

/// A run executing in another process (or not yet claimed, or long finished): its live stream
/// from the store by sequence number, woken by the doorbell; its input sent through the store.
async fn from_store(
    socket: &mut WebSocket,
    state: &AppState,
    id: &str,
    run: Option<Arc<RunEvents>>,
    mut seen: Seen,
) {
    // What this process knows already (the queued status of a run submitted here).
    if let Some(run) = &run
        && seen.0.is_empty()
    {
        for message in run.since(0).0 {
            seen.note(&message);
            if !send(socket, &message).await {
                return;
            }
        }
    }
    let mut bell = state.store.doorbell();
    let mut next = 0i64;
    let mut safety = tokio::time::interval(ELSEWHERE_POLL);
    loop {
        match send_stream(socket, state, id, &mut next, &seen).await {
            Tail::More => {}
            Tail::Done => return,
        }
        match state.store.get(id).await {
            Ok(Some(job)) if job.status.is_final() => {
                // The worker wrote everything before the run became final; its result event
                // follows, unless the run never reached a worker (cancelled while queued).
                if let Tail::Done = send_stream(socket, state, id, &mut next, &seen).await {
                    return;
                }
                if next == 0 {
                    // A run recorded before live streams existed.
                    replay(socket, state, &job, &seen).await;
                } else {
                    let result = runs::RunEvent::result(view(&job)).to_json();
                    let _ = send(socket, &result).await;
                    let _ = socket.send(Message::Close(None)).await;
                }
                return;
            }
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => return,
        }
        loop {
            tokio::select! {
                ring = bell.recv() => match ring {
                    Ok(ring) if &*ring == id || &*ring == store::EVERY_RUN => break,
                    Ok(_) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => break,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                },
                _ = safety.tick() => break,
                incoming = socket.recv() => {
                    let input = match client_message(incoming) {
                        Incoming::Stdin(data) => store::Input::Stdin(data),
                        Incoming::Eof => store::Input::Eof,
                        Incoming::Bad(error) => { let _ = send(socket, &error).await; continue }
                        Incoming::Nothing => continue,
                        Incoming::Gone => return,
                    };
                    if let Err(e) = state.store.push_input(id, &input).await {
                        tracing::warn!(run_id = %id, "sending input through the store: {e}");
                    }
                }
            }
        }
    }
}

enum Tail {
    More,
    Done,
}

/// Sends the stream's events from `next` on (statuses the client has seen are skipped); Done
/// once the result is sent or the client is gone.
async fn send_stream(
    socket: &mut WebSocket,
    state: &AppState,
    id: &str,
    next: &mut i64,
    seen: &Seen,
) -> Tail {
    loop {
        let Ok(rows) = state.store.stream_since(id, *next, STREAM_PAGE).await else {
            return Tail::More;
        };
        for (seq, text) in &rows {
            *next = seq + 1;
            if seen.0.contains(text) {
                continue;
            }
            if !send(socket, text).await {
                return Tail::Done;
            }
            if text.starts_with(r#"{"type":"result""#) {
                let _ = socket.send(Message::Close(None)).await;
                return Tail::Done;
            }
        }
        if (rows.len() as i64) < STREAM_PAGE {
            return Tail::More;
        }
    }
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
