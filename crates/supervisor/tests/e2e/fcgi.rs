//! `[fcgi-program:x]`: supervisord opens the socket and every process of the
//! group accepts connections on it as its stdin.

use std::io::Read;
use std::time::Duration;

use crate::daemon_harness::Running;
use crate::harness::Env;

const CHILD: &str = concat!(
    "import os, socket, time\n",
    "s = socket.socket(fileno=0)\n",
    "while True:\n",
    "    c, _ = s.accept()\n",
    "    c.sendall(str(os.getpid()).encode())\n",
    "    c.close()\n",
    "    time.sleep(0.05)\n",
);

/// Group `app` (two processes on a TCP socket at `port`) and group
/// `other` (one process on the unix socket `{dir}/<sock>`, with `extra`), both
/// running [`CHILD`].
fn app_conf(env: &Env, port: u16, other: &str, sock: &str, extra: &str) -> String {
    let script = env.write("child.py", CHILD);
    let script = script.display();
    format!(
        "[fcgi-program:app]\ncommand=python3 {script}\nsocket=tcp://127.0.0.1:{port}\nnumprocs=2\n\
         process_name=%(program_name)s_%(process_num)d\nstartsecs=0\n\
         [fcgi-program:{other}]\ncommand=python3 {script}\nsocket=unix://{{dir}}/{sock}\n{extra}\n"
    )
}

#[test]
fn children_share_the_socket_supervisord_opened() {
    let env = Env::new();
    let port = crate::http::free_port();
    let mut d = Running::start(&env, &app_conf(&env, port, "unixapp", "app.sock", "startsecs=0"));
    d.wait_count("entered RUNNING state", 3, Duration::from_secs(20));
    std::thread::sleep(Duration::from_millis(300));
    d.check(!d.log().contains("exited:"), "the children keep running");
    let expected = [d.pid_of("app_0").to_string(), d.pid_of("app_1").to_string()];
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..60 {
        if let Ok(mut c) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            c.set_read_timeout(Some(Duration::from_secs(5))).ok();
            let mut s = String::new();
            let _ = c.read_to_string(&mut s);
            d.check(
                expected.contains(&s),
                &format!("answered by one of the group's processes: {s:?}"),
            );
            seen.insert(s);
        }
        if seen.len() == 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    d.check(seen.len() == 2, &format!("both processes accepted on the shared socket: {seen:?}"));
    let mut c = std::os::unix::net::UnixStream::connect(env.path().join("app.sock"))
        .expect("unix fcgi socket");
    c.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let mut s = String::new();
    let _ = c.read_to_string(&mut s);
    d.check(s == d.pid_of("unixapp").to_string(), "the unix socket works too");
    d.check(d.log().contains(&format!("Creating socket tcp://127.0.0.1:{port}")), "logged");
    assert_eq!(d.stop(), 0);
    d.check(!env.path().join("app.sock").exists(), "the unix socket file is removed at exit");
}

/// With every process of the group stopped, the socket is closed, so a
/// front end fails over at once (connection refused) instead of waiting;
/// the next start opens it again.
#[test]
fn a_stopped_group_refuses_connections_and_a_start_serves_again() {
    let env = Env::new();
    let port = crate::http::free_port();
    let mut d = Running::start(&env, &app_conf(&env, port, "idle", "idle.sock", "autostart=false"));
    d.wait_count("entered RUNNING state", 2, Duration::from_secs(20));
    let ask = || -> Result<String, std::io::ErrorKind> {
        let mut c = std::net::TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.kind())?;
        c.set_read_timeout(Some(Duration::from_secs(5))).ok();
        let mut s = String::new();
        let _ = c.read_to_string(&mut s);
        Ok(s)
    };
    d.check(ask().is_ok_and(|s| !s.is_empty()), "served while running");
    // A group nobody started has no socket either.
    d.check(
        std::os::unix::net::UnixStream::connect(env.path().join("idle.sock")).is_err(),
        "no socket for a group that was never started",
    );
    let ctl = |args: &[&str]| {
        std::process::Command::new(crate::harness::bin("supervisorctl"))
            .arg("-c")
            .arg(d.conf())
            .args(args)
            .output()
            .expect("supervisorctl")
    };
    ctl(&["stop", "app:*"]);
    d.check(
        ask() == Err(std::io::ErrorKind::ConnectionRefused),
        "refused once every process is stopped",
    );
    d.check(d.log().contains(&format!("Closing socket tcp://127.0.0.1:{port}")), "logged");
    ctl(&["start", "app:app_0"]);
    d.check(ask().is_ok_and(|s| s == d.pid_of("app_0").to_string()), "served again after start");
    assert_eq!(d.stop(), 0);
}
