//! `echo_supervisord_conf`: prints a commented sample configuration. Like the
//! reference, it ignores its arguments.

use std::io::Write;

fn main() {
    let mut out = std::io::stdout().lock();
    if out.write_all(sv_config::sample::SAMPLE_CONF.as_bytes()).and_then(|()| out.flush()).is_err()
    {
        std::process::exit(1);
    }
}
