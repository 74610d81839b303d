//! Commands on logs: tail, maintail (once or following) and fg.

use super::*;

/// The byte count of `tail -N` / `maintail -N`, read as Python's `int()`
/// reads it. The reference sends `-N` as an XML-RPC int, which its client
/// limits to 32 bits: a count whose negation does not fit is refused.
pub(super) fn tail_bytes(text: &str) -> Option<i64> {
    let n = sv_config::datatypes::py_int(text).ok()?;
    (-i64::from(i32::MAX)..=-i64::from(i32::MIN)).contains(&n).then_some(n)
}

impl Ctl<'_> {
    pub(super) fn follow(&mut self, path: &str) -> Res {
        self.output("==> Press Ctrl-C to exit <==");
        let _ = self.out.flush();
        let out = &mut *self.out;
        let r = self
            .rpc
            .stream(path, &mut |data| out.write_all(data).and_then(|()| out.flush()).is_ok());
        // Ctrl-C ends the following, not the program.
        if crate::ctl::interrupt::take() {
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

    pub(super) fn tail(&mut self, arg: &str) -> Res {
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
            if what == "t" || m == "--timestamps" {
                // Ours: the timestamped log.
                let args = [name.into(), channel.as_str().into(), Value::Int(bytes)];
                match self.call("ext.tailTimestampedLog", &args) {
                    Ok(v) => self.output(v.as_str().unwrap_or("")),
                    Err(CallError::Fault(fault)) if fault.code == f::NO_FILE => {
                        self.output(&format!("ERROR: no timestamped log for {name}"));
                        self.exitstatus = exit::GENERIC;
                    }
                    Err(CallError::Fault(fault)) if fault.code == f::BAD_NAME => {
                        self.output(&format!("{name}: ERROR (no such process name)"));
                        self.exitstatus = exit::GENERIC;
                    }
                    Err(e) => return Err(e.into()),
                }
                return Ok(());
            }
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
        self.print_log_end(method, &[name.into(), Value::Int(-bytes), Value::Int(0)], name)
    }

    /// Prints what a log read answers, or the reference's one-line error
    /// for `who` (the process, or `supervisord` for the main log).
    fn print_log_end(&mut self, method: &str, params: &[Value], who: &str) -> Res {
        match self.call(method, params) {
            Ok(v) => self.output(v.as_str().unwrap_or("")),
            Err(CallError::Fault(fault)) => {
                self.exitstatus = exit::GENERIC;
                let what = match fault.code {
                    f::NO_FILE => "no log file",
                    f::FAILED => "unknown error reading log",
                    f::BAD_NAME => "no such process name",
                    _ => return Err(CallError::Fault(fault).into()),
                };
                self.output(&format!("{who}: ERROR ({what})"));
            }
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    pub(super) fn maintail(&mut self, arg: &str) -> Res {
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
        // readLog never answers BAD_NAME, so the shared mapping is the same.
        self.print_log_end(
            "supervisor.readLog",
            &[Value::Int(-bytes), Value::Int(0)],
            "supervisord",
        )
    }

    pub(super) fn fg(&mut self, arg: &str) -> Res {
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
            Ok(info) if ProcessInfo::from_value(&info).state == Some(ProcessState::Running) => {}
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
}
