//! What a process uses, read from `/proc` (for `/metrics`): CPU time,
//! resident memory, open file descriptors and start time.

/// Resource use of one process.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Usage {
    /// CPU time in user mode, seconds.
    pub user_seconds: f64,
    /// CPU time in kernel mode, seconds.
    pub system_seconds: f64,
    /// Resident memory, bytes.
    pub resident_bytes: u64,
    /// Virtual memory, bytes.
    pub virtual_bytes: u64,
    /// Open file descriptors (`None`: not readable, e.g. another user's).
    pub open_fds: Option<u64>,
    /// Start time, seconds since the epoch.
    pub start_time: f64,
}

/// The fields of a `/proc/PID/stat` line a scrape reports, in the kernel's
/// units (clock ticks, pages, bytes). Parsed here rather than with
/// `procfs`'s `Stat`, which builds all 52 fields and the command name as a
/// string: that parse was a tenth of a 1000-child scrape's time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct StatFields {
    utime: u64,
    stime: u64,
    starttime: u64,
    vsize: u64,
    rss: u64,
}

impl StatFields {
    /// Parses one line: `pid (comm) state ppid ...`. The command name may
    /// hold spaces and parentheses, so the fields are counted from the
    /// last `)`.
    fn parse(line: &[u8]) -> Option<StatFields> {
        let close = line.iter().rposition(|b| *b == b')')?;
        let mut rest = line[close + 1..].split(u8::is_ascii_whitespace).filter(|f| !f.is_empty());
        // Field 3 (the state) is the first after the name; utime is field 14.
        let mut nth =
            |n: usize| -> Option<u64> { std::str::from_utf8(rest.nth(n)?).ok()?.parse().ok() };
        let utime = nth(11)?;
        let stime = nth(0)?;
        let starttime = nth(6)?;
        let vsize = nth(0)?;
        let rss = nth(0)?;
        Some(StatFields { utime, stime, starttime, vsize, rss })
    }
}

/// `/proc`, opened once: paths are taken from it, not walked from `/` each
/// time.
fn proc_dir() -> Option<&'static std::os::fd::OwnedFd> {
    use nix::fcntl::OFlag;
    static PROC: std::sync::OnceLock<Option<std::os::fd::OwnedFd>> = std::sync::OnceLock::new();
    PROC.get_or_init(|| {
        let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
        nix::fcntl::open("/proc", flags, nix::sys::stat::Mode::empty()).ok()
    })
    .as_ref()
}

/// The open `/proc/PID/stat` and `/proc/PID/fd` of one process, read
/// again on each [`ProcFiles::read`]: the kernel makes the stat line anew
/// for every read at offset 0, and a `stat` of the open fd directory counts
/// its entries anew, so files kept open give the current figures for two
/// cheap system calls instead of four with path lookups (open, read and
/// close of the stat file, `stat` of the fd directory by path). The files
/// stay tied to that process: once it is gone, reads fail, even if its pid
/// is reused.
#[derive(Debug)]
pub struct ProcFiles {
    pid: i32,
    stat: std::os::fd::OwnedFd,
    /// `None` where the directory cannot be opened (it is then looked up
    /// by path on each read).
    fd_dir: Option<std::os::fd::OwnedFd>,
}

impl ProcFiles {
    /// Opens the files of `pid` (close-on-exec): two file descriptors while
    /// they are kept. `None` when it is gone or `/proc` is not mounted.
    pub fn open(pid: i32) -> Option<ProcFiles> {
        let stat = open_at(&format!("{pid}/stat"), nix::fcntl::OFlag::empty())?;
        let fd_dir = open_at(&format!("{pid}/fd"), nix::fcntl::OFlag::O_DIRECTORY);
        Some(ProcFiles { pid, stat, fd_dir })
    }

    /// The current use of the process; `None` once it is gone.
    pub fn read(&self) -> Option<Usage> {
        let (buf, len) = read_line(&self.stat)?;
        let stat = StatFields::parse(&buf[..len])?;
        let open_fds = match &self.fd_dir {
            Some(dir) => nix::sys::stat::fstat(dir).ok().and_then(|st| fd_count(self.pid, &st)),
            None => fds_by_path(self.pid),
        };
        usage(&stat, open_fds)
    }
}

/// Opens `path` under `/proc` for reading, close-on-exec.
fn open_at(path: &str, extra: nix::fcntl::OFlag) -> Option<std::os::fd::OwnedFd> {
    use nix::fcntl::OFlag;
    let flags = OFlag::O_RDONLY | OFlag::O_CLOEXEC | extra;
    nix::fcntl::openat(proc_dir()?, path, flags, nix::sys::stat::Mode::empty()).ok()
}

/// The stat line of an open stat file, read from its start.
fn read_line(fd: &std::os::fd::OwnedFd) -> Option<([u8; 1024], usize)> {
    // The kernel makes the whole line on the first read when it fits: a
    // read that leaves room in the buffer has seen the end (no second read
    // for the end of file).
    let mut buf = [0u8; 1024];
    let mut len = 0;
    loop {
        match nix::sys::uio::pread(fd, &mut buf[len..], len as i64) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(nix::errno::Errno::EINTR) => continue,
            Err(_) => return None,
        }
        if len == buf.len() || buf[len - 1] == b'\n' {
            break;
        }
    }
    Some((buf, len))
}

/// The open-fd count from the `stat` of `/proc/PID/fd`: its size on Linux
/// 6.2 and later; older kernels give 0, and the directory is listed.
fn fd_count(pid: i32, st: &nix::sys::stat::FileStat) -> Option<u64> {
    if st.st_size > 0 {
        return Some(st.st_size as u64);
    }
    std::fs::read_dir(format!("/proc/{pid}/fd")).ok().map(|d| d.count() as u64)
}

/// The open-fd count of `pid`, its fd directory looked up by path.
fn fds_by_path(pid: i32) -> Option<u64> {
    let at = nix::fcntl::AtFlags::empty();
    let st = nix::sys::stat::fstatat(proc_dir()?, format!("{pid}/fd").as_str(), at).ok()?;
    fd_count(pid, &st)
}

fn usage(stat: &StatFields, open_fds: Option<u64>) -> Option<Usage> {
    let tps = procfs::ticks_per_second() as f64;
    let page = procfs::page_size();
    let boot = procfs::boot_time_secs().ok()? as f64;
    Some(Usage {
        user_seconds: stat.utime as f64 / tps,
        system_seconds: stat.stime as f64 / tps,
        resident_bytes: stat.rss.saturating_mul(page),
        virtual_bytes: stat.vsize,
        open_fds,
        start_time: boot + stat.starttime as f64 / tps,
    })
}

/// The use of process `pid` read once; `None` when it is gone (or `/proc`
/// is not mounted). Four system calls: open, read and close of
/// `/proc/PID/stat`, and a `stat` of `/proc/PID/fd`.
pub fn of(pid: i32) -> Option<Usage> {
    let stat = open_at(&format!("{pid}/stat"), nix::fcntl::OFlag::empty())?;
    let (buf, len) = read_line(&stat)?;
    let fields = StatFields::parse(&buf[..len])?;
    drop(stat);
    usage(&fields, fds_by_path(pid))
}

/// How many files this process has open (`None` where `/proc` cannot tell).
pub fn open_fds() -> Option<u64> {
    fds_by_path(std::process::id() as i32)
}

/// The soft limit on open files of this process.
pub fn max_fds() -> Option<u64> {
    let (soft, _) =
        nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE).ok()?;
    Some(soft)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_fields_after_the_command_name() {
        let line = b"4242 (a (b) c) S 1 4242 4242 0 -1 4194560 120 0 0 0 \
                     7 3 0 0 20 0 1 0 98765 2281472 180 18446744073709551615 1 1 0 0 0 0 0 \
                     0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
        let f = StatFields::parse(line).expect("a whole line");
        let want = StatFields { utime: 7, stime: 3, starttime: 98765, vsize: 2281472, rss: 180 };
        assert_eq!(f, want);
        for cut in [&line[..10], &line[..60], b"no parenthesis 1 2 3".as_slice()] {
            assert_eq!(StatFields::parse(cut), None, "{}", String::from_utf8_lossy(cut));
        }
    }

    #[test]
    fn reads_our_own_use() {
        let me = of(std::process::id() as i32).expect("our own /proc entry");
        assert!(me.resident_bytes > 0 && me.virtual_bytes >= me.resident_bytes);
        assert!(me.open_fds.is_some_and(|n| n >= 3), "stdin, stdout, stderr at least");
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        assert!(me.start_time <= now + 1.0 && me.start_time > now - 3600.0, "{me:?}");
        assert!(of(i32::MAX).is_none(), "no such process");
    }

    #[test]
    fn a_kept_file_reads_the_current_figures_until_the_process_is_gone() {
        let mut child = std::process::Command::new("sh")
            .args(["-c", "i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done; sleep 30"])
            .spawn()
            .expect("sh");
        let file = ProcFiles::open(child.id() as i32).expect("its stat file");
        let first = file.read().expect("running");
        assert!(first.open_fds.is_some_and(|n| n >= 3), "{first:?}");
        // Wait until the loop has used some CPU: the same open file shows it.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let later = loop {
            let now = file.read().expect("still running");
            if now.user_seconds + now.system_seconds > first.user_seconds + first.system_seconds
                || std::time::Instant::now() > deadline
            {
                break now;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        assert!(
            later.user_seconds + later.system_seconds > first.user_seconds + first.system_seconds,
            "{first:?} then {later:?}"
        );
        assert_eq!(later.start_time, first.start_time);
        child.kill().expect("kill");
        child.wait().expect("reap");
        assert!(file.read().is_none(), "a reaped process reads as gone");
    }
}
