//! Live stdin: a bounded queue between whoever types (a WebSocket, a terminal) and the run's
//! supervisor, which alone writes the program's pipe, non-blocking, from its poll loop.
//!
//! A writer never touches the pipe, so a program that does not read can never block a writer,
//! and a writer can never block the supervisor (the wall limit, the output relay and cancel keep
//! working whatever is queued). The lock guards only memory: no I/O is done while it is held.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Bytes a program may have queued and not yet read, by default.
pub const DEFAULT_STDIN_CAPACITY: usize = 1 << 20;

/// Why bytes were not queued (none of them were: a push is all or nothing).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedError {
    #[error(
        "the program has not read {pending} bytes of its input yet; at most {capacity} may wait"
    )]
    Full { pending: usize, capacity: usize },
    #[error("the program takes no more input (it closed stdin, ended, or input was closed)")]
    Closed,
}

/// The writer's side of a program's stdin; clones feed the same program.
#[derive(Debug, Clone)]
pub struct StdinFeed {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    /// Signalled when the program took bytes or input can no longer be taken.
    room: Condvar,
    /// An eventfd the supervisor polls: rung after each push and at close.
    bell: OwnedFd,
    capacity: usize,
}

#[derive(Debug, Default)]
struct State {
    queued: Vec<u8>,
    /// Queued bytes plus those the supervisor took but has not written yet.
    unwritten: usize,
    /// No more pushes: end of file once everything is written.
    eof: bool,
    /// The program's stdin is gone (closed, or the run ended): nothing more is taken.
    gone: bool,
    /// Bytes ever accepted (and end of input, counted as one): whether someone typed lately.
    accepted: u64,
}

impl StdinFeed {
    pub fn new(capacity: usize) -> io::Result<Self> {
        // SAFETY: eventfd has no memory arguments; it returns a new fd or -1.
        let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
        if fd == -1 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: eventfd succeeded, so `fd` is open and owned by nobody else.
        let bell = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(StdinFeed {
            shared: Arc::new(Shared {
                state: Mutex::default(),
                room: Condvar::new(),
                bell,
                capacity,
            }),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues `data` for the program, or refuses all of it at once.
    pub fn push(&self, data: &[u8]) -> Result<(), FeedError> {
        self.push_timeout(data, Duration::ZERO)
    }

    /// Like `push`, but waits up to `timeout` for the program to make room (back-pressure for a
    /// writer that can wait; the supervisor is never among the waiters).
    pub fn push_timeout(&self, data: &[u8], timeout: Duration) -> Result<(), FeedError> {
        let capacity = self.shared.capacity;
        let deadline = Instant::now() + timeout;
        let mut state = self.state();
        loop {
            if state.gone || state.eof {
                return Err(FeedError::Closed);
            }
            if state.unwritten + data.len() <= capacity {
                break;
            }
            let now = Instant::now();
            if data.len() > capacity || now >= deadline {
                return Err(FeedError::Full {
                    pending: state.unwritten,
                    capacity,
                });
            }
            state = self
                .shared
                .room
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        if data.is_empty() {
            return Ok(());
        }
        state.queued.extend_from_slice(data);
        state.unwritten += data.len();
        state.accepted += data.len() as u64;
        drop(state);
        self.ring();
        Ok(())
    }

    /// End of input: the program sees end of file once it has read what is queued.
    pub fn close(&self) {
        let mut state = self.state();
        if !state.eof {
            state.eof = true;
            state.accepted += 1;
        }
        drop(state);
        self.ring();
    }

    /// Bytes accepted so far (end of input counts as one): it changes whenever input is given.
    pub fn accepted(&self) -> u64 {
        self.state().accepted
    }

    /// Bytes queued that the program has not taken yet.
    pub fn pending(&self) -> usize {
        self.state().unwritten
    }

    /// Copies `reader` (a file, a terminal) into the program on a thread of its own, waiting for
    /// the program to read as it goes, then closes the input.
    pub fn copy_from(&self, mut reader: impl io::Read + Send + 'static) {
        let feed = self.clone();
        std::thread::spawn(move || {
            let mut chunk = vec![0u8; 64 * 1024];
            loop {
                let n = match reader.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                loop {
                    match feed.push_timeout(&chunk[..n], Duration::from_secs(3600)) {
                        Ok(()) => break,
                        Err(FeedError::Full { .. }) => continue,
                        Err(FeedError::Closed) => return,
                    }
                }
            }
            feed.close();
        });
    }

    fn ring(&self) {
        let one = 1u64.to_ne_bytes();
        // SAFETY: writing 8 bytes from a stack buffer to our eventfd. It cannot block
        // (EFD_NONBLOCK); a full counter already means "rung".
        unsafe { libc::write(self.shared.bell.as_raw_fd(), one.as_ptr().cast(), 8) };
    }

    pub(crate) fn bell_fd(&self) -> RawFd {
        self.shared.bell.as_raw_fd()
    }

    /// The supervisor's side: moves what is queued onto `into` (after what it holds), clears
    /// the bell, and says whether end of input was asked.
    pub(crate) fn take(&self, into: &mut Vec<u8>) -> bool {
        let mut buf = [0u8; 8];
        // SAFETY: reading 8 bytes into a stack buffer from our non-blocking eventfd.
        unsafe { libc::read(self.shared.bell.as_raw_fd(), buf.as_mut_ptr().cast(), 8) };
        let mut state = self.state();
        if into.is_empty() {
            std::mem::swap(into, &mut state.queued);
        } else {
            into.append(&mut state.queued);
        }
        state.eof
    }

    /// The supervisor wrote `n` bytes to the program.
    pub(crate) fn written(&self, n: usize) {
        let mut state = self.state();
        state.unwritten = state.unwritten.saturating_sub(n);
        drop(state);
        self.shared.room.notify_all();
    }

    /// The program's stdin is gone: what is queued is dropped and later pushes are refused.
    pub(crate) fn gone(&self) {
        let mut state = self.state();
        state.gone = true;
        state.queued = Vec::new();
        state.unwritten = 0;
        drop(state);
        self.shared.room.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_push_is_all_or_nothing_within_the_capacity() {
        let feed = StdinFeed::new(10).expect("eventfd");
        feed.push(b"12345678").expect("fits");
        assert_eq!(
            feed.push(b"abc"),
            Err(FeedError::Full {
                pending: 8,
                capacity: 10
            })
        );
        assert_eq!(feed.pending(), 8, "nothing of a refused push is queued");
        let mut taken = Vec::new();
        assert!(!feed.take(&mut taken));
        assert_eq!(taken, b"12345678");
        assert_eq!(feed.pending(), 8, "taken is not written");
        feed.written(8);
        feed.push(b"abc").expect("room again");
    }

    #[test]
    fn a_waiting_writer_gets_in_when_the_program_reads() {
        let feed = StdinFeed::new(4).expect("eventfd");
        feed.push(b"full").expect("fits");
        let reader = feed.clone();
        let program = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            let mut taken = Vec::new();
            reader.take(&mut taken);
            reader.written(taken.len());
        });
        feed.push_timeout(b"more", Duration::from_secs(10))
            .expect("room made while waiting");
        program.join().expect("thread");
        assert_eq!(feed.pending(), 4);
    }

    #[test]
    fn after_close_or_gone_nothing_is_taken() {
        let feed = StdinFeed::new(100).expect("eventfd");
        feed.push(b"x").expect("open");
        feed.close();
        assert_eq!(feed.push(b"y"), Err(FeedError::Closed));
        let mut taken = Vec::new();
        assert!(feed.take(&mut taken), "end of input reaches the supervisor");
        let other = StdinFeed::new(100).expect("eventfd");
        other.push(b"queued").expect("open");
        other.gone();
        assert_eq!(other.pending(), 0);
        assert_eq!(
            other.push_timeout(b"z", Duration::from_secs(5)),
            Err(FeedError::Closed)
        );
        assert_eq!(
            StdinFeed::new(2).expect("eventfd").push(b"too long"),
            Err(FeedError::Full {
                pending: 0,
                capacity: 2
            }),
            "more than the capacity is refused at once, not waited for"
        );
    }
}
