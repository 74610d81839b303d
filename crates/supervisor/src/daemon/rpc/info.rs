//! Process and configuration information as the reference structures it:
//! `getProcessInfo`, `getAllProcessInfo` (encoded while the processes are
//! walked) and `getAllConfigInfo`, with the reference's descriptions.

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
    match p.state {
        ProcessState::Running => {
            format!("pid {}, uptime {}", p.pid.unwrap_or(0), timedelta(now - start))
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

pub(super) fn process_info(d: &Daemon, id: ProcId) -> Value {
    process_info_at(d, id, int32(d.now().wall))
}

/// One process's info as borrowed struct members, in the reference's
/// order, handed to `f` (which builds a [`Value`] or encodes them directly).
pub(super) fn with_process_fields<R>(
    d: &Daemon,
    id: ProcId,
    now: i64,
    f: impl FnOnce(&[(&'static str, Field<'_>)]) -> R,
) -> R {
    let p = d.sv.process(id);
    let rt = &d.sv.process(id).ext;
    let start = int32(p.laststart_wall);
    let stop = int32(p.laststop_wall);
    let stdout = path_str(&rt.paths.stdout);
    let stderr = path_str(&rt.paths.stderr);
    let description = describe(p, start, stop, now);
    f(&[
        ("name", Field::Str(&p.config.name)),
        ("group", Field::Str(&d.sv.groups[id.group].config.name)),
        ("start", Field::Int(start)),
        ("stop", Field::Int(stop)),
        ("now", Field::Int(now)),
        ("state", Field::Int(i64::from(p.state.code()))),
        ("statename", Field::Str(p.state.name())),
        ("spawnerr", Field::Str(p.spawnerr.as_deref().unwrap_or_default())),
        ("exitstatus", Field::Int(i64::from(p.exitstatus.unwrap_or(0)))),
        ("logfile", Field::Str(&stdout)),
        ("stdout_logfile", Field::Str(&stdout)),
        ("stderr_logfile", Field::Str(&stderr)),
        ("pid", Field::Int(i64::from(p.pid.unwrap_or(0)))),
        ("description", Field::Str(&description)),
    ])
}

pub(super) fn process_info_at(d: &Daemon, id: ProcId, now: i64) -> Value {
    with_process_fields(d, id, now, |m| Value::structure(m.iter().map(|(k, v)| (*k, v.to_value()))))
}

/// `getAllProcessInfo`'s answer, encoded as it is gathered: no tree of
/// values for a list that is large and asked for often.
pub(super) fn all_process_info_raw(d: &Daemon) -> Value {
    let now = int32(d.now().wall);
    let ids = all_sorted(d);
    let mut out = String::with_capacity(ids.len() * 900 + 64);
    sv_xmlrpc::begin_array(&mut out);
    for id in ids {
        with_process_fields(d, id, now, |m| sv_xmlrpc::encode_struct(m, &mut out));
    }
    sv_xmlrpc::end_array(&mut out);
    Value::Raw(out)
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
                state: p.state,
                description: describe(p, int32(p.laststart_wall), int32(p.laststop_wall), now),
            }
        })
        .collect()
}

pub(super) fn logfile_text(l: &LogFile, path: Option<String>) -> Value {
    match (l, path) {
        (_, Some(p)) => Value::from(p),
        (LogFile::Auto, None) => Value::from("auto"),
        _ => Value::from("none"),
    }
}

pub(super) fn config_info(d: &Daemon) -> Value {
    let mut items: Vec<(String, Value)> = Vec::new();
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
            let none_or =
                |s: &Option<String>| Value::from(s.clone().unwrap_or_else(|| "none".into()));
            let v = Value::structure([
                ("autostart", Value::Bool(p.autostart)),
                ("directory", none_or(&p.directory)),
                ("uid", p.uid.map_or(Value::from("none"), |u| Value::Int(i64::from(u)))),
                ("command", Value::from(p.command.as_str())),
                ("exitcodes", Value::Array(p.exitcodes.iter().map(|c| Value::from(*c)).collect())),
                ("group", Value::from(g.name.as_str())),
                ("group_prio", Value::Int(g.priority)),
                ("inuse", Value::Bool(running.is_some())),
                ("killasgroup", Value::Bool(p.killasgroup)),
                ("name", Value::from(p.name.as_str())),
                ("process_prio", Value::Int(p.priority)),
                ("redirect_stderr", Value::Bool(p.redirect_stderr)),
                ("startretries", Value::Int(p.startretries)),
                ("startsecs", Value::Int(secs(p.startsecs))),
                ("stdout_capture_maxbytes", Value::Int(p.stdout.capture_maxbytes)),
                ("stdout_events_enabled", Value::Bool(p.stdout.events_enabled)),
                ("stdout_logfile", logfile_text(&p.stdout.logfile, path(false))),
                ("stdout_logfile_backups", Value::Int(p.stdout.logfile_backups)),
                ("stdout_logfile_maxbytes", Value::Int(p.stdout.logfile_maxbytes)),
                ("stdout_syslog", Value::Bool(p.stdout.syslog)),
                ("stopsignal", Value::from(p.stopsignal.number())),
                ("stopwaitsecs", Value::Int(secs(p.stopwaitsecs))),
                ("stderr_capture_maxbytes", Value::Int(p.stderr.capture_maxbytes)),
                ("stderr_events_enabled", Value::Bool(p.stderr.events_enabled)),
                ("stderr_logfile", logfile_text(&p.stderr.logfile, path(true))),
                ("stderr_logfile_backups", Value::Int(p.stderr.logfile_backups)),
                ("stderr_logfile_maxbytes", Value::Int(p.stderr.logfile_maxbytes)),
                ("stderr_syslog", Value::Bool(p.stderr.syslog)),
                ("serverurl", none_or(&p.serverurl)),
            ]);
            items.push((p.name.clone(), v));
        }
    }
    items.sort_by(|a, b| a.0.cmp(&b.0));
    Value::Array(items.into_iter().map(|(_, v)| v).collect())
}
