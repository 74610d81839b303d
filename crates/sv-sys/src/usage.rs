//! What a process uses, read from `/proc` (for `/metrics`): CPU time,
//! resident memory, open file descriptors and start time.

use procfs::process::Stat;

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

/// The use of process `pid`; `None` when it is gone (or `/proc` is not
/// mounted). Four system calls: open, read and close of `/proc/PID/stat`
/// (from an open `/proc`), and a `stat` of `/proc/PID/fd`, whose size is the number of open fds
/// (Linux 6.2 and later; older kernels give 0, and the directory is listed
/// instead). A metrics scrape reads this for every child.
pub fn of(pid: i32) -> Option<Usage> {
    use nix::fcntl::{OFlag, openat};
    use nix::sys::stat::{Mode, fstatat};
    // Paths are taken from an open `/proc`, not walked from `/` each time.
    static PROC: std::sync::OnceLock<Option<std::os::fd::OwnedFd>> = std::sync::OnceLock::new();
    let proc_dir = PROC
        .get_or_init(|| {
            let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
            nix::fcntl::open("/proc", flags, Mode::empty()).ok()
        })
        .as_ref()?;
    let fd = openat(
        proc_dir,
        format!("{pid}/stat").as_str(),
        OFlag::O_RDONLY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .ok()?;
    // The kernel makes the whole line on the first read when it fits: a
    // read that leaves room in the buffer has seen the end (no second read
    // for the end of file).
    let mut buf = [0u8; 1024];
    let mut len = 0;
    loop {
        match nix::unistd::read(&fd, &mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(nix::errno::Errno::EINTR) => continue,
            Err(_) => return None,
        }
        if len == buf.len() || buf[len - 1] == b'\n' {
            break;
        }
    }
    drop(fd);
    let stat = <Stat as procfs::FromRead>::from_read(&buf[..len]).ok()?;
    let tps = procfs::ticks_per_second() as f64;
    let page = procfs::page_size();
    let boot = procfs::boot_time_secs().ok()? as f64;
    let fd_dir = format!("{pid}/fd");
    let open_fds = match fstatat(proc_dir, fd_dir.as_str(), nix::fcntl::AtFlags::empty()) {
        Ok(st) if st.st_size > 0 => Some(st.st_size as u64),
        Ok(_) => std::fs::read_dir(format!("/proc/{fd_dir}")).ok().map(|d| d.count() as u64),
        Err(_) => None,
    };
    Some(Usage {
        user_seconds: stat.utime as f64 / tps,
        system_seconds: stat.stime as f64 / tps,
        resident_bytes: stat.rss.saturating_mul(page),
        virtual_bytes: stat.vsize,
        open_fds,
        start_time: boot + stat.starttime as f64 / tps,
    })
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
}
