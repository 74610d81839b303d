//! Dependencies between processes (`depends_on`), as the supervisor keeps
//! them: which processes a target names, whether a condition holds, the
//! starts held back until it does, the dependencies pulled in by a start,
//! the bound dependents stopped when it stops holding, and the order in
//! which processes may be stopped. Pure; nothing here runs for a
//! configuration without `depends_on`.

use sv_config::LogLevel;
use sv_config::checks::{Binding, Condition, Dependency, Target};

use crate::process::{Deps, Effect, Held, Now, Then};
use crate::state::{ProcessState, SupervisorState};
use crate::supervisor::{ProcId, Supervisor};

/// How one condition stands for one process.
enum Stand {
    Holds,
    Pending,
    Broken(String),
}

impl<X> Supervisor<X> {
    /// Whether any process has dependencies.
    pub fn has_deps(&self) -> bool {
        self.groups
            .iter()
            .flat_map(|g| &g.processes)
            .any(|p| !p.config.checks.depends_on.is_empty())
    }

    /// The processes a target names: a group's (`name` or `name:*`), the
    /// processes of a program section inside a `[group:x]` (`name`), or one
    /// process (`group:name`).
    pub fn targets(&self, target: &Target) -> Vec<ProcId> {
        let group = |name: &str| self.groups.iter().position(|g| g.config.name == name);
        let all_of = |g: usize| {
            (0..self.groups[g].processes.len()).map(move |p| ProcId { group: g, process: p })
        };
        match target {
            Target::Group(name) => group(name).map(|g| all_of(g).collect()).unwrap_or_default(),
            Target::Program(name) => match group(name) {
                Some(g) => all_of(g).collect(),
                None => self
                    .ids()
                    .into_iter()
                    .filter(|&id| {
                        let section = &self.process(id).config.section;
                        section.split_once(':').is_some_and(|(_, n)| n == name)
                    })
                    .collect(),
            },
            Target::Process(g, p) => group(g)
                .and_then(|g| {
                    let pi = self.groups[g].processes.iter().position(|x| x.config.name == *p)?;
                    Some(vec![ProcId { group: g, process: pi }])
                })
                .unwrap_or_default(),
        }
    }

    fn stand(&self, id: ProcId, condition: Condition) -> Stand {
        let p = self.process(id);
        let spec = crate::namespec::make(&self.groups[id.group].config.name, &p.config.name);
        let holds = match p.state() {
            ProcessState::Fatal => return Stand::Broken(format!("Dependency {spec} is FATAL")),
            ProcessState::Starting => condition == Condition::Started,
            ProcessState::Running => match condition {
                Condition::Started | Condition::Running => true,
                Condition::Healthy => p.health.state == crate::process::HealthState::Healthy,
                _ => false,
            },
            ProcessState::Exited => match condition {
                Condition::Completed => true,
                Condition::CompletedSuccessfully => {
                    let status = p.exitstatus().unwrap_or(0);
                    if !p.config.exitcodes.contains(&status) {
                        return Stand::Broken(format!(
                            "Dependency {spec} exited with status {status}"
                        ));
                    }
                    true
                }
                _ => false,
            },
            _ => false,
        };
        if holds { Stand::Holds } else { Stand::Pending }
    }

    /// How the dependencies of `deps` stand now.
    fn evaluate(&self, deps: &[Dependency]) -> Deps {
        let mut pending = Vec::new();
        for dep in deps {
            let targets = self.targets(&dep.target);
            if targets.is_empty() {
                pending.push(dep.describe());
                continue;
            }
            let mut waiting = false;
            for t in targets {
                match self.stand(t, dep.condition) {
                    Stand::Holds => {}
                    Stand::Pending => waiting = true,
                    Stand::Broken(why) => return Deps::Broken(why),
                }
            }
            if waiting {
                pending.push(dep.describe());
            }
        }
        if pending.is_empty() { Deps::Hold } else { Deps::Pending(pending.join(", ")) }
    }

    /// Evaluates the dependencies of every process that has some.
    pub fn refresh_deps(&mut self) {
        for id in self.ids() {
            let deps = &self.process(id).config.checks.depends_on;
            if deps.is_empty() {
                continue;
            }
            let now = self.evaluate(deps);
            self.process_mut(id).deps = now;
        }
    }

    /// After anything changed: starts the held-back processes whose
    /// dependencies now hold, keeps the reason of the others current, and
    /// stops the bound dependents (`dependency_binding`) of dependencies
    /// that stopped holding.
    pub fn settle_deps(&mut self, now: Now, fx: &mut Vec<(ProcId, Effect)>) {
        self.refresh_deps();
        let starting = self.mood > SupervisorState::Restarting;
        for id in self.ids() {
            let p = self.process(id);
            if p.config.checks.depends_on.is_empty() {
                continue;
            }
            let mut out = Vec::new();
            let p = self.process_mut(id);
            match (p.held().cloned(), p.deps.clone()) {
                (Some(_), Deps::Hold) if starting => p.release(now, &mut out),
                (Some(Held::Waiting(_)), Deps::Broken(why)) if starting => {
                    out.push(Effect::Log(LogLevel::Warn, format!("{}: {why}", p.config.name)));
                    p.rehold(Held::Failed(why));
                }
                (Some(Held::Failed(_)), Deps::Pending(what)) => p.rehold(Held::Waiting(what)),
                (Some(Held::Waiting(old)), Deps::Pending(what)) if old != what => {
                    p.rehold(Held::Waiting(what));
                }
                (None, Deps::Pending(what) | Deps::Broken(what))
                    if p.config.checks.binding != Binding::None
                        && matches!(p.state(), ProcessState::Starting | ProcessState::Running) =>
                {
                    let then = match p.config.checks.binding {
                        Binding::Restart => Then::Wait,
                        _ => Then::Stop,
                    };
                    let line =
                        format!("{}: dependency no longer holds ({what}), stopping", p.config.name);
                    out.push(Effect::Log(LogLevel::Info, line));
                    let _ = p.stop_then(then, now, &mut out);
                    p.administrative_stop = false;
                }
                _ => {}
            }
            fx.extend(out.into_iter().map(|e| (id, e)));
        }
    }

    /// Starts what `id` depends on and is not started: a start of `id` was
    /// held back for them. An operator's start (`explicit`) starts them
    /// whatever their state; an automatic one (autostart, autorestart)
    /// leaves alone those an operator stopped.
    pub fn pull_in(
        &mut self,
        id: ProcId,
        explicit: bool,
        now: Now,
        fx: &mut Vec<(ProcId, Effect)>,
    ) {
        let deps = self.process(id).config.checks.depends_on.clone();
        for dep in deps {
            for t in self.targets(&dep.target) {
                let p = self.process(t);
                let idle = matches!(p.state(), ProcessState::Stopped | ProcessState::Exited)
                    && p.held().is_none();
                if !idle || (p.administrative_stop && !explicit) {
                    continue;
                }
                if dep.condition == Condition::Completed && p.state() == ProcessState::Exited {
                    continue;
                }
                let mut out = Vec::new();
                self.process_mut(t).spawn(now, &mut out);
                fx.extend(out.into_iter().map(|e| (t, e)));
            }
        }
    }

    /// The processes that depend directly on `id`.
    pub fn dependents(&self, id: ProcId) -> Vec<ProcId> {
        self.ids()
            .into_iter()
            .filter(|&d| {
                d != id
                    && self
                        .process(d)
                        .config
                        .checks
                        .depends_on
                        .iter()
                        .any(|dep| self.targets(&dep.target).contains(&id))
            })
            .collect()
    }

    /// Whether a dependent of `id` still runs (then `id` may not be
    /// signalled by a stop of many, a shutdown or a reload).
    pub fn has_running_dependents(&self, id: ProcId) -> bool {
        self.dependents(id).into_iter().any(|d| !self.process(d).state().is_stopped())
    }

    /// The bound dependents (`dependency_binding` other than none) of `id`
    /// that run: an operator's stop of `id` stops them first.
    pub fn bound_dependents(&self, id: ProcId) -> Vec<ProcId> {
        self.dependents(id)
            .into_iter()
            .filter(|&d| {
                let p = self.process(d);
                p.config.checks.binding != Binding::None && !p.state().is_stopped()
            })
            .collect()
    }
}
