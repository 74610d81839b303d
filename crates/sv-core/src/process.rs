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
use sv_config::datatypes::AutoRestart;

use crate::state::{ProcessState, SupervisorState, WaitStatus, signame};

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
    pub config: ProcessConfig,
    /// Current state.
    pub state: ProcessState,
    /// The child's pid while there is a child.
    pub pid: Option<u32>,
    /// When it was last spawned (monotonic ms); `None` if never.
    pub laststart: Option<u64>,
    /// Wall-clock time of the last spawn (0 if never).
    pub laststart_wall: f64,
    /// Wall-clock time of the last exit (0 if never).
    pub laststop_wall: f64,
    /// The deadline of the current state (monotonic ms): when STARTING
    /// counts as up, BACKOFF retries, STOPPING escalates to SIGKILL.
    pub delay: Option<u64>,
    /// Consecutive failed starts.
    pub backoff: i64,
    /// A stop signal was sent.
    pub killing: bool,
    /// Stopped on request.
    pub administrative_stop: bool,
    /// Stopped by the supervisor (gave up).
    pub system_stop: bool,
    /// Last exit status (`None` after a too-quick exit or before any).
    pub exitstatus: Option<i32>,
    /// Why the last start failed.
    pub spawnerr: Option<String>,
    /// Runs in a row that ended on their own within [`QUICK_EXIT_MS`] of
    /// their start (see [`Process::restart_at`]).
    pub quick_exits: u32,
    /// A client waits for this stop to end: `waiting for x to stop` is
    /// logged every 2 seconds meanwhile, as the reference's deferred
    /// `stopProcess` answer does.
    pub stop_waited: bool,
    laststopreport: Option<u64>,
    /// The daemon's resources for this process.
    pub ext: X,
}

/// A run that ends on its own within this many milliseconds of its start
/// "exits at once": the reference, which looks at its children once a
/// second, cannot restart such a program more often than once a second.
pub const QUICK_EXIT_MS: u64 = 1000;

impl Process {
    /// A process in STOPPED that was never started.
    pub fn new(config: ProcessConfig) -> Self {
        Process::with(config, ())
    }
}

impl<X> Process<X> {
    /// A process in STOPPED that was never started, with the daemon's
    /// resources `ext`.
    pub fn with(config: ProcessConfig, ext: X) -> Self {
        Process {
            config,
            state: ProcessState::Stopped,
            pid: None,
            laststart: None,
            laststart_wall: 0.0,
            laststop_wall: 0.0,
            delay: None,
            backoff: 0,
            killing: false,
            administrative_stop: false,
            system_stop: false,
            exitstatus: None,
            spawnerr: None,
            quick_exits: 0,
            stop_waited: false,
            laststopreport: None,
            ext,
        }
    }

    fn name(&self) -> &str {
        &self.config.name
    }

    fn log(fx: &mut Vec<Effect>, level: LogLevel, msg: String) {
        fx.push(Effect::Log(level, msg));
    }

    fn change_state(&mut self, to: ProcessState, expected: bool, now: Now, fx: &mut Vec<Effect>) {
        let from = self.state;
        if from == to {
            return;
        }
        self.state = to;
        if from == ProcessState::Stopping {
            self.stop_waited = false;
        }
        if to == ProcessState::Backoff {
            self.backoff += 1;
            self.delay = Some(now.mono.saturating_add(secs_ms(self.backoff)));
        }
        // Events carry pid 0 when there is no child, as the reference's do.
        let pid = self.pid.unwrap_or(0);
        fx.push(Effect::StateChanged { from, to, expected, pid, tries: self.backoff });
    }

    /// Starts the process (the reference's `spawn()`): STARTING and an
    /// [`Effect::Spawn`], or a warning when a child already exists.
    pub fn spawn(&mut self, now: Now, fx: &mut Vec<Effect>) {
        if self.pid.is_some() {
            Self::log(fx, LogLevel::Warn, format!("process '{}' already running", self.name()));
            return;
        }
        self.killing = false;
        self.spawnerr = None;
        self.exitstatus = None;
        self.system_stop = false;
        self.administrative_stop = false;
        self.laststart = Some(now.mono);
        self.laststart_wall = now.wall;
        self.change_state(ProcessState::Starting, true, now, fx);
        fx.push(Effect::Spawn);
    }

    /// The child was forked with `pid`.
    pub fn spawned(&mut self, pid: u32, now: Now, fx: &mut Vec<Effect>) {
        self.pid = Some(pid);
        Self::log(fx, LogLevel::Info, format!("spawned: '{}' with pid {pid}", self.name()));
        self.spawnerr = None;
        self.delay = Some(now.mono.saturating_add(ms(self.config.startsecs)));
    }

    /// The child could not be started (`msg` is the reference's spawnerr text).
    pub fn spawn_failed(&mut self, msg: String, now: Now, fx: &mut Vec<Effect>) {
        Self::log(fx, LogLevel::Info, format!("spawnerr: {msg}"));
        self.spawnerr = Some(msg);
        self.change_state(ProcessState::Backoff, true, now, fx);
    }

    /// The reference's `transition()`: time-driven moves.
    pub fn transition(&mut self, now: Now, mood: SupervisorState, fx: &mut Vec<Effect>) {
        let state = self.state;
        if mood > SupervisorState::Restarting {
            match state {
                ProcessState::Exited if self.wants_restart() && now.mono >= self.restart_at() => {
                    self.spawn(now, fx);
                }
                ProcessState::Stopped if self.laststart.is_none() && self.config.autostart => {
                    self.spawn(now, fx);
                }
                ProcessState::Backoff
                    if self.backoff <= self.config.startretries && self.due(now, 1) =>
                {
                    self.spawn(now, fx);
                }
                _ => {}
            }
        }
        if state == ProcessState::Starting && self.stayed_up(now) {
            self.delay = None;
            self.backoff = 0;
            self.change_state(ProcessState::Running, true, now, fx);
            Self::log(
                fx,
                LogLevel::Info,
                format!(
                    "success: {} entered RUNNING state, process has stayed up for > than {} seconds (startsecs)",
                    self.name(),
                    self.config.startsecs.as_secs()
                ),
            );
        }
        if state == ProcessState::Backoff {
            if self.backoff > self.config.startretries {
                self.give_up(now, fx);
                Self::log(
                    fx,
                    LogLevel::Info,
                    format!(
                        "gave up: {} entered FATAL state, too many start retries too quickly",
                        self.name()
                    ),
                );
            }
        } else if state == ProcessState::Stopping && self.stop_waited && !self.due(now, 0) {
            self.stop_report(now, fx);
        } else if state == ProcessState::Stopping && self.due(now, 0) {
            Self::log(
                fx,
                LogLevel::Warn,
                format!("killing '{}' ({}) with SIGKILL", self.name(), self.pid.unwrap_or(0)),
            );
            let _ = self.kill(9, now, fx);
        }
    }

    /// When [`Process::transition`] next has something to do, in monotonic
    /// ms (`Some(0)`: now); `None` when only an outside event can change it.
    pub fn next_deadline(&self, mood: SupervisorState) -> Option<u64> {
        let running = mood > SupervisorState::Restarting;
        match self.state {
            ProcessState::Starting if self.config.startsecs.is_zero() => Some(0),
            ProcessState::Starting => Some(
                self.laststart
                    .unwrap_or(0)
                    .saturating_add(ms(self.config.startsecs))
                    .saturating_add(1),
            ),
            ProcessState::Backoff if self.backoff > self.config.startretries => Some(0),
            ProcessState::Backoff if running => Some(self.delay.unwrap_or(0).saturating_add(1)),
            ProcessState::Stopping => match (self.stop_waited, self.laststopreport) {
                (true, Some(t)) => Some(self.delay.unwrap_or(0).min(t.saturating_add(2001))),
                _ => Some(self.delay.unwrap_or(0)),
            },
            ProcessState::Exited if running && self.wants_restart() => Some(self.restart_at()),
            ProcessState::Stopped
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
        match self.state {
            ProcessState::Starting | ProcessState::Running | ProcessState::Stopping => true,
            ProcessState::Backoff => self.backoff <= self.config.startretries,
            ProcessState::Exited => mood > SupervisorState::Restarting && self.wants_restart(),
            _ => self.pid.is_some(),
        }
    }

    fn wants_restart(&self) -> bool {
        match self.config.autorestart {
            AutoRestart::Always => true,
            AutoRestart::Unexpected => {
                !self.exitstatus.is_some_and(|e| self.config.exitcodes.contains(&e))
            }
            AutoRestart::Never => false,
        }
    }

    /// BACKOFF -> FATAL.
    pub fn give_up(&mut self, now: Now, fx: &mut Vec<Effect>) {
        self.delay = None;
        self.backoff = 0;
        self.system_stop = true;
        self.change_state(ProcessState::Fatal, true, now, fx);
    }

    /// Administrative stop: the stop signal. `Err` as [`Process::kill`].
    pub fn stop(&mut self, now: Now, fx: &mut Vec<Effect>) -> Result<(), NoChild> {
        self.administrative_stop = true;
        self.laststopreport = None;
        let sig = self.config.stopsignal.number();
        self.kill(sig, now, fx)
    }

    /// `waiting for x to stop`, at most every 2 seconds.
    pub fn stop_report(&mut self, now: Now, fx: &mut Vec<Effect>) {
        if self.state == ProcessState::Stopping
            && self.laststopreport.is_none_or(|t| now.mono > t.saturating_add(2000))
        {
            Self::log(fx, LogLevel::Info, format!("waiting for {} to stop", self.name()));
            self.laststopreport = Some(now.mono);
        }
    }

    /// A client now waits for this stop: reports at once, then every 2
    /// seconds until the process has stopped.
    pub fn wait_for_stop(&mut self, now: Now, fx: &mut Vec<Effect>) {
        if self.state == ProcessState::Stopping {
            self.stop_waited = true;
            self.stop_report(now, fx);
        }
    }

    /// Sends `sig` meaning to end the process. A BACKOFF process becomes
    /// STOPPED at once. `Err` when there is no child.
    pub fn kill(&mut self, sig: i32, now: Now, fx: &mut Vec<Effect>) -> Result<(), NoChild> {
        if self.state == ProcessState::Backoff {
            Self::log(
                fx,
                LogLevel::Debug,
                format!("Attempted to kill {}, which is in BACKOFF state.", self.name()),
            );
            self.change_state(ProcessState::Stopped, true, now, fx);
            return Ok(());
        }
        let Some(pid) = self.pid else {
            let msg = format!(
                "attempted to kill {} with sig {} but it wasn't running",
                self.name(),
                signame(sig)
            );
            Self::log(fx, LogLevel::Debug, msg.clone());
            return Err(NoChild(msg));
        };
        let group = if self.state == ProcessState::Stopping {
            self.config.killasgroup
        } else {
            self.config.stopasgroup
        };
        let as_group = if group { "process group " } else { "" };
        Self::log(
            fx,
            LogLevel::Debug,
            format!("killing {} (pid {pid}) {as_group}with signal {}", self.name(), signame(sig)),
        );
        self.killing = true;
        self.delay = Some(now.mono.saturating_add(ms(self.config.stopwaitsecs)));
        self.change_state(ProcessState::Stopping, true, now, fx);
        fx.push(Effect::Kill { pid, sig, group });
        Ok(())
    }

    /// The interpreter's `kill` failed. `esrch`: the child is already gone.
    pub fn kill_failed(&mut self, esrch: bool, err: &str, now: Now, fx: &mut Vec<Effect>) {
        if esrch {
            Self::log(
                fx,
                LogLevel::Debug,
                format!(
                    "unable to signal {} (pid {}), it probably just exited on its own: {err}",
                    self.name(),
                    self.pid.unwrap_or(0)
                ),
            );
            return;
        }
        Self::log(
            fx,
            LogLevel::Critical,
            format!("unknown problem killing {} ({}):{err}", self.name(), self.pid.unwrap_or(0)),
        );
        self.change_state(ProcessState::Unknown, true, now, fx);
        self.killing = false;
        self.delay = None;
    }

    /// Sends a signal without meaning to stop the process. `Err` when there
    /// is no child.
    pub fn signal(&mut self, sig: i32, fx: &mut Vec<Effect>) -> Result<(), NoChild> {
        let Some(pid) = self.pid else {
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
        self.delay.is_none_or(|d| now.mono >= d.saturating_add(after))
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

    /// The child was reaped with `status` (the reference's `finish()`).
    pub fn finish(&mut self, status: WaitStatus, now: Now, fx: &mut Vec<Effect>) {
        let (es, msg) = status.decode();
        self.laststop_wall = now.wall;
        let ran = now.mono.saturating_sub(self.laststart.unwrap_or(0));
        let on_its_own = match status {
            WaitStatus::Exited(_) => true,
            WaitStatus::Signaled(sig, _) => !matches!(sig, 1 | 2 | 9 | 15),
        };
        if on_its_own && ran < QUICK_EXIT_MS && !self.killing {
            self.quick_exits = self.quick_exits.saturating_add(1);
        } else {
            self.quick_exits = 0;
        }
        let too_quickly = ran < ms(self.config.startsecs);
        let exit_expected = self.config.exitcodes.contains(&es);
        let name = self.name().to_owned();
        if self.killing {
            self.killing = false;
            self.delay = None;
            self.exitstatus = Some(es);
            self.change_state(ProcessState::Stopped, true, now, fx);
            let level = if exit_expected { LogLevel::Info } else { LogLevel::Warn };
            Self::log(fx, level, format!("stopped: {name} ({msg})"));
        } else if too_quickly && self.state == ProcessState::Starting {
            self.exitstatus = None;
            self.spawnerr = Some("Exited too quickly (process log may have details)".into());
            self.change_state(ProcessState::Backoff, true, now, fx);
            Self::log(fx, LogLevel::Warn, format!("exited: {name} ({msg}; not expected)"));
        } else {
            self.delay = None;
            self.backoff = 0;
            self.exitstatus = Some(es);
            if self.state == ProcessState::Starting {
                self.change_state(ProcessState::Running, true, now, fx);
            }
            if exit_expected {
                self.change_state(ProcessState::Exited, true, now, fx);
                Self::log(fx, LogLevel::Info, format!("exited: {name} ({msg}; expected)"));
            } else {
                self.spawnerr = Some(format!("Bad exit code {es}"));
                self.change_state(ProcessState::Exited, false, now, fx);
                Self::log(fx, LogLevel::Warn, format!("exited: {name} ({msg}; not expected)"));
            }
        }
        self.pid = None;
    }
}
