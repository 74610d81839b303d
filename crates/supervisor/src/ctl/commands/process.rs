//! Commands on processes: status, start, stop, restart, signal, pid,
//! clear, avail.

use super::*;

/// What differs between `start` and `stop`.
pub(super) struct StartStop {
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

pub(super) const START: StartStop = StartStop {
    verb: "start",
    done: "started",
    all: "supervisor.startAllProcesses",
    group: "supervisor.startProcessGroup",
    one: "supervisor.startProcess",
    ignored: f::ALREADY_STARTED,
    usage_exit: exit::INVALID_ARGS,
    no_group_exit: exit::INVALID_ARGS,
};

pub(super) const STOP: StartStop = StartStop {
    verb: "stop",
    done: "stopped",
    all: "supervisor.stopAllProcesses",
    group: "supervisor.stopProcessGroup",
    one: "supervisor.stopProcess",
    ignored: f::NOT_RUNNING,
    usage_exit: exit::GENERIC,
    no_group_exit: exit::GENERIC,
};

impl Ctl<'_> {
    pub(super) fn status(&mut self, arg: &str) -> Res {
        if !self.upcheck()? {
            self.exitstatus = exit::STATUS_UNKNOWN;
            return Ok(());
        }
        let mut names: Vec<&str> = arg.split_whitespace().collect();
        let json = names.contains(&"--json");
        names.retain(|n| *n != "--json");
        let all = if json {
            // Ours: with our members when the daemon has them.
            match self.call("ext.getAllProcessInfo", &[]) {
                Ok(v) => ProcessInfo::list(&v),
                Err(CallError::Fault(fault)) if fault.code == f::UNKNOWN_METHOD => {
                    ProcessInfo::list(&self.call("supervisor.getAllProcessInfo", &[])?)
                }
                Err(e) => return Err(e.into()),
            }
        } else {
            ProcessInfo::list(&self.call("supervisor.getAllProcessInfo", &[])?)
        };
        let matching: Vec<&ProcessInfo<'_>> = if names.is_empty() || names.contains(&"all") {
            all.iter().collect()
        } else {
            let mut out = Vec::new();
            for name in names {
                let (g, p) = split_namespec(name);
                let hits: Vec<&ProcessInfo<'_>> =
                    all.iter().filter(|v| v.group == g && p.is_none_or(|p| v.name == p)).collect();
                if hits.is_empty() {
                    let msg = match p {
                        None => format!("{g}: ERROR (no such group)"),
                        Some(_) => format!("{name}: ERROR (no such process)"),
                    };
                    // JSON stays parseable: an unknown name shows only in
                    // the exit status.
                    if !json {
                        self.output(&msg);
                    }
                    self.exitstatus = exit::STATUS_UNKNOWN;
                }
                out.extend(hits);
            }
            out
        };
        if json {
            let rows: Vec<serde_json::Value> = matching.iter().map(|v| v.to_json()).collect();
            let text = serde_json::Value::Array(rows).to_string();
            self.output(&text);
            if matching.iter().any(|v| v.is_stopped()) {
                self.exitstatus = exit::STATUS_NOT_RUNNING;
            }
            return Ok(());
        }
        let specs: Vec<String> = matching.iter().map(|v| v.namespec()).collect();
        let width = specs.iter().map(|n| n.chars().count()).max().unwrap_or(0).max(30) + 3;
        // One write for the whole table (stdout is line-buffered: a write
        // per process otherwise).
        let mut table = String::new();
        for (v, spec) in matching.iter().zip(&specs) {
            use std::fmt::Write as _;
            let _ = writeln!(table, "{spec:<width$}{:<10}{}", v.statename, v.description);
        }
        let _ = self.out.write_all(table.as_bytes());
        if matching.iter().any(|v| v.is_stopped()) {
            self.exitstatus = exit::STATUS_NOT_RUNNING;
        }
        Ok(())
    }

    pub(super) fn start_result(&mut self, group: &str, name: &str, code: i32) -> Res {
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
                return Err(CtlError::UnknownResult { code: other, namespec: ns });
            }
        };
        self.output(&format!("{ns}: ERROR ({what})"));
        Ok(())
    }

    pub(super) fn signal_result(
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
                return Err(CtlError::UnknownResult { code: other, namespec: ns });
            }
        };
        self.output(&line);
        Ok(())
    }

    pub(super) fn results(&mut self, results: Value, kind: &str, ignored: Option<i32>) -> Res {
        for r in CallResult::list(&results) {
            let (g, n, code, desc) = (r.group, r.name, r.status, r.description);
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

    pub(super) fn start(&mut self, arg: &str) -> Res {
        self.start_or_stop(arg, &START)
    }

    pub(super) fn stop(&mut self, arg: &str) -> Res {
        self.start_or_stop(arg, &STOP)
    }

    /// `start` and `stop`: all, groups (`g:` or `g`) and single processes,
    /// with the reference's messages and exit codes.
    pub(super) fn start_or_stop(&mut self, arg: &str, how: &StartStop) -> Res {
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
            let r = self.call(how.all, &[])?;
            return self.results(r, how.verb, Some(how.ignored));
        }
        for name in names {
            let (g, p) = split_namespec(name);
            match p {
                None => match self.call(how.group, &[g.into()]) {
                    Ok(r) => self.results(r, how.verb, Some(how.ignored))?,
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

    pub(super) fn restart(&mut self, arg: &str) -> Res {
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

    pub(super) fn signal(&mut self, arg: &str) -> Res {
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
            let r = self.call("supervisor.signalAllProcesses", &[sig.into()])?;
            return self.results(r, "signal", None);
        }
        for name in names {
            let (g, p) = split_namespec(name);
            match p {
                None => match self.call("supervisor.signalProcessGroup", &[g.into(), sig.into()]) {
                    Ok(r) => self.results(r, "signal", None)?,
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

    pub(super) fn pid(&mut self, arg: &str) -> Res {
        if !self.upcheck()? {
            return Ok(());
        }
        let names: Vec<&str> = arg.split_whitespace().collect();
        if names.is_empty() {
            let pid = self.call("supervisor.getPID", &[])?;
            self.output(&pid.as_int().unwrap_or(0).to_string());
        } else if names.contains(&"all") {
            for info in ProcessInfo::list(&self.call("supervisor.getAllProcessInfo", &[])?) {
                self.output(&info.pid.to_string());
            }
        } else {
            for name in names {
                match self.call("supervisor.getProcessInfo", &[name.into()]) {
                    Ok(info) => {
                        let pid = ProcessInfo::from_value(&info).pid;
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

    pub(super) fn clear(&mut self, arg: &str) -> Res {
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
            other => Err(CtlError::UnknownResult { code: other, namespec: ns.to_owned() }),
        };
        if names.contains(&"all") {
            for r in CallResult::list(&self.call("supervisor.clearAllProcessLogs", &[])?) {
                let code = r.status;
                let line = clear_line(&r.namespec(), code)?;
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

    pub(super) fn avail(&mut self, arg: &str) -> Res {
        let json = arg.trim() == "--json";
        if !json && !self.no_args(arg, "avail") {
            return Ok(());
        }
        match self.call("supervisor.getAllConfigInfo", &[]) {
            Ok(v) if json => {
                // Ours: one JSON array in `avail` order.
                let rows: Vec<serde_json::Value> = ConfigInfo::list(&v)
                    .iter()
                    .map(|c| {
                        serde_json::json!({
                            "namespec": namespec(&c.group, &c.name),
                            "name": c.name,
                            "group": c.group,
                            "in_use": c.inuse,
                            "autostart": c.autostart,
                            "group_priority": c.group_prio,
                            "process_priority": c.process_prio,
                            "command": c.command,
                        })
                    })
                    .collect();
                self.output(&serde_json::Value::Array(rows).to_string());
            }
            Ok(v) => {
                for c in ConfigInfo::list(&v) {
                    let ns = namespec(&c.group, &c.name);
                    let inuse = if c.inuse { "in use" } else { "avail" };
                    let auto = if c.autostart { "auto" } else { "manual" };
                    let prio = format!("{}:{}", c.group_prio, c.process_prio);
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
}
