//! Groups and what makes them: `[group:x]`, `[program:x]`,
//! `[eventlistener:x]`, `[fcgi-program:x]` and fcgi sockets.

use super::*;

impl Loader<'_> {
    /// The name after `kind:` in a section's name, checked as the
    /// reference checks group and program names (the error recorded).
    pub(super) fn section_name(&mut self, section: &str) -> Option<String> {
        let suffix = section.split_once(':').map_or("", |p| p.1);
        match dt::process_or_group_name(suffix) {
            Ok(n) => Some(n),
            Err(m) => {
                self.err_section(m, section, Expect::Name);
                None
            }
        }
    }

    pub(super) fn groups(&mut self) -> Vec<GroupConfig> {
        let host = self.host;
        let all: Vec<String> = self.ini.section_names().map(String::from).collect();
        let mut groups = Vec::new();
        let mut exclude: Vec<String> = Vec::new();
        let x = self.here_names();

        for section in all.iter().filter(|s| s.starts_with("group:")) {
            let Some(name) = self.section_name(section) else { continue };
            let programs = match self.get(section, "programs", None, &x) {
                Ok(Some(g)) => dt::list_of_strings(&g.text),
                _ => Vec::new(),
            };
            let priority = self.int(section, "priority", &x);
            // The reference names the last program section it read in these
            // messages, not the group (kept for compatibility).
            let mut label = section.clone();
            let mut processes = Vec::new();
            for program in programs {
                let ps = format!("program:{program}");
                let fs = format!("fcgi-program:{program}");
                let (has_p, has_f) = (all.contains(&ps), all.contains(&fs));
                if !has_p && !has_f {
                    self.err_at(
                        format!("[{label}] names unknown program or fcgi-program {program}"),
                        section,
                        "programs",
                        None,
                        Expect::Other("names of [program:x] or [fcgi-program:x] sections"),
                    );
                    continue;
                }
                if has_p && has_f {
                    self.err_at(
                        format!("[{label}] name {program} is ambiguous (exists as program and fcgi-program)"),
                        section,
                        "programs",
                        None,
                        Expect::Other("a name used by only one [program:x] or [fcgi-program:x] section"),
                    );
                    continue;
                }
                label = if has_p { ps } else { fs };
                exclude.push(label.clone());
                let label_now = label.clone();
                processes.extend(self.processes_from_section(&label_now, &name));
            }
            groups.push(GroupConfig { name, priority, kind: GroupKind::Program, processes });
        }

        for section in all.iter().filter(|s| s.starts_with("program:") && !exclude.contains(s)) {
            let Some(name) = self.section_name(section) else { continue };
            let priority = self.int(section, "priority", &x);
            let processes = self.processes_from_section(section, &name);
            groups.push(GroupConfig { name, priority, kind: GroupKind::Program, processes });
        }

        for section in all.iter().filter(|s| s.starts_with("eventlistener:")) {
            let pool = section.split_once(':').map_or("", |p| p.1).to_owned();
            let priority = self.int(section, "priority", &x);
            // Below the range is the reference's own error; above it, ours.
            let range = range_of(schema::Section::Listener, "buffer_size");
            let (lo, hi) = (*range.start(), *range.end());
            let buffer_size = self.value(
                section,
                "buffer_size",
                &x,
                move |t| dt::integer(t).and_then(|b| in_range(b, i64::MIN, hi)),
                Expect::Range(lo, hi),
            );
            if buffer_size < lo {
                self.err_at(
                    format!("[{section}] section sets invalid buffer_size ({buffer_size})"),
                    section,
                    "buffer_size",
                    None,
                    Expect::Range(lo, hi),
                );
            }
            let result_handler =
                match self.get(section, "result_handler", Some(DEFAULT_RESULT_HANDLER), &x) {
                    Ok(Some(g)) => g.text,
                    _ => DEFAULT_RESULT_HANDLER.to_owned(),
                };
            if result_handler != DEFAULT_RESULT_HANDLER && result_handler != STDLOG_RESULT_HANDLER {
                self.err_at(
                    format!("{result_handler} cannot be resolved within [{section}]"),
                    section,
                    "result_handler",
                    None,
                    Expect::Other(
                        "supervisor.dispatchers:default_handler or supervisor_stdlog:log_handler (other Python handlers cannot be loaded into this implementation)",
                    ),
                );
            }
            let mut events: Vec<String> = match self.get(section, "events", Some(""), &x) {
                Ok(Some(g)) => {
                    dt::list_of_strings(&g.text).into_iter().map(|e| e.to_uppercase()).collect()
                }
                _ => Vec::new(),
            };
            events.sort();
            events.dedup();
            if events.is_empty() {
                self.err_section(
                    format!("[{section}] section requires an \"events\" line"),
                    section,
                    Expect::EventNames,
                );
            }
            for ev in &events {
                if !EVENT_TYPES.contains(&ev.as_str()) {
                    self.err_at(
                        format!("Unknown event type {ev} in [{section}] events"),
                        section,
                        "events",
                        None,
                        Expect::EventNames,
                    );
                }
            }
            let redirect = self.boolean(section, "redirect_stderr", &x);
            if redirect {
                self.err_at(
                    format!(
                        "[{section}] section sets redirect_stderr=true but this is not allowed because it \
                         will interfere with the eventlistener protocol"
                    ),
                    section,
                    "redirect_stderr",
                    None,
                    Expect::Other("redirect_stderr = false for event listeners"),
                );
            }
            let processes = self.processes_from_section(section, &pool);
            groups.push(GroupConfig {
                name: pool,
                priority,
                kind: GroupKind::EventListenerPool { buffer_size, events, result_handler },
                processes,
            });
        }

        for section in all.iter().filter(|s| s.starts_with("fcgi-program:") && !exclude.contains(s))
        {
            let Some(name) = self.section_name(section) else { continue };
            let priority = self.int(section, "priority", &x);
            let mut fx = x.clone();
            fx.insert("program_name".into(), PyVal::Str(name.clone()));
            let user = |t: &str| dt::name_to_uid(host, t);
            let proc_uid = self.optional(section, "user", &x, user, None, Expect::User);
            let backlog_in_range = |t: &str| match dt::integer(t)? {
                b if (1..=65535).contains(&b) => Ok(b),
                b => Err(dt::Invalid(format!("Invalid socket_backlog value {b}"))),
            };
            let backlog = self.optional(
                section,
                "socket_backlog",
                &x,
                backlog_in_range,
                None,
                Expect::Range(1, 65535),
            );
            let owner = self.optional(
                section,
                "socket_owner",
                &x,
                |t| dt::colon_separated_user_group(host, t),
                Some("Invalid socket_owner value"),
                Expect::UserGroup,
            );
            let mode = self.optional(
                section,
                "socket_mode",
                &x,
                dt::octal_type,
                Some("Invalid socket_mode value"),
                Expect::Octal,
            );
            let socket = match self.get(section, "socket", None, &fx) {
                Ok(Some(g)) if !g.text.is_empty() => Some(g.text),
                Ok(_) => {
                    self.err_section(
                        format!("[{section}] section requires a \"socket\" line"),
                        section,
                        Expect::FcgiSocket,
                    );
                    None
                }
                Err(Reported) => None,
            };
            let Some(socket) = socket else { continue };
            let parsed = self.fcgi_socket(
                &socket,
                proc_uid,
                owner,
                owner.is_some() || mode.is_some(),
                mode,
                backlog,
            );
            let socket = match parsed {
                Ok(s) => s,
                Err(m) => {
                    self.err_at(
                        format!("{m} in [{section}] socket"),
                        section,
                        "socket",
                        None,
                        Expect::FcgiSocket,
                    );
                    continue;
                }
            };
            let processes = self.processes_from_section(section, &name);
            groups.push(GroupConfig {
                name,
                priority,
                kind: GroupKind::FastCgi { socket },
                processes,
            });
        }

        groups.sort_by(|a, b| a.priority.cmp(&b.priority).then_with(|| a.name.cmp(&b.name)));
        groups
    }

    pub(super) fn fcgi_socket(
        &self,
        sock: &str,
        proc_uid: Option<u32>,
        owner: Option<(i64, i64)>,
        owner_or_mode_set: bool,
        mode: Option<u32>,
        backlog: Option<i64>,
    ) -> Result<FcgiSocket, String> {
        if let Some(path) = sock.strip_prefix("unix://") {
            if !path.starts_with('/') {
                // The reference prints the exception's argument tuple here.
                return Err(format!(
                    "('Unix socket path %s is not an absolute path', {})",
                    py_repr(path)
                ));
            }
            let path = dt::normalize_path(self.host, path);
            let owner = owner.or_else(|| {
                let uid = self.host.uid();
                proc_uid.filter(|p| *p != uid).map(|p| {
                    let gid = self.host.user_by_uid(p).map_or(-1, |u| i64::from(u.gid));
                    (i64::from(p), gid)
                })
            });
            return Ok(FcgiSocket::Unix { path, owner, mode: mode.unwrap_or(0o700), backlog });
        }
        if owner_or_mode_set {
            return Err(
                "socket_owner and socket_mode params should only be used with a Unix domain socket"
                    .into(),
            );
        }
        if let Some(rest) = sock.strip_prefix("tcp://")
            && let Some((host, port)) = rest.rsplit_once(':')
            && !host.is_empty()
            && !host.contains(|c: char| c.is_whitespace() || c == ':')
            && !port.is_empty()
            && port.chars().all(|c| c.is_ascii_digit())
        {
            let port: i64 =
                port.parse().map_err(|_| format!("('Bad socket format %s', {})", py_repr(sock)))?;
            if !(1..=65535).contains(&port) {
                return Err(if port < 1 {
                    format!("{port} is below lower bound (1)")
                } else {
                    format!("{port} is above upper bound (65535)")
                });
            }
            return Ok(FcgiSocket::Tcp { host: host.to_lowercase(), port: port as u16, backlog });
        }
        Err(format!("('Bad socket format %s', {})", py_repr(sock)))
    }
}
