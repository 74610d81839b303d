//! The supervisor's logic as pure code: no clock, no syscalls, no I/O.
//!
//! # Layout
//! * [`namespec`]: process names as clients write them (`group:name`);
//! * [`state`]: process and supervisor states, exit statuses, signal names;
//! * [`process`]: one process's state machine ([`process::Process`]);
//! * [`supervisor`]: all groups, start/stop order, shutdown, deadlines;
//! * [`deps`]: dependencies between processes (held starts, pull-in,
//!   bindings, stop order).
//!
//! # Theory of operation
//! Time goes in ([`process::Now`]), effects come out ([`process::Effect`]).
//! The daemon's event loop owns a [`supervisor::Supervisor`], calls
//! `transition` when a deadline passes, `reaped` when a child dies, and
//! performs the effects (spawn, kill, log). Because nothing here reads a
//! clock, every transition is tested with exact times.

pub mod capture;
pub mod cmdline;
pub mod deps;
pub mod events;
pub mod namespec;
pub mod pool;
pub mod process;
pub mod readiness;
pub mod state;
pub mod supervisor;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod checks_tests;
#[cfg(test)]
mod state_table_tests;
