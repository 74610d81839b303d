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

/// Runs the bash completion for the command line `line` (completing at
/// its end) and returns the candidates.
fn complete_bash(line: &str) -> Vec<String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../completions/supervisorctl.bash");
    let dir = bin("supervisorctl").parent().expect("bin dir").to_string_lossy().into_owned();
    // COMP_WORDS as bash splits them: at spaces, and ':' as a word of its own.
    let words: Vec<String> = line
        .split(' ')
        .flat_map(|w| {
            let mut parts = Vec::new();
            for (i, p) in w.split(':').enumerate() {
                if i > 0 {
                    parts.push(":".to_owned());
                }
                if !p.is_empty() || i == 0 {
                    parts.push(p.to_owned());
                }
            }
            parts
        })
        .collect();
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{}'; COMP_WORDS=({}); COMP_CWORD={}; COMP_LINE='{line}'; \
         COMP_POINT=${{#COMP_LINE}}; _supervisorctl; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        quoted.join(" "),
        words.len() - 1
    );
    let out = Command::new("bash")
        .args(["-c", &program])
        .env("PATH", format!("{dir}:{}", std::env::var("PATH").unwrap_or_default()))
        .output()
        .expect("bash");
    let mut got: Vec<String> =
        String::from_utf8_lossy(&out.stdout).lines().map(str::to_owned).collect();
    got.sort();
    got
}

/// The bash completion completes actions, and process and group names from
/// a live daemon (also after `group:`).
#[test]
fn bash_completion_completes_names_from_a_live_daemon() {
    let env = crate::harness::Env::new();
    let d = crate::daemon_harness::Running::start(
        &env,
        "[program:web]\ncommand={testprog} sleep 1000\nstartsecs=0\n\
         [group:g]\nprograms=alpha,beta\n\
         [program:alpha]\ncommand={testprog} sleep 1000\nstartsecs=0\n\
         [program:beta]\ncommand={testprog} sleep 1000\nstartsecs=0\n",
    );
    d.wait_for("success: web entered RUNNING", std::time::Duration::from_secs(30));
    let conf = d.conf().to_string_lossy().into_owned();
    assert_eq!(complete_bash("supervisorctl sta"), ["start", "status"]);
    assert_eq!(complete_bash(&format!("supervisorctl -c {conf} stop w")), ["web"]);
    assert_eq!(
        complete_bash(&format!("supervisorctl -c {conf} restart g:")),
        ["*", "alpha", "beta"]
    );
    assert_eq!(complete_bash(&format!("supervisorctl -c {conf} start a")), ["all"]);
}
