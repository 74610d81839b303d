//! Value converters, one per value type of `supervisord.conf`, each accepting
//! what the reference accepts and failing with the reference's message.
//!
//! Every converter returns `Err(Invalid::from(message))` with the reference's wording; the
//! loader adds the location and an [`Expect`] hint. Converters that look at
//! the machine (paths, users) take a [`Host`].

use crate::host::Host;
use crate::paths;
use crate::pyrepr::py_repr;

/// What a value type accepts, in words for the "expected" line of an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// An integer.
    Integer,
    /// A boolean.
    Boolean,
    /// `true`, `false` or `unexpected`.
    AutoRestart,
    /// A byte size.
    ByteSize,
    /// A signal.
    Signal,
    /// Exit codes.
    ExitCodes,
    /// An octal number.
    Octal,
    /// A log level.
    LogLevel,
    /// A log file name.
    LogFile,
    /// A path whose directory exists.
    DirPath,
    /// An existing directory.
    Directory,
    /// A user.
    User,
    /// `user[:group]`.
    UserGroup,
    /// `KEY=value` pairs.
    Environment,
    /// A TCP port or address.
    InetAddress,
    /// A process or group name.
    Name,
    /// A URL.
    Url,
    /// A `%(name)s` expansion.
    Expansion,
    /// A list of event type names.
    EventNames,
    /// An fcgi socket address.
    FcgiSocket,
    /// A value within bounds.
    Range(i64, i64),
    /// A byte size from 0 to the bound.
    ByteRange(i64),
    /// A setting that must be present.
    Required,
    /// Free text explained by the message itself.
    Other(&'static str),
}

impl Expect {
    /// The hint, in our words.
    pub fn describe(self) -> String {
        match self {
            Expect::Integer => "an integer, e.g. 10".into(),
            Expect::Boolean => "true/false, yes/no, on/off or 1/0".into(),
            Expect::AutoRestart => "true, false or unexpected".into(),
            Expect::ByteSize => "a byte count, optionally with KB, MB or GB, e.g. 50MB".into(),
            Expect::Signal => {
                "a signal name such as TERM, HUP, INT, QUIT, KILL, USR1, USR2 (with or without SIG), or its number".into()
            }
            Expect::ExitCodes => "a comma-separated list of exit codes from 0 to 255, e.g. 0,2".into(),
            Expect::Octal => "an octal number, e.g. 022 or 0700".into(),
            Expect::LogLevel => {
                "one of critical, error, warn, info, debug, trace, blather".into()
            }
            Expect::LogFile => {
                "AUTO, NONE, syslog, or a file path in an existing directory".into()
            }
            Expect::DirPath => "a file path in an existing directory".into(),
            Expect::Directory => "an existing directory".into(),
            Expect::User => "an existing user name or numeric user id".into(),
            Expect::UserGroup => "an existing user, or user:group".into(),
            Expect::Environment => {
                "comma-separated KEY=value pairs; quote values holding commas or spaces: KEY=\"a b\",K2=v2".into()
            }
            Expect::InetAddress => "a port (1-65535), host:port, *:port or :port".into(),
            Expect::Name => "a name without spaces, ':' or '/'".into(),
            Expect::Url => "a URL such as http://localhost:9001 or unix:///tmp/supervisor.sock".into(),
            Expect::Expansion => {
                "only the names listed; write %% for a literal %".into()
            }
            Expect::EventNames => format!(
                "a comma-separated list of event types: {}",
                crate::model::EVENT_TYPES.join(", ")
            ),
            Expect::FcgiSocket => {
                "tcp://host:port or unix:///absolute/path".into()
            }
            Expect::Range(lo, hi) => format!("an integer from {lo} to {hi}"),
            Expect::ByteRange(hi) => format!(
                "a byte count from 0 to {hi} ({} TB), optionally with KB, MB or GB, e.g. 50MB",
                hi >> 40
            ),
            Expect::Required => "this setting to be present".into(),
            Expect::Other(s) => s.into(),
        }
    }
}

/// A value a converter refuses, with the reference's message for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub String);

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<Invalid> for String {
    fn from(e: Invalid) -> Self {
        e.0
    }
}

impl From<&str> for Invalid {
    fn from(message: &str) -> Self {
        Invalid(message.to_owned())
    }
}

impl From<String> for Invalid {
    fn from(message: String) -> Self {
        Invalid(message)
    }
}

/// Python's `int(text)` for base 10.
pub fn py_int(text: &str) -> Result<i64, Invalid> {
    let bad = || format!("invalid literal for int() with base 10: {}", py_repr(text));
    let t = text.trim();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
        || !digits.chars().all(|c| c.is_ascii_digit() || c == '_')
    {
        return Err(Invalid::from(bad()));
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    let n: i64 = clean.parse().map_err(|_| {
        // Python integers are unbounded; ours are 64-bit (docs/compatibility.md).
        format!("{} is out of range (64-bit integers only)", py_repr(text))
    })?;
    Ok(if neg { -n } else { n })
}

/// `integer`.
pub fn integer(text: &str) -> Result<i64, Invalid> {
    py_int(text)
}

const TRUTHY: [&str; 4] = ["yes", "true", "on", "1"];
const FALSY: [&str; 4] = ["no", "false", "off", "0"];

/// `forward_output_format` (ours).
pub fn forward_format(text: &str) -> Result<crate::model::ForwardFormat, Invalid> {
    use crate::model::ForwardFormat as F;
    match text.trim().to_lowercase().as_str() {
        "off" => Ok(F::Off),
        "raw" => Ok(F::Raw),
        "prefixed" => Ok(F::Prefixed),
        "json" => Ok(F::Json),
        "cri" => Ok(F::Cri),
        _ => Err(Invalid::from(format!("invalid forward_output_format {text:?}"))),
    }
}

/// `timestamp_format` (ours): `rfc3339`, `local`, or a strftime pattern
/// (it must hold a `%` directive).
pub fn timestamp_format(text: &str) -> Result<crate::model::TimestampFormat, Invalid> {
    use crate::model::TimestampFormat as T;
    match text.trim() {
        "rfc3339" => Ok(T::Rfc3339),
        "local" => Ok(T::Local),
        t if t.contains('%') && !t.contains('\n') => Ok(T::Pattern(t.to_owned())),
        _ => Err(Invalid::from(format!("invalid timestamp_format {text:?}"))),
    }
}

/// `log_format` (ours).
pub fn log_format(text: &str) -> Result<crate::model::LogFormat, Invalid> {
    match text.trim().to_lowercase().as_str() {
        "text" => Ok(crate::model::LogFormat::Text),
        "json" => Ok(crate::model::LogFormat::Json),
        _ => Err(Invalid::from(format!("invalid log_format {text:?}"))),
    }
}

/// `boolean`.
pub fn boolean(text: &str) -> Result<bool, Invalid> {
    let l = text.to_lowercase();
    if TRUTHY.contains(&l.as_str()) {
        Ok(true)
    } else if FALSY.contains(&l.as_str()) {
        Ok(false)
    } else {
        Err(Invalid::from(format!("not a valid boolean value: {}", py_repr(text))))
    }
}

/// `list_of_strings`: comma-separated, each stripped; empty gives none.
pub fn list_of_strings(text: &str) -> Vec<String> {
    if text.is_empty() {
        return Vec::new();
    }
    text.split(',').map(|s| s.trim().to_owned()).collect()
}

/// `list_of_exitcodes`.
pub fn list_of_exitcodes(text: &str) -> Result<Vec<i32>, Invalid> {
    let bad = || format!("not a valid list of exit codes: {}", py_repr(text));
    if text.is_empty() {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|s| match py_int(s) {
            Ok(n) if (0..=255).contains(&n) => Ok(n as i32),
            _ => Err(Invalid::from(bad())),
        })
        .collect()
}

/// When to restart a process that exited. Its `Default` is the key
/// table's default (a test holds them equal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AutoRestart {
    /// Never restart.
    Never,
    /// Restart when the exit code is not in `exitcodes`.
    #[default]
    Unexpected,
    /// Always restart.
    Always,
}

/// `auto_restart`.
pub fn auto_restart(text: &str) -> Result<AutoRestart, Invalid> {
    let l = text.to_lowercase();
    if TRUTHY.contains(&l.as_str()) {
        Ok(AutoRestart::Always)
    } else if FALSY.contains(&l.as_str()) {
        Ok(AutoRestart::Never)
    } else if l == "unexpected" {
        Ok(AutoRestart::Unexpected)
    } else {
        Err(Invalid::from(format!("invalid 'autorestart' value {}", py_repr(&l))))
    }
}

/// `byte_size`: an integer with an optional `KB`/`MB`/`GB` suffix.
pub fn byte_size(text: &str) -> Result<i64, Invalid> {
    let l = text.to_lowercase();
    for (suffix, mult) in [("kb", 1i64 << 10), ("mb", 1 << 20), ("gb", 1 << 30)] {
        if let Some(n) = l.strip_suffix(suffix) {
            return py_int(n)?.checked_mul(mult).ok_or_else(|| {
                Invalid(format!("{} is out of range (64-bit integers only)", py_repr(text)))
            });
        }
    }
    py_int(&l)
}

/// `octal_type`.
pub fn octal_type(text: &str) -> Result<u32, Invalid> {
    let bad = || format!("{text} can not be converted to an octal type");
    let t = text.trim();
    let (neg, rest) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let rest = rest.strip_prefix("0o").or_else(|| rest.strip_prefix("0O")).unwrap_or(rest);
    let rest =
        rest.strip_prefix('_').filter(|_| t.contains("0o") || t.contains("0O")).unwrap_or(rest);
    if neg
        || rest.is_empty()
        || rest.starts_with('_')
        || rest.ends_with('_')
        || rest.contains("__")
        || !rest.chars().all(|c| ('0'..='7').contains(&c) || c == '_')
    {
        return Err(Invalid::from(bad()));
    }
    let clean: String = rest.chars().filter(|c| *c != '_').collect();
    u32::from_str_radix(&clean, 8).map_err(|_| Invalid(bad()))
}

/// A log level of the main log. Its `Default` is the key table's default
/// (a test holds them equal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum LogLevel {
    /// `blather` (3).
    Blather = 3,
    /// `trace` (5).
    Trace = 5,
    /// `debug` (10).
    Debug = 10,
    /// `info` (20).
    #[default]
    Info = 20,
    /// `warn` (30).
    Warn = 30,
    /// `error` (40).
    Error = 40,
    /// `critical` (50).
    Critical = 50,
}

impl LogLevel {
    /// The four-letter tag written in log lines.
    pub fn tag(self) -> &'static str {
        match self {
            LogLevel::Blather => "BLAT",
            LogLevel::Trace => "TRAC",
            LogLevel::Debug => "DEBG",
            LogLevel::Info => "INFO",
            LogLevel::Warn => "WARN",
            LogLevel::Error => "ERRO",
            LogLevel::Critical => "CRIT",
        }
    }
}

/// `logging_level`.
pub fn logging_level(text: &str) -> Result<LogLevel, Invalid> {
    Ok(match text.to_lowercase().as_str() {
        "critical" => LogLevel::Critical,
        "error" => LogLevel::Error,
        "warn" => LogLevel::Warn,
        "info" => LogLevel::Info,
        "debug" => LogLevel::Debug,
        "trace" => LogLevel::Trace,
        "blather" => LogLevel::Blather,
        _ => return Err(Invalid::from(format!("bad logging level name {}", py_repr(text)))),
    })
}

/// Linux signal names and numbers, as Python's `signal` module lists them
/// (the `SIG_*` handler and mask constants included, as the reference
/// accepts them).
pub const SIGNALS: &[(&str, i32)] = &[
    ("ABRT", 6),
    ("ALRM", 14),
    ("BUS", 7),
    ("CHLD", 17),
    ("CLD", 17),
    ("CONT", 18),
    ("FPE", 8),
    ("HUP", 1),
    ("ILL", 4),
    ("INT", 2),
    ("IO", 29),
    ("IOT", 6),
    ("KILL", 9),
    ("PIPE", 13),
    ("POLL", 29),
    ("PROF", 27),
    ("PWR", 30),
    ("QUIT", 3),
    ("RTMAX", 64),
    ("RTMIN", 34),
    ("SEGV", 11),
    ("STKFLT", 16),
    ("STOP", 19),
    ("SYS", 31),
    ("TERM", 15),
    ("TRAP", 5),
    ("TSTP", 20),
    ("TTIN", 21),
    ("TTOU", 22),
    ("URG", 23),
    ("USR1", 10),
    ("USR2", 12),
    ("VTALRM", 26),
    ("WINCH", 28),
    ("XCPU", 24),
    ("XFSZ", 25),
    ("_BLOCK", 0),
    ("_DFL", 0),
    ("_IGN", 1),
    ("_SETMASK", 2),
    ("_UNBLOCK", 1),
];

/// The conventional name of a signal number (`TERM` for 15), if it has one.
pub fn signal_name(num: i32) -> Option<&'static str> {
    SIGNALS
        .iter()
        .find(|(n, v)| {
            *v == num && !n.starts_with('_') && *n != "CLD" && *n != "IOT" && *n != "POLL"
        })
        .map(|s| s.0)
}

/// `signal_number`.
pub fn signal_number(text: &str) -> Result<i32, Invalid> {
    let num = match py_int(text) {
        Ok(n) => n,
        Err(_) => {
            let upper = text.trim().to_uppercase();
            let name = upper.strip_prefix("SIG").unwrap_or(&upper);
            match SIGNALS.iter().find(|(n, _)| *n == name) {
                Some((_, v)) => i64::from(*v),
                None => {
                    return Err(Invalid::from(format!(
                        "value {} is not a valid signal name",
                        py_repr(text)
                    )));
                }
            }
        }
    };
    if SIGNALS.iter().any(|(_, v)| i64::from(*v) == num) {
        Ok(num as i32)
    } else {
        Err(Invalid::from(format!("value {} is not a valid signal number", py_repr(text))))
    }
}

/// A signal a setting names, checked when the file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signal(i32);

/// SIGTERM, the key table's default `stopsignal` (a test holds them equal).
impl Default for Signal {
    fn default() -> Self {
        Signal::TERM
    }
}

impl Signal {
    /// SIGTERM, the default stop signal.
    pub const TERM: Signal = Signal(15);

    /// SIGABRT, the default watchdog signal.
    pub const ABRT: Signal = Signal(6);

    /// The signal a setting's text names (`signal_number`'s rules).
    pub fn parse(text: &str) -> Result<Signal, Invalid> {
        signal_number(text).map(Signal)
    }

    /// Its number.
    pub fn number(self) -> i32 {
        self.0
    }
}

/// `process_or_group_name`: stripped; no space, `:` or `/`.
pub fn process_or_group_name(text: &str) -> Result<String, Invalid> {
    let s = text.trim();
    for c in [' ', ':', '/'] {
        if s.contains(c) {
            return Err(Invalid::from(format!(
                "Invalid name: {} because of character: {}",
                py_repr(text),
                py_repr(&c.to_string())
            )));
        }
    }
    Ok(s.to_owned())
}

/// `inet_address`: `(host, port)`, host empty for all interfaces.
pub fn inet_address(text: &str) -> Result<(String, u16), Invalid> {
    let port_number = |s: &str| -> Result<u16, Invalid> {
        let v = py_int(s)?;
        if v < 1 {
            return Err(Invalid::from(format!("{v} is below lower bound (1)")));
        }
        if v > 65535 {
            return Err(Invalid::from(format!("{v} is above upper bound (65535)")));
        }
        Ok(v as u16)
    };
    let mut host = String::new();
    let port;
    if let Some(i) = text.rfind(':') {
        let p = &text[i + 1..];
        if p.is_empty() {
            return Err(Invalid::from(format!("no port number specified in {}", py_repr(p))));
        }
        port = port_number(p)?;
        host = text[..i].to_lowercase();
    } else {
        port = port_number(text)
            .map_err(|_| format!("not a valid port number: {} ", py_repr(text)))?;
    }
    if host == "*" {
        host.clear();
    }
    Ok((host, port))
}

/// `url`: has a scheme and a host or path, as `urlparse` sees it.
pub fn url(text: &str) -> Result<String, Invalid> {
    let bad = || format!("value {} is not a URL", py_repr(text));
    let Some(i) = text.find(':') else { return Err(Invalid::from(bad())) };
    let scheme = &text[..i];
    let valid_scheme = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    if !valid_scheme {
        return Err(Invalid::from(bad()));
    }
    let rest = &text[i + 1..];
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    if rest.is_empty() || rest == "//" { Err(Invalid::from(bad())) } else { Ok(text.to_owned()) }
}

/// Key/value pairs in the order first seen (later duplicates replace).
pub type EnvPairs = Vec<(String, String)>;

/// `dict_of_key_value_pairs`: `KEY=val,KEY2="v 2"`, tokenised as Python's
/// non-POSIX `shlex` does with `/.+-():` added to the word characters.
pub fn dict_of_key_value_pairs(text: &str) -> Result<EnvPairs, Invalid> {
    let tokens = shlex_tokens(text)?;
    let mut out: EnvPairs = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let triple = &tokens[i..tokens.len().min(i + 3)];
        if triple.len() != 3 || triple[1] != "=" {
            return Err(Invalid::from(format!(
                "Unexpected end of key/value pairs in value '{text}'"
            )));
        }
        let v = triple[2].trim_matches(['\'', '"']).to_owned();
        match out.iter_mut().find(|(k, _)| *k == triple[0]) {
            Some(slot) => slot.1 = v,
            None => out.push((triple[0].clone(), v)),
        }
        i += 4;
    }
    Ok(out)
}

/// The tokens of Python's `shlex.shlex(text)` (non-POSIX mode) with
/// `wordchars += '/.+-():'`. Hand-written: the `shlex` crate implements the
/// POSIX mode only.
fn shlex_tokens(text: &str) -> Result<Vec<String>, String> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || "_/.+-():".contains(c);
    let is_space = |c: char| " \t\r\n".contains(c);
    let is_quote = |c: char| c == '\'' || c == '"';
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    let skip_line = |i: &mut usize| {
        while *i < chars.len() && chars[*i] != '\n' {
            *i += 1;
        }
        *i += 1;
    };
    loop {
        // Whitespace state.
        while i < chars.len() && is_space(chars[i]) {
            i += 1;
        }
        if i >= chars.len() {
            break;
        }
        let c = chars[i];
        i += 1;
        if c == '#' {
            skip_line(&mut i);
            continue;
        }
        if is_quote(c) {
            let mut tok = String::from(c);
            loop {
                let Some(&n) = chars.get(i) else {
                    return Err("No closing quotation".to_owned());
                };
                i += 1;
                tok.push(n);
                if n == c {
                    break;
                }
            }
            tokens.push(tok);
            continue;
        }
        if !is_word(c) {
            tokens.push(c.to_string());
            continue;
        }
        let mut tok = String::from(c);
        while let Some(&n) = chars.get(i) {
            if is_space(n) {
                break;
            } else if n == '#' {
                // Non-POSIX shlex skips the rest of the line and keeps the word going.
                skip_line(&mut i);
            } else if is_word(n) || is_quote(n) {
                tok.push(n);
                i += 1;
            } else {
                break;
            }
        }
        tokens.push(tok);
    }
    Ok(tokens)
}

/// Where a process's output goes, as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogFile {
    /// `NONE`/`OFF`: not logged.
    None,
    /// `AUTO`: a file in `childlogdir`, named at startup.
    Auto,
    /// The deprecated `syslog` name (rewritten by the loader).
    Syslog,
    /// A path (after `~` expansion).
    Path(String),
}

fn home_of(host: &dyn Host) -> Option<String> {
    host.env_var("HOME").or_else(|| host.user_by_uid(host.uid()).map(|u| u.home))
}

/// `os.path.expanduser` with the host's home directories.
pub fn expanduser(host: &dyn Host, text: &str) -> String {
    let home = home_of(host);
    paths::expanduser(text, home.as_deref(), &|u| host.user_by_name(u).map(|e| e.home))
}

/// The reference's `normalize_path` with the host's cwd and home.
pub fn normalize_path(host: &dyn Host, text: &str) -> String {
    paths::abspath(&expanduser(host, text), &host.cwd())
}

/// `existing_dirpath`.
pub fn existing_dirpath(host: &dyn Host, text: &str) -> Result<String, Invalid> {
    let nv = expanduser(host, text);
    let dir = paths::dirname(&nv);
    if dir.is_empty() || host.is_dir(&dir) {
        Ok(nv)
    } else {
        Err(Invalid::from(format!("The directory named as part of the path {text} does not exist")))
    }
}

/// `existing_directory`.
pub fn existing_directory(host: &dyn Host, text: &str) -> Result<String, Invalid> {
    let nv = expanduser(host, text);
    if host.is_dir(&nv) {
        Ok(nv)
    } else {
        Err(Invalid::from(format!("{text} is not an existing directory")))
    }
}

/// `logfile_name`.
pub fn logfile_name(host: &dyn Host, text: &str) -> Result<LogFile, Invalid> {
    Ok(match text.to_lowercase().as_str() {
        "none" | "off" => LogFile::None,
        "auto" => LogFile::Auto,
        "syslog" => LogFile::Syslog,
        _ => LogFile::Path(existing_dirpath(host, text)?),
    })
}

/// `name_to_uid`.
pub fn name_to_uid(host: &dyn Host, text: &str) -> Result<u32, Invalid> {
    match py_int(text) {
        Ok(n) => match u32::try_from(n).ok().and_then(|u| host.user_by_uid(u)) {
            Some(u) => Ok(u.uid),
            None => Err(Invalid::from(format!("Invalid user id {text}"))),
        },
        Err(_) => host
            .user_by_name(text)
            .map(|u| u.uid)
            .ok_or(Invalid(format!("Invalid user name {text}"))),
    }
}

/// `name_to_gid`.
pub fn name_to_gid(host: &dyn Host, text: &str) -> Result<u32, Invalid> {
    match py_int(text) {
        Ok(n) => match u32::try_from(n).ok().filter(|g| host.group_exists(*g)) {
            Some(g) => Ok(g),
            None => Err(Invalid::from(format!("Invalid group id {text}"))),
        },
        Err(_) => host.group_by_name(text).ok_or(Invalid(format!("Invalid group name {text}"))),
    }
}

/// `colon_separated_user_group`: `(uid, gid)` with `-1` for "unchanged".
pub fn colon_separated_user_group(host: &dyn Host, text: &str) -> Result<(i64, i64), Invalid> {
    let bad = || format!("Invalid user:group definition {text}");
    match text.split_once(':') {
        None => Ok((i64::from(name_to_uid(host, text).map_err(|_| bad())?), -1)),
        Some((u, g)) => Ok((
            i64::from(name_to_uid(host, u).map_err(|_| bad())?),
            i64::from(name_to_gid(host, g).map_err(|_| bad())?),
        )),
    }
}

#[cfg(test)]
#[path = "datatypes_tests.rs"]
mod tests;
