//! Children: spawning with the reference's child setup, reaping, signalling.
//!
//! Spawning uses `std::process::Command` (audited fork/exec, exec errors
//! reported synchronously) with a `pre_exec` hook that does, in the child,
//! what the reference's child does: its own process group, SIGPIPE and
//! SIGXFSZ ignored (as Python children inherit them), every inherited fd
//! above 2 closed at exec, then user switch, chdir and umask. A failure there
//! is written to the child's stderr in the reference's words and the child
//! exits 127, so it takes the reference's BACKOFF path.

use std::ffi::CString;
use std::io;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::Arc;

/// Who the child runs as, resolved in the parent (lookups allocate, so they
/// cannot happen between fork and exec).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserSwitch {
    /// Keep supervisord's user.
    Keep,
    /// Switch to this uid/gid with these supplementary groups.
    Switch {
        /// User id.
        uid: u32,
        /// Primary group id.
        gid: u32,
        /// Supplementary groups (primary first).
        groups: Vec<u32>,
    },
    /// The switch cannot work; the child reports `couldn't setuid to <uid>: <why>`.
    Fail {
        /// The configured uid.
        uid: u32,
        /// The reference's reason text.
        why: String,
    },
}

/// Resolves `user=` the way the reference's `drop_privileges` does.
pub fn resolve_user(uid: u32) -> UserSwitch {
    let current = nix::unistd::getuid().as_raw();
    if uid == current {
        return UserSwitch::Keep;
    }
    let Ok(Some(user)) = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid)) else {
        return UserSwitch::Fail { uid, why: format!("Can't find uid {uid}") };
    };
    if current != 0 {
        return UserSwitch::Fail { uid, why: "Can't drop privilege as nonroot user".into() };
    }
    let gid = user.gid.as_raw();
    let mut groups = vec![gid];
    if let Ok(name) = CString::new(user.name.as_bytes())
        && let Ok(list) = nix::unistd::getgrouplist(&name, user.gid)
    {
        groups.extend(list.into_iter().map(|g| g.as_raw()).filter(|g| *g != gid));
    }
    UserSwitch::Switch { uid, gid, groups }
}

/// Everything needed to start one child.
#[derive(Debug, Clone)]
pub struct SpawnSpec {
    /// The resolved executable.
    pub filename: String,
    /// argv, with argv[0] as written in `command`.
    pub argv: Vec<String>,
    /// The complete environment.
    pub env: Vec<(String, String)>,
    /// Directory to change to.
    pub directory: Option<String>,
    /// umask to set.
    pub umask: Option<u32>,
    /// User to become.
    pub user: UserSwitch,
    /// Send stderr into the stdout pipe.
    pub redirect_stderr: bool,
    /// A descriptor to give the child as its stdin instead of a pipe (the
    /// shared socket of an fcgi program).
    pub stdin_fd: Option<Arc<OwnedFd>>,
}

/// A started child and the parent's ends of its pipes.
#[derive(Debug)]
pub struct Spawned {
    /// Its pid.
    pub pid: u32,
    /// Write end of its stdin.
    pub stdin: Option<OwnedFd>,
    /// Read end of its stdout (and stderr when redirected).
    pub stdout: Option<OwnedFd>,
    /// Read end of its stderr.
    pub stderr: Option<OwnedFd>,
}

/// Why `spawn` failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpawnError {
    /// Pipes could not be made: too many open files.
    TooManyFiles,
    /// Pipes could not be made for another reason (errno name).
    Pipes(&'static str),
    /// fork failed: process table full.
    TooManyProcesses,
    /// exec failed (argv[0], errno name).
    Exec(String, &'static str),
    /// The directory cannot be passed to the OS.
    BadDirectory,
}

impl SpawnError {
    /// The reference's spawnerr text for process `name`.
    pub fn message(&self, name: &str) -> String {
        match self {
            SpawnError::TooManyFiles => format!("too many open files to spawn '{name}'"),
            SpawnError::Pipes(e) => format!("unknown error making dispatchers for '{name}': {e}"),
            SpawnError::TooManyProcesses => {
                format!("Too many processes in process table to spawn '{name}'")
            }
            SpawnError::Exec(argv0, e) => format!("couldn't exec {argv0}: {e}"),
            SpawnError::BadDirectory => format!("the directory of '{name}' contains a NUL byte"),
        }
    }
}

fn errname(e: &io::Error) -> &'static str {
    e.raw_os_error().and_then(crate::errno::name).unwrap_or("EUNKNOWN")
}

fn child_fail(parts: &[&[u8]], errno: Option<i32>) -> ! {
    // Runs in the child between fork and exec: only write(2) and _exit(2).
    for p in parts {
        // SAFETY: writing a valid buffer to fd 2; async-signal-safe.
        unsafe { libc::write(2, p.as_ptr().cast(), p.len()) };
    }
    if let Some(e) = errno {
        let name = crate::errno::name(e).unwrap_or("EUNKNOWN");
        // SAFETY: as above.
        unsafe { libc::write(2, name.as_ptr().cast(), name.len()) };
        // SAFETY: as above.
        unsafe { libc::write(2, b"\n".as_ptr().cast(), 1) };
    }
    let tail = b"supervisor: child process was not spawned\n";
    // SAFETY: as above.
    unsafe { libc::write(2, tail.as_ptr().cast(), tail.len()) };
    // SAFETY: _exit is async-signal-safe and never returns.
    unsafe { libc::_exit(127) }
}

fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(io::Error::from)
}

/// Starts a child. The parent's pipe ends are returned non-blocking.
pub fn spawn(spec: &SpawnSpec) -> Result<Spawned, SpawnError> {
    let argv0 = spec.argv.first().cloned().unwrap_or_default();
    let mut cmd = Command::new(&spec.filename);
    cmd.arg0(&argv0).args(spec.argv.iter().skip(1)).env_clear().envs(spec.env.iter().cloned());
    cmd.process_group(0);
    let err = |e: io::Error| {
        if e.raw_os_error() == Some(libc::EMFILE) {
            SpawnError::TooManyFiles
        } else {
            SpawnError::Pipes(errname(&e))
        }
    };
    let (out_r, out_w) = pipe().map_err(err)?;
    let mut err_r = None;
    let in_w = match &spec.stdin_fd {
        Some(fd) => {
            cmd.stdin(Stdio::from(fd.try_clone().map_err(err)?));
            None
        }
        None => {
            let (in_r, in_w) = pipe().map_err(err)?;
            cmd.stdin(Stdio::from(in_r));
            Some(in_w)
        }
    };
    if spec.redirect_stderr {
        let dup = out_w.try_clone().map_err(err)?;
        cmd.stdout(Stdio::from(out_w)).stderr(Stdio::from(dup));
    } else {
        let (r, w) = pipe().map_err(err)?;
        err_r = Some(r);
        cmd.stdout(Stdio::from(out_w)).stderr(Stdio::from(w));
    }

    let user = spec.user.clone();
    let setuid_prefix = match &user {
        UserSwitch::Fail { uid, why } => {
            format!("supervisor: couldn't setuid to {uid}: {why}\n").into_bytes()
        }
        UserSwitch::Switch { uid, .. } => {
            format!("supervisor: couldn't setuid to {uid}: ").into_bytes()
        }
        UserSwitch::Keep => Vec::new(),
    };
    let groups: Vec<libc::gid_t> = match &user {
        UserSwitch::Switch { groups, .. } => groups.clone(),
        _ => Vec::new(),
    };
    let dir = spec.directory.as_ref().map(|d| CString::new(d.as_bytes()));
    let dir = match dir {
        Some(Ok(c)) => Some(c),
        Some(Err(_)) => return Err(SpawnError::BadDirectory),
        None => None,
    };
    let chdir_prefix = spec
        .directory
        .as_ref()
        .map(|d| format!("supervisor: couldn't chdir to {d}: ").into_bytes())
        .unwrap_or_default();
    let umask = spec.umask;

    // SAFETY: the closure runs in the child after fork and before exec. It
    // only makes async-signal-safe calls (signal, syscall, setgroups,
    // setgid, setuid, chdir, umask, write, _exit) on data prepared before
    // the fork, and allocates nothing.
    unsafe {
        cmd.pre_exec(move || {
            // Python children inherit ignored SIGPIPE and SIGXFSZ (reference quirk Q18).
            libc::signal(libc::SIGPIPE, libc::SIG_IGN);
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            // Close every inherited fd above 2 at exec.
            libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, libc::CLOSE_RANGE_CLOEXEC);
            match &user {
                UserSwitch::Keep => {}
                UserSwitch::Fail { .. } => child_fail(&[&setuid_prefix], None),
                UserSwitch::Switch { uid, gid, .. } => {
                    if libc::setgroups(groups.len(), groups.as_ptr()) != 0 {
                        child_fail(
                            &[&setuid_prefix, b"Could not set groups of effective user\n"],
                            None,
                        );
                    }
                    if libc::setgid(*gid) != 0 {
                        child_fail(
                            &[&setuid_prefix, b"Could not set group id of effective user\n"],
                            None,
                        );
                    }
                    if libc::setuid(*uid) != 0 {
                        child_fail(
                            &[&setuid_prefix, b"Could not set user id of effective user\n"],
                            None,
                        );
                    }
                }
            }
            if let Some(d) = &dir
                && libc::chdir(d.as_ptr()) != 0
            {
                let e = *libc::__errno_location();
                child_fail(&[&chdir_prefix], Some(e));
            }
            if let Some(m) = umask {
                libc::umask(m as libc::mode_t);
            }
            Ok(())
        });
    }

    let child = cmd.spawn().map_err(|e| match e.raw_os_error() {
        Some(libc::EAGAIN) => SpawnError::TooManyProcesses,
        _ => SpawnError::Exec(argv0.clone(), errname(&e)),
    })?;
    // The Command still holds the child's ends; drop them now.
    drop(cmd);
    let pid = child.id();
    // Reaping is central (waitpid(-1)); dropping `Child` neither waits nor kills.
    drop(child);
    for fd in [Some(&out_r), in_w.as_ref(), err_r.as_ref()].into_iter().flatten() {
        set_nonblocking(fd).map_err(err)?;
    }
    Ok(Spawned { pid, stdin: in_w, stdout: Some(out_r), stderr: err_r })
}

/// Opens the listening socket of an fcgi program: `unix` (`Some(path)`,
/// replacing a stale file, with `mode` and `owner`) or TCP (`host`,
/// `port`), listening with `backlog`. It stays blocking: the children
/// accept on it.
pub fn fcgi_socket(
    unix: Option<&str>,
    host: &str,
    port: u16,
    mode: u32,
    owner: Option<(i64, i64)>,
    backlog: Option<i64>,
) -> io::Result<OwnedFd> {
    let fd: OwnedFd = match unix {
        Some(path) => {
            let _ = std::fs::remove_file(path);
            let l = std::os::unix::net::UnixListener::bind(path)?;
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
            if let Some((u, g)) = owner {
                let uid = u32::try_from(u).ok().map(nix::unistd::Uid::from_raw);
                let gid = u32::try_from(g).ok().map(nix::unistd::Gid::from_raw);
                nix::unistd::chown(path, uid, gid).map_err(io::Error::from)?;
            }
            l.into()
        }
        None => std::net::TcpListener::bind((host, port))?.into(),
    };
    let backlog = backlog.and_then(|b| i32::try_from(b).ok()).unwrap_or(libc::SOMAXCONN);
    use std::os::fd::AsRawFd;
    // SAFETY: listen(2) on a socket this function owns; no memory is involved.
    if unsafe { libc::listen(fd.as_raw_fd(), backlog) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(fd)
}

/// Makes `fd` non-blocking.
pub fn set_nonblocking(fd: &OwnedFd) -> io::Result<()> {
    use nix::fcntl::{FcntlArg, OFlag, fcntl};
    let flags = OFlag::from_bits_truncate(fcntl(fd, FcntlArg::F_GETFL).map_err(io::Error::from)?);
    fcntl(fd, FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK)).map_err(io::Error::from)?;
    Ok(())
}

/// The capacity of the pipe `fd` in bytes.
pub fn pipe_capacity(fd: BorrowedFd<'_>) -> io::Result<usize> {
    use nix::fcntl::{FcntlArg, fcntl};
    let n = fcntl(fd, FcntlArg::F_GETPIPE_SZ).map_err(io::Error::from)?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// Asks for the pipe `fd` to hold `bytes`; returns the capacity it got.
/// Fails (EPERM) once the user's pipe pages are over the system's soft
/// limit, and the caller keeps the old capacity then.
pub fn grow_pipe(fd: BorrowedFd<'_>, bytes: usize) -> io::Result<usize> {
    use nix::fcntl::{FcntlArg, fcntl};
    let want = i32::try_from(bytes).unwrap_or(i32::MAX);
    let n = fcntl(fd, FcntlArg::F_SETPIPE_SZ(want)).map_err(io::Error::from)?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// How a reaped child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitKind {
    /// Exit code.
    Exited(i32),
    /// Signal number and core dump flag.
    Signaled(i32, bool),
}

/// Reaps every child that has ended (`waitpid(-1, WNOHANG)` until none).
pub fn reap_all() -> Vec<(u32, ExitKind)> {
    use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
    let mut out = Vec::new();
    loop {
        match waitpid(nix::unistd::Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::Exited(pid, code)) => {
                out.push((pid.as_raw() as u32, ExitKind::Exited(code)))
            }
            Ok(WaitStatus::Signaled(pid, sig, core)) => {
                out.push((pid.as_raw() as u32, ExitKind::Signaled(sig as i32, core)));
            }
            Ok(WaitStatus::StillAlive) | Err(_) => break,
            Ok(_) => continue,
        }
    }
    out
}

/// Why a signal could not be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KillError {
    /// No such process (it already exited).
    NoSuchProcess(String),
    /// Anything else.
    Other(String),
}

/// Sends `sig` to `pid`, or to its process group.
pub fn kill(pid: u32, sig: i32, group: bool) -> Result<(), KillError> {
    let Ok(pid) = i32::try_from(pid) else {
        return Err(KillError::Other("pid out of range".into()));
    };
    if pid <= 0 {
        return Err(KillError::Other("refusing to signal pid 0 or a negative pid".into()));
    }
    let target = if group { -pid } else { pid };
    // SAFETY: kill(2) with a positive pid or a negative process-group id of
    // a child we started; no memory is involved.
    let rc = unsafe { libc::kill(target, sig) };
    if rc == 0 {
        return Ok(());
    }
    let e = io::Error::last_os_error();
    if e.raw_os_error() == Some(libc::ESRCH) {
        Err(KillError::NoSuchProcess("[Errno 3] No such process".to_owned()))
    } else {
        Err(KillError::Other(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn spec(argv: &[&str]) -> SpawnSpec {
        SpawnSpec {
            filename: argv[0].into(),
            argv: argv.iter().map(|s| (*s).to_owned()).collect(),
            env: vec![("PATH".into(), "/usr/bin:/bin".into()), ("X".into(), "y".into())],
            directory: None,
            umask: None,
            user: UserSwitch::Keep,
            redirect_stderr: false,
            stdin_fd: None,
        }
    }

    fn read_all(fd: OwnedFd) -> String {
        let mut f = std::fs::File::from(fd);
        let mut s = String::new();
        loop {
            match f.read_to_string(&mut s) {
                Ok(_) => break,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    std::thread::sleep(std::time::Duration::from_millis(5))
                }
                Err(e) => panic!("{e}"),
            }
        }
        s
    }

    fn wait(pid: u32) -> ExitKind {
        use nix::sys::wait::{WaitStatus, waitpid};
        match waitpid(nix::unistd::Pid::from_raw(pid as i32), None).unwrap() {
            WaitStatus::Exited(_, c) => ExitKind::Exited(c),
            WaitStatus::Signaled(_, s, c) => ExitKind::Signaled(s as i32, c),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn child_gets_env_group_and_ignored_sigpipe() {
        let s = spec(&[
            "/bin/sh",
            "-c",
            "echo $X; ps -o pgid= -p $$; grep SigIgn /proc/self/status; echo err >&2",
        ]);
        let sp = spawn(&s).unwrap();
        let out = read_all(sp.stdout.unwrap());
        let err = read_all(sp.stderr.unwrap());
        assert_eq!(wait(sp.pid), ExitKind::Exited(0));
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "y");
        assert_eq!(lines[1].trim(), sp.pid.to_string(), "its own process group");
        let ign = u64::from_str_radix(lines[2].split_whitespace().nth(1).unwrap(), 16).unwrap();
        assert_eq!(
            ign & (1 << 12) | ign & (1 << 24),
            (1 << 12) | (1 << 24),
            "SIGPIPE and SIGXFSZ ignored"
        );
        assert_eq!(err, "err\n");
    }

    #[test]
    fn redirect_stderr_and_bad_directory() {
        let mut s = spec(&["/bin/sh", "-c", "echo out; echo err >&2"]);
        s.redirect_stderr = true;
        let sp = spawn(&s).unwrap();
        assert!(sp.stderr.is_none());
        assert_eq!(read_all(sp.stdout.unwrap()), "out\nerr\n");
        wait(sp.pid);
        let mut s = spec(&["/bin/true"]);
        s.directory = Some("/nonexistent".into());
        let sp = spawn(&s).unwrap();
        let err = read_all(sp.stderr.unwrap());
        assert_eq!(wait(sp.pid), ExitKind::Exited(127));
        assert_eq!(
            err,
            "supervisor: couldn't chdir to /nonexistent: ENOENT\nsupervisor: child process was not spawned\n"
        );
    }

    #[test]
    fn failing_user_switch_is_reported_by_the_child() {
        let mut s = spec(&["/bin/true"]);
        s.user = UserSwitch::Fail { uid: 4242, why: "Can't drop privilege as nonroot user".into() };
        let sp = spawn(&s).unwrap();
        let err = read_all(sp.stderr.unwrap());
        assert_eq!(wait(sp.pid), ExitKind::Exited(127));
        assert_eq!(
            err,
            "supervisor: couldn't setuid to 4242: Can't drop privilege as nonroot user\nsupervisor: child process was not spawned\n"
        );
    }

    #[test]
    fn kill_and_reap() {
        let sp = spawn(&spec(&["/bin/sleep", "30"])).unwrap();
        kill(sp.pid, 15, true).unwrap();
        assert_eq!(wait(sp.pid), ExitKind::Signaled(15, false));
        assert!(matches!(kill(sp.pid, 15, false), Err(KillError::NoSuchProcess(_))));
    }
}
