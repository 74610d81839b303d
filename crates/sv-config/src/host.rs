//! What the configuration needs to know about the machine, as a trait, so that
//! the loader stays pure and its tests run against an in-memory fake.
//!
//! The real implementation lives in `sv-sys`; [`FakeHost`] is the test double.

use std::collections::{BTreeMap, BTreeSet};
use std::io;

/// A user account as the configuration needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserEntry {
    /// Login name.
    pub name: String,
    /// Numeric user id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
    /// Home directory.
    pub home: String,
}

/// The machine facts and file access the configuration loader uses.
pub trait Host {
    /// The environment of the running program, in order.
    fn env(&self) -> Vec<(String, String)>;
    /// One variable of the environment (`env` searched, unless the host
    /// has a quicker way).
    fn env_var(&self, name: &str) -> Option<String> {
        self.env().into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
    /// The host's node name (`platform.node()` in the reference).
    fn hostname(&self) -> String;
    /// The current working directory, absolute.
    fn cwd(&self) -> String;
    /// The real uid of the running program.
    fn uid(&self) -> u32;
    /// The directory for temporary files (`$TMPDIR` or `/tmp`).
    fn tempdir(&self) -> String;
    /// Reads a whole text file.
    fn read_to_string(&self, path: &str) -> io::Result<String>;
    /// Whether anything exists at `path`.
    fn exists(&self, path: &str) -> bool;
    /// Whether `path` is a directory.
    fn is_dir(&self, path: &str) -> bool;
    /// Paths matching a shell glob, as Python's `glob.glob` finds them.
    fn glob(&self, pattern: &str) -> Vec<String>;
    /// A user by login name.
    fn user_by_name(&self, name: &str) -> Option<UserEntry>;
    /// A user by uid.
    fn user_by_uid(&self, uid: u32) -> Option<UserEntry>;
    /// A group id by group name.
    fn group_by_name(&self, name: &str) -> Option<u32>;
    /// Whether a group id exists.
    fn group_exists(&self, gid: u32) -> bool;
}

/// An in-memory [`Host`] for tests: files, directories, users and groups are
/// whatever the test puts in.
#[derive(Debug, Clone)]
pub struct FakeHost {
    /// Environment variables.
    pub env: Vec<(String, String)>,
    /// Node name.
    pub hostname: String,
    /// Working directory.
    pub cwd: String,
    /// Real uid.
    pub uid: u32,
    /// Temporary directory.
    pub tempdir: String,
    /// Files by absolute path.
    pub files: BTreeMap<String, String>,
    /// Directories by absolute path.
    pub dirs: BTreeSet<String>,
    /// Users.
    pub users: Vec<UserEntry>,
    /// Groups as (name, gid).
    pub groups: Vec<(String, u32)>,
}

impl Default for FakeHost {
    fn default() -> Self {
        FakeHost {
            env: vec![("HOME".into(), "/home/op".into())],
            hostname: "testhost".into(),
            cwd: "/work".into(),
            uid: 1000,
            tempdir: "/tmp".into(),
            files: BTreeMap::new(),
            dirs: ["/", "/tmp", "/work", "/etc", "/home/op", "/var", "/var/log"]
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            users: vec![
                UserEntry { name: "root".into(), uid: 0, gid: 0, home: "/root".into() },
                UserEntry { name: "op".into(), uid: 1000, gid: 1000, home: "/home/op".into() },
                UserEntry { name: "nobody".into(), uid: 65534, gid: 65534, home: "/".into() },
            ],
            groups: vec![("root".into(), 0), ("op".into(), 1000), ("nogroup".into(), 65534)],
        }
    }
}

impl FakeHost {
    /// Adds a file (and its parent directories).
    pub fn with_file(mut self, path: &str, text: &str) -> Self {
        let mut dir = crate::paths::dirname(path);
        while !dir.is_empty() && !self.dirs.contains(&dir) {
            self.dirs.insert(dir.clone());
            if dir == "/" {
                break;
            }
            dir = crate::paths::dirname(&dir);
        }
        self.files.insert(path.to_owned(), text.to_owned());
        self
    }
}

impl Host for FakeHost {
    fn env(&self) -> Vec<(String, String)> {
        self.env.clone()
    }
    fn hostname(&self) -> String {
        self.hostname.clone()
    }
    fn cwd(&self) -> String {
        self.cwd.clone()
    }
    fn uid(&self) -> u32 {
        self.uid
    }
    fn tempdir(&self) -> String {
        self.tempdir.clone()
    }
    fn read_to_string(&self, path: &str) -> io::Result<String> {
        let abs = crate::paths::normalize(path, &self.cwd, None);
        self.files.get(&abs).cloned().ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))
    }
    fn exists(&self, path: &str) -> bool {
        let abs = crate::paths::normalize(path, &self.cwd, None);
        self.files.contains_key(&abs) || self.dirs.contains(&abs)
    }
    fn is_dir(&self, path: &str) -> bool {
        self.dirs.contains(&crate::paths::normalize(path, &self.cwd, None))
    }
    fn glob(&self, pattern: &str) -> Vec<String> {
        // Enough for tests: `*` within the last path component only.
        let dir = crate::paths::dirname(pattern);
        let base = &pattern[dir.len()..].trim_start_matches('/');
        let (pre, post) = base.split_once('*').unwrap_or((base, ""));
        let wildcard = base.contains('*');
        self.files
            .keys()
            .filter(|p| crate::paths::dirname(p) == dir)
            .filter(|p| {
                let name = p[dir.len()..].trim_start_matches('/');
                if wildcard {
                    name.starts_with(pre)
                        && name.ends_with(post)
                        && name.len() >= pre.len() + post.len()
                        && !name.starts_with('.')
                } else {
                    name == *base
                }
            })
            .cloned()
            .collect()
    }
    fn user_by_name(&self, name: &str) -> Option<UserEntry> {
        self.users.iter().find(|u| u.name == name).cloned()
    }
    fn user_by_uid(&self, uid: u32) -> Option<UserEntry> {
        self.users.iter().find(|u| u.uid == uid).cloned()
    }
    fn group_by_name(&self, name: &str) -> Option<u32> {
        self.groups.iter().find(|g| g.0 == name).map(|g| g.1)
    }
    fn group_exists(&self, gid: u32) -> bool {
        self.groups.iter().any(|g| g.1 == gid)
    }
}
