//! The settings of readiness, health checks and dependencies: their types
//! and their converters (pure, table-tested). None of them exists in the
//! reference; every one defaults to "unused", and a program that uses none
//! of them behaves exactly as the reference's.

use std::time::Duration;

use crate::datatypes::{Invalid, Signal};

/// Something to probe: a TCP port, an HTTP URL, or a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// A TCP `connect()` succeeds.
    Tcp {
        /// Host name or address.
        host: String,
        /// Port.
        port: u16,
    },
    /// An HTTP GET answers 200 to 399.
    Http {
        /// Host name or address.
        host: String,
        /// Port (80 when not written).
        port: u16,
        /// Path and query (`/` when not written).
        path: String,
    },
    /// `/bin/sh -c COMMAND` exits 0.
    Exec(String),
}

impl Probe {
    /// As it is written in the configuration (`tcp:127.0.0.1:5432`).
    pub fn describe(&self) -> String {
        match self {
            Probe::Tcp { host, port } => format!("tcp:{host}:{port}"),
            Probe::Http { host, port, path } => format!("http://{host}:{port}{path}"),
            Probe::Exec(cmd) => format!("exec:{cmd}"),
        }
    }
}

/// A regular expression matched against each line of a program's output.
#[derive(Debug, Clone)]
pub struct LogPattern(pub regex_lite::Regex);

impl PartialEq for LogPattern {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_str() == other.0.as_str()
    }
}

impl Eq for LogPattern {}

/// Where a program's "I am ready" comes from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ReadyCheck {
    /// No check: the reference's rule (up for `startsecs`).
    #[default]
    None,
    /// `READY=1` on `$NOTIFY_SOCKET` (the sd_notify protocol).
    Notify,
    /// A line written on file descriptor N (s6's protocol).
    Fd(i32),
    /// A probe that succeeds.
    Probe(Probe),
    /// A line of output that matches.
    Log(LogPattern),
}

impl ReadyCheck {
    /// As it is written in the configuration.
    pub fn describe(&self) -> String {
        match self {
            ReadyCheck::None => "none".into(),
            ReadyCheck::Notify => "notify".into(),
            ReadyCheck::Fd(n) => format!("fd:{n}"),
            ReadyCheck::Probe(p) => p.describe(),
            ReadyCheck::Log(re) => format!("log:{}", re.0.as_str()),
        }
    }
}

/// What a process of a dependency must be doing for the dependent to start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// Spawned: STARTING or later.
    Started,
    /// RUNNING (ready, when it has a readiness check).
    Running,
    /// RUNNING and its health check passes.
    Healthy,
    /// EXITED, with any status.
    Completed,
    /// EXITED with an expected status.
    CompletedSuccessfully,
}

impl Condition {
    /// Every condition, by name.
    pub const ALL: [(&'static str, Condition); 5] = [
        ("started", Condition::Started),
        ("running", Condition::Running),
        ("healthy", Condition::Healthy),
        ("completed", Condition::Completed),
        ("completed_successfully", Condition::CompletedSuccessfully),
    ];

    /// Its name as written.
    pub fn name(self) -> &'static str {
        Condition::ALL.iter().find(|(_, c)| *c == self).map_or("running", |(n, _)| n)
    }

    fn of(name: &str) -> Option<Condition> {
        Condition::ALL.iter().find(|(n, _)| *n == name).map(|(_, c)| *c)
    }
}

/// What a dependency names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `name`: every process of the program (or group) of that name.
    Program(String),
    /// `group:*`: every process of the group.
    Group(String),
    /// `group:name`: one process.
    Process(String, String),
}

impl Target {
    /// As written.
    pub fn describe(&self) -> String {
        match self {
            Target::Program(n) => n.clone(),
            Target::Group(g) => format!("{g}:*"),
            Target::Process(g, p) => format!("{g}:{p}"),
        }
    }
}

/// One entry of `depends_on`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    /// What it names.
    pub target: Target,
    /// What that must be doing.
    pub condition: Condition,
}

impl Dependency {
    /// `db (running)`, as descriptions show it.
    pub fn describe(&self) -> String {
        format!("{} ({})", self.target.describe(), self.condition.name())
    }
}

/// What happens to a dependent when a dependency stops holding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Binding {
    /// Nothing (the condition matters only at start).
    #[default]
    None,
    /// The dependent is stopped.
    Stop,
    /// The dependent is stopped, and started again when it holds again.
    Restart,
}

/// What a process that turns unhealthy gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HealthAction {
    /// Stopped and started again.
    #[default]
    Restart,
    /// Stopped.
    Stop,
    /// Nothing; the flag is shown.
    None,
}

/// The health check of a program and its settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthCheck {
    /// What is probed.
    pub probe: Probe,
    /// Time between checks.
    pub interval: Duration,
    /// Time one check may take.
    pub timeout: Duration,
    /// Time after RUNNING before the first check.
    pub initial_delay: Duration,
    /// Failures in a row that make the process unhealthy.
    pub failure_threshold: u32,
    /// Successes in a row that make it healthy again.
    pub success_threshold: u32,
    /// What happens when it turns unhealthy.
    pub action: HealthAction,
}

/// Readiness, watchdog, health and dependency settings of one process.
/// The default is "none of them".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checks {
    /// Where "ready" comes from.
    pub ready_check: ReadyCheck,
    /// How long a start may wait for ready (`None`: no limit).
    pub ready_timeout: Option<Duration>,
    /// Time between readiness probes.
    pub ready_check_interval: Duration,
    /// Time one readiness probe may take.
    pub ready_check_timeout: Duration,
    /// `WATCHDOG=1` is required this often once RUNNING (`None`: off).
    pub watchdog: Option<Duration>,
    /// Sent when the watchdog expires.
    pub watchdog_signal: Signal,
    /// The health check, if any.
    pub health: Option<HealthCheck>,
    /// What must hold before this process starts.
    pub depends_on: Vec<Dependency>,
    /// What a dependency that stops holding does to it.
    pub binding: Binding,
}

impl Default for Checks {
    fn default() -> Self {
        Checks {
            ready_check: ReadyCheck::None,
            ready_timeout: Some(Duration::from_secs(90)),
            ready_check_interval: Duration::from_secs(1),
            ready_check_timeout: Duration::from_secs(1),
            watchdog: None,
            watchdog_signal: Signal::ABRT,
            health: None,
            depends_on: Vec::new(),
            binding: Binding::None,
        }
    }
}

impl Checks {
    /// `Checks::default()`, one allocation shared by every process that
    /// uses none of these settings.
    pub fn unused() -> std::sync::Arc<Checks> {
        static UNUSED: std::sync::LazyLock<std::sync::Arc<Checks>> =
            std::sync::LazyLock::new(|| std::sync::Arc::new(Checks::default()));
        UNUSED.clone()
    }

    /// Shared as [`Checks::unused`] when it is the default.
    pub fn shared(self) -> std::sync::Arc<Checks> {
        if self == Checks::default() { Checks::unused() } else { std::sync::Arc::new(self) }
    }

    /// Whether the process uses any of these settings (only those show the
    /// extra members in process info).
    pub fn in_use(&self) -> bool {
        self.ready_check != ReadyCheck::None
            || self.watchdog.is_some()
            || self.health.is_some()
            || !self.depends_on.is_empty()
    }

    /// Whether the child needs `$NOTIFY_SOCKET`.
    pub fn wants_notify(&self) -> bool {
        self.ready_check == ReadyCheck::Notify || self.watchdog.is_some()
    }
}

/// `tcp:HOST:PORT`, `http://HOST[:PORT][/PATH]` or `exec:COMMAND`.
pub fn probe(text: &str) -> Result<Probe, Invalid> {
    if let Some(rest) = text.strip_prefix("tcp:") {
        let (host, port) = host_port(rest, None)
            .ok_or_else(|| Invalid(format!("'{text}' is not tcp:HOST:PORT")))?;
        return Ok(Probe::Tcp { host, port });
    }
    if let Some(rest) = text.strip_prefix("http://") {
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let (host, port) = host_port(authority, Some(80))
            .ok_or_else(|| Invalid(format!("'{text}' is not http://HOST[:PORT][/PATH]")))?;
        return Ok(Probe::Http { host, port, path: path.to_owned() });
    }
    if text.starts_with("https://") {
        return Err(Invalid(format!(
            "'{text}': https is not supported; use tcp:HOST:PORT or exec:COMMAND"
        )));
    }
    if let Some(cmd) = text.strip_prefix("exec:") {
        if cmd.trim().is_empty() {
            return Err(Invalid(format!("'{text}' names no command")));
        }
        return Ok(Probe::Exec(cmd.trim().to_owned()));
    }
    Err(Invalid(format!("'{text}' is not tcp:HOST:PORT, http://HOST:PORT/PATH or exec:COMMAND")))
}

/// `HOST:PORT` (or `HOST` with a default port); `[::1]:80` for IPv6.
fn host_port(text: &str, default_port: Option<u16>) -> Option<(String, u16)> {
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (h, after) = rest.split_once(']')?;
        match after.strip_prefix(':') {
            Some(p) => (h, Some(p)),
            None if after.is_empty() => (h, None),
            None => return None,
        }
    } else {
        match text.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (text, None),
        }
    };
    let port = match port {
        Some(p) => p.parse::<u16>().ok().filter(|p| *p > 0)?,
        None => default_port?,
    };
    (!host.is_empty() && !host.contains(char::is_whitespace)).then(|| (host.to_owned(), port))
}

/// `ready_check`: `none`, `notify`, `fd:N`, a probe, or `log:REGEX`.
pub fn ready_check(text: &str) -> Result<ReadyCheck, Invalid> {
    match text {
        "none" => return Ok(ReadyCheck::None),
        "notify" => return Ok(ReadyCheck::Notify),
        _ => {}
    }
    if let Some(n) = text.strip_prefix("fd:") {
        return match n.parse::<i32>() {
            Ok(n) if (3..=1023).contains(&n) => Ok(ReadyCheck::Fd(n)),
            _ => Err(Invalid(format!("'{text}': the descriptor must be from 3 to 1023"))),
        };
    }
    if let Some(pattern) = text.strip_prefix("log:") {
        return regex_lite::Regex::new(pattern)
            .map(|re| ReadyCheck::Log(LogPattern(re)))
            .map_err(|e| Invalid(format!("'{pattern}' is not a regular expression: {e}")));
    }
    probe(text).map(ReadyCheck::Probe).map_err(|_| {
        Invalid(format!(
            "'{text}' is not none, notify, fd:N, tcp:HOST:PORT, http://HOST:PORT/PATH, exec:COMMAND or log:REGEX"
        ))
    })
}

/// `health_check`: `none` or a probe.
pub fn health_probe(text: &str) -> Result<Option<Probe>, Invalid> {
    if text == "none" { Ok(None) } else { probe(text).map(Some) }
}

/// `depends_on`: specs separated by commas and/or white space.
pub fn depends_on(text: &str) -> Result<Vec<Dependency>, Invalid> {
    let mut out = Vec::new();
    for spec in text.split(|c: char| c == ',' || c.is_whitespace()).filter(|s| !s.is_empty()) {
        let (target, condition) = match spec.rsplit_once(':') {
            Some((t, c)) if Condition::of(c).is_some() => (t, Condition::of(c)),
            _ => (spec, None),
        };
        let target = match target.split_once(':') {
            None => Target::Program(target.to_owned()),
            Some((g, "*")) => Target::Group(g.to_owned()),
            Some((g, p)) => Target::Process(g.to_owned(), p.to_owned()),
        };
        let bad = |t: &str| t.is_empty() || t.contains(':');
        let names_ok = match &target {
            Target::Program(n) | Target::Group(n) => !bad(n),
            Target::Process(g, p) => !bad(g) && !bad(p),
        };
        if !names_ok {
            return Err(Invalid(format!(
                "'{spec}' is not NAME, GROUP:* or GROUP:NAME[:CONDITION]"
            )));
        }
        let condition = condition.unwrap_or(Condition::Running);
        out.push(Dependency { target, condition });
    }
    Ok(out)
}

/// `dependency_binding`: `none`, `stop` or `restart`.
pub fn binding(text: &str) -> Result<Binding, Invalid> {
    match text {
        "none" => Ok(Binding::None),
        "stop" => Ok(Binding::Stop),
        "restart" => Ok(Binding::Restart),
        _ => Err(Invalid(format!("'{text}' is not none, stop or restart"))),
    }
}

/// `health_check_action`: `restart`, `stop` or `none`.
pub fn health_action(text: &str) -> Result<HealthAction, Invalid> {
    match text {
        "restart" => Ok(HealthAction::Restart),
        "stop" => Ok(HealthAction::Stop),
        "none" => Ok(HealthAction::None),
        _ => Err(Invalid(format!("'{text}' is not restart, stop or none"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes() {
        let tcp = |h: &str, p| Ok(Probe::Tcp { host: h.into(), port: p });
        let http =
            |h: &str, p, path: &str| Ok(Probe::Http { host: h.into(), port: p, path: path.into() });
        let rows: &[(&str, Result<Probe, ()>)] = &[
            ("tcp:127.0.0.1:5432", tcp("127.0.0.1", 5432)),
            ("tcp:db:1", tcp("db", 1)),
            ("tcp:[::1]:80", tcp("::1", 80)),
            ("tcp:db", Err(())),
            ("tcp:db:0", Err(())),
            ("tcp:db:70000", Err(())),
            ("tcp::80", Err(())),
            ("http://127.0.0.1:8080/health", http("127.0.0.1", 8080, "/health")),
            ("http://web/", http("web", 80, "/")),
            ("http://web", http("web", 80, "/")),
            ("http://web:81/a?b=c", http("web", 81, "/a?b=c")),
            ("https://web/", Err(())),
            ("exec:pg_isready -q", Ok(Probe::Exec("pg_isready -q".into()))),
            ("exec:  ", Err(())),
            ("ping", Err(())),
        ];
        for (text, want) in rows {
            assert_eq!(probe(text).map_err(|_| ()), *want, "{text}");
        }
        assert_eq!(probe("tcp:db:5").map(|p| p.describe()), Ok("tcp:db:5".into()));
    }

    #[test]
    fn ready_checks() {
        assert_eq!(ready_check("none"), Ok(ReadyCheck::None));
        assert_eq!(ready_check("notify"), Ok(ReadyCheck::Notify));
        assert_eq!(ready_check("fd:3"), Ok(ReadyCheck::Fd(3)));
        assert!(ready_check("fd:2").is_err());
        assert!(ready_check("fd:x").is_err());
        let log = ready_check("log:^listening on \\d+").unwrap();
        assert_eq!(log.describe(), "log:^listening on \\d+");
        assert!(ready_check("log:(").is_err());
        assert!(matches!(ready_check("tcp:h:1"), Ok(ReadyCheck::Probe(Probe::Tcp { .. }))));
        assert!(ready_check("sometimes").unwrap_err().0.contains("is not none, notify"));
    }

    #[test]
    fn dependencies() {
        let d = |t: Target, c| Dependency { target: t, condition: c };
        let p = |n: &str| Target::Program(n.into());
        assert_eq!(depends_on(""), Ok(vec![]));
        assert_eq!(
            depends_on("db, cache:started  web:healthy"),
            Ok(vec![
                d(p("db"), Condition::Running),
                d(p("cache"), Condition::Started),
                d(p("web"), Condition::Healthy)
            ])
        );
        assert_eq!(
            depends_on("g:*:completed_successfully,g:x,g:running:running"),
            Ok(vec![
                d(Target::Group("g".into()), Condition::CompletedSuccessfully),
                d(Target::Process("g".into(), "x".into()), Condition::Running),
                d(Target::Process("g".into(), "running".into()), Condition::Running),
            ])
        );
        assert!(depends_on("a:b:c:d").is_err());
        assert!(depends_on(":running").is_err());
        assert_eq!(d(p("db"), Condition::Running).describe(), "db (running)");
        assert_eq!(binding("restart"), Ok(Binding::Restart));
        assert!(binding("always").is_err());
        assert_eq!(health_action("none"), Ok(HealthAction::None));
        assert!(health_action("kill").is_err());
        assert_eq!(health_probe("none"), Ok(None));
    }
}
