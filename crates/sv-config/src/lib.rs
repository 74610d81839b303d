//! `supervisord.conf`, read exactly as Supervisor 4.3.0 reads it.
//!
//! # Layout
//! * [`ini`]: the INI dialect (configparser rules), with file and line of every value;
//! * [`expand`]: `%(name)s` expansion (Python's `%` formatting with a mapping);
//! * [`datatypes`]: one converter per value type, with the reference's error texts;
//! * [`checks`]: readiness, health check and dependency settings (ours);
//! * [`load`]: from sections to the typed [`model`], collecting every error;
//! * [`schema`]: the keys each section knows, for unknown-key warnings;
//! * [`error`]: errors and warnings as data, rendered in one place;
//! * [`host`]: what the loader asks of the machine, as a trait with a fake;
//! * [`sample`]: the commented sample configuration `echo_supervisord_conf` prints.
//!
//! # Theory of operation
//! Stage one ([`ini::Ini`]) keeps raw strings and their locations. Stage two
//! ([`load::load_server`], [`load::load_ctl`]) reads keys in the order the
//! reference does, so the first error is the reference's first error, but
//! keeps going and reports all of them. Nothing here touches the clock, the
//! file system or the process: the [`host::Host`] passed in does.

pub mod checks;
pub mod datatypes;
pub mod diff;
pub mod error;
pub mod expand;
pub mod host;
pub mod ini;
pub mod load;
pub mod model;
pub mod paths;
pub mod pyrepr;
pub mod sample;
pub mod schema;

pub use error::{ConfigError, ConfigFailure, ConfigWarning, Location};
pub use host::{FakeHost, Host, UserEntry};
pub use load::{
    CtlOverrides, Loaded, ServerOverrides, find_config, load_ctl, load_server, search_paths,
};
pub use model::*;
