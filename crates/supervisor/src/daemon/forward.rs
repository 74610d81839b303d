//! Output forwarding for containers (ours): child output copied to
//! supervisord's own stdout and stderr as raw bytes, `name | line`, one
//! JSON object per line, or CRI log lines; and the `supervisor_stdlog`
//! result handler done natively.
//!
//! The event loop formats and queues; one writer thread does the blocking
//! writes, so a slow or blocked stdout never stalls the reading of
//! children. The queue is bounded (`forward_output_buffer`): beyond it,
//! whole lines are dropped and counted, never parts of lines.

use std::cell::RefCell;
use std::io::Write as _;
use std::os::fd::AsFd;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use sv_config::ForwardFormat;

/// supervisord's stdout (0) or stderr (1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fd {
    /// File descriptor 1.
    Out = 0,
    /// File descriptor 2.
    Err = 1,
}

#[derive(Default)]
struct Queues {
    bufs: [Vec<u8>; 2],
    closed: bool,
    writing: bool,
}

/// How long the writer gathers lines before writing them (the most a
/// forwarded line waits).
const GATHER: Duration = Duration::from_millis(5);

/// The bounded queue between the event loop and the writer thread.
pub struct Sink {
    queues: Mutex<Queues>,
    wake: Condvar,
    limit: usize,
    dropped: AtomicU64,
    said: Mutex<Option<Instant>>,
}

/// What became of a push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    /// Queued.
    Queued,
    /// Dropped (the queue is full); `warn`: the first drop in a minute,
    /// worth a line in the main log.
    Dropped {
        /// Whether to say so.
        warn: bool,
    },
}

impl Sink {
    /// A sink holding at most `limit` bytes per stream, and its writer
    /// thread.
    pub fn start(limit: usize) -> std::io::Result<Arc<Sink>> {
        let sink = Arc::new(Sink::new(limit));
        let writer = sink.clone();
        std::thread::Builder::new().name("forward".into()).spawn(move || writer.run())?;
        Ok(sink)
    }

    /// A sink holding at most `limit` bytes per stream, with no writer yet.
    fn new(limit: usize) -> Sink {
        Sink {
            queues: Mutex::new(Queues::default()),
            wake: Condvar::new(),
            limit,
            dropped: AtomicU64::new(0),
            said: Mutex::new(None),
        }
    }

    /// Queues whole lines (`lines` of them, for the count of drops).
    pub fn push(&self, fd: Fd, bytes: &[u8], lines: u64) -> Pushed {
        if bytes.is_empty() {
            return Pushed::Queued;
        }
        let Ok(mut q) = self.queues.lock() else { return Pushed::Dropped { warn: false } };
        let buf = &mut q.bufs[fd as usize];
        if buf.len() + bytes.len() > self.limit {
            drop(q);
            self.dropped.fetch_add(lines.max(1), Ordering::Relaxed);
            let now = Instant::now();
            let mut said = self.said.lock().unwrap_or_else(|e| e.into_inner());
            let warn = said.is_none_or(|t| now - t >= Duration::from_secs(60));
            if warn {
                *said = Some(now);
            }
            return Pushed::Dropped { warn };
        }
        let idle = q.bufs.iter().all(Vec::is_empty) && !q.writing;
        q.bufs[fd as usize].extend_from_slice(bytes);
        drop(q);
        if idle {
            self.wake.notify_one();
        }
        Pushed::Queued
    }

    /// Lines dropped so far.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Writes what is queued until [`Sink::close`]. Woken by the first
    /// line after a pause, it gathers for [`GATHER`] before writing, so that
    /// a busy fleet costs one write per stream every few milliseconds
    /// rather than a wake-up and a write per line; when nothing comes it
    /// sleeps until something does.
    fn run(&self) {
        let mut spare: [Vec<u8>; 2] = Default::default();
        loop {
            {
                let Ok(mut q) = self.queues.lock() else { return };
                q.writing = false;
                while q.bufs.iter().all(Vec::is_empty) && !q.closed {
                    q = match self.wake.wait(q) {
                        Ok(q) => q,
                        Err(_) => return,
                    };
                }
                if q.bufs.iter().all(Vec::is_empty) {
                    self.wake.notify_all();
                    return;
                }
                // No more wake-ups until this batch is written.
                q.writing = true;
                let urgent = q.closed || q.bufs.iter().any(|b| b.len() >= self.limit / 4);
                drop(q);
                if !urgent {
                    std::thread::sleep(GATHER);
                }
                let Ok(mut q) = self.queues.lock() else { return };
                for (mine, queued) in spare.iter_mut().zip(q.bufs.iter_mut()) {
                    std::mem::swap(mine, queued);
                }
            }
            write_all(std::io::stdout().as_fd(), &spare[0]);
            write_all(std::io::stderr().as_fd(), &spare[1]);
            for b in &mut spare {
                b.clear();
            }
        }
    }

    /// Stops taking lines and waits (at most `limit`) until what was
    /// queued is written.
    pub fn close(&self, limit: Duration) {
        let Ok(mut q) = self.queues.lock() else { return };
        q.closed = true;
        self.wake.notify_all();
        let deadline = Instant::now() + limit;
        while !q.bufs.iter().all(Vec::is_empty) || q.writing {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            q = match self.wake.wait_timeout(q, left) {
                Ok((q, _)) => q,
                Err(_) => return,
            };
        }
    }
}

/// Writes everything, retrying after interruptions; gives up on an error
/// (a closed stdout loses what it cannot take, as a terminal would).
fn write_all(fd: std::os::fd::BorrowedFd<'_>, mut data: &[u8]) {
    while !data.is_empty() {
        match nix::unistd::write(fd, data) {
            Ok(0) => return,
            Ok(n) => data = &data[n..],
            Err(nix::errno::Errno::EINTR) => {}
            Err(nix::errno::Errno::EAGAIN) => std::thread::sleep(Duration::from_millis(5)),
            Err(_) => return,
        }
    }
}

/// The daemon's forwarding settings and sink.
pub struct Forwarder {
    /// The format of forwarded child output.
    pub format: ForwardFormat,
    /// Where lines go.
    pub sink: Arc<Sink>,
    /// `prefixed`: names are padded to this many characters.
    pub pad: usize,
    stdlog: RefCell<Stdlog>,
}

impl Forwarder {
    /// A forwarder writing `format` (and `supervisor_stdlog` results).
    pub fn new(format: ForwardFormat, limit: usize, pad: usize) -> std::io::Result<Rc<Self>> {
        let sink = Sink::start(limit)?;
        Ok(Rc::new(Forwarder { format, sink, pad, stdlog: RefCell::default() }))
    }
}

/// The longest a line is held waiting for its newline.
pub const MAX_PARTIAL: usize = 64 * 1024;
/// How long a line without its newline (a prompt) is held before it is
/// forwarded as a partial line.
pub const PARTIAL_WAIT: Duration = Duration::from_secs(1);

/// Forwarding of one pipe of one child.
pub struct Pipe {
    fwd: Rc<Forwarder>,
    fd: Fd,
    stream: &'static str,
    /// `prefixed`: `name | `; `json`: the members after `time`, up to
    /// `"message":`.
    head: String,
    partial: RefCell<Vec<u8>>,
    out: RefCell<Vec<u8>>,
}

/// Who wrote the output, for the line formats.
pub struct Origin<'a> {
    /// Process name.
    pub name: &'a str,
    /// The program (section) name.
    pub program: &'a str,
    /// Group name.
    pub group: &'a str,
    /// `group:name` or `name`.
    pub namespec: &'a str,
    /// The child.
    pub pid: u32,
}

fn json_str(out: &mut Vec<u8>, s: &str) {
    // serde_json escapes exactly what JSON requires (quotes, backslashes,
    // control characters).
    let _ = serde_json::to_writer(&mut *out, s);
}

impl Pipe {
    /// Forwarding for the `stream` (`stdout`/`stderr`) pipe of `origin`.
    pub fn new(fwd: Rc<Forwarder>, stream: &'static str, origin: &Origin<'_>) -> Self {
        let stderr = stream == "stderr";
        let fd = match fwd.format {
            ForwardFormat::Raw | ForwardFormat::Prefixed if stderr => Fd::Err,
            _ => Fd::Out,
        };
        let head = match fwd.format {
            ForwardFormat::Prefixed => format!("{:<pad$} | ", origin.name, pad = fwd.pad),
            ForwardFormat::Json => {
                let mut h = Vec::new();
                h.extend_from_slice(b",\"program\":");
                json_str(&mut h, origin.program);
                h.extend_from_slice(b",\"group\":");
                json_str(&mut h, origin.group);
                h.extend_from_slice(b",\"process\":");
                json_str(&mut h, origin.namespec);
                let _ = write!(h, ",\"pid\":{},\"stream\":\"{stream}\",\"message\":", origin.pid);
                String::from_utf8_lossy(&h).into_owned()
            }
            _ => String::new(),
        };
        Pipe { fwd, fd, stream, head, partial: RefCell::default(), out: RefCell::default() }
    }

    /// Whether a line is held waiting for its newline.
    pub fn has_partial(&self) -> bool {
        !self.partial.borrow().is_empty()
    }

    /// Forwards what one read brought. `Some(dropped)` when lines were
    /// dropped and the main log should say so.
    pub fn feed(&self, data: &[u8]) -> Option<u64> {
        if self.fwd.format == ForwardFormat::Raw {
            let lines = data.iter().filter(|b| **b == b'\n').count() as u64;
            return self.send_raw(data, lines);
        }
        let now = Stamp::now(self.fwd.format);
        let mut out = self.out.borrow_mut();
        out.clear();
        let mut lines = 0u64;
        let mut partial = self.partial.borrow_mut();
        for piece in data.split_inclusive(|b| *b == b'\n') {
            match piece.strip_suffix(b"\n") {
                Some(line) if partial.is_empty() => {
                    self.format_line(&mut out, &now, line, false);
                    lines += 1;
                }
                Some(line) => {
                    partial.extend_from_slice(line);
                    self.format_line(&mut out, &now, &partial, false);
                    partial.clear();
                    lines += 1;
                }
                None => {
                    partial.extend_from_slice(piece);
                    if partial.len() >= MAX_PARTIAL {
                        self.format_line(&mut out, &now, &partial, true);
                        partial.clear();
                        lines += 1;
                    }
                }
            }
        }
        drop(partial);
        self.send_raw(&out, lines)
    }

    /// Forwards the held partial line (its newline did not come in time,
    /// or the pipe closed: `end`).
    pub fn flush(&self, end: bool) -> Option<u64> {
        let mut partial = self.partial.borrow_mut();
        if partial.is_empty() {
            return None;
        }
        let mut out = self.out.borrow_mut();
        out.clear();
        self.format_line(&mut out, &Stamp::now(self.fwd.format), &partial, !end);
        partial.clear();
        drop(partial);
        self.send_raw(&out, 1)
    }

    fn send_raw(&self, out: &[u8], lines: u64) -> Option<u64> {
        match self.fwd.sink.push(self.fd, out, lines) {
            Pushed::Dropped { warn: true } => Some(self.fwd.sink.dropped()),
            _ => None,
        }
    }

    fn format_line(&self, out: &mut Vec<u8>, now: &Stamp, line: &[u8], partial: bool) {
        match self.fwd.format {
            ForwardFormat::Off | ForwardFormat::Raw => {}
            ForwardFormat::Prefixed => {
                out.extend_from_slice(self.head.as_bytes());
                out.extend_from_slice(line);
                out.push(b'\n');
            }
            ForwardFormat::Json => {
                out.extend_from_slice(b"{\"time\":\"");
                out.extend_from_slice(now.0.as_bytes());
                out.push(b'"');
                out.extend_from_slice(self.head.as_bytes());
                json_str(out, &String::from_utf8_lossy(line));
                if partial {
                    out.extend_from_slice(b",\"partial\":true");
                }
                out.extend_from_slice(b"}\n");
            }
            ForwardFormat::Cri => {
                out.extend_from_slice(now.0.as_bytes());
                out.push(b' ');
                out.extend_from_slice(self.stream.as_bytes());
                out.extend_from_slice(if partial { b" P " } else { b" F " });
                out.extend_from_slice(line);
                out.push(b'\n');
            }
        }
    }
}

/// The time of one read, as the format writes it: RFC 3339 UTC with
/// microseconds (JSON) or nanoseconds (CRI); nothing for the others.
struct Stamp(String);

impl Stamp {
    fn now(format: ForwardFormat) -> Self {
        let pattern = match format {
            ForwardFormat::Json => "%Y-%m-%dT%H:%M:%S%.6fZ",
            ForwardFormat::Cri => "%Y-%m-%dT%H:%M:%S%.9fZ",
            _ => return Stamp(String::new()),
        };
        Stamp(chrono::Utc::now().format(pattern).to_string())
    }
}

/// An RFC 3339 UTC time with microseconds, for JSON log lines.
pub fn rfc3339_micros() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// One of supervisord's own log lines as a JSON object (`log_format=json`).
pub fn json_log_line(level: &str, msg: &str) -> String {
    let mut out = Vec::with_capacity(msg.len() + 96);
    out.extend_from_slice(b"{\"time\":\"");
    out.extend_from_slice(rfc3339_micros().as_bytes());
    out.extend_from_slice(b"\",\"program\":\"supervisord\",\"level\":");
    json_str(&mut out, level);
    out.extend_from_slice(b",\"message\":");
    json_str(&mut out, msg);
    out.extend_from_slice(b"}\n");
    String::from_utf8_lossy(&out).into_owned()
}

/// What `supervisor_stdlog:log_handler` keeps between results: each
/// process's colour, the name column's width (which only grows), and the
/// number of results so far: the handler takes the next colour of its
/// cycle on every result, and a name keeps the one it drew first.
#[derive(Default)]
struct Stdlog {
    colours: Vec<(String, u8)>,
    width: usize,
    results: usize,
}

/// The colours names take in turn.
const NAME_COLOURS: [u8; 5] = [36, 33, 32, 35, 34];

impl Forwarder {
    /// `supervisor_stdlog:log_handler` on one listener result (a
    /// `PROCESS_LOG` event echoed back): each line of the data as
    /// `<colour>name<pad>| <colour>line<reset>` on supervisord's stdout or
    /// stderr, by the event's channel, as that handler writes it.
    pub fn stdlog(&self, result: &[u8]) -> Option<u64> {
        let text = String::from_utf8_lossy(result);
        let (head, data) = text.split_once('\n')?;
        let mut name = None;
        let mut channel = None;
        for kv in head.split_whitespace() {
            match kv.split_once(':') {
                Some(("processname", v)) => name = Some(v),
                Some(("channel", v)) => channel = Some(v),
                _ => {}
            }
        }
        let name = name?;
        let mut st = self.stdlog.borrow_mut();
        st.width = st.width.max(name.chars().count() + 1);
        let drawn = NAME_COLOURS[st.results % NAME_COLOURS.len()];
        st.results += 1;
        let colour = match st.colours.iter().find(|(n, _)| n == name) {
            Some((_, c)) => *c,
            None => {
                st.colours.push((name.to_owned(), drawn));
                drawn
            }
        };
        let (fd, line_colour) = match channel {
            Some("stderr") => (Fd::Err, 31),
            Some("stdout") => (Fd::Out, 37),
            _ => (Fd::Out, 34),
        };
        let data = data.strip_suffix('\n').unwrap_or(data);
        let mut out = String::new();
        let mut lines = 0;
        for line in data.split('\n') {
            out.push_str(&format!(
                "\x1b[{colour}m{name:<w$}| \x1b[{line_colour}m{line}\x1b[m\n",
                w = st.width
            ));
            lines += 1;
        }
        match self.sink.push(fd, out.as_bytes(), lines) {
            Pushed::Dropped { warn: true } => Some(self.sink.dropped()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pipe(format: ForwardFormat, limit: usize) -> (Pipe, Arc<Sink>) {
        // A sink whose writer never runs: what is queued stays to be read.
        let sink = Arc::new(Sink::new(limit));
        let fwd =
            Rc::new(Forwarder { format, sink: sink.clone(), pad: 5, stdlog: RefCell::default() });
        let origin =
            Origin { name: "web_0", program: "web", group: "web", namespec: "web:web_0", pid: 7 };
        (Pipe::new(fwd, "stdout", &origin), sink)
    }

    fn queued(sink: &Sink, fd: Fd) -> String {
        String::from_utf8_lossy(&sink.queues.lock().unwrap().bufs[fd as usize]).into_owned()
    }

    #[test]
    fn json_lines_are_valid_with_every_member() {
        let (p, sink) = pipe(ForwardFormat::Json, 1 << 20);
        p.feed(b"hello \"x\"\nbad \xff byte\npart");
        let text = queued(&sink, Fd::Out);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "the partial line is held: {text}");
        for l in &lines {
            let v: serde_json::Value = serde_json::from_str(l).expect("valid JSON");
            assert_eq!(v["program"], "web");
            assert_eq!(v["group"], "web");
            assert_eq!(v["process"], "web:web_0");
            assert_eq!(v["pid"], 7);
            assert_eq!(v["stream"], "stdout");
            let t = v["time"].as_str().unwrap();
            assert!(t.ends_with('Z') && t.len() == 27, "{t}");
        }
        let m: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
        assert_eq!(m["message"], "bad \u{fffd} byte");
        assert!(p.has_partial());
        p.feed(b"ial\n");
        let last: serde_json::Value =
            serde_json::from_str(queued(&sink, Fd::Out).lines().last().unwrap()).unwrap();
        assert_eq!(last["message"], "partial");
        assert!(last.get("partial").is_none());
        p.feed(b"prompt> ");
        p.flush(false);
        let last: serde_json::Value =
            serde_json::from_str(queued(&sink, Fd::Out).lines().last().unwrap()).unwrap();
        assert_eq!(
            (last["message"].as_str(), last["partial"].as_bool()),
            (Some("prompt> "), Some(true))
        );
    }

    #[test]
    fn prefixed_and_cri_lines() {
        let (p, sink) = pipe(ForwardFormat::Prefixed, 1 << 20);
        p.feed(b"a\nb\n");
        assert_eq!(queued(&sink, Fd::Out), "web_0 | a\nweb_0 | b\n");
        let (p, sink) = pipe(ForwardFormat::Cri, 1 << 20);
        p.feed(b"a\n");
        p.feed(b"b");
        p.flush(true);
        let text = queued(&sink, Fd::Out);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].ends_with("Z stdout F a") && lines[0].len() == 30 + 11, "{text}");
        assert!(lines[1].ends_with(" stdout F b"), "the end of the pipe ends the line: {text}");
    }

    #[test]
    fn a_full_queue_drops_whole_lines_and_counts_them() {
        let (p, sink) = pipe(ForwardFormat::Prefixed, 30);
        assert_eq!(p.feed(b"one\ntwo\n"), None);
        assert_eq!(p.feed(b"three\nfour\n"), Some(2), "dropped, said once");
        assert_eq!(p.feed(b"five\n"), None, "dropped, not said again");
        assert_eq!(sink.dropped(), 3);
        assert_eq!(queued(&sink, Fd::Out), "web_0 | one\nweb_0 | two\n");
    }

    #[test]
    fn stdlog_results_as_the_handler_writes_them() {
        let (p, sink) = pipe(ForwardFormat::Off, 1 << 20);
        let fwd = p.fwd.clone();
        fwd.stdlog(b"processname:web groupname:web pid:1 channel:stdout\nhi\nthere\n");
        fwd.stdlog(b"processname:longer groupname:x pid:2 channel:stderr\noops\n");
        fwd.stdlog(b"processname:web groupname:web pid:1 channel:stdout\nagain\n");
        assert_eq!(
            queued(&sink, Fd::Out),
            "\x1b[36mweb | \x1b[37mhi\x1b[m\n\x1b[36mweb | \x1b[37mthere\x1b[m\n\
             \x1b[36mweb    | \x1b[37magain\x1b[m\n"
        );
        assert_eq!(
            queued(&sink, Fd::Err),
            "\x1b[33mlonger | \x1b[31moops\x1b[m\n",
            "the second result draws the second colour"
        );
        fwd.stdlog(b"processname:web groupname:web pid:1 channel:stdout\nmore\n");
        fwd.stdlog(b"processname:third groupname:t pid:3 channel:other\nx\n");
        assert!(
            queued(&sink, Fd::Out).ends_with("\x1b[34mthird  | \x1b[34mx\x1b[m\n"),
            "the fifth result draws the fifth colour: {:?}",
            queued(&sink, Fd::Out)
        );
    }
}
