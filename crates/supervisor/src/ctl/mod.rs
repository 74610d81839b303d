//! `supervisorctl`: command line, configuration, one-shot commands and the
//! interactive shell. No async runtime: each command is a few blocking
//! requests.

pub mod client;
pub mod commands;
pub mod help;
pub mod interrupt;
pub mod shell;

use std::io::Write;

use sv_config::{CtlOverrides, Host};
use sv_xmlrpc::Value;

use crate::getopt::{OptSpec, getopt};
use client::{CallError, Client, Endpoint};
use commands::{Ctl, Rpc};

/// The `-h` text; `%s` stands for the program name.
pub const USAGE: &str = "\
supervisorctl -- control the programs a supervisord runs, from the command line.

Usage: %s [options] [action [arguments]]

Options:
-c/--configuration FILENAME -- configuration file path (searched for if not given)
-h/--help -- show this help and exit
-i/--interactive -- start an interactive shell after running a command
-s/--serverurl URL -- URL on which supervisord listens
     (default \"http://localhost:9001\").
-u/--username USERNAME -- user name for the server's authentication
-p/--password PASSWORD -- password for the server's authentication
-r/--history-file -- keep the shell's history in this file

action [arguments] -- see below

Actions are commands such as \"tail\" or \"stop\". Without an action (or with -i),
an interactive shell reads actions from the terminal. The action \"help\" lists
them all.
";

impl Rpc for Client {
    fn call(&mut self, method: &str, params: &[Value]) -> Result<Value, CallError> {
        Client::call(self, method, params)
    }
    fn stream(&mut self, path: &str, sink: &mut dyn FnMut(&[u8]) -> bool) -> Result<(), CallError> {
        Client::stream(self, path, sink)
    }
    fn set_serverurl(&mut self, url: &str) -> Result<(), client::BadUrl> {
        self.endpoint = Endpoint::parse(url)?;
        Ok(())
    }
    fn set_credentials(&mut self, username: &str, password: &str) {
        self.username = Some(username.to_owned());
        self.password = Some(password.to_owned());
    }
    fn foreground(&mut self, name: &str, out: &mut dyn Write) -> Result<(), CallError> {
        // Two followers write to our stdout; this thread forwards stdin.
        // Their connections end with the command, however it ends.
        let mut followers = Vec::new();
        for channel in ["stdout", "stderr"] {
            let client = self.clone();
            let path = format!("/logtail/{name}/{channel}");
            let conn = client::connect(&self.endpoint)?;
            if let Ok(handle) = conn.try_clone() {
                followers.push(handle);
            }
            std::thread::spawn(move || {
                // Straight to fd 1: the main thread holds the stdout lock.
                let _ = client.stream_on(conn, &path, &mut |mut data| {
                    while !data.is_empty() {
                        match nix::unistd::write(std::io::stdout(), data) {
                            Ok(n) => data = &data[n..],
                            Err(_) => return false,
                        }
                    }
                    true
                });
            });
        }
        struct EndAll(Vec<client::Conn>);
        impl Drop for EndAll {
            fn drop(&mut self) {
                self.0.iter().for_each(client::Conn::shutdown);
            }
        }
        let _end = EndAll(followers);
        let wait = interrupt::StdinWait::new().map_err(|e| CallError::Other(e.to_string()))?;
        let stdin = std::io::stdin();
        let mut line = String::new();
        loop {
            line.clear();
            // Ctrl-C ends the command like the end of input does.
            if !wait.ready() {
                interrupt::take();
                return Ok(());
            }
            if stdin.read_line(&mut line).unwrap_or(0) == 0 {
                return Ok(());
            }
            let text = format!("{}\n", line.trim_end_matches(['\r', '\n']));
            if let Err(CallError::Fault(f)) =
                self.call("supervisor.sendProcessStdin", &[name.into(), text.into()])
            {
                if f.code == 70 {
                    let _ = writeln!(out, "Process got killed");
                }
                return Ok(());
            }
            let state = self.call("supervisor.getProcessInfo", &[name.into()])?;
            if state.get("state").and_then(Value::as_int) != Some(20) {
                let _ = writeln!(out, "Process got killed");
                return Ok(());
            }
        }
    }
}

const SPECS: &[OptSpec] = &[
    OptSpec::new(Some('c'), Some("configuration"), true),
    OptSpec::new(Some('h'), Some("help"), false),
    OptSpec::new(Some('i'), Some("interactive"), false),
    OptSpec::new(Some('s'), Some("serverurl"), true),
    OptSpec::new(Some('u'), Some("username"), true),
    OptSpec::new(Some('p'), Some("password"), true),
    OptSpec::new(Some('r'), Some("history_file"), true),
];

fn usage_error(err: &mut dyn Write, argv0: &str, msg: &str) -> i32 {
    let _ = writeln!(err, "Error: {msg}\nFor help, use {argv0} -h");
    2
}

/// The whole `supervisorctl` program; returns the exit code.
pub fn run(argv: &[String], host: &dyn Host, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let argv0 = argv.first().map_or("supervisorctl", String::as_str);
    let (opts, rest) = match getopt(argv.get(1..).unwrap_or(&[]), SPECS) {
        Ok(x) => x,
        Err(e) => return usage_error(err, argv0, &e.0),
    };
    let mut ov = CtlOverrides::default();
    let mut configfile = None;
    let mut interactive = false;
    for p in opts {
        match SPECS[p.index].long.unwrap_or("") {
            "configuration" => configfile = Some(p.value),
            "help" => {
                let _ = writeln!(out, "{}", USAGE.replace("%s", argv0));
                return 0;
            }
            "interactive" => interactive = true,
            "serverurl" => match sv_config::datatypes::url(&p.value) {
                Ok(u) => ov.serverurl = Some(u),
                Err(m) => {
                    let msg = format!(
                        "invalid value for {} {}: {m}",
                        p.written,
                        sv_config::pyrepr::py_repr(&p.value)
                    );
                    return usage_error(err, argv0, &msg);
                }
            },
            "username" => ov.username = Some(p.value),
            "password" => ov.password = Some(p.value),
            "history_file" => ov.history_file = Some(p.value),
            _ => {}
        }
    }
    let configfile = configfile.or_else(|| sv_config::find_config(argv0, host));
    let loaded = match sv_config::load_ctl(configfile.as_deref(), host, &ov) {
        Ok(l) => l,
        Err(f) => {
            let msg = f.errors.first().map(|e| e.message.clone()).unwrap_or_default();
            return usage_error(err, argv0, &msg);
        }
    };
    let cfg = loaded.config;
    let endpoint = match Endpoint::parse(&cfg.serverurl) {
        Ok(e) => e,
        Err(m) => {
            let _ = writeln!(out, "error: <class 'ValueError'>, {m}");
            return 1;
        }
    };
    let mut client =
        Client { endpoint, username: cfg.username.clone(), password: cfg.password.clone() };
    let mut ctl = Ctl {
        rpc: &mut client,
        out,
        exitstatus: 0,
        serverurl: cfg.serverurl.clone(),
        configfile: configfile.map(|c| sv_config::datatypes::normalize_path(host, &c)),
        interactive: interactive || rest.is_empty(),
        confirm: None,
    };
    if !rest.is_empty() {
        ctl.onecmd(&rest.join(" "));
        return ctl.exitstatus;
    }
    interrupt::set_shell(true);
    shell::run(&mut ctl, &cfg.prompt, cfg.history_file.as_deref());
    0
}
