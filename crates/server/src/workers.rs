//! The worker pool: claim a job, run it through the engine on a blocking thread while the lease
//! is renewed, record the result, announce it. Plus the reaper that recovers jobs whose worker
//! died.

use crate::api::RunBody;
use crate::{AppState, now_ms};
use serde_json::json;
use std::time::Duration;
use store::JobStatus;
use tokio::sync::watch;

/// A job is tried this many times before it is failed (one retry after a lost worker).
pub const MAX_ATTEMPTS: i32 = 2;
/// How often an idle worker looks at the queue when no local notification comes (other
/// processes may have enqueued).
const IDLE_POLL: Duration = Duration::from_millis(250);

pub fn spawn(
    state: AppState,
    count: usize,
    shutdown: watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let mut handles: Vec<_> = (0..count)
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

async fn work(state: AppState, worker: String, mut shutdown: watch::Receiver<bool>) {
    while !*shutdown.borrow() {
        match state
            .store
            .claim(&worker, now_ms(), state.config.lease.as_millis() as i64)
            .await
        {
            Ok(Some(job)) => run(&state, &worker, job).await,
            Ok(None) => {
                tokio::select! {
                    _ = state.new_job.notified() => {}
                    _ = tokio::time::sleep(IDLE_POLL) => {}
                    _ = shutdown.changed() => {}
                }
            }
            Err(e) => {
                eprintln!("codecollab: worker {worker}: {e}");
                tokio::time::sleep(IDLE_POLL).await;
            }
        }
    }
}

async fn run(state: &AppState, worker: &str, job: store::Job) {
    let engine = state.engine.clone();
    let body: Result<RunBody, _> = serde_json::from_str(&job.request);
    let execution = tokio::task::spawn_blocking(move || {
        let body = body.map_err(|e| e.to_string())?;
        let request = body.to_request(&engine).map_err(|e| e.message)?;
        engine
            .execute(request, &mut |_| {})
            .map_err(|e| e.to_string())
    });
    tokio::pin!(execution);
    let lease = state.config.lease;
    let mut renew = tokio::time::interval(lease / 3);
    renew.tick().await;
    let outcome = loop {
        tokio::select! {
            done = &mut execution => break done,
            _ = renew.tick() => {
                let until = now_ms() + lease.as_millis() as i64;
                if !state.store.extend_lease(&job.id, worker, until).await.unwrap_or(false) {
                    eprintln!("codecollab: worker {worker} lost the lease of {}", job.id);
                }
            }
        }
    };
    let result = match outcome {
        Ok(Ok(result)) => serde_json::to_value(&result)
            .unwrap_or_else(|e| json!({"verdict": "internal_error", "message": e.to_string()})),
        Ok(Err(message)) => json!({"verdict": "internal_error", "message": message}),
        Err(panic) => {
            json!({"verdict": "internal_error", "message": format!("the run crashed: {panic}")})
        }
    };
    match state
        .store
        .finish(
            &job.id,
            worker,
            JobStatus::Finished,
            &result.to_string(),
            now_ms(),
        )
        .await
    {
        Ok(true) => {}
        Ok(false) => eprintln!(
            "codecollab: worker {worker}: {} was taken from us before it finished",
            job.id
        ),
        Err(e) => eprintln!("codecollab: worker {worker}: recording {}: {e}", job.id),
    }
    let _ = state.finished.send(job.id);
}

/// Recovers jobs of dead workers: at start-up (a crashed or killed server) and then every
/// second.
async fn reap(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let failure = json!({"verdict": "internal_error", "message": "the worker running this job stopped, twice"}).to_string();
    while !*shutdown.borrow() {
        match state
            .store
            .recover_expired(now_ms(), MAX_ATTEMPTS, &failure)
            .await
        {
            Ok(0) => {}
            Ok(_) => state.new_job.notify_waiters(),
            Err(e) => eprintln!("codecollab: reaper: {e}"),
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = shutdown.changed() => {}
        }
    }
}
