//! The HTTP layer end to end over TCP: Basic auth (plain and `{SHA}`),
//! malformed and oversized requests, log tailing, and many concurrent
//! clients — the daemon answers each as the reference does and keeps serving.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use base64::Engine;

use crate::daemon_harness::Running;
use crate::harness::Env;

const T: Duration = Duration::from_secs(20);

/// A TCP port nobody listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

/// Sends raw bytes, returns the whole response (the server closes or the read times out).
fn raw(port: u16, request: &[u8]) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5))).ok();
    s.write_all(request).expect("write");
    let mut buf = Vec::new();
    let mut chunk = [0u8; 65536];
    loop {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf);
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let len = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().to_owned())
                        })
                        .and_then(|v| v.parse::<usize>().ok());
                    if len.is_some_and(|n| body.len() >= n) {
                        break;
                    }
                }
            }
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

fn rpc_request(method: &str, auth: Option<(&str, &str)>) -> Vec<u8> {
    let body = format!(
        "<?xml version='1.0'?>\n<methodCall>\n<methodName>{method}</methodName>\n<params>\n</params>\n</methodCall>\n"
    );
    let auth = auth
        .map(|(u, p)| {
            format!(
                "Authorization: Basic {}\r\n",
                base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
            )
        })
        .unwrap_or_default();
    format!(
        "POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn start<'a>(env: &'a Env, port: u16, auth: &str) -> Running<'a> {
    let d = Running::start(
        env,
        &format!(
            "[inet_http_server]\nport=127.0.0.1:{port}\n{auth}\n\
             [program:talk]\ncommand=/bin/sh -c 'echo first line; sleep 0.3; echo second line; exec sleep 3600'\nstartsecs=0\n"
        ),
    );
    d.wait_for("success: talk entered RUNNING", T);
    d
}

#[test]
fn basic_auth_plain_and_sha() {
    let env = Env::new();
    let port = free_port();
    // {SHA} of "secret".
    let mut d =
        start(&env, port, "username=user\npassword={SHA}e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4");
    let denied = raw(port, &rpc_request("supervisor.getState", None));
    d.check(denied.starts_with("HTTP/1.1 401"), &format!("no credentials: 401\n{denied}"));
    d.check(
        denied.contains("www-authenticate: Basic realm=\"default\"")
            || denied.contains("WWW-Authenticate: Basic realm=\"default\""),
        "realm header",
    );
    // The web pages and their actions sit behind the same credentials.
    for path in ["/", "/index.html?processname=talk&action=stop", "/tail.html?processname=talk"] {
        let page = raw(
            port,
            format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
        );
        d.check(page.starts_with("HTTP/1.1 401"), &format!("{path} without credentials\n{page}"));
    }
    let wrong = raw(port, &rpc_request("supervisor.getState", Some(("user", "nope"))));
    d.check(wrong.starts_with("HTTP/1.1 401"), "wrong password: 401");
    let literal = raw(
        port,
        &rpc_request(
            "supervisor.getState",
            Some(("user", "{SHA}e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4")),
        ),
    );
    d.check(literal.starts_with("HTTP/1.1 401"), "the stored hash itself is not a password");
    let ok = raw(port, &rpc_request("supervisor.getState", Some(("user", "secret"))));
    d.check(
        ok.starts_with("HTTP/1.1 200") && ok.contains("<name>statename</name>"),
        &format!("granted\n{ok}"),
    );
    let tail = raw(port, b"GET /logtail/talk HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    d.check(tail.starts_with("HTTP/1.1 401"), "log tail needs auth too");
    assert_eq!(d.stop(), 0);
}

#[test]
fn malformed_requests_get_the_reference_status_and_the_daemon_keeps_serving() {
    let env = Env::new();
    let port = free_port();
    let mut d = start(&env, port, "");
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"GET /RPC2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(), "HTTP/1.1 400"),
        (b"POST /RPC2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".to_vec(), "HTTP/1.1 411"),
        (b"POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\nConnection: close\r\n\r\ngarbage".to_vec(), "HTTP/1.1 400"),
        (
            b"POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: 41\r\nConnection: close\r\n\r\n<methodCall><params></params></methodCall>".to_vec(),
            "HTTP/1.1 400",
        ),
        (b"GET /nothing-here HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(), "HTTP/1.1 404"),
        (b"GET /logtail/nosuch HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(), "HTTP/1.1 404"),
        (b"POST /logtail/talk HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(), "HTTP/1.1 400"),
        (b"NONSENSE\r\n\r\n".to_vec(), "HTTP/1.1 400"),
    ];
    for (req, want) in &cases {
        let resp = raw(port, req);
        d.check(
            resp.starts_with(want),
            &format!("{:?} -> {want}\ngot: {resp}", String::from_utf8_lossy(req)),
        );
    }
    // A body over the limit is refused without reading it all.
    let big = format!(
        "POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        64 * 1024 * 1024
    );
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    s.write_all(big.as_bytes()).expect("write");
    let _ = s.write_all(&vec![b'x'; 17 * 1024 * 1024]);
    let mut resp = String::new();
    let _ = s.read_to_string(&mut resp);
    d.check(resp.starts_with("HTTP/1.1 413"), &format!("oversized body: 413, got {resp:.200}"));
    // Huge headers are refused too.
    let mut long = b"GET /logtail/talk HTTP/1.1\r\nHost: x\r\nX-Long: ".to_vec();
    long.extend(vec![b'a'; 200 * 1024]);
    long.extend_from_slice(b"\r\n\r\n");
    let resp = raw(port, &long);
    d.check(!resp.starts_with("HTTP/1.1 200"), "oversized headers refused");
    // Faults for bad method names and arguments.
    for (method, fault) in [
        ("supervisor.nope", "<int>1</int>"),
        ("supervisor._update", "<int>1</int>"),
        ("a.b.c", "<int>1</int>"),
        ("nonamespace", "<int>1</int>"),
    ] {
        let resp = raw(port, &rpc_request(method, None));
        d.check(
            resp.starts_with("HTTP/1.1 200") && resp.contains(fault),
            &format!("{method}\n{resp}"),
        );
    }
    let ok = raw(port, &rpc_request("supervisor.getState", None));
    d.check(ok.contains("RUNNING"), "still serving");
    assert_eq!(d.stop(), 0);
}

#[test]
fn logtail_streams_new_output() {
    let env = Env::new();
    let port = free_port();
    let mut d = start(&env, port, "");
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5))).ok();
    s.write_all(b"GET /logtail/talk HTTP/1.1\r\nHost: x\r\n\r\n").expect("write");
    let mut got = Vec::new();
    let mut chunk = [0u8; 4096];
    let deadline = std::time::Instant::now() + T;
    while !String::from_utf8_lossy(&got).contains("second line")
        && std::time::Instant::now() < deadline
    {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&chunk[..n]),
        }
    }
    let text = String::from_utf8_lossy(&got);
    d.check(text.starts_with("HTTP/1.1 200"), &format!("200\n{text}"));
    d.check(text.to_ascii_lowercase().contains("transfer-encoding: chunked"), "chunked");
    d.check(text.to_ascii_lowercase().contains("x-accel-buffering: no"), "no proxy buffering");
    d.check(
        text.contains("first line") && text.contains("second line"),
        &format!("old and new output\n{text}"),
    );
    drop(s);
    assert_eq!(d.stop(), 0);
}

#[test]
fn two_hundred_concurrent_clients() {
    let env = Env::new();
    let port = free_port();
    let mut d = start(&env, port, "");
    let handles: Vec<_> = (0..200)
        .map(|_| {
            std::thread::spawn(move || {
                raw(port, &rpc_request("supervisor.getAllProcessInfo", None))
            })
        })
        .collect();
    let ok = handles
        .into_iter()
        .filter_map(|h| h.join().ok())
        .filter(|r| r.starts_with("HTTP/1.1 200") && r.contains("talk"))
        .count();
    d.check(ok == 200, &format!("{ok} of 200 answered"));
    assert_eq!(d.stop(), 0);
}

/// One XML-RPC call over TCP; the decoded value or fault.
fn call(
    port: u16,
    method: &str,
    params: &[sv_xmlrpc::Value],
) -> Result<sv_xmlrpc::Value, sv_xmlrpc::Fault> {
    let body = sv_xmlrpc::encode_call(method, params);
    let req = format!(
        "POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let resp = raw(port, req.as_bytes());
    let body = resp.split_once("\r\n\r\n").map(|x| x.1).unwrap_or("");
    sv_xmlrpc::decode_response(body.as_bytes()).expect("an XML-RPC response")
}

#[test]
fn log_offsets_follow_the_current_file_across_rotation() {
    use sv_xmlrpc::Value;
    let env = Env::new();
    let port = free_port();
    let mut d = Running::start(
        &env,
        &format!(
            "[inet_http_server]\nport=127.0.0.1:{port}\n\
             [program:rot]\ncommand={{testprog}} write 5000 700\nstartsecs=0\n\
             stdout_logfile={{dir}}/rot.log\nstdout_logfile_maxbytes=2KB\nstdout_logfile_backups=5\n"
        ),
    );
    d.wait_for("success: rot entered RUNNING", T);
    let total = |e: &Env| -> u64 {
        (0..=5)
            .map(|n| {
                let name = if n == 0 { "rot.log".to_owned() } else { format!("rot.log.{n}") };
                std::fs::metadata(e.path().join(name)).map(|m| m.len()).unwrap_or(0)
            })
            .sum()
    };
    let deadline = std::time::Instant::now() + T;
    while total(&env) < 5000 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    d.check(env.path().join("rot.log.1").exists(), "rotated");
    let current = std::fs::read(env.path().join("rot.log")).unwrap_or_default();
    let size = current.len() as i64;
    let name = Value::from("rot");
    // tail: the whole current file when it fits, with its size as the new offset.
    let tail = call(
        port,
        "supervisor.tailProcessStdoutLog",
        &[name.clone(), Value::Int(0), Value::Int(100_000)],
    );
    let want = Value::Array(vec![
        Value::from(String::from_utf8_lossy(&current).into_owned()),
        Value::Int(size),
        Value::Bool(false),
    ]);
    d.check(tail.as_ref().ok() == Some(&want), &format!("tail of the current file: {tail:?}"));
    // An offset at the end gives nothing new; a read at an offset gives those bytes.
    let at_end = call(
        port,
        "supervisor.tailProcessStdoutLog",
        &[name.clone(), Value::Int(size), Value::Int(10)],
    );
    d.check(
        at_end.as_ref().ok()
            == Some(&Value::Array(vec![Value::from(""), Value::Int(size), Value::Bool(false)])),
        &format!("nothing past the end: {at_end:?}"),
    );
    if size > 10 {
        let part = call(
            port,
            "supervisor.readProcessStdoutLog",
            &[name.clone(), Value::Int(3), Value::Int(7)],
        );
        let want = String::from_utf8_lossy(&current[3..10]).into_owned();
        d.check(part.as_ref().ok() == Some(&Value::from(want)), &format!("bytes 3..10: {part:?}"));
    }
    let bad =
        call(port, "supervisor.readProcessStdoutLog", &[name, Value::Int(-10), Value::Int(5)]);
    d.check(bad.as_ref().err().map(|f| f.code) == Some(3), "BAD_ARGUMENTS");
    assert_eq!(d.stop(), 0);
}

#[test]
fn stdin_for_a_child_that_does_not_read_blocks_no_one() {
    use sv_xmlrpc::Value;
    let env = Env::new();
    let port = free_port();
    let mut d = start(&env, port, "");
    let big = "x".repeat(1024 * 1024);
    let r = call(port, "supervisor.sendProcessStdin", &[Value::from("talk"), Value::from(big)]);
    d.check(r == Ok(Value::Bool(true)), &format!("queued: {r:?}"));
    let state = call(port, "supervisor.getState", &[]);
    d.check(state.is_ok(), "the daemon still answers while the pipe is full");
    assert_eq!(d.stop(), 0);
}

#[test]
fn web_pages_actions_and_escaping() {
    let env = Env::new();
    let port = free_port();
    let mut d = Running::start(
        &env,
        &format!(
            "[inet_http_server]\nport=127.0.0.1:{port}\n\
             [program:<script>x]\ncommand=/bin/sh -c 'echo \"<script>alert(1)</script>\"; exec sleep 3600'\nstartsecs=0\n\
             [program:other]\ncommand={{testprog}} sleep 3600\nstartsecs=0\nautostart=false\n"
        ),
    );
    d.wait_for("entered RUNNING state", T);
    let request = |method: &str, path: &str, extra: &str| {
        raw(
            port,
            format!(
                "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{extra}Connection: close\r\n\r\n"
            )
            .as_bytes(),
        )
    };
    let get = |path: &str, extra: &str| request("GET", path, extra);
    let ok = get("/ok.html", "");
    d.check(ok.starts_with("HTTP/1.1 200") && ok.ends_with("OK"), &format!("ok.html\n{ok}"));
    let page = get("/", "");
    d.check(page.starts_with("HTTP/1.1 200") && page.contains("Supervisor Status"), "status page");
    d.check(
        page.contains("&lt;script&gt;x") && !page.contains("<script>x"),
        "process names are escaped",
    );
    d.check(
        page.contains("index.html?processname=other&amp;action=start"),
        "the reference's action URLs",
    );
    // The child's first line may still be on its way into the log.
    let deadline = std::time::Instant::now() + T;
    let mut tail = get("/tail.html?processname=%3Cscript%3Ex", "");
    while !tail.contains("alert(1)") && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
        tail = get("/tail.html?processname=%3Cscript%3Ex", "");
    }
    d.check(
        tail.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !tail.contains("<script>alert"),
        &format!("log text escaped\n{tail}"),
    );
    let msg = get("/?message=%3Cimg%20src%3Dx%3E", "");
    d.check(
        msg.contains("<div class=\"status_msg\" id=\"msg\">&lt;img src=x&gt;</div>"),
        "messages escaped",
    );
    // Cross-site requests cannot act; the page itself and scripts can.
    let evil = get("/index.html?processname=other&action=start", "Sec-Fetch-Site: cross-site\r\n");
    d.check(evil.starts_with("HTTP/1.1 403"), "cross-site action refused");
    let evil = get("/index.html?processname=other&action=start", "Origin: http://evil.example\r\n");
    d.check(evil.starts_with("HTTP/1.1 403"), "foreign origin refused");
    let start = get(
        "/index.html?processname=other&action=start",
        &format!("Referer: http://127.0.0.1:{port}/\r\n"),
    );
    d.check(start.starts_with("HTTP/1.1 301"), &format!("redirect after the action\n{start}"));
    d.check(
        start.to_ascii_lowercase().contains(&format!(
            "location: http://127.0.0.1:{port}/?message=process%20other%20started"
        )),
        &format!("the reference's message\n{start}"),
    );
    d.wait_for("success: other entered RUNNING", T);
    // Every action, as a link (GET) or as the page's script sends it (POST
    // with the page's Origin): the redirect carries the reference's message.
    let origin = format!("Origin: http://127.0.0.1:{port}\r\n");
    let cases: [(&str, &str, &str); 8] = [
        (
            "GET",
            "processname=other&action=start",
            "error%3a%20process%20other%3a%20already%20started",
        ),
        ("POST", "processname=other&action=stop", "process%20other%20stopped"),
        ("GET", "processname=other&action=start", "process%20other%20started"),
        ("POST", "processname=other&action=restart", "process%20other%20restarted"),
        ("GET", "processname=other&action=clearlog", "log%20for%20other%20cleared"),
        ("GET", "action=refresh", "page%20refreshed%20at%20"),
        ("POST", "action=stopall", "all%20stopped%20at%20"),
        ("GET", "action=restartall", "all%20restarted%20at%20"),
    ];
    for (method, q, want) in cases {
        let resp =
            request(method, &format!("/index.html?{q}"), &format!("{origin}Content-Length: 0\r\n"));
        let lower = resp.to_ascii_lowercase();
        d.check(
            lower.starts_with("http/1.1 301") && lower.contains(&format!("/?message={want}")),
            &format!("{method} {q}: want {want}\n{resp}"),
        );
    }
    let nosuch = get("/index.html?processname=nosuch&action=stop", "");
    d.check(nosuch.contains("No%20such%20process%20named%20nosuch"), "unknown process message");
    assert_eq!(d.stop(), 0);
}

/// Sends the head, then (after the server has had time to answer early)
/// the body in pieces; every write must succeed and the answer be `want`.
fn slow_body(port: u16, head: &str, body_len: usize, want: &str) -> Result<(), String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    s.write_all(head.as_bytes()).map_err(|e| format!("head: {e}"))?;
    std::thread::sleep(Duration::from_millis(200));
    let chunk = vec![b'x'; 4096];
    let mut sent = 0;
    while sent < body_len {
        let n = chunk.len().min(body_len - sent);
        s.write_all(&chunk[..n]).map_err(|e| format!("body after {sent} bytes: {e}"))?;
        sent += n;
    }
    let mut resp = Vec::new();
    let _ = s.read_to_end(&mut resp);
    let resp = String::from_utf8_lossy(&resp);
    if resp.starts_with(want) { Ok(()) } else { Err(format!("want {want}, got {resp:.300}")) }
}

#[test]
fn early_answers_wait_until_the_body_has_arrived() {
    let env = Env::new();
    let port = free_port();
    let mut d = start(&env, port, "username=user\npassword=pw");
    let wrong = base64::engine::general_purpose::STANDARD.encode("user:wrong");
    let right = base64::engine::general_purpose::STANDARD.encode("user:pw");
    let len = 200 * 1024;
    let cases = [
        (
            format!(
                "POST /RPC2 HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {wrong}\r\nContent-Length: {len}\r\n\r\n"
            ),
            "HTTP/1.1 401",
        ),
        (
            format!("POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: {len}\r\n\r\n"),
            "HTTP/1.1 401",
        ),
        (
            format!(
                "POST /nothing HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {right}\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
            ),
            "HTTP/1.1 404",
        ),
        (
            format!(
                "POST /logtail/talk HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {right}\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
            ),
            "HTTP/1.1 400",
        ),
        (
            format!(
                "PUT /index.html HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {right}\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
            ),
            "HTTP/1.1 400",
        ),
    ];
    for (head, want) in &cases {
        let r = slow_body(port, head, len, want);
        d.check(r.is_ok(), &format!("{head:?}: {r:?}"));
    }
    assert_eq!(d.stop(), 0);
}

/// One request written whole, then the writing side shut down; the
/// answer read to the end.
fn half_closed(stream: &mut (impl Read + Write), request: &[u8]) -> String {
    let _ = stream.write_all(request);
    let mut resp = Vec::new();
    let _ = stream.read_to_end(&mut resp);
    String::from_utf8_lossy(&resp).into_owned()
}

#[test]
fn requests_followed_by_a_half_close_are_executed_and_answered() {
    use std::os::unix::net::UnixStream;
    let env = Env::new();
    let port = free_port();
    let out = env.path().join("echo.out");
    let mut d = Running::start(
        &env,
        &format!(
            "[inet_http_server]\nport=127.0.0.1:{port}\n\
             [program:echo]\ncommand=/bin/cat\nstartsecs=0\nstdout_logfile={}\n",
            out.display()
        ),
    );
    d.wait_for("success: echo entered RUNNING", T);
    let sock = env.path().join("supervisor.sock");
    let n = 60;
    let handles: Vec<_> = (0..2 * n)
        .map(|i| {
            let sock = sock.clone();
            std::thread::spawn(move || {
                let body = sv_xmlrpc::encode_call(
                    "supervisor.sendProcessStdin",
                    &[
                        sv_xmlrpc::Value::from("echo"),
                        sv_xmlrpc::Value::from(format!("line {i}\n")),
                    ],
                );
                let req = format!(
                    "POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                if i % 2 == 0 {
                    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
                    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
                    let _ = s.write_all(req.as_bytes());
                    let _ = s.shutdown(std::net::Shutdown::Write);
                    half_closed(&mut s, b"")
                } else {
                    let mut s = UnixStream::connect(&sock).expect("connect");
                    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
                    let _ = s.write_all(req.as_bytes());
                    let _ = s.shutdown(std::net::Shutdown::Write);
                    half_closed(&mut s, b"")
                }
            })
        })
        .collect();
    let answered = handles
        .into_iter()
        .filter_map(|h| h.join().ok())
        .filter(|r| r.starts_with("HTTP/1.1 200") && r.contains("<boolean>1</boolean>"))
        .count();
    d.check(answered == 2 * n, &format!("{answered} of {} answered", 2 * n));
    let deadline = std::time::Instant::now() + T;
    let lines = loop {
        let lines = std::fs::read_to_string(&out).unwrap_or_default().lines().count();
        if lines == 2 * n || std::time::Instant::now() > deadline {
            break lines;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    d.check(lines == 2 * n, &format!("{lines} of {} lines reached the child", 2 * n));
    assert_eq!(d.stop(), 0);
}

#[test]
fn connections_over_the_cap_wait_and_are_served_when_one_closes() {
    let env = Env::new();
    let port = free_port();
    let mut d = start(&env, port, "");
    let cap = 512;
    let mut open: Vec<TcpStream> =
        (0..cap + 8).map(|_| TcpStream::connect(("127.0.0.1", port)).expect("connect")).collect();
    d.wait_for("inet_http_server: 512 connections open, the most served at once", T);
    // A connection over the cap is accepted by the kernel but not served...
    let mut waiting = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    waiting.set_read_timeout(Some(Duration::from_secs(20))).ok();
    waiting.write_all(&rpc_request("supervisor.getState", None)).expect("write");
    // ...until others close.
    open.truncate(100);
    let mut resp = String::new();
    let _ = waiting.read_to_string(&mut resp);
    d.check(resp.contains("RUNNING"), &format!("served once slots freed: {resp:.200}"));
    drop(open);
    assert_eq!(d.stop(), 0);
}

#[test]
fn accept_backs_off_when_out_of_fds() {
    let env = Env::new();
    let port = free_port();
    let conf = format!(
        "[inet_http_server]\nport=127.0.0.1:{port}\n\
         [program:idle]\ncommand=/bin/sleep 3600\nstartsecs=0\n"
    );
    // The daemon may open 40 fds; it needs about 20 for itself.
    let prlimit = "/usr/bin/prlimit";
    if !std::path::Path::new(prlimit).exists() {
        eprintln!("skipped: no prlimit");
        return;
    }
    let sv = crate::harness::bin("supervisord");
    let mut d = Running::start_with(
        &env,
        std::path::Path::new(prlimit),
        &["--nofile=40:40", sv.to_str().unwrap_or_default()],
        &format!("{conf}[supervisord]\nminfds=20\n"),
        &["-n"],
    );
    d.wait_for("success: idle entered RUNNING", T);
    let held: Vec<TcpStream> =
        (0..60).filter_map(|_| TcpStream::connect(("127.0.0.1", port)).ok()).collect();
    d.wait_for("cannot accept a connection (Too many open files", T);
    std::thread::sleep(Duration::from_millis(1500));
    let lines = d.log().lines().filter(|l| l.contains("cannot accept a connection")).count();
    d.check(lines <= 15, &format!("{lines} accept failures logged in ~1.5 s: no spinning"));
    drop(held);
    let resp = raw(port, &rpc_request("supervisor.getState", None));
    d.check(resp.contains("RUNNING"), &format!("serving again: {resp:.200}"));
    assert_eq!(d.stop(), 0);
}
