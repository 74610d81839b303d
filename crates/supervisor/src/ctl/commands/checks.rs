//! Commands on readiness, health and dependencies (ours): `wait`, `graph`
//! and `health`. They use the daemon's `ext.*` methods; against a daemon
//! without them, `wait` and `health` fall back to process states and
//! `graph` says it needs our daemon.

use super::*;

/// The line printed when the daemon has no `ext.*` methods.
const NEEDS_EXT: &str = "ERROR: this command needs a daemon with the extension API (ext.*)";

fn is_unknown_method(e: &CallError) -> bool {
    matches!(e, CallError::Fault(fault) if fault.code == f::UNKNOWN_METHOD)
}

/// Whether a process counts as ready, and if not why (`STARTING`,
/// `unhealthy (3 failures: HTTP 500)`...).
fn readiness(info: &ProcessInfo<'_>) -> Result<(), String> {
    if info.state != Some(ProcessState::Running) {
        let why = match info.ext.as_ref().and_then(|e| e.waiting_for.as_deref()) {
            Some(w) if !w.is_empty() => format!("{} (waiting for {w})", info.statename),
            _ => info.statename.to_string(),
        };
        return Err(why);
    }
    match info.ext.as_ref().and_then(|e| e.health.as_deref()) {
        Some("unhealthy") => {
            let e = info.ext.as_ref();
            let failures = e.and_then(|e| e.health_failures).unwrap_or(0);
            let output = e.and_then(|e| e.health_output.as_deref()).unwrap_or("");
            Err(format!("unhealthy ({failures} failures: {output})"))
        }
        _ => Ok(()),
    }
}

impl Ctl<'_> {
    /// Every process's info with our members, or the reference's members
    /// when the daemon has no `ext.*` (`None` after printing an error).
    fn infos(&mut self) -> Result<Vec<ProcessInfo<'static>>, CtlError> {
        match self.call("ext.getAllProcessInfo", &[]) {
            Ok(v) => Ok(ProcessInfo::list(&v)),
            Err(e) if is_unknown_method(&e) => {
                Ok(ProcessInfo::list(&self.call("supervisor.getAllProcessInfo", &[])?))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The processes `names` select (`all`, `group:*`, `name`); unknown
    /// names are reported and make the status 1.
    fn select<'i>(
        &mut self,
        infos: &'i [ProcessInfo<'static>],
        names: &[&str],
    ) -> Vec<&'i ProcessInfo<'static>> {
        if names.is_empty() || names.contains(&"all") {
            return infos.iter().collect();
        }
        let mut out = Vec::new();
        for name in names {
            let (group, process) = split_namespec(name);
            let hits: Vec<&ProcessInfo<'static>> = infos
                .iter()
                .filter(|i| i.group == group && process.is_none_or(|p| i.name == p))
                .filter(|i| process.is_some() || i.group == group)
                .collect();
            let hits = if hits.is_empty() && process.is_none() {
                infos.iter().filter(|i| i.name == *name).collect()
            } else {
                hits
            };
            if hits.is_empty() {
                self.output(&format!("{name}: ERROR (no such process)"));
                self.exitstatus = exit::GENERIC;
            }
            out.extend(hits);
        }
        out
    }

    /// `wait [--timeout N] name...|all`: until the processes are RUNNING
    /// (and healthy, with a health check); status 1 at the timeout, naming
    /// the ones that are not.
    pub(super) fn wait(&mut self, arg: &str) -> Res {
        let mut words: Vec<&str> = arg.split_whitespace().collect();
        let mut timeout: i64 = i64::from(i32::MAX);
        if let Some(i) = words.iter().position(|w| *w == "--timeout" || w.starts_with("--timeout="))
        {
            let value = match words[i].split_once('=') {
                Some((_, v)) => Some(v.to_owned()),
                None => words.get(i + 1).map(|v| (*v).to_owned()),
            };
            let n = value.as_deref().and_then(|v| v.parse::<i64>().ok()).filter(|n| *n >= 0);
            let Some(n) = n else {
                self.usage_error(
                    "Error: --timeout needs a number of seconds",
                    "wait",
                    exit::INVALID_ARGS,
                );
                return Ok(());
            };
            timeout = n;
            let end = if words[i].contains('=') { i + 1 } else { i + 2 };
            words.drain(i..end.min(words.len()));
        }
        if words.is_empty() {
            self.usage_error("Error: wait requires a process name", "wait", exit::INVALID_ARGS);
            return Ok(());
        }
        if !self.upcheck()? {
            return Ok(());
        }
        let names: Vec<Value> = words.iter().map(|w| Value::from(*w)).collect();
        match self.call("ext.waitReady", &[Value::Array(names), Value::Int(timeout)]) {
            Ok(_) => {}
            Err(CallError::Fault(fault)) if fault.code == f::FAILED => {
                let text = fault.text.strip_prefix("FAILED: ").unwrap_or(&fault.text).to_owned();
                self.output(&text);
                self.exitstatus = exit::GENERIC;
            }
            Err(CallError::Fault(fault)) if fault.code == f::BAD_NAME => {
                self.output(&format!("ERROR: {}", fault.text));
                self.exitstatus = exit::GENERIC;
            }
            Err(e) if is_unknown_method(&e) => self.wait_by_polling(&words, timeout)?,
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    /// `wait` against a daemon without `ext.*`: looks at the states twice
    /// a second.
    fn wait_by_polling(&mut self, names: &[&str], timeout: i64) -> Res {
        let end = std::time::Instant::now()
            + std::time::Duration::from_secs(u64::try_from(timeout).unwrap_or(0));
        loop {
            let infos = ProcessInfo::list(&self.call("supervisor.getAllProcessInfo", &[])?);
            let chosen = self.select(&infos, names);
            if self.exitstatus != exit::SUCCESS {
                return Ok(());
            }
            let late: Vec<String> = chosen
                .iter()
                .filter_map(|i| readiness(i).err().map(|why| format!("{} ({why})", i.namespec())))
                .collect();
            if late.is_empty() {
                return Ok(());
            }
            if std::time::Instant::now() >= end {
                self.output(&format!("not ready: {}", late.join(", ")));
                self.exitstatus = exit::GENERIC;
                return Ok(());
            }
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
    }

    /// `graph`: each process and what it depends on, dependencies first.
    pub(super) fn graph(&mut self, arg: &str) -> Res {
        if !self.no_args(arg, "graph") || !self.upcheck()? {
            return Ok(());
        }
        let nodes = match self.call("ext.getDependencyGraph", &[]) {
            Ok(v) => crate::api::types::GraphNode::list(&v),
            Err(e) if is_unknown_method(&e) => {
                self.output(NEEDS_EXT);
                self.exitstatus = exit::GENERIC;
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        };
        for n in &nodes {
            let deps: Vec<String> =
                n.depends_on.iter().map(|(t, c)| format!("{t} ({c})")).collect();
            let line = match (deps.is_empty(), n.binding.as_str()) {
                (true, _) => n.namespec(),
                (false, "none") => format!("{} -> {}", n.namespec(), deps.join(", ")),
                (false, b) => format!("{} -> {} [binding: {b}]", n.namespec(), deps.join(", ")),
            };
            self.output(&line);
        }
        Ok(())
    }

    /// `health [name...]`: status 0 when every named process (all by
    /// default) is ready and healthy, 1 otherwise, with a line for each
    /// that is not.
    pub(super) fn health(&mut self, arg: &str) -> Res {
        if !self.upcheck()? {
            return Ok(());
        }
        let names: Vec<&str> = arg.split_whitespace().collect();
        let infos = self.infos()?;
        let chosen = self.select(&infos, &names);
        let mut bad = 0;
        for info in chosen {
            let line = match readiness(info) {
                Ok(()) => {
                    let flag = info.ext.as_ref().and_then(|e| e.health.as_deref());
                    match flag {
                        Some("healthy") => format!("{}: healthy", info.namespec()),
                        _ => format!("{}: running", info.namespec()),
                    }
                }
                Err(why) => {
                    bad += 1;
                    format!("{}: {why}", info.namespec())
                }
            };
            self.output(&line);
        }
        if bad > 0 {
            self.exitstatus = exit::GENERIC;
        }
        Ok(())
    }
}
