//! The manual pages in docs/man: they render without a groff warning, the
//! programs' pages name every option their `-h` lists, and
//! supervisord.conf(5) names every key of the key table.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::bin;

fn pages() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/man")
}

/// The page as plain text, after checking that groff renders it without
/// a warning; `None` without groff (allowed only outside the full suite).
fn render(page: &str) -> Option<String> {
    let path = pages().join(page);
    let out = Command::new("groff").args(["-man", "-Tutf8", "-ww", "-P-cbou"]).arg(&path).output();
    let Ok(out) = out else {
        assert!(std::env::var_os("SV_REQUIRE_REF").is_none(), "groff is needed for the man tests");
        return None;
    };
    let warnings = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && warnings.is_empty(), "{page}: {warnings}");
    // Hyphens may come out as U+2010 or U+2212; joined lines as they are.
    Some(String::from_utf8_lossy(&out.stdout).replace(['\u{2010}', '\u{2212}'], "-"))
}

/// Every `-x` and `--long` option a program's help lists.
fn options(program: &str) -> Vec<String> {
    let out = Command::new(bin(program)).arg("-h").output().expect("help");
    let help =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    help.lines()
        .filter(|l| l.starts_with('-'))
        .flat_map(|l| {
            l.split_whitespace()
                .next()
                .unwrap_or("")
                .split('/')
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn manual_pages_render_and_name_every_option_and_key() {
    for page in ["supervisord.8", "supervisorctl.1", "echo_supervisord_conf.1", "pidproxy.1"] {
        let Some(text) = render(page) else { return };
        let program = page.split('.').next().unwrap_or_default();
        if matches!(program, "supervisord" | "supervisorctl") {
            let opts = options(program);
            assert!(opts.len() > 5, "{program} -h lists its options: {opts:?}");
            for o in opts {
                assert!(text.contains(&o), "{page} does not name {o}");
            }
        }
    }
    let Some(conf) = render("supervisord.conf.5") else { return };
    // Long key names may be broken across lines with a hyphen: compare
    // without line breaks and hyphenation.
    let flat: String = conf.replace("-\n", "").split_whitespace().collect::<Vec<_>>().join(" ");
    for key in sv_config::schema::all_keys() {
        assert!(flat.contains(key), "supervisord.conf(5) does not name {key}");
    }
}
