//! The main log: the reference's line format, level filter, rotation, the
//! copy on stdout in the foreground, and lines held back until the log exists.

use std::io::Write;
use std::path::Path;

use chrono::{Datelike, Local, Timelike};
use sv_config::LogLevel;
use sv_logfile::{RotatingFile, Timestamp, format_line};

/// The daemon's log.
pub struct Logger {
    /// Every line written, for `/mainlogtail` followers.
    pub tx: tokio::sync::broadcast::Sender<bytes::Bytes>,
    level: LogLevel,
    file: Option<RotatingFile>,
    echo: bool,
    syslog: bool,
    /// How lines are written (ours: `log_format`).
    pub format: sv_config::LogFormat,
    /// Where the copy on stdout goes when output is forwarded (ours).
    pub forward: Option<std::sync::Arc<super::forward::Sink>>,
}

/// Now, in local time, as the log prints it.
pub fn timestamp() -> Timestamp {
    let now = Local::now();
    Timestamp {
        year: now.year(),
        month: now.month(),
        day: now.day(),
        hour: now.hour(),
        minute: now.minute(),
        second: now.second(),
        millis: now.timestamp_subsec_millis().min(999),
    }
}

impl Logger {
    /// A logger writing to `path` (`None`: to syslog, as `logfile=syslog`),
    /// echoing to stdout when `echo`.
    pub fn open(
        path: Option<&Path>,
        maxbytes: i64,
        backups: i64,
        level: LogLevel,
        echo: bool,
    ) -> std::io::Result<Self> {
        let file = match path {
            Some(p) => Some(RotatingFile::open(p, maxbytes, backups)?),
            None => None,
        };
        let (tx, _) = tokio::sync::broadcast::channel(1024);
        Ok(Logger {
            tx,
            level,
            syslog: file.is_none(),
            file,
            echo,
            format: sv_config::LogFormat::Text,
            forward: None,
        })
    }

    /// Whether `level` is written.
    pub fn enabled(&self, level: LogLevel) -> bool {
        level >= self.level
    }

    /// Writes one record.
    pub fn log(&mut self, level: LogLevel, msg: &str) {
        if !self.enabled(level) {
            return;
        }
        let line = match self.format {
            sv_config::LogFormat::Text => format_line(timestamp(), level, msg),
            sv_config::LogFormat::Json => super::forward::json_log_line(level.tag(), msg),
        };
        if self.tx.receiver_count() > 0 {
            let _ = self.tx.send(bytes::Bytes::from(line.clone()));
        }
        if let Some(f) = self.file.as_mut() {
            // A failing log write must not stop the daemon; nothing better
            // can be done with the error than to keep going.
            let _ = f.write(line.as_bytes());
        }
        if self.syslog {
            // Each line of a record separately, as the reference's handler does.
            for l in line.trim_end_matches('\n').split('\n') {
                sv_sys::syslog::send(l);
            }
        }
        if self.echo
            && let Some(sink) = &self.forward
        {
            let _ = sink.push(super::forward::Fd::Out, line.as_bytes(), 1);
        } else if self.echo {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(line.as_bytes());
            let _ = out.flush();
        }
    }

    /// Reopens the file (SIGUSR2).
    pub fn reopen(&mut self) {
        if let Some(f) = self.file.as_mut() {
            let _ = f.reopen();
        }
    }
}
