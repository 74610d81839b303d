//! The processes a program section makes, one per `process_num`.

use super::*;
use crate::expand::Layers;

impl Loader<'_> {
    pub(super) fn processes_from_section(
        &mut self,
        section: &str,
        group_name: &str,
    ) -> Vec<std::sync::Arc<ProcessConfig>> {
        let file =
            self.ini.section(section).map_or_else(|| self.configfile.clone(), |s| s.file.clone());
        let saved = self.wrap.replace(format!(
            " in section {} (file: {})",
            py_repr(section),
            py_repr(&file)
        ));
        let out = self.processes_inner(section, group_name);
        self.wrap = saved;
        shared(out)
    }

    pub(super) fn processes_inner(
        &mut self,
        section: &str,
        group_name: &str,
    ) -> Vec<ProcessConfig> {
        let host = self.host;
        let Some(program_name) = self.section_name(section) else { return Vec::new() };
        // The reference mutates one dict of names as it goes; so do we.
        let mut c = Expansions::new();
        c.insert("here".into(), PyVal::Str(self.here.clone()));
        c.insert("program_name".into(), PyVal::Str(program_name.clone()));
        c.insert("host_node_name".into(), PyVal::Str(self.hostname.clone()));
        c.insert("group_name".into(), PyVal::Str(group_name.to_owned()));
        let s = section;
        let b = |l: &mut Self, c: &Expansions, key: &str| l.boolean(s, key, c);
        let priority = self.int_as(Some(schema::Section::Program), s, "priority", &c);
        let autostart = b(self, &c, "autostart");
        let autorestart = self.value(s, "autorestart", &c, dt::auto_restart, Expect::AutoRestart);
        // Durations become durations here: nothing later re-multiplies them.
        let secs = |n: i64| std::time::Duration::from_secs(u64::try_from(n).unwrap_or(0));
        let startsecs = secs(self.int(s, "startsecs", &c));
        let startretries = self.int(s, "startretries", &c);
        let stopsignal = self.value(s, "stopsignal", &c, dt::Signal::parse, Expect::Signal);
        let stopwaitsecs = secs(self.int(s, "stopwaitsecs", &c));
        let stopasgroup = b(self, &c, "stopasgroup");
        // Its default is stopasgroup's value.
        let killasgroup = self
            .conv(
                s,
                "killasgroup",
                if stopasgroup { "true" } else { "false" },
                &c,
                dt::boolean,
                Expect::Boolean,
            )
            .unwrap_or(stopasgroup);
        let exitcodes = self.value(s, "exitcodes", &c, dt::list_of_exitcodes, Expect::ExitCodes);
        let redirect_stderr = b(self, &c, "redirect_stderr");
        let numprocs = self.int(s, "numprocs", &c);
        let numprocs_start = self.int(s, "numprocs_start", &c);
        let env_entry = self.get_raw(s, "environment");
        let environment_str = env_entry.as_ref().map_or(String::new(), |e| e.value.clone());
        let stdout_cap = self.bytes(s, "stdout_capture_maxbytes", &c);
        let stdout_events = b(self, &c, "stdout_events_enabled");
        let stderr_cap = self.bytes(s, "stderr_capture_maxbytes", &c);
        let stderr_events = b(self, &c, "stderr_events_enabled");
        let serverurl = match self.get(s, "serverurl", None, &c) {
            Ok(Some(g)) if g.text.trim().to_uppercase() != "AUTO" => Some(g.text),
            _ => None,
        };
        let uid = self.optional(s, "user", &c, |t| dt::name_to_uid(host, t), None, Expect::User);
        let umask = self.optional(s, "umask", &c, dt::octal_type, None, Expect::Octal);
        let pn_entry = self.get_raw(s, "process_name");
        let pn_raw = pn_entry.as_ref().map_or("%(program_name)s".to_owned(), |e| e.value.clone());
        let process_name = match dt::process_or_group_name(&pn_raw) {
            Ok(n) => n,
            Err(m) => {
                self.err_at(m, s, "process_name", pn_entry.as_ref(), Expect::Name);
                return Vec::new();
            }
        };
        if numprocs > 1 && !process_name.contains("%(process_num)") {
            // The line that asks for several processes is what made the
            // name insufficient (the name may well be the default).
            let np_entry = self.get_raw(s, "numprocs");
            self.err_at(
                "%(process_num) must be present within process_name when numprocs > 1",
                s,
                "numprocs",
                np_entry.as_ref(),
                Expect::Other("a process_name containing %(process_num)s, e.g. %(program_name)s_%(process_num)02d"),
            );
            return Vec::new();
        }
        if stopasgroup && !killasgroup {
            self.err_at(
                "Cannot set stopasgroup=true and killasgroup=false",
                s,
                "killasgroup",
                None,
                Expect::Other("killasgroup = true (or unset) when stopasgroup = true"),
            );
        }

        let mut programs = Vec::new();
        let last = numprocs_start.saturating_add(numprocs.max(0));
        // The reference adds supervisord's environment to the names for
        // each process, over the program's own `ENV_` names of the process
        // before. The environment stays a layer under `c` instead of being
        // copied into it; a name of the process before that the environment
        // has is dropped from `c` so the environment's shows again, and one
        // it lacks stays, as in the reference's dict.
        let environ = self.environ.clone();
        let mut own_env: Vec<String> = Vec::new();
        for process_num in numprocs_start..last {
            c.insert("process_num".into(), PyVal::Int(process_num));
            c.insert("numprocs".into(), PyVal::Int(numprocs));
            for k in own_env.drain(..) {
                if environ.contains_key(&k) {
                    c.remove(&k);
                }
            }
            let mut environment = Vec::new();
            if let Some(text) = self.expand_or_report(
                &environment_str,
                &Layers(&[&environ, &c]),
                "environment",
                s,
                "environment",
            ) {
                match dt::dict_of_key_value_pairs(&text) {
                    Ok(p) => environment = p,
                    Err(m) => {
                        self.err_at(m, s, "environment", env_entry.as_ref(), Expect::Environment)
                    }
                }
            }
            for (k, v) in &environment {
                let key = format!("ENV_{k}");
                c.insert(key.clone(), PyVal::Str(v.clone()));
                own_env.push(key);
            }
            let directory = self.get(s, "directory", None, &c).ok().flatten().map(|g| g.text);
            let mut streams = Vec::new();
            for k in ["stdout", "stderr"] {
                let lf_key = format!("{k}_logfile");
                let logfile = match self.get(s, &lf_key, None, &c) {
                    Ok(Some(g)) => match self.expand_or_report(
                        &g.text,
                        &Layers(&[&environ, &c]),
                        &lf_key,
                        s,
                        &lf_key,
                    ) {
                        Some(text) => match dt::logfile_name(host, &text) {
                            Ok(l) => l,
                            Err(m) => {
                                self.err_at(m, s, &lf_key, g.entry.as_ref(), Expect::LogFile);
                                LogFile::Auto
                            }
                        },
                        None => LogFile::Auto,
                    },
                    Ok(None) | Err(Reported) => LogFile::Auto,
                };
                let backups = self.int(s, &format!("{k}_logfile_backups"), &c);
                let maxbytes = self.bytes(s, &format!("{k}_logfile_maxbytes"), &c);
                let sy_key = format!("{k}_syslog");
                let mut syslog = b(self, &c, &sy_key);
                let mut logfile = logfile;
                if logfile == LogFile::Syslog {
                    self.parse_warnings.push(format!(
                        "For [{s}], {lf_key}=syslog but this is deprecated and will be removed.  \
                         Use {sy_key}=true to enable syslog instead."
                    ));
                    logfile = LogFile::None;
                    syslog = true;
                }
                if logfile == LogFile::Auto && maxbytes == 0 {
                    self.parse_warnings.push(format!(
                        "For [{s}], AUTO logging used for {lf_key} without rollover, set maxbytes > 0 to \
                         avoid filling up filesystem unintentionally"
                    ));
                }
                let ts_key = format!("{k}_timestamped_logfile");
                let timestamped = match self.get(s, &ts_key, None, &c) {
                    Ok(Some(g)) => match self.expand_or_report(
                        &g.text,
                        &Layers(&[&environ, &c]),
                        &ts_key,
                        s,
                        &ts_key,
                    ) {
                        Some(text) => match dt::logfile_name(host, &text) {
                            Ok(LogFile::Syslog) => {
                                self.err_at(
                                    String::from("syslog is not a timestamped log"),
                                    s,
                                    &ts_key,
                                    g.entry.as_ref(),
                                    Expect::LogFile,
                                );
                                LogFile::None
                            }
                            Ok(l) => l,
                            Err(m) => {
                                self.err_at(m, s, &ts_key, g.entry.as_ref(), Expect::LogFile);
                                LogFile::None
                            }
                        },
                        None => LogFile::None,
                    },
                    Ok(None) | Err(Reported) => LogFile::None,
                };
                let (capture_maxbytes, events_enabled) = if k == "stdout" {
                    (stdout_cap, stdout_events)
                } else {
                    (stderr_cap, stderr_events)
                };
                streams.push(StreamConfig {
                    logfile,
                    logfile_maxbytes: maxbytes,
                    logfile_backups: backups,
                    capture_maxbytes,
                    events_enabled,
                    syslog,
                    timestamped,
                });
            }
            let (Some(mut stderr), Some(stdout)) = (streams.pop(), streams.pop()) else {
                continue;
            };
            if redirect_stderr {
                if !matches!(stderr.logfile, LogFile::Auto | LogFile::None) {
                    self.parse_warnings.push(format!(
                        "For [{s}], redirect_stderr=true but stderr_logfile has also been set to a \
                         filename, the filename has been ignored"
                    ));
                }
                stderr.logfile = LogFile::None;
            }
            let command = match self.get(s, "command", None, &c) {
                Ok(Some(g)) => g.text,
                Ok(None) => {
                    self.err_section(
                        format!("program section {s} does not specify a command"),
                        s,
                        Expect::Other("command = the program to run and its arguments"),
                    );
                    continue;
                }
                Err(Reported) => continue,
            };
            let Some(name) = self.expand_or_report(
                &process_name,
                &Layers(&[&environ, &c]),
                "process_name",
                s,
                "process_name",
            ) else {
                continue;
            };
            let checks = self.checks(s, &c).shared();
            let essential = b(self, &c, "essential");
            let forward_output = b(self, &c, "forward_output");
            let timestamp_format = self.value(
                s,
                "timestamp_format",
                &c,
                dt::timestamp_format,
                Expect::Other("rfc3339, local, or a strftime pattern such as %H:%M:%S%.3f"),
            );
            programs.push(ProcessConfig {
                name,
                group: group_name.to_owned(),
                section: s.to_owned(),
                process_num,
                command,
                directory,
                umask,
                priority,
                autostart,
                autorestart,
                startsecs,
                startretries,
                uid,
                stdout,
                stderr,
                stopsignal,
                stopwaitsecs,
                stopasgroup,
                killasgroup,
                exitcodes: exitcodes.clone(),
                redirect_stderr,
                environment,
                serverurl: serverurl.clone(),
                essential,
                forward_output,
                timestamp_format,
                checks,
            });
        }
        programs.sort_by(|a, b| a.priority.cmp(&b.priority).then_with(|| a.name.cmp(&b.name)));
        programs
    }
}
