//! The state machine as an explicit table: every state × every input,
//! with the state it leads to and what it asks the daemon to do. A
//! change to the machine shows here as a changed row (s6's approach:
//! the table is the specification, the test checks every cell).

use crate::process::{Effect, Phase, Process};
use crate::state::{ProcessState as S, WaitStatus};
use crate::tests::*;
use sv_config::checks::{Probe, ReadyCheck};
use sv_config::datatypes::AutoRestart;

/// What happens to a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Input {
    /// An operator starts it (`spawn`).
    Start,
    /// The child was forked.
    Spawned,
    /// The child could not be started.
    SpawnFailed,
    /// Time passes beyond every deadline (`transition`).
    Tick,
    /// An operator stops it.
    Stop,
    /// Its child exits with an expected code.
    ExitExpected,
    /// Its child exits with an unexpected code.
    ExitUnexpected,
    /// Its child is killed by a signal from outside.
    Killed,
    /// An operator sends it a signal.
    Signal,
    /// Its readiness check passed (with `ready_check=tcp:...`; the time is
    /// past `startsecs`, so a STARTING process becomes RUNNING).
    Ready,
}

pub(crate) const INPUTS: [Input; 10] = [
    Input::Start,
    Input::Spawned,
    Input::SpawnFailed,
    Input::Tick,
    Input::Stop,
    Input::ExitExpected,
    Input::ExitUnexpected,
    Input::Killed,
    Input::Signal,
    Input::Ready,
];

pub(crate) const STATES: [S; 8] =
    [S::Stopped, S::Starting, S::Running, S::Backoff, S::Stopping, S::Exited, S::Fatal, S::Unknown];

/// A process in `state` with the data that state has: a child in
/// STARTING, RUNNING, STOPPING and UNKNOWN; one failed start in
/// BACKOFF; an unexpected exit in EXITED.
pub(crate) fn in_state(state: S) -> Process {
    let mut c = cfg("p");
    c.autorestart = AutoRestart::Unexpected;
    let mut p = Process::new(c);
    p.laststart = Some(10_000);
    p.phase = match state {
        S::Stopped => Phase::Stopped { exitstatus: None, held: None },
        S::Starting => Phase::Starting { pid: Some(42) },
        S::Running => Phase::Running { pid: 42 },
        S::Unknown => Phase::Unknown { pid: 42 },
        S::Stopping => Phase::Stopping {
            pid: 42,
            kill_at: 20_000,
            waited: false,
            reported: None,
            then: crate::process::Then::Stop,
        },
        S::Backoff => {
            p.backoff = 1;
            Phase::Backoff { retry_at: 11_000 }
        }
        S::Exited => Phase::Exited { exitstatus: 1 },
        S::Fatal => Phase::Fatal,
    };
    match state {
        S::Stopped | S::Fatal => p.laststart = None,
        _ => {}
    }
    p
}

/// The state after `input`, and the kinds of effect it produced
/// (`spawn`, `kill N`, `signal N`, `error`), at a time past every
/// deadline.
pub(crate) fn apply(state: S, input: Input) -> (S, Vec<String>) {
    let mut p = in_state(state);
    let now = t(100_000);
    let mut fx = Vec::new();
    let mut out = Vec::new();
    match input {
        Input::Start => p.spawn(now, &mut fx),
        Input::Spawned => p.spawned(43, &mut fx),
        Input::SpawnFailed => p.spawn_failed("nope".into(), now, &mut fx),
        Input::Tick => p.transition(now, RUN, &mut fx),
        Input::Stop => {
            if p.stop(now, &mut fx).is_err() {
                out.push("error".to_owned());
            }
        }
        Input::ExitExpected | Input::ExitUnexpected | Input::Killed => {
            let status = match input {
                Input::ExitExpected => WaitStatus::Exited(0),
                Input::ExitUnexpected => WaitStatus::Exited(1),
                _ => WaitStatus::Signaled(9, false),
            };
            if p.pid().is_some() {
                p.finish(status, now, &mut fx);
            } else {
                out.push("no child".to_owned());
            }
        }
        Input::Signal => {
            if p.signal(1, &mut fx).is_err() {
                out.push("error".to_owned());
            }
        }
        Input::Ready => {
            let checks =
                std::sync::Arc::make_mut(&mut std::sync::Arc::make_mut(&mut p.config).checks);
            checks.ready_check = ReadyCheck::Probe(Probe::Tcp { host: "h".into(), port: 1 });
            p.mark_ready();
            p.transition(now, RUN, &mut fx);
        }
    }
    for e in &fx {
        match e {
            Effect::Spawn => out.push("spawn".into()),
            Effect::Kill { sig, .. } => out.push(format!("kill {sig}")),
            Effect::Signal { sig, .. } => out.push(format!("signal {sig}")),
            _ => {}
        }
    }
    (p.state(), out)
}

/// (state, input, next state, effects). Forks are reported only after
/// a `spawn` effect, so `Spawned` and `SpawnFailed` happen in STARTING
/// alone; their rows for other states only pin down that nothing
/// breaks. "no child": the daemon reaps by pid, so an exit never
/// reaches a process without one; "error": the call is refused.
#[rustfmt::skip]
const TABLE: &[(S, Input, S, &[&str])] = &[
(S::Stopped, Input::Start, S::Starting, &["spawn"]),
(S::Stopped, Input::Spawned, S::Stopped, &[]),
(S::Stopped, Input::SpawnFailed, S::Backoff, &[]),
(S::Stopped, Input::Tick, S::Starting, &["spawn"]),
(S::Stopped, Input::Stop, S::Stopped, &["error"]),
(S::Stopped, Input::ExitExpected, S::Stopped, &["no child"]),
(S::Stopped, Input::ExitUnexpected, S::Stopped, &["no child"]),
(S::Stopped, Input::Killed, S::Stopped, &["no child"]),
(S::Stopped, Input::Signal, S::Stopped, &["error"]),
(S::Starting, Input::Start, S::Starting, &[]),
(S::Starting, Input::Spawned, S::Starting, &[]),
(S::Starting, Input::SpawnFailed, S::Backoff, &[]),
(S::Starting, Input::Tick, S::Running, &[]),
(S::Starting, Input::Stop, S::Stopping, &["kill 15"]),
(S::Starting, Input::ExitExpected, S::Exited, &[]),
(S::Starting, Input::ExitUnexpected, S::Exited, &[]),
(S::Starting, Input::Killed, S::Exited, &[]),
(S::Starting, Input::Signal, S::Starting, &["signal 1"]),
(S::Running, Input::Start, S::Running, &[]),
(S::Running, Input::Spawned, S::Running, &[]),
(S::Running, Input::SpawnFailed, S::Backoff, &[]),
(S::Running, Input::Tick, S::Running, &[]),
(S::Running, Input::Stop, S::Stopping, &["kill 15"]),
(S::Running, Input::ExitExpected, S::Exited, &[]),
(S::Running, Input::ExitUnexpected, S::Exited, &[]),
(S::Running, Input::Killed, S::Exited, &[]),
(S::Running, Input::Signal, S::Running, &["signal 1"]),
(S::Backoff, Input::Start, S::Starting, &["spawn"]),
(S::Backoff, Input::Spawned, S::Backoff, &[]),
(S::Backoff, Input::SpawnFailed, S::Backoff, &[]),
(S::Backoff, Input::Tick, S::Starting, &["spawn"]),
(S::Backoff, Input::Stop, S::Stopped, &[]),
(S::Backoff, Input::ExitExpected, S::Backoff, &["no child"]),
(S::Backoff, Input::ExitUnexpected, S::Backoff, &["no child"]),
(S::Backoff, Input::Killed, S::Backoff, &["no child"]),
(S::Backoff, Input::Signal, S::Backoff, &["error"]),
(S::Stopping, Input::Start, S::Stopping, &[]),
(S::Stopping, Input::Spawned, S::Stopping, &[]),
(S::Stopping, Input::SpawnFailed, S::Backoff, &[]),
(S::Stopping, Input::Tick, S::Stopping, &["kill 9"]),
(S::Stopping, Input::Stop, S::Stopping, &["kill 15"]),
(S::Stopping, Input::ExitExpected, S::Stopped, &[]),
(S::Stopping, Input::ExitUnexpected, S::Stopped, &[]),
(S::Stopping, Input::Killed, S::Stopped, &[]),
(S::Stopping, Input::Signal, S::Stopping, &["signal 1"]),
(S::Exited, Input::Start, S::Starting, &["spawn"]),
(S::Exited, Input::Spawned, S::Exited, &[]),
(S::Exited, Input::SpawnFailed, S::Backoff, &[]),
(S::Exited, Input::Tick, S::Starting, &["spawn"]),
(S::Exited, Input::Stop, S::Exited, &["error"]),
(S::Exited, Input::ExitExpected, S::Exited, &["no child"]),
(S::Exited, Input::ExitUnexpected, S::Exited, &["no child"]),
(S::Exited, Input::Killed, S::Exited, &["no child"]),
(S::Exited, Input::Signal, S::Exited, &["error"]),
(S::Fatal, Input::Start, S::Starting, &["spawn"]),
(S::Fatal, Input::Spawned, S::Fatal, &[]),
(S::Fatal, Input::SpawnFailed, S::Backoff, &[]),
(S::Fatal, Input::Tick, S::Fatal, &[]),
(S::Fatal, Input::Stop, S::Fatal, &["error"]),
(S::Fatal, Input::ExitExpected, S::Fatal, &["no child"]),
(S::Fatal, Input::ExitUnexpected, S::Fatal, &["no child"]),
(S::Fatal, Input::Killed, S::Fatal, &["no child"]),
(S::Fatal, Input::Signal, S::Fatal, &["error"]),
(S::Unknown, Input::Start, S::Unknown, &[]),
(S::Unknown, Input::Spawned, S::Unknown, &[]),
(S::Unknown, Input::SpawnFailed, S::Backoff, &[]),
(S::Unknown, Input::Tick, S::Unknown, &[]),
(S::Unknown, Input::Stop, S::Stopping, &["kill 15"]),
(S::Unknown, Input::ExitExpected, S::Exited, &[]),
(S::Unknown, Input::ExitUnexpected, S::Exited, &[]),
(S::Unknown, Input::Killed, S::Exited, &[]),
(S::Unknown, Input::Signal, S::Unknown, &["signal 1"]),
(S::Stopped, Input::Ready, S::Starting, &["spawn"]),
(S::Starting, Input::Ready, S::Running, &[]),
(S::Running, Input::Ready, S::Running, &[]),
(S::Backoff, Input::Ready, S::Starting, &["spawn"]),
(S::Stopping, Input::Ready, S::Stopping, &["kill 9"]),
(S::Exited, Input::Ready, S::Starting, &["spawn"]),
(S::Fatal, Input::Ready, S::Fatal, &[]),
(S::Unknown, Input::Ready, S::Unknown, &[]),
];

#[test]
fn every_state_and_input_is_in_the_table() {
    assert_eq!(TABLE.len(), STATES.len() * INPUTS.len());
    for s in STATES {
        for i in INPUTS {
            let row = TABLE
                .iter()
                .find(|r| r.0 == s && r.1 == i)
                .unwrap_or_else(|| panic!("no row for {s:?} x {i:?}"));
            let (to, fx) = apply(s, i);
            assert_eq!(
                (to, fx.as_slice()),
                (row.2, &row.3.iter().map(|x| x.to_string()).collect::<Vec<_>>()[..]),
                "{s:?} x {i:?}"
            );
        }
    }
}
