//! Sample configurations under `tests/data/configs/`, materialised into temp
//! directories, read by our loader and by the reference's.
//!
//! A case file is a `supervisord.conf`; a line `;;; file: PATH` starts another
//! file of the case (for `[include]`), and `;;; dir: PATH` creates a
//! directory. `{dir}` stands for the case's directory.

use std::io;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use sv_config::datatypes::{AutoRestart, LogFile};
use sv_config::{
    ConfigFailure, GroupKind, Host, HttpServerConfig, Loaded, ServerConfig, UserEntry,
};
use sv_sys::RealHost;

use crate::harness::Env;

/// The environment both implementations see.
pub fn case_env() -> Vec<(String, String)> {
    vec![
        ("HOME".into(), "/root".into()),
        ("LC_CTYPE".into(), "C.UTF-8".into()),
        ("SV_TEST_VAR".into(), "hello".into()),
    ]
}

/// One sample configuration.
pub struct Case {
    /// File stem.
    pub name: String,
    /// The case file.
    pub path: PathBuf,
    /// Its text.
    pub text: String,
}

/// Every case, sorted by name.
pub fn all() -> Vec<Case> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/configs");
    let mut cases: Vec<Case> = std::fs::read_dir(&dir)
        .expect("tests/data/configs")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "conf"))
        .map(|p| Case {
            name: p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(),
            text: std::fs::read_to_string(&p).expect("read case"),
            path: p,
        })
        .collect();
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    cases
}

impl Case {
    /// Writes the case's files into `env`; returns the main config path.
    pub fn materialise(&self, env: &Env) -> String {
        let mut name = "supervisord.conf".to_owned();
        let mut body = String::new();
        let flush = |name: &str, body: &str| {
            env.write(name, body);
        };
        for line in self.text.lines() {
            if let Some(f) = line.strip_prefix(";;; file: ") {
                flush(&name, &body);
                name = f.trim().to_owned();
                body.clear();
            } else if let Some(d) = line.strip_prefix(";;; dir: ") {
                std::fs::create_dir_all(env.path().join(d.trim())).expect("mkdir");
            } else {
                body.push_str(line);
                body.push('\n');
            }
        }
        flush(&name, &body);
        env.path().join("supervisord.conf").to_string_lossy().into_owned()
    }
}

/// The real machine, seen from `cwd` and with a fixed environment.
pub struct CaseHost {
    /// Working directory.
    pub cwd: String,
}

impl CaseHost {
    fn abs(&self, p: &str) -> String {
        sv_config::paths::abspath(p, &self.cwd)
    }
}

impl Host for CaseHost {
    fn env(&self) -> Vec<(String, String)> {
        case_env()
    }
    fn hostname(&self) -> String {
        RealHost.hostname()
    }
    fn cwd(&self) -> String {
        self.cwd.clone()
    }
    fn uid(&self) -> u32 {
        RealHost.uid()
    }
    fn tempdir(&self) -> String {
        "/tmp".into()
    }
    fn read_to_string(&self, path: &str) -> io::Result<String> {
        RealHost.read_to_string(&self.abs(path))
    }
    fn exists(&self, path: &str) -> bool {
        RealHost.exists(&self.abs(path))
    }
    fn is_dir(&self, path: &str) -> bool {
        RealHost.is_dir(&self.abs(path))
    }
    fn glob(&self, pattern: &str) -> Vec<String> {
        RealHost.glob(&self.abs(pattern))
    }
    fn user_by_name(&self, name: &str) -> Option<UserEntry> {
        RealHost.user_by_name(name)
    }
    fn user_by_uid(&self, uid: u32) -> Option<UserEntry> {
        RealHost.user_by_uid(uid)
    }
    fn group_by_name(&self, name: &str) -> Option<u32> {
        RealHost.group_by_name(name)
    }
    fn group_exists(&self, gid: u32) -> bool {
        RealHost.group_exists(gid)
    }
}

/// Reads a materialised case with our loader, as `supervisord -c
/// supervisord.conf` run in the case directory would.
pub fn load(env: &Env) -> Result<Loaded<ServerConfig>, ConfigFailure> {
    let host = CaseHost { cwd: env.dir() };
    sv_config::load_server("supervisord.conf", &host, &Default::default())
}

fn logname(l: &LogFile) -> Value {
    match l {
        LogFile::Auto => json!("AUTO"),
        LogFile::None => json!("NONE"),
        LogFile::Syslog => json!("SYSLOG"),
        LogFile::Path(p) => json!(p),
    }
}

fn env_map(pairs: &[(String, String)]) -> Value {
    Value::Object(pairs.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
}

/// Our result in the shape the reference oracle prints.
pub fn to_json(r: &Result<Loaded<ServerConfig>, ConfigFailure>) -> Value {
    let l = match r {
        Err(f) => return json!({"ok": false, "error": f.errors.first().map(|e| e.message.clone())}),
        Ok(l) => l,
    };
    let c = &l.config;
    let s = &c.supervisord;
    let groups: Vec<Value> = c
        .groups
        .iter()
        .map(|g| {
            let procs: Vec<Value> = g
                .processes
                .iter()
                .map(|p| {
                    let stream = |st: &sv_config::StreamConfig| {
                        json!([logname(&st.logfile), st.logfile_maxbytes, st.logfile_backups,
                               st.capture_maxbytes, st.events_enabled, st.syslog])
                    };
                    json!({
                        "name": p.name, "command": p.command, "directory": p.directory,
                        "umask": p.umask, "priority": p.priority, "autostart": p.autostart,
                        "autorestart": match p.autorestart {
                            AutoRestart::Always => "true", AutoRestart::Never => "false",
                            AutoRestart::Unexpected => "unexpected" },
                        "startsecs": p.startsecs.as_secs(), "startretries": p.startretries, "uid": p.uid,
                        "stdout": stream(&p.stdout), "stderr": stream(&p.stderr),
                        "stopsignal": p.stopsignal.number(), "stopwaitsecs": p.stopwaitsecs.as_secs(),
                        "stopasgroup": p.stopasgroup, "killasgroup": p.killasgroup,
                        "exitcodes": p.exitcodes, "redirect_stderr": p.redirect_stderr,
                        "environment": env_map(&p.environment), "serverurl": p.serverurl,
                    })
                })
                .collect();
            let mut v = json!({"name": g.name, "priority": g.priority, "kind": "program", "processes": procs});
            match &g.kind {
                GroupKind::Program => {}
                GroupKind::EventListenerPool { buffer_size, events, .. } => {
                    v["kind"] = json!("eventlistener");
                    v["buffer_size"] = json!(buffer_size);
                    v["events"] = json!(events);
                }
                GroupKind::FastCgi { socket } => {
                    v["kind"] = json!("fcgi");
                    v["socket"] = json!(socket.url());
                }
            }
            v
        })
        .collect();
    let servers: Vec<Value> = c
        .servers
        .iter()
        .map(|sv| match sv {
            HttpServerConfig::Inet { section, host, port, username, password, .. } => json!({
                "section": section, "host": host, "port": port, "username": username, "password": password}),
            HttpServerConfig::Unix { section, file, chmod, chown, username, password, .. } => json!({
                "section": section, "file": file, "chmod": chmod, "chown": [chown.0, chown.1],
                "username": username, "password": password}),
        })
        .collect();
    json!({
        "ok": true,
        "supervisord": {
            "logfile": s.logfile, "logfile_maxbytes": s.logfile_maxbytes,
            "logfile_backups": s.logfile_backups, "loglevel": s.loglevel as i32,
            "pidfile": s.pidfile, "umask": s.umask, "nodaemon": s.nodaemon, "silent": s.silent,
            "minfds": s.minfds, "minprocs": s.minprocs, "nocleanup": s.nocleanup,
            "childlogdir": s.childlogdir, "user": s.user, "directory": s.directory,
            "strip_ansi": s.strip_ansi, "environment": env_map(&s.environment),
            "identifier": s.identifier,
        },
        "groups": groups,
        "servers": servers,
        "serverurl": c.serverurl,
        "parse_warnings": l.parse_warnings,
        "parse_infos": l.parse_infos,
    })
}

/// Our full rendering of a case, for golden files: the typed result as JSON,
/// or every error with its location, then our warnings.
pub fn render(r: &Result<Loaded<ServerConfig>, ConfigFailure>, dir: &str) -> String {
    let mut out = match r {
        Ok(_) => serde_json::to_string_pretty(&to_json(r)).unwrap_or_default() + "\n",
        Err(f) => f.errors.iter().map(|e| format!("Error: {e}\n")).collect(),
    };
    let warnings = match r {
        Ok(l) => &l.warnings,
        Err(f) => &f.warnings,
    };
    for w in warnings {
        out.push_str(&format!("Warning: {w}\n"));
    }
    out.replace(dir, "{dir}").replace(&RealHost.hostname(), "{hostname}")
}
