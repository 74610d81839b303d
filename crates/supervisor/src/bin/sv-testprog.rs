//! `sv-testprog`: the child program the end-to-end tests run under
//! supervisord. One mode per invocation:
//!
//! * `sleep SECS` — sleep, then exit 0;
//! * `exit CODE [AFTER_MS]` — exit with CODE, after a delay;
//! * `ignore-term [PIDFILE]` — ignore SIGTERM and sleep forever (with a PIDFILE, first start a
//!   grandchild that also ignores SIGTERM and write its pid there);
//! * `grandchild PIDFILE` — start a grandchild (sleeping forever), write its pid, sleep forever;
//! * `orphan PIDFILE` — start a grandchild sleeping 1 s, write its pid, exit at once;
//! * `write BYTES [CHUNK]` — write BYTES bytes to stdout in CHUNK-sized writes, then sleep forever;
//! * `info` — print environment, ids, cwd and umask, then sleep forever.

use std::io::Write;
use std::time::Duration;

fn forever() -> ! {
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}

fn arg(args: &[String], i: usize) -> &str {
    args.get(i).map_or("", String::as_str)
}

fn start_grandchild(pidfile: &str, secs: &str) {
    let me = std::env::current_exe().unwrap_or_else(|_| "sv-testprog".into());
    match std::process::Command::new(me).args(["sleep", secs]).spawn() {
        Ok(child) => {
            let _ = std::fs::write(pidfile, format!("{}\n", child.id()));
        }
        Err(e) => eprintln!("sv-testprog: cannot start grandchild: {e}"),
    }
}

/// Byte `i` of the `write` mode's stream: lines of 63 letters.
fn pattern_byte(i: usize) -> u8 {
    if i % 64 == 63 { b'\n' } else { b'a' + (i % 26) as u8 }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut out = std::io::stdout().lock();
    match arg(&args, 1) {
        "sleep" => {
            std::thread::sleep(Duration::from_secs_f64(arg(&args, 2).parse().unwrap_or(1.0)))
        }
        "exit" => {
            std::thread::sleep(Duration::from_millis(arg(&args, 3).parse().unwrap_or(0)));
            std::process::exit(arg(&args, 2).parse().unwrap_or(1));
        }
        "ignore-term" => {
            sv_sys::daemon::ignore_signal(libc::SIGTERM);
            if !arg(&args, 2).is_empty() {
                // The ignored disposition is inherited across exec.
                let me = std::env::current_exe().unwrap_or_else(|_| "sv-testprog".into());
                if let Ok(child) = std::process::Command::new(me).arg("ignore-term").spawn() {
                    let _ = std::fs::write(arg(&args, 2), format!("{}\n", child.id()));
                }
            }
            let _ = writeln!(out, "ignoring SIGTERM");
            let _ = out.flush();
            forever();
        }
        "grandchild" => {
            start_grandchild(arg(&args, 2), "3600");
            forever();
        }
        "orphan" => start_grandchild(arg(&args, 2), "1"),
        "write" => {
            // Byte i of the stream is `pattern_byte(i)`, so a reader can check every byte.
            let total: usize = arg(&args, 2).parse().unwrap_or(0);
            let chunk: usize = arg(&args, 3).parse().unwrap_or(4096).max(1);
            let mut written = 0;
            while written < total {
                let end = (written + chunk).min(total);
                let buf: Vec<u8> = (written..end).map(pattern_byte).collect();
                if out.write_all(&buf).is_err() {
                    std::process::exit(1);
                }
                written = end;
            }
            let _ = out.flush();
            forever();
        }
        "info" => {
            let mut env: Vec<(String, String)> = std::env::vars().collect();
            env.sort();
            for (k, v) in env {
                let _ = writeln!(out, "env {k}={v}");
            }
            let _ = writeln!(out, "uid {}", nix::unistd::getuid());
            let _ = writeln!(out, "gid {}", nix::unistd::getgid());
            let cwd = std::env::current_dir().map(|p| p.display().to_string()).unwrap_or_default();
            let _ = writeln!(out, "cwd {cwd}");
            let mask = nix::sys::stat::umask(nix::sys::stat::Mode::empty());
            let _ = writeln!(out, "umask {:03o}", mask.bits());
            let _ = writeln!(out, "pgid {}", nix::unistd::getpgrp());
            if let Ok(rd) = std::fs::read_dir("/proc/self/fd") {
                for e in rd.flatten() {
                    let target = std::fs::read_link(e.path())
                        .map(|p| p.display().to_string())
                        .unwrap_or_default();
                    let _ = writeln!(out, "fd {} -> {target}", e.file_name().to_string_lossy());
                }
            }
            let _ = out.flush();
            forever();
        }
        other => {
            eprintln!("sv-testprog: unknown mode {other:?}");
            std::process::exit(2);
        }
    }
}
