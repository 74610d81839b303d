//! Readiness, dependencies and health checks end to end (ours): real
//! listening servers, real sd_notify datagrams, real exec probes, observed
//! through the main log, XML-RPC and supervisorctl. One test per acceptance
//! scenario of the design.

use std::time::{Duration, Instant};

use sv_xmlrpc::Value;

use crate::daemon_harness::{Conn, Running};
use crate::harness::{Env, bin};

const T: Duration = Duration::from_secs(30);

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

fn int(v: &Value, key: &str) -> i64 {
    v.get(key).and_then(Value::as_int).unwrap_or(-1)
}

/// A free TCP port on 127.0.0.1.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_or(0, |a| a.port())
}

/// Writes the helper scripts: `srv.py PORT DELAY [FLAG]` listens after
/// DELAY seconds and answers HTTP 200 (500 once FLAG exists);
/// `notify.py DELAY` sends READY=1 and a STATUS after DELAY seconds;
/// `watchdog.py` pings once, then stops.
fn helpers(env: &Env) {
    env.write(
        "srv.py",
        "import os, socket, sys, time\n\
         port, delay = int(sys.argv[1]), float(sys.argv[2])\n\
         flag = sys.argv[3] if len(sys.argv) > 3 else None\n\
         time.sleep(delay)\n\
         s = socket.socket()\n\
         s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n\
         s.bind(('127.0.0.1', port))\n\
         s.listen(16)\n\
         print('listening', flush=True)\n\
         while True:\n\
         \x20   c, _ = s.accept()\n\
         \x20   try:\n\
         \x20       c.recv(4096)\n\
         \x20       code = '500 Broken' if flag and os.path.exists(flag) else '200 OK'\n\
         \x20       c.sendall(('HTTP/1.0 ' + code + '\\r\\nContent-Length: 0\\r\\n\\r\\n').encode())\n\
         \x20   except OSError:\n\
         \x20       pass\n\
         \x20   c.close()\n",
    );
    env.write(
        "notify.py",
        "import os, socket, sys, time\n\
         time.sleep(float(sys.argv[1]))\n\
         a = os.environ['NOTIFY_SOCKET']\n\
         a = '\\0' + a[1:] if a.startswith('@') else a\n\
         s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n\
         s.sendto(b'READY=1\\nSTATUS=warming', a)\n\
         mode = sys.argv[2] if len(sys.argv) > 2 else ''\n\
         if mode == 'watchdog':\n\
         \x20   s.sendto(b'WATCHDOG=1', a)\n\
         time.sleep(1000)\n",
    );
}

/// `GET path` on the daemon's unix socket; the whole answer.
fn http_get(env: &Env, path: &str) -> String {
    use std::io::{Read, Write};
    let sock = format!("{}/supervisor.sock", env.dir());
    let mut s = std::os::unix::net::UnixStream::connect(sock).expect("connect");
    s.set_read_timeout(Some(T)).expect("timeout");
    write!(s, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").expect("request");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

fn py(env: &Env, script: &str, args: &str) -> String {
    format!("python3 {}/{script} {args}", env.dir())
}

fn ctl(env: &Env, d: &Running<'_>, args: &[&str]) -> (String, i32) {
    let conf = d.conf().to_string_lossy().into_owned();
    let mut all = vec!["-c", conf.as_str()];
    all.extend_from_slice(args);
    let out = env.run(&bin("supervisorctl"), &all, T);
    (format!("{}{}", out.stdout, out.stderr), out.code)
}

/// Scenario 1: a tcp readiness check gates RUNNING, and `start` waits for it.
#[test]
fn tcp_readiness_gates_running_and_start_waits_for_it() {
    let env = Env::new();
    helpers(&env);
    let port = free_port();
    let conf = format!(
        "[program:db]\ncommand={}\nready_check=tcp:127.0.0.1:{port}\nstartsecs=1\n",
        py(&env, "srv.py", &format!("{port} 3"))
    );
    let d = Running::start(&env, &conf);
    d.wait_for("spawned: 'db'", T);
    std::thread::sleep(Duration::from_millis(1500));
    let mut c = Conn::open(&env);
    let info = c.info("db");
    d.check(int(&info, "state") == 10 && int(&info, "ext_ready") == 0, "STARTING, not ready");
    let log = d.wait_for("success: db entered RUNNING state", T);
    d.check(
        log.contains(&format!(
            "success: db entered RUNNING state, process is ready (tcp:127.0.0.1:{port})"
        )),
        "the ready line names the check",
    );
    let info = c.info("db");
    d.check(int(&info, "state") == 20 && int(&info, "ext_ready") == 1, "RUNNING, ready");
    let page = http_get(&env, "/");
    d.check(page.contains("(ready)"), "the status page shows readiness");
    ctl(&env, &d, &["stop", "db"]);
    let t0 = Instant::now();
    let (out, code) = ctl(&env, &d, &["start", "db"]);
    let took = t0.elapsed();
    d.check(out.contains("db: started") && code == 0, &format!("start db: {out}"));
    d.check(took >= Duration::from_millis(2500), &format!("start waited for ready: {took:?}"));
}

/// Scenario 2: not ready in time is a failed start: BACKOFF, then FATAL.
#[test]
fn readiness_timeout_is_a_failed_start() {
    let env = Env::new();
    let port = free_port();
    let conf = format!(
        "[program:db]\ncommand={{testprog}} sleep 3600\nready_check=tcp:127.0.0.1:{port}\n\
         ready_timeout=2\nstartretries=1\nstartsecs=0\n"
    );
    let d = Running::start(&env, &conf);
    let log = d.wait_for("gave up: db entered FATAL state", T);
    d.check(log.matches("spawned: 'db'").count() == 2, "two spawns");
    d.check(log.contains("WARN db: not ready after 2 seconds, stopping"), "the reason is logged");
    let info = Conn::open(&env).info("db");
    d.check(text(&info, "description") == "not ready within 2 seconds", "the description");
}

/// Scenario 3: sd_notify; only programs that use it get the socket.
#[test]
fn sd_notify_readiness_and_status() {
    let env = Env::new();
    helpers(&env);
    let conf = format!(
        "[program:n]\ncommand={}\nready_check=notify\nstartsecs=0\n\
         [program:plain]\ncommand={{testprog}} env\nstartsecs=0\nautorestart=false\n\
         stdout_logfile={{dir}}/plain.out\n",
        py(&env, "notify.py", "2")
    );
    let d = Running::start(&env, &conf);
    d.wait_for("spawned: 'n'", T);
    let spawned = Instant::now();
    let log = d.wait_for("success: n entered RUNNING state, process is ready (notify)", T);
    d.check(spawned.elapsed() >= Duration::from_millis(1500), "RUNNING only after READY=1");
    d.check(!log.contains("success: n entered RUNNING state, process has stayed"), "{log}");
    let info = Conn::open(&env).info("n");
    d.check(text(&info, "ext_status_text") == "warming", "STATUS= is shown");
    let env_of_plain = std::fs::read_to_string(env.path().join("plain.out")).unwrap_or_default();
    d.check(!env_of_plain.contains("NOTIFY_SOCKET"), "a program without notify has no socket");
    let pid = d.pid_of("n");
    let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
    let environ = String::from_utf8_lossy(&environ);
    d.check(
        environ.split('\0').any(|v| v.starts_with("NOTIFY_SOCKET=@")),
        "the notify program has NOTIFY_SOCKET",
    );
}

/// Scenario 4: a watchdog that stops being fed kills the process with
/// SIGABRT; autorestart applies.
#[test]
fn watchdog_expiry_aborts_and_restarts() {
    let env = Env::new();
    helpers(&env);
    let conf = format!(
        "[program:w]\ncommand={}\nready_check=notify\nwatchdog_secs=2\nstartsecs=0\n\
         autorestart=true\n",
        py(&env, "notify.py", "0 watchdog")
    );
    let d = Running::start(&env, &conf);
    let log = d.wait_for("(terminated by SIGABRT", T);
    d.check(log.contains("watchdog timeout"), "the watchdog is logged");
    d.wait_count("spawned: 'w'", 2, T);
}

/// Scenario 5: a log line makes the process ready.
#[test]
fn log_line_readiness() {
    let env = Env::new();
    let conf = "[program:l]\ncommand=sh -c 'sleep 1; echo \"listening on 80\"; exec sleep 1000'\n\
                ready_check=log:^listening\nstartsecs=0\n";
    let d = Running::start(&env, conf);
    d.wait_for("spawned: 'l'", T);
    let t0 = Instant::now();
    d.wait_for("success: l entered RUNNING state, process is ready (log:^listening)", T);
    d.check(t0.elapsed() >= Duration::from_millis(700), "not before the line");
}

/// Scenarios 6 and 8: a dependent waits STOPPED with the reason, its
/// dependency is pulled in although not autostarted, and it spawns once
/// the dependency is RUNNING.
#[test]
fn depends_on_order_waiting_and_pull_in() {
    let env = Env::new();
    helpers(&env);
    let port = free_port();
    let conf = format!(
        "[program:db]\ncommand={}\nready_check=tcp:127.0.0.1:{port}\nstartsecs=0\nautostart=false\n\
         [program:web]\ncommand={{testprog}} sleep 1000\ndepends_on=db\nstartsecs=0\n",
        py(&env, "srv.py", &format!("{port} 2"))
    );
    let d = Running::start(&env, &conf);
    d.wait_for("web: waiting for db (running)", T);
    d.wait_for("spawned: 'db'", T);
    let mut c = Conn::open(&env);
    let info = c.info("web");
    d.check(int(&info, "state") == 0, "waiting is STOPPED");
    d.check(http_get(&env, "/").contains("Waiting for db (running)"), "the page shows it");
    d.check(text(&info, "description") == "Waiting for db (running)", "the description");
    d.check(text(&info, "ext_waiting_for") == "db (running)", "ext_waiting_for");
    let (out, code) = ctl(&env, &d, &["status", "web"]);
    d.check(code == 3 && out.contains("Waiting for db (running)"), &format!("status: {out}"));
    let log = d.wait_for("spawned: 'web'", T);
    let ready = log.find("success: db entered RUNNING").unwrap_or(usize::MAX);
    let web = log.find("spawned: 'web'").unwrap_or(0);
    d.check(ready < web, "db RUNNING before web is spawned");
    let (out, code) = ctl(&env, &d, &["graph"]);
    d.check(code == 0 && out.contains("web -> db (running)"), &format!("graph: {out}"));
    let (out, code) = ctl(&env, &d, &["wait", "--timeout", "10", "all"]);
    d.check(code == 0, &format!("wait all: {out}"));
}

/// Scenario 7: completed_successfully waits for the exit, and a failed
/// one breaks the dependency.
#[test]
fn completed_successfully() {
    for (status, spawns) in [(0, true), (1, false)] {
        let env = Env::new();
        let conf = format!(
            "[program:migrate]\ncommand=sh -c 'sleep 1; exit {status}'\nautorestart=false\n\
             startsecs=0\n[program:app]\ncommand={{testprog}} sleep 1000\nstartsecs=0\n\
             depends_on=migrate:completed_successfully\n"
        );
        let d = Running::start(&env, &conf);
        d.wait_for("exited: migrate", T);
        if spawns {
            d.wait_for("spawned: 'app'", T);
        } else {
            d.wait_for("app: Dependency migrate exited with status 1", T);
            let info = Conn::open(&env).info("app");
            d.check(
                text(&info, "description") == "Dependency migrate exited with status 1",
                "the description",
            );
            let (out, code) = ctl(&env, &d, &["start", "app"]);
            d.check(out.contains("app: ERROR (spawn error)") && code == 7, &out);
            d.check(!d.log().contains("spawned: 'app'"), "app never spawns");
        }
    }
}

/// Scenario 9: a cycle is refused at startup (exit 2, nothing started)
/// and at reread (running processes untouched).
#[test]
fn cycles_are_refused() {
    let env = Env::new();
    let cyclic = "[program:a]\ncommand={testprog} sleep 1000\ndepends_on=b\n\
                  [program:b]\ncommand={testprog} sleep 1000\ndepends_on=a\n";
    let mut d = Running::start(&env, cyclic);
    let code = d.wait_exit(T);
    let stderr = std::fs::read_to_string(env.path().join("daemon.stderr")).unwrap_or_default();
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("dependency cycle: a -> b -> a"), "{stderr}");
    assert!(stderr.contains("depends_on = b"), "the location line: {stderr}");
    drop(d);

    let env = Env::new();
    let ok = "[program:a]\ncommand={testprog} sleep 1000\nstartsecs=0\n\
              [program:b]\ncommand={testprog} sleep 1000\nstartsecs=0\ndepends_on=a\n";
    let d = Running::start(&env, ok);
    d.wait_for("success: b entered RUNNING", T);
    let (pa, pb) = (d.pid_of("a"), d.pid_of("b"));
    let text = std::fs::read_to_string(d.conf()).unwrap_or_default();
    std::fs::write(d.conf(), text.replace("[program:a]\n", "[program:a]\ndepends_on=b\n"))
        .expect("edit");
    let (out, code) = ctl(&env, &d, &["reread"]);
    d.check(code == 1 && out.contains("CANT_REREAD") && out.contains("dependency cycle"), &out);
    d.check((d.pid_of("a"), d.pid_of("b")) == (pa, pb), "running processes untouched");
}

/// Scenario 10: shutdown stops a dependent before its dependency, whatever
/// their priorities.
#[test]
fn shutdown_stops_dependents_first() {
    let env = Env::new();
    let conf = "[program:web]\ncommand={testprog} sleep 1000\ndepends_on=db\npriority=1\nstartsecs=0\n\
                [program:db]\ncommand={testprog} sleep 1000\npriority=999\nstartsecs=0\n";
    let mut d = Running::start(&env, conf);
    d.wait_for("success: web entered RUNNING", T);
    assert_eq!(d.stop(), 0);
    let log = d.log();
    let web = log.find("stopped: web").unwrap_or(usize::MAX);
    let db = log.find("stopped: db").unwrap_or(0);
    assert!(web < db, "web stopped before db:\n{log}");
}

/// Scenario 11: `dependency_binding=restart` stops a dependent before its
/// dependency and starts it again after; `none` leaves it alone.
#[test]
fn bindings() {
    for binding in ["restart", "none"] {
        let env = Env::new();
        let conf = format!(
            "[program:db]\ncommand={{testprog}} sleep 1000\nstartsecs=0\n\
             [program:web]\ncommand={{testprog}} sleep 1000\nstartsecs=0\ndepends_on=db\n\
             dependency_binding={binding}\n"
        );
        let d = Running::start(&env, &conf);
        d.wait_for("success: web entered RUNNING", T);
        let web = d.pid_of("web");
        let (out, _) = ctl(&env, &d, &["stop", "db"]);
        d.check(out.contains("db: stopped"), &out);
        let log = d.log();
        if binding == "restart" {
            let w = log.find("stopped: web").unwrap_or(usize::MAX);
            let db = log.find("stopped: db").unwrap_or(0);
            d.check(w < db, "web stopped before db");
            ctl(&env, &d, &["start", "db"]);
            d.wait_count("spawned: 'web'", 2, T);
            d.check(d.pid_of("web") != web, "web started again");
        } else {
            std::thread::sleep(Duration::from_millis(500));
            let log = d.log();
            d.check(!log.contains("stopped: web") && d.pid_of("web") == web, "web untouched");
        }
    }
}

/// Scenario 12: an http health check that fails restarts the process,
/// resets the failures and tells a listener.
#[test]
fn health_check_restarts_an_unhealthy_process() {
    let env = Env::new();
    helpers(&env);
    let port = free_port();
    let flag = env.path().join("broken");
    env.write(
        "listener.py",
        "import sys\n\
         out = open(sys.argv[1], 'a')\n\
         while True:\n\
         \x20   sys.stdout.write('READY\\n'); sys.stdout.flush()\n\
         \x20   header = dict(x.split(':') for x in sys.stdin.readline().split())\n\
         \x20   payload = sys.stdin.read(int(header['len']))\n\
         \x20   out.write(header['eventname'] + ' ' + payload + '\\n'); out.flush()\n\
         \x20   sys.stdout.write('RESULT 2\\nOK'); sys.stdout.flush()\n",
    );
    let conf = format!(
        "[program:web]\ncommand={}\nstartsecs=0\nhealth_check=http://127.0.0.1:{port}/\n\
         health_check_interval=1\nhealth_check_failure_threshold=2\n\
         health_check_initial_delay=1\n\
         [eventlistener:watch]\ncommand=python3 {}/listener.py {}/events.txt\n\
         events=PROCESS_HEALTH_UNHEALTHY\n",
        py(&env, "srv.py", &format!("{port} 0 {}", flag.display())),
        env.dir(),
        env.dir()
    );
    let d = Running::start(&env, &conf);
    d.wait_for("success: web entered RUNNING", T);
    let mut c = Conn::open(&env);
    let deadline = Instant::now() + T;
    while text(&c.info("web"), "ext_health") != "healthy" {
        d.check(Instant::now() < deadline, "web turns healthy");
        std::thread::sleep(Duration::from_millis(100));
    }
    let first = d.pid_of("web");
    std::fs::write(&flag, "").expect("flag");
    d.wait_for("web: unhealthy after 2 failed checks (HTTP 500), restarting", T);
    std::fs::remove_file(&flag).expect("unflag");
    let log = d.wait_count("spawned: 'web'", 2, T);
    d.check(log.contains("stopped: web"), "stopped through the usual path");
    d.check(d.pid_of("web") != first, "a new pid");
    let info = c.info("web");
    d.check(int(&info, "ext_health_failures") == 0, "failures reset at spawn");
    let deadline = Instant::now() + T;
    loop {
        let events = std::fs::read_to_string(env.path().join("events.txt")).unwrap_or_default();
        if events.contains("PROCESS_HEALTH_UNHEALTHY processname:web groupname:web") {
            break;
        }
        d.check(Instant::now() < deadline, "the listener got PROCESS_HEALTH_UNHEALTHY");
        std::thread::sleep(Duration::from_millis(100));
    }
    // Healthy again after the restart: `health` says so and exits 0.
    let deadline = Instant::now() + T;
    while text(&c.info("web"), "ext_health") != "healthy" {
        d.check(Instant::now() < deadline, "web turns healthy again");
        std::thread::sleep(Duration::from_millis(100));
    }
    let (out, code) = ctl(&env, &d, &["health", "web"]);
    d.check(code == 0 && out.contains("web: healthy"), &out);
}

/// Scenario 13: a configuration without the new keys shows nothing new.
#[test]
fn nothing_changes_when_unused() {
    let env = Env::new();
    let d = Running::start(&env, "[program:p]\ncommand={testprog} sleep 1000\nstartsecs=0\n");
    d.wait_for("success: p entered RUNNING", T);
    let mut c = Conn::open(&env);
    let Value::Struct(members) = c.info("p") else { panic!("a struct") };
    d.check(members.len() == 14, "the reference's 14 members");
    let Value::Array(methods) = c.call("system.listMethods", &[]) else { panic!("list") };
    d.check(methods.len() == 41, "the reference's 41 methods");
    // Ours are callable all the same.
    let graph = c.try_call("ext.getDependencyGraph", &[]);
    d.check(graph.is_ok(), "ext.* answers");
}

/// Under systemd (`Type=notify`): supervisord reports READY=1 once it runs
/// its programs and STOPPING=1 at shutdown, and no child gets the unit's
/// `$NOTIFY_SOCKET`.
#[test]
fn supervisord_notifies_systemd_and_keeps_the_socket_from_children() {
    use std::os::linux::net::SocketAddrExt;
    let env = Env::new();
    let name = format!("sv-e2e-systemd-{}", std::process::id());
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).expect("addr");
    let sock = std::os::unix::net::UnixDatagram::bind_addr(&addr).expect("bind");
    sock.set_read_timeout(Some(T)).expect("timeout");
    let var = format!("NOTIFY_SOCKET=@{name}");
    let supervisord = bin("supervisord");
    let supervisord = supervisord.to_string_lossy();
    let mut d = Running::start_with(
        &env,
        std::path::Path::new("/usr/bin/env"),
        &[var.as_str(), supervisord.as_ref()],
        "[program:plain]\ncommand={testprog} env\nstartsecs=0\nautorestart=false\n\
         stdout_logfile={dir}/plain.out\n",
        &["-n"],
    );
    let mut buf = [0u8; 256];
    let n = sock.recv(&mut buf).expect("READY=1 arrives");
    assert_eq!(&buf[..n], b"READY=1", "{}", d.dump());
    d.wait_for("exited: plain", T);
    let out = std::fs::read_to_string(env.path().join("plain.out")).unwrap_or_default();
    d.check(!out.contains("NOTIFY_SOCKET"), "the child has no NOTIFY_SOCKET");
    d.signal(libc::SIGTERM);
    let n = sock.recv(&mut buf).expect("STOPPING=1 arrives");
    assert_eq!(&buf[..n], b"STOPPING=1");
    assert_eq!(d.wait_exit(T), 0);
}

/// `ready_check=fd:N` (s6's protocol): ready at the first line written on
/// fd N, which only that program gets.
#[test]
fn fd_readiness() {
    let env = Env::new();
    let conf = "[program:f]\ncommand=sh -c 'sleep 1; echo ready >&5; exec sleep 1000'\n\
                ready_check=fd:5\nstartsecs=0\n\
                [program:silent]\ncommand=sh -c 'exec 5>&-; exec sleep 1000'\nready_check=fd:5\n\
                ready_timeout=2\nstartsecs=0\nstartretries=0\n";
    let d = Running::start(&env, conf);
    d.wait_for("spawned: 'f'", T);
    let t0 = Instant::now();
    d.wait_for("success: f entered RUNNING state, process is ready (fd:5)", T);
    d.check(t0.elapsed() >= Duration::from_millis(700), "not before the line");
    // Closing the fd without a line is never ready.
    d.wait_for("gave up: silent entered FATAL state", T);
}
