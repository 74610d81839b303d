//! Stage two: from INI sections to the typed model, exactly as the reference
//! reads them, but collecting every error instead of stopping at the first.
//!
//! The order in which sections and keys are read mirrors the reference's
//! `ServerOptions.read_config` (`[supervisord]`, `[rpcinterface:x]`, groups,
//! programs, event listeners, fcgi programs, HTTP servers), so the first error
//! reported is the one the reference would report. Which names each key may
//! expand follows the reference's table, including its quirks (see
//! `docs/compatibility.md`).

use crate::datatypes::{self as dt, Expect, LogFile};
use crate::error::{ConfigError, ConfigFailure, ConfigWarning, Location};
use crate::expand::{Expansions, PyVal, expand};
use crate::host::Host;
use crate::ini::{Entry, Ini, IniError};
use crate::model::*;
use crate::paths;
use crate::pyrepr::py_repr;
use crate::schema;

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

/// The accepted ranges of numeric settings. The reference takes any
/// integer; these bounds are far beyond any working configuration and
/// keep every later computation (seconds to milliseconds, deadlines,
/// rotation loops, buffers) free of overflow (docs/compatibility.md).
pub mod ranges {
    use std::ops::RangeInclusive;
    /// `startsecs`, `stopwaitsecs`: seconds, up to 68 years.
    pub const SECONDS: RangeInclusive<i64> = 0..=i32::MAX as i64;
    /// `startretries`.
    pub const RETRIES: RangeInclusive<i64> = 0..=i32::MAX as i64;
    /// `priority`.
    pub const PRIORITY: RangeInclusive<i64> = i32::MIN as i64..=i32::MAX as i64;
    /// `numprocs` (0: a group without processes).
    pub const NUMPROCS: RangeInclusive<i64> = 0..=100_000;
    /// `numprocs_start`.
    pub const NUMPROCS_START: RangeInclusive<i64> = 0..=i32::MAX as i64;
    /// `*logfile_backups`.
    pub const BACKUPS: RangeInclusive<i64> = 0..=10_000;
    /// `buffer_size` of an event listener pool.
    pub const BUFFER_SIZE: RangeInclusive<i64> = 1..=1_048_576;
    /// `minfds`, `minprocs`.
    pub const LIMITS: RangeInclusive<i64> = 0..=i32::MAX as i64;
}

/// The largest byte size accepted (`*_maxbytes`): 1 PiB.
pub const MAX_BYTES: i64 = 1 << 50;

/// `n` if it lies in `lo..=hi`, else the error.
pub fn in_range(n: i64, lo: i64, hi: i64) -> Result<i64, String> {
    if (lo..=hi).contains(&n) { Ok(n) } else { Err(format!("value {n} is out of range")) }
}

struct Loader<'a> {
    host: &'a dyn Host,
    ini: Ini,
    configfile: String,
    here: String,
    hostname: String,
    environ: Expansions,
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
        let environ =
            host.env().into_iter().map(|(k, v)| (format!("ENV_{k}"), PyVal::Str(v))).collect();
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
        msg: String,
        section: &str,
        key: &str,
        entry: Option<&Entry>,
        exp: Expect,
    ) {
        let location = self.location(section, key, entry);
        self.push(ConfigError { message: msg, location, expected: Some(exp.describe()) });
    }

    fn err_section(&mut self, msg: String, section: &str, exp: Expect) {
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
        let mut names = self.environ.clone();
        names.extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
        match expand(&raw, &names, &format!("{section}.{key}")) {
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
        f: impl Fn(&str) -> Result<T, String>,
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

    /// [`Loader::conv`] of an integer that must lie in `range`.
    fn int_in(
        &mut self,
        section: &str,
        key: &str,
        default: &str,
        extra: &Expansions,
        range: std::ops::RangeInclusive<i64>,
    ) -> Option<i64> {
        let (lo, hi) = (*range.start(), *range.end());
        self.conv(
            section,
            key,
            default,
            extra,
            move |t| in_range(dt::integer(t)?, lo, hi),
            Expect::Range(lo, hi),
        )
    }

    /// [`Loader::conv`] of a byte size that must lie in `0..=MAX_BYTES`.
    fn bytes_in(
        &mut self,
        section: &str,
        key: &str,
        default: &str,
        extra: &Expansions,
    ) -> Option<i64> {
        self.conv(
            section,
            key,
            default,
            extra,
            |t| in_range(dt::byte_size(t)?, 0, MAX_BYTES),
            Expect::ByteRange(MAX_BYTES),
        )
    }

    fn expand_or_report(
        &mut self,
        raw: &str,
        names: &Expansions,
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
                ".ini file has [include] section, but no files setting".into(),
                "include",
                Expect::Other("files = one or more glob patterns, e.g. conf.d/*.conf"),
            );
            return false;
        };
        let mut names = self.environ.clone();
        names.insert("here".into(), PyVal::Str(self.here.clone()));
        names.insert("host_node_name".into(), PyVal::Str(self.hostname.clone()));
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

    fn supervisord(&mut self) -> SupervisordConfig {
        let host = self.host;
        let s = "supervisord";
        let x = self.here_names();
        let minfds = self.int_in(s, "minfds", "1024", &x, ranges::LIMITS).unwrap_or(1024);
        let minprocs = self.int_in(s, "minprocs", "200", &x, ranges::LIMITS).unwrap_or(200);
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
        let umask = self.conv(s, "umask", "022", &x, dt::octal_type, Expect::Octal).unwrap_or(0o22);
        let logfile = self
            .conv(
                s,
                "logfile",
                "supervisord.log",
                &x,
                |v| dt::existing_dirpath(host, v),
                Expect::DirPath,
            )
            .unwrap_or_else(|| "supervisord.log".into());
        let logfile_maxbytes = self.bytes_in(s, "logfile_maxbytes", "50MB", &x).unwrap_or(50 << 20);
        let logfile_backups =
            self.int_in(s, "logfile_backups", "10", &x, ranges::BACKUPS).unwrap_or(10);
        let loglevel = self
            .conv(s, "loglevel", "info", &x, dt::logging_level, Expect::LogLevel)
            .unwrap_or(LogLevel::Info);
        let pidfile = self
            .conv(
                s,
                "pidfile",
                "supervisord.pid",
                &x,
                |v| dt::existing_dirpath(host, v),
                Expect::DirPath,
            )
            .unwrap_or_else(|| "supervisord.pid".into());
        let identifier = self
            .get(s, "identifier", Some("supervisor"), &x)
            .ok()
            .flatten()
            .map_or("supervisor".into(), |g| g.text);
        let nodaemon =
            self.conv(s, "nodaemon", "false", &x, dt::boolean, Expect::Boolean).unwrap_or(false);
        let silent =
            self.conv(s, "silent", "false", &x, dt::boolean, Expect::Boolean).unwrap_or(false);
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
        let nocleanup =
            self.conv(s, "nocleanup", "false", &x, dt::boolean, Expect::Boolean).unwrap_or(false);
        let strip_ansi =
            self.conv(s, "strip_ansi", "false", &x, dt::boolean, Expect::Boolean).unwrap_or(false);
        let mut environment = Vec::new();
        if let Ok(Some(g)) = self.get(s, "environment", Some(""), &x) {
            let mut names = self.environ.clone();
            names.insert("here".into(), PyVal::Str(self.here.clone()));
            names.insert("host_node_name".into(), PyVal::Str(self.hostname.clone()));
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
        for (k, v) in &environment {
            self.environ.insert(format!("ENV_{k}"), PyVal::Str(v.clone()));
        }
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
            environment,
            identifier,
        }
    }

    fn rpcinterfaces(&mut self) -> Vec<RpcInterfaceConfig> {
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

    fn groups(&mut self) -> Vec<GroupConfig> {
        let host = self.host;
        let all: Vec<String> = self.ini.section_names().map(String::from).collect();
        let mut groups = Vec::new();
        let mut exclude: Vec<String> = Vec::new();
        let x = self.here_names();

        for section in all.iter().filter(|s| s.starts_with("group:")) {
            let suffix = section.split_once(':').map_or("", |p| p.1);
            let name = match dt::process_or_group_name(suffix) {
                Ok(n) => n,
                Err(m) => {
                    self.err_section(m, section, Expect::Name);
                    continue;
                }
            };
            let programs = match self.get(section, "programs", None, &x) {
                Ok(Some(g)) => dt::list_of_strings(&g.text),
                _ => Vec::new(),
            };
            let priority =
                self.int_in(section, "priority", "999", &x, ranges::PRIORITY).unwrap_or(999);
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
            let suffix = section.split_once(':').map_or("", |p| p.1);
            let name = match dt::process_or_group_name(suffix) {
                Ok(n) => n,
                Err(m) => {
                    self.err_section(m, section, Expect::Name);
                    continue;
                }
            };
            let priority =
                self.int_in(section, "priority", "999", &x, ranges::PRIORITY).unwrap_or(999);
            let processes = self.processes_from_section(section, &name);
            groups.push(GroupConfig { name, priority, kind: GroupKind::Program, processes });
        }

        for section in all.iter().filter(|s| s.starts_with("eventlistener:")) {
            let pool = section.split_once(':').map_or("", |p| p.1).to_owned();
            let priority =
                self.int_in(section, "priority", "-1", &x, ranges::PRIORITY).unwrap_or(-1);
            // Below the range is the reference's own error; above it, ours.
            let (lo, hi) = (*ranges::BUFFER_SIZE.start(), *ranges::BUFFER_SIZE.end());
            let buffer_size = self
                .conv(
                    section,
                    "buffer_size",
                    "10",
                    &x,
                    move |t| dt::integer(t).and_then(|b| in_range(b, i64::MIN, hi)),
                    Expect::Range(lo, hi),
                )
                .unwrap_or(10);
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
            if result_handler != DEFAULT_RESULT_HANDLER {
                self.err_at(
                    format!("{result_handler} cannot be resolved within [{section}]"),
                    section,
                    "result_handler",
                    None,
                    Expect::Other(
                        "supervisor.dispatchers:default_handler (Python handlers cannot be loaded into this implementation)",
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
            let redirect = self
                .conv(section, "redirect_stderr", "false", &x, dt::boolean, Expect::Boolean)
                .unwrap_or(false);
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
            let suffix = section.split_once(':').map_or("", |p| p.1);
            let name = match dt::process_or_group_name(suffix) {
                Ok(n) => n,
                Err(m) => {
                    self.err_section(m, section, Expect::Name);
                    continue;
                }
            };
            let priority =
                self.int_in(section, "priority", "999", &x, ranges::PRIORITY).unwrap_or(999);
            let mut fx = x.clone();
            fx.insert("program_name".into(), PyVal::Str(name.clone()));
            let proc_uid = match self.get(section, "user", None, &x) {
                Ok(Some(g)) => match dt::name_to_uid(host, &g.text) {
                    Ok(u) => Some(u),
                    Err(m) => {
                        self.err_at(m, section, "user", g.entry.as_ref(), Expect::User);
                        None
                    }
                },
                _ => None,
            };
            let backlog = match self.get(section, "socket_backlog", None, &x) {
                Ok(Some(g)) => match dt::integer(&g.text) {
                    Ok(b) if (1..=65535).contains(&b) => Some(b),
                    Ok(b) => {
                        self.err_at(
                            format!("Invalid socket_backlog value {b}"),
                            section,
                            "socket_backlog",
                            g.entry.as_ref(),
                            Expect::Range(1, 65535),
                        );
                        None
                    }
                    Err(m) => {
                        self.err_at(
                            m,
                            section,
                            "socket_backlog",
                            g.entry.as_ref(),
                            Expect::Range(1, 65535),
                        );
                        None
                    }
                },
                _ => None,
            };
            let owner = match self.get(section, "socket_owner", None, &x) {
                Ok(Some(g)) => match dt::colon_separated_user_group(host, &g.text) {
                    Ok(o) => Some(o),
                    Err(_) => {
                        self.err_at(
                            format!("Invalid socket_owner value {}", g.text),
                            section,
                            "socket_owner",
                            g.entry.as_ref(),
                            Expect::UserGroup,
                        );
                        None
                    }
                },
                _ => None,
            };
            let mode = match self.get(section, "socket_mode", None, &x) {
                Ok(Some(g)) => match dt::octal_type(&g.text) {
                    Ok(m) => Some(m),
                    Err(_) => {
                        self.err_at(
                            format!("Invalid socket_mode value {}", g.text),
                            section,
                            "socket_mode",
                            g.entry.as_ref(),
                            Expect::Octal,
                        );
                        None
                    }
                },
                _ => None,
            };
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

    fn fcgi_socket(
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

    fn processes_from_section(&mut self, section: &str, group_name: &str) -> Vec<ProcessConfig> {
        let file =
            self.ini.section(section).map_or_else(|| self.configfile.clone(), |s| s.file.clone());
        let saved = self.wrap.replace(format!(
            " in section {} (file: {})",
            py_repr(section),
            py_repr(&file)
        ));
        let out = self.processes_inner(section, group_name);
        self.wrap = saved;
        out
    }

    fn processes_inner(&mut self, section: &str, group_name: &str) -> Vec<ProcessConfig> {
        let host = self.host;
        let suffix = section.split_once(':').map_or("", |p| p.1);
        let program_name = match dt::process_or_group_name(suffix) {
            Ok(n) => n,
            Err(m) => {
                self.err_section(m, section, Expect::Name);
                return Vec::new();
            }
        };
        // The reference mutates one dict of names as it goes; so do we.
        let mut c = Expansions::new();
        c.insert("here".into(), PyVal::Str(self.here.clone()));
        c.insert("program_name".into(), PyVal::Str(program_name.clone()));
        c.insert("host_node_name".into(), PyVal::Str(self.hostname.clone()));
        c.insert("group_name".into(), PyVal::Str(group_name.to_owned()));
        let s = section;
        let b = |l: &mut Self, c: &Expansions, key: &str, d: &str| {
            l.conv(s, key, d, c, dt::boolean, Expect::Boolean).unwrap_or(d == "true")
        };
        let priority = self.int_in(s, "priority", "999", &c, ranges::PRIORITY).unwrap_or(999);
        let autostart = b(self, &c, "autostart", "true");
        let autorestart = self
            .conv(s, "autorestart", "unexpected", &c, dt::auto_restart, Expect::AutoRestart)
            .unwrap_or(AutoRestart::Unexpected);
        let startsecs = self.int_in(s, "startsecs", "1", &c, ranges::SECONDS).unwrap_or(1);
        let startretries = self.int_in(s, "startretries", "3", &c, ranges::RETRIES).unwrap_or(3);
        let stopsignal =
            self.conv(s, "stopsignal", "TERM", &c, dt::signal_number, Expect::Signal).unwrap_or(15);
        let stopwaitsecs = self.int_in(s, "stopwaitsecs", "10", &c, ranges::SECONDS).unwrap_or(10);
        let stopasgroup = b(self, &c, "stopasgroup", "false");
        let killasgroup = b(self, &c, "killasgroup", if stopasgroup { "true" } else { "false" });
        let exitcodes = self
            .conv(s, "exitcodes", "0", &c, dt::list_of_exitcodes, Expect::ExitCodes)
            .unwrap_or(vec![0]);
        let redirect_stderr = b(self, &c, "redirect_stderr", "false");
        let numprocs = self.int_in(s, "numprocs", "1", &c, ranges::NUMPROCS).unwrap_or(1);
        let numprocs_start =
            self.int_in(s, "numprocs_start", "0", &c, ranges::NUMPROCS_START).unwrap_or(0);
        let env_entry = self.get_raw(s, "environment");
        let environment_str = env_entry.as_ref().map_or(String::new(), |e| e.value.clone());
        let stdout_cap = self.bytes_in(s, "stdout_capture_maxbytes", "0", &c).unwrap_or(0);
        let stdout_events = b(self, &c, "stdout_events_enabled", "false");
        let stderr_cap = self.bytes_in(s, "stderr_capture_maxbytes", "0", &c).unwrap_or(0);
        let stderr_events = b(self, &c, "stderr_events_enabled", "false");
        let serverurl = match self.get(s, "serverurl", None, &c) {
            Ok(Some(g)) if g.text.trim().to_uppercase() != "AUTO" => Some(g.text),
            _ => None,
        };
        let uid = match self.get(s, "user", None, &c) {
            Ok(Some(g)) => match dt::name_to_uid(host, &g.text) {
                Ok(u) => Some(u),
                Err(m) => {
                    self.err_at(m, s, "user", g.entry.as_ref(), Expect::User);
                    None
                }
            },
            _ => None,
        };
        let umask = match self.get(s, "umask", None, &c) {
            Ok(Some(g)) => match dt::octal_type(&g.text) {
                Ok(u) => Some(u),
                Err(m) => {
                    self.err_at(m, s, "umask", g.entry.as_ref(), Expect::Octal);
                    None
                }
            },
            _ => None,
        };
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
                "%(process_num) must be present within process_name when numprocs > 1".into(),
                s,
                "numprocs",
                np_entry.as_ref(),
                Expect::Other("a process_name containing %(process_num)s, e.g. %(program_name)s_%(process_num)02d"),
            );
            return Vec::new();
        }
        if stopasgroup && !killasgroup {
            self.err_at(
                "Cannot set stopasgroup=true and killasgroup=false".into(),
                s,
                "killasgroup",
                None,
                Expect::Other("killasgroup = true (or unset) when stopasgroup = true"),
            );
        }

        let mut programs = Vec::new();
        let last = numprocs_start.saturating_add(numprocs.max(0));
        for process_num in numprocs_start..last {
            c.insert("process_num".into(), PyVal::Int(process_num));
            c.insert("numprocs".into(), PyVal::Int(numprocs));
            c.extend(self.environ.iter().map(|(k, v)| (k.clone(), v.clone())));
            let mut environment = Vec::new();
            if let Some(text) =
                self.expand_or_report(&environment_str, &c, "environment", s, "environment")
            {
                match dt::dict_of_key_value_pairs(&text) {
                    Ok(p) => environment = p,
                    Err(m) => {
                        self.err_at(m, s, "environment", env_entry.as_ref(), Expect::Environment)
                    }
                }
            }
            for (k, v) in &environment {
                c.insert(format!("ENV_{k}"), PyVal::Str(v.clone()));
            }
            let directory = self.get(s, "directory", None, &c).ok().flatten().map(|g| g.text);
            let mut streams = Vec::new();
            for k in ["stdout", "stderr"] {
                let lf_key = format!("{k}_logfile");
                let logfile = match self.get(s, &lf_key, None, &c) {
                    Ok(Some(g)) => match self.expand_or_report(&g.text, &c, &lf_key, s, &lf_key) {
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
                let backups = self
                    .int_in(s, &format!("{k}_logfile_backups"), "10", &c, ranges::BACKUPS)
                    .unwrap_or(10);
                let maxbytes = self
                    .bytes_in(s, &format!("{k}_logfile_maxbytes"), "50MB", &c)
                    .unwrap_or(50 << 20);
                let sy_key = format!("{k}_syslog");
                let mut syslog = b(self, &c, &sy_key, "false");
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
            let Some(name) =
                self.expand_or_report(&process_name, &c, "process_name", s, "process_name")
            else {
                continue;
            };
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
            });
        }
        programs.sort_by(|a, b| a.priority.cmp(&b.priority).then_with(|| a.name.cmp(&b.name)));
        programs
    }

    fn auth(&mut self, section: &str) -> (Option<String>, Option<String>) {
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

    fn servers(&mut self) -> Vec<HttpServerConfig> {
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
            match self.get(&section, "port", None, &none) {
                Ok(Some(g)) => match dt::inet_address(&g.text) {
                    Ok((h, port)) => out.push(HttpServerConfig::Inet {
                        section: section.clone(),
                        host: h,
                        port,
                        username,
                        password,
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
            let chown = match self.get(&section, "chown", None, &none) {
                Ok(Some(g)) => match dt::colon_separated_user_group(host, &g.text) {
                    Ok(o) => o,
                    Err(_) => {
                        self.err_at(
                            format!("Invalid sockchown value {}", g.text),
                            &section,
                            "chown",
                            g.entry.as_ref(),
                            Expect::UserGroup,
                        );
                        (-1, -1)
                    }
                },
                _ => (-1, -1),
            };
            let chmod = match self.get(&section, "chmod", None, &none) {
                Ok(Some(g)) => match dt::octal_type(&g.text) {
                    Ok(m) => m,
                    Err(_) => {
                        self.err_at(
                            format!("Invalid chmod value {}", g.text),
                            &section,
                            "chmod",
                            g.entry.as_ref(),
                            Expect::Octal,
                        );
                        0o700
                    }
                },
                _ => 0o700,
            };
            if let Some(file) = file {
                out.push(HttpServerConfig::Unix {
                    section,
                    file,
                    chmod,
                    chown,
                    username,
                    password,
                });
            }
        }
        out
    }

    /// Warnings for keys and sections this implementation does not know.
    fn unknown_keys(&mut self) {
        let sections: Vec<(String, Vec<Entry>)> =
            self.ini.sections().iter().map(|s| (s.name.clone(), s.entries.clone())).collect();
        let mut all_known: Vec<&str> = Vec::new();
        for (name, entries) in &sections {
            match schema::known_keys(name) {
                schema::Keys::Section(known) => {
                    all_known.extend(known.iter());
                    for e in entries {
                        if !known.contains(&e.key.as_str()) {
                            let hint = schema::suggest(&e.key, known.iter().copied())
                                .map(|s| format!("; did you mean '{s}'?"))
                                .unwrap_or_default();
                            self.warnings.push(ConfigWarning {
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
                    self.warnings.push(ConfigWarning {
                        message: format!("unknown section [{name}] is ignored{hint}"),
                        location: self.section_location(name),
                    });
                }
            }
        }
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
                message: m,
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
mod tests {
    use super::*;
    use crate::host::FakeHost;

    fn load(text: &str) -> Result<Loaded<ServerConfig>, ConfigFailure> {
        let host = FakeHost::default().with_file("/etc/sv/s.conf", text);
        load_server("/etc/sv/s.conf", &host, &ServerOverrides::default())
    }

    fn first_error(text: &str) -> String {
        match load(text) {
            Ok(_) => panic!("expected an error for:\n{text}"),
            Err(f) => f.errors[0].message.clone(),
        }
    }

    fn command_of(text: &str) -> String {
        let l = load(text).unwrap_or_else(|f| panic!("{f}"));
        l.config.processes().next().map(|p| p.command.clone()).unwrap_or_default()
    }

    /// Which names each kind of key may expand, per the reference's table.
    #[test]
    fn expansion_matrix() {
        let ok: &[(&str, &str)] = &[
            ("[supervisord]\n[program:p]\ncommand=%(here)s", "/etc/sv"),
            ("[supervisord]\n[program:p]\ncommand=%(program_name)s %(group_name)s", "p p"),
            ("[supervisord]\n[program:p]\ncommand=%(host_node_name)s", "testhost"),
            ("[supervisord]\n[program:p]\ncommand=%(process_num)d/%(numprocs)d", "0/1"),
            ("[supervisord]\n[program:p]\ncommand=%(ENV_HOME)s", "/home/op"),
            ("[supervisord]\nenvironment=G=1\n[program:p]\ncommand=%(ENV_G)s", "1"),
            ("[supervisord]\n[program:p]\nenvironment=L=x%(process_num)d\ncommand=%(ENV_L)s", "x0"),
            ("[supervisord]\n[group:grp]\nprograms=p\n[program:p]\ncommand=%(group_name)s", "grp"),
            ("[supervisord]\n[program:p]\ncommand=100%%", "100%"),
            (
                "[supervisord]\n[program:p]\nnumprocs=2\nprocess_name=p%(process_num)d\ncommand=%(process_num)02d",
                "00",
            ),
        ];
        for (text, want) in ok {
            assert_eq!(command_of(text), *want, "{text}");
        }
        let err: &[(&str, &str)] = &[
            (
                "[supervisord]\nlogfile=%(host_node_name)s\n",
                "Format string '%(host_node_name)s' for 'supervisord.logfile' contains names ('host_node_name')",
            ),
            (
                "[supervisord]\n[program:p]\ncommand=x\npriority=%(program_name)s\n",
                "Format string '%(program_name)s' for 'program:p.priority' contains names ('program_name')",
            ),
            (
                "[supervisord]\n[program:p]\ncommand=x\nautostart=%(process_num)s\n",
                "Format string '%(process_num)s' for 'program:p.autostart' contains names ('process_num')",
            ),
            (
                "[supervisord]\n[program:p]\ncommand=x\nstdout_logfile=/tmp/a%%b\n",
                "Format string '/tmp/a%b' for 'stdout_logfile' is badly formatted",
            ),
            (
                "[supervisord]\n[program:p]\ncommand=x\nenvironment=A=%(nope)s\n",
                "for 'environment' contains names ('nope')",
            ),
        ];
        for (text, want) in err {
            let e = first_error(text);
            assert!(e.starts_with(want) || e.contains(want), "{text}\n{e}");
        }
        // Group-level priority errors are not wrapped; process-level ones are.
        let e = first_error("[supervisord]\n[program:p]\ncommand=x\npriority=%(program_name)s\n");
        assert!(!e.contains("in section"), "{e}");
        let e = first_error("[supervisord]\n[program:p]\ncommand=x\nautostart=%(process_num)s\n");
        assert!(e.ends_with("in section 'program:p' (file: '/etc/sv/s.conf')"), "{e}");
    }

    #[test]
    fn every_error_is_collected_with_its_location() {
        let f = load(
            "[supervisord]\nloglevel=loud\n[program:a]\ncommand=x\nstartsecs=y\n[program:b]\n",
        )
        .unwrap_err();
        let msgs: Vec<&str> = f.errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "bad logging level name 'loud'",
                "invalid literal for int() with base 10: 'y' in section 'program:a' (file: '/etc/sv/s.conf')",
                "program section program:b does not specify a command in section 'program:b' (file: '/etc/sv/s.conf')",
            ]
        );
        let loc = f.errors[1].location.as_ref().unwrap();
        assert_eq!(
            (loc.line, loc.key.as_deref(), loc.value.as_deref()),
            (5, Some("startsecs"), Some("y"))
        );
        assert_eq!(f.errors[2].location.as_ref().unwrap().line, 6);
    }

    /// Every numeric setting has a range: each bound is accepted, one past
    /// it is an error at its line that names the range.
    #[test]
    fn numbers_have_ranges() {
        let cases: &[(&str, &str, std::ops::RangeInclusive<i64>)] = &[
            ("supervisord", "minfds", ranges::LIMITS),
            ("supervisord", "minprocs", ranges::LIMITS),
            ("supervisord", "logfile_backups", ranges::BACKUPS),
            ("supervisord", "logfile_maxbytes", 0..=MAX_BYTES),
            ("program:p", "priority", ranges::PRIORITY),
            ("program:p", "startsecs", ranges::SECONDS),
            ("program:p", "startretries", ranges::RETRIES),
            ("program:p", "stopwaitsecs", ranges::SECONDS),
            ("program:p", "numprocs_start", ranges::NUMPROCS_START),
            ("program:p", "stdout_logfile_backups", ranges::BACKUPS),
            ("program:p", "stderr_logfile_maxbytes", 0..=MAX_BYTES),
            ("program:p", "stdout_capture_maxbytes", 0..=MAX_BYTES),
            ("eventlistener:e", "buffer_size", ranges::BUFFER_SIZE),
            ("group:g", "priority", ranges::PRIORITY),
        ];
        let conf = |section: &str, key: &str, value: i128| {
            let mut text = String::from("[supervisord]\n");
            let line = format!("{key}={value}\n");
            if section == "supervisord" {
                text.push_str(&line);
            }
            text.push_str("[program:p]\ncommand=x\n");
            if section == "program:p" {
                text.push_str(&line);
            }
            text.push_str("[eventlistener:e]\ncommand=x\nevents=TICK_5\n");
            if section == "eventlistener:e" {
                text.push_str(&line);
            }
            if section == "group:g" {
                text.push_str(&format!("[group:g]\nprograms=p\n{line}"));
            }
            text
        };
        for (section, key, range) in cases {
            for ok in [*range.start(), *range.end()] {
                let text = conf(section, key, i128::from(ok));
                assert!(load(&text).is_ok(), "{key}={ok} is accepted:\n{text}");
            }
            for bad in [i128::from(*range.start()) - 1, i128::from(*range.end()) + 1] {
                let text = conf(section, key, bad);
                let f = load(&text).expect_err(&format!("{key}={bad} is refused"));
                let e = &f.errors[0];
                let loc = e.location.as_ref().expect("a location");
                assert_eq!(loc.key.as_deref(), Some(*key), "{text}");
                assert_eq!(loc.value.as_deref(), Some(bad.to_string().as_str()));
                assert!(
                    e.expected.as_deref().is_some_and(|x| x.contains(&range.end().to_string())),
                    "{key}: the hint names the range: {:?}",
                    e.expected
                );
            }
        }
        // numprocs: checked without building 100,001 processes.
        let f = load("[supervisord]\n[program:p]\ncommand=x\nnumprocs=100001\n").unwrap_err();
        assert_eq!(
            f.errors[0].message,
            "value 100001 is out of range in section 'program:p' (file: '/etc/sv/s.conf')"
        );
    }

    #[test]
    fn unknown_keys_and_sections_warn_with_suggestions() {
        let l =
            load("[supervisord]\nlogfle=x\n[program:a]\ncommand=x\nautostrat=true\n[programs:b]\n")
                .unwrap();
        let w: Vec<&str> = l.warnings.iter().map(|w| w.message.as_str()).collect();
        assert_eq!(
            w,
            [
                "unknown key 'logfle' in section [supervisord] is ignored; did you mean 'logfile'?",
                "unknown key 'autostrat' in section [program:a] is ignored; did you mean 'autostart'?",
                "unknown section [programs:b] is ignored; did you mean [program:b]?",
            ]
        );
    }

    #[test]
    fn includes_and_here() {
        let host = FakeHost::default()
            .with_file(
                "/etc/sv/s.conf",
                "[supervisord]\n[include]\nfiles=conf.d/*.conf none/*.conf\n",
            )
            .with_file("/etc/sv/conf.d/b.conf", "[program:b]\ncommand=%(here)s/b\n")
            .with_file(
                "/etc/sv/conf.d/a.conf",
                "[program:a]\ncommand=%(here)s/a\n[include]\nfiles=x\n",
            );
        let l = load_server("/etc/sv/s.conf", &host, &ServerOverrides::default()).unwrap();
        let cmds: Vec<&str> = l.config.processes().map(|p| p.command.as_str()).collect();
        assert_eq!(cmds, ["/etc/sv/conf.d/a", "/etc/sv/conf.d/b"]);
        assert_eq!(l.parse_warnings, ["No file matches via include \"/etc/sv/none/*.conf\""]);
        assert_eq!(
            l.parse_infos,
            [
                "Included extra file \"/etc/sv/conf.d/a.conf\" during parsing",
                "Included extra file \"/etc/sv/conf.d/b.conf\" during parsing"
            ]
        );
    }

    #[test]
    fn overrides_win_and_paths_are_absolute() {
        let host = FakeHost::default()
            .with_file("/etc/sv/s.conf", "[supervisord]\nnodaemon=false\nlogfile=rel.log\n");
        let ov = ServerOverrides {
            nodaemon: Some(true),
            loglevel: Some(LogLevel::Debug),
            ..Default::default()
        };
        let l = load_server("/etc/sv/s.conf", &host, &ov).unwrap();
        let s = &l.config.supervisord;
        assert!(s.nodaemon);
        assert_eq!(s.loglevel, LogLevel::Debug);
        assert_eq!(s.logfile.as_deref(), Some("/work/rel.log"));
        assert_eq!(s.pidfile, "/work/supervisord.pid");
        let ov = ServerOverrides { user: Some("ghost".into()), ..Default::default() };
        let f = load_server("/etc/sv/s.conf", &host, &ov).unwrap_err();
        assert_eq!(f.errors[0].message, "Invalid user name ghost");
    }

    #[test]
    fn serverurl_prefers_the_unix_socket() {
        let l = load(
            "[supervisord]\n[inet_http_server]\nport=9001\n[unix_http_server]\nfile=/tmp/s.sock\n",
        )
        .unwrap();
        assert_eq!(l.config.serverurl.as_deref(), Some("unix:///tmp/s.sock"));
        let l = load("[supervisord]\n[inet_http_server]\nport=*:9001\n").unwrap();
        assert_eq!(l.config.serverurl.as_deref(), Some("http://localhost:9001"));
        let l = load("[supervisord]\n").unwrap();
        assert_eq!(l.config.serverurl, None);
    }

    #[test]
    fn ctl_settings() {
        let host = FakeHost::default().with_file(
            "/etc/sv/s.conf",
            "[supervisorctl]\nserverurl=unix://%(here)s/../s.sock\nprompt=mine\nusername=u\npassword=p\n\
             history_file=~/.hist\n[ctlplugin:x]\nsupervisor.ctl_factory=a:b\n",
        );
        let l = load_ctl(Some("/etc/sv/s.conf"), &host, &CtlOverrides::default()).unwrap();
        assert_eq!(
            l.config,
            CtlConfig {
                serverurl: "unix:///etc/s.sock".into(),
                username: Some("u".into()),
                password: Some("p".into()),
                prompt: "mine".into(),
                history_file: Some("/home/op/.hist".into()),
            }
        );
        assert_eq!(l.warnings.len(), 1);
        let ov = CtlOverrides { serverurl: Some("http://h:1".into()), ..Default::default() };
        assert_eq!(
            load_ctl(Some("/etc/sv/s.conf"), &host, &ov).unwrap().config.serverurl,
            "http://h:1"
        );
        assert_eq!(
            load_ctl(None, &host, &CtlOverrides::default()).unwrap().config,
            CtlConfig::default()
        );
        let host = FakeHost::default().with_file("/etc/sv/s.conf", "[supervisord]\n");
        let f = load_ctl(Some("/etc/sv/s.conf"), &host, &CtlOverrides::default()).unwrap_err();
        assert_eq!(f.errors[0].message, ".ini file does not include supervisorctl section");
    }

    #[test]
    fn search_path_order() {
        assert_eq!(
            search_paths("/opt/sv/bin/supervisord"),
            [
                "/opt/sv/etc/supervisord.conf",
                "/opt/sv/supervisord.conf",
                "supervisord.conf",
                "etc/supervisord.conf",
                "/etc/supervisord.conf",
                "/etc/supervisor/supervisord.conf"
            ]
        );
        let host = FakeHost::default().with_file("/work/etc/supervisord.conf", "");
        assert_eq!(
            find_config("/opt/sv/bin/supervisord", &host).as_deref(),
            Some("etc/supervisord.conf")
        );
    }
}
