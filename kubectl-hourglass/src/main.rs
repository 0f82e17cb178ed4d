//! `kubectl-hourglass`: see the library for everything.

fn main() -> std::process::ExitCode {
    kubectl_hourglass::run_main(std::env::args_os())
}
