//! Whether the daemon is ready to serve, for `/readyz` (ours): every
//! program that starts on its own is up (and ready, and healthy where it is
//! checked), or has finished as expected. Pure: read from the model.

use crate::process::{HealthState, Held, Process};
use crate::state::{ProcessState, SupervisorState};

/// How one process counts towards readiness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Count {
    /// Not counted: it does not start on its own, or an operator stopped it.
    Ignored,
    /// Ready.
    Ready,
    /// Not ready, and why (`BACKOFF (Exited too quickly)`).
    NotReady(String),
}

/// How `p` counts towards the daemon's readiness while the daemon is in
/// `mood`.
pub fn count<X>(p: &Process<X>, mood: SupervisorState) -> Count {
    if !p.config.autostart {
        return Count::Ignored;
    }
    let state = p.state();
    let with = |detail: &str| {
        if detail.is_empty() {
            Count::NotReady(state.name().to_owned())
        } else {
            Count::NotReady(format!("{} ({detail})", state.name()))
        }
    };
    match state {
        ProcessState::Running => match (p.config.checks.health.is_some(), p.health.state) {
            (false, _) | (true, HealthState::Healthy) => Count::Ready,
            (true, h) => Count::NotReady(format!("RUNNING, {}", h.name())),
        },
        ProcessState::Exited => {
            let expected = p.exitstatus().is_some_and(|s| p.config.exitcodes.contains(&s));
            if expected && !p.is_active(mood) {
                Count::Ready
            } else {
                with(&format!("exit status {}", p.exitstatus().unwrap_or(-1)))
            }
        }
        ProcessState::Stopped if p.administrative_stop => Count::Ignored,
        ProcessState::Stopped => match p.held() {
            Some(Held::Waiting(what)) if !what.is_empty() => with(&format!("waiting for {what}")),
            Some(Held::Failed(why)) => with(why),
            _ => with("not started yet"),
        },
        ProcessState::Backoff | ProcessState::Fatal => with(p.spawnerr.as_deref().unwrap_or("")),
        _ => with(""),
    }
}

/// The daemon's readiness: `Ok` when it runs and every counted process is
/// ready; the processes' verdicts in the order given, for `?verbose`.
pub fn daemon<'a, X: 'a>(
    mood: SupervisorState,
    processes: impl IntoIterator<Item = (&'a str, &'a Process<X>)>,
) -> (bool, Vec<(&'a str, Count)>) {
    let mut all = mood == SupervisorState::Running;
    let verdicts: Vec<(&str, Count)> = processes
        .into_iter()
        .map(|(name, p)| (name, count(p, mood)))
        .filter(|(_, c)| *c != Count::Ignored)
        .collect();
    all &= verdicts.iter().all(|(_, c)| *c == Count::Ready);
    (all, verdicts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::WaitStatus;
    use crate::tests::{RUN, cfg, start, t};
    use sv_config::AutoRestart;
    use sv_config::checks::{HealthAction, HealthCheck, Probe};

    fn running(p: &mut Process) {
        let mut fx = Vec::new();
        start(p, 0, &mut fx);
        p.transition(t(1001), RUN, &mut fx);
        assert_eq!(p.state(), ProcessState::Running);
    }

    fn verdict(p: &Process) -> Count {
        count(p, RUN)
    }

    #[test]
    fn each_state_counts_as_the_rule_says() {
        let nr = |s: &str| Count::NotReady(s.to_owned());
        // Never started.
        let p = Process::new(cfg("a"));
        assert_eq!(verdict(&p), nr("STOPPED (not started yet)"));
        // Not started on its own: not counted.
        let mut c = cfg("a");
        c.autostart = false;
        assert_eq!(verdict(&Process::new(c)), Count::Ignored);
        // Starting, then running.
        let mut p = Process::new(cfg("a"));
        let mut fx = Vec::new();
        start(&mut p, 0, &mut fx);
        assert_eq!(verdict(&p), nr("STARTING"));
        p.transition(t(1001), RUN, &mut fx);
        assert_eq!(verdict(&p), Count::Ready);
        // Stopped by an operator: not counted.
        p.stop(t(2000), &mut fx).unwrap();
        assert_eq!(verdict(&p), nr("STOPPING"));
        p.finish(WaitStatus::Signaled(15, false), t(2001), &mut fx);
        assert_eq!(verdict(&p), Count::Ignored);
        // Exited as expected with no restart pending: finished, ready.
        let mut p = Process::new(cfg("a"));
        running(&mut p);
        p.finish(WaitStatus::Exited(0), t(3000), &mut fx);
        assert_eq!(verdict(&p), Count::Ready);
        // Exited unexpectedly: a restart is pending.
        let mut p = Process::new(cfg("a"));
        running(&mut p);
        p.finish(WaitStatus::Exited(3), t(3000), &mut fx);
        assert_eq!(verdict(&p), nr("EXITED (exit status 3)"));
        // autorestart=true: even exit 0 restarts, so not finished.
        let mut c = cfg("a");
        c.autorestart = AutoRestart::Always;
        let mut p = Process::new(c);
        running(&mut p);
        p.finish(WaitStatus::Exited(0), t(3000), &mut fx);
        assert_eq!(verdict(&p), nr("EXITED (exit status 0)"));
        // Exited too quickly: BACKOFF with the reason.
        let mut p = Process::new(cfg("a"));
        start(&mut p, 0, &mut fx);
        p.finish(WaitStatus::Exited(1), t(10), &mut fx);
        assert_eq!(verdict(&p), nr("BACKOFF (Exited too quickly (process log may have details))"));
    }

    #[test]
    fn a_health_check_must_pass() {
        let mut c = cfg("web");
        std::sync::Arc::make_mut(&mut c.checks).health = Some(HealthCheck {
            probe: Probe::Tcp { host: "127.0.0.1".into(), port: 5 },
            interval: std::time::Duration::from_secs(1),
            timeout: std::time::Duration::from_secs(1),
            failure_threshold: 1,
            success_threshold: 1,
            initial_delay: std::time::Duration::ZERO,
            action: HealthAction::Restart,
        });
        let mut p = Process::new(c);
        running(&mut p);
        assert_eq!(verdict(&p), Count::NotReady("RUNNING, unknown".into()));
        p.health.state = HealthState::Healthy;
        assert_eq!(verdict(&p), Count::Ready);
        p.health.state = HealthState::Unhealthy;
        assert_eq!(verdict(&p), Count::NotReady("RUNNING, unhealthy".into()));
    }

    #[test]
    fn the_daemon_is_ready_only_while_it_runs() {
        let mut a = Process::new(cfg("a"));
        running(&mut a);
        let mut off = cfg("off");
        off.autostart = false;
        let off = Process::new(off);
        let list = || [("a", &a), ("off", &off)];
        let (ok, verdicts) = daemon(RUN, list());
        assert!(ok);
        assert_eq!(verdicts, [("a", Count::Ready)], "ignored processes are not listed");
        let (ok, _) = daemon(SupervisorState::Shutdown, list());
        assert!(!ok, "not ready once a shutdown began");
        let (ok, verdicts) = daemon::<()>(RUN, []);
        assert!(ok && verdicts.is_empty(), "nothing to wait for");
    }
}
