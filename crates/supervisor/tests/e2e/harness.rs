//! The end-to-end harness: a temp directory per test, the real binaries run
//! with bounded waits, and everything dumped when an expectation fails.

use std::fmt::Write as _;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Where the reference (Supervisor 4.3.0) is installed: `$SV_REF_VENV`, or
/// `.venv-ref` at the workspace root.
pub fn ref_venv() -> Option<PathBuf> {
    let p = match std::env::var_os("SV_REF_VENV") {
        Some(v) => PathBuf::from(v),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv-ref"),
    };
    if p.join("bin/python").exists() {
        Some(p)
    } else {
        assert!(
            std::env::var_os("SV_REQUIRE_REF").is_none(),
            "SV_REQUIRE_REF is set but the reference venv is missing at {}",
            p.display()
        );
        None
    }
}

/// Path of one of our binaries.
pub fn bin(name: &str) -> PathBuf {
    match name {
        "supervisord" => PathBuf::from(env!("CARGO_BIN_EXE_supervisord")),
        "supervisorctl" => PathBuf::from(env!("CARGO_BIN_EXE_supervisorctl")),
        "echo_supervisord_conf" => PathBuf::from(env!("CARGO_BIN_EXE_echo_supervisord_conf")),
        "pidproxy" => PathBuf::from(env!("CARGO_BIN_EXE_pidproxy")),
        other => panic!("unknown binary {other}"),
    }
}

/// Runs `run` for our supervisord (in `ours_env`) and the reference's (in
/// `ref_env`, from `venv`) at the same time; returns (ours, reference). A
/// panic in either run fails the test after both have ended.
pub fn side_by_side<T: Send>(
    ours_env: &Env,
    ref_env: &Env,
    venv: &Path,
    run: impl Fn(&Env, &Path) -> T + Sync,
) -> (T, T) {
    let reference_daemon = venv.join("bin/supervisord");
    let (ours, reference) = std::thread::scope(|s| {
        let o = s.spawn(|| run(ours_env, &bin("supervisord")));
        let r = s.spawn(|| run(ref_env, &reference_daemon));
        (o.join(), r.join())
    });
    match (ours, reference) {
        (Ok(o), Ok(r)) => (o, r),
        _ => panic!("a run failed (see the panic above)"),
    }
}

/// What a finished command did.
#[derive(Debug)]
pub struct Output {
    /// The command line, for dumps.
    pub command: String,
    /// Exit code (`-1` when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Output {
    fn dump(&self, dir: &Path) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "command: {}\nexit code: {}", self.command, self.code);
        let _ = writeln!(s, "--- stdout ---\n{}--- stderr ---\n{}", self.stdout, self.stderr);
        let _ = writeln!(s, "--- files in {} ---", dir.display());
        for entry in walk(dir) {
            let _ = writeln!(s, "== {}", entry.display());
            if let Ok(text) = std::fs::read_to_string(&entry) {
                let _ = writeln!(s, "{text}");
            }
        }
        s
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// A temp directory with files in it, where commands run.
pub struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    /// A fresh, empty directory.
    pub fn new() -> Self {
        Env { dir: tempfile::Builder::new().prefix("sv-e2e-").tempdir().expect("temp dir") }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The directory as text.
    pub fn dir(&self) -> String {
        self.dir.path().to_string_lossy().into_owned()
    }

    /// Writes a file (creating parent directories); `{dir}` in the text
    /// becomes the directory's path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path().join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, text.replace("{dir}", &self.dir())).expect("write");
        p
    }

    /// Runs a command in the directory with a time limit; the child is
    /// killed when the limit passes.
    pub fn run(&self, program: &Path, args: &[&str], limit: Duration) -> Output {
        let command = format!("{} {}", program.display(), args.join(" "));
        let mut child = Command::new(program)
            .args(args)
            .current_dir(self.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {command}: {e}"));
        let mut out_pipe = child.stdout.take().expect("stdout");
        let mut err_pipe = child.stderr.take().expect("stderr");
        let out_t = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = out_pipe.read_to_string(&mut s);
            s
        });
        let err_t = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = err_pipe.read_to_string(&mut s);
            s
        });
        let deadline = Instant::now() + limit;
        let status = loop {
            if let Some(st) = child.try_wait().expect("wait") {
                break Some(st);
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let stdout = out_t.join().unwrap_or_default();
        let stderr = err_t.join().unwrap_or_default();
        let out =
            Output { command, code: status.and_then(|s| s.code()).unwrap_or(-1), stdout, stderr };
        assert!(status.is_some(), "timed out after {limit:?}\n{}", out.dump(self.path()));
        out
    }

    /// Fails with a full dump unless `ok` holds.
    pub fn check(&self, out: &Output, ok: bool, what: &str) {
        assert!(ok, "expectation failed: {what}\n{}", out.dump(self.path()));
    }
}

/// A supervisord started by a test outside [`crate::daemon_harness`]: sent
/// SIGTERM (so it stops its programs) and reaped when dropped, whatever
/// happens.
pub struct Stop(pub std::process::Child);

impl Drop for Stop {
    fn drop(&mut self) {
        let pid = nix::unistd::Pid::from_raw(self.0.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::SIGTERM);
        let _ = self.0.wait();
    }
}
