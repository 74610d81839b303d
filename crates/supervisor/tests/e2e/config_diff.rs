//! Differential test: each sample configuration is read by the reference's
//! own option parser (Supervisor 4.3.0, `tests/oracle/ref_config.py`) and by
//! ours, in the same directory and environment. Both must accept or both
//! reject it; accepted ones must yield the same settings, process names,
//! commands, priorities, numprocs expansion, log paths, parse warnings and
//! infos; rejected ones must give the same (first) error text.
//!
//! A case may declare a deliberate difference, documented in
//! `docs/compatibility.md`: `;;; differs: accept` (the reference rejects it,
//! we accept it with a warning) or `;;; differs: reject` (the reference
//! accepts it, we reject it). The test checks that exact outcome.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::cases::{self, case_env};
use crate::harness::{Env, ref_venv};

#[test]
fn reference_and_ours_agree_on_every_sample_config() {
    let Some(venv) = ref_venv() else {
        eprintln!("skipped: no reference venv (set SV_REQUIRE_REF=1 to make this an error)");
        return;
    };
    let all = cases::all();
    let envs: Vec<Env> = all.iter().map(|_| Env::new()).collect();
    let paths: Vec<String> = all.iter().zip(&envs).map(|(c, e)| c.materialise(e)).collect();
    let oracle = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/ref_config.py");
    let out = Command::new(venv.join("bin/python"))
        .arg(&oracle)
        .args(&paths)
        .env_clear()
        .envs(case_env())
        .output()
        .expect("run the reference oracle");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines.len(),
        all.len(),
        "oracle printed {} results for {} configs\nstderr:\n{}",
        lines.len(),
        all.len(),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut agree = 0;
    let mut documented = 0;
    let mut failures = Vec::new();
    for ((case, env), line) in all.iter().zip(&envs).zip(&lines) {
        let reference: Value = serde_json::from_str(line).expect("oracle JSON");
        let ours = cases::to_json(&cases::load(env));
        let differs =
            case.text.lines().find_map(|l| l.strip_prefix(";;; differs: ")).map(str::trim);
        match differs {
            Some(kind) => {
                let (want_ref, want_ours) = match kind {
                    "accept" => (false, true),
                    "reject" => (true, false),
                    other => panic!("{}: unknown differs kind {other}", case.name),
                };
                if reference["ok"] == Value::Bool(want_ref) && ours["ok"] == Value::Bool(want_ours)
                {
                    documented += 1;
                } else {
                    failures.push(format!(
                        "== {}: declared 'differs: {kind}' but reference ok={} ours ok={}\nreference: {reference}\nours: {ours}",
                        case.name, reference["ok"], ours["ok"]
                    ));
                }
            }
            None if reference == ours => agree += 1,
            None => failures.push(format!(
                "== {}\nreference: {}\nours:      {}",
                case.name,
                serde_json::to_string_pretty(&reference).unwrap_or_default(),
                serde_json::to_string_pretty(&ours).unwrap_or_default()
            )),
        }
    }
    eprintln!(
        "differential: {} configs, {agree} agree, {documented} differ as documented, {} disagree",
        all.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{} configs disagree:\n{}", failures.len(), failures.join("\n"));
}
