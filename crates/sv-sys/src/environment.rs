//! A child's environment: supervisord's own, formatted for `execve` once
//! and shared by every child, with the few entries one child changes on
//! top. Building each child's environment from strings (a copy of every
//! `KEY=VALUE` of the daemon's, then each formatted again for `execve`) was
//! about a sixth of the daemon's work per spawn.

use std::ffi::{CStr, CString};
use std::sync::Arc;

/// One entry of the daemon's environment, formatted once.
#[derive(Debug)]
struct Shared {
    /// `KEY=VALUE`.
    entry: CString,
    /// Where the value starts in `entry` (after the `=`).
    value_at: usize,
}

impl Shared {
    fn key(&self) -> &[u8] {
        &self.entry.as_bytes()[..self.value_at - 1]
    }
}

/// An entry of a child's environment.
#[derive(Debug, Clone)]
enum Entry {
    /// The daemon's entry at this index.
    Inherited(usize),
    /// One set for this child.
    Own(String, String),
}

/// The environment of one child. Entries keep the order of a dictionary
/// updated in place: the daemon's first, in its order; a value set for a
/// key already there takes that key's place; a new key goes at the end.
#[derive(Debug, Clone)]
pub struct Environment {
    shared: Arc<[Shared]>,
    entries: Vec<Entry>,
}

impl Default for Environment {
    fn default() -> Self {
        Environment::new(Vec::<(String, String)>::new())
    }
}

impl Environment {
    /// The environment `pairs`, formatted for every child that starts from
    /// it (clones share them). Entries with a NUL byte cannot be passed to
    /// a child and are left out.
    pub fn new(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        let shared: Arc<[Shared]> = pairs
            .into_iter()
            .filter_map(|(k, v)| {
                let entry = CString::new(format!("{k}={v}")).ok()?;
                Some(Shared { entry, value_at: k.len() + 1 })
            })
            .collect();
        let entries = (0..shared.len()).map(Entry::Inherited).collect();
        Environment { shared, entries }
    }

    fn key<'a>(&'a self, e: &'a Entry) -> &'a [u8] {
        match e {
            Entry::Inherited(i) => self.shared[*i].key(),
            Entry::Own(k, _) => k.as_bytes(),
        }
    }

    /// Sets `key` to `value`, in the key's place when it is there.
    pub fn set(&mut self, key: &str, value: &str) {
        let own = Entry::Own(key.to_owned(), value.to_owned());
        match self.entries.iter().position(|e| self.key(e) == key.as_bytes()) {
            Some(i) => self.entries[i] = own,
            None => self.entries.push(own),
        }
    }

    /// Removes `key`.
    pub fn remove(&mut self, key: &str) {
        let shared = &self.shared;
        self.entries.retain(|e| match e {
            Entry::Inherited(i) => shared[*i].key() != key.as_bytes(),
            Entry::Own(k, _) => k != key,
        });
    }

    /// The value of `key`, if set (and valid UTF-8).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries.iter().find(|e| self.key(e) == key.as_bytes()).and_then(|e| match e {
            Entry::Inherited(i) => {
                let s = &self.shared[*i];
                std::str::from_utf8(&s.entry.as_bytes()[s.value_at..]).ok()
            }
            Entry::Own(_, v) => Some(v.as_str()),
        })
    }

    /// Every entry as `(key, value)`, in order.
    pub fn pairs(&self) -> Vec<(String, String)> {
        self.entries
            .iter()
            .map(|e| match e {
                Entry::Inherited(i) => {
                    let s = &self.shared[*i];
                    let text = String::from_utf8_lossy(s.entry.as_bytes());
                    let (k, v) = text.split_at(s.value_at - 1);
                    (k.to_owned(), v[1..].to_owned())
                }
                Entry::Own(k, v) => (k.clone(), v.clone()),
            })
            .collect()
    }

    /// The entries as C strings for `execve`: the daemon's are borrowed,
    /// this child's own are formatted into `own` (entries with a NUL byte
    /// are left out). The pointers live as long as `self` and `own`.
    pub(crate) fn for_exec<'a>(&'a self, own: &'a mut Vec<CString>) -> Vec<&'a CStr> {
        own.extend(self.entries.iter().filter_map(|e| match e {
            Entry::Own(k, v) => CString::new(format!("{k}={v}")).ok(),
            Entry::Inherited(_) => None,
        }));
        let own: &'a Vec<CString> = own;
        let mut mine = own.iter();
        self.entries
            .iter()
            .filter_map(|e| match e {
                Entry::Inherited(i) => Some(self.shared[*i].entry.as_c_str()),
                Entry::Own(k, v) if !k.contains('\0') && !v.contains('\0') => {
                    mine.next().map(CString::as_c_str)
                }
                Entry::Own(..) => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Environment {
        Environment::new(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())))
    }

    fn exec_strings(e: &Environment) -> Vec<String> {
        let mut own = Vec::new();
        e.for_exec(&mut own).iter().map(|c| c.to_string_lossy().into_owned()).collect()
    }

    #[test]
    fn keeps_the_order_of_a_dictionary_updated_in_place() {
        let mut e = env(&[("PATH", "/bin"), ("HOME", "/root"), ("LANG", "C")]);
        e.set("HOME", "/home/x");
        e.set("SUPERVISOR_ENABLED", "1");
        e.remove("LANG");
        e.set("LANG", "C.UTF-8");
        let want = ["PATH=/bin", "HOME=/home/x", "SUPERVISOR_ENABLED=1", "LANG=C.UTF-8"];
        assert_eq!(exec_strings(&e), want);
        assert_eq!(e.get("PATH"), Some("/bin"));
        assert_eq!(e.get("HOME"), Some("/home/x"));
        assert_eq!(e.get("NOPE"), None);
        let pairs: Vec<String> = e.pairs().into_iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(pairs, want);
    }

    #[test]
    fn clones_share_the_daemons_entries_and_change_only_their_own() {
        let base = env(&[("A", "1"), ("B", "x=y")]);
        let mut child = base.clone();
        child.set("A", "2");
        assert_eq!(exec_strings(&base), ["A=1", "B=x=y"]);
        assert_eq!(exec_strings(&child), ["A=2", "B=x=y"]);
        assert_eq!(base.get("B"), Some("x=y"), "the value is what follows the first '='");
    }

    #[test]
    fn entries_with_a_nul_byte_are_left_out() {
        let mut e = env(&[("A", "1"), ("BAD", "a\0b")]);
        e.set("C", "c\0");
        e.set("D", "4");
        assert_eq!(exec_strings(&e), ["A=1", "D=4"]);
    }
}
