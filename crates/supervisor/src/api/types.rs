//! The API's results as types, one per kind of answer, shared by the three
//! sides of the wire: the daemon's handlers build them and return them
//! ([`Reply`] encodes them, in the reference's member order), the web page
//! reads the same types, and supervisorctl decodes the daemon's answers
//! into them, with states as [`ProcessState`]s rather than numbers compared
//! by hand. When decoding, a member that is missing or of another type
//! reads as empty or zero: a real daemon always sends them all.

use std::borrow::Cow;

use sv_core::state::{ProcessState, SupervisorState};
use sv_xmlrpc::{Field, Value};

/// What a handler returns: a typed value that becomes one XML-RPC value.
pub trait Reply {
    /// The value on the wire.
    fn into_value(self) -> Value;
}

impl Reply for Value {
    fn into_value(self) -> Value {
        self
    }
}

impl Reply for bool {
    fn into_value(self) -> Value {
        Value::Bool(self)
    }
}

impl Reply for i64 {
    fn into_value(self) -> Value {
        Value::Int(self)
    }
}

impl Reply for String {
    fn into_value(self) -> Value {
        Value::String(self)
    }
}

impl Reply for &str {
    fn into_value(self) -> Value {
        Value::from(self)
    }
}

impl<T: Reply> Reply for Vec<T> {
    fn into_value(self) -> Value {
        Value::Array(self.into_iter().map(Reply::into_value).collect())
    }
}

/// `getState`: the daemon's mood.
impl Reply for SupervisorState {
    fn into_value(self) -> Value {
        Value::structure([
            ("statecode", Value::from(self.code())),
            ("statename", Value::from(self.name())),
        ])
    }
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_owned()
}

fn int(v: &Value, key: &str) -> i64 {
    v.get(key).and_then(Value::as_int).unwrap_or(0)
}

fn flag(v: &Value, key: &str) -> bool {
    v.get(key) == Some(&Value::Bool(true))
}

fn list<T>(v: &Value, one: impl Fn(&Value) -> T) -> Vec<T> {
    match v {
        Value::Array(items) => items.iter().map(one).collect(),
        _ => Vec::new(),
    }
}

/// One process, as `getProcessInfo` and `getAllProcessInfo` describe it.
/// The daemon's copy borrows its texts; a decoded one owns them.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessInfo<'a> {
    /// Its name.
    pub name: Cow<'a, str>,
    /// Its group.
    pub group: Cow<'a, str>,
    /// Wall-clock second of the last start (0: never).
    pub start: i64,
    /// Wall-clock second of the last exit (0: never).
    pub stop: i64,
    /// The daemon's wall-clock second.
    pub now: i64,
    /// Its state (`None` for a code this version does not know).
    pub state: Option<ProcessState>,
    /// The state's name as the daemon sent it.
    pub statename: Cow<'a, str>,
    /// Why the last start failed.
    pub spawnerr: Cow<'a, str>,
    /// The last exit status (0 when there is none).
    pub exitstatus: i64,
    /// The stdout log's path (empty: none).
    pub stdout_logfile: Cow<'a, str>,
    /// The stderr log's path (empty: none).
    pub stderr_logfile: Cow<'a, str>,
    /// Its pid, 0 without a child.
    pub pid: i64,
    /// The reference's description (`pid 1, uptime 0:00:05`).
    pub description: Cow<'a, str>,
    /// Our members, for a process that uses readiness, health or
    /// dependency keys (none otherwise: the reference's 14 members only).
    pub ext: Option<ExtInfo<'a>>,
}

impl ProcessInfo<'_> {
    /// One process as `status --json` and `/api/v1/processes` show it: every key always present,
    /// `null` where the daemon does not know (our members, against the
    /// reference's daemon).
    pub fn to_json(&self) -> serde_json::Value {
        let v = self;
        use serde_json::{Value as J, json};
        let opt_int = |n: i64| if n == 0 { J::Null } else { J::from(n) };
        let opt_text = |s: &str| if s.is_empty() { J::Null } else { J::from(s) };
        let running = v.state == Some(ProcessState::Running);
        let ext = v.ext.as_ref();
        json!({
            "namespec": v.namespec(),
            "name": v.name.as_ref(),
            "group": v.group.as_ref(),
            "state": v.statename.as_ref(),
            "state_code": v.state.map_or(J::Null, |s| J::from(s.code())),
            "pid": opt_int(v.pid),
            "description": v.description.as_ref(),
            "started_at": opt_int(v.start),
            "stopped_at": opt_int(v.stop),
            "uptime_seconds": if running && v.start > 0 { J::from((v.now - v.start).max(0)) } else { J::Null },
            "exit_status": v.exitstatus,
            "spawn_error": opt_text(&v.spawnerr),
            "stdout_logfile": opt_text(&v.stdout_logfile),
            "stderr_logfile": opt_text(&v.stderr_logfile),
            "ready": ext.and_then(|e| e.ready).map_or(J::Null, |r| J::from(r == 1)),
            "waiting_for": ext.and_then(|e| e.waiting_for.as_deref()).map_or(J::Null, opt_text),
            "health": ext.and_then(|e| e.health.as_deref()).map_or(J::Null, J::from),
            "restarts": ext.and_then(|e| e.restarts).map_or(J::Null, J::from),
            "depends_on": ext.and_then(|e| e.depends_on.as_deref()).map_or(J::Null, |d| {
            d.split(',')
                .filter(|item| !item.is_empty())
                .map(|item| {
                    let (target, condition) = item.split_once('=').unwrap_or((item, ""));
                    json!({"target": target, "condition": condition})
                })
                .collect()
        }),
        })
    }
}

/// The `ext_*` members of a process's info: strings and 32-bit integers
/// only, which every XML-RPC client reads or skips.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExtInfo<'a> {
    /// `ext_ready`: 1 once the current run is ready (with a `ready_check`).
    pub ready: Option<i64>,
    /// `ext_waiting_for`: the dependencies a held start waits for (with
    /// `depends_on`; empty when none).
    pub waiting_for: Option<Cow<'a, str>>,
    /// `ext_health`: `unknown`, `healthy` or `unhealthy` (with a
    /// `health_check`).
    pub health: Option<Cow<'a, str>>,
    /// `ext_health_failures`: failed checks in a row.
    pub health_failures: Option<i64>,
    /// `ext_health_output`: what the last check said.
    pub health_output: Option<Cow<'a, str>>,
    /// `ext_status_text`: the last `STATUS=` sent on the notify socket.
    pub status_text: Option<Cow<'a, str>>,
    /// `ext_restarts`: automatic restarts since the program was added.
    pub restarts: Option<i64>,
    /// `ext_depends_on`: its dependencies as `TARGET=CONDITION` items
    /// separated by commas (empty: none).
    pub depends_on: Option<Cow<'a, str>>,
}

impl ExtInfo<'_> {
    fn fields(&self) -> Vec<(&'static str, Field<'_>)> {
        let mut out = Vec::new();
        if let Some(r) = self.ready {
            out.push(("ext_ready", Field::Int(r)));
        }
        if let Some(w) = &self.waiting_for {
            out.push(("ext_waiting_for", Field::Str(w)));
        }
        if let Some(h) = &self.health {
            out.push(("ext_health", Field::Str(h)));
        }
        if let Some(f) = self.health_failures {
            out.push(("ext_health_failures", Field::Int(f)));
        }
        if let Some(o) = &self.health_output {
            out.push(("ext_health_output", Field::Str(o)));
        }
        if let Some(t) = &self.status_text {
            out.push(("ext_status_text", Field::Str(t)));
        }
        if let Some(n) = self.restarts {
            out.push(("ext_restarts", Field::Int(n)));
        }
        if let Some(d) = &self.depends_on {
            out.push(("ext_depends_on", Field::Str(d)));
        }
        out
    }

    fn from_value(v: &Value) -> Option<ExtInfo<'static>> {
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(|x| Cow::Owned(x.to_owned()));
        let i = |k: &str| v.get(k).and_then(Value::as_int);
        let e = ExtInfo {
            ready: i("ext_ready"),
            waiting_for: s("ext_waiting_for"),
            health: s("ext_health"),
            health_failures: i("ext_health_failures"),
            health_output: s("ext_health_output"),
            status_text: s("ext_status_text"),
            restarts: i("ext_restarts"),
            depends_on: s("ext_depends_on"),
        };
        (e != ExtInfo::default()).then_some(e)
    }
}

impl ProcessInfo<'_> {
    /// Every member in order: the reference's, then ours.
    fn all_fields(&self) -> Vec<(&'static str, Field<'_>)> {
        let mut out = self.fields().to_vec();
        if let Some(e) = &self.ext {
            out.extend(e.fields());
        }
        out
    }

    fn encode(&self, out: &mut String) {
        match &self.ext {
            None => sv_xmlrpc::encode_struct(&self.fields(), out),
            Some(_) => sv_xmlrpc::encode_struct(&self.all_fields(), out),
        }
    }

    /// Its members in the reference's order, borrowed, for encoding.
    fn fields(&self) -> [(&'static str, Field<'_>); 14] {
        [
            ("name", Field::Str(&self.name)),
            ("group", Field::Str(&self.group)),
            ("start", Field::Int(self.start)),
            ("stop", Field::Int(self.stop)),
            ("now", Field::Int(self.now)),
            ("state", Field::Int(self.state.map_or(-1, |s| i64::from(s.code())))),
            ("statename", Field::Str(&self.statename)),
            ("spawnerr", Field::Str(&self.spawnerr)),
            ("exitstatus", Field::Int(self.exitstatus)),
            ("logfile", Field::Str(&self.stdout_logfile)),
            ("stdout_logfile", Field::Str(&self.stdout_logfile)),
            ("stderr_logfile", Field::Str(&self.stderr_logfile)),
            ("pid", Field::Int(self.pid)),
            ("description", Field::Str(&self.description)),
        ]
    }

    /// Decodes one info struct.
    pub fn from_value(v: &Value) -> ProcessInfo<'static> {
        ProcessInfo {
            name: text(v, "name").into(),
            group: text(v, "group").into(),
            start: int(v, "start"),
            stop: int(v, "stop"),
            now: int(v, "now"),
            state: ProcessState::from_code(int(v, "state")),
            statename: text(v, "statename").into(),
            spawnerr: text(v, "spawnerr").into(),
            exitstatus: int(v, "exitstatus"),
            stdout_logfile: text(v, "stdout_logfile").into(),
            stderr_logfile: text(v, "stderr_logfile").into(),
            pid: int(v, "pid"),
            description: text(v, "description").into(),
            ext: ExtInfo::from_value(v),
        }
    }

    /// Decodes a list of them.
    pub fn list(v: &Value) -> Vec<ProcessInfo<'static>> {
        list(v, ProcessInfo::from_value)
    }

    /// `name` or `group:name`.
    pub fn namespec(&self) -> String {
        sv_core::namespec::make(&self.group, &self.name)
    }

    /// STOPPED, EXITED, FATAL or UNKNOWN (or a state this version does not
    /// know, which the reference would not count as stopped).
    pub fn is_stopped(&self) -> bool {
        self.state.is_some_and(ProcessState::is_stopped)
    }
}

impl Reply for ProcessInfo<'_> {
    fn into_value(self) -> Value {
        Value::structure(self.all_fields().iter().map(|(k, v)| (*k, v.to_value())))
    }
}

/// `getAllProcessInfo`'s answer: each process's info made and encoded
/// straight into the reply, one at a time, with no list of them and no tree
/// of values for an answer that is large and asked for often.
pub struct ProcessInfos<'a>(pub Box<dyn Iterator<Item = ProcessInfo<'a>> + 'a>);

impl<'a> ProcessInfos<'a> {
    /// The infos `items` yields.
    pub fn new(items: impl Iterator<Item = ProcessInfo<'a>> + 'a) -> Self {
        ProcessInfos(Box::new(items))
    }
}

impl Reply for ProcessInfos<'_> {
    fn into_value(self) -> Value {
        let mut out = String::with_capacity(self.0.size_hint().0 * 900 + 64);
        sv_xmlrpc::begin_array(&mut out);
        for info in self.0 {
            info.encode(&mut out);
        }
        sv_xmlrpc::end_array(&mut out);
        Value::Raw(out)
    }
}

/// The outcome for one process of a call on many (`startAllProcesses`...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallResult {
    /// Its name.
    pub name: String,
    /// Its group.
    pub group: String,
    /// The fault code, or `SUCCESS`.
    pub status: i32,
    /// The fault text, or `OK`.
    pub description: String,
}

impl CallResult {
    /// Decodes a list of result structs.
    pub fn list(v: &Value) -> Vec<CallResult> {
        list(v, |r| CallResult {
            name: text(r, "name"),
            group: text(r, "group"),
            status: i32::try_from(int(r, "status")).unwrap_or(i32::MAX),
            description: text(r, "description"),
        })
    }

    /// `name` or `group:name`.
    pub fn namespec(&self) -> String {
        sv_core::namespec::make(&self.group, &self.name)
    }
}

impl Reply for CallResult {
    fn into_value(self) -> Value {
        Value::structure([
            ("name", Value::from(self.name)),
            ("group", Value::from(self.group)),
            ("status", Value::from(self.status)),
            ("description", Value::from(self.description)),
        ])
    }
}

/// The answer of a call that names one process or a whole group
/// (`startProcess('g:*')`, `signalProcess('g:*', ...)`): `true`, or one
/// result per process of the group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The one process named.
    Done,
    /// Each process of the group.
    Each(Vec<CallResult>),
}

impl Reply for Outcome {
    fn into_value(self) -> Value {
        match self {
            Outcome::Done => Value::Bool(true),
            Outcome::Each(results) => results.into_value(),
        }
    }
}

/// One output stream's settings in [`ConfigInfo`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StreamInfo {
    /// `capture_maxbytes`.
    pub capture_maxbytes: i64,
    /// `events_enabled`.
    pub events_enabled: bool,
    /// The log's path, `auto` or `none`.
    pub logfile: String,
    /// `logfile_backups`.
    pub logfile_backups: i64,
    /// `logfile_maxbytes`.
    pub logfile_maxbytes: i64,
    /// `syslog`.
    pub syslog: bool,
}

/// One process's configuration, as `getAllConfigInfo` describes it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConfigInfo {
    /// `autostart`.
    pub autostart: bool,
    /// `directory` (`none` when unset).
    pub directory: String,
    /// The uid it runs as, when `user` is set.
    pub uid: Option<u32>,
    /// `command`.
    pub command: String,
    /// `exitcodes`.
    pub exitcodes: Vec<i32>,
    /// Its group.
    pub group: String,
    /// The group's priority.
    pub group_prio: i64,
    /// Whether its group is managed now.
    pub inuse: bool,
    /// `killasgroup`.
    pub killasgroup: bool,
    /// Its name.
    pub name: String,
    /// The process's priority.
    pub process_prio: i64,
    /// `redirect_stderr`.
    pub redirect_stderr: bool,
    /// `startretries`.
    pub startretries: i64,
    /// `startsecs`, whole seconds.
    pub startsecs: i64,
    /// stdout's settings.
    pub stdout: StreamInfo,
    /// `stopsignal`'s number.
    pub stopsignal: i32,
    /// `stopwaitsecs`, whole seconds.
    pub stopwaitsecs: i64,
    /// stderr's settings.
    pub stderr: StreamInfo,
    /// `serverurl` (`none` when unset).
    pub serverurl: String,
}

impl ConfigInfo {
    /// Decodes a list of them.
    pub fn list(v: &Value) -> Vec<ConfigInfo> {
        let stream = |c: &Value, prefix: &str| StreamInfo {
            capture_maxbytes: int(c, &format!("{prefix}_capture_maxbytes")),
            events_enabled: flag(c, &format!("{prefix}_events_enabled")),
            logfile: text(c, &format!("{prefix}_logfile")),
            logfile_backups: int(c, &format!("{prefix}_logfile_backups")),
            logfile_maxbytes: int(c, &format!("{prefix}_logfile_maxbytes")),
            syslog: flag(c, &format!("{prefix}_syslog")),
        };
        list(v, |c| ConfigInfo {
            autostart: flag(c, "autostart"),
            directory: text(c, "directory"),
            uid: c.get("uid").and_then(Value::as_int).and_then(|u| u32::try_from(u).ok()),
            command: text(c, "command"),
            exitcodes: match c.get("exitcodes") {
                Some(Value::Array(codes)) => codes
                    .iter()
                    .filter_map(|x| x.as_int().and_then(|x| i32::try_from(x).ok()))
                    .collect(),
                _ => Vec::new(),
            },
            group: text(c, "group"),
            group_prio: int(c, "group_prio"),
            inuse: flag(c, "inuse"),
            killasgroup: flag(c, "killasgroup"),
            name: text(c, "name"),
            process_prio: int(c, "process_prio"),
            redirect_stderr: flag(c, "redirect_stderr"),
            startretries: int(c, "startretries"),
            startsecs: int(c, "startsecs"),
            stdout: stream(c, "stdout"),
            stopsignal: i32::try_from(int(c, "stopsignal")).unwrap_or(0),
            stopwaitsecs: int(c, "stopwaitsecs"),
            stderr: stream(c, "stderr"),
            serverurl: text(c, "serverurl"),
        })
    }
}

impl Reply for ConfigInfo {
    fn into_value(self) -> Value {
        let ConfigInfo { stdout: o, stderr: e, .. } = &self;
        Value::structure([
            ("autostart", Value::Bool(self.autostart)),
            ("directory", Value::from(self.directory.as_str())),
            ("uid", self.uid.map_or(Value::from("none"), |u| Value::Int(i64::from(u)))),
            ("command", Value::from(self.command.as_str())),
            ("exitcodes", Value::Array(self.exitcodes.iter().map(|c| Value::from(*c)).collect())),
            ("group", Value::from(self.group.as_str())),
            ("group_prio", Value::Int(self.group_prio)),
            ("inuse", Value::Bool(self.inuse)),
            ("killasgroup", Value::Bool(self.killasgroup)),
            ("name", Value::from(self.name.as_str())),
            ("process_prio", Value::Int(self.process_prio)),
            ("redirect_stderr", Value::Bool(self.redirect_stderr)),
            ("startretries", Value::Int(self.startretries)),
            ("startsecs", Value::Int(self.startsecs)),
            ("stdout_capture_maxbytes", Value::Int(o.capture_maxbytes)),
            ("stdout_events_enabled", Value::Bool(o.events_enabled)),
            ("stdout_logfile", Value::from(o.logfile.as_str())),
            ("stdout_logfile_backups", Value::Int(o.logfile_backups)),
            ("stdout_logfile_maxbytes", Value::Int(o.logfile_maxbytes)),
            ("stdout_syslog", Value::Bool(o.syslog)),
            ("stopsignal", Value::from(self.stopsignal)),
            ("stopwaitsecs", Value::Int(self.stopwaitsecs)),
            ("stderr_capture_maxbytes", Value::Int(e.capture_maxbytes)),
            ("stderr_events_enabled", Value::Bool(e.events_enabled)),
            ("stderr_logfile", Value::from(e.logfile.as_str())),
            ("stderr_logfile_backups", Value::Int(e.logfile_backups)),
            ("stderr_logfile_maxbytes", Value::Int(e.logfile_maxbytes)),
            ("stderr_syslog", Value::Bool(e.syslog)),
            ("serverurl", Value::from(self.serverurl.as_str())),
        ])
    }
}

/// `reloadConfig`'s answer: the groups the configuration file now adds,
/// changes and removes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReloadDiff {
    /// Groups only in the file.
    pub added: Vec<String>,
    /// Groups whose configuration differs.
    pub changed: Vec<String>,
    /// Groups only in the daemon.
    pub removed: Vec<String>,
}

impl ReloadDiff {
    /// Decodes the answer.
    pub fn from_value(v: &Value) -> ReloadDiff {
        let names = |v: Option<&Value>| match v {
            Some(Value::Array(items)) => {
                items.iter().filter_map(|n| n.as_str().map(str::to_owned)).collect()
            }
            _ => Vec::new(),
        };
        match v {
            Value::Array(outer) => match outer.first() {
                Some(Value::Array(lists)) => ReloadDiff {
                    added: names(lists.first()),
                    changed: names(lists.get(1)),
                    removed: names(lists.get(2)),
                },
                _ => ReloadDiff::default(),
            },
            _ => ReloadDiff::default(),
        }
    }
}

impl Reply for ReloadDiff {
    fn into_value(self) -> Value {
        Value::Array(vec![Value::Array(vec![
            self.added.into_value(),
            self.changed.into_value(),
            self.removed.into_value(),
        ])])
    }
}

/// One process in `ext.getDependencyGraph`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GraphNode {
    /// Its name.
    pub name: String,
    /// Its group.
    pub group: String,
    /// What it depends on: (target as written, condition).
    pub depends_on: Vec<(String, String)>,
    /// The processes that depend on it (namespecs).
    pub dependents: Vec<String>,
    /// `none`, `stop` or `restart`.
    pub binding: String,
}

impl GraphNode {
    /// Decodes a list of them.
    pub fn list(v: &Value) -> Vec<GraphNode> {
        list(v, |n| GraphNode {
            name: text(n, "name"),
            group: text(n, "group"),
            depends_on: list(n.get("depends_on").unwrap_or(&Value::Nil), |d| {
                (text(d, "target"), text(d, "condition"))
            }),
            dependents: list(n.get("dependents").unwrap_or(&Value::Nil), |d| {
                d.as_str().unwrap_or("").to_owned()
            }),
            binding: text(n, "binding"),
        })
    }

    /// `name` or `group:name`.
    pub fn namespec(&self) -> String {
        sv_core::namespec::make(&self.group, &self.name)
    }
}

impl Reply for GraphNode {
    fn into_value(self) -> Value {
        Value::structure([
            ("name", Value::from(self.name)),
            ("group", Value::from(self.group)),
            (
                "depends_on",
                Value::Array(
                    self.depends_on
                        .into_iter()
                        .map(|(t, c)| {
                            Value::structure([
                                ("target", Value::from(t)),
                                ("condition", Value::from(c)),
                            ])
                        })
                        .collect(),
                ),
            ),
            ("dependents", self.dependents.into_value()),
            ("binding", Value::from(self.binding)),
        ])
    }
}

/// `tailProcessStdoutLog`'s answer: the bytes read, the log's size (the
/// offset of the next read) and whether more was there than asked for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tail {
    /// The text read (invalid UTF-8 replaced).
    pub bytes: String,
    /// The log's size.
    pub offset: i64,
    /// Whether the log held more than was read.
    pub overflow: bool,
}

impl Tail {
    /// Decodes the answer.
    pub fn from_value(v: &Value) -> Tail {
        let Value::Array(items) = v else { return Tail::default() };
        Tail {
            bytes: items.first().and_then(Value::as_str).unwrap_or("").to_owned(),
            offset: items.get(1).and_then(Value::as_int).unwrap_or(0),
            overflow: items.get(2) == Some(&Value::Bool(true)),
        }
    }
}

impl Reply for Tail {
    fn into_value(self) -> Value {
        Value::Array(vec![
            Value::from(self.bytes),
            Value::Int(self.offset),
            Value::Bool(self.overflow),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_what_the_daemon_sends() {
        let v = Value::structure([
            ("group", Value::from("g")),
            ("name", Value::from("p")),
            ("state", Value::Int(100)),
            ("statename", Value::from("EXITED")),
            ("description", Value::from("Nov 30 01:02 PM")),
            ("pid", Value::Int(0)),
        ]);
        let info = ProcessInfo::from_value(&v);
        assert_eq!(info.state, Some(ProcessState::Exited));
        assert!(info.is_stopped());
        assert_eq!(info.namespec(), "g:p");
        let odd = ProcessInfo::from_value(&Value::structure([("state", Value::Int(7))]));
        assert_eq!((odd.state, odd.is_stopped()), (None, false));
        let r = CallResult::list(&Value::Array(vec![Value::structure([
            ("group", Value::from("a")),
            ("name", Value::from("a")),
            ("status", Value::Int(80)),
            ("description", Value::from("OK")),
        ])]));
        assert_eq!((r[0].namespec(), r[0].status), ("a".to_owned(), 80));
    }

    /// Every type decodes what it encodes, so the daemon's and the
    /// client's view of an answer cannot drift apart.
    #[test]
    fn each_answer_decodes_to_what_was_encoded() {
        let info = ProcessInfo {
            name: "p".into(),
            group: "g".into(),
            start: 1,
            stop: 2,
            now: 3,
            state: Some(ProcessState::Running),
            statename: "RUNNING".into(),
            spawnerr: "".into(),
            exitstatus: 0,
            stdout_logfile: "/o".into(),
            stderr_logfile: "/e".into(),
            pid: 42,
            description: "pid 42, uptime 0:00:02".into(),
            ext: None,
        };
        assert_eq!(ProcessInfo::from_value(&info.clone().into_value()), info);
        let with_ext = ProcessInfo {
            ext: Some(ExtInfo {
                ready: Some(0),
                waiting_for: Some("db (running)".into()),
                ..ExtInfo::default()
            }),
            ..info.clone()
        };
        let v = with_ext.clone().into_value();
        assert_eq!(ProcessInfo::from_value(&v), with_ext);
        let Value::Struct(members) = v else { panic!("a struct") };
        assert_eq!(members.len(), 16, "14 of the reference's and 2 of ours");
        let raw = ProcessInfos::new(std::iter::once(info.clone())).into_value();
        let Value::Raw(text) = raw else { panic!("raw") };
        let tree = sv_xmlrpc::encode_response(&Value::Array(vec![info.clone().into_value()]));
        assert!(tree.contains(&text), "the raw list encodes as the tree would");
        let result = CallResult {
            name: "p".into(),
            group: "g".into(),
            status: 80,
            description: "OK".into(),
        };
        assert_eq!(CallResult::list(&vec![result.clone()].into_value()), [result]);
        let config = ConfigInfo {
            uid: Some(7),
            exitcodes: vec![0, 2],
            stdout: StreamInfo { logfile: "auto".into(), ..StreamInfo::default() },
            ..ConfigInfo::default()
        };
        assert_eq!(ConfigInfo::list(&vec![config.clone()].into_value()), [config]);
        let diff = ReloadDiff {
            added: vec!["a".into()],
            changed: vec![],
            removed: vec!["r".into(), "s".into()],
        };
        assert_eq!(ReloadDiff::from_value(&diff.clone().into_value()), diff);
        let node = GraphNode {
            name: "web".into(),
            group: "web".into(),
            depends_on: vec![("db".into(), "running".into())],
            dependents: vec!["worker".into()],
            binding: "none".into(),
        };
        assert_eq!(GraphNode::list(&vec![node.clone()].into_value()), [node]);
        let tail = Tail { bytes: "end\n".into(), offset: 9, overflow: true };
        assert_eq!(Tail::from_value(&tail.clone().into_value()), tail);
    }
}

/// `ext.planUpdate`'s answer for one group: what `update` would do to it,
/// and why (the keys that changed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupPlan {
    /// The group.
    pub group: String,
    /// `add`, `remove` or `change`.
    pub action: String,
    /// For `change`: each key that differs.
    pub changes: Vec<sv_config::diff::KeyChange>,
}

impl GroupPlan {
    /// The plan of an update, from the pure diff.
    pub fn from_plan(plan: Vec<(String, sv_config::diff::GroupPlan)>) -> Vec<GroupPlan> {
        use sv_config::diff::GroupPlan as P;
        plan.into_iter()
            .map(|(group, p)| {
                let (action, changes) = match p {
                    P::Add => ("add", Vec::new()),
                    P::Remove => ("remove", Vec::new()),
                    P::Change(c) => ("change", c),
                };
                GroupPlan { group, action: action.into(), changes }
            })
            .collect()
    }

    /// Decodes a list of them.
    pub fn list(v: &Value) -> Vec<GroupPlan> {
        list(v, |g| GroupPlan {
            group: text(g, "group"),
            action: text(g, "action"),
            changes: list(g.get("changes").unwrap_or(&Value::Nil), |c| {
                sv_config::diff::KeyChange {
                    process: text(c, "process"),
                    key: text(c, "key"),
                    old: text(c, "old"),
                    new: text(c, "new"),
                    in_place: c.get("in_place").and_then(Value::as_int) == Some(1),
                }
            }),
        })
    }
}

impl Reply for GroupPlan {
    fn into_value(self) -> Value {
        let changes = self
            .changes
            .into_iter()
            .map(|c| {
                Value::structure([
                    ("process", Value::from(c.process)),
                    ("key", Value::from(c.key)),
                    ("old", Value::from(c.old)),
                    ("new", Value::from(c.new)),
                    ("in_place", Value::from(i64::from(c.in_place))),
                ])
            })
            .collect();
        Value::structure([
            ("group", Value::from(self.group)),
            ("action", Value::from(self.action)),
            ("changes", Value::Array(changes)),
        ])
    }
}
