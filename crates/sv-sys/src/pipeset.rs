//! An epoll set of many pipes, registered with tokio as one source.
//!
//! The daemon reads every child pipe from one task: the pipes are in this
//! set (level-triggered), and tokio watches only the set's own descriptor.
//! Registering each pipe with tokio would cost a registration per pipe, and
//! a task to wait on it.

use std::io;
use std::os::fd::{AsFd, AsRawFd, RawFd};

use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags, EpollTimeout};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

/// The set; `Registered` is how the reader holds it.
#[derive(Debug)]
pub struct PipeSet(Epoll);

/// The set, watched by the current tokio runtime.
pub type Registered = AsyncFd<PipeSet>;

impl AsRawFd for PipeSet {
    fn as_raw_fd(&self) -> RawFd {
        self.0.0.as_raw_fd()
    }
}

impl PipeSet {
    /// An empty set, registered with the current runtime for readability
    /// (the set is readable while some pipe in it is).
    pub fn register() -> io::Result<Registered> {
        let set = PipeSet(Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC)?);
        // SAFETY: the descriptor is the set's own `OwnedFd`, which the
        // `AsyncFd` owns from here on: it stays open and is the same
        // descriptor for the whole life of the registration.
        unsafe { AsyncFd::register_with_interest(set, Interest::READABLE) }
            .map_err(|e| e.into_parts().1)
    }

    /// Watches `fd` for input (and hang-up), reported as `token`.
    pub fn add(&self, fd: impl AsFd, token: u64) -> io::Result<()> {
        Ok(self.0.add(fd, EpollEvent::new(EpollFlags::EPOLLIN, token))?)
    }

    /// Stops watching `fd` (before it is closed).
    pub fn delete(&self, fd: impl AsFd) -> io::Result<()> {
        Ok(self.0.delete(fd)?)
    }

    /// The tokens of the pipes ready now, without waiting: up to
    /// `tokens.len()` of them, how many in the return value.
    pub fn ready(&self, tokens: &mut [u64]) -> io::Result<usize> {
        let mut events = [EpollEvent::empty(); 64];
        let room = tokens.len().min(events.len());
        let n = loop {
            match self.0.wait(&mut events[..room], EpollTimeout::ZERO) {
                Err(nix::errno::Errno::EINTR) => continue,
                r => break r?,
            }
        };
        for (t, e) in tokens.iter_mut().zip(&events[..n]) {
            *t = e.data();
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pipe with data is reported with its token until it is read empty;
    /// a closed writer is reported too (for the EOF); a deleted pipe is not.
    #[test]
    fn ready_pipes_are_reported_by_token_while_readable() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_io().build().unwrap();
        let _guard = rt.enter();
        let set = PipeSet::register().expect("set");
        let set = set.get_ref();
        let (r1, w1) = nix::unistd::pipe().unwrap();
        let (r2, w2) = nix::unistd::pipe().unwrap();
        set.add(&r1, 7).unwrap();
        set.add(&r2, 9).unwrap();
        let mut t = [0u64; 8];
        assert_eq!(set.ready(&mut t).unwrap(), 0);
        nix::unistd::write(&w2, b"x").unwrap();
        assert_eq!(set.ready(&mut t).unwrap(), 1);
        assert_eq!(t[0], 9);
        // Level-triggered: still reported until read.
        assert_eq!(set.ready(&mut t).unwrap(), 1);
        nix::unistd::read(&r2, &mut [0u8; 4]).unwrap();
        assert_eq!(set.ready(&mut t).unwrap(), 0);
        drop(w1);
        assert_eq!(set.ready(&mut t).unwrap(), 1);
        assert_eq!(t[0], 7);
        set.delete(&r1).unwrap();
        assert_eq!(set.ready(&mut t).unwrap(), 0);
        drop(w2);
    }
}
