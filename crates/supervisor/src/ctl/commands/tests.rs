//! The commands against a scripted server: output and exit codes.

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
    let (out, code) = run("status a nosuch grp:*", vec![("supervisor.getAllProcessInfo", all())]);
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
        run("stop x", vec![("supervisor.stopProcess", fault(30, "FAILED: attempted to kill x"))]),
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
    for arg in
        ["-9223372036854775808", "--9223372036854775808", "-2147483649", "-99999999999999999999"]
    {
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
        run("tail -2147483648 x", vec![("supervisor.readProcessStdoutLog", Ok(Value::from("a")))]),
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
    assert_eq!(run("frobnicate now", vec![]), ("*** Unknown syntax: frobnicate now\n".into(), 1));
    assert_eq!(run("status", vec![("supervisor.getVersion", Ok(Value::from("2.0")))]).1, 4);
    let (out, code) = run("stop x", vec![("supervisor.getVersion", Err(CallError::Unauthorized))]);
    assert_eq!((out.as_str(), code), ("Server requires authentication\n", 1));
}

/// `health`, `wait` and `graph` (ours), with our daemon's `ext.*` and
/// against a daemon without it.
#[test]
fn health_wait_and_graph() {
    let unknown = || fault(1, "UNKNOWN_METHOD");
    let mut unhealthy = info("web", "web", 20, "RUNNING", "pid 42, uptime 0:00:05");
    if let Value::Struct(m) = &mut unhealthy {
        m.push(("ext_health".into(), Value::from("unhealthy")));
        m.push(("ext_health_failures".into(), Value::Int(3)));
        m.push(("ext_health_output".into(), Value::from("HTTP 500")));
    }
    let ext = Ok(Value::Array(vec![info("db", "db", 20, "RUNNING", "pid 42"), unhealthy]));
    let (out, code) = run("health", vec![("ext.getAllProcessInfo", ext)]);
    assert_eq!(out, "db: running\nweb: unhealthy (3 failures: HTTP 500)\n");
    assert_eq!(code, exit::GENERIC);
    // A daemon without ext.*: states only.
    let plain = Ok(Value::Array(vec![
        info("db", "db", 20, "RUNNING", "pid 42"),
        info("web", "web", 10, "STARTING", ""),
    ]));
    let (out, code) = run(
        "health db",
        vec![("ext.getAllProcessInfo", unknown()), ("supervisor.getAllProcessInfo", plain)],
    );
    assert_eq!((out.as_str(), code), ("db: running\n", 0));
    let (out, code) =
        run("health nosuch", vec![("ext.getAllProcessInfo", Ok(Value::Array(vec![])))]);
    assert_eq!((out.as_str(), code), ("nosuch: ERROR (no such process)\n", exit::GENERIC));

    let (out, code) = run("wait --timeout 5 web", vec![("ext.waitReady", Ok(Value::Bool(true)))]);
    assert_eq!((out.as_str(), code), ("", 0));
    let late = fault(30, "FAILED: not ready: web (STARTING)");
    let (out, code) = run("wait --timeout 5 web", vec![("ext.waitReady", late)]);
    assert_eq!((out.as_str(), code), ("not ready: web (STARTING)\n", exit::GENERIC));
    let (out, code) = run("wait --timeout x web", vec![]);
    assert!(out.starts_with("Error: --timeout needs a number of seconds"), "{out}");
    assert_eq!(code, exit::INVALID_ARGS);
    let plain = Ok(Value::Array(vec![info("web", "web", 10, "STARTING", "")]));
    let (out, code) = run(
        "wait --timeout 0 web",
        vec![("ext.waitReady", unknown()), ("supervisor.getAllProcessInfo", plain)],
    );
    assert_eq!((out.as_str(), code), ("not ready: web (STARTING)\n", exit::GENERIC));

    let graph = Ok(Value::Array(vec![
        Value::structure([
            ("name", Value::from("db")),
            ("group", Value::from("db")),
            ("depends_on", Value::Array(vec![])),
            ("dependents", Value::Array(vec![Value::from("web")])),
            ("binding", Value::from("none")),
        ]),
        Value::structure([
            ("name", Value::from("web")),
            ("group", Value::from("web")),
            (
                "depends_on",
                Value::Array(vec![Value::structure([
                    ("target", Value::from("db")),
                    ("condition", Value::from("running")),
                ])]),
            ),
            ("dependents", Value::Array(vec![])),
            ("binding", Value::from("restart")),
        ]),
    ]));
    let (out, code) = run("graph", vec![("ext.getDependencyGraph", graph)]);
    assert_eq!((out.as_str(), code), ("db\nweb -> db (running) [binding: restart]\n", 0));
    let (out, code) = run("graph", vec![("ext.getDependencyGraph", unknown())]);
    assert!(out.contains("needs a daemon with the extension API") && code == 1, "{out}");
}

/// `status --json` (ours): one array, every key present, the plain
/// status's exit code; against a daemon without ext.* our keys are null.
#[test]
fn status_json() {
    let infos = || {
        Ok(Value::Array(vec![
            info("a", "a", 20, "RUNNING", "pid 42, uptime 0:00:05"),
            info("g", "b", 0, "STOPPED", "Not started"),
        ]))
    };
    let (out, code) = run(
        "status --json",
        vec![
            ("ext.getAllProcessInfo", fault(1, "UNKNOWN_METHOD")),
            ("supervisor.getAllProcessInfo", infos()),
        ],
    );
    assert_eq!(code, exit::STATUS_NOT_RUNNING);
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("valid JSON");
    let rows = v.as_array().expect("an array");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["namespec"], "a");
    assert_eq!(rows[0]["state"], "RUNNING");
    assert_eq!(rows[0]["state_code"], 20);
    assert_eq!(rows[0]["pid"], 42);
    assert_eq!(rows[1]["namespec"], "g:b");
    assert!(rows[1]["pid"].is_null() && rows[1]["ready"].is_null() && rows[1]["health"].is_null());
    for key in ["started_at", "uptime_seconds", "exit_status", "spawn_error", "waiting_for"] {
        assert!(rows[0].get(key).is_some(), "{key} present");
    }
    let (out, code) = run("status --json nosuch", vec![("ext.getAllProcessInfo", infos())]);
    assert_eq!((out.trim(), code), ("[]", exit::STATUS_UNKNOWN));
}

/// `avail --json` (ours): one array of every configured process.
#[test]
fn avail_json() {
    let config = Value::Array(vec![Value::structure([
        ("group", Value::from("g")),
        ("name", Value::from("p")),
        ("inuse", Value::Bool(true)),
        ("autostart", Value::Bool(false)),
        ("group_prio", Value::Int(999)),
        ("process_prio", Value::Int(5)),
        ("command", Value::from("sleep 1")),
    ])]);
    let (out, code) = run("avail --json", vec![("supervisor.getAllConfigInfo", Ok(config))]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("valid JSON");
    assert_eq!(v[0]["namespec"], "g:p");
    assert_eq!((v[0]["in_use"].as_bool(), v[0]["autostart"].as_bool()), (Some(true), Some(false)));
    assert_eq!(v[0]["process_priority"], 5);
    let (out, _) = run("avail extra", vec![]);
    assert!(out.starts_with("Error: avail accepts no arguments"), "{out}");
}
