//! `supervisord`'s command line: the reference's options, values checked with
//! the same converters and messages, plus `--check-config`.

use sv_config::datatypes as dt;
use sv_config::load::{in_range, range_of};
use sv_config::schema::Section;
use sv_config::{Host, ServerOverrides};

use crate::getopt::{OptSpec, getopt, py_list};

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// `-h`, `-?`, `--help`.
    Help,
    /// `-v`, `--version`.
    Version,
    /// Run (or only check) with these settings.
    Run(Box<Cli>),
}

/// The parsed command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cli {
    /// `-c`.
    pub configfile: Option<String>,
    /// Values that override the config file.
    pub overrides: ServerOverrides,
    /// `--check-config`: validate, summarise, exit.
    pub check_config: bool,
    /// `--profile_options` (accepted; profiling is a Python facility).
    pub profile_options: Option<String>,
}

#[derive(Clone, Copy)]
enum Opt {
    Config,
    NoDaemon,
    Silent,
    Help,
    Version,
    User,
    Umask,
    Directory,
    Logfile,
    LogfileMaxbytes,
    LogfileBackups,
    Loglevel,
    Pidfile,
    Identifier,
    Childlogdir,
    NoCleanup,
    Minfds,
    StripAnsi,
    Minprocs,
    ProfileOptions,
    CheckConfig,
}

const TABLE: &[(OptSpec, Opt)] = &[
    (OptSpec::new(Some('h'), Some("help"), false), Opt::Help),
    (OptSpec::new(Some('?'), None, false), Opt::Help),
    (OptSpec::new(Some('c'), Some("configuration"), true), Opt::Config),
    (OptSpec::new(Some('v'), Some("version"), false), Opt::Version),
    (OptSpec::new(Some('n'), Some("nodaemon"), false), Opt::NoDaemon),
    (OptSpec::new(Some('u'), Some("user"), true), Opt::User),
    (OptSpec::new(Some('m'), Some("umask"), true), Opt::Umask),
    (OptSpec::new(Some('d'), Some("directory"), true), Opt::Directory),
    (OptSpec::new(Some('l'), Some("logfile"), true), Opt::Logfile),
    (OptSpec::new(Some('y'), Some("logfile_maxbytes"), true), Opt::LogfileMaxbytes),
    (OptSpec::new(Some('z'), Some("logfile_backups"), true), Opt::LogfileBackups),
    (OptSpec::new(Some('e'), Some("loglevel"), true), Opt::Loglevel),
    (OptSpec::new(Some('j'), Some("pidfile"), true), Opt::Pidfile),
    (OptSpec::new(Some('i'), Some("identifier"), true), Opt::Identifier),
    (OptSpec::new(Some('q'), Some("childlogdir"), true), Opt::Childlogdir),
    (OptSpec::new(Some('a'), Some("minfds"), true), Opt::Minfds),
    (OptSpec::new(None, Some("minprocs"), true), Opt::Minprocs),
    (OptSpec::new(Some('k'), Some("nocleanup"), false), Opt::NoCleanup),
    (OptSpec::new(Some('t'), Some("strip_ansi"), false), Opt::StripAnsi),
    (OptSpec::new(None, Some("profile_options"), true), Opt::ProfileOptions),
    (OptSpec::new(Some('s'), Some("silent"), false), Opt::Silent),
    (OptSpec::exact("check-config", false), Opt::CheckConfig),
];

/// Sets `slot` once; a second time is the reference's "conflicting" error.
fn once<T>(slot: &mut Option<T>, v: T, written: &str) -> Result<(), String> {
    if slot.is_some() {
        return Err(format!(
            "conflicting command line option {}",
            sv_config::pyrepr::py_repr(written)
        ));
    }
    *slot = Some(v);
    Ok(())
}

/// Parses the arguments (without the program name). `Err` is a usage error.
pub fn parse(args: &[String], host: &dyn Host) -> Result<Action, super::SupervisordError> {
    let specs: Vec<OptSpec> = TABLE.iter().map(|t| t.0).collect();
    let (opts, rest) = getopt(args, &specs)?;
    if !rest.is_empty() {
        let msg = format!("positional arguments are not supported: {}", py_list(&rest));
        return Err(super::SupervisordError::Usage(msg));
    }
    let mut cli = Cli::default();
    let mut check_config = None;
    for p in opts {
        let v = p.value.as_str();
        let w = p.written.as_str();
        let invalid = |m: dt::Invalid| {
            format!("invalid value for {w} {}: {m}", sv_config::pyrepr::py_repr(v))
        };
        let o = &mut cli.overrides;
        match TABLE[p.index].1 {
            Opt::Help => return Ok(Action::Help),
            Opt::Version => return Ok(Action::Version),
            Opt::Config => once(&mut cli.configfile, v.to_owned(), w)?,
            Opt::NoDaemon => once(&mut o.nodaemon, true, w)?,
            Opt::Silent => once(&mut o.silent, true, w)?,
            Opt::NoCleanup => once(&mut o.nocleanup, true, w)?,
            Opt::StripAnsi => once(&mut o.strip_ansi, true, w)?,
            Opt::User => once(&mut o.user, v.to_owned(), w)?,
            Opt::Identifier => once(&mut o.identifier, v.to_owned(), w)?,
            Opt::Umask => once(&mut o.umask, dt::octal_type(v).map_err(invalid)?, w)?,
            Opt::Directory => {
                once(&mut o.directory, dt::existing_directory(host, v).map_err(invalid)?, w)?;
            }
            Opt::Logfile => {
                once(&mut o.logfile, dt::existing_dirpath(host, v).map_err(invalid)?, w)?
            }
            Opt::LogfileMaxbytes => {
                let n = dt::byte_size(v)
                    .and_then(|n| within(n, &range_of(Section::Supervisord, "logfile_maxbytes")));
                once(&mut o.logfile_maxbytes, n.map_err(invalid)?, w)?;
            }
            Opt::LogfileBackups => {
                let n = dt::integer(v)
                    .and_then(|n| within(n, &range_of(Section::Supervisord, "logfile_backups")));
                once(&mut o.logfile_backups, n.map_err(invalid)?, w)?
            }
            Opt::Loglevel => once(&mut o.loglevel, dt::logging_level(v).map_err(invalid)?, w)?,
            Opt::Pidfile => {
                once(&mut o.pidfile, dt::existing_dirpath(host, v).map_err(invalid)?, w)?
            }
            Opt::Childlogdir => {
                once(&mut o.childlogdir, dt::existing_directory(host, v).map_err(invalid)?, w)?;
            }
            Opt::Minfds => {
                let n = dt::integer(v)
                    .and_then(|n| within(n, &range_of(Section::Supervisord, "minfds")));
                once(&mut o.minfds, n.map_err(invalid)?, w)?
            }
            Opt::Minprocs => {
                let n = dt::integer(v)
                    .and_then(|n| within(n, &range_of(Section::Supervisord, "minprocs")));
                once(&mut o.minprocs, n.map_err(invalid)?, w)?
            }
            Opt::ProfileOptions => once(&mut cli.profile_options, v.to_owned(), w)?,
            Opt::CheckConfig => once(&mut check_config, true, w)?,
        }
    }
    cli.check_config = check_config.unwrap_or(false);
    Ok(Action::Run(Box::new(cli)))
}

/// `n` if it lies in `range`, else the error.
fn within(n: i64, range: &std::ops::RangeInclusive<i64>) -> Result<i64, dt::Invalid> {
    in_range(n, *range.start(), *range.end())
        .map_err(|m| dt::Invalid(format!("{m} (accepted: {} to {})", range.start(), range.end())))
}

/// The `-h` text; `%s` stands for the program name.
pub const HELP: &str = "\
supervisord -- keep a set of programs running, restart them when they die,
and control them over XML-RPC.

Usage: %s [options]

Options:
-c/--configuration FILENAME -- the configuration file (searched for if not given)
-n/--nodaemon -- stay in the foreground (like 'nodaemon=true' in the file)
-s/--silent -- with -n, do not copy the log to stdout (like 'silent=true')
-h/--help -- show this help and exit
-v/--version -- show the supervisord version and exit
-u/--user USER -- switch to this user (name or numeric uid) after starting
-m/--umask UMASK -- umask of the daemon and its children (default 022)
-d/--directory DIRECTORY -- directory to change to when daemonized
-l/--logfile FILENAME -- path of the main log file
-y/--logfile_maxbytes BYTES -- rotate the main log when it reaches BYTES
-z/--logfile_backups NUM -- rotated main log files to keep
-e/--loglevel LEVEL -- log level (critical,error,warn,info,debug,trace,blather)
-j/--pidfile FILENAME -- write the daemon's pid to FILENAME
-i/--identifier STR -- name of this supervisord instance
-q/--childlogdir DIRECTORY -- directory for AUTO child log files
-k/--nocleanup -- keep old AUTO child log files at startup
-a/--minfds NUM -- file descriptors that must be available to start
-t/--strip_ansi -- remove ANSI escape sequences from child output
--minprocs NUM -- processes that must be available to start
--profile_options OPTIONS -- accepted for compatibility (no profiler here)
--check-config -- read and validate the configuration, print a summary, exit
";

#[cfg(test)]
mod tests {
    use super::*;
    use sv_config::FakeHost;
    use sv_config::model::LogLevel;

    fn p(args: &[&str]) -> Result<Action, String> {
        let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        parse(&args, &FakeHost::default()).map_err(|e| match e {
            super::super::SupervisordError::Usage(m) => m,
            other => format!("{other:?}"),
        })
    }

    #[test]
    fn options_set_overrides() {
        let Ok(Action::Run(cli)) =
            p(&["-c", "/etc/s.conf", "-n", "-e", "debug", "-m", "002", "--minprocs=5"])
        else {
            panic!("not a run")
        };
        assert_eq!(cli.configfile.as_deref(), Some("/etc/s.conf"));
        assert_eq!(cli.overrides.nodaemon, Some(true));
        assert_eq!(cli.overrides.loglevel, Some(LogLevel::Debug));
        assert_eq!(cli.overrides.umask, Some(0o2));
        assert_eq!(cli.overrides.minprocs, Some(5));
        assert!(!cli.check_config);
        assert_eq!(p(&["-h"]), Ok(Action::Help));
        assert_eq!(p(&["-?"]), Ok(Action::Help));
        assert_eq!(p(&["--version"]), Ok(Action::Version));
        assert!(matches!(p(&["--check-config"]), Ok(Action::Run(c)) if c.check_config));
    }

    #[test]
    fn usage_errors_match_the_reference() {
        let cases: &[(&[&str], &str)] = &[
            (&["-x"], "option -x not recognized"),
            (&["foo"], "positional arguments are not supported: ['foo']"),
            (&["-n", "-n"], "conflicting command line option '-n'"),
            (&["-e", "bogus"], "invalid value for -e 'bogus': bad logging level name 'bogus'"),
            (
                &["--loglevel", "bogus"],
                "invalid value for --loglevel 'bogus': bad logging level name 'bogus'",
            ),
            (
                &["-m", "999"],
                "invalid value for -m '999': 999 can not be converted to an octal type",
            ),
            (
                &["-d", "/nonexist"],
                "invalid value for -d '/nonexist': /nonexist is not an existing directory",
            ),
            (&["-c"], "option -c requires argument"),
            (&["-a", "x"], "invalid value for -a 'x': invalid literal for int() with base 10: 'x'"),
            (
                &["-a", "-1"],
                "invalid value for -a '-1': value -1 is out of range (accepted: 0 to 2147483647)",
            ),
            (
                &["--minprocs", "9999999999"],
                "invalid value for --minprocs '9999999999': value 9999999999 is out of range (accepted: 0 to 2147483647)",
            ),
            (
                &["-z", "10001"],
                "invalid value for -z '10001': value 10001 is out of range (accepted: 0 to 10000)",
            ),
            (
                &["-y", "2000000GB"],
                "invalid value for -y '2000000GB': value 2147483648000000 is out of range (accepted: 0 to 1125899906842624)",
            ),
        ];
        for (args, want) in cases {
            assert_eq!(p(args), Err((*want).to_owned()), "{args:?}");
        }
    }
}
