//! The log handlers: the main log and each process's logs, read by byte
//! range (large reads off the event loop's thread), tailed and cleared.

use super::*;

/// The tail page's text: the last `limit` bytes of a process's stdout log,
/// or the reference's message.
pub async fn read_stdout_tail(shared: &Shared, name: &str, limit: i64) -> String {
    let path = {
        let d = shared.daemon.borrow();
        match lookup_process(&d, name) {
            Ok(id) => channel_path(&d, id, false),
            Err(f) => return format!("ERROR: unexpected rpc fault [{}] {}", f.code, f.text),
        }
    };
    let Some(path) = path else { return format!("No file for {name}") };
    let read = read_log(large_read(-limit, 0), move || logread::read_file(&path, -limit, 0));
    match read.await {
        Ok(Ok(text)) => text,
        _ => format!("No file for {name}"),
    }
}

/// Reads a log range off the event loop's thread when it may be large
/// (to the end of the file, or over 1 MiB): a big read then holds up no
/// other client. Small reads, the usual case, are done at once.
pub(super) async fn read_log<T: Send + 'static>(
    large: bool,
    read: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Fault> {
    if !large {
        return Ok(read());
    }
    tokio::task::spawn_blocking(read).await.map_err(|_| fault(FAILED, Some("reading the log")))
}

/// Whether `readFile(offset, length)` may return more than 1 MiB.
pub(super) fn large_read(offset: i64, length: i64) -> bool {
    const MIB: i64 = 1 << 20;
    length == 0 && offset >= 0 || length > MIB || offset < -MIB
}

pub(super) fn channel_path(d: &Daemon, id: ProcId, stderr: bool) -> Option<String> {
    let rt = &d.sv.process(id).ext;
    let p = if stderr { &rt.paths.stderr } else { &rt.paths.stdout };
    p.as_ref().map(|p| p.display().to_string())
}

/// `readLog`: a range of the main log.
pub(super) async fn read_main_log(shared: &Shared, off: i64, len: i64) -> Result<String, Fault> {
    let path = shared.daemon.borrow().cfg.supervisord.logfile.clone();
    let path = path.ok_or_else(|| fault(NO_FILE, None))?;
    read_log(large_read(off, len), move || logread::read_file(&path, off, len)).await?
}

/// `clearLog`: removes the main log and opens a new one.
pub(super) fn clear_main_log(d: &Daemon) -> Result<bool, Fault> {
    let path = d.cfg.supervisord.logfile.clone().ok_or_else(|| fault(NO_FILE, None))?;
    if !std::path::Path::new(&path).exists() {
        return Err(fault(NO_FILE, None));
    }
    d.log(LogLevel::Info, "reopening log file");
    std::fs::remove_file(&path).map_err(|e| fault(FAILED, Some(&e.to_string())))?;
    d.logger.borrow_mut().reopen();
    Ok(true)
}

/// The path of a process's stdout or stderr log (`None`: it has none).
pub(super) fn process_log_path(
    d: &Daemon,
    name: &str,
    stderr: bool,
) -> Result<Option<String>, Fault> {
    let id = lookup_process(d, name)?;
    Ok(channel_path(d, id, stderr))
}

/// `readProcessStdoutLog` / `readProcessStderrLog`: a range of a log.
pub(super) async fn read_process_log(
    path: Option<String>,
    off: i64,
    len: i64,
) -> Result<String, Fault> {
    let path = path.ok_or_else(|| fault(NO_FILE, None))?;
    read_log(large_read(off, len), move || logread::read_file(&path, off, len)).await?
}

/// `tailProcessStdoutLog` / `tailProcessStderrLog`: the end of a log.
pub(super) async fn tail_process_log(
    path: Option<String>,
    off: i64,
    len: i64,
) -> Result<Tail, Fault> {
    read_log(len > 1 << 20, move || logread::tail_file(path.as_deref(), off, len)).await
}

/// `ext.tailTimestampedLog(name, channel, length)` (ours): the last
/// `length` bytes of a process's timestamped log; `NO_FILE` without one.
pub(super) async fn tail_timestamped(
    shared: &Shared,
    name: &str,
    channel: &str,
    length: i64,
) -> Result<String, Fault> {
    let path = {
        let d = shared.daemon.borrow();
        let id = lookup_process(&d, name)?;
        let rt = &d.sv.process(id).ext;
        let p = if channel == "stderr" { &rt.paths.stderr_ts } else { &rt.paths.stdout_ts };
        p.as_ref().map(|p| p.display().to_string())
    };
    let path = path.ok_or_else(|| fault(NO_FILE, Some(name)))?;
    let length = length.clamp(0, 1 << 20);
    read_log(false, move || logread::read_file(&path, -length, 0)).await?
}
