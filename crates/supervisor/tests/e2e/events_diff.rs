//! Differential test of the event system: a recording listener (ours,
//! `tests/oracle/record_listener.py`) subscribed to `EVENT` runs under the
//! reference's supervisord and under ours, with a program that crashes into
//! FATAL, one that exits as expected, and a remote communication event. The
//! sequence of events per program (names and payloads, pids normalised) and
//! the startup events must be the same.

use std::path::Path;
use std::time::Duration;

use crate::daemon_harness::Running;
use crate::harness::{Env, ref_venv, side_by_side};

fn conf(python: &Path) -> String {
    let listener = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/record_listener.py");
    format!(
        "[eventlistener:lis]\ncommand={} {} {{dir}}/events.txt\nevents=EVENT\nbuffer_size=100\n\
         [program:crash]\ncommand={{testprog}} exit 1 300\nstartsecs=2\nstartretries=1\n\
         [program:done]\ncommand={{testprog}} exit 0 2500\nstartsecs=1\n\
         [program:comm]\ncommand=/bin/sh -c \"printf 'before<!--XSUPERVISOR:BEGIN-->comm data here<!--XSUPERVISOR:END-->after the block, long enough to log\\\\n'; exec sleep 3600\"\n\
         startsecs=1\nstdout_capture_maxbytes=1MB\nstdout_events_enabled=true\nstdout_logfile={{dir}}/comm.log\n",
        python.display(),
        listener.display()
    )
}

fn run(env: &Env, daemon: &Path, python: &Path) -> Vec<String> {
    let mut d = Running::start_with(env, daemon, &[], &conf(python), &["-n"]);
    d.wait_for("gave up: crash entered FATAL state", Duration::from_secs(30));
    d.wait_for("exited: done (exit status 0; expected)", Duration::from_secs(30));
    let events = env.path().join("events.txt");
    let wait_events = |needle: &str| {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while !std::fs::read_to_string(&events).unwrap_or_default().contains(needle) {
            assert!(std::time::Instant::now() < deadline, "no {needle} event\n{}", d.dump());
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    wait_events("PROCESS_STATE_EXITED processname:done");
    wait_events("PROCESS_COMMUNICATION_STDOUT");
    let script = "import sys,xmlrpc.client,http.client,socket\n\
        class C(http.client.HTTPConnection):\n def connect(self):\n  self.sock=socket.socket(socket.AF_UNIX); self.sock.connect(sys.argv[1])\n\
        class T(xmlrpc.client.Transport):\n def make_connection(self,h): return C('localhost')\n\
        xmlrpc.client.ServerProxy('http://x',transport=T()).supervisor.sendRemoteCommEvent('mytype','my data')\n";
    let out = std::process::Command::new(python)
        .args(["-c", script])
        .arg(env.path().join("supervisor.sock"))
        .output()
        .expect("send a remote event");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    wait_events("REMOTE_COMMUNICATION");
    assert_eq!(d.stop(), 0);
    std::fs::read_to_string(&events)
        .unwrap_or_default()
        .lines()
        .map(|l| {
            // pid:1234 -> pid:N
            l.split(' ')
                .map(|w| match w.strip_prefix("pid:") {
                    Some(rest) => {
                        format!("pid:N{}", rest.trim_start_matches(|c: char| c.is_ascii_digit()))
                    }
                    None => w.to_owned(),
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// The events about `program` up to the shutdown (what reaches a listener
/// while everything stops depends on how fast the other groups stop).
fn per_program(events: &[String], program: &str) -> Vec<String> {
    let key = format!("processname:{program} ");
    events
        .iter()
        .take_while(|e| !e.starts_with("SUPERVISOR_STATE_CHANGE_STOPPING"))
        .filter(|e| e.contains(&key))
        .filter(|e| {
            !e.starts_with("PROCESS_STATE_STOPPING") && !e.starts_with("PROCESS_STATE_STOPPED")
        })
        .cloned()
        .collect()
}

#[test]
fn event_streams_match_the_reference() {
    let Some(venv) = ref_venv() else {
        eprintln!("skipped: no reference venv (set SV_REQUIRE_REF=1 to make this an error)");
        return;
    };
    let python = venv.join("bin/python");
    let (ours_env, ref_env) = (Env::new(), Env::new());
    let (ours, reference) =
        side_by_side(&ours_env, &ref_env, &venv, |env, daemon| run(env, daemon, &python));
    let dump = format!("reference:\n{}\nours:\n{}", reference.join("\n"), ours.join("\n"));
    assert_eq!(ours.get(..3), reference.get(..3), "startup events\n{dump}");
    assert!(
        per_program(&reference, "crash").len() >= 5,
        "the scenario produced its events\n{dump}"
    );
    for program in ["lis", "crash", "done", "comm"] {
        assert_eq!(
            per_program(&ours, program),
            per_program(&reference, program),
            "{program}\n{dump}"
        );
    }
    let comm: Vec<String> = per_program(&ours, "comm")
        .into_iter()
        .filter(|e| !e.starts_with("PROCESS_STATE"))
        .collect();
    assert_eq!(
        comm,
        [
            "PROCESS_LOG_STDOUT processname:comm groupname:comm pid:N channel:stdout|before",
            "PROCESS_LOG_STDOUT processname:comm groupname:comm pid:N channel:stdout|comm data here",
            "PROCESS_COMMUNICATION_STDOUT processname:comm groupname:comm pid:N|comm data here",
            "PROCESS_LOG_STDOUT processname:comm groupname:comm pid:N channel:stdout|after the block, long enough to log|",
        ],
        "{dump}"
    );
    let remote = |v: &[String]| {
        v.iter().filter(|e| e.starts_with("REMOTE_COMMUNICATION")).cloned().collect::<Vec<_>>()
    };
    assert_eq!(remote(&ours), remote(&reference), "{dump}");
    assert_eq!(remote(&ours), ["REMOTE_COMMUNICATION type:mytype|my data"], "{dump}");
}

/// Each kind of event reaches a listener within two seconds of what caused
/// it, with nothing else happening in the daemon (no ticks subscribed).
#[test]
fn every_event_type_reaches_a_listener_promptly() {
    let python = ref_venv().map_or_else(|| "python3".into(), |v| v.join("bin/python"));
    let listener = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/record_listener.py");
    let programs = "[program:a]\ncommand=/bin/sleep 3600\nstartsecs=0\n\
                    [program:b]\ncommand=/bin/sleep 3600\nstartsecs=0\n\
                    [program:echo]\ncommand=/bin/cat\nstartsecs=0\nstdout_events_enabled=true\n";
    let conf = format!(
        "[eventlistener:lis]\ncommand={} {} {{dir}}/events.txt\n\
         events=PROCESS_STATE,PROCESS_GROUP,REMOTE_COMMUNICATION,PROCESS_LOG\nbuffer_size=100\n\
         {programs}",
        python.display(),
        listener.display()
    );
    let env = Env::new();
    let mut d = Running::start(&env, &conf);
    for p in ["a", "b", "echo"] {
        d.wait_for(&format!("success: {p} entered RUNNING"), Duration::from_secs(20));
    }
    let events = env.path().join("events.txt");
    let count =
        |needle: &str| std::fs::read_to_string(&events).unwrap_or_default().matches(needle).count();
    // Runs `action`, then waits (two seconds at most) for one more `needle`.
    let step = |what: &str, needle: &str, action: &dyn Fn()| {
        // Let the listener take what is already queued first.
        std::thread::sleep(Duration::from_millis(500));
        let before = count(needle);
        action();
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        while count(needle) <= before {
            assert!(
                std::time::Instant::now() < deadline,
                "{what}: no {needle} within 2 s\n{}\n===== events =====\n{}",
                d.dump(),
                std::fs::read_to_string(&events).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    let ctl = |args: &[&str]| {
        let out = std::process::Command::new(crate::harness::bin("supervisorctl"))
            .arg("-c")
            .arg(d.conf())
            .args(args)
            .output()
            .expect("supervisorctl");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let conf_path = d.conf().to_owned();
    let full = std::fs::read_to_string(&conf_path).unwrap_or_default();
    step("stop", "PROCESS_STATE_STOPPED processname:a", &|| {
        ctl(&["stop", "a"]);
    });
    step("start", "PROCESS_STATE_RUNNING processname:a", &|| {
        ctl(&["start", "a"]);
    });
    step("update removing b", "PROCESS_GROUP_REMOVED groupname:b", &|| {
        let without_b = full.replace("[program:b]\ncommand=/bin/sleep 3600\nstartsecs=0\n", "");
        std::fs::write(&conf_path, without_b).expect("write config");
        ctl(&["update"]);
    });
    step("update adding b", "PROCESS_GROUP_ADDED groupname:b", &|| {
        std::fs::write(&conf_path, &full).expect("write config");
        ctl(&["update"]);
    });
    d.wait_for("success: b entered RUNNING", Duration::from_secs(20));
    ctl(&["stop", "b"]);
    step("remove", "PROCESS_GROUP_REMOVED groupname:b", &|| {
        ctl(&["remove", "b"]);
    });
    step("add", "PROCESS_GROUP_ADDED groupname:b", &|| {
        ctl(&["add", "b"]);
    });
    step("remote communication", "REMOTE_COMMUNICATION", &|| {
        let script = "import sys,xmlrpc.client,http.client,socket\n\
            class C(http.client.HTTPConnection):\n def connect(self):\n  self.sock=socket.socket(socket.AF_UNIX); self.sock.connect(sys.argv[1])\n\
            class T(xmlrpc.client.Transport):\n def make_connection(self,h): return C('localhost')\n\
            xmlrpc.client.ServerProxy('http://x',transport=T()).supervisor.sendRemoteCommEvent('t','d')\n";
        let out = std::process::Command::new(&python)
            .args(["-c", script])
            .arg(env.path().join("supervisor.sock"))
            .output()
            .expect("send a remote event");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    });
    step("output", "PROCESS_LOG_STDOUT", &|| {
        let script = "import sys,xmlrpc.client,http.client,socket\n\
            class C(http.client.HTTPConnection):\n def connect(self):\n  self.sock=socket.socket(socket.AF_UNIX); self.sock.connect(sys.argv[1])\n\
            class T(xmlrpc.client.Transport):\n def make_connection(self,h): return C('localhost')\n\
            xmlrpc.client.ServerProxy('http://x',transport=T()).supervisor.sendProcessStdin('echo','hi\\n')\n";
        let out = std::process::Command::new(&python)
            .args(["-c", script])
            .arg(env.path().join("supervisor.sock"))
            .output()
            .expect("send stdin");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    });
    assert_eq!(d.stop(), 0);
}
