//! Property tests: whatever text a configuration holds, reading it never
//! panics; it loads or it fails with errors.

use proptest::prelude::*;
use sv_config::{FakeHost, ServerOverrides, load_ctl, load_server};

const SEED: &str = "[supervisord]\nlogfile=/tmp/x.log\n[unix_http_server]\nfile=/tmp/s.sock\n\
[program:web]\ncommand=/bin/cat %(program_name)s\nnumprocs=2\nprocess_name=%(program_name)s_%(process_num)02d\n\
environment=A=\"1\",B=2\nstdout_logfile=%(here)s/%(program_name)s.log\n\
[group:g]\nprograms=web\n[eventlistener:e]\ncommand=/bin/cat\nevents=TICK_5\n\
[fcgi-program:f]\ncommand=/bin/cat\nsocket=tcp://127.0.0.1:9000\n[include]\nfiles=conf.d/*.conf\n\
[supervisorctl]\nserverurl=unix:///tmp/s.sock\n";

/// Fragments that exercise the dialect's corners.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just("=".to_owned()),
        Just(":".to_owned()),
        Just(";".to_owned()),
        Just(" #".to_owned()),
        Just("%".to_owned()),
        Just("%(".to_owned()),
        Just("%(process_num)".to_owned()),
        Just(")s".to_owned()),
        Just("\n".to_owned()),
        Just("\n  ".to_owned()),
        Just("\"".to_owned()),
        Just("'".to_owned()),
        Just("numprocs=99999999999999999999".to_owned()),
        Just("numprocs=-3".to_owned()),
        Just("numprocs_start=9223372036854775807".to_owned()),
        Just("\n[DEFAULT]\n".to_owned()),
        Just("\n[program:".to_owned()),
        Just("\n[group:".to_owned()),
        Just("\n[eventlistener:".to_owned()),
        Just("\n[fcgi-program:".to_owned()),
        Just("\n[include]\nfiles=".to_owned()),
        Just("unix://".to_owned()),
        Just("tcp://".to_owned()),
        Just("\u{e9}\u{65e5}".to_owned()),
        "[a-z_]{1,12}".prop_map(|s| s),
        any::<String>(),
    ]
}

fn host_with(main: &str) -> FakeHost {
    FakeHost::default()
        .with_file("/work/s.conf", main)
        .with_file("/work/conf.d/a.conf", "[program:inc]\ncommand=/bin/true\n")
}

fn read(text: &str) {
    let host = host_with(text);
    // Either outcome is fine; a panic fails the test.
    let _ = load_server("/work/s.conf", &host, &ServerOverrides::default());
    let _ = load_ctl(Some("/work/s.conf"), &host, &Default::default());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_text_never_panics(text in any::<String>()) {
        read(&text);
    }

    #[test]
    fn fragments_never_panic(parts in proptest::collection::vec(fragment(), 0..40)) {
        read(&parts.concat());
    }

    #[test]
    fn mutated_valid_config_never_panics(
        edits in proptest::collection::vec((0usize..SEED.len(), fragment(), 0usize..6), 1..8)
    ) {
        let mut text = SEED.to_owned();
        for (pos, insert, delete) in edits {
            let mut p = pos.min(text.len());
            while !text.is_char_boundary(p) {
                p -= 1;
            }
            let mut end = (p + delete).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            text.replace_range(p..end, &insert);
        }
        read(&text);
    }
}

#[test]
fn the_seed_itself_loads() {
    let host = host_with(SEED);
    let loaded =
        load_server("/work/s.conf", &host, &ServerOverrides::default()).expect("seed loads");
    let names: Vec<&str> = loaded.config.processes().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["e", "f", "web_00", "web_01", "inc"]);
}
