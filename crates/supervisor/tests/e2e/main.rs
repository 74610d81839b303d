#![allow(unreachable_pub)]
//! End-to-end tests of the real binaries, golden tests of the sample
//! configurations, and differential tests against Supervisor 4.3.0.

// Regression/feature tests of `supervisord --check-config` and friends.
mod check_config;
// The sample configurations, shared by the golden and differential tests.
mod cases;
// Differential: our loader against the reference's option parser.
mod config_diff;
// Differential: event streams against the reference.
mod events_diff;
// Golden: every sample configuration against its expected rendering.
mod config_golden;
// supervisord running real programs.
mod daemon;
// Differential: the reference's supervisord and ours on the same programs.
mod daemon_diff;
// A running supervisord under test.
mod daemon_harness;
// Differential: the reference's supervisorctl against both daemons.
mod ctl_diff;
// Ctrl-C in supervisorctl, against the reference's.
mod ctl_interrupt;
// Differential: XML-RPC results and faults against the reference.
mod rpc_diff;
// pidproxy end to end.
mod pidproxy;
// fcgi-program sockets.
mod fcgi;
// The HTTP layer: auth, bad requests, limits, log tailing, concurrency.
mod http;
// The interactive shell in a pseudo-terminal.
mod shell;
// Real superlance listeners against our daemon.
mod superlance;
// The web pages in headless Chromium.
mod browser;
// Memory stays flat over long runs.
mod soak;
// Readiness, dependencies and health checks (ours).
mod checks;
// Container mode: essential programs, exit codes, shutdown_timeout (ours).
mod containers;
// Health endpoints, metrics and the JSON view over HTTP (ours).
mod observe;
// Output forwarding to supervisord's own stdout/stderr (ours).
mod forwarding;
// The manual pages (docs/man) and the shell completions.
mod man;
// The Debian package (scripts/package-deb.sh).
mod package;
// The harness: temp dirs, bounded runs, dumps.
mod harness;
