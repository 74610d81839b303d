//! From a process configuration to a [`SpawnSpec`]: the command split and
//! resolved on PATH with the reference's checks and messages, and the child's
//! environment.

use std::os::unix::fs::PermissionsExt;

use sv_config::ProcessConfig;
use sv_config::pyrepr::py_repr;
use sv_core::cmdline::split_command;
use sv_sys::process::{SpawnSpec, UserSwitch, resolve_user};

/// What every child's environment starts from.
pub struct SpawnContext {
    /// supervisord's own environment.
    pub base_env: Vec<(String, String)>,
    /// The URL children use to call back (`SUPERVISOR_SERVER_URL`).
    pub serverurl: Option<String>,
}

fn set(env: &mut Vec<(String, String)>, k: &str, v: &str) {
    match env.iter_mut().find(|(ek, _)| ek == k) {
        Some(slot) => slot.1 = v.to_owned(),
        None => env.push((k.to_owned(), v.to_owned())),
    }
}

/// The search path: the program's `PATH`, else supervisord's, else a default.
fn search_path(cfg: &ProcessConfig, ctx: &SpawnContext) -> Vec<String> {
    if let Some((_, p)) = cfg.environment.iter().find(|(k, _)| k == "PATH") {
        return p.split(':').map(str::to_owned).collect();
    }
    match ctx.base_env.iter().find(|(k, _)| k == "PATH") {
        Some((_, p)) if !p.is_empty() => p.split(':').map(str::to_owned).collect(),
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
    set(&mut env, "SUPERVISOR_ENABLED", "1");
    if let Some(url) = cfg.serverurl.as_deref().or(ctx.serverurl.as_deref()) {
        set(&mut env, "SUPERVISOR_SERVER_URL", url);
    }
    set(&mut env, "SUPERVISOR_PROCESS_NAME", &cfg.name);
    set(&mut env, "SUPERVISOR_GROUP_NAME", &cfg.group);
    for (k, v) in &cfg.environment {
        set(&mut env, k, v);
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
