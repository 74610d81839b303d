//! `supervisorctl`: see [`supervisor::ctl`].

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    supervisor::ctl::interrupt::install();
    let code = supervisor::ctl::run(
        &argv,
        &sv_sys::RealHost,
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    std::process::exit(code);
}
