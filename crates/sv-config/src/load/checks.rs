//! Readiness, health and dependency keys of one process (ours; the
//! reference ignores them), read after every key of the reference so that
//! its first error stays the first, and checked across all processes once
//! every group is known: unknown targets, self-dependencies, cycles and
//! `healthy` on a process without a health check.

use std::time::Duration;

use super::*;
use crate::checks::{self as ck, Checks, Condition, HealthCheck, Target};

fn secs(n: i64) -> Duration {
    Duration::from_secs(u64::try_from(n).unwrap_or(0))
}

fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Loader<'_> {
    /// The readiness, health and dependency settings of a process section.
    pub(super) fn checks(&mut self, s: &str, c: &Expansions) -> Checks {
        let other = |what: &'static str| Expect::Other(what);
        let ready_expect = schema::key_in(schema::Section::Program, "ready_check")
            .map_or(Expect::Required, |k| k.value);
        let ready_check = self.value(s, "ready_check", c, ck::ready_check, ready_expect);
        let ready_timeout = Some(secs(self.int(s, "ready_timeout", c))).filter(|d| !d.is_zero());
        let ready_check_interval = secs(self.int(s, "ready_check_interval", c));
        let ready_check_timeout = secs(self.int(s, "ready_check_timeout", c));
        let watchdog = Some(secs(self.int(s, "watchdog_secs", c))).filter(|d| !d.is_zero());
        let watchdog_signal =
            self.value(s, "watchdog_signal", c, dt::Signal::parse, Expect::Signal);
        let health_expect = schema::key_in(schema::Section::Program, "health_check")
            .map_or(Expect::Required, |k| k.value);
        let probe = self.value(s, "health_check", c, ck::health_probe, health_expect);
        let interval = secs(self.int(s, "health_check_interval", c));
        let timeout = secs(self.int(s, "health_check_timeout", c));
        let initial_delay = secs(self.int(s, "health_check_initial_delay", c));
        let failure_threshold = count(self.int(s, "health_check_failure_threshold", c));
        let success_threshold = count(self.int(s, "health_check_success_threshold", c));
        let action = self.value(
            s,
            "health_check_action",
            c,
            ck::health_action,
            other("restart, stop or none"),
        );
        let deps_expect = schema::key_in(schema::Section::Program, "depends_on")
            .map_or(Expect::Required, |k| k.value);
        let depends_on = self.value(s, "depends_on", c, ck::depends_on, deps_expect);
        let binding =
            self.value(s, "dependency_binding", c, ck::binding, other("none, stop or restart"));
        Checks {
            ready_check,
            ready_timeout,
            ready_check_interval,
            ready_check_timeout,
            watchdog,
            watchdog_signal,
            health: probe.map(|probe| HealthCheck {
                probe,
                interval,
                timeout,
                initial_delay,
                failure_threshold,
                success_threshold,
                action,
            }),
            depends_on,
            binding,
        }
    }

    /// Checks every `depends_on` against the groups that were read: each
    /// target exists, no process depends on itself, there is no cycle, and
    /// `healthy` names processes with a health check.
    pub(super) fn check_dependencies(&mut self, groups: &[GroupConfig]) {
        let procs: Vec<&ProcessConfig> =
            groups.iter().flat_map(|g| g.processes.iter().map(|p| &**p)).collect();
        let mut edges: Vec<Vec<usize>> = vec![Vec::new(); procs.len()];
        for (i, p) in procs.iter().enumerate() {
            for dep in &p.checks.depends_on {
                let targets = resolve(groups, &procs, &dep.target);
                let problem = if targets.is_empty() {
                    Some(format!(
                        "depends_on: {} -> {}: no such program",
                        p.name,
                        dep.target.describe()
                    ))
                } else if targets.contains(&i) {
                    Some(format!("depends_on: {} depends on itself", p.name))
                } else if dep.condition == Condition::Healthy
                    && targets.iter().any(|t| procs[*t].checks.health.is_none())
                {
                    Some(format!(
                        "depends_on: {} -> {}:healthy, but it has no health_check",
                        p.name,
                        dep.target.describe()
                    ))
                } else {
                    None
                };
                match problem {
                    Some(msg) => {
                        let entry = self.get_raw(&p.section, "depends_on");
                        let exp = Expect::Other("existing programs (NAME, GROUP:* or GROUP:NAME)");
                        self.err_at(msg, &p.section, "depends_on", entry.as_ref(), exp);
                    }
                    None => edges[i].extend(targets),
                }
            }
        }
        if let Some(cycle) = find_cycle(&edges) {
            let names: Vec<&str> = cycle.iter().map(|i| procs[*i].name.as_str()).collect();
            let first = procs[cycle[0]];
            let entry = self.get_raw(&first.section, "depends_on");
            self.err_at(
                format!("dependency cycle: {}", names.join(" -> ")),
                &first.section,
                "depends_on",
                entry.as_ref(),
                Expect::Other("dependencies without a cycle"),
            );
        }
    }
}

/// The processes a target names (indices into `procs`).
fn resolve(groups: &[GroupConfig], procs: &[&ProcessConfig], target: &Target) -> Vec<usize> {
    let index = |g: &str, name: Option<&str>| -> Vec<usize> {
        procs
            .iter()
            .enumerate()
            .filter(|(_, p)| p.group == g && name.is_none_or(|n| p.name == n))
            .map(|(i, _)| i)
            .collect()
    };
    match target {
        Target::Group(g) | Target::Program(g) if groups.iter().any(|x| x.name == *g) => {
            index(g, None)
        }
        Target::Program(name) => {
            // A program inside a [group:x] keeps its section's name.
            procs
                .iter()
                .enumerate()
                .filter(|(_, p)| p.section.split_once(':').is_some_and(|(_, n)| n == name))
                .map(|(i, _)| i)
                .collect()
        }
        Target::Group(_) => Vec::new(),
        Target::Process(g, p) => index(g, Some(p)),
    }
}

/// A cycle in the graph, as the path that closes it (`a b a`).
fn find_cycle(edges: &[Vec<usize>]) -> Option<Vec<usize>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let mut mark = vec![Mark::New; edges.len()];
    // Iterative depth-first search: (node, next edge to follow).
    for root in 0..edges.len() {
        if mark[root] != Mark::New {
            continue;
        }
        let mut stack = vec![(root, 0usize)];
        mark[root] = Mark::Open;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&to) = edges[node].get(*next) {
                *next += 1;
                match mark[to] {
                    Mark::New => {
                        mark[to] = Mark::Open;
                        stack.push((to, 0));
                    }
                    Mark::Open => {
                        let start = stack.iter().position(|(n, _)| *n == to).unwrap_or(0);
                        let mut path: Vec<usize> = stack[start..].iter().map(|(n, _)| *n).collect();
                        path.push(to);
                        return Some(path);
                    }
                    Mark::Done => {}
                }
            } else {
                mark[node] = Mark::Done;
                stack.pop();
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::find_cycle;

    #[test]
    fn cycles() {
        assert_eq!(find_cycle(&[vec![1], vec![]]), None);
        assert_eq!(find_cycle(&[vec![1], vec![0]]), Some(vec![0, 1, 0]));
        assert_eq!(find_cycle(&[vec![1], vec![2], vec![1]]), Some(vec![1, 2, 1]));
        assert_eq!(find_cycle(&[vec![1, 2], vec![2], vec![]]), None, "a diamond is no cycle");
    }
}
