//! `supervisord`: command line, configuration, and (from the daemon issue on)
//! the daemon itself. [`run`] is the whole program with its output streams
//! injected, so tests can drive it without a process.

pub mod cli;

use std::io::Write;

use sv_config::{ConfigFailure, Host, Loaded, ServerConfig, load_server, search_paths};

use crate::VERSION;
use cli::{Action, Cli};

/// Why `supervisord` stops before running anything. Rendered in one place
/// ([`std::fmt::Display`]), with its exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SupervisordError {
    /// A command-line or startup problem, worded as the reference words it.
    Usage(String),
    /// The configuration is invalid: every error found.
    Config(ConfigFailure),
}

impl From<String> for SupervisordError {
    fn from(message: String) -> Self {
        SupervisordError::Usage(message)
    }
}

impl From<sv_sys::daemon::Refused> for SupervisordError {
    fn from(e: sv_sys::daemon::Refused) -> Self {
        SupervisordError::Usage(e.0)
    }
}

impl From<crate::getopt::GetoptError> for SupervisordError {
    fn from(e: crate::getopt::GetoptError) -> Self {
        SupervisordError::Usage(e.0)
    }
}

impl SupervisordError {
    /// The process exit code (the reference uses 2 for all of these).
    pub fn exit_code(&self) -> i32 {
        2
    }

    /// The message for standard error; `argv0` is the program as invoked.
    pub fn render(&self, argv0: &str) -> String {
        let mut s = String::new();
        match self {
            SupervisordError::Usage(m) => s.push_str(&format!("Error: {m}\n")),
            SupervisordError::Config(f) => {
                for e in &f.errors {
                    s.push_str(&format!("Error: {e}\n"));
                }
            }
        }
        s.push_str(&format!("For help, use {argv0} -h\n"));
        s
    }
}

/// Prints configuration warnings to `err`.
pub fn print_warnings(err: &mut dyn Write, warnings: &[sv_config::ConfigWarning]) {
    for w in warnings {
        let _ = writeln!(err, "Warning: {w}");
    }
}

/// Finds the configuration file as the reference does when `-c` is absent.
fn locate_config(
    argv0: &str,
    host: &dyn Host,
    err: &mut dyn Write,
) -> Result<String, SupervisordError> {
    if host.uid() == 0 {
        let _ = writeln!(
            err,
            "Warning: Supervisord is running as root and it is searching for its configuration file in \
             default locations (including its current working directory); you probably want to specify a \
             \"-c\" argument specifying an absolute path to a configuration file for improved security."
        );
    }
    let paths = search_paths(argv0);
    paths.iter().find(|p| host.exists(p)).cloned().ok_or_else(|| {
        SupervisordError::Usage(format!(
            "No config file found at default paths ({}); use the -c option to specify a config file at a \
             different path",
            paths.join(", ")
        ))
    })
}

/// Parses the command line and loads the configuration.
pub fn configure(
    argv0: &str,
    args: &[String],
    host: &dyn Host,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Option<(Cli, Loaded<ServerConfig>)>, SupervisordError> {
    let cli = match cli::parse(args, host)? {
        Action::Help => {
            let _ = writeln!(out, "{}", cli::HELP.replace("%s", argv0));
            return Ok(None);
        }
        Action::Version => {
            let _ = writeln!(out, "{VERSION}");
            return Ok(None);
        }
        Action::Run(cli) => *cli,
    };
    let configfile = match &cli.configfile {
        Some(c) => c.clone(),
        None => locate_config(argv0, host, err)?,
    };
    match load_server(&configfile, host, &cli.overrides) {
        Ok(loaded) => {
            print_warnings(err, &loaded.warnings);
            Ok(Some((cli, loaded)))
        }
        Err(failure) => {
            print_warnings(err, &failure.warnings);
            Err(SupervisordError::Config(failure))
        }
    }
}

/// The one-line summary `--check-config` prints.
pub fn summary(cfg: &ServerConfig) -> String {
    use sv_config::GroupKind;
    let count = |f: fn(&GroupKind) -> bool| cfg.groups.iter().filter(|g| f(&g.kind)).count();
    let procs = |f: fn(&GroupKind) -> bool| {
        cfg.groups.iter().filter(|g| f(&g.kind)).map(|g| g.processes.len()).sum::<usize>()
    };
    let is_prog = |k: &GroupKind| matches!(k, GroupKind::Program);
    let is_pool = |k: &GroupKind| matches!(k, GroupKind::EventListenerPool { .. });
    let is_fcgi = |k: &GroupKind| matches!(k, GroupKind::FastCgi { .. });
    let plural = |n: usize, word: &str| {
        let many = if word.ends_with('s') { format!("{word}es") } else { format!("{word}s") };
        if n == 1 { format!("{n} {word}") } else { format!("{n} {many}") }
    };
    format!(
        "{}: OK: {} with {} in {}, {} with {}, {} with {}, {}",
        cfg.configfile,
        plural(count(is_prog), "program group"),
        plural(procs(is_prog), "process"),
        plural(cfg.groups.len(), "group"),
        plural(count(is_pool), "event listener pool"),
        plural(procs(is_pool), "listener"),
        plural(count(is_fcgi), "fcgi program"),
        plural(procs(is_fcgi), "process"),
        plural(cfg.servers.len(), "HTTP server"),
    )
}

/// Runs the daemon, restarting in place on SIGHUP with a re-read
/// configuration; returns the exit code.
fn run_daemon(
    argv0: &str,
    args: &[String],
    host: &dyn Host,
    out: &mut dyn Write,
    err: &mut dyn Write,
    mut loaded: Loaded<ServerConfig>,
    overrides: &sv_config::ServerOverrides,
) -> i32 {
    let mut first = true;
    loop {
        match crate::daemon::run_once(loaded, overrides, first) {
            Ok(crate::daemon::event_loop::Outcome::Shutdown(code)) => return code,
            Ok(crate::daemon::event_loop::Outcome::Restart) => {}
            Err(e) => {
                let _ = write!(err, "{}", e.render(argv0));
                return e.exit_code();
            }
        }
        first = false;
        match configure(argv0, args, host, out, err) {
            Ok(Some((_, l))) => loaded = l,
            Ok(None) => return 0,
            Err(e) => {
                let _ = write!(err, "{}", e.render(argv0));
                return e.exit_code();
            }
        }
    }
}

/// The whole `supervisord` program; returns the exit code.
pub fn run(argv: &[String], host: &dyn Host, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let argv0 = argv.first().map_or("supervisord", String::as_str);
    let args = argv.get(1..).unwrap_or(&[]);
    match configure(argv0, args, host, out, err) {
        Ok(None) => 0,
        Ok(Some((cli, loaded))) => {
            if cli.check_config {
                let _ = writeln!(out, "{}", summary(&loaded.config));
                return 0;
            }
            run_daemon(argv0, args, host, out, err, loaded, &cli.overrides)
        }
        Err(e) => {
            let _ = write!(err, "{}", e.render(argv0));
            e.exit_code()
        }
    }
}
