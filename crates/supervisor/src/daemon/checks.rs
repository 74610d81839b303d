//! Readiness, health checks and the watchdog in the running daemon: the
//! I/O around the pure model's `mark_ready`, `health_result` and
//! dependencies.
//!
//! Every check is a task on the event loop's thread that sends what it
//! found to the loop ([`CheckMsg`]), which applies it to the process whose
//! child has that pid (a message about an earlier run finds no one). Tasks
//! live as long as the state they check: probes for readiness while
//! STARTING, health checks and the watchdog while RUNNING; they are
//! aborted when the process leaves it. A daemon whose programs use none of
//! these keys starts no task and arms no timer for them.
//!
//! * probes: `tcp:` (a connect), `http://` (a GET answered 200-399),
//!   `exec:` (`/bin/sh -c` as the program's user, in its directory, with
//!   its environment; a child of the daemon reaped by the one reaper,
//!   killed with its process group at its timeout, a few at a time);
//! * `notify`: one socket for the daemon, bound when a program first needs
//!   it; datagrams are attributed by the sender's credentials;
//! * `log:`: matched by the pipe readers (`output::LogReady`).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::time::{Duration, Instant};

use sv_config::LogLevel;
use sv_config::checks::{HealthAction, Probe, ReadyCheck};
use sv_core::process::{Effect, HealthState, Then};
use sv_core::state::ProcessState;
use sv_core::supervisor::ProcId;
use sv_sys::notify::{Datagram, NotifySocket};
use sv_sys::process::{ExitKind, SpawnSpec};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{Semaphore, mpsc, oneshot};
use tokio::task::AbortHandle;

use super::event_loop::Daemon;
use super::output::{ProcLink, bump};

/// What a check found, for the event loop.
#[derive(Debug)]
pub enum CheckMsg {
    /// The child with this pid is ready.
    Ready(u32),
    /// A health check of the child with this pid.
    Health {
        /// The child.
        pid: u32,
        /// Whether it passed.
        ok: bool,
        /// What it said (`HTTP 500`, `connection refused`, an exec's
        /// status and first line).
        detail: String,
    },
    /// The watchdog of the child with this pid may have expired.
    Watchdog(u32),
    /// A datagram on the notify socket.
    Notify(Datagram),
}

/// Where checks send what they found.
pub type CheckSender = mpsc::UnboundedSender<CheckMsg>;

/// What a process's checks keep while it runs: nothing (one pointer)
/// until a check first needs it.
#[derive(Debug, Default)]
pub struct ProcChecks(Option<Box<Kept>>);

#[derive(Debug, Default)]
struct Kept {
    tasks: Vec<AbortHandle>,
    status_text: Option<String>,
    watchdog_ping: Rc<Cell<Option<Instant>>>,
}

impl ProcChecks {
    fn kept(&mut self) -> &mut Kept {
        self.0.get_or_insert_with(Box::default)
    }

    fn add_task(&mut self, task: AbortHandle) {
        self.kept().tasks.push(task);
    }

    /// The last `STATUS=` it sent (ours: `ext_status_text`).
    pub fn status_text(&self) -> Option<&str> {
        self.0.as_ref().and_then(|k| k.status_text.as_deref())
    }

    fn set_status_text(&mut self, text: String) {
        self.kept().status_text = Some(text);
    }

    /// When it last sent `WATCHDOG=1`.
    fn last_ping(&self) -> Option<Instant> {
        self.0.as_ref().and_then(|k| k.watchdog_ping.get())
    }

    /// `WATCHDOG=1` now.
    fn ping(&mut self) {
        self.kept().watchdog_ping.set(Some(Instant::now()));
    }

    /// Ends every check task of the process.
    pub fn stop_all(&mut self) {
        if let Some(k) = self.0.as_mut() {
            for t in k.tasks.drain(..) {
                t.abort();
            }
        }
    }
}

impl Drop for ProcChecks {
    fn drop(&mut self) {
        self.stop_all();
    }
}

/// Checks are due on a grid of this many milliseconds: the checks of many
/// processes then wake the daemon together (a few times a second) rather
/// than one by one.
const SLOT_MS: u64 = 100;

/// The first grid point at or after `t`.
fn slot(t: Instant) -> Instant {
    static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    let epoch = *EPOCH.get_or_init(Instant::now);
    let since = u64::try_from(t.saturating_duration_since(epoch).as_millis()).unwrap_or(u64::MAX);
    let up = since.div_ceil(SLOT_MS).saturating_mul(SLOT_MS);
    epoch + Duration::from_millis(up)
}

/// Exec probes that may run at once.
const EXEC_SLOTS: usize = 16;
/// The first bytes of an exec probe's output kept.
const EXEC_OUTPUT: usize = 4096;

/// The daemon's side of the checks.
pub struct Checks {
    /// Where tasks send what they found.
    pub tx: CheckSender,
    notify: Option<Rc<NotifySocket>>,
    /// Exec probes waiting for their child's exit, by pid: the reaper
    /// hands them the status.
    pub exec_waiters: Rc<RefCell<HashMap<u32, oneshot::Sender<ExitKind>>>>,
    exec_slots: Rc<Semaphore>,
}

impl Checks {
    /// No checks running yet.
    pub fn new(tx: CheckSender) -> Self {
        Checks {
            tx,
            notify: None,
            exec_waiters: Rc::default(),
            exec_slots: Rc::new(Semaphore::new(EXEC_SLOTS)),
        }
    }

    /// The notify socket's address for a child's `$NOTIFY_SOCKET`, binding
    /// the socket (and starting its reader) the first time.
    pub fn notify_address(&mut self) -> std::io::Result<String> {
        if let Some(s) = &self.notify {
            return Ok(s.address().to_owned());
        }
        let socket = Rc::new(NotifySocket::bind("0")?);
        let address = socket.address().to_owned();
        let reader = socket.clone();
        let tx = self.tx.clone();
        let watched = std::os::fd::AsFd::as_fd(socket.as_ref()).try_clone_to_owned()?;
        let watched = tokio::net::UnixDatagram::from_std(watched.into())?;
        tokio::task::spawn_local(async move {
            use std::io::ErrorKind::WouldBlock;
            while watched.readable().await.is_ok() {
                let got = watched.try_io(tokio::io::Interest::READABLE, || match reader.recv() {
                    Ok(Some(d)) => Ok(d),
                    Ok(None) => Err(WouldBlock.into()),
                    Err(e) => Err(e),
                });
                match got {
                    Ok(d) => {
                        if tx.send(CheckMsg::Notify(d)).is_err() {
                            return;
                        }
                    }
                    Err(e) if e.kind() == WouldBlock => {}
                    Err(_) => return,
                }
            }
        });
        self.notify = Some(socket);
        Ok(address)
    }

    /// Whether an exec probe waits for `pid` (the reaper then hands it the
    /// status instead of looking for a process).
    pub fn take_exec(&self, pid: u32, status: ExitKind) -> bool {
        match self.exec_waiters.borrow_mut().remove(&pid) {
            Some(tx) => {
                let _ = tx.send(status);
                true
            }
            None => false,
        }
    }

    /// Probes `probe` every `interval` from now until it passes, then
    /// reports the child `pid` ready.
    pub fn ready_probe(
        &self,
        pc: &mut ProcChecks,
        pid: u32,
        probe: Probe,
        exec: Option<SpawnSpec>,
        (interval, timeout): (Duration, Duration),
        counters: Rc<ProcLink>,
    ) {
        let runner = self.runner(exec);
        let tx = self.tx.clone();
        let task = tokio::task::spawn_local(async move {
            loop {
                if runner.run(&probe, timeout).await.0 {
                    let _ = tx.send(CheckMsg::Ready(pid));
                    return;
                }
                bump(&counters.counters.probe_failures[0], 1);
                tokio::time::sleep(interval).await;
            }
        });
        pc.add_task(task.abort_handle());
    }

    /// Checks the health of the child `pid` every `interval` after
    /// `initial_delay`, reporting each result.
    pub fn health_probe(
        &self,
        pc: &mut ProcChecks,
        pid: u32,
        probe: Probe,
        exec: Option<SpawnSpec>,
        (initial_delay, interval, timeout): (Duration, Duration, Duration),
        counters: Rc<ProcLink>,
    ) {
        let runner = self.runner(exec);
        let tx = self.tx.clone();
        let task = tokio::task::spawn_local(async move {
            let mut next = slot(Instant::now() + initial_delay);
            loop {
                tokio::time::sleep_until(next.into()).await;
                let (ok, detail) = runner.run(&probe, timeout).await;
                if !ok {
                    bump(&counters.counters.probe_failures[1], 1);
                }
                if tx.send(CheckMsg::Health { pid, ok, detail }).is_err() {
                    return;
                }
                next = slot(next + interval);
            }
        });
        pc.add_task(task.abort_handle());
    }

    /// Expects `WATCHDOG=1` from the child `pid` at least every `every`,
    /// counting from now; reports when one was missed.
    pub fn watchdog(&self, pc: &mut ProcChecks, pid: u32, every: Duration) {
        pc.ping();
        let ping = pc.kept().watchdog_ping.clone();
        let tx = self.tx.clone();
        let task = tokio::task::spawn_local(async move {
            loop {
                let due = ping.get().unwrap_or_else(Instant::now) + every;
                tokio::time::sleep_until(due.into()).await;
                if ping.get().is_none_or(|t| t + every <= Instant::now()) {
                    let _ = tx.send(CheckMsg::Watchdog(pid));
                    return;
                }
            }
        });
        pc.add_task(task.abort_handle());
    }

    fn runner(&self, exec: Option<SpawnSpec>) -> Runner {
        Runner { exec, waiters: self.exec_waiters.clone(), slots: self.exec_slots.clone() }
    }
}

/// Runs one probe.
struct Runner {
    exec: Option<SpawnSpec>,
    waiters: Rc<RefCell<HashMap<u32, oneshot::Sender<ExitKind>>>>,
    slots: Rc<Semaphore>,
}

impl Runner {
    /// Whether the probe passed, and what it said.
    async fn run(&self, probe: &Probe, timeout: Duration) -> (bool, String) {
        match probe {
            Probe::Tcp { host, port } => {
                match tokio::time::timeout(
                    timeout,
                    tokio::net::TcpStream::connect((host.as_str(), *port)),
                )
                .await
                {
                    Ok(Ok(stream)) => {
                        // Closed with a reset: no FIN exchange, and no
                        // TIME_WAIT left behind by every check.
                        let linger = libc::linger { l_onoff: 1, l_linger: 0 };
                        let _ = nix::sys::socket::setsockopt(
                            &stream,
                            nix::sys::socket::sockopt::Linger,
                            &linger,
                        );
                        (true, "connected".into())
                    }
                    Ok(Err(e)) => (false, describe_io(&e)),
                    Err(_) => (false, format!("timed out after {}s", timeout.as_secs())),
                }
            }
            Probe::Http { host, port, path } => {
                match tokio::time::timeout(timeout, http_get(host, *port, path)).await {
                    Ok(Ok(code)) => ((200..400).contains(&code), format!("HTTP {code}")),
                    Ok(Err(e)) => (false, describe_io(&e)),
                    Err(_) => (false, format!("timed out after {}s", timeout.as_secs())),
                }
            }
            Probe::Exec(_) => match &self.exec {
                Some(spec) => self.exec(spec, timeout).await,
                None => (false, "cannot run the command".into()),
            },
        }
    }

    async fn exec(&self, spec: &SpawnSpec, timeout: Duration) -> (bool, String) {
        let Ok(_slot) = self.slots.acquire().await else { return (false, "shutting down".into()) };
        let child = match sv_sys::process::spawn(spec) {
            Ok(c) => c,
            Err(e) => return (false, e.message("health check")),
        };
        let (tx, rx) = oneshot::channel();
        self.waiters.borrow_mut().insert(child.pid, tx);
        drop(child.stdin);
        let read = async {
            let mut out = Vec::new();
            if let Some(fd) = child.stdout
                && let Ok(mut pipe) = tokio::net::unix::pipe::Receiver::from_owned_fd(fd)
            {
                let mut buf = [0u8; 1024];
                while let Ok(n) = pipe.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    if out.len() < EXEC_OUTPUT {
                        let take = n.min(EXEC_OUTPUT - out.len());
                        out.extend_from_slice(&buf[..take]);
                    }
                }
            }
            out
        };
        let both = async { tokio::join!(read, rx) };
        match tokio::time::timeout(timeout, both).await {
            Ok((out, Ok(status))) => {
                let first =
                    String::from_utf8_lossy(&out).lines().next().unwrap_or("").trim().to_owned();
                let (ok, what) = match status {
                    ExitKind::Exited(0) => (true, "exit status 0".to_owned()),
                    ExitKind::Exited(c) => (false, format!("exit status {c}")),
                    ExitKind::Signaled(s, _) => {
                        (false, format!("terminated by {}", sv_core::state::signame(s)))
                    }
                };
                (ok, if first.is_empty() { what } else { format!("{what}: {first}") })
            }
            Ok((_, Err(_))) => (false, "lost its child".into()),
            Err(_) => {
                // Its whole process group; the reaper collects it.
                let _ = sv_sys::process::kill(child.pid, libc::SIGKILL, true);
                (false, format!("timed out after {}s", timeout.as_secs()))
            }
        }
    }
}

fn describe_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => "connection refused".into(),
        std::io::ErrorKind::ConnectionReset => "connection reset".into(),
        _ => e.to_string(),
    }
}

/// A GET of `path`; the status code of the answer.
async fn http_get(host: &str, port: u16, path: &str) -> std::io::Result<u16> {
    let mut s = tokio::net::TcpStream::connect((host, port)).await?;
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: supervisord-check\r\nConnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await?;
    let mut head = Vec::new();
    let mut buf = [0u8; 512];
    while !head.windows(2).any(|w| w == b"\r\n") && head.len() < 8192 {
        let n = s.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&head);
    let code = line
        .split_whitespace()
        .nth(1)
        .filter(|_| line.starts_with("HTTP/"))
        .and_then(|c| c.parse::<u16>().ok());
    code.ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidData, "not an HTTP answer"))
}

/// `/bin/sh -c COMMAND` with the program's user, directory, umask and
/// environment; output (stdout and stderr together) to a pipe.
pub fn exec_spec(program: &SpawnSpec, command: &str) -> SpawnSpec {
    SpawnSpec {
        filename: "/bin/sh".into(),
        argv: vec!["/bin/sh".into(), "-c".into(), command.into()],
        redirect_stderr: true,
        stdin_fd: None,
        extra_fd: None,
        ..program.clone()
    }
}

/// What one notify datagram asks, line by line (`KEY=VALUE`).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct NotifyMsg {
    /// `READY=1`.
    pub ready: bool,
    /// `STATUS=...` (at most 256 characters kept).
    pub status: Option<String>,
    /// `WATCHDOG=1`.
    pub watchdog: bool,
    /// `WATCHDOG=trigger`.
    pub trigger: bool,
}

/// Reads a datagram; unknown keys are ignored.
pub fn parse_notify(data: &[u8]) -> NotifyMsg {
    let mut m = NotifyMsg::default();
    for line in String::from_utf8_lossy(data).lines() {
        match line.split_once('=') {
            Some(("READY", "1")) => m.ready = true,
            Some(("STATUS", s)) => m.status = Some(s.chars().take(256).collect()),
            Some(("WATCHDOG", "1")) => m.watchdog = true,
            Some(("WATCHDOG", "trigger")) => m.trigger = true,
            _ => {}
        }
    }
    m
}

impl Daemon {
    /// `$NOTIFY_SOCKET` (and `$WATCHDOG_USEC`) for a child that reports
    /// on it; every other child gets neither, even when supervisord itself
    /// was given one (no child may speak for the daemon's unit).
    pub(super) fn notify_env(
        &mut self,
        cfg: &sv_config::ProcessConfig,
        env: &mut sv_sys::environment::Environment,
    ) {
        for k in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] {
            env.remove(k);
        }
        if !cfg.checks.wants_notify() {
            return;
        }
        match self.checks.notify_address() {
            Ok(address) => {
                env.set("NOTIFY_SOCKET", &address);
                if let Some(every) = cfg.checks.watchdog {
                    env.set("WATCHDOG_USEC", &every.as_micros().to_string());
                }
            }
            Err(e) => {
                self.log(LogLevel::Warn, &format!("{}: no notify socket for it: {e}", cfg.name))
            }
        }
    }

    /// After a spawn: the readiness probe of a `tcp:`, `http://` or `exec:`
    /// ready check.
    pub(super) fn start_ready_checks(&mut self, id: ProcId, pid: u32, spec: &SpawnSpec) {
        let checks = self.sv.process(id).config.checks.clone();
        let ReadyCheck::Probe(probe) = &checks.ready_check else { return };
        let exec = match probe {
            Probe::Exec(cmd) => Some(exec_spec(spec, cmd)),
            _ => None,
        };
        let (interval, timeout) = (checks.ready_check_interval, checks.ready_check_timeout);
        let Daemon { sv, checks: c, .. } = self;
        let rt = &mut sv.process_mut(id).ext;
        let counters = rt.link.clone();
        c.ready_probe(&mut rt.checks, pid, probe.clone(), exec, (interval, timeout), counters);
    }

    /// `ready_check=fd:N`: the first line the child writes on the pipe
    /// makes it ready; an end of file without one never does.
    pub(super) fn watch_ready_fd(&mut self, id: ProcId, pid: u32, read_end: std::os::fd::OwnedFd) {
        let tx = self.checks.tx.clone();
        let task = tokio::task::spawn_local(async move {
            let Ok(mut rx) = tokio::net::unix::pipe::Receiver::from_owned_fd(read_end) else {
                return;
            };
            let mut buf = [0u8; 512];
            while let Ok(n) = rx.read(&mut buf).await {
                if n == 0 {
                    return;
                }
                if buf[..n].contains(&b'\n') {
                    let _ = tx.send(CheckMsg::Ready(pid));
                    return;
                }
            }
        });
        self.sv.process_mut(id).ext.checks.add_task(task.abort_handle());
    }

    /// A process changed state: its checks follow (readiness while
    /// STARTING, health and watchdog while RUNNING, none otherwise).
    pub(super) fn checks_for_state(&mut self, id: ProcId, to: ProcessState) {
        let p = self.sv.process(id);
        if !p.config.checks.in_use() {
            return;
        }
        if to == ProcessState::Starting {
            return;
        }
        let pid = p.pid();
        let cfg = p.config.clone();
        let prepared = match cfg.checks.health.as_ref().map(|h| &h.probe) {
            Some(Probe::Exec(_)) => super::spawner::prepare(&cfg, self.spawn_context()).ok(),
            _ => None,
        };
        let Daemon { sv, checks: c, .. } = self;
        let rt = &mut sv.process_mut(id).ext;
        let counters = rt.link.clone();
        let pc = &mut rt.checks;
        pc.stop_all();
        let (ProcessState::Running, Some(pid)) = (to, pid) else { return };
        if let Some(h) = &cfg.checks.health {
            let exec = match &h.probe {
                Probe::Exec(cmd) => prepared.as_ref().map(|s| exec_spec(s, cmd)),
                _ => None,
            };
            let times = (h.initial_delay, h.interval, h.timeout);
            c.health_probe(pc, pid, h.probe.clone(), exec, times, counters);
        }
        if let Some(every) = cfg.checks.watchdog {
            c.watchdog(pc, pid, every);
        }
    }

    /// The health flag of a process changed: the event (only processes
    /// with a health check make it).
    pub(super) fn health_changed(&mut self, id: ProcId, state: HealthState) {
        let p = self.sv.process(id);
        let event = sv_core::events::Event::ProcessHealth {
            healthy: state == HealthState::Healthy,
            process: p.config.name.clone(),
            group: self.sv.groups[id.group].config.name.clone(),
            pid: p.pid().unwrap_or(0),
            failures: p.health.failures,
        };
        self.emit(&event);
    }

    /// What a check found, applied to the process whose child it is about.
    /// Returns whether the model must take a turn (something changed).
    pub fn on_check(&mut self, msg: CheckMsg) -> bool {
        let pid = match &msg {
            CheckMsg::Ready(pid) | CheckMsg::Watchdog(pid) | CheckMsg::Health { pid, .. } => *pid,
            CheckMsg::Notify(d) => d.pid,
        };
        let Some(id) = self.sv.find_pid(pid) else { return false };
        let now = self.now();
        let mut fx = Vec::new();
        let mut turn = false;
        match msg {
            CheckMsg::Ready(_) => {
                self.sv.process_mut(id).mark_ready();
                return true;
            }
            CheckMsg::Health { ok, detail, .. } => {
                let p = self.sv.process_mut(id);
                match p.health_result(ok, &detail, &mut fx) {
                    Some(HealthAction::Restart) => {
                        p.restart_cause = Some(sv_core::process::RestartReason::Health);
                        let _ = p.stop_then(Then::Restart, now, &mut fx);
                        p.administrative_stop = false;
                    }
                    Some(HealthAction::Stop) => {
                        let _ = p.stop(now, &mut fx);
                    }
                    Some(HealthAction::None) | None => {}
                }
            }
            CheckMsg::Watchdog(_) => self.watchdog_expired(id, false, &mut fx),
            CheckMsg::Notify(d) => {
                let p = self.sv.process(id);
                if !p.config.checks.wants_notify() {
                    return false;
                }
                let m = parse_notify(&d.data);
                if m.ready && p.config.checks.ready_check == ReadyCheck::Notify {
                    self.sv.process_mut(id).mark_ready();
                    turn = true;
                }
                let pc = &mut self.sv.process_mut(id).ext.checks;
                if let Some(status) = m.status {
                    pc.set_status_text(status);
                }
                if m.watchdog {
                    pc.ping();
                }
                if m.trigger {
                    self.watchdog_expired(id, true, &mut fx);
                }
            }
        }
        turn |= !fx.is_empty();
        self.apply(fx.into_iter().map(|e| (id, e)).collect());
        turn
    }

    /// No `WATCHDOG=1` in time (or `WATCHDOG=trigger`): the watchdog signal,
    /// then the usual path of a process that dies.
    fn watchdog_expired(&mut self, id: ProcId, trigger: bool, fx: &mut Vec<Effect>) {
        let p = self.sv.process(id);
        let Some(every) = p.config.checks.watchdog else { return };
        if p.state() != ProcessState::Running {
            return;
        }
        let late = p.ext.checks.last_ping().is_none_or(|t| t.elapsed() >= every);
        if !late && !trigger {
            return;
        }
        let sig = p.config.checks.watchdog_signal.number();
        let line = format!(
            "{}: watchdog timeout (no WATCHDOG=1 for {} seconds), sending {}",
            p.config.name,
            every.as_secs(),
            sv_core::state::signame(sig)
        );
        fx.push(Effect::Log(LogLevel::Warn, line));
        let p = self.sv.process_mut(id);
        p.restart_cause = Some(sv_core::process::RestartReason::Watchdog);
        let _ = p.signal(sig, fx);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notify_datagrams() {
        assert_eq!(
            parse_notify(b"READY=1\nSTATUS=warming up\nMAINPID=7\nX"),
            NotifyMsg { ready: true, status: Some("warming up".into()), ..Default::default() }
        );
        let w = parse_notify(b"WATCHDOG=1");
        assert!(w.watchdog && !w.ready);
        assert!(parse_notify(b"WATCHDOG=trigger").trigger);
        assert_eq!(parse_notify(b"READY=0"), NotifyMsg::default());
        let long = format!("STATUS={}", "x".repeat(1000));
        assert_eq!(parse_notify(long.as_bytes()).status.map(|s| s.len()), Some(256));
    }
}
