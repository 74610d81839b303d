//! Process and supervisor states with the reference's codes and names, exit
//! statuses and their descriptions. Pure.

/// The state of one process (`states.py` codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProcessState {
    /// Not running; never started, or stopped on request.
    Stopped,
    /// Spawned, not yet up for `startsecs`.
    Starting,
    /// Up.
    Running,
    /// Failed to start; waiting to retry.
    Backoff,
    /// Stop signal sent; waiting for it to exit.
    Stopping,
    /// Exited on its own from RUNNING.
    Exited,
    /// Could not be started.
    Fatal,
    /// Signalling it failed unexpectedly.
    Unknown,
}

impl ProcessState {
    /// The reference's numeric code.
    pub const fn code(self) -> i32 {
        match self {
            ProcessState::Stopped => 0,
            ProcessState::Starting => 10,
            ProcessState::Running => 20,
            ProcessState::Backoff => 30,
            ProcessState::Stopping => 40,
            ProcessState::Exited => 100,
            ProcessState::Fatal => 200,
            ProcessState::Unknown => 1000,
        }
    }

    /// Every state, in the order of their codes.
    pub const ALL: [ProcessState; 8] = [
        ProcessState::Stopped,
        ProcessState::Starting,
        ProcessState::Running,
        ProcessState::Backoff,
        ProcessState::Stopping,
        ProcessState::Exited,
        ProcessState::Fatal,
        ProcessState::Unknown,
    ];

    /// The state of a numeric code, if it is one.
    pub fn from_code(code: i64) -> Option<ProcessState> {
        Self::ALL.into_iter().find(|s| i64::from(s.code()) == code)
    }

    /// The reference's name (`RUNNING`).
    pub const fn name(self) -> &'static str {
        match self {
            ProcessState::Stopped => "STOPPED",
            ProcessState::Starting => "STARTING",
            ProcessState::Running => "RUNNING",
            ProcessState::Backoff => "BACKOFF",
            ProcessState::Stopping => "STOPPING",
            ProcessState::Exited => "EXITED",
            ProcessState::Fatal => "FATAL",
            ProcessState::Unknown => "UNKNOWN",
        }
    }

    /// STOPPED, EXITED, FATAL or UNKNOWN.
    pub const fn is_stopped(self) -> bool {
        matches!(
            self,
            ProcessState::Stopped
                | ProcessState::Exited
                | ProcessState::Fatal
                | ProcessState::Unknown
        )
    }

    /// RUNNING, BACKOFF or STARTING.
    pub const fn is_running(self) -> bool {
        matches!(self, ProcessState::Running | ProcessState::Backoff | ProcessState::Starting)
    }

    /// RUNNING, STARTING or STOPPING.
    pub const fn is_signallable(self) -> bool {
        matches!(self, ProcessState::Running | ProcessState::Starting | ProcessState::Stopping)
    }
}

/// The daemon's own state ("mood").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SupervisorState {
    /// Shutting down (-1).
    Shutdown,
    /// Restarting in place (0).
    Restarting,
    /// Running (1).
    Running,
}

impl SupervisorState {
    /// The reference's numeric code.
    pub const fn code(self) -> i32 {
        match self {
            SupervisorState::Shutdown => -1,
            SupervisorState::Restarting => 0,
            SupervisorState::Running => 1,
        }
    }

    /// The reference's name.
    pub const fn name(self) -> &'static str {
        match self {
            SupervisorState::Shutdown => "SHUTDOWN",
            SupervisorState::Restarting => "RESTARTING",
            SupervisorState::Running => "RUNNING",
        }
    }
}

/// How a child ended, as `waitpid` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitStatus {
    /// Exited with this code.
    Exited(i32),
    /// Killed by this signal, with or without a core dump.
    Signaled(i32, bool),
}

impl WaitStatus {
    /// The reference's `(exitstatus, message)`: the code, or -1 for a
    /// signal death, and `exit status 1` / `terminated by SIGTERM`.
    pub fn decode(self) -> (i32, String) {
        match self {
            WaitStatus::Exited(code) => (code, format!("exit status {code}")),
            WaitStatus::Signaled(sig, core) => {
                let mut msg = format!("terminated by {}", signame(sig));
                if core {
                    msg.push_str(" (core dumped)");
                }
                (-1, msg)
            }
        }
    }
}

/// The reference's `signame`: `SIGTERM`, or `signal 32` for numbers without
/// a name (where several names share a number, the one the reference prints).
pub fn signame(sig: i32) -> String {
    let name = match sig {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL",
        5 => "SIGTRAP",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        10 => "SIGUSR1",
        11 => "SIGSEGV",
        12 => "SIGUSR2",
        13 => "SIGPIPE",
        14 => "SIGALRM",
        15 => "SIGTERM",
        16 => "SIGSTKFLT",
        17 => "SIGCHLD",
        18 => "SIGCONT",
        19 => "SIGSTOP",
        20 => "SIGTSTP",
        21 => "SIGTTIN",
        22 => "SIGTTOU",
        23 => "SIGURG",
        24 => "SIGXCPU",
        25 => "SIGXFSZ",
        26 => "SIGVTALRM",
        27 => "SIGPROF",
        28 => "SIGWINCH",
        29 => "SIGPOLL",
        30 => "SIGPWR",
        31 => "SIGSYS",
        34 => "SIGRTMIN",
        64 => "SIGRTMAX",
        n => return format!("signal {n}"),
    };
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names() {
        let all = [
            (ProcessState::Stopped, 0, "STOPPED"),
            (ProcessState::Starting, 10, "STARTING"),
            (ProcessState::Running, 20, "RUNNING"),
            (ProcessState::Backoff, 30, "BACKOFF"),
            (ProcessState::Stopping, 40, "STOPPING"),
            (ProcessState::Exited, 100, "EXITED"),
            (ProcessState::Fatal, 200, "FATAL"),
            (ProcessState::Unknown, 1000, "UNKNOWN"),
        ];
        for (s, code, name) in all {
            assert_eq!((s.code(), s.name()), (code, name));
        }
        assert_eq!(SupervisorState::Shutdown.code(), -1);
        assert!(SupervisorState::Restarting < SupervisorState::Running);
    }

    #[test]
    fn wait_status_messages() {
        assert_eq!(WaitStatus::Exited(1).decode(), (1, "exit status 1".into()));
        assert_eq!(WaitStatus::Signaled(15, false).decode(), (-1, "terminated by SIGTERM".into()));
        assert_eq!(
            WaitStatus::Signaled(11, true).decode(),
            (-1, "terminated by SIGSEGV (core dumped)".into())
        );
        assert_eq!(signame(29), "SIGPOLL");
        assert_eq!(signame(32), "signal 32");
    }
}
