//! The interactive shell: `status` first, then one command per line, with
//! line editing, history and completion on a terminal (rustyline), or
//! plain lines from a pipe (the prompt is still printed, as the reference does).

use std::io::{BufRead, IsTerminal};

use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::{Context, Helper, Highlighter, Hinter, Validator};

use super::commands::Ctl;
use super::help::COMMANDS;

/// Completes command names, then process and group names.
#[derive(Helper, Highlighter, Hinter, Validator)]
struct Complete {
    names: Vec<String>,
}

impl Completer for Complete {
    type Candidate = Pair;
    fn complete(
        &self,
        line: &str,
        pos: usize,
        _: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let head = &line[..pos];
        let start = head.rfind(' ').map_or(0, |i| i + 1);
        let word = &head[start..];
        let pool: Vec<String> = if start == 0 {
            COMMANDS.iter().chain(["help"].iter()).map(|s| (*s).to_owned()).collect()
        } else {
            self.names.clone()
        };
        let mut out: Vec<Pair> = pool
            .into_iter()
            .filter(|c| c.starts_with(word))
            .map(|c| Pair { display: c.clone(), replacement: format!("{c} ") })
            .collect();
        out.sort_by(|a, b| a.display.cmp(&b.display));
        out.dedup_by(|a, b| a.display == b.display);
        Ok((start, out))
    }
}

fn names(ctl: &mut Ctl<'_>) -> Vec<String> {
    let mut out = vec!["all".to_owned()];
    if let Ok(infos) = ctl.rpc.call("supervisor.getAllProcessInfo", &[]) {
        for i in crate::api::types::ProcessInfo::list(&infos) {
            out.push(format!("{}:*", i.group));
            out.push(i.namespec());
        }
    }
    out
}

/// Reads a line from the terminal without echoing it.
pub fn read_password() -> std::io::Result<String> {
    use nix::sys::termios::{LocalFlags, SetArg, tcgetattr, tcsetattr};
    let stdin = std::io::stdin();
    let saved = tcgetattr(&stdin).ok();
    if let Some(t) = &saved {
        let mut quiet = t.clone();
        quiet.local_flags.remove(LocalFlags::ECHO);
        let _ = tcsetattr(&stdin, SetArg::TCSANOW, &quiet);
    }
    let mut line = String::new();
    let r = stdin.read_line(&mut line);
    if let Some(t) = &saved {
        let _ = tcsetattr(&stdin, SetArg::TCSANOW, t);
    }
    r.map(|_| line.trim_end_matches(['\r', '\n']).to_owned())
}

/// Runs the shell until EOF, `quit` or `exit`.
pub fn run(ctl: &mut Ctl<'_>, prompt: &str, history: Option<&str>) {
    let prompt = format!("{prompt}> ");
    ctl.onecmd("status");
    if !std::io::stdin().is_terminal() {
        let stdin = std::io::stdin();
        let mut lines = stdin.lock().lines();
        loop {
            let _ = write!(ctl.out, "{prompt}");
            let _ = ctl.out.flush();
            match lines.next() {
                Some(Ok(line)) => {
                    if !ctl.onecmd(&line) {
                        return;
                    }
                }
                _ => {
                    ctl.output("");
                    return;
                }
            }
        }
    }
    let Ok(mut rl) = rustyline::Editor::<Complete, rustyline::history::DefaultHistory>::new()
    else {
        return;
    };
    let names = names(ctl);
    rl.set_helper(Some(Complete { names }));
    if let Some(h) = history {
        let _ = rl.load_history(h);
    }
    loop {
        match rl.readline(&prompt) {
            Ok(line) => {
                if !line.trim().is_empty() {
                    let _ = rl.add_history_entry(line.as_str());
                }
                if !ctl.onecmd(&line) {
                    break;
                }
            }
            Err(ReadlineError::Interrupted) | Err(ReadlineError::Eof) => {
                ctl.output("");
                break;
            }
            Err(_) => break,
        }
    }
    if let Some(h) = history {
        let _ = rl.save_history(h);
    }
}
