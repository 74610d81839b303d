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
        let sections: &[(&str, Vec<&str>)] = &[
            ("[unix_http_server]", UNIX_KEYS.to_vec()),
            ("[inet_http_server]", INET_KEYS.to_vec()),
            ("[supervisord]", SUPERVISORD_KEYS.to_vec()),
            ("[supervisorctl]", CTL_KEYS.to_vec()),
            ("[program:", PROGRAM_KEYS.to_vec()),
            ("[eventlistener:", LISTENER_EXTRA_KEYS.to_vec()),
            ("[fcgi-program:", FCGI_EXTRA_KEYS.to_vec()),
            ("[group:", GROUP_KEYS.to_vec()),
            ("[include]", INCLUDE_KEYS.to_vec()),
            ("[rpcinterface:supervisor]", vec!["supervisor.rpcinterface_factory"]),
        ];
        for (header, keys) in sections {
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
