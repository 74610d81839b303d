//! Starting, stopping and signalling processes, one or many, with the
//! reference's result structures, and waiting for the deferred outcome
//! without blocking anyone.

use super::*;

/// Processes of `groups` in group-priority then process-priority order.
pub(super) fn by_priority(d: &Daemon, groups: &[usize]) -> Vec<ProcId> {
    let mut gs = groups.to_vec();
    gs.sort_by_key(|&g| d.sv.groups[g].config.priority);
    let mut out = Vec::new();
    for g in gs {
        let mut ps: Vec<usize> = (0..d.sv.groups[g].processes.len()).collect();
        ps.sort_by_key(|&p| d.sv.groups[g].processes[p].config.priority);
        out.extend(ps.into_iter().map(|p| ProcId { group: g, process: p }));
    }
    out
}

/// The outcome of a call on many for one process.
pub(super) fn call_result(d: &Daemon, id: ProcId, outcome: &Result<(), Fault>) -> CallResult {
    let (status, description) = match outcome {
        Ok(()) => (SUCCESS, "OK".to_owned()),
        Err(f) => (f.code, f.text.clone()),
    };
    CallResult {
        name: d.sv.process(id).config.name.clone(),
        group: d.sv.groups[id.group].config.name.clone(),
        status,
        description,
    }
}

/// A process named by group and process name, which stays valid when
/// groups are added or removed while a call waits (indices would shift).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Named(pub(super) String, pub(super) String);

impl Named {
    pub(super) fn of(d: &Daemon, id: ProcId) -> Self {
        Named(d.sv.groups[id.group].config.name.clone(), d.sv.process(id).config.name.clone())
    }

    /// `name`, or `group:name` when they differ.
    pub(super) fn spec(&self) -> String {
        namespec::make(&self.0, &self.1)
    }

    pub(super) fn find(&self, d: &Daemon) -> Option<ProcId> {
        let g = d.sv.groups.iter().position(|g| g.config.name == self.0)?;
        let p = d.sv.groups[g].processes.iter().position(|p| p.config.name == self.1)?;
        Some(ProcId { group: g, process: p })
    }
}

/// The deferred result of a start or stop of `who`, `None` while pending;
/// faults name it `spec`.
pub(super) fn pending_result(
    d: &Daemon,
    who: &Named,
    spec: &str,
    start: bool,
) -> Option<(CallResult, Result<(), Fault>)> {
    let Some(id) = who.find(d) else {
        // The group went away meanwhile.
        let r = Err(fault(ABNORMAL_TERMINATION, Some(spec)));
        let v = CallResult {
            name: who.1.clone(),
            group: who.0.clone(),
            status: ABNORMAL_TERMINATION,
            description: format!("ABNORMAL_TERMINATION: {spec}"),
        };
        return Some((v, if start { r } else { Ok(()) }));
    };
    let r = if start {
        start_result(d, id, spec)?
    } else {
        d.sv.process(id).state().is_stopped().then_some(Ok(()))?
    };
    Some((call_result(d, id, &r), r))
}

/// Waits until `done` returns a value, looking again after every turn of
/// the event loop.
pub(super) async fn wait_until<T>(
    shared: &Shared,
    mut done: impl FnMut(&Daemon) -> Option<T>,
) -> T {
    loop {
        let changed = shared.changed.notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        if let Some(v) = done(&shared.daemon.borrow()) {
            return v;
        }
        changed.await;
    }
}

/// What a start left to wait for.
pub(super) enum StartState {
    Done(Result<(), Fault>),
    Pending,
}

/// Starts one process (the synchronous part of the reference's
/// `startProcess`); `Pending` when the caller should wait for RUNNING.
/// Faults name it `name`, as the caller named it.
pub(super) fn start_one(d: &mut Daemon, id: ProcId, wait: bool, name: &str) -> StartState {
    let cfg = d.sv.process(id).config.clone();
    if let Err(e) = crate::daemon::spawner::resolve(&cfg, d.spawn_context()) {
        use crate::daemon::spawner::CommandError;
        let code = if matches!(e, CommandError::NotFound(_)) { NO_FILE } else { NOT_EXECUTABLE };
        return StartState::Done(Err(fault(code, Some(e.message()))));
    }
    let state = d.sv.process(id).state();
    if state.is_running() {
        return StartState::Done(Err(fault(ALREADY_STARTED, Some(name))));
    }
    if state == ProcessState::Unknown {
        return StartState::Done(Err(fault(
            FAILED,
            Some(&format!("{name} is in an unknown process state")),
        )));
    }
    let now = d.now();
    if d.has_deps {
        d.sv.refresh_deps();
        if let sv_core::process::Deps::Broken(why) = &d.sv.process(id).deps {
            let why = why.replacen("Dependency", "dependency", 1);
            return StartState::Done(Err(fault(SPAWN_ERROR, Some(&format!("{name} ({why})")))));
        }
    }
    let mut fx = Vec::new();
    d.sv.process_mut(id).spawn(now, &mut fx);
    if d.sv.process(id).held().is_some() {
        // An operator's start pulls in every dependency, even one an
        // operator stopped.
        let mut more = Vec::new();
        d.sv.pull_in(id, true, now, &mut more);
        d.apply(more);
    }
    d.apply(fx.into_iter().map(|e| (id, e)).collect());
    if d.sv.process(id).spawnerr.is_some() {
        return StartState::Done(Err(fault(SPAWN_ERROR, Some(name))));
    }
    let mut fx = Vec::new();
    let mood = d.sv.mood;
    d.sv.process_mut(id).transition(now, mood, &mut fx);
    d.apply(fx.into_iter().map(|e| (id, e)).collect());
    if !wait || d.sv.process(id).state() == ProcessState::Running {
        StartState::Done(Ok(()))
    } else {
        StartState::Pending
    }
}

/// The deferred part of a start: `None` while STARTING.
pub(super) fn start_result(d: &Daemon, id: ProcId, name: &str) -> Option<Result<(), Fault>> {
    let p = d.sv.process(id);
    match p.held() {
        Some(sv_core::process::Held::Waiting(_)) => return None,
        Some(sv_core::process::Held::Failed(why)) => {
            let why = why.replacen("Dependency", "dependency", 1);
            return Some(Err(fault(SPAWN_ERROR, Some(&format!("{name} ({why})")))));
        }
        None => {}
    }
    if p.spawnerr.is_some() {
        return Some(Err(fault(SPAWN_ERROR, Some(name))));
    }
    match p.state() {
        ProcessState::Running => Some(Ok(())),
        ProcessState::Starting => None,
        _ => Some(Err(fault(ABNORMAL_TERMINATION, Some(name)))),
    }
}

/// Stops one process (the synchronous part of `stopProcess`); `Pending`
/// when the caller should wait for a stopped state. Faults name it `name`.
pub(super) fn stop_one(d: &mut Daemon, id: ProcId, wait: bool, name: &str) -> StartState {
    if !d.sv.process(id).state().is_running() {
        return StartState::Done(Err(fault(NOT_RUNNING, Some(name))));
    }
    let now = d.now();
    let mut fx = Vec::new();
    let r = d.sv.process_mut(id).stop(now, &mut fx);
    d.apply(fx.into_iter().map(|e| (id, e)).collect());
    if let Err(e) = r {
        return StartState::Done(Err(fault(FAILED, Some(&e.0))));
    }
    if !wait || d.sv.process(id).state().is_stopped() {
        StartState::Done(Ok(()))
    } else {
        // The caller waits: `waiting for x to stop` meanwhile.
        let mut fx = Vec::new();
        d.sv.process_mut(id).wait_for_stop(now, &mut fx);
        d.apply(fx.into_iter().map(|e| (id, e)).collect());
        StartState::Pending
    }
}

/// Signals one process; faults name it `name`.
pub(super) fn signal_one(
    d: &mut Daemon,
    id: ProcId,
    sig: Option<i32>,
    sig_text: &str,
    name: &str,
) -> Result<(), Fault> {
    let Some(sig) = sig else { return Err(fault(BAD_SIGNAL, Some(sig_text))) };
    if !d.sv.process(id).state().is_signallable() {
        return Err(fault(NOT_RUNNING, Some(name)));
    }
    let mut fx = Vec::new();
    let r = d.sv.process_mut(id).signal(sig, &mut fx);
    d.apply(fx.into_iter().map(|e| (id, e)).collect());
    r.map_err(|e| fault(FAILED, Some(&e.0)))
}

pub(super) fn clear_file(path: &str) -> std::io::Result<()> {
    std::fs::OpenOptions::new().write(true).truncate(true).open(path).map(|_| ())
}

/// Starts (or stops) every process in `ids` that needs it, then waits;
/// the results come in the reference's order: immediate ones first.
pub(super) async fn many(
    shared: &Shared,
    ids: Vec<ProcId>,
    wait: bool,
    start: bool,
) -> Vec<CallResult> {
    if !start && shared.daemon.borrow().has_deps {
        return stop_in_waves(shared, ids, wait).await;
    }
    many_now(shared, ids, wait, start).await
}

/// Stops `ids` so that no process is signalled while one of its
/// dependents (among `ids`, or bound to it) still runs: dependents first,
/// each wave stopped before the next is signalled. Without dependencies
/// this is one wave, the reference's stop.
async fn stop_in_waves(shared: &Shared, ids: Vec<ProcId>, wait: bool) -> Vec<CallResult> {
    let mut left: Vec<Named> = {
        let d = shared.daemon.borrow();
        ids.iter().map(|&id| Named::of(&d, id)).collect()
    };
    let mut results = Vec::new();
    while !left.is_empty() {
        let (wave, rest) = {
            let d = shared.daemon.borrow();
            let ids: Vec<ProcId> = left.iter().filter_map(|n| n.find(&d)).collect();
            let blocked = |id: ProcId| {
                d.sv.dependents(id).into_iter().any(|dep| {
                    let p = d.sv.process(dep);
                    !p.state().is_stopped()
                        && (ids.contains(&dep)
                            || p.config.checks.binding != sv_config::checks::Binding::None)
                })
            };
            let (mut wave, mut rest): (Vec<ProcId>, Vec<ProcId>) =
                ids.iter().partition(|&&id| !blocked(id));
            if wave.is_empty() {
                // Cannot happen without a cycle, which the configuration
                // refuses; stop the rest rather than wait forever.
                wave = std::mem::take(&mut rest);
            }
            (wave, rest.iter().map(|&id| Named::of(&d, id)).collect::<Vec<_>>())
        };
        let last = rest.is_empty();
        results.extend(Box::pin(many_now(shared, wave, wait || !last, false)).await);
        left = rest;
    }
    results
}

/// Stops the running dependents of `id` whose `dependency_binding` ties
/// them to it, and waits until they are stopped: an operator's stop of a
/// dependency stops them first. Returns those with a `restart` binding,
/// which [`hold_for_deps`] then leaves waiting for their dependencies.
pub(super) async fn stop_bound_dependents(shared: &Shared, id: ProcId) -> Vec<Named> {
    let (bound, restart) = {
        let mut d = shared.daemon.borrow_mut();
        if !d.has_deps {
            return Vec::new();
        }
        let bound = d.sv.bound_dependents(id);
        let now = d.now();
        let mut fx = Vec::new();
        let mut restart = Vec::new();
        for &b in &bound {
            let named = Named::of(&d, b);
            let p = d.sv.process_mut(b);
            if p.config.checks.binding == sv_config::checks::Binding::Restart {
                restart.push(named);
            }
            let mut out = Vec::new();
            if p.state().is_running() {
                let _ = p.stop(now, &mut out);
            }
            fx.extend(out.into_iter().map(|e| (b, e)));
        }
        d.apply(fx);
        (bound.iter().map(|&b| Named::of(&d, b)).collect::<Vec<_>>(), restart)
    };
    if bound.is_empty() {
        return restart;
    }
    shared.wake.notify_one();
    wait_until(shared, |d| {
        bound
            .iter()
            .all(|n| n.find(d).is_none_or(|id| d.sv.process(id).state().is_stopped()))
            .then_some(())
    })
    .await;
    restart
}

/// Leaves `restart`-bound dependents waiting for their dependencies, once
/// the dependency's stop has begun: they start again when it holds again.
pub(super) fn hold_for_deps(d: &mut Daemon, dependents: &[Named]) {
    for n in dependents {
        if let Some(id) = n.find(d) {
            let p = d.sv.process_mut(id);
            p.administrative_stop = false;
            p.hold_for_deps();
        }
    }
}

/// [`many`] without regard to dependencies.
async fn many_now(shared: &Shared, ids: Vec<ProcId>, wait: bool, start: bool) -> Vec<CallResult> {
    let mut results = Vec::new();
    let mut pending: Vec<Named> = Vec::new();
    {
        let mut d = shared.daemon.borrow_mut();
        for id in ids {
            let st = d.sv.process(id).state();
            if start == st.is_running() {
                continue;
            }
            let spec = spec_of(&d, id);
            let r = if start {
                start_one(&mut d, id, wait, &spec)
            } else {
                stop_one(&mut d, id, wait, &spec)
            };
            match r {
                StartState::Done(r) => results.push(call_result(&d, id, &r)),
                StartState::Pending => pending.push(Named::of(&d, id)),
            }
        }
    }
    shared.wake.notify_one();
    // The reply goes out once every deferred one is done; they are listed
    // in processing order, as the reference lists those that finish within
    // one of its 50 ms polls (docs/compatibility.md).
    if !pending.is_empty() {
        let done = wait_until(shared, |d| {
            pending
                .iter()
                .map(|who| pending_result(d, who, &who.spec(), start).map(|(v, _)| v))
                .collect::<Option<Vec<CallResult>>>()
        })
        .await;
        results.extend(done);
    }
    results
}

pub(super) use sv_config::diff::same_group;

/// Truncates a process's logs, only while it runs (reference quirk Q8).
pub(super) fn clear_process(d: &Daemon, id: ProcId) -> std::io::Result<()> {
    if d.sv.process(id).pid().is_none() {
        return Ok(());
    }
    for stderr in [false, true] {
        if let Some(p) = channel_path(d, id, stderr) {
            clear_file(&p)?;
        }
    }
    let rt = &d.sv.process(id).ext;
    for f in [&rt.stdout, &rt.stderr].into_iter().flatten() {
        f.borrow_mut().reopen()?;
    }
    Ok(())
}

pub(super) fn signal_many(
    d: &mut Daemon,
    ids: Vec<ProcId>,
    sig: Option<i32>,
    sig_text: &str,
) -> Vec<CallResult> {
    let mut out = Vec::new();
    for id in ids {
        if !d.sv.process(id).state().is_signallable() {
            continue;
        }
        let spec = spec_of(d, id);
        let r = signal_one(d, id, sig, sig_text, &spec);
        out.push(call_result(d, id, &r));
    }
    out
}
