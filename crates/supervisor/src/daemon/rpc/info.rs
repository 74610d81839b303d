//! Process and configuration information as the reference structures it:
//! the handlers of `getProcessInfo`, `getAllProcessInfo` and
//! `getAllConfigInfo`, with the reference's descriptions.

use super::*;

/// Whole seconds of a duration, for the wire.
fn secs(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

pub(super) fn int32(x: f64) -> i64 {
    (x as i64).clamp(0, i64::from(i32::MAX))
}

pub(super) fn timedelta(secs: i64) -> String {
    let secs = secs.max(0);
    let (days, rest) = (secs / 86400, secs % 86400);
    let hms = format!("{}:{:02}:{:02}", rest / 3600, (rest % 3600) / 60, rest % 60);
    match days {
        0 => hms,
        1 => format!("1 day, {hms}"),
        n => format!("{n} days, {hms}"),
    }
}

pub(super) fn local_stop_time(stop: i64) -> String {
    use chrono::TimeZone;
    chrono::Local
        .timestamp_opt(stop, 0)
        .single()
        .map(|t| t.format("%b %d %I:%M %p").to_string())
        .unwrap_or_default()
}

pub(super) fn describe<X>(p: &Process<X>, start: i64, stop: i64, now: i64) -> String {
    if let Some(held) = p.held() {
        return match held {
            sv_core::process::Held::Waiting(what) => format!("Waiting for {what}"),
            sv_core::process::Held::Failed(why) => why.clone(),
        };
    }
    match p.state() {
        ProcessState::Running => {
            let up = format!("pid {}, uptime {}", p.pid().unwrap_or(0), timedelta(now - start));
            let h = &p.health;
            if h.state == sv_core::process::HealthState::Unhealthy {
                let s = if h.failures == 1 { "" } else { "s" };
                format!("{up}, unhealthy ({} failure{s}: {})", h.failures, h.output)
            } else {
                up
            }
        }
        ProcessState::Fatal | ProcessState::Backoff => match p.spawnerr.as_deref() {
            Some(e) if !e.is_empty() => e.to_owned(),
            _ => format!("unknown error (try \"tail {}\")", p.config.name),
        },
        ProcessState::Stopped | ProcessState::Exited => {
            if start != 0 {
                local_stop_time(stop)
            } else {
                "Not started".to_owned()
            }
        }
        _ => String::new(),
    }
}

pub(super) fn path_str(p: &Option<std::path::PathBuf>) -> std::borrow::Cow<'_, str> {
    p.as_ref().map(|p| p.to_string_lossy()).unwrap_or_default()
}

/// One process's info as the reference structures it, borrowing the
/// daemon's texts.
pub(super) fn process_info(d: &Daemon, id: ProcId, now: i64) -> ProcessInfo<'_> {
    let p = d.sv.process(id);
    let paths = &p.ext.paths;
    let start = int32(p.laststart_wall);
    let stop = int32(p.laststop_wall);
    ProcessInfo {
        name: p.config.name.as_str().into(),
        group: d.sv.groups[id.group].config.name.as_str().into(),
        start,
        stop,
        now,
        state: Some(p.state()),
        statename: p.state().name().into(),
        spawnerr: p.spawnerr.as_deref().unwrap_or_default().into(),
        exitstatus: i64::from(p.exitstatus().unwrap_or(0)),
        stdout_logfile: path_str(&paths.stdout),
        stderr_logfile: path_str(&paths.stderr),
        pid: i64::from(p.pid().unwrap_or(0)),
        description: describe(p, start, stop, now).into(),
        ext: ext_info(p),
    }
}

/// Our members, only for a process that uses readiness, health or
/// dependency keys.
fn ext_info(p: &Process<crate::daemon::event_loop::Runtime>) -> Option<ExtInfo<'_>> {
    let c = &p.config.checks;
    if !c.in_use() {
        return None;
    }
    let mut e = ExtInfo::default();
    if c.ready_check != sv_config::checks::ReadyCheck::None {
        e.ready = Some(i64::from(p.state() == ProcessState::Running || p.ready));
    }
    if !c.depends_on.is_empty() {
        e.waiting_for = Some(match p.held() {
            Some(sv_core::process::Held::Waiting(what)) => what.as_str().into(),
            _ => "".into(),
        });
    }
    if c.health.is_some() {
        e.health = Some(p.health.state.name().into());
        e.health_failures = Some(i64::from(p.health.failures));
        e.health_output = Some(p.health.output.as_str().into());
    }
    if c.wants_notify() {
        e.status_text = Some(p.ext.checks.status_text().unwrap_or_default().into());
    }
    Some(e)
}

/// `getProcessInfo`.
pub(super) fn get_process_info<'d>(d: &'d Daemon, name: &str) -> Result<ProcessInfo<'d>, Fault> {
    let id = lookup_process(d, name)?;
    Ok(process_info(d, id, int32(d.now().wall)))
}

/// `getAllProcessInfo`, sorted by group then name.
pub(super) fn get_all_process_info(d: &Daemon) -> ProcessInfos<'_> {
    let now = int32(d.now().wall);
    ProcessInfos::new(all_sorted(d).into_iter().map(move |id| process_info(d, id, now)))
}

/// All processes sorted by group name, then process name.
pub(super) fn all_sorted(d: &Daemon) -> Vec<ProcId> {
    let mut ids = d.sv.ids();
    ids.sort_by(|a, b| {
        let (ga, gb) = (&d.sv.groups[a.group].config.name, &d.sv.groups[b.group].config.name);
        ga.cmp(gb).then_with(|| d.sv.process(*a).config.name.cmp(&d.sv.process(*b).config.name))
    });
    ids
}

/// What the status page shows of a process: the same state and
/// description as `getAllProcessInfo` gives, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessRow {
    /// `name` or `group:name`.
    pub namespec: String,
    /// Its state.
    pub state: ProcessState,
    /// The reference's description (`pid 1, uptime 0:00:05`).
    pub description: String,
    /// Readiness and health (`ready, healthy`), for a process that uses
    /// those keys.
    pub checks: Option<String>,
}

/// `ready`/`not ready`, `healthy`/`unhealthy`, for the status page.
fn checks_text(p: &Process<crate::daemon::event_loop::Runtime>) -> Option<String> {
    let c = &p.config.checks;
    let mut parts = Vec::new();
    if c.ready_check != sv_config::checks::ReadyCheck::None && p.state().is_running() {
        parts.push(if p.state() == ProcessState::Running || p.ready {
            "ready"
        } else {
            "not ready"
        });
    }
    if c.health.is_some() && p.state() == ProcessState::Running {
        match p.health.state {
            sv_core::process::HealthState::Unknown => {}
            s => parts.push(s.name()),
        }
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// Every process, sorted by group then name, as the status page shows it.
pub fn process_rows(d: &Daemon) -> Vec<ProcessRow> {
    let now = int32(d.now().wall);
    all_sorted(d)
        .into_iter()
        .map(|id| {
            let p = d.sv.process(id);
            ProcessRow {
                namespec: namespec::make(&d.sv.groups[id.group].config.name, &p.config.name),
                state: p.state(),
                description: describe(p, int32(p.laststart_wall), int32(p.laststop_wall), now),
                checks: checks_text(p),
            }
        })
        .collect()
}

pub(super) fn logfile_text(l: &LogFile, path: Option<String>) -> String {
    match (l, path) {
        (_, Some(p)) => p,
        (LogFile::Auto, None) => "auto".to_owned(),
        _ => "none".to_owned(),
    }
}

/// `getAllConfigInfo`: every process of the configuration last read,
/// sorted by name.
pub(super) fn get_all_config_info(d: &Daemon) -> Vec<ConfigInfo> {
    let mut items = Vec::new();
    for g in &d.loaded_groups {
        let running = d.sv.groups.iter().position(|r| r.config.name == g.name);
        for p in &g.processes {
            // Concrete paths of AUTO logs are known for groups in use.
            let id = running.and_then(|gi| {
                d.sv.groups[gi]
                    .processes
                    .iter()
                    .position(|x| x.config.name == p.name)
                    .map(|pi| ProcId { group: gi, process: pi })
            });
            let path = |stderr: bool| id.and_then(|id| channel_path(d, id, stderr));
            let none_or = |s: &Option<String>| s.clone().unwrap_or_else(|| "none".into());
            let stream = |s: &sv_config::StreamConfig, stderr: bool| StreamInfo {
                capture_maxbytes: s.capture_maxbytes,
                events_enabled: s.events_enabled,
                logfile: logfile_text(&s.logfile, path(stderr)),
                logfile_backups: s.logfile_backups,
                logfile_maxbytes: s.logfile_maxbytes,
                syslog: s.syslog,
            };
            items.push(ConfigInfo {
                autostart: p.autostart,
                directory: none_or(&p.directory),
                uid: p.uid,
                command: p.command.clone(),
                exitcodes: p.exitcodes.clone(),
                group: g.name.clone(),
                group_prio: g.priority,
                inuse: running.is_some(),
                killasgroup: p.killasgroup,
                name: p.name.clone(),
                process_prio: p.priority,
                redirect_stderr: p.redirect_stderr,
                startretries: p.startretries,
                startsecs: secs(p.startsecs),
                stdout: stream(&p.stdout, false),
                stopsignal: p.stopsignal.number(),
                stopwaitsecs: secs(p.stopwaitsecs),
                stderr: stream(&p.stderr, true),
                serverurl: none_or(&p.serverurl),
            });
        }
    }
    items.sort_by(|a, b| a.name.cmp(&b.name));
    items
}
