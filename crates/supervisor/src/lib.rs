//! A drop-in replacement for Supervisor 4.3.0: the programs `supervisord`,
//! `supervisorctl`, `echo_supervisord_conf` and `pidproxy`.
//!
//! # Layout
//! * [`supervisord`]: the daemon's command line and configuration loading;
//! * [`ctl`]: supervisorctl (client, commands, shell);
//! * [`daemon`]: the running daemon (startup, event loop, spawning, output);
//! * [`pidproxy`]: the signal-forwarding wrapper for self-daemonizing programs;
//! * [`getopt`]: command-line parsing with the reference's (Python getopt) rules.
//!
//! Each binary in `src/bin/` is a thin `main` that calls into this library
//! with the real host and streams, and exits with the code it returns.

pub mod api;
pub mod ctl;
pub mod daemon;
pub mod faults;
pub mod getopt;
pub mod pidproxy;
pub mod supervisord;

/// The Supervisor version this implementation is compatible with, as
/// `supervisord -v` prints it.
pub const VERSION: &str = "4.3.0";
