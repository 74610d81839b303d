//! `%(name)s` expansion: Python's `str % mapping`, which Supervisor uses for
//! every expandable value (`%(here)s`, `%(ENV_HOME)s`, `%(process_num)02d`,
//! `%%`, ...), and its two error messages.
//!
//! Written by hand because the exact semantics are Python's printf-style
//! formatting (flags, width, precision, `s`/`r`/`d`/`x`/... conversions, key
//! lookup order, error wording), which no Rust crate reproduces. Pure.

use std::collections::BTreeMap;
use std::fmt;

use crate::pyrepr::py_repr;

/// A value available to expansions: Supervisor only ever offers strings and
/// integers (`process_num`, `numprocs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PyVal {
    /// A string (`here`, `program_name`, `ENV_*`, ...).
    Str(String),
    /// An integer (`process_num`, `numprocs`).
    Int(i64),
}

impl From<&str> for PyVal {
    fn from(s: &str) -> Self {
        PyVal::Str(s.to_owned())
    }
}

impl From<String> for PyVal {
    fn from(s: String) -> Self {
        PyVal::Str(s)
    }
}

/// The names an expansion may use, sorted as Python sorts them.
pub type Expansions = BTreeMap<String, PyVal>;

/// Where an expansion looks names up.
pub trait Lookup {
    /// The value of `key`.
    fn lookup(&self, key: &str) -> Option<&PyVal>;
    /// Every name, sorted, each once (for the error text).
    fn names(&self) -> Vec<String>;
}

impl Lookup for Expansions {
    fn lookup(&self, key: &str) -> Option<&PyVal> {
        self.get(key)
    }

    fn names(&self) -> Vec<String> {
        self.keys().cloned().collect()
    }
}

/// Mappings seen as one, a later one hiding an earlier one's name: what
/// Python's `dict(a); d.update(b)` would hold, without the copy. The
/// loader expands several values of each of thousands of processes with
/// the whole environment plus a few names of the process's own; copying
/// the environment for each was most of the loader's work.
pub struct Layers<'a>(pub &'a [&'a Expansions]);

impl Lookup for Layers<'_> {
    fn lookup(&self, key: &str) -> Option<&PyVal> {
        self.0.iter().rev().find_map(|m| m.get(key))
    }

    fn names(&self) -> Vec<String> {
        let all: std::collections::BTreeSet<&String> =
            self.0.iter().flat_map(|m| m.keys()).collect();
        all.into_iter().cloned().collect()
    }
}

/// Why a format string could not be expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatError {
    /// `%(key)s` names a key that is not available.
    MissingKey(String),
    /// The format itself is broken (`incomplete format`, ...), in Python's words.
    Bad(String),
}

/// An expansion failure with the text the reference prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpandError {
    /// The raw format string.
    pub raw: String,
    /// What was being expanded (`program:x.command` or `stdout_logfile`).
    pub name: String,
    /// What went wrong.
    pub kind: FormatError,
    /// The sorted names that were available.
    pub available: Vec<String>,
}

impl fmt::Display for ExpandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            FormatError::MissingKey(k) => write!(
                f,
                "Format string {} for {} contains names ({}) which cannot be expanded. Available names: {}",
                py_repr(&self.raw),
                py_repr(&self.name),
                py_repr(k),
                self.available.join(", ")
            ),
            FormatError::Bad(why) => write!(
                f,
                "Format string {} for {} is badly formatted: {}",
                py_repr(&self.raw),
                py_repr(&self.name),
                why
            ),
        }
    }
}

/// Expands `raw` against `names`; `name` says what is being expanded, for the
/// error text.
pub fn expand(raw: &str, names: &dyn Lookup, name: &str) -> Result<String, ExpandError> {
    format_mapping(raw, names).map_err(|kind| ExpandError {
        raw: raw.to_owned(),
        name: name.to_owned(),
        kind,
        available: names.names(),
    })
}

/// The widest field and the longest precision a format may ask for. Python
/// refuses only what overflows its integers ("width too big") and would
/// try to build a string of any size below that; a configuration value is
/// never meant to be megabytes long, and one that asks for it gets
/// Python's error instead of the daemon running out of memory.
pub const MAX_FIELD: usize = 1 << 20;

/// Python's `raw % names` for a mapping argument.
pub fn format_mapping(raw: &str, names: &dyn Lookup) -> Result<String, FormatError> {
    let chars: Vec<char> = raw.chars().collect();
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    let incomplete = || FormatError::Bad("incomplete format".to_owned());
    while i < chars.len() {
        let c = chars[i];
        if c != '%' {
            out.push(c);
            i += 1;
            continue;
        }
        i += 1;
        if i >= chars.len() {
            return Err(incomplete());
        }
        // Mapping key, with nested parentheses as Python allows.
        let mut value: Option<&PyVal> = None;
        if chars[i] == '(' {
            let mut depth = 1;
            let start = i + 1;
            i += 1;
            while i < chars.len() && depth > 0 {
                match chars[i] {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                i += 1;
            }
            if depth > 0 {
                return Err(FormatError::Bad("incomplete format key".to_owned()));
            }
            let key: String = chars[start..i - 1].iter().collect();
            value = Some(names.lookup(&key).ok_or(FormatError::MissingKey(key))?);
        }
        let mut left = false;
        let mut zero = false;
        let mut plus = false;
        let mut space = false;
        let mut alt = false;
        while i < chars.len() {
            match chars[i] {
                '-' => left = true,
                '0' => zero = true,
                '+' => plus = true,
                ' ' => space = true,
                '#' => alt = true,
                _ => break,
            }
            i += 1;
        }
        let mut width = 0usize;
        if i < chars.len() && chars[i] == '*' {
            return Err(FormatError::Bad("* wants int".to_owned()));
        }
        while i < chars.len() && chars[i].is_ascii_digit() {
            width = width.saturating_mul(10).saturating_add(chars[i] as usize - '0' as usize);
            i += 1;
        }
        if width > MAX_FIELD {
            return Err(FormatError::Bad("width too big".to_owned()));
        }
        let mut precision: Option<usize> = None;
        if i < chars.len() && chars[i] == '.' {
            i += 1;
            if i < chars.len() && chars[i] == '*' {
                return Err(FormatError::Bad("* wants int".to_owned()));
            }
            let mut p = 0usize;
            while i < chars.len() && chars[i].is_ascii_digit() {
                p = p.saturating_mul(10).saturating_add(chars[i] as usize - '0' as usize);
                i += 1;
            }
            if p > MAX_FIELD {
                return Err(FormatError::Bad("precision too big".to_owned()));
            }
            precision = Some(p);
        }
        while i < chars.len() && matches!(chars[i], 'h' | 'l' | 'L') {
            i += 1;
        }
        if i >= chars.len() {
            return Err(incomplete());
        }
        let conv = chars[i];
        let conv_index = i;
        i += 1;
        if conv == '%' {
            out.push('%');
            continue;
        }
        let spec = Spec { left, zero, plus, space, alt, width, precision };
        let text = convert(conv, conv_index, value, &spec)?;
        out.push_str(&text);
    }
    Ok(out)
}

struct Spec {
    left: bool,
    zero: bool,
    plus: bool,
    space: bool,
    alt: bool,
    width: usize,
    precision: Option<usize>,
}

fn type_name(v: Option<&PyVal>) -> &'static str {
    match v {
        Some(PyVal::Str(_)) => "str",
        Some(PyVal::Int(_)) => "int",
        None => "dict",
    }
}

/// Converts one value. `v` is `None` for a specifier without a mapping key:
/// Python then formats the whole mapping, which no configuration means, so
/// `%s` without a key is an error here (docs/compatibility.md); the other
/// conversions fail as in Python.
fn convert(
    conv: char,
    index: usize,
    v: Option<&PyVal>,
    spec: &Spec,
) -> Result<String, FormatError> {
    let unkeyed = || FormatError::Bad("format requires a mapping key".to_owned());
    let body = match conv {
        's' | 'r' | 'a' => {
            let mut s = match (conv, v.ok_or_else(unkeyed)?) {
                ('s', PyVal::Str(s)) => s.clone(),
                (_, PyVal::Str(s)) => py_repr(s),
                (_, PyVal::Int(n)) => n.to_string(),
            };
            if let Some(p) = spec.precision {
                s = s.chars().take(p).collect();
            }
            return Ok(pad(s, spec, false));
        }
        'd' | 'i' | 'u' | 'x' | 'X' | 'o' => {
            let Some(PyVal::Int(n)) = v else {
                let what =
                    if matches!(conv, 'd' | 'i' | 'u') { "a real number" } else { "an integer" };
                return Err(FormatError::Bad(format!(
                    "%{conv} format: {what} is required, not {}",
                    type_name(v)
                )));
            };
            let mag = n.unsigned_abs();
            let mut digits = match conv {
                'x' => format!("{mag:x}"),
                'X' => format!("{mag:X}"),
                'o' => format!("{mag:o}"),
                _ => mag.to_string(),
            };
            if let Some(p) = spec.precision
                && digits.len() < p
            {
                digits = format!("{}{digits}", "0".repeat(p - digits.len()));
            }
            let prefix = match (spec.alt, conv) {
                (true, 'x') => "0x",
                (true, 'X') => "0X",
                (true, 'o') => "0o",
                _ => "",
            };
            let sign = sign_of(*n < 0, spec);
            return Ok(pad_number(sign, prefix, &digits, spec));
        }
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
            let Some(PyVal::Int(n)) = v else {
                return Err(FormatError::Bad(format!("must be real number, not {}", type_name(v))));
            };
            let x = *n as f64;
            let p = spec.precision.unwrap_or(6);
            let digits = match conv {
                'f' | 'F' => format!("{:.*}", p, x.abs()),
                'e' | 'E' => python_exp(x.abs(), p, conv == 'E'),
                _ => python_general(x.abs(), p, conv == 'G', spec.alt),
            };
            let sign = sign_of(*n < 0, spec);
            return Ok(pad_number(sign, "", &digits, spec));
        }
        'c' => match v.ok_or_else(unkeyed)? {
            PyVal::Int(n) => match u32::try_from(*n).ok().and_then(char::from_u32) {
                Some(c) => c.to_string(),
                None => {
                    return Err(FormatError::Bad("%c arg not in range(0x110000)".to_owned()));
                }
            },
            PyVal::Str(s) if s.chars().count() == 1 => s.clone(),
            PyVal::Str(_) => return Err(FormatError::Bad("%c requires int or char".to_owned())),
        },
        other => {
            return Err(FormatError::Bad(format!(
                "unsupported format character {} (0x{:x}) at index {}",
                py_repr(&other.to_string()),
                other as u32,
                index
            )));
        }
    };
    Ok(pad(body, spec, false))
}

fn sign_of(negative: bool, spec: &Spec) -> &'static str {
    if negative {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    }
}

fn pad(s: String, spec: &Spec, _numeric: bool) -> String {
    let len = s.chars().count();
    if len >= spec.width {
        return s;
    }
    let fill = " ".repeat(spec.width - len);
    if spec.left { s + &fill } else { fill + &s }
}

fn pad_number(sign: &str, prefix: &str, digits: &str, spec: &Spec) -> String {
    let len = sign.len() + prefix.len() + digits.len();
    if len >= spec.width {
        return format!("{sign}{prefix}{digits}");
    }
    let n = spec.width - len;
    if spec.left {
        format!("{sign}{prefix}{digits}{}", " ".repeat(n))
    } else if spec.zero {
        format!("{sign}{prefix}{}{digits}", "0".repeat(n))
    } else {
        format!("{}{sign}{prefix}{digits}", " ".repeat(n))
    }
}

fn python_exp(x: f64, p: usize, upper: bool) -> String {
    let s = format!("{:.*e}", p, x);
    // Rust writes `1.5e3`; Python writes `1.5e+03`.
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let e = if upper { 'E' } else { 'e' };
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mant}{e}{sign}{:02}", exp.abs())
}

fn python_general(x: f64, p: usize, upper: bool, alt: bool) -> String {
    let p = p.max(1);
    // Python decides on the exponent of x rounded to p significant digits
    // (9.9999 at p=2 is "10", exponent 1), which is the exponent of its
    // %e form at p-1 decimals. (This also keeps libm out of the binary.)
    let exp = if x == 0.0 {
        0
    } else {
        let e = format!("{:.*e}", p - 1, x);
        e.rsplit_once('e').and_then(|(_, n)| n.parse::<i32>().ok()).unwrap_or(0)
    };
    if exp < -4 || exp >= p as i32 {
        let s = python_exp(x, p - 1, upper);
        if alt {
            return s;
        }
        let (m, e) = s.split_once(['e', 'E']).unwrap_or((&s, ""));
        let m = if m.contains('.') { m.trim_end_matches('0').trim_end_matches('.') } else { m };
        let letter = if upper { 'E' } else { 'e' };
        format!("{m}{letter}{e}")
    } else {
        let decimals = (p as i32 - 1 - exp).max(0) as usize;
        let s = format!("{:.*}", decimals, x);
        if alt || !s.contains('.') {
            s
        } else {
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        }
    }
}

#[cfg(test)]
mod tests {

    /// Layers answer as the merged dict would: the later layer's value for a
    /// name both have, and every name once, sorted, in the error text.
    #[test]
    fn layers_read_as_one_merged_mapping() {
        let mut env = Expansions::new();
        env.insert("ENV_A".into(), PyVal::from("env"));
        env.insert("ENV_B".into(), PyVal::from("b"));
        let mut own = Expansions::new();
        own.insert("ENV_A".into(), PyVal::from("own"));
        own.insert("here".into(), PyVal::from("/h"));
        let names = Layers(&[&env, &own]);
        assert_eq!(format_mapping("%(ENV_A)s %(ENV_B)s %(here)s", &names).unwrap(), "own b /h");
        let e = expand("%(nope)s", &names, "x").unwrap_err();
        assert_eq!(e.available, ["ENV_A", "ENV_B", "here"]);
    }

    use super::*;

    fn names() -> Expansions {
        let mut m = Expansions::new();
        m.insert("here".into(), "/etc".into());
        m.insert("program_name".into(), "web".into());
        m.insert("process_num".into(), PyVal::Int(3));
        m.insert("neg".into(), PyVal::Int(-7));
        m
    }

    #[test]
    fn expansions_match_python() {
        // Each expected value was produced by CPython 3.11's `%` operator.
        let cases: &[(&str, &str)] = &[
            ("plain", "plain"),
            ("%(here)s/x", "/etc/x"),
            ("%%", "%"),
            ("100%%", "100%"),
            ("%(program_name)s_%(process_num)02d", "web_03"),
            ("%(process_num)d", "3"),
            ("%(process_num)3d|", "  3|"),
            ("%(process_num)-3d|", "3  |"),
            ("%(process_num)+d", "+3"),
            ("%(neg)05d", "-0007"),
            ("%(process_num)x %(process_num)o %(process_num)#x", "3 3 0x3"),
            ("%(process_num)s", "3"),
            ("%(program_name)r", "'web'"),
            ("%(program_name).2s", "we"),
            ("%(program_name)5s|", "  web|"),
            ("%(process_num)f", "3.000000"),
            ("%(process_num).2e", "3.00e+00"),
            ("%(process_num)g", "3"),
            ("%(process_num)ld", "3"),
        ];
        for (raw, want) in cases {
            assert_eq!(format_mapping(raw, &names()).unwrap(), *want, "{raw}");
        }
        // %g rounds before it picks the notation (CPython 3.11 again).
        let mut m = Expansions::new();
        for (k, v) in [("a", 999), ("b", 99950), ("c", 1234567), ("d", 95)] {
            m.insert(k.into(), PyVal::Int(v));
        }
        assert_eq!(
            format_mapping("%(a).2g|%(b).3g|%(c)g|%(d).1g", &m).unwrap(),
            "1e+03|1e+05|1.23457e+06|1e+02"
        );
    }

    #[test]
    fn errors_match_python() {
        let cases: &[(&str, FormatError)] = &[
            ("/bin/echo 100%", FormatError::Bad("incomplete format".into())),
            ("%(nope)s", FormatError::MissingKey("nope".into())),
            ("%(nope)", FormatError::MissingKey("nope".into())),
            ("%(here)", FormatError::Bad("incomplete format".into())),
            (
                "%(here)b",
                FormatError::Bad("unsupported format character 'b' (0x62) at index 7".into()),
            ),
            ("%(here)d", FormatError::Bad("%d format: a real number is required, not str".into())),
            ("%(here)x", FormatError::Bad("%x format: an integer is required, not str".into())),
            ("%(here", FormatError::Bad("incomplete format key".into())),
            ("a%b", FormatError::Bad("unsupported format character 'b' (0x62) at index 2".into())),
            ("%d", FormatError::Bad("%d format: a real number is required, not dict".into())),
            ("%s", FormatError::Bad("format requires a mapping key".into())),
            // Python's words where its integers overflow, and ours past
            // MAX_FIELD (Python would build a string of that size).
            ("%(here)99999999999999999999s", FormatError::Bad("width too big".into())),
            ("%(here)1048577s", FormatError::Bad("width too big".into())),
            ("%(here).1048577s", FormatError::Bad("precision too big".into())),
            ("%(here)9223372036854775806d", FormatError::Bad("width too big".into())),
        ];
        for (raw, want) in cases {
            assert_eq!(format_mapping(raw, &names()).unwrap_err(), *want, "{raw}");
        }
    }

    #[test]
    fn error_texts() {
        let e = expand("/bin/echo %(nope)s", &names(), "program:x.command").unwrap_err();
        assert_eq!(
            e.to_string(),
            "Format string '/bin/echo %(nope)s' for 'program:x.command' contains names ('nope') \
             which cannot be expanded. Available names: here, neg, process_num, program_name"
        );
        let e = expand("/bin/echo 100%", &names(), "program:x.command").unwrap_err();
        assert_eq!(
            e.to_string(),
            "Format string '/bin/echo 100%' for 'program:x.command' is badly formatted: incomplete format"
        );
    }
}
