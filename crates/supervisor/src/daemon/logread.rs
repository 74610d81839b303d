//! Reading parts of log files for `read*Log`, `tail*Log`, `supervisorctl
//! tail` and the tail page, with the reference's rules (its `readFile` and
//! `tailFile`) but at the cost of what is returned: the file is opened,
//! its size taken, and only the wanted range is read after a seek. A
//! 2 GB log costs the same as a 2 KB one.
//!
//! Offsets are computed in 128 bits, so the reference's unbounded
//! arithmetic holds for any 64-bit value a client sends.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

use sv_xmlrpc::Fault;

use crate::api::types::Tail;

use crate::faults::{BAD_ARGUMENTS, NO_FILE, fault};

/// Reads the bytes `start..start+len` of `f` (fewer at its end).
fn read_range(f: &mut File, start: u64, len: u64) -> std::io::Result<Vec<u8>> {
    f.seek(SeekFrom::Start(start))?;
    let mut out = Vec::new();
    f.take(len).read_to_end(&mut out)?;
    Ok(out)
}

/// The byte range `readFile(offset, length)` returns from a file of
/// `size` bytes, or `None` for `BAD_ARGUMENTS`.
pub fn read_range_of(size: u64, offset: i64, length: i64) -> Option<(u64, u64)> {
    if (offset < 0 && length != 0) || length < 0 {
        return None;
    }
    let size = i128::from(size);
    let (start, end) = if offset < 0 {
        ((size + i128::from(offset)).max(0), size)
    } else if length == 0 {
        (i128::from(offset).min(size), size)
    } else {
        let start = i128::from(offset).min(size);
        (start, (i128::from(offset) + i128::from(length)).min(size))
    };
    Some((start as u64, (end - start).max(0) as u64))
}

/// `readFile`: `length` bytes at `offset`; a negative offset counts from
/// the end (then `length` must be 0); length 0 means to the end.
pub fn read_file(path: &str, offset: i64, length: i64) -> Result<String, Fault> {
    if read_range_of(0, offset, length).is_none() {
        return Err(fault(BAD_ARGUMENTS, None));
    }
    let no_file = || fault(NO_FILE, Some(path));
    let mut f = File::open(path).map_err(|_| no_file())?;
    let size = f.metadata().map_err(|_| no_file())?.len();
    let (start, len) = read_range_of(size, offset, length).ok_or_else(no_file)?;
    let data = read_range(&mut f, start, len).map_err(|_| no_file())?;
    Ok(String::from_utf8_lossy(&data).into_owned())
}

/// The reference's `tailFile` arithmetic: `(start, len, overflow)` for a
/// file of `size` bytes.
pub fn tail_range_of(size: u64, offset: i64, length: i64) -> (u64, u64, bool) {
    let sz = i128::from(size);
    let (mut offset, mut length) = (i128::from(offset), i128::from(length));
    let mut overflow = false;
    if sz > offset + length {
        overflow = true;
        offset = sz - 1;
    }
    if offset + length > sz {
        if offset > sz - 1 {
            length = 0;
        }
        offset = sz - length;
    }
    let offset = offset.clamp(0, sz);
    let length = length.clamp(0, sz - offset);
    (offset as u64, length as u64, overflow)
}

/// `tailFile`: `[data, size, overflow]`; a missing file gives `["", 0, false]`.
pub fn tail_file(path: Option<&str>, offset: i64, length: i64) -> Tail {
    let Some(mut f) = path.and_then(|p| File::open(p).ok()) else { return Tail::default() };
    let Ok(size) = f.metadata().map(|m| m.len()) else { return Tail::default() };
    let (start, len, overflow) = tail_range_of(size, offset, length);
    let data =
        if len > 0 { read_range(&mut f, start, len).unwrap_or_default() } else { Vec::new() };
    Tail {
        bytes: String::from_utf8_lossy(&data).into_owned(),
        offset: i64::try_from(size).unwrap_or(i64::MAX),
        overflow,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_like_the_reference() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.log");
        std::fs::write(&p, "hello\n").unwrap();
        let p = p.to_str().unwrap();
        let t = |o, l| tail_file(Some(p), o, l);
        let v = |s: &str, n, o| Tail { bytes: s.into(), offset: n, overflow: o };
        assert_eq!(t(0, 100), v("hello\n", 6, false));
        assert_eq!(t(0, 3), v("lo\n", 6, true));
        assert_eq!(t(100, 3), v("", 6, false));
        assert_eq!(t(2, 3), v("lo\n", 6, true));
        assert_eq!(tail_file(None, 0, 10), v("", 0, false));
        assert_eq!(tail_file(Some("/nonexistent"), 5, 10), v("", 0, false));
        // Extreme offsets from a hostile client never panic.
        for (o, l) in [
            (i64::MAX, i64::MAX),
            (i64::MIN, i64::MAX),
            (i64::MAX, i64::MIN),
            (i64::MIN, i64::MIN),
            (-1, 5),
        ] {
            let _ = tail_file(Some(p), o, l);
            let _ = read_file(p, o, l);
        }
    }

    /// `(size, offset, length) -> (start, len, overflow)`, computed by the
    /// reference's `tailFile` with Python integers.
    #[test]
    fn tail_ranges() {
        type Case = (u64, i64, i64, (u64, u64, bool));
        let cases: &[Case] = &[
            (6, 0, 100, (0, 6, false)),
            (6, 0, 3, (3, 3, true)),
            (6, 100, 3, (6, 0, false)),
            (0, 0, 1600, (0, 0, false)),
            (2 << 30, 0, 1600, ((2 << 30) - 1600, 1600, true)),
            (2 << 30, (2 << 30) - 10, 1600, ((2 << 30) - 1600, 1600, false)),
            (10, i64::MAX, i64::MAX, (10, 0, false)),
            (10, i64::MIN, i64::MIN, (9, 0, true)),
            (6, 2, 3, (3, 3, true)),
        ];
        for (size, o, l, want) in cases {
            assert_eq!(tail_range_of(*size, *o, *l), *want, "tail({size}, {o}, {l})");
        }
    }

    #[test]
    fn read_like_the_reference() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.log");
        std::fs::write(&p, "out\nerr\nred\n").unwrap();
        let p = p.to_str().unwrap();
        assert_eq!(read_file(p, 4, 3).unwrap(), "err");
        assert_eq!(read_file(p, 400, 0).unwrap(), "");
        assert_eq!(read_file(p, -4, 0).unwrap(), "red\n");
        assert_eq!(read_file(p, -400, 0).unwrap(), "out\nerr\nred\n");
        assert_eq!(read_file(p, 0, 0).unwrap(), "out\nerr\nred\n");
        assert_eq!(read_file(p, 10, i64::MAX).unwrap(), "d\n");
        assert_eq!(read_file(p, -10, 5).unwrap_err().code, BAD_ARGUMENTS);
        assert_eq!(read_file(p, 0, -5).unwrap_err().code, BAD_ARGUMENTS);
        assert_eq!(read_file("/nonexistent", 0, 1).unwrap_err().text, "NO_FILE: /nonexistent");
    }

    #[test]
    fn a_large_sparse_file_is_read_at_the_cost_of_the_answer() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.log");
        let f = File::create(&p).unwrap();
        f.set_len(4 << 30).unwrap();
        drop(f);
        let p = p.to_str().unwrap();
        let tail = tail_file(Some(p), 0, 1600);
        assert_eq!(tail.bytes.len(), 1600);
        assert_eq!(tail.offset, 4 << 30);
        assert_eq!(read_file(p, -100, 0).unwrap().len(), 100);
    }
}
