//! `GET /metrics` (ours): the daemon and every process in the Prometheus
//! text format (version 0.0.4), collected when scraped, never on a timer.
//! Names follow Prometheus conventions: the `supervisord_` prefix, base
//! units, counters ending in `_total`, a state as one 0/1 series per state.

use std::collections::HashMap;
use std::fmt::Write;

use sv_core::process::{HealthState, RestartReason};
use sv_core::state::{ProcessState, SupervisorState, WaitStatus};

use super::event_loop::Daemon;

/// Counters of the daemon's control plane (reset when it restarts).
#[derive(Debug, Default)]
pub struct DaemonStats {
    /// XML-RPC calls `[ok, fault]` by method: [`method_index`]'s slots.
    pub rpc: Vec<[u64; 2]>,
    /// `reloadConfig` calls `[ok, error]`.
    pub reloads: [u64; 2],
}

/// Every method name a counter is kept for; any other name counts as
/// `other`, so that clients cannot grow the label set.
fn method_names() -> impl Iterator<Item = &'static str> {
    crate::api::METHODS.iter().chain(crate::api::EXT_METHODS).map(|m| m.name)
}

/// The counter slot of an XML-RPC method name (the last slot: `other`).
pub fn method_index(name: &str) -> usize {
    method_names().position(|m| m == name).unwrap_or_else(|| method_names().count())
}

impl DaemonStats {
    /// Counts one XML-RPC call of `method`.
    pub fn rpc_call(&mut self, method: &str, ok: bool) {
        let i = method_index(method);
        if self.rpc.len() <= i {
            self.rpc.resize(method_names().count() + 1, [0, 0]);
        }
        self.rpc[i][usize::from(!ok)] += 1;
    }
}

/// The daemon's states; FATAL (code 2 in the reference's API) is never
/// entered by a running daemon, and is always 0.
const DAEMON_STATES: [(&str, Option<SupervisorState>); 4] = [
    ("FATAL", None),
    ("RUNNING", Some(SupervisorState::Running)),
    ("RESTARTING", Some(SupervisorState::Restarting)),
    ("SHUTDOWN", Some(SupervisorState::Shutdown)),
];

/// The content type of the text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Appends a label value as the text format writes it: `\`, `"` and
/// newlines escaped.
fn escape_into(out: &mut String, v: &str) {
    if !v.contains(['\\', '"', '\n']) {
        out.push_str(v);
        return;
    }
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

struct Text(String);

impl Text {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.0, "# HELP {name} {help}\n# TYPE {name} {kind}");
    }

    /// `k="v"`, the value escaped.
    fn label(&mut self, k: &str, v: &str) {
        self.0.push_str(k);
        self.0.push_str("=\"");
        escape_into(&mut self.0, v);
        self.0.push('"');
    }

    /// ` value` and the line's end.
    fn value(&mut self, value: impl Num) {
        self.0.push(' ');
        value.put(&mut self.0);
        self.0.push('\n');
    }

    /// A sample of one process: its labels, then `extra`.
    fn process(&mut self, name: &str, row: &Row<'_>, extra: Option<(&str, &str)>, value: impl Num) {
        self.0.push_str(name);
        self.0.push('{');
        self.0.push_str(&row.labels);
        if let Some((k, v)) = extra {
            self.0.push(',');
            self.label(k, v);
        }
        self.0.push('}');
        self.value(value);
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl Num) {
        self.0.push_str(name);
        if !labels.is_empty() {
            self.0.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.0.push(',');
                }
                self.label(k, v);
            }
            self.0.push('}');
        }
        self.value(value);
    }
}

/// A sample's value: integers written with `itoa` (a scrape writes tens
/// of thousands), fractions with `Display`.
trait Num {
    fn put(self, out: &mut String);
}

macro_rules! int_num {
    ($($t:ty),*) => {$(
        impl Num for $t {
            fn put(self, out: &mut String) {
                out.push_str(itoa::Buffer::new().format(self));
            }
        }
    )*};
}
int_num!(u8, i32, u32, u64, i64, usize);

impl Num for f64 {
    fn put(self, out: &mut String) {
        let _ = write!(out, "{self}");
    }
}

/// One process as the metrics see it.
struct Row<'a> {
    /// `name="...",group="..."`, escaped once for every family.
    labels: String,
    p: &'a sv_core::process::Process<super::event_loop::Runtime>,
    usage: Option<sv_sys::usage::Usage>,
}

/// The exit status a metric reports: the status, or 128+N for a signal
/// (where `getProcessInfo` says -1).
fn exit_status(s: Option<WaitStatus>) -> i32 {
    match s {
        Some(WaitStatus::Exited(c)) => c,
        Some(WaitStatus::Signaled(n, _)) => 128 + n,
        None => 0,
    }
}

/// The pids whose use a scrape reads: every child's.
pub fn pids(d: &Daemon) -> Vec<u32> {
    d.sv.ids().into_iter().filter_map(|id| d.sv.process(id).pid()).collect()
}

/// The children's `/proc/PID/stat` and `/proc/PID/fd`, kept open from one
/// scrape to the next: kept files are read with two cheap system calls
/// where opening them again costs four with path lookups (1000 children:
/// about 5 ms of the machine instead of 9). A child that is gone since is
/// dropped; a reused pid is opened anew.
#[derive(Debug, Default)]
pub struct KeptFiles(HashMap<u32, sv_sys::usage::ProcFiles>);

impl KeptFiles {
    /// How many files are kept.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// For how many children a scrape may keep files open (two descriptors
/// each): half of the descriptors this process could open without any kept
/// ones (the `kept` files count as free), so that spawning never runs short
/// because of a scrape, and the budget does not shrink because of the files
/// it allowed.
pub fn kept_budget(kept: &KeptFiles) -> usize {
    let (Some(max), Some(open)) = (sv_sys::usage::max_fds(), sv_sys::usage::open_fds()) else {
        return 0;
    };
    let free = max.saturating_sub(open).saturating_add(2 * kept.len() as u64);
    usize::try_from(free / 4).unwrap_or(usize::MAX)
}

/// Reads the use of `pids` from `/proc`, on as many threads as there are
/// cores, through the files `kept` from the last scrape where there is one;
/// gives back the files to keep for the next (for at most `budget`
/// children). Run off the event loop.
pub fn read_usage(
    pids: &[u32],
    mut kept: KeptFiles,
    budget: usize,
) -> (HashMap<u32, sv_sys::usage::Usage>, KeptFiles) {
    use sv_sys::usage::ProcFiles;
    let mut work: Vec<(u32, Option<ProcFiles>)> =
        pids.iter().map(|pid| (*pid, kept.0.remove(pid))).collect();
    // What is left belongs to children that are gone: closed here.
    drop(kept);
    let read = |part: &mut [(u32, Option<ProcFiles>)]| -> Vec<(u32, sv_sys::usage::Usage)> {
        let mut out = Vec::with_capacity(part.len());
        for (pid, file) in part {
            let mut usage = file.as_ref().and_then(ProcFiles::read);
            if usage.is_none() {
                // Not kept yet, or kept for a process that has gone since.
                *file = ProcFiles::open(*pid as i32);
                usage = file.as_ref().and_then(ProcFiles::read);
            }
            match usage {
                Some(u) => out.push((*pid, u)),
                None => *file = None,
            }
        }
        out
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    let chunk = work.len().div_ceil(threads).max(64);
    let usage = {
        let mut parts = work.chunks_mut(chunk);
        let mine = parts.next().unwrap_or_default();
        std::thread::scope(|s| {
            let others: Vec<_> = parts.map(|part| s.spawn(move || read(part))).collect();
            let mut all: HashMap<u32, sv_sys::usage::Usage> = read(mine).into_iter().collect();
            all.extend(others.into_iter().filter_map(|w| w.join().ok()).flatten());
            all
        })
    };
    let keep = work.into_iter().filter_map(|(pid, f)| Some((pid, f?))).take(budget).collect();
    (usage, KeptFiles(keep))
}

/// The processes in exposition order, with their labels and use.
fn rows<'a>(d: &'a Daemon, usage: &HashMap<u32, sv_sys::usage::Usage>) -> Vec<Row<'a>> {
    let mut ids = d.sv.ids();
    ids.sort_by(|a, b| {
        let (ga, gb) = (&d.sv.groups[a.group].config.name, &d.sv.groups[b.group].config.name);
        ga.cmp(gb).then_with(|| d.sv.process(*a).config.name.cmp(&d.sv.process(*b).config.name))
    });
    ids.into_iter()
        .map(|id| {
            let p = d.sv.process(id);
            let mut labels = String::from("name=\"");
            escape_into(&mut labels, &p.config.name);
            labels.push_str("\",group=\"");
            escape_into(&mut labels, &d.sv.groups[id.group].config.name);
            labels.push('"');
            Row { labels, usage: p.pid().and_then(|pid| usage.get(&pid).copied()), p }
        })
        .collect()
}

/// The exposition but for the children's use: made while their use is
/// read from `/proc` on other threads; [`render_usage`] adds the rest.
pub fn render_model(d: &Daemon) -> String {
    let rows = rows(d, &HashMap::new());
    let mut t = Text(String::with_capacity(256 + rows.len() * 2048));
    daemon_families(&mut t, d);
    process_families(&mut t, &rows);
    output_families(&mut t, &rows);
    control_families(&mut t, d);
    own_process_families(&mut t);
    t.0
}

/// Adds the families of the children's use (read by [`read_usage`]) to
/// `text`.
pub fn render_usage(
    text: String,
    d: &Daemon,
    usage: &HashMap<u32, sv_sys::usage::Usage>,
) -> String {
    let mut t = Text(text);
    usage_families(&mut t, &rows(d, usage));
    t.0
}

fn daemon_families(t: &mut Text, d: &Daemon) {
    t.family("supervisord_build_info", "gauge", "The version this daemon reports (always 1).");
    let ours = env!("CARGO_PKG_VERSION");
    let labels = [("version", crate::VERSION), ("api_version", "3.0"), ("rs_version", ours)];
    t.sample("supervisord_build_info", &labels, 1);
    t.family("supervisord_state", "gauge", "The daemon's state (1 for the current one).");
    for (name, s) in DAEMON_STATES {
        t.sample("supervisord_state", &[("state", name)], u8::from(Some(d.sv.mood) == s));
    }
    t.family("supervisord_start_time_seconds", "gauge", "When the daemon started (Unix time).");
    t.sample("supervisord_start_time_seconds", &[], d.started_at());
}

fn process_families(t: &mut Text, rows: &[Row<'_>]) {
    let each = |t: &mut Text, name: &str, v: &dyn Fn(&Row<'_>) -> Option<i64>| {
        for r in rows {
            if let Some(x) = v(r) {
                t.process(name, r, None, x);
            }
        }
    };
    t.family("supervisord_process_state", "gauge", "The process's state (1 for the current one).");
    for r in rows {
        for s in ProcessState::ALL {
            let on = u8::from(r.p.state() == s);
            t.process("supervisord_process_state", r, Some(("state", s.name())), on);
        }
    }
    t.family("supervisord_process_up", "gauge", "1 while STARTING, RUNNING or STOPPING.");
    each(t, "supervisord_process_up", &|r| Some(i64::from(r.p.pid().is_some())));
    t.family("supervisord_process_ready", "gauge", "1 when its ready_check passed (with one).");
    each(t, "supervisord_process_ready", &|r| {
        (r.p.config.checks.ready_check != sv_config::checks::ReadyCheck::None)
            .then(|| i64::from(r.p.state() == ProcessState::Running || r.p.ready))
    });
    t.family("supervisord_process_healthy", "gauge", "1 healthy, 0 unhealthy (when checked).");
    each(t, "supervisord_process_healthy", &|r| match r.p.config.checks.health {
        Some(_) if r.p.state() == ProcessState::Running => match r.p.health.state {
            HealthState::Healthy => Some(1),
            HealthState::Unhealthy => Some(0),
            HealthState::Unknown => None,
        },
        _ => None,
    });
    t.family("supervisord_process_start_time_seconds", "gauge", "Its last spawn (0: never).");
    each(t, "supervisord_process_start_time_seconds", &|r| Some(r.p.laststart_wall as i64));
    t.family(
        "supervisord_process_exit_status",
        "gauge",
        "How its last child ended: the exit status, or 128+N if killed by signal N.",
    );
    each(t, "supervisord_process_exit_status", &|r| Some(i64::from(exit_status(r.p.last_status))));
    t.family("supervisord_process_starts_total", "counter", "Spawn attempts.");
    each(t, "supervisord_process_starts_total", &|r| Some(i64::from(r.p.stats.starts)));
    t.family(
        "supervisord_process_restarts_total",
        "counter",
        "Restarts nobody asked for, by reason.",
    );
    for r in rows {
        for why in RestartReason::ALL {
            let n = r.p.stats.restarts[why as usize];
            t.process("supervisord_process_restarts_total", r, Some(("reason", why.name())), n);
        }
    }
    t.family("supervisord_process_exits_total", "counter", "Exits on its own, by expectedness.");
    for r in rows {
        for (i, expected) in ["true", "false"].into_iter().enumerate() {
            t.process(
                "supervisord_process_exits_total",
                r,
                Some(("expected", expected)),
                r.p.stats.exits[i],
            );
        }
    }
    t.family("supervisord_process_probe_failures_total", "counter", "Failed probes, by check.");
    for r in rows {
        for (i, probe) in ["ready", "health"].into_iter().enumerate() {
            let n = r.p.ext.link.counters.probe_failures[i].get();
            t.process("supervisord_process_probe_failures_total", r, Some(("probe", probe)), n);
        }
    }
}

fn usage_families(t: &mut Text, rows: &[Row<'_>]) {
    let each = |t: &mut Text, name: &str, v: &dyn Fn(&Row<'_>) -> Option<i64>| {
        for r in rows {
            if let Some(x) = v(r) {
                t.process(name, r, None, x);
            }
        }
    };
    t.family(
        "supervisord_process_cpu_seconds_total",
        "counter",
        "CPU time of its current child, by mode (0 when none runs).",
    );
    for r in rows {
        let u = r.usage.unwrap_or_default();
        for (mode, v) in [("user", u.user_seconds), ("system", u.system_seconds)] {
            t.process("supervisord_process_cpu_seconds_total", r, Some(("mode", mode)), v);
        }
    }
    t.family(
        "supervisord_process_resident_memory_bytes",
        "gauge",
        "Resident memory of its current child (0 when none runs).",
    );
    each(t, "supervisord_process_resident_memory_bytes", &|r| {
        Some(r.usage.map_or(0, |u| i64::try_from(u.resident_bytes).unwrap_or(i64::MAX)))
    });
    t.family(
        "supervisord_process_open_fds",
        "gauge",
        "Open file descriptors of its current child (0 when none runs).",
    );
    each(t, "supervisord_process_open_fds", &|r| {
        Some(r.usage.and_then(|u| u.open_fds).map_or(0, |n| i64::try_from(n).unwrap_or(i64::MAX)))
    });
}

fn output_families(t: &mut Text, rows: &[Row<'_>]) {
    t.family("supervisord_log_bytes_total", "counter", "Bytes read from the process, by stream.");
    for r in rows {
        for (i, stream) in ["stdout", "stderr"].into_iter().enumerate() {
            let n = r.p.ext.link.counters.log_bytes[i].get();
            t.process("supervisord_log_bytes_total", r, Some(("stream", stream)), n);
        }
    }
    t.family("supervisord_log_rotations_total", "counter", "Log file rotations, by stream.");
    for r in rows {
        for (i, stream) in ["stdout", "stderr"].into_iter().enumerate() {
            let n = r.p.ext.link.counters.log_rotations[i].get();
            t.process("supervisord_log_rotations_total", r, Some(("stream", stream)), n);
        }
    }
}

fn control_families(t: &mut Text, d: &Daemon) {
    t.family("supervisord_event_queue_length", "gauge", "Events waiting for a listener, by pool.");
    for (name, pool) in &d.pools {
        t.sample("supervisord_event_queue_length", &[("pool", name)], pool.buffer.len());
    }
    t.family(
        "supervisord_events_dropped_total",
        "counter",
        "Events discarded because a pool's buffer was full, by pool.",
    );
    for (name, pool) in &d.pools {
        t.sample("supervisord_events_dropped_total", &[("pool", name)], pool.discarded);
    }
    t.family(
        "supervisord_rpc_requests_total",
        "counter",
        "XML-RPC calls by method and result (methods called at least once).",
    );
    let names: Vec<&str> = method_names().chain(["other"]).collect();
    for (i, counts) in d.stats.rpc.iter().enumerate() {
        for (j, result) in ["ok", "fault"].into_iter().enumerate() {
            if counts[0] + counts[1] > 0 {
                let labels = [("method", names[i]), ("result", result)];
                t.sample("supervisord_rpc_requests_total", &labels, counts[j]);
            }
        }
    }
    t.family("supervisord_config_reloads_total", "counter", "reloadConfig calls by result.");
    for (i, result) in ["ok", "error"].into_iter().enumerate() {
        t.sample("supervisord_config_reloads_total", &[("result", result)], d.stats.reloads[i]);
    }
    t.family(
        "supervisord_forward_dropped_lines_total",
        "counter",
        "Forwarded output lines dropped because supervisord's output could not keep up.",
    );
    let dropped = d.forwarder.as_ref().map_or(0, |f| f.sink.dropped());
    t.sample("supervisord_forward_dropped_lines_total", &[], dropped);
}

/// The usual metrics of the exporting process itself.
fn own_process_families(t: &mut Text) {
    let Some(u) = sv_sys::usage::of(std::process::id() as i32) else { return };
    t.family("process_cpu_seconds_total", "counter", "CPU time of supervisord, seconds.");
    t.sample("process_cpu_seconds_total", &[], u.user_seconds + u.system_seconds);
    t.family("process_resident_memory_bytes", "gauge", "Resident memory of supervisord.");
    t.sample("process_resident_memory_bytes", &[], u.resident_bytes);
    t.family("process_virtual_memory_bytes", "gauge", "Virtual memory of supervisord.");
    t.sample("process_virtual_memory_bytes", &[], u.virtual_bytes);
    t.family("process_open_fds", "gauge", "Open file descriptors of supervisord.");
    t.sample("process_open_fds", &[], u.open_fds.unwrap_or(0));
    if let Some(max) = sv_sys::usage::max_fds() {
        t.family("process_max_fds", "gauge", "The open files limit of supervisord.");
        t.sample("process_max_fds", &[], max);
    }
    t.family("process_start_time_seconds", "gauge", "When supervisord started (Unix time).");
    t.sample("process_start_time_seconds", &[], u.start_time.floor());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_files_serve_the_next_scrape_and_close_with_their_child() {
        let spawn = || std::process::Command::new("sleep").arg("30").spawn().expect("sleep");
        let (mut a, mut b) = (spawn(), spawn());
        let pids = [a.id(), b.id()];
        let (usage, kept) = read_usage(&pids, KeptFiles::default(), 10);
        assert_eq!((usage.len(), kept.len()), (2, 2));
        assert!(usage[&pids[0]].open_fds.is_some());
        // The kept files answer the next scrape; b's close once b is gone.
        b.kill().expect("kill");
        b.wait().expect("reap");
        let (usage, kept) = read_usage(&pids, kept, 10);
        assert_eq!(usage.keys().collect::<Vec<_>>(), [&pids[0]]);
        assert_eq!(kept.len(), 1);
        let (usage, kept) = read_usage(&pids[..1], kept, 0);
        assert_eq!((usage.len(), kept.len()), (1, 0), "nothing kept beyond the budget");
        a.kill().expect("kill");
        a.wait().expect("reap");
    }

    #[test]
    fn label_values_are_escaped() {
        let escape = |v: &str| {
            let mut out = String::new();
            escape_into(&mut out, v);
            out
        };
        assert_eq!(escape(r#"a"b\c"#), r#"a\"b\\c"#);
        assert_eq!(escape("x\ny"), "x\\ny");
        assert_eq!(escape("plain"), "plain");
        let mut t = Text(String::new());
        t.sample("m", &[("name", "we\"ird")], 1);
        assert_eq!(t.0, "m{name=\"we\\\"ird\"} 1\n");
    }

    #[test]
    fn rpc_methods_are_a_closed_set() {
        let mut s = DaemonStats::default();
        s.rpc_call("supervisor.getState", true);
        s.rpc_call("supervisor.nosuch", false);
        s.rpc_call("x".repeat(100).as_str(), false);
        let other = method_names().count();
        assert_eq!(s.rpc.len(), other + 1);
        assert_eq!(s.rpc[method_index("supervisor.getState")], [1, 0]);
        assert_eq!(s.rpc[other], [0, 2], "unknown names share one slot");
    }
}
