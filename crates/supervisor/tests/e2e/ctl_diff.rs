//! The reference's `supervisorctl` against our supervisord and against the
//! reference's, on the same configuration: for each command, the output
//! (pids, uptimes and dates normalised) and the exit code must be the same.
//! Once over the unix socket without auth, once over TCP with auth.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::daemon_harness::Running;
use crate::harness::{Env, bin, ref_venv};

const PROGRAMS: &str = "\
[program:a]\ncommand={testprog} sleep 3600\n\
[program:b]\ncommand=/bin/sh -c \"printf 'out\\nerr\\nred\\n'; exec sleep 3600\"\nstartsecs=0\n\
stdout_logfile={dir}/b.out\n\
[program:nocmd]\ncommand=/nonexistent/x\nautostart=false\n\
[program:ga]\ncommand={testprog} sleep 3600\nstartsecs=0\n\
[program:gb]\ncommand={testprog} sleep 3600\nstartsecs=0\nautostart=false\n\
[group:grp]\nprograms=ga,gb\n";

const COMMANDS: &[&[&str]] = &[
    &["status"],
    &["status", "a"],
    &["status", "nosuch"],
    &["status", "grp:*"],
    &["stop", "a"],
    &["stop", "a"],
    &["status"],
    &["start", "a"],
    &["start", "a"],
    &["start", "nosuch"],
    &["start", "nocmd"],
    &["restart", "a"],
    &["stop", "grp:*"],
    &["start", "grp:*"],
    &["pid", "a"],
    &["pid", "nosuch"],
    &["signal", "WINCH", "a"],
    &["signal", "FOO", "a"],
    &["signal", "WINCH", "gb"],
    &["tail", "b"],
    &["tail", "-4", "b"],
    &["tail", "b", "stderr"],
    &["clear", "b"],
    &["fg", "nosuch"],
    &["fg", "a", "b"],
    &["open", "ftp://example"],
    &["avail"],
    &["reread"],
    &["update"],
    &["version"],
    &["stop", "all"],
    &["start", "all"],
    &["status"],
];

/// Replaces pids (`pid 123,` and bare pid lines), uptimes and stop dates.
fn normalise(text: &str) -> String {
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let mut out = String::new();
    for line in text.lines() {
        if !line.is_empty() && line.chars().all(|c| c.is_ascii_digit()) {
            out.push_str("N\n");
            continue;
        }
        let mut words: Vec<String> = Vec::new();
        for w in line.split(' ') {
            let prev = words.last().map(String::as_str);
            let w = match prev {
                Some("pid") => {
                    if w.ends_with(',') {
                        "N,".to_owned()
                    } else {
                        "N".to_owned()
                    }
                }
                Some("uptime") => "X".to_owned(),
                _ => w.to_owned(),
            };
            words.push(w);
        }
        let mut l = words.join(" ");
        if let Some(i) = MONTHS.iter().filter_map(|m| l.find(&format!(" {m} "))).min() {
            l = format!("{} DATE", l[..i].trim_end());
        }
        out.push_str(&l);
        out.push('\n');
    }
    out
}

fn session(
    env: &Env,
    daemon: &Path,
    ctl: &Path,
    extra_conf: &str,
    ctl_args: &[&str],
) -> Vec<String> {
    let mut d = Running::start_with(env, daemon, &[], &format!("{extra_conf}{PROGRAMS}"), &["-n"]);
    for name in ["a", "b", "ga"] {
        d.wait_for(&format!("success: {name} entered RUNNING state"), Duration::from_secs(30));
    }
    let mut results = Vec::new();
    for cmd in COMMANDS {
        let out = Command::new(ctl)
            .arg("-c")
            .arg(d.conf())
            .args(ctl_args)
            .args(*cmd)
            .current_dir(env.path())
            .output()
            .expect("run supervisorctl");
        let text = String::from_utf8_lossy(&out.stdout).replace(&env.dir(), "{dir}");
        let mut text = normalise(&text);
        if cmd.iter().any(|w| *w == "all" || w.ends_with(":*")) {
            // The reference lists processes that finish within one poll in
            // an order that depends on timing: compare these as sets.
            let mut lines: Vec<&str> = text.lines().collect();
            lines.sort_unstable();
            text = lines.iter().map(|l| format!("{l}\n")).collect();
        }
        results.push(format!(
            "$ {}\n{text}exit {}",
            cmd.join(" "),
            out.status.code().unwrap_or(-1)
        ));
    }
    let out = Command::new(ctl)
        .arg("-c")
        .arg(d.conf())
        .args(ctl_args)
        .arg("shutdown")
        .output()
        .expect("shutdown");
    results.push(format!(
        "$ shutdown\n{}exit {}",
        String::from_utf8_lossy(&out.stdout),
        out.status.code().unwrap_or(-1)
    ));
    d.wait_exit(Duration::from_secs(30));
    results
}

/// Which daemon and which supervisorctl the "ours" side uses.
#[derive(Clone, Copy)]
enum Side {
    /// The reference's supervisorctl against our daemon.
    RefCtlOurs,
    /// Our supervisorctl against our daemon.
    OursBoth,
    /// Our supervisorctl against the reference's daemon.
    OurCtlRef,
}

fn compare(side: Side, extra_conf: &dyn Fn(u16) -> String, ctl_args: &dyn Fn(u16) -> Vec<String>) {
    let Some(venv) = ref_venv() else {
        eprintln!("skipped: no reference venv (set SV_REQUIRE_REF=1 to make this an error)");
        return;
    };
    let ctl = venv.join("bin/supervisorctl");
    let (our_daemon, our_ctl) = match side {
        Side::RefCtlOurs => (bin("supervisord"), ctl.clone()),
        Side::OursBoth => (bin("supervisord"), bin("supervisorctl")),
        Side::OurCtlRef => (venv.join("bin/supervisord"), bin("supervisorctl")),
    };
    let port = |_: ()| {
        std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or(0)
    };
    let (p1, p2) = (port(()), port(()));
    let (ours_env, ref_env) = (Env::new(), Env::new());
    let (ours, reference) = std::thread::scope(|s| {
        let (c1, a1) = (extra_conf(p1), ctl_args(p1));
        let (c2, a2) = (extra_conf(p2), ctl_args(p2));
        let o = s.spawn(move || {
            let args: Vec<&str> = a1.iter().map(String::as_str).collect();
            session(&ours_env, &our_daemon, &our_ctl, &c1, &args)
        });
        let r = s.spawn(move || {
            let args: Vec<&str> = a2.iter().map(String::as_str).collect();
            session(&ref_env, &venv.join("bin/supervisord"), &ctl, &c2, &args)
        });
        (o.join(), r.join())
    });
    let (ours, reference) = match (ours, reference) {
        (Ok(o), Ok(r)) => (o, r),
        _ => panic!("a session failed (see above)"),
    };
    let diffs: Vec<String> = reference
        .iter()
        .zip(&ours)
        .filter(|(r, o)| r != o)
        .map(|(r, o)| format!("--- reference\n{r}\n--- ours\n{o}"))
        .collect();
    assert!(diffs.is_empty(), "{} commands differ:\n{}", diffs.len(), diffs.join("\n"));
}

fn tcp_conf(port: u16) -> String {
    format!("[inet_http_server]\nport=127.0.0.1:{port}\nusername=user\npassword=secret\n")
}

fn tcp_args(port: u16) -> Vec<String> {
    vec![
        "-s".into(),
        format!("http://127.0.0.1:{port}"),
        "-u".into(),
        "user".into(),
        "-p".into(),
        "secret".into(),
    ]
}

#[test]
fn reference_supervisorctl_sees_the_same_over_the_unix_socket() {
    compare(Side::RefCtlOurs, &|_| String::new(), &|_| Vec::new());
}

#[test]
fn reference_supervisorctl_sees_the_same_over_tcp_with_auth() {
    compare(Side::RefCtlOurs, &tcp_conf, &tcp_args);
}

#[test]
fn our_supervisorctl_with_our_daemon_prints_what_the_reference_pair_prints() {
    compare(Side::OursBoth, &|_| String::new(), &|_| Vec::new());
}

#[test]
fn our_supervisorctl_with_our_daemon_over_tcp_with_auth() {
    compare(Side::OursBoth, &tcp_conf, &tcp_args);
}

#[test]
fn our_supervisorctl_drives_the_reference_daemon() {
    compare(Side::OurCtlRef, &|_| String::new(), &|_| Vec::new());
}

#[test]
fn our_supervisorctl_drives_the_reference_daemon_over_tcp_with_auth() {
    compare(Side::OurCtlRef, &tcp_conf, &tcp_args);
}
