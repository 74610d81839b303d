//! Which keys each section type knows, and "did you mean" suggestions for the
//! ones it does not (a mistyped key is the most common configuration bug, and
//! the reference ignores it silently).
//!
//! Longer than our other files on purpose: most of it is [`KEYS`], one row
//! per key, which is meant to be read (and extended) in one place.

/// The kinds of section, for the table of keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// `[supervisord]`.
    Supervisord,
    /// `[unix_http_server]`.
    UnixHttp,
    /// `[inet_http_server]`.
    InetHttp,
    /// `[supervisorctl]`.
    Ctl,
    /// `[program:x]`.
    Program,
    /// `[eventlistener:x]`.
    Listener,
    /// `[fcgi-program:x]`.
    Fcgi,
    /// `[group:x]`.
    Group,
    /// `[include]`.
    Include,
}

impl Section {
    /// The kind of a section named `name` (`None`: plugin sections, whose
    /// keys pass through, and names Supervisor does not read).
    pub fn of(name: &str) -> Option<Section> {
        Some(match name {
            "supervisord" => Section::Supervisord,
            "supervisorctl" => Section::Ctl,
            "include" => Section::Include,
            n if n.starts_with("unix_http_server") => Section::UnixHttp,
            n if n.starts_with("inet_http_server") => Section::InetHttp,
            n if n.starts_with("program:") => Section::Program,
            n if n.starts_with("eventlistener:") => Section::Listener,
            n if n.starts_with("fcgi-program:") => Section::Fcgi,
            n if n.starts_with("group:") => Section::Group,
            _ => return None,
        })
    }

    /// How the section is written, for docs (`[program:x]`).
    pub fn header(self) -> &'static str {
        match self {
            Section::Supervisord => "[supervisord]",
            Section::UnixHttp => "[unix_http_server]",
            Section::InetHttp => "[inet_http_server]",
            Section::Ctl => "[supervisorctl]",
            Section::Program => "[program:x]",
            Section::Listener => "[eventlistener:x]",
            Section::Fcgi => "[fcgi-program:x]",
            Section::Group => "[group:x]",
            Section::Include => "[include]",
        }
    }

    /// Every kind, in the order the reference documents them.
    pub const ALL: [Section; 9] = [
        Section::UnixHttp,
        Section::InetHttp,
        Section::Supervisord,
        Section::Ctl,
        Section::Program,
        Section::Include,
        Section::Group,
        Section::Fcgi,
        Section::Listener,
    ];
}

/// The largest byte size accepted (`*_maxbytes`): 1 PiB.
pub const MAX_BYTES: i64 = 1 << 50;

/// What a key is when it is not written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Default {
    /// Nothing: the key is optional (or required, as its doc says).
    Unset,
    /// This text, read like a written value.
    Text(&'static str),
    /// Something worked out when the file is read, described here.
    Computed(&'static str),
}

impl Default {
    /// The text the loader reads when the key is absent, if any.
    pub fn text(self) -> Option<&'static str> {
        match self {
            Default::Text(t) => Some(t),
            _ => None,
        }
    }
}

/// One configuration key: where it may be written, what it holds, its
/// default and what it is for. Each key is defined once, here; the loader,
/// the unknown-key warnings, the sample's coverage test and the key
/// reference (`docs/configuration-keys.md`) all read this table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    /// The key's name.
    pub name: &'static str,
    /// The sections that take it.
    pub sections: &'static [Section],
    /// Its value's kind: which converter reads it, its range, and the
    /// hint an error about it shows (and the key reference prints).
    pub value: Expect,
    /// Its default.
    pub default: Default,
    /// What it is for, in one line.
    pub doc: &'static str,
    /// A key of ours that the reference does not know (the reference
    /// ignores it; the sample configuration does not show it).
    pub extension: bool,
}

use crate::datatypes::Expect;
use Section::{Ctl, Fcgi, Group, Include, InetHttp, Listener, Program, Supervisord, UnixHttp};

const PROCESS: &[Section] = &[Program, Listener, Fcgi];
const I32: (i64, i64) = (i32::MIN as i64, i32::MAX as i64);
const SECS: (i64, i64) = (0, i32::MAX as i64);

const fn key(
    name: &'static str,
    sections: &'static [Section],
    value: Expect,
    default: Option<&'static str>,
    doc: &'static str,
) -> Key {
    let default = match default {
        Some(t) => Default::Text(t),
        None => Default::Unset,
    };
    Key { name, sections, value, default, doc, extension: false }
}

/// A key of ours (readiness, health, dependencies...): unused unless
/// written, and unknown to the reference, which ignores it.
const fn ext(
    name: &'static str,
    sections: &'static [Section],
    value: Expect,
    default: &'static str,
    doc: &'static str,
) -> Key {
    Key { name, sections, value, default: Default::Text(default), doc, extension: true }
}

const fn computed(
    name: &'static str,
    sections: &'static [Section],
    value: Expect,
    default: &'static str,
    doc: &'static str,
) -> Key {
    Key { name, sections, value, default: Default::Computed(default), doc, extension: false }
}

/// Every key of every section Supervisor reads.
pub const KEYS: &[Key] = &[
    // [supervisord]
    key(
        "logfile",
        &[Supervisord],
        Expect::DirPath,
        Some("supervisord.log"),
        "The main log: a path (relative to the directory supervisord starts in), or syslog.",
    ),
    key(
        "logfile_maxbytes",
        &[Supervisord],
        Expect::ByteRange(MAX_BYTES),
        Some("50MB"),
        "Size at which the main log is rotated; 0 never rotates.",
    ),
    key(
        "logfile_backups",
        &[Supervisord],
        Expect::Range(0, 10_000),
        Some("10"),
        "Rotated main logs kept.",
    ),
    key(
        "loglevel",
        &[Supervisord],
        Expect::LogLevel,
        Some("info"),
        "The main log's level: critical, error, warn, info, debug, trace or blather.",
    ),
    key(
        "pidfile",
        &[Supervisord],
        Expect::DirPath,
        Some("supervisord.pid"),
        "Where supervisord writes its pid (relative to the directory it starts in).",
    ),
    key("umask", &[Supervisord], Expect::Octal, Some("022"), "supervisord's umask."),
    key("nodaemon", &[Supervisord], Expect::Boolean, Some("false"), "Stay in the foreground."),
    key(
        "silent",
        &[Supervisord],
        Expect::Boolean,
        Some("false"),
        "In the foreground, do not copy the main log to stdout.",
    ),
    key(
        "minfds",
        &[Supervisord],
        Expect::Range(0, SECS.1),
        Some("1024"),
        "File descriptors that must be available; the soft limit is raised to it.",
    ),
    key(
        "minprocs",
        &[Supervisord],
        Expect::Range(0, SECS.1),
        Some("200"),
        "Processes that must be available; the soft limit is raised to it.",
    ),
    key(
        "nocleanup",
        &[Supervisord],
        Expect::Boolean,
        Some("false"),
        "Keep old AUTO child logs at startup.",
    ),
    computed(
        "childlogdir",
        &[Supervisord],
        Expect::Directory,
        "the system's temporary directory",
        "Where AUTO child logs go.",
    ),
    key(
        "user",
        &[Supervisord],
        Expect::User,
        None,
        "The user supervisord switches to when started as root.",
    ),
    key(
        "directory",
        &[Supervisord],
        Expect::Directory,
        None,
        "The directory supervisord changes to when it daemonizes.",
    ),
    key(
        "strip_ansi",
        &[Supervisord],
        Expect::Boolean,
        Some("false"),
        "Remove ANSI escape sequences from child logs.",
    ),
    ext(
        "exit_on_fatal",
        &[Supervisord],
        Expect::Boolean,
        "false",
        "Shut down when any program reaches FATAL, with its exit code (ours).",
    ),
    ext(
        "subreaper",
        &[Supervisord],
        Expect::Boolean,
        "false",
        "Adopt and reap the orphans of daemonizing children even when not PID 1, and stop them at shutdown (ours).",
    ),
    ext(
        "forward_output_format",
        &[Supervisord],
        Expect::Other("off, raw, prefixed, json or cri"),
        "off",
        "Copy child output to supervisord's own stdout/stderr: raw, name-prefixed, JSON or CRI lines (ours).",
    ),
    ext(
        "forward_output_buffer",
        &[Supervisord],
        Expect::Other("a byte count from 4KB to 1GB, e.g. 1MB"),
        "1MB",
        "Forwarded output held while supervisord's output is slow; whole lines beyond are dropped and counted (ours).",
    ),
    ext(
        "log_format",
        &[Supervisord],
        Expect::Other("text or json"),
        "text",
        "How supervisord writes its own log lines: the usual text, or one JSON object per line (ours).",
    ),
    ext(
        "shutdown_timeout",
        &[Supervisord],
        Expect::Range(0, 86_400),
        "0",
        "Seconds a shutdown may take before what still runs gets SIGKILL (0: no limit; ours).",
    ),
    key(
        "environment",
        &[Supervisord],
        Expect::Environment,
        None,
        "Variables added to every child's environment.",
    ),
    key(
        "identifier",
        &[Supervisord],
        Expect::Other("text"),
        Some("supervisor"),
        "The name this supervisord gives itself over XML-RPC.",
    ),
    // [unix_http_server]
    key("file", &[UnixHttp], Expect::DirPath, None, "The path of the control socket."),
    key("chmod", &[UnixHttp], Expect::Octal, Some("0700"), "The socket's mode."),
    key("chown", &[UnixHttp], Expect::UserGroup, None, "The socket's owner, user[:group]."),
    // [inet_http_server]
    key(
        "port",
        &[InetHttp],
        Expect::InetAddress,
        None,
        "host:port the web page and XML-RPC listen on.",
    ),
    ext(
        "metrics",
        &[UnixHttp, InetHttp],
        Expect::Boolean,
        "false",
        "Serve GET /metrics in Prometheus text format, with the authentication of /RPC2 (ours).",
    ),
    ext(
        "health_endpoints",
        &[UnixHttp, InetHttp],
        Expect::Boolean,
        "false",
        "Serve GET /livez, /readyz and /healthz for orchestrators' probes (ours).",
    ),
    ext(
        "health_auth",
        &[UnixHttp, InetHttp],
        Expect::Boolean,
        "true",
        "Whether bare health probes need this server's credentials; ?verbose always does (ours).",
    ),
    ext(
        "rest_api",
        &[UnixHttp, InetHttp],
        Expect::Boolean,
        "false",
        "Serve the read-only JSON view under /api/v1/, with the authentication of /RPC2 (ours).",
    ),
    key(
        "username",
        &[UnixHttp, InetHttp, Ctl],
        Expect::Other("text"),
        None,
        "The user name clients must send.",
    ),
    key(
        "password",
        &[UnixHttp, InetHttp, Ctl],
        Expect::Other("text"),
        None,
        "The password, plain or {SHA} and its hex SHA-1.",
    ),
    // [supervisorctl]
    key(
        "serverurl",
        &[Ctl],
        Expect::Url,
        Some("http://localhost:9001"),
        "Where supervisorctl finds supervisord.",
    ),
    key(
        "prompt",
        &[Ctl],
        Expect::Other("text"),
        Some("supervisor"),
        "The interactive shell's prompt.",
    ),
    key("history_file", &[Ctl], Expect::DirPath, None, "Where the shell keeps its history."),
    // processes
    key(
        "command",
        PROCESS,
        Expect::Other("a command line, split into words as a shell would"),
        None,
        "The command to run (required).",
    ),
    key(
        "process_name",
        PROCESS,
        Expect::Name,
        Some("%(program_name)s"),
        "The name of each process; must hold %(process_num) when numprocs > 1.",
    ),
    key(
        "numprocs",
        PROCESS,
        Expect::Range(0, 100_000),
        Some("1"),
        "How many processes of this program run.",
    ),
    key("numprocs_start", PROCESS, Expect::Range(0, SECS.1), Some("0"), "The first process_num."),
    key(
        "priority",
        &[Program, Fcgi, Group],
        Expect::Range(I32.0, I32.1),
        Some("999"),
        "Start order: lower first; stop order is the reverse.",
    ),
    key(
        "priority",
        &[Listener],
        Expect::Range(I32.0, I32.1),
        Some("-1"),
        "Start order: lower first; stop order is the reverse.",
    ),
    key("autostart", PROCESS, Expect::Boolean, Some("true"), "Start when supervisord starts."),
    key(
        "autorestart",
        PROCESS,
        Expect::AutoRestart,
        Some("unexpected"),
        "Restart after an exit: true, false, or unexpected (an exit code not in exitcodes).",
    ),
    key(
        "startsecs",
        PROCESS,
        Expect::Range(SECS.0, SECS.1),
        Some("1"),
        "Seconds a process must stay up to count as started.",
    ),
    key(
        "startretries",
        PROCESS,
        Expect::Range(0, SECS.1),
        Some("3"),
        "Failed starts in a row before FATAL.",
    ),
    key("exitcodes", PROCESS, Expect::ExitCodes, Some("0"), "The exit codes that are expected."),
    key(
        "stopsignal",
        PROCESS,
        Expect::Signal,
        Some("TERM"),
        "The signal that asks a process to stop.",
    ),
    key(
        "stopwaitsecs",
        PROCESS,
        Expect::Range(SECS.0, SECS.1),
        Some("10"),
        "Seconds to wait after the stop signal before SIGKILL.",
    ),
    key(
        "stopasgroup",
        PROCESS,
        Expect::Boolean,
        Some("false"),
        "Send the stop signal to the process group.",
    ),
    computed(
        "killasgroup",
        PROCESS,
        Expect::Boolean,
        "the value of stopasgroup",
        "Send SIGKILL to the process group.",
    ),
    key("user", PROCESS, Expect::User, None, "The user the process runs as."),
    key("directory", PROCESS, Expect::Directory, None, "The directory the process starts in."),
    key("umask", PROCESS, Expect::Octal, None, "The process's umask."),
    key(
        "redirect_stderr",
        PROCESS,
        Expect::Boolean,
        Some("false"),
        "Send stderr into the stdout log.",
    ),
    key(
        "stdout_logfile",
        PROCESS,
        Expect::LogFile,
        Some("AUTO"),
        "The stdout log: AUTO, NONE, syslog or a path.",
    ),
    key(
        "stdout_logfile_maxbytes",
        PROCESS,
        Expect::ByteRange(MAX_BYTES),
        Some("50MB"),
        "Size at which the stdout log is rotated; 0 never rotates.",
    ),
    key(
        "stdout_logfile_backups",
        PROCESS,
        Expect::Range(0, 10_000),
        Some("10"),
        "Rotated stdout logs kept.",
    ),
    key(
        "stdout_capture_maxbytes",
        PROCESS,
        Expect::ByteRange(MAX_BYTES),
        Some("0"),
        "Capture mode buffer for PROCESS_COMMUNICATION events; 0 is off.",
    ),
    key(
        "stdout_events_enabled",
        PROCESS,
        Expect::Boolean,
        Some("false"),
        "Emit PROCESS_LOG_STDOUT events.",
    ),
    key("stdout_syslog", PROCESS, Expect::Boolean, Some("false"), "Also send stdout to syslog."),
    key(
        "stderr_logfile",
        PROCESS,
        Expect::LogFile,
        Some("AUTO"),
        "The stderr log: AUTO, NONE, syslog or a path.",
    ),
    key(
        "stderr_logfile_maxbytes",
        PROCESS,
        Expect::ByteRange(MAX_BYTES),
        Some("50MB"),
        "Size at which the stderr log is rotated; 0 never rotates.",
    ),
    key(
        "stderr_logfile_backups",
        PROCESS,
        Expect::Range(0, 10_000),
        Some("10"),
        "Rotated stderr logs kept.",
    ),
    key(
        "stderr_capture_maxbytes",
        PROCESS,
        Expect::ByteRange(MAX_BYTES),
        Some("0"),
        "Capture mode buffer for PROCESS_COMMUNICATION events; 0 is off.",
    ),
    key(
        "stderr_events_enabled",
        PROCESS,
        Expect::Boolean,
        Some("false"),
        "Emit PROCESS_LOG_STDERR events.",
    ),
    key("stderr_syslog", PROCESS, Expect::Boolean, Some("false"), "Also send stderr to syslog."),
    key(
        "environment",
        PROCESS,
        Expect::Environment,
        None,
        "Variables added to the process's environment.",
    ),
    key("serverurl", PROCESS, Expect::Url, Some("AUTO"), "SUPERVISOR_SERVER_URL for the process."),
    // Containers (ours; see docs/containers.md).
    ext(
        "essential",
        PROCESS,
        Expect::Boolean,
        "false",
        "When it ends for good (FATAL, or EXITED with no restart), supervisord shuts down with its exit code.",
    ),
    ext(
        "stdout_timestamped_logfile",
        PROCESS,
        Expect::LogFile,
        "NONE",
        "A second stdout log whose lines start with the time they were read; rotated like stdout_logfile (ours).",
    ),
    ext(
        "stderr_timestamped_logfile",
        PROCESS,
        Expect::LogFile,
        "NONE",
        "A second stderr log whose lines start with the time they were read; rotated like stderr_logfile (ours).",
    ),
    ext(
        "timestamp_format",
        PROCESS,
        Expect::Other("rfc3339, local, or a strftime pattern such as %H:%M:%S%.3f"),
        "rfc3339",
        "How the timestamped logs write the time: RFC 3339 UTC with microseconds, the main log's local time, or a pattern (ours).",
    ),
    ext(
        "forward_output",
        PROCESS,
        Expect::Boolean,
        "true",
        "Copy this process's output to supervisord's own output when forward_output_format is set (ours).",
    ),
    // Readiness, health and dependencies (ours; see docs/dependencies-and-health.md).
    ext(
        "ready_check",
        PROCESS,
        Expect::Other(
            "none, notify, fd:N, tcp:HOST:PORT, http://HOST:PORT/PATH, exec:COMMAND or log:REGEX",
        ),
        "none",
        "Where \"ready\" comes from; the process stays STARTING until it is ready.",
    ),
    ext(
        "ready_timeout",
        PROCESS,
        Expect::Range(0, SECS.1),
        "90",
        "Seconds a start may wait to be ready before it counts as failed (0: no limit).",
    ),
    ext(
        "ready_check_interval",
        PROCESS,
        Expect::Range(1, 3600),
        "1",
        "Seconds between readiness probes (tcp, http, exec).",
    ),
    ext(
        "ready_check_timeout",
        PROCESS,
        Expect::Range(1, 3600),
        "1",
        "Seconds one readiness probe may take.",
    ),
    ext(
        "watchdog_secs",
        PROCESS,
        Expect::Range(0, 86_400),
        "0",
        "Once RUNNING, WATCHDOG=1 must arrive on $NOTIFY_SOCKET this often (0: off).",
    ),
    ext(
        "watchdog_signal",
        PROCESS,
        Expect::Signal,
        "ABRT",
        "The signal sent when the watchdog expires.",
    ),
    ext(
        "health_check",
        PROCESS,
        Expect::Other("none, tcp:HOST:PORT, http://HOST:PORT/PATH or exec:COMMAND"),
        "none",
        "A probe of a RUNNING process; failures make it unhealthy.",
    ),
    ext(
        "health_check_interval",
        PROCESS,
        Expect::Range(1, 86_400),
        "10",
        "Seconds between health checks.",
    ),
    ext(
        "health_check_timeout",
        PROCESS,
        Expect::Range(1, 3600),
        "1",
        "Seconds one health check may take.",
    ),
    ext(
        "health_check_initial_delay",
        PROCESS,
        Expect::Range(0, 86_400),
        "0",
        "Seconds after RUNNING before the first health check.",
    ),
    ext(
        "health_check_failure_threshold",
        PROCESS,
        Expect::Range(1, 1000),
        "3",
        "Failed checks in a row that make the process unhealthy.",
    ),
    ext(
        "health_check_success_threshold",
        PROCESS,
        Expect::Range(1, 1000),
        "1",
        "Passed checks in a row that make it healthy again.",
    ),
    ext(
        "health_check_action",
        PROCESS,
        Expect::Other("restart, stop or none"),
        "restart",
        "What an unhealthy process gets.",
    ),
    ext(
        "depends_on",
        PROCESS,
        Expect::Other(
            "TARGET[:CONDITION] entries, TARGET a program, group:* or group:name, CONDITION started, running, healthy, completed or completed_successfully",
        ),
        "",
        "What must hold before the process starts; its dependencies are started with it.",
    ),
    ext(
        "dependency_binding",
        PROCESS,
        Expect::Other("none, stop or restart"),
        "none",
        "When a dependency stops holding: nothing, stop this process, or stop it and start it again when it holds again.",
    ),
    // [eventlistener:x]
    key(
        "events",
        &[Listener],
        Expect::EventNames,
        None,
        "The event types the pool subscribes to (required).",
    ),
    key(
        "buffer_size",
        &[Listener],
        Expect::Range(1, 1_048_576),
        Some("10"),
        "Events the pool buffers before the oldest is dropped.",
    ),
    key(
        "result_handler",
        &[Listener],
        Expect::Other("text"),
        Some("supervisor.dispatchers:default_handler"),
        "How listener results are read (only the default exists here).",
    ),
    // [fcgi-program:x]
    key(
        "socket",
        &[Fcgi],
        Expect::FcgiSocket,
        None,
        "The socket the group's processes accept on (required).",
    ),
    computed(
        "socket_backlog",
        &[Fcgi],
        Expect::Range(1, 65535),
        "the system's maximum",
        "The socket's listen backlog.",
    ),
    key("socket_owner", &[Fcgi], Expect::UserGroup, None, "The unix socket's owner, user[:group]."),
    key("socket_mode", &[Fcgi], Expect::Octal, Some("0700"), "The unix socket's mode."),
    // [group:x]
    key(
        "programs",
        &[Group],
        Expect::Other("names separated by commas or spaces"),
        None,
        "The programs in the group (required).",
    ),
    // [include]
    key(
        "files",
        &[Include],
        Expect::Other("names separated by commas or spaces"),
        None,
        "Files to include: globs relative to this file's directory.",
    ),
];

/// The definition of `name` in sections of kind `section`.
pub fn key_in(section: Section, name: &str) -> Option<&'static Key> {
    KEYS.iter().find(|k| k.name == name && k.sections.contains(&section))
}

/// The keys of the reference a kind of section takes (ours left out), in
/// table order, each once: what the sample configuration shows.
pub fn reference_keys_of(section: Section) -> Vec<&'static str> {
    keys_of(section)
        .into_iter()
        .filter(|k| key_in(section, k).is_some_and(|k| !k.extension))
        .collect()
}

/// The keys a kind of section takes, in table order, each once.
pub fn keys_of(section: Section) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for k in KEYS.iter().filter(|k| k.sections.contains(&section)) {
        if !out.contains(&k.name) {
            out.push(k.name);
        }
    }
    out
}

/// What keys a section accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keys {
    /// Exactly these.
    Section(Vec<&'static str>),
    /// Anything (plugin sections pass their keys on).
    Any,
    /// The section itself is not one Supervisor reads.
    UnknownSection,
}

/// The keys a section named `name` accepts.
pub fn known_keys(name: &str) -> Keys {
    match Section::of(name) {
        Some(kind) => Keys::Section(keys_of(kind)),
        None if name.starts_with("rpcinterface:") || name.starts_with("ctlplugin:") => Keys::Any,
        None => Keys::UnknownSection,
    }
}

/// Every key any section accepts (for `[DEFAULT]`).
pub fn all_keys() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = KEYS.iter().map(|k| k.name).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// The key reference (`docs/configuration-keys.md`), generated from
/// [`KEYS`]; a test keeps the file equal to it.
pub fn reference() -> String {
    let mut s = String::from(
        "# Configuration keys\n\nGenerated from the key table (`crates/sv-config/src/schema.rs`); \
         do not edit by hand. Every key of every section, with its value, its default and what \
         it is for. Values are expanded with `%(name)s` where the reference allows it.\n",
    );
    for section in Section::ALL {
        s.push_str(&format!(
            "\n## `{}`\n\n| key | value | default | meaning |\n| --- | --- | --- | --- |\n",
            section.header()
        ));
        for k in KEYS.iter().filter(|k| k.sections.contains(&section)) {
            let default = match k.default {
                Default::Unset => "—".to_owned(),
                Default::Text(t) => format!("`{t}`"),
                Default::Computed(t) => t.to_owned(),
            };
            let ours = if k.extension { " *(ours)*" } else { "" };
            s.push_str(&format!(
                "| `{}`{ours} | {} | {} | {} |\n",
                k.name,
                k.value.describe(),
                default,
                k.doc
            ));
        }
    }
    s
}

/// Text for a roff page: backslashes, leading dots and quotes escaped.
fn roff(text: &str) -> String {
    let t = text.replace('\\', "\\e").replace('-', "\\-");
    if t.starts_with('.') || t.starts_with('\'') { format!("\\&{t}") } else { t }
}

/// The `supervisord.conf(5)` manual page, generated from [`KEYS`] (every
/// key with its value, default and meaning); a test keeps
/// `docs/man/supervisord.conf.5` equal to it.
pub fn man_page() -> String {
    let mut s = String::from(
        ".\\\" Generated from the key table (crates/sv-config/src/schema.rs); do not edit.\n\
         .TH SUPERVISORD.CONF 5 \"\" \"rs-supervisor\" \"File Formats\"\n\
         .SH NAME\n\
         supervisord.conf \\- configuration of supervisord and supervisorctl\n\
         .SH DESCRIPTION\n\
         An INI file read by\n\
         .BR supervisord (8)\n\
         and\n\
         .BR supervisorctl (1)\n\
         (found as\n\
         .I supervisord.conf\n\
         in the current directory, its\n\
         .IR etc/ ,\n\
         .I /etc\n\
         or\n\
         .I /etc/supervisor\n\
         unless given with\n\
         .BR \\-c ).\n\
         Sections hold keys written as\n\
         .IR key = value ;\n\
         values may use\n\
         .BI %( name )s\n\
         expansions where noted.\n\
         Keys marked (ours) are not known to Python Supervisor, which ignores them; a file without\n\
         them behaves as with Supervisor 4.3.0.\n\
         .BR \"supervisord \\-\\-check\\-config\"\n\
         checks a file and names the file, line, section and key of every error.\n",
    );
    for section in Section::ALL {
        s.push_str(&format!(".SH \"{}\"\n", section.header().to_uppercase()));
        for k in KEYS.iter().filter(|k| k.sections.contains(&section)) {
            let default = match k.default {
                Default::Unset => "none".to_owned(),
                Default::Text("") => "empty".to_owned(),
                Default::Text(t) => roff(t),
                Default::Computed(t) => roff(t),
            };
            let ours = if k.extension && !k.doc.contains("(ours") { " (ours)" } else { "" };
            s.push_str(&format!(
                ".TP\n.B {}\n{}{ours}\n.br\nValue: {}.\n.br\nDefault: {}.\n",
                roff(k.name),
                roff(k.doc),
                roff(&k.value.describe()),
                default
            ));
        }
    }
    s.push_str(
        ".SH SEE ALSO\n.BR supervisord (8),\n.BR supervisorctl (1),\n.BR echo_supervisord_conf (1),\n\
         .BR pidproxy (1)\n",
    );
    s
}

/// The closest known word, when it is close enough to be a likely typo.
pub fn suggest<'a>(word: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    known
        .map(|k| (strsim::damerau_levenshtein(word, k), k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// A likely intended section name for an unknown one (`[programs:x]` ->
/// `[program:x]`).
pub fn suggest_section(name: &str) -> Option<String> {
    const PREFIXED: &[&str] =
        &["program", "group", "eventlistener", "fcgi-program", "rpcinterface", "ctlplugin"];
    const PLAIN: &[&str] =
        &["supervisord", "supervisorctl", "include", "unix_http_server", "inet_http_server"];
    match name.split_once(':') {
        Some((prefix, rest)) => {
            let p = suggest(&prefix.to_lowercase(), PREFIXED.iter().copied())
                .or_else(|| suggest(&prefix.to_lowercase(), PLAIN.iter().copied()))?;
            Some(if PREFIXED.contains(&p) { format!("{p}:{rest}") } else { p.to_owned() })
        }
        None => suggest(&name.to_lowercase(), PLAIN.iter().copied()).map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        let keys = keys_of(Section::Program);
        let p = keys.iter().copied();
        assert_eq!(suggest("autostrat", p.clone()), Some("autostart"));
        assert_eq!(suggest("comand", p.clone()), Some("command"));
        assert_eq!(suggest("stdout_logfile_maxbyte", p.clone()), Some("stdout_logfile_maxbytes"));
        assert_eq!(suggest("xyzzy", p), None);
        assert_eq!(suggest_section("programs:web").as_deref(), Some("program:web"));
        assert_eq!(suggest_section("Program:web").as_deref(), Some("program:web"));
        assert_eq!(suggest_section("supervisor").as_deref(), Some("supervisord"));
        assert_eq!(suggest_section("totally-else"), None);
    }

    /// No key is defined twice for the same section; the docs are current.
    #[test]
    fn table_is_consistent_and_the_reference_is_current() {
        for section in Section::ALL {
            let names: Vec<&str> =
                KEYS.iter().filter(|k| k.sections.contains(&section)).map(|k| k.name).collect();
            let mut dedup = names.clone();
            dedup.sort_unstable();
            dedup.dedup();
            assert_eq!(names.len(), dedup.len(), "{section:?} defines a key twice");
        }
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/configuration-keys.md");
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(path, reference()).expect("write the key reference");
        }
        let on_disk = std::fs::read_to_string(path).unwrap_or_default();
        assert!(on_disk == reference(), "docs/configuration-keys.md is stale: UPDATE_GOLDEN=1");
        let man = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/man/supervisord.conf.5");
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(man, man_page()).expect("write the manual page");
        }
        let on_disk = std::fs::read_to_string(man).unwrap_or_default();
        assert!(on_disk == man_page(), "docs/man/supervisord.conf.5 is stale: UPDATE_GOLDEN=1");
    }

    /// Every default written in the table converts with its key's
    /// converter and lies in its range, so the loader takes each default
    /// from the table alone; the types with a `Default` agree with it.
    #[test]
    fn every_default_converts_and_the_typed_defaults_agree() {
        use crate::datatypes as dt;
        for k in KEYS {
            let Some(text) = k.default.text() else { continue };
            let ok = match k.value {
                Expect::Range(lo, hi) => dt::integer(text).is_ok_and(|n| (lo..=hi).contains(&n)),
                Expect::ByteRange(hi) => dt::byte_size(text).is_ok_and(|n| (0..=hi).contains(&n)),
                Expect::Integer => dt::integer(text).is_ok(),
                Expect::Boolean => dt::boolean(text).is_ok(),
                Expect::AutoRestart => dt::auto_restart(text) == Ok(dt::AutoRestart::default()),
                Expect::Signal if k.name == "stopsignal" => {
                    dt::Signal::parse(text) == Ok(dt::Signal::default())
                }
                Expect::Signal => dt::Signal::parse(text).is_ok(),
                Expect::LogLevel => dt::logging_level(text) == Ok(dt::LogLevel::default()),
                Expect::ExitCodes => dt::list_of_exitcodes(text).is_ok(),
                Expect::Octal => dt::octal_type(text).is_ok(),
                _ => true,
            };
            assert!(ok, "the default of {} ({text}) does not convert", k.name);
        }
    }

    #[test]
    fn section_kinds() {
        assert!(matches!(known_keys("program:x"), Keys::Section(k) if k.contains(&"command")));
        assert!(matches!(known_keys("eventlistener:x"), Keys::Section(k) if k.contains(&"events")));
        assert!(matches!(known_keys("fcgi-program:x"), Keys::Section(k) if k.contains(&"socket")));
        assert_eq!(known_keys("rpcinterface:supervisor"), Keys::Any);
        assert_eq!(known_keys("Program:x"), Keys::UnknownSection);
    }
}
