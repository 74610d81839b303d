//! The INI dialect of `supervisord.conf`, read the way the reference reads it.
//!
//! Supervisor hands its files to Python's `configparser.RawConfigParser` with
//! `strict=False` and `inline_comment_prefixes=(';', '#')`. This module
//! reproduces those rules, and remembers where every value came from (file and
//! line) so that later stages can point at it:
//!
//! * a section header is a stripped line that *starts* with `[name]`; the name
//!   runs to the last `]` and anything after it is ignored; names are
//!   case-sensitive;
//! * an option is `key = value` or `key : value`, split at the first `=` or `:`;
//!   keys are lower-cased; a later duplicate replaces the earlier value;
//! * a repeated section merges into the first one;
//! * `;` and `#` start a comment at the start of a line, or anywhere when the
//!   character before them is whitespace (even inside quotes);
//! * a line indented deeper than the line that started the current option
//!   continues that option; pieces are joined with `\n`, blank lines inside are
//!   kept, trailing ones dropped;
//! * `[DEFAULT]` holds keys that every section inherits.
//!
//! Pure: the caller reads the files and passes their text.

use std::fmt;

use crate::pyrepr::py_repr;

/// One `key = value` with the place it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The lower-cased key.
    pub key: String,
    /// The value after comment removal, stripping and continuation joining.
    pub value: String,
    /// The file the key was (last) set in.
    pub file: String,
    /// The 1-based line of the key in `file`.
    pub line: usize,
}

/// A section: its header name and its own entries (not the `[DEFAULT]` ones).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The text between the brackets.
    pub name: String,
    /// The file of the first header with this name.
    pub file: String,
    /// The line of that first header.
    pub line: usize,
    /// Entries in the order their keys were first seen.
    pub entries: Vec<Entry>,
}

impl Section {
    fn new(name: &str, file: &str, line: usize) -> Self {
        Section { name: name.to_owned(), file: file.to_owned(), line, entries: Vec::new() }
    }

    fn set(&mut self, entry: Entry) -> usize {
        match self.entries.iter().position(|e| e.key == entry.key) {
            Some(i) => {
                self.entries[i] = entry;
                i
            }
            None => {
                self.entries.push(entry);
                self.entries.len() - 1
            }
        }
    }

    /// This section's own entry for `key`.
    pub fn own(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }
}

/// Why a file could not be read as INI, worded as the reference words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IniError {
    /// Lines that are neither comments, headers nor options.
    Parsing {
        /// The file name as it was given.
        source: String,
        /// `(line number, raw line including its newline)` of every bad line.
        lines: Vec<(usize, String)>,
    },
    /// An option before the first section header.
    MissingSectionHeader {
        /// The file name as it was given.
        source: String,
        /// 1-based line number.
        line_no: usize,
        /// The raw line including its newline.
        line: String,
    },
}

impl IniError {
    /// The file the error is about.
    pub fn source_file(&self) -> &str {
        match self {
            IniError::Parsing { source, .. } | IniError::MissingSectionHeader { source, .. } => {
                source
            }
        }
    }

    /// The first line the error is about.
    pub fn first_line(&self) -> usize {
        match self {
            IniError::Parsing { lines, .. } => lines.first().map_or(0, |l| l.0),
            IniError::MissingSectionHeader { line_no, .. } => *line_no,
        }
    }
}

impl fmt::Display for IniError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IniError::Parsing { source, lines } => {
                write!(f, "Source contains parsing errors: {}", py_repr(source))?;
                for (no, line) in lines {
                    write!(f, "\n\t[line {no:>2}]: {}", py_repr(line))?;
                }
                Ok(())
            }
            IniError::MissingSectionHeader { source, line_no, line } => write!(
                f,
                "File contains no section headers.\nfile: {}, line: {line_no}\n{}",
                py_repr(source),
                py_repr(line)
            ),
        }
    }
}

/// The name of the section whose keys every other section inherits.
pub const DEFAULT_SECTION: &str = "DEFAULT";

/// A parsed set of INI files, merged as the reference merges them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ini {
    defaults: Section,
    sections: Vec<Section>,
    /// Section name -> index in `sections` (a config with thousands of
    /// programs is looked up once per key of each).
    index: std::collections::HashMap<String, usize>,
}

impl Default for Section {
    fn default() -> Self {
        Section::new(DEFAULT_SECTION, "", 0)
    }
}

enum Target {
    Defaults,
    Section(usize),
}

impl Ini {
    /// An empty document.
    pub fn new() -> Self {
        Ini::default()
    }

    /// Reads one file's text into the document. `source` names the file in
    /// errors and in the entries' locations.
    pub fn read(&mut self, text: &str, source: &str) -> Result<(), IniError> {
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        let mut target: Option<Target> = None;
        // The entry index of the option being read, with its pieces.
        let mut current: Option<(usize, Vec<String>)> = None;
        let mut indent_level = 0usize;
        let mut bad_lines: Vec<(usize, String)> = Vec::new();

        let lines = split_lines_keep_ends(&text);
        for (idx, raw) in lines.iter().enumerate() {
            let lineno = idx + 1;
            let comment_start = comment_start(raw);
            let body = match comment_start {
                Some(i) => &raw[..i],
                None => raw,
            };
            let value = body.trim();
            if value.is_empty() {
                if comment_start.is_none()
                    && let Some((_, pieces)) = current.as_mut()
                {
                    pieces.push(String::new());
                }
                continue;
            }
            let cur_indent =
                raw.char_indices().find(|(_, c)| !c.is_whitespace()).map_or(0, |x| x.0);
            if target.is_some() && current.is_some() && cur_indent > indent_level {
                if let Some((_, pieces)) = current.as_mut() {
                    pieces.push(value.to_owned());
                }
                continue;
            }
            indent_level = cur_indent;
            if let Some(name) = section_header(value) {
                self.flush(&mut current, &target);
                if name == DEFAULT_SECTION {
                    target = Some(Target::Defaults);
                } else if let Some(&i) = self.index.get(name) {
                    target = Some(Target::Section(i));
                } else {
                    self.index.insert(name.to_owned(), self.sections.len());
                    self.sections.push(Section::new(name, source, lineno));
                    target = Some(Target::Section(self.sections.len() - 1));
                }
                continue;
            }
            let Some(t) = target.as_ref() else {
                return Err(IniError::MissingSectionHeader {
                    source: source.to_owned(),
                    line_no: lineno,
                    line: (*raw).to_owned(),
                });
            };
            match split_option(value) {
                Some((key, val)) => {
                    if key.is_empty() {
                        bad_lines.push((lineno, (*raw).to_owned()));
                    }
                    self.flush(&mut current, &target);
                    let entry = Entry {
                        key: key.to_lowercase(),
                        value: String::new(),
                        file: source.to_owned(),
                        line: lineno,
                    };
                    let sect = match t {
                        Target::Defaults => &mut self.defaults,
                        Target::Section(i) => &mut self.sections[*i],
                    };
                    let pos = sect.set(entry);
                    current = Some((pos, vec![val.to_owned()]));
                }
                None => bad_lines.push((lineno, (*raw).to_owned())),
            }
        }
        self.flush(&mut current, &target);
        if bad_lines.is_empty() {
            Ok(())
        } else {
            Err(IniError::Parsing { source: source.to_owned(), lines: bad_lines })
        }
    }

    /// Section names in the order they were first seen (without `DEFAULT`).
    pub fn section_names(&self) -> impl Iterator<Item = &str> {
        self.sections.iter().map(|s| s.name.as_str())
    }

    /// All sections in order (without `DEFAULT`).
    pub fn sections(&self) -> &[Section] {
        &self.sections
    }

    /// The `[DEFAULT]` section.
    pub fn defaults(&self) -> &Section {
        &self.defaults
    }

    /// A section by exact name.
    pub fn section(&self, name: &str) -> Option<&Section> {
        self.index.get(name).map(|&i| &self.sections[i])
    }

    /// Whether a section exists.
    pub fn has_section(&self, name: &str) -> bool {
        self.section(name).is_some()
    }

    /// The entry for `key` in `section`, falling back to `[DEFAULT]`.
    pub fn get(&self, section: &str, key: &str) -> Option<&Entry> {
        self.section(section).and_then(|s| s.own(key)).or_else(|| self.defaults.own(key))
    }

    /// Every key visible in `section`: its own, then the inherited ones.
    pub fn options(&self, section: &str) -> Vec<&Entry> {
        let mut out: Vec<&Entry> = Vec::new();
        if let Some(s) = self.section(section) {
            out.extend(s.entries.iter());
        }
        for d in &self.defaults.entries {
            if !out.iter().any(|e| e.key == d.key) {
                out.push(d);
            }
        }
        out
    }

    /// Replaces the literal text `%(here)s` in every value visible in every
    /// section with `here`, as the reference does when an `[include]`
    /// section exists. Values inherited from `[DEFAULT]` are copied into the
    /// section, as configparser's `set` does.
    pub fn expand_here(&mut self, here: &str) {
        const HERE: &str = "%(here)s";
        for i in 0..self.sections.len() {
            let visible: Vec<Entry> = self
                .options(&self.sections[i].name.clone())
                .into_iter()
                .filter(|e| e.value.contains(HERE))
                .cloned()
                .collect();
            for mut e in visible {
                e.value = e.value.replace(HERE, here);
                self.sections[i].set(e);
            }
        }
    }
}

impl Ini {
    /// Gives the option being read its value: its lines joined, the end
    /// stripped. Done as each option ends (keeping every option's lines to
    /// the end of the file left them scattered through the memory the
    /// configuration is then built in).
    fn flush(&mut self, current: &mut Option<(usize, Vec<String>)>, target: &Option<Target>) {
        let Some((pos, pieces)) = current.take() else { return };
        let sect = match target {
            Some(Target::Defaults) => &mut self.defaults,
            Some(Target::Section(i)) => &mut self.sections[*i],
            None => return,
        };
        let value = match <[String; 1]>::try_from(pieces) {
            Ok([mut one]) => {
                one.truncate(one.trim_end().len());
                one
            }
            Err(pieces) => pieces.join("\n").trim_end().to_owned(),
        };
        if let Some(e) = sect.entries.get_mut(pos) {
            e.value = value;
        }
    }
}

/// Splits text into lines that keep their `\n`, as Python's file iteration does.
fn split_lines_keep_ends(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

/// Where an inline or full-line comment starts, by configparser's rule.
fn comment_start(line: &str) -> Option<usize> {
    let stripped = line.trim();
    if stripped.starts_with('#') || stripped.starts_with(';') {
        return Some(0);
    }
    let mut prev: Option<char> = None;
    for (i, c) in line.char_indices() {
        if (c == ';' || c == '#') && prev.is_none_or(char::is_whitespace) {
            return Some(i);
        }
        prev = Some(c);
    }
    None
}

/// `[name]` at the start of a stripped line; the name runs to the last `]`.
fn section_header(value: &str) -> Option<&str> {
    let rest = value.strip_prefix('[')?;
    let close = rest.rfind(']')?;
    if close == 0 {
        return None;
    }
    Some(&rest[..close])
}

/// `key = value` / `key : value`, split at the first delimiter.
fn split_option(value: &str) -> Option<(&str, &str)> {
    let i = value.find(['=', ':'])?;
    Some((value[..i].trim_end(), value[i + 1..].trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Ini {
        let mut ini = Ini::new();
        ini.read(text, "t.conf").unwrap();
        ini
    }

    fn val(ini: &Ini, s: &str, k: &str) -> Option<String> {
        ini.get(s, k).map(|e| e.value.clone())
    }

    #[test]
    fn values_comments_and_delimiters() {
        let cases: &[(&str, &str, Option<&str>)] = &[
            ("[a]\nk=v\n", "k", Some("v")),
            ("[a]\nk = v \n", "k", Some("v")),
            ("[a]\nk: v\n", "k", Some("v")),
            ("[a]\nk=a=b\n", "k", Some("a=b")),
            ("[a]\nk:a=b\n", "k", Some("a=b")),
            ("[a]\nk=a:b\n", "k", Some("a:b")),
            ("[a]\nk=\n", "k", Some("")),
            ("[a]\nk=x ; c\n", "k", Some("x")),
            ("[a]\nk=x # c\n", "k", Some("x")),
            ("[a]\nk=x;y\n", "k", Some("x;y")),
            ("[a]\nk=a#b\n", "k", Some("a#b")),
            ("[a]\nk=x\t;c\n", "k", Some("x")),
            (
                "[a]\ncommand=/bin/sh -c 'echo a;b ; echo c'   ; trailing\n",
                "command",
                Some("/bin/sh -c 'echo a;b"),
            ),
            ("[a]\nK=v\n", "k", Some("v")),
            ("[a]\nautostart=false\nAUTOSTART=true\n", "autostart", Some("true")),
            ("[a]\n# k=v\n", "k", None),
            ("[a]\n  ; k=v\n", "k", None),
            ("[a]\nk=v\n", "missing", None),
        ];
        for (text, key, want) in cases {
            let ini = parse(text);
            assert_eq!(val(&ini, "a", key).as_deref(), *want, "{text:?}");
        }
    }

    #[test]
    fn continuation_lines() {
        let ini = parse("[a]\ncommand: /bin/echo multi\n  line\n    continued\nnext=1\n");
        assert_eq!(val(&ini, "a", "command").unwrap(), "/bin/echo multi\nline\ncontinued");
        assert_eq!(val(&ini, "a", "next").unwrap(), "1");
        let ini = parse("[a]\nk=one\n\n  two\n\n\n[b]\n");
        assert_eq!(val(&ini, "a", "k").unwrap(), "one\n\ntwo");
        let ini = parse("[a]\nk=one\n; comment\n  two\n");
        assert_eq!(val(&ini, "a", "k").unwrap(), "one\ntwo");
        // Indented right after a header: an option, not a continuation.
        let ini = parse("[a]\n  k=v\n");
        assert_eq!(val(&ini, "a", "k").unwrap(), "v");
        // Trailing blank lines are dropped.
        let ini = parse("[a]\nk=v\n\n\n");
        assert_eq!(val(&ini, "a", "k").unwrap(), "v");
    }

    #[test]
    fn sections_merge_and_names() {
        let ini = parse("[program:a]\nx=1\n[b]\n[program:a]\ny=2\nx=3\n");
        assert_eq!(ini.section_names().collect::<Vec<_>>(), ["program:a", "b"]);
        assert_eq!(val(&ini, "program:a", "x").unwrap(), "3");
        assert_eq!(val(&ini, "program:a", "y").unwrap(), "2");
        let ini = parse("[supervisord] trailing junk\n[program:x]y]\n[Program:c]\n");
        assert_eq!(
            ini.section_names().collect::<Vec<_>>(),
            ["supervisord", "program:x]y", "Program:c"]
        );
        // A broken header inside a section is an option named "[program".
        let ini = parse("[a]\n[program:foo\n");
        assert_eq!(val(&ini, "a", "[program").unwrap(), "foo");
    }

    #[test]
    fn defaults_are_inherited() {
        let ini = parse("[DEFAULT]\nstartsecs=0\n[program:a]\n[program:b]\nstartsecs=5\n");
        assert_eq!(val(&ini, "program:a", "startsecs").unwrap(), "0");
        assert_eq!(val(&ini, "program:b", "startsecs").unwrap(), "5");
        assert_eq!(ini.section_names().count(), 2);
    }

    #[test]
    fn errors_are_worded_like_configparser() {
        let mut ini = Ini::new();
        let err = ini.read("[a]\nk=v\nfoo\nbar\n", "/x.conf").unwrap_err();
        assert_eq!(
            err.to_string(),
            "Source contains parsing errors: '/x.conf'\n\t[line  3]: 'foo\\n'\n\t[line  4]: 'bar\\n'"
        );
        let err = Ini::new().read("logfile=/tmp/x.log\n", "/x.conf").unwrap_err();
        assert_eq!(
            err.to_string(),
            "File contains no section headers.\nfile: '/x.conf', line: 1\n'logfile=/tmp/x.log\\n'"
        );
        let err = Ini::new().read("[a]\n=v", "f").unwrap_err();
        assert_eq!(err.to_string(), "Source contains parsing errors: 'f'\n\t[line  2]: '=v'");
    }

    #[test]
    fn locations_are_kept() {
        let ini = parse("[a]\n\nk=v\n");
        let e = ini.get("a", "k").unwrap();
        assert_eq!((e.file.as_str(), e.line), ("t.conf", 3));
        assert_eq!(ini.section("a").unwrap().line, 1);
    }

    #[test]
    fn expand_here_replaces_in_every_section() {
        let mut ini = parse("[DEFAULT]\nd=%(here)s/d\n[a]\nk=%(here)s/x\n");
        ini.expand_here("/etc");
        assert_eq!(val(&ini, "a", "k").unwrap(), "/etc/x");
        assert_eq!(val(&ini, "a", "d").unwrap(), "/etc/d");
    }
}
