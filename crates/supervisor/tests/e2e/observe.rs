//! Observing the daemon over HTTP (ours): the health endpoints, `/metrics`
//! and the read-only JSON view, each off unless its server turns it on.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use base64::Engine;

use crate::daemon_harness::Running;
use crate::harness::Env;
use crate::http::free_port;

const T: Duration = Duration::from_secs(30);

/// An HTTP answer: status, headers (lower-case names) and body.
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {:?}\n{}", self.status, self.headers, self.body)
    }
}

fn parse(raw: &[u8]) -> Answer {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Answer { status, headers, body: body.to_owned() }
}

fn request(stream: &mut (impl Read + Write), path: &str, auth: Option<(&str, &str)>) -> Answer {
    let auth = auth
        .map(|(u, p)| {
            let token = base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"));
            format!("Authorization: Basic {token}\r\n")
        })
        .unwrap_or_default();
    let req = format!("GET {path} HTTP/1.0\r\nHost: localhost\r\n{auth}\r\n");
    stream.write_all(req.as_bytes()).expect("send");
    let mut buf = Vec::new();
    let _ = stream.read_to_end(&mut buf);
    parse(&buf)
}

/// `GET path` on a TCP port, with Basic credentials if given.
pub fn get(port: u16, path: &str, auth: Option<(&str, &str)>) -> Answer {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    request(&mut s, path, auth)
}

/// `GET path` on the test directory's unix socket.
pub fn get_unix(env: &Env, path: &str) -> Answer {
    let sock = format!("{}/supervisor.sock", env.dir());
    let mut s = std::os::unix::net::UnixStream::connect(sock).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    request(&mut s, path, None)
}

/// Asks until `want` holds (within 30 s).
fn until(
    d: &Running<'_>,
    what: &str,
    mut ask: impl FnMut() -> Answer,
    want: impl Fn(&Answer) -> bool,
) {
    let t0 = Instant::now();
    loop {
        let a = ask();
        if want(&a) {
            return;
        }
        assert!(t0.elapsed() < T, "{what}: last answer {a:?}\n{}", d.dump());
        std::thread::sleep(Duration::from_millis(100));
    }
}

const AUTH: Option<(&str, &str)> = Some(("user", "pw"));

fn server(port: u16, keys: &str) -> String {
    format!("[inet_http_server]\nport=127.0.0.1:{port}\nusername=user\npassword=pw\n{keys}\n")
}

/// `/readyz` goes 503 → 200 → 503 across start and shutdown, `/livez`
/// answers throughout, bare probes pass without credentials with
/// `health_auth=false` while `?verbose` still needs them, an operator's
/// stop does not count against readiness, and a server without
/// `health_endpoints` answers 404 as the reference does.
#[test]
fn health_endpoints_follow_start_and_shutdown() {
    let env = Env::new();
    let port = free_port();
    let conf = format!(
        "{}[program:db]\ncommand={{testprog}} sleep 1000\nready_check=exec:test -f {{dir}}/ready\n\
         ready_check_interval=1\nready_timeout=120\nstartsecs=0\n\
         [program:slow]\ncommand={{testprog}} ignore-term\nstartsecs=0\nstopwaitsecs=4\n\
         [program:manual]\ncommand={{testprog}} sleep 1000\nautostart=false\n",
        server(port, "health_endpoints=true\nhealth_auth=false")
    )
    .replace("{dir}", &env.dir());
    let mut d = Running::start(&env, &conf);
    d.wait_for("success: slow entered RUNNING", T);
    let a = get(port, "/readyz", None);
    d.check(a.status == 503 && a.body == "not ready", &format!("db not ready yet: {a:?}"));
    let a = get(port, "/readyz?verbose", None);
    d.check(a.status == 401, &format!("?verbose needs credentials: {a:?}"));
    let a = get(port, "/readyz?verbose", AUTH);
    d.check(
        a.status == 503
            && a.body.contains("[-]db not ready: STARTING")
            && a.body.contains("[+]slow ok")
            && !a.body.contains("manual")
            && a.body.ends_with("readyz check failed\n"),
        &format!("verbose lists each process: {a:?}"),
    );
    let a = get(port, "/livez", None);
    d.check(
        a.status == 200
            && a.body == "ok"
            && a.header("content-type") == Some("text/plain; charset=utf-8"),
        &format!("livez: {a:?}"),
    );
    let a = get_unix(&env, "/readyz");
    d.check(a.status == 404, &format!("off on the unix server: {a:?}"));
    let a = get(port, "/metrics", AUTH);
    d.check(a.status == 404, &format!("metrics off by default: {a:?}"));

    env.write("ready", "");
    until(&d, "ready once the flag exists", || get(port, "/readyz", None), |a| a.status == 200);
    let a = get(port, "/healthz", None);
    d.check(a.status == 200 && a.body == "ok", &format!("healthz is readyz: {a:?}"));
    let a = get(port, "/readyz?verbose", AUTH);
    d.check(
        a.status == 200 && a.body.contains("[+]db ok") && a.body.ends_with("readyz check passed\n"),
        &format!("verbose when ready: {a:?}"),
    );
    d.ctl(&["stop", "db"]);
    let a = get(port, "/readyz", None);
    d.check(a.status == 200, &format!("an operator's stop does not count: {a:?}"));

    // A shutdown: slow ignores SIGTERM for 4 s, the servers keep answering.
    d.signal(libc::SIGTERM);
    d.wait_for("waiting for slow to die", T);
    let a = get(port, "/readyz", None);
    d.check(a.status == 503, &format!("not ready once the shutdown began: {a:?}"));
    let a = get(port, "/livez", None);
    d.check(a.status == 200, &format!("alive while shutting down: {a:?}"));
    assert_eq!(d.wait_exit(T), 0);
}

/// With `health_auth` (the default) the probes need the server's
/// credentials like `/RPC2`.
#[test]
fn health_probes_need_credentials_by_default() {
    let env = Env::new();
    let port = free_port();
    let conf = format!(
        "{}[program:a]\ncommand={{testprog}} sleep 1000\nstartsecs=0\n",
        server(port, "health_endpoints=true")
    );
    let d = Running::start(&env, &conf);
    d.wait_for("success: a entered RUNNING", T);
    for path in ["/livez", "/readyz", "/healthz"] {
        let a = get(port, path, None);
        d.check(a.status == 401, &format!("{path} without credentials: {a:?}"));
        let a = get(port, path, AUTH);
        d.check(a.status == 200 && a.body == "ok", &format!("{path} with credentials: {a:?}"));
    }
}

/// Parses a `/metrics` body with the Prometheus client library's own
/// parser (from the test venv): every sample as `[name, labels, value]`,
/// with each family's type and help.
fn parse_metrics(env: &Env, body: &str) -> serde_json::Value {
    let venv = crate::harness::ref_venv().expect("the test venv (scripts/test.sh makes it)");
    let script = env.write(
        "parse_metrics.py",
        "import json, sys\n\
         from prometheus_client.parser import text_string_to_metric_families\n\
         out = {}\n\
         for f in text_string_to_metric_families(sys.stdin.read()):\n\
         \x20   out[f.name] = {'type': f.type, 'help': f.documentation,\n\
         \x20                  'samples': [[s.name, s.labels, s.value] for s in f.samples]}\n\
         print(json.dumps(out))\n",
    );
    let mut child = std::process::Command::new(venv.join("bin/python"))
        .arg(&script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python");
    child.stdin.take().expect("stdin").write_all(body.as_bytes()).expect("write");
    let out = child.wait_with_output().expect("parser");
    assert!(
        out.status.success(),
        "the parser refused it: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("parser output")
}

/// The value of the sample `name` whose labels include `labels`.
fn sample(m: &serde_json::Value, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let families = m.as_object()?;
    families.values().flat_map(|f| f["samples"].as_array().into_iter().flatten()).find_map(|s| {
        let matches = s[0] == name && labels.iter().all(|(k, v)| s[1][*k] == *v);
        matches.then(|| s[2].as_f64()).flatten()
    })
}

/// `/metrics` with the authentication of `/RPC2`, read by a real parser:
/// every family typed and documented, one state series per state, counters
/// that follow restarts, exits, log bytes, dropped events, RPC calls and
/// reloads, and the daemon's own process metrics.
#[test]
fn metrics_parse_and_count() {
    let env = Env::new();
    let port = free_port();
    let conf = format!(
        "{}[program:web]\ncommand=sh -c 'echo hello; exec {{testprog}} sleep 1000'\n\
         autorestart=true\nstartsecs=1\n\
         [program:idle]\ncommand={{testprog}} sleep 1000\nautostart=false\n\
         [eventlistener:lis]\ncommand={{testprog}} sleep 1000\nevents=PROCESS_STATE\nbuffer_size=1\n",
        server(port, "metrics=true")
    );
    let d = Running::start(&env, &conf);
    d.wait_for("success: web entered RUNNING", T);
    let a = get(port, "/metrics", None);
    d.check(a.status == 401, &format!("no credentials: {a:?}"));
    let a = get(port, "/metrics", AUTH);
    d.check(
        a.status == 200
            && a.header("content-type") == Some("text/plain; version=0.0.4; charset=utf-8"),
        &format!("with credentials: {a:?}"),
    );
    // Concurrent scrapes take turns: every one is answered in full.
    let bodies: Vec<Answer> = std::thread::scope(|s| {
        let all: Vec<_> = (0..16).map(|_| s.spawn(|| get(port, "/metrics", AUTH))).collect();
        all.into_iter().map(|h| h.join().expect("scrape")).collect()
    });
    d.check(
        bodies.iter().all(|b| b.status == 200 && b.body.contains("supervisord_build_info")),
        "16 concurrent scrapes answered",
    );
    let m = parse_metrics(&env, &a.body);
    for (name, f) in m.as_object().expect("families") {
        d.check(
            f["type"] != "unknown" && !f["help"].as_str().unwrap_or("").is_empty(),
            &format!("{name} has a TYPE and a HELP line"),
        );
    }
    let web = [("name", "web"), ("group", "web")];
    for state in
        ["STOPPED", "STARTING", "RUNNING", "BACKOFF", "STOPPING", "EXITED", "FATAL", "UNKNOWN"]
    {
        let want = if state == "RUNNING" { 1.0 } else { 0.0 };
        let labels = [web[0], web[1], ("state", state)];
        let got = sample(&m, "supervisord_process_state", &labels);
        d.check(got == Some(want), &format!("web {state}: {got:?}"));
    }
    let idle = [("name", "idle"), ("group", "idle")];
    d.check(
        sample(&m, "supervisord_process_starts_total", &idle) == Some(0.0)
            && sample(&m, "supervisord_process_state", &[idle[0], ("state", "STOPPED")])
                == Some(1.0),
        "a never-started program has its series from the first scrape",
    );
    d.check(
        sample(&m, "supervisord_state", &[("state", "RUNNING")]) == Some(1.0),
        "daemon RUNNING",
    );
    d.check(sample(&m, "process_resident_memory_bytes", &[]).is_some_and(|v| v > 0.0), "own RSS");
    d.check(sample(&m, "process_open_fds", &[]).is_some_and(|v| v > 0.0), "own fds");

    // Three kills: three unexpected exits and three restarts for "exit".
    for n in 1..=3 {
        let pid = d.pid_of("web");
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), nix::sys::signal::SIGKILL)
            .expect("kill");
        d.wait_count("success: web entered RUNNING", n + 1, T);
    }
    let mut c = crate::daemon_harness::Conn::open(&env);
    c.call("supervisor.getState", &[]);
    c.call("supervisor.getState", &[]);
    let _ = c.try_call("supervisor.noSuchMethod", &[]);
    c.call("supervisor.reloadConfig", &[]);
    let m = parse_metrics(&env, &get(port, "/metrics", AUTH).body);
    let at = |name: &str, extra: &[(&str, &str)]| {
        let labels: Vec<(&str, &str)> = web.iter().chain(extra).copied().collect();
        sample(&m, name, &labels)
    };
    d.check(at("supervisord_process_starts_total", &[]) == Some(4.0), "4 starts");
    d.check(
        at("supervisord_process_restarts_total", &[("reason", "exit")]) == Some(3.0)
            && at("supervisord_process_restarts_total", &[("reason", "backoff")]) == Some(0.0),
        "3 restarts for exit",
    );
    d.check(
        at("supervisord_process_exits_total", &[("expected", "false")]) == Some(3.0)
            && at("supervisord_process_exits_total", &[("expected", "true")]) == Some(0.0),
        "3 unexpected exits",
    );
    d.check(at("supervisord_process_exit_status", &[]) == Some(137.0), "128+SIGKILL");
    d.check(
        at("supervisord_log_bytes_total", &[("stream", "stdout")]) == Some(24.0),
        "four times hello\\n read",
    );
    let dropped = sample(&m, "supervisord_events_dropped_total", &[("pool", "lis")]).unwrap_or(0.0);
    let lines = d.log().matches("pool lis event buffer overflowed").count();
    d.check(dropped > 0.0 && dropped == lines as f64, &format!("dropped {dropped}, {lines} lines"));
    let rpc = |method: &str, result: &str| {
        sample(&m, "supervisord_rpc_requests_total", &[("method", method), ("result", result)])
    };
    d.check(rpc("supervisor.getState", "ok") == Some(2.0), "two getState calls");
    d.check(rpc("other", "fault") == Some(1.0), "an unknown method counts as other");
    d.check(
        sample(&m, "supervisord_config_reloads_total", &[("result", "ok")]) == Some(1.0),
        "one reload",
    );
}

/// The read-only JSON view: the same objects as `status --json`, the
/// authentication of `/RPC2`, 404 when off.
#[test]
fn rest_view_matches_status_json() {
    let env = Env::new();
    let port = free_port();
    let conf = format!(
        "{}[group:g]\nprograms=a,b\n[program:a]\ncommand={{testprog}} sleep 1000\nstartsecs=0\n\
         [program:b]\ncommand={{testprog}} sleep 1000\nautostart=false\n",
        server(port, "rest_api=true")
    );
    let d = Running::start(&env, &conf);
    d.wait_for("success: a entered RUNNING", T);
    let a = get(port, "/api/v1/processes", None);
    d.check(a.status == 401, &format!("no credentials: {a:?}"));
    let a = get(port, "/api/v1/processes", AUTH);
    d.check(
        a.status == 200 && a.header("content-type") == Some("application/json"),
        &format!("with credentials: {a:?}"),
    );
    let rest: serde_json::Value = serde_json::from_str(&a.body).expect("valid JSON");
    let cli: serde_json::Value =
        serde_json::from_str(d.ctl(&["status", "--json"]).stdout.trim()).expect("CLI JSON");
    // Uptimes move between the two calls; everything else is the same.
    let steady = |v: &serde_json::Value| {
        let mut v = v.clone();
        for o in v.as_array_mut().into_iter().flatten() {
            o["uptime_seconds"] = serde_json::Value::Null;
            o["description"] = serde_json::Value::Null;
        }
        v
    };
    d.check(steady(&rest) == steady(&cli), &format!("REST {rest}\nCLI {cli}"));
    d.check(rest.as_array().map(Vec::len) == Some(2), "two processes");
    let one = get(port, "/api/v1/processes/g%3Aa", AUTH);
    let one_v: serde_json::Value = serde_json::from_str(&one.body).expect("JSON");
    d.check(
        one.status == 200 && one_v["namespec"] == "g:a" && one_v["state"] == "RUNNING",
        &format!("one process: {one:?}"),
    );
    let none = get(port, "/api/v1/processes/nosuch", AUTH);
    let none_v: serde_json::Value = serde_json::from_str(&none.body).expect("JSON");
    d.check(none.status == 404 && none_v["error"] == "no such process", &format!("{none:?}"));
    let sup = get(port, "/api/v1/supervisor", AUTH);
    let sup_v: serde_json::Value = serde_json::from_str(&sup.body).expect("JSON");
    d.check(
        sup.status == 200 && sup_v["state"] == "RUNNING" && sup_v["pid"] == d.pid(),
        &format!("{sup:?}"),
    );
    let off = get_unix(&env, "/api/v1/processes");
    d.check(off.status == 404, &format!("off on the unix server: {off:?}"));
}
