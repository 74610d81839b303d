//! What a process uses, read from `/proc` (for `/metrics`): CPU time,
//! resident memory, open file descriptors and start time.

use procfs::process::Process;

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
/// mounted).
pub fn of(pid: i32) -> Option<Usage> {
    let p = Process::new(pid).ok()?;
    let stat = p.stat().ok()?;
    let tps = procfs::ticks_per_second() as f64;
    let page = procfs::page_size();
    let boot = procfs::boot_time_secs().ok()? as f64;
    Some(Usage {
        user_seconds: stat.utime as f64 / tps,
        system_seconds: stat.stime as f64 / tps,
        resident_bytes: stat.rss.saturating_mul(page),
        virtual_bytes: stat.vsize,
        open_fds: p.fd_count().ok().map(|n| n as u64),
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
