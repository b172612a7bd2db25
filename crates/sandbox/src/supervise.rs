//! Watching a running sandbox: output relay, stdin feeding, limits, accounting and the verdict.

use crate::cgroup::{SlotCgroup, Usage};
use crate::plan::{REPORT_EXEC_FAILED, REPORT_EXITED, REPORT_SETUP_FAILED, Report, step_name};
use crate::spawn::Child;
use crate::{Event, SandboxError, sys};
use model::{Limits, Outcome, Stream, Verdict};
use std::os::fd::{AsRawFd, OwnedFd};
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
}

/// The pipes of a run, parent ends.
#[derive(Debug)]
pub(crate) struct Pipes {
    pub stdout: OwnedFd,
    pub stderr: OwnedFd,
    pub report: OwnedFd,
    /// Our end of the program's stdin and the bytes still to write, when we feed it.
    pub stdin: Option<(OwnedFd, Vec<u8>)>,
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
}

/// A program killed for time while its memory sat at the limit was stuck in reclaim, not
/// computing: measured here, cgroup v1 can spin in reclaim for seconds without an OOM kill
/// (and this kernel no longer counts `memory.failcnt`), so the peak is the evidence.
fn thrashed_at_memory_limit(facts: &Facts) -> bool {
    facts.memory_limit_kib > 0 && facts.memory_peak_kib * 100 >= facts.memory_limit_kib * 98
}

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
    } else if facts.oom_kills > 0 || (facts.killed.is_some() && thrashed_at_memory_limit(facts)) {
        Verdict::MemoryLimit
    } else if matches!(
        facts.killed,
        Some(KillReason::WallTime | KillReason::CpuTime)
    ) || signal == Some(libc::SIGXCPU)
        || (signal == Some(libc::SIGKILL) && facts.cpu_ms >= facts.cpu_limit_ms)
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

pub(crate) struct Supervisor<'a> {
    pub limits: &'a Limits,
    pub cgroup: Option<&'a SlotCgroup>,
    pub on_event: &'a mut dyn FnMut(Event<'_>),
    pub started: Instant,
}

struct Captured {
    fd: Option<OwnedFd>,
    data: Vec<u8>,
    truncated: bool,
}

impl Supervisor<'_> {
    pub(crate) fn run(self, child: Child, pipes: Pipes) -> Result<Outcome, SandboxError> {
        let err = |source| SandboxError::Supervise { source };
        let mut streams = [
            Captured {
                fd: Some(pipes.stdout),
                data: Vec::new(),
                truncated: false,
            },
            Captured {
                fd: Some(pipes.stderr),
                data: Vec::new(),
                truncated: false,
            },
        ];
        let mut report_fd = Some(pipes.report);
        let mut stdin = pipes.stdin;
        for fd in streams
            .iter()
            .filter_map(|s| s.fd.as_ref())
            .chain(stdin.as_ref().map(|(fd, _)| fd))
        {
            sys::set_nonblocking(fd.as_raw_fd()).map_err(err)?;
        }
        let mut facts = Facts {
            cpu_limit_ms: self.limits.cpu_time_ms,
            memory_limit_kib: self.limits.memory_kib,
            ..Facts::default()
        };
        let mut init_alive = true;
        let mut ended: Option<Instant> = None;
        let mut output_used: u64 = 0;
        let output_limit = self.limits.output_bytes();
        let wall_deadline = self.started + Duration::from_millis(self.limits.wall_time_ms);
        let mut next_stats = self.started + STATS_EVERY;
        let mut next_cpu_check = self.started + CPU_CHECK_MIN;
        let mut buf = vec![0u8; READ_CHUNK];

        let kill = |facts: &mut Facts, reason: KillReason, ended: &mut Option<Instant>| {
            if facts.killed.is_none() && facts.wait_status.is_none() {
                facts.killed = Some(reason);
            }
            ended.get_or_insert_with(Instant::now);
            let _ = sys::pidfd_kill(child.pidfd.as_raw_fd(), libc::SIGKILL);
        };

        while init_alive || report_fd.is_some() || streams.iter().any(|s| s.fd.is_some()) {
            let now = Instant::now();
            if ended.is_none() && now >= wall_deadline {
                kill(&mut facts, KillReason::WallTime, &mut ended);
            }
            if let Some(cgroup) = self.cgroup.filter(|_| ended.is_none())
                && (now >= next_cpu_check || now >= next_stats)
            {
                {
                    let usage = cgroup.current().map_err(err)?;
                    let cpu_ms = usage.cpu_ns / 1_000_000;
                    if cpu_ms >= self.limits.cpu_time_ms {
                        kill(&mut facts, KillReason::CpuTime, &mut ended);
                    }
                    let remaining =
                        Duration::from_millis(self.limits.cpu_time_ms.saturating_sub(cpu_ms));
                    next_cpu_check = now + (remaining / 4).clamp(CPU_CHECK_MIN, STATS_EVERY);
                    if now >= next_stats {
                        next_stats = now + STATS_EVERY;
                        (self.on_event)(Event::Stats {
                            elapsed: now - self.started,
                            cpu_ms,
                            memory_kib: usage.memory_bytes / 1024,
                        });
                    }
                }
            }
            if let Some(at) = ended
                && now.duration_since(at) > DRAIN_TIMEOUT
            {
                return Err(err(std::io::Error::other(
                    "the sandbox did not end after SIGKILL",
                )));
            }

            let deadline = match ended {
                Some(at) => at + DRAIN_TIMEOUT,
                None => wall_deadline.min(next_stats).min(if self.cgroup.is_some() {
                    next_cpu_check
                } else {
                    wall_deadline
                }),
            };
            let timeout_ms = deadline
                .saturating_duration_since(Instant::now())
                .as_millis()
                .min(60_000) as i32
                + 1;

            let mut polls: Vec<libc::pollfd> = Vec::with_capacity(5);
            let mut push = |fd: libc::c_int, events: libc::c_short| {
                polls.push(libc::pollfd {
                    fd,
                    events,
                    revents: 0,
                })
            };
            push(
                if init_alive {
                    child.pidfd.as_raw_fd()
                } else {
                    -1
                },
                libc::POLLIN,
            );
            push(
                report_fd.as_ref().map_or(-1, |fd| fd.as_raw_fd()),
                libc::POLLIN,
            );
            for stream in &streams {
                push(
                    stream.fd.as_ref().map_or(-1, |fd| fd.as_raw_fd()),
                    libc::POLLIN,
                );
            }
            push(
                stdin.as_ref().map_or(-1, |(fd, _)| fd.as_raw_fd()),
                libc::POLLOUT,
            );
            // SAFETY: `polls` is a valid array of pollfd for the duration of the call.
            let ready =
                unsafe { libc::poll(polls.as_mut_ptr(), polls.len() as libc::nfds_t, timeout_ms) };
            if ready == -1 {
                let e = std::io::Error::last_os_error();
                if e.kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(err(e));
            }
            let ready = |i: usize| polls[i].revents != 0;

            for (index, stream) in streams.iter_mut().enumerate() {
                if !ready(2 + index) {
                    continue;
                }
                let Some(fd) = stream.fd.as_ref() else {
                    continue;
                };
                match sys::read(fd.as_raw_fd(), &mut buf) {
                    Ok(0) => stream.fd = None,
                    Ok(n) => {
                        let room = output_limit.saturating_sub(output_used) as usize;
                        let keep = n.min(room);
                        if keep > 0 {
                            output_used += keep as u64;
                            stream.data.extend_from_slice(&buf[..keep]);
                            let which = if index == 0 {
                                Stream::Stdout
                            } else {
                                Stream::Stderr
                            };
                            (self.on_event)(Event::Output {
                                stream: which,
                                elapsed: self.started.elapsed(),
                                data: &buf[..keep],
                            });
                        }
                        if keep < n {
                            stream.truncated = true;
                            kill(&mut facts, KillReason::Output, &mut ended);
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(e) => return Err(err(e)),
                }
            }
            if ready(4)
                && let Some((fd, pending)) = stdin.as_mut()
            {
                match sys::write(fd.as_raw_fd(), pending) {
                    Ok(n) => {
                        pending.drain(..n);
                        if pending.is_empty() {
                            stdin = None;
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    // The program closed its stdin or exited: what it did not read is dropped.
                    Err(_) => stdin = None,
                }
            }
            if ready(1)
                && let Some(fd) = report_fd.as_ref()
            {
                let mut bytes = [0u8; Report::SIZE];
                match sys::read(fd.as_raw_fd(), &mut bytes) {
                    Ok(Report::SIZE) => {
                        self.on_report(Report::from_bytes(&bytes), &mut facts, &mut ended)
                    }
                    Ok(_) => report_fd = None,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(e) => return Err(err(e)),
                }
            }
            if ready(0) {
                init_alive = false;
                ended.get_or_insert_with(Instant::now);
            }
        }

        let init_usage = sys::reap(child.pid).map_err(err)?;
        let wall_ms = ended
            .unwrap_or_else(Instant::now)
            .duration_since(self.started)
            .as_millis() as u64;
        let cgroup_usage = match self.cgroup {
            Some(cgroup) => Some(cgroup.finished().map_err(err)?),
            None => None,
        };
        Ok(self.outcome(facts, streams, wall_ms, cgroup_usage, init_usage))
    }

    fn on_report(&self, report: Report, facts: &mut Facts, ended: &mut Option<Instant>) {
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
                ended.get_or_insert_with(Instant::now);
            }
            _ => {}
        }
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
            ..Facts::default()
        };
        check(thrashing, (Verdict::MemoryLimit, None, Some(libc::SIGKILL)));
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
                ..Facts::default()
            },
            (Verdict::TimeLimit, None, Some(libc::SIGXCPU)),
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
