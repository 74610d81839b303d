//! `pidproxy`: see [`supervisor::pidproxy`].

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    std::process::exit(supervisor::pidproxy::run(&argv, &mut std::io::stdout().lock()));
}
