//! Differential test of the XML-RPC API: one scenario of calls (status,
//! start/stop/signal with every name form, logs, faults, system.*,
//! multicall) made with Python's `xmlrpc.client` against the reference's
//! supervisord and against ours, on the same configuration. Every result
//! and every fault must be the same (pids and times normalised).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::daemon_harness::Running;
use crate::harness::{Env, ref_venv, side_by_side};

const CONF: &str = "\
[program:a]\ncommand={testprog} sleep 3600\n\
[program:b]\ncommand=/bin/sh -c \"printf 'out\\nerr\\nred\\n'; exec sleep 3600\"\nstartsecs=0\n\
stdout_logfile={dir}/b.out\nstderr_logfile={dir}/b.err\n\
[program:nocmd]\ncommand=/nonexistent/x\nautostart=false\n\
[program:quick]\ncommand={testprog} sleep 3600\nautostart=false\n\
[program:ga]\ncommand={testprog} sleep 3600\nstartsecs=0\n\
[program:gb]\ncommand={testprog} sleep 3600\nstartsecs=0\nautostart=false\n\
[group:grp]\nprograms=ga,gb\n";

fn scenario(env: &Env, program: &Path, python: &Path) -> String {
    let mut d = Running::start_with(env, program, &[], CONF, &["-n"]);
    for name in ["a", "b", "ga"] {
        d.wait_for(&format!("success: {name} entered RUNNING state"), Duration::from_secs(30));
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/rpc_scenario.py");
    let out = Command::new(python)
        .arg(script)
        .arg(env.path().join("supervisor.sock"))
        .arg(d.conf())
        .output()
        .expect("run the scenario");
    assert!(
        out.status.success(),
        "scenario failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        d.dump()
    );
    d.wait_exit(Duration::from_secs(30));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn xmlrpc_results_and_faults_match_the_reference() {
    let Some(venv) = ref_venv() else {
        eprintln!("skipped: no reference venv (set SV_REQUIRE_REF=1 to make this an error)");
        return;
    };
    let python = venv.join("bin/python");
    let (ours_env, ref_env) = (Env::new(), Env::new());
    let (ours, reference) =
        side_by_side(&ours_env, &ref_env, &venv, |env, daemon| scenario(env, daemon, &python));
    let ours = ours.replace(&ours_env.dir(), "{dir}");
    let reference = reference.replace(&ref_env.dir(), "{dir}");
    let o: serde_json::Value = serde_json::from_str(&ours).expect("our JSON");
    let r: serde_json::Value = serde_json::from_str(&reference).expect("reference JSON");
    let (o, r) =
        (o.as_array().cloned().unwrap_or_default(), r.as_array().cloned().unwrap_or_default());
    let mut diffs = Vec::new();
    for (a, b) in r.iter().zip(o.iter()) {
        if a != b {
            diffs.push(format!("reference: {a}\nours:      {b}"));
        }
    }
    assert_eq!(o.len(), r.len(), "same number of calls");
    assert!(diffs.is_empty(), "{} calls differ:\n{}", diffs.len(), diffs.join("\n\n"));
}

const PARAMS_CONF: &str = "\
[program:a]\ncommand=/bin/sh -c \"trap '' HUP ABRT; echo hello-world-output; exec sleep 3600\"\n\
startsecs=0\n\
[program:b]\ncommand=/bin/sleep 3600\nautostart=false\nstartsecs=0\n\
[group:g]\nprograms=b\n";

fn params_scenario(env: &Env, program: &Path, python: &Path) -> String {
    let mut d = Running::start_with(env, program, &[], PARAMS_CONF, &["-n"]);
    d.wait_for("success: a entered RUNNING state", Duration::from_secs(30));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/rpc_params.py");
    let out = Command::new(python)
        .arg(script)
        .arg(env.path().join("supervisor.sock"))
        .output()
        .expect("run the parameter matrix");
    assert!(
        out.status.success(),
        "matrix failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        d.dump()
    );
    assert_eq!(d.stop(), 0, "clean shutdown\n{}", d.dump());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every method with each parameter an int, a string of digits, a word, a
/// boolean, a double, zero and empty, then one missing and one extra: the
/// same result or fault as the reference. Where the reference fails with
/// an uncaught exception (HTTP 500), ours answers `INCORRECT_PARAMETERS`.
#[test]
fn parameter_types_are_converted_as_the_reference_converts_them() {
    let Some(venv) = ref_venv() else {
        eprintln!("skipped: no reference venv (set SV_REQUIRE_REF=1 to make this an error)");
        return;
    };
    let python = venv.join("bin/python");
    let (ours_env, ref_env) = (Env::new(), Env::new());
    let (ours, reference) = side_by_side(&ours_env, &ref_env, &venv, |env, daemon| {
        params_scenario(env, daemon, &python)
    });
    let ours = ours.replace(&ours_env.dir(), "{dir}");
    let reference = reference.replace(&ref_env.dir(), "{dir}");
    let o: Vec<serde_json::Value> = serde_json::from_str(&ours).expect("our JSON");
    let r: Vec<serde_json::Value> = serde_json::from_str(&reference).expect("reference JSON");
    assert_eq!(o.len(), r.len(), "same number of calls");
    let incorrect = serde_json::json!(["fault", 2, "INCORRECT_PARAMETERS"]);
    let mut diffs = Vec::new();
    let mut crashes = 0;
    for (a, b) in r.iter().zip(o.iter()) {
        let reference_crashed = a.get(1).and_then(|x| x.as_str()) == Some("http")
            && a.get(2).and_then(serde_json::Value::as_i64) == Some(500);
        if reference_crashed {
            crashes += 1;
            if b.as_array().map(|x| serde_json::Value::from(x[1..].to_vec()))
                != Some(incorrect.clone())
            {
                diffs.push(format!("reference: {a} (crash)\nours:      {b}"));
            }
        } else if a != b {
            diffs.push(format!("reference: {a}\nours:      {b}"));
        }
    }
    assert!(diffs.is_empty(), "{} calls differ:\n{}", diffs.len(), diffs.join("\n\n"));
    assert!(o.len() > 400 && crashes < o.len() / 4, "{} calls, {crashes} crashes", o.len());
}
