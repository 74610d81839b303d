//! What differs between the groups in use and the groups of a file read
//! again (ours: `reread --diff`, `update --dry-run`), key by key. Pure: two
//! configurations in, a plan out.
//!
//! A group is changed exactly when the reference's `reloadConfig` says so
//! (a log path that is AUTO on either side is no change); the key lines say
//! why. Keys of ours that only steer supervision (readiness, health,
//! dependencies, `essential`, `forward_output`) are marked as changes that
//! need no restart.

use crate::datatypes::LogFile;
use crate::model::{GroupConfig, ProcessConfig, StreamConfig};

/// One key of one process that differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyChange {
    /// The process (`group:name`, or the group for group keys).
    pub process: String,
    /// The key (`command`, `environment FOO`, ...).
    pub key: String,
    /// Its value in use (secrets masked).
    pub old: String,
    /// Its value in the file (secrets masked).
    pub new: String,
    /// A key of ours that only steers supervision: applying it needs no
    /// restart.
    pub in_place: bool,
}

/// What an update would do to one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupPlan {
    /// New in the file: added (and started, with autostart).
    Add,
    /// Gone from the file: stopped and removed.
    Remove,
    /// Changed: stopped, removed and added again; why.
    Change(Vec<KeyChange>),
}

/// The plan for every group that would change, in the order an update acts:
/// removed groups, changed ones, then added ones (each in configuration
/// order).
pub fn plan(running: &[GroupConfig], file: &[GroupConfig]) -> Vec<(String, GroupPlan)> {
    let mut out = Vec::new();
    for g in running {
        if !file.iter().any(|n| n.name == g.name) {
            out.push((g.name.clone(), GroupPlan::Remove));
        }
    }
    for n in file {
        if let Some(g) = running.iter().find(|g| g.name == n.name)
            && !same_group(g, n)
        {
            let mut changes = group_changes(g, n);
            if changes.is_empty() {
                changes.push(change(
                    &n.name,
                    "other settings",
                    String::new(),
                    String::new(),
                    false,
                ));
            }
            out.push((n.name.clone(), GroupPlan::Change(changes)));
        }
    }
    for n in file {
        if !running.iter().any(|g| g.name == n.name) {
            out.push((n.name.clone(), GroupPlan::Add));
        }
    }
    out
}

/// Whether two versions of a group are the same for `reloadConfig` (the
/// reference's rule: every setting equal, except log paths that are AUTO
/// on either side).
pub fn same_group(a: &GroupConfig, b: &GroupConfig) -> bool {
    fn stream(x: &StreamConfig, y: &StreamConfig) -> bool {
        let logs =
            x.logfile == y.logfile || x.logfile == LogFile::Auto || y.logfile == LogFile::Auto;
        let mut x = x.clone();
        x.logfile = y.logfile.clone();
        logs && x == *y
    }
    fn process(x: &ProcessConfig, y: &ProcessConfig) -> bool {
        let mut x2 = x.clone();
        x2.stdout = y.stdout.clone();
        x2.stderr = y.stderr.clone();
        x2.section = y.section.clone();
        stream(&x.stdout, &y.stdout) && stream(&x.stderr, &y.stderr) && x2 == *y
    }
    a.name == b.name
        && a.priority == b.priority
        && a.kind == b.kind
        && a.processes.len() == b.processes.len()
        && a.processes.iter().zip(&b.processes).all(|(x, y)| process(x, y))
}

fn change(process: &str, key: &str, old: String, new: String, in_place: bool) -> KeyChange {
    KeyChange { process: process.to_owned(), key: key.to_owned(), old, new, in_place }
}

/// The keys that differ between two versions of one group.
pub fn group_changes(a: &GroupConfig, b: &GroupConfig) -> Vec<KeyChange> {
    let mut out = Vec::new();
    if a.priority != b.priority {
        out.push(change(
            &a.name,
            "priority",
            a.priority.to_string(),
            b.priority.to_string(),
            false,
        ));
    }
    if a.kind != b.kind {
        out.push(change(&a.name, "kind", format!("{:?}", a.kind), format!("{:?}", b.kind), false));
    }
    let names = |g: &GroupConfig| g.processes.iter().map(|p| p.name.clone()).collect::<Vec<_>>();
    if names(a) != names(b) {
        out.push(change(&a.name, "processes", names(a).join(","), names(b).join(","), false));
        return out;
    }
    for (x, y) in a.processes.iter().zip(&b.processes) {
        out.extend(process_changes(&a.name, x, y));
    }
    out
}

fn text(v: &impl std::fmt::Debug) -> String {
    format!("{v:?}")
}

fn logfile(l: &LogFile) -> String {
    match l {
        LogFile::None => "NONE".into(),
        LogFile::Auto => "AUTO".into(),
        LogFile::Syslog => "syslog".into(),
        LogFile::Path(p) => p.clone(),
    }
}

/// Whether an environment variable's value is not shown.
fn secret(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["pass", "secret", "token", "key"].iter().any(|s| n.contains(s))
}

/// The keys that differ between two versions of one process.
pub fn process_changes(group: &str, a: &ProcessConfig, b: &ProcessConfig) -> Vec<KeyChange> {
    let spec = if group == a.name { a.name.clone() } else { format!("{group}:{}", a.name) };
    let mut out = Vec::new();
    let mut key = |k: &str, x: String, y: String, in_place: bool| {
        if x != y {
            out.push(change(&spec, k, x, y, in_place));
        }
    };
    key("command", a.command.clone(), b.command.clone(), false);
    key("directory", text(&a.directory), text(&b.directory), false);
    key("umask", text(&a.umask), text(&b.umask), false);
    key("priority", a.priority.to_string(), b.priority.to_string(), false);
    key("autostart", a.autostart.to_string(), b.autostart.to_string(), false);
    key("autorestart", text(&a.autorestart), text(&b.autorestart), false);
    key("startsecs", a.startsecs.as_secs().to_string(), b.startsecs.as_secs().to_string(), false);
    key("startretries", a.startretries.to_string(), b.startretries.to_string(), false);
    key("user", text(&a.uid), text(&b.uid), false);
    key("stopsignal", text(&a.stopsignal), text(&b.stopsignal), false);
    let (wa, wb) = (a.stopwaitsecs.as_secs(), b.stopwaitsecs.as_secs());
    key("stopwaitsecs", wa.to_string(), wb.to_string(), false);
    key("stopasgroup", a.stopasgroup.to_string(), b.stopasgroup.to_string(), false);
    key("killasgroup", a.killasgroup.to_string(), b.killasgroup.to_string(), false);
    key("exitcodes", text(&a.exitcodes), text(&b.exitcodes), false);
    key("redirect_stderr", a.redirect_stderr.to_string(), b.redirect_stderr.to_string(), false);
    key("serverurl", text(&a.serverurl), text(&b.serverurl), false);
    for (name, x, y) in [("stdout", &a.stdout, &b.stdout), ("stderr", &a.stderr, &b.stderr)] {
        stream_changes(name, x, y, &mut key);
    }
    key("essential", a.essential.to_string(), b.essential.to_string(), true);
    key("forward_output", a.forward_output.to_string(), b.forward_output.to_string(), true);
    key("timestamp_format", text(&a.timestamp_format), text(&b.timestamp_format), false);
    if a.checks != b.checks {
        key("readiness, health or dependency keys", text(&a.checks), text(&b.checks), true);
    }
    // Compared as written, shown masked: a changed secret is a change.
    let shown = |var: &str, v: Option<&String>| match v {
        None => "(unset)".to_owned(),
        Some(_) if secret(var) => "***".to_owned(),
        Some(v) => format!("{v:?}"),
    };
    for (var, old) in &a.environment {
        let new = b.environment.iter().find(|(k, _)| k == var).map(|(_, v)| v);
        if new != Some(old) {
            let (x, y) = (shown(var, Some(old)), shown(var, new));
            out.push(change(&spec, &format!("environment {var}"), x, y, false));
        }
    }
    for (var, new) in &b.environment {
        if !a.environment.iter().any(|(k, _)| k == var) {
            let y = shown(var, Some(new));
            out.push(change(&spec, &format!("environment {var}"), "(unset)".into(), y, false));
        }
    }
    out
}

fn stream_changes(
    name: &str,
    a: &StreamConfig,
    b: &StreamConfig,
    key: &mut impl FnMut(&str, String, String, bool),
) {
    // An AUTO log on either side is no change (the reference's rule: AUTO
    // names are made at startup).
    if a.logfile != LogFile::Auto && b.logfile != LogFile::Auto {
        key(&format!("{name}_logfile"), logfile(&a.logfile), logfile(&b.logfile), false);
    }
    let k = |s: &str| format!("{name}_{s}");
    key(
        &k("logfile_maxbytes"),
        a.logfile_maxbytes.to_string(),
        b.logfile_maxbytes.to_string(),
        false,
    );
    key(&k("logfile_backups"), a.logfile_backups.to_string(), b.logfile_backups.to_string(), false);
    key(
        &k("capture_maxbytes"),
        a.capture_maxbytes.to_string(),
        b.capture_maxbytes.to_string(),
        false,
    );
    key(&k("events_enabled"), a.events_enabled.to_string(), b.events_enabled.to_string(), false);
    key(&k("syslog"), a.syslog.to_string(), b.syslog.to_string(), false);
    if a.timestamped != LogFile::Auto || b.timestamped != LogFile::Auto {
        key(&k("timestamped_logfile"), logfile(&a.timestamped), logfile(&b.timestamped), false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::FakeHost;

    fn groups(text: &str) -> Vec<GroupConfig> {
        let host = FakeHost::default().with_file("/etc/s.conf", &format!("[supervisord]\n{text}"));
        crate::load::load_server("/etc/s.conf", &host, &Default::default())
            .expect("valid")
            .config
            .groups
    }

    fn lines(p: &[(String, GroupPlan)]) -> Vec<String> {
        let mut out = Vec::new();
        for (g, plan) in p {
            match plan {
                GroupPlan::Add => out.push(format!("{g}: add")),
                GroupPlan::Remove => out.push(format!("{g}: remove")),
                GroupPlan::Change(cs) => {
                    out.push(format!("{g}: change"));
                    for c in cs {
                        let how = if c.in_place { " (in place)" } else { "" };
                        out.push(format!("  {} {}: {} -> {}{how}", c.process, c.key, c.old, c.new));
                    }
                }
            }
        }
        out
    }

    #[test]
    fn plans_say_what_changed_key_by_key() {
        let old = groups(
            "[program:web]\ncommand=/bin/web --port 80\nenvironment=A=1,API_TOKEN=s1\n\
             [program:gone]\ncommand=/bin/gone\n\
             [program:auto]\ncommand=/bin/a\nstdout_logfile=AUTO\n\
             [group:g]\nprograms=x,y\n[program:x]\ncommand=/bin/x\n[program:y]\ncommand=/bin/y\n",
        );
        let new = groups(
            "[program:web]\ncommand=/bin/web --port 8080\nenvironment=A=2,API_TOKEN=s2,B=3\n\
             [program:auto]\ncommand=/bin/a\nstdout_logfile=/var/log/a.log\n\
             [group:g]\nprograms=x,y\n[program:x]\ncommand=/bin/x\n[program:y]\ncommand=/bin/y\n\
             essential=true\n\
             [program:new]\ncommand=/bin/new\n",
        );
        assert_eq!(
            lines(&plan(&old, &new)),
            [
                "gone: remove",
                "g: change",
                "  g:y essential: false -> true (in place)",
                "web: change",
                "  web command: /bin/web --port 80 -> /bin/web --port 8080",
                "  web environment A: \"1\" -> \"2\"",
                "  web environment API_TOKEN: *** -> ***",
                "  web environment B: (unset) -> \"3\"",
                "new: add",
            ]
        );
        assert!(plan(&old, &old).is_empty(), "nothing to do");
    }
}
