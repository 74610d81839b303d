//! All process groups and the daemon's mood: start order, the shutdown
//! sequence (groups stopped one at a time in descending priority), reaping,
//! and the next deadline the event loop must wake up for. Pure.

use sv_config::{GroupConfig, LogLevel, ProcessConfig};

use crate::process::{Effect, Now, Process};
use crate::state::{ProcessState, SupervisorState, WaitStatus};

/// Identifies a process: group index and process index in that group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProcId {
    /// Index into [`Supervisor::groups`].
    pub group: usize,
    /// Index into that group's processes.
    pub process: usize,
}

/// A group of processes (`X`: the daemon's resources per process).
#[derive(Debug, Clone, PartialEq)]
pub struct Group<X = ()> {
    /// Its configuration (processes included, as configured), shared with
    /// the configuration the daemon last read.
    pub config: std::sync::Arc<GroupConfig>,
    /// Its processes, in configuration order.
    pub processes: Vec<Process<X>>,
}

impl Group {
    /// A group with every process STOPPED.
    pub fn new(config: impl Into<std::sync::Arc<GroupConfig>>) -> Self {
        Group::with(config, |_| ())
    }
}

impl<X> Group<X> {
    /// A group with every process STOPPED, each with `ext(its config)`.
    pub fn with(
        config: impl Into<std::sync::Arc<GroupConfig>>,
        mut ext: impl FnMut(&ProcessConfig) -> X,
    ) -> Self {
        let config = config.into();
        let processes =
            config.processes.iter().map(|pc| Process::with(pc.clone(), ext(pc))).collect();
        Group { config, processes }
    }

    fn unstopped(&self) -> impl Iterator<Item = &Process<X>> {
        self.processes.iter().filter(|p| !p.state().is_stopped())
    }

    /// The reference's `stop_all`: stop RUNNING and STARTING processes in
    /// descending priority, give up on BACKOFF ones. `spare(i)`: a process
    /// left for a later step (a dependent of it still runs).
    fn stop_all(
        &mut self,
        gi: usize,
        now: Now,
        fx: &mut Vec<(ProcId, Effect)>,
        spare: impl Fn(usize) -> bool,
    ) {
        let mut order: Vec<usize> = (0..self.processes.len()).collect();
        order.sort_by_key(|&i| self.processes[i].config.priority);
        order.reverse();
        for i in order {
            if spare(i) {
                continue;
            }
            let mut out = Vec::new();
            let p = &mut self.processes[i];
            match p.state() {
                ProcessState::Running | ProcessState::Starting => {
                    let _ = p.stop(now, &mut out);
                }
                ProcessState::Backoff => p.give_up(&mut out),
                _ => {}
            }
            fx.extend(out.into_iter().map(|e| (ProcId { group: gi, process: i }, e)));
        }
    }
}

/// Every group and the daemon's mood.
#[derive(Debug, Clone, PartialEq)]
pub struct Supervisor<X = ()> {
    /// Groups in configuration order.
    pub groups: Vec<Group<X>>,
    /// The daemon's state.
    pub mood: SupervisorState,
    stopping: bool,
    stop_groups: Vec<usize>,
    lastshutdownreport: Option<u64>,
}

impl Supervisor {
    /// All groups of a configuration, every process STOPPED.
    pub fn new<G: Into<std::sync::Arc<GroupConfig>>>(groups: Vec<G>) -> Self {
        Supervisor::with(groups, |_| ())
    }

    /// The text logged for a reaped pid that is not one of ours.
    pub fn unknown_pid_message(pid: u32, status: WaitStatus) -> String {
        format!("reaped unknown pid {pid} ({})", status.decode().1)
    }
}

impl<X> Supervisor<X> {
    /// All groups of a configuration, every process STOPPED and given
    /// `ext(its config)`.
    pub fn with<G: Into<std::sync::Arc<GroupConfig>>>(
        groups: Vec<G>,
        mut ext: impl FnMut(&ProcessConfig) -> X,
    ) -> Self {
        Supervisor {
            groups: groups.into_iter().map(|g| Group::with(g, &mut ext)).collect(),
            mood: SupervisorState::Running,
            stopping: false,
            stop_groups: Vec::new(),
            lastshutdownreport: None,
        }
    }

    /// Group indices by ascending priority (stable: ties keep config order).
    pub fn by_priority(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.groups.len()).collect();
        order.sort_by_key(|&i| self.groups[i].config.priority);
        order
    }

    /// The process at `id`.
    pub fn process(&self, id: ProcId) -> &Process<X> {
        &self.groups[id.group].processes[id.process]
    }

    /// The process at `id`, mutably.
    pub fn process_mut(&mut self, id: ProcId) -> &mut Process<X> {
        &mut self.groups[id.group].processes[id.process]
    }

    /// Every process id, groups in configuration order.
    pub fn ids(&self) -> Vec<ProcId> {
        self.groups
            .iter()
            .enumerate()
            .flat_map(|(g, grp)| {
                (0..grp.processes.len()).map(move |p| ProcId { group: g, process: p })
            })
            .collect()
    }

    /// The process whose child has `pid`.
    pub fn find_pid(&self, pid: u32) -> Option<ProcId> {
        if pid == 0 {
            return None;
        }
        self.groups.iter().enumerate().find_map(|(g, grp)| {
            let p = grp.processes.iter().position(|p| p.pid() == Some(pid))?;
            Some(ProcId { group: g, process: p })
        })
    }

    /// Runs every process's `transition`, groups by priority.
    pub fn transition(&mut self, now: Now, fx: &mut Vec<(ProcId, Effect)>) {
        let mood = self.mood;
        for g in self.by_priority() {
            for p in 0..self.groups[g].processes.len() {
                let mut out = Vec::new();
                self.groups[g].processes[p].transition(now, mood, &mut out);
                fx.extend(out.into_iter().map(|e| (ProcId { group: g, process: p }, e)));
            }
        }
    }

    /// A child was reaped. Unknown pids are logged as the reference does.
    pub fn reaped(
        &mut self,
        pid: u32,
        status: WaitStatus,
        now: Now,
        fx: &mut Vec<(ProcId, Effect)>,
    ) -> bool {
        match self.find_pid(pid) {
            Some(id) => {
                let mut out = Vec::new();
                self.process_mut(id).finish(status, now, &mut out);
                fx.extend(out.into_iter().map(|e| (id, e)));
                true
            }
            None => false,
        }
    }

    /// Processes not in a stopped state.
    pub fn unstopped(&self) -> Vec<ProcId> {
        self.ids().into_iter().filter(|&id| !self.process(id).state().is_stopped()).collect()
    }

    /// One step of the shutdown sequence (phase 1 of the reference's main
    /// loop): the first time, remember the groups by priority; then stop the
    /// highest-priority group still running. Returns whether processes are
    /// still unstopped (the daemon may exit when it returns `false`).
    pub fn shutdown_step(
        &mut self,
        now: Now,
        fx: &mut Vec<(ProcId, Effect)>,
        log: &mut Vec<(LogLevel, String)>,
    ) -> bool {
        if !self.stopping {
            self.stopping = true;
            self.stop_groups = self.stop_order();
        }
        let deps = self.has_deps();
        while let Some(&g) = self.stop_groups.last() {
            let spare: Vec<bool> = (0..self.groups[g].processes.len())
                .map(|p| deps && self.has_running_dependents(ProcId { group: g, process: p }))
                .collect();
            self.groups[g].stop_all(g, now, fx, |p| spare[p]);
            if self.groups[g].unstopped().next().is_some() {
                break;
            }
            self.stop_groups.pop();
        }
        let unstopped = self.unstopped();
        if unstopped.is_empty() {
            return false;
        }
        if self.lastshutdownreport.is_none_or(|t| now.mono > t + 3000) {
            let names: Vec<&str> =
                unstopped.iter().map(|&id| self.process(id).config.name.as_str()).collect();
            log.push((LogLevel::Info, format!("waiting for {} to die", names.join(", "))));
            self.lastshutdownreport = Some(now.mono);
            for &id in &unstopped {
                let p = self.process(id);
                log.push((
                    LogLevel::Blather,
                    format!("{} state: {}", p.config.name, p.state().name()),
                ));
            }
        }
        true
    }

    /// The groups in the order a shutdown stops them, the first at the
    /// end: by priority (the reference's order) when no process has
    /// dependencies; otherwise groups of dependents before the groups they
    /// depend on, priority breaking ties.
    fn stop_order(&self) -> Vec<usize> {
        let mut order = self.by_priority();
        if !self.has_deps() {
            return order;
        }
        let height = self.heights();
        let group_height = |g: usize| {
            (0..self.groups[g].processes.len())
                .map(|p| height[&ProcId { group: g, process: p }])
                .max()
                .unwrap_or(0)
        };
        // Stable: equal heights keep the priority order.
        order.sort_by_key(|&g| std::cmp::Reverse(group_height(g)));
        order
    }

    /// For each process, the longest chain of dependents above it (0: no
    /// process depends on it). The configuration has no cycle; a chain is
    /// cut at the number of processes all the same.
    fn heights(&self) -> std::collections::HashMap<ProcId, usize> {
        let ids = self.ids();
        let mut height: std::collections::HashMap<ProcId, usize> =
            ids.iter().map(|&id| (id, 0)).collect();
        let edges: Vec<(ProcId, ProcId)> =
            ids.iter().flat_map(|&d| self.dependents(d).into_iter().map(move |x| (d, x))).collect();
        for _ in 0..ids.len() {
            let mut changed = false;
            for &(dep, dependent) in &edges {
                let want = height[&dependent] + 1;
                if height[&dep] < want {
                    height.insert(dep, want);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        height
    }

    /// Whether the shutdown sequence has begun.
    pub fn is_stopping(&self) -> bool {
        self.stopping
    }

    /// The earliest deadline (monotonic ms) at which `transition` or the
    /// shutdown report has work; `None` when nothing is due until an outside
    /// event (the daemon then sleeps without a timer).
    pub fn next_deadline(&self) -> Option<u64> {
        let procs = self.groups.iter().flat_map(|g| g.processes.iter());
        let mut next = procs.filter_map(|p| p.next_deadline(self.mood)).min();
        if self.stopping && !self.unstopped().is_empty() {
            let report = self.lastshutdownreport.map_or(0, |t| t + 3001);
            next = Some(next.map_or(report, |n| n.min(report)));
        }
        next
    }
}
