//! Table-driven tests of the state machine: every transition, with the exact
//! log lines the reference writes.

use std::time::Duration;

use sv_config::datatypes::{AutoRestart, LogFile};
use sv_config::{GroupConfig, GroupKind, LogLevel, ProcessConfig, StreamConfig};

use crate::process::{Effect, NoChild, Now, Process};
use crate::state::{ProcessState as S, SupervisorState, WaitStatus};
use crate::supervisor::{ProcId, Supervisor};

pub(crate) fn stream() -> StreamConfig {
    StreamConfig {
        logfile: LogFile::None,
        logfile_maxbytes: 0,
        logfile_backups: 0,
        capture_maxbytes: 0,
        events_enabled: false,
        syslog: false,
        timestamped: LogFile::None,
    }
}

pub(crate) fn cfg(name: &str) -> ProcessConfig {
    ProcessConfig {
        name: name.into(),
        group: name.into(),
        section: format!("program:{name}"),
        process_num: 0,
        command: "/bin/true".into(),
        directory: None,
        umask: None,
        priority: 999,
        autostart: true,
        autorestart: AutoRestart::Unexpected,
        startsecs: Duration::from_secs(1),
        startretries: 3,
        uid: None,
        stdout: stream(),
        stderr: stream(),
        stopsignal: sv_config::datatypes::Signal::TERM,
        stopwaitsecs: Duration::from_secs(10),
        stopasgroup: false,
        killasgroup: false,
        exitcodes: vec![0],
        redirect_stderr: false,
        environment: vec![],
        serverurl: None,
        essential: false,
        forward_output: true,
        timestamp_format: Default::default(),
        checks: Default::default(),
    }
}

pub(crate) const RUN: SupervisorState = SupervisorState::Running;

pub(crate) fn t(ms: u64) -> Now {
    Now::at_ms(ms)
}

pub(crate) fn logs(fx: &[Effect]) -> Vec<String> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Log(l, m) => Some(format!("{} {m}", l.tag())),
            _ => None,
        })
        .collect()
}

pub(crate) fn states(fx: &[Effect]) -> Vec<(S, S)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::StateChanged { from, to, .. } => Some((*from, *to)),
            _ => None,
        })
        .collect()
}

/// Spawns with pid 42 at `ms`.
pub(crate) fn start(p: &mut Process, ms: u64, fx: &mut Vec<Effect>) {
    p.transition(t(ms), RUN, fx);
    assert!(fx.contains(&Effect::Spawn));
    p.spawned(42, fx);
}

#[test]
fn autostart_spawns_then_running_strictly_after_startsecs() {
    let mut p = Process::new(cfg("web"));
    let mut fx = Vec::new();
    start(&mut p, 0, &mut fx);
    assert_eq!(p.state(), S::Starting);
    assert_eq!(logs(&fx), ["INFO spawned: 'web' with pid 42"]);
    let mut fx = Vec::new();
    p.transition(t(1000), RUN, &mut fx);
    assert_eq!(p.state(), S::Starting, "== startsecs is not enough");
    p.transition(t(1001), RUN, &mut fx);
    assert_eq!(p.state(), S::Running);
    assert_eq!(
        logs(&fx),
        [
            "INFO success: web entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)"
        ]
    );
    assert_eq!(p.next_deadline(RUN), None, "nothing due while RUNNING");
}

#[test]
fn autostart_false_and_not_running_mood_do_not_spawn() {
    let mut c = cfg("a");
    c.autostart = false;
    let mut p = Process::new(c);
    let mut fx = Vec::new();
    p.transition(t(0), RUN, &mut fx);
    assert!(fx.is_empty());
    assert_eq!(p.next_deadline(RUN), None);
    let mut p = Process::new(cfg("b"));
    p.transition(t(0), SupervisorState::Shutdown, &mut fx);
    assert!(fx.is_empty());
}

#[test]
fn exit_handling_table() {
    // (startsecs, ran ms, status, autorestart, exitcodes) -> (state, log, restarts?)
    type Row = (u64, u64, WaitStatus, AutoRestart, &'static [i32], S, &'static str, bool);
    let rows: &[Row] = &[
        (
            1,
            500,
            WaitStatus::Exited(0),
            AutoRestart::Unexpected,
            &[0],
            S::Backoff,
            "WARN exited: x (exit status 0; not expected)",
            true,
        ),
        (
            1,
            2000,
            WaitStatus::Exited(0),
            AutoRestart::Unexpected,
            &[0],
            S::Exited,
            "INFO exited: x (exit status 0; expected)",
            false,
        ),
        (
            1,
            2000,
            WaitStatus::Exited(1),
            AutoRestart::Unexpected,
            &[0],
            S::Exited,
            "WARN exited: x (exit status 1; not expected)",
            true,
        ),
        (
            1,
            2000,
            WaitStatus::Exited(2),
            AutoRestart::Unexpected,
            &[0, 2],
            S::Exited,
            "INFO exited: x (exit status 2; expected)",
            false,
        ),
        (
            1,
            2000,
            WaitStatus::Exited(0),
            AutoRestart::Always,
            &[0],
            S::Exited,
            "INFO exited: x (exit status 0; expected)",
            true,
        ),
        (
            1,
            2000,
            WaitStatus::Exited(1),
            AutoRestart::Never,
            &[0],
            S::Exited,
            "WARN exited: x (exit status 1; not expected)",
            false,
        ),
        (
            1,
            2000,
            WaitStatus::Signaled(9, false),
            AutoRestart::Unexpected,
            &[0],
            S::Exited,
            "WARN exited: x (terminated by SIGKILL; not expected)",
            true,
        ),
        (
            0,
            0,
            WaitStatus::Exited(0),
            AutoRestart::Never,
            &[0],
            S::Exited,
            "INFO exited: x (exit status 0; expected)",
            false,
        ),
    ];
    for (i, (startsecs, ran, status, ar, codes, want_state, want_log, restarts)) in
        rows.iter().enumerate()
    {
        let mut c = cfg("x");
        c.startsecs = Duration::from_secs(*startsecs);
        c.autorestart = *ar;
        c.exitcodes = codes.to_vec();
        let mut p = Process::new(c);
        let mut fx = Vec::new();
        start(&mut p, 0, &mut fx);
        if *ran > *startsecs * 1000 {
            p.transition(t(*ran - 1), RUN, &mut fx);
        }
        let mut fx = Vec::new();
        p.finish(*status, t(*ran), &mut fx);
        assert_eq!(p.state(), *want_state, "row {i}");
        assert_eq!(logs(&fx).last().map(String::as_str), Some(*want_log), "row {i}");
        assert_eq!(p.pid(), None, "row {i}");
        let mut fx = Vec::new();
        p.transition(t(*ran + 5000), RUN, &mut fx);
        assert_eq!(fx.contains(&Effect::Spawn), *restarts, "row {i}: restart");
    }
}

#[test]
fn startsecs_zero_exit_goes_through_running_silently() {
    let mut c = cfg("q");
    c.startsecs = Duration::ZERO;
    let mut p = Process::new(c);
    let mut fx = Vec::new();
    start(&mut p, 0, &mut fx);
    let mut fx = Vec::new();
    p.finish(WaitStatus::Exited(0), t(0), &mut fx);
    assert_eq!(states(&fx), [(S::Starting, S::Running), (S::Running, S::Exited)]);
}

#[test]
fn backoff_delays_grow_then_fatal() {
    let mut c = cfg("crash");
    c.startretries = 2;
    let mut p = Process::new(c);
    let mut all = Vec::new();
    let mut now = 0;
    let mut spawn_times = Vec::new();
    // Exits at once every time; retried after 1 s, then 2 s, then gives up.
    for _ in 0..50 {
        let mut fx = Vec::new();
        p.transition(t(now), RUN, &mut fx);
        if fx.contains(&Effect::Spawn) {
            spawn_times.push(now);
            p.spawned(100, &mut fx);
            p.finish(WaitStatus::Exited(1), t(now + 10), &mut fx);
        }
        all.extend(fx);
        if p.state() == S::Fatal {
            break;
        }
        now += 100;
    }
    // Exit at +10 ms; retry strictly after exit + 1 s, then after exit + 2 s.
    assert_eq!(spawn_times, [0, 1100, 3200]);
    assert_eq!(p.state(), S::Fatal);
    let l = logs(&all);
    assert_eq!(
        l.iter().filter(|m| m.contains("exited: crash (exit status 1; not expected)")).count(),
        3
    );
    assert_eq!(
        l.last().unwrap(),
        "INFO gave up: crash entered FATAL state, too many start retries too quickly"
    );
    assert_eq!(
        states(&all),
        [
            (S::Stopped, S::Starting),
            (S::Starting, S::Backoff),
            (S::Backoff, S::Starting),
            (S::Starting, S::Backoff),
            (S::Backoff, S::Starting),
            (S::Starting, S::Backoff),
            (S::Backoff, S::Fatal),
        ]
    );
    assert_eq!(p.spawnerr.as_deref(), Some("Exited too quickly (process log may have details)"));
}

#[test]
fn spawn_error_backoff_path() {
    let mut c = cfg("nocmd");
    c.startretries = 0;
    let mut p = Process::new(c);
    let mut fx = Vec::new();
    p.transition(t(0), RUN, &mut fx);
    p.spawn_failed("can't find command 'nope'".into(), t(0), &mut fx);
    assert_eq!(p.state(), S::Backoff);
    assert_eq!(p.next_deadline(RUN), Some(0), "gives up at the next transition");
    p.transition(t(1), RUN, &mut fx);
    assert_eq!(p.state(), S::Fatal);
    assert_eq!(
        logs(&fx),
        [
            "INFO spawnerr: can't find command 'nope'",
            "INFO gave up: nocmd entered FATAL state, too many start retries too quickly"
        ]
    );
}

#[test]
fn stop_then_sigkill_escalation() {
    let mut c = cfg("stub");
    c.stopwaitsecs = Duration::from_secs(2);
    c.stopasgroup = true;
    c.killasgroup = true;
    let mut p = Process::new(c);
    let mut fx = Vec::new();
    start(&mut p, 0, &mut fx);
    p.transition(t(1500), RUN, &mut fx);
    let mut fx = Vec::new();
    p.stop(t(2000), &mut fx).unwrap();
    assert_eq!(p.state(), S::Stopping);
    assert!(fx.contains(&Effect::Kill { pid: 42, sig: 15, group: true }));
    assert_eq!(logs(&fx), ["DEBG killing stub (pid 42) process group with signal SIGTERM"]);
    assert_eq!(p.next_deadline(RUN), Some(4000));
    let mut fx = Vec::new();
    p.transition(t(3999), RUN, &mut fx);
    assert!(fx.is_empty());
    p.transition(t(4000), RUN, &mut fx);
    assert!(fx.contains(&Effect::Kill { pid: 42, sig: 9, group: true }));
    assert_eq!(
        logs(&fx),
        [
            "WARN killing 'stub' (42) with SIGKILL",
            "DEBG killing stub (pid 42) process group with signal SIGKILL"
        ]
    );
    assert!(states(&fx).is_empty(), "no second STOPPING event");
    let mut fx = Vec::new();
    p.finish(WaitStatus::Signaled(9, false), t(4010), &mut fx);
    assert_eq!(p.state(), S::Stopped);
    assert_eq!(logs(&fx), ["WARN stopped: stub (terminated by SIGKILL)"]);
    let mut fx = Vec::new();
    p.transition(t(9000), RUN, &mut fx);
    assert!(fx.is_empty(), "a stopped process stays stopped");
}

#[test]
fn stop_with_expected_exit_logs_info_and_only_pid_without_group() {
    let mut p = Process::new(cfg("svc"));
    let mut fx = Vec::new();
    start(&mut p, 0, &mut fx);
    let mut fx = Vec::new();
    p.stop(t(100), &mut fx).unwrap();
    assert!(fx.contains(&Effect::Kill { pid: 42, sig: 15, group: false }));
    let mut fx = Vec::new();
    p.finish(WaitStatus::Exited(0), t(200), &mut fx);
    assert_eq!(logs(&fx), ["INFO stopped: svc (exit status 0)"]);
}

#[test]
fn stop_in_backoff_and_when_not_running() {
    let mut p = Process::new(cfg("b"));
    let mut fx = Vec::new();
    p.transition(t(0), RUN, &mut fx);
    p.spawn_failed("x".into(), t(0), &mut fx);
    let mut fx = Vec::new();
    assert_eq!(p.stop(t(10), &mut fx), Ok(()));
    assert_eq!(p.state(), S::Stopped);
    assert_eq!(logs(&fx), ["DEBG Attempted to kill b, which is in BACKOFF state."]);
    let mut fx = Vec::new();
    assert_eq!(
        p.stop(t(20), &mut fx),
        Err(NoChild("attempted to kill b with sig SIGTERM but it wasn't running".into()))
    );
    assert_eq!(
        p.signal(1, &mut fx),
        Err(NoChild("attempted to send b sig SIGHUP but it wasn't running".into()))
    );
}

#[test]
fn kill_failures() {
    let mut p = Process::new(cfg("k"));
    let mut fx = Vec::new();
    start(&mut p, 0, &mut fx);
    p.stop(t(10), &mut fx).unwrap();
    let mut fx = Vec::new();
    p.kill_failed(true, "No such process", &mut fx);
    assert_eq!(p.state(), S::Stopping);
    assert_eq!(
        logs(&fx),
        ["DEBG unable to signal k (pid 42), it probably just exited on its own: No such process"]
    );
    p.kill_failed(false, "EPERM", &mut fx);
    assert_eq!(p.state(), S::Unknown);
}

#[test]
fn signal_and_already_running() {
    let mut p = Process::new(cfg("s"));
    let mut fx = Vec::new();
    start(&mut p, 0, &mut fx);
    let mut fx = Vec::new();
    p.signal(10, &mut fx).unwrap();
    assert_eq!(fx.last(), Some(&Effect::Signal { pid: 42, sig: 10 }));
    assert_eq!(logs(&fx), ["DEBG sending s (pid 42) sig SIGUSR1"]);
    let mut fx = Vec::new();
    p.spawn(t(5), &mut fx);
    assert_eq!(logs(&fx), ["WARN process 's' already running"]);
    assert_eq!(p.state(), S::Starting);
}

#[test]
fn running_exit_resets_backoff_and_restarts_forever() {
    let mut c = cfg("flap");
    c.autorestart = AutoRestart::Always;
    c.startretries = 0;
    let mut p = Process::new(c);
    let mut now = 0;
    for _ in 0..5 {
        let mut fx = Vec::new();
        p.transition(t(now), RUN, &mut fx);
        assert!(fx.contains(&Effect::Spawn));
        p.spawned(7, &mut fx);
        p.transition(t(now + 1001), RUN, &mut fx);
        assert_eq!(p.state(), S::Running);
        p.finish(WaitStatus::Exited(3), t(now + 1500), &mut fx);
        assert_eq!(p.backoff, 0);
        now += 2000;
    }
}

pub(crate) fn group(name: &str, priority: i64, procs: &[(&str, i64)]) -> GroupConfig {
    GroupConfig {
        name: name.into(),
        priority,
        kind: GroupKind::Program,
        processes: procs
            .iter()
            .map(|(n, p)| {
                let mut c = cfg(n);
                c.group = name.into();
                c.priority = *p;
                c.into()
            })
            .collect(),
    }
}

#[test]
fn start_order_follows_group_priority_then_member_order() {
    let mut s = Supervisor::new(vec![
        group("alpha", 500, &[("alpha", 500)]),
        group("g", 200, &[("gx", 50), ("gy", 10)]),
        group("zeta", 1, &[("zeta", 1)]),
    ]);
    let mut fx = Vec::new();
    s.transition(t(0), &mut fx);
    let order: Vec<&str> = fx
        .iter()
        .filter(|(_, e)| *e == Effect::Spawn)
        .map(|(id, _)| s.process(*id).config.name.as_str())
        .collect();
    assert_eq!(order, ["zeta", "gx", "gy", "alpha"]);
}

#[test]
fn shutdown_stops_groups_one_at_a_time_in_descending_priority() {
    let mut s = Supervisor::new(vec![
        group("low", 1, &[("low", 1)]),
        group("high", 500, &[("h1", 5), ("h2", 9)]),
    ]);
    let mut fx = Vec::new();
    s.transition(t(0), &mut fx);
    let mut pid = 10;
    for id in s.ids() {
        pid += 1;
        let mut out = Vec::new();
        s.process_mut(id).spawned(pid, &mut out);
    }
    s.mood = SupervisorState::Shutdown;
    let mut fx = Vec::new();
    let mut log = Vec::new();
    assert!(s.shutdown_step(t(100), &mut fx, &mut log));
    let kills: Vec<&str> = fx
        .iter()
        .filter(|(_, e)| matches!(e, Effect::Kill { .. }))
        .map(|(id, _)| s.process(*id).config.name.as_str())
        .collect();
    assert_eq!(kills, ["h2", "h1"], "only the high group, descending priority");
    assert_eq!(log[0], (LogLevel::Info, "waiting for low, h1, h2 to die".to_owned()));
    // h1 and h2 die; the next step signals the low group.
    let mut fx = Vec::new();
    for name in ["h1", "h2"] {
        let id = s.ids().into_iter().find(|&i| s.process(i).config.name == name).unwrap();
        let pid = s.process(id).pid().unwrap_or(0);
        assert!(s.reaped(pid, WaitStatus::Signaled(15, false), t(200), &mut fx));
    }
    let mut fx = Vec::new();
    assert!(s.shutdown_step(t(300), &mut fx, &mut log));
    assert!(matches!(
        fx.as_slice(),
        [
            (ProcId { group: 0, process: 0 }, Effect::Log(..)),
            (_, Effect::StateChanged { .. }),
            (_, Effect::Kill { .. })
        ]
    ));
    let low_pid = s.process(ProcId { group: 0, process: 0 }).pid().unwrap_or(0);
    s.reaped(low_pid, WaitStatus::Exited(0), t(400), &mut fx);
    assert!(!s.shutdown_step(t(500), &mut fx, &mut log), "all stopped");
}

#[test]
fn reaping_an_unknown_pid() {
    let mut s = Supervisor::new(Vec::<GroupConfig>::new());
    let mut fx = Vec::new();
    assert!(!s.reaped(999, WaitStatus::Exited(0), t(0), &mut fx));
    assert_eq!(
        Supervisor::unknown_pid_message(999, WaitStatus::Exited(0)),
        "reaped unknown pid 999 (exit status 0)"
    );
}

#[test]
fn idle_supervisor_has_no_deadline() {
    let mut s = Supervisor::new(vec![group("a", 1, &[("a", 1)])]);
    assert_eq!(s.next_deadline(), Some(0), "autostart is due now");
    let mut fx = Vec::new();
    s.transition(t(0), &mut fx);
    let id = ProcId { group: 0, process: 0 };
    s.process_mut(id).spawned(5, &mut Vec::new());
    assert_eq!(s.next_deadline(), Some(1001));
    s.transition(t(1001), &mut fx);
    assert_eq!(s.process(id).state(), S::Running);
    assert_eq!(s.next_deadline(), None, "no timer armed while idle");
}

mod arithmetic {
    //! Property tests of the time arithmetic: whatever the durations (the
    //! whole accepted range and beyond it) and however late the clock, the
    //! state machine never panics or wraps (debug builds trap on overflow),
    //! and each deadline it sets is exactly "now plus the duration",
    //! saturated.
    use super::*;
    use crate::process::ms;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn durations_never_overflow(
            startsecs in prop_oneof![1u64..5, 0..=u64::from(u32::MAX), any::<u64>()],
            stopwaitsecs in prop_oneof![0u64..5, 0..=u64::from(u32::MAX), any::<u64>()],
            startretries in prop_oneof![0i64..5, any::<i64>()],
            start in prop_oneof![0u64..10_000, any::<u64>()],
            steps in proptest::collection::vec((0u64..u64::MAX / 4, 0u8..4), 1..12),
        ) {
            let mut c = cfg("p");
            c.startsecs = Duration::from_secs(startsecs);
            c.stopwaitsecs = Duration::from_secs(stopwaitsecs);
            c.startretries = startretries;
            let mut p = Process::new(c);
            let mut now = start;
            for (dt, action) in steps {
                now = now.saturating_add(dt);
                let mut fx = Vec::new();
                match action {
                    0 => {
                        p.transition(t(now), RUN, &mut fx);
                        if fx.contains(&Effect::Spawn) {
                            p.spawned(42, &mut fx);
                            if startsecs > 0 && p.state() == S::Starting {
                                let want = now
                                    .saturating_add(ms(Duration::from_secs(startsecs)))
                                    .saturating_add(1);
                                prop_assert_eq!(p.next_deadline(RUN), Some(want));
                            }
                        }
                    }
                    1 => {
                        if p.stop(t(now), &mut fx).is_ok() && p.state() == S::Stopping {
                            let want = now.saturating_add(ms(Duration::from_secs(stopwaitsecs)));
                            prop_assert_eq!(p.next_deadline(RUN), Some(want));
                        }
                    }
                    2 => {
                        if p.pid().is_some() {
                            p.finish(WaitStatus::Exited(1), t(now), &mut fx);
                        }
                    }
                    _ => p.transition(t(now), RUN, &mut fx),
                }
                if p.state() == S::Backoff && p.backoff <= startretries {
                    // The retry waits `backoff` seconds after the failure.
                    prop_assert!(p.next_deadline(RUN).is_some_and(|d| Some(d) >= p.phase().deadline()));
                }
            }
        }
    }
}

/// A program that keeps exiting at once restarts at once the first time,
/// then one second after its previous start (the reference's rate); one
/// killed from outside, or that ran a second, restarts at once every time.
#[test]
fn restart_rate_of_programs_that_exit_at_once() {
    let mut c = cfg("false");
    c.startsecs = Duration::ZERO;
    c.autorestart = AutoRestart::Always;
    let mut p = Process::new(c.clone());
    let mut fx = Vec::new();
    let run = |p: &mut Process, at: u64, pid: u32| {
        let mut fx = Vec::new();
        p.transition(t(at), RUN, &mut fx);
        let spawned = fx.contains(&Effect::Spawn);
        if spawned {
            p.spawned(pid, &mut fx);
            p.transition(t(at), RUN, &mut fx);
        }
        spawned
    };
    assert!(run(&mut p, 0, 1));
    p.finish(WaitStatus::Exited(1), t(2), &mut fx);
    assert!(run(&mut p, 2, 2), "the first quick exit restarts at once");
    p.finish(WaitStatus::Exited(1), t(4), &mut fx);
    assert!(!run(&mut p, 4, 3), "the second waits");
    assert_eq!(p.next_deadline(RUN), Some(1002), "one second after the previous start");
    assert!(!run(&mut p, 1001, 3));
    assert!(run(&mut p, 1002, 3));
    p.finish(WaitStatus::Signaled(11, true), t(1005), &mut fx);
    assert!(!run(&mut p, 1005, 4), "a crash signal at once counts as exiting at once");
    assert!(run(&mut p, 2002, 4));
    // Ran for a second: at once again.
    p.finish(WaitStatus::Exited(1), t(3002), &mut fx);
    assert!(run(&mut p, 3002, 5));

    // Killed from outside 60 ms after each start: at once, every time.
    let mut p = Process::new(c);
    assert!(run(&mut p, 0, 1));
    let mut at = 0;
    for pid in 2..30 {
        at += 60;
        p.finish(WaitStatus::Signaled(9, false), t(at), &mut fx);
        assert!(run(&mut p, at, pid), "respawn {pid} at once");
    }
}

#[test]
fn stats_count_starts_restarts_and_exits() {
    use crate::process::{RestartReason, Stats};
    let mut p = Process::new(cfg("web"));
    let mut fx = Vec::new();
    start(&mut p, 0, &mut fx);
    p.transition(t(1001), RUN, &mut fx);
    // Killed three times from RUNNING: three unexpected exits, three
    // restarts for "exit".
    let mut now = 2000;
    for _ in 0..3 {
        p.finish(WaitStatus::Signaled(9, false), t(now), &mut fx);
        p.transition(t(now + 1), RUN, &mut fx);
        p.spawned(43, &mut fx);
        p.transition(t(now + 1100), RUN, &mut fx);
        assert_eq!(p.state(), S::Running);
        now += 2000;
    }
    assert_eq!(p.stats, Stats { starts: 4, restarts: [3, 0, 0, 0], exits: [0, 3] });
    // A failed start is retried: a "backoff" restart; the exit during
    // STARTING is unexpected.
    p.finish(WaitStatus::Exited(0), t(now), &mut fx);
    assert_eq!(p.stats.exits, [1, 3], "exit 0 is expected");
    p.transition(t(now + 1), RUN, &mut fx);
    assert_eq!(p.state(), S::Exited, "and not restarted");
    p.spawn(t(now + 1), &mut fx);
    p.spawned(44, &mut fx);
    p.finish(WaitStatus::Exited(1), t(now + 10), &mut fx);
    assert_eq!(p.state(), S::Backoff);
    p.transition(t(now + 2000), RUN, &mut fx);
    assert_eq!(p.stats.restarts, [3, 1, 0, 0], "an operator's start is not a restart");
    assert_eq!(p.stats.exits, [1, 4]);
    // The daemon's cause wins over the default reason, once.
    p.spawned(45, &mut fx);
    p.transition(t(now + 4000), RUN, &mut fx);
    p.restart_cause = Some(RestartReason::Watchdog);
    p.finish(WaitStatus::Signaled(6, false), t(now + 5000), &mut fx);
    p.transition(t(now + 5001), RUN, &mut fx);
    assert_eq!(p.stats.restarts, [3, 1, 0, 1]);
    assert_eq!(p.restart_cause, None);
    // An operator's stop is not an exit.
    p.spawned(46, &mut fx);
    p.stop(t(now + 6000), &mut fx).unwrap();
    p.finish(WaitStatus::Signaled(15, false), t(now + 6001), &mut fx);
    assert_eq!(p.stats.exits, [1, 5], "only the watchdog's kill counted");
    assert_eq!(p.stats.starts, 7);
}
