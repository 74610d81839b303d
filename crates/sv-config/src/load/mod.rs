//! Stage two: from INI sections to the typed model, exactly as the reference
//! reads them, but collecting every error instead of stopping at the first.
//!
//! The order in which sections and keys are read mirrors the reference's
//! `ServerOptions.read_config` (`[supervisord]`, `[rpcinterface:x]`, groups,
//! programs, event listeners, fcgi programs, HTTP servers), so the first error
//! reported is the one the reference would report. Which names each key may
//! expand follows the reference's table, including its quirks (see
//! `docs/compatibility.md`).
//!
//! * this module: the loader's machinery (reading files, getting, expanding
//!   and converting values, recording errors with their location), the
//!   entry points and unknown-key warnings;
//! * [`supervisord`]: `[supervisord]`, `[rpcinterface:x]` and the HTTP
//!   servers;
//! * [`groups`]: `[group:x]`, `[program:x]`, `[eventlistener:x]`,
//!   `[fcgi-program:x]` and their sockets;
//! * [`processes`]: the processes one program section makes (`numprocs`);
//! * [`checks`]: readiness, health and dependency keys, and the checks of
//!   the dependency graph.

use crate::datatypes::{self as dt, Expect, LogFile};
use crate::error::{ConfigError, ConfigFailure, ConfigWarning, Location};
use crate::expand::{Expansions, Layers, Lookup, PyVal, expand};
use crate::host::Host;
use crate::ini::{Entry, Ini, IniError};
use crate::model::*;
use crate::paths;
use crate::pyrepr::py_repr;
use crate::schema;

mod checks;
mod groups;
mod processes;
mod supervisord;

/// A configuration that loaded, with what the loader wants said about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded<T> {
    /// The configuration.
    pub config: T,
    /// Our warnings (unknown keys, plugins we cannot load).
    pub warnings: Vec<ConfigWarning>,
    /// The reference's parse warnings, logged as WARN at startup.
    pub parse_warnings: Vec<String>,
    /// The reference's parse infos, logged as INFO at startup.
    pub parse_infos: Vec<String>,
}

/// `supervisord` command-line values, which win over the file's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerOverrides {
    /// `-n`.
    pub nodaemon: Option<bool>,
    /// `-s`.
    pub silent: Option<bool>,
    /// `-u`.
    pub user: Option<String>,
    /// `-m`.
    pub umask: Option<u32>,
    /// `-d`.
    pub directory: Option<String>,
    /// `-l`.
    pub logfile: Option<String>,
    /// `-y`.
    pub logfile_maxbytes: Option<i64>,
    /// `-z`.
    pub logfile_backups: Option<i64>,
    /// `-e`.
    pub loglevel: Option<LogLevel>,
    /// `-j`.
    pub pidfile: Option<String>,
    /// `-i`.
    pub identifier: Option<String>,
    /// `-q`.
    pub childlogdir: Option<String>,
    /// `-k`.
    pub nocleanup: Option<bool>,
    /// `-a`.
    pub minfds: Option<i64>,
    /// `-t`.
    pub strip_ansi: Option<bool>,
    /// `--minprocs`.
    pub minprocs: Option<i64>,
}

/// `supervisorctl` command-line values, which win over the file's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CtlOverrides {
    /// `-s`.
    pub serverurl: Option<String>,
    /// `-u`.
    pub username: Option<String>,
    /// `-p`.
    pub password: Option<String>,
    /// `-r`.
    pub history_file: Option<String>,
}

/// The accepted range of an integer key, from the key table. The reference
/// takes any integer; these bounds are far beyond any working
/// configuration and keep every later computation (seconds to
/// milliseconds, deadlines, rotation loops, buffers) free of overflow
/// (docs/compatibility.md).
pub fn range_of(section: schema::Section, key: &str) -> std::ops::RangeInclusive<i64> {
    match schema::key_in(section, key).map(|k| k.value) {
        Some(Expect::Range(lo, hi)) => lo..=hi,
        Some(Expect::ByteRange(hi)) => 0..=hi,
        _ => i64::MIN..=i64::MAX,
    }
}

/// The table's definition of `key` in the section named `section`; a
/// missing row is a mistake in this crate, caught by the tests.
fn def(section: &str, key: &str) -> Option<&'static schema::Key> {
    let d = schema::Section::of(section).and_then(|k| schema::key_in(k, key));
    debug_assert!(d.is_some(), "no {key} in the key table for [{section}]");
    d
}

/// `n` if it lies in `lo..=hi`, else the error.
pub fn in_range(n: i64, lo: i64, hi: i64) -> Result<i64, dt::Invalid> {
    if (lo..=hi).contains(&n) {
        Ok(n)
    } else {
        Err(dt::Invalid(format!("value {n} is out of range")))
    }
}

struct Loader<'a> {
    host: &'a dyn Host,
    ini: Ini,
    configfile: String,
    here: String,
    hostname: String,
    environ: std::rc::Rc<Expansions>,
    errors: Vec<ConfigError>,
    warnings: Vec<ConfigWarning>,
    parse_warnings: Vec<String>,
    parse_infos: Vec<String>,
    /// While reading a program section: the ` in section ... (file: ...)` suffix.
    wrap: Option<String>,
}

/// A value as read: its text after expansion and the entry it came from.
struct Got {
    text: String,
    entry: Option<Entry>,
}

/// An error was recorded; the caller falls back to the default.
struct Reported;

type GetResult = Result<Option<Got>, Reported>;

impl<'a> Loader<'a> {
    fn new(configfile: &str, host: &'a dyn Host) -> Self {
        let environ = std::rc::Rc::new(
            host.env().into_iter().map(|(k, v)| (format!("ENV_{k}"), PyVal::Str(v))).collect(),
        );
        Loader {
            host,
            ini: Ini::new(),
            configfile: configfile.to_owned(),
            here: String::new(),
            hostname: host.hostname(),
            environ,
            errors: Vec::new(),
            warnings: Vec::new(),
            parse_warnings: Vec::new(),
            parse_infos: Vec::new(),
            wrap: None,
        }
    }

    fn fail(self) -> ConfigFailure {
        ConfigFailure { errors: self.errors, warnings: self.warnings }
    }

    fn push(&mut self, mut err: ConfigError) {
        if let Some(w) = &self.wrap {
            err.message.push_str(w);
        }
        if !self.errors.iter().any(|e| e.message == err.message) {
            self.errors.push(err);
        }
    }

    fn location(&self, section: &str, key: &str, entry: Option<&Entry>) -> Option<Location> {
        let entry = entry.cloned().or_else(|| self.ini.get(section, key).cloned());
        match entry {
            Some(e) => Some(Location {
                file: e.file,
                line: e.line,
                section: section.to_owned(),
                key: Some(key.to_owned()),
                value: Some(e.value),
            }),
            None => self.section_location(section),
        }
    }

    fn section_location(&self, section: &str) -> Option<Location> {
        self.ini.section(section).map(|s| Location {
            file: s.file.clone(),
            line: s.line,
            section: section.to_owned(),
            key: None,
            value: None,
        })
    }

    fn err_at(
        &mut self,
        msg: impl Into<String>,
        section: &str,
        key: &str,
        entry: Option<&Entry>,
        exp: Expect,
    ) {
        let msg = msg.into();
        let location = self.location(section, key, entry);
        self.push(ConfigError { message: msg, location, expected: Some(exp.describe()) });
    }

    fn err_section(&mut self, msg: impl Into<String>, section: &str, exp: Expect) {
        let msg = msg.into();
        let location = self.section_location(section);
        self.push(ConfigError { message: msg, location, expected: Some(exp.describe()) });
    }

    /// The reference's `saneget`: the value (or default), expanded with the
    /// environment plus `extra`. `name` overrides the `section.key` label.
    fn get(
        &mut self,
        section: &str,
        key: &str,
        default: Option<&str>,
        extra: &Expansions,
    ) -> GetResult {
        let entry = self.ini.get(section, key).cloned();
        let raw = match (&entry, default) {
            (Some(e), _) => e.value.clone(),
            (None, Some(d)) => d.to_owned(),
            (None, None) => return Ok(None),
        };
        if !raw.contains('%') {
            // Nothing to expand (Python's `text % names` returns such text
            // as is); skips building the names for most keys.
            return Ok(Some(Got { text: raw, entry }));
        }
        let expanded = expand(&raw, &Layers(&[&self.environ, extra]), &format!("{section}.{key}"));
        match expanded {
            Ok(text) => Ok(Some(Got { text, entry })),
            Err(e) => {
                self.err_at(e.to_string(), section, key, entry.as_ref(), Expect::Expansion);
                Err(Reported)
            }
        }
    }

    /// The raw, unexpanded value.
    fn get_raw(&self, section: &str, key: &str) -> Option<Entry> {
        self.ini.get(section, key).cloned()
    }

    /// Reads and converts a value; on any error, records it and returns the
    /// converted default.
    fn conv<T>(
        &mut self,
        section: &str,
        key: &str,
        default: &str,
        extra: &Expansions,
        f: impl Fn(&str) -> Result<T, dt::Invalid>,
        exp: Expect,
    ) -> Option<T> {
        match self.get(section, key, Some(default), extra) {
            Ok(Some(got)) => match f(&got.text) {
                Ok(v) => Some(v),
                Err(m) => {
                    self.err_at(m, section, key, got.entry.as_ref(), exp);
                    f(default).ok()
                }
            },
            _ => f(default).ok(),
        }
    }

    /// An integer key, with its default and range from the key table.
    /// Every default in the table converts (a schema test checks it), so
    /// the value is always there: no default is written a second time
    /// here or at the caller.
    fn int(&mut self, section: &str, key: &str, extra: &Expansions) -> i64 {
        let kind = schema::Section::of(section);
        self.int_as(kind, section, key, extra)
    }

    /// [`Loader::int`] with the table's row for sections of `kind`: a
    /// process of an event listener takes a program's `priority` default
    /// (999) where the pool takes its own (-1), as in the reference.
    fn int_as(
        &mut self,
        kind: Option<schema::Section>,
        section: &str,
        key: &str,
        extra: &Expansions,
    ) -> i64 {
        let d = kind.and_then(|k| schema::key_in(k, key));
        debug_assert!(d.is_some(), "no {key} in the key table for [{section}]");
        let (lo, hi) = match d.map(|d| d.value) {
            Some(Expect::Range(lo, hi)) => (lo, hi),
            _ => (i64::MIN, i64::MAX),
        };
        let default = d.and_then(|d| d.default.text()).unwrap_or("0");
        self.conv(
            section,
            key,
            default,
            extra,
            move |t| in_range(dt::integer(t)?, lo, hi),
            Expect::Range(lo, hi),
        )
        .unwrap_or_default()
    }

    /// A byte-size key, with its default from the key table.
    fn bytes(&mut self, section: &str, key: &str, extra: &Expansions) -> i64 {
        let default = def(section, key).and_then(|d| d.default.text()).unwrap_or("0");
        self.conv(
            section,
            key,
            default,
            extra,
            |t| in_range(dt::byte_size(t)?, 0, schema::MAX_BYTES),
            Expect::ByteRange(schema::MAX_BYTES),
        )
        .unwrap_or_default()
    }

    /// A key converted by `f`, with its default from the key table (which
    /// converts: `T::default()` is never what a key gets).
    fn value<T: Default>(
        &mut self,
        section: &str,
        key: &str,
        extra: &Expansions,
        f: impl Fn(&str) -> Result<T, dt::Invalid>,
        exp: Expect,
    ) -> T {
        let default = def(section, key).and_then(|d| d.default.text()).unwrap_or("");
        self.conv(section, key, default, extra, f, exp).unwrap_or_default()
    }

    /// A key without a default, read by `f`: `None` when it is absent or
    /// refused (the refusal recorded). The error is `f`'s message, or
    /// `{invalid} {written text}` when `invalid` is given (the reference's
    /// wording for socket owners and modes).
    fn optional<T>(
        &mut self,
        section: &str,
        key: &str,
        extra: &Expansions,
        f: impl Fn(&str) -> Result<T, dt::Invalid>,
        invalid: Option<&str>,
        exp: Expect,
    ) -> Option<T> {
        let Ok(Some(got)) = self.get(section, key, None, extra) else { return None };
        match f(&got.text) {
            Ok(v) => Some(v),
            Err(m) => {
                let msg = match invalid {
                    Some(prefix) => format!("{prefix} {}", got.text),
                    None => m.0,
                };
                self.err_at(msg, section, key, got.entry.as_ref(), exp);
                None
            }
        }
    }

    /// A boolean key, with its default from the key table.
    fn boolean(&mut self, section: &str, key: &str, extra: &Expansions) -> bool {
        let default = def(section, key).and_then(|d| d.default.text()).unwrap_or("false");
        self.conv(section, key, default, extra, dt::boolean, Expect::Boolean).unwrap_or_default()
    }

    fn expand_or_report(
        &mut self,
        raw: &str,
        names: &dyn Lookup,
        name: &str,
        section: &str,
        key: &str,
    ) -> Option<String> {
        match expand(raw, names, name) {
            Ok(s) => Some(s),
            Err(e) => {
                self.err_at(e.to_string(), section, key, None, Expect::Expansion);
                None
            }
        }
    }

    fn here_names(&self) -> Expansions {
        let mut m = Expansions::new();
        m.insert("here".into(), PyVal::Str(self.here.clone()));
        m
    }

    /// `here` and `host_node_name`, the names `[include] files` and
    /// `[supervisord] environment` add to the environment's.
    fn here_and_host_names(&self) -> Expansions {
        let mut m = self.here_names();
        m.insert("host_node_name".into(), PyVal::Str(self.hostname.clone()));
        m
    }

    /// Reads the main file and the `[include]`d ones. `false` when that failed.
    fn read_files(&mut self) -> bool {
        let host = self.host;
        if !host.exists(&self.configfile) {
            self.push(ConfigError::plain(format!(
                "could not find config file {}",
                self.configfile
            )));
            return false;
        }
        let text = match host.read_to_string(&self.configfile) {
            Ok(t) => t,
            Err(_) => {
                self.push(ConfigError::plain(format!(
                    "could not read config file {}",
                    self.configfile
                )));
                return false;
            }
        };
        let source = self.configfile.clone();
        if let Err(e) = self.ini.read(&text, &source) {
            self.ini_error(e);
            return false;
        }
        if !self.ini.has_section("include") {
            return true;
        }
        let here = self.here.clone();
        self.ini.expand_here(&here);
        let Some(files_entry) = self.ini.get("include", "files").cloned() else {
            self.err_section(
                ".ini file has [include] section, but no files setting",
                "include",
                Expect::Other("files = one or more glob patterns, e.g. conf.d/*.conf"),
            );
            return false;
        };
        let (environ, names) = (self.environ.clone(), self.here_and_host_names());
        let names = Layers(&[&environ, &names]);
        let Some(files) =
            self.expand_or_report(&files_entry.value, &names, "include.files", "include", "files")
        else {
            return false;
        };
        let base = paths::dirname(&paths::abspath(&self.configfile, &host.cwd()));
        for pattern in files.split_whitespace() {
            let pattern = paths::join(&base, pattern);
            let mut found = host.glob(&pattern);
            if found.is_empty() {
                self.parse_warnings.push(format!("No file matches via include \"{pattern}\""));
                continue;
            }
            found.sort();
            for filename in found {
                self.parse_infos.push(format!("Included extra file \"{filename}\" during parsing"));
                // Like configparser's read(), an unreadable file is skipped.
                let Ok(text) = host.read_to_string(&filename) else { continue };
                if let Err(e) = self.ini.read(&text, &filename) {
                    self.ini_error(e);
                    return false;
                }
                let dir = paths::dirname(&paths::abspath(&filename, &host.cwd()));
                self.ini.expand_here(&dir);
            }
        }
        true
    }

    fn ini_error(&mut self, e: IniError) {
        let location = Some(Location {
            file: e.source_file().to_owned(),
            line: e.first_line(),
            section: String::new(),
            key: None,
            value: None,
        });
        let expected = match &e {
            IniError::Parsing { .. } => {
                "[section] headers, key = value lines, comments starting with ; or #, or indented continuation lines"
            }
            IniError::MissingSectionHeader { .. } => "a [section] header before the first key",
        };
        self.push(ConfigError {
            message: e.to_string(),
            location,
            expected: Some(expected.into()),
        });
    }

    /// Warnings for keys and sections this implementation does not know.
    fn unknown_keys(&mut self) {
        // Found while the sections are borrowed, added after (the sections
        // are not copied: with thousands of programs that was the
        // loader's largest allocation).
        let mut found = Vec::new();
        for section in self.ini.sections() {
            let name = &section.name;
            match schema::known_keys(name) {
                schema::Keys::Section(known) => {
                    for e in &section.entries {
                        if !known.contains(&e.key.as_str()) {
                            let hint = schema::suggest(&e.key, known.iter().copied())
                                .map(|s| format!("; did you mean '{s}'?"))
                                .unwrap_or_default();
                            found.push(ConfigWarning {
                                message: format!(
                                    "unknown key '{}' in section [{name}] is ignored{hint}",
                                    e.key
                                ),
                                location: self.location(name, &e.key, Some(e)),
                            });
                        }
                    }
                }
                schema::Keys::Any => {}
                schema::Keys::UnknownSection => {
                    let hint = schema::suggest_section(name)
                        .map(|s| format!("; did you mean [{s}]?"))
                        .unwrap_or_default();
                    found.push(ConfigWarning {
                        message: format!("unknown section [{name}] is ignored{hint}"),
                        location: self.section_location(name),
                    });
                }
            }
        }
        self.warnings.extend(found);
        let all = schema::all_keys();
        for e in self.ini.defaults().entries.clone() {
            if !all.contains(&e.key.as_str()) {
                let hint = schema::suggest(&e.key, all.iter().copied())
                    .map(|s| format!("; did you mean '{s}'?"))
                    .unwrap_or_default();
                self.warnings.push(ConfigWarning {
                    message: format!(
                        "unknown key '{}' in section [DEFAULT] is ignored{hint}",
                        e.key
                    ),
                    location: Some(Location {
                        file: e.file.clone(),
                        line: e.line,
                        section: "DEFAULT".into(),
                        key: Some(e.key.clone()),
                        value: Some(e.value.clone()),
                    }),
                });
            }
        }
    }
}

/// Reads a `supervisord` configuration file and applies command-line values.
pub fn load_server(
    configfile: &str,
    host: &dyn Host,
    ov: &ServerOverrides,
) -> Result<Loaded<ServerConfig>, ConfigFailure> {
    let mut l = Loader::new(configfile, host);
    l.here = paths::dirname(&paths::abspath(configfile, &host.cwd()));
    if !l.read_files() {
        return Err(l.fail());
    }
    if !l.ini.has_section("supervisord") {
        l.push(ConfigError {
            message: ".ini file does not include supervisord section".into(),
            location: None,
            expected: Some("a [supervisord] section (it may be empty)".into()),
        });
        l.unknown_keys();
        return Err(l.fail());
    }
    let mut sv = l.supervisord();
    let rpcinterfaces = l.rpcinterfaces();
    let mut groups = l.groups();
    for g in &mut groups {
        for p in &mut g.processes {
            // Not shared yet: no copy is made.
            let p = std::sync::Arc::make_mut(p);
            let mut env = sv.environment.clone();
            for (k, v) in std::mem::take(&mut p.environment) {
                match env.iter_mut().find(|(ek, _)| *ek == k) {
                    Some(slot) => slot.1 = v,
                    None => env.push((k, v)),
                }
            }
            p.environment = env;
        }
    }
    let servers = l.servers();
    l.check_dependencies(&groups);
    l.unknown_keys();

    // Command-line values win (the reference's `realize`).
    macro_rules! over {
        ($($f:ident),*) => { $( if let Some(v) = ov.$f.clone() { sv.$f = v; } )* };
    }
    over!(
        nodaemon,
        silent,
        umask,
        logfile_maxbytes,
        logfile_backups,
        loglevel,
        pidfile,
        identifier
    );
    over!(childlogdir, nocleanup, minfds, strip_ansi, minprocs);
    if let Some(u) = &ov.user {
        sv.user = Some(u.clone());
    }
    if let Some(d) = &ov.directory {
        sv.directory = Some(d.clone());
    }
    if let Some(u) = sv.user.clone() {
        match dt::name_to_uid(host, &u) {
            Ok(uid) => sv.uid = Some(uid),
            Err(m) => l.push(ConfigError {
                message: m.0,
                location: l.location("supervisord", "user", None).filter(|_| ov.user.is_none()),
                expected: Some(Expect::User.describe()),
            }),
        }
    }
    let logfile = ov.logfile.clone().or(sv.logfile.take()).unwrap_or_default();
    sv.logfile = if logfile == "syslog" { None } else { Some(dt::normalize_path(host, &logfile)) };
    sv.pidfile = dt::normalize_path(host, &sv.pidfile);

    if !l.errors.is_empty() {
        return Err(l.fail());
    }
    let serverurl = servers
        .iter()
        .find_map(|s| match s {
            HttpServerConfig::Unix { file, .. } => Some(format!("unix://{file}")),
            HttpServerConfig::Inet { .. } => None,
        })
        .or_else(|| {
            servers.iter().find_map(|s| match s {
                HttpServerConfig::Inet { host, port, .. } => {
                    let h = if host.is_empty() { "localhost" } else { host };
                    Some(format!("http://{h}:{port}"))
                }
                HttpServerConfig::Unix { .. } => None,
            })
        });
    Ok(Loaded {
        config: ServerConfig {
            configfile: configfile.to_owned(),
            here: l.here.clone(),
            supervisord: sv,
            groups,
            servers,
            rpcinterfaces,
            serverurl,
        },
        warnings: l.warnings,
        parse_warnings: l.parse_warnings,
        parse_infos: l.parse_infos,
    })
}

/// Reads the `[supervisorctl]` settings (`configfile` may be `None`: then only
/// defaults and command-line values apply, as in the reference).
pub fn load_ctl(
    configfile: Option<&str>,
    host: &dyn Host,
    ov: &CtlOverrides,
) -> Result<Loaded<CtlConfig>, ConfigFailure> {
    let mut cfg = CtlConfig::default();
    let mut l = Loader::new(configfile.unwrap_or(""), host);
    if let Some(path) = configfile {
        l.here = paths::dirname(&dt::normalize_path(host, path));
        if !l.read_files() {
            return Err(l.fail());
        }
        let s = "supervisorctl";
        if !l.ini.has_section(s) {
            l.push(ConfigError {
                message: ".ini file does not include supervisorctl section".into(),
                location: None,
                expected: Some("a [supervisorctl] section (it may be empty)".into()),
            });
            return Err(l.fail());
        }
        let x = l.here_names();
        let none = Expansions::new();
        if let Ok(Some(g)) = l.get(s, "serverurl", Some("http://localhost:9001"), &x) {
            cfg.serverurl = match g.text.strip_prefix("unix://") {
                Some(p) => format!("unix://{}", dt::normalize_path(host, p)),
                None => g.text,
            };
        }
        if let Ok(Some(g)) = l.get(s, "prompt", Some("supervisor"), &none) {
            cfg.prompt = g.text;
        }
        cfg.username = l.get(s, "username", None, &none).ok().flatten().map(|g| g.text);
        cfg.password = l.get(s, "password", None, &none).ok().flatten().map(|g| g.text);
        cfg.history_file = l
            .get(s, "history_file", None, &x)
            .ok()
            .flatten()
            .filter(|g| !g.text.is_empty())
            .map(|g| dt::normalize_path(host, &g.text));
        let plugins: Vec<String> = l
            .ini
            .section_names()
            .filter(|n| n.starts_with("ctlplugin:"))
            .map(String::from)
            .collect();
        for section in plugins {
            l.warnings.push(ConfigWarning {
                message: format!(
                    "[{section}] is a Python supervisorctl plugin, which cannot be loaded into this \
                     implementation; the section is ignored"
                ),
                location: l.section_location(&section),
            });
        }
        if !l.errors.is_empty() {
            return Err(l.fail());
        }
    }
    if let Some(u) = &ov.serverurl {
        cfg.serverurl = u.clone();
    }
    if let Some(u) = &ov.username {
        cfg.username = Some(u.clone());
    }
    if let Some(p) = &ov.password {
        cfg.password = Some(p.clone());
    }
    if let Some(h) = &ov.history_file {
        cfg.history_file = Some(h.clone());
    }
    Ok(Loaded {
        config: cfg,
        warnings: l.warnings,
        parse_warnings: l.parse_warnings,
        parse_infos: l.parse_infos,
    })
}

/// The config search path used when `-c` is not given: `argv0` is the path
/// the program was started as.
pub fn search_paths(argv0: &str) -> Vec<String> {
    let here = paths::dirname(&paths::dirname(argv0));
    vec![
        paths::join(&paths::join(&here, "etc"), "supervisord.conf"),
        paths::join(&here, "supervisord.conf"),
        "supervisord.conf".into(),
        "etc/supervisord.conf".into(),
        "/etc/supervisord.conf".into(),
        "/etc/supervisor/supervisord.conf".into(),
    ]
}

/// The first existing path of [`search_paths`].
pub fn find_config(argv0: &str, host: &dyn Host) -> Option<String> {
    search_paths(argv0).into_iter().find(|p| host.exists(p))
}

#[cfg(test)]
mod tests;
