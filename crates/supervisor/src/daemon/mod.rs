//! The running daemon: startup in the reference's order (privileges, rlimits,
//! main log, parse messages, AUTO log cleanup, sockets, daemonizing, pid
//! file), the event loop, cleanup, and restart on SIGHUP.

pub mod checks;
pub mod endpoints;
pub mod event_loop;
pub mod forward;
pub mod http;
pub mod logger;
pub mod logread;
pub mod metrics;
pub mod output;
pub mod pyargs;
pub mod rpc;
pub mod spawner;
pub mod web;

use std::cell::RefCell;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use sv_config::{HttpServerConfig, Loaded, LogLevel, ServerConfig};

use crate::supervisord::SupervisordError;
use event_loop::{Daemon, Outcome};
use logger::Logger;

/// The sockets of the configured HTTP servers, bound before daemonizing so
/// that a second supervisord on the same socket fails as in the reference.
pub struct Listeners {
    /// The servers, inet ones first.
    pub servers: Vec<http::Server>,
    /// Unix socket paths (removed at exit).
    pub unix_paths: Vec<PathBuf>,
    /// `(section, has auth)` per server, for the startup log.
    pub sections: Vec<(String, bool)>,
}

const IN_USE: &str = "Another program is already listening on a port that one of our HTTP servers is \
                      configured to use.  Shut this program down first before starting supervisord.";

fn bind_error(e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::AddrInUse {
        return IN_USE.to_owned();
    }
    let name = e.raw_os_error().and_then(sv_sys::errno::name).unwrap_or("EUNKNOWN");
    format!(
        "Cannot open an HTTP server: socket.error reported errno.{name} ({})",
        e.raw_os_error().unwrap_or(0)
    )
}

/// Binds every configured server socket. `Err` is a usage error.
pub fn bind_servers(cfg: &ServerConfig) -> Result<Listeners, SupervisordError> {
    let mut l = Listeners { servers: Vec::new(), unix_paths: Vec::new(), sections: Vec::new() };
    let creds = |u: &Option<String>, p: &Option<String>| match (u, p) {
        (Some(username), Some(password)) => {
            Some(http::Credentials { username: username.clone(), password: password.clone() })
        }
        _ => None,
    };
    for s in &cfg.servers {
        match s {
            HttpServerConfig::Inet { host, port, username, password, section, endpoints } => {
                let addr = if host.is_empty() {
                    format!("0.0.0.0:{port}")
                } else {
                    format!("{host}:{port}")
                };
                let listener = std::net::TcpListener::bind(&addr).map_err(|e| bind_error(&e))?;
                l.sections.push((section.clone(), username.is_some()));
                l.servers.push(http::Server {
                    section: section.clone(),
                    creds: creds(username, password),
                    endpoints: *endpoints,
                    socket: http::Socket::Tcp(listener),
                });
            }
            HttpServerConfig::Unix {
                file,
                chmod,
                chown,
                username,
                password,
                section,
                endpoints,
            } => {
                let path = Path::new(file);
                if path.exists() {
                    // A live socket means another supervisord; a stale one is removed.
                    if std::os::unix::net::UnixStream::connect(path).is_ok() {
                        return Err(SupervisordError::Usage(IN_USE.to_owned()));
                    }
                    let _ = std::fs::remove_file(path);
                }
                let listener =
                    std::os::unix::net::UnixListener::bind(path).map_err(|e| bind_error(&e))?;
                let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(*chmod));
                if chown.0 >= 0 || chown.1 >= 0 {
                    let uid = u32::try_from(chown.0).ok().map(nix::unistd::Uid::from_raw);
                    let gid = u32::try_from(chown.1).ok().map(nix::unistd::Gid::from_raw);
                    let _ = nix::unistd::chown(path, uid, gid);
                }
                l.sections.push((section.clone(), username.is_some()));
                l.unix_paths.push(path.to_owned());
                l.servers.push(http::Server {
                    section: section.clone(),
                    creds: creds(username, password),
                    endpoints: *endpoints,
                    socket: http::Socket::Unix(listener),
                });
            }
        }
    }
    Ok(l)
}

/// Output forwarding (ours), when `forward_output_format` is set or a pool
/// uses the `supervisor_stdlog` result handler: the forwarder, also given
/// to the logger so that its copy on stdout goes the same way (one writer:
/// lines never interleave).
fn start_forwarding(
    cfg: &ServerConfig,
    groups: &[std::sync::Arc<sv_config::GroupConfig>],
    logger: &Rc<RefCell<Logger>>,
) -> Option<Rc<forward::Forwarder>> {
    let s = &cfg.supervisord;
    let stdlog: Vec<&str> = groups
        .iter()
        .filter(|g| {
            matches!(&g.kind, sv_config::GroupKind::EventListenerPool { result_handler, .. }
                if result_handler == sv_config::STDLOG_RESULT_HANDLER)
        })
        .map(|g| g.name.as_str())
        .collect();
    if s.forward_output_format == sv_config::ForwardFormat::Off && stdlog.is_empty() {
        return None;
    }
    let pad = groups
        .iter()
        .flat_map(|g| &g.processes)
        .filter(|p| p.forward_output)
        .map(|p| p.name.chars().count())
        .max()
        .unwrap_or(0);
    let fwd = match forward::Forwarder::new(s.forward_output_format, s.forward_output_buffer, pad) {
        Ok(f) => f,
        Err(e) => {
            logger.borrow_mut().log(LogLevel::Error, &format!("cannot forward output: {e}"));
            return None;
        }
    };
    let mut lg = logger.borrow_mut();
    lg.forward = Some(fwd.sink.clone());
    for pool in stdlog {
        lg.log(
            LogLevel::Info,
            &format!(
                "[eventlistener:{pool}] result_handler {} is built in: each result is written as \
                 'name | line' on supervisord's stdout or stderr",
                sv_config::STDLOG_RESULT_HANDLER
            ),
        );
    }
    Some(fwd)
}

/// Runs the daemon on a loaded configuration until a shutdown or a
/// restart; `Err` is a startup failure (usage error, exit 2).
pub fn run_once(
    mut loaded: Loaded<ServerConfig>,
    overrides: &sv_config::ServerOverrides,
    first: bool,
) -> Result<Outcome, SupervisordError> {
    // The groups go to the daemon, which keeps one copy of them.
    let groups = std::mem::take(&mut loaded.config.groups);
    let fcgi_paths: Vec<String> = groups
        .iter()
        .filter_map(|g| match &g.kind {
            sv_config::GroupKind::FastCgi { socket: sv_config::FcgiSocket::Unix { path, .. } } => {
                Some(path.clone())
            }
            _ => None,
        })
        .collect();
    let cfg = &loaded.config;
    let s = &cfg.supervisord;
    let mut criticals = Vec::new();
    let mut infos = Vec::new();
    match s.uid {
        Some(uid) => {
            sv_sys::daemon::drop_privileges(uid)?;
            infos.push(format!("Set uid to user {uid} succeeded"));
        }
        None if nix::unistd::getuid().is_root() => criticals.push(
            "Supervisor is running as root.  Privileges were not dropped because no user is specified in the \
             config file.  If you intend to run as root, you can set user=root in the config file to avoid \
             this message."
                .to_owned(),
        ),
        None => {}
    }
    if first {
        infos.extend(sv_sys::daemon::set_rlimits(s.minfds, s.minprocs)?);
    }
    let echo = s.nodaemon && !s.silent;
    let logger = Logger::open(
        s.logfile.as_deref().map(Path::new),
        s.logfile_maxbytes,
        s.logfile_backups,
        s.loglevel,
        echo,
    )
    .map_err(|e| {
        format!("could not open the log file {}: {e}", s.logfile.as_deref().unwrap_or(""))
    })?;
    let logger = Rc::new(RefCell::new(logger));
    logger.borrow_mut().format = s.log_format;
    {
        let mut lg = logger.borrow_mut();
        for m in &criticals {
            lg.log(LogLevel::Critical, m);
        }
        for m in &loaded.parse_warnings {
            lg.log(LogLevel::Warn, m);
        }
        for w in &loaded.warnings {
            lg.log(LogLevel::Warn, &w.message);
        }
        for m in loaded.parse_infos.iter().chain(infos.iter()) {
            lg.log(LogLevel::Info, m);
        }
    }
    // Bind first, so a second instance fails before touching anything
    // (the reference cleans AUTO logs first: quirk Q19, fixed).
    let listeners = bind_servers(cfg)?;
    {
        let mut lg = logger.borrow_mut();
        let has_rpc =
            cfg.rpcinterfaces.iter().any(|r| r.factory == sv_config::STANDARD_RPC_FACTORY);
        for (section, auth) in &listeners.sections {
            if has_rpc {
                lg.log(LogLevel::Info, "RPC interface 'supervisor' initialized");
            }
            if !auth {
                lg.log(
                    LogLevel::Critical,
                    &format!("Server '{section}' running without any HTTP authentication checking"),
                );
            }
        }
    }
    if !s.nocleanup {
        output::clear_auto_logs(&s.childlogdir, &s.identifier);
    }
    let base_env: Vec<(String, String)> = std::env::vars_os()
        .map(|(k, v)| (k.to_string_lossy().into_owned(), v.to_string_lossy().into_owned()))
        .collect();
    let (listener_tx, listener_rx) = tokio::sync::mpsc::unbounded_channel();
    let (event_tx, event_rx) = tokio::sync::mpsc::unbounded_channel();
    let mut daemon = Daemon::new(cfg, groups, logger.clone(), base_env, listener_tx, event_tx);
    for g in daemon.loaded_groups.clone() {
        let _ = daemon.open_fcgi_socket(&g);
    }
    daemon.overrides = overrides.clone();

    if !s.nodaemon && first {
        logger.borrow_mut().log(LogLevel::Info, "daemonizing the supervisord process");
        sv_sys::daemon::daemonize().map_err(|e| format!("could not daemonize: {e}"))?;
        if let Some(dir) = &s.directory {
            match std::env::set_current_dir(dir) {
                Ok(()) => logger
                    .borrow_mut()
                    .log(LogLevel::Info, &format!("set current directory: '{dir}'")),
                Err(e) => logger
                    .borrow_mut()
                    .log(LogLevel::Critical, &format!("can't chdir into '{dir}': {e}")),
            }
        }
        sv_sys::daemon::set_umask(s.umask);
    }
    // After daemonizing: the writer thread would not survive the fork.
    let forwarder = start_forwarding(cfg, &daemon.loaded_groups, &logger);
    daemon.forwarder = forwarder.clone();
    if s.subreaper
        && let Err(e) = sv_sys::daemon::become_subreaper()
    {
        logger.borrow_mut().log(LogLevel::Warn, &format!("subreaper=true, but: {e}"));
    }
    let pid = sv_sys::daemon::getpid();
    let pidfile_written = std::fs::write(&s.pidfile, format!("{pid}\n")).is_ok();
    if pidfile_written {
        logger.borrow_mut().log(LogLevel::Info, &format!("supervisord started with pid {pid}"));
    } else {
        logger
            .borrow_mut()
            .log(LogLevel::Critical, &format!("could not write pidfile {}", s.pidfile));
    }

    let shared = Rc::new(event_loop::Shared {
        daemon: RefCell::new(daemon),
        wake: tokio::sync::Notify::new(),
        changed: tokio::sync::Notify::new(),
    });
    let Listeners { servers, unix_paths, .. } = listeners;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
    let outcome = match runtime {
        Ok(rt) => {
            let local = tokio::task::LocalSet::new();
            let out = local.block_on(&rt, async {
                http::start(&shared, servers)?;
                event_loop::run(shared.clone(), listener_rx, event_rx).await
            });
            // Dropping the LocalSet ends the server tasks and closes the sockets.
            drop(local);
            out
        }
        Err(e) => Err(e),
    };
    if let Some(f) = forwarder {
        logger.borrow_mut().forward = None;
        f.sink.close(std::time::Duration::from_secs(2));
    }
    if pidfile_written {
        let _ = std::fs::remove_file(&s.pidfile);
    }
    for path in &unix_paths {
        let _ = std::fs::remove_file(path);
    }
    for path in &fcgi_paths {
        let _ = std::fs::remove_file(path);
    }
    outcome.map_err(|e| SupervisordError::Usage(format!("the event loop failed: {e}")))
}
