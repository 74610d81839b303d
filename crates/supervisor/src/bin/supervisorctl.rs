//! `supervisorctl`: not implemented yet; it says so instead of pretending to work.

fn main() {
    eprintln!("Error: supervisorctl is not implemented yet in this build");
    std::process::exit(2);
}
