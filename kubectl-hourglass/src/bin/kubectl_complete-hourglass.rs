//! kubectl (1.26+) runs `kubectl_complete-hourglass <words...>` to complete
//! `kubectl hourglass <words...>`; it answers in cobra's format.

fn main() -> std::process::ExitCode {
    kubectl_hourglass::run_complete_helper(std::env::args_os())
}
