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
use sv_xmlrpc::{Fault, Value};

use crate::api::types::{
    CallResult, ConfigInfo, ExtInfo, GraphNode, Outcome, ProcessInfo, ProcessInfos, ReloadDiff,
    Reply, StreamInfo, Tail,
};

use super::event_loop::{Daemon, Shared};
use super::{logread, pyargs};
use crate::api;

mod control;
mod ext;
mod info;
mod logs;

use self::control::*;
use self::info::*;
pub use self::info::{ProcessRow, process_rows};
pub use self::logs::read_stdout_tail;
use self::logs::*;

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
            let ours = ext::listed(&shared.daemon.borrow());
            let ext = api::EXT_METHODS.iter().filter(|_| ours);
            Ok(Value::Array(api::METHODS.iter().chain(ext).map(|m| Value::from(m.name)).collect()))
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
        _ if method.starts_with("ext.") => ext_call(shared, method, &a).await,
        _ => supervisor_call(shared, method, &a).await,
    }
}

/// The `ext.*` methods (ours).
async fn ext_call(shared: &Rc<Shared>, method: &str, a: &Args<'_>) -> RpcResult {
    let d = || shared.daemon.borrow();
    check_running(&d())?;
    match method {
        "ext.getProcessInfo" => reply(ext::get_process_info(&d(), a.namespec(0)?)),
        "ext.getAllProcessInfo" => reply(Ok(ext::get_all_process_info(&d()))),
        "ext.getDependencyGraph" => reply(Ok(ext::get_dependency_graph(&d()))),
        "ext.waitReady" => reply(ext::wait_ready(shared, a.get(0)?, a.int(1)?).await),
        "ext.planUpdate" => reply(ext::plan_update(&d(), a.get(0)?)),
        "ext.tailTimestampedLog" => {
            let channel = a.text(1)?;
            reply(logs::tail_timestamped(shared, a.namespec(0)?, &channel, a.int(2)?).await)
        }
        "ext.reconfigureProcess" => {
            reply(ext::reconfigure_process(&mut shared.daemon.borrow_mut(), a.namespec(0)?))
        }
        _ => Err(fault(UNKNOWN_METHOD, None)),
    }
}

/// `startProcess` / `stopProcess`: one process, or the whole group for
/// `g:*`; waits for the outcome when `wait`. The web page calls it too.
pub async fn start_or_stop(
    shared: &Shared,
    name: &str,
    wait: bool,
    start: bool,
) -> Result<Outcome, Fault> {
    check_running(&shared.daemon.borrow())?;
    let target = lookup(&shared.daemon.borrow(), name)?;
    let id = match target {
        (g, None) => {
            let ids = by_priority(&shared.daemon.borrow(), &[g]);
            return Ok(Outcome::Each(many(shared, ids, wait, start).await));
        }
        (g, Some(p)) => ProcId { group: g, process: p },
    };
    let rebind = if !start && shared.daemon.borrow().sv.process(id).state().is_running() {
        stop_bound_dependents(shared, id).await
    } else {
        Vec::new()
    };
    let id = {
        // Waiting may have let groups come and go: look again.
        let d = shared.daemon.borrow();
        match lookup(&d, name)? {
            (g, Some(p)) => ProcId { group: g, process: p },
            (_, None) => return Err(fault(BAD_NAME, Some(name))),
        }
    };
    let r = {
        let mut d = shared.daemon.borrow_mut();
        let r = if start {
            start_one(&mut d, id, wait, name)
        } else {
            stop_one(&mut d, id, wait, name)
        };
        hold_for_deps(&mut d, &rebind);
        r
    };
    shared.wake.notify_one();
    let r = match r {
        StartState::Done(r) => r,
        StartState::Pending => {
            let who = Named::of(&shared.daemon.borrow(), id);
            wait_until(shared, |d| pending_result(d, &who, name, start).map(|(_, r)| r)).await
        }
    };
    r.map(|()| Outcome::Done)
}

/// `startProcessGroup` / `stopProcessGroup`, in priority order.
async fn start_or_stop_group(
    shared: &Shared,
    name: &pyargs::GroupName<'_>,
    wait: bool,
    start: bool,
) -> Result<Vec<CallResult>, Fault> {
    let ids = {
        let d = shared.daemon.borrow();
        let g = find_group_param(&d, name)?;
        by_priority(&d, &[g])
    };
    Ok(many(shared, ids, wait, start).await)
}

/// `startAllProcesses` / `stopAllProcesses`, in priority order.
pub async fn start_or_stop_all(
    shared: &Shared,
    wait: bool,
    start: bool,
) -> Result<Vec<CallResult>, Fault> {
    check_running(&shared.daemon.borrow())?;
    let ids = every_process(&shared.daemon.borrow());
    Ok(many(shared, ids, wait, start).await)
}

/// Every process, in priority order.
fn every_process(d: &Daemon) -> Vec<ProcId> {
    by_priority(d, &(0..d.sv.groups.len()).collect::<Vec<_>>())
}

/// `signalProcess`: one process, or each of a group for `g:*`.
fn signal_process(d: &mut Daemon, name: &str, sig: &Value) -> Result<Outcome, Fault> {
    let target = lookup(d, name)?;
    let (sig, sig_text) = pyargs::signal(sig)?;
    match target {
        (g, None) => {
            let ids = by_priority(d, &[g]);
            Ok(Outcome::Each(signal_many(d, ids, sig, &sig_text)))
        }
        (g, Some(p)) => {
            if sig.is_none() {
                return Err(fault(BAD_SIGNAL, Some(&sig_text)));
            }
            signal_one(d, ProcId { group: g, process: p }, sig, &sig_text, name)
                .map(|()| Outcome::Done)
        }
    }
}

/// `signalProcessGroup`.
fn signal_group(
    d: &mut Daemon,
    name: &pyargs::GroupName<'_>,
    sig: &Value,
) -> Result<Vec<CallResult>, Fault> {
    let g = find_group_param(d, name)?;
    let (sig, sig_text) = pyargs::signal(sig)?;
    let ids = by_priority(d, &[g]);
    Ok(signal_many(d, ids, sig, &sig_text))
}

/// `signalAllProcesses`.
fn signal_all(d: &mut Daemon, sig: &Value) -> Result<Vec<CallResult>, Fault> {
    let (sig, sig_text) = pyargs::signal(sig)?;
    let ids = every_process(d);
    Ok(signal_many(d, ids, sig, &sig_text))
}

/// `clearProcessLogs`: truncates a process's logs.
pub fn clear_process_logs(shared: &Shared, name: &str) -> Result<(), Fault> {
    let d = shared.daemon.borrow();
    check_running(&d)?;
    let id = lookup_process(&d, name)?;
    clear_process(&d, id).map_err(|_| fault(FAILED, Some(name)))
}

/// `clearAllProcessLogs`, in priority order.
fn clear_all_process_logs(d: &Daemon) -> Vec<CallResult> {
    every_process(d)
        .into_iter()
        .map(|id| {
            let r = clear_process(d, id).map_err(|_| fault(FAILED, Some(&spec_of(d, id))));
            call_result(d, id, &r)
        })
        .collect()
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

/// `sendRemoteCommEvent`: any values are accepted; the event carries
/// their text.
fn send_remote_comm_event(shared: &Shared, kind: String, data: String) -> bool {
    let event = sv_core::events::Event::RemoteCommunication { kind, data };
    shared.daemon.borrow_mut().emit(&event);
    shared.wake.notify_one();
    true
}

/// `shutdown` / `restart`: the loop acts on the new mood.
fn set_mood(shared: &Shared, mood: SupervisorState) -> bool {
    shared.daemon.borrow_mut().sv.mood = mood;
    shared.wake.notify_one();
    true
}

/// `sendProcessStdin`: the characters are checked before the name.
fn send_process_stdin(d: &Daemon, name: &Value, chars: &Value) -> Result<bool, Fault> {
    let chars = match chars {
        Value::String(chars) => chars,
        other => return Err(fault(INCORRECT_PARAMETERS, Some(&pyargs::py_str(other)))),
    };
    let name = pyargs::namespec(name)?;
    let id = lookup_process(d, name)?;
    let p = d.sv.process(id);
    if p.pid().is_none() || p.is_stopping() {
        return Err(fault(NOT_RUNNING, Some(name)));
    }
    let Some(fd) = p.ext.stdin.as_ref() else {
        return Err(fault(NO_FILE, Some(name)));
    };
    // Queued like the reference's input buffer: a task writes it as the
    // pipe drains, so a child that does not read blocks no one.
    let dup = fd.try_clone().map_err(|_| fault(NO_FILE, Some(name)))?;
    let mut tx = tokio::net::unix::pipe::Sender::from_owned_fd(dup)
        .map_err(|_| fault(NO_FILE, Some(name)))?;
    let data = chars.clone().into_bytes();
    tokio::task::spawn_local(async move {
        use tokio::io::AsyncWriteExt;
        let _ = tx.write_all(&data).await;
    });
    Ok(true)
}

/// The read-only JSON view (`/api/v1/`, ours): every process, in status
/// order, as `supervisorctl status --json` shows it.
pub fn processes_json(d: &Daemon) -> serde_json::Value {
    serde_json::Value::Array(ext::get_all_process_info(d).0.map(|i| i.to_json()).collect())
}

/// One process of the JSON view; `None` when there is no such process.
pub fn process_json(d: &Daemon, name: &str) -> Option<serde_json::Value> {
    ext::get_process_info(d, name).ok().map(|i| i.to_json())
}

/// The daemon in the JSON view.
pub fn supervisor_json(d: &Daemon) -> serde_json::Value {
    serde_json::json!({
        "version": crate::VERSION,
        "api_version": "3.0",
        "state": d.sv.mood.name(),
        "state_code": d.sv.mood.code(),
        "pid": sv_sys::daemon::getpid(),
        "identification": d.cfg.supervisord.identifier,
        "started_at": d.started_at() as i64,
    })
}

/// `reloadConfig`: reads the file again and keeps its groups for
/// `addProcessGroup`; answers what differs from the groups in use.
fn reload_config(d: &mut Daemon) -> Result<ReloadDiff, Fault> {
    let r = reread(d);
    d.stats.reloads[usize::from(r.is_err())] += 1;
    r
}

/// The configuration file read again (with the command line's values), or
/// `CANT_REREAD` with its first error.
fn read_config_again(d: &Daemon) -> Result<sv_config::Loaded<sv_config::ServerConfig>, Fault> {
    sv_config::load_server(&d.cfg.configfile, &sv_sys::RealHost, &d.overrides).map_err(|f| {
        fault(CANT_REREAD, Some(&f.errors.first().map(|e| e.message.clone()).unwrap_or_default()))
    })
}

fn reread(d: &mut Daemon) -> Result<ReloadDiff, Fault> {
    let loaded = read_config_again(d)?;
    let new = loaded.config.groups;
    let cur: Vec<&sv_config::GroupConfig> = d.sv.groups.iter().map(|g| &*g.config).collect();
    let names = |gs: Vec<&sv_config::GroupConfig>| gs.into_iter().map(|g| g.name.clone()).collect();
    let diff = ReloadDiff {
        added: names(new.iter().filter(|n| !cur.iter().any(|c| c.name == n.name)).collect()),
        changed: names(
            new.iter()
                .filter(|n| cur.iter().any(|c| c.name == n.name && !same_group(c, n)))
                .collect(),
        ),
        removed: names(
            cur.iter().copied().filter(|c| !new.iter().any(|n| n.name == c.name)).collect(),
        ),
    };
    d.loaded_groups = sv_config::shared(new);
    Ok(diff)
}

/// `addProcessGroup`: starts managing a group `reloadConfig` found.
fn add_process_group(shared: &Shared, name: &pyargs::GroupName<'_>) -> Result<bool, Fault> {
    let name = match name {
        pyargs::GroupName::Name(n) => *n,
        pyargs::GroupName::Missing(text) => return Err(fault(BAD_NAME, Some(text))),
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
    Ok(true)
}

/// `removeProcessGroup`: only a group whose processes are all stopped.
fn remove_process_group(d: &mut Daemon, name: &pyargs::GroupName<'_>) -> Result<bool, Fault> {
    let g = find_group_param(d, name)?;
    if d.sv.groups[g].processes.iter().any(|p| !p.state().is_stopped()) {
        return Err(fault(STILL_RUNNING, Some(&d.sv.groups[g].config.name)));
    }
    d.remove_group(g);
    Ok(true)
}

/// A typed handler result as the reply.
fn reply<T: Reply>(r: Result<T, Fault>) -> RpcResult {
    r.map(Reply::into_value)
}

/// The `supervisor.*` methods: each name is converted arguments passed to
/// its handler, whose typed result becomes the reply.
async fn supervisor_call(shared: &Rc<Shared>, method: &str, a: &Args<'_>) -> RpcResult {
    let Some(m) = method.strip_prefix("supervisor.") else {
        return Err(fault(UNKNOWN_METHOD, None));
    };
    let d = || shared.daemon.borrow();
    let d_mut = || shared.daemon.borrow_mut();
    // Methods that work whatever the mood.
    match m {
        "getAPIVersion" | "getVersion" => return reply(Ok("3.0")),
        "getSupervisorVersion" => return reply(Ok(crate::VERSION)),
        "getIdentification" => return reply(Ok(d().cfg.supervisord.identifier.clone())),
        "getState" => return reply(Ok(d().sv.mood)),
        "getPID" => return reply(Ok(i64::from(sv_sys::daemon::getpid()))),
        "sendRemoteCommEvent" => {
            return reply(Ok(send_remote_comm_event(shared, a.text(0)?, a.text(1)?)));
        }
        _ => {}
    }
    check_running(&d())?;
    match m {
        "getProcessInfo" => reply(get_process_info(&d(), a.namespec(0)?)),
        "getAllProcessInfo" => reply(Ok(get_all_process_info(&d()))),
        "getAllConfigInfo" => reply(Ok(get_all_config_info(&d()))),
        "startProcess" | "stopProcess" => {
            reply(start_or_stop(shared, a.namespec(0)?, a.flag(1), m == "startProcess").await)
        }
        "startProcessGroup" | "stopProcessGroup" => {
            let group = a.group(0, true)?;
            reply(start_or_stop_group(shared, &group, a.flag(1), m == "startProcessGroup").await)
        }
        "startAllProcesses" | "stopAllProcesses" => {
            reply(start_or_stop_all(shared, a.flag(0), m == "startAllProcesses").await)
        }
        "signalProcess" => reply(signal_process(&mut d_mut(), a.namespec(0)?, a.get(1)?)),
        "signalProcessGroup" => reply(signal_group(&mut d_mut(), &a.group(0, true)?, a.get(1)?)),
        "signalAllProcesses" => reply(signal_all(&mut d_mut(), a.get(0)?)),
        "readLog" | "readMainLog" => reply(read_main_log(shared, a.int(0)?, a.int(1)?).await),
        "clearLog" => reply(clear_main_log(&d())),
        "readProcessStdoutLog" | "readProcessLog" | "readProcessStderrLog" => {
            let path = process_log_path(&d(), a.namespec(0)?, m == "readProcessStderrLog")?;
            reply(read_process_log(path, a.int(1)?, a.int(2)?).await)
        }
        "tailProcessStdoutLog" | "tailProcessLog" | "tailProcessStderrLog" => {
            let path = process_log_path(&d(), a.namespec(0)?, m == "tailProcessStderrLog")?;
            reply(tail_process_log(path, a.int(1)?, a.int(2)?).await)
        }
        "clearProcessLogs" | "clearProcessLog" => {
            reply(clear_process_logs(shared, a.namespec(0)?).map(|()| true))
        }
        "clearAllProcessLogs" => reply(Ok(clear_all_process_logs(&d()))),
        "shutdown" => reply(Ok(set_mood(shared, SupervisorState::Shutdown))),
        "restart" => reply(Ok(set_mood(shared, SupervisorState::Restarting))),
        "sendProcessStdin" => reply(send_process_stdin(&d(), a.get(0)?, a.get(1)?)),
        "reloadConfig" => reply(reload_config(&mut d_mut())),
        "addProcessGroup" => reply(add_process_group(shared, &a.group(0, false)?)),
        "removeProcessGroup" => reply(remove_process_group(&mut d_mut(), &a.group(0, true)?)),
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
        std::sync::Arc::make_mut(&mut running.processes[0]).stdout.logfile =
            LogFile::Path("/tmp/a-stdout---supervisor-XYZ.log".into());
        assert!(same_group(&running, &base[0]), "AUTO matches a materialised path");
        let changed = load("[supervisord]\n[program:a]\ncommand=y\n");
        assert!(!same_group(&base[0], &changed[0]), "a new command is a change");
        let prio = load("[supervisord]\n[program:a]\ncommand=x\npriority=5\n");
        assert!(!same_group(&base[0], &prio[0]), "a new priority is a change");
        let same = load("[supervisord]\n[program:a]\ncommand=x\n\n");
        assert!(same_group(&base[0], &same[0]));
    }

    /// Every method of the API table reaches a handler: called with
    /// arguments of its declared types on a fresh daemon, none answers
    /// `UNKNOWN_METHOD`. So a method is one row in `api::METHODS` plus one
    /// handler, and a row without its handler fails here.
    #[test]
    fn every_method_in_the_table_has_a_handler() {
        use sv_config::{FakeHost, ServerOverrides, load_server};
        let dir = tempfile::tempdir().unwrap();
        let text = format!(
            "[supervisord]\nlogfile={0}/main.log\nchildlogdir={0}\n[program:a]\ncommand=/bin/true\nautostart=false\n",
            dir.path().display()
        );
        let mut host = FakeHost::default().with_file("/etc/s.conf", &text);
        host.dirs.insert(dir.path().display().to_string());
        let cfg = load_server("/etc/s.conf", &host, &ServerOverrides::default()).unwrap().config;
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let local = tokio::task::LocalSet::new();
        for m in api::METHODS.iter().chain(api::EXT_METHODS) {
            let logger = super::super::logger::Logger::open(
                Some(&dir.path().join("main.log")),
                0,
                0,
                LogLevel::Info,
                false,
            )
            .unwrap();
            let (listener_tx, _listeners) = tokio::sync::mpsc::unbounded_channel();
            let (event_tx, _events) = tokio::sync::mpsc::unbounded_channel();
            let daemon = Daemon::new(
                &cfg,
                cfg.groups.clone(),
                Rc::new(std::cell::RefCell::new(logger)),
                Vec::new(),
                listener_tx,
                event_tx,
            );
            let shared = Rc::new(Shared {
                daemon: std::cell::RefCell::new(daemon),
                wake: tokio::sync::Notify::new(),
                changed: tokio::sync::Notify::new(),
            });
            shared.daemon.borrow_mut().sv.mood = SupervisorState::Running;
            let params: Vec<Value> = m
                .params
                .iter()
                .map(|p| match p.ty {
                    "int" => Value::Int(0),
                    "boolean" => Value::Bool(false),
                    "array" => Value::Array(Vec::new()),
                    _ if p.name == "signal" => Value::from("HUP"),
                    _ => Value::from("nosuch"),
                })
                .collect();
            let r = local.block_on(&rt, call(&shared, m.name, &params));
            if let Err(f) = r {
                assert_ne!(f.code, UNKNOWN_METHOD, "{} has no handler", m.name);
            }
        }
    }

    #[test]
    fn fault_texts() {
        assert_eq!(fault(BAD_NAME, Some("foo")).text, "BAD_NAME: foo");
        assert_eq!(fault(NO_FILE, None).text, "NO_FILE");
    }
}
