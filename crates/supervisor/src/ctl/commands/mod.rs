//! supervisorctl's commands: what each prints and the exit status it sets,
//! as the reference's `supervisorctl` does. All output goes to an injected
//! writer and all calls to an injected [`Rpc`], so every command is tested
//! without a daemon.

use std::io::Write;

use sv_core::namespec::{make as namespec, split as split_namespec};
use sv_xmlrpc::{Fault, Value};

use super::client::CallError;
use crate::api::types::{CallResult, ConfigInfo, ProcessInfo, ReloadDiff};
use sv_core::state::ProcessState;

use crate::faults as f;

mod checks;
mod config;
mod logs;
mod process;

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
    fn set_serverurl(&mut self, _url: &str) -> Result<(), super::client::BadUrl> {
        Err(super::client::BadUrl("not supported".into()))
    }
    /// Uses these credentials from now on (after a 401 in the shell).
    fn set_credentials(&mut self, _username: &str, _password: &str) {}
    /// Follows a process's stdout and stderr and forwards lines of our
    /// stdin to it (`fg`), until stdin ends or the process stops running.
    fn foreground(&mut self, _name: &str, _out: &mut dyn Write) -> Result<(), CallError> {
        Err(CallError::Other("not supported".into()))
    }
}

/// What ends a command early: a failed call it cannot handle, or a
/// result code it does not know. [`CtlError::render`] is the one place
/// that turns it into the printed line and the exit status.
#[derive(Debug)]
pub enum CtlError {
    /// A call failed in a way the command does not handle.
    Call(CallError),
    /// A result struct carried a status code no command knows.
    UnknownResult {
        /// The status code.
        code: i32,
        /// The process it was about.
        namespec: String,
    },
}

impl From<CallError> for CtlError {
    fn from(e: CallError) -> Self {
        CtlError::Call(e)
    }
}

impl CtlError {
    /// Whether the server asked for credentials (the shell then asks).
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, CtlError::Call(CallError::Unauthorized))
    }

    /// The lines printed and the exit status, as the reference's
    /// supervisorctl reports the Python exception behind each case.
    pub fn render(&self) -> (String, i32) {
        let what = match self {
            CtlError::Call(CallError::Unauthorized) => {
                return ("Server requires authentication".into(), exit::GENERIC);
            }
            CtlError::Call(CallError::Fault(Fault { code, text })) => format!(
                "<class 'xmlrpc.client.Fault'>, <Fault {code}: {}>",
                sv_config::pyrepr::py_repr(text)
            ),
            CtlError::Call(CallError::Refused) => {
                "<class 'ConnectionRefusedError'>, [Errno 111] Connection refused".into()
            }
            CtlError::Call(CallError::NoFile) => {
                "<class 'FileNotFoundError'>, [Errno 2] No such file or directory".into()
            }
            CtlError::Call(CallError::Status(s)) => {
                format!(
                    "<class 'xmlrpc.client.ProtocolError'>, <ProtocolError for 127.0.0.1/RPC2: {s}>"
                )
            }
            CtlError::Call(CallError::Other(m)) => format!("<class 'Exception'>, {m}"),
            CtlError::UnknownResult { code, namespec } => {
                format!("<class 'ValueError'>, Unknown result code {code} for {namespec}")
            }
        };
        (format!("error: {what}"), exit::GENERIC)
    }
}

type Res = Result<(), CtlError>;

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
    pub fn upcheck(&mut self) -> Result<bool, CtlError> {
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
            "wait" => self.wait(arg),
            "graph" => self.graph(arg),
            "health" => self.health(arg),
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
            Err(e) => {
                let (text, status) = e.render();
                self.output(&text);
                if e.is_unauthorized() && self.interactive && self.ask_credentials() {
                    return self.onecmd(line);
                }
                self.exitstatus = status;
            }
        }
        true
    }

    fn usage_error(&mut self, msg: &str, cmd: &str, status: i32) {
        self.output(msg);
        self.exitstatus = status;
        super::help::help(self, cmd);
    }

    fn no_args(&mut self, arg: &str, cmd: &str) -> bool {
        if arg.is_empty() {
            return true;
        }
        self.usage_error(&format!("Error: {cmd} accepts no arguments"), cmd, exit::GENERIC);
        false
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
}

#[cfg(test)]
mod tests;
