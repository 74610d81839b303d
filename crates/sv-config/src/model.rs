//! The typed configuration: what `supervisord` and `supervisorctl` run on once
//! a file has been read and validated. Field names follow the reference's.

pub use crate::datatypes::{AutoRestart, EnvPairs, LogFile, LogLevel};

/// `items`, each behind an `Arc`, in a vector of their own number: the
/// obvious `into_iter().map(Arc::new).collect()` reuses the source's buffer
/// in place and keeps all its room (a 128-byte `GroupConfig` per 8-byte
/// `Arc`) for the life of the configuration.
pub fn shared<T>(items: Vec<T>) -> Vec<std::sync::Arc<T>> {
    let mut out = Vec::with_capacity(items.len());
    out.extend(items.into_iter().map(std::sync::Arc::new));
    out
}

/// Every event type name a listener may subscribe to (4.3.0's list; the
/// abstract base types included).
pub const EVENT_TYPES: &[&str] = &[
    "EVENT",
    "PROCESS_STATE",
    "PROCESS_STATE_STOPPED",
    "PROCESS_STATE_EXITED",
    "PROCESS_STATE_STARTING",
    "PROCESS_STATE_STOPPING",
    "PROCESS_STATE_BACKOFF",
    "PROCESS_STATE_FATAL",
    "PROCESS_STATE_RUNNING",
    "PROCESS_STATE_UNKNOWN",
    "PROCESS_COMMUNICATION",
    "PROCESS_COMMUNICATION_STDOUT",
    "PROCESS_COMMUNICATION_STDERR",
    "PROCESS_LOG",
    "PROCESS_LOG_STDOUT",
    "PROCESS_LOG_STDERR",
    "REMOTE_COMMUNICATION",
    "SUPERVISOR_STATE_CHANGE",
    "SUPERVISOR_STATE_CHANGE_RUNNING",
    "SUPERVISOR_STATE_CHANGE_STOPPING",
    "TICK",
    "TICK_5",
    "TICK_60",
    "TICK_3600",
    "PROCESS_GROUP",
    "PROCESS_GROUP_ADDED",
    "PROCESS_GROUP_REMOVED",
    // Ours: emitted only for processes with a health_check.
    "PROCESS_HEALTH",
    "PROCESS_HEALTH_HEALTHY",
    "PROCESS_HEALTH_UNHEALTHY",
];

/// The `[supervisord]` section, with command-line overrides applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupervisordConfig {
    /// Main log file path (absolute), or `None` for syslog.
    pub logfile: Option<String>,
    /// Rotate the main log after this many bytes (0: never).
    pub logfile_maxbytes: i64,
    /// Rotated main logs to keep.
    pub logfile_backups: i64,
    /// Main log level.
    pub loglevel: LogLevel,
    /// Pid file path (absolute).
    pub pidfile: String,
    /// umask applied when daemonizing.
    pub umask: u32,
    /// Stay in the foreground.
    pub nodaemon: bool,
    /// With `nodaemon`, do not echo the log to stdout.
    pub silent: bool,
    /// Minimum open file limit.
    pub minfds: i64,
    /// Minimum process limit.
    pub minprocs: i64,
    /// Skip the AUTO child log cleanup at startup.
    pub nocleanup: bool,
    /// Directory for AUTO child logs.
    pub childlogdir: String,
    /// User to switch to (name or uid as written).
    pub user: Option<String>,
    /// The uid `user` resolved to.
    pub uid: Option<u32>,
    /// Directory to change to when daemonizing.
    pub directory: Option<String>,
    /// Strip ANSI escapes from child output.
    pub strip_ansi: bool,
    /// Shut down when any program reaches FATAL (ours).
    pub exit_on_fatal: bool,
    /// How long a shutdown may take before what still runs gets SIGKILL
    /// (ours; `None`: no limit, the reference's behaviour).
    pub shutdown_timeout: Option<std::time::Duration>,
    /// Adopt the orphans of daemonizing children even when not PID 1, and
    /// stop them at shutdown (ours).
    pub subreaper: bool,
    /// How child output is copied to supervisord's own stdout and stderr
    /// (ours; off by default).
    pub forward_output_format: ForwardFormat,
    /// Bytes of forwarded output held while supervisord's output is slow;
    /// lines beyond are dropped and counted (ours).
    pub forward_output_buffer: usize,
    /// How supervisord writes its own log lines (ours).
    pub log_format: LogFormat,
    /// Environment added to every child.
    pub environment: EnvPairs,
    /// Identifier of this instance.
    pub identifier: String,
}

/// `forward_output_format`: how child output is copied to supervisord's
/// own output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ForwardFormat {
    /// Not copied (the reference's behaviour).
    #[default]
    Off,
    /// The bytes as written; stderr to supervisord's stderr.
    Raw,
    /// `name | line`, names padded to the longest; stderr to stderr.
    Prefixed,
    /// One JSON object per line, on stdout.
    Json,
    /// CRI log lines (`TIME STREAM F|P line`), on stdout.
    Cri,
}

/// `log_format`: how supervisord's own log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// The reference's `DATE TIME,ms LEVEL message`.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// One `[inet_http_server]` or `[unix_http_server]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpServerConfig {
    /// A TCP server.
    Inet {
        /// The section it came from.
        section: String,
        /// Bind host; empty means all interfaces.
        host: String,
        /// Port.
        port: u16,
        /// Basic auth user.
        username: Option<String>,
        /// Basic auth password (plain or `{SHA}hex`).
        password: Option<String>,
        /// The endpoints of ours this server also serves.
        endpoints: HttpEndpoints,
    },
    /// A unix socket server.
    Unix {
        /// The section it came from.
        section: String,
        /// Socket path (absolute).
        file: String,
        /// Socket file mode.
        chmod: u32,
        /// Socket owner `(uid, gid)`, `-1` for unchanged.
        chown: (i64, i64),
        /// Basic auth user.
        username: Option<String>,
        /// Basic auth password.
        password: Option<String>,
        /// The endpoints of ours this server also serves.
        endpoints: HttpEndpoints,
    },
}

impl HttpServerConfig {
    /// The endpoints of ours this server serves.
    pub fn endpoints(&self) -> HttpEndpoints {
        match self {
            Self::Inet { endpoints, .. } | Self::Unix { endpoints, .. } => *endpoints,
        }
    }
}

/// The HTTP endpoints of ours a server may serve besides the reference's
/// (all off by default, so that an unchanged configuration answers 404 on
/// their paths, as the reference does).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HttpEndpoints {
    /// `GET /metrics` (Prometheus text format), with the auth of `/RPC2`.
    pub metrics: bool,
    /// `GET /livez`, `/readyz` and `/healthz`.
    pub health: bool,
    /// Whether bare health probes need the server's credentials (`?verbose`
    /// always does).
    pub health_auth: bool,
    /// The read-only JSON view under `/api/v1/`, with the auth of `/RPC2`.
    pub rest_api: bool,
}

/// Output settings for one stream (stdout or stderr) of a process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamConfig {
    /// Where the output is logged.
    pub logfile: LogFile,
    /// Rotate after this many bytes (0: never).
    pub logfile_maxbytes: i64,
    /// Rotated files to keep.
    pub logfile_backups: i64,
    /// Capture-mode buffer size (0: off).
    pub capture_maxbytes: i64,
    /// Emit `PROCESS_LOG_*` events.
    pub events_enabled: bool,
    /// Also send the output to syslog.
    pub syslog: bool,
    /// A second log whose every line starts with the time it was read
    /// (ours; `None` by default: the raw log stays byte for byte).
    pub timestamped: LogFile,
}

/// `timestamp_format`: how the timestamped logs write the time (ours).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TimestampFormat {
    /// RFC 3339 in UTC with microseconds (`2026-11-30T10:57:01.123456Z`).
    #[default]
    Rfc3339,
    /// The main log's local time (`2026-11-30 11:57:01,123`).
    Local,
    /// A strftime pattern, in local time.
    Pattern(String),
}

/// One process, after `numprocs` expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessConfig {
    /// Process name (`process_name` expanded).
    pub name: String,
    /// Name of the group it belongs to.
    pub group: String,
    /// The section it came from (`program:x`).
    pub section: String,
    /// Its `process_num`.
    pub process_num: i64,
    /// The command line, as written (after expansion).
    pub command: String,
    /// Working directory.
    pub directory: Option<String>,
    /// umask for the child.
    pub umask: Option<u32>,
    /// Start/stop order inside its group.
    pub priority: i64,
    /// Start with supervisord.
    pub autostart: bool,
    /// Restart policy.
    pub autorestart: AutoRestart,
    /// How long a process must stay up to count as started (whole
    /// seconds, as the key is written).
    pub startsecs: std::time::Duration,
    /// Retries before FATAL.
    pub startretries: i64,
    /// User to run as (uid).
    pub uid: Option<u32>,
    /// stdout settings.
    pub stdout: StreamConfig,
    /// stderr settings.
    pub stderr: StreamConfig,
    /// Signal used to stop.
    pub stopsignal: crate::datatypes::Signal,
    /// How long to wait after the stop signal before SIGKILL (whole
    /// seconds).
    pub stopwaitsecs: std::time::Duration,
    /// Send the stop signal to the whole process group.
    pub stopasgroup: bool,
    /// Send SIGKILL to the whole process group.
    pub killasgroup: bool,
    /// Expected exit codes.
    pub exitcodes: Vec<i32>,
    /// Send stderr into stdout.
    pub redirect_stderr: bool,
    /// Environment: `[supervisord] environment` with this program's over it.
    pub environment: EnvPairs,
    /// `SUPERVISOR_SERVER_URL` override.
    pub serverurl: Option<String>,
    /// Shut supervisord down when this program ends for good (ours).
    pub essential: bool,
    /// Copy its output to supervisord's own output, when
    /// `forward_output_format` is not `off` (ours).
    pub forward_output: bool,
    /// How its timestamped logs write the time (ours).
    pub timestamp_format: TimestampFormat,
    /// Readiness, health and dependency settings (ours; none by default).
    /// Shared: every copy of the configuration of a process points at one,
    /// and every process that uses none of them at the same default.
    pub checks: std::sync::Arc<crate::checks::Checks>,
}

/// The socket of an `[fcgi-program:x]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FcgiSocket {
    /// `tcp://host:port`.
    Tcp {
        /// Host (lower-cased).
        host: String,
        /// Port.
        port: u16,
        /// listen() backlog.
        backlog: Option<i64>,
    },
    /// `unix:///path`.
    Unix {
        /// Absolute path.
        path: String,
        /// Owner `(uid, gid)`.
        owner: Option<(i64, i64)>,
        /// File mode.
        mode: u32,
        /// listen() backlog.
        backlog: Option<i64>,
    },
}

impl FcgiSocket {
    /// The socket as a URL (`tcp://h:p`, `unix:///p`).
    pub fn url(&self) -> String {
        match self {
            FcgiSocket::Tcp { host, port, .. } => format!("tcp://{host}:{port}"),
            FcgiSocket::Unix { path, .. } => format!("unix://{path}"),
        }
    }
}

/// What kind of group a [`GroupConfig`] is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupKind {
    /// `[program:x]` or `[group:x]`.
    Program,
    /// `[eventlistener:x]`.
    EventListenerPool {
        /// Events buffered while no listener is ready.
        buffer_size: i64,
        /// Subscribed event type names (upper-case, sorted).
        events: Vec<String>,
        /// The result handler spec.
        result_handler: String,
    },
    /// `[fcgi-program:x]`.
    FastCgi {
        /// The shared socket.
        socket: FcgiSocket,
    },
}

/// A process group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupConfig {
    /// Group name.
    pub name: String,
    /// Start/stop order among groups.
    pub priority: i64,
    /// Kind and kind-specific settings.
    pub kind: GroupKind,
    /// Its processes.
    pub processes: Vec<std::sync::Arc<ProcessConfig>>,
}

/// An `[rpcinterface:x]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcInterfaceConfig {
    /// The name after `rpcinterface:`.
    pub name: String,
    /// `supervisor.rpcinterface_factory`.
    pub factory: String,
}

/// The standard RPC interface factory, which this implementation provides natively.
pub const STANDARD_RPC_FACTORY: &str = "supervisor.rpcinterface:make_main_rpcinterface";
/// The standard event listener result handler.
pub const DEFAULT_RESULT_HANDLER: &str = "supervisor.dispatchers:default_handler";

/// The result handler of the `supervisor-stdlog` package, which writes each
/// `PROCESS_LOG` event as `name | line` on supervisord's own output: done
/// natively, since a Python handler cannot be loaded (ours).
pub const STDLOG_RESULT_HANDLER: &str = "supervisor_stdlog:log_handler";

/// Everything `supervisord` reads from its configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// The config file path as given.
    pub configfile: String,
    /// Directory of the config file (`%(here)s`).
    pub here: String,
    /// `[supervisord]`.
    pub supervisord: SupervisordConfig,
    /// Process groups, sorted by (priority, name).
    pub groups: Vec<GroupConfig>,
    /// HTTP servers: inet ones first, then unix ones.
    pub servers: Vec<HttpServerConfig>,
    /// `[rpcinterface:x]` sections.
    pub rpcinterfaces: Vec<RpcInterfaceConfig>,
    /// The URL children use to reach this supervisord (unix socket preferred).
    pub serverurl: Option<String>,
}

impl ServerConfig {
    /// Every process of every group.
    pub fn processes(&self) -> impl Iterator<Item = &ProcessConfig> {
        self.groups.iter().flat_map(|g| g.processes.iter().map(|p| &**p))
    }
}

/// The `[supervisorctl]` section with command-line overrides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CtlConfig {
    /// Server URL.
    pub serverurl: String,
    /// Basic auth user.
    pub username: Option<String>,
    /// Basic auth password.
    pub password: Option<String>,
    /// Prompt (without the trailing `> `).
    pub prompt: String,
    /// Readline history file.
    pub history_file: Option<String>,
}

impl Default for CtlConfig {
    fn default() -> Self {
        CtlConfig {
            serverurl: "http://localhost:9001".into(),
            username: None,
            password: None,
            prompt: "supervisor".into(),
            history_file: None,
        }
    }
}
