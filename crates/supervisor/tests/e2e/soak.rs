//! Memory stays flat: supervisord's resident set after 10,000 stop/start
//! cycles of one program, and after a long stretch of chatty output with
//! rotation, against the resident set early in the same run. These are
//! structural checks (no clock in the assertion): a leak of a few hundred
//! bytes per cycle or per read shows as megabytes here.

use std::time::Duration;

use crate::daemon_harness::{Conn, Running};
use crate::harness::Env;

const T: Duration = Duration::from_secs(60);

/// The daemon's resident set in kB.
fn rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn rss_is_flat_over_10000_stop_start_cycles() {
    let env = Env::new();
    let mut d = Running::start(
        &env,
        "[program:p]\ncommand={testprog} sleep 3600\nstartsecs=0\nstopwaitsecs=5\n",
    );
    d.wait_for("success: p entered RUNNING state", T);
    let mut c = Conn::open(&env);
    let name = sv_xmlrpc::Value::from("p");
    let cycle = |c: &mut Conn| {
        c.call("supervisor.stopProcess", &[name.clone(), true.into()]);
        c.call("supervisor.startProcess", &[name.clone(), true.into()]);
    };
    cycle(&mut c);
    let first = rss_kb(d.pid());
    let mut samples = vec![(1, first)];
    for i in 2..=10_000 {
        cycle(&mut c);
        if i % 2_500 == 0 {
            samples.push((i, rss_kb(d.pid())));
        }
    }
    let last = rss_kb(d.pid());
    let info = c.call("supervisor.getProcessInfo", std::slice::from_ref(&name));
    d.check(info.get("statename").and_then(|v| v.as_str()) == Some("RUNNING"), "p RUNNING");
    d.check(
        first > 0 && last * 10 <= first * 11,
        &format!("RSS within 10% of the first cycle's: {samples:?} kB"),
    );
    eprintln!("RSS after cycles (cycle, kB): {samples:?}");
    assert_eq!(d.stop(), 0);
}

/// Four programs write 180 MiB each in 100-byte writes: 7.5 million lines,
/// an hour of a fleet writing 2,000 lines/s, with rotation at 1 MB, and
/// sent as PROCESS_LOG events to a listener too.
#[test]
fn rss_is_flat_under_chatty_output_with_rotation() {
    const PER_PROGRAM: usize = 180 << 20;
    let env = Env::new();
    let mut d = Running::start(
        &env,
        &format!(
            "[program:chatty]\ncommand={{testprog}} write {PER_PROGRAM} 100\nnumprocs=4\n\
             process_name=%(program_name)s_%(process_num)s\nstartsecs=0\nstopwaitsecs=5\n\
             stdout_logfile={{dir}}/%(process_num)s.log\nstdout_logfile_maxbytes=1MB\n\
             stdout_logfile_backups=2\nstdout_events_enabled=true\nstderr_logfile=NONE\n\
             [eventlistener:logsink]\ncommand=python3 {listener} /dev/null\n\
             events=PROCESS_LOG_STDOUT\nbuffer_size=10\n",
            listener = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oracle/record_listener.py"),
        ),
    );
    let logged = |env: &Env| -> u64 {
        let mut total = 0;
        for n in 0..4 {
            for suffix in ["", ".1", ".2"] {
                let p = env.path().join(format!("{n}.log{suffix}"));
                total += std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
            }
        }
        total
    };
    let read_all = |d: &Running<'_>| {
        let io = std::fs::read_to_string(format!("/proc/{}/io", d.pid())).unwrap_or_default();
        io.lines()
            .find_map(|l| l.strip_prefix("rchar:"))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    // RSS after each quarter of the output (the daemon's read count); the
    // first quarter is the warm-up (pipes grown, read buffer touched,
    // several rotations done), the rest must not grow.
    let total = 4 * PER_PROGRAM as u64;
    let deadline = std::time::Instant::now() + Duration::from_secs(240);
    let mut samples = Vec::new();
    for quarter in 1..=4u64 {
        while read_all(&d) < total * quarter / 4 {
            d.check(std::time::Instant::now() < deadline, "output read");
            std::thread::sleep(Duration::from_millis(20));
        }
        samples.push(rss_kb(d.pid()));
    }
    let mut c = Conn::open(&env);
    let done = |c: &mut Conn| {
        (0..4).all(|n| {
            let v = c.call(
                "supervisor.tailProcessStdoutLog",
                &[format!("chatty:chatty_{n}").into(), 0.into(), 0.into()],
            );
            matches!(&v, sv_xmlrpc::Value::Array(a) if a.len() == 3)
        })
    };
    d.check(done(&mut c), "tail answers");
    d.check(logged(&env) > 0, "logs written");
    let (early, last) = (samples[0], samples[3]);
    d.check(
        early > 0 && last * 10 <= early * 11,
        &format!("RSS within 10% after each 180 MiB of 720 MiB: {samples:?} kB"),
    );
    eprintln!("RSS after each 180 MiB of chatty output: {samples:?} kB");
    let sink = c.call("supervisor.getProcessInfo", &["logsink:logsink".into()]);
    d.check(
        sink.get("statename").and_then(|v| v.as_str()) == Some("RUNNING"),
        "the listener ran all along",
    );
    assert_eq!(d.stop(), 0);
}

/// The peak resident set (`VmHWM`) in kB.
fn peak_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// A 2 GiB log (sparse: reading it whole would still copy 2 GiB) is tailed
/// and read from its end 500 times, the tail page is rendered and ten
/// followers attach: the daemon's peak resident set stays where it was.
#[test]
fn reads_of_a_2_gib_log_cost_what_they_return() {
    let env = Env::new();
    let log = env.path().join("big.log");
    let f = std::fs::File::create(&log).expect("create");
    f.set_len(2 << 30).expect("grow");
    drop(f);
    let port = crate::http::free_port();
    let mut d = Running::start(
        &env,
        &format!(
            "[inet_http_server]\nport=127.0.0.1:{port}\n\
             [program:big]\ncommand=/bin/sh -c 'echo the last line; exec sleep 3600'\n\
             startsecs=0\nstdout_logfile={}\nstdout_logfile_maxbytes=0\n",
            log.display()
        ),
    );
    d.wait_for("success: big entered RUNNING state", T);
    let mut c = Conn::open(&env);
    let name = sv_xmlrpc::Value::from("big");
    c.call("supervisor.tailProcessStdoutLog", &[name.clone(), 0.into(), 1600.into()]);
    let before = peak_kb(d.pid());
    for _ in 0..250 {
        let v = c.call("supervisor.tailProcessStdoutLog", &[name.clone(), 0.into(), 1600.into()]);
        let text = match &v {
            sv_xmlrpc::Value::Array(a) => a.first().and_then(|t| t.as_str()).unwrap_or(""),
            _ => "",
        };
        d.check(text.ends_with("the last line\n"), "the tail holds the last line");
        let v =
            c.call("supervisor.readProcessStdoutLog", &[name.clone(), (-1600).into(), 0.into()]);
        d.check(v.as_str().is_some_and(|t| t.len() == 1600), "1600 bytes read");
    }
    let page = std::process::Command::new("curl")
        .args(["-s", &format!("http://127.0.0.1:{port}/tail.html?processname=big")])
        .output();
    if let Ok(p) = page {
        d.check(String::from_utf8_lossy(&p.stdout).contains("the last line"), "tail page");
    }
    let followers: Vec<std::net::TcpStream> = (0..10)
        .filter_map(|_| {
            use std::io::Write;
            let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
            s.write_all(b"GET /logtail/big HTTP/1.1\r\nHost: x\r\n\r\n").ok()?;
            Some(s)
        })
        .collect();
    for mut s in &followers {
        use std::io::Read;
        s.set_read_timeout(Some(Duration::from_secs(20))).ok();
        let mut buf = vec![0u8; 4096];
        let mut got = Vec::new();
        while !String::from_utf8_lossy(&got).contains("the last line") {
            match s.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
        d.check(String::from_utf8_lossy(&got).contains("the last line"), "a follower's start");
    }
    let after = peak_kb(d.pid());
    d.check(
        before > 0 && after <= before + 4096,
        &format!("peak RSS {before} kB before, {after} kB after 500 reads of a 2 GiB log"),
    );
    eprintln!("peak RSS before/after reading a 2 GiB log: {before}/{after} kB");
    drop(followers);
    assert_eq!(d.stop(), 0);
}
