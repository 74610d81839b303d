//! From a process configuration to a [`SpawnSpec`]: the command split and
//! resolved on PATH with the reference's checks and messages, and the child's
//! environment; and the daemon's one spawner ([`Daemon::spawn`]), which
//! starts the child and its pipe readers.

use std::os::unix::fs::PermissionsExt;

use sv_config::ProcessConfig;
use sv_config::pyrepr::py_repr;
use sv_core::cmdline::split_command;
use sv_core::process::{Effect, Now};
use sv_core::supervisor::ProcId;
use sv_sys::process::{SpawnSpec, UserSwitch, resolve_user};

use super::event_loop::Daemon;
use super::output::{self, Pump};

/// What every child's environment starts from.
pub struct SpawnContext {
    /// supervisord's own environment (formatted once for every child).
    pub base_env: sv_sys::environment::Environment,
    /// The URL children use to call back (`SUPERVISOR_SERVER_URL`).
    pub serverurl: Option<String>,
}

/// The search path: the program's `PATH`, else supervisord's, else a default.
fn search_path(cfg: &ProcessConfig, ctx: &SpawnContext) -> Vec<String> {
    if let Some((_, p)) = cfg.environment.iter().find(|(k, _)| k == "PATH") {
        return p.split(':').map(str::to_owned).collect();
    }
    match ctx.base_env.get("PATH") {
        Some(p) if !p.is_empty() => p.split(':').map(str::to_owned).collect(),
        _ => vec!["/bin".into(), "/usr/bin".into(), "/usr/local/bin".into()],
    }
}

/// Why a command cannot be run, as the reference's exceptions tell it
/// apart (`startProcess` answers `NO_FILE` for the first, `NOT_EXECUTABLE`
/// for the others); each carries the reference's spawnerr text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandError {
    /// The command line cannot be split, or is empty.
    Bad(String),
    /// No such file, on PATH or at the path given.
    NotFound(String),
    /// A directory, or a file without execute bits.
    NotExecutable(String),
    /// Execute bits, but not for this user.
    NoPermission(String),
}

impl CommandError {
    /// The reference's spawnerr text.
    pub fn message(&self) -> &str {
        match self {
            CommandError::Bad(m)
            | CommandError::NotFound(m)
            | CommandError::NotExecutable(m)
            | CommandError::NoPermission(m) => m,
        }
    }
}

/// Resolves the executable as the reference does.
pub fn resolve(
    cfg: &ProcessConfig,
    ctx: &SpawnContext,
) -> Result<(String, Vec<String>), CommandError> {
    let argv = split_command(&cfg.command).map_err(|e| CommandError::Bad(e.0))?;
    let Some(program) = argv.first() else {
        return Err(CommandError::Bad("command is empty".into()));
    };
    let (filename, meta) = if program.contains('/') {
        (program.clone(), std::fs::metadata(program).ok())
    } else {
        search_path(cfg, ctx)
            .iter()
            .map(|dir| sv_config::paths::join(dir, program))
            .find_map(|f| std::fs::metadata(&f).ok().map(|m| (f, Some(m))))
            .unwrap_or((program.clone(), None))
    };
    let Some(meta) = meta else {
        return Err(CommandError::NotFound(format!("can't find command {}", py_repr(&filename))));
    };
    if meta.is_dir() {
        let msg = format!("command at {} is a directory", py_repr(&filename));
        return Err(CommandError::NotExecutable(msg));
    }
    if meta.permissions().mode() & 0o111 == 0 {
        let msg = format!("command at {} is not executable", py_repr(&filename));
        return Err(CommandError::NotExecutable(msg));
    }
    if nix::unistd::access(filename.as_str(), nix::unistd::AccessFlags::X_OK).is_err() {
        let msg = format!("no permission to run command {}", py_repr(&filename));
        return Err(CommandError::NoPermission(msg));
    }
    Ok((filename, argv))
}

/// Everything needed to start `cfg`'s child.
pub fn prepare(cfg: &ProcessConfig, ctx: &SpawnContext) -> Result<SpawnSpec, CommandError> {
    let (filename, argv) = resolve(cfg, ctx)?;
    let mut env = ctx.base_env.clone();
    env.set("SUPERVISOR_ENABLED", "1");
    if let Some(url) = cfg.serverurl.as_deref().or(ctx.serverurl.as_deref()) {
        env.set("SUPERVISOR_SERVER_URL", url);
    }
    env.set("SUPERVISOR_PROCESS_NAME", &cfg.name);
    env.set("SUPERVISOR_GROUP_NAME", &cfg.group);
    for (k, v) in &cfg.environment {
        env.set(k, v);
    }
    Ok(SpawnSpec {
        filename,
        argv,
        env,
        directory: cfg.directory.clone(),
        umask: cfg.umask,
        user: cfg.uid.map_or(UserSwitch::Keep, resolve_user),
        redirect_stderr: cfg.redirect_stderr,
        stdin_fd: None,
        extra_fd: None,
    })
}

impl Daemon {
    /// Starts the child of `id`; returns the model's effects.
    pub(super) fn spawn(&mut self, id: ProcId, now: Now) -> Vec<Effect> {
        let mut out = Vec::new();
        self.churn = self.churn.saturating_add(1);
        let cfg = self.sv.process(id).config.clone();
        // An fcgi group's socket, opened again if it was closed while the
        // group was idle.
        let group_cfg = &self.sv.groups[id.group].config;
        if matches!(group_cfg.kind, sv_config::GroupKind::FastCgi { .. })
            && !self.fcgi.iter().any(|(n, _)| *n == group_cfg.name)
        {
            let group_cfg = group_cfg.clone();
            if let Err(e) = self.open_fcgi_socket(&group_cfg) {
                self.sv.process_mut(id).spawn_failed(e.0, now, &mut out);
                return out;
            }
        }
        let spec = match prepare(&cfg, &self.ctx) {
            Ok(mut spec) => {
                let group = &self.sv.groups[id.group].config.name;
                spec.stdin_fd =
                    self.fcgi.iter().find(|(n, _)| n == group).map(|(_, fd)| fd.clone());
                self.notify_env(&cfg, &mut spec.env);
                spec
            }
            Err(e) => {
                self.sv.process_mut(id).spawn_failed(e.message().to_owned(), now, &mut out);
                return out;
            }
        };
        let rt = &self.sv.process(id).ext;
        let files = output::open_log(rt.paths.stdout.as_deref(), &cfg.stdout).and_then(|o| {
            output::open_log(rt.paths.stderr.as_deref(), &cfg.stderr).map(|e| (o, e))
        });
        let stamped = output::open_log(rt.paths.stdout_ts.as_deref(), &cfg.stdout).and_then(|o| {
            output::open_log(rt.paths.stderr_ts.as_deref(), &cfg.stderr).map(|e| [o, e])
        });
        let files = files.and_then(|f| stamped.map(|s| (f, s)));
        let ((out_file, err_file), stamped) = match files {
            Ok(f) => f,
            Err(e) => {
                let name = e.raw_os_error().and_then(sv_sys::errno::name).unwrap_or("EUNKNOWN");
                let msg = format!("unknown error making dispatchers for '{}': {name}", cfg.name);
                self.sv.process_mut(id).spawn_failed(msg, now, &mut out);
                return out;
            }
        };
        // `ready_check=fd:N`: the child writes a line on fd N when ready.
        let mut spec = spec;
        let ready_pipe = match cfg.checks.ready_check {
            sv_config::checks::ReadyCheck::Fd(n) => {
                match nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC) {
                    Ok((r, w)) => {
                        spec.extra_fd = Some((n, std::sync::Arc::new(w)));
                        Some(r)
                    }
                    Err(e) => {
                        let msg = format!("could not make the ready pipe of '{}': {e}", cfg.name);
                        self.sv.process_mut(id).spawn_failed(msg, now, &mut out);
                        return out;
                    }
                }
            }
            _ => None,
        };
        let spawned = sv_sys::process::spawn(&spec);
        // Our copy of the pipe's write end goes: EOF then means the child
        // closed it.
        spec.extra_fd = None;
        match spawned {
            Err(e) => self.sv.process_mut(id).spawn_failed(e.message(&cfg.name), now, &mut out),
            Ok(sp) => {
                if let Some(r) = ready_pipe {
                    self.watch_ready_fd(id, sp.pid, r);
                }
                let pumps = [
                    ("stdout", sp.stdout, &out_file, &cfg.stdout),
                    ("stderr", sp.stderr, &err_file, &cfg.stderr),
                ];
                let group_name = &self.sv.groups[id.group].config.name;
                let is_listener = self.pools.iter().any(|(n, _)| n == group_name);
                for (channel, fd, file, stream) in pumps {
                    if let Some(fd) = fd {
                        let protocol =
                            (is_listener && channel == "stdout").then(|| self.listener_tx.clone());
                        // A listener's stdout carries the protocol: no events, no capture.
                        let plain = protocol.is_none();
                        let events = plain.then(|| output::EventSink {
                            tx: self.event_tx.clone(),
                            pid: sp.pid,
                            log_events: stream.events_enabled,
                            subscribed: self.log_subscribed.clone(),
                        });
                        let capture = (plain && stream.capture_maxbytes > 0).then(|| {
                            sv_core::capture::Capture::new(
                                usize::try_from(stream.capture_maxbytes).unwrap_or(0),
                            )
                        });
                        let pump = Pump {
                            config: cfg.clone(),
                            channel,
                            file: file.clone(),
                            strip_ansi: self.strip_ansi,
                            syslog: stream.syslog,
                            logger: self.logger.clone(),
                            protocol,
                            events: events.map(Box::new),
                            capture: capture.map(Box::new),
                            ready: match &cfg.checks.ready_check {
                                sv_config::checks::ReadyCheck::Log(re) if plain => {
                                    Some(Box::new(output::LogReady::new(
                                        re.clone(),
                                        sp.pid,
                                        self.checks.tx.clone(),
                                    )))
                                }
                                _ => None,
                            },
                            link: self.sv.process(id).ext.link.clone(),
                            forward: self.forward_pipe(id, channel, sp.pid, plain),
                            stamped: stamped[usize::from(channel == "stderr")]
                                .as_ref()
                                .filter(|_| plain)
                                .map(|f| {
                                    Box::new(output::Stamped::new(
                                        f.clone(),
                                        cfg.timestamp_format.clone(),
                                    ))
                                }),
                        };
                        let added = self.pipes().and_then(|pipes| pipes.add(fd, pump));
                        if let Err(e) = added {
                            // The child runs on; what it writes there is lost.
                            let msg =
                                format!("could not read the {channel} of '{}': {e}", cfg.name);
                            self.logger.borrow_mut().log(sv_config::LogLevel::Warn, &msg);
                        }
                    }
                }
                let rt = &mut self.sv.process_mut(id).ext;
                rt.stdout = out_file;
                rt.stderr = err_file;
                rt.stamped = stamped;
                rt.stdin = sp.stdin;
                self.sv.process_mut(id).spawned(sp.pid, &mut out);
                self.start_ready_checks(id, sp.pid, &spec);
            }
        }
        out
    }

    /// The reader of the children's pipes, started on first use.
    fn pipes(&mut self) -> std::io::Result<std::rc::Rc<output::Pipes>> {
        if let Some(p) = &self.pipes {
            return Ok(p.clone());
        }
        let pipes = output::Pipes::start()?;
        self.pipes = Some(pipes.clone());
        Ok(pipes)
    }

    /// Forwarding for one pipe of a new child (ours): when a format is set,
    /// the process has `forward_output`, and the pipe is not a listener's
    /// protocol (`plain`).
    fn forward_pipe(
        &self,
        id: ProcId,
        channel: &'static str,
        pid: u32,
        plain: bool,
    ) -> Option<Box<super::forward::Pipe>> {
        let fwd = self.forwarder.as_ref()?;
        let cfg = &self.sv.process(id).config;
        if fwd.format == sv_config::ForwardFormat::Off || !cfg.forward_output || !plain {
            return None;
        }
        let group = &self.sv.groups[id.group].config.name;
        let program = cfg.section.split_once(':').map_or(cfg.section.as_str(), |(_, n)| n);
        let namespec = sv_core::namespec::make(group, &cfg.name);
        let origin =
            super::forward::Origin { name: &cfg.name, program, group, namespec: &namespec, pid };
        Some(Box::new(super::forward::Pipe::new(fwd.clone(), channel, &origin)))
    }
}
