//! The reference's fault codes (`xmlrpc.Faults`) and fault texts, shared
//! by the daemon's RPC interface and supervisorctl.

use sv_xmlrpc::Fault;

/// UNKNOWN_METHOD.
pub const UNKNOWN_METHOD: i32 = 1;
/// INCORRECT_PARAMETERS.
pub const INCORRECT_PARAMETERS: i32 = 2;
/// BAD_ARGUMENTS.
pub const BAD_ARGUMENTS: i32 = 3;
/// SIGNATURE_UNSUPPORTED.
pub const SIGNATURE_UNSUPPORTED: i32 = 4;
/// SHUTDOWN_STATE.
pub const SHUTDOWN_STATE: i32 = 6;
/// BAD_NAME.
pub const BAD_NAME: i32 = 10;
/// BAD_SIGNAL.
pub const BAD_SIGNAL: i32 = 11;
/// NO_FILE.
pub const NO_FILE: i32 = 20;
/// NOT_EXECUTABLE.
pub const NOT_EXECUTABLE: i32 = 21;
/// FAILED.
pub const FAILED: i32 = 30;
/// ABNORMAL_TERMINATION.
pub const ABNORMAL_TERMINATION: i32 = 40;
/// SPAWN_ERROR.
pub const SPAWN_ERROR: i32 = 50;
/// ALREADY_STARTED.
pub const ALREADY_STARTED: i32 = 60;
/// NOT_RUNNING.
pub const NOT_RUNNING: i32 = 70;
/// SUCCESS.
pub const SUCCESS: i32 = 80;
/// ALREADY_ADDED.
pub const ALREADY_ADDED: i32 = 90;
/// STILL_RUNNING.
pub const STILL_RUNNING: i32 = 91;
/// CANT_REREAD.
pub const CANT_REREAD: i32 = 92;

/// The name of a fault code.
pub fn fault_name(code: i32) -> &'static str {
    match code {
        UNKNOWN_METHOD => "UNKNOWN_METHOD",
        INCORRECT_PARAMETERS => "INCORRECT_PARAMETERS",
        BAD_ARGUMENTS => "BAD_ARGUMENTS",
        SIGNATURE_UNSUPPORTED => "SIGNATURE_UNSUPPORTED",
        SHUTDOWN_STATE => "SHUTDOWN_STATE",
        BAD_NAME => "BAD_NAME",
        BAD_SIGNAL => "BAD_SIGNAL",
        NO_FILE => "NO_FILE",
        NOT_EXECUTABLE => "NOT_EXECUTABLE",
        FAILED => "FAILED",
        ABNORMAL_TERMINATION => "ABNORMAL_TERMINATION",
        SPAWN_ERROR => "SPAWN_ERROR",
        ALREADY_STARTED => "ALREADY_STARTED",
        NOT_RUNNING => "NOT_RUNNING",
        SUCCESS => "SUCCESS",
        ALREADY_ADDED => "ALREADY_ADDED",
        STILL_RUNNING => "STILL_RUNNING",
        CANT_REREAD => "CANT_REREAD",
        _ => "UNKNOWN",
    }
}

/// A fault with the reference's text: `NAME` or `NAME: extra`.
pub fn fault(code: i32, extra: Option<&str>) -> Fault {
    let text = match extra {
        Some(e) => format!("{}: {e}", fault_name(code)),
        None => fault_name(code).to_owned(),
    };
    Fault { code, text }
}
