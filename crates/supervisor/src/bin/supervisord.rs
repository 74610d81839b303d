//! `supervisord`: see [`supervisor::supervisord`].

fn main() {
    sv_sys::memory::give_back_large_blocks();
    let argv: Vec<String> = std::env::args().collect();
    let code = supervisor::supervisord::run(
        &argv,
        &sv_sys::RealHost,
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    std::process::exit(code);
}
