//! Command-line parsing with the semantics of Python's `getopt.getopt`, which
//! the reference's programs use: combined short flags (`-nc file`), `--long
//! value` and `--long=value`, unique-prefix long options, parsing stops at the
//! first non-option, and the exact error texts (`option -x not recognized`).
//!
//! Hand-written because clap and lexopt have different prefix, ordering and
//! error semantics, and scripts and users see these messages. Pure.

/// One option the program accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptSpec {
    /// Short letter, if any.
    pub short: Option<char>,
    /// Long name without dashes, if any.
    pub long: Option<&'static str>,
    /// Whether it takes a value.
    pub has_arg: bool,
    /// Long names that must be typed in full (our extensions, so that they
    /// never make a reference prefix ambiguous).
    pub exact_only: bool,
}

impl OptSpec {
    /// An option with a short and/or long name.
    pub const fn new(short: Option<char>, long: Option<&'static str>, has_arg: bool) -> Self {
        OptSpec { short, long, has_arg, exact_only: false }
    }

    /// A long option that is only recognised in full.
    pub const fn exact(long: &'static str, has_arg: bool) -> Self {
        OptSpec { short: None, long: Some(long), has_arg, exact_only: true }
    }
}

/// One parsed option: the spec it matched, how it was written (`-c` or
/// `--configuration`), and its value (empty for flags).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// Index into the spec table.
    pub index: usize,
    /// The option as getopt reports it: `-c` or `--configuration`.
    pub written: String,
    /// The value, or `""` for flags.
    pub value: String,
}

/// What getopt refuses, in its words (`option -x not recognized`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetoptError(pub String);

impl std::fmt::Display for GetoptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for GetoptError {
    fn from(message: String) -> Self {
        GetoptError(message)
    }
}

/// Parses `args` (without the program name). Returns options and the
/// remaining positional arguments.
pub fn getopt(
    args: &[String],
    specs: &[OptSpec],
) -> Result<(Vec<Parsed>, Vec<String>), GetoptError> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if a == "--" {
            i += 1;
            break;
        }
        if !a.starts_with('-') || a == "-" {
            break;
        }
        i += 1;
        if let Some(long) = a.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (long, None),
            };
            let index = find_long(name, specs)?;
            let spec = specs[index];
            let full = spec.long.unwrap_or(name);
            let value = if spec.has_arg {
                match inline {
                    Some(v) => v,
                    None => {
                        let Some(v) = args.get(i) else {
                            return Err(GetoptError(format!("option --{full} requires argument")));
                        };
                        i += 1;
                        v.clone()
                    }
                }
            } else {
                if inline.is_some() {
                    return Err(GetoptError(format!("option --{full} must not have an argument")));
                }
                String::new()
            };
            out.push(Parsed { index, written: format!("--{full}"), value });
        } else {
            let chars: Vec<char> = a[1..].chars().collect();
            let mut j = 0;
            while j < chars.len() {
                let c = chars[j];
                j += 1;
                let Some(index) = specs.iter().position(|s| s.short == Some(c)) else {
                    return Err(GetoptError(format!("option -{c} not recognized")));
                };
                let value = if specs[index].has_arg {
                    let rest: String = chars[j..].iter().collect();
                    j = chars.len();
                    if rest.is_empty() {
                        let Some(v) = args.get(i) else {
                            return Err(GetoptError(format!("option -{c} requires argument")));
                        };
                        i += 1;
                        v.clone()
                    } else {
                        rest
                    }
                } else {
                    String::new()
                };
                out.push(Parsed { index, written: format!("-{c}"), value });
            }
        }
    }
    Ok((out, args[i..].to_vec()))
}

fn find_long(name: &str, specs: &[OptSpec]) -> Result<usize, String> {
    if let Some(i) = specs.iter().position(|s| s.long == Some(name)) {
        return Ok(i);
    }
    let matches: Vec<usize> = specs
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.exact_only && s.long.is_some_and(|l| l.starts_with(name)))
        .map(|(i, _)| i)
        .collect();
    match matches.len() {
        0 => Err(format!("option --{name} not recognized")),
        1 => Ok(matches[0]),
        _ => Err(format!("option --{name} not a unique prefix")),
    }
}

/// Python's `str(list_of_strings)`, used in "positional arguments are not
/// supported: ['foo']".
pub fn py_list(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| sv_config::pyrepr::py_repr(s)).collect();
    format!("[{}]", inner.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: &[OptSpec] = &[
        OptSpec::new(Some('c'), Some("configuration"), true),
        OptSpec::new(Some('n'), Some("nodaemon"), false),
        OptSpec::new(Some('l'), Some("logfile"), true),
        OptSpec::new(Some('z'), Some("logfile_backups"), true),
        OptSpec::new(None, Some("loglevel"), true),
        OptSpec::exact("check-config", false),
    ];

    type Pairs = Vec<(String, String)>;

    fn run(args: &[&str]) -> Result<(Pairs, Vec<String>), String> {
        let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        getopt(&args, SPECS)
            .map(|(o, rest)| (o.into_iter().map(|p| (p.written, p.value)).collect(), rest))
            .map_err(|e| e.0)
    }

    fn opts(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
    }

    #[test]
    fn accepted_forms() {
        type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a [&'a str]);
        let cases: &[Case<'_>] = &[
            (&["-c", "f"], &[("-c", "f")], &[]),
            (&["-cf"], &[("-c", "f")], &[]),
            (&["-nc", "f"], &[("-n", ""), ("-c", "f")], &[]),
            (&["--configuration", "f"], &[("--configuration", "f")], &[]),
            (&["--configuration=f"], &[("--configuration", "f")], &[]),
            (&["--conf=f"], &[("--configuration", "f")], &[]),
            (&["--logfile", "x"], &[("--logfile", "x")], &[]),
            (&["--check-config"], &[("--check-config", "")], &[]),
            (&["-n", "foo", "-c", "x"], &[("-n", "")], &["foo", "-c", "x"]),
            (&["-n", "--", "-c"], &[("-n", "")], &["-c"]),
            (&["-"], &[], &["-"]),
        ];
        for (args, want, rest) in cases {
            let (o, r) = run(args).unwrap();
            assert_eq!(o, opts(want), "{args:?}");
            assert_eq!(r, rest.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>(), "{args:?}");
        }
    }

    #[test]
    fn errors_match_getopt() {
        let cases: &[(&[&str], &str)] = &[
            (&["-x"], "option -x not recognized"),
            (&["--foo"], "option --foo not recognized"),
            (&["-c"], "option -c requires argument"),
            (&["--configuration"], "option --configuration requires argument"),
            (&["--log"], "option --log not a unique prefix"),
            (&["--nodaemon=1"], "option --nodaemon must not have an argument"),
            (&["--check"], "option --check not recognized"),
        ];
        for (args, want) in cases {
            assert_eq!(run(args).unwrap_err(), *want, "{args:?}");
        }
    }

    #[test]
    fn python_list_repr() {
        assert_eq!(py_list(&["foo".into(), "it's".into()]), "['foo', \"it's\"]");
    }
}
