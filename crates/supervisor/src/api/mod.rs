//! The XML-RPC API as data: one definition per method (its name, its
//! parameters with their types, its result type, its help text, whether it
//! can change state). `system.listMethods`, `system.methodSignature`,
//! `system.methodHelp`, the arity checks and the loop's wake-up after
//! changing calls all come from this table; the daemon's `rpc` module
//! holds one typed handler per method, whose result is one of [`types`]
//! (shared with supervisorctl, which decodes the same types). A new method
//! is one row here and one handler there.

pub mod types;

/// One parameter of a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    /// Its name, for the help text.
    pub name: &'static str,
    /// Its XML-RPC type, for the signature and the help text.
    pub ty: &'static str,
    /// Whether a call may leave it out (only trailing ones are optional).
    pub optional: bool,
}

const fn p(name: &'static str, ty: &'static str) -> Param {
    Param { name, ty, optional: false }
}

const fn opt(name: &'static str, ty: &'static str) -> Param {
    Param { name, ty, optional: true }
}

/// One method of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Method {
    /// `namespace.name`.
    pub name: &'static str,
    /// What it does, one sentence in our words.
    pub doc: &'static str,
    /// Its parameters, in order.
    pub params: &'static [Param],
    /// The XML-RPC type of its result.
    pub returns: &'static str,
    /// More about the result, for the help text (may be empty).
    pub returns_doc: &'static str,
    /// False for the methods that only read: after any other call the
    /// event loop takes a turn.
    pub changes: bool,
}

const NAME: Param = p("name", "string");
const WAIT: Param = opt("wait", "boolean");
const OFFSET: Param = p("offset", "int");
const LENGTH: Param = p("length", "int");
const SIGNAL: Param = p("signal", "string");

const fn read(
    name: &'static str,
    doc: &'static str,
    params: &'static [Param],
    returns: &'static str,
) -> Method {
    Method { name, doc, params, returns, returns_doc: "", changes: false }
}

const fn change(
    name: &'static str,
    doc: &'static str,
    params: &'static [Param],
    returns: &'static str,
) -> Method {
    Method { name, doc, params, returns, returns_doc: "", changes: true }
}

/// Every method, sorted by name (the order `system.listMethods` answers).
pub const METHODS: &[Method] = &[
    change(
        "supervisor.addProcessGroup",
        "Start managing a group that the last reloadConfig added.",
        &[NAME],
        "boolean",
    ),
    Method {
        returns_doc: "result structs",
        ..change(
            "supervisor.clearAllProcessLogs",
            "Truncate the logs of every process.",
            &[],
            "array",
        )
    },
    change("supervisor.clearLog", "Truncate the main log.", &[], "boolean"),
    change(
        "supervisor.clearProcessLog",
        "Truncate a process's stdout and stderr logs.",
        &[NAME],
        "boolean",
    ),
    change(
        "supervisor.clearProcessLogs",
        "Truncate a process's stdout and stderr logs.",
        &[NAME],
        "boolean",
    ),
    read("supervisor.getAPIVersion", "The version of this RPC API.", &[], "string"),
    read("supervisor.getAllConfigInfo", "The configuration of every process.", &[], "array"),
    read("supervisor.getAllProcessInfo", "Information about every process.", &[], "array"),
    read("supervisor.getIdentification", "The identifier of this supervisord.", &[], "string"),
    read("supervisor.getPID", "The pid of supervisord.", &[], "int"),
    read("supervisor.getProcessInfo", "Information about one process.", &[NAME], "struct"),
    read(
        "supervisor.getState",
        "The state of supervisord: statecode and statename.",
        &[],
        "struct",
    ),
    read(
        "supervisor.getSupervisorVersion",
        "The Supervisor version this daemon is compatible with.",
        &[],
        "string",
    ),
    read("supervisor.getVersion", "The version of this RPC API.", &[], "string"),
    read("supervisor.readLog", "Read part of the main log.", &[OFFSET, LENGTH], "string"),
    read("supervisor.readMainLog", "Read part of the main log.", &[OFFSET, LENGTH], "string"),
    read(
        "supervisor.readProcessLog",
        "Read part of a process's stdout log.",
        &[NAME, OFFSET, LENGTH],
        "string",
    ),
    read(
        "supervisor.readProcessStderrLog",
        "Read part of a process's stderr log.",
        &[NAME, OFFSET, LENGTH],
        "string",
    ),
    read(
        "supervisor.readProcessStdoutLog",
        "Read part of a process's stdout log.",
        &[NAME, OFFSET, LENGTH],
        "string",
    ),
    change(
        "supervisor.reloadConfig",
        "Read the configuration again and report added, changed and removed groups.",
        &[],
        "array",
    ),
    change("supervisor.removeProcessGroup", "Stop managing a stopped group.", &[NAME], "boolean"),
    change(
        "supervisor.restart",
        "Stop every process and start again with a fresh configuration.",
        &[],
        "boolean",
    ),
    change(
        "supervisor.sendProcessStdin",
        "Write to a process's stdin.",
        &[NAME, p("chars", "string")],
        "boolean",
    ),
    change(
        "supervisor.sendRemoteCommEvent",
        "Emit a REMOTE_COMMUNICATION event.",
        &[p("type", "string"), p("data", "string")],
        "boolean",
    ),
    change("supervisor.shutdown", "Stop every process and exit.", &[], "boolean"),
    change("supervisor.signalAllProcesses", "Signal every running process.", &[SIGNAL], "array"),
    change("supervisor.signalProcess", "Signal one process.", &[NAME, SIGNAL], "boolean"),
    change(
        "supervisor.signalProcessGroup",
        "Signal every process of a group.",
        &[NAME, SIGNAL],
        "array",
    ),
    change("supervisor.startAllProcesses", "Start every process.", &[WAIT], "array"),
    change("supervisor.startProcess", "Start a process.", &[NAME, WAIT], "boolean"),
    change(
        "supervisor.startProcessGroup",
        "Start every process of a group.",
        &[NAME, WAIT],
        "array",
    ),
    change("supervisor.stopAllProcesses", "Stop every process.", &[WAIT], "array"),
    change("supervisor.stopProcess", "Stop a process.", &[NAME, WAIT], "boolean"),
    change("supervisor.stopProcessGroup", "Stop every process of a group.", &[NAME, WAIT], "array"),
    read(
        "supervisor.tailProcessLog",
        "Read the end of a process's stdout log.",
        &[NAME, OFFSET, LENGTH],
        "array",
    ),
    read(
        "supervisor.tailProcessStderrLog",
        "Read the end of a process's stderr log.",
        &[NAME, OFFSET, LENGTH],
        "array",
    ),
    read(
        "supervisor.tailProcessStdoutLog",
        "Read the end of a process's stdout log.",
        &[NAME, OFFSET, LENGTH],
        "array",
    ),
    read("system.listMethods", "The names of every method.", &[], "array"),
    read("system.methodHelp", "The help text of a method.", &[NAME], "string"),
    read(
        "system.methodSignature",
        "The signature of a method: return type, then parameter types.",
        &[NAME],
        "array",
    ),
    // Each call in it wakes the loop as needed.
    read("system.multicall", "Run several calls in one request.", &[p("calls", "array")], "array"),
];

/// Our methods (`ext.*`), sorted by name: readiness, health and
/// dependencies. They are always callable; `system.listMethods` lists
/// them only when some process uses the keys they are about, so that a
/// configuration without those keys answers exactly the reference's list.
pub const EXT_METHODS: &[Method] = &[
    read(
        "ext.getAllProcessInfo",
        "Information about every process, with readiness, health and dependencies.",
        &[],
        "array",
    ),
    read(
        "ext.getDependencyGraph",
        "Each process with what it depends on and what depends on it.",
        &[],
        "array",
    ),
    read(
        "ext.getProcessInfo",
        "Information about one process, with readiness, health and dependencies.",
        &[NAME],
        "struct",
    ),
    read(
        "ext.planUpdate",
        "What update would do to the named groups (or all), and which keys changed; changes nothing.",
        &[p("names", "array")],
        "array",
    ),
    change(
        "ext.reconfigureProcess",
        "Give one process the settings reloadConfig last read for it (supervision-only ones while it runs).",
        &[NAME],
        "boolean",
    ),
    read(
        "ext.tailTimestampedLog",
        "The last bytes of a process's timestamped log (stdout or stderr).",
        &[NAME, p("channel", "string"), LENGTH],
        "string",
    ),
    read(
        "ext.waitReady",
        "Wait until the named processes (or all) are RUNNING and, with a health check, healthy.",
        &[p("names", "array"), p("timeout", "int")],
        "boolean",
    ),
];

/// The definition of `name`, if it is a method.
pub fn find(name: &str) -> Option<&'static Method> {
    let table = if name.starts_with("ext.") { EXT_METHODS } else { METHODS };
    table.binary_search_by(|m| m.name.cmp(name)).ok().map(|i| &table[i])
}

impl Method {
    /// `system.methodSignature`: the result type, then each parameter's.
    pub fn signature(&self) -> Vec<&'static str> {
        std::iter::once(self.returns).chain(self.params.iter().map(|p| p.ty)).collect()
    }

    /// `system.methodHelp`: what it does, then `@param` and `@return` tags.
    pub fn help(&self) -> String {
        let mut s = self.doc.to_owned();
        for p in self.params {
            s.push_str(&format!(" @param {} {}", p.ty, p.name));
        }
        s.push_str(&format!(" @return {}", self.returns));
        if !self.returns_doc.is_empty() {
            s.push(' ');
            s.push_str(self.returns_doc);
        }
        s
    }

    /// The number of parameters a call may pass: (required, all).
    pub fn arity(&self) -> (usize, usize) {
        (self.params.iter().filter(|p| !p.optional).count(), self.params.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_complete() {
        assert_eq!(METHODS.len(), 41);
        assert!(METHODS.windows(2).all(|w| w[0].name < w[1].name), "sorted, no duplicates");
        for m in METHODS {
            assert_eq!(find(m.name), Some(m));
            // Optional parameters only at the end.
            let first_opt = m.params.iter().position(|p| p.optional).unwrap_or(m.params.len());
            assert!(m.params[first_opt..].iter().all(|p| p.optional), "{}", m.name);
        }
        assert_eq!(find("supervisor.nope"), None);
        assert!(EXT_METHODS.windows(2).all(|w| w[0].name < w[1].name), "sorted, no duplicates");
        for m in EXT_METHODS {
            assert_eq!(find(m.name), Some(m));
        }
    }

    #[test]
    fn signatures_and_help_come_from_the_definition() {
        let m = find("supervisor.startProcess").expect("defined");
        assert_eq!(m.signature(), ["boolean", "string", "boolean"]);
        assert_eq!(m.arity(), (1, 2));
        assert_eq!(
            m.help(),
            "Start a process. @param string name @param boolean wait @return boolean"
        );
        assert_eq!(
            find("supervisor.clearAllProcessLogs").map(Method::help).as_deref(),
            Some("Truncate the logs of every process. @return array result structs")
        );
    }
}
