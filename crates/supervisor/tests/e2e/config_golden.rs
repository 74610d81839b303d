//! Every sample configuration, read by our loader, rendered (typed result as
//! JSON, or every error with location and expectation, then warnings) and
//! compared with `NAME.expected`. `UPDATE_GOLDEN=1` rewrites the files.

use crate::cases;
use crate::harness::Env;

#[test]
fn sample_configs_match_their_golden_files() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut failures = Vec::new();
    let all = cases::all();
    assert!(all.len() >= 40, "expected the full set of sample configs, found {}", all.len());
    for case in &all {
        let env = Env::new();
        case.materialise(&env);
        let got = cases::render(&cases::load(&env), &env.dir());
        let expected_path = case.path.with_extension("expected");
        if update {
            std::fs::write(&expected_path, &got).expect("write golden");
            continue;
        }
        match std::fs::read_to_string(&expected_path) {
            Ok(want) if want == got => {}
            Ok(want) => failures.push(format!(
                "== {}: rendering differs\n--- expected ---\n{want}--- got ---\n{got}",
                case.name
            )),
            Err(_) => failures.push(format!(
                "== {}: no {} (run with UPDATE_GOLDEN=1 and review it)\n{got}",
                case.name,
                expected_path.display()
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}
