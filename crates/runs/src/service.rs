//! `RunService`: submit, wait for, cancel, feed and watch runs, wherever they execute. One path
//! for every API (the native one, Judge0, Piston) and, later, for projects and functions.

use crate::hub::{EventHub, RunEvents};
use crate::subscription::Subscription;
use crate::{JobPayload, Phase, RunEvent, now_ms};
use engine::{Engine, EngineError, FeedError};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use store::{Input, Job, JobStatus, NewJob, Store, StoreError};
use tokio::sync::{Notify, broadcast, watch};

#[derive(Debug, Clone)]
pub struct RunsConfig {
    /// Runs executing at once in this process (0: it only submits and watches).
    pub workers: usize,
    /// Queued runs past which submissions are refused.
    pub max_queue: i64,
    /// How long a claimed run stays ours without renewal (renewed every third of it): a dead
    /// worker's runs are retried after at most this long.
    pub lease: Duration,
    /// How long finished runs (results included) are kept.
    pub retention: Duration,
    /// An interactive run with neither input nor output for this long ends (`time_limit`, and
    /// the result says why): a slot is not held for a person who walked away.
    pub interactive_idle: Duration,
}

impl Default for RunsConfig {
    fn default() -> Self {
        RunsConfig {
            workers: 2,
            max_queue: 1000,
            lease: Duration::from_secs(30),
            retention: Duration::from_secs(7 * 24 * 3600),
            interactive_idle: Duration::from_secs(120),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error(transparent)]
    Invalid(#[from] EngineError),
    #[error("the run queue is full; retry later")]
    QueueFull,
    #[error("no random bytes for an id: {0}")]
    NoRandom(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Cheap to clone; every clone is the same service.
#[derive(Debug, Clone)]
pub struct RunService {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub engine: Arc<Engine>,
    pub store: Store,
    pub config: RunsConfig,
    /// Ids of runs that just finished in this process (wakes waiters).
    pub finished: broadcast::Sender<String>,
    /// Wakes an idle worker when a run is enqueued here.
    pub new_job: Notify,
    /// Live events of the runs this process knows.
    pub hub: Arc<EventHub>,
    /// Stop flags of the runs executing in this process.
    pub running: Mutex<HashMap<String, Arc<AtomicBool>>>,
}

/// A finished (or cancelled) run as the API shows it: the result's fields, plus id, status and
/// timestamps (ms).
pub fn view(job: &Job) -> Value {
    let mut value = job
        .result
        .as_deref()
        .and_then(|r| serde_json::from_str(r).ok())
        .unwrap_or_else(|| json!({}));
    if let Value::Object(map) = &mut value {
        map.insert("id".into(), json!(job.id));
        map.insert("status".into(), json!(job.status.as_str()));
        map.insert("created_at".into(), json!(job.created_at_ms));
        map.insert("started_at".into(), json!(job.started_at_ms));
        map.insert("finished_at".into(), json!(job.finished_at_ms));
    }
    value
}

impl RunService {
    pub fn new(engine: Arc<Engine>, store: Store, config: RunsConfig) -> Self {
        RunService {
            inner: Arc::new(Inner {
                engine,
                store,
                config,
                finished: broadcast::channel(1024).0,
                new_job: Notify::new(),
                hub: Arc::new(EventHub::default()),
                running: Mutex::default(),
            }),
        }
    }

    pub fn engine(&self) -> &Arc<Engine> {
        &self.inner.engine
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn config(&self) -> &RunsConfig {
        &self.inner.config
    }

    /// Announcements of runs finished in this process; take it before submitting to `wait`.
    pub fn finished(&self) -> broadcast::Receiver<String> {
        self.inner.finished.subscribe()
    }

    /// Validates and queues a run for `client` (fairness is per client), owned by `owner` (a
    /// user id; none for an anonymous run); returns its id.
    pub async fn submit(
        &self,
        payload: &JobPayload,
        client: String,
        owner: Option<String>,
        priority: i32,
    ) -> Result<String, SubmitError> {
        self.inner
            .engine
            .check(&payload.to_request(engine::RunInput::Empty))?;
        if self.inner.store.queue_depth().await? >= self.inner.config.max_queue {
            return Err(SubmitError::QueueFull);
        }
        let id = run_id().map_err(|e| SubmitError::NoRandom(e.to_string()))?;
        let job = NewJob {
            id: id.clone(),
            client,
            priority,
            request: payload.to_json(),
            created_at_ms: now_ms(),
            owner,
        };
        self.inner
            .hub
            .open(&id)
            .publish(&RunEvent::status(Phase::Queued));
        self.inner.store.enqueue(&job).await?;
        self.inner.new_job.notify_one();
        Ok(id)
    }

    /// Waits until the run is finished or cancelled (`finished` taken before it was submitted).
    pub async fn wait(
        &self,
        id: &str,
        finished: &mut broadcast::Receiver<String>,
    ) -> Result<Job, StoreError> {
        let mut bell = self.inner.store.doorbell();
        loop {
            if let Some(job) = self.inner.store.get(id).await?
                && job.status.is_final()
            {
                return Ok(job);
            }
            // Finished runs are announced in this process; a worker elsewhere rings the
            // doorbell when it appends the result to the run's stream (and polling covers a
            // lost ring).
            let _ = tokio::time::timeout(Duration::from_millis(250), async {
                loop {
                    tokio::select! {
                        done = finished.recv() => match done {
                            Ok(done) if done == id => break,
                            Ok(_) => {}
                            Err(_) => break,
                        },
                        ring = bell.recv() => match ring {
                            Ok(ring) if *ring == *id => break,
                            Ok(_) => {}
                            Err(_) => break,
                        },
                    }
                }
            })
            .await;
        }
    }

    /// Stops a run: at once if still queued, else through its worker (here or in another
    /// process), which records it cancelled. None for no such run.
    pub async fn cancel(&self, id: &str) -> Result<Option<Job>, StoreError> {
        let result = json!({"verdict": null, "message": "cancelled before it ran"}).to_string();
        let mut finished = self.finished();
        match self
            .inner
            .store
            .cancel_queued(id, &result, now_ms())
            .await?
        {
            None => Ok(None),
            Some(JobStatus::Running) => {
                let stop = self
                    .inner
                    .running
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .get(id)
                    .cloned();
                match stop {
                    // The worker kills the sandbox within 100 ms and records the run cancelled.
                    Some(stop) => stop.store(true, Ordering::Relaxed),
                    // Executing in another process: its worker hears it through the store.
                    None => {
                        self.inner.store.request_cancel(id).await?;
                    }
                }
                self.wait(id, &mut finished).await.map(Some)
            }
            Some(_) => {
                let job = self.inner.store.get(id).await?;
                if let (Some(run), Some(job)) = (self.inner.hub.get(id), &job) {
                    run.publish(&RunEvent::result(view(job)));
                }
                let _ = self.inner.finished.send(id.to_string());
                Ok(job)
            }
        }
    }

    /// Sends input to a running interactive run, wherever it executes. `Full` when the program
    /// has not read what came before (the input was refused); a program that takes no more
    /// input drops it, as a terminal would.
    pub async fn send_input(&self, id: &str, input: Input) -> Result<(), FeedError> {
        let local = self.inner.hub.get(id).filter(|run| run.is_local());
        let Some(run) = local else {
            if let Err(e) = self.inner.store.push_input(id, &input).await {
                tracing::warn!(run_id = %id, "sending input through the store: {e}");
            }
            return Ok(());
        };
        match input {
            Input::Eof => {
                run.close_stdin();
                Ok(())
            }
            Input::Stdin(data) => {
                let Some(feed) = run.stdin() else {
                    return Ok(());
                };
                let pushed = tokio::task::spawn_blocking(move || {
                    feed.push_timeout(data.as_bytes(), crate::STDIN_WAIT)
                })
                .await;
                match pushed {
                    Ok(Err(full @ FeedError::Full { .. })) => Err(full),
                    _ => Ok(()),
                }
            }
        }
    }

    /// The run's events from the first: from memory when it executes here, else from the
    /// store's live stream.
    pub fn subscribe(&self, id: &str) -> Subscription {
        Subscription::new(self.clone(), id.to_string())
    }

    /// The run's events in this process, if it knows the run.
    pub fn local_events(&self, id: &str) -> Option<Arc<RunEvents>> {
        self.inner.hub.get(id)
    }

    /// Starts this process's workers (as many as configured) and the reaper that recovers runs
    /// of dead workers; they stop when `shutdown` turns true.
    pub fn spawn_workers(
        &self,
        shutdown: watch::Receiver<bool>,
    ) -> Vec<tokio::task::JoinHandle<()>> {
        crate::worker::spawn(self.clone(), shutdown)
    }
}

/// 128 random bits as 32 lowercase hex digits, from the kernel's CSPRNG (a failure is an
/// error, never a predictable id).
pub fn run_id() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::run_id;
    use std::collections::HashSet;

    #[test]
    fn run_ids_are_random_not_zeros() {
        let ids: HashSet<String> = (0..1000).map(|_| run_id().expect("id")).collect();
        assert_eq!(ids.len(), 1000);
        assert!(ids.iter().all(|id| id.len() == 32 && id != &"0".repeat(32)));
    }
}
