//! Ctrl-C in supervisorctl, as the reference handles its KeyboardInterrupt:
//!
//! * while following output (`tail -f`, `maintail -f`, `fg`), the command
//!   ends, prints an empty line (`fg`: "Exiting foreground") and the
//!   program goes on: exit status 0, or back to the shell's prompt;
//! * in the shell, any other command is left and the shell ends with an
//!   empty line and status 0;
//! * any other one-shot command dies of SIGINT, as Python does after an
//!   uncaught KeyboardInterrupt.
//!
//! SIGINT is blocked in every thread and taken by one thread with
//! `sigwait`. What is being followed is registered here: the socket of a
//! stream (shut down, so the blocked read returns at once) or a pipe that
//! `fg`'s wait on stdin also watches. No handler runs on the program's
//! memory and nothing polls.

use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use nix::sys::signal::{SigSet, Signal};

#[derive(Default)]
struct State {
    installed: bool,
    shell: bool,
    interrupted: bool,
    /// Copies of the sockets of streams being followed, by registration.
    follows: Vec<(u64, OwnedFd)>,
    /// Copies of the write ends of pipes that waits on stdin watch.
    wakes: Vec<(u64, OwnedFd)>,
}

static STATE: Mutex<State> = Mutex::new(State {
    installed: false,
    shell: false,
    interrupted: false,
    follows: Vec::new(),
    wakes: Vec::new(),
});

static NEXT: AtomicU64 = AtomicU64::new(0);

fn state() -> std::sync::MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Takes SIGINT over for the whole program. Call before any other thread
/// is started, so that all of them inherit the blocked signal.
pub fn install() {
    let mut set = SigSet::empty();
    set.add(Signal::SIGINT);
    if set.thread_block().is_err() {
        return;
    }
    state().installed = true;
    std::thread::spawn(move || {
        loop {
            match set.wait() {
                Ok(Signal::SIGINT) => on_interrupt(),
                Ok(_) => {}
                // sigwait fails only for a bad set: stop rather than spin.
                Err(_) => return,
            }
        }
    });
}

/// Says whether the interactive shell is running (Ctrl-C then ends it).
pub fn set_shell(shell: bool) {
    state().shell = shell;
}

fn on_interrupt() {
    let mut st = state();
    if !st.follows.is_empty() || !st.wakes.is_empty() {
        st.interrupted = true;
        // Our copies keep the fds valid; shutting a socket down ends the
        // reads of every fd of it.
        for (_, fd) in st.follows.drain(..) {
            let _ = nix::sys::socket::shutdown(fd.as_raw_fd(), nix::sys::socket::Shutdown::Both);
        }
        for (_, fd) in &st.wakes {
            let _ = nix::unistd::write(fd, b"x");
        }
        return;
    }
    if st.shell {
        // Straight to fd 1: the main thread holds the stdout lock.
        let _ = nix::unistd::write(std::io::stdout(), b"\n");
        std::process::exit(0);
    }
    sv_sys::daemon::die_by_signal(libc::SIGINT);
}

/// Whether a Ctrl-C ended what was followed; clears the mark.
pub fn take() -> bool {
    std::mem::take(&mut state().interrupted)
}

/// A stream socket being followed; Ctrl-C shuts it down. Unregistered
/// when dropped.
pub struct Follow(u64);

impl Follow {
    /// Registers a socket (no effect unless [`install`] ran).
    pub fn new(socket: &impl AsFd) -> Follow {
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        let mut st = state();
        if st.installed
            && let Ok(copy) = socket.as_fd().try_clone_to_owned()
        {
            st.follows.push((id, copy));
        }
        Follow(id)
    }
}

impl Drop for Follow {
    fn drop(&mut self) {
        state().follows.retain(|(id, _)| *id != self.0);
    }
}

/// Waits for stdin to have input, or for Ctrl-C.
pub struct StdinWait {
    read: OwnedFd,
    id: u64,
}

impl StdinWait {
    /// Registers a fresh pipe for Ctrl-C to write to.
    pub fn new() -> std::io::Result<StdinWait> {
        let (read, write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        let mut st = state();
        if st.installed {
            st.wakes.push((id, write));
        }
        Ok(StdinWait { read, id })
    }

    /// True when stdin has input (or has ended), false after Ctrl-C.
    pub fn ready(&self) -> bool {
        use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
        let stdin = std::io::stdin();
        let mut fds = [
            PollFd::new(stdin.as_fd(), PollFlags::POLLIN),
            PollFd::new(self.read.as_fd(), PollFlags::POLLIN),
        ];
        loop {
            match poll(&mut fds, PollTimeout::NONE) {
                Ok(_) => break,
                Err(nix::errno::Errno::EINTR) => continue,
                Err(_) => return true,
            }
        }
        let woke = fds[1].revents().is_some_and(|r| !r.is_empty());
        !woke
    }
}

impl Drop for StdinWait {
    fn drop(&mut self) {
        state().wakes.retain(|(id, _)| *id != self.id);
    }
}
