//! Child output: where each stream of each process is logged (AUTO names,
//! paths, NONE), and the tasks that read the pipes and write the logs.
//!
//! One task on the daemon's thread reads every pipe ([`Pipes`]): reads are
//! non-blocking, up to 256 KiB at a time, one per ready pipe in a turn, and
//! the event loop runs between turns, so a chatty child cannot block it.

use std::cell::RefCell;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use sv_config::datatypes::LogFile;
use sv_config::{LogLevel, ProcessConfig, StreamConfig};
use sv_core::capture::Piece;
use sv_logfile::{RotatingFile, auto_log_prefix, strip_ansi};

use super::logger::Logger;

/// A log file shared by the pipe reader and the daemon (which reopens it).
pub type SharedFile = Rc<RefCell<RotatingFile>>;

/// Where one process's output goes, decided at group creation.
#[derive(Debug, Clone, Default)]
pub struct LogPaths {
    /// stdout log path (`None`: not logged).
    pub stdout: Option<PathBuf>,
    /// stderr log path.
    pub stderr: Option<PathBuf>,
    /// Timestamped stdout log path (ours).
    pub stdout_ts: Option<PathBuf>,
    /// Timestamped stderr log path (ours).
    pub stderr_ts: Option<PathBuf>,
}

fn auto_path(dir: &str, process: &str, channel: &str, identifier: &str) -> io::Result<PathBuf> {
    let file = tempfile::Builder::new()
        .prefix(&auto_log_prefix(process, channel, identifier))
        .suffix(".log")
        .rand_bytes(8)
        .tempfile_in(dir)?;
    let (_, path) = file.keep().map_err(|e| e.error)?;
    Ok(path)
}

fn path_for(
    logfile: &LogFile,
    cfg: &ProcessConfig,
    channel: &str,
    childlogdir: &str,
    ident: &str,
) -> Option<PathBuf> {
    match logfile {
        LogFile::Path(p) => Some(PathBuf::from(p)),
        LogFile::Auto => auto_path(childlogdir, &cfg.name, channel, ident).ok(),
        LogFile::None | LogFile::Syslog => None,
    }
}

/// Decides (and for AUTO, creates) the log files of a process.
pub fn log_paths(cfg: &ProcessConfig, childlogdir: &str, identifier: &str) -> LogPaths {
    let (dir, id) = (childlogdir, identifier);
    LogPaths {
        stdout: path_for(&cfg.stdout.logfile, cfg, "stdout", dir, id),
        stderr: if cfg.redirect_stderr {
            None
        } else {
            path_for(&cfg.stderr.logfile, cfg, "stderr", dir, id)
        },
        stdout_ts: path_for(&cfg.stdout.timestamped, cfg, "stdout_timestamped", dir, id),
        stderr_ts: if cfg.redirect_stderr {
            None
        } else {
            path_for(&cfg.stderr.timestamped, cfg, "stderr_timestamped", dir, id)
        },
    }
}

/// Deletes old AUTO child logs of this identifier (unless `nocleanup`).
pub fn clear_auto_logs(childlogdir: &str, identifier: &str) {
    let Ok(entries) = std::fs::read_dir(childlogdir) else { return };
    for e in entries.flatten() {
        if let Some(name) = e.file_name().to_str()
            && sv_logfile::is_auto_log_name(name, identifier)
        {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Opens a log file for a new child (`None`: the stream is not logged).
pub fn open_log(path: Option<&Path>, stream: &StreamConfig) -> io::Result<Option<SharedFile>> {
    let Some(p) = path else { return Ok(None) };
    let file = RotatingFile::open(p, stream.logfile_maxbytes, stream.logfile_backups)?;
    Ok(Some(Rc::new(RefCell::new(file))))
}

/// Followers of one output channel (`/logtail`). The channel is made when
/// the first follower arrives, so idle processes carry no buffer.
pub type Tail = RefCell<Option<tokio::sync::broadcast::Sender<bytes::Bytes>>>;

/// A receiver of a channel's new output, making the channel if needed.
pub fn follow(tail: &Tail) -> tokio::sync::broadcast::Receiver<bytes::Bytes> {
    tail.borrow_mut().get_or_insert_with(|| tokio::sync::broadcast::channel(256).0).subscribe()
}

/// What a listener wrote on stdout: (group, process, bytes).
pub type ListenerOutput = (String, String, Vec<u8>);
/// The channel listener output travels on to the event loop.
pub type ListenerSender = tokio::sync::mpsc::UnboundedSender<ListenerOutput>;

/// What the daemon, a process's pipe readers and its probes share: one
/// allocation per process.
#[derive(Debug, Default)]
pub struct ProcLink {
    /// The counters of the daemon's work for it.
    pub counters: ProcCounters,
    /// Followers of its stdout and stderr (`/logtail`).
    pub tails: [Tail; 2],
}

/// Counters of the daemon's own work for one process (for `/metrics`);
/// they only grow.
#[derive(Debug, Default)]
pub struct ProcCounters {
    /// Bytes read from the child, `[stdout, stderr]`.
    pub log_bytes: [std::cell::Cell<u64>; 2],
    /// Log file rotations, `[stdout, stderr]`.
    pub log_rotations: [std::cell::Cell<u64>; 2],
    /// Failed probes, `[ready, health]`.
    pub probe_failures: [std::cell::Cell<u64>; 2],
}

/// Adds `n` to a counter.
pub fn bump(c: &std::cell::Cell<u64>, n: u64) {
    c.set(c.get().saturating_add(n));
}

/// What the reader of one pipe needs.
pub struct Pump {
    /// The process's configuration (its name and group), shared.
    pub config: std::sync::Arc<ProcessConfig>,
    /// `stdout` or `stderr`.
    pub channel: &'static str,
    /// Where to write (`None`: not logged).
    pub file: Option<SharedFile>,
    /// Strip ANSI escapes first.
    pub strip_ansi: bool,
    /// Also send lines to syslog.
    pub syslog: bool,
    /// The main log (for the debug echo).
    pub logger: Rc<RefCell<Logger>>,
    /// For an event listener's stdout: where its protocol output goes.
    pub protocol: Option<ListenerSender>,
    /// Where PROCESS_LOG / PROCESS_COMMUNICATION events go, if any.
    pub events: Option<Box<EventSink>>,
    /// Capture mode, when `*_capture_maxbytes` > 0 (boxed, as the rarely
    /// set fields here: this struct lives in every pipe's task).
    pub capture: Option<Box<sv_core::capture::Capture>>,
    /// `ready_check=log:REGEX`: the lines are watched for the pattern.
    pub ready: Option<Box<LogReady>>,
    /// The process's counters and followers.
    pub link: Rc<ProcLink>,
    /// Forwarding to supervisord's own output (ours), when on for it.
    pub forward: Option<Box<super::forward::Pipe>>,
    /// The timestamped log (ours), when configured.
    pub stamped: Option<Box<Stamped>>,
}

/// A timestamped log: each line starts with the time its first byte was
/// read (the lines of one read share it).
pub struct Stamped {
    /// The file.
    pub file: SharedFile,
    /// How the time is written.
    pub format: sv_config::TimestampFormat,
    /// Whether the next byte starts a line.
    at_start: std::cell::Cell<bool>,
}

impl Stamped {
    /// A timestamped log writing to `file`.
    pub fn new(file: SharedFile, format: sv_config::TimestampFormat) -> Self {
        Stamped { file, format, at_start: std::cell::Cell::new(true) }
    }

    fn stamp(&self) -> String {
        match &self.format {
            sv_config::TimestampFormat::Rfc3339 => {
                chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
            }
            sv_config::TimestampFormat::Local => {
                chrono::Local::now().format("%Y-%m-%d %H:%M:%S,%3f").to_string()
            }
            sv_config::TimestampFormat::Pattern(p) => {
                use std::fmt::Write;
                let mut out = String::new();
                // A pattern chrono cannot write leaves the time out rather
                // than stopping the log.
                let _ = write!(out, "{}", chrono::Local::now().format(p));
                out
            }
        }
    }

    /// Writes what one read brought, a time at the start of each line.
    fn write(&self, data: &[u8]) {
        let mut f = self.file.borrow_mut();
        let stamp = self.stamp();
        let mut out = Vec::with_capacity(data.len() + 32);
        for piece in data.split_inclusive(|b| *b == b'\n') {
            if self.at_start.get() {
                out.extend_from_slice(stamp.as_bytes());
                out.push(b' ');
            }
            out.extend_from_slice(piece);
            self.at_start.set(piece.ends_with(b"\n"));
        }
        let _ = f.write(&out);
    }
}

/// Watches a child's output lines for its `ready_check=log:` pattern, as
/// written to the log (after `strip_ansi`), until one matches.
pub struct LogReady {
    /// The pattern.
    pub pattern: sv_config::checks::LogPattern,
    /// The child.
    pub pid: u32,
    /// Where "ready" goes.
    pub tx: super::checks::CheckSender,
    line: RefCell<Vec<u8>>,
    done: std::cell::Cell<bool>,
}

/// The longest partial line kept while looking for the pattern.
const MAX_LINE: usize = 64 * 1024;

impl LogReady {
    /// Watching for `pattern` in the output of `pid`.
    pub fn new(
        pattern: sv_config::checks::LogPattern,
        pid: u32,
        tx: super::checks::CheckSender,
    ) -> Self {
        LogReady { pattern, pid, tx, line: RefCell::default(), done: std::cell::Cell::new(false) }
    }

    fn feed(&self, data: &[u8]) {
        if self.done.get() {
            return;
        }
        let mut line = self.line.borrow_mut();
        for piece in data.split_inclusive(|b| *b == b'\n') {
            line.extend_from_slice(piece);
            let complete = line.ends_with(b"\n");
            if complete || line.len() >= MAX_LINE {
                let text = line.strip_suffix(b"\n").unwrap_or(&line);
                if self.pattern.0.is_match(&String::from_utf8_lossy(text)) {
                    self.done.set(true);
                    let _ = self.tx.send(super::checks::CheckMsg::Ready(self.pid));
                    line.clear();
                    return;
                }
                line.clear();
            }
        }
    }
}

/// What a pipe reader needs to emit events about its process.
pub struct EventSink {
    /// The event loop's event channel.
    pub tx: tokio::sync::mpsc::UnboundedSender<sv_core::events::Event>,
    /// The child's pid.
    pub pid: u32,
    /// `*_events_enabled`: emit PROCESS_LOG events.
    pub log_events: bool,
    /// Whether any pool listens to PROCESS_LOG events now.
    pub subscribed: Rc<std::cell::Cell<bool>>,
}

/// Largest single read from a child's pipe.
const READ_CHUNK: usize = 256 * 1024;
/// A pipe's capacity as made (Linux default).
const DEFAULT_PIPE: usize = 64 * 1024;
/// The capacity a chatty child's pipe grows to (the default
/// /proc/sys/fs/pipe-max-size).
const CHATTY_PIPE: usize = 1024 * 1024;

thread_local! {
    /// The one read buffer of all pipe readers. They all run on the event
    /// loop's thread and use it only between awaits, so one buffer serves
    /// every pipe instead of one per pipe (100 programs would otherwise hold
    /// 25 MiB of buffers, partly resident).
    static READ_BUF: std::cell::RefCell<Box<[u8]>> =
        std::cell::RefCell::new(vec![0u8; READ_CHUNK].into_boxed_slice());
}

impl Pump {
    /// 0 for stdout, 1 for stderr.
    fn stream(&self) -> usize {
        usize::from(self.channel == "stderr")
    }
}

/// Ready pipes read in one turn before the event loop runs again.
const BATCH: usize = 64;

/// One child pipe and the reader's state for it.
struct Slot {
    fd: OwnedFd,
    pump: Pump,
    capture: Option<Box<sv_core::capture::Capture>>,
    /// The pipe was grown to [`CHATTY_PIPE`].
    grown: bool,
    /// When a forwarded partial line (a prompt) goes out without its
    /// newline, if no more output comes first.
    flush_at: Option<tokio::time::Instant>,
}

/// Every child pipe, read by one task.
///
/// The pipes sit in an epoll set of their own (level-triggered), and only
/// that set is registered with tokio. A pipe costs its [`Slot`] here, where
/// a task and a tokio registration of its own per pipe cost about 800 bytes
/// (most of the daemon's memory per program with thousands of programs).
/// Each turn reads once from each ready pipe, up to [`BATCH`] of them, and
/// then lets the event loop run: a chatty child cannot hold the loop, and
/// level-triggered readiness brings back what it left unread.
pub struct Pipes {
    set: sv_sys::pipeset::Registered,
    slots: RefCell<Vec<Option<Box<Slot>>>>,
    free: RefCell<Vec<u32>>,
    /// Slots with a `flush_at` (forwarding only; usually empty).
    waiting: RefCell<Vec<u32>>,
}

impl Pipes {
    /// A reader with no pipes, and its task (on the current `LocalSet`).
    pub fn start() -> io::Result<Rc<Pipes>> {
        let set = sv_sys::pipeset::PipeSet::register()?;
        let pipes = Rc::new(Pipes {
            set,
            slots: RefCell::default(),
            free: RefCell::default(),
            waiting: RefCell::default(),
        });
        tokio::task::spawn_local(pipes.clone().run());
        Ok(pipes)
    }

    /// Reads `fd` (non-blocking) until EOF, logging everything read.
    pub fn add(&self, fd: OwnedFd, mut pump: Pump) -> io::Result<()> {
        let capture = pump.capture.take();
        let slot = Box::new(Slot { fd, pump, capture, grown: false, flush_at: None });
        let mut slots = self.slots.borrow_mut();
        let idx = match self.free.borrow_mut().pop() {
            Some(i) => i,
            None => {
                let i =
                    u32::try_from(slots.len()).map_err(|_| io::Error::other("too many pipes"))?;
                slots.push(None);
                i
            }
        };
        if let Err(e) = self.set.get_ref().add(&slot.fd, u64::from(idx)) {
            self.free.borrow_mut().push(idx);
            return Err(e);
        }
        slots[idx as usize] = Some(slot);
        Ok(())
    }

    async fn run(self: Rc<Self>) {
        let mut tokens = [0u64; BATCH];
        loop {
            let ready = match self.next_flush() {
                Some(at) => tokio::select! {
                    r = self.set.readable() => Some(r),
                    () = tokio::time::sleep_until(at) => None,
                },
                None => Some(self.set.readable().await),
            };
            self.flush_due(tokio::time::Instant::now());
            let mut guard = match ready {
                None => continue,
                Some(Ok(g)) => g,
                // The set is gone from the driver (the runtime is ending).
                Some(Err(_)) => return,
            };
            let Ok(n) = self.set.get_ref().ready(&mut tokens) else { return };
            if n == 0 {
                guard.clear_ready();
                continue;
            }
            drop(guard);
            for t in &tokens[..n] {
                if let Ok(idx) = u32::try_from(*t) {
                    self.read_one(idx);
                }
            }
            // Let the event loop run before the next reads: it takes the
            // events these reads made, so their queue stays one read deep
            // per pipe instead of growing while chatty children keep
            // their pipes ready.
            tokio::task::yield_now().await;
        }
    }

    /// The earliest time a forwarded partial line is due.
    fn next_flush(&self) -> Option<tokio::time::Instant> {
        let slots = self.slots.borrow();
        let waiting = self.waiting.borrow();
        waiting.iter().filter_map(|i| slots.get(*i as usize)?.as_ref()?.flush_at).min()
    }

    /// Sends out the forwarded partial lines due by `now`.
    fn flush_due(&self, now: tokio::time::Instant) {
        if self.waiting.borrow().is_empty() {
            return;
        }
        let mut slots = self.slots.borrow_mut();
        self.waiting.borrow_mut().retain(|i| {
            let Some(Some(slot)) = slots.get_mut(*i as usize) else { return false };
            match slot.flush_at {
                Some(at) if at <= now => {
                    slot.flush_at = None;
                    if let Some(f) = &slot.pump.forward {
                        forwarded(&slot.pump, f.flush(false));
                    }
                    false
                }
                Some(_) => true,
                None => false,
            }
        });
    }

    /// One read from the pipe in slot `idx`; at EOF the pipe is closed.
    fn read_one(&self, idx: u32) {
        // The slot leaves the table while its output is handled, so nothing
        // done there can find the table borrowed.
        let Some(mut slot) = self.slots.borrow_mut().get_mut(idx as usize).and_then(Option::take)
        else {
            return;
        };
        let (eof, full) = READ_BUF.with_borrow_mut(|buf| match nix::unistd::read(&slot.fd, buf) {
            Ok(0) => (true, false),
            Ok(n) => {
                consume(&slot.pump, slot.capture.as_deref_mut(), &buf[..n]);
                (false, n >= DEFAULT_PIPE)
            }
            Err(e) => (e != nix::errno::Errno::EAGAIN && e != nix::errno::Errno::EINTR, false),
        });
        if eof {
            let _ = self.set.get_ref().delete(&slot.fd);
            if let Some(c) = slot.capture.as_mut() {
                for piece in c.finish() {
                    handle_piece(&slot.pump, piece);
                }
            }
            if let Some(f) = &slot.pump.forward {
                forwarded(&slot.pump, f.flush(true));
            }
            self.free.borrow_mut().push(idx);
            return;
        }
        if full && !slot.grown {
            // The child filled its pipe: it writes faster than one wake-up
            // per 64 KiB. A larger pipe lets it run on while we write the
            // log, and lets each of our reads take more at once. Quiet
            // children keep the default, so the user's pipe quota (which a
            // thousand large pipes would exhaust) goes only where it helps.
            slot.grown = true;
            let _ = sv_sys::process::grow_pipe(slot.fd.as_fd(), CHATTY_PIPE);
        }
        if slot.pump.forward.as_ref().is_some_and(|f| f.has_partial()) {
            if slot.flush_at.is_none() {
                self.waiting.borrow_mut().push(idx);
            }
            slot.flush_at = Some(tokio::time::Instant::now() + super::forward::PARTIAL_WAIT);
        } else {
            slot.flush_at = None;
        }
        if let Some(s) = self.slots.borrow_mut().get_mut(idx as usize) {
            *s = Some(slot);
        }
    }
}

/// Says in the main log that forwarded lines were dropped (`Some(total)`:
/// the first drop in a minute).
fn forwarded(p: &Pump, dropped: Option<u64>) {
    if let Some(n) = dropped {
        p.logger.borrow_mut().log(LogLevel::Warn, &super::event_loop::forward_drop_line(n));
    }
}

/// What one read brought: to the listener protocol, the capture, the log.
fn consume(p: &Pump, capture: Option<&mut sv_core::capture::Capture>, raw: &[u8]) {
    bump(&p.link.counters.log_bytes[p.stream()], raw.len() as u64);
    let stripped;
    let data: &[u8] = if p.strip_ansi {
        stripped = strip_ansi(raw);
        &stripped
    } else {
        raw
    };
    if let Some(tx) = &p.protocol {
        let _ = tx.send((p.config.group.clone(), p.config.name.clone(), raw.to_vec()));
    }
    if let Some(r) = &p.ready {
        r.feed(data);
    }
    match capture {
        Some(c) => {
            for piece in c.feed(data) {
                handle_piece(p, piece);
            }
        }
        None => {
            write_out(p, data);
            log_event(p, data);
        }
    }
}

/// A PROCESS_LOG event for `data`, when the channel has events enabled.
fn log_event(p: &Pump, data: &[u8]) {
    if p.events.as_ref().is_some_and(|e| e.log_events && e.subscribed.get()) {
        let stderr = p.channel == "stderr";
        emit(p, |s| sv_core::events::Event::ProcessLog {
            stderr,
            process: p.config.name.clone(),
            group: p.config.group.clone(),
            pid: s.pid,
            data: data.to_vec(),
        });
    }
}

fn emit(p: &Pump, make: impl FnOnce(&EventSink) -> sv_core::events::Event) {
    if let Some(sink) = &p.events {
        let _ = sink.tx.send(make(sink));
    }
}

fn handle_piece(p: &Pump, piece: Piece) {
    let stderr = p.channel == "stderr";
    match piece {
        Piece::Log(data) => {
            write_out(p, &data);
            log_event(p, &data);
        }
        Piece::Captured(data) => log_event(p, &data),
        Piece::Comm(data) => {
            p.logger.borrow_mut().log(
                LogLevel::Debug,
                &format!("'{}' {} emitted a comm event", p.config.name, p.channel),
            );
            emit(p, |s| sv_core::events::Event::ProcessCommunication {
                stderr,
                process: p.config.name.clone(),
                group: p.config.group.clone(),
                pid: s.pid,
                data,
            });
        }
    }
}

/// Ordinary output: the log file, followers, syslog, the debug echo.
fn write_out(p: &Pump, data: &[u8]) {
    if data.is_empty() {
        return;
    }
    if let Some(f) = &p.file
        && let Ok(true) = f.borrow_mut().write(data)
    {
        bump(&p.link.counters.log_rotations[p.stream()], 1);
    }
    if let Some(f) = &p.forward {
        forwarded(p, f.feed(data));
    }
    if let Some(s) = &p.stamped {
        s.write(data);
    }
    if let Some(tx) = p.link.tails[p.stream()].borrow().as_ref()
        && tx.receiver_count() > 0
    {
        let _ = tx.send(bytes::Bytes::copy_from_slice(data));
    }
    if p.syslog {
        for line in String::from_utf8_lossy(data).lines() {
            sv_sys::syslog::send(&format!("{} {line}", p.config.name));
        }
    }
    let mut logger = p.logger.borrow_mut();
    if logger.enabled(LogLevel::Debug) {
        let text = match std::str::from_utf8(data) {
            Ok(t) => t.to_owned(),
            Err(_) => format!("Undecodable: {:?}", String::from_utf8_lossy(data)),
        };
        logger.log(LogLevel::Debug, &format!("'{}' {} output:\n{text}", p.config.name, p.channel));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each line gets the time once, at its first byte, however the reads
    /// cut it; a pattern format writes the pattern.
    #[test]
    fn stamped_lines_across_reads() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("ts.log");
        let file = Rc::new(RefCell::new(RotatingFile::open(&path, 0, 0).expect("open")));
        let fmt = sv_config::TimestampFormat::Pattern("[T]".into());
        let s = Stamped::new(file, fmt);
        s.write(b"a\npar");
        s.write(b"tial\nb\n");
        s.write(b"c");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "[T] a\n[T] partial\n[T] b\n[T] c");
    }
}
