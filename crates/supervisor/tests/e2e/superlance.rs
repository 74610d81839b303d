//! Real superlance listeners (installed from PyPI in the reference venv)
//! against our daemon: crashmail mails (through a fake sendmail) when a
//! program exits unexpectedly; memmon restarts a program whose memory
//! exceeds its limit, on TICK_5 events, over XML-RPC.

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use crate::daemon_harness::Running;
use crate::harness::{Env, ref_venv};

#[test]
fn crashmail_sends_a_mail_for_an_unexpected_exit() {
    let Some(venv) = ref_venv() else {
        eprintln!("skipped: no reference venv (set SV_REQUIRE_REF=1 to make this an error)");
        return;
    };
    let env = Env::new();
    let sendmail = env.write("fake-sendmail", "#!/bin/sh\ncat >> {dir}/mail.txt\n");
    std::fs::set_permissions(&sendmail, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let mut d = Running::start(
        &env,
        &format!(
            "[eventlistener:crashmail]\ncommand={} -a -m ops@example.com -s {}\nevents=PROCESS_STATE_EXITED\n\
             [program:crasher]\ncommand={{testprog}} exit 3 1500\nstartsecs=1\nautorestart=false\n",
            venv.join("bin/crashmail").display(),
            sendmail.display()
        ),
    );
    d.wait_for("exited: crasher (exit status 3; not expected)", Duration::from_secs(30));
    let mail = env.path().join("mail.txt");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !std::fs::read_to_string(&mail).unwrap_or_default().contains("crasher")
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(50));
    }
    let text = std::fs::read_to_string(&mail).unwrap_or_default();
    d.check(text.contains("To: ops@example.com"), &format!("a mail was sent:\n{text}"));
    d.check(text.contains("crasher"), &format!("about the crashed program:\n{text}"));
    assert_eq!(d.stop(), 0);
}

#[test]
fn memmon_restarts_a_program_over_its_memory_limit() {
    let Some(venv) = ref_venv() else {
        eprintln!("skipped: no reference venv (set SV_REQUIRE_REF=1 to make this an error)");
        return;
    };
    let env = Env::new();
    let python = venv.join("bin/python");
    let mut d = Running::start(
        &env,
        &format!(
            "[eventlistener:memmon]\ncommand={} -p hog=20MB\nevents=TICK_5\n\
             [program:hog]\ncommand={} -c \"x = b'x' * (60 << 20); import time; time.sleep(3600)\"\nstartsecs=0\n",
            venv.join("bin/memmon").display(),
            python.display()
        ),
    );
    d.wait_for("success: hog entered RUNNING", Duration::from_secs(20));
    let first = d.pid_of("hog");
    let log = d.wait_count("spawned: 'hog' with pid", 2, Duration::from_secs(40));
    d.check(log.contains("stopped: hog"), "memmon stopped it over XML-RPC");
    d.check(d.pid_of("hog") != first, "and started it again with a new pid");
    assert_eq!(d.stop(), 0);
}

#[test]
fn httpok_restarts_a_program_whose_endpoint_fails() {
    let Some(venv) = ref_venv() else {
        eprintln!("skipped: no reference venv (set SV_REQUIRE_REF=1 to make this an error)");
        return;
    };
    let env = Env::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0);
    let page = env.write("www/ok.html", "fine\n");
    let mut d = Running::start(
        &env,
        &format!(
            "[eventlistener:httpok]\ncommand={} -p web -t 2 http://127.0.0.1:{port}/ok.html\nevents=TICK_5\n\
             [program:web]\ncommand={} -m http.server {port} --bind 127.0.0.1 --directory {{dir}}/www\nstartsecs=1\n",
            venv.join("bin/httpok").display(),
            venv.join("bin/python").display()
        ),
    );
    d.wait_for("success: web entered RUNNING", Duration::from_secs(20));
    let first = d.pid_of("web");
    std::fs::remove_file(&page).expect("remove the page");
    let log = d.wait_count("spawned: 'web' with pid", 2, Duration::from_secs(40));
    d.check(log.contains("stopped: web"), "httpok stopped it over XML-RPC");
    d.check(d.pid_of("web") != first, "and started it again with a new pid");
    assert_eq!(d.stop(), 0);
}
