//! The sample configuration `echo_supervisord_conf` prints: every section and
//! key, active where a working non-root daemon needs them (socket, log and
//! pid file under `/tmp`), commented out elsewhere.

/// The sample text.
pub const SAMPLE_CONF: &str = include_str!("sample.conf");

#[cfg(test)]
mod tests {
    use super::SAMPLE_CONF;
    use crate::schema::*;

    /// Every key of every section appears in the sample, active or commented.
    #[test]
    fn sample_covers_every_key() {
        let mut sections: Vec<(&str, Vec<&str>)> = vec![
            ("[unix_http_server]", reference_keys_of(Section::UnixHttp)),
            ("[inet_http_server]", reference_keys_of(Section::InetHttp)),
            ("[supervisord]", reference_keys_of(Section::Supervisord)),
            ("[supervisorctl]", reference_keys_of(Section::Ctl)),
            ("[program:", reference_keys_of(Section::Program)),
            ("[group:", reference_keys_of(Section::Group)),
            ("[include]", reference_keys_of(Section::Include)),
            ("[rpcinterface:supervisor]", vec!["supervisor.rpcinterface_factory"]),
        ];
        // Listeners and fcgi programs: the keys they add to a program's.
        let program = reference_keys_of(Section::Program);
        for (header, kind) in
            [("[eventlistener:", Section::Listener), ("[fcgi-program:", Section::Fcgi)]
        {
            let extra =
                reference_keys_of(kind).into_iter().filter(|k| !program.contains(k)).collect();
            sections.push((header, extra));
        }
        for (header, keys) in &sections {
            let start = SAMPLE_CONF.find(header).unwrap_or_else(|| panic!("no {header}"));
            let rest = &SAMPLE_CONF[start + 1..];
            let end =
                rest.find("\n[").into_iter().chain(rest.find("\n;[")).min().unwrap_or(rest.len());
            let body = &rest[..end];
            for key in keys {
                let found = body.lines().any(|l| {
                    let l = l.trim_start_matches(';');
                    l.starts_with(&format!("{key}=")) || l.starts_with(&format!("{key} ="))
                });
                assert!(found, "{header} lacks {key}");
            }
        }
    }
}
