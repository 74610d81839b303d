//! Ctrl-C (SIGINT) in supervisorctl: ours against the reference's, both
//! talking to our daemon. Following output (`tail -f`, `maintail -f`)
//! ends with an empty line and status 0; in the shell, it returns to the
//! prompt; any other one-shot command dies of SIGINT.

use std::io::{Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::daemon_harness::Running;
use crate::harness::{Env, bin, ref_venv};

const CONF: &str = "\
[program:talk]\ncommand=/bin/sh -c 'echo hello; exec sleep 3600'\nstartsecs=0\n\
[program:slow]\ncommand=/bin/sleep 3600\nstartsecs=30\nautostart=false\n";

/// A running supervisorctl whose output is collected by a thread.
struct Ctl {
    child: Child,
    out: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
}

impl Ctl {
    fn start(ctl: &Path, conf: &Path, args: &[&str], stdin: Stdio) -> Ctl {
        let mut child = Command::new(ctl)
            .arg("-c")
            .arg(conf)
            .args(args)
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start supervisorctl");
        let out = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut pipe = child.stdout.take().expect("stdout");
        let sink = out.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().map(|mut o| o.extend_from_slice(&buf[..n])).ok();
            }
        });
        Ctl { child, out }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.out.lock().map(|o| o.clone()).unwrap_or_default())
            .into_owned()
    }

    fn wait_for(&self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.text().contains(needle) {
            assert!(Instant::now() < deadline, "no {needle:?} in {:?}", self.text());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn interrupt(&self) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.child.id() as i32),
            nix::sys::signal::Signal::SIGINT,
        );
    }

    /// (exit code, terminating signal, output) once it has exited.
    fn finish(mut self) -> (Option<i32>, Option<i32>, String) {
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Ok(Some(st)) = self.child.try_wait() {
                break st;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                break self.child.wait().expect("wait");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        // Let the reader take the last bytes.
        std::thread::sleep(Duration::from_millis(100));
        (status.code(), status.signal(), self.text())
    }
}

impl Drop for Ctl {
    fn drop(&mut self) {
        // Nothing outlives the test, even when an expectation failed.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What happens to one supervisorctl on Ctrl-C in each situation.
fn scenarios(ctl: &Path, conf: &Path) -> Vec<(Option<i32>, Option<i32>, String)> {
    let mut out = Vec::new();
    for args in [&["tail", "-f", "talk"][..], &["maintail", "-f"]] {
        let c = Ctl::start(ctl, conf, args, Stdio::null());
        c.wait_for("==> Press Ctrl-C to exit <==\n");
        std::thread::sleep(Duration::from_millis(300));
        c.interrupt();
        let (code, sig, text) = c.finish();
        // Only the end matters: what was printed before is the log.
        let tail = text.rsplit_once("<==\n").map(|x| x.1.ends_with('\n')).unwrap_or(false);
        out.push((code, sig, format!("{args:?} ends with a newline: {tail}")));
    }
    // A one-shot command that waits (startsecs=30) dies of SIGINT.
    let c = Ctl::start(ctl, conf, &["start", "slow"], Stdio::null());
    std::thread::sleep(Duration::from_millis(1500));
    c.interrupt();
    let (code, sig, _) = c.finish();
    out.push((code, sig, "start slow".into()));
    // In the shell, Ctrl-C ends `tail -f` and the shell goes on.
    let mut c = Ctl::start(ctl, conf, &[], Stdio::piped());
    let mut stdin = c.child.stdin.take().expect("stdin");
    c.wait_for("> ");
    let _ = stdin.write_all(b"tail -f talk\n");
    c.wait_for("==> Press Ctrl-C to exit <==\n");
    std::thread::sleep(Duration::from_millis(300));
    c.interrupt();
    let _ = stdin.write_all(b"version\n");
    c.wait_for("4.3.0\n");
    drop(stdin);
    let (code, sig, _) = c.finish();
    out.push((code, sig, "shell goes on after tail -f".into()));
    out
}

fn stop_slow(conf: &Path) {
    let _ = Command::new(bin("supervisorctl")).arg("-c").arg(conf).args(["stop", "slow"]).output();
}

#[test]
fn ctrl_c_ends_follows_and_commands_as_the_reference_does() {
    let env = Env::new();
    let mut d = Running::start(&env, CONF);
    d.wait_for("success: talk entered RUNNING", Duration::from_secs(20));
    let conf = d.conf().to_owned();
    let ours = scenarios(&bin("supervisorctl"), &conf);
    stop_slow(&conf);
    let expected_follow = |s: &str| (Some(0), None, format!("{s} ends with a newline: true"));
    assert_eq!(ours[0], expected_follow("[\"tail\", \"-f\", \"talk\"]"), "{}", d.dump());
    assert_eq!(ours[1], expected_follow("[\"maintail\", \"-f\"]"), "{}", d.dump());
    assert_eq!(ours[2].1, Some(libc::SIGINT), "start slow dies of SIGINT: {:?}", ours[2]);
    assert_eq!(ours[3].0, Some(0), "the shell went on and ended normally: {:?}", ours[3]);
    if let Some(venv) = ref_venv() {
        let reference: PathBuf = venv.join("bin/supervisorctl");
        let theirs = scenarios(&reference, &conf);
        stop_slow(&conf);
        assert_eq!(ours, theirs, "ours, then the reference's");
    }
    assert_eq!(d.stop(), 0);
}
