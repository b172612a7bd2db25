//! A run executing here, seen from other processes: its events copied into the store's live
//! stream (while this worker holds the lease), and what other processes send it (stdin, end of
//! input, cancel) read back from the store when the doorbell rings.

use crate::hub::RunEvents;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use store::{EVERY_RUN, Input, Lease, Store};
use tokio::sync::watch;

/// SQLite has one connection and no NOTIFY (its readers poll): events are gathered this long
/// per statement, so a short run writes its whole stream with its result. PostgreSQL writes at once.
const SQLITE_GATHER: Duration = Duration::from_millis(100);
/// A doorbell that rings for every run (SQLite's tick, a reconnect) re-reads at most this often.
const REREAD_EVERY: Duration = Duration::from_millis(100);

#[derive(Debug)]
pub(crate) struct StreamWriter {
    flushed: watch::Receiver<usize>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl StreamWriter {
    /// Copies every event `events` publishes, from the first, to the stream at `base`…; the
    /// first of a batch is written at once, the ones published meanwhile go in the next batch.
    pub(crate) fn spawn(store: Store, lease: Lease, events: Arc<RunEvents>, base: i64) -> Self {
        let (flushed_tx, flushed) = watch::channel(0usize);
        let (stop, mut stopped) = watch::channel(false);
        let gather = (store.backend() == store::Backend::Sqlite).then_some(SQLITE_GATHER);
        let task = tokio::spawn(async move {
            let mut changes = events.watch();
            let mut position = 0usize;
            loop {
                if let Some(gather) = gather {
                    tokio::select! {
                        _ = tokio::time::sleep(gather) => {}
                        _ = stopped.changed() => return,
                    }
                }
                changes.mark_unchanged();
                if *stopped.borrow() {
                    return;
                }
                let (pending, done) = events.since(position);
                if pending.is_empty() {
                    if done {
                        return;
                    }
                    tokio::select! {
                        changed = changes.changed() => if changed.is_err() {
                            return;
                        },
                        _ = stopped.changed() => return,
                    }
                    continue;
                }
                // Bounded in rows and bytes: a run writing megabytes must not hold the database
                // (and the lease renewals behind it) for one huge statement.
                let batch = &pending[..store::batch_sizes(&pending)[0]];
                match store
                    .append_stream(&lease, base + position as i64, batch)
                    .await
                {
                    Ok(true) => {
                        position += batch.len();
                        let _ = flushed_tx.send(position);
                    }
                    // The lease went to another attempt: it writes the stream from now on.
                    Ok(false) => return,
                    Err(e) => {
                        tracing::warn!("copying events to the store: {e}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
        });
        StreamWriter {
            flushed,
            stop,
            task,
        }
    }

    /// Stops copying (after the batch in flight) and says how many events are in the store:
    /// the rest go with the run's result, in one transaction.
    pub(crate) async fn stop(self) -> usize {
        let _ = self.stop.send(true);
        let _ = self.task.await;
        *self.flushed.borrow()
    }
}

/// Feeds a run executing here what clients of other processes send it, and stops it when one
/// of them cancels. Ends when the returned handle is aborted.
pub(crate) fn spawn_input(
    store: Store,
    job_id: String,
    events: Arc<RunEvents>,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut bell = store.doorbell();
        let mut after = 0i64;
        // A ring for every run is a poll: the first comes a re-read period into the run (most
        // runs are over by then; a ring for this run is heard at once).
        let mut last_read = Instant::now();
        loop {
            match bell.recv().await {
                Ok(ring) if *ring == *job_id => {}
                Ok(ring) if &*ring == EVERY_RUN && last_read.elapsed() >= REREAD_EVERY => {}
                Ok(_) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
            last_read = Instant::now();
            if store.cancel_requested(&job_id).await.unwrap_or(false) {
                stop.store(true, Ordering::Relaxed);
            }
            let Ok(inputs) = store.inputs_since(&job_id, after).await else {
                continue;
            };
            for (id, input) in inputs {
                after = id;
                match input {
                    Input::Stdin(data) => {
                        let Some(feed) = events.stdin() else { continue };
                        let pushed = tokio::task::spawn_blocking(move || {
                            feed.push_timeout(data.as_bytes(), crate::STDIN_WAIT)
                        })
                        .await;
                        if let Ok(Err(engine::FeedError::Full { .. })) = pushed {
                            tracing::warn!(run_id = %job_id, "input from another process refused: the program is not reading");
                        }
                    }
                    Input::Eof => events.close_stdin(),
                }
            }
        }
    })
}
