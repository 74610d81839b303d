//! Children: spawning with the reference's child setup, reaping, signalling.
//!
//! Spawning forks and, in the child, does what the reference's child does:
//! its own process group, SIGPIPE and SIGXFSZ ignored (as Python children
//! inherit them), every inherited fd above 2 closed at exec, then user
//! switch, chdir, umask and exec. A failure there (exec included) is written
//! to the child's stderr in the reference's words and the child exits 127,
//! so it takes the reference's BACKOFF path. The parent does not wait for
//! the exec.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd, RawFd};
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
    pub env: crate::environment::Environment,
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
    /// A descriptor the child gets as fd N besides its stdio (`(N, fd)`,
    /// N at least 3): the write end of a `ready_check=fd:N` pipe.
    pub extra_fd: Option<(RawFd, Arc<OwnedFd>)>,
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
    /// fork failed for another reason (errno name).
    Fork(&'static str),
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
            SpawnError::Fork(e) => format!("unknown error during fork for '{name}': {e}"),
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

/// A C string from a Rust one; NUL bytes cannot be passed to the OS.
fn cstr(s: &str) -> Option<CString> {
    CString::new(s.as_bytes()).ok()
}

/// Everything the child uses between clone and exec, prepared in the parent
/// (nothing may be allocated in the child).
struct ChildPlan {
    filename: CString,
    argv: Vec<CString>,
    dir: Option<CString>,
    umask: Option<u32>,
    user: UserSwitch,
    groups: Vec<libc::gid_t>,
    setuid_prefix: Vec<u8>,
    chdir_prefix: Vec<u8>,
    exec_prefix: Vec<u8>,
    /// The fds that become 0, 1 and 2.
    stdio: [RawFd; 3],
    /// A further fd and the number it becomes (at least 3).
    extra: Option<(RawFd, RawFd)>,
    /// With a shared fd table (CLONE_FILES): the lowest fd the child drops
    /// while taking its private copy of the table.
    unshare_from: Option<u32>,
}

/// The child's side of [`spawn`]: the reference's child setup, then exec.
/// Only async-signal-safe calls on data prepared before the clone.
fn child_exec(plan: &ChildPlan, argv: &[*const libc::c_char], envp: &[*const libc::c_char]) -> ! {
    // SAFETY: everything below runs in the child between clone and exec, in
    // the daemon's memory while the calling thread is suspended
    // (CLONE_VFORK). It makes only async-signal-safe calls (sigaction,
    // signal, sigprocmask, setpgid, close_range, unshare, fcntl, dup2, the
    // raw setgroups/setgid/setuid syscalls, chdir, umask, execve, write,
    // _exit) on memory prepared before the clone, writes nothing but its own
    // stack and errno, and allocates nothing. It unshares the fd table
    // before changing any fd.
    unsafe {
        // Every signal the daemon catches goes back to default: a handler
        // must not run here, on the daemon's memory.
        for sig in 1..libc::SIGRTMAX() {
            let mut sa: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(sig, std::ptr::null(), &mut sa) == 0
                && sa.sa_sigaction != libc::SIG_DFL
                && sa.sa_sigaction != libc::SIG_IGN
            {
                libc::signal(sig, libc::SIG_DFL);
            }
        }
        // Python children inherit ignored SIGPIPE and SIGXFSZ (reference quirk Q18).
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        let mut empty: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut empty);
        libc::sigprocmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut());
        libc::setpgid(0, 0);
        if let Some(from) = plan.unshare_from {
            // The table is still the daemon's: take a private copy of only
            // the fds below `from` (0-2 and the four slots), so the copy
            // costs the same with ten thousand fds open as with ten.
            if libc::syscall(libc::SYS_close_range, from, u32::MAX, libc::CLOSE_RANGE_UNSHARE) != 0
                && libc::unshare(libc::CLONE_FILES) != 0
            {
                libc::_exit(127);
            }
        }
        // The extra fd's source goes high first too (before anything below
        // is changed).
        let extra_high = match plan.extra {
            Some((src, _)) => {
                let h = libc::fcntl(src, libc::F_DUPFD_CLOEXEC, 10);
                if h < 0 {
                    libc::_exit(127);
                }
                h
            }
            None => -1,
        };
        // Move the three sources above 2 first, so that none is clobbered by
        // an earlier dup2 when supervisord itself runs with 0-2 closed.
        let mut high = [0; 3];
        for (i, fd) in plan.stdio.iter().enumerate() {
            high[i] = libc::fcntl(*fd, libc::F_DUPFD_CLOEXEC, 10);
            if high[i] < 0 {
                libc::_exit(127);
            }
        }
        for (target, fd) in high.iter().enumerate() {
            if libc::dup2(*fd, target as RawFd) < 0 {
                libc::_exit(127);
            }
        }
        // Close every inherited fd above 2 at exec.
        libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, libc::CLOSE_RANGE_CLOEXEC);
        // Then the extra fd at its number, kept across exec (the stdio
        // copies above it are no longer needed).
        if let Some((_, target)) = plan.extra {
            let ok = if extra_high == target {
                libc::fcntl(target, libc::F_SETFD, 0) == 0
            } else {
                libc::dup2(extra_high, target) == target
            };
            if !ok {
                libc::_exit(127);
            }
        }
        match &plan.user {
            UserSwitch::Keep => {}
            UserSwitch::Fail { .. } => child_fail(&[&plan.setuid_prefix], None),
            UserSwitch::Switch { uid, gid, .. } => {
                if libc::syscall(libc::SYS_setgroups, plan.groups.len(), plan.groups.as_ptr()) != 0
                {
                    child_fail(
                        &[&plan.setuid_prefix, b"Could not set groups of effective user\n"],
                        None,
                    );
                }
                if libc::syscall(libc::SYS_setgid, *gid) != 0 {
                    child_fail(
                        &[&plan.setuid_prefix, b"Could not set group id of effective user\n"],
                        None,
                    );
                }
                if libc::syscall(libc::SYS_setuid, *uid) != 0 {
                    child_fail(
                        &[&plan.setuid_prefix, b"Could not set user id of effective user\n"],
                        None,
                    );
                }
            }
        }
        if let Some(d) = &plan.dir
            && libc::chdir(d.as_ptr()) != 0
        {
            let e = *libc::__errno_location();
            child_fail(&[&plan.chdir_prefix], Some(e));
        }
        if let Some(m) = plan.umask {
            libc::umask(m as libc::mode_t);
        }
        libc::execve(plan.filename.as_ptr(), argv.as_ptr(), envp.as_ptr());
        let e = *libc::__errno_location();
        child_fail(&[&plan.exec_prefix], Some(e))
    }
}

/// Four fds low in the table, always open (on /dev/null between spawns),
/// through which a child gets its stdio and its `fd:N` readiness pipe.
#[derive(Debug, Clone, Copy)]
struct StdioSlots {
    /// stdin, stdout, stderr and the extra fd.
    fds: [RawFd; 4],
    devnull: RawFd,
}

/// The slots, made on first use; `None` if /dev/null cannot be opened.
fn stdio_slots() -> Option<StdioSlots> {
    static SLOTS: std::sync::OnceLock<Option<StdioSlots>> = std::sync::OnceLock::new();
    *SLOTS.get_or_init(|| {
        let open = || {
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open("/dev/null")
                .ok()
                .map(std::os::fd::IntoRawFd::into_raw_fd)
        };
        // Lowest free fds first; any of 0-2 that was closed stays filled
        // with /dev/null (a child's dup2 onto 0-2 must not hit a slot).
        let mut got = Vec::new();
        while got.len() < 5 {
            let fd = open()?;
            if fd > 2 {
                got.push(fd);
            }
        }
        for fd in &got {
            // SAFETY: fcntl(2) on an fd just opened here.
            unsafe { libc::fcntl(*fd, libc::F_SETFD, libc::FD_CLOEXEC) };
        }
        Some(StdioSlots { fds: [got[0], got[1], got[2], got[3]], devnull: got[4] })
    })
}

/// The child's stack while it prepares its exec (it needs a few KiB).
const CHILD_STACK: usize = 64 * 1024;

/// What `child_entry` receives through clone's argument pointer.
struct ChildJob<'a> {
    plan: &'a ChildPlan,
    argv: &'a [*const libc::c_char],
    envp: &'a [*const libc::c_char],
}

extern "C" fn child_entry(arg: *mut libc::c_void) -> libc::c_int {
    // SAFETY: `arg` is the `ChildJob` that `spawn` passed to clone; the
    // parent is suspended (CLONE_VFORK) and keeps it alive until we exec or
    // exit.
    let job = unsafe { &*arg.cast::<ChildJob<'_>>() };
    child_exec(job.plan, job.argv, job.envp)
}

/// Starts a child. The parent's pipe ends are returned non-blocking.
///
/// Written on clone(2) with CLONE_VM | CLONE_VFORK (what posix_spawn does)
/// rather than `std::process::Command`, which forks: a fork copies the
/// daemon's page tables and then every page the daemon writes before the
/// child has exec'd is copied again (with a thousand programs starting,
/// those copies were a fifth of the daemon's time). posix_spawn itself
/// cannot switch users or report a failed chdir or exec the reference's way
/// (the child writes it on its stderr and exits 127).
pub fn spawn(spec: &SpawnSpec) -> Result<Spawned, SpawnError> {
    let argv0 = spec.argv.first().cloned().unwrap_or_default();
    let err = |e: io::Error| {
        if e.raw_os_error() == Some(libc::EMFILE) {
            SpawnError::TooManyFiles
        } else {
            SpawnError::Pipes(errname(&e))
        }
    };
    let Some(filename) = cstr(&spec.filename) else {
        return Err(SpawnError::Exec(argv0, "EINVAL"));
    };
    let Some(argv) = spec.argv.iter().map(|a| cstr(a)).collect::<Option<Vec<_>>>() else {
        return Err(SpawnError::Exec(argv0, "EINVAL"));
    };
    // Environment entries with a NUL byte cannot be passed; leave them out.
    let mut env_own = Vec::new();
    let envp = spec.env.for_exec(&mut env_own);
    let dir = match spec.directory.as_deref().map(cstr) {
        Some(Some(c)) => Some(c),
        Some(None) => return Err(SpawnError::BadDirectory),
        None => None,
    };

    let (out_r, out_w) = pipe().map_err(err)?;
    let (in_r, in_w) = match &spec.stdin_fd {
        Some(_) => (None, None),
        None => {
            let (r, w) = pipe().map_err(err)?;
            (Some(r), Some(w))
        }
    };
    let (err_r, err_w) = if spec.redirect_stderr {
        (None, None)
    } else {
        let (r, w) = pipe().map_err(err)?;
        (Some(r), Some(w))
    };
    // Stdin is the fcgi socket or the pipe made above (-1 cannot happen; it
    // would make the child exit 127).
    let stdin_raw = spec
        .stdin_fd
        .as_ref()
        .map(|fd| fd.as_raw_fd())
        .or_else(|| in_r.as_ref().map(|r| r.as_raw_fd()))
        .unwrap_or(-1);
    let stderr_raw = err_w.as_ref().map_or(out_w.as_raw_fd(), |w| w.as_raw_fd());

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
    let mut plan = ChildPlan {
        filename,
        argv,
        dir,
        umask: spec.umask,
        user,
        groups,
        setuid_prefix,
        chdir_prefix: spec
            .directory
            .as_ref()
            .map(|d| format!("supervisor: couldn't chdir to {d}: ").into_bytes())
            .unwrap_or_default(),
        exec_prefix: format!("supervisor: couldn't exec {argv0}: ").into_bytes(),
        stdio: [stdin_raw, out_w.as_raw_fd(), stderr_raw],
        extra: spec.extra_fd.as_ref().map(|(n, fd)| (fd.as_raw_fd(), *n)),
        unshare_from: None,
    };
    let argv_ptrs: Vec<*const libc::c_char> =
        plan.argv.iter().map(|a| a.as_ptr()).chain(std::iter::once(std::ptr::null())).collect();
    let envp_ptrs: Vec<*const libc::c_char> =
        envp.iter().map(|a| a.as_ptr()).chain(std::iter::once(std::ptr::null())).collect();

    // Block every signal across the fork so that no handler of the daemon
    // runs in the child before it has put the handled signals back to
    // default; the parent's mask is restored right after.
    // SAFETY: sigfillset/sigprocmask on local, initialised sigset_t values.
    let old_mask = unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_SETMASK, &all, &mut old);
        old
    };
    // The child's stdio goes through the low slots when they exist; the fd
    // table is then shared with the child instead of copied whole.
    let mut flags = libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD;
    let slots = stdio_slots();
    // One spawn at a time uses the slots (the daemon spawns from one thread;
    // tests spawn from several).
    static SLOT_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = slots.map(|_| SLOT_LOCK.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    if let Some(sl) = slots {
        let mut ok = true;
        for (src, slot) in plan.stdio.iter().zip(sl.fds) {
            // SAFETY: dup2(2) between fds this process owns; the slots are
            // reserved for this and never handed out elsewhere.
            ok &= unsafe { libc::dup2(*src, slot) } == slot;
        }
        if let Some((src, _)) = plan.extra {
            // SAFETY: as above, into the fourth slot.
            ok &= unsafe { libc::dup2(src, sl.fds[3]) } == sl.fds[3];
        }
        if ok {
            plan.stdio = [sl.fds[0], sl.fds[1], sl.fds[2]];
            if let Some((_, n)) = plan.extra {
                plan.extra = Some((sl.fds[3], n));
            }
            plan.unshare_from = Some(sl.fds[3] as u32 + 1);
            flags |= libc::CLONE_FILES;
        }
    }
    let job = ChildJob { plan: &plan, argv: &argv_ptrs, envp: &envp_ptrs };
    let mut stack = vec![0u8; CHILD_STACK];
    // The stack grows down: hand clone its highest 16-byte aligned address.
    let top = stack.as_mut_ptr().wrapping_add(CHILD_STACK) as usize & !15;
    // SAFETY: clone(2) with CLONE_VM | CLONE_VFORK, as posix_spawn does: the
    // child runs `child_entry` on `stack` in our memory while this thread is
    // suspended until the child has exec'd or exited, so `job`, `plan` and
    // `stack` outlive every use the child makes of them, and nothing changes
    // under it. Signals are blocked around the call (see above) and the
    // child sets the handled ones back to default before unblocking, so no
    // daemon handler runs on the child's stack. The child keeps to raw
    // syscalls (no glibc wrapper that touches process-wide state).
    let pid = unsafe {
        libc::clone(
            child_entry,
            top as *mut libc::c_void,
            flags,
            std::ptr::from_ref(&job).cast_mut().cast(),
        )
    };
    drop(stack);
    if let Some(sl) = slots {
        for slot in sl.fds {
            // SAFETY: as above; the slot goes back to /dev/null so that it
            // no longer holds the child's end of a pipe.
            unsafe { libc::dup2(sl.devnull, slot) };
        }
    }
    let fork_error = (pid < 0).then(io::Error::last_os_error);
    // SAFETY: restores the mask saved above.
    unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &old_mask, std::ptr::null_mut()) };
    if let Some(e) = fork_error {
        return Err(match e.raw_os_error() {
            Some(libc::EAGAIN) => SpawnError::TooManyProcesses,
            _ => SpawnError::Fork(errname(&e)),
        });
    }
    // The child made its own process group before its exec, and we resume
    // only after that exec (CLONE_VFORK): a group signal finds the group.
    // The child's ends are closed here, in the parent.
    drop((out_w, in_r, err_w));
    for fd in [Some(&out_r), in_w.as_ref(), err_r.as_ref()].into_iter().flatten() {
        // A fresh pipe end has no status flag but its access mode, which
        // F_SETFL ignores: one call instead of a read-modify-write.
        nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK))
            .map_err(|e| err(e.into()))?;
    }
    Ok(Spawned { pid: pid as u32, stdin: in_w, stdout: Some(out_r), stderr: err_r })
}

/// Gives a child started with `std::process::Command` the signal state a
/// child of the reference's Python programs has: nothing blocked, SIGPIPE
/// and SIGXFSZ ignored (Python ignores both and they stay ignored across
/// exec), and each signal of `to_default` back to its default action (the
/// ones the parent handles: Python's handlers are reset by exec, whereas a
/// signal the parent blocks or ignores would otherwise stay so).
///
/// Written here because std resets the mask only on some of its spawn
/// paths, and never touches the other dispositions.
pub fn python_child_signals(cmd: &mut std::process::Command, to_default: &[i32]) {
    use std::os::unix::process::CommandExt;
    // Copied into a fixed array: the hook runs between fork and exec, where
    // nothing may be allocated.
    let mut list = [0i32; 64];
    let n = to_default.len().min(list.len());
    list[..n].copy_from_slice(&to_default[..n]);
    let hook = move || {
        // SAFETY: runs in the forked child before exec; it makes only
        // async-signal-safe calls (signal, sigemptyset, sigprocmask) on its
        // own stack data.
        unsafe {
            for sig in &list[..n] {
                libc::signal(*sig, libc::SIG_DFL);
            }
            libc::signal(libc::SIGPIPE, libc::SIG_IGN);
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let mut empty: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut empty);
            libc::sigprocmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut());
        }
        Ok(())
    };
    // SAFETY: the hook above is async-signal-safe and allocates nothing.
    unsafe { cmd.pre_exec(hook) };
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
            env: crate::environment::Environment::new([
                ("PATH".into(), "/usr/bin:/bin".into()),
                ("X".into(), "y".into()),
            ]),
            directory: None,
            umask: None,
            user: UserSwitch::Keep,
            redirect_stderr: false,
            stdin_fd: None,
            extra_fd: None,
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
    fn exec_failure_is_reported_by_the_child() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("noshebang");
        std::fs::write(&script, "echo hi\n").unwrap();
        std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let path = script.to_str().unwrap();
        let mut s = spec(&[path]);
        s.argv[0] = "noshebang".into();
        let sp = spawn(&s).unwrap();
        let err = read_all(sp.stderr.unwrap());
        assert_eq!(wait(sp.pid), ExitKind::Exited(127));
        assert_eq!(
            err,
            "supervisor: couldn't exec noshebang: ENOEXEC\nsupervisor: child process was not spawned\n"
        );
    }

    #[test]
    fn child_starts_with_default_handlers_and_empty_mask() {
        let s = spec(&["/bin/sh", "-c", "grep -E '^(SigBlk|SigCgt)' /proc/self/status"]);
        let sp = spawn(&s).unwrap();
        let out = read_all(sp.stdout.unwrap());
        wait(sp.pid);
        let blk = out.lines().find(|l| l.starts_with("SigBlk")).unwrap();
        assert_eq!(blk.split_whitespace().nth(1), Some("0000000000000000"), "{out}");
    }

    #[test]
    fn child_gets_only_its_three_fds() {
        // Plenty of open fds in the parent, none of which may reach the child.
        let held: Vec<_> = (0..50).map(|_| pipe().unwrap()).collect();
        let sp = spawn(&spec(&["/bin/sh", "-c", "ls /proc/$$/fd; echo err >&2"])).unwrap();
        let out = read_all(sp.stdout.unwrap());
        let err = read_all(sp.stderr.unwrap());
        assert_eq!(wait(sp.pid), ExitKind::Exited(0));
        assert_eq!(out, "0\n1\n2\n");
        assert_eq!(err, "err\n");
        drop(held);
    }

    #[test]
    fn kill_and_reap() {
        let sp = spawn(&spec(&["/bin/sleep", "30"])).unwrap();
        kill(sp.pid, 15, true).unwrap();
        assert_eq!(wait(sp.pid), ExitKind::Signaled(15, false));
        assert!(matches!(kill(sp.pid, 15, false), Err(KillError::NoSuchProcess(_))));
    }
}
