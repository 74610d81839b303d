//! supervisord running real programs: every transition observed through the
//! main log and the children's own output, signals, rotation, groups,
//! daemonizing, and the processes it leaves behind (none).

use std::time::Duration;

use crate::daemon_harness::{Running, alive, testprog};
use crate::harness::{Env, bin};

const T: Duration = Duration::from_secs(20);

#[test]
fn lifecycle_transitions_are_logged_like_the_reference() {
    let env = Env::new();
    let mut d = Running::start(
        &env,
        "[program:up]\ncommand={testprog} sleep 3600\nstartsecs=1\n\
         [program:quick]\ncommand={testprog} exit 0 100\nstartsecs=0\nautorestart=false\n\
         [program:bad]\ncommand={testprog} exit 3 1500\nstartsecs=1\nautorestart=false\n\
         [program:crash]\ncommand={testprog} exit 1 100\nstartsecs=1\nstartretries=2\n\
         [program:nocmd]\ncommand=/nonexistent/program\nstartretries=1\n\
         [program:off]\ncommand={testprog} sleep 3600\nautostart=false\n",
    );
    let log = d.wait_for(
        "success: up entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)",
        T,
    );
    d.check(log.contains("INFO spawned: 'up' with pid "), "spawned line");
    let log = d.wait_for("INFO exited: quick (exit status 0; expected)", T);
    d.check(
        log.contains("INFO success: quick entered RUNNING state"),
        "startsecs=0 goes through RUNNING",
    );
    d.wait_for("WARN exited: bad (exit status 3; not expected)", T);
    let log = d
        .wait_for("INFO gave up: crash entered FATAL state, too many start retries too quickly", T);
    d.check(
        log.matches("WARN exited: crash (exit status 1; not expected)").count() == 3,
        "1 + startretries attempts",
    );
    let log = d.wait_for("INFO gave up: nocmd entered FATAL state", T);
    d.check(
        log.matches("INFO spawnerr: can't find command '/nonexistent/program'").count() == 2,
        "spawn error retried once",
    );
    d.check(!log.contains("'off'"), "autostart=false is not started");
    let up = d.pid_of("up") as i32;
    assert_eq!(d.stop(), 0);
    let log = d.log();
    d.check(log.contains("WARN received SIGTERM indicating exit request"), "SIGTERM logged");
    d.check(log.contains("stopped: up (terminated by SIGTERM)"), "stopped line");
    d.check(!alive(up), "child gone");
    d.check(!env.path().join("supervisord.pid").exists(), "pidfile removed");
    d.check(!env.path().join("supervisor.sock").exists(), "socket removed");
}

#[test]
fn stopwaitsecs_escalates_to_sigkill() {
    let env = Env::new();
    let mut d = Running::start(
        &env,
        "[program:stub]\ncommand={testprog} ignore-term\nstartsecs=0\nstopwaitsecs=1\n",
    );
    d.wait_for("success: stub entered RUNNING", T);
    env_wait_file_contains(&env, "stub-stdout", "ignoring SIGTERM");
    let pid = d.pid_of("stub") as i32;
    assert_eq!(d.stop(), 0);
    let log = d.log();
    d.check(log.contains(&format!("WARN killing 'stub' ({pid}) with SIGKILL")), "escalation line");
    d.check(log.contains("WARN stopped: stub (terminated by SIGKILL)"), "stopped by SIGKILL");
    d.check(!alive(pid), "child gone");
}

/// Waits until a file whose name starts with `prefix` contains `text`.
fn env_wait_file_contains(env: &Env, prefix: &str, text: &str) -> String {
    let deadline = std::time::Instant::now() + T;
    loop {
        if let Ok(rd) = std::fs::read_dir(env.path()) {
            for e in rd.flatten() {
                if e.file_name().to_string_lossy().starts_with(prefix)
                    && let Ok(s) = std::fs::read_to_string(e.path())
                    && s.contains(text)
                {
                    return s;
                }
            }
        }
        assert!(std::time::Instant::now() < deadline, "no {prefix}* file containing {text:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn stopasgroup_leaves_no_grandchild_and_plain_stop_orphans_it() {
    let env = Env::new();
    let grouped = env.path().join("grouped.pid");
    let plain = env.path().join("plain.pid");
    let conf = format!(
        "[program:grouped]\ncommand={{testprog}} grandchild {}\nstartsecs=0\nstopasgroup=true\n\
         [program:plain]\ncommand={{testprog}} grandchild {}\nstartsecs=0\n",
        grouped.display(),
        plain.display()
    );
    let mut d = Running::start(&env, &conf);
    d.wait_for("success: grouped entered RUNNING", T);
    d.wait_for("success: plain entered RUNNING", T);
    let read = |p: &std::path::Path| -> i32 {
        let deadline = std::time::Instant::now() + T;
        loop {
            if let Ok(s) = std::fs::read_to_string(p)
                && let Ok(pid) = s.trim().parse()
            {
                return pid;
            }
            assert!(std::time::Instant::now() < deadline, "no pid file {}", p.display());
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    let (g, p) = (read(&grouped), read(&plain));
    assert_eq!(d.stop(), 0);
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while alive(g) && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    d.check(!alive(g), "stopasgroup killed the grandchild");
    d.check(alive(p), "without stopasgroup the grandchild survives, as in the reference");
    let _ =
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(p), nix::sys::signal::Signal::SIGKILL);
}

#[test]
fn rotation_keeps_every_byte() {
    let env = Env::new();
    let total = 300_000usize;
    let mut d = Running::start(
        &env,
        &format!(
            "[program:spew]\ncommand={{testprog}} write {total} 1000\nstartsecs=0\n\
             stdout_logfile={{dir}}/spew.log\nstdout_logfile_maxbytes=20KB\nstdout_logfile_backups=30\n"
        ),
    );
    d.wait_for("success: spew entered RUNNING", T);
    let read_all = || {
        let mut data = Vec::new();
        for n in (1..=30).rev() {
            if let Ok(b) = std::fs::read(env.path().join(format!("spew.log.{n}"))) {
                data.extend(b);
            }
        }
        data.extend(std::fs::read(env.path().join("spew.log")).unwrap_or_default());
        data
    };
    let deadline = std::time::Instant::now() + T;
    let mut data = read_all();
    while data.len() < total && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        data = read_all();
    }
    let expected: Vec<u8> =
        (0..total).map(|i| if i % 64 == 63 { b'\n' } else { b'a' + (i % 26) as u8 }).collect();
    d.check(data.len() == total, &format!("all {total} bytes logged, got {}", data.len()));
    d.check(data == expected, "current + backups hold exactly the bytes written, in order");
    d.check(env.path().join("spew.log.2").exists(), "rotation happened");
    assert_eq!(d.stop(), 0);
}

#[test]
fn child_environment_ids_cwd_and_umask() {
    let env = Env::new();
    let mut d = Running::start(
        &env,
        "[supervisord]\nenvironment=GLOBAL=g,SHARED=from-supervisord\n\
         [program:info]\ncommand={testprog} info\nstartsecs=0\ndirectory=/tmp\numask=027\n\
         environment=SHARED=from-program,LOCAL=\"l v\"\nstdout_logfile={dir}/info.log\n\
         [group:grp]\nprograms=info\n",
    );
    d.wait_for("success: info entered RUNNING", T);
    let out = env_wait_file_contains(&env, "info.log", "pgid");
    let sock = env.path().join("supervisor.sock");
    for want in [
        "env SUPERVISOR_ENABLED=1".to_owned(),
        "env SUPERVISOR_PROCESS_NAME=info".to_owned(),
        "env SUPERVISOR_GROUP_NAME=grp".to_owned(),
        format!("env SUPERVISOR_SERVER_URL=unix://{}", sock.display()),
        "env GLOBAL=g".to_owned(),
        "env SHARED=from-program".to_owned(),
        "env LOCAL=l v".to_owned(),
        "cwd /tmp".to_owned(),
        "umask 027".to_owned(),
        format!("pgid {}", d.pid_of("info")),
    ] {
        d.check(out.lines().any(|l| l == want), &format!("child output has {want:?}:\n{out}"));
    }
    assert_eq!(d.stop(), 0);
}

#[test]
fn bad_directory_is_reported_in_the_child_log_and_backs_off() {
    let env = Env::new();
    let mut d = Running::start(
        &env,
        "[program:nodir]\ncommand={testprog} sleep 10\ndirectory=/nonexistent\nstartretries=0\n\
         stderr_logfile={dir}/nodir.err\n",
    );
    d.wait_for("gave up: nodir entered FATAL state", T);
    let err = std::fs::read_to_string(env.path().join("nodir.err")).unwrap_or_default();
    d.check(
        err == "supervisor: couldn't chdir to /nonexistent: ENOENT\nsupervisor: child process was not spawned\n",
        &format!("child stderr log: {err:?}"),
    );
    d.check(
        d.log().contains("WARN exited: nodir (exit status 127; not expected)"),
        "exit 127 too quickly",
    );
    assert_eq!(d.stop(), 0);
}

#[test]
fn sighup_restarts_with_the_reread_config_and_same_pid() {
    let env = Env::new();
    let mut d = Running::start(&env, "[program:a]\ncommand={testprog} sleep 3600\nstartsecs=0\n");
    d.wait_for("success: a entered RUNNING", T);
    let first = d.pid_of("a");
    let text = std::fs::read_to_string(d.conf()).unwrap_or_default()
        + "[program:b]\ncommand="
        + &testprog().to_string_lossy()
        + " sleep 3600\nstartsecs=0\n";
    std::fs::write(d.conf(), text).expect("rewrite config");
    d.signal(libc::SIGHUP);
    let log = d.wait_for("success: b entered RUNNING", T);
    d.check(log.contains("WARN received SIGHUP indicating restart request"), "SIGHUP logged");
    d.check(log.contains("stopped: a (terminated by SIGTERM)"), "a stopped for the restart");
    d.check(
        log.matches(&format!("supervisord started with pid {}", d.pid())).count() == 2,
        "same pid",
    );
    d.check(d.pid_of("a") != first, "a restarted with a new pid");
    assert_eq!(d.stop(), 0);
}

#[test]
fn sigusr2_reopens_the_logs() {
    let env = Env::new();
    let mut d = Running::start(&env, "[program:a]\ncommand={testprog} sleep 3600\nstartsecs=0\n");
    d.wait_for("success: a entered RUNNING", T);
    std::fs::rename(env.path().join("supervisord.log"), env.path().join("old.log"))
        .expect("rename");
    d.signal(libc::SIGUSR2);
    let deadline = std::time::Instant::now() + T;
    while !env.path().join("supervisord.log").exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let old = std::fs::read_to_string(env.path().join("old.log")).unwrap_or_default();
    d.check(
        old.contains("INFO received SIGUSR2 indicating log reopen request"),
        "logged before reopen",
    );
    d.check(
        old.contains("INFO supervisord logreopen"),
        "logreopen in the old file, as the reference",
    );
    d.check(env.path().join("supervisord.log").exists(), "log re-created");
    assert_eq!(d.stop(), 0);
}

#[test]
fn a_second_instance_on_the_same_socket_is_refused() {
    let env = Env::new();
    let mut d = Running::start(&env, "[program:a]\ncommand={testprog} sleep 3600\nstartsecs=0\n");
    d.wait_for("success: a entered RUNNING", T);
    let second = env.run(&bin("supervisord"), &["-c", &d.conf().to_string_lossy(), "-n"], T);
    env.check(&second, second.code == 2, "exit 2");
    env.check(
        &second,
        second.stderr.starts_with(
            "Error: Another program is already listening on a port that one of our HTTP servers is configured \
             to use.  Shut this program down first before starting supervisord.\n",
        ),
        "the reference's message",
    );
    let log = d.log();
    d.check(
        log.matches("supervisord started with pid").count() == 1,
        "the first keeps running alone",
    );
    assert_eq!(d.stop(), 0);
}

#[test]
fn daemonizes_and_writes_the_pidfile() {
    let env = Env::new();
    let conf = env.write(
        "d.conf",
        &format!(
            "{}[program:a]\ncommand={} sleep 3600\nstartsecs=0\n",
            crate::daemon_harness::HEADER,
            testprog().display()
        ),
    );
    let out = env.run(&bin("supervisord"), &["-c", &conf.to_string_lossy()], T);
    env.check(&out, out.code == 0, "the launcher exits 0 at once");
    let pidfile = env.path().join("supervisord.pid");
    let deadline = std::time::Instant::now() + T;
    let mut pid = 0;
    while pid == 0 && std::time::Instant::now() < deadline {
        pid =
            std::fs::read_to_string(&pidfile).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(0);
        std::thread::sleep(Duration::from_millis(20));
    }
    env.check(&out, pid > 0 && alive(pid), "daemon alive with its pid in the pidfile");
    let log_path = env.path().join("supervisord.log");
    let wait_log = |needle: &str| {
        let deadline = std::time::Instant::now() + T;
        loop {
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            if log.contains(needle) {
                return log;
            }
            if std::time::Instant::now() > deadline {
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(pid),
                    nix::sys::signal::Signal::SIGKILL,
                );
                panic!("no {needle:?} in log:\n{log}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    let log = wait_log("success: a entered RUNNING");
    let daemonizing = log.find("INFO daemonizing the supervisord process");
    let started = log.find(&format!("INFO supervisord started with pid {pid}"));
    assert!(daemonizing.is_some() && started > daemonizing, "daemonizing before started:\n{log}");
    let child: i32 = log
        .lines()
        .find_map(|l| {
            l.split_once("spawned: 'a' with pid ").and_then(|(_, p)| p.trim().parse().ok())
        })
        .unwrap_or(0);
    let _ =
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGTERM);
    wait_log("stopped: a");
    let deadline = std::time::Instant::now() + T;
    while (alive(pid) || pidfile.exists()) && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!alive(pid) && !alive(child), "daemon and child gone");
    assert!(!pidfile.exists(), "pidfile removed");
}

#[test]
fn orphaned_grandchildren_are_reaped_as_pid_1_would() {
    let unshare = std::path::Path::new("/usr/bin/unshare");
    assert!(unshare.exists(), "util-linux unshare is needed for the PID namespace");
    let env = Env::new();
    let pidfile = env.path().join("orphan.pid");
    let ours = bin("supervisord");
    // supervisord runs as PID 1 of a new PID namespace; when unshare is
    // terminated, supervisord gets SIGTERM.
    let mut d = Running::start_with(
        &env,
        unshare,
        &["--pid", "--fork", "--kill-child=SIGTERM", &ours.to_string_lossy()],
        &format!(
            "[program:parent]\ncommand={{testprog}} orphan {}\nstartsecs=0\nautorestart=false\n",
            pidfile.display()
        ),
        &["-n"],
    );
    let log = d.wait_for("reaped unknown pid", T);
    d.check(log.contains("supervisord started with pid 1"), "supervisord is PID 1");
    d.check(log.contains("exited: parent (exit status 0; expected)"), "the parent exited");
    d.check(log.contains("INFO reaped unknown pid"), "the orphan was reaped by supervisord");
    // unshare waits for its child; stop supervisord itself.
    let children = std::fs::read_to_string(format!("/proc/{0}/task/{0}/children", d.pid()))
        .unwrap_or_default();
    let inner: i32 = children.split_whitespace().next().and_then(|p| p.parse().ok()).unwrap_or(0);
    d.check(inner > 0, "found supervisord under unshare");
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(inner),
        nix::sys::signal::Signal::SIGTERM,
    );
    assert_eq!(d.wait_exit(T), 0);
}

#[test]
fn inherited_descriptors_are_not_passed_to_children() {
    let env = Env::new();
    let conf = env.write(
        "supervisord.conf",
        &format!(
            "{}[program:info]\ncommand={} info\nstartsecs=0\nstdout_logfile={{dir}}/info.log\n",
            crate::daemon_harness::HEADER,
            testprog().display()
        ),
    );
    // A wrapper shell opens fd 7 and execs supervisord with it inherited.
    let script = format!(
        "exec 7</etc/hostname; exec {} -n -c {}",
        bin("supervisord").display(),
        conf.display()
    );
    let mut child = std::process::Command::new("/bin/sh")
        .args(["-c", &script])
        .current_dir(env.path())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start");
    let out = env_wait_file_contains(&env, "info.log", "fd 0");
    std::thread::sleep(Duration::from_millis(100));
    let out = std::fs::read_to_string(env.path().join("info.log")).unwrap_or(out);
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    );
    let _ = child.wait();
    let fds: Vec<&str> = out.lines().filter(|l| l.starts_with("fd ")).collect();
    assert!(!fds.iter().any(|l| l.contains("/etc/hostname")), "fd 7 leaked into the child:\n{out}");
    for l in &fds {
        let n: i32 = l[3..].split_whitespace().next().and_then(|n| n.parse().ok()).unwrap_or(-1);
        assert!(n <= 2 || l.contains("/fd"), "unexpected descriptor in the child: {l}\n{out}");
    }
}

#[test]
fn logging_to_dev_stdout_the_container_way() {
    let env = Env::new();
    let mut d = Running::start(
        &env,
        "[program:say]\ncommand=/bin/sh -c 'echo to-the-container-log; exec sleep 3600'\nstartsecs=0\n\
         stdout_logfile=/dev/stdout\nstdout_logfile_maxbytes=0\nredirect_stderr=true\n",
    );
    d.wait_for("success: say entered RUNNING", T);
    let deadline = std::time::Instant::now() + T;
    let stdout = || std::fs::read_to_string(env.path().join("daemon.stdout")).unwrap_or_default();
    while !stdout().contains("to-the-container-log") && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    d.check(
        stdout().lines().any(|l| l == "to-the-container-log"),
        "child output on supervisord's stdout",
    );
    assert_eq!(d.stop(), 0);
}

#[test]
fn auto_logs_are_cleaned_at_startup_unless_nocleanup() {
    let env = Env::new();
    let stale = env.write("old-stdout---supervisor-AbCdEfGh.log", "old\n");
    let other = env.write("old-stdout---otherident-AbCdEfGh.log", "keep\n");
    let mut d = Running::start(&env, "[program:a]\ncommand={testprog} sleep 3600\nstartsecs=0\n");
    d.wait_for("success: a entered RUNNING", T);
    d.check(!stale.exists(), "an AUTO log of this identifier was removed");
    d.check(other.exists(), "another identifier's log was kept");
    let names: Vec<String> = std::fs::read_dir(env.path())
        .map(|rd| rd.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    d.check(
        names.iter().any(|n| n.starts_with("a-stdout---supervisor-") && n.ends_with(".log")),
        "AUTO name",
    );
    assert_eq!(d.stop(), 0);
    let env2 = Env::new();
    let stale2 = env2.write("old-stdout---supervisor-AbCdEfGh.log", "old\n");
    let mut d2 = Running::start(
        &env2,
        "[supervisord]\nnocleanup=true\n[program:a]\ncommand={testprog} sleep 3600\n",
    );
    d2.wait_for("spawned: 'a'", T);
    d2.check(stale2.exists(), "nocleanup keeps it");
    assert_eq!(d2.stop(), 0);
}

#[test]
fn strip_ansi_and_user_switch() {
    let env = Env::new();
    let mut d = Running::start(
        &env,
        "[supervisord]\nstrip_ansi=true\n\
         [program:color]\ncommand=/bin/sh -c 'printf \"\\033[31mred\\033[0m plain\\n\"; exec sleep 3600'\n\
         startsecs=0\nstdout_logfile={dir}/color.log\n\
         [program:nobody]\ncommand={testprog} info\nstartsecs=0\nuser=nobody\nstdout_logfile={dir}/nobody.log\n",
    );
    d.wait_for("success: color entered RUNNING", T);
    let color = env_wait_file_contains(&env, "color.log", "plain");
    d.check(color == "red plain\n", &format!("escapes stripped: {color:?}"));
    if nix::unistd::getuid().is_root() {
        let info = env_wait_file_contains(&env, "nobody.log", "gid ");
        d.check(info.lines().any(|l| l == "uid 65534"), &format!("runs as nobody:\n{info}"));
    }
    assert_eq!(d.stop(), 0);
}

#[test]
fn minfds_is_raised_and_logged() {
    let env = Env::new();
    let ours = bin("supervisord");
    // Start with a low soft limit so that minfds=512 must raise it.
    let mut d = Running::start_with(
        &env,
        std::path::Path::new("/bin/sh"),
        &["-c", "ulimit -Sn 256 && exec \"$0\" \"$@\"", &ours.to_string_lossy()],
        "[supervisord]\nminfds=512\n[program:a]\ncommand={testprog} sleep 3600\n",
        &["-n"],
    );
    let log = d.wait_for("supervisord started with pid", T);
    d.check(log.contains("INFO Increased RLIMIT_NOFILE limit to 512"), "rlimit raised and logged");
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", d.pid())).unwrap_or_default();
    let open_files =
        limits.lines().find(|l| l.starts_with("Max open files")).unwrap_or_default().to_owned();
    d.check(
        open_files.split_whitespace().nth(3) == Some("512"),
        &format!("soft limit now 512: {open_files}"),
    );
    assert_eq!(d.stop(), 0);
}

#[test]
fn an_idle_daemon_does_not_wake_up() {
    let env = Env::new();
    let programs: String = (0..20)
        .map(|i| format!("[program:idle{i}]\ncommand={{testprog}} sleep 3600\nstartsecs=0\n"))
        .collect();
    let mut d = Running::start(&env, &programs);
    d.wait_count("entered RUNNING state", 20, T);
    std::thread::sleep(Duration::from_millis(300));
    let switches = || {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", d.pid())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    let before = switches();
    std::thread::sleep(Duration::from_secs(2));
    let after = switches();
    d.check(after - before <= 1, &format!("{} wake-ups in 2 s while idle", after - before));
    assert_eq!(d.stop(), 0);
}

#[test]
fn killasgroup_sigkills_the_whole_group() {
    let env = Env::new();
    let pidfile = env.path().join("gc.pid");
    let mut d = Running::start(
        &env,
        &format!(
            "[program:tough]\ncommand={{testprog}} ignore-term {}\nstartsecs=0\nstopwaitsecs=1\nkillasgroup=true\n",
            pidfile.display()
        ),
    );
    d.wait_for("success: tough entered RUNNING", T);
    let deadline = std::time::Instant::now() + T;
    let mut gc = 0;
    while gc == 0 && std::time::Instant::now() < deadline {
        gc =
            std::fs::read_to_string(&pidfile).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(0);
        std::thread::sleep(Duration::from_millis(20));
    }
    d.check(gc > 0 && alive(gc), "grandchild running");
    assert_eq!(d.stop(), 0);
    let log = d.log();
    d.check(
        log.contains("killing 'tough'") && log.contains("stopped: tough (terminated by SIGKILL)"),
        "escalated",
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while alive(gc) && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    d.check(!alive(gc), "the SIGKILL went to the whole process group, grandchild included");
}

/// `/bin/false` with `startsecs=0` and `autorestart=true` is restarted about
/// once a second, as the reference's one-second poll restarts it, not in a
/// fork loop; a program killed from outside is still restarted at once.
#[test]
fn a_program_that_exits_at_once_is_not_a_fork_loop() {
    let env = Env::new();
    let mut d = Running::start(
        &env,
        "[program:false]\ncommand=/bin/false\nstartsecs=0\nautorestart=true\n\
         [program:victim]\ncommand=/bin/sleep 3600\nstartsecs=0\nautorestart=true\n",
    );
    d.wait_count("spawned: 'false'", 2, T);
    std::thread::sleep(Duration::from_secs(3));
    let spawns = d.log().matches("spawned: 'false'").count();
    d.check((3..=8).contains(&spawns), &format!("{spawns} spawns of /bin/false in about 3 s"));
    for n in 2..=6 {
        let pid = d.pid_of("victim");
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid as i32),
            nix::sys::signal::Signal::SIGKILL,
        );
        d.wait_count("spawned: 'victim'", n, Duration::from_millis(900));
    }
    assert_eq!(d.stop(), 0);
}
