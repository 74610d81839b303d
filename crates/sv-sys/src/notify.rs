//! The sd_notify protocol's transport. [`NotifySocket`] is the daemon's
//! side: a datagram socket in the abstract namespace that children with
//! `ready_check=notify` (or a watchdog) write `READY=1`, `STATUS=...`,
//! `WATCHDOG=1` to; each datagram is attributed by the sender's
//! credentials, never by what it says. [`send`] is the client side, for
//! supervisord's own report to systemd.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

use nix::sys::socket::{
    AddressFamily, ControlMessageOwned, MsgFlags, SockFlag, SockType, UnixAddr, bind, recvmsg,
    setsockopt, socket, sockopt,
};

/// The largest datagram read; a longer one is dropped whole.
pub const MAX_DATAGRAM: usize = 4096;

/// One datagram and who sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Datagram {
    /// The sender's pid, from its credentials.
    pub pid: u32,
    /// What it said.
    pub data: Vec<u8>,
}

/// The daemon's notify socket.
#[derive(Debug)]
pub struct NotifySocket {
    fd: OwnedFd,
    address: String,
}

impl NotifySocket {
    /// A socket at a fresh abstract address (named after the daemon's pid
    /// and `tag`), receiving the senders' credentials.
    pub fn bind(tag: &str) -> io::Result<NotifySocket> {
        let fd = socket(
            AddressFamily::Unix,
            SockType::Datagram,
            SockFlag::SOCK_CLOEXEC | SockFlag::SOCK_NONBLOCK,
            None,
        )?;
        setsockopt(&fd, sockopt::PassCred, &true)?;
        let name = format!("supervisord-notify-{}-{tag}", std::process::id());
        bind(fd.as_raw_fd(), &UnixAddr::new_abstract(name.as_bytes())?)?;
        Ok(NotifySocket { fd, address: format!("@{name}") })
    }

    /// The address as `$NOTIFY_SOCKET` gives it (`@name`).
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The next datagram, `None` when there is none now. Datagrams that
    /// were cut short, or that come without credentials, are dropped;
    /// descriptors passed along are closed.
    pub fn recv(&self) -> io::Result<Option<Datagram>> {
        loop {
            let mut buf = vec![0u8; MAX_DATAGRAM];
            let mut cmsg = nix::cmsg_space!(nix::sys::socket::UnixCredentials, [i32; 16]);
            let (pid, len, cut) = {
                let mut iov = [io::IoSliceMut::new(&mut buf)];
                let msg = match recvmsg::<()>(
                    self.fd.as_raw_fd(),
                    &mut iov,
                    Some(&mut cmsg),
                    MsgFlags::MSG_DONTWAIT | MsgFlags::MSG_CMSG_CLOEXEC,
                ) {
                    Ok(m) => m,
                    Err(nix::errno::Errno::EAGAIN) => return Ok(None),
                    Err(nix::errno::Errno::EINTR) => continue,
                    Err(e) => return Err(e.into()),
                };
                let mut pid = None;
                for c in msg.cmsgs()? {
                    match c {
                        ControlMessageOwned::ScmCredentials(cred) => {
                            pid = u32::try_from(cred.pid()).ok();
                        }
                        ControlMessageOwned::ScmRights(fds) => {
                            for fd in fds {
                                let _ = nix::unistd::close(fd);
                            }
                        }
                        _ => {}
                    }
                }
                let cut = msg.flags.intersects(MsgFlags::MSG_TRUNC | MsgFlags::MSG_CTRUNC);
                (pid, msg.bytes, cut)
            };
            match pid {
                Some(pid) if !cut => {
                    buf.truncate(len);
                    return Ok(Some(Datagram { pid, data: buf }));
                }
                _ => continue,
            }
        }
    }
}

impl AsFd for NotifySocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// Sends `message` to the socket `$NOTIFY_SOCKET` names (`@abstract` or a
/// path).
pub fn send(address: &str, message: &str) -> io::Result<()> {
    use std::os::linux::net::SocketAddrExt;
    use std::os::unix::net::{SocketAddr, UnixDatagram};
    let sock = UnixDatagram::unbound()?;
    match address.strip_prefix('@') {
        Some(name) => {
            let addr = SocketAddr::from_abstract_name(name.as_bytes())?;
            sock.send_to_addr(message.as_bytes(), &addr)?;
        }
        None => {
            sock.send_to(message.as_bytes(), address)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datagrams_are_attributed_by_credentials() {
        let s = NotifySocket::bind("test").unwrap();
        assert!(s.address().starts_with('@'));
        assert_eq!(s.recv().unwrap(), None);
        send(s.address(), "READY=1\nSTATUS=warming").unwrap();
        let d = s.recv().unwrap().unwrap();
        assert_eq!(d.pid, std::process::id());
        assert_eq!(d.data, b"READY=1\nSTATUS=warming");
        // Too long: dropped whole.
        send(s.address(), &"x".repeat(MAX_DATAGRAM + 10)).unwrap();
        send(s.address(), "WATCHDOG=1").unwrap();
        assert_eq!(s.recv().unwrap().map(|d| d.data), Some(b"WATCHDOG=1".to_vec()));
    }
}
