//! Live events of runs: every message a run has produced so far, kept while it runs (and a
//! minute after), and a broadcast channel for what comes next — so that a client connecting late
//! first receives everything it missed, in order, with no gap and no duplicate.

use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::broadcast;

/// How long a finished run's events stay in memory for late clients (the result itself is in
/// the store for as long as the retention setting keeps it).
const KEEP_AFTER_FINISH: Duration = Duration::from_secs(60);
/// Messages a slow client may fall behind before it is disconnected (it can reconnect and
/// receive the history again).
const CLIENT_BACKLOG: usize = 4096;

#[derive(Debug, Default)]
pub struct EventHub {
    runs: Mutex<HashMap<String, Arc<RunEvents>>>,
}

#[derive(Debug)]
pub struct RunEvents {
    inner: Mutex<Inner>,
    sender: broadcast::Sender<Arc<str>>,
}

#[derive(Debug, Default)]
struct Inner {
    history: Vec<Arc<str>>,
    done: bool,
    /// The program's stdin, for interactive runs while they run.
    stdin: Option<std::io::PipeWriter>,
}

impl EventHub {
    /// The events of `id`, created if this process has none yet.
    pub fn open(&self, id: &str) -> Arc<RunEvents> {
        let mut runs = self.runs.lock().unwrap_or_else(|p| p.into_inner());
        runs.entry(id.to_string())
            .or_insert_with(|| {
                Arc::new(RunEvents {
                    inner: Mutex::default(),
                    sender: broadcast::channel(CLIENT_BACKLOG).0,
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
    pub fn publish(&self, message: Value) {
        let text: Arc<str> = message.to_string().into();
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if inner.done {
            return;
        }
        if message["type"] == "result" {
            inner.done = true;
            inner.stdin = None;
        }
        inner.history.push(text.clone());
        let _ = self.sender.send(text);
    }

    /// Everything so far and a receiver for the rest, taken together under the lock.
    pub fn subscribe(&self) -> (Vec<Arc<str>>, broadcast::Receiver<Arc<str>>, bool) {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        (inner.history.clone(), self.sender.subscribe(), inner.done)
    }

    pub fn is_empty(&self) -> bool {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .history
            .is_empty()
    }

    /// Everything published so far as one JSON array (what the store keeps of a finished run).
    pub fn history_json(&self) -> String {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::from("[");
        for (i, message) in inner.history.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(message);
        }
        out.push(']');
        out
    }

    pub fn set_stdin(&self, writer: std::io::PipeWriter) {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).stdin = Some(writer);
    }

    /// Feeds the running program; false when it takes no more input.
    pub fn write_stdin(&self, data: &[u8]) -> bool {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        match inner.stdin.as_mut().map(|w| w.write_all(data)) {
            Some(Ok(())) => true,
            Some(Err(_)) => {
                inner.stdin = None;
                false
            }
            None => false,
        }
    }

    pub fn close_stdin(&self) {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).stdin = None;
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

pub fn status(status: &str) -> Value {
    json!({"type": "status", "status": status})
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a_late_subscriber_gets_the_history_then_the_rest_and_nothing_after_the_result() {
        let run = RunEvents {
            inner: Mutex::default(),
            sender: broadcast::channel(16).0,
        };
        run.publish(status("queued"));
        let (history, mut rx, done) = run.subscribe();
        assert_eq!((history.len(), done), (1, false));
        run.publish(json!({"type": "result"}));
        run.publish(status("ignored"));
        assert_eq!(&*rx.try_recv().expect("result"), r#"{"type":"result"}"#);
        assert!(rx.try_recv().is_err(), "nothing after the result");
        assert!(run.subscribe().2, "done");
    }
}
