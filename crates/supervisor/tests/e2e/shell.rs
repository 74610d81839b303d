//! The interactive shell in a pseudo-terminal: the automatic `status`, the
//! prompt, `help`, Tab completion of a command name, history written to the
//! `-r` file.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::daemon_harness::Running;
use crate::harness::{Env, bin};

#[test]
fn shell_in_a_terminal() {
    let env = Env::new();
    let mut d = Running::start(&env, "[program:a]\ncommand={testprog} sleep 3600\nstartsecs=0\n");
    d.wait_for("success: a entered RUNNING", Duration::from_secs(20));
    let hist = env.path().join("history");
    let driver = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/pty_shell.py");
    let out = Command::new("python3")
        .arg(driver)
        .arg(bin("supervisorctl"))
        .arg(d.conf())
        .arg(&hist)
        .output()
        .expect("run the pty driver");
    let text = String::from_utf8_lossy(&out.stdout);
    d.check(
        text.contains("a                                RUNNING"),
        &format!("automatic status\n{text}"),
    );
    d.check(text.contains("supervisor> "), "prompt");
    d.check(text.contains("default commands (type help <topic>):"), "help");
    d.check(text.contains("4.3.0"), &format!("Tab completed 'vers' to 'version'\n{text}"));
    d.check(
        !text.contains("[driver: the shell did not exit"),
        &format!("quit ends the shell\n{text}"),
    );
    let history = std::fs::read_to_string(&hist).unwrap_or_default();
    d.check(
        history.contains("help") && history.contains("version"),
        &format!("history file: {history:?}"),
    );
    assert_eq!(d.stop(), 0);
}

#[test]
fn fg_forwards_input_and_shows_output() {
    use std::io::Write;
    let env = Env::new();
    let mut d = Running::start(&env, "[program:echo]\ncommand=/bin/cat\nstartsecs=0\n");
    d.wait_for("success: echo entered RUNNING", Duration::from_secs(20));
    let mut child = Command::new(bin("supervisorctl"))
        .arg("-c")
        .arg(d.conf())
        .args(["fg", "echo"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start supervisorctl fg");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(b"hello through fg\n").expect("write");
    std::thread::sleep(Duration::from_millis(500));
    drop(stdin);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while child.try_wait().ok().flatten().is_none() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let out = child.wait_with_output().expect("output");
    let text = String::from_utf8_lossy(&out.stdout);
    d.check(text.starts_with("==> Press Ctrl-C to exit <==\n"), &format!("banner\n{text}"));
    d.check(
        text.contains("hello through fg"),
        &format!("the line went to the process and its output came back\n{text}"),
    );
    d.check(text.ends_with("Exiting foreground\n"), &format!("ends cleanly at EOF\n{text}"));
    assert_eq!(d.stop(), 0);
}
