//! `supervisord --check-config`, `-v`, `-h` and usage errors, run as real
//! processes.

use std::time::Duration;

use crate::harness::{Env, bin};

const LIMIT: Duration = Duration::from_secs(20);

#[test]
fn check_config_summarises_a_valid_file() {
    let env = Env::new();
    env.write(
        "s.conf",
        "[supervisord]\nlogfile={dir}/sd.log\n[unix_http_server]\nfile={dir}/s.sock\n\
         [program:web]\ncommand=/bin/cat\nnumprocs=2\nprocess_name=%(program_name)s_%(process_num)d\n\
         [eventlistener:ev]\ncommand=/bin/cat\nevents=TICK_5\n",
    );
    let out = env.run(&bin("supervisord"), &["-c", "s.conf", "--check-config"], LIMIT);
    env.check(&out, out.code == 0, "exit code 0");
    env.check(
        &out,
        out.stdout
            == "s.conf: OK: 1 program group with 2 processes in 2 groups, 1 event listener pool with 1 listener, \
                0 fcgi programs with 0 processes, 1 HTTP server\n",
        "summary line",
    );
    env.check(&out, out.stderr.is_empty(), "no warnings");
    env.check(&out, !env.path().join("sd.log").exists(), "nothing started, no log written");
}

#[test]
fn check_config_reports_every_error_with_location_and_exits_2() {
    let env = Env::new();
    env.write(
        "bad.conf",
        "[supervisord]\n[program:a]\ncommand=/bin/cat\nautorestart=maybe\nautostrat=true\n\
         [program:b]\ncommand=/bin/cat\nstopsignal=FOO\n[inet_http_server]\nport=127.0.0.1:99999\n",
    );
    let out = env.run(&bin("supervisord"), &["-c", "bad.conf", "--check-config"], LIMIT);
    env.check(&out, out.code == 2, "exit code 2");
    env.check(&out, out.stdout.is_empty(), "nothing on stdout");
    let want = [
        "Warning: unknown key 'autostrat' in section [program:a] is ignored; did you mean 'autostart'?",
        "  at bad.conf:5 [program:a] autostrat = true",
        "Error: invalid 'autorestart' value 'maybe' in section 'program:a' (file: 'bad.conf')",
        "  at bad.conf:4 [program:a] autorestart = maybe",
        "  expected: true, false or unexpected",
        "Error: value 'FOO' is not a valid signal name in section 'program:b' (file: 'bad.conf')",
        "  at bad.conf:8 [program:b] stopsignal = FOO",
        "Error: 99999 is above upper bound (65535)",
        "  at bad.conf:10 [inet_http_server] port = 127.0.0.1:99999",
    ];
    for line in want {
        env.check(&out, out.stderr.lines().any(|l| l == line), &format!("stderr has {line:?}"));
    }
    let last = out.stderr.lines().last().unwrap_or_default();
    env.check(
        &out,
        last.starts_with("For help, use ") && last.ends_with(" -h"),
        "ends with the help hint",
    );
}

#[test]
fn without_check_config_a_bad_file_also_starts_nothing() {
    let env = Env::new();
    env.write("bad.conf", "[supervisord]\nlogfile={dir}/sd.log\n[program:a]\nstartsecs=x\n");
    let out = env.run(&bin("supervisord"), &["-c", "bad.conf", "-n"], LIMIT);
    env.check(&out, out.code == 2, "exit code 2");
    env.check(
        &out,
        out.stderr.starts_with(
            "Error: invalid literal for int() with base 10: 'x' in section 'program:a' (file: 'bad.conf')\n",
        ),
        "first error is the reference's",
    );
    env.check(&out, !env.path().join("sd.log").exists(), "no log written");
}

#[test]
fn version_help_and_usage_errors() {
    let env = Env::new();
    let sd = bin("supervisord");
    let out = env.run(&sd, &["-v"], LIMIT);
    env.check(&out, out.code == 0 && out.stdout == "4.3.0\n", "-v prints the version");
    let out = env.run(&sd, &["--help"], LIMIT);
    env.check(&out, out.code == 0 && out.stdout.contains("--check-config"), "--help lists options");
    env.check(
        &out,
        out.stdout.contains(&format!("Usage: {} [options]", sd.display())),
        "usage names argv0",
    );
    for (args, msg) in [
        (&["foo"][..], "Error: positional arguments are not supported: ['foo']"),
        (&["-n", "-n"][..], "Error: conflicting command line option '-n'"),
        (&["-x"][..], "Error: option -x not recognized"),
        (&["-c", "/nonexistent.conf"][..], "Error: could not find config file /nonexistent.conf"),
    ] {
        let out = env.run(&sd, args, LIMIT);
        env.check(&out, out.code == 2, "exit code 2");
        env.check(&out, out.stderr.lines().next() == Some(msg), msg);
    }
}

#[test]
fn echo_supervisord_conf_output_is_accepted_by_check_config() {
    let env = Env::new();
    let out = env.run(&bin("echo_supervisord_conf"), &["ignored", "args"], LIMIT);
    env.check(&out, out.code == 0 && out.stdout.contains("[supervisord]"), "prints a sample");
    env.write("sample.conf", &out.stdout);
    let chk = env.run(&bin("supervisord"), &["-c", "sample.conf", "--check-config"], LIMIT);
    env.check(&chk, chk.code == 0, "our parser accepts the sample");
    env.check(&chk, chk.stderr.is_empty(), "without warnings");
}

#[test]
fn supervisorctl_explains_an_unreachable_daemon() {
    let env = Env::new();
    env.write("c.conf", "[supervisorctl]\nserverurl=unix://{dir}/missing.sock\n");
    let conf = env.path().join("c.conf");
    let out = env.run(&bin("supervisorctl"), &["-c", &conf.to_string_lossy(), "status"], LIMIT);
    let sock = env.path().join("missing.sock");
    let lines: Vec<&str> = out.stdout.lines().collect();
    env.check(&out, out.code == 4, "status exits 4 when the daemon is unreachable");
    env.check(
        &out,
        lines.first() == Some(&format!("unix://{} no such file", sock.display()).as_str()),
        "the reference's line",
    );
    env.check(
        &out,
        lines.get(1).is_some_and(|l| {
            l.contains(&conf.display().to_string()) && l.contains("supervisord -c")
        }),
        "a second line names the config and how to start supervisord",
    );
    let out = env.run(&bin("supervisorctl"), &["-c", &conf.to_string_lossy(), "stop", "x"], LIMIT);
    env.check(&out, out.code == 7, "other commands exit 7 (not running)");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(1);
    let url = format!("http://127.0.0.1:{port}");
    let out = env.run(&bin("supervisorctl"), &["-s", &url, "pid"], LIMIT);
    env.check(
        &out,
        out.code == 4 && out.stdout.starts_with(&format!("{url} refused connection\n")),
        "refused",
    );
    let out = env.run(&bin("supervisorctl"), &["-s", "notaurl", "pid"], LIMIT);
    env.check(
        &out,
        out.code == 2
            && out
                .stderr
                .starts_with("Error: invalid value for -s 'notaurl': value 'notaurl' is not a URL"),
        "bad url",
    );
}

#[test]
fn the_shipped_example_config_is_valid() {
    let env = Env::new();
    let example =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/supervisord.conf");
    let example = example.to_string_lossy().into_owned();
    let out = env.run(&bin("supervisord"), &["-c", &example, "--check-config"], LIMIT);
    env.check(
        &out,
        out.code == 0 && out.stderr.is_empty() && out.stdout.contains("2 HTTP servers"),
        "example passes --check-config cleanly, with its web page",
    );
}

/// The README's first contact: supervisord on the example serves the web
/// page on 127.0.0.1:9001 and supervisorctl controls it with the same file
/// (run here with the example's /tmp paths and port moved into the test's
/// own directory and a free port).
#[test]
fn the_example_serves_its_web_page_and_answers_supervisorctl() {
    let env = Env::new();
    let example =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/supervisord.conf");
    let text = std::fs::read_to_string(example).expect("example");
    assert!(text.contains("port=127.0.0.1:9001"), "the example serves the page on 9001");
    let port = crate::http::free_port();
    let text = text
        .replace("/tmp/", &format!("{}/", env.dir()))
        .replace("childlogdir=/tmp", &format!("childlogdir={}", env.dir()))
        .replace("127.0.0.1:9001", &format!("127.0.0.1:{port}"));
    let conf = env.write("example.conf", &text);
    let conf = conf.to_string_lossy().into_owned();
    let daemon = std::process::Command::new(bin("supervisord"))
        .args(["-n", "-c", &conf])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("supervisord");
    let mut daemon = crate::harness::Stop(daemon);
    let deadline = std::time::Instant::now() + LIMIT;
    let status = loop {
        let out = env.run(&bin("supervisorctl"), &["-c", &conf, "status"], LIMIT);
        if out.stdout.matches("RUNNING").count() == 3 || std::time::Instant::now() > deadline {
            break out;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let page = crate::observe::get(port, "/", None);
    let _ = env.run(&bin("supervisorctl"), &["-c", &conf, "shutdown"], LIMIT);
    let stopped = daemon.0.wait().map(|s| s.code());
    env.check(&status, status.stdout.matches("RUNNING").count() == 3, "clock and two workers");
    assert!(page.status == 200 && page.body.contains("clock"), "the web page: {page:?}");
    assert_eq!(stopped.ok().flatten(), Some(0));
}

#[test]
fn config_is_found_on_the_search_path_without_c() {
    let env = Env::new();
    env.write("supervisord.conf", "[supervisord]\n[program:found]\ncommand=/bin/true\n");
    let out = env.run(&bin("supervisord"), &["--check-config"], LIMIT);
    env.check(
        &out,
        out.code == 0 && out.stdout.starts_with("supervisord.conf: OK: 1 program group"),
        "cwd file used",
    );
    let empty = Env::new();
    let out = empty.run(&bin("supervisord"), &["--check-config"], LIMIT);
    if !std::path::Path::new("/etc/supervisord.conf").exists()
        && !std::path::Path::new("/etc/supervisor/supervisord.conf").exists()
    {
        empty.check(&out, out.code == 2, "exit 2 when nothing is found");
        empty.check(
            &out,
            out.stderr.lines().any(|l| {
                l.starts_with("Error: No config file found at default paths (")
                    && l.ends_with(
                        "; use the -c option to specify a config file at a different path",
                    )
            }),
            "the reference's message",
        );
    }
}

/// `cargo install --path crates/supervisor` installs exactly the four
/// programs of Supervisor: every binary target without required features
/// (the test helper needs the `testprog` feature).
#[test]
fn cargo_install_installs_the_four_programs() {
    let out = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata");
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata JSON");
    let pkg = meta["packages"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["name"] == "supervisor"))
        .expect("the supervisor package");
    let mut installed: Vec<&str> = pkg["targets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t["kind"].as_array().is_some_and(|k| k.iter().any(|k| k == "bin")))
        .filter(|t| t["required-features"].as_array().is_none_or(|f| f.is_empty()))
        .filter_map(|t| t["name"].as_str())
        .collect();
    installed.sort_unstable();
    assert_eq!(installed, ["echo_supervisord_conf", "pidproxy", "supervisorctl", "supervisord"]);
}
