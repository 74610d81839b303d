//! The daemon's answers as supervisorctl reads them: each struct it gets
//! decoded once into a type, with states as [`ProcessState`]s rather than
//! numbers compared by hand. A member that is missing or of another type
//! reads as empty or zero, as the reference's `info['key']` lookups would
//! fail on nothing that a real daemon sends.

use sv_core::state::ProcessState;
use sv_xmlrpc::Value;

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_owned()
}

fn int(v: &Value, key: &str) -> i64 {
    v.get(key).and_then(Value::as_int).unwrap_or(0)
}

fn flag(v: &Value, key: &str) -> bool {
    v.get(key) == Some(&Value::Bool(true))
}

/// One process, as `getProcessInfo` and `getAllProcessInfo` describe it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessInfo {
    /// Its group.
    pub group: String,
    /// Its name.
    pub name: String,
    /// Its state (`None` for a code this version does not know).
    pub state: Option<ProcessState>,
    /// The state's name as the daemon sent it.
    pub statename: String,
    /// The daemon's description (`pid 1, uptime 0:00:05`).
    pub description: String,
    /// Its pid, 0 without a child.
    pub pid: i64,
}

impl ProcessInfo {
    /// Decodes one info struct.
    pub fn from_value(v: &Value) -> ProcessInfo {
        ProcessInfo {
            group: text(v, "group"),
            name: text(v, "name"),
            state: ProcessState::from_code(int(v, "state")),
            statename: text(v, "statename"),
            description: text(v, "description"),
            pid: int(v, "pid"),
        }
    }

    /// Decodes a list of them.
    pub fn list(v: &Value) -> Vec<ProcessInfo> {
        match v {
            Value::Array(items) => items.iter().map(ProcessInfo::from_value).collect(),
            _ => Vec::new(),
        }
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

/// The outcome for one process of a call on many (`startAllProcesses`...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallResult {
    /// Its group.
    pub group: String,
    /// Its name.
    pub name: String,
    /// The fault code, or `SUCCESS`.
    pub status: i32,
    /// The fault text, or `OK`.
    pub description: String,
}

impl CallResult {
    /// Decodes a list of result structs.
    pub fn list(v: &Value) -> Vec<CallResult> {
        let one = |r: &Value| CallResult {
            group: text(r, "group"),
            name: text(r, "name"),
            status: i32::try_from(int(r, "status")).unwrap_or(i32::MAX),
            description: text(r, "description"),
        };
        match v {
            Value::Array(items) => items.iter().map(one).collect(),
            _ => Vec::new(),
        }
    }

    /// `name` or `group:name`.
    pub fn namespec(&self) -> String {
        sv_core::namespec::make(&self.group, &self.name)
    }
}

/// One process's configuration, as `getAllConfigInfo` describes it (the
/// members `avail` shows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigInfo {
    /// Its group.
    pub group: String,
    /// Its name.
    pub name: String,
    /// Whether its group is managed now.
    pub inuse: bool,
    /// `autostart`.
    pub autostart: bool,
    /// The group's priority.
    pub group_prio: i64,
    /// The process's priority.
    pub process_prio: i64,
}

impl ConfigInfo {
    /// Decodes a list of them.
    pub fn list(v: &Value) -> Vec<ConfigInfo> {
        let one = |c: &Value| ConfigInfo {
            group: text(c, "group"),
            name: text(c, "name"),
            inuse: flag(c, "inuse"),
            autostart: flag(c, "autostart"),
            group_prio: int(c, "group_prio"),
            process_prio: int(c, "process_prio"),
        };
        match v {
            Value::Array(items) => items.iter().map(one).collect(),
            _ => Vec::new(),
        }
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
}
