//! Watching a running sandbox: output relay, stdin feeding, limits, accounting and the verdict.

use crate::cgroup::{SlotCgroup, Usage};
use crate::plan::{REPORT_EXEC_FAILED, REPORT_EXITED, REPORT_SETUP_FAILED, Report, step_name};
use crate::spawn::Child;
use crate::{Event, SandboxError, StdinFeed, sys};
use model::{Limits, Outcome, Stream, Verdict};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

/// How often live stats are sampled and sent: often enough for a smooth chart, rare enough to
/// cost nothing (one cgroup read is a few microseconds).
const STATS_EVERY: Duration = Duration::from_millis(100);
/// The CPU limit is checked at most this often near the limit, so that a spinning program
/// overshoots by little.
const CPU_CHECK_MIN: Duration = Duration::from_millis(5);
/// After the run is killed, the pipes close within milliseconds; past this something is wrong.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);
const READ_CHUNK: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KillReason {
    WallTime,
    CpuTime,
    Output,
    Cancelled,
}

/// The pipes of a run, parent ends.
#[derive(Debug)]
pub(crate) struct Pipes {
    pub stdout: OwnedFd,
    pub stderr: OwnedFd,
    pub report: OwnedFd,
    /// Our end of the program's stdin, when we feed it.
    pub stdin: Option<StdinPump>,
}

/// The program's stdin as the supervisor feeds it: bytes given up front, then whatever a live
/// feed queues, written without ever blocking.
#[derive(Debug)]
pub(crate) struct StdinPump {
    pipe: Option<OwnedFd>,
    /// Bytes taken for the program and not yet written.
    local: Vec<u8>,
    feed: Option<StdinFeed>,
    /// No more bytes will come: close the pipe once `local` is written.
    eof: bool,
}

impl StdinPump {
    pub(crate) fn bytes(pipe: OwnedFd, bytes: Vec<u8>) -> Self {
        StdinPump {
            // Nothing to write: end of file at once.
            pipe: (!bytes.is_empty()).then_some(pipe),
            local: bytes,
            feed: None,
            eof: true,
        }
    }

    pub(crate) fn live(pipe: OwnedFd, feed: StdinFeed) -> Self {
        StdinPump {
            pipe: Some(pipe),
            local: Vec::new(),
            feed: Some(feed),
            eof: false,
        }
    }

    fn bell(&self) -> Option<RawFd> {
        self.feed
            .as_ref()
            .filter(|_| !self.eof && self.pipe.is_some())
            .map(StdinFeed::bell_fd)
    }

    /// The pipe, while there is something to write to it.
    fn writable(&self) -> Option<RawFd> {
        self.pipe
            .as_ref()
            .filter(|_| !self.local.is_empty())
            .map(AsRawFd::as_raw_fd)
    }

    fn on_bell(&mut self) {
        if let Some(feed) = &self.feed {
            self.eof |= feed.take(&mut self.local);
        }
        self.write();
    }

    fn write(&mut self) {
        let Some(fd) = self.pipe.as_ref() else {
            return;
        };
        if !self.local.is_empty() {
            match sys::write(fd.as_raw_fd(), &self.local) {
                Ok(n) => {
                    self.local.drain(..n);
                    if let Some(feed) = &self.feed {
                        feed.written(n);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                // The program closed its stdin or exited: what it did not read is dropped.
                Err(_) => {
                    self.close();
                    return;
                }
            }
        }
        if self.local.is_empty() && self.eof {
            self.pipe = None;
        }
    }

    fn close(&mut self) {
        self.pipe = None;
        self.local = Vec::new();
        if let Some(feed) = &self.feed {
            feed.gone();
        }
    }
}

impl Drop for StdinPump {
    fn drop(&mut self) {
        // The run is over: a writer still holding the feed is told so at once.
        if let Some(feed) = &self.feed {
            feed.gone();
        }
    }
}

/// What happened, before it is judged.
#[derive(Debug, Default)]
pub(crate) struct Facts {
    pub setup_failure: Option<String>,
    pub exec_failed: bool,
    pub killed: Option<KillReason>,
    /// The program's wait status, as reported by init.
    pub wait_status: Option<i32>,
    pub oom_kills: u64,
    pub cpu_ms: u64,
    pub cpu_limit_ms: u64,
    /// The program's own peak RSS (rusage), for hosts without cgroups.
    pub maxrss_kib: u64,
    pub memory_peak_kib: u64,
    pub memory_limit_kib: u64,
    /// Pages refaulted after reclaim in the last second before our kill (cgroup only).
    pub recent_refaults: u64,
}

/// A program killed for time while its memory sat at the limit and reclaim kept taking its pages
/// back was stuck in reclaim, not computing: measured here, cgroup v1 can spin in reclaim for
/// seconds without an OOM kill (and this kernel no longer counts `memory.failcnt`). The level
/// alone is no evidence: a program sleeping at 98 % of its limit is not thrashing (it refaults
/// nothing), so the refaults of the last second must show reclaim at work.
fn thrashed_at_memory_limit(facts: &Facts) -> bool {
    facts.memory_limit_kib > 0
        && facts.memory_peak_kib * 100 >= facts.memory_limit_kib * 98
        && facts.recent_refaults >= THRASH_REFAULTS
}

/// Refaults in the last second before the kill that mean "stuck in reclaim": a thrashing
/// program refaults hundreds to thousands of pages a second, one at rest none.
const THRASH_REFAULTS: u64 = 32;
/// How far back the refault rate is measured.
const REFAULT_WINDOW: Duration = Duration::from_secs(1);

/// The verdict and exit fields, from the facts alone.
pub(crate) fn judge(facts: &Facts) -> (Verdict, Option<i32>, Option<i32>) {
    let (exit_code, signal) = match facts.wait_status {
        Some(status) if libc::WIFEXITED(status) => (Some(libc::WEXITSTATUS(status)), None),
        Some(status) if libc::WIFSIGNALED(status) => (None, Some(libc::WTERMSIG(status))),
        _ if facts.killed.is_some() => (None, Some(libc::SIGKILL)),
        _ => (None, None),
    };
    let verdict = if facts.setup_failure.is_some() {
        Verdict::InternalError
    } else if facts.killed == Some(KillReason::Output) {
        Verdict::OutputLimit
    } else if facts.killed == Some(KillReason::Cancelled) {
        // Stopped from outside: the program was killed; `Outcome::cancelled` says by whom.
        Verdict::RuntimeError
    } else if facts.oom_kills > 0 || (facts.killed.is_some() && thrashed_at_memory_limit(facts)) {
        Verdict::MemoryLimit
    } else if matches!(
        facts.killed,
        Some(KillReason::WallTime | KillReason::CpuTime)
    ) || (matches!(signal, Some(libc::SIGXCPU | libc::SIGKILL))
        && facts.cpu_ms >= facts.cpu_limit_ms)
    {
        Verdict::TimeLimit
    } else if facts.wait_status.is_none() {
        Verdict::InternalError
    } else if exit_code == Some(0) {
        Verdict::Ok
    } else {
        Verdict::RuntimeError
    };
    (verdict, exit_code, signal)
}

/// Records what init or the program reported on the report pipe.
fn on_report(report: Report, facts: &mut Facts) {
    match report.kind {
        REPORT_SETUP_FAILED => {
            facts.setup_failure = Some(format!(
                "sandbox setup failed while {}: {}",
                step_name(report.step),
                sys::errno_name(report.value as i32)
            ));
        }
        REPORT_EXEC_FAILED => facts.exec_failed = true,
        REPORT_EXITED => {
            facts.wait_status.get_or_insert(report.value as i32);
            facts.cpu_ms = (report.cpu_us / 1000) as u64;
            facts.maxrss_kib = report.maxrss_kib as u64;
        }
        _ => {}
    }
}

pub(crate) struct Supervisor<'a> {
    pub limits: &'a Limits,
    pub cgroup: Option<&'a SlotCgroup>,
    pub on_event: &'a mut dyn FnMut(Event<'_>),
    pub started: Instant,
    pub cancel: Option<&'a std::sync::atomic::AtomicBool>,
}

struct Captured {
    fd: Option<OwnedFd>,
    data: Vec<u8>,
    truncated: bool,
}

impl Captured {
    fn new(fd: OwnedFd) -> Self {
        Captured {
            fd: Some(fd),
            data: Vec::new(),
            truncated: false,
        }
    }
}

/// Indexes into the poll set, in the order `RunLoop::poll` builds it.
const POLL_INIT: usize = 0;
const POLL_REPORT: usize = 1;
const POLL_STDOUT: usize = 2;
const POLL_STDIN: usize = 4;
const POLL_STDIN_BELL: usize = 5;

/// The state of one supervised run between spawn and the last byte of output.
struct RunLoop<'s, 'a> {
    sup: &'s mut Supervisor<'a>,
    child: Child,
    streams: [Captured; 2],
    report: Option<OwnedFd>,
    stdin: Option<StdinPump>,
    facts: Facts,
    init_alive: bool,
    /// When the program ended or was killed; the wall time stops here.
    ended: Option<Instant>,
    output_used: u64,
    wall_deadline: Instant,
    next_stats: Instant,
    next_cpu_check: Instant,
    /// (when, refaults so far) of the last second of samples, oldest first.
    refault_window: std::collections::VecDeque<(Instant, u64)>,
    buf: Vec<u8>,
}

fn io_err(source: std::io::Error) -> SandboxError {
    SandboxError::Supervise { source }
}

impl<'s, 'a> RunLoop<'s, 'a> {
    fn new(
        sup: &'s mut Supervisor<'a>,
        child: Child,
        pipes: Pipes,
    ) -> Result<Self, (SandboxError, Child)> {
        let streams = [Captured::new(pipes.stdout), Captured::new(pipes.stderr)];
        for fd in streams
            .iter()
            .filter_map(|s| s.fd.as_ref())
            .chain([&pipes.report])
            .chain(pipes.stdin.as_ref().and_then(|pump| pump.pipe.as_ref()))
        {
            if let Err(e) = sys::set_nonblocking(fd.as_raw_fd()) {
                return Err((io_err(e), child));
            }
        }
        let facts = Facts {
            cpu_limit_ms: sup.limits.cpu_time_ms,
            memory_limit_kib: sup.limits.memory_kib,
            ..Facts::default()
        };
        Ok(RunLoop {
            wall_deadline: sup.started + Duration::from_millis(sup.limits.wall_time_ms),
            next_stats: sup.started + STATS_EVERY,
            next_cpu_check: sup.started + CPU_CHECK_MIN,
            sup,
            child,
            streams,
            report: Some(pipes.report),
            stdin: pipes.stdin,
            facts,
            init_alive: true,
            ended: None,
            output_used: 0,
            refault_window: std::collections::VecDeque::new(),
            buf: vec![0u8; READ_CHUNK],
        })
    }

    /// The run lasts as long as its init: when init is gone, so is every process of the run
    /// (the kernel kills the pid namespace), so no more output can be written. Waiting for
    /// end of file instead hung runs whose program parked a pipe's write end in an unreachable
    /// `SCM_RIGHTS` cycle, which keeps it open with no process holding it.
    fn running(&self) -> bool {
        self.init_alive
    }

    /// Kills the whole run (init dies, the kernel kills its pid namespace).
    fn kill(&mut self, reason: KillReason) {
        if self.facts.killed.is_none() && self.facts.wait_status.is_none() {
            self.facts.killed = Some(reason);
            self.facts.recent_refaults =
                match (self.refault_window.front(), self.refault_window.back()) {
                    (Some((_, first)), Some((_, last))) => last.saturating_sub(*first),
                    _ => 0,
                };
        }
        self.ended.get_or_insert_with(Instant::now);
        let _ = sys::pidfd_kill(self.child.pidfd.as_raw_fd(), libc::SIGKILL);
    }

    /// Wall and CPU limits, and the periodic stats event.
    fn check_limits(&mut self, now: Instant) -> Result<(), SandboxError> {
        if self.ended.is_none() && now >= self.wall_deadline {
            self.kill(KillReason::WallTime);
        }
        if self.ended.is_none()
            && self
                .sup
                .cancel
                .is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed))
        {
            self.kill(KillReason::Cancelled);
        }
        if let Some(at) = self.ended
            && now.duration_since(at) > DRAIN_TIMEOUT
        {
            return Err(io_err(std::io::Error::other(
                "the sandbox did not end after SIGKILL",
            )));
        }
        let Some(cgroup) = self.sup.cgroup.filter(|_| self.ended.is_none()) else {
            return Ok(());
        };
        if now < self.next_cpu_check && now < self.next_stats {
            return Ok(());
        }
        let usage = cgroup.current().map_err(io_err)?;
        self.refault_window.push_back((now, usage.refaults));
        while self
            .refault_window
            .front()
            .is_some_and(|(at, _)| now.duration_since(*at) > REFAULT_WINDOW)
        {
            self.refault_window.pop_front();
        }
        let cpu_ms = usage.cpu_ns / 1_000_000;
        if cpu_ms >= self.sup.limits.cpu_time_ms {
            self.kill(KillReason::CpuTime);
        }
        let remaining = Duration::from_millis(self.sup.limits.cpu_time_ms.saturating_sub(cpu_ms));
        self.next_cpu_check = now + (remaining / 4).clamp(CPU_CHECK_MIN, STATS_EVERY);
        if now >= self.next_stats {
            self.next_stats = now + STATS_EVERY;
            let memory_kib = usage.memory_bytes / 1024;
            (self.sup.on_event)(Event::Stats {
                elapsed: now - self.sup.started,
                cpu_ms,
                memory_kib,
            });
        }
        Ok(())
    }

    /// Waits for the next fd event or deadline; returns each poll entry's `revents`.
    fn poll(&self) -> Result<[libc::c_short; 6], SandboxError> {
        let deadline = match self.ended {
            Some(at) => at + DRAIN_TIMEOUT,
            None if self.sup.cgroup.is_some() => self
                .wall_deadline
                .min(self.next_stats)
                .min(self.next_cpu_check),
            None if self.sup.cancel.is_some() => {
                self.wall_deadline.min(Instant::now() + STATS_EVERY)
            }
            None => self.wall_deadline,
        };
        let timeout_ms = deadline
            .saturating_duration_since(Instant::now())
            .as_millis()
            .min(60_000) as i32
            + 1;
        let raw = |fd: Option<&OwnedFd>| fd.map_or(-1, AsRawFd::as_raw_fd);
        let entry = |fd, events| libc::pollfd {
            fd,
            events,
            revents: 0,
        };
        let mut polls = [
            entry(
                if self.init_alive {
                    self.child.pidfd.as_raw_fd()
                } else {
                    -1
                },
                libc::POLLIN,
            ),
            entry(raw(self.report.as_ref()), libc::POLLIN),
            entry(raw(self.streams[0].fd.as_ref()), libc::POLLIN),
            entry(raw(self.streams[1].fd.as_ref()), libc::POLLIN),
            entry(
                self.stdin
                    .as_ref()
                    .and_then(StdinPump::writable)
                    .unwrap_or(-1),
                libc::POLLOUT,
            ),
            entry(
                self.stdin.as_ref().and_then(StdinPump::bell).unwrap_or(-1),
                libc::POLLIN,
            ),
        ];
        // SAFETY: `polls` is a valid array of pollfd for the duration of the call.
        let ready =
            unsafe { libc::poll(polls.as_mut_ptr(), polls.len() as libc::nfds_t, timeout_ms) };
        if ready == -1 {
            let e = std::io::Error::last_os_error();
            if e.kind() != std::io::ErrorKind::Interrupted {
                return Err(io_err(e));
            }
            return Ok([0; 6]);
        }
        Ok(polls.map(|p| p.revents))
    }

    /// Reads one chunk of a stream, keeps what fits under the output limit, relays it. False
    /// when there was nothing to read (for now, or ever).
    fn read_stream(&mut self, index: usize) -> Result<bool, SandboxError> {
        let Some(fd) = self.streams[index].fd.as_ref() else {
            return Ok(false);
        };
        let n = match sys::read(fd.as_raw_fd(), &mut self.buf) {
            Ok(0) => {
                self.streams[index].fd = None;
                return Ok(false);
            }
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(false),
            Err(e) => return Err(io_err(e)),
        };
        let room = self
            .sup
            .limits
            .output_bytes()
            .saturating_sub(self.output_used) as usize;
        let keep = n.min(room);
        if keep > 0 {
            self.output_used += keep as u64;
            self.streams[index]
                .data
                .extend_from_slice(&self.buf[..keep]);
            let stream = if index == 0 {
                Stream::Stdout
            } else {
                Stream::Stderr
            };
            let elapsed = self.sup.started.elapsed();
            (self.sup.on_event)(Event::Output {
                stream,
                elapsed,
                data: &self.buf[..keep],
            });
        }
        if keep < n {
            self.streams[index].truncated = true;
            self.kill(KillReason::Output);
        }
        Ok(true)
    }

    /// Reads one report; false when none was there.
    fn read_report(&mut self) -> Result<bool, SandboxError> {
        let Some(fd) = self.report.as_ref() else {
            return Ok(false);
        };
        let mut bytes = [0u8; Report::SIZE];
        match sys::read(fd.as_raw_fd(), &mut bytes) {
            Ok(Report::SIZE) => {
                on_report(Report::from_bytes(&bytes), &mut self.facts);
                if self.facts.wait_status.is_some() {
                    self.ended.get_or_insert_with(Instant::now);
                }
                Ok(true)
            }
            Ok(_) => {
                self.report = None;
                Ok(false)
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Ok(false),
            Err(e) => Err(io_err(e)),
        }
    }

    /// Runs until init is gone, then takes what the pipes still hold.
    fn drive(&mut self) -> Result<(), SandboxError> {
        while self.running() {
            self.check_limits(Instant::now())?;
            let revents = self.poll()?;
            for index in 0..2 {
                if revents[POLL_STDOUT + index] != 0 {
                    self.read_stream(index)?;
                }
            }
            if let Some(pump) = self.stdin.as_mut() {
                if revents[POLL_STDIN_BELL] != 0 {
                    pump.on_bell();
                } else if revents[POLL_STDIN] != 0 {
                    pump.write();
                }
            }
            if revents[POLL_REPORT] != 0 {
                self.read_report()?;
            }
            if revents[POLL_INIT] != 0 {
                self.init_alive = false;
                self.ended.get_or_insert_with(Instant::now);
            }
        }
        self.drain()
    }

    /// Init is gone: everything the run wrote is already in the pipes. Reads it all (bounded by
    /// the pipes' buffers, and the output limit still applies) without waiting for end of file.
    fn drain(&mut self) -> Result<(), SandboxError> {
        for index in 0..2 {
            while self.read_stream(index)? {}
            self.streams[index].fd = None;
        }
        while self.read_report()? {}
        self.report = None;
        Ok(())
    }
}

fn kill_and_reap(child: &Child) {
    let _ = sys::pidfd_kill(child.pidfd.as_raw_fd(), libc::SIGKILL);
    let _ = sys::reap(child.pid);
}

impl Supervisor<'_> {
    pub(crate) fn run(mut self, child: Child, pipes: Pipes) -> Result<Outcome, SandboxError> {
        let mut run = match RunLoop::new(&mut self, child, pipes) {
            Ok(run) => run,
            Err((e, child)) => {
                kill_and_reap(&child);
                return Err(e);
            }
        };
        if let Err(e) = run.drive() {
            // Whatever went wrong, init is killed and reaped: no zombie in this process, no
            // task left charged to the slot's cgroup.
            kill_and_reap(&run.child);
            return Err(e);
        }
        let RunLoop {
            child,
            facts,
            streams,
            ended,
            ..
        } = run;
        let init_usage = sys::reap(child.pid).map_err(io_err)?;
        let wall_ms = ended
            .unwrap_or_else(Instant::now)
            .duration_since(self.started)
            .as_millis() as u64;
        let cgroup_usage = match self.cgroup {
            Some(cgroup) => Some(cgroup.finished().map_err(io_err)?),
            None => None,
        };
        Ok(self.outcome(facts, streams, wall_ms, cgroup_usage, init_usage))
    }

    fn outcome(
        &self,
        mut facts: Facts,
        streams: [Captured; 2],
        wall_ms: u64,
        cgroup: Option<Usage>,
        init_usage: libc::rusage,
    ) -> Outcome {
        let mut notes = Vec::new();
        let memory_kib = match cgroup {
            Some(usage) => {
                facts.cpu_ms = usage.cpu_ns / 1_000_000;
                facts.oom_kills = usage.oom_kills;
                facts.memory_peak_kib = usage.charged_bytes / 1024;
                // The program's own peak RSS is a floor: pages it mapped that an earlier run
                // had already charged (shared libraries) are not in the cgroup's delta.
                // It is capped by the raw charge, which the memory limit bounds.
                let charged_kib = usage.charged_bytes / 1024;
                (usage.memory_bytes / 1024).max(facts.maxrss_kib.min(charged_kib))
            }
            None => {
                notes.push("no cgroup on this host: CPU time and peak memory are per-process rusage; memory is limited by RLIMIT_AS".to_string());
                facts.maxrss_kib.max(init_usage.ru_maxrss as u64)
            }
        };
        let cancelled = facts.killed == Some(KillReason::Cancelled);
        if cancelled {
            notes.push("stopped on request".to_string());
        }
        let (verdict, exit_code, signal) = judge(&facts);
        if let Some(reason) = facts.setup_failure.take() {
            notes.push(reason);
        }
        let [stdout, stderr] = streams;
        Outcome {
            verdict: Some(verdict),
            exit_code,
            signal,
            wall_ms,
            cpu_ms: facts.cpu_ms,
            memory_kib,
            stdout: stdout.data,
            stderr: stderr.data,
            stdout_truncated: stdout.truncated,
            stderr_truncated: stderr.truncated,
            notes,
            cancelled,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exited(code: i32) -> Option<i32> {
        Some(code << 8)
    }

    fn signaled(signal: i32) -> Option<i32> {
        Some(signal)
    }

    fn check(facts: Facts, expect: (Verdict, Option<i32>, Option<i32>)) {
        assert_eq!(judge(&facts), expect, "{facts:?}");
    }

    #[test]
    fn exit_statuses_become_verdicts() {
        check(
            Facts {
                wait_status: exited(0),
                ..Facts::default()
            },
            (Verdict::Ok, Some(0), None),
        );
        check(
            Facts {
                wait_status: exited(3),
                ..Facts::default()
            },
            (Verdict::RuntimeError, Some(3), None),
        );
        check(
            Facts {
                wait_status: signaled(libc::SIGSEGV),
                ..Facts::default()
            },
            (Verdict::RuntimeError, None, Some(libc::SIGSEGV)),
        );
    }

    #[test]
    fn our_kill_decides_the_verdict() {
        let killed = |reason| Facts {
            killed: Some(reason),
            ..Facts::default()
        };
        check(
            killed(KillReason::Output),
            (Verdict::OutputLimit, None, Some(libc::SIGKILL)),
        );
        check(
            killed(KillReason::WallTime),
            (Verdict::TimeLimit, None, Some(libc::SIGKILL)),
        );
        check(
            killed(KillReason::CpuTime),
            (Verdict::TimeLimit, None, Some(libc::SIGKILL)),
        );
    }

    #[test]
    fn an_oom_kill_is_a_memory_limit() {
        check(
            Facts {
                wait_status: signaled(libc::SIGKILL),
                oom_kills: 1,
                ..Facts::default()
            },
            (Verdict::MemoryLimit, None, Some(libc::SIGKILL)),
        );
    }

    #[test]
    fn thrashing_at_the_memory_limit_until_the_time_limit_is_a_memory_limit() {
        let thrashing = Facts {
            killed: Some(KillReason::CpuTime),
            memory_peak_kib: 65_536,
            memory_limit_kib: 65_536,
            recent_refaults: 900,
            ..Facts::default()
        };
        check(thrashing, (Verdict::MemoryLimit, None, Some(libc::SIGKILL)));
        let resting_near_the_limit = Facts {
            killed: Some(KillReason::WallTime),
            memory_peak_kib: 64_500,
            memory_limit_kib: 65_536,
            recent_refaults: 0,
            ..Facts::default()
        };
        check(
            resting_near_the_limit,
            (Verdict::TimeLimit, None, Some(libc::SIGKILL)),
        );
        let far_below = Facts {
            killed: Some(KillReason::CpuTime),
            memory_peak_kib: 1_000,
            memory_limit_kib: 65_536,
            ..Facts::default()
        };
        check(far_below, (Verdict::TimeLimit, None, Some(libc::SIGKILL)));
    }

    #[test]
    fn the_rlimit_cpu_backstop_is_a_time_limit() {
        check(
            Facts {
                wait_status: signaled(libc::SIGXCPU),
                cpu_ms: 2_000,
                cpu_limit_ms: 1_000,
                ..Facts::default()
            },
            (Verdict::TimeLimit, None, Some(libc::SIGXCPU)),
        );
        // Regression: a program that sends itself SIGXCPU after 1 ms was judged time_limit;
        // only the kernel's backstop past the limit (or our own kill) is one.
        check(
            Facts {
                wait_status: signaled(libc::SIGXCPU),
                cpu_ms: 1,
                cpu_limit_ms: 1_000,
                ..Facts::default()
            },
            (Verdict::RuntimeError, None, Some(libc::SIGXCPU)),
        );
        check(
            Facts {
                wait_status: signaled(libc::SIGKILL),
                cpu_ms: 2_000,
                cpu_limit_ms: 1_000,
                ..Facts::default()
            },
            (Verdict::TimeLimit, None, Some(libc::SIGKILL)),
        );
    }

    #[test]
    fn a_setup_failure_or_a_missing_status_is_an_internal_error() {
        check(
            Facts {
                setup_failure: Some("mount".into()),
                wait_status: exited(126),
                ..Facts::default()
            },
            (Verdict::InternalError, Some(126), None),
        );
        check(Facts::default(), (Verdict::InternalError, None, None));
    }
}
