//! The worker pool: claim a job, run it through the engine on a blocking thread while the lease
//! is renewed, record the result, announce it. Plus the reaper that recovers jobs whose worker
//! died.

use crate::hub::{RunEvents, Utf8Stream};
use crate::service::{Inner, RunService, view};
use crate::{JobPayload, Phase, RunEvent, now_ms};
use engine::{DEFAULT_STDIN_CAPACITY, EngineEvent, RunInput, Stage, StdinFeed};
use model::Stream;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use store::JobStatus;
use tokio::sync::watch;
use tracing::Instrument;

/// A job is tried this many times before it is failed (one retry after a lost worker).
pub const MAX_ATTEMPTS: i32 = 2;
/// How often an idle worker looks at the queue when no local notification comes (other
/// processes may have enqueued).
const IDLE_POLL: Duration = Duration::from_millis(250);

pub(crate) fn spawn(
    service: RunService,
    shutdown: watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let state = service.inner;
    let mut handles: Vec<_> = (0..state.config.workers)
        .map(|n| {
            let worker = format!("{}-{}-{n}", hostname(), std::process::id());
            tokio::spawn(work(state.clone(), worker, shutdown.clone()))
        })
        .collect();
    handles.push(tokio::spawn(reap(state, shutdown)));
    handles
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "host".into())
}

async fn work(state: Arc<Inner>, worker: String, mut shutdown: watch::Receiver<bool>) {
    while !*shutdown.borrow() {
        match state
            .store
            .claim(&worker, now_ms(), state.config.lease.as_millis() as i64)
            .await
        {
            Ok(Some(job)) => {
                let span = tracing::info_span!("run", run_id = %job.id, attempt = job.attempts);
                run(&state, &worker, job).instrument(span).await
            }
            Ok(None) => {
                tokio::select! {
                    _ = state.new_job.notified() => {}
                    _ = tokio::time::sleep(IDLE_POLL) => {}
                    _ = shutdown.changed() => {}
                }
            }
            Err(e) => {
                tracing::error!(%worker, "claiming a run: {e}");
                tokio::time::sleep(IDLE_POLL).await;
            }
        }
    }
}

async fn run(state: &Inner, worker: &str, job: store::Job) {
    let engine = state.engine.clone();
    let events = state.hub.open(&job.id);
    events.mark_local();
    if events.is_empty() {
        // Submitted through another process (or before a restart): the story still starts
        // at the queue, for every client.
        events.publish(&RunEvent::status(Phase::Queued));
    }
    events.publish(&RunEvent::status(Phase::Started));
    let lease = job.lease(worker);
    // Clients of other processes follow the run through the store, from wherever an earlier
    // attempt's stream ended.
    let base = if job.attempts > 1 {
        state.store.next_stream_seq(&job.id).await.unwrap_or(0)
    } else {
        0
    };
    let writer =
        crate::relay::StreamWriter::spawn(state.store.clone(), lease.clone(), events.clone(), base);
    let request_text = job.request.clone();
    let publisher = events.clone();
    let stop = Arc::new(AtomicBool::new(false));
    state
        .running
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(job.id.clone(), stop.clone());
    let stop_flag = stop.clone();
    let span = tracing::Span::current();
    let execution = tokio::task::spawn_blocking(move || {
        let _span = span.enter();
        let payload = JobPayload::decode(&request_text, &engine).map_err(|e| e.to_string())?;
        let stdin = if payload.interactive {
            let feed = StdinFeed::new(DEFAULT_STDIN_CAPACITY).map_err(|e| e.to_string())?;
            feed.push(payload.stdin.as_bytes())
                .map_err(|e| e.to_string())?;
            publisher.set_stdin(feed.clone());
            RunInput::Live(feed)
        } else {
            RunInput::Bytes(payload.stdin.clone().into_bytes())
        };
        let mut request = payload.to_request(stdin);
        request.cancel = Some(stop_flag);
        let mut text = [Utf8Stream::default(), Utf8Stream::default()];
        engine
            .execute(request, &mut |event| publish(&publisher, &mut text, event))
            .map_err(|e| {
                tracing::error!("the run could not be executed: {e}");
                e.public_message()
            })
    });
    tokio::pin!(execution);
    let input = crate::relay::spawn_input(
        state.store.clone(),
        job.id.clone(),
        events.clone(),
        stop.clone(),
    );
    let lease_length = state.config.lease;
    let mut renew = tokio::time::interval(lease_length / 3);
    renew.tick().await;
    let mut lost = false;
    // An interactive run waiting for a person who walked away ends after `interactive_idle`.
    let idle_limit = state.config.interactive_idle;
    let mut idle_check = tokio::time::interval(Duration::from_secs(1).min(idle_limit));
    let mut last_activity = None;
    let mut quiet_since = tokio::time::Instant::now();
    let mut idled = false;
    let outcome = loop {
        tokio::select! {
            done = &mut execution => break done,
            _ = idle_check.tick(), if !idled => {
                if let Some(mark) = events.activity() {
                    if last_activity != Some(mark) {
                        last_activity = Some(mark);
                        quiet_since = tokio::time::Instant::now();
                    } else if quiet_since.elapsed() >= idle_limit {
                        tracing::info!(idle_secs = idle_limit.as_secs(), "ending an interactive run left idle");
                        idled = true;
                        stop.store(true, Ordering::Relaxed);
                    }
                }
            }
            _ = renew.tick(), if !lost => {
                let until = now_ms() + lease_length.as_millis() as i64;
                // A failed renewal is not yet a lost lease (the database may be away for a
                // moment); a renewal the database refuses is.
                if let Ok(false) = state.store.extend_lease(&lease, until).await {
                    tracing::warn!(%worker, "lost the lease: stopping the run");
                    lost = true;
                    stop.store(true, Ordering::Relaxed);
                }
            }
        }
    };
    input.abort();
    state
        .running
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&job.id);
    if lost {
        // Another attempt owns the run now: this one writes nothing and announces nothing;
        // clients here follow the run through the store like any run executing elsewhere.
        writer.stop().await;
        events.mark_elsewhere();
        return;
    }
    let mut result = match outcome {
        Ok(Ok(result)) => serde_json::to_value(&result)
            .unwrap_or_else(|e| json!({"verdict": "internal_error", "message": e.to_string()})),
        Ok(Err(message)) => json!({"verdict": "internal_error", "message": message}),
        Err(panic) => {
            json!({"verdict": "internal_error", "message": format!("the run crashed: {panic}")})
        }
    };
    if idled && result["cancelled"] == json!(true) {
        // Ended by us, not by its user: a time limit, and the result says which one.
        result["cancelled"] = json!(false);
        result["verdict"] = json!("time_limit");
        result["idle_timeout"] = json!(true);
        result["message"] = json!(format!(
            "no input and no output for {} s: an interactive run waiting for its user ends then",
            idle_limit.as_secs()
        ));
    }
    let final_status = if stop.load(Ordering::Relaxed) && !idled {
        JobStatus::Cancelled
    } else {
        JobStatus::Finished
    };
    // What the stream still lacks and the result event go in with the result, in one
    // transaction: whoever sees the run final finds its whole stream.
    let written = writer.stop().await;
    let result_text = result.to_string();
    let finished = store::Job {
        status: final_status,
        result: Some(result_text.clone()),
        finished_at_ms: Some(now_ms()),
        ..job.clone()
    };
    let result_event = RunEvent::result(view(&finished));
    let mut tail = events.since(written).0;
    tail.push(result_event.to_json().into());
    let end = store::Completion {
        status: final_status,
        result: &result_text,
        at_ms: finished.finished_at_ms.unwrap_or_else(now_ms),
        stream_from: base + written as i64,
        stream: &tail,
    };
    match state.store.finish(&lease, &end).await {
        Ok(true) => tracing::info!(
            verdict = result["verdict"].as_str().unwrap_or("internal_error"),
            wall_ms = result["wall_ms"].as_u64().unwrap_or(0),
            "run finished"
        ),
        Ok(false) => {
            tracing::warn!(%worker, "the run was taken from us before it finished");
            events.mark_elsewhere();
            return;
        }
        Err(e) => tracing::error!(%worker, "recording the result: {e}"),
    }
    crate::metrics::record_run(
        &result,
        job.created_at_ms,
        job.started_at_ms.unwrap_or(job.created_at_ms),
    );
    events.publish(&result_event);
    state.hub.forget_later(job.id.clone());
    let _ = state.finished.send(job.id);
}

/// Turns one engine event into the WebSocket message clients see.
fn publish(events: &RunEvents, text: &mut [Utf8Stream; 2], event: EngineEvent<'_>) {
    match event {
        EngineEvent::StageStarted {
            stage: Stage::Compile,
        } => events.publish(&RunEvent::status(Phase::Compiling)),
        EngineEvent::StageStarted { stage: Stage::Run } => {
            events.publish(&RunEvent::status(Phase::Running))
        }
        EngineEvent::Output {
            stage,
            stream,
            data,
            ..
        } => {
            let index = match stream {
                Stream::Stdout => 0,
                Stream::Stderr => 1,
            };
            let data = text[index].push(data);
            if !data.is_empty() {
                // The compiler's output is shown too (the UI highlights its errors), marked so.
                events.publish(&match stream {
                    Stream::Stdout => RunEvent::Stdout { stage, data },
                    Stream::Stderr => RunEvent::Stderr { stage, data },
                });
            }
        }
        EngineEvent::Stats {
            stage,
            elapsed,
            cpu_ms,
            memory_kib,
        } => events.publish(&RunEvent::Stats {
            stage,
            elapsed_ms: elapsed.as_millis() as u64,
            cpu_ms,
            memory_kib,
        }),
        EngineEvent::StageFinished { .. } => {}
    }
}

/// Recovers jobs of dead workers: at start-up (a crashed or killed server) and then every
/// second.
async fn reap(state: Arc<Inner>, mut shutdown: watch::Receiver<bool>) {
    let failure = json!({"verdict": "internal_error", "message": "the worker running this job stopped, twice"}).to_string();
    while !*shutdown.borrow() {
        match state
            .store
            .recover_expired(now_ms(), MAX_ATTEMPTS, &failure)
            .await
        {
            Ok(0) => {}
            Ok(_) => state.new_job.notify_waiters(),
            Err(e) => tracing::error!("recovering runs of dead workers: {e}"),
        }
        let horizon = now_ms() - state.config.retention.as_millis() as i64;
        if let Err(e) = state.store.purge_finished(horizon).await {
            tracing::error!("purging runs past retention: {e}");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = shutdown.changed() => {}
        }
    }
}
