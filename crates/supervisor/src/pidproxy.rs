//! `pidproxy PIDFILE COMMAND [ARGS...]`: runs COMMAND and passes the signals
//! it receives (TERM, HUP, INT, USR1, USR2, QUIT) to the pid written in
//! PIDFILE, for programs that daemonize themselves. Exits 0 after passing
//! TERM, INT or QUIT, or when the child exits.
//!
//! Like the reference, COMMAND is made absolute against the current
//! directory (no PATH search). Unlike the reference, which checks for its
//! child every 5 seconds, this waits for SIGCHLD and exits at once.

use std::io::Write;

use nix::sys::signal::{SigSet, SigmaskHow, Signal, kill, sigprocmask};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;

/// The usage text; `%s` is the program name.
pub const USAGE: &str = "\
pidproxy -- run a command and pass the signals this program receives to the
process whose pid the command writes into a pid file.

Use it for programs that fork themselves into the background, so that
supervisord can still stop and signal them: supervisord talks to pidproxy,
pidproxy talks to the pid in the pid file.

Usage: %s <pidfile name> <command> [<cmdarg1> ...]
";

const FORWARDED: [Signal; 6] = [
    Signal::SIGTERM,
    Signal::SIGHUP,
    Signal::SIGINT,
    Signal::SIGUSR1,
    Signal::SIGUSR2,
    Signal::SIGQUIT,
];

fn read_pid(pidfile: &str) -> Option<i32> {
    std::fs::read_to_string(pidfile).ok()?.trim().parse().ok()
}

/// The whole program; returns the exit code.
pub fn run(argv: &[String], out: &mut dyn Write) -> i32 {
    let prog = argv.first().map_or("pidproxy", String::as_str);
    if argv.len() < 3 {
        let _ = writeln!(out, "{}", USAGE.replace("%s", prog));
        return 1;
    }
    let pidfile = &argv[1];
    let cwd = std::env::current_dir().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
    let command = sv_config::paths::abspath(&argv[2], &cwd);

    // Block the signals before starting the child, then take them one at a
    // time with sigwait. The child must not inherit that mask (it would never
    // see what we forward): it starts with nothing blocked and the signal
    // dispositions the reference's child has.
    let mut set = SigSet::empty();
    for s in FORWARDED {
        set.add(s);
    }
    set.add(Signal::SIGCHLD);
    if sigprocmask(SigmaskHow::SIG_BLOCK, Some(&set), None).is_err() {
        return 1;
    }
    let mut child = std::process::Command::new(&command);
    child.args(&argv[3..]);
    let handled: Vec<i32> = set.iter().map(|s| s as i32).collect();
    sv_sys::process::python_child_signals(&mut child, &handled);
    let spawned = child.spawn();
    if spawned.is_err() {
        // The reference's child fails to exec and exits; so do we, at once.
        return 0;
    }
    loop {
        let Ok(sig) = set.wait() else { return 1 };
        if sig == Signal::SIGCHLD {
            match waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::StillAlive) => continue,
                _ => return 0,
            }
        }
        match read_pid(pidfile) {
            Some(pid) => {
                let _ = kill(Pid::from_raw(pid), sig);
            }
            None => {
                let _ = writeln!(out, "Can't read child pidfile {pidfile}!");
                let _ = out.flush();
            }
        }
        if matches!(sig, Signal::SIGTERM | Signal::SIGINT | Signal::SIGQUIT) {
            return 0;
        }
    }
}
