//! Container mode end to end (ours): an essential program's end shuts
//! supervisord down with its exit code, `exit_on_fatal`, and
//! `shutdown_timeout` bounding a shutdown.

use std::time::{Duration, Instant};

use crate::daemon_harness::{Running, alive};
use crate::harness::{Env, bin};

const T: Duration = Duration::from_secs(30);

/// An essential program exiting 3: everything is stopped and supervisord
/// exits 3; killed by a signal, 128+N; as PID 1 of a PID namespace, the
/// namespace's init exits with the code and leaves nothing behind.
#[test]
fn an_essential_program_ends_supervisord_with_its_code() {
    for (command, code) in [("sh -c 'sleep 1; exit 3'", 3), ("sh -c 'sleep 1; kill -TERM $$'", 143)]
    {
        let env = Env::new();
        let conf = format!(
            "[program:main]\ncommand={command}\nessential=true\nstartsecs=0\nautorestart=false\n\
             [program:side]\ncommand={{testprog}} sleep 1000\nstartsecs=0\n"
        );
        let mut d = Running::start(&env, &conf);
        d.wait_for("success: side entered RUNNING", T);
        let side = d.pid_of("side");
        assert_eq!(d.wait_exit(T), code, "{}", d.dump());
        let log = d.log();
        assert!(
            log.contains(&format!(
                "main entered EXITED (an essential program): shutting down, exit status {code}"
            )),
            "{log}"
        );
        assert!(log.contains("stopped: side"), "{log}");
        assert!(!alive(side as i32), "side stopped");
    }
    // As PID 1 in a new PID namespace.
    let env = Env::new();
    let ours = bin("supervisord");
    let mut d = Running::start_with(
        &env,
        std::path::Path::new("/usr/bin/unshare"),
        &["--pid", "--fork", "--kill-child=SIGTERM", &ours.to_string_lossy()],
        "[program:main]\ncommand=sh -c 'sleep 1; exit 3'\nessential=true\nstartsecs=0\n\
         autorestart=false\n[program:side]\ncommand={testprog} sleep 1000\nstartsecs=0\n",
        &["-n"],
    );
    let started = Instant::now();
    assert_eq!(d.wait_exit(T), 3, "{}", d.dump());
    assert!(started.elapsed() < Duration::from_secs(10), "within the grace");
    let log = d.log();
    assert!(log.contains("supervisord started with pid 1"), "{log}");
    // Its init gone, the namespace's processes are gone: nothing of the
    // test directory runs any more.
    let left = std::process::Command::new("pgrep").args(["-f", &env.dir()]).output();
    let left =
        left.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned()).unwrap_or_default();
    assert!(left.is_empty(), "left behind: {left}");

    // SIGTERM to that init (supervisord, PID 1 inside): exit 0.
    let env = Env::new();
    let mut d = Running::start_with(
        &env,
        std::path::Path::new("/usr/bin/unshare"),
        &["--pid", "--fork", "--kill-child=SIGTERM", &ours.to_string_lossy()],
        "[program:main]\ncommand={testprog} sleep 1000\nessential=true\nstartsecs=0\n",
        &["-n"],
    );
    d.wait_for("success: main entered RUNNING", T);
    let children = std::fs::read_to_string(format!("/proc/{}/task/{}/children", d.pid(), d.pid()))
        .unwrap_or_default();
    let init: i32 = children.split_whitespace().next().and_then(|p| p.parse().ok()).unwrap_or(0);
    assert!(init > 0, "the namespace's init: {children:?}");
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(init), nix::sys::signal::SIGTERM)
        .expect("kill");
    assert_eq!(d.wait_exit(T), 0, "SIGTERM still exits 0\n{}", d.dump());
    assert!(d.log().contains("stopped: main (terminated by SIGTERM)"), "{}", d.log());
}

/// `exit_on_fatal`: a program that cannot be started (missing command)
/// shuts supervisord down with 127; without it, nothing changes and
/// SIGTERM exits 0. (A second `[supervisord]` section merges with the
/// test header's, as configparser merges duplicate sections.)
#[test]
fn exit_on_fatal_and_sigterm() {
    let programs = "[program:broken]\ncommand=/nonexistent/cmd\nstartretries=0\n\
                    [program:side]\ncommand={testprog} sleep 1000\nstartsecs=0\n";
    let env = Env::new();
    let mut d = Running::start(&env, programs);
    d.wait_for("gave up: broken entered FATAL state", T);
    d.signal(libc::SIGTERM);
    assert_eq!(d.wait_exit(T), 0, "without exit_on_fatal a FATAL program changes nothing");

    let env = Env::new();
    let mut d = Running::start(&env, &format!("[supervisord]\nexit_on_fatal=true\n{programs}"));
    assert_eq!(d.wait_exit(T), 127, "{}", d.dump());
    let log = d.log();
    assert!(
        log.contains("broken entered FATAL (exit_on_fatal): shutting down, exit status 127"),
        "{log}"
    );
}

/// `shutdown_timeout`: a program that ignores its stop signal (and has a
/// long stopwaitsecs) gets SIGKILL when the shutdown has taken that long.
#[test]
fn shutdown_timeout_bounds_a_shutdown() {
    let env = Env::new();
    let conf = "[program:stubborn]\ncommand={testprog} ignore-term\nstartsecs=0\nstopwaitsecs=60\n";
    let mut d = Running::start(&env, &format!("[supervisord]\nshutdown_timeout=1\n{conf}"));
    d.wait_for("success: stubborn entered RUNNING", T);
    std::thread::sleep(Duration::from_millis(300));
    let t0 = Instant::now();
    assert_eq!(d.stop(), 0);
    let took = t0.elapsed();
    assert!(took < Duration::from_secs(10), "stopped in {took:?}\n{}", d.dump());
    let log = d.log();
    assert!(log.contains("shutdown_timeout (1 s) reached: killing 'stubborn'"), "{log}");
}

/// `subreaper=true`: the orphan a daemonizing program leaves behind is
/// adopted by supervisord (not PID 1 here), stopped at shutdown and reaped.
#[test]
fn subreaper_adopts_and_stops_orphans() {
    let env = Env::new();
    let conf = "[supervisord]\nsubreaper=true\n\
                [program:forker]\ncommand=sh -c 'sleep 1000 & echo $! > {dir}/orphan.pid'\n\
                startsecs=0\nautorestart=false\n";
    let mut d = Running::start(&env, conf);
    d.wait_for("exited: forker", T);
    let deadline = Instant::now() + T;
    let orphan: i32 = loop {
        let text = std::fs::read_to_string(env.path().join("orphan.pid")).unwrap_or_default();
        if let Ok(p) = text.trim().parse() {
            break p;
        }
        d.check(Instant::now() < deadline, "the orphan's pid is written");
        std::thread::sleep(Duration::from_millis(20));
    };
    let status = std::fs::read_to_string(format!("/proc/{orphan}/status")).unwrap_or_default();
    let ppid = status.lines().find_map(|l| l.strip_prefix("PPid:")).map(str::trim);
    d.check(ppid == Some(d.pid().to_string().as_str()), &format!("adopted: {status}"));
    assert_eq!(d.stop(), 0);
    let log = d.log();
    assert!(log.contains(&format!("stopping orphan {orphan} with SIGTERM")), "{log}");
    assert!(log.contains(&format!("reaped unknown pid {orphan}")), "{log}");
    assert!(!alive(orphan), "the orphan is gone");
}

/// `supervisorctl status --json` (ours): valid JSON, the plain status's
/// exit code; with our daemon the readiness keys are filled, with the
/// reference's daemon they are null.
#[test]
fn status_json_against_ours_and_the_reference() {
    let conf = "[program:up]\ncommand={testprog} sleep 1000\nstartsecs=0\n\
                [program:down]\ncommand={testprog} sleep 1000\nautostart=false\n";
    let status = |env: &Env, d: &Running<'_>| -> (serde_json::Value, i32) {
        let c = d.conf().to_string_lossy().into_owned();
        let out = env.run(&bin("supervisorctl"), &["-c", &c, "status", "--json"], T);
        let v = serde_json::from_str(out.stdout.trim())
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", out.stdout, d.dump()));
        (v, out.code)
    };
    let env = Env::new();
    let d = Running::start(&env, conf);
    d.wait_for("success: up entered RUNNING", T);
    let (v, code) = status(&env, &d);
    assert_eq!(code, 3, "a STOPPED process: the plain status's exit code");
    let rows = v.as_array().expect("an array");
    assert_eq!(
        (rows[0]["namespec"].as_str(), rows[1]["namespec"].as_str()),
        (Some("down"), Some("up"))
    );
    assert_eq!(rows[1]["state"], "RUNNING");
    assert_eq!(rows[1]["ready"], true, "our daemon knows readiness");
    assert_eq!(rows[1]["restarts"], 0, "and restarts");
    assert_eq!(rows[1]["depends_on"], serde_json::json!([]), "and dependencies (none)");
    drop(d);

    // With dependencies: each as {target, condition}.
    let env = Env::new();
    let d = Running::start(
        &env,
        "[program:db]\ncommand={testprog} sleep 1000\nstartsecs=0\n\
         [program:web]\ncommand={testprog} sleep 1000\nstartsecs=0\ndepends_on=db\n",
    );
    d.wait_for("success: web entered RUNNING", T);
    let (v, code) = status(&env, &d);
    assert_eq!(code, 0);
    assert_eq!(
        v[1]["depends_on"],
        serde_json::json!([{"target": "db", "condition": "running"}]),
        "{v}"
    );
    drop(d);

    let Some(venv) = crate::harness::ref_venv() else { return };
    let env = Env::new();
    let d = Running::start_with(&env, &venv.join("bin/supervisord"), &[], conf, &["-n"]);
    d.wait_for("success: up entered RUNNING", T);
    let (v, code) = status(&env, &d);
    assert_eq!(code, 3);
    let rows = v.as_array().expect("an array");
    assert_eq!(rows[1]["state"], "RUNNING");
    assert!(rows[1]["ready"].is_null() && rows[1]["health"].is_null(), "no extension: null");
    assert!(rows[1]["restarts"].is_null() && rows[1]["depends_on"].is_null());
    assert!(rows[1]["pid"].as_i64().is_some_and(|p| p > 0));
}

/// An operator's `stop` of an essential program, and the stops of a
/// shutdown, never end supervisord with the program's code.
#[test]
fn an_operators_stop_of_an_essential_program_changes_nothing() {
    let env = Env::new();
    let conf = "[program:main]\ncommand={testprog} sleep 1000\nessential=true\nstartsecs=0\n\
                autorestart=false\n[program:side]\ncommand={testprog} sleep 1000\nstartsecs=0\n";
    let mut d = Running::start(&env, conf);
    d.wait_for("success: main entered RUNNING", T);
    let c = d.conf().to_string_lossy().into_owned();
    let out = env.run(&bin("supervisorctl"), &["-c", &c, "stop", "main"], T);
    assert!(out.stdout.contains("main: stopped"), "{out:?}");
    std::thread::sleep(Duration::from_millis(500));
    let out = env.run(&bin("supervisorctl"), &["-c", &c, "status", "side"], T);
    assert!(out.stdout.contains("RUNNING") && out.code == 0, "still running: {out:?}");
    assert!(!d.log().contains("an essential program"), "{}", d.log());
    let out = env.run(&bin("supervisorctl"), &["-c", &c, "start", "main"], T);
    assert!(out.stdout.contains("main: started"), "{out:?}");
    assert_eq!(d.stop(), 0, "the shutdown's own stop of main is no trigger");
}

/// `update --dry-run` and `reread --diff` (ours): the plan and the changed
/// keys, with no effect at all, diff's exit codes; `reread --diff` is
/// `reread` plus indented key lines.
#[test]
fn update_dry_run_and_reread_diff() {
    use crate::daemon_harness::{HEADER, testprog};
    let env = Env::new();
    let first = "[program:web]\ncommand={testprog} sleep 1000\nstartsecs=0\n\
                 environment=API_TOKEN=one,MODE=a\n\
                 [program:old]\ncommand={testprog} sleep 1000\nstartsecs=0\n";
    let d = Running::start(&env, first);
    d.wait_for("success: web entered RUNNING", T);
    d.wait_for("success: old entered RUNNING", T);
    let ctl = |args: &[&str]| d.ctl(args);
    let out = ctl(&["update", "--dry-run"]);
    assert_eq!((out.stdout.as_str(), out.code), ("No config updates to processes\n", 0), "{out:?}");

    let write = |text: &str| {
        let text = format!("{HEADER}{text}").replace("{testprog}", &testprog().to_string_lossy());
        env.write("supervisord.conf", &text);
    };
    write(
        "[program:web]\ncommand={testprog} sleep 2000\nstartsecs=0\n\
         environment=API_TOKEN=two,MODE=b\n\
         [program:new]\ncommand={testprog} sleep 1000\nstartsecs=0\n",
    );
    let web = d.pid_of("web");
    let avail_before = ctl(&["avail"]).stdout;
    let out = ctl(&["update", "--dry-run"]);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(out.code, 1, "changes planned: {out:?}");
    assert_eq!(lines[0], "old: would stop and remove (gone from the configuration)", "{out:?}");
    assert_eq!(lines[1], "web: would stop, remove and add again", "{out:?}");
    assert!(lines.iter().any(|l| l.starts_with("  web command: ") && l.ends_with("sleep 2000")));
    assert!(lines.contains(&"  web environment API_TOKEN: *** -> ***"), "secrets masked: {out:?}");
    assert!(lines.contains(&"  web environment MODE: \"a\" -> \"b\""), "{out:?}");
    assert_eq!(lines.last(), Some(&"new: would add"), "{out:?}");
    assert_eq!(ctl(&["avail"]).stdout, avail_before, "nothing recorded");
    assert_eq!(d.pid_of("web"), web, "nothing restarted");

    let diff = ctl(&["reread", "--diff"]);
    let plain = ctl(&["reread"]);
    let without: Vec<&str> = diff.stdout.lines().filter(|l| !l.starts_with("  ")).collect();
    assert_eq!(without, plain.stdout.lines().collect::<Vec<_>>(), "{diff:?}\n{plain:?}");
    assert!(diff.stdout.contains("web: changed\n  web command: "), "{diff:?}");

    write("[program:web]\ncommand={testprog} sleep 1000\nstartsecs=abc\n");
    let out = ctl(&["update", "--dry-run"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stdout.starts_with("ERROR: CANT_REREAD: "), "{out:?}");
}

/// `update --per-process` (ours): only the processes whose settings changed
/// restart; supervision-only keys apply in place; `--keep-stopped` leaves
/// a stopped program stopped with its new settings.
#[test]
fn update_per_process_and_keep_stopped() {
    use crate::daemon_harness::{HEADER, testprog};
    let env = Env::new();
    let first = "[group:g]\nprograms=a,b\n\
                 [program:a]\ncommand={testprog} sleep 1000\nstartsecs=0\n\
                 [program:b]\ncommand={testprog} sleep 1000\nstartsecs=0\n\
                 [program:c]\ncommand={testprog} sleep 1000\nstartsecs=0\n";
    let d = Running::start(&env, first);
    for p in ["a", "b", "c"] {
        d.wait_for(&format!("success: {p} entered RUNNING"), T);
    }
    let ctl = |args: &[&str]| d.ctl(args);
    let out = ctl(&["stop", "c"]);
    assert!(out.stdout.contains("c: stopped"), "{out:?}");
    let (a, b) = (d.pid_of("a"), d.pid_of("b"));
    let second = "[group:g]\nprograms=a,b\n\
                  [program:a]\ncommand={testprog} sleep 2000\nstartsecs=0\n\
                  [program:b]\ncommand={testprog} sleep 1000\nstartsecs=0\nessential=true\n\
                  [program:c]\ncommand={testprog} sleep 3000\nstartsecs=0\n";
    let text = format!("{HEADER}{second}").replace("{testprog}", &testprog().to_string_lossy());
    env.write("supervisord.conf", &text);
    let out = ctl(&["update", "--per-process", "--keep-stopped"]);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines,
        ["c: updated, left stopped", "g:a: restarted", "g:b: updated in place"],
        "{out:?}\n{}",
        d.dump()
    );
    assert_ne!(d.pid_of("a"), a, "a restarted");
    assert_eq!(d.pid_of("b"), b, "b kept running");
    let status = ctl(&["status"]).stdout;
    assert!(status.lines().any(|l| l.starts_with("c ") && l.contains("STOPPED")), "{status}");
    assert!(status.lines().filter(|l| l.contains("RUNNING")).count() == 2, "{status}");
    let info = crate::daemon_harness::Conn::open(&env).call("supervisor.getAllConfigInfo", &[]);
    let text = format!("{info:?}");
    assert!(text.contains("sleep 2000") && text.contains("sleep 3000"), "new settings in use");
    // Nothing left to do: the groups in use are the file's.
    let out = ctl(&["update", "--dry-run"]);
    assert_eq!((out.stdout.as_str(), out.code), ("No config updates to processes\n", 0), "{out:?}");
}

/// `stdout_timestamped_logfile` (ours): the raw log stays byte for byte
/// (offsets unchanged), and `tail -t` shows each line with the time it was
/// read.
#[test]
fn timestamped_logs_leave_the_raw_log_alone() {
    let env = Env::new();
    let conf = "[program:p]\ncommand=sh -c 'echo a; sleep 1.2; echo b; exec sleep 1000'\n\
                startsecs=0\nstdout_timestamped_logfile=AUTO\n\
                [program:plain]\ncommand={testprog} sleep 1000\nstartsecs=0\n\
                [program:r]\ncommand={testprog} write 3000 100\nstartsecs=0\n\
                stdout_logfile_maxbytes=1KB\nstdout_logfile_backups=2\n\
                stdout_timestamped_logfile=AUTO\n";
    let d = Running::start(&env, conf);
    d.wait_for("success: p entered RUNNING", T);
    let c = d.conf().to_string_lossy().into_owned();
    let t0 = Instant::now();
    let mut conn = crate::daemon_harness::Conn::open(&env);
    let tail = loop {
        let v = conn.call("supervisor.tailProcessStdoutLog", &["p".into(), 0.into(), 100.into()]);
        if format!("{v:?}").contains("b\\n") || t0.elapsed() > T {
            break v;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(
        tail,
        sv_xmlrpc::Value::Array(vec!["a\nb\n".into(), 4.into(), false.into()]),
        "the raw log is what the child wrote"
    );
    let out = env.run(&bin("supervisorctl"), &["-c", &c, "tail", "-t", "p"], T);
    // Printed as plain `tail` prints a log: the text, then a line end.
    let lines: Vec<&str> = out.stdout.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 2, "{out:?}");
    let mut times = Vec::new();
    for (l, want) in lines.iter().zip(["a", "b"]) {
        let (time, text) = l.split_once(' ').unwrap_or_default();
        assert_eq!(text, want, "{l}");
        let t = chrono::DateTime::parse_from_rfc3339(time).expect("RFC 3339 time");
        assert!(time.len() == 27 && time.ends_with('Z'), "microseconds, UTC: {time}");
        times.push(t);
    }
    let gap = times[1] - times[0];
    assert!(gap.num_milliseconds() >= 1100, "the time each line was read: {gap}");
    let out = env.run(&bin("supervisorctl"), &["-c", &c, "tail", "-t", "plain"], T);
    assert_eq!(out.stdout, "ERROR: no timestamped log for plain\n");
    assert_ne!(out.code, 0);
    // The timestamped log rotates with the stream's settings.
    let rotated = || {
        std::fs::read_dir(env.path())
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("r-stdout_timestamped---") && n.ends_with(".log.1"))
            .count()
    };
    let t0 = Instant::now();
    while rotated() == 0 && t0.elapsed() < T {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(rotated(), 1, "r's timestamped log rotated at 1KB\n{}", d.dump());
}
