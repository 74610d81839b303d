//! The XML-RPC interface: `supervisor.*` and `system.*` with the
//! reference's argument checks, result structures and faults.
//!
//! Handlers borrow the daemon briefly and never across an await. Calls that
//! wait (`startProcess(name, True)`, group and `all` forms) wait for the
//! event loop's "changed" signal and look again, so other clients are never
//! blocked.
//!
//! * this module: argument conversion, name lookups, dispatch and the
//!   handlers;
//! * [`info`]: process and configuration information structures;
//! * [`control`]: starting, stopping and signalling processes, one or many,
//!   and waiting for the outcome.

use std::rc::Rc;

use sv_config::LogLevel;
use sv_config::datatypes::LogFile;
use sv_core::namespec;
use sv_core::process::Process;
use sv_core::state::{ProcessState, SupervisorState};
use sv_core::supervisor::ProcId;
use sv_xmlrpc::{Fault, Field, Value};

use super::event_loop::{Daemon, Shared};
use super::{api, logread, pyargs};

mod control;
mod info;

use self::control::*;
use self::info::*;
pub use self::info::{ProcessRow, process_rows};

use crate::faults::*;
pub use crate::faults::{fault, fault_name};

type RpcResult = Result<Value, Fault>;

/// The arguments of a call, checked the way Python's call checks arity.
struct Args<'a> {
    params: &'a [Value],
}

impl<'a> Args<'a> {
    fn count(&self, min: usize, max: usize) -> Result<(), Fault> {
        if self.params.len() < min || self.params.len() > max {
            Err(fault(INCORRECT_PARAMETERS, None))
        } else {
            Ok(())
        }
    }
    fn get(&self, i: usize) -> Result<&'a Value, Fault> {
        self.params.get(i).ok_or_else(|| fault(INCORRECT_PARAMETERS, None))
    }
    /// A process name the reference splits at `:`.
    fn namespec(&self, i: usize) -> Result<&'a str, Fault> {
        pyargs::namespec(self.get(i)?)
    }
    /// A group name the reference looks up (`hashed`) or compares.
    fn group(&self, i: usize, hashed: bool) -> Result<pyargs::GroupName<'a>, Fault> {
        pyargs::group_name(self.get(i)?, hashed)
    }
    /// Python's `int()` of a parameter.
    fn int(&self, i: usize) -> Result<i64, Fault> {
        pyargs::py_int(self.get(i)?)
    }
    /// Python's `str()` of a parameter.
    fn text(&self, i: usize) -> Result<String, Fault> {
        Ok(pyargs::py_str(self.get(i)?).into_owned())
    }
    /// An optional `wait` flag (default true), with Python truthiness.
    fn flag(&self, i: usize) -> bool {
        self.params.get(i).is_none_or(pyargs::truthy)
    }
}

fn find_group(d: &Daemon, name: &str) -> Option<usize> {
    d.sv.groups.iter().position(|g| g.config.name == name)
}

/// The group a group-name parameter names, or `BAD_NAME` with its text.
fn find_group_param(d: &Daemon, name: &pyargs::GroupName<'_>) -> Result<usize, Fault> {
    match name {
        pyargs::GroupName::Name(n) => find_group(d, n).ok_or_else(|| fault(BAD_NAME, Some(n))),
        pyargs::GroupName::Missing(text) => Err(fault(BAD_NAME, Some(text))),
    }
}

/// How the reference names a process in results and faults of group
/// calls: `name`, or `group:name` when they differ.
fn spec_of(d: &Daemon, id: ProcId) -> String {
    namespec::make(&d.sv.groups[id.group].config.name, &d.sv.process(id).config.name)
}

/// Resolves a name to a group and, unless the whole group is meant, a process.
fn lookup(d: &Daemon, name: &str) -> Result<(usize, Option<usize>), Fault> {
    let (g, p) = namespec::split(name);
    let gi = find_group(d, g).ok_or_else(|| fault(BAD_NAME, Some(name)))?;
    match p {
        None => Ok((gi, None)),
        Some(p) => {
            let pi = d.sv.groups[gi]
                .processes
                .iter()
                .position(|x| x.config.name == p)
                .ok_or_else(|| fault(BAD_NAME, Some(name)))?;
            Ok((gi, Some(pi)))
        }
    }
}

fn lookup_process(d: &Daemon, name: &str) -> Result<ProcId, Fault> {
    match lookup(d, name)? {
        (g, Some(p)) => Ok(ProcId { group: g, process: p }),
        (_, None) => Err(fault(BAD_NAME, Some(name))),
    }
}

fn check_running(d: &Daemon) -> Result<(), Fault> {
    if d.sv.mood < SupervisorState::Running { Err(fault(SHUTDOWN_STATE, None)) } else { Ok(()) }
}

/// The tail page's text: the last `limit` bytes of a process's stdout log,
/// or the reference's message.
pub async fn read_stdout_tail(shared: &Shared, name: &str, limit: i64) -> String {
    let path = {
        let d = shared.daemon.borrow();
        match lookup_process(&d, name) {
            Ok(id) => channel_path(&d, id, false),
            Err(f) => return format!("ERROR: unexpected rpc fault [{}] {}", f.code, f.text),
        }
    };
    let Some(path) = path else { return format!("No file for {name}") };
    let read = read_log(large_read(-limit, 0), move || logread::read_file(&path, -limit, 0));
    match read.await {
        Ok(Ok(text)) => text,
        _ => format!("No file for {name}"),
    }
}

/// Reads a log range off the event loop's thread when it may be large
/// (to the end of the file, or over 1 MiB): a big read then holds up no
/// other client. Small reads, the usual case, are done at once.
async fn read_log<T: Send + 'static>(
    large: bool,
    read: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Fault> {
    if !large {
        return Ok(read());
    }
    tokio::task::spawn_blocking(read).await.map_err(|_| fault(FAILED, Some("reading the log")))
}

/// Whether `readFile(offset, length)` may return more than 1 MiB.
fn large_read(offset: i64, length: i64) -> bool {
    const MIB: i64 = 1 << 20;
    length == 0 && offset >= 0 || length > MIB || offset < -MIB
}

fn channel_path(d: &Daemon, id: ProcId, stderr: bool) -> Option<String> {
    let rt = &d.sv.process(id).ext;
    let p = if stderr { &rt.paths.stderr } else { &rt.paths.stdout };
    p.as_ref().map(|p| p.display().to_string())
}

/// Dispatches one call. `Err` is the fault to send. The arguments are
/// counted against the method's definition first (Python's call does that
/// before the method runs). After any call that may have changed
/// something, the event loop takes a turn (timers, events, waiting
/// callers), whatever the handler did or forgot to do.
pub async fn call(shared: &Rc<Shared>, method: &str, params: &[Value]) -> RpcResult {
    let parts: Vec<&str> = method.split('.').collect();
    if parts.len() != 2 || parts[1].starts_with('_') {
        return Err(fault(UNKNOWN_METHOD, None));
    }
    let Some(def) = api::find(method) else { return Err(fault(UNKNOWN_METHOD, None)) };
    let a = Args { params };
    let (min, max) = def.arity();
    a.count(min, max)?;
    let r = dispatch(shared, method, a).await;
    if def.changes {
        shared.wake.notify_one();
    }
    r
}

async fn dispatch(shared: &Rc<Shared>, method: &str, a: Args<'_>) -> RpcResult {
    match method {
        "system.listMethods" => {
            Ok(Value::Array(api::METHODS.iter().map(|m| Value::from(m.name)).collect()))
        }
        "system.methodSignature" => {
            // The reference compares the name with each method's: only a
            // string can be one.
            let name = a.get(0)?.as_str().unwrap_or_default();
            api::find(name)
                .map(|m| Value::Array(m.signature().into_iter().map(Value::from).collect()))
                .ok_or_else(|| fault(SIGNATURE_UNSUPPORTED, None))
        }
        "system.methodHelp" => {
            let name = a.get(0)?.as_str().unwrap_or_default();
            api::find(name)
                .map(|m| Value::from(m.help()))
                .ok_or_else(|| fault(SIGNATURE_UNSUPPORTED, None))
        }
        "system.multicall" => {
            let calls = match a.get(0)? {
                Value::Array(calls) => calls.as_slice(),
                // Iterating an empty string finds no call.
                Value::String(s) if s.is_empty() => &[],
                _ => return Err(fault(INCORRECT_PARAMETERS, None)),
            };
            // The reference reads every call's members before it makes the
            // first; a call that is no struct stops it there.
            if calls.iter().any(|c| !matches!(c, Value::Struct(_))) {
                return Err(fault(INCORRECT_PARAMETERS, None));
            }
            let mut out = Vec::new();
            for c in calls {
                let r = match c.get("methodName") {
                    None | Some(Value::Nil) => {
                        Err(fault(INCORRECT_PARAMETERS, Some("No methodName")))
                    }
                    Some(Value::String(name)) if name == "system.multicall" => Err(fault(
                        INCORRECT_PARAMETERS,
                        Some("Recursive system.multicall forbidden"),
                    )),
                    Some(Value::String(name)) => match multicall_params(c.get("params")) {
                        Some(ps) => Box::pin(call(shared, name, &ps)).await,
                        None => Err(fault(INCORRECT_PARAMETERS, None)),
                    },
                    // The reference's `name.split('.')` raises, and its
                    // multicall reports the exception as a fault.
                    Some(other) => Err(fault(
                        FAILED,
                        Some(&format!(
                            "<class 'AttributeError'>:'{}' object has no attribute 'split'",
                            pyargs::py_type(other)
                        )),
                    )),
                };
                out.push(match r {
                    Ok(v) => v,
                    Err(f) => Value::structure([
                        ("faultCode", Value::from(f.code)),
                        ("faultString", Value::from(f.text)),
                    ]),
                });
            }
            Ok(Value::Array(out))
        }
        _ => supervisor_call(shared, method, &a).await,
    }
}

/// `startProcess` / `stopProcess`: one process, or the whole group for
/// `g:*`; waits for the outcome when `wait`. The web page calls it too.
pub async fn start_or_stop(shared: &Shared, name: &str, wait: bool, start: bool) -> RpcResult {
    check_running(&shared.daemon.borrow())?;
    let target = lookup(&shared.daemon.borrow(), name)?;
    let id = match target {
        (g, None) => {
            let ids = by_priority(&shared.daemon.borrow(), &[g]);
            return many(shared, ids, wait, start).await;
        }
        (g, Some(p)) => ProcId { group: g, process: p },
    };
    let r = {
        let mut d = shared.daemon.borrow_mut();
        if start { start_one(&mut d, id, wait, name) } else { stop_one(&mut d, id, wait, name) }
    };
    shared.wake.notify_one();
    let r = match r {
        StartState::Done(r) => r,
        StartState::Pending => {
            let who = Named::of(&shared.daemon.borrow(), id);
            wait_until(shared, |d| pending_result(d, &who, name, start).map(|(_, r)| r)).await
        }
    };
    r.map(|()| Value::Bool(true))
}

/// `startAllProcesses` / `stopAllProcesses`, in priority order.
pub async fn start_or_stop_all(shared: &Shared, wait: bool, start: bool) -> RpcResult {
    check_running(&shared.daemon.borrow())?;
    let ids = {
        let d = shared.daemon.borrow();
        by_priority(&d, &(0..d.sv.groups.len()).collect::<Vec<_>>())
    };
    many(shared, ids, wait, start).await
}

/// `clearProcessLogs`: truncates a process's logs.
pub fn clear_process_logs(shared: &Shared, name: &str) -> Result<(), Fault> {
    let d = shared.daemon.borrow();
    check_running(&d)?;
    let id = lookup_process(&d, name)?;
    clear_process(&d, id).map_err(|_| fault(FAILED, Some(name)))
}

/// Whether `name` names one process (`getProcessInfo` would answer).
pub fn process_exists(shared: &Shared, name: &str) -> bool {
    let d = shared.daemon.borrow();
    check_running(&d).is_ok() && lookup_process(&d, name).is_ok()
}

/// A multicall entry's `params` as the reference unpacks them with
/// `func(*params)`: absent is none, a list its items, a string its
/// characters, a struct its keys; anything else cannot be unpacked.
fn multicall_params(params: Option<&Value>) -> Option<Vec<Value>> {
    match params {
        None => Some(Vec::new()),
        Some(Value::Array(ps)) => Some(ps.clone()),
        Some(Value::String(s)) => Some(s.chars().map(|c| Value::String(c.into())).collect()),
        Some(Value::Struct(m)) => Some(m.iter().map(|(k, _)| Value::from(k.as_ref())).collect()),
        Some(_) => None,
    }
}

async fn supervisor_call(shared: &Rc<Shared>, method: &str, a: &Args<'_>) -> RpcResult {
    let Some(m) = method.strip_prefix("supervisor.") else {
        return Err(fault(UNKNOWN_METHOD, None));
    };
    // Methods that work whatever the mood.
    match m {
        "getAPIVersion" | "getVersion" => {
            return Ok(Value::from("3.0"));
        }
        "getSupervisorVersion" => {
            return Ok(Value::from(crate::VERSION));
        }
        "getIdentification" => {
            return Ok(Value::from(shared.daemon.borrow().cfg.supervisord.identifier.as_str()));
        }
        "getState" => {
            let mood = shared.daemon.borrow().sv.mood;
            return Ok(Value::structure([
                ("statecode", Value::from(mood.code())),
                ("statename", Value::from(mood.name())),
            ]));
        }
        "getPID" => {
            return Ok(Value::Int(i64::from(sv_sys::daemon::getpid())));
        }
        "sendRemoteCommEvent" => {
            // Any value is accepted; the event carries its text.
            let (kind, data) = (a.text(0)?, a.text(1)?);
            shared
                .daemon
                .borrow_mut()
                .emit(&sv_core::events::Event::RemoteCommunication { kind, data });
            shared.wake.notify_one();
            return Ok(Value::Bool(true));
        }
        _ => {}
    }
    check_running(&shared.daemon.borrow())?;
    match m {
        "getProcessInfo" => {
            let d = shared.daemon.borrow();
            let id = lookup_process(&d, a.namespec(0)?)?;
            Ok(process_info(&d, id))
        }
        "getAllProcessInfo" => Ok(all_process_info_raw(&shared.daemon.borrow())),
        "getAllConfigInfo" => Ok(config_info(&shared.daemon.borrow())),
        "startProcess" | "stopProcess" => {
            start_or_stop(shared, a.namespec(0)?, a.flag(1), m == "startProcess").await
        }
        "startProcessGroup" | "stopProcessGroup" => {
            let g = find_group_param(&shared.daemon.borrow(), &a.group(0, true)?)?;
            let ids = by_priority(&shared.daemon.borrow(), &[g]);
            many(shared, ids, a.flag(1), m == "startProcessGroup").await
        }
        "startAllProcesses" | "stopAllProcesses" => {
            start_or_stop_all(shared, a.flag(0), m == "startAllProcesses").await
        }
        "signalProcess" => {
            let name = a.namespec(0)?;
            let target = lookup(&shared.daemon.borrow(), name)?;
            let (sig, sig_text) = pyargs::signal(a.get(1)?)?;
            let mut d = shared.daemon.borrow_mut();
            match target {
                (g, None) => {
                    let ids = by_priority(&d, &[g]);
                    Ok(signal_many(&mut d, ids, sig, &sig_text))
                }
                (g, Some(p)) => {
                    if sig.is_none() {
                        return Err(fault(BAD_SIGNAL, Some(&sig_text)));
                    }
                    signal_one(&mut d, ProcId { group: g, process: p }, sig, &sig_text, name)
                        .map(|()| Value::Bool(true))
                }
            }
        }
        "signalProcessGroup" => {
            let mut d = shared.daemon.borrow_mut();
            let g = find_group_param(&d, &a.group(0, true)?)?;
            let (sig, sig_text) = pyargs::signal(a.get(1)?)?;
            let ids = by_priority(&d, &[g]);
            Ok(signal_many(&mut d, ids, sig, &sig_text))
        }
        "signalAllProcesses" => {
            let (sig, sig_text) = pyargs::signal(a.get(0)?)?;
            let mut d = shared.daemon.borrow_mut();
            let ids = by_priority(&d, &(0..d.sv.groups.len()).collect::<Vec<_>>());
            Ok(signal_many(&mut d, ids, sig, &sig_text))
        }
        "readLog" | "readMainLog" => {
            let (off, len) = (a.int(0)?, a.int(1)?);
            let path = shared.daemon.borrow().cfg.supervisord.logfile.clone();
            let path = path.ok_or_else(|| fault(NO_FILE, None))?;
            read_log(large_read(off, len), move || logread::read_file(&path, off, len))
                .await?
                .map(Value::from)
        }
        "clearLog" => {
            let d = shared.daemon.borrow();
            let path = d.cfg.supervisord.logfile.clone().ok_or_else(|| fault(NO_FILE, None))?;
            if !std::path::Path::new(&path).exists() {
                return Err(fault(NO_FILE, None));
            }
            d.log(LogLevel::Info, "reopening log file");
            std::fs::remove_file(&path).map_err(|e| fault(FAILED, Some(&e.to_string())))?;
            d.logger.borrow_mut().reopen();
            Ok(Value::Bool(true))
        }
        "readProcessStdoutLog" | "readProcessLog" | "readProcessStderrLog" => {
            let path = {
                let d = shared.daemon.borrow();
                let id = lookup_process(&d, a.namespec(0)?)?;
                channel_path(&d, id, m == "readProcessStderrLog")
            };
            let (off, len) = (a.int(1)?, a.int(2)?);
            let path = path.ok_or_else(|| fault(NO_FILE, None))?;
            read_log(large_read(off, len), move || logread::read_file(&path, off, len))
                .await?
                .map(Value::from)
        }
        "tailProcessStdoutLog" | "tailProcessLog" | "tailProcessStderrLog" => {
            let path = {
                let d = shared.daemon.borrow();
                let id = lookup_process(&d, a.namespec(0)?)?;
                channel_path(&d, id, m == "tailProcessStderrLog")
            };
            let (off, len) = (a.int(1)?, a.int(2)?);
            read_log(len > 1 << 20, move || logread::tail_file(path.as_deref(), off, len)).await
        }
        "clearProcessLogs" | "clearProcessLog" => {
            clear_process_logs(shared, a.namespec(0)?).map(|()| Value::Bool(true))
        }
        "clearAllProcessLogs" => {
            let d = shared.daemon.borrow();
            let ids = by_priority(&d, &(0..d.sv.groups.len()).collect::<Vec<_>>());
            let out = ids
                .into_iter()
                .map(|id| {
                    let r =
                        clear_process(&d, id).map_err(|_| fault(FAILED, Some(&spec_of(&d, id))));
                    result_struct(&d, id, &r)
                })
                .collect();
            Ok(Value::Array(out))
        }
        "shutdown" | "restart" => {
            shared.daemon.borrow_mut().sv.mood = if m == "shutdown" {
                SupervisorState::Shutdown
            } else {
                SupervisorState::Restarting
            };
            shared.wake.notify_one();
            Ok(Value::Bool(true))
        }
        "sendProcessStdin" => {
            let chars = match a.get(1)? {
                Value::String(chars) => chars,
                other => return Err(fault(INCORRECT_PARAMETERS, Some(&pyargs::py_str(other)))),
            };
            let name = a.namespec(0)?;
            let d = shared.daemon.borrow();
            let id = lookup_process(&d, name)?;
            let p = d.sv.process(id);
            if p.pid.is_none() || p.killing {
                return Err(fault(NOT_RUNNING, Some(name)));
            }
            let Some(fd) = d.sv.process(id).ext.stdin.as_ref() else {
                return Err(fault(NO_FILE, Some(name)));
            };
            // Queued like the reference's input buffer: a task writes it as
            // the pipe drains, so a child that does not read blocks no one.
            let dup = fd.try_clone().map_err(|_| fault(NO_FILE, Some(name)))?;
            let mut tx = tokio::net::unix::pipe::Sender::from_owned_fd(dup)
                .map_err(|_| fault(NO_FILE, Some(name)))?;
            let data = chars.clone().into_bytes();
            tokio::task::spawn_local(async move {
                use tokio::io::AsyncWriteExt;
                let _ = tx.write_all(&data).await;
            });
            Ok(Value::Bool(true))
        }
        "reloadConfig" => {
            let mut d = shared.daemon.borrow_mut();
            let loaded = sv_config::load_server(&d.cfg.configfile, &sv_sys::RealHost, &d.overrides)
                .map_err(|f| {
                    fault(
                        CANT_REREAD,
                        Some(&f.errors.first().map(|e| e.message.clone()).unwrap_or_default()),
                    )
                })?;
            let new = loaded.config.groups;
            let cur: Vec<&sv_config::GroupConfig> = d.sv.groups.iter().map(|g| &g.config).collect();
            let added: Vec<Value> = new
                .iter()
                .filter(|n| !cur.iter().any(|c| c.name == n.name))
                .map(|n| Value::from(n.name.as_str()))
                .collect();
            let changed: Vec<Value> = new
                .iter()
                .filter(|n| cur.iter().any(|c| c.name == n.name && !same_group(c, n)))
                .map(|n| Value::from(n.name.as_str()))
                .collect();
            let removed: Vec<Value> = cur
                .iter()
                .filter(|c| !new.iter().any(|n| n.name == c.name))
                .map(|c| Value::from(c.name.as_str()))
                .collect();
            d.loaded_groups = new;
            Ok(Value::Array(vec![Value::Array(vec![
                Value::Array(added),
                Value::Array(changed),
                Value::Array(removed),
            ])]))
        }
        "addProcessGroup" => {
            let name = match a.group(0, false)? {
                pyargs::GroupName::Name(n) => n,
                pyargs::GroupName::Missing(text) => return Err(fault(BAD_NAME, Some(&text))),
            };
            let mut d = shared.daemon.borrow_mut();
            let config = d
                .loaded_groups
                .iter()
                .find(|g| g.name == name)
                .cloned()
                .ok_or_else(|| fault(BAD_NAME, Some(name)))?;
            if !d.add_group(config) {
                return Err(fault(ALREADY_ADDED, Some(name)));
            }
            drop(d);
            shared.wake.notify_one();
            Ok(Value::Bool(true))
        }
        "removeProcessGroup" => {
            let name = a.group(0, true)?;
            let mut d = shared.daemon.borrow_mut();
            let g = find_group_param(&d, &name)?;
            if d.sv.groups[g].processes.iter().any(|p| !p.state.is_stopped()) {
                return Err(fault(STILL_RUNNING, Some(&d.sv.groups[g].config.name)));
            }
            d.remove_group(g);
            Ok(Value::Bool(true))
        }
        _ => Err(fault(UNKNOWN_METHOD, None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uptimes_like_python_timedelta() {
        assert_eq!(timedelta(5), "0:00:05");
        assert_eq!(timedelta(3723), "1:02:03");
        assert_eq!(timedelta(86405), "1 day, 0:00:05");
        assert_eq!(timedelta(2 * 86400 + 11045), "2 days, 3:04:05");
        assert_eq!(timedelta(-3), "0:00:00");
    }

    #[test]
    fn reload_diff_treats_auto_logs_as_equal() {
        use sv_config::{FakeHost, ServerOverrides, load_server};
        let load = |text: &str| {
            let host = FakeHost::default().with_file("/etc/s.conf", text);
            load_server("/etc/s.conf", &host, &ServerOverrides::default()).unwrap().config.groups
        };
        let base = load("[supervisord]\n[program:a]\ncommand=x\n");
        let mut running = base[0].clone();
        running.processes[0].stdout.logfile =
            LogFile::Path("/tmp/a-stdout---supervisor-XYZ.log".into());
        assert!(same_group(&running, &base[0]), "AUTO matches a materialised path");
        let changed = load("[supervisord]\n[program:a]\ncommand=y\n");
        assert!(!same_group(&base[0], &changed[0]), "a new command is a change");
        let prio = load("[supervisord]\n[program:a]\ncommand=x\npriority=5\n");
        assert!(!same_group(&base[0], &prio[0]), "a new priority is a change");
        let same = load("[supervisord]\n[program:a]\ncommand=x\n\n");
        assert!(same_group(&base[0], &same[0]));
    }

    #[test]
    fn fault_texts() {
        assert_eq!(fault(BAD_NAME, Some("foo")).text, "BAD_NAME: foo");
        assert_eq!(fault(NO_FILE, None).text, "NO_FILE");
    }
}
