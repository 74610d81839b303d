//! Sending lines to the system log (for `*_syslog=true` and `logfile=syslog`).

use std::ffi::CString;

/// Sends one message to syslog at INFO under the ident `supervisord`.
pub fn send(msg: &str) {
    static IDENT: &[u8] = b"supervisord\0";
    let Ok(text) = CString::new(msg.replace('\0', "\\0")) else { return };
    // SAFETY: IDENT is a NUL-terminated static string that outlives every
    // syslog call; the format is a constant "%s" and `text` is a valid C
    // string for the duration of the call.
    unsafe {
        libc::openlog(IDENT.as_ptr().cast(), libc::LOG_PID, libc::LOG_USER);
        libc::syslog(libc::LOG_INFO, c"%s".as_ptr(), text.as_ptr());
    }
}
