//! One client's view of a run's events, from the first to the result, whichever process
//! executes it: from memory while it executes here, else from the store's live stream by
//! sequence number, woken by the doorbell. `next` is cancel-safe (a client's loop selects it
//! against its socket): nothing read is lost when its future is dropped.

use crate::hub::RunEvents;
use crate::service::{RunService, view};
use crate::{ELSEWHERE_POLL, RunEvent};
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use tokio::sync::{broadcast, watch};

/// Rows read from the store's stream at a time.
const STREAM_PAGE: i64 = 512;

#[derive(Debug)]
pub struct Subscription {
    service: RunService,
    id: String,
    ready: VecDeque<Arc<str>>,
    /// Statuses already given (the same status may come from memory and from the stream).
    statuses: HashSet<Arc<str>>,
    source: Source,
    done: bool,
}

#[derive(Debug)]
enum Source {
    Local {
        run: Arc<RunEvents>,
        position: usize,
        changes: watch::Receiver<usize>,
    },
    Store {
        /// What this process knows of a run it does not execute (its queued status).
        known: Option<Arc<RunEvents>>,
        next: i64,
        bell: broadcast::Receiver<Arc<str>>,
    },
}

fn is_result(text: &str) -> bool {
    text.starts_with(r#"{"type":"result""#)
}

fn is_status(text: &str) -> bool {
    text.starts_with(r#"{"type":"status""#)
}

impl Subscription {
    pub(crate) fn new(service: RunService, id: String) -> Self {
        let source = match service.local_events(&id) {
            Some(run) if run.is_local() => Source::Local {
                changes: run.watch(),
                run,
                position: 0,
            },
            known => Source::Store {
                known,
                next: 0,
                bell: service.store().doorbell(),
            },
        };
        Subscription {
            service,
            id,
            ready: VecDeque::new(),
            statuses: HashSet::new(),
            source,
            done: false,
        }
    }

    /// The next event (JSON text); None after the result, or for a run nobody knows.
    pub async fn next(&mut self) -> Option<Arc<str>> {
        loop {
            if let Some(event) = self.ready.pop_front() {
                if is_result(&event) {
                    self.done = true;
                    self.ready.clear();
                }
                return Some(event);
            }
            if self.done {
                return None;
            }
            match &mut self.source {
                Source::Local { .. } => self.read_memory().await,
                Source::Store { .. } => self.read_store().await,
            }
        }
    }

    fn give(&mut self, event: Arc<str>) {
        if is_status(&event) && !self.statuses.insert(event.clone()) {
            return;
        }
        self.ready.push_back(event);
    }

    async fn read_memory(&mut self) {
        let Source::Local {
            run,
            position,
            changes,
        } = &mut self.source
        else {
            return;
        };
        changes.mark_unchanged();
        let (events, done) = run.since(*position);
        *position += events.len();
        if events.is_empty() {
            if done {
                self.done = true;
                return;
            }
            let run = run.clone();
            tokio::select! {
                changed = changes.changed() => if changed.is_err() {
                    self.done = true;
                },
                _ = tokio::time::sleep(ELSEWHERE_POLL) => if !run.is_local() {
                    // This process lost the run (its lease went to another attempt): the
                    // store tells the rest.
                    self.source = Source::Store {
                        known: None,
                        next: 0,
                        bell: self.service.store().doorbell(),
                    };
                },
            }
            return;
        }
        for event in events {
            self.give(event);
        }
    }

    async fn read_store(&mut self) {
        let Source::Store { known, .. } = &mut self.source else {
            return;
        };
        if let Some(run) = known.take() {
            for event in run.since(0).0 {
                self.give(event);
            }
            if !self.ready.is_empty() {
                return;
            }
        }
        if self.read_stream().await {
            return;
        }
        let store = self.service.store().clone();
        match store.get(&self.id).await {
            Ok(Some(job)) if job.status.is_final() => {
                // The worker wrote its events before the run became final; its result event
                // follows it, unless the run never reached a worker (cancelled while queued).
                self.read_stream().await;
                if self.ready.iter().any(|e| is_result(e)) {
                    return;
                }
                if matches!(self.source, Source::Store { next: 0, .. }) {
                    self.recorded(&job).await;
                }
                self.give(RunEvent::result(view(&job)).to_json().into());
                return;
            }
            Ok(Some(_)) => {}
            Ok(None) => {
                self.done = true;
                return;
            }
            Err(e) => tracing::warn!(run_id = %self.id, "following a run: {e}"),
        }
        let id = self.id.clone();
        let Source::Store { bell, .. } = &mut self.source else {
            return;
        };
        let wait = async {
            loop {
                match bell.recv().await {
                    Ok(ring) if *ring == *id || &*ring == store::EVERY_RUN => return true,
                    Ok(_) => continue,
                    Err(broadcast::error::RecvError::Lagged(_)) => return true,
                    Err(broadcast::error::RecvError::Closed) => return false,
                }
            }
        };
        // A lost ring costs at most this long.
        if let Ok(false) = tokio::time::timeout(ELSEWHERE_POLL, wait).await {
            self.done = true;
        }
    }

    /// Takes what the stream holds past `next`; true when anything was new.
    async fn read_stream(&mut self) -> bool {
        let Source::Store { next, .. } = &self.source else {
            return false;
        };
        let rows = match self
            .service
            .store()
            .stream_since(&self.id, *next, STREAM_PAGE)
            .await
        {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(run_id = %self.id, "reading a run's stream: {e}");
                return false;
            }
        };
        let before = self.ready.len();
        for (seq, text) in rows {
            if let Source::Store { next, .. } = &mut self.source {
                *next = seq + 1;
            }
            self.give(text.into());
        }
        self.ready.len() > before
    }

    /// The event history a run recorded before live streams existed.
    async fn recorded(&mut self, job: &store::Job) {
        let recorded = self.service.store().events(&job.id).await.ok().flatten();
        let events: Vec<RunEvent> = recorded
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default();
        for event in events.iter().filter(|e| !e.is_result()) {
            self.give(event.to_json().into());
        }
    }
}
