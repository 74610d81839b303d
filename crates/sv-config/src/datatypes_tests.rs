//! The converters against tables of texts and the reference's results.

use super::*;
use crate::host::FakeHost;

#[test]
fn integers() {
    let ok: &[(&str, i64)] = &[("10", 10), (" 7 ", 7), ("-3", -3), ("+4", 4), ("1_000", 1000)];
    for (t, want) in ok {
        assert_eq!(integer(t), Ok(*want), "{t}");
    }
    for t in ["abc", "", "1.0", "0x10", "1__0", "_1", "1_"] {
        assert_eq!(
            integer(t),
            Err(Invalid(format!("invalid literal for int() with base 10: {}", py_repr(t)))),
            "{t}"
        );
    }
}

#[test]
fn booleans() {
    for t in ["yes", "TRUE", "On", "1"] {
        assert_eq!(boolean(t), Ok(true), "{t}");
    }
    for t in ["no", "False", "OFF", "0"] {
        assert_eq!(boolean(t), Ok(false), "{t}");
    }
    assert_eq!(boolean("maybe"), Err("not a valid boolean value: 'maybe'".into()));
    assert_eq!(boolean(""), Err("not a valid boolean value: ''".into()));
}

#[test]
fn exit_codes() {
    assert_eq!(list_of_exitcodes("0"), Ok(vec![0]));
    assert_eq!(list_of_exitcodes("0, 2 ,255"), Ok(vec![0, 2, 255]));
    assert_eq!(list_of_exitcodes(""), Ok(vec![]));
    for t in ["0,256", "-1", "a", "0,,1", "1,"] {
        assert_eq!(
            list_of_exitcodes(t),
            Err(Invalid(format!("not a valid list of exit codes: {}", py_repr(t)))),
            "{t}"
        );
    }
}

#[test]
fn autorestart() {
    let cases = [
        ("true", Ok(AutoRestart::Always)),
        ("YES", Ok(AutoRestart::Always)),
        ("false", Ok(AutoRestart::Never)),
        ("0", Ok(AutoRestart::Never)),
        ("Unexpected", Ok(AutoRestart::Unexpected)),
        ("maybe", Err(Invalid("invalid 'autorestart' value 'maybe'".to_owned()))),
        ("SomeTimes", Err(Invalid("invalid 'autorestart' value 'sometimes'".to_owned()))),
    ];
    for (t, want) in cases {
        assert_eq!(auto_restart(t), want, "{t}");
    }
}

#[test]
fn byte_sizes() {
    let ok: &[(&str, i64)] = &[
        ("0", 0),
        ("1024", 1024),
        ("50MB", 50 << 20),
        ("50mb", 50 << 20),
        ("1KB", 1024),
        ("2gb", 2 << 30),
        ("50 MB", 50 << 20),
        ("-1KB", -1024),
    ];
    for (t, want) in ok {
        assert_eq!(byte_size(t), Ok(*want), "{t}");
    }
    let bad = [
        ("10xb", "invalid literal for int() with base 10: '10xb'"),
        ("10B", "invalid literal for int() with base 10: '10b'"),
        ("1.5MB", "invalid literal for int() with base 10: '1.5'"),
        ("MB", "invalid literal for int() with base 10: ''"),
    ];
    for (t, want) in bad {
        assert_eq!(byte_size(t), Err(Invalid::from(want.to_string())), "{t}");
    }
}

#[test]
fn octals() {
    for (t, want) in [("022", 0o22), ("0o22", 0o22), ("22", 0o22), ("0700", 0o700), ("0", 0)] {
        assert_eq!(octal_type(t), Ok(want), "{t}");
    }
    for t in ["0999", "abc", "", "-1", "8"] {
        assert_eq!(
            octal_type(t),
            Err(Invalid(format!("{t} can not be converted to an octal type")))
        );
    }
}

#[test]
fn log_levels() {
    for (t, want) in [
        ("critical", LogLevel::Critical),
        ("ERROR", LogLevel::Error),
        ("warn", LogLevel::Warn),
        ("info", LogLevel::Info),
        ("debug", LogLevel::Debug),
        ("trace", LogLevel::Trace),
        ("blather", LogLevel::Blather),
    ] {
        assert_eq!(logging_level(t), Ok(want), "{t}");
    }
    for t in ["warning", "crit", "verbose"] {
        assert_eq!(logging_level(t), Err(Invalid(format!("bad logging level name '{t}'"))));
    }
}

#[test]
fn signals() {
    for (t, want) in [
        ("TERM", 15),
        ("SIGTERM", 15),
        ("term", 15),
        ("usr1", 10),
        (" HUP ", 1),
        ("9", 9),
        ("0", 0),
        ("KILL", 9),
        ("sigrtmin", 34),
    ] {
        assert_eq!(signal_number(t), Ok(want), "{t}");
    }
    assert_eq!(signal_number("FOO"), Err("value 'FOO' is not a valid signal name".into()));
    assert_eq!(signal_number("99"), Err("value '99' is not a valid signal number".into()));
    assert_eq!(signal_number("-1"), Err("value '-1' is not a valid signal number".into()));
    assert_eq!(signal_name(15), Some("TERM"));
    assert_eq!(signal_name(17), Some("CHLD"));
}

#[test]
fn names() {
    assert_eq!(process_or_group_name(" web "), Ok("web".into()));
    assert_eq!(
        process_or_group_name("x y"),
        Err("Invalid name: 'x y' because of character: ' '".into())
    );
    assert_eq!(
        process_or_group_name("a:b"),
        Err("Invalid name: 'a:b' because of character: ':'".into())
    );
    assert_eq!(
        process_or_group_name("a/b"),
        Err("Invalid name: 'a/b' because of character: '/'".into())
    );
}

#[test]
fn inet_addresses() {
    let ok = [
        ("9001", ("", 9001)),
        ("127.0.0.1:9001", ("127.0.0.1", 9001)),
        ("*:9001", ("", 9001)),
        (":9001", ("", 9001)),
        ("LocalHost:80", ("localhost", 80)),
    ];
    for (t, (h, p)) in ok {
        assert_eq!(inet_address(t), Ok((h.to_owned(), p)), "{t}");
    }
    let bad = [
        ("127.0.0.1:99999", "99999 is above upper bound (65535)"),
        ("127.0.0.1:0", "0 is below lower bound (1)"),
        ("abc", "not a valid port number: 'abc' "),
        ("host:", "no port number specified in ''"),
        ("h:x", "invalid literal for int() with base 10: 'x'"),
    ];
    for (t, want) in bad {
        assert_eq!(inet_address(t), Err(Invalid::from(want.to_string())), "{t}");
    }
}

#[test]
fn urls() {
    for t in ["http://localhost:9001", "unix:///tmp/s.sock", "http://h"] {
        assert!(url(t).is_ok(), "{t}");
    }
    for t in ["foo", "http://", "://x", ""] {
        assert_eq!(url(t), Err(Invalid(format!("value {} is not a URL", py_repr(t)))), "{t}");
    }
}

#[test]
fn key_value_pairs() {
    let p = |t: &str| dict_of_key_value_pairs(t);
    let pairs = |v: &[(&str, &str)]| -> Result<EnvPairs, Invalid> {
        Ok(v.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect())
    };
    assert_eq!(p(""), pairs(&[]));
    assert_eq!(p("A=1,B=2"), pairs(&[("A", "1"), ("B", "2")]));
    assert_eq!(p("A=\"x,y\",B='z w'"), pairs(&[("A", "x,y"), ("B", "z w")]));
    assert_eq!(
        p("PATH=/usr/bin:/bin,X=a.b+c-(d)"),
        pairs(&[("PATH", "/usr/bin:/bin"), ("X", "a.b+c-(d)")])
    );
    // The token after each pair is skipped whatever it is.
    assert_eq!(p("A=x y"), pairs(&[("A", "x")]));
    assert_eq!(p("A=1,A=2"), pairs(&[("A", "2")]));
    assert_eq!(p("A=x\"y\""), pairs(&[("A", "x\"y")]));
    for t in ["A=a@b", "A=", "A=1 B=2", "A=1,,B=2", "A"] {
        assert_eq!(
            p(t),
            Err(Invalid(format!("Unexpected end of key/value pairs in value '{t}'"))),
            "{t}"
        );
    }
    assert_eq!(p("A=\"open"), Err("No closing quotation".into()));
}

#[test]
fn paths_and_users() {
    let host = FakeHost::default();
    assert_eq!(existing_dirpath(&host, "x.log"), Ok("x.log".into()));
    assert_eq!(existing_dirpath(&host, "/tmp/x.log"), Ok("/tmp/x.log".into()));
    assert_eq!(existing_dirpath(&host, "~/x.log"), Ok("/home/op/x.log".into()));
    assert_eq!(
        existing_dirpath(&host, "/nope/x.log"),
        Err("The directory named as part of the path /nope/x.log does not exist".into())
    );
    assert_eq!(existing_directory(&host, "/tmp"), Ok("/tmp".into()));
    assert_eq!(
        existing_directory(&host, "/nope"),
        Err("/nope is not an existing directory".into())
    );
    assert_eq!(logfile_name(&host, "AUTO"), Ok(LogFile::Auto));
    assert_eq!(logfile_name(&host, "none"), Ok(LogFile::None));
    assert_eq!(logfile_name(&host, "Off"), Ok(LogFile::None));
    assert_eq!(logfile_name(&host, "syslog"), Ok(LogFile::Syslog));
    assert_eq!(logfile_name(&host, "/tmp/a.log"), Ok(LogFile::Path("/tmp/a.log".into())));
    assert_eq!(name_to_uid(&host, "op"), Ok(1000));
    assert_eq!(name_to_uid(&host, "0"), Ok(0));
    assert_eq!(name_to_uid(&host, "ghost"), Err("Invalid user name ghost".into()));
    assert_eq!(name_to_uid(&host, "4242"), Err("Invalid user id 4242".into()));
    assert_eq!(colon_separated_user_group(&host, "op"), Ok((1000, -1)));
    assert_eq!(colon_separated_user_group(&host, "op:root"), Ok((1000, 0)));
    assert_eq!(
        colon_separated_user_group(&host, "op:nosuch"),
        Err("Invalid user:group definition op:nosuch".into())
    );
}
