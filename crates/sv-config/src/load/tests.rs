//! The loader on sample texts: expansion rules, error collection and
//! locations, ranges, warnings, includes, overrides.

use super::*;
use crate::host::FakeHost;

fn load(text: &str) -> Result<Loaded<ServerConfig>, ConfigFailure> {
    let host = FakeHost::default().with_file("/etc/sv/s.conf", text);
    load_server("/etc/sv/s.conf", &host, &ServerOverrides::default())
}

fn first_error(text: &str) -> String {
    match load(text) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(f) => f.errors[0].message.clone(),
    }
}

fn command_of(text: &str) -> String {
    let l = load(text).unwrap_or_else(|f| panic!("{f}"));
    l.config.processes().next().map(|p| p.command.clone()).unwrap_or_default()
}

/// Each process of a `numprocs` program sees supervisord's environment
/// under its own `environment=` names, which hide the environment's and
/// change with the process; a log path expands with both.
#[test]
fn each_process_expands_its_own_environment_over_supervisords() {
    let text = "[supervisord]\n[program:p]\nnumprocs=3\nprocess_name=p%(process_num)d\n\
                environment=HOME=/h%(process_num)d,N=%(process_num)d\n\
                command=%(ENV_HOME)s %(ENV_N)s %(ENV_USER)s\nstdout_logfile=/tmp/%(ENV_N)s%(ENV_USER)s\n";
    let mut host = FakeHost::default().with_file("/etc/sv/s.conf", text);
    host.env.push(("USER".into(), "op".into()));
    let l = load_server("/etc/sv/s.conf", &host, &ServerOverrides::default())
        .unwrap_or_else(|f| panic!("{f}"));
    let got: Vec<(String, String)> = l
        .config
        .processes()
        .map(|p| {
            let log = match &p.stdout.logfile {
                crate::datatypes::LogFile::Path(x) => x.clone(),
                other => format!("{other:?}"),
            };
            (p.command.clone(), log)
        })
        .collect();
    let want: Vec<(String, String)> =
        (0..3).map(|n| (format!("/h{n} {n} op"), format!("/tmp/{n}op"))).collect();
    assert_eq!(got, want);
}

/// `shared` keeps no room of the vector it was given (collecting in place
/// would keep all of it).
#[test]
fn shared_vectors_keep_no_spare_room() {
    let mut big: Vec<[u64; 16]> = Vec::with_capacity(100);
    big.extend([[0; 16]; 3]);
    let arcs = shared(big);
    assert_eq!(arcs.len(), 3);
    assert!(arcs.capacity() < 100, "capacity {}", arcs.capacity());
}

/// Which names each kind of key may expand, per the reference's table.
#[test]
fn expansion_matrix() {
    let ok: &[(&str, &str)] = &[
        ("[supervisord]\n[program:p]\ncommand=%(here)s", "/etc/sv"),
        ("[supervisord]\n[program:p]\ncommand=%(program_name)s %(group_name)s", "p p"),
        ("[supervisord]\n[program:p]\ncommand=%(host_node_name)s", "testhost"),
        ("[supervisord]\n[program:p]\ncommand=%(process_num)d/%(numprocs)d", "0/1"),
        ("[supervisord]\n[program:p]\ncommand=%(ENV_HOME)s", "/home/op"),
        ("[supervisord]\nenvironment=G=1\n[program:p]\ncommand=%(ENV_G)s", "1"),
        ("[supervisord]\n[program:p]\nenvironment=L=x%(process_num)d\ncommand=%(ENV_L)s", "x0"),
        ("[supervisord]\n[group:grp]\nprograms=p\n[program:p]\ncommand=%(group_name)s", "grp"),
        ("[supervisord]\n[program:p]\ncommand=100%%", "100%"),
        (
            "[supervisord]\n[program:p]\nnumprocs=2\nprocess_name=p%(process_num)d\ncommand=%(process_num)02d",
            "00",
        ),
    ];
    for (text, want) in ok {
        assert_eq!(command_of(text), *want, "{text}");
    }
    let err: &[(&str, &str)] = &[
        (
            "[supervisord]\nlogfile=%(host_node_name)s\n",
            "Format string '%(host_node_name)s' for 'supervisord.logfile' contains names ('host_node_name')",
        ),
        (
            "[supervisord]\n[program:p]\ncommand=x\npriority=%(program_name)s\n",
            "Format string '%(program_name)s' for 'program:p.priority' contains names ('program_name')",
        ),
        (
            "[supervisord]\n[program:p]\ncommand=x\nautostart=%(process_num)s\n",
            "Format string '%(process_num)s' for 'program:p.autostart' contains names ('process_num')",
        ),
        (
            "[supervisord]\n[program:p]\ncommand=x\nstdout_logfile=/tmp/a%%b\n",
            "Format string '/tmp/a%b' for 'stdout_logfile' is badly formatted",
        ),
        (
            "[supervisord]\n[program:p]\ncommand=x\nenvironment=A=%(nope)s\n",
            "for 'environment' contains names ('nope')",
        ),
    ];
    for (text, want) in err {
        let e = first_error(text);
        assert!(e.starts_with(want) || e.contains(want), "{text}\n{e}");
    }
    // Group-level priority errors are not wrapped; process-level ones are.
    let e = first_error("[supervisord]\n[program:p]\ncommand=x\npriority=%(program_name)s\n");
    assert!(!e.contains("in section"), "{e}");
    let e = first_error("[supervisord]\n[program:p]\ncommand=x\nautostart=%(process_num)s\n");
    assert!(e.ends_with("in section 'program:p' (file: '/etc/sv/s.conf')"), "{e}");
}

#[test]
fn every_error_is_collected_with_its_location() {
    let f =
        load("[supervisord]\nloglevel=loud\n[program:a]\ncommand=x\nstartsecs=y\n[program:b]\n")
            .unwrap_err();
    let msgs: Vec<&str> = f.errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        msgs,
        [
            "bad logging level name 'loud'",
            "invalid literal for int() with base 10: 'y' in section 'program:a' (file: '/etc/sv/s.conf')",
            "program section program:b does not specify a command in section 'program:b' (file: '/etc/sv/s.conf')",
        ]
    );
    let loc = f.errors[1].location.as_ref().unwrap();
    assert_eq!(
        (loc.line, loc.key.as_deref(), loc.value.as_deref()),
        (5, Some("startsecs"), Some("y"))
    );
    assert_eq!(f.errors[2].location.as_ref().unwrap().line, 6);
}

/// Every numeric key of the table, in every section that takes it: each
/// bound is accepted, one past it is an error at its line that names the
/// range.
#[test]
fn numbers_have_ranges() {
    use crate::schema::{KEYS, Section};
    let conf = |section: Section, key: &str, value: i128| {
        let line = format!("{key}={value}\n");
        let mut text = String::from("[supervisord]\n");
        let own = |s: Section| if s == section { line.as_str() } else { "" };
        text.push_str(own(Section::Supervisord));
        text.push_str(&format!("[program:p]\ncommand=x\n{}", own(Section::Program)));
        text.push_str(&format!(
            "[eventlistener:e]\ncommand=x\nevents=TICK_5\n{}",
            own(Section::Listener)
        ));
        text.push_str(&format!(
            "[fcgi-program:f]\ncommand=x\nsocket=tcp://127.0.0.1:9999\n{}",
            own(Section::Fcgi)
        ));
        if section == Section::Group {
            text.push_str(&format!("[group:g]\nprograms=p\n{line}"));
        }
        text
    };
    let mut checked = 0;
    for k in KEYS {
        // numprocs: checked below without building 100,000 processes.
        if k.name == "numprocs" {
            continue;
        }
        for &section in k.sections {
            let range = range_of(section, k.name);
            if !matches!(k.value, Expect::Range(..) | Expect::ByteRange(_)) {
                continue;
            }
            for ok in [*range.start(), *range.end()] {
                let text = conf(section, k.name, i128::from(ok));
                assert!(load(&text).is_ok(), "{}={ok} is accepted:\n{text}", k.name);
            }
            for bad in [i128::from(*range.start()) - 1, i128::from(*range.end()) + 1] {
                let text = conf(section, k.name, bad);
                let f = load(&text).expect_err(&format!("{}={bad} is refused", k.name));
                let e = &f.errors[0];
                let loc = e.location.as_ref().expect("a location");
                assert_eq!(loc.key.as_deref(), Some(k.name), "{text}");
                assert_eq!(loc.value.as_deref(), Some(bad.to_string().as_str()));
                assert!(
                    e.expected.as_deref().is_some_and(|x| x.contains(&range.end().to_string())),
                    "{}: the hint names the range: {:?}",
                    k.name,
                    e.expected
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 25, "{checked} numeric keys checked");
    let f = load("[supervisord]\n[program:p]\ncommand=x\nnumprocs=100001\n").unwrap_err();
    assert_eq!(
        f.errors[0].message,
        "value 100001 is out of range in section 'program:p' (file: '/etc/sv/s.conf')"
    );
}

#[test]
fn unknown_keys_and_sections_warn_with_suggestions() {
    let l = load("[supervisord]\nlogfle=x\n[program:a]\ncommand=x\nautostrat=true\n[programs:b]\n")
        .unwrap();
    let w: Vec<&str> = l.warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(
        w,
        [
            "unknown key 'logfle' in section [supervisord] is ignored; did you mean 'logfile'?",
            "unknown key 'autostrat' in section [program:a] is ignored; did you mean 'autostart'?",
            "unknown section [programs:b] is ignored; did you mean [program:b]?",
        ]
    );
}

#[test]
fn includes_and_here() {
    let host = FakeHost::default()
        .with_file("/etc/sv/s.conf", "[supervisord]\n[include]\nfiles=conf.d/*.conf none/*.conf\n")
        .with_file("/etc/sv/conf.d/b.conf", "[program:b]\ncommand=%(here)s/b\n")
        .with_file(
            "/etc/sv/conf.d/a.conf",
            "[program:a]\ncommand=%(here)s/a\n[include]\nfiles=x\n",
        );
    let l = load_server("/etc/sv/s.conf", &host, &ServerOverrides::default()).unwrap();
    let cmds: Vec<&str> = l.config.processes().map(|p| p.command.as_str()).collect();
    assert_eq!(cmds, ["/etc/sv/conf.d/a", "/etc/sv/conf.d/b"]);
    assert_eq!(l.parse_warnings, ["No file matches via include \"/etc/sv/none/*.conf\""]);
    assert_eq!(
        l.parse_infos,
        [
            "Included extra file \"/etc/sv/conf.d/a.conf\" during parsing",
            "Included extra file \"/etc/sv/conf.d/b.conf\" during parsing"
        ]
    );
}

#[test]
fn overrides_win_and_paths_are_absolute() {
    let host = FakeHost::default()
        .with_file("/etc/sv/s.conf", "[supervisord]\nnodaemon=false\nlogfile=rel.log\n");
    let ov = ServerOverrides {
        nodaemon: Some(true),
        loglevel: Some(LogLevel::Debug),
        ..Default::default()
    };
    let l = load_server("/etc/sv/s.conf", &host, &ov).unwrap();
    let s = &l.config.supervisord;
    assert!(s.nodaemon);
    assert_eq!(s.loglevel, LogLevel::Debug);
    assert_eq!(s.logfile.as_deref(), Some("/work/rel.log"));
    assert_eq!(s.pidfile, "/work/supervisord.pid");
    let ov = ServerOverrides { user: Some("ghost".into()), ..Default::default() };
    let f = load_server("/etc/sv/s.conf", &host, &ov).unwrap_err();
    assert_eq!(f.errors[0].message, "Invalid user name ghost");
}

#[test]
fn serverurl_prefers_the_unix_socket() {
    let l = load(
        "[supervisord]\n[inet_http_server]\nport=9001\n[unix_http_server]\nfile=/tmp/s.sock\n",
    )
    .unwrap();
    assert_eq!(l.config.serverurl.as_deref(), Some("unix:///tmp/s.sock"));
    let l = load("[supervisord]\n[inet_http_server]\nport=*:9001\n").unwrap();
    assert_eq!(l.config.serverurl.as_deref(), Some("http://localhost:9001"));
    let l = load("[supervisord]\n").unwrap();
    assert_eq!(l.config.serverurl, None);
}

#[test]
fn ctl_settings() {
    let host = FakeHost::default().with_file(
        "/etc/sv/s.conf",
        "[supervisorctl]\nserverurl=unix://%(here)s/../s.sock\nprompt=mine\nusername=u\npassword=p\n\
         history_file=~/.hist\n[ctlplugin:x]\nsupervisor.ctl_factory=a:b\n",
    );
    let l = load_ctl(Some("/etc/sv/s.conf"), &host, &CtlOverrides::default()).unwrap();
    assert_eq!(
        l.config,
        CtlConfig {
            serverurl: "unix:///etc/s.sock".into(),
            username: Some("u".into()),
            password: Some("p".into()),
            prompt: "mine".into(),
            history_file: Some("/home/op/.hist".into()),
        }
    );
    assert_eq!(l.warnings.len(), 1);
    let ov = CtlOverrides { serverurl: Some("http://h:1".into()), ..Default::default() };
    assert_eq!(
        load_ctl(Some("/etc/sv/s.conf"), &host, &ov).unwrap().config.serverurl,
        "http://h:1"
    );
    assert_eq!(
        load_ctl(None, &host, &CtlOverrides::default()).unwrap().config,
        CtlConfig::default()
    );
    let host = FakeHost::default().with_file("/etc/sv/s.conf", "[supervisord]\n");
    let f = load_ctl(Some("/etc/sv/s.conf"), &host, &CtlOverrides::default()).unwrap_err();
    assert_eq!(f.errors[0].message, ".ini file does not include supervisorctl section");
}

#[test]
fn search_path_order() {
    assert_eq!(
        search_paths("/opt/sv/bin/supervisord"),
        [
            "/opt/sv/etc/supervisord.conf",
            "/opt/sv/supervisord.conf",
            "supervisord.conf",
            "etc/supervisord.conf",
            "/etc/supervisord.conf",
            "/etc/supervisor/supervisord.conf"
        ]
    );
    let host = FakeHost::default().with_file("/work/etc/supervisord.conf", "");
    assert_eq!(
        find_config("/opt/sv/bin/supervisord", &host).as_deref(),
        Some("etc/supervisord.conf")
    );
}

/// Readiness, health and dependency keys: read into their types, and every
/// problem of the dependency graph an error at the `depends_on` line.
#[test]
fn checks_and_dependency_errors() {
    use crate::checks::{Binding, Condition, Probe, ReadyCheck, Target};
    let l = load(
        "[supervisord]\n[program:db]\ncommand=x\nready_check=tcp:127.0.0.1:5432\nready_timeout=0\n\
         health_check=exec:pg_isready\nhealth_check_failure_threshold=2\n\
         [program:web]\ncommand=y\ndepends_on=db:healthy, cache:started\ndependency_binding=restart\n\
         [program:cache]\ncommand=z\n",
    )
    .unwrap_or_else(|f| panic!("{f}"));
    let by = |n: &str| l.config.processes().find(|p| p.name == n).unwrap().clone();
    let (db, web, cache) = (by("db"), by("web"), by("cache"));
    assert_eq!(
        db.checks.ready_check,
        ReadyCheck::Probe(Probe::Tcp { host: "127.0.0.1".into(), port: 5432 })
    );
    assert_eq!(db.checks.ready_timeout, None, "0 is no limit");
    let health = db.checks.health.as_ref().unwrap();
    assert_eq!((health.failure_threshold, health.interval.as_secs()), (2, 10));
    assert_eq!(web.checks.depends_on[0].target, Target::Program("db".into()));
    assert_eq!(web.checks.depends_on[1].condition, Condition::Started);
    assert_eq!(web.checks.binding, Binding::Restart);
    assert!(!cache.checks.in_use() && web.checks.in_use());
    assert_eq!(*cache.checks, crate::checks::Checks::default());

    let error_at = |text: &str| -> (String, usize) {
        let f = load(text).unwrap_err();
        let e = &f.errors[0];
        (e.message.clone(), e.location.as_ref().map_or(0, |l| l.line))
    };
    let base = "[supervisord]\n[program:a]\ncommand=x\n";
    let (msg, line) =
        error_at(&format!("{base}depends_on=b\n[program:b]\ncommand=x\ndepends_on=a\n"));
    assert!(msg.starts_with("dependency cycle: a -> b -> a"), "{msg}");
    assert_eq!(line, 4);
    let (msg, _) = error_at(&format!("{base}depends_on=nosuch\n"));
    assert!(msg.starts_with("depends_on: a -> nosuch: no such program"), "{msg}");
    let (msg, _) = error_at(&format!("{base}depends_on=a\n"));
    assert!(msg.starts_with("depends_on: a depends on itself"), "{msg}");
    let (msg, _) = error_at(&format!("{base}depends_on=b:healthy\n[program:b]\ncommand=x\n"));
    assert!(msg.contains("has no health_check"), "{msg}");
    let (msg, line) = error_at(&format!("{base}ready_check=sometimes\n"));
    assert!(msg.contains("is not none, notify"), "{msg}");
    assert_eq!(line, 4);
    let (msg, _) = error_at(&format!("{base}health_check_interval=0\n"));
    assert!(msg.contains("out of range"), "{msg}");
    // Targets: a group, a group's process, a program inside a group.
    let ok = load(
        "[supervisord]\n[group:g]\nprograms=p\n[program:p]\ncommand=x\n\
         [program:q]\ncommand=x\ndepends_on=g:*, g:p, p\n",
    );
    assert!(ok.is_ok(), "{:?}", ok.err());
}
