//! Readiness, health and dependencies in the pure model, with exact times
//! and log lines.

use std::time::Duration;

use sv_config::checks::{
    Binding, Condition, Dependency, HealthAction, HealthCheck, Probe, ReadyCheck, Target,
};

use crate::process::{Deps, Effect, HealthState, Held, Process};
use crate::state::{ProcessState as S, WaitStatus};
use crate::supervisor::{ProcId, Supervisor};
use crate::tests::{RUN, cfg, group, logs, start, states, t};

fn ready_cfg(timeout: u64) -> sv_config::ProcessConfig {
    let mut c = cfg("db");
    let checks = std::sync::Arc::make_mut(&mut c.checks);
    checks.ready_check = ReadyCheck::Probe(Probe::Tcp { host: "127.0.0.1".into(), port: 5 });
    checks.ready_timeout = Some(Duration::from_secs(timeout));
    c
}

#[test]
fn ready_gates_running_and_startsecs_still_counts() {
    let mut p = Process::new(ready_cfg(10));
    let mut fx = Vec::new();
    start(&mut p, 0, &mut fx);
    assert_eq!(p.next_deadline(RUN), Some(10_000), "only the ready deadline while not ready");
    let mut fx = Vec::new();
    p.transition(t(3000), RUN, &mut fx);
    assert_eq!((p.state(), fx.len()), (S::Starting, 0), "up for startsecs, not ready");
    p.mark_ready();
    p.transition(t(3001), RUN, &mut fx);
    assert_eq!(p.state(), S::Running);
    assert_eq!(
        logs(&fx),
        ["INFO success: db entered RUNNING state, process is ready (tcp:127.0.0.1:5)"]
    );
    // Ready at once: RUNNING only after startsecs all the same.
    let mut p = Process::new(ready_cfg(10));
    let mut fx = Vec::new();
    start(&mut p, 0, &mut fx);
    p.mark_ready();
    p.transition(t(500), RUN, &mut fx);
    assert_eq!(p.state(), S::Starting);
    assert_eq!(p.next_deadline(RUN), Some(1001));
    p.transition(t(1001), RUN, &mut fx);
    assert_eq!(p.state(), S::Running);
}

#[test]
fn not_ready_in_time_is_a_failed_start() {
    let mut c = ready_cfg(2);
    c.startretries = 1;
    let mut p = Process::new(c);
    let mut fx = Vec::new();
    start(&mut p, 0, &mut fx);
    let mut fx = Vec::new();
    p.transition(t(1999), RUN, &mut fx);
    assert!(fx.is_empty());
    p.transition(t(2000), RUN, &mut fx);
    assert_eq!(p.state(), S::Stopping);
    assert!(fx.contains(&Effect::Kill { pid: 42, sig: 15, group: false }));
    assert_eq!(logs(&fx)[0], "WARN db: not ready after 2 seconds, stopping");
    let mut fx = Vec::new();
    p.finish(WaitStatus::Signaled(15, false), t(2010), &mut fx);
    assert_eq!(states(&fx), [(S::Stopping, S::Backoff)]);
    assert_eq!(p.spawnerr.as_deref(), Some("not ready within 2 seconds"));
    assert!(!p.administrative_stop, "not an operator's stop");
    // The retry, not ready again: FATAL after startretries.
    let mut fx = Vec::new();
    p.transition(t(3011), RUN, &mut fx);
    assert!(fx.contains(&Effect::Spawn));
    p.spawned(43, &mut fx);
    p.transition(t(5011), RUN, &mut fx);
    p.finish(WaitStatus::Signaled(15, false), t(5020), &mut fx);
    let mut fx = Vec::new();
    p.transition(t(5021), RUN, &mut fx);
    assert_eq!(p.state(), S::Fatal);
}

#[test]
fn an_exit_before_ready_is_a_failed_start() {
    let mut c = ready_cfg(100);
    c.startsecs = Duration::ZERO;
    let mut p = Process::new(c);
    let mut fx = Vec::new();
    start(&mut p, 0, &mut fx);
    let mut fx = Vec::new();
    p.finish(WaitStatus::Exited(0), t(5000), &mut fx);
    assert_eq!(states(&fx), [(S::Starting, S::Backoff)]);
}

fn health_cfg(action: HealthAction) -> sv_config::ProcessConfig {
    let mut c = cfg("web");
    std::sync::Arc::make_mut(&mut c.checks).health = Some(HealthCheck {
        probe: Probe::Exec("true".into()),
        interval: Duration::from_secs(1),
        timeout: Duration::from_secs(1),
        initial_delay: Duration::ZERO,
        failure_threshold: 2,
        success_threshold: 2,
        action,
    });
    c
}

#[test]
fn health_thresholds_and_actions() {
    let mut p = Process::new(health_cfg(HealthAction::Restart));
    let mut fx = Vec::new();
    start(&mut p, 0, &mut fx);
    assert_eq!(p.health_result(false, "x", &mut fx), None, "only RUNNING is checked");
    p.transition(t(1001), RUN, &mut fx);
    let mut fx = Vec::new();
    assert_eq!(p.health_result(true, "", &mut fx), None);
    assert_eq!(p.health.state, HealthState::Healthy);
    assert_eq!(p.health_result(false, "HTTP 500", &mut fx), None);
    assert_eq!(p.health.failures, 1);
    assert_eq!(p.health_result(false, "HTTP 500", &mut fx), Some(HealthAction::Restart));
    assert_eq!(p.health.state, HealthState::Unhealthy);
    assert!(
        logs(&fx).contains(
            &"WARN web: unhealthy after 2 failed checks (HTTP 500), restarting".to_owned()
        )
    );
    assert_eq!(p.health_result(false, "HTTP 500", &mut fx), None, "reported once");
    assert_eq!(p.health_result(true, "", &mut fx), None);
    assert_eq!(p.health.state, HealthState::Unhealthy, "needs 2 successes");
    p.health_result(true, "", &mut fx);
    assert_eq!(p.health.state, HealthState::Healthy);
    // A restart: stop, then start again, through the usual states.
    p.health_result(false, "down", &mut fx);
    p.health_result(false, "down", &mut fx);
    let mut fx = Vec::new();
    p.stop_then(crate::process::Then::Restart, t(5000), &mut fx).unwrap();
    p.finish(WaitStatus::Signaled(15, false), t(5100), &mut fx);
    assert_eq!(
        states(&fx),
        [(S::Running, S::Stopping), (S::Stopping, S::Stopped), (S::Stopped, S::Starting)]
    );
    assert_eq!(p.health.state, HealthState::Unknown, "reset at spawn");
}

fn dep(target: &str, condition: Condition) -> Dependency {
    Dependency { target: Target::Program(target.into()), condition }
}

/// Runs the supervisor like the daemon does, forking every spawn at once
/// with pids from 100: transitions, pull-ins, settling dependencies.
fn turn(s: &mut Supervisor, now: u64, log: &mut Vec<String>) {
    let mut fx = Vec::new();
    s.refresh_deps();
    s.transition(t(now), &mut fx);
    s.settle_deps(t(now), &mut fx);
    let mut next_pid = 100 + s.ids().len() as u32 * now as u32;
    while !fx.is_empty() {
        let mut more = Vec::new();
        for (id, e) in fx.drain(..) {
            match e {
                Effect::Spawn => {
                    next_pid += 1;
                    let mut out = Vec::new();
                    s.process_mut(id).spawned(next_pid, &mut out);
                    more.extend(out.into_iter().map(|e| (id, e)));
                    log.push(format!("spawned {}", s.process(id).config.name));
                }
                Effect::PullIn => s.pull_in(id, false, t(now), &mut more),
                Effect::Log(_, m) => log.push(m),
                _ => {}
            }
        }
        fx = more;
    }
}

fn by_name(s: &Supervisor, name: &str) -> ProcId {
    s.ids().into_iter().find(|&id| s.process(id).config.name == name).unwrap()
}

#[test]
fn a_dependent_waits_pulls_in_and_starts_when_its_dependency_runs() {
    let mut s =
        Supervisor::new(vec![group("db", 999, &[("db", 999)]), group("web", 1, &[("web", 1)])]);
    let (db, web) = (by_name(&s, "db"), by_name(&s, "web"));
    std::sync::Arc::make_mut(&mut s.process_mut(db).config).autostart = false;
    std::sync::Arc::make_mut(
        &mut std::sync::Arc::make_mut(&mut s.process_mut(web).config).checks,
    )
    .depends_on = vec![dep("db", Condition::Running)];
    let mut log = Vec::new();
    turn(&mut s, 0, &mut log);
    assert_eq!(s.process(web).held(), Some(&Held::Waiting("db (running)".into())));
    assert_eq!(s.process(web).state(), S::Stopped);
    assert_eq!(s.process(db).state(), S::Starting, "pulled in although autostart=false");
    assert!(log.contains(&"web: waiting for db (running)".to_owned()));
    turn(&mut s, 500, &mut log);
    assert_eq!(s.process(web).state(), S::Stopped, "db is not RUNNING yet");
    turn(&mut s, 1001, &mut log);
    assert_eq!(s.process(db).state(), S::Running);
    assert_eq!(s.process(web).state(), S::Starting);
    let order: Vec<&String> = log.iter().filter(|l| l.starts_with("spawned ")).collect();
    assert_eq!(order, ["spawned db", "spawned web"]);
    // Shutdown: web (priority 1) is stopped before db (999), and db is not
    // signalled while web runs.
    turn(&mut s, 3000, &mut log);
    s.mood = crate::state::SupervisorState::Shutdown;
    let (mut fx, mut lines) = (Vec::new(), Vec::new());
    s.shutdown_step(t(4000), &mut fx, &mut lines);
    let killed: Vec<ProcId> =
        fx.iter().filter(|(_, e)| matches!(e, Effect::Kill { .. })).map(|(id, _)| *id).collect();
    assert_eq!(killed, [web]);
    let mut fx = Vec::new();
    let pid = s.process(web).pid().unwrap();
    s.reaped(pid, WaitStatus::Signaled(15, false), t(4100), &mut fx);
    let mut fx = Vec::new();
    s.shutdown_step(t(4200), &mut fx, &mut lines);
    assert!(fx.iter().any(|(id, e)| *id == db && matches!(e, Effect::Kill { .. })));
}

#[test]
fn a_failed_dependency_breaks_and_completed_successfully_waits_for_the_exit() {
    let mut s = Supervisor::new(vec![
        group("migrate", 1, &[("migrate", 1)]),
        group("app", 2, &[("app", 2)]),
    ]);
    let (migrate, app) = (by_name(&s, "migrate"), by_name(&s, "app"));
    std::sync::Arc::make_mut(&mut s.process_mut(migrate).config).startsecs = Duration::ZERO;
    std::sync::Arc::make_mut(&mut s.process_mut(migrate).config).autorestart =
        sv_config::datatypes::AutoRestart::Never;
    std::sync::Arc::make_mut(
        &mut std::sync::Arc::make_mut(&mut s.process_mut(app).config).checks,
    )
    .depends_on = vec![dep("migrate", Condition::CompletedSuccessfully)];
    let mut log = Vec::new();
    turn(&mut s, 0, &mut log);
    assert_eq!(s.process(app).deps, Deps::Pending("migrate (completed_successfully)".into()));
    let pid = s.process(migrate).pid().unwrap();
    let mut fx = Vec::new();
    s.reaped(pid, WaitStatus::Exited(1), t(100), &mut fx);
    turn(&mut s, 100, &mut log);
    assert_eq!(s.process(app).deps, Deps::Broken("Dependency migrate exited with status 1".into()));
    assert_eq!(
        s.process(app).held(),
        Some(&Held::Failed("Dependency migrate exited with status 1".into()))
    );
    assert_eq!(s.process(app).state(), S::Stopped);
    // Run it again, successfully this time: app starts.
    let mut out = Vec::new();
    s.process_mut(migrate).spawn(t(200), &mut out);
    s.process_mut(migrate).spawned(7, &mut out);
    s.reaped(7, WaitStatus::Exited(0), t(300), &mut fx);
    turn(&mut s, 300, &mut log);
    assert_eq!(s.process(app).state(), S::Starting);
}

#[test]
fn bindings_stop_and_restart_dependents() {
    for (binding, after_stop) in [(Binding::Restart, true), (Binding::Stop, false)] {
        let mut s =
            Supervisor::new(vec![group("db", 1, &[("db", 1)]), group("web", 2, &[("web", 2)])]);
        let (db, web) = (by_name(&s, "db"), by_name(&s, "web"));
        let checks = std::sync::Arc::make_mut(
            &mut std::sync::Arc::make_mut(&mut s.process_mut(web).config).checks,
        );
        checks.depends_on = vec![dep("db", Condition::Running)];
        checks.binding = binding;
        let mut log = Vec::new();
        turn(&mut s, 0, &mut log);
        turn(&mut s, 1001, &mut log);
        turn(&mut s, 2002, &mut log);
        assert_eq!((s.process(db).state(), s.process(web).state()), (S::Running, S::Running));
        // db crashes: web is stopped.
        let mut fx = Vec::new();
        let pid = s.process(db).pid().unwrap();
        std::sync::Arc::make_mut(&mut s.process_mut(db).config).autorestart =
            sv_config::datatypes::AutoRestart::Never;
        s.reaped(pid, WaitStatus::Exited(1), t(3000), &mut fx);
        turn(&mut s, 3000, &mut log);
        assert_eq!(s.process(web).state(), S::Stopping, "{binding:?}");
        let pid = s.process(web).pid().unwrap();
        s.reaped(pid, WaitStatus::Signaled(15, false), t(3100), &mut fx);
        assert_eq!(s.process(web).held().is_some(), after_stop, "{binding:?}");
        // db comes back: only a restart binding starts web again.
        let mut out = Vec::new();
        s.process_mut(db).spawn(t(4000), &mut out);
        s.process_mut(db).spawned(9, &mut out);
        turn(&mut s, 5001, &mut log);
        assert_eq!(s.process(db).state(), S::Running);
        turn(&mut s, 5002, &mut log);
        let want = if after_stop { S::Starting } else { S::Stopped };
        assert_eq!(s.process(web).state(), want, "{binding:?}");
    }
}
