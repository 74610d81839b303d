//! A running supervisord (ours or the reference's) in a test directory:
//! started in the foreground, observed through its main log, always stopped
//! and its children always killed when the test ends.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{Env, bin};

/// The test child program.
pub fn testprog() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_sv-testprog"))
}

/// The settings every test config starts with; `{dir}` is the test directory.
pub const HEADER: &str = "[supervisord]\nlogfile={dir}/supervisord.log\npidfile={dir}/supervisord.pid\n\
childlogdir={dir}\nloglevel=info\n[unix_http_server]\nfile={dir}/supervisor.sock\n\
[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\
[supervisorctl]\nserverurl=unix://{dir}/supervisor.sock\n";

/// A supervisord process under test.
pub struct Running<'a> {
    env: &'a Env,
    child: Option<Child>,
    conf: PathBuf,
}

impl<'a> Running<'a> {
    /// Writes `HEADER + conf` (with `{dir}` and `{testprog}` filled in) and
    /// runs `program PREFIX... -c CONF EXTRA...`: a supervisord (ours or the
    /// reference's), or a wrapper such as `unshare` given ours in `prefix`.
    pub fn start_with(
        env: &'a Env,
        program: &Path,
        prefix: &[&str],
        conf: &str,
        extra: &[&str],
    ) -> Self {
        let text = format!("{HEADER}{conf}").replace("{testprog}", &testprog().to_string_lossy());
        let conf = env.write("supervisord.conf", &text);
        let stdout = std::fs::File::create(env.path().join("daemon.stdout")).expect("stdout file");
        let stderr = std::fs::File::create(env.path().join("daemon.stderr")).expect("stderr file");
        let mut cmd = Command::new(program);
        cmd.args(prefix).arg("-c").arg(&conf).args(extra).current_dir(env.path());
        let child = cmd
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .expect("start supervisord");
        Running { env, child: Some(child), conf }
    }

    /// Starts our supervisord in the foreground.
    pub fn start(env: &'a Env, conf: &str) -> Self {
        Self::start_with(env, &bin("supervisord"), &[], conf, &["-n"])
    }

    /// The daemon's pid.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// The config path.
    pub fn conf(&self) -> &Path {
        &self.conf
    }

    /// The main log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.env.path().join("supervisord.log")).unwrap_or_default()
    }

    /// Everything worth seeing when a test fails.
    pub fn dump(&self) -> String {
        let mut s = String::new();
        for f in ["supervisord.conf", "supervisord.log", "daemon.stdout", "daemon.stderr"] {
            let text = std::fs::read_to_string(self.env.path().join(f)).unwrap_or_default();
            s.push_str(&format!("===== {f} =====\n{text}\n"));
        }
        if let Ok(rd) = std::fs::read_dir(self.env.path()) {
            let mut names: Vec<String> =
                rd.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
            names.sort();
            s.push_str(&format!("===== files =====\n{}\n", names.join("\n")));
        }
        s
    }

    /// Fails with a dump unless `ok`.
    pub fn check(&self, ok: bool, what: &str) {
        assert!(ok, "expectation failed: {what}\n{}", self.dump());
    }

    /// Waits until the log holds `n` lines containing `needle`; returns the log.
    pub fn wait_count(&self, needle: &str, n: usize, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let log = self.log();
            if log.lines().filter(|l| l.contains(needle)).count() >= n {
                return log;
            }
            assert!(
                Instant::now() < deadline,
                "timed out after {limit:?} waiting for {n} x {needle:?}\n{}",
                self.dump()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until the log contains `needle`; returns the log.
    pub fn wait_for(&self, needle: &str, limit: Duration) -> String {
        self.wait_count(needle, 1, limit)
    }

    /// The pid in the last `spawned: 'name' with pid N` line.
    pub fn pid_of(&self, name: &str) -> u32 {
        let marker = format!("spawned: '{name}' with pid ");
        self.log()
            .lines()
            .rev()
            .find_map(|l| l.split_once(&marker).map(|(_, p)| p.trim().parse().unwrap_or(0)))
            .unwrap_or_else(|| panic!("no spawn of {name}\n{}", self.dump()))
    }

    /// Runs our supervisorctl with this daemon's configuration file.
    pub fn ctl(&self, args: &[&str]) -> crate::harness::Output {
        let conf = self.conf().to_string_lossy().into_owned();
        let mut all = vec!["-c", conf.as_str()];
        all.extend_from_slice(args);
        self.env.run(&bin("supervisorctl"), &all, Duration::from_secs(30))
    }

    /// Sends a signal to the daemon.
    pub fn signal(&self, sig: i32) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.pid() as i32),
            nix::sys::signal::Signal::try_from(sig).expect("signal"),
        );
    }

    /// Waits for the daemon to exit; returns its exit code.
    pub fn wait_exit(&mut self, limit: Duration) -> i32 {
        let deadline = Instant::now() + limit;
        loop {
            let status = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten());
            if let Some(st) = status {
                self.child = None;
                return st.code().unwrap_or(-1);
            }
            assert!(
                Instant::now() < deadline,
                "supervisord did not exit within {limit:?}\n{}",
                self.dump()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGTERM, then waits for the exit code.
    pub fn stop(&mut self) -> i32 {
        self.signal(libc::SIGTERM);
        self.wait_exit(Duration::from_secs(30))
    }

    fn spawned_pids(&self) -> Vec<i32> {
        self.log()
            .lines()
            .filter_map(|l| l.split_once("' with pid ").and_then(|(_, p)| p.trim().parse().ok()))
            .collect()
    }
}

/// Whether a process exists (and is not a zombie).
pub fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat.rsplit(')').next().unwrap_or("").trim_start().starts_with('Z'),
        Err(_) => false,
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let pid = nix::unistd::Pid::from_raw(child.id() as i32);
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
            let deadline = Instant::now() + Duration::from_secs(15);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        // Whatever it started must not outlive the test.
        for pid in self.spawned_pids() {
            if alive(pid) {
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(pid),
                    nix::sys::signal::Signal::SIGKILL,
                );
            }
        }
    }
}

/// XML-RPC to a test daemon's unix socket, through supervisorctl's client.
pub struct Conn {
    client: supervisor::ctl::client::Client,
}

impl Conn {
    /// A connection to the daemon of the test directory `env`.
    pub fn open(env: &Env) -> Conn {
        use supervisor::ctl::client::{Client, Endpoint};
        let endpoint = Endpoint::Unix(format!("{}/supervisor.sock", env.dir()));
        Conn { client: Client { endpoint, username: None, password: None } }
    }

    /// A call; `Err` describes the fault or failure.
    pub fn try_call(
        &mut self,
        method: &str,
        params: &[sv_xmlrpc::Value],
    ) -> Result<sv_xmlrpc::Value, String> {
        self.client.call(method, params).map_err(|e| format!("{method}: {e:?}"))
    }

    /// A call that must succeed.
    pub fn call(&mut self, method: &str, params: &[sv_xmlrpc::Value]) -> sv_xmlrpc::Value {
        self.try_call(method, params).unwrap_or_else(|e| panic!("{e}"))
    }

    /// `getProcessInfo(name)`.
    pub fn info(&mut self, name: &str) -> sv_xmlrpc::Value {
        self.call("supervisor.getProcessInfo", &[name.into()])
    }
}
