//! Process names as clients write them ("namespecs"): `name` for a process
//! alone in its same-named group, `group:name`, and `group:` or `group:*`
//! for a whole group. The one place that makes and reads them.

/// How a process is named: `name` when its group has the same name, else
/// `group:name`.
pub fn make(group: &str, name: &str) -> String {
    if group == name { name.to_owned() } else { format!("{group}:{name}") }
}

/// `g:p` -> (g, Some(p)); `g:` and `g:*` -> (g, None), the whole group;
/// `n` -> (n, Some(n)).
pub fn split(spec: &str) -> (&str, Option<&str>) {
    match spec.split_once(':') {
        Some((g, p)) if p.is_empty() || p == "*" => (g, None),
        Some((g, p)) => (g, Some(p)),
        None => (spec, Some(spec)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_and_split() {
        let cases: &[(&str, (&str, Option<&str>))] = &[
            ("a", ("a", Some("a"))),
            ("g:p", ("g", Some("p"))),
            ("g:*", ("g", None)),
            ("g:", ("g", None)),
            ("g:p:q", ("g", Some("p:q"))),
            ("", ("", Some(""))),
        ];
        for (spec, want) in cases {
            assert_eq!(split(spec), *want, "{spec}");
        }
        assert_eq!(make("a", "a"), "a");
        assert_eq!(make("g", "p"), "g:p");
        for (g, p) in [("a", "a"), ("g", "p")] {
            assert_eq!(split(&make(g, p)), (g, Some(p)));
        }
    }
}
