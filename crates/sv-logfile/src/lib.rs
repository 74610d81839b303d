//! Log files, synchronous and deterministic: [`RotatingFile`] (append,
//! rotate after a write crosses `maxbytes`, keep `backups`), the main log's
//! line format ([`format_line`]), and AUTO child log names and cleanup.
//!
//! Nothing here reads a clock: timestamps come in as [`Timestamp`].

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use sv_config::LogLevel;

/// A local date and time, as the main log prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp {
    /// Year.
    pub year: i32,
    /// Month 1-12.
    pub month: u32,
    /// Day 1-31.
    pub day: u32,
    /// Hour 0-23.
    pub hour: u32,
    /// Minute.
    pub minute: u32,
    /// Second.
    pub second: u32,
    /// Millisecond 0-999 (truncated, not rounded).
    pub millis: u32,
}

/// One main-log line: `YYYY-MM-DD HH:MM:SS,mmm LEVEL message\n`.
pub fn format_line(ts: Timestamp, level: LogLevel, msg: &str) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02},{:03} {} {msg}\n",
        ts.year,
        ts.month,
        ts.day,
        ts.hour,
        ts.minute,
        ts.second,
        ts.millis,
        level.tag()
    )
}

/// A file that is appended to and rotated the way the reference rotates:
/// after a write, when the size reached `maxbytes` (> 0), `f.N-1` -> `f.N`
/// ... `f` -> `f.1`, and a new empty `f`; with no backups, `f` is truncated.
/// A single write is never split, so no byte is lost to rotation while the
/// output stays within the retained size.
#[derive(Debug)]
pub struct RotatingFile {
    path: PathBuf,
    file: File,
    size: u64,
    maxbytes: u64,
    backups: u32,
}

impl RotatingFile {
    /// Opens (creates) `path` for appending.
    pub fn open(path: &Path, maxbytes: i64, backups: i64) -> io::Result<Self> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        let size = file.metadata()?.len();
        Ok(RotatingFile {
            path: path.to_owned(),
            file,
            size,
            maxbytes: u64::try_from(maxbytes).unwrap_or(0),
            backups: u32::try_from(backups).unwrap_or(0),
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `data`, then rotates if the file reached `maxbytes`.
    /// Returns whether it rotated.
    pub fn write(&mut self, data: &[u8]) -> io::Result<bool> {
        self.file.write_all(data)?;
        self.size += data.len() as u64;
        if self.maxbytes > 0 && self.size >= self.maxbytes {
            self.rollover()?;
            return Ok(true);
        }
        Ok(false)
    }

    fn backup(&self, n: u32) -> PathBuf {
        let mut s = self.path.clone().into_os_string();
        s.push(format!(".{n}"));
        PathBuf::from(s)
    }

    /// Rotates now.
    pub fn rollover(&mut self) -> io::Result<()> {
        if self.backups > 0 {
            for i in (1..self.backups).rev() {
                let src = self.backup(i);
                if src.exists() {
                    std::fs::rename(&src, self.backup(i + 1))?;
                }
            }
            std::fs::rename(&self.path, self.backup(1))?;
        }
        self.file = OpenOptions::new().create(true).write(true).truncate(true).open(&self.path)?;
        self.size = 0;
        Ok(())
    }

    /// Reopens the path (after it was moved away, for SIGUSR2).
    pub fn reopen(&mut self) -> io::Result<()> {
        self.file = OpenOptions::new().create(true).append(true).open(&self.path)?;
        self.size = self.file.metadata()?.len();
        Ok(())
    }
}

/// Whether `name` is an AUTO child log of `identifier` (the reference's
/// cleanup pattern `.+?---<identifier>-\S+\.log\.{0,1}\d{0,4}`, matched at
/// the start of the name).
pub fn is_auto_log_name(name: &str, identifier: &str) -> bool {
    let marker = format!("---{identifier}-");
    name.match_indices(&marker).filter(|(i, _)| *i >= 1).any(|(i, m)| {
        let rest = &name[i + m.len()..];
        let word = &rest[..rest.find(char::is_whitespace).unwrap_or(rest.len())];
        word.match_indices(".log").any(|(j, _)| j > 0)
    })
}

/// The prefix of an AUTO child log name: `<process>-<channel>---<identifier>-`.
pub fn auto_log_prefix(process: &str, channel: &str, identifier: &str) -> String {
    format!("{process}-{channel}---{identifier}-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_format() {
        let ts =
            Timestamp { year: 2026, month: 11, day: 2, hour: 3, minute: 4, second: 5, millis: 7 };
        assert_eq!(
            format_line(ts, LogLevel::Info, "spawned: 'a' with pid 1"),
            "2026-11-02 03:04:05,007 INFO spawned: 'a' with pid 1\n"
        );
        assert_eq!(format_line(ts, LogLevel::Critical, "x"), "2026-11-02 03:04:05,007 CRIT x\n");
    }

    #[test]
    fn rotation_keeps_every_byte_within_the_retained_size() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.log");
        let mut f = RotatingFile::open(&p, 100, 5).unwrap();
        let mut written = Vec::new();
        for i in 0..40u8 {
            let chunk = vec![b'a' + (i % 26); 7 + (i as usize % 5)];
            f.write(&chunk).unwrap();
            written.extend_from_slice(&chunk);
        }
        let mut all = Vec::new();
        for n in (1..=5).rev() {
            let b = dir.path().join(format!("out.log.{n}"));
            if let Ok(data) = std::fs::read(&b) {
                assert!(data.len() >= 100, "a rotated file holds at least maxbytes");
                all.extend(data);
            }
        }
        all.extend(std::fs::read(&p).unwrap());
        assert_eq!(all, written);
    }

    #[test]
    fn a_single_large_write_is_not_split_and_no_backups_truncates() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("rot.log");
        let mut f = RotatingFile::open(&p, 200, 1).unwrap();
        assert!(f.write(&[b'x'; 750]).unwrap(), "rotated");
        assert_eq!(std::fs::read(dir.path().join("rot.log.1")).unwrap().len(), 750);
        assert_eq!(std::fs::read(&p).unwrap().len(), 0);
        let q = dir.path().join("nob.log");
        let mut g = RotatingFile::open(&q, 10, 0).unwrap();
        g.write(b"0123456789abc").unwrap();
        assert_eq!(std::fs::read(&q).unwrap().len(), 0);
        assert!(!dir.path().join("nob.log.1").exists());
        assert!(!g.write(b"abc").unwrap(), "not rotated");
        assert_eq!(std::fs::read(&q).unwrap(), b"abc");
    }

    #[test]
    fn reopen_after_move() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.log");
        let mut f = RotatingFile::open(&p, 0, 0).unwrap();
        f.write(b"one\n").unwrap();
        std::fs::rename(&p, dir.path().join("moved.log")).unwrap();
        f.reopen().unwrap();
        f.write(b"two\n").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two\n");
    }

    #[test]
    fn auto_log_names() {
        let cases = [
            ("web-stdout---supervisor-cw5tsa9_.log", true),
            ("web-stdout---supervisor-cw5tsa9_.log.1", true),
            ("web-stderr---supervisor-abcdefgh.log.10", true),
            ("web-stdout---other-abcdefgh.log", false),
            ("---supervisor-abc.log", false),
            ("web-stdout---supervisor-.log", false),
            ("plain.log", false),
        ];
        for (name, want) in cases {
            assert_eq!(is_auto_log_name(name, "supervisor"), want, "{name}");
        }
        assert_eq!(auto_log_prefix("web", "stdout", "supervisor"), "web-stdout---supervisor-");
    }
}

/// Removes ANSI escape sequences (`ESC [` up to and including the first of
/// `HfABCDRsuJKhlpm`), as the reference's `strip_ansi` does.
pub fn strip_ansi(data: &[u8]) -> Vec<u8> {
    const TERMINATORS: &[u8] = b"HfABCDRsuJKhlpm";
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    let mut show = true;
    while i < data.len() {
        if !show && TERMINATORS.contains(&data[i]) {
            show = true;
        } else if show {
            match data[i..].windows(2).position(|w| w == b"\x1b[") {
                None => {
                    out.extend_from_slice(&data[i..]);
                    return out;
                }
                Some(n) => {
                    out.extend_from_slice(&data[i..i + n]);
                    i += n;
                    show = false;
                }
            }
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod strip_tests {
    use super::strip_ansi;

    #[test]
    fn strips_like_the_reference() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"plain", b"plain"),
            (b"\x1b[31mred\x1b[0m!", b"red!"),
            (b"a\x1b[2Jb", b"ab"),
            (b"\x1b[1;32", b""),
            (b"x\x1b", b"x\x1b"),
        ];
        for (input, want) in cases {
            assert_eq!(strip_ansi(input), *want, "{input:?}");
        }
    }
}
