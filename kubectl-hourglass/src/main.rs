//! `kubectl-hourglass`: see the library for everything.
//!
//! Invoked as `kubectl_complete-hourglass` (a symlink or copy with that
//! name), it is the completion helper instead: krew links only the plugin
//! itself, so one link restores `kubectl hourglass <TAB>`.

use std::ffi::OsString;
use std::path::Path;

/// The name kubectl (1.26+) runs to complete `kubectl hourglass ...`.
const COMPLETION_HELPER: &str = "kubectl_complete-hourglass";

fn main() -> std::process::ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    if args.first().is_some_and(is_completion_helper) {
        kubectl_hourglass::run_complete_helper(args)
    } else {
        kubectl_hourglass::run_main(args)
    }
}

/// Whether argv[0]'s file name is the completion helper's, with or without
/// `.exe` (any case: Windows file names are case-insensitive).
fn is_completion_helper(arg0: &OsString) -> bool {
    let Some(name) = Path::new(arg0).file_name() else {
        return false;
    };
    let name = name.to_string_lossy();
    let name = match name.len().checked_sub(4) {
        Some(stem) if name.is_char_boundary(stem) && name[stem..].eq_ignore_ascii_case(".exe") => {
            &name[..stem]
        }
        _ => &name[..],
    };
    name == COMPLETION_HELPER || (cfg!(windows) && name.eq_ignore_ascii_case(COMPLETION_HELPER))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn helper(arg0: &str) -> bool {
        is_completion_helper(&OsString::from(arg0))
    }

    #[test]
    fn the_helper_name_is_recognised_with_any_directory_and_exe() {
        assert!(helper("kubectl_complete-hourglass"));
        assert!(helper("/home/u/.krew/bin/kubectl_complete-hourglass"));
        assert!(helper("kubectl_complete-hourglass.exe"));
        assert!(helper("kubectl_complete-hourglass.EXE"));
    }

    #[test]
    fn the_plugin_and_lookalikes_are_not_the_helper() {
        assert!(!helper("kubectl-hourglass"));
        assert!(!helper("/usr/local/bin/kubectl-hourglass"));
        assert!(!helper("kubectl_complete-hourglass-old"));
        assert!(!helper("kubectl_complete-hourglass.sh"));
        assert!(!helper(""));
    }
}
