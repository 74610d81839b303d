//! Output forwarding for containers (ours): child output on supervisord's
//! own stdout/stderr as JSON, `name | line`, raw bytes or CRI lines; the
//! `supervisor_stdlog` result handler done natively, checked against the
//! reference running the real handler; and a blocked stdout that drops
//! whole lines without holding anything else up.

use std::time::{Duration, Instant};

use crate::daemon_harness::{HEADER, Running, testprog};
use crate::harness::{Env, bin};

const T: Duration = Duration::from_secs(30);

fn read(env: &Env, name: &str) -> String {
    String::from_utf8_lossy(&std::fs::read(env.path().join(name)).unwrap_or_default()).into_owned()
}

/// `json` with `log_format=json`: every line on stdout is a JSON object
/// (the child's invalid UTF-8 replaced), the child's lines carry every
/// member, stderr lines come on stdout too, and a program with
/// `forward_output=false` is not forwarded.
#[test]
fn json_lines_are_valid_even_for_invalid_utf8() {
    let env = Env::new();
    let conf = "[supervisord]\nforward_output_format=json\nlog_format=json\n\
                [program:web]\ncommand=sh -c 'echo hello; printf \"bad \\377 byte\\n\"; echo oops >&2'\n\
                startsecs=0\nautorestart=false\n\
                [program:quiet]\ncommand=sh -c 'echo secret; exec sleep 1000'\nstartsecs=0\n\
                forward_output=false\n";
    let mut d = Running::start(&env, conf);
    d.wait_for("exited: web", T);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(d.stop(), 0);
    let out = read(&env, "daemon.stdout");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l:?}\n{out}")))
        .collect();
    let web: Vec<&serde_json::Value> = lines.iter().filter(|v| v["program"] == "web").collect();
    let messages: Vec<&str> = web.iter().filter_map(|v| v["message"].as_str()).collect();
    assert!(messages.contains(&"hello"), "{out}");
    assert!(messages.contains(&"bad \u{fffd} byte"), "invalid bytes become U+FFFD: {out}");
    let oops = web.iter().find(|v| v["message"] == "oops").expect("the stderr line");
    assert_eq!(oops["stream"], "stderr");
    for v in &web {
        assert_eq!((v["group"].as_str(), v["process"].as_str()), (Some("web"), Some("web")));
        assert!(v["pid"].as_u64().is_some_and(|p| p > 0));
        let t = v["time"].as_str().unwrap_or("");
        assert!(t.len() == 27 && t.ends_with('Z') && t.as_bytes()[10] == b'T', "RFC 3339: {t}");
    }
    assert!(!out.contains("secret"), "forward_output=false: {out}");
    assert!(
        lines.iter().any(|v| v["program"] == "supervisord"
            && v["level"] == "INFO"
            && v["message"].as_str().is_some_and(|m| m.starts_with("spawned: 'web'"))),
        "supervisord's own lines as JSON: {out}"
    );
    assert!(read(&env, "daemon.stderr").is_empty(), "json goes to stdout only");
}

/// `prefixed`, `raw` and `cri`: each line on the right stream, in its format.
#[test]
fn prefixed_raw_and_cri_formats() {
    let programs = "[program:a]\ncommand=sh -c 'echo out-a; echo err-a >&2'\nstartsecs=0\n\
                    autorestart=false\n\
                    [program:bb]\ncommand=sh -c 'echo out-bb; echo err-bb >&2'\nstartsecs=0\n\
                    autorestart=false\n";
    let run = |format: &str| -> (String, String) {
        let env = Env::new();
        let conf =
            format!("[supervisord]\nsilent=true\nforward_output_format={format}\n{programs}");
        let mut d = Running::start(&env, &conf);
        d.wait_for("exited: a", T);
        d.wait_for("exited: bb", T);
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(d.stop(), 0);
        (read(&env, "daemon.stdout"), read(&env, "daemon.stderr"))
    };
    let (out, err) = run("prefixed");
    assert!(out.contains("a  | out-a\n") && out.contains("bb | out-bb\n"), "{out}");
    assert!(err.contains("a  | err-a\n") && err.contains("bb | err-bb\n"), "{err}");
    let (out, err) = run("raw");
    let mut outs: Vec<&str> = out.lines().collect();
    outs.sort();
    assert_eq!(outs, ["out-a", "out-bb"], "raw bytes, nothing added");
    assert!(err.contains("err-a\n") && err.contains("err-bb\n"), "{err}");
    let (out, err) = run("cri");
    assert_eq!(out.lines().count(), 4, "{out}");
    for l in out.lines() {
        let (time, rest) = l.split_once(' ').unwrap_or_default();
        assert!(time.len() == 30 && time.ends_with('Z'), "RFC 3339 with nanoseconds: {l}");
        assert!(
            ["stdout F out-", "stderr F err-"].iter().any(|p| rest.starts_with(p)),
            "TIME STREAM F line: {l}"
        );
    }
    assert!(err.is_empty(), "cri goes to stdout only: {err}");
}

/// The popular `supervisor_stdlog` listener: with its result handler our
/// supervisord writes what the reference writes when it runs the real
/// handler (the same listener program serves both).
#[test]
fn supervisor_stdlog_output_matches_the_reference() {
    let Some(venv) = crate::harness::ref_venv() else { return };
    let listener = venv.join("bin/supervisor-stdlog");
    if !listener.exists() {
        assert!(std::env::var_os("SV_REQUIRE_REF").is_none(), "supervisor-stdlog missing");
        return;
    }
    let conf = format!(
        "[supervisord]\nsilent=true\n\
         [program:web]\ncommand=sh -c 'printf \"one\\ntwo\\n\"; sleep 0.5; echo three >&2; exec sleep 1000'\n\
         stdout_events_enabled=true\nstderr_events_enabled=true\nstartsecs=0\n\
         [program:db]\ncommand=sh -c 'sleep 1; echo ready; exec sleep 1000'\n\
         stdout_events_enabled=true\n\
         startsecs=0\n\
         [eventlistener:stdlog]\ncommand={}\nevents=PROCESS_LOG\n\
         result_handler=supervisor_stdlog:log_handler\nbuffer_size=100\n",
        listener.display()
    );
    let run = |program: &std::path::Path| -> (Vec<String>, Vec<String>, String) {
        let env = Env::new();
        let mut d = Running::start_with(&env, program, &[], &conf, &["-n"]);
        d.wait_for("success: stdlog entered RUNNING", T);
        // The lines come within 1.5 s of the listener's start; the
        // reference's Python buffers its stdout, so they may only show at
        // its exit: there is nothing to watch for but time.
        std::thread::sleep(Duration::from_secs(3));
        assert_eq!(d.stop(), 0);
        let mut out: Vec<String> = read(&env, "daemon.stdout").lines().map(String::from).collect();
        let mut err: Vec<String> = read(&env, "daemon.stderr").lines().map(String::from).collect();
        // Which program's lines came first may differ between runs.
        out.sort();
        err.sort();
        (out, err, d.log())
    };
    let (ref_out, ref_err, _) = run(&venv.join("bin/supervisord"));
    let (out, err, log) = run(&bin("supervisord"));
    assert!(
        log.contains(
            "[eventlistener:stdlog] result_handler supervisor_stdlog:log_handler is built in"
        ),
        "{log}"
    );
    assert!(!ref_out.is_empty() && ref_out.iter().any(|l| l.contains("one")), "{ref_out:?}");
    // web writes first, then db: the same colours and column widths.
    assert_eq!(out, ref_out, "stdout");
    assert_eq!(err, ref_err, "stderr");
    assert!(out.iter().all(|l| l.starts_with("\x1b[")), "with the handler's colours: {out:?}");
}

/// A stdout nobody reads: the forwarded output fills the pipe and the
/// bounded buffer, then whole lines are dropped and counted, while the
/// child's log file keeps every byte and the daemon keeps answering.
#[test]
fn a_blocked_stdout_drops_lines_and_blocks_nothing() {
    let env = Env::new();
    let text = format!(
        "{HEADER}[supervisord]\nforward_output_format=raw\nforward_output_buffer=64KB\n\
         [program:chatty]\ncommand={} write 20000000\nstartsecs=0\nautorestart=false\n\
         stdout_logfile={{dir}}/chatty.log\nstdout_logfile_maxbytes=0\n",
        testprog().display()
    )
    .replace("{dir}", &env.dir());
    let conf = env.write("supervisord.conf", &text);
    let (read_end, write_end) = nix::unistd::pipe().expect("pipe");
    let child = std::process::Command::new(bin("supervisord"))
        .args(["-n", "-c"])
        .arg(&conf)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::from(write_end))
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("supervisord");
    /// Kills supervisord and every child its log names, whatever happens.
    struct Kill(std::process::Child, std::path::PathBuf);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
            let log = std::fs::read_to_string(&self.1).unwrap_or_default();
            for pid in
                log.lines().filter_map(|l| l.split_once("' with pid ")?.1.trim().parse().ok())
            {
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(pid),
                    nix::sys::signal::SIGKILL,
                );
            }
        }
    }
    let mut guard = Kill(child, env.path().join("supervisord.log"));
    let log = || read(&env, "supervisord.log");
    let logged = || std::fs::metadata(env.path().join("chatty.log")).map(|m| m.len()).unwrap_or(0);
    let t0 = Instant::now();
    while logged() < 20_000_000 {
        assert!(t0.elapsed() < T, "the child was held up at {} bytes:\n{}", logged(), log());
        std::thread::sleep(Duration::from_millis(50));
    }
    let t1 = Instant::now();
    let out = env.run(&bin("supervisorctl"), &["-c", &conf.to_string_lossy(), "status"], T);
    assert!(out.stdout.contains("chatty") && t1.elapsed() < Duration::from_secs(5), "{out:?}");
    assert_eq!(logged(), 20_000_000, "the log file has every byte");
    assert!(
        log().contains("forwarded output: supervisord's own output is not keeping up"),
        "{}",
        log()
    );
    // Unblocked (the read end closed), supervisord shuts down as usual.
    drop(read_end);
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(guard.0.id() as i32),
        nix::sys::signal::SIGTERM,
    );
    let deadline = Instant::now() + T;
    while guard.0.try_wait().ok().flatten().is_none() {
        assert!(Instant::now() < deadline, "supervisord did not exit:\n{}", log());
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A forwarded line that never gets its newline (a prompt) goes out about a
/// second after the last byte came, while the child keeps running; a quiet
/// pipe next to a chatty one is forwarded too (one reader serves every pipe).
#[test]
fn a_prompt_without_newline_is_forwarded_after_a_second() {
    let env = Env::new();
    let conf = "[supervisord]\nsilent=true\nforward_output_format=prefixed\n\
                [program:ask]\ncommand=sh -c 'sleep 0.5; printf \"Password: \"; exec sleep 1000'\n\
                startsecs=0\n\
                [program:chatty]\ncommand=sh -c 'while :; do echo noise; done'\nstartsecs=0\n\
                stdout_logfile=NONE\nforward_output=false\n";
    let d = Running::start(&env, conf);
    d.wait_for("spawned: 'ask'", T);
    let t0 = Instant::now();
    loop {
        let out = read(&env, "daemon.stdout");
        if out.contains("ask | Password: ") {
            break;
        }
        d.check(t0.elapsed() < T, &format!("the prompt is forwarded: {out:?}"));
        std::thread::sleep(Duration::from_millis(50));
    }
    d.check(t0.elapsed() >= Duration::from_millis(1000), "not before a second of silence");
}
