//! The event loop: one task owns the [`Supervisor`] model and wakes only for
//! a child's death (SIGCHLD), a signal, or the next deadline the model asks
//! for. There is no polling interval: with nothing due, no timer is armed.
//!
//! Effects the model returns are performed here (spawn, kill, log); spawn
//! results are fed straight back, as the reference's synchronous `spawn()`.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::os::fd::OwnedFd;
use std::rc::Rc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sv_config::{LogLevel, ServerConfig};
use sv_core::events::Event;
use sv_core::process::{Effect, Now};
use sv_core::state::{ProcessState, SupervisorState, WaitStatus};
use sv_core::supervisor::{ProcId, Supervisor};
use sv_sys::process::{ExitKind, KillError};
use tokio::signal::unix::{SignalKind, signal};

use super::checks;
use super::logger::Logger;
use super::output::{self, LogPaths, SharedFile};
use super::spawner::SpawnContext;

/// How the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every process stopped after SIGTERM/SIGINT/SIGQUIT (exit 0), or
    /// after an essential program ended (its exit code).
    Shutdown(i32),
    /// Every process stopped after SIGHUP: start again with a fresh config.
    Restart,
}

/// An fcgi group's socket that could not be opened, with the message
/// logged (and given as the spawn error of its process).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FcgiSocketError(pub String);

/// Per-process resources that live outside the pure model.
pub struct Runtime {
    /// Where its output is logged.
    pub paths: LogPaths,
    /// The open stdout log.
    pub stdout: Option<SharedFile>,
    /// The open stderr log.
    pub stderr: Option<SharedFile>,
    /// The open timestamped logs, `[stdout, stderr]` (ours).
    pub stamped: [Option<SharedFile>; 2],
    /// The write end of its stdin.
    pub stdin: Option<OwnedFd>,
    /// Its readiness, health and watchdog checks.
    pub checks: checks::ProcChecks,
    /// What the daemon counted for it (log bytes, rotations, probes) and
    /// the followers of its output, shared with its pipe readers.
    pub link: Rc<output::ProcLink>,
}

impl Runtime {
    /// Resources for a process whose logs go to `paths`.
    pub fn new(paths: LogPaths) -> Self {
        Runtime {
            paths,
            stdout: None,
            stderr: None,
            stamped: [None, None],
            stdin: None,
            checks: checks::ProcChecks::default(),
            link: Rc::default(),
        }
    }
}

/// The daemon's state while it runs.
pub struct Daemon {
    /// The model; each process carries its [`Runtime`] (`Process::ext`).
    pub sv: Supervisor<Runtime>,
    /// The main log.
    pub logger: Rc<RefCell<Logger>>,
    /// The configuration it runs, without its groups (see `sv` and
    /// `loaded_groups`).
    pub cfg: ServerConfig,
    /// The groups of the configuration last read (at startup or by
    /// `reloadConfig`), which `addProcessGroup` takes groups from.
    pub loaded_groups: Vec<std::sync::Arc<sv_config::GroupConfig>>,
    /// Command-line values, for reading the configuration again.
    pub overrides: sv_config::ServerOverrides,
    /// Event listener pools, by group name.
    pub pools: Vec<(String, sv_core::pool::Pool)>,
    /// The global event serial.
    pub serial: u64,
    /// The shared sockets of fcgi programs, by group name.
    pub fcgi: Vec<(String, std::sync::Arc<OwnedFd>)>,
    /// Wall-clock second of the last tick check.
    last_tick: u64,
    /// Where listener pipe readers send what listeners write on stdout.
    pub listener_tx: output::ListenerSender,
    /// Where pipe readers send PROCESS_LOG / PROCESS_COMMUNICATION events.
    pub event_tx: tokio::sync::mpsc::UnboundedSender<Event>,
    /// Whether some pool subscribes to PROCESS_LOG events: pipe readers
    /// make none otherwise (each would copy what was read).
    pub log_subscribed: Rc<std::cell::Cell<bool>>,
    pub(super) ctx: SpawnContext,
    pub(super) strip_ansi: bool,
    start: Instant,
    wall_start: f64,
    /// Readiness, health and watchdog checks.
    pub checks: checks::Checks,
    /// What the checks send; the event loop takes it.
    pub check_rx: Option<tokio::sync::mpsc::UnboundedReceiver<checks::CheckMsg>>,
    /// Whether some process has `depends_on`.
    pub has_deps: bool,
    /// The exit code of the essential program whose end started the
    /// shutdown (ours; `None`: exit 0).
    pub exit_code: Option<i32>,
    /// When the shutdown began, and whether `shutdown_timeout` already
    /// killed what was left.
    shutdown_began: Option<(Instant, bool)>,
    /// When adopted orphans were sent SIGTERM at shutdown.
    orphans_termed: Option<Instant>,
    /// Counters of the control plane (for `/metrics`).
    pub stats: super::metrics::DaemonStats,
    /// Output forwarding (ours; `None` when off).
    pub forwarder: Option<Rc<super::forward::Forwarder>>,
    /// The reader of every child pipe, started at the first spawn (it
    /// needs the runtime).
    pub(super) pipes: Option<Rc<output::Pipes>>,
    /// Processes spawned or removed since the heap's free pages were last
    /// given back (see [`TRIM_AFTER`]).
    pub(super) churn: u32,
}

/// After this many spawns or removals, the end of the loop's turn gives the
/// heap's free pages back (`malloc_trim`): a start of thousands of programs
/// or a large `update` leaves megabytes of them, and one trim costs about a
/// millisecond, so a few restarts a second never pay it.
const TRIM_AFTER: u32 = 64;

/// The main-log line about forwarded lines dropped (`n` so far).
pub fn forward_drop_line(n: u64) -> String {
    format!(
        "forwarded output: supervisord's own output is not keeping up; whole lines are dropped \
         ({n} so far)"
    )
}

/// How long adopted orphans have between SIGTERM and SIGKILL at shutdown.
const ORPHAN_GRACE: Duration = Duration::from_secs(5);

fn pool_for(config: &sv_config::GroupConfig) -> Option<sv_core::pool::Pool> {
    match &config.kind {
        sv_config::GroupKind::EventListenerPool { buffer_size, events, result_handler } => {
            let names: Vec<String> = config.processes.iter().map(|p| p.name.clone()).collect();
            let mut pool = sv_core::pool::Pool::new(
                &config.name,
                events.clone(),
                usize::try_from(*buffer_size).unwrap_or(1),
                &names,
            );
            if result_handler == sv_config::STDLOG_RESULT_HANDLER {
                pool.handler = sv_core::pool::ResultHandler::Stdlog;
            }
            Some(pool)
        }
        _ => None,
    }
}

/// The daemon shared between the event loop and the request handlers, all
/// on one thread: state is borrowed briefly, never across an await.
pub struct Shared {
    /// The state.
    pub daemon: RefCell<Daemon>,
    /// Wakes the event loop (a request changed something it must act on).
    pub wake: tokio::sync::Notify,
    /// Signalled by the event loop after every turn (state may have changed).
    pub changed: tokio::sync::Notify,
}

impl Daemon {
    /// A daemon for `cfg` and its `groups` (taken out of it: the daemon
    /// keeps the one copy), with the log paths decided (AUTO files created).
    pub fn new(
        cfg: &ServerConfig,
        groups: Vec<sv_config::GroupConfig>,
        logger: Rc<RefCell<Logger>>,
        base_env: Vec<(String, String)>,
        listener_tx: output::ListenerSender,
        event_tx: tokio::sync::mpsc::UnboundedSender<Event>,
    ) -> Self {
        let s = &cfg.supervisord;
        let groups = sv_config::shared(groups);
        let sv = Supervisor::with(groups.clone(), |p| {
            Runtime::new(output::log_paths(p, &s.childlogdir, &s.identifier))
        });
        let wall_start =
            SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64());
        let (check_tx, check_rx) = tokio::sync::mpsc::unbounded_channel();
        let has_deps = sv.has_deps();
        let daemon = Daemon {
            sv,
            logger,
            // Without its groups: those live in `sv` and `loaded_groups`
            // (a third copy of every process's configuration would cost
            // about a kilobyte per program).
            cfg: ServerConfig {
                configfile: cfg.configfile.clone(),
                here: cfg.here.clone(),
                supervisord: cfg.supervisord.clone(),
                groups: Vec::new(),
                servers: cfg.servers.clone(),
                rpcinterfaces: cfg.rpcinterfaces.clone(),
                serverurl: cfg.serverurl.clone(),
            },
            pools: groups.iter().filter_map(|g| pool_for(g).map(|p| (g.name.clone(), p))).collect(),
            loaded_groups: groups,
            overrides: sv_config::ServerOverrides::default(),
            serial: 0,
            fcgi: Vec::new(),
            last_tick: SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()),
            listener_tx,
            event_tx,
            log_subscribed: Rc::default(),
            ctx: SpawnContext {
                base_env: sv_sys::environment::Environment::new(base_env),
                serverurl: cfg.serverurl.clone(),
            },
            strip_ansi: s.strip_ansi,
            start: Instant::now(),
            wall_start,
            checks: checks::Checks::new(check_tx),
            check_rx: Some(check_rx),
            has_deps,
            exit_code: None,
            shutdown_began: None,
            orphans_termed: None,
            stats: Default::default(),
            forwarder: None,
            pipes: None,
            // The first turn gives back what reading the configuration
            // freed, whether or not anything starts.
            churn: TRIM_AFTER,
        };
        daemon.refresh_log_subscribed();
        daemon
    }

    /// Opens the socket of an fcgi group (logged; a failure leaves its
    /// processes with an ordinary stdin, or fails their spawn).
    pub fn open_fcgi_socket(
        &mut self,
        config: &sv_config::GroupConfig,
    ) -> Result<(), FcgiSocketError> {
        let sv_config::GroupKind::FastCgi { socket } = &config.kind else { return Ok(()) };
        if self.fcgi.iter().any(|(n, _)| *n == config.name) {
            return Ok(());
        }
        let url = socket.url();
        self.log(LogLevel::Info, &format!("Creating socket {url}"));
        let r = match socket {
            sv_config::FcgiSocket::Unix { path, owner, mode, backlog } => {
                sv_sys::socket::fcgi_socket(Some(path), "", 0, *mode, *owner, *backlog)
            }
            sv_config::FcgiSocket::Tcp { host, port, backlog } => {
                sv_sys::socket::fcgi_socket(None, host, *port, 0, None, *backlog)
            }
        };
        match r {
            Ok(fd) => {
                self.fcgi.push((config.name.clone(), std::sync::Arc::new(fd)));
                Ok(())
            }
            Err(e) => {
                let msg = format!("Could not create FastCGI socket {url}: {e}");
                self.log(LogLevel::Critical, &msg);
                Err(FcgiSocketError(msg))
            }
        }
    }

    /// Closes the socket of every fcgi group none of whose processes is
    /// active (see `Process::is_active`): a front end then gets "connection
    /// refused" at once instead of waiting on a socket nobody serves. It is
    /// kept across restarts and retries, and opened again by the next start.
    fn close_idle_fcgi_sockets(&mut self) {
        if self.fcgi.is_empty() {
            return;
        }
        let mood = self.sv.mood;
        let idle: Vec<(String, String)> = self
            .sv
            .groups
            .iter()
            .filter_map(|g| match &g.config.kind {
                sv_config::GroupKind::FastCgi { socket }
                    if !g.processes.iter().any(|p| p.is_active(mood)) =>
                {
                    Some((g.config.name.clone(), socket.url()))
                }
                _ => None,
            })
            .filter(|(name, _)| self.fcgi.iter().any(|(n, _)| n == name))
            .collect();
        for (name, url) in idle {
            self.fcgi.retain(|(n, _)| *n != name);
            self.log(LogLevel::Info, &format!("Closing socket {url}"));
        }
    }

    /// Starts managing a group (the reference's `add_process_group`).
    /// `false` when a group of that name exists.
    pub fn add_group(&mut self, config: std::sync::Arc<sv_config::GroupConfig>) -> bool {
        if self.sv.groups.iter().any(|g| g.config.name == config.name) {
            return false;
        }
        if let Some(p) = pool_for(&config) {
            self.pools.push((config.name.clone(), p));
            self.refresh_log_subscribed();
        }
        let _ = self.open_fcgi_socket(&config);
        let name = config.name.clone();
        let s = &self.cfg.supervisord;
        let group = sv_core::supervisor::Group::with(config, |p| {
            Runtime::new(output::log_paths(p, &s.childlogdir, &s.identifier))
        });
        self.sv.groups.push(group);
        self.has_deps = self.sv.has_deps();
        self.emit(&Event::GroupAdded { group: name });
        true
    }

    /// Recomputes [`Daemon::log_subscribed`] after the pools changed.
    fn refresh_log_subscribed(&self) {
        let probe = |stderr| Event::ProcessLog {
            stderr,
            process: String::new(),
            group: String::new(),
            pid: 0,
            data: Vec::new(),
        };
        self.log_subscribed.set(self.pools_want(&[probe(false), probe(true)]));
    }

    /// Whether some pool subscribes to one of `probes`.
    fn pools_want(&self, probes: &[Event]) -> bool {
        self.pools.iter().any(|(_, p)| probes.iter().any(|e| p.wants(e)))
    }

    /// Stops managing a group whose processes are all stopped.
    pub fn remove_group(&mut self, index: usize) {
        let g = self.sv.groups.remove(index);
        self.churn =
            self.churn.saturating_add(u32::try_from(g.processes.len()).unwrap_or(u32::MAX));
        self.pools.retain(|(n, _)| *n != g.config.name);
        self.refresh_log_subscribed();
        self.fcgi.retain(|(n, _)| *n != g.config.name);
        self.has_deps = self.sv.has_deps();
        self.emit(&Event::GroupRemoved { group: g.config.name.clone() });
    }

    /// Offers an event to every pool; the serial advances when one takes it.
    pub fn emit(&mut self, event: &Event) {
        let mut fx = Vec::new();
        let mut taken = false;
        for (_, pool) in &mut self.pools {
            taken |= pool.accept(event, self.serial, &mut fx);
        }
        if taken {
            self.serial = self.serial.wrapping_add(1);
            // Sent now to a listener that is ready: an event must never
            // wait for some later wake-up of the loop.
            self.pool_effects(fx);
            self.dispatch_events();
        } else {
            self.pool_effects(fx);
        }
    }

    fn pool_effects(&mut self, fx: Vec<sv_core::pool::PoolEffect>) {
        for e in fx {
            match e {
                sv_core::pool::PoolEffect::Log(level, msg) => self.log(level, &msg),
                sv_core::pool::PoolEffect::Result(body) => self.stdlog(&body),
                sv_core::pool::PoolEffect::Send { .. } => {}
            }
        }
    }

    /// A result for the `supervisor_stdlog` handler, written natively.
    fn stdlog(&mut self, body: &[u8]) {
        let dropped = self.forwarder.as_ref().and_then(|f| f.stdlog(body));
        if let Some(n) = dropped {
            self.log(LogLevel::Warn, &forward_drop_line(n));
        }
    }

    /// Sends buffered events to ready listeners.
    pub fn dispatch_events(&mut self) {
        if self.pools.is_empty() {
            return;
        }
        let server = self.cfg.supervisord.identifier.clone();
        for pi in 0..self.pools.len() {
            let mut fx = Vec::new();
            self.pools[pi].1.dispatch(&server, &mut fx);
            let group = self.pools[pi].0.clone();
            for e in fx {
                match e {
                    sv_core::pool::PoolEffect::Log(level, msg) => self.log(level, &msg),
                    sv_core::pool::PoolEffect::Result(body) => self.stdlog(&body),
                    sv_core::pool::PoolEffect::Send { listener, bytes } => {
                        let Some(gi) = self.sv.groups.iter().position(|g| g.config.name == group)
                        else {
                            continue;
                        };
                        let Some(fd) = self.sv.groups[gi]
                            .processes
                            .get(listener)
                            .and_then(|p| p.ext.stdin.as_ref())
                        else {
                            continue;
                        };
                        let Ok(dup) = fd.try_clone() else { continue };
                        let Ok(mut tx) = tokio::net::unix::pipe::Sender::from_owned_fd(dup) else {
                            continue;
                        };
                        tokio::task::spawn_local(async move {
                            use tokio::io::AsyncWriteExt;
                            let _ = tx.write_all(&bytes).await;
                        });
                    }
                }
            }
        }
    }

    /// What a listener wrote on stdout.
    pub fn listener_output(&mut self, group: &str, process: &str, data: &[u8]) {
        let mut fx = Vec::new();
        if let Some((_, pool)) = self.pools.iter_mut().find(|(n, _)| n == group)
            && let Some(i) = pool.listeners.iter().position(|l| l.name == process)
        {
            pool.output(i, data, &mut fx);
        }
        self.pool_effects(fx);
        self.dispatch_events();
    }

    /// Keeps the pools' view of their listeners and the event stream in
    /// step with a state change.
    fn state_changed(
        &mut self,
        id: ProcId,
        from: ProcessState,
        to: ProcessState,
        expected: bool,
        pid: u32,
        tries: i64,
    ) {
        let group = self.sv.groups[id.group].config.name.clone();
        let name = self.sv.process(id).config.name.clone();
        if let Some((_, pool)) = self.pools.iter_mut().find(|(n, _)| *n == group)
            && let Some(i) = pool.listeners.iter().position(|l| l.name == name)
        {
            match to {
                ProcessState::Starting => pool.started(i),
                ProcessState::Running => pool.listeners[i].running = true,
                ProcessState::Stopping => pool.listeners[i].running = false,
                _ => pool.exited(i),
            }
        }
        self.emit(&Event::ProcessState { to, from, process: name, group, pid, tries, expected });
        self.fail_fast(id, to);
    }

    /// `essential` and `exit_on_fatal` (ours): a program that ends for good
    /// (FATAL, or EXITED with no restart pending) while the daemon runs
    /// shuts it down, to exit with the program's code. An operator's stop,
    /// an update or a shutdown never ends a program that way.
    fn fail_fast(&mut self, id: ProcId, to: ProcessState) {
        let p = self.sv.process(id);
        let over = match to {
            ProcessState::Fatal => true,
            ProcessState::Exited => !p.is_active(self.sv.mood),
            _ => false,
        };
        let exit_on_fatal = to == ProcessState::Fatal && self.cfg.supervisord.exit_on_fatal;
        if !over
            || self.sv.mood != SupervisorState::Running
            || !(p.config.essential || exit_on_fatal)
        {
            return;
        }
        let code = p.exit_code();
        let why = if p.config.essential { "an essential program" } else { "exit_on_fatal" };
        let line = format!(
            "{} entered {} ({why}): shutting down, exit status {code}",
            p.config.name,
            to.name()
        );
        self.log(LogLevel::Warn, &line);
        self.exit_code.get_or_insert(code);
        self.sv.mood = SupervisorState::Shutdown;
    }

    /// `subreaper` (ours): once every program has stopped, the orphans
    /// adopted from daemonizing children get SIGTERM, then SIGKILL after 5
    /// seconds. Returns whether some are still alive (the loop then goes
    /// on, reaping them).
    fn stop_orphans(&mut self) -> bool {
        if !self.cfg.supervisord.subreaper {
            return false;
        }
        let left = sv_sys::daemon::children();
        if left.is_empty() {
            return false;
        }
        let (sig, name) = match self.orphans_termed {
            None => {
                self.orphans_termed = Some(Instant::now());
                (libc::SIGTERM, "SIGTERM")
            }
            Some(t) if t.elapsed() >= ORPHAN_GRACE => (libc::SIGKILL, "SIGKILL"),
            Some(_) => return true,
        };
        for pid in left {
            self.log(LogLevel::Info, &format!("stopping orphan {pid} with {name}"));
            let _ = sv_sys::process::kill(pid, sig, false);
        }
        true
    }

    /// `shutdown_timeout` (ours): that long after a shutdown began, what
    /// still runs gets SIGKILL (its process group with `killasgroup`).
    fn shutdown_deadline(&mut self) {
        let Some(limit) = self.cfg.supervisord.shutdown_timeout else { return };
        let began = *self.shutdown_began.get_or_insert((Instant::now(), false));
        if began.1 || began.0.elapsed() < limit {
            return;
        }
        self.shutdown_began = Some((began.0, true));
        for id in self.sv.unstopped() {
            let p = self.sv.process(id);
            let Some(pid) = p.pid() else { continue };
            let group = p.config.killasgroup || p.config.stopasgroup;
            let line = format!(
                "shutdown_timeout ({} s) reached: killing '{}' ({pid}) with SIGKILL",
                limit.as_secs(),
                p.config.name
            );
            self.log(LogLevel::Warn, &line);
            let _ = sv_sys::process::kill(pid, libc::SIGKILL, group);
        }
    }

    /// What every child's environment starts from.
    pub fn spawn_context(&self) -> &SpawnContext {
        &self.ctx
    }

    /// Now, for the model.
    pub fn now(&self) -> Now {
        let elapsed = self.start.elapsed();
        Now { mono: elapsed.as_millis() as u64, wall: self.wall_start + elapsed.as_secs_f64() }
    }

    /// When the daemon started (Unix time, whole seconds).
    pub fn started_at(&self) -> f64 {
        self.wall_start.floor()
    }

    /// Writes to the main log.
    pub fn log(&self, level: LogLevel, msg: &str) {
        self.logger.borrow_mut().log(level, msg);
    }

    /// Performs effects until none are left.
    pub fn apply(&mut self, fx: Vec<(ProcId, Effect)>) {
        let mut queue: VecDeque<(ProcId, Effect)> = fx.into();
        while let Some((id, e)) = queue.pop_front() {
            match e {
                Effect::Log(level, msg) => self.log(level, &msg),
                Effect::StateChanged { from, to, expected, pid, tries } => {
                    self.state_changed(id, from, to, expected, pid, tries);
                    self.checks_for_state(id, to);
                }
                Effect::PullIn => {
                    let mut out = Vec::new();
                    self.sv.pull_in(id, false, self.now(), &mut out);
                    queue.extend(out);
                }
                Effect::Health(state) => self.health_changed(id, state),
                Effect::Spawn => {
                    let now = self.now();
                    let out = self.spawn(id, now);
                    queue.extend(out.into_iter().map(|e| (id, e)));
                }
                Effect::Kill { pid, sig, group } => {
                    if let Err(e) = sv_sys::process::kill(pid, sig, group) {
                        let mut out = Vec::new();
                        let (esrch, text) = match e {
                            KillError::NoSuchProcess(t) => (true, t),
                            KillError::Other(t) => (false, t),
                        };
                        self.sv.process_mut(id).kill_failed(esrch, &text, &mut out);
                        queue.extend(out.into_iter().map(|e| (id, e)));
                    }
                }
                Effect::Signal { pid, sig } => {
                    let _ = sv_sys::process::kill(pid, sig, false);
                }
            }
        }
    }

    /// Reaps every child that ended.
    pub fn reap(&mut self) {
        self.log(LogLevel::Debug, "received SIGCHLD indicating a child quit");
        for (pid, kind) in sv_sys::process::reap_all() {
            let status = match kind {
                ExitKind::Exited(c) => WaitStatus::Exited(c),
                ExitKind::Signaled(s, core) => WaitStatus::Signaled(s, core),
            };
            if self.checks.take_exec(pid, kind) {
                continue;
            }
            let now = self.now();
            let mut fx = Vec::new();
            if self.sv.reaped(pid, status, now, &mut fx) {
                if let Some(id) = fx.first().map(|f| f.0) {
                    self.sv.process_mut(id).ext.stdin = None;
                }
                self.apply(fx);
            } else {
                self.log(LogLevel::Info, &Supervisor::unknown_pid_message(pid, status));
            }
        }
    }

    fn on_signal(&mut self, sig: i32) {
        let name = sv_core::state::signame(sig);
        match sig {
            libc::SIGTERM | libc::SIGINT | libc::SIGQUIT => {
                self.log(LogLevel::Warn, &format!("received {name} indicating exit request"));
                self.sv.mood = SupervisorState::Shutdown;
            }
            libc::SIGHUP => {
                if self.sv.mood == SupervisorState::Shutdown {
                    self.log(
                        LogLevel::Warn,
                        &format!(
                            "ignored {name} indicating restart request (shutdown in progress)"
                        ),
                    );
                } else {
                    self.log(
                        LogLevel::Warn,
                        &format!("received {name} indicating restart request"),
                    );
                    self.sv.mood = SupervisorState::Restarting;
                }
            }
            libc::SIGUSR2 => {
                self.log(LogLevel::Info, &format!("received {name} indicating log reopen request"));
                self.log(LogLevel::Info, "supervisord logreopen");
                self.logger.borrow_mut().reopen();
                for rt in self.sv.groups.iter().flat_map(|g| g.processes.iter().map(|p| &p.ext)) {
                    let [ts_out, ts_err] = &rt.stamped;
                    for f in [&rt.stdout, &rt.stderr, ts_out, ts_err].into_iter().flatten() {
                        let _ = f.borrow_mut().reopen();
                    }
                }
            }
            _ => {}
        }
    }

    /// One turn of the loop's bookkeeping: the shutdown sequence, then
    /// transitions. Returns `false` when the daemon may exit.
    fn turn(&mut self) -> bool {
        let now = self.now();
        if self.sv.mood < SupervisorState::Running {
            if !self.sv.is_stopping() {
                self.emit(&Event::SupervisorStopping);
            }
            self.shutdown_deadline();
            let mut fx = Vec::new();
            let mut logs = Vec::new();
            let more = self.sv.shutdown_step(now, &mut fx, &mut logs);
            for (level, msg) in logs {
                self.log(level, &msg);
            }
            self.apply(fx);
            if !more {
                return self.stop_orphans();
            }
        }
        let mut fx = Vec::new();
        if self.has_deps {
            self.sv.refresh_deps();
        }
        self.sv.transition(now, &mut fx);
        if self.has_deps {
            self.sv.settle_deps(now, &mut fx);
        }
        let acted = !fx.is_empty();
        self.apply(fx);
        if acted {
            // What those effects made due at once (a process with
            // startsecs=0 is RUNNING as soon as it is spawned) happens in
            // this turn, before any request sees the state in between.
            let mut fx = Vec::new();
            self.sv.transition(self.now(), &mut fx);
            if self.has_deps {
                self.sv.settle_deps(self.now(), &mut fx);
            }
            self.apply(fx);
        }
        let secs = now.wall as u64;
        if secs > self.last_tick {
            for tick in sv_core::events::ticks(self.last_tick, secs) {
                self.emit(&tick);
            }
            self.last_tick = secs;
        }
        self.close_idle_fcgi_sockets();
        self.dispatch_events();
        true
    }

    /// Whether some pool subscribes to tick events (only then the loop
    /// wakes up at period boundaries).
    fn wants_ticks(&self) -> bool {
        self.pools_want(&[5, 60, 3600].map(|period| Event::Tick { period, when: 0 }))
    }

    fn deadline(&self) -> Option<Instant> {
        // A shutdown asked for during this turn (an essential program
        // ended) begins at the next one, at once.
        if self.sv.mood < SupervisorState::Running && !self.sv.is_stopping() {
            return Some(Instant::now());
        }
        if let Some(t) = self.orphans_termed {
            return Some(t + ORPHAN_GRACE);
        }
        // A deadline past what an Instant can hold is never due.
        let mut model = self
            .sv
            .next_deadline()
            .and_then(|ms| self.start.checked_add(Duration::from_millis(ms)));
        if let (Some(limit), Some((began, false))) =
            (self.cfg.supervisord.shutdown_timeout, self.shutdown_began)
        {
            let kill_at = began + limit;
            model = Some(model.map_or(kill_at, |m| m.min(kill_at)));
        }
        if !self.wants_ticks() {
            return model;
        }
        // The next 5-second wall-clock boundary (every longer period is a multiple).
        let wall = self.now().wall;
        let next = ((wall / 5.0).floor() + 1.0) * 5.0;
        let tick = Instant::now() + Duration::from_secs_f64((next - wall).max(0.0) + 0.001);
        Some(model.map_or(tick, |m| m.min(tick)))
    }
}

/// Runs until every process is stopped after a shutdown or restart request.
pub async fn run(
    shared: Rc<Shared>,
    mut listener_rx: tokio::sync::mpsc::UnboundedReceiver<output::ListenerOutput>,
    mut event_rx: tokio::sync::mpsc::UnboundedReceiver<Event>,
) -> std::io::Result<Outcome> {
    {
        let mut d = shared.daemon.borrow_mut();
        let names: Vec<String> = d.sv.groups.iter().map(|g| g.config.name.clone()).collect();
        for group in names {
            d.emit(&Event::GroupAdded { group });
        }
        d.emit(&Event::SupervisorRunning);
    }
    let mut chld = signal(SignalKind::child())?;
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut quit = signal(SignalKind::quit())?;
    let mut hup = signal(SignalKind::hangup())?;
    let mut usr2 = signal(SignalKind::user_defined2())?;
    let mut check_rx = shared.daemon.borrow_mut().check_rx.take();
    // Started by systemd with Type=notify: READY=1 once the servers listen
    // and the autostart programs were started, STOPPING=1 at shutdown.
    let mut systemd = std::env::var("NOTIFY_SOCKET").ok().filter(|s| !s.is_empty());
    let mut told_ready = false;
    let next_check =
        async |rx: &mut Option<tokio::sync::mpsc::UnboundedReceiver<checks::CheckMsg>>| match rx {
            Some(rx) => rx.recv().await,
            None => std::future::pending().await,
        };
    // A check result that changed nothing (a passing health check, a
    // watchdog ping) needs no turn of the model: the deadline stays.
    let mut needs_turn = true;
    let mut deadline = None;
    loop {
        if needs_turn {
            let mut d = shared.daemon.borrow_mut();
            let more = d.turn();
            if let Some(addr) = &systemd {
                let stopping = d.sv.mood < SupervisorState::Running || !more;
                if !told_ready || stopping {
                    let msg = if stopping { "STOPPING=1" } else { "READY=1" };
                    if let Err(e) = sv_sys::notify::send(addr, msg) {
                        d.log(LogLevel::Warn, &format!("could not notify {addr}: {e}"));
                    }
                    told_ready = true;
                    if stopping {
                        systemd = None;
                    }
                }
            }
            if !more {
                break;
            }
            if d.churn >= TRIM_AFTER {
                d.churn = 0;
                sv_sys::memory::give_back_free_pages();
            }
            deadline = d.deadline();
            drop(d);
            shared.changed.notify_waiters();
        }
        needs_turn = true;
        let sleep = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            _ = chld.recv() => shared.daemon.borrow_mut().reap(),
            _ = term.recv() => shared.daemon.borrow_mut().on_signal(libc::SIGTERM),
            _ = int.recv() => shared.daemon.borrow_mut().on_signal(libc::SIGINT),
            _ = quit.recv() => shared.daemon.borrow_mut().on_signal(libc::SIGQUIT),
            _ = hup.recv() => shared.daemon.borrow_mut().on_signal(libc::SIGHUP),
            _ = usr2.recv() => shared.daemon.borrow_mut().on_signal(libc::SIGUSR2),
            () = shared.wake.notified() => {}
            Some((g, p, data)) = listener_rx.recv() => shared.daemon.borrow_mut().listener_output(&g, &p, &data),
            Some(ev) = event_rx.recv() => {
                let mut d = shared.daemon.borrow_mut();
                d.emit(&ev);
                d.dispatch_events();
            }
            Some(msg) = next_check(&mut check_rx) => {
                let mut d = shared.daemon.borrow_mut();
                needs_turn = d.on_check(msg);
                // Results that arrived together are taken together.
                if let Some(rx) = check_rx.as_mut() {
                    for _ in 0..256 {
                        let Ok(msg) = rx.try_recv() else { break };
                        needs_turn |= d.on_check(msg);
                    }
                }
            }
            () = sleep => {}
        }
    }
    shared.changed.notify_waiters();
    let mood = shared.daemon.borrow().sv.mood;
    let code = shared.daemon.borrow().exit_code.unwrap_or(0);
    Ok(if mood == SupervisorState::Restarting { Outcome::Restart } else { Outcome::Shutdown(code) })
}
