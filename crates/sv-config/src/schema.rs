//! Which keys each section type knows, and "did you mean" suggestions for the
//! ones it does not (a mistyped key is the most common configuration bug, and
//! the reference ignores it silently).

/// Keys of `[program:x]` (and the base of listeners and fcgi programs).
pub const PROGRAM_KEYS: &[&str] = &[
    "command",
    "process_name",
    "numprocs",
    "numprocs_start",
    "priority",
    "autostart",
    "autorestart",
    "startsecs",
    "startretries",
    "exitcodes",
    "stopsignal",
    "stopwaitsecs",
    "stopasgroup",
    "killasgroup",
    "user",
    "directory",
    "umask",
    "redirect_stderr",
    "stdout_logfile",
    "stdout_logfile_maxbytes",
    "stdout_logfile_backups",
    "stdout_capture_maxbytes",
    "stdout_events_enabled",
    "stdout_syslog",
    "stderr_logfile",
    "stderr_logfile_maxbytes",
    "stderr_logfile_backups",
    "stderr_capture_maxbytes",
    "stderr_events_enabled",
    "stderr_syslog",
    "environment",
    "serverurl",
];

/// Keys `[eventlistener:x]` adds.
pub const LISTENER_EXTRA_KEYS: &[&str] = &["events", "buffer_size", "result_handler"];
/// Keys `[fcgi-program:x]` adds.
pub const FCGI_EXTRA_KEYS: &[&str] = &["socket", "socket_backlog", "socket_owner", "socket_mode"];

/// Keys of `[supervisord]`.
pub const SUPERVISORD_KEYS: &[&str] = &[
    "logfile",
    "logfile_maxbytes",
    "logfile_backups",
    "loglevel",
    "pidfile",
    "umask",
    "nodaemon",
    "silent",
    "minfds",
    "minprocs",
    "nocleanup",
    "childlogdir",
    "user",
    "directory",
    "strip_ansi",
    "environment",
    "identifier",
];
/// Keys of `[unix_http_server]`.
pub const UNIX_KEYS: &[&str] = &["file", "chmod", "chown", "username", "password"];
/// Keys of `[inet_http_server]`.
pub const INET_KEYS: &[&str] = &["port", "username", "password"];
/// Keys of `[supervisorctl]`.
pub const CTL_KEYS: &[&str] = &["serverurl", "username", "password", "prompt", "history_file"];
/// Keys of `[group:x]`.
pub const GROUP_KEYS: &[&str] = &["programs", "priority"];
/// Keys of `[include]`.
pub const INCLUDE_KEYS: &[&str] = &["files"];

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
    let cat = |a: &[&'static str], b: &[&'static str]| -> Vec<&'static str> {
        a.iter().chain(b.iter()).copied().collect()
    };
    if name == "supervisord" {
        Keys::Section(SUPERVISORD_KEYS.to_vec())
    } else if name == "supervisorctl" {
        Keys::Section(CTL_KEYS.to_vec())
    } else if name == "include" {
        Keys::Section(INCLUDE_KEYS.to_vec())
    } else if name.starts_with("unix_http_server") {
        Keys::Section(UNIX_KEYS.to_vec())
    } else if name.starts_with("inet_http_server") {
        Keys::Section(INET_KEYS.to_vec())
    } else if name.starts_with("program:") {
        Keys::Section(PROGRAM_KEYS.to_vec())
    } else if name.starts_with("eventlistener:") {
        Keys::Section(cat(PROGRAM_KEYS, LISTENER_EXTRA_KEYS))
    } else if name.starts_with("fcgi-program:") {
        Keys::Section(cat(PROGRAM_KEYS, FCGI_EXTRA_KEYS))
    } else if name.starts_with("group:") {
        Keys::Section(GROUP_KEYS.to_vec())
    } else if name.starts_with("rpcinterface:") || name.starts_with("ctlplugin:") {
        Keys::Any
    } else {
        Keys::UnknownSection
    }
}

/// Every key any section accepts (for `[DEFAULT]`).
pub fn all_keys() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = [
        PROGRAM_KEYS,
        LISTENER_EXTRA_KEYS,
        FCGI_EXTRA_KEYS,
        SUPERVISORD_KEYS,
        UNIX_KEYS,
        INET_KEYS,
        CTL_KEYS,
        GROUP_KEYS,
        INCLUDE_KEYS,
    ]
    .concat();
    v.sort_unstable();
    v.dedup();
    v
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
        let p = PROGRAM_KEYS.iter().copied();
        assert_eq!(suggest("autostrat", p.clone()), Some("autostart"));
        assert_eq!(suggest("comand", p.clone()), Some("command"));
        assert_eq!(suggest("stdout_logfile_maxbyte", p.clone()), Some("stdout_logfile_maxbytes"));
        assert_eq!(suggest("xyzzy", p), None);
        assert_eq!(suggest_section("programs:web").as_deref(), Some("program:web"));
        assert_eq!(suggest_section("Program:web").as_deref(), Some("program:web"));
        assert_eq!(suggest_section("supervisor").as_deref(), Some("supervisord"));
        assert_eq!(suggest_section("totally-else"), None);
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
