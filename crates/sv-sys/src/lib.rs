//! The operating-system edge. Everything that asks the machine something or
//! changes it lives here, so the other crates stay pure and testable.
//!
//! # Layout
//! * [`host`]: [`RealHost`], the real [`sv_config::Host`] (environment, users,
//!   groups, files, globbing, host name).

pub mod host;

pub use host::RealHost;
