//! The real [`Host`]: the process environment, the passwd and group
//! databases, the file system and the host name.

use std::io;
use std::path::Path;

use nix::unistd::{Gid, Group, Uid, User};
use sv_config::{Host, UserEntry};

/// The machine this program runs on.
#[derive(Debug, Clone, Copy, Default)]
pub struct RealHost;

fn user_entry(u: User) -> UserEntry {
    UserEntry {
        name: u.name,
        uid: u.uid.as_raw(),
        gid: u.gid.as_raw(),
        home: u.dir.to_string_lossy().into_owned(),
    }
}

impl Host for RealHost {
    fn env(&self) -> Vec<(String, String)> {
        std::env::vars_os()
            .map(|(k, v)| (k.to_string_lossy().into_owned(), v.to_string_lossy().into_owned()))
            .collect()
    }

    fn env_var(&self, name: &str) -> Option<String> {
        std::env::var_os(name).map(|v| v.to_string_lossy().into_owned())
    }

    fn hostname(&self) -> String {
        nix::unistd::gethostname().map(|h| h.to_string_lossy().into_owned()).unwrap_or_default()
    }

    fn cwd(&self) -> String {
        std::env::current_dir()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|_| "/".into())
    }

    fn uid(&self) -> u32 {
        Uid::current().as_raw()
    }

    fn tempdir(&self) -> String {
        // Python's tempfile.gettempdir(): $TMPDIR, $TEMP, $TMP, then /tmp, ...
        for var in ["TMPDIR", "TEMP", "TMP"] {
            if let Some(v) = std::env::var_os(var) {
                let v = v.to_string_lossy().into_owned();
                if Path::new(&v).is_dir() {
                    return v.trim_end_matches('/').to_owned();
                }
            }
        }
        "/tmp".into()
    }

    fn read_to_string(&self, path: &str) -> io::Result<String> {
        std::fs::read_to_string(path)
    }

    fn exists(&self, path: &str) -> bool {
        Path::new(path).exists()
    }

    fn is_dir(&self, path: &str) -> bool {
        Path::new(path).is_dir()
    }

    fn glob(&self, pattern: &str) -> Vec<String> {
        let opts = glob::MatchOptions {
            case_sensitive: true,
            require_literal_separator: true,
            require_literal_leading_dot: true,
        };
        match glob::glob_with(pattern, opts) {
            Ok(paths) => {
                paths.filter_map(Result::ok).map(|p| p.to_string_lossy().into_owned()).collect()
            }
            Err(_) => Vec::new(),
        }
    }

    fn user_by_name(&self, name: &str) -> Option<UserEntry> {
        User::from_name(name).ok().flatten().map(user_entry)
    }

    fn user_by_uid(&self, uid: u32) -> Option<UserEntry> {
        User::from_uid(Uid::from_raw(uid)).ok().flatten().map(user_entry)
    }

    fn group_by_name(&self, name: &str) -> Option<u32> {
        Group::from_name(name).ok().flatten().map(|g| g.gid.as_raw())
    }

    fn group_exists(&self, gid: u32) -> bool {
        Group::from_gid(Gid::from_raw(gid)).ok().flatten().is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_from_the_machine() {
        let h = RealHost;
        assert!(h.user_by_uid(0).is_some_and(|u| u.name == "root"));
        assert_eq!(h.user_by_name("root").map(|u| u.uid), Some(0));
        assert_eq!(h.group_by_name("root"), Some(0));
        assert!(h.group_exists(0));
        assert!(h.is_dir("/"));
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_string_lossy().into_owned();
        std::fs::write(dir.path().join("b.conf"), "x").unwrap();
        std::fs::write(dir.path().join("a.conf"), "x").unwrap();
        std::fs::write(dir.path().join(".hidden.conf"), "x").unwrap();
        let mut found = h.glob(&format!("{d}/*.conf"));
        found.sort();
        assert_eq!(found, [format!("{d}/a.conf"), format!("{d}/b.conf")]);
        assert_eq!(h.read_to_string(&format!("{d}/a.conf")).unwrap(), "x");
    }
}
