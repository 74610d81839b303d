//! One supervised process as a pure state machine: the reference's
//! `Subprocess` (`spawn`, `transition`, `finish`, `stop`, `kill`, `signal`,
//! `give_up`) with time passed in and effects returned instead of performed.
//!
//! The interpreter performs [`Effect`]s and feeds the results back:
//! [`Effect::Spawn`] is answered at once with [`Process::spawned`] or
//! [`Process::spawn_failed`]; a child's death with [`Process::finish`]; a
//! failed `kill` with [`Process::kill_failed`].

use sv_config::LogLevel;
use sv_config::ProcessConfig;
use sv_config::checks::ReadyCheck;
use sv_config::datatypes::AutoRestart;

use crate::state::{ProcessState, SupervisorState, WaitStatus, signame};

mod checks;
mod phase;

pub use phase::{Deps, Health, HealthState, Held, Phase, Then};

/// A point in time: monotonic milliseconds for deadlines, wall-clock seconds
/// for what is reported (`start`, `stop`, `now` in process info).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Now {
    /// Monotonic milliseconds.
    pub mono: u64,
    /// Seconds since the Unix epoch.
    pub wall: f64,
}

/// `secs` seconds in milliseconds; negative counts as 0, and nothing a
/// configuration holds can overflow (values past 584 million years
/// saturate).
pub fn secs_ms(secs: i64) -> u64 {
    u64::try_from(secs).unwrap_or(0).saturating_mul(1000)
}

/// A duration in the model's milliseconds, saturating.
pub fn ms(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl Now {
    /// A test clock at `ms` milliseconds.
    pub fn at_ms(ms: u64) -> Self {
        Now { mono: ms, wall: 1_700_000_000.0 + ms as f64 / 1000.0 }
    }
}

/// A stop, kill or signal asked of a process that has no child: the
/// reference's message, which it logs and a client gets in a `FAILED`
/// fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoChild(pub String);

/// What the interpreter must do for a process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Start the child now; answer with `spawned` or `spawn_failed`.
    Spawn,
    /// Send `sig` to `pid`, or to its process group when `group`.
    Kill {
        /// The child's pid.
        pid: u32,
        /// Signal number.
        sig: i32,
        /// Signal the whole process group.
        group: bool,
    },
    /// Send a non-stop signal to the pid only.
    Signal {
        /// The child's pid.
        pid: u32,
        /// Signal number.
        sig: i32,
    },
    /// Write a line to the main log.
    Log(LogLevel, String),
    /// Start the processes this one depends on that are not started (a
    /// start was held back waiting for them).
    PullIn,
    /// The health flag changed (for `PROCESS_HEALTH_*` events).
    Health(HealthState),
    /// The state changed (for `PROCESS_STATE_*` events).
    StateChanged {
        /// Previous state.
        from: ProcessState,
        /// New state.
        to: ProcessState,
        /// For EXITED: whether the exit code was expected.
        expected: bool,
        /// The pid at the moment of the change.
        pid: u32,
        /// Failed starts so far at the moment of the change.
        tries: i64,
    },
}

/// One process and its bookkeeping.
///
/// `X` is what the daemon keeps with each process (its pipes and log
/// files): carried here so that one struct holds everything about a
/// process, and never read by the state machine.
#[derive(Debug, Clone, PartialEq)]
pub struct Process<X = ()> {
    /// Its configuration.
    pub config: std::sync::Arc<ProcessConfig>,
    /// Its state and the data only that state has.
    pub(crate) phase: Phase,
    /// When it was last spawned (monotonic ms); `None` if never.
    pub laststart: Option<u64>,
    /// Wall-clock time of the last spawn (0 if never).
    pub laststart_wall: f64,
    /// Wall-clock time of the last exit (0 if never).
    pub laststop_wall: f64,
    /// Consecutive failed starts.
    pub backoff: i64,
    /// Stopped on request.
    pub administrative_stop: bool,
    /// Stopped by the supervisor (gave up).
    pub system_stop: bool,
    /// Why the last start failed.
    pub spawnerr: Option<String>,
    /// Runs in a row that ended on their own within [`QUICK_EXIT_MS`] of
    /// their start (see [`Process::restart_at`]).
    pub quick_exits: u32,
    /// The current run said it is ready (with a `ready_check`).
    pub ready: bool,
    /// Whether its dependencies hold, as the supervisor last saw it.
    pub deps: Deps,
    /// Its health (with a `health_check`).
    pub health: Health,
    /// How its last child ended.
    pub last_status: Option<WaitStatus>,
    /// How the last child that failed ended (not exit 0), since it last
    /// reached RUNNING.
    pub last_failure: Option<WaitStatus>,
    /// What happened to it since it was added (for `/metrics`).
    pub stats: Stats,
    /// Why the next automatic restart happens, when the daemon knows
    /// better than the exit itself (a health check or the watchdog).
    pub restart_cause: Option<RestartReason>,
    /// The daemon's resources for this process.
    pub ext: X,
}

/// Why a process was restarted without anyone asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestartReason {
    /// It exited and `autorestart` restarts it.
    Exit = 0,
    /// A failed start is retried.
    Backoff = 1,
    /// Its health check failed (`health_action=restart`).
    Health = 2,
    /// Its watchdog expired.
    Watchdog = 3,
}

impl RestartReason {
    /// Every reason, in index order.
    pub const ALL: [RestartReason; 4] = [Self::Exit, Self::Backoff, Self::Health, Self::Watchdog];

    /// `exit`, `backoff`, `health` or `watchdog`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Exit => "exit",
            Self::Backoff => "backoff",
            Self::Health => "health",
            Self::Watchdog => "watchdog",
        }
    }
}

/// Counters of what happened to a process since it was added; they only
/// grow (a program's, not a child's: kept across restarts).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Spawn attempts.
    pub starts: u32,
    /// Automatic restarts, by [`RestartReason`].
    pub restarts: [u32; 4],
    /// Exits on its own: `[expected, unexpected]`.
    pub exits: [u32; 2],
}

/// A run that ends on its own within this many milliseconds of its start
/// "exits at once": the reference, which looks at its children once a
/// second, cannot restart such a program more often than once a second.
pub const QUICK_EXIT_MS: u64 = 1000;

impl Process {
    /// A process in STOPPED that was never started.
    pub fn new(config: impl Into<std::sync::Arc<ProcessConfig>>) -> Self {
        Process::with(config, ())
    }
}

impl<X> Process<X> {
    /// A process in STOPPED that was never started, with the daemon's
    /// resources `ext`.
    pub fn with(config: impl Into<std::sync::Arc<ProcessConfig>>, ext: X) -> Self {
        Process {
            config: config.into(),
            phase: Phase::Stopped { exitstatus: None, held: None },
            laststart: None,
            laststart_wall: 0.0,
            laststop_wall: 0.0,
            backoff: 0,
            administrative_stop: false,
            system_stop: false,
            spawnerr: None,
            quick_exits: 0,
            ready: false,
            deps: Deps::Hold,
            health: Health::default(),
            last_status: None,
            last_failure: None,
            stats: Stats::default(),
            restart_cause: None,
            ext,
        }
    }

    /// Its state and the data only that state has.
    pub fn phase(&self) -> &Phase {
        &self.phase
    }

    /// Its state.
    pub fn state(&self) -> ProcessState {
        self.phase.state()
    }

    /// The child's pid while there is a child.
    pub fn pid(&self) -> Option<u32> {
        self.phase.pid()
    }

    /// The last exit status (`None` after a too-quick exit, before any, and
    /// while a child runs).
    pub fn exitstatus(&self) -> Option<i32> {
        self.phase.exitstatus()
    }

    /// Whether a stop signal was sent to the child (STOPPING).
    pub fn is_stopping(&self) -> bool {
        matches!(self.phase, Phase::Stopping { .. })
    }

    fn name(&self) -> &str {
        &self.config.name
    }

    fn log(fx: &mut Vec<Effect>, level: LogLevel, msg: String) {
        fx.push(Effect::Log(level, msg));
    }

    /// Moves to `to`; a move to another state is reported. The event
    /// carries the child's pid, the one that just ended when the new state
    /// has none, and 0 when there was no child, as the reference's do.
    fn go(&mut self, to: Phase, expected: bool, fx: &mut Vec<Effect>) {
        let (to_state, to_pid) = (to.state(), to.pid());
        let from = std::mem::replace(&mut self.phase, to);
        if from.state() == to_state {
            return;
        }
        let pid = to_pid.or(from.pid()).unwrap_or(0);
        fx.push(Effect::StateChanged {
            from: from.state(),
            to: to_state,
            expected,
            pid,
            tries: self.backoff,
        });
    }

    /// To BACKOFF, one more failed start, with the retry `backoff` seconds
    /// away (nothing changes when already there).
    fn back_off(&mut self, now: Now, fx: &mut Vec<Effect>) {
        if self.state() == ProcessState::Backoff {
            return;
        }
        self.backoff += 1;
        let retry_at = now.mono.saturating_add(secs_ms(self.backoff));
        self.go(Phase::Backoff { retry_at }, true, fx);
    }

    /// Starts the process (the reference's `spawn()`): STARTING and an
    /// [`Effect::Spawn`], or a warning when a child already exists.
    pub fn spawn(&mut self, now: Now, fx: &mut Vec<Effect>) {
        if self.pid().is_some() {
            Self::log(fx, LogLevel::Warn, format!("process '{}' already running", self.name()));
            return;
        }
        match self.deps.clone() {
            Deps::Hold => {}
            Deps::Pending(what) => {
                if !matches!(self.phase, Phase::Stopped { held: Some(Held::Waiting(_)), .. }) {
                    let line = format!("{}: waiting for {what}", self.name());
                    Self::log(fx, LogLevel::Info, line);
                }
                self.hold(Held::Waiting(what), fx);
                fx.push(Effect::PullIn);
                return;
            }
            Deps::Broken(why) => {
                if !matches!(self.phase, Phase::Stopped { held: Some(Held::Failed(_)), .. }) {
                    Self::log(fx, LogLevel::Warn, format!("{}: {why}", self.name()));
                }
                self.hold(Held::Failed(why), fx);
                return;
            }
        }
        self.spawnerr = None;
        self.ready = false;
        self.health = Health::default();
        self.stats.starts = self.stats.starts.saturating_add(1);
        self.restart_cause = None;
        self.system_stop = false;
        self.administrative_stop = false;
        self.laststart = Some(now.mono);
        self.laststart_wall = now.wall;
        self.go(Phase::Starting { pid: None }, true, fx);
        fx.push(Effect::Spawn);
    }

    /// The child asked for in STARTING was forked with `pid` (ignored in
    /// any other state: only a spawn effect is answered with it).
    pub fn spawned(&mut self, pid: u32, fx: &mut Vec<Effect>) {
        let Phase::Starting { pid: slot @ None } = &mut self.phase else { return };
        *slot = Some(pid);
        Self::log(fx, LogLevel::Info, format!("spawned: '{}' with pid {pid}", self.name()));
        self.spawnerr = None;
    }

    /// The child could not be started (`msg` is the reference's spawnerr text).
    pub fn spawn_failed(&mut self, msg: String, now: Now, fx: &mut Vec<Effect>) {
        Self::log(fx, LogLevel::Info, format!("spawnerr: {msg}"));
        self.spawnerr = Some(msg);
        self.back_off(now, fx);
    }

    /// The reference's `transition()`: time-driven moves.
    pub fn transition(&mut self, now: Now, mood: SupervisorState, fx: &mut Vec<Effect>) {
        let state = self.state();
        if mood > SupervisorState::Restarting {
            match state {
                ProcessState::Exited if self.wants_restart() && now.mono >= self.restart_at() => {
                    self.count_restart(RestartReason::Exit);
                    self.spawn(now, fx);
                }
                ProcessState::Stopped
                    if self.laststart.is_none()
                        && self.config.autostart
                        && self.held().is_none() =>
                {
                    self.spawn(now, fx);
                }
                ProcessState::Backoff
                    if self.backoff <= self.config.startretries && self.due(now, 1) =>
                {
                    self.count_restart(RestartReason::Backoff);
                    self.spawn(now, fx);
                }
                _ => {}
            }
        }
        if let (&Phase::Starting { pid: Some(pid) }, true, true) =
            (&self.phase, self.stayed_up(now), self.is_ready())
        {
            self.backoff = 0;
            self.last_failure = None;
            self.go(Phase::Running { pid }, true, fx);
            let line = match &self.config.checks.ready_check {
                ReadyCheck::None => format!(
                    "success: {} entered RUNNING state, process has stayed up for > than {} seconds (startsecs)",
                    self.name(),
                    self.config.startsecs.as_secs()
                ),
                check => format!(
                    "success: {} entered RUNNING state, process is ready ({})",
                    self.name(),
                    check.describe()
                ),
            };
            Self::log(fx, LogLevel::Info, line);
        } else if let Phase::Starting { pid: Some(_) } = self.phase
            && !self.is_ready()
            && self.ready_deadline().is_some_and(|d| now.mono >= d)
        {
            let secs = self.config.checks.ready_timeout.map_or(0, |d| d.as_secs());
            Self::log(
                fx,
                LogLevel::Warn,
                format!("{}: not ready after {secs} seconds, stopping", self.name()),
            );
            self.spawnerr = Some(format!("not ready within {secs} seconds"));
            let _ = self.stop_then(Then::Retry, now, fx);
            self.administrative_stop = false;
        }
        if state == ProcessState::Backoff {
            if self.backoff > self.config.startretries {
                self.give_up(fx);
                Self::log(
                    fx,
                    LogLevel::Info,
                    format!(
                        "gave up: {} entered FATAL state, too many start retries too quickly",
                        self.name()
                    ),
                );
            }
        } else if let Phase::Stopping { pid, waited, .. } = self.phase {
            if !self.due(now, 0) {
                if waited {
                    self.stop_report(now, fx);
                }
            } else {
                Self::log(
                    fx,
                    LogLevel::Warn,
                    format!("killing '{}' ({pid}) with SIGKILL", self.name()),
                );
                let _ = self.kill(9, now, fx);
            }
        }
    }

    /// When [`Process::transition`] next has something to do, in monotonic
    /// ms (`Some(0)`: now); `None` when only an outside event can change it.
    pub fn next_deadline(&self, mood: SupervisorState) -> Option<u64> {
        let running = mood > SupervisorState::Restarting;
        match self.phase {
            Phase::Starting { .. } if !self.is_ready() => self.ready_deadline(),
            Phase::Starting { .. } if self.config.startsecs.is_zero() => Some(0),
            Phase::Starting { .. } => Some(
                self.laststart
                    .unwrap_or(0)
                    .saturating_add(ms(self.config.startsecs))
                    .saturating_add(1),
            ),
            Phase::Backoff { .. } if self.backoff > self.config.startretries => Some(0),
            Phase::Backoff { retry_at } if running => Some(retry_at.saturating_add(1)),
            Phase::Stopping { kill_at, waited: true, reported: Some(t), .. } => {
                Some(kill_at.min(t.saturating_add(2001)))
            }
            Phase::Stopping { kill_at, .. } => Some(kill_at),
            Phase::Exited { .. } if running && self.wants_restart() => Some(self.restart_at()),
            Phase::Stopped { held: None, .. }
                if running && self.laststart.is_none() && self.config.autostart =>
            {
                Some(0)
            }
            _ => None,
        }
    }

    /// Whether a STARTING process has been up for more than `startsecs`.
    /// The reference compares float seconds (`now - laststart > startsecs`),
    /// which holds for `startsecs=0` at the next look; with millisecond time
    /// that look can fall in the same millisecond, so 0 counts at once.
    fn stayed_up(&self, now: Now) -> bool {
        self.config.startsecs.is_zero()
            || now.mono.saturating_sub(self.laststart.unwrap_or(0)) > ms(self.config.startsecs)
    }

    /// Whether an EXITED process is restarted under its `autorestart`.
    /// Whether the process has a child or will get one without an
    /// operator's action (starting, running, stopping, a restart or retry
    /// pending): what a group shares with its children (an fcgi socket)
    /// must stay while one of them is.
    pub fn is_active(&self, mood: SupervisorState) -> bool {
        match self.phase {
            Phase::Starting { .. } | Phase::Running { .. } | Phase::Stopping { .. } => true,
            Phase::Backoff { .. } => self.backoff <= self.config.startretries,
            Phase::Exited { .. } => mood > SupervisorState::Restarting && self.wants_restart(),
            _ => self.pid().is_some(),
        }
    }

    fn wants_restart(&self) -> bool {
        match self.config.autorestart {
            AutoRestart::Always => true,
            AutoRestart::Unexpected => {
                !self.exitstatus().is_some_and(|e| self.config.exitcodes.contains(&e))
            }
            AutoRestart::Never => false,
        }
    }

    /// BACKOFF -> FATAL.
    pub fn give_up(&mut self, fx: &mut Vec<Effect>) {
        self.backoff = 0;
        self.system_stop = true;
        self.go(Phase::Fatal, true, fx);
    }

    /// Administrative stop: the stop signal. `Err` as [`Process::kill`].
    pub fn stop(&mut self, now: Now, fx: &mut Vec<Effect>) -> Result<(), NoChild> {
        self.administrative_stop = true;
        if let Phase::Stopping { reported, .. } = &mut self.phase {
            *reported = None;
        }
        let sig = self.config.stopsignal.number();
        self.kill(sig, now, fx)
    }

    /// `waiting for x to stop`, at most every 2 seconds.
    pub fn stop_report(&mut self, now: Now, fx: &mut Vec<Effect>) {
        if let Phase::Stopping { reported, .. } = &mut self.phase
            && reported.is_none_or(|t| now.mono > t.saturating_add(2000))
        {
            *reported = Some(now.mono);
            let line = format!("waiting for {} to stop", self.name());
            Self::log(fx, LogLevel::Info, line);
        }
    }

    /// A client now waits for this stop: reports at once, then every 2
    /// seconds until the process has stopped.
    pub fn wait_for_stop(&mut self, now: Now, fx: &mut Vec<Effect>) {
        if let Phase::Stopping { waited, .. } = &mut self.phase {
            *waited = true;
            self.stop_report(now, fx);
        }
    }

    /// Sends `sig` meaning to end the process. A BACKOFF process becomes
    /// STOPPED at once. `Err` when there is no child.
    pub fn kill(&mut self, sig: i32, now: Now, fx: &mut Vec<Effect>) -> Result<(), NoChild> {
        if let Phase::Backoff { .. } = self.phase {
            Self::log(
                fx,
                LogLevel::Debug,
                format!("Attempted to kill {}, which is in BACKOFF state.", self.name()),
            );
            self.go(Phase::Stopped { exitstatus: None, held: None }, true, fx);
            return Ok(());
        }
        let Some(pid) = self.pid() else {
            let msg = format!(
                "attempted to kill {} with sig {} but it wasn't running",
                self.name(),
                signame(sig)
            );
            Self::log(fx, LogLevel::Debug, msg.clone());
            return Err(NoChild(msg));
        };
        let group =
            if self.is_stopping() { self.config.killasgroup } else { self.config.stopasgroup };
        let as_group = if group { "process group " } else { "" };
        Self::log(
            fx,
            LogLevel::Debug,
            format!("killing {} (pid {pid}) {as_group}with signal {}", self.name(), signame(sig)),
        );
        let kill_at = now.mono.saturating_add(ms(self.config.stopwaitsecs));
        let to = match self.phase {
            Phase::Stopping { waited, reported, then, .. } => {
                Phase::Stopping { pid, kill_at, waited, reported, then }
            }
            _ => Phase::Stopping { pid, kill_at, waited: false, reported: None, then: Then::Stop },
        };
        self.go(to, true, fx);
        fx.push(Effect::Kill { pid, sig, group });
        Ok(())
    }

    /// The interpreter's `kill` failed. `esrch`: the child is already gone.
    pub fn kill_failed(&mut self, esrch: bool, err: &str, fx: &mut Vec<Effect>) {
        let Some(pid) = self.pid() else { return };
        if esrch {
            Self::log(
                fx,
                LogLevel::Debug,
                format!(
                    "unable to signal {} (pid {pid}), it probably just exited on its own: {err}",
                    self.name(),
                ),
            );
            return;
        }
        Self::log(
            fx,
            LogLevel::Critical,
            format!("unknown problem killing {} ({pid}):{err}", self.name()),
        );
        self.go(Phase::Unknown { pid }, true, fx);
    }

    /// Sends a signal without meaning to stop the process. `Err` when there
    /// is no child.
    pub fn signal(&mut self, sig: i32, fx: &mut Vec<Effect>) -> Result<(), NoChild> {
        let Some(pid) = self.pid() else {
            let msg = format!(
                "attempted to send {} sig {} but it wasn't running",
                self.name(),
                signame(sig)
            );
            Self::log(fx, LogLevel::Debug, msg.clone());
            return Err(NoChild(msg));
        };
        Self::log(
            fx,
            LogLevel::Debug,
            format!("sending {} (pid {pid}) sig {}", self.name(), signame(sig)),
        );
        fx.push(Effect::Signal { pid, sig });
        Ok(())
    }

    /// Whether the current state's deadline has passed: `now` is at least
    /// `after` ms past it (1: strictly after, as the reference compares
    /// BACKOFF's; 0: at it). A state without a deadline is due.
    fn due(&self, now: Now, after: u64) -> bool {
        self.phase.deadline().is_none_or(|d| now.mono >= d.saturating_add(after))
    }

    /// When an EXITED process that is to be restarted may start again
    /// (monotonic ms; 0 is at once). The first time a program exits at once
    /// it restarts at once, like after any crash; when it keeps exiting at
    /// once, it starts again one second after its previous start, as often
    /// as the reference would start it, instead of a fork loop. A run that
    /// lasts longer, or ends by a signal sent from outside (KILL, TERM, INT,
    /// HUP), restarts at once.
    pub fn restart_at(&self) -> u64 {
        if self.quick_exits < 2 {
            return 0;
        }
        self.laststart.unwrap_or(0).saturating_add(QUICK_EXIT_MS)
    }

    /// The exit code a container should end with when this process ends
    /// for good (`essential`): its exit status when EXITED, 128+N when a
    /// signal N killed it; when FATAL, 127 for a missing command, 126 for
    /// one that cannot be run, else the last failed run's code, else 1.
    pub fn exit_code(&self) -> i32 {
        let code = |s: WaitStatus| match s {
            WaitStatus::Exited(c) => c,
            WaitStatus::Signaled(n, _) => 128 + n,
        };
        match self.state() {
            ProcessState::Exited => self.last_status.map_or(0, code),
            ProcessState::Fatal => match self.spawnerr.as_deref() {
                Some(e) if e.starts_with("can't find command") => 127,
                Some(e) if e.starts_with("no permission") || e.contains("is not executable") => 126,
                _ => self.last_failure.map_or(1, code),
            },
            _ => 0,
        }
    }

    /// Counts an automatic restart: for `default`'s reason, unless the
    /// daemon said why ([`Process::restart_cause`]).
    fn count_restart(&mut self, default: RestartReason) {
        let why = self.restart_cause.take().unwrap_or(default);
        let n = &mut self.stats.restarts[why as usize];
        *n = n.saturating_add(1);
    }

    /// The child was reaped with `status` (the reference's `finish()`).
    pub fn finish(&mut self, status: WaitStatus, now: Now, fx: &mut Vec<Effect>) {
        self.last_status = Some(status);
        if status != WaitStatus::Exited(0) {
            self.last_failure = Some(status);
        }
        let (es, msg) = status.decode();
        self.laststop_wall = now.wall;
        let ran = now.mono.saturating_sub(self.laststart.unwrap_or(0));
        let on_its_own = match status {
            WaitStatus::Exited(_) => true,
            WaitStatus::Signaled(sig, _) => !matches!(sig, 1 | 2 | 9 | 15),
        };
        let stopping = self.is_stopping();
        if on_its_own && ran < QUICK_EXIT_MS && !stopping {
            self.quick_exits = self.quick_exits.saturating_add(1);
        } else {
            self.quick_exits = 0;
        }
        let too_quickly = ran < ms(self.config.startsecs);
        let exit_expected = self.config.exitcodes.contains(&es);
        let name = self.name().to_owned();
        if let Phase::Stopping { then, .. } = self.phase {
            let level = if exit_expected { LogLevel::Info } else { LogLevel::Warn };
            match then {
                Then::Retry => self.back_off(now, fx),
                Then::Wait => {
                    let what = match &self.deps {
                        Deps::Pending(what) => Held::Waiting(what.clone()),
                        Deps::Broken(why) => Held::Failed(why.clone()),
                        Deps::Hold => Held::Waiting(String::new()),
                    };
                    let held = Some(what);
                    self.go(Phase::Stopped { exitstatus: Some(es), held }, true, fx);
                }
                Then::Stop | Then::Restart => {
                    self.go(Phase::Stopped { exitstatus: Some(es), held: None }, true, fx);
                }
            }
            Self::log(fx, level, format!("stopped: {name} ({msg})"));
            if then == Then::Restart {
                if let Some(cause) = self.restart_cause {
                    self.count_restart(cause);
                }
                self.spawn(now, fx);
            }
        } else if self.state() == ProcessState::Starting && (too_quickly || !self.is_ready()) {
            self.spawnerr = Some(if too_quickly {
                "Exited too quickly (process log may have details)".into()
            } else {
                "Exited before it was ready (process log may have details)".into()
            });
            self.back_off(now, fx);
            self.stats.exits[1] = self.stats.exits[1].saturating_add(1);
            Self::log(fx, LogLevel::Warn, format!("exited: {name} ({msg}; not expected)"));
        } else {
            let i = usize::from(!exit_expected);
            self.stats.exits[i] = self.stats.exits[i].saturating_add(1);
            self.backoff = 0;
            if let Phase::Starting { pid: Some(pid) } = self.phase {
                self.go(Phase::Running { pid }, true, fx);
            }
            let exited = Phase::Exited { exitstatus: es };
            if exit_expected {
                self.go(exited, true, fx);
                Self::log(fx, LogLevel::Info, format!("exited: {name} ({msg}; expected)"));
            } else {
                self.spawnerr = Some(format!("Bad exit code {es}"));
                self.go(exited, false, fx);
                Self::log(fx, LogLevel::Warn, format!("exited: {name} ({msg}; not expected)"));
            }
        }
    }
}
