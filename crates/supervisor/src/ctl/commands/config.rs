//! Commands on the configuration and the daemon: reread, update, add,
//! remove, shutdown, reload, open, version.

use super::*;
use crate::api::types::GroupPlan;

impl Ctl<'_> {
    pub(super) fn reload_config(&mut self) -> Result<Option<[Vec<String>; 3]>, CallError> {
        let diff = ReloadDiff::from_value(&self.call("supervisor.reloadConfig", &[])?);
        Ok(Some([diff.added, diff.changed, diff.removed]))
    }

    /// The plan of an update (ours: `ext.planUpdate`), for `reread --diff`
    /// and `update --dry-run`.
    fn plan_update(&mut self, names: &[&str]) -> Result<Vec<GroupPlan>, CallError> {
        let names = Value::Array(names.iter().map(|n| Value::from(*n)).collect());
        Ok(GroupPlan::list(&self.call("ext.planUpdate", &[names])?))
    }

    /// `  web command: '/a' -> '/b'`: one key of a changed group.
    fn change_lines(plan: &GroupPlan) -> Vec<String> {
        fn shorten(v: &str) -> String {
            let chars: Vec<char> = v.chars().collect();
            if chars.len() <= 120 {
                return v.to_owned();
            }
            let head: String = chars[..58].iter().collect();
            let tail: String = chars[chars.len() - 58..].iter().collect();
            format!("{head}...{tail}")
        }
        plan.changes
            .iter()
            .map(|c| {
                let how = if c.in_place { " (supervision only)" } else { "" };
                if c.old.is_empty() && c.new.is_empty() {
                    format!("  {} {}{how}", c.process, c.key)
                } else {
                    let (old, new) = (shorten(&c.old), shorten(&c.new));
                    format!("  {} {}: {old} -> {new}{how}", c.process, c.key)
                }
            })
            .collect()
    }

    pub(super) fn reread(&mut self, arg: &str) -> Res {
        // Ours: `reread --diff` adds the changed keys under each `changed`
        // line; everything else is the reference's reread.
        let diff = arg.trim() == "--diff";
        if !diff && !self.no_args(arg, "reread") {
            return Ok(());
        }
        let details = if diff {
            match self.plan_update(&[]) {
                Ok(p) => p,
                Err(CallError::Fault(fault)) if fault.code == f::CANT_REREAD => {
                    self.exitstatus = exit::GENERIC;
                    self.output(&format!("ERROR: {}", fault.text));
                    return Ok(());
                }
                Err(e) => {
                    self.exitstatus = exit::GENERIC;
                    return Err(e.into());
                }
            }
        } else {
            Vec::new()
        };
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
                    if let Some(plan) = details.iter().find(|p| p.group == n && what == "changed") {
                        for l in Self::change_lines(plan) {
                            self.output(&l);
                        }
                    }
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

    pub(super) fn add(&mut self, arg: &str) -> Res {
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

    pub(super) fn remove(&mut self, arg: &str) -> Res {
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

    /// `update --dry-run [NAME...]` (ours): what `update` would do and why,
    /// with no effect at all; exit 0 when nothing would change, 1 when
    /// something would, 2 on an error (diff's convention).
    fn update_dry_run(&mut self, names: &[&str]) -> Res {
        let plan = match self.plan_update(names) {
            Ok(p) => p,
            Err(CallError::Fault(fault)) => {
                self.exitstatus = 2;
                self.output(&format!("ERROR: {}: {}", f::fault_name(fault.code), fault.text));
                return Ok(());
            }
            Err(e) => {
                self.exitstatus = 2;
                return Err(e.into());
            }
        };
        if plan.is_empty() {
            self.output("No config updates to processes");
            return Ok(());
        }
        for p in &plan {
            let line = match p.action.as_str() {
                "remove" => {
                    format!("{}: would stop and remove (gone from the configuration)", p.group)
                }
                "add" => format!("{}: would add", p.group),
                _ => format!("{}: would stop, remove and add again", p.group),
            };
            self.output(&line);
            for l in Self::change_lines(p) {
                self.output(&l);
            }
        }
        self.exitstatus = 1;
        Ok(())
    }

    /// `update --per-process` and `--keep-stopped` (ours): a changed group
    /// is updated process by process: a process whose supervision-only keys
    /// changed gets them while it runs; one with other changes is stopped,
    /// given its new settings and started again (if it was running, or with
    /// autostart unless `--keep-stopped`); the others are left alone.
    /// Groups whose own settings changed (priority, processes) are replaced
    /// as plain `update` does, and added and removed groups too.
    fn update_per_process(&mut self, names: &[&str], keep_stopped: bool) -> Res {
        let plan = match self.plan_update(names) {
            Ok(p) => p,
            Err(CallError::Fault(fault)) => {
                self.exitstatus = exit::GENERIC;
                self.output(&format!("ERROR: {}: {}", f::fault_name(fault.code), fault.text));
                return Ok(());
            }
            Err(e) => {
                self.exitstatus = exit::GENERIC;
                return Err(e.into());
            }
        };
        self.call("supervisor.reloadConfig", &[])?;
        let infos = ProcessInfo::list(&self.call("supervisor.getAllProcessInfo", &[])?);
        let configs = ConfigInfo::list(&self.call("supervisor.getAllConfigInfo", &[])?);
        for p in &plan {
            let g = p.group.as_str();
            let group_level = p.changes.iter().any(|c| {
                c.process == g
                    && matches!(
                        c.key.as_str(),
                        "priority" | "kind" | "processes" | "other settings"
                    )
            });
            match p.action.as_str() {
                "remove" => {
                    self.call("supervisor.stopProcessGroup", &[g.into()])?;
                    self.output(&format!("{g}: stopped"));
                    self.call("supervisor.removeProcessGroup", &[g.into()])?;
                    self.output(&format!("{g}: removed process group"));
                }
                "add" => {
                    self.call("supervisor.addProcessGroup", &[g.into()])?;
                    self.output(&format!("{g}: added process group"));
                }
                _ if group_level => {
                    self.call("supervisor.stopProcessGroup", &[g.into()])?;
                    self.output(&format!("{g}: stopped"));
                    self.call("supervisor.removeProcessGroup", &[g.into()])?;
                    self.call("supervisor.addProcessGroup", &[g.into()])?;
                    self.output(&format!("{g}: updated process group"));
                }
                _ => {
                    let mut specs: Vec<&str> = Vec::new();
                    for c in &p.changes {
                        if !specs.contains(&c.process.as_str()) {
                            specs.push(&c.process);
                        }
                    }
                    for spec in specs {
                        let in_place =
                            p.changes.iter().filter(|c| c.process == spec).all(|c| c.in_place);
                        if in_place {
                            self.call("ext.reconfigureProcess", &[spec.into()])?;
                            self.output(&format!("{spec}: updated in place"));
                            continue;
                        }
                        let state =
                            infos.iter().find(|i| i.namespec() == spec).and_then(|i| i.state);
                        let running = matches!(
                            state,
                            Some(
                                ProcessState::Running
                                    | ProcessState::Starting
                                    | ProcessState::Backoff
                            )
                        );
                        let has_child = matches!(
                            state,
                            Some(
                                ProcessState::Running
                                    | ProcessState::Starting
                                    | ProcessState::Stopping
                            )
                        );
                        if has_child {
                            let _ =
                                self.call("supervisor.stopProcess", &[spec.into(), true.into()]);
                        }
                        self.call("ext.reconfigureProcess", &[spec.into()])?;
                        let autostart = configs
                            .iter()
                            .find(|c| namespec(&c.group, &c.name) == spec)
                            .is_some_and(|c| c.autostart);
                        if running || (autostart && !keep_stopped) {
                            let _ =
                                self.call("supervisor.startProcess", &[spec.into(), true.into()]);
                            self.output(&format!("{spec}: restarted"));
                        } else {
                            self.output(&format!("{spec}: updated, left stopped"));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    pub(super) fn update(&mut self, arg: &str) -> Res {
        let mut words: Vec<&str> = arg.split_whitespace().collect();
        if words.first() == Some(&"--dry-run") {
            words.remove(0);
            return self.update_dry_run(&words);
        }
        let (mut per_process, mut keep_stopped) = (false, false);
        while let Some(w) = words.first() {
            match *w {
                "--per-process" => per_process = true,
                "--keep-stopped" => keep_stopped = true,
                _ => break,
            }
            words.remove(0);
        }
        if per_process || keep_stopped {
            words.retain(|w| *w != "all");
            return self.update_per_process(&words, keep_stopped);
        }
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
            let mut groups: Vec<String> =
                ProcessInfo::list(&self.call("supervisor.getAllProcessInfo", &[])?)
                    .into_iter()
                    .map(|v| v.group.into_owned())
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
            let results =
                CallResult::list(&self.call("supervisor.stopProcessGroup", &[g.as_str().into()])?);
            self.output(&format!("{g}: stopped"));
            if results.iter().any(|r| r.status == f::FAILED) {
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

    pub(super) fn shutdown(&mut self, arg: &str) -> Res {
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

    pub(super) fn reload(&mut self, arg: &str) -> Res {
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

    pub(super) fn open(&mut self, arg: &str) -> Res {
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

    pub(super) fn version(&mut self, arg: &str) -> Res {
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
