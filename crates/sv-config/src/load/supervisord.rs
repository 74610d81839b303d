//! `[supervisord]`, `[rpcinterface:x]`, `[unix_http_server]` and
//! `[inet_http_server]`.

use super::*;

impl Loader<'_> {
    pub(super) fn supervisord(&mut self) -> SupervisordConfig {
        let host = self.host;
        let s = "supervisord";
        let x = self.here_names();
        let minfds = self.int(s, "minfds", &x);
        let minprocs = self.int(s, "minprocs", &x);
        let directory = match self.get(s, "directory", None, &x) {
            Ok(Some(g)) => match dt::existing_directory(host, &g.text) {
                Ok(d) => Some(d),
                Err(m) => {
                    self.err_at(m, s, "directory", g.entry.as_ref(), Expect::Directory);
                    None
                }
            },
            _ => None,
        };
        let user = self.get(s, "user", None, &x).ok().flatten().map(|g| g.text);
        let umask = self.value(s, "umask", &x, dt::octal_type, Expect::Octal);
        let logfile =
            self.value(s, "logfile", &x, |v| dt::existing_dirpath(host, v), Expect::DirPath);
        let logfile_maxbytes = self.bytes(s, "logfile_maxbytes", &x);
        let logfile_backups = self.int(s, "logfile_backups", &x);
        let loglevel = self.value(s, "loglevel", &x, dt::logging_level, Expect::LogLevel);
        let pidfile =
            self.value(s, "pidfile", &x, |v| dt::existing_dirpath(host, v), Expect::DirPath);
        let identifier = self
            .get(s, "identifier", Some("supervisor"), &x)
            .ok()
            .flatten()
            .map_or("supervisor".into(), |g| g.text);
        let nodaemon = self.boolean(s, "nodaemon", &x);
        let silent = self.boolean(s, "silent", &x);
        let tmp = host.tempdir();
        let childlogdir = self
            .conv(
                s,
                "childlogdir",
                &tmp,
                &x,
                |v| dt::existing_directory(host, v),
                Expect::Directory,
            )
            .unwrap_or(tmp);
        let nocleanup = self.boolean(s, "nocleanup", &x);
        let strip_ansi = self.boolean(s, "strip_ansi", &x);
        let mut environment = Vec::new();
        if let Ok(Some(g)) = self.get(s, "environment", Some(""), &x) {
            let (environ, names) = (self.environ.clone(), self.here_and_host_names());
            let names = crate::expand::Layers(&[&environ, &names]);
            if let Some(text) =
                self.expand_or_report(&g.text, &names, "environment", s, "environment")
            {
                match dt::dict_of_key_value_pairs(&text) {
                    Ok(pairs) => environment = pairs,
                    Err(m) => {
                        self.err_at(m, s, "environment", g.entry.as_ref(), Expect::Environment)
                    }
                }
            }
        }
        let environ = std::rc::Rc::make_mut(&mut self.environ);
        for (k, v) in &environment {
            environ.insert(format!("ENV_{k}"), PyVal::Str(v.clone()));
        }
        // Ours, read after every key of the reference.
        let exit_on_fatal = self.boolean(s, "exit_on_fatal", &x);
        let subreaper = self.boolean(s, "subreaper", &x);
        let forward_output_format = self.value(
            s,
            "forward_output_format",
            &x,
            dt::forward_format,
            Expect::Other("off, raw, prefixed, json or cri"),
        );
        let forward_output_buffer = self.value(
            s,
            "forward_output_buffer",
            &x,
            |t| {
                let n = in_range(dt::byte_size(t)?, 4096, 1 << 30)?;
                Ok(usize::try_from(n).unwrap_or(1 << 20))
            },
            Expect::Other("a byte count from 4KB to 1GB, e.g. 1MB"),
        );
        let log_format =
            self.value(s, "log_format", &x, dt::log_format, Expect::Other("text or json"));
        let shutdown_timeout = Some(self.int(s, "shutdown_timeout", &x))
            .filter(|n| *n > 0)
            .map(|n| std::time::Duration::from_secs(n.unsigned_abs()));
        SupervisordConfig {
            logfile: Some(logfile),
            logfile_maxbytes,
            logfile_backups,
            loglevel,
            pidfile,
            umask,
            nodaemon,
            silent,
            minfds,
            minprocs,
            nocleanup,
            childlogdir,
            user,
            uid: None,
            directory,
            strip_ansi,
            exit_on_fatal,
            shutdown_timeout,
            subreaper,
            forward_output_format,
            forward_output_buffer,
            log_format,
            environment,
            identifier,
        }
    }

    pub(super) fn rpcinterfaces(&mut self) -> Vec<RpcInterfaceConfig> {
        const KEY: &str = "supervisor.rpcinterface_factory";
        let mut out = Vec::new();
        let sections: Vec<String> = self
            .ini
            .section_names()
            .filter(|s| s.starts_with("rpcinterface:"))
            .map(String::from)
            .collect();
        for section in sections {
            let name = section.split_once(':').map_or("", |p| p.1).to_owned();
            let factory = match self.get(&section, KEY, None, &Expansions::new()) {
                Ok(Some(g)) => g.text,
                Ok(None) => {
                    self.err_section(
                        format!("section [{section}] does not specify a {KEY}"),
                        &section,
                        Expect::Other("supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface"),
                    );
                    continue;
                }
                Err(Reported) => continue,
            };
            let extras: Vec<String> = self
                .ini
                .section(&section)
                .map(|s| s.entries.iter().filter(|e| e.key != KEY).map(|e| e.key.clone()).collect())
                .unwrap_or_default();
            if factory == STANDARD_RPC_FACTORY {
                if !extras.is_empty() {
                    let key = extras[0].clone();
                    self.err_at(
                        format!("Could not make {name} rpc interface"),
                        &section,
                        &key,
                        None,
                        Expect::Other("no other keys: the standard interface takes no options"),
                    );
                }
            } else {
                self.warnings.push(ConfigWarning {
                    message: format!(
                        "[{section}] names the Python plugin {factory}, which cannot be loaded into this \
                         implementation; the section is ignored"
                    ),
                    location: self.location(&section, KEY, None),
                });
                continue;
            }
            out.push(RpcInterfaceConfig { name, factory });
        }
        out
    }

    pub(super) fn auth(&mut self, section: &str) -> (Option<String>, Option<String>) {
        let none = Expansions::new();
        let username = self.get(section, "username", None, &none).ok().flatten().map(|g| g.text);
        let password = self.get(section, "password", None, &none).ok().flatten().map(|g| g.text);
        if username.is_some() != password.is_some() {
            let missing = if username.is_none() { "username" } else { "password" };
            self.err_section(
                format!(
                    "Section [{section}] contains incomplete authentication: If a username or a password \
                     is specified, both the username and password must be specified"
                ),
                section,
                Expect::Other(if missing == "username" {
                    "a username line to go with the password"
                } else {
                    "a password line to go with the username"
                }),
            );
        }
        (username, password)
    }

    pub(super) fn servers(&mut self) -> Vec<HttpServerConfig> {
        let host = self.host;
        let mut out = Vec::new();
        let none = Expansions::new();
        let inet: Vec<String> = self
            .ini
            .section_names()
            .filter(|s| s.starts_with("inet_http_server"))
            .map(String::from)
            .collect();
        for section in inet {
            let (username, password) = self.auth(&section);
            let endpoints = self.endpoints(&section);
            match self.get(&section, "port", None, &none) {
                Ok(Some(g)) => match dt::inet_address(&g.text) {
                    Ok((h, port)) => out.push(HttpServerConfig::Inet {
                        section: section.clone(),
                        host: h,
                        port,
                        username,
                        password,
                        endpoints,
                    }),
                    Err(m) => {
                        self.err_at(m, &section, "port", g.entry.as_ref(), Expect::InetAddress)
                    }
                },
                Ok(None) => self.err_section(
                    format!("section [{section}] has no port value"),
                    &section,
                    Expect::InetAddress,
                ),
                Err(Reported) => {}
            }
        }
        let unix: Vec<String> = self
            .ini
            .section_names()
            .filter(|s| s.starts_with("unix_http_server"))
            .map(String::from)
            .collect();
        for section in unix {
            let x = self.here_names();
            let file = match self.get(&section, "file", None, &x) {
                Ok(Some(g)) => Some(dt::normalize_path(host, g.text.trim())),
                Ok(None) => {
                    self.err_section(
                        format!("section [{section}] has no file value"),
                        &section,
                        Expect::Other("file = the socket path, e.g. /tmp/supervisor.sock"),
                    );
                    None
                }
                Err(Reported) => None,
            };
            let (username, password) = self.auth(&section);
            let endpoints = self.endpoints(&section);
            let chown = self
                .optional(
                    &section,
                    "chown",
                    &none,
                    |t| dt::colon_separated_user_group(host, t),
                    Some("Invalid sockchown value"),
                    Expect::UserGroup,
                )
                .unwrap_or((-1, -1));
            let chmod = self
                .optional(
                    &section,
                    "chmod",
                    &none,
                    dt::octal_type,
                    Some("Invalid chmod value"),
                    Expect::Octal,
                )
                .unwrap_or(0o700);
            if let Some(file) = file {
                out.push(HttpServerConfig::Unix {
                    section,
                    file,
                    chmod,
                    chown,
                    username,
                    password,
                    endpoints,
                });
            }
        }
        out
    }

    /// The keys of a server section that turn on endpoints of ours.
    fn endpoints(&mut self, section: &str) -> HttpEndpoints {
        let none = Expansions::new();
        HttpEndpoints {
            metrics: self.boolean(section, "metrics", &none),
            health: self.boolean(section, "health_endpoints", &none),
            health_auth: self.boolean(section, "health_auth", &none),
            rest_api: self.boolean(section, "rest_api", &none),
        }
    }
}
