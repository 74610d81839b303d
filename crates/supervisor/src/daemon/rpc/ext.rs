//! Our namespace, `ext.*`: readiness, health and dependencies as typed
//! data, and a deferred wait until processes are ready. Nothing here is
//! added to `supervisor.*` or `system.*`.

use super::*;
use crate::api::types::GroupPlan;

/// Whether `ext.*` is listed by `system.listMethods`: only when some
/// process uses readiness, health or dependency keys.
pub(super) fn listed(d: &Daemon) -> bool {
    d.sv.groups.iter().flat_map(|g| &g.processes).any(|p| p.config.checks.in_use())
}

/// A process's info with every `ext_*` member, whatever keys it uses.
fn full_info(d: &Daemon, id: ProcId, now: i64) -> ProcessInfo<'_> {
    let mut info = process_info(d, id, now);
    let p = d.sv.process(id);
    let mut e = info.ext.take().unwrap_or_default();
    let running = p.state() == ProcessState::Running;
    e.ready.get_or_insert(i64::from(running));
    e.waiting_for.get_or_insert_with(|| match p.held() {
        Some(sv_core::process::Held::Waiting(what)) => what.as_str().into(),
        _ => "".into(),
    });
    e.health.get_or_insert_with(|| p.health.state.name().into());
    e.health_failures.get_or_insert(i64::from(p.health.failures));
    e.health_output.get_or_insert_with(|| p.health.output.as_str().into());
    e.status_text.get_or_insert_with(|| "".into());
    e.depends_on = Some(
        p.config
            .checks
            .depends_on
            .iter()
            .map(|d| format!("{}={}", d.target.describe(), d.condition.name()))
            .collect::<Vec<_>>()
            .join(",")
            .into(),
    );
    let restarts: u32 = p.stats.restarts.iter().sum();
    e.restarts = Some(i64::from(restarts.min(i32::MAX as u32)));
    info.ext = Some(e);
    info
}

/// `ext.getProcessInfo`.
pub(super) fn get_process_info<'d>(d: &'d Daemon, name: &str) -> Result<ProcessInfo<'d>, Fault> {
    let id = lookup_process(d, name)?;
    Ok(full_info(d, id, int32(d.now().wall)))
}

/// `ext.getAllProcessInfo`.
pub(super) fn get_all_process_info(d: &Daemon) -> ProcessInfos<'_> {
    let now = int32(d.now().wall);
    ProcessInfos::new(all_sorted(d).into_iter().map(move |id| full_info(d, id, now)))
}

/// `ext.getDependencyGraph`.
pub(super) fn get_dependency_graph(d: &Daemon) -> Vec<GraphNode> {
    all_sorted(d)
        .into_iter()
        .map(|id| {
            let p = d.sv.process(id);
            let c = &p.config.checks;
            GraphNode {
                name: p.config.name.clone(),
                group: d.sv.groups[id.group].config.name.clone(),
                depends_on: c
                    .depends_on
                    .iter()
                    .map(|dep| (dep.target.describe(), dep.condition.name().to_owned()))
                    .collect(),
                dependents: d.sv.dependents(id).into_iter().map(|x| spec_of(d, x)).collect(),
                binding: match c.binding {
                    sv_config::checks::Binding::None => "none",
                    sv_config::checks::Binding::Stop => "stop",
                    sv_config::checks::Binding::Restart => "restart",
                }
                .to_owned(),
            }
        })
        .collect()
}

/// Whether a process is ready: RUNNING, and healthy when it has a health
/// check. `Err` names what it is doing instead.
fn ready(d: &Daemon, id: ProcId) -> Result<(), String> {
    let p = d.sv.process(id);
    let spec = spec_of(d, id);
    if p.state() != ProcessState::Running {
        return Err(format!("{spec} ({})", p.state().name()));
    }
    if p.config.checks.health.is_some() && p.health.state != sv_core::process::HealthState::Healthy
    {
        return Err(format!("{spec} ({})", p.health.state.name()));
    }
    Ok(())
}

/// `ext.waitReady(names, timeout)`: `true` once every named process (or
/// every process, for `all` or an empty list) is ready; a `FAILED` fault
/// naming the others after `timeout` seconds (0 or less: at once).
pub(super) async fn wait_ready(
    shared: &Shared,
    names: &Value,
    timeout: i64,
) -> Result<bool, Fault> {
    let names: Vec<String> = match names {
        Value::Array(items) => items.iter().map(|v| pyargs::py_str(v).into_owned()).collect(),
        other => vec![pyargs::py_str(other).into_owned()],
    };
    let targets: Vec<control::Named> = {
        let d = shared.daemon.borrow();
        let mut ids = Vec::new();
        if names.is_empty() || names.iter().any(|n| n == "all") {
            ids = all_sorted(&d);
        } else {
            for n in &names {
                match lookup(&d, n)? {
                    (g, None) => ids.extend(by_priority(&d, &[g])),
                    (g, Some(p)) => ids.push(ProcId { group: g, process: p }),
                }
            }
        }
        ids.into_iter().map(|id| control::Named::of(&d, id)).collect()
    };
    let laggards = |d: &Daemon| -> Vec<String> {
        targets
            .iter()
            .filter_map(|n| match n.find(d) {
                Some(id) => ready(d, id).err(),
                None => Some(format!("{} (removed)", n.spec())),
            })
            .collect()
    };
    let all_ready = wait_until(shared, |d| laggards(d).is_empty().then_some(()));
    let secs = u64::try_from(timeout).unwrap_or(0);
    match tokio::time::timeout(std::time::Duration::from_secs(secs), all_ready).await {
        Ok(()) => Ok(true),
        Err(_) => {
            let late = laggards(&shared.daemon.borrow()).join(", ");
            Err(fault(FAILED, Some(&format!("not ready: {late}"))))
        }
    }
}

/// `ext.planUpdate(names)`: what `update` would do, read from the file
/// again without keeping anything (unlike `reloadConfig`), against the
/// groups in use; only the named groups (all for none or `all`).
pub(super) fn plan_update(d: &Daemon, names: &Value) -> Result<Vec<GroupPlan>, Fault> {
    let names: Vec<String> = match names {
        Value::Array(items) => items.iter().map(|v| pyargs::py_str(v).into_owned()).collect(),
        other => vec![pyargs::py_str(other).into_owned()],
    };
    let loaded = read_config_again(d)?;
    let running: Vec<sv_config::GroupConfig> =
        d.sv.groups.iter().map(|g| (*g.config).clone()).collect();
    let mut plan = sv_config::diff::plan(&running, &loaded.config.groups);
    if !names.is_empty() && !names.iter().any(|n| n == "all") {
        plan.retain(|(g, _)| names.contains(g));
    }
    Ok(GroupPlan::from_plan(plan))
}

/// `ext.reconfigureProcess(name)`: gives one process the settings
/// `reloadConfig` last read for it, leaving the rest of its group alone.
/// Settings that steer supervision only (readiness, health, dependencies,
/// `essential`, `forward_output`) are applied while it runs (its checks
/// start again with them); any other change needs the process stopped
/// (`STILL_RUNNING` otherwise). `false` when nothing differs.
pub(super) fn reconfigure_process(d: &mut Daemon, name: &str) -> Result<bool, Fault> {
    let id = lookup_process(d, name)?;
    let group = d.sv.groups[id.group].config.name.clone();
    let current = &d.sv.process(id).config;
    let new = d
        .loaded_groups
        .iter()
        .find(|g| g.name == group)
        .and_then(|g| g.processes.iter().find(|p| p.name == current.name))
        .cloned()
        .ok_or_else(|| fault(BAD_NAME, Some(name)))?;
    let changes = sv_config::diff::process_changes(&group, current, &new);
    if changes.is_empty() {
        return Ok(false);
    }
    let restart = changes.iter().any(|c| !c.in_place);
    if restart && d.sv.process(id).pid().is_some() {
        return Err(fault(STILL_RUNNING, Some(name)));
    }
    let logs_changed = changes.iter().any(|c| {
        c.key.starts_with("stdout_") || c.key.starts_with("stderr_") || c.key == "redirect_stderr"
    });
    if logs_changed {
        let s = &d.cfg.supervisord;
        let paths = crate::daemon::output::log_paths(&new, &s.childlogdir, &s.identifier);
        d.sv.process_mut(id).ext.paths = paths;
    }
    let state = d.sv.process(id).state();
    let group = std::sync::Arc::make_mut(&mut d.sv.groups[id.group].config);
    if let Some(slot) = group.processes.iter_mut().find(|p| p.name == new.name) {
        *slot = new.clone();
    }
    d.sv.process_mut(id).config = new;
    d.has_deps = d.sv.has_deps();
    if !restart {
        d.checks_for_state(id, state);
    }
    Ok(true)
}
