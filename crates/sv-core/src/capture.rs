//! Capture mode (`*_capture_maxbytes > 0`): output between
//! `<!--XSUPERVISOR:BEGIN-->` and `<!--XSUPERVISOR:END-->` is kept out of
//! the log and becomes a `PROCESS_COMMUNICATION_*` event. Tokens split across
//! reads are found; only a possible token prefix at the end of a read is
//! held back (the reference holds back any short output and can lose it at
//! exit, quirk Q9), and [`Capture::finish`] releases it. Pure.

/// Start of a captured block.
pub const BEGIN: &[u8] = b"<!--XSUPERVISOR:BEGIN-->";
/// End of a captured block.
pub const END: &[u8] = b"<!--XSUPERVISOR:END-->";

/// What a piece of output becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Ordinary output: to the log (and PROCESS_LOG events).
    Log(Vec<u8>),
    /// Output inside a block (also a PROCESS_LOG event, not logged to the file).
    Captured(Vec<u8>),
    /// A completed block: one PROCESS_COMMUNICATION event.
    Comm(Vec<u8>),
}

/// The capture state of one output channel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capture {
    maxbytes: usize,
    capturing: bool,
    held: Vec<u8>,
    block: Vec<u8>,
}

/// Length of the longest suffix of `data` that is a proper prefix of `token`.
fn prefix_at_end(data: &[u8], token: &[u8]) -> usize {
    (1..token.len().min(data.len() + 1)).rev().find(|&n| data.ends_with(&token[..n])).unwrap_or(0)
}

impl Capture {
    /// Capture mode with a block of at most `maxbytes`.
    pub fn new(maxbytes: usize) -> Self {
        Capture { maxbytes, ..Capture::default() }
    }

    fn keep(&mut self, data: &[u8]) {
        self.block.extend_from_slice(data);
        if self.block.len() > self.maxbytes {
            let excess = self.block.len() - self.maxbytes;
            self.block.drain(..excess);
        }
    }

    /// Splits newly read output.
    pub fn feed(&mut self, data: &[u8]) -> Vec<Piece> {
        let mut out = Vec::new();
        let mut buf = std::mem::take(&mut self.held);
        buf.extend_from_slice(data);
        loop {
            let token = if self.capturing { END } else { BEGIN };
            match buf.windows(token.len()).position(|w| w == token) {
                Some(i) => {
                    let before = buf[..i].to_vec();
                    if self.capturing {
                        if !before.is_empty() {
                            self.keep(&before);
                            out.push(Piece::Captured(before));
                        }
                        out.push(Piece::Comm(std::mem::take(&mut self.block)));
                    } else if !before.is_empty() {
                        out.push(Piece::Log(before));
                    }
                    self.capturing = !self.capturing;
                    buf.drain(..i + token.len());
                }
                None => {
                    let hold = prefix_at_end(&buf, token);
                    self.held = buf.split_off(buf.len() - hold);
                    if !buf.is_empty() {
                        if self.capturing {
                            self.keep(&buf);
                            out.push(Piece::Captured(buf));
                        } else {
                            out.push(Piece::Log(buf));
                        }
                    }
                    return out;
                }
            }
        }
    }

    /// At end of output: whatever was held back.
    pub fn finish(&mut self) -> Vec<Piece> {
        let held = std::mem::take(&mut self.held);
        if held.is_empty() {
            Vec::new()
        } else if self.capturing {
            vec![Piece::Captured(held)]
        } else {
            vec![Piece::Log(held)]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(s: &str) -> Piece {
        Piece::Log(s.as_bytes().to_vec())
    }
    fn c(s: &str) -> Piece {
        Piece::Captured(s.as_bytes().to_vec())
    }
    fn m(s: &str) -> Piece {
        Piece::Comm(s.as_bytes().to_vec())
    }

    #[test]
    fn a_block_in_one_read() {
        let mut cap = Capture::new(1024);
        let out =
            cap.feed(b"before<!--XSUPERVISOR:BEGIN-->comm data here<!--XSUPERVISOR:END-->after\n");
        assert_eq!(out, [l("before"), c("comm data here"), m("comm data here"), l("after\n")]);
    }

    #[test]
    fn tokens_split_across_reads_and_short_output_is_not_lost() {
        let mut cap = Capture::new(1024);
        assert_eq!(cap.feed(b"hi\n<!--XSUPER"), [l("hi\n")]);
        assert_eq!(cap.feed(b"VISOR:BEGIN-->ab"), [c("ab")]);
        assert_eq!(cap.feed(b"c<!--XSUPERVISOR:EN"), [c("c")]);
        assert_eq!(cap.feed(b"D-->x"), [m("abc"), l("x")]);
        assert_eq!(cap.feed(b"<!--"), []);
        assert_eq!(
            cap.finish(),
            [l("<!--")],
            "held back only while it could be a token, then released"
        );
    }

    #[test]
    fn the_block_is_bounded() {
        let mut cap = Capture::new(4);
        let out = cap.feed(b"<!--XSUPERVISOR:BEGIN-->abcdefgh<!--XSUPERVISOR:END-->");
        assert_eq!(out.last(), Some(&m("efgh")));
    }
}
