//! The operating-system edge. Everything that asks the machine something or
//! changes it lives here, so the other crates stay pure and testable. This
//! is the only crate allowed `unsafe`; every block says why it is sound.
//!
//! # Layout
//! * [`host`]: [`RealHost`], the real [`sv_config::Host`] (environment, users,
//!   groups, files, globbing, host name);
//! * [`process`]: spawning children with the reference's child setup,
//!   reaping, signalling; [`environment`]: a child's environment;
//! * [`daemon`]: detaching, rlimits, umask, pid;
//! * [`errno`]: errno names for the reference's messages;
//! * [`notify`]: the sd_notify socket children report readiness on;
//! * [`socket`]: the listening sockets of fcgi programs;
//! * [`memory`]: how the allocator gives memory back;
//! * [`pipeset`]: the epoll set every child pipe is read through.
#![allow(unsafe_code)]

pub mod daemon;
pub mod environment;
pub mod errno;
pub mod host;
pub mod memory;
pub mod notify;
pub mod pipeset;
pub mod process;
pub mod socket;
pub mod syslog;
pub mod usage;

pub use host::RealHost;
