//! The listening sockets of fcgi programs.

use std::io;
use std::os::fd::OwnedFd;

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
