//! Readiness, held starts (dependencies) and health of one process: the
//! parts of the machine that only processes with `ready_check`,
//! `depends_on` or `health_check` use.

use sv_config::LogLevel;
use sv_config::checks::{HealthAction, ReadyCheck};

use super::{Deps, Effect, HealthState, Held, NoChild, Now, Phase, Process, Then, ms};
use crate::state::ProcessState;

impl<X> Process<X> {
    /// STOPPED, held back (the exit status of the last run kept).
    pub(super) fn hold(&mut self, held: Held, fx: &mut Vec<Effect>) {
        self.spawnerr = None;
        let exitstatus = self.exitstatus();
        self.go(Phase::Stopped { exitstatus, held: Some(held) }, true, fx);
    }

    /// Why a start is held back, while it is.
    pub fn held(&self) -> Option<&Held> {
        match &self.phase {
            Phase::Stopped { held, .. } => held.as_ref(),
            _ => None,
        }
    }

    /// A STOPPED process starts again when its dependencies hold (a
    /// `restart` binding after its dependency was stopped). No state
    /// change: it stays STOPPED, now waiting.
    pub fn hold_for_deps(&mut self) {
        let what = match &self.deps {
            Deps::Pending(what) => what.clone(),
            _ => String::new(),
        };
        if let Phase::Stopped { held: held @ None, .. } = &mut self.phase {
            *held = Some(Held::Waiting(what));
        }
    }

    /// A new reason for a held-back start (no state change).
    pub fn rehold(&mut self, new: Held) {
        if let Phase::Stopped { held: Some(held), .. } = &mut self.phase {
            *held = new;
        }
    }

    /// A held-back start whose dependencies now hold: starts it.
    pub fn release(&mut self, now: Now, fx: &mut Vec<Effect>) {
        if self.held().is_some() && self.deps == Deps::Hold {
            if let Phase::Stopped { held, .. } = &mut self.phase {
                *held = None;
            }
            self.spawn(now, fx);
        }
    }

    /// Whether the current run counts as ready: always without a
    /// `ready_check`.
    pub fn is_ready(&self) -> bool {
        self.ready || self.config.checks.ready_check == ReadyCheck::None
    }

    /// The child said it is ready (its `ready_check` passed). The next
    /// [`Process::transition`] moves it to RUNNING once `startsecs` have
    /// passed too.
    pub fn mark_ready(&mut self) {
        if let Phase::Starting { pid: Some(_) } = self.phase {
            self.ready = true;
        }
    }

    /// When a STARTING process with a `ready_check` is given up on.
    pub(super) fn ready_deadline(&self) -> Option<u64> {
        let timeout = self.config.checks.ready_timeout?;
        Some(self.laststart.unwrap_or(0).saturating_add(ms(timeout)))
    }

    /// The result of one health check of a RUNNING process (`detail`: what
    /// it said, e.g. `HTTP 500`). Returns the action to take when the
    /// process has just turned unhealthy.
    pub fn health_result(
        &mut self,
        ok: bool,
        detail: &str,
        fx: &mut Vec<Effect>,
    ) -> Option<HealthAction> {
        let check = self.config.checks.health.as_ref()?;
        if self.state() != ProcessState::Running {
            return None;
        }
        let (failure_threshold, success_threshold, action) =
            (check.failure_threshold, check.success_threshold, check.action);
        let h = &mut self.health;
        h.output = detail.chars().take(4096).collect();
        if ok {
            h.failures = 0;
            h.successes = h.successes.saturating_add(1);
            let turned = match h.state {
                HealthState::Unknown => true,
                HealthState::Unhealthy => h.successes >= success_threshold,
                HealthState::Healthy => false,
            };
            if turned {
                h.state = HealthState::Healthy;
                fx.push(Effect::Health(HealthState::Healthy));
            }
            return None;
        }
        h.successes = 0;
        h.failures = h.failures.saturating_add(1);
        if h.failures < failure_threshold || h.state == HealthState::Unhealthy {
            return None;
        }
        h.state = HealthState::Unhealthy;
        let what = match action {
            HealthAction::Restart => ", restarting",
            HealthAction::Stop => ", stopping",
            HealthAction::None => "",
        };
        let line = format!(
            "{}: unhealthy after {} failed checks ({detail}){what}",
            self.name(),
            self.health.failures
        );
        Self::log(fx, LogLevel::Warn, line);
        fx.push(Effect::Health(HealthState::Unhealthy));
        Some(action)
    }

    /// Stops the process, then `then` (a restart, a wait for its
    /// dependencies). `Err` as [`Process::stop`].
    pub fn stop_then(&mut self, then: Then, now: Now, fx: &mut Vec<Effect>) -> Result<(), NoChild> {
        self.stop(now, fx)?;
        if let Phase::Stopping { then: slot, .. } = &mut self.phase {
            *slot = then;
        }
        Ok(())
    }
}
