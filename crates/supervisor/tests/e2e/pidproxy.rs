//! `pidproxy` end to end: usage, signal forwarding through the pid file,
//! the unreadable pid file message, and exiting with its child.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::daemon_harness::alive;
use crate::harness::{Env, bin};

fn wait_until(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[test]
fn usage_without_arguments() {
    let env = Env::new();
    let out = env.run(&bin("pidproxy"), &["only-one"], Duration::from_secs(10));
    env.check(&out, out.code == 1, "exit 1");
    env.check(
        &out,
        out.stdout.contains("Usage: ") && out.stdout.contains("<pidfile name> <command>"),
        "usage",
    );
}

/// Runs `shell` under pidproxy with a trap for `sig` that leaves a
/// marker; sends `sig`, then TERM, to pidproxy: the trap must fire, TERM
/// must reach the child and pidproxy must exit 0.
fn forwarded_to_a_trap(shell: &str, sig: nix::sys::signal::Signal) {
    let env = Env::new();
    let pidfile = env.path().join("child.pid");
    let marker = env.path().join("got-signal");
    let name = sig.as_str().trim_start_matches("SIG");
    let script = format!(
        "trap 'echo got > {}' {name}; echo $$ > {}; while true; do sleep 0.05; done",
        marker.display(),
        pidfile.display()
    );
    let mut proxy = Command::new(bin("pidproxy"))
        .args([pidfile.to_str().unwrap_or_default(), shell, "-c", &script])
        .stdout(Stdio::null())
        .spawn()
        .expect("start pidproxy");
    let read_pid =
        || std::fs::read_to_string(&pidfile).ok().and_then(|s| s.trim().parse::<i32>().ok());
    let started = wait_until(Duration::from_secs(10), || read_pid().is_some());
    let child = read_pid().unwrap_or(0);
    let proxy_pid = nix::unistd::Pid::from_raw(proxy.id() as i32);
    let _ = nix::sys::signal::kill(proxy_pid, sig);
    let got = started && wait_until(Duration::from_secs(10), || marker.exists());
    let _ = nix::sys::signal::kill(proxy_pid, nix::sys::signal::Signal::SIGTERM);
    let status = proxy.wait().expect("wait");
    let ended = wait_until(Duration::from_secs(10), || !alive(child));
    // Whatever happened, nothing outlives the test (a child that missed
    // TERM would keep the test runner's output pipe open).
    if child > 0 && alive(child) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(child),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
    assert!(started, "the child wrote its pid");
    assert!(got, "{name} reached the {shell} child's trap");
    assert_eq!(status.code(), Some(0), "pidproxy exits 0 after TERM");
    assert!(ended, "TERM reached the child");
}

#[test]
fn forwards_signals_to_the_pid_in_the_pidfile() {
    forwarded_to_a_trap("/bin/sh", nix::sys::signal::Signal::SIGHUP);
}

#[test]
fn unreadable_pidfile_and_exit_with_the_child() {
    let env = Env::new();
    let pidfile = env.path().join("never-written.pid");
    let proxy = Command::new(bin("pidproxy"))
        .args([pidfile.to_str().unwrap_or_default(), "/bin/sh", "-c", "sleep 0.5"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start pidproxy");
    std::thread::sleep(Duration::from_millis(100));
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(proxy.id() as i32),
        nix::sys::signal::Signal::SIGHUP,
    );
    let start = Instant::now();
    let out = proxy.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0), "exits 0 when the child exits");
    assert!(start.elapsed() < Duration::from_secs(5), "noticed the child's exit without polling");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("Can't read child pidfile {}!\n", pidfile.display())
    );
}

/// The `SigBlk` and `SigIgn` lines of a process (signals 1-31 only: the
/// realtime ones depend on the test runner, not on what is tested).
pub fn signal_state(pid: i32) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(":\t")?;
            let mask = u64::from_str_radix(v.trim(), 16).ok()? & 0x7fff_ffff;
            matches!(k, "SigBlk" | "SigIgn").then(|| format!("{k} {mask:016x}"))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Starts `pidproxy` (ours or the reference's) on a child that writes its
/// pid and execs a sleep; returns the child's signal state.
fn child_signal_state_under(pidproxy: &std::path::Path) -> String {
    let env = Env::new();
    let pidfile = env.path().join("child.pid");
    let script = format!("echo $$ > {}; exec sleep 30", pidfile.display());
    let mut proxy = Command::new(pidproxy)
        .args([pidfile.to_str().unwrap_or_default(), "/bin/sh", "-c", &script])
        .stdout(Stdio::null())
        .spawn()
        .expect("start pidproxy");
    let read_pid =
        || std::fs::read_to_string(&pidfile).ok().and_then(|s| s.trim().parse::<i32>().ok());
    let found = wait_until(Duration::from_secs(10), || {
        read_pid().is_some_and(|p| {
            std::fs::read_to_string(format!("/proc/{p}/cmdline"))
                .is_ok_and(|c| c.starts_with("sleep"))
        })
    });
    let child = read_pid().unwrap_or(0);
    let state = signal_state(child);
    if child > 0 {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(child),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
    let _ = proxy.kill();
    let _ = proxy.wait();
    assert!(found, "the child wrote its pid and exec'd sleep");
    state
}

#[test]
fn the_child_gets_the_signal_mask_and_dispositions_of_the_references_child() {
    let ours = child_signal_state_under(&bin("pidproxy"));
    assert!(ours.contains("SigBlk 0000000000000000"), "nothing blocked in the child: {ours}");
    if let Some(venv) = crate::harness::ref_venv() {
        let reference = child_signal_state_under(&venv.join("bin/pidproxy"));
        assert_eq!(ours, reference, "ours, then the reference's");
    }
}

#[test]
fn a_child_with_a_trap_receives_what_is_forwarded() {
    // bash keeps the mask it was given (dash clears it at startup), so it
    // shows a signal left blocked.
    let Ok(bash) = which_bash() else { return };
    forwarded_to_a_trap(&bash, nix::sys::signal::Signal::SIGUSR1);
}

fn which_bash() -> Result<String, ()> {
    ["/bin/bash", "/usr/bin/bash"]
        .iter()
        .find(|p| std::path::Path::new(p).exists())
        .map(|p| (*p).to_owned())
        .ok_or(())
}
