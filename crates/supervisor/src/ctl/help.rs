//! `help` and `help <command>`. The command list is laid out as the
//! reference lays it out (Python's `cmd.columnize` to 80 columns); the
//! per-command texts are our own words in the reference's shape.

use super::commands::Ctl;

/// Every command, sorted, as `help` lists them.
pub const COMMANDS: &[&str] = &[
    "add", "avail", "clear", "exit", "fg", "maintail", "open", "pid", "quit", "reload", "remove",
    "reread", "restart", "shutdown", "signal", "start", "status", "stop", "tail", "update",
    "version",
];

fn text(topic: &str) -> Option<&'static [&'static str]> {
    Some(match topic {
        "add" => &["add <name> [...]\tStart managing groups that reread found"],
        "avail" => &["avail\t\t\tList every configured process and whether it is in use"],
        "clear" => &[
            "clear <name>\t\tEmpty the log files of a process",
            "clear <name> <name>\tEmpty the log files of several processes",
            "clear all\t\tEmpty the log files of every process",
        ],
        "exit" => &["exit\tLeave the supervisorctl shell."],
        "wait" => &[
            "wait <name> [...]\t\tWait until processes are RUNNING (and healthy, with a health check)",
            "wait --timeout N <name>\tGive up after N seconds (status 1, naming the others)",
            "wait all\t\t\tWait for every process",
        ],
        "graph" => &["graph\t\t\tEach process and what it depends on (depends_on)"],
        "health" => &[
            "health\t\t\tWhether every process is ready and healthy (status 1 if not)",
            "health <name> [...]\tThe same for some processes",
        ],
        "quit" => &["quit\tLeave the supervisorctl shell."],
        "fg" => &[
            "fg <process>\tAttach to a process: see its output, send it input",
            "\t\tCtrl-C to detach",
        ],
        "maintail" => &[
            "maintail -f \tFollow the supervisord log (Ctrl-C to stop)",
            "maintail -100\tThe last 100 *bytes* of the supervisord log",
            "maintail\tThe last 1600 *bytes* of the supervisord log",
            "",
        ],
        "open" => &[
            "open <url>\tTalk to another supervisord.",
            "\t\t(a unix socket is unix:///path/to/socket)",
        ],
        "pid" => &[
            "pid\t\t\tThe pid of supervisord.",
            "pid <name>\t\tThe pid of a process.",
            "pid all\t\t\tThe pid of every process, one per line.",
        ],
        "reload" => {
            &["reload \t\tRestart supervisord (stop everything, read the config, start again)."]
        }
        "remove" => &["remove <name> [...]\tStop managing groups that are stopped"],
        "reread" => {
            &["reread \t\t\tRead the configuration again and report changes, without applying them"]
        }
        "restart" => &[
            "restart <name>\t\tStop, then start a process",
            "restart <gname>:*\tRestart every process of a group",
            "restart <name> <name>\tRestart several processes or groups",
            "restart all\t\tRestart every process",
            "Note: restart does not read the configuration again. For that, see reread and update.",
        ],
        "shutdown" => &["shutdown \tStop every process and supervisord."],
        "signal" => &[
            "signal <signal name> <name>\t\tSend a signal to a process",
            "signal <signal name> <gname>:*\t\tSend a signal to every process of a group",
            "signal <signal name> <name> <name>\tSend a signal to several processes or groups",
            "signal <signal name> all\t\tSend a signal to every process",
        ],
        "start" => &[
            "start <name>\t\tStart a process",
            "start <gname>:*\t\tStart every process of a group",
            "start <name> <name>\tStart several processes or groups",
            "start all\t\tStart every process",
        ],
        "status" => &[
            "status <name>\t\tThe state of a process",
            "status <gname>:*\tThe state of every process of a group",
            "status <name> <name>\tThe state of several processes",
            "status\t\t\tThe state of every process",
        ],
        "stop" => &[
            "stop <name>\t\tStop a process",
            "stop <gname>:*\t\tStop every process of a group",
            "stop <name> <name>\tStop several processes or groups",
            "stop all\t\tStop every process",
        ],
        "tail" => &[
            "tail [-f] <name> [stdout|stderr] (default stdout)",
            "Ex:",
            "tail -f <name>\t\tFollow the stdout of a process",
            "\t\t\tCtrl-C to stop.",
            "tail -100 <name>\tThe last 100 *bytes* of a process's stdout",
            "tail <name> stderr\tThe last 1600 *bytes* of a process's stderr",
        ],
        "update" => &[
            "update\t\t\tRead the configuration again, apply the changes, restart what changed",
            "update all\t\tRead the configuration again, apply the changes, restart what changed",
            "update <gname> [...]\tApply the changes to these groups only",
        ],
        "version" => &["version\t\t\tThe version of supervisord"],
        "help" => &["help\t\tList the commands", "help <action>\tHelp about one command"],
        _ => return None,
    })
}

/// Python's `cmd.Cmd.columnize` of `items` to `width` columns.
pub fn columnize(items: &[&str], width: usize) -> Vec<String> {
    let n = items.len();
    if n == 0 {
        return vec!["<empty>".into()];
    }
    for nrows in 1..n {
        let ncols = n.div_ceil(nrows);
        let mut colwidths = Vec::new();
        let mut total = 0;
        for col in 0..ncols {
            let w = (0..nrows)
                .filter_map(|row| items.get(row + nrows * col))
                .map(|s| s.len())
                .max()
                .unwrap_or(0);
            colwidths.push(w);
            total += w + 2;
            if total > width + 2 {
                break;
            }
        }
        if total <= width + 2 && colwidths.len() == ncols {
            return (0..nrows)
                .map(|row| {
                    let mut cells: Vec<String> = (0..ncols)
                        .filter_map(|col| {
                            items.get(row + nrows * col).map(|s| (*s, colwidths[col]))
                        })
                        .map(|(s, w)| format!("{s:<w$}"))
                        .collect();
                    while cells.last().is_some_and(|c| c.trim().is_empty()) {
                        cells.pop();
                    }
                    cells.join("  ")
                })
                .collect();
        }
    }
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// `help [topic]`.
pub fn help(ctl: &mut Ctl<'_>, topic: &str) {
    let topic = topic.trim();
    if topic.is_empty() {
        ctl.output("");
        ctl.output("default commands (type help <topic>):");
        ctl.output("=====================================");
        for line in columnize(COMMANDS, 79) {
            ctl.output(&line);
        }
        ctl.output("");
        return;
    }
    match text(topic) {
        Some(lines) => {
            for l in lines {
                ctl.output(l);
            }
        }
        None => ctl.output(&format!("*** No help on {topic}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_list_like_python_columnize() {
        assert_eq!(
            columnize(COMMANDS, 79),
            [
                "add    exit      open  reload  restart   start   tail   ",
                "avail  fg        pid   remove  shutdown  status  update ",
                "clear  maintail  quit  reread  signal    stop    version",
            ]
        );
    }
}
