//! Splitting a `command=` line into argv: Python's `shlex.split` (POSIX
//! mode, no comments), which the reference uses, with its error texts.
//! Hand-written because the `shlex` crate reports errors without the reason
//! and treats `\r` differently. Pure.

/// A command line that cannot be split, with the reference's message
/// (`can't parse command '<command>': <why>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadCommand(pub String);

/// Splits `command` into words.
pub fn split_command(command: &str) -> Result<Vec<String>, BadCommand> {
    shlex_split(command).map_err(|why| {
        BadCommand(format!("can't parse command {}: {why}", sv_config::pyrepr::py_repr(command)))
    })
}

fn shlex_split(s: &str) -> Result<Vec<String>, &'static str> {
    #[derive(PartialEq, Clone, Copy)]
    enum St {
        Space,
        Word,
        Quote(char),
        Escape(Option<char>),
    }
    let is_space = |c: char| " \t\r\n".contains(c);
    let mut words = Vec::new();
    let mut tok = String::new();
    let mut quoted = false;
    let mut st = St::Space;
    for c in s.chars() {
        match st {
            St::Space | St::Word => {
                if is_space(c) {
                    if st == St::Word || quoted {
                        words.push(std::mem::take(&mut tok));
                        quoted = false;
                    }
                    st = St::Space;
                } else if c == '\\' {
                    st = St::Escape(None);
                } else if c == '\'' || c == '"' {
                    quoted = true;
                    st = St::Quote(c);
                } else {
                    tok.push(c);
                    st = St::Word;
                }
            }
            St::Quote(q) => {
                if c == q {
                    st = St::Word;
                } else if q == '"' && c == '\\' {
                    st = St::Escape(Some(q));
                } else {
                    tok.push(c);
                }
            }
            St::Escape(inside) => {
                // Inside double quotes only \\ and \" are escapes.
                if let Some(q) = inside
                    && c != '\\'
                    && c != q
                {
                    tok.push('\\');
                }
                tok.push(c);
                st = match inside {
                    Some(q) => St::Quote(q),
                    None => St::Word,
                };
            }
        }
    }
    match st {
        St::Quote(_) => Err("No closing quotation"),
        St::Escape(_) => Err("No escaped character"),
        St::Word => {
            words.push(tok);
            Ok(words)
        }
        St::Space => {
            if quoted {
                words.push(tok);
            }
            Ok(words)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::split_command;

    #[test]
    fn splits_like_python_shlex() {
        // Each expectation was produced by Python 3.11's shlex.split.
        let cases: &[(&str, &[&str])] = &[
            ("/bin/cat", &["/bin/cat"]),
            ("  a   b  ", &["a", "b"]),
            ("sh -c 'echo a; b'", &["sh", "-c", "echo a; b"]),
            ("echo \"a \\\"q\\\" \\n\"", &["echo", "a \"q\" \\n"]),
            ("a\\ b c", &["a b", "c"]),
            ("x '' y", &["x", "", "y"]),
            ("a'b'c\"d\"", &["abcd"]),
            ("echo #notcomment", &["echo", "#notcomment"]),
            ("multi\nline", &["multi", "line"]),
            ("", &[]),
        ];
        for (cmd, want) in cases {
            assert_eq!(split_command(cmd).unwrap(), want.to_vec(), "{cmd:?}");
        }
        assert_eq!(
            split_command("echo 'open").unwrap_err().0,
            "can't parse command \"echo 'open\": No closing quotation"
        );
        assert_eq!(
            split_command("echo \\").unwrap_err().0,
            "can't parse command 'echo \\\\': No escaped character"
        );
    }
}
