//! The Debian package (`scripts/package-deb.sh`), built from the test's
//! binaries: it replaces, conflicts with and provides `supervisor`, holds
//! the four programs stripped, the pages, the completions and Debian's
//! layout; unpacked into a throwaway root, its supervisord runs on its own
//! configuration with a conf.d file, controlled by its supervisorctl.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::daemon_harness::testprog;
use crate::harness::{Env, bin};

fn run(program: &str, args: &[&str]) -> String {
    let out =
        Command::new(program).args(args).output().unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(out.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_debian_package_installs_and_runs() {
    if Command::new("dpkg-deb").arg("--version").output().is_err() {
        assert!(std::env::var_os("SV_REQUIRE_REF").is_none(), "dpkg-deb is needed");
        return;
    }
    let env = Env::new();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let bins = bin("supervisord").parent().expect("bin dir").to_string_lossy().into_owned();
    let out = env.path().join("out").to_string_lossy().into_owned();
    let script = repo.join("scripts/package-deb.sh").to_string_lossy().into_owned();
    let deb = run("bash", &[&script, "--bin-dir", &bins, "--out", &out]).trim().to_owned();

    let info = run("dpkg-deb", &["-f", &deb, "Package", "Provides", "Conflicts", "Replaces"]);
    for line in ["Provides: supervisor", "Conflicts: supervisor", "Replaces: supervisor"] {
        assert!(info.contains(line), "{info}");
    }
    let files = run("dpkg-deb", &["-c", &deb]);
    for f in [
        "./usr/bin/supervisord",
        "./usr/bin/supervisorctl",
        "./usr/bin/echo_supervisord_conf",
        "./usr/bin/pidproxy",
        "./etc/supervisor/supervisord.conf",
        "./etc/supervisor/conf.d/",
        "./var/log/supervisor/",
        "./lib/systemd/system/supervisor.service",
        "./usr/share/man/man5/supervisord.conf.5.gz",
        "./usr/share/man/man8/supervisord.8.gz",
        "./usr/share/bash-completion/completions/supervisorctl",
    ] {
        assert!(files.lines().any(|l| l.ends_with(f)), "{f} missing:\n{files}");
    }
    assert!(!files.contains("sv-testprog"), "the test helper is not packaged");
    // lintian: no error and no warning (the two overridden ones are
    // explained in packaging/debian/lintian-overrides).
    match Command::new("lintian").args(["--tag-display-limit", "0", &deb]).output() {
        Ok(out) => {
            let report = String::from_utf8_lossy(&out.stdout);
            let bad: Vec<&str> =
                report.lines().filter(|l| l.starts_with("E:") || l.starts_with("W:")).collect();
            assert!(bad.is_empty() && out.status.success(), "lintian:\n{report}");
        }
        Err(_) => assert!(std::env::var_os("SV_REQUIRE_REF").is_none(), "lintian is needed"),
    }

    let root = env.path().join("root");
    let root_s = root.to_string_lossy().into_owned();
    run("dpkg-deb", &["-x", &deb, &root_s]);
    let sections = run("readelf", &["-S", &format!("{root_s}/usr/bin/supervisord")]);
    assert!(!sections.contains(".symtab"), "stripped");
    let unit = std::fs::read_to_string(root.join("lib/systemd/system/supervisor.service")).unwrap();
    assert!(unit.contains("Type=notify"), "{unit}");

    // The installed configuration, its absolute paths moved under the root.
    let conf = root.join("etc/supervisor/supervisord.conf");
    let text = std::fs::read_to_string(&conf).expect("installed configuration");
    assert!(text.contains("files = /etc/supervisor/conf.d/*.conf"), "{text}");
    let text = text
        .replace("/run/", &format!("{root_s}/run/"))
        .replace("/var/log/", &format!("{root_s}/var/log/"))
        .replace("/etc/supervisor/", &format!("{root_s}/etc/supervisor/"));
    std::fs::create_dir_all(root.join("run")).unwrap();
    std::fs::write(&conf, text).unwrap();
    std::fs::write(
        root.join("etc/supervisor/conf.d/web.conf"),
        format!("[program:web]\ncommand={} sleep 1000\nstartsecs=0\n", testprog().display()),
    )
    .unwrap();
    let conf_s = conf.to_string_lossy().into_owned();
    let daemon = Command::new(root.join("usr/bin/supervisord"))
        .args(["-n", "-c", &conf_s])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("installed supervisord");
    let mut daemon = crate::harness::Stop(daemon);
    let ctl = root.join("usr/bin/supervisorctl");
    let t0 = Instant::now();
    let status = loop {
        let out = env.run(&ctl, &["-c", &conf_s, "status"], Duration::from_secs(10));
        if out.stdout.contains("RUNNING") || t0.elapsed() > Duration::from_secs(20) {
            break out;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.stdout.starts_with("web ") && status.stdout.contains("RUNNING"), "{status:?}");
    let out = env.run(&ctl, &["-c", &conf_s, "stop", "web"], Duration::from_secs(10));
    assert_eq!(out.stdout, "web: stopped\n");
    assert!(
        root.join("var/log/supervisor/supervisord.log").exists(),
        "the log where Debian keeps it"
    );
    let out = env.run(&ctl, &["-c", &conf_s, "shutdown"], Duration::from_secs(10));
    assert!(out.stdout.contains("Shut down"), "{out:?}");
    assert_eq!(daemon.0.wait().ok().and_then(|s| s.code()), Some(0));
}
