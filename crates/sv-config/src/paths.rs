//! Python's `os.path` string operations that the reference applies to
//! configured paths (`dirname`, `join`, `normpath`, `abspath`,
//! `expanduser`). Pure: the working directory and home come in as arguments.

/// `os.path.dirname`.
pub fn dirname(p: &str) -> String {
    let i = p.rfind('/').map_or(0, |i| i + 1);
    let head = &p[..i];
    if !head.is_empty() && head.chars().any(|c| c != '/') {
        head.trim_end_matches('/').to_owned()
    } else {
        head.to_owned()
    }
}

/// `os.path.join(a, b)`.
pub fn join(a: &str, b: &str) -> String {
    if b.starts_with('/') || a.is_empty() {
        b.to_owned()
    } else if a.ends_with('/') {
        format!("{a}{b}")
    } else {
        format!("{a}/{b}")
    }
}

/// `os.path.normpath`.
pub fn normpath(p: &str) -> String {
    if p.is_empty() {
        return ".".to_owned();
    }
    let initial = if p.starts_with("//") && !p.starts_with("///") {
        "//"
    } else if p.starts_with('/') {
        "/"
    } else {
        ""
    };
    let mut parts: Vec<&str> = Vec::new();
    for comp in p.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                if !initial.is_empty() && parts.is_empty() {
                    continue;
                }
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else {
                    parts.push("..");
                }
            }
            c => parts.push(c),
        }
    }
    let joined = format!("{initial}{}", parts.join("/"));
    if joined.is_empty() { ".".to_owned() } else { joined }
}

/// `os.path.abspath` against `cwd`.
pub fn abspath(p: &str, cwd: &str) -> String {
    if p.starts_with('/') { normpath(p) } else { normpath(&join(cwd, p)) }
}

/// `os.path.expanduser` for `~` and `~/...` (with `home`); `~user` forms are
/// resolved by `user_home`.
pub fn expanduser(
    p: &str,
    home: Option<&str>,
    user_home: &dyn Fn(&str) -> Option<String>,
) -> String {
    let Some(rest) = p.strip_prefix('~') else {
        return p.to_owned();
    };
    let (user, tail) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let base = if user.is_empty() { home.map(str::to_owned) } else { user_home(user) };
    match base {
        Some(b) => {
            let b = if b.len() > 1 { b.trim_end_matches('/').to_owned() } else { b };
            if tail.is_empty() {
                b
            } else if b == "/" {
                tail.to_owned()
            } else {
                format!("{b}{tail}")
            }
        }
        None => p.to_owned(),
    }
}

/// The reference's `normalize_path`: `normpath(abspath(expanduser(v)))`,
/// with `~user` left unexpanded.
pub fn normalize(v: &str, cwd: &str, home: Option<&str>) -> String {
    abspath(&expanduser(v, home, &|_| None), cwd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dirname_like_python() {
        for (p, want) in
            [("/a/b", "/a"), ("b", ""), ("/b", "/"), ("a/b/", "a/b"), ("//x", "//"), ("", "")]
        {
            assert_eq!(dirname(p), want, "{p}");
        }
    }

    #[test]
    fn normpath_like_python() {
        for (p, want) in [
            ("/a/./b/../c", "/a/c"),
            ("a//b", "a/b"),
            ("/../x", "/x"),
            ("../x", "../x"),
            ("", "."),
            ("//a", "//a"),
            ("///a", "/a"),
            ("a/..", "."),
        ] {
            assert_eq!(normpath(p), want, "{p}");
        }
    }

    #[test]
    fn abspath_and_expanduser() {
        assert_eq!(abspath("x.log", "/work"), "/work/x.log");
        assert_eq!(abspath("/x/../y", "/work"), "/y");
        let none = |_: &str| None;
        assert_eq!(expanduser("~/x", Some("/home/op"), &none), "/home/op/x");
        assert_eq!(expanduser("~", Some("/home/op"), &none), "/home/op");
        assert_eq!(expanduser("~bob/x", Some("/home/op"), &none), "~bob/x");
        let bob = |u: &str| (u == "bob").then(|| "/home/bob".to_owned());
        assert_eq!(expanduser("~bob/x", None, &bob), "/home/bob/x");
        assert_eq!(expanduser("a~", Some("/h"), &none), "a~");
    }
}
