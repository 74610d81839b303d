//! Events as the reference defines them: the type hierarchy (subscribing to
//! a type delivers its subtypes), the exact payloads, and the envelope a
//! listener reads. Pure: the daemon decides when events happen.

use crate::state::ProcessState;

/// A concrete event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A process changed state.
    ProcessState {
        /// The new state.
        to: ProcessState,
        /// The previous state.
        from: ProcessState,
        /// Process name.
        process: String,
        /// Group name.
        group: String,
        /// Pid (RUNNING, STOPPING, EXITED, STOPPED).
        pid: u32,
        /// Failed starts so far (STARTING, BACKOFF).
        tries: i64,
        /// For EXITED: whether the exit code was expected.
        expected: bool,
    },
    /// Output on stdout (`stdout_events_enabled`) or stderr.
    ProcessLog {
        /// `true` for stderr.
        stderr: bool,
        /// Process name.
        process: String,
        /// Group name.
        group: String,
        /// Pid.
        pid: u32,
        /// The data as read.
        data: Vec<u8>,
    },
    /// A capture-mode block completed.
    ProcessCommunication {
        /// `true` for stderr.
        stderr: bool,
        /// Process name.
        process: String,
        /// Group name.
        group: String,
        /// Pid.
        pid: u32,
        /// The captured data.
        data: Vec<u8>,
    },
    /// `sendRemoteCommEvent(type, data)`.
    RemoteCommunication {
        /// The type given.
        kind: String,
        /// The data given.
        data: String,
    },
    /// The daemon started its main loop.
    SupervisorRunning,
    /// The daemon began stopping.
    SupervisorStopping,
    /// A wall-clock period boundary was crossed.
    Tick {
        /// 5, 60 or 3600.
        period: u64,
        /// The boundary (epoch seconds, a multiple of `period`).
        when: u64,
    },
    /// A group was added.
    GroupAdded {
        /// Group name.
        group: String,
    },
    /// A group was removed.
    GroupRemoved {
        /// Group name.
        group: String,
    },
    /// A process's health flag changed (ours: only processes with a
    /// `health_check` make them).
    ProcessHealth {
        /// Healthy now, or unhealthy.
        healthy: bool,
        /// Process name.
        process: String,
        /// Group name.
        group: String,
        /// Pid.
        pid: u32,
        /// Failed checks in a row.
        failures: u32,
    },
}

impl Event {
    /// The concrete type's name (`PROCESS_STATE_RUNNING`).
    pub fn name(&self) -> String {
        match self {
            Event::ProcessState { to, .. } => format!("PROCESS_STATE_{}", to.name()),
            Event::ProcessLog { stderr, .. } => {
                if *stderr {
                    "PROCESS_LOG_STDERR".into()
                } else {
                    "PROCESS_LOG_STDOUT".into()
                }
            }
            Event::ProcessCommunication { stderr, .. } => {
                if *stderr {
                    "PROCESS_COMMUNICATION_STDERR".into()
                } else {
                    "PROCESS_COMMUNICATION_STDOUT".into()
                }
            }
            Event::RemoteCommunication { .. } => "REMOTE_COMMUNICATION".into(),
            Event::SupervisorRunning => "SUPERVISOR_STATE_CHANGE_RUNNING".into(),
            Event::SupervisorStopping => "SUPERVISOR_STATE_CHANGE_STOPPING".into(),
            Event::Tick { period, .. } => format!("TICK_{period}"),
            Event::GroupAdded { .. } => "PROCESS_GROUP_ADDED".into(),
            Event::GroupRemoved { .. } => "PROCESS_GROUP_REMOVED".into(),
            Event::ProcessHealth { healthy: true, .. } => "PROCESS_HEALTH_HEALTHY".into(),
            Event::ProcessHealth { healthy: false, .. } => "PROCESS_HEALTH_UNHEALTHY".into(),
        }
    }

    /// The abstract base type (`PROCESS_STATE`, `TICK`, ...), if any besides `EVENT`.
    pub fn base(&self) -> Option<&'static str> {
        Some(match self {
            Event::ProcessState { .. } => "PROCESS_STATE",
            Event::ProcessLog { .. } => "PROCESS_LOG",
            Event::ProcessCommunication { .. } => "PROCESS_COMMUNICATION",
            Event::SupervisorRunning | Event::SupervisorStopping => "SUPERVISOR_STATE_CHANGE",
            Event::Tick { .. } => "TICK",
            Event::GroupAdded { .. } | Event::GroupRemoved { .. } => "PROCESS_GROUP",
            Event::ProcessHealth { .. } => "PROCESS_HEALTH",
            Event::RemoteCommunication { .. } => return None,
        })
    }

    /// Whether a subscription to `type_name` receives this event.
    pub fn matches(&self, type_name: &str) -> bool {
        type_name == "EVENT" || self.base() == Some(type_name) || self.name() == type_name
    }

    /// The payload, exactly as the reference writes it.
    pub fn payload(&self) -> Vec<u8> {
        match self {
            Event::ProcessState { to, from, process, group, pid, tries, expected } => {
                let head =
                    format!("processname:{process} groupname:{group} from_state:{}", from.name());
                let tail = match to {
                    ProcessState::Starting | ProcessState::Backoff => format!(" tries:{tries}"),
                    ProcessState::Running | ProcessState::Stopping | ProcessState::Stopped => {
                        format!(" pid:{pid}")
                    }
                    ProcessState::Exited => format!(" expected:{} pid:{pid}", u8::from(*expected)),
                    ProcessState::Fatal | ProcessState::Unknown => String::new(),
                };
                format!("{head}{tail}").into_bytes()
            }
            Event::ProcessLog { stderr, process, group, pid, data } => {
                let channel = if *stderr { "stderr" } else { "stdout" };
                let mut out = format!(
                    "processname:{process} groupname:{group} pid:{pid} channel:{channel}\n"
                )
                .into_bytes();
                out.extend_from_slice(data);
                out
            }
            Event::ProcessCommunication { process, group, pid, data, .. } => {
                let mut out =
                    format!("processname:{process} groupname:{group} pid:{pid}\n").into_bytes();
                out.extend_from_slice(data);
                out
            }
            Event::RemoteCommunication { kind, data } => {
                format!("type:{kind}\n{data}").into_bytes()
            }
            Event::SupervisorRunning | Event::SupervisorStopping => Vec::new(),
            Event::Tick { when, .. } => format!("when:{when}").into_bytes(),
            Event::GroupAdded { group } | Event::GroupRemoved { group } => {
                format!("groupname:{group}\n").into_bytes()
            }
            Event::ProcessHealth { process, group, pid, failures, .. } => {
                format!("processname:{process} groupname:{group} pid:{pid} failures:{failures}")
                    .into_bytes()
            }
        }
    }
}

/// The bytes a listener reads for one event: the header line and the
/// payload. `len` counts bytes (the reference counts code points, quirk Q10;
/// the same for ASCII payloads).
pub fn envelope(server: &str, serial: u64, pool: &str, poolserial: u64, event: &Event) -> Vec<u8> {
    let payload = event.payload();
    let mut out = format!(
        "ver:3.0 server:{server} serial:{serial} pool:{pool} poolserial:{poolserial} eventname:{} len:{}\n",
        event.name(),
        payload.len()
    )
    .into_bytes();
    out.extend(payload);
    out
}

/// The ticks due when the wall clock moves from `last` to `now` (epoch
/// seconds): one per period whose boundary was crossed, shortest period
/// first, each carrying the boundary it crossed.
pub fn ticks(last: u64, now: u64) -> Vec<Event> {
    [5u64, 60, 3600]
        .iter()
        .filter(|&&p| now / p > last / p)
        .map(|&p| Event::Tick { period: p, when: now / p * p })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(to: ProcessState, from: ProcessState) -> Event {
        Event::ProcessState {
            to,
            from,
            process: "web".into(),
            group: "grp".into(),
            pid: 42,
            tries: 1,
            expected: true,
        }
    }

    #[test]
    fn payloads_like_the_reference() {
        use ProcessState as S;
        let cases: Vec<(Event, &str, &str)> = vec![
            (
                state(S::Starting, S::Stopped),
                "PROCESS_STATE_STARTING",
                "processname:web groupname:grp from_state:STOPPED tries:1",
            ),
            (
                state(S::Running, S::Starting),
                "PROCESS_STATE_RUNNING",
                "processname:web groupname:grp from_state:STARTING pid:42",
            ),
            (
                state(S::Backoff, S::Starting),
                "PROCESS_STATE_BACKOFF",
                "processname:web groupname:grp from_state:STARTING tries:1",
            ),
            (
                state(S::Stopping, S::Running),
                "PROCESS_STATE_STOPPING",
                "processname:web groupname:grp from_state:RUNNING pid:42",
            ),
            (
                state(S::Exited, S::Running),
                "PROCESS_STATE_EXITED",
                "processname:web groupname:grp from_state:RUNNING expected:1 pid:42",
            ),
            (
                state(S::Stopped, S::Stopping),
                "PROCESS_STATE_STOPPED",
                "processname:web groupname:grp from_state:STOPPING pid:42",
            ),
            (
                state(S::Fatal, S::Backoff),
                "PROCESS_STATE_FATAL",
                "processname:web groupname:grp from_state:BACKOFF",
            ),
            (
                state(S::Unknown, S::Running),
                "PROCESS_STATE_UNKNOWN",
                "processname:web groupname:grp from_state:RUNNING",
            ),
            (
                Event::ProcessLog {
                    stderr: true,
                    process: "a".into(),
                    group: "a".into(),
                    pid: 7,
                    data: b"oops\n".to_vec(),
                },
                "PROCESS_LOG_STDERR",
                "processname:a groupname:a pid:7 channel:stderr\noops\n",
            ),
            (
                Event::ProcessCommunication {
                    stderr: false,
                    process: "comm".into(),
                    group: "comm".into(),
                    pid: 9,
                    data: b"comm data here".to_vec(),
                },
                "PROCESS_COMMUNICATION_STDOUT",
                "processname:comm groupname:comm pid:9\ncomm data here",
            ),
            (
                Event::RemoteCommunication { kind: "mytype".into(), data: "mydata".into() },
                "REMOTE_COMMUNICATION",
                "type:mytype\nmydata",
            ),
            (Event::SupervisorRunning, "SUPERVISOR_STATE_CHANGE_RUNNING", ""),
            (Event::SupervisorStopping, "SUPERVISOR_STATE_CHANGE_STOPPING", ""),
            (Event::Tick { period: 5, when: 1_795_311_045 }, "TICK_5", "when:1795311045"),
            (Event::GroupAdded { group: "good".into() }, "PROCESS_GROUP_ADDED", "groupname:good\n"),
            (
                Event::GroupRemoved { group: "good".into() },
                "PROCESS_GROUP_REMOVED",
                "groupname:good\n",
            ),
        ];
        for (event, name, payload) in cases {
            assert_eq!(event.name(), name);
            assert_eq!(String::from_utf8_lossy(&event.payload()), payload, "{name}");
        }
    }

    #[test]
    fn envelopes_and_subscriptions() {
        let e = Event::GroupAdded { group: "comm".into() };
        assert_eq!(
            envelope("supervisor", 1, "lis", 1, &e),
            b"ver:3.0 server:supervisor serial:1 pool:lis poolserial:1 eventname:PROCESS_GROUP_ADDED len:15\ngroupname:comm\n"
        );
        let t = Event::Tick { period: 5, when: 1_795_311_045 };
        assert_eq!(
            envelope("supervisor", 11, "lis", 11, &t),
            b"ver:3.0 server:supervisor serial:11 pool:lis poolserial:11 eventname:TICK_5 len:15\nwhen:1795311045"
        );
        let s = state(ProcessState::Running, ProcessState::Starting);
        for (sub, want) in [
            ("EVENT", true),
            ("PROCESS_STATE", true),
            ("PROCESS_STATE_RUNNING", true),
            ("PROCESS_STATE_EXITED", false),
            ("TICK", false),
        ] {
            assert_eq!(s.matches(sub), want, "{sub}");
        }
        assert!(
            Event::RemoteCommunication { kind: "t".into(), data: String::new() }
                .matches("REMOTE_COMMUNICATION")
        );
    }

    #[test]
    fn tick_boundaries() {
        assert!(ticks(1000, 1004).is_empty());
        assert_eq!(ticks(1004, 1005), vec![Event::Tick { period: 5, when: 1005 }]);
        assert_eq!(
            ticks(1_795_311_059, 1_795_311_060),
            vec![
                Event::Tick { period: 5, when: 1_795_311_060 },
                Event::Tick { period: 60, when: 1_795_311_060 }
            ]
        );
        assert_eq!(ticks(3599, 3600).len(), 3);
    }
}
