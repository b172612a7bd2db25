//! Live events of runs: every message a run has produced so far, kept while it runs (and a
//! minute after), and a counter clients wait on for what comes next. Each client reads the one
//! shared history from its own position, so a client connecting late first receives everything
//! it missed, in order, with no gap and no duplicate, and a slow client never loses messages
//! (it only falls behind). Nothing is kept per client but a position.

use crate::RunEvent;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// How long a finished run's events stay in memory for late clients (the result itself is in
/// the store for as long as the retention setting keeps it).
const KEEP_AFTER_FINISH: Duration = Duration::from_secs(60);

#[derive(Debug, Default)]
pub struct EventHub {
    runs: Mutex<HashMap<String, Arc<RunEvents>>>,
}

#[derive(Debug)]
pub struct RunEvents {
    inner: Mutex<Inner>,
    /// Output events published: whether the program did anything lately.
    outputs: std::sync::atomic::AtomicU64,
    /// How many messages the history holds; clients wait for it to change.
    published: watch::Sender<usize>,
}

#[derive(Debug, Default)]
struct Inner {
    history: Vec<Arc<str>>,
    done: bool,
    /// The program's stdin, for interactive runs while they run.
    stdin: Option<engine::StdinFeed>,
    /// A worker of this process executes (or executed) the run: its result will be published
    /// here, so clients need not look for it in the store.
    local: bool,
}

impl EventHub {
    /// The events of `id`, created if this process has none yet.
    pub fn open(&self, id: &str) -> Arc<RunEvents> {
        let mut runs = self.runs.lock().unwrap_or_else(|p| p.into_inner());
        runs.entry(id.to_string())
            .or_insert_with(|| {
                Arc::new(RunEvents {
                    inner: Mutex::default(),
                    outputs: Default::default(),
                    published: watch::channel(0).0,
                })
            })
            .clone()
    }

    pub fn get(&self, id: &str) -> Option<Arc<RunEvents>> {
        self.runs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned()
    }

    /// Forgets a finished run's events after a while.
    pub fn forget_later(self: &Arc<Self>, id: String) {
        let hub = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(KEEP_AFTER_FINISH).await;
            hub.runs
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&id);
        });
    }
}

impl RunEvents {
    pub fn publish(&self, event: &RunEvent) {
        if event.is_output() {
            self.outputs
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        let text: Arc<str> = event.to_json().into();
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if inner.done {
            return;
        }
        if event.is_result() {
            inner.done = true;
            inner.stdin = None;
        }
        inner.history.push(text);
        self.published.send_replace(inner.history.len());
    }

    /// A receiver that changes whenever a message is published.
    pub fn watch(&self) -> watch::Receiver<usize> {
        self.published.subscribe()
    }

    /// The messages from position `from` on, and whether the run is over (nothing will follow
    /// them).
    pub fn since(&self, from: usize) -> (Vec<Arc<str>>, bool) {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let start = from.min(inner.history.len());
        (inner.history[start..].to_vec(), inner.done)
    }

    pub fn mark_local(&self) {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).local = true;
    }

    /// This process's attempt lost the run (its lease went to another attempt): its end will
    /// be found in the store.
    pub fn mark_elsewhere(&self) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.local = false;
        if let Some(feed) = inner.stdin.take() {
            feed.close();
        }
    }

    pub fn is_local(&self) -> bool {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).local
    }

    pub fn is_empty(&self) -> bool {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .history
            .is_empty()
    }

    /// For an interactive run (one whose stdin is fed live): a mark that changes whenever the
    /// program writes or someone gives it input. None for other runs.
    pub fn activity(&self) -> Option<(u64, u64)> {
        let feed = self.stdin()?;
        Some((
            self.outputs.load(std::sync::atomic::Ordering::Relaxed),
            feed.accepted(),
        ))
    }

    pub fn set_stdin(&self, feed: engine::StdinFeed) {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).stdin = Some(feed);
    }

    /// The running program's input, if it takes any. Writers use the feed after the lock is
    /// released: nothing here ever waits on the program.
    pub fn stdin(&self) -> Option<engine::StdinFeed> {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .stdin
            .clone()
    }

    pub fn close_stdin(&self) {
        let feed = self
            .inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .stdin
            .take();
        if let Some(feed) = feed {
            feed.close();
        }
    }
}

/// Turns output chunks into UTF-8 text without splitting a character across two messages.
#[derive(Debug, Default)]
pub struct Utf8Stream {
    carry: Vec<u8>,
}

impl Utf8Stream {
    pub fn push(&mut self, data: &[u8]) -> String {
        self.carry.extend_from_slice(data);
        let valid = match std::str::from_utf8(&self.carry) {
            Ok(_) => self.carry.len(),
            // An incomplete character at the end waits for the next chunk; anything else is
            // shown as a replacement character.
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => self.carry.len(),
        };
        let rest = self.carry.split_off(valid);
        let text = String::from_utf8_lossy(&self.carry).into_owned();
        self.carry = rest;
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Phase;
    use serde_json::json;

    fn status(phase: Phase) -> RunEvent {
        RunEvent::status(phase)
    }

    #[test]
    fn a_character_split_across_chunks_is_sent_whole() {
        let mut stream = Utf8Stream::default();
        let bytes = "héllo ✓".as_bytes();
        let (a, b) = bytes.split_at(2); // inside "é"
        assert_eq!(stream.push(a), "h");
        assert_eq!(stream.push(b), "éllo ✓");
        assert_eq!(
            stream.push(&[0xff, b'x']),
            "\u{fffd}x",
            "invalid bytes are replaced, not held"
        );
    }

    #[test]
    fn a_reader_gets_everything_from_its_position_and_nothing_after_the_result() {
        let run = RunEvents {
            inner: Mutex::default(),
            outputs: Default::default(),
            published: watch::channel(0).0,
        };
        let mut changes = run.watch();
        run.publish(&status(Phase::Queued));
        assert!(changes.has_changed().expect("open"));
        let (first, done) = run.since(0);
        assert_eq!((first.len(), done), (1, false));
        changes.mark_unchanged();
        run.publish(&RunEvent::result(json!({})));
        run.publish(&status(Phase::Running));
        assert!(changes.has_changed().expect("open"));
        let (rest, done) = run.since(first.len());
        assert_eq!(rest.len(), 1, "nothing after the result");
        assert_eq!(&*rest[0], r#"{"type":"result"}"#);
        assert!(done);
        assert!(run.since(99).0.is_empty());
    }

    #[test]
    fn a_run_costs_its_messages_not_a_buffer_per_run() {
        // A preallocated per-run channel of thousands of slots once held ~130 KiB per run for
        // a minute after it ended; the history is all a run keeps now.
        let hub = EventHub::default();
        let run = hub.open("r");
        run.publish(&status(Phase::Queued));
        assert!(run.inner.lock().expect("lock").history.capacity() <= 8);
    }
}
