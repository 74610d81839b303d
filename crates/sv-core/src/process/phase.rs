//! A process's state with the data only that state has ([`Phase`]), and
//! what readiness, dependencies and health add to a process.

use crate::state::ProcessState;

/// A process's state together with what exists only in that state: the
/// child's pid while there is one, the deadline of the states that have
/// one, the exit status of the states that follow an exit. "No pid" or "no
/// deadline" is the absence of a field, never a magic value, and a
/// combination the reference cannot reach (a pid while STOPPED, a SIGKILL
/// deadline while RUNNING) cannot be written down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// Not running; `exitstatus` of the stopped child, if it was stopped.
    Stopped {
        /// The stopped child's exit status.
        exitstatus: Option<i32>,
        /// Why a start is held back: its dependencies do not hold yet, or
        /// cannot (only with `depends_on`).
        held: Option<Held>,
    },
    /// Spawned; `pid` once the fork is reported.
    Starting {
        /// The child's pid.
        pid: Option<u32>,
    },
    /// Up.
    Running {
        /// The child's pid.
        pid: u32,
    },
    /// The last start failed; the next one is due at `retry_at`.
    Backoff {
        /// Monotonic ms of the retry.
        retry_at: u64,
    },
    /// A stop signal was sent to `pid`; SIGKILL follows at `kill_at`.
    Stopping {
        /// The child's pid.
        pid: u32,
        /// Monotonic ms of the SIGKILL.
        kill_at: u64,
        /// A client waits for this stop (`waiting for x to stop` is logged
        /// every 2 seconds meanwhile, as the reference's deferred
        /// `stopProcess` answer does).
        waited: bool,
        /// When that line was last logged.
        reported: Option<u64>,
        /// What follows the stop.
        then: Then,
    },
    /// Exited on its own with `exitstatus`.
    Exited {
        /// The exit status.
        exitstatus: i32,
    },
    /// Could not be started.
    Fatal,
    /// Signalling `pid` failed unexpectedly.
    Unknown {
        /// The child's pid.
        pid: u32,
    },
}

/// Why a STOPPED process that was asked to start does not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Held {
    /// Its dependencies do not hold yet (`db (running)`); it starts when
    /// they do.
    Waiting(String),
    /// A dependency cannot hold (`Dependency db is FATAL`).
    Failed(String),
}

/// What follows a stop, when the child has exited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Then {
    /// STOPPED (the reference's stop).
    Stop,
    /// BACKOFF: the start failed (not ready in time).
    Retry,
    /// STOPPED and waiting for its dependencies to hold again.
    Wait,
    /// STOPPED, then started again (an unhealthy process).
    Restart,
}

/// The outcome of a process's dependencies, as the supervisor last saw it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Deps {
    /// They hold (or there are none).
    #[default]
    Hold,
    /// Some do not hold yet: their description.
    Pending(String),
    /// One cannot hold: why.
    Broken(String),
}

/// What the health checks of a RUNNING process found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HealthState {
    /// Not checked since the last spawn.
    #[default]
    Unknown,
    /// Passing.
    Healthy,
    /// Failed `failure_threshold` times in a row.
    Unhealthy,
}

impl HealthState {
    /// `unknown`, `healthy` or `unhealthy`.
    pub fn name(self) -> &'static str {
        match self {
            HealthState::Unknown => "unknown",
            HealthState::Healthy => "healthy",
            HealthState::Unhealthy => "unhealthy",
        }
    }
}

/// The health of a process with a health check.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Health {
    /// The flag.
    pub state: HealthState,
    /// Failed checks in a row.
    pub failures: u32,
    /// Passed checks in a row.
    pub successes: u32,
    /// What the last check said (bounded).
    pub output: String,
}

impl Phase {
    /// The reference's state of this phase.
    pub const fn state(&self) -> ProcessState {
        match self {
            Phase::Stopped { .. } => ProcessState::Stopped,
            Phase::Starting { .. } => ProcessState::Starting,
            Phase::Running { .. } => ProcessState::Running,
            Phase::Backoff { .. } => ProcessState::Backoff,
            Phase::Stopping { .. } => ProcessState::Stopping,
            Phase::Exited { .. } => ProcessState::Exited,
            Phase::Fatal => ProcessState::Fatal,
            Phase::Unknown { .. } => ProcessState::Unknown,
        }
    }

    /// The child's pid, in the phases that have a child.
    pub const fn pid(&self) -> Option<u32> {
        match *self {
            Phase::Starting { pid } => pid,
            Phase::Running { pid } | Phase::Stopping { pid, .. } | Phase::Unknown { pid } => {
                Some(pid)
            }
            _ => None,
        }
    }

    /// The deadline of BACKOFF (the retry) and STOPPING (the SIGKILL).
    pub const fn deadline(&self) -> Option<u64> {
        match *self {
            Phase::Backoff { retry_at } => Some(retry_at),
            Phase::Stopping { kill_at, .. } => Some(kill_at),
            _ => None,
        }
    }

    /// The last exit status, in the phases that follow an exit.
    pub const fn exitstatus(&self) -> Option<i32> {
        match *self {
            Phase::Stopped { exitstatus, .. } => exitstatus,
            Phase::Exited { exitstatus } => Some(exitstatus),
            _ => None,
        }
    }
}
