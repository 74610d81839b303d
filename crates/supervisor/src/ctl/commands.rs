//! supervisorctl's commands: what each prints and the exit status it sets,
//! as the reference's `supervisorctl` does. All output goes to an injected
//! writer and all calls to an injected [`Rpc`], so every command is tested
//! without a daemon.

use std::io::Write;

use sv_core::namespec::{make as namespec, split as split_namespec};
use sv_xmlrpc::{Fault, Value};

use super::client::CallError;

use crate::faults as f;

/// Exit statuses (LSB).
pub mod exit {
    /// Success.
    pub const SUCCESS: i32 = 0;
    /// Generic failure.
    pub const GENERIC: i32 = 1;
    /// Invalid arguments.
    pub const INVALID_ARGS: i32 = 2;
    /// Unimplemented feature.
    pub const UNIMPLEMENTED: i32 = 3;
    /// Insufficient privileges (also "refused connection").
    pub const INSUFFICIENT_PRIVILEGES: i32 = 4;
    /// Not installed (API version mismatch).
    pub const NOT_INSTALLED: i32 = 5;
    /// Not running.
    pub const NOT_RUNNING: i32 = 7;
    /// `status`: some process is not running.
    pub const STATUS_NOT_RUNNING: i32 = 3;
    /// `status`: unknown (bad name or no connection).
    pub const STATUS_UNKNOWN: i32 = 4;
}

/// What the commands need from the server.
pub trait Rpc {
    /// Calls a method.
    fn call(&mut self, method: &str, params: &[Value]) -> Result<Value, CallError>;
    /// Streams `GET path` into `sink` until it returns false or the stream ends.
    fn stream(&mut self, path: &str, sink: &mut dyn FnMut(&[u8]) -> bool) -> Result<(), CallError>;
    /// Talks to another server from now on (`open`).
    fn set_serverurl(&mut self, _url: &str) -> Result<(), String> {
        Err("not supported".into())
    }
    /// Uses these credentials from now on (after a 401 in the shell).
    fn set_credentials(&mut self, _username: &str, _password: &str) {}
    /// Follows a process's stdout and stderr and forwards lines of our
    /// stdin to it (`fg`), until stdin ends or the process stops running.
    fn foreground(&mut self, _name: &str, _out: &mut dyn Write) -> Result<(), CallError> {
        Err(CallError::Other("not supported".into()))
    }
}

/// An error a command cannot handle: printed as one `error: ...` line.
#[derive(Debug)]
pub struct Unexpected(pub String);

impl From<CallError> for Unexpected {
    fn from(e: CallError) -> Self {
        Unexpected(match e {
            CallError::Fault(Fault { code, text }) => {
                format!("<class 'xmlrpc.client.Fault'>, <Fault {code}: {}>", sv_config::pyrepr::py_repr(&text))
            }
            CallError::Refused => "<class 'ConnectionRefusedError'>, [Errno 111] Connection refused".into(),
            CallError::NoFile => "<class 'FileNotFoundError'>, [Errno 2] No such file or directory".into(),
            CallError::Unauthorized => {
                "<class 'xmlrpc.client.ProtocolError'>, <ProtocolError for 127.0.0.1/RPC2: 401 Unauthorized>".into()
            }
            CallError::Status(s) => format!("<class 'xmlrpc.client.ProtocolError'>, <ProtocolError for 127.0.0.1/RPC2: {s}>"),
            CallError::Other(m) => format!("<class 'Exception'>, {m}"),
        })
    }
}

type Res = Result<(), Unexpected>;

/// Answers a yes/no question.
pub type Confirm<'a> = Box<dyn FnMut(&str) -> bool + 'a>;

/// The state of one supervisorctl session.
pub struct Ctl<'a> {
    /// The server.
    pub rpc: &'a mut dyn Rpc,
    /// Where output goes.
    pub out: &'a mut dyn Write,
    /// The exit status so far (last writer wins).
    pub exitstatus: i32,
    /// The server URL, for messages.
    pub serverurl: String,
    /// The configuration file read, for the hint after a failed connection.
    pub configfile: Option<String>,
    /// Whether `shutdown`/`reload` ask for confirmation.
    pub interactive: bool,
    /// Answers to confirmation questions (tests inject them; `None` reads stdin).
    pub confirm: Option<Confirm<'a>>,
}

/// The byte count of `tail -N` / `maintail -N`, read as Python's `int()`
/// reads it. The reference sends `-N` as an XML-RPC int, which its client
/// limits to 32 bits: a count whose negation does not fit is refused.
fn tail_bytes(text: &str) -> Option<i64> {
    let n = sv_config::datatypes::py_int(text).ok()?;
    (-i64::from(i32::MAX)..=-i64::from(i32::MIN)).contains(&n).then_some(n)
}

fn s(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_owned()
}

fn i(v: &Value, key: &str) -> i64 {
    v.get(key).and_then(Value::as_int).unwrap_or(0)
}

/// What differs between `start` and `stop`.
struct StartStop {
    verb: &'static str,
    done: &'static str,
    all: &'static str,
    group: &'static str,
    one: &'static str,
    /// The fault that is not an error (already started / not running).
    ignored: i32,
    usage_exit: i32,
    no_group_exit: i32,
}

const START: StartStop = StartStop {
    verb: "start",
    done: "started",
    all: "supervisor.startAllProcesses",
    group: "supervisor.startProcessGroup",
    one: "supervisor.startProcess",
    ignored: f::ALREADY_STARTED,
    usage_exit: exit::INVALID_ARGS,
    no_group_exit: exit::INVALID_ARGS,
};

const STOP: StartStop = StartStop {
    verb: "stop",
    done: "stopped",
    all: "supervisor.stopAllProcesses",
    group: "supervisor.stopProcessGroup",
    one: "supervisor.stopProcess",
    ignored: f::NOT_RUNNING,
    usage_exit: exit::GENERIC,
    no_group_exit: exit::GENERIC,
};

fn list(v: Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a,
        _ => Vec::new(),
    }
}

fn is_stopped_state(code: i64) -> bool {
    matches!(code, 0 | 100 | 200 | 1000)
}

impl Ctl<'_> {
    /// Writes one line.
    pub fn output(&mut self, line: &str) {
        let _ = writeln!(self.out, "{line}");
    }

    fn exit_from_fault(&mut self, code: i32, ignored: Option<i32>) {
        if Some(code) == ignored || code == f::SUCCESS {
        } else if matches!(code, f::SPAWN_ERROR | f::ABNORMAL_TERMINATION | f::NOT_RUNNING) {
            self.exitstatus = exit::NOT_RUNNING;
        } else {
            self.exitstatus = exit::GENERIC;
        }
    }

    fn hint(&mut self) {
        let line = match &self.configfile {
            Some(c) => format!(
                "(supervisorctl read {c}; is supervisord running? Start it with: supervisord -c {c})"
            ),
            None => "(no configuration file was found; is supervisord running? Start it with: supervisord -c <file>)".into(),
        };
        self.output(&line);
    }

    /// The reference's `upcheck`: the server is reachable and speaks API 3.0.
    pub fn upcheck(&mut self) -> Result<bool, Unexpected> {
        match self.rpc.call("supervisor.getVersion", &[]) {
            Ok(v) => {
                let api = v.as_str().unwrap_or("").to_owned();
                if api != "3.0" {
                    self.output(&format!(
                        "Sorry, this version of supervisorctl expects to talk to a server with API version 3.0, but the remote version is {api}."
                    ));
                    self.exitstatus = exit::NOT_INSTALLED;
                    return Ok(false);
                }
                Ok(true)
            }
            Err(CallError::Fault(fault)) if fault.code == f::UNKNOWN_METHOD => {
                self.output(
                    "Sorry, supervisord responded but did not recognize the supervisor namespace commands that \
                     supervisorctl uses to control it.  Please check that the [rpcinterface:supervisor] section is \
                     enabled in the configuration file (see sample.conf).",
                );
                self.exitstatus = exit::UNIMPLEMENTED;
                Ok(false)
            }
            Err(CallError::Refused) => {
                let url = self.serverurl.clone();
                self.output(&format!("{url} refused connection"));
                self.hint();
                self.exitstatus = exit::INSUFFICIENT_PRIVILEGES;
                Ok(false)
            }
            Err(CallError::NoFile) => {
                let url = self.serverurl.clone();
                self.output(&format!("{url} no such file"));
                self.hint();
                self.exitstatus = exit::NOT_RUNNING;
                Ok(false)
            }
            Err(e) => {
                self.exitstatus = exit::GENERIC;
                Err(e.into())
            }
        }
    }

    fn call(&mut self, method: &str, params: &[Value]) -> Result<Value, CallError> {
        self.rpc.call(method, params)
    }

    /// Runs one command line; `false` when the shell should end.
    pub fn onecmd(&mut self, line: &str) -> bool {
        let line = line.trim();
        if line.is_empty() {
            return true;
        }
        let (cmd, arg) = match line.find(|c: char| !(c.is_alphanumeric() || c == '_')) {
            Some(0) => ("", line),
            Some(i) => (&line[..i], line[i..].trim()),
            None => (line, ""),
        };
        if matches!(cmd, "quit" | "exit" | "EOF") {
            return false;
        }
        let r = match cmd {
            "status" => self.status(arg),
            "start" => self.start(arg),
            "stop" => self.stop(arg),
            "restart" => self.restart(arg),
            "signal" => self.signal(arg),
            "pid" => self.pid(arg),
            "tail" => self.tail(arg),
            "maintail" => self.maintail(arg),
            "clear" => self.clear(arg),
            "avail" => self.avail(arg),
            "reread" => self.reread(arg),
            "add" => self.add(arg),
            "remove" => self.remove(arg),
            "update" => self.update(arg),
            "shutdown" => self.shutdown(arg),
            "reload" => self.reload(arg),
            "version" => self.version(arg),
            "open" => self.open(arg),
            "fg" => self.fg(arg),
            "help" => {
                super::help::help(self, arg);
                Ok(())
            }
            _ => {
                self.output(&format!("*** Unknown syntax: {line}"));
                self.exitstatus = exit::GENERIC;
                Ok(())
            }
        };
        match r {
            Ok(()) => {}
            Err(Unexpected(m)) if m.contains("401 Unauthorized") => {
                self.output("Server requires authentication");
                if self.interactive && self.ask_credentials() {
                    return self.onecmd(line);
                }
                self.exitstatus = exit::GENERIC;
            }
            Err(Unexpected(m)) => {
                self.output(&format!("error: {m}"));
                self.exitstatus = exit::GENERIC;
            }
        }
        true
    }

    fn usage_error(&mut self, msg: &str, cmd: &str, status: i32) {
        self.output(msg);
        self.exitstatus = status;
        super::help::help(self, cmd);
    }

    fn status(&mut self, arg: &str) -> Res {
        if !self.upcheck()? {
            self.exitstatus = exit::STATUS_UNKNOWN;
            return Ok(());
        }
        let all = list(self.call("supervisor.getAllProcessInfo", &[])?);
        let names: Vec<&str> = arg.split_whitespace().collect();
        let matching: Vec<&Value> = if names.is_empty() || names.contains(&"all") {
            all.iter().collect()
        } else {
            let mut out = Vec::new();
            for name in names {
                let (g, p) = split_namespec(name);
                let hits: Vec<&Value> = all
                    .iter()
                    .filter(|v| s(v, "group") == g && p.is_none_or(|p| s(v, "name") == p))
                    .collect();
                if hits.is_empty() {
                    let msg = match p {
                        None => format!("{g}: ERROR (no such group)"),
                        Some(_) => format!("{name}: ERROR (no such process)"),
                    };
                    self.output(&msg);
                    self.exitstatus = exit::STATUS_UNKNOWN;
                }
                out.extend(hits);
            }
            out
        };
        let specs: Vec<String> =
            matching.iter().map(|v| namespec(&s(v, "group"), &s(v, "name"))).collect();
        let width = specs.iter().map(|n| n.chars().count()).max().unwrap_or(0).max(30) + 3;
        // One write for the whole table (stdout is line-buffered: a write
        // per process otherwise).
        let mut table = String::new();
        for (v, spec) in matching.iter().zip(&specs) {
            use std::fmt::Write as _;
            let _ =
                writeln!(table, "{spec:<width$}{:<10}{}", s(v, "statename"), s(v, "description"));
        }
        let _ = self.out.write_all(table.as_bytes());
        if matching.iter().any(|v| is_stopped_state(i(v, "state"))) {
            self.exitstatus = exit::STATUS_NOT_RUNNING;
        }
        Ok(())
    }

    fn start_result(&mut self, group: &str, name: &str, code: i32) -> Res {
        let ns = namespec(group, name);
        let what = match code {
            f::SUCCESS => {
                self.output(&format!("{ns}: started"));
                return Ok(());
            }
            f::BAD_NAME => "no such process",
            f::NO_FILE => "no such file",
            f::NOT_EXECUTABLE => "file is not executable",
            f::ALREADY_STARTED => "already started",
            f::SPAWN_ERROR => "spawn error",
            f::ABNORMAL_TERMINATION => "abnormal termination",
            other => {
                return Err(Unexpected(format!(
                    "<class 'ValueError'>, Unknown result code {other} for {ns}"
                )));
            }
        };
        self.output(&format!("{ns}: ERROR ({what})"));
        Ok(())
    }

    fn signal_result(
        &mut self,
        group: &str,
        name: &str,
        code: i32,
        desc: &str,
        success: &str,
    ) -> Res {
        let ns = namespec(group, name);
        let line = match code {
            f::SUCCESS => format!("{ns}: {success}"),
            f::BAD_NAME => format!("{ns}: ERROR (no such process)"),
            f::BAD_SIGNAL => format!("{ns}: ERROR (bad signal name)"),
            f::NOT_RUNNING => format!("{ns}: ERROR (not running)"),
            f::FAILED => desc.to_owned(),
            other => {
                return Err(Unexpected(format!(
                    "<class 'ValueError'>, Unknown result code {other} for {ns}"
                )));
            }
        };
        self.output(&line);
        Ok(())
    }

    fn results(&mut self, results: Vec<Value>, kind: &str, ignored: Option<i32>) -> Res {
        for r in results {
            let (g, n, code, desc) =
                (s(&r, "group"), s(&r, "name"), i(&r, "status") as i32, s(&r, "description"));
            match kind {
                "start" => self.start_result(&g, &n, code)?,
                "stop" => self.signal_result(&g, &n, code, &desc, "stopped")?,
                "signal" => self.signal_result(&g, &n, code, &desc, "signalled")?,
                _ => {}
            }
            self.exit_from_fault(code, ignored);
        }
        Ok(())
    }

    fn start(&mut self, arg: &str) -> Res {
        self.start_or_stop(arg, &START)
    }

    fn stop(&mut self, arg: &str) -> Res {
        self.start_or_stop(arg, &STOP)
    }

    /// `start` and `stop`: all, groups (`g:` or `g`) and single processes,
    /// with the reference's messages and exit codes.
    fn start_or_stop(&mut self, arg: &str, how: &StartStop) -> Res {
        if !self.upcheck()? {
            return Ok(());
        }
        let names: Vec<&str> = arg.split_whitespace().collect();
        if names.is_empty() {
            let msg = format!("Error: {} requires a process name", how.verb);
            self.usage_error(&msg, how.verb, how.usage_exit);
            return Ok(());
        }
        if names.contains(&"all") {
            let r = list(self.call(how.all, &[])?);
            return self.results(r, how.verb, Some(how.ignored));
        }
        for name in names {
            let (g, p) = split_namespec(name);
            match p {
                None => match self.call(how.group, &[g.into()]) {
                    Ok(r) => self.results(list(r), how.verb, Some(how.ignored))?,
                    Err(CallError::Fault(fault)) if fault.code == f::BAD_NAME => {
                        self.output(&format!("{g}: ERROR (no such group)"));
                        self.exitstatus = how.no_group_exit;
                    }
                    Err(e) => {
                        self.exitstatus = exit::GENERIC;
                        return Err(e.into());
                    }
                },
                Some(p) => match self.call(how.one, &[name.into()]) {
                    Ok(_) => self.output(&format!("{}: {}", namespec(g, p), how.done)),
                    Err(CallError::Fault(fault)) => {
                        if how.verb == "start" {
                            self.start_result(g, p, fault.code)?;
                        } else {
                            self.signal_result(g, p, fault.code, &fault.text, how.done)?;
                        }
                        self.exit_from_fault(fault.code, Some(how.ignored));
                    }
                    Err(e) => return Err(e.into()),
                },
            }
        }
        Ok(())
    }

    fn restart(&mut self, arg: &str) -> Res {
        if !self.upcheck()? {
            return Ok(());
        }
        if arg.split_whitespace().next().is_none() {
            self.usage_error("Error: restart requires a process name", "restart", exit::GENERIC);
            return Ok(());
        }
        self.stop(arg)?;
        self.start(arg)
    }

    fn signal(&mut self, arg: &str) -> Res {
        if !self.upcheck()? {
            return Ok(());
        }
        let args: Vec<&str> = arg.split_whitespace().collect();
        if args.len() < 2 {
            self.usage_error(
                "Error: signal requires a signal name and a process name",
                "signal",
                exit::GENERIC,
            );
            return Ok(());
        }
        let sig = args[0];
        let names = &args[1..];
        if names.contains(&"all") {
            let r = list(self.call("supervisor.signalAllProcesses", &[sig.into()])?);
            return self.results(r, "signal", None);
        }
        for name in names {
            let (g, p) = split_namespec(name);
            match p {
                None => match self.call("supervisor.signalProcessGroup", &[g.into(), sig.into()]) {
                    Ok(r) => self.results(list(r), "signal", None)?,
                    Err(CallError::Fault(fault)) if fault.code == f::BAD_NAME => {
                        self.output(&format!("{g}: ERROR (no such group)"));
                        self.exitstatus = exit::GENERIC;
                    }
                    Err(e) => return Err(e.into()),
                },
                Some(p) => {
                    match self.call("supervisor.signalProcess", &[(*name).into(), sig.into()]) {
                        Ok(_) => self.output(&format!("{}: signalled", namespec(g, p))),
                        Err(CallError::Fault(fault)) => {
                            self.signal_result(g, p, fault.code, &fault.text, "signalled")?;
                            self.exit_from_fault(fault.code, None);
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
            }
        }
        Ok(())
    }

    fn pid(&mut self, arg: &str) -> Res {
        if !self.upcheck()? {
            return Ok(());
        }
        let names: Vec<&str> = arg.split_whitespace().collect();
        if names.is_empty() {
            let pid = self.call("supervisor.getPID", &[])?;
            self.output(&pid.as_int().unwrap_or(0).to_string());
        } else if names.contains(&"all") {
            for info in list(self.call("supervisor.getAllProcessInfo", &[])?) {
                self.output(&i(&info, "pid").to_string());
            }
        } else {
            for name in names {
                match self.call("supervisor.getProcessInfo", &[name.into()]) {
                    Ok(info) => {
                        let pid = i(&info, "pid");
                        self.output(&pid.to_string());
                        if pid == 0 {
                            self.exitstatus = exit::NOT_RUNNING;
                        }
                    }
                    Err(CallError::Fault(fault)) if fault.code == f::BAD_NAME => {
                        self.exitstatus = exit::GENERIC;
                        self.output(&format!("No such process {name}"));
                    }
                    Err(e) => {
                        self.exitstatus = exit::GENERIC;
                        return Err(e.into());
                    }
                }
            }
        }
        Ok(())
    }

    fn follow(&mut self, path: &str) -> Res {
        self.output("==> Press Ctrl-C to exit <==");
        let _ = self.out.flush();
        let out = &mut *self.out;
        let r = self
            .rpc
            .stream(path, &mut |data| out.write_all(data).and_then(|()| out.flush()).is_ok());
        // Ctrl-C ends the following, not the program.
        if super::interrupt::take() {
            self.output("");
            return Ok(());
        }
        match r {
            Ok(()) => Ok(()),
            Err(CallError::Status(code)) => {
                eprintln!("{}{path} Cannot read, status code {code}", self.serverurl);
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    fn tail(&mut self, arg: &str) -> Res {
        if !self.upcheck()? {
            return Ok(());
        }
        let mut args: Vec<&str> = arg.split_whitespace().collect();
        if args.is_empty() {
            self.usage_error("Error: too few arguments", "tail", exit::GENERIC);
            return Ok(());
        }
        if args.len() > 3 {
            self.usage_error("Error: too many arguments", "tail", exit::GENERIC);
            return Ok(());
        }
        let modifier = if args[0].starts_with('-') { Some(args.remove(0)) } else { None };
        let (name, channel) = match args.as_slice() {
            [name] => (*name, "stdout".to_owned()),
            [name, .., last] => {
                let c = last.to_lowercase();
                if c != "stdout" && c != "stderr" {
                    self.output(&format!("Error: bad channel {}", sv_config::pyrepr::py_repr(&c)));
                    self.exitstatus = exit::GENERIC;
                    return Ok(());
                }
                (*name, c)
            }
            [] => {
                self.output("Error: tail requires process name");
                self.exitstatus = exit::GENERIC;
                return Ok(());
            }
        };
        let mut bytes: i64 = 1600;
        if let Some(m) = modifier {
            let what = &m[1..];
            if what == "f" {
                return self.follow(&format!("/logtail/{name}/{channel}"));
            }
            match tail_bytes(what) {
                Some(n) => bytes = n,
                None => {
                    self.output(&format!("Error: bad argument {m}"));
                    self.exitstatus = exit::GENERIC;
                    return Ok(());
                }
            }
        }
        let method = if channel == "stdout" {
            "supervisor.readProcessStdoutLog"
        } else {
            "supervisor.readProcessStderrLog"
        };
        match self.call(method, &[name.into(), Value::Int(-bytes), Value::Int(0)]) {
            Ok(v) => self.output(v.as_str().unwrap_or("")),
            Err(CallError::Fault(fault)) => {
                self.exitstatus = exit::GENERIC;
                let what = match fault.code {
                    f::NO_FILE => "no log file",
                    f::FAILED => "unknown error reading log",
                    f::BAD_NAME => "no such process name",
                    _ => return Err(CallError::Fault(fault).into()),
                };
                self.output(&format!("{name}: ERROR ({what})"));
            }
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    fn maintail(&mut self, arg: &str) -> Res {
        if !self.upcheck()? {
            return Ok(());
        }
        let args: Vec<&str> = arg.split_whitespace().collect();
        if args.len() > 1 {
            self.usage_error("Error: too many arguments", "maintail", exit::GENERIC);
            return Ok(());
        }
        let mut bytes: i64 = 1600;
        if let Some(a) = args.first() {
            if *a == "-f" {
                return self.follow("/mainlogtail");
            }
            match a.strip_prefix('-').and_then(tail_bytes) {
                Some(n) => bytes = n,
                None => {
                    self.output(&format!("Error: bad argument {a}"));
                    self.exitstatus = exit::GENERIC;
                    return Ok(());
                }
            }
        }
        match self.call("supervisor.readLog", &[Value::Int(-bytes), Value::Int(0)]) {
            Ok(v) => self.output(v.as_str().unwrap_or("")),
            Err(CallError::Fault(fault)) => {
                self.exitstatus = exit::GENERIC;
                let what = match fault.code {
                    f::NO_FILE => "no log file",
                    f::FAILED => "unknown error reading log",
                    _ => return Err(CallError::Fault(fault).into()),
                };
                self.output(&format!("supervisord: ERROR ({what})"));
            }
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    fn clear(&mut self, arg: &str) -> Res {
        if !self.upcheck()? {
            return Ok(());
        }
        let names: Vec<&str> = arg.split_whitespace().collect();
        if names.is_empty() {
            self.usage_error("Error: clear requires a process name", "clear", exit::GENERIC);
            return Ok(());
        }
        let clear_line = |ns: &str, code: i32| match code {
            f::SUCCESS => Ok(format!("{ns}: cleared")),
            f::BAD_NAME => Ok(format!("{ns}: ERROR (no such process)")),
            f::FAILED => Ok(format!("{ns}: ERROR (failed)")),
            other => Err(Unexpected(format!(
                "<class 'ValueError'>, Unknown result code {other} for {ns}"
            ))),
        };
        if names.contains(&"all") {
            for r in list(self.call("supervisor.clearAllProcessLogs", &[])?) {
                let code = i(&r, "status") as i32;
                let line = clear_line(&namespec(&s(&r, "group"), &s(&r, "name")), code)?;
                self.output(&line);
                self.exit_from_fault(code, None);
            }
            return Ok(());
        }
        for name in names {
            let (g, p) = split_namespec(name);
            let ns = namespec(g, p.unwrap_or(g));
            let code = match self.call("supervisor.clearProcessLogs", &[name.into()]) {
                Ok(_) => f::SUCCESS,
                Err(CallError::Fault(fault)) => fault.code,
                Err(e) => return Err(e.into()),
            };
            let line = clear_line(&ns, code)?;
            self.output(&line);
            self.exit_from_fault(code, None);
        }
        Ok(())
    }

    fn no_args(&mut self, arg: &str, cmd: &str) -> bool {
        if arg.is_empty() {
            return true;
        }
        self.usage_error(&format!("Error: {cmd} accepts no arguments"), cmd, exit::GENERIC);
        false
    }

    fn avail(&mut self, arg: &str) -> Res {
        if !self.no_args(arg, "avail") {
            return Ok(());
        }
        match self.call("supervisor.getAllConfigInfo", &[]) {
            Ok(v) => {
                for c in list(v) {
                    let ns = namespec(&s(&c, "group"), &s(&c, "name"));
                    let inuse =
                        if c.get("inuse") == Some(&Value::Bool(true)) { "in use" } else { "avail" };
                    let auto = if c.get("autostart") == Some(&Value::Bool(true)) {
                        "auto"
                    } else {
                        "manual"
                    };
                    let prio = format!("{}:{}", i(&c, "group_prio"), i(&c, "process_prio"));
                    self.output(&format!("{ns:<32} {inuse:<9} {auto:<9} {prio}"));
                }
            }
            Err(CallError::Fault(fault)) if fault.code == f::SHUTDOWN_STATE => {
                self.exitstatus = exit::GENERIC;
                self.output("ERROR: supervisor shutting down");
            }
            Err(e) => {
                self.exitstatus = exit::GENERIC;
                return Err(e.into());
            }
        }
        Ok(())
    }

    fn reload_config(&mut self) -> Result<Option<[Vec<String>; 3]>, CallError> {
        let v = self.call("supervisor.reloadConfig", &[])?;
        let first = list(v).into_iter().next().map(list).unwrap_or_default();
        let names = |v: Option<&Value>| -> Vec<String> {
            match v {
                Some(Value::Array(a)) => {
                    a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect()
                }
                _ => Vec::new(),
            }
        };
        Ok(Some([names(first.first()), names(first.get(1)), names(first.get(2))]))
    }

    fn reread(&mut self, arg: &str) -> Res {
        if !self.no_args(arg, "reread") {
            return Ok(());
        }
        match self.reload_config() {
            Ok(Some([added, changed, removed])) => {
                let mut lines: Vec<(String, &str)> = Vec::new();
                for (names, what) in
                    [(added, "available"), (changed, "changed"), (removed, "disappeared")]
                {
                    for n in names {
                        lines.retain(|(x, _)| *x != n);
                        lines.push((n, what));
                    }
                }
                lines.sort();
                if lines.is_empty() {
                    self.output("No config updates to processes");
                }
                for (n, what) in lines {
                    self.output(&format!("{n}: {what}"));
                }
            }
            Ok(None) => {}
            Err(CallError::Fault(fault)) if fault.code == f::SHUTDOWN_STATE => {
                self.exitstatus = exit::GENERIC;
                self.output("ERROR: supervisor shutting down");
            }
            Err(CallError::Fault(fault)) if fault.code == f::CANT_REREAD => {
                self.exitstatus = exit::GENERIC;
                self.output(&format!("ERROR: {}", fault.text));
            }
            Err(e) => {
                self.exitstatus = exit::GENERIC;
                return Err(e.into());
            }
        }
        Ok(())
    }

    fn add(&mut self, arg: &str) -> Res {
        for name in arg.split_whitespace() {
            match self.call("supervisor.addProcessGroup", &[name.into()]) {
                Ok(_) => self.output(&format!("{name}: added process group")),
                Err(CallError::Fault(fault)) => match fault.code {
                    f::SHUTDOWN_STATE => {
                        self.output("ERROR: shutting down");
                        self.exitstatus = exit::GENERIC;
                    }
                    f::ALREADY_ADDED => self.output("ERROR: process group already active"),
                    f::BAD_NAME => {
                        self.output(&format!("ERROR: no such process/group: {name}"));
                        self.exitstatus = exit::GENERIC;
                    }
                    _ => {
                        self.exitstatus = exit::GENERIC;
                        return Err(CallError::Fault(fault).into());
                    }
                },
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    fn remove(&mut self, arg: &str) -> Res {
        for name in arg.split_whitespace() {
            match self.call("supervisor.removeProcessGroup", &[name.into()]) {
                Ok(_) => self.output(&format!("{name}: removed process group")),
                Err(CallError::Fault(fault)) => {
                    self.exitstatus = exit::GENERIC;
                    match fault.code {
                        f::STILL_RUNNING => {
                            self.output(&format!("ERROR: process/group still running: {name}"))
                        }
                        f::BAD_NAME => {
                            self.output(&format!("ERROR: no such process/group: {name}"))
                        }
                        _ => return Err(CallError::Fault(fault).into()),
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    fn update(&mut self, arg: &str) -> Res {
        let [added, changed, removed] = match self.reload_config() {
            Ok(Some(r)) => r,
            Ok(None) => return Ok(()),
            Err(CallError::Fault(fault)) if fault.code == f::SHUTDOWN_STATE => {
                self.exitstatus = exit::GENERIC;
                self.output("ERROR: already shutting down");
                return Ok(());
            }
            Err(e) => {
                self.exitstatus = exit::GENERIC;
                return Err(e.into());
            }
        };
        let mut wanted: Vec<&str> = arg.split_whitespace().collect();
        if wanted.contains(&"all") {
            wanted.clear();
        }
        if !wanted.is_empty() {
            let mut groups: Vec<String> = list(self.call("supervisor.getAllProcessInfo", &[])?)
                .iter()
                .map(|v| s(v, "group"))
                .collect();
            groups.extend(added.iter().cloned());
            let mut sorted = wanted.clone();
            sorted.sort_unstable();
            sorted.dedup();
            for g in sorted {
                if !groups.iter().any(|x| x == g) {
                    self.output(&format!("ERROR: no such group: {g}"));
                    self.exitstatus = exit::GENERIC;
                }
            }
        }
        let selected = |g: &String| wanted.is_empty() || wanted.contains(&g.as_str());
        for g in removed.iter().filter(|g| selected(g)) {
            let results = list(self.call("supervisor.stopProcessGroup", &[g.as_str().into()])?);
            self.output(&format!("{g}: stopped"));
            if results.iter().any(|r| i(r, "status") as i32 == f::FAILED) {
                self.output(&format!("{g}: has problems; not removing"));
                self.exitstatus = exit::GENERIC;
                continue;
            }
            self.call("supervisor.removeProcessGroup", &[g.as_str().into()])?;
            self.output(&format!("{g}: removed process group"));
        }
        for g in changed.iter().filter(|g| selected(g)) {
            self.call("supervisor.stopProcessGroup", &[g.as_str().into()])?;
            self.output(&format!("{g}: stopped"));
            self.call("supervisor.removeProcessGroup", &[g.as_str().into()])?;
            self.call("supervisor.addProcessGroup", &[g.as_str().into()])?;
            self.output(&format!("{g}: updated process group"));
        }
        for g in added.iter().filter(|g| selected(g)) {
            self.call("supervisor.addProcessGroup", &[g.as_str().into()])?;
            self.output(&format!("{g}: added process group"));
        }
        Ok(())
    }

    fn confirm(&mut self, question: &str) -> bool {
        if !self.interactive {
            return true;
        }
        if let Some(f) = self.confirm.as_mut() {
            return f(question);
        }
        let _ = write!(self.out, "{question}");
        let _ = self.out.flush();
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        answer.trim_start().to_lowercase().starts_with('y')
    }

    fn shutdown(&mut self, arg: &str) -> Res {
        if !self.no_args(arg, "shutdown") {
            return Ok(());
        }
        if !self.confirm("Really shut the remote supervisord process down y/N? ") {
            return Ok(());
        }
        match self.call("supervisor.shutdown", &[]) {
            Ok(_) => self.output("Shut down"),
            Err(CallError::Fault(fault)) if fault.code == f::SHUTDOWN_STATE => {
                self.output("ERROR: already shutting down");
            }
            Err(CallError::Refused) => {
                self.exitstatus = exit::GENERIC;
                let url = self.serverurl.clone();
                self.output(&format!("ERROR: {url} refused connection (already shut down?)"));
            }
            Err(CallError::NoFile) => {
                self.exitstatus = exit::GENERIC;
                let url = self.serverurl.clone();
                self.output(&format!("ERROR: {url} no such file (already shut down?)"));
            }
            Err(e) => {
                self.exitstatus = exit::GENERIC;
                return Err(e.into());
            }
        }
        Ok(())
    }

    fn reload(&mut self, arg: &str) -> Res {
        if !self.no_args(arg, "reload") {
            return Ok(());
        }
        if !self.confirm("Really restart the remote supervisord process y/N? ") {
            return Ok(());
        }
        match self.call("supervisor.restart", &[]) {
            Ok(_) => self.output("Restarted supervisord"),
            Err(CallError::Fault(fault)) if fault.code == f::SHUTDOWN_STATE => {
                self.exitstatus = exit::GENERIC;
                self.output("ERROR: already shutting down");
            }
            Err(e) => {
                self.exitstatus = exit::GENERIC;
                return Err(e.into());
            }
        }
        Ok(())
    }

    /// Prompts for a user name and password (the password without echo).
    fn ask_credentials(&mut self) -> bool {
        let _ = write!(self.out, "Username:");
        let _ = self.out.flush();
        let mut user = String::new();
        if std::io::stdin().read_line(&mut user).unwrap_or(0) == 0 {
            return false;
        }
        let _ = write!(self.out, "Password:");
        let _ = self.out.flush();
        let pass = super::shell::read_password().unwrap_or_default();
        self.output("");
        self.rpc.set_credentials(user.trim_end_matches(['\r', '\n']), &pass);
        true
    }

    fn open(&mut self, arg: &str) -> Res {
        let url = arg.trim();
        let scheme = url.split(':').next().unwrap_or("");
        if scheme != "unix" && scheme != "http" {
            self.output("ERROR: url must be http:// or unix://");
            self.exitstatus = exit::GENERIC;
            return Ok(());
        }
        if let Err(m) = self.rpc.set_serverurl(url) {
            self.output(&format!("ERROR: {m}"));
            self.exitstatus = exit::GENERIC;
            return Ok(());
        }
        self.serverurl = url.to_owned();
        let saved = self.exitstatus;
        self.status("")?;
        self.exitstatus = saved;
        Ok(())
    }

    fn fg(&mut self, arg: &str) -> Res {
        if !self.upcheck()? {
            return Ok(());
        }
        let names: Vec<&str> = arg.split_whitespace().collect();
        if names.is_empty() {
            self.usage_error("ERROR: no process name supplied", "fg", exit::GENERIC);
            return Ok(());
        }
        if names.len() > 1 {
            self.output("ERROR: too many process names supplied");
            self.exitstatus = exit::GENERIC;
            return Ok(());
        }
        let name = names[0];
        match self.call("supervisor.getProcessInfo", &[name.into()]) {
            Ok(info) if i(&info, "state") == 20 => {}
            Ok(_) => {
                self.output("ERROR: process not running");
                self.exitstatus = exit::GENERIC;
                return Ok(());
            }
            Err(CallError::Fault(fault)) if fault.code == f::BAD_NAME => {
                self.output("ERROR: bad process name supplied");
                self.exitstatus = exit::GENERIC;
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        }
        self.output("==> Press Ctrl-C to exit <==");
        let r = self.rpc.foreground(name, &mut *self.out);
        match r {
            Ok(()) | Err(CallError::Fault(_)) => {}
            Err(e) => return Err(e.into()),
        }
        self.output("Exiting foreground");
        Ok(())
    }

    fn version(&mut self, arg: &str) -> Res {
        if !self.no_args(arg, "version") {
            return Ok(());
        }
        if !self.upcheck()? {
            return Ok(());
        }
        let v = self.call("supervisor.getSupervisorVersion", &[])?;
        self.output(v.as_str().unwrap_or(""));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers calls from a script: method -> result.
    struct FakeRpc {
        answers: Vec<(&'static str, Result<Value, CallError>)>,
        calls: Vec<String>,
    }

    impl Rpc for FakeRpc {
        fn call(&mut self, method: &str, params: &[Value]) -> Result<Value, CallError> {
            self.calls.push(format!("{method}{params:?}"));
            match self.answers.iter().position(|(m, _)| *m == method) {
                Some(i) => self.answers.remove(i).1,
                None if method == "supervisor.getVersion" => Ok(Value::from("3.0")),
                None => Err(CallError::Other(format!("unexpected call {method}"))),
            }
        }
        fn stream(&mut self, _: &str, _: &mut dyn FnMut(&[u8]) -> bool) -> Result<(), CallError> {
            Err(CallError::Status(404))
        }
    }

    fn fault(code: i32, text: &str) -> Result<Value, CallError> {
        Err(CallError::Fault(Fault { code, text: text.into() }))
    }

    fn info(group: &str, name: &str, state: i32, statename: &str, desc: &str) -> Value {
        Value::structure([
            ("group", Value::from(group)),
            ("name", Value::from(name)),
            ("state", Value::from(state)),
            ("statename", Value::from(statename)),
            ("description", Value::from(desc)),
            ("pid", Value::Int(if state == 20 { 42 } else { 0 })),
        ])
    }

    fn result(group: &str, name: &str, status: i32) -> Value {
        Value::structure([
            ("group", Value::from(group)),
            ("name", Value::from(name)),
            ("status", Value::from(status)),
            ("description", Value::from("x")),
        ])
    }

    fn run(line: &str, answers: Vec<(&'static str, Result<Value, CallError>)>) -> (String, i32) {
        let mut rpc = FakeRpc { answers, calls: Vec::new() };
        let mut out = Vec::new();
        let mut ctl = Ctl {
            rpc: &mut rpc,
            out: &mut out,
            exitstatus: 0,
            serverurl: "unix:///tmp/s.sock".into(),
            configfile: Some("/etc/supervisord.conf".into()),
            interactive: false,
            confirm: None,
        };
        ctl.onecmd(line);
        let code = ctl.exitstatus;
        drop(ctl);
        (String::from_utf8_lossy(&out).into_owned(), code)
    }

    #[test]
    fn status_lines_and_exit_codes() {
        let all = || {
            Ok(Value::Array(vec![
                info("a", "a", 20, "RUNNING", "pid 42, uptime 0:00:05"),
                info("grp", "long_process_name_that_is_wide", 0, "STOPPED", "Not started"),
            ]))
        };
        let (out, code) = run("status", vec![("supervisor.getAllProcessInfo", all())]);
        assert_eq!(
            out,
            "a                                    RUNNING   pid 42, uptime 0:00:05\n\
             grp:long_process_name_that_is_wide   STOPPED   Not started\n"
        );
        assert_eq!(code, 3, "a stopped process makes status exit 3");
        let (out, code) =
            run("status a nosuch grp:*", vec![("supervisor.getAllProcessInfo", all())]);
        assert!(out.starts_with("nosuch: ERROR (no such process)\n"), "{out}");
        assert_eq!(code, 3, "3 overrides 4");
        let (out, code) = run("status nosuch:*", vec![("supervisor.getAllProcessInfo", all())]);
        assert_eq!((out.as_str(), code), ("nosuch: ERROR (no such group)\n", 4));
        let (out, code) = run("status", vec![("supervisor.getVersion", Err(CallError::NoFile))]);
        assert!(
            out.starts_with(
                "unix:///tmp/s.sock no such file\n(supervisorctl read /etc/supervisord.conf;"
            ),
            "{out}"
        );
        assert_eq!(code, 4);
    }

    #[test]
    fn start_results_and_exit_codes() {
        let cases: Vec<(Result<Value, CallError>, &str, i32)> = vec![
            (Ok(Value::Bool(true)), "x: started\n", 0),
            (fault(10, "BAD_NAME: x"), "x: ERROR (no such process)\n", 1),
            (fault(20, "NO_FILE: x"), "x: ERROR (no such file)\n", 1),
            (fault(21, "NOT_EXECUTABLE: x"), "x: ERROR (file is not executable)\n", 1),
            (fault(60, "ALREADY_STARTED: x"), "x: ERROR (already started)\n", 0),
            (fault(50, "SPAWN_ERROR: x"), "x: ERROR (spawn error)\n", 7),
            (fault(40, "ABNORMAL_TERMINATION: x"), "x: ERROR (abnormal termination)\n", 7),
        ];
        for (answer, want, code) in cases {
            assert_eq!(
                run("start x", vec![("supervisor.startProcess", answer)]),
                (want.to_owned(), code)
            );
        }
        let (out, code) = run("start", vec![]);
        assert!(out.starts_with("Error: start requires a process name\nstart <name>"), "{out}");
        assert_eq!(code, 2);
        let (out, code) =
            run("start g:*", vec![("supervisor.startProcessGroup", fault(10, "BAD_NAME: g"))]);
        assert_eq!((out.as_str(), code), ("g: ERROR (no such group)\n", 2));
        let all = Ok(Value::Array(vec![result("a", "a", 80), result("g", "p", 50)]));
        assert_eq!(
            run("start all", vec![("supervisor.startAllProcesses", all)]),
            ("a: started\ng:p: ERROR (spawn error)\n".into(), 7)
        );
    }

    #[test]
    fn stop_signal_pid_and_clear() {
        assert_eq!(
            run("stop x", vec![("supervisor.stopProcess", fault(70, "NOT_RUNNING: x"))]),
            ("x: ERROR (not running)\n".into(), 0)
        );
        assert_eq!(
            run(
                "stop x",
                vec![("supervisor.stopProcess", fault(30, "FAILED: attempted to kill x"))]
            ),
            ("FAILED: attempted to kill x\n".into(), 1)
        );
        assert_eq!(
            run("signal HUP x", vec![("supervisor.signalProcess", Ok(Value::Bool(true)))]),
            ("x: signalled\n".into(), 0)
        );
        assert_eq!(
            run("signal FOO x", vec![("supervisor.signalProcess", fault(11, "BAD_SIGNAL: FOO"))]),
            ("x: ERROR (bad signal name)\n".into(), 1)
        );
        assert_eq!(
            run("signal HUP x", vec![("supervisor.signalProcess", fault(70, "NOT_RUNNING: x"))]),
            ("x: ERROR (not running)\n".into(), 7)
        );
        assert_eq!(run("pid", vec![("supervisor.getPID", Ok(Value::Int(99)))]), ("99\n".into(), 0));
        assert_eq!(
            run("pid x", vec![("supervisor.getProcessInfo", Ok(info("x", "x", 0, "STOPPED", "")))]),
            ("0\n".into(), 7)
        );
        assert_eq!(
            run("pid nosuch", vec![("supervisor.getProcessInfo", fault(10, "BAD_NAME: nosuch"))]),
            ("No such process nosuch\n".into(), 1)
        );
        assert_eq!(
            run("clear x", vec![("supervisor.clearProcessLogs", Ok(Value::Bool(true)))]),
            ("x: cleared\n".into(), 0)
        );
        assert_eq!(
            run("clear g:p", vec![("supervisor.clearProcessLogs", fault(30, "FAILED: p"))]),
            ("g:p: ERROR (failed)\n".into(), 1)
        );
    }

    #[test]
    fn tail_and_maintail() {
        assert_eq!(
            run("tail x", vec![("supervisor.readProcessStdoutLog", Ok(Value::from("abc\n")))]),
            ("abc\n\n".into(), 0)
        );
        assert_eq!(
            run("tail x", vec![("supervisor.readProcessStdoutLog", fault(20, "NO_FILE"))]),
            ("x: ERROR (no log file)\n".into(), 1)
        );
        assert_eq!(run("tail x foo", vec![]), ("Error: bad channel 'foo'\n".into(), 1));
        assert_eq!(run("tail -x y", vec![]), ("Error: bad argument -x\n".into(), 1));
        assert_eq!(run("tail -5", vec![]), ("Error: tail requires process name\n".into(), 1));
        assert_eq!(
            run("maintail -5", vec![("supervisor.readLog", Ok(Value::from("log")))]),
            ("log\n".into(), 0)
        );
        assert_eq!(run("maintail x", vec![]), ("Error: bad argument x\n".into(), 1));
        // Counts whose negation does not fit a 32-bit XML-RPC int, and the
        // 64-bit extremes, are argument errors, never an overflow.
        for arg in [
            "-9223372036854775808",
            "--9223372036854775808",
            "-2147483649",
            "-99999999999999999999",
        ] {
            assert_eq!(
                run(&format!("tail {arg} x"), vec![]),
                (format!("Error: bad argument {arg}\n"), 1),
                "tail {arg}"
            );
            assert_eq!(
                run(&format!("maintail {arg}"), vec![]),
                (format!("Error: bad argument {arg}\n"), 1),
                "maintail {arg}"
            );
        }
        assert_eq!(
            run(
                "tail -2147483648 x",
                vec![("supervisor.readProcessStdoutLog", Ok(Value::from("a")))]
            ),
            ("a\n".into(), 0)
        );
        assert_eq!(
            run("maintail --5", vec![("supervisor.readLog", Ok(Value::from("log")))]),
            ("log\n".into(), 0)
        );
    }

    #[test]
    fn reread_update_add_remove() {
        let reload = |a: &[&str], c: &[&str], r: &[&str]| {
            let arr = |v: &[&str]| Value::Array(v.iter().map(|s| Value::from(*s)).collect());
            Ok(Value::Array(vec![Value::Array(vec![arr(a), arr(c), arr(r)])]))
        };
        assert_eq!(
            run("reread", vec![("supervisor.reloadConfig", reload(&["new"], &["b"], &["old"]))]),
            ("b: changed\nnew: available\nold: disappeared\n".into(), 0)
        );
        assert_eq!(
            run("reread", vec![("supervisor.reloadConfig", reload(&[], &[], &[]))]),
            ("No config updates to processes\n".into(), 0)
        );
        assert_eq!(
            run("reread", vec![("supervisor.reloadConfig", fault(92, "CANT_REREAD: bad"))]),
            ("ERROR: CANT_REREAD: bad\n".into(), 1)
        );
        let (out, code) = run(
            "update",
            vec![
                ("supervisor.reloadConfig", reload(&["new"], &["b"], &["old"])),
                ("supervisor.stopProcessGroup", Ok(Value::Array(vec![]))),
                ("supervisor.removeProcessGroup", Ok(Value::Bool(true))),
                ("supervisor.stopProcessGroup", Ok(Value::Array(vec![]))),
                ("supervisor.removeProcessGroup", Ok(Value::Bool(true))),
                ("supervisor.addProcessGroup", Ok(Value::Bool(true))),
                ("supervisor.addProcessGroup", Ok(Value::Bool(true))),
            ],
        );
        assert_eq!(
            out,
            "old: stopped\nold: removed process group\nb: stopped\nb: updated process group\nnew: added process group\n"
        );
        assert_eq!(code, 0);
        assert_eq!(
            run("add x", vec![("supervisor.addProcessGroup", fault(90, "ALREADY_ADDED: x"))]),
            ("ERROR: process group already active\n".into(), 0)
        );
        assert_eq!(
            run("remove x", vec![("supervisor.removeProcessGroup", fault(91, "STILL_RUNNING: x"))]),
            ("ERROR: process/group still running: x\n".into(), 1)
        );
    }

    #[test]
    fn shutdown_reload_version_and_unknown() {
        assert_eq!(
            run("shutdown", vec![("supervisor.shutdown", Ok(Value::Bool(true)))]),
            ("Shut down\n".into(), 0)
        );
        assert_eq!(
            run("shutdown", vec![("supervisor.shutdown", fault(6, "SHUTDOWN_STATE"))]),
            ("ERROR: already shutting down\n".into(), 0)
        );
        assert_eq!(
            run("shutdown", vec![("supervisor.shutdown", Err(CallError::Refused))]),
            ("ERROR: unix:///tmp/s.sock refused connection (already shut down?)\n".into(), 1)
        );
        assert_eq!(
            run("reload", vec![("supervisor.restart", Ok(Value::Bool(true)))]),
            ("Restarted supervisord\n".into(), 0)
        );
        assert_eq!(
            run("version", vec![("supervisor.getSupervisorVersion", Ok(Value::from("4.3.0")))]),
            ("4.3.0\n".into(), 0)
        );
        assert_eq!(
            run("frobnicate now", vec![]),
            ("*** Unknown syntax: frobnicate now\n".into(), 1)
        );
        assert_eq!(run("status", vec![("supervisor.getVersion", Ok(Value::from("2.0")))]).1, 4);
        let (out, code) =
            run("stop x", vec![("supervisor.getVersion", Err(CallError::Unauthorized))]);
        assert_eq!((out.as_str(), code), ("Server requires authentication\n", 1));
    }
}
