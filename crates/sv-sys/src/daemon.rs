//! The daemon's own process: detaching, resource limits, pid and umask.

use std::io;

/// Detaches from the terminal as the reference does: fork (the parent exits
/// 0 at once), `setsid`, standard streams to `/dev/null`. Call before any
/// thread exists.
pub fn daemonize() -> io::Result<()> {
    // SAFETY: called from the single-threaded start of the program, before
    // any runtime or thread exists; the child continues normally.
    match unsafe { nix::unistd::fork() }.map_err(io::Error::from)? {
        // SAFETY: _exit ends the parent immediately without running
        // destructors or flushing buffers shared with the child.
        nix::unistd::ForkResult::Parent { .. } => unsafe { libc::_exit(0) },
        nix::unistd::ForkResult::Child => {}
    }
    nix::unistd::setsid().map_err(io::Error::from)?;
    let null = std::fs::OpenOptions::new().read(true).write(true).open("/dev/null")?;
    use std::os::fd::AsRawFd;
    for fd in 0..3 {
        // SAFETY: dup2 onto the standard descriptors, which this process
        // owns; the source fd stays open until the end of the function.
        if unsafe { libc::dup2(null.as_raw_fd(), fd) } < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Sets the umask.
pub fn set_umask(mask: u32) {
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(mask as libc::mode_t));
}

/// This process's pid.
pub fn getpid() -> u32 {
    nix::unistd::getpid().as_raw() as u32
}

/// A startup step the system refused, with the reference's message for it
/// (supervisord then exits with a usage error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Raises RLIMIT_NOFILE and RLIMIT_NPROC to at least `minfds`/`minprocs`,
/// as the reference does. Returns the INFO lines to log, or the reference's
/// usage message.
pub fn set_rlimits(minfds: i64, minprocs: i64) -> Result<Vec<String>, Refused> {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    const INF: u64 = libc::RLIM_INFINITY;
    let limits = [
        (
            minfds,
            Resource::RLIMIT_NOFILE,
            "RLIMIT_NOFILE",
            "The minimum number of file descriptors required to run this process is {min} as per the \
             \"minfds\" command-line argument or config file setting. The current environment will only \
             allow you to open {hard} file descriptors.  Either raise the number of usable file \
             descriptors in your environment (see README.rst) or lower the minfds setting in the config \
             file to allow the process to start.",
        ),
        (
            minprocs,
            Resource::RLIMIT_NPROC,
            "RLIMIT_NPROC",
            "The minimum number of available processes required to run this program is {min} as per the \
             \"minprocs\" command-line argument or config file setting. The current environment will only \
             allow you to open {hard} processes.  Either raise the number of usable processes in your \
             environment (see README.rst) or lower the minprocs setting in the config file to allow the \
             program to start.",
        ),
    ];
    let mut infos = Vec::new();
    for (min, res, name, msg) in limits {
        let min = u64::try_from(min.max(0)).unwrap_or(0);
        let Ok((soft, hard)) = getrlimit(res) else { continue };
        if soft < min && soft != INF {
            let hard = if hard < min && hard != INF { min } else { hard };
            match setrlimit(res, min, hard) {
                Ok(()) => infos.push(format!("Increased {name} limit to {min}")),
                Err(_) => {
                    return Err(Refused(
                        msg.replace("{min}", &min.to_string()).replace("{hard}", &hard.to_string()),
                    ));
                }
            }
        }
    }
    Ok(infos)
}

/// Switches supervisord itself to `uid` (the reference's
/// `drop_privileges`); `Err` carries the reference's message.
pub fn drop_privileges(uid: u32) -> Result<(), Refused> {
    use nix::unistd::{Gid, Uid, setgid, setgroups, setuid};
    let refused = |m: &str| Refused(m.to_owned());
    match crate::process::resolve_user(uid) {
        crate::process::UserSwitch::Keep => Ok(()),
        crate::process::UserSwitch::Fail { why, .. } => Err(Refused(why)),
        crate::process::UserSwitch::Switch { uid, gid, groups } => {
            let groups: Vec<Gid> = groups.into_iter().map(Gid::from_raw).collect();
            setgroups(&groups).map_err(|_| refused("Could not set groups of effective user"))?;
            setgid(Gid::from_raw(gid))
                .map_err(|_| refused("Could not set group id of effective user"))?;
            setuid(Uid::from_raw(uid))
                .map_err(|_| refused("Could not set user id of effective user"))?;
            Ok(())
        }
    }
}

/// Ignores `sig` in this process (used by the test child program).
pub fn ignore_signal(sig: i32) {
    // SAFETY: installing SIG_IGN involves no handler code; signal(2) is
    // called with a valid signal number or fails harmlessly.
    unsafe { libc::signal(sig, libc::SIG_IGN) };
}

/// Ends this process the way an unhandled `sig` would (the shell then sees
/// "killed by sig"): default action, unblocked in this thread, sent.
pub fn die_by_signal(sig: i32) -> ! {
    // SAFETY: installing SIG_DFL involves no handler code; the mask and
    // kill calls take a valid local sigset and our own pid.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, sig);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::kill(libc::getpid(), sig);
    }
    // A signal that does not terminate (a caller's mistake) still ends us.
    std::process::exit(128 + sig)
}

/// Makes this process the reaper of its orphaned descendants (as PID 1
/// is): children of its children that outlive their parent become ours.
pub fn become_subreaper() -> io::Result<()> {
    nix::sys::prctl::set_child_subreaper(true).map_err(io::Error::from)
}

/// The pids of this process's children still alive (orphans adopted
/// included), from `/proc/self/task/*/children`.
pub fn children() -> Vec<u32> {
    let mut out = Vec::new();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return out };
    for t in tasks.flatten() {
        let Ok(text) = std::fs::read_to_string(t.path().join("children")) else { continue };
        out.extend(text.split_whitespace().filter_map(|p| p.parse::<u32>().ok()));
    }
    out.sort_unstable();
    out.dedup();
    out
}
