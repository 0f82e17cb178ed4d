//! Runs a fuzz target's check over every committed input: its seeds
//! (`fuzz/seeds/<target>/`) and the minimized crashes
//! (`fuzz/regressions/<target>/`). Used by the crates' `fuzz_regressions`
//! tests (`#[path]`-included); every failing file is named, not just the first.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

/// Calls `check` on every input of `target`; panics listing each file that fails.
pub fn every_input(target: &str, check: impl Fn(&[u8])) {
    let fuzz_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut files = Vec::new();
    for kind in ["seeds", "regressions"] {
        files.extend(inputs_in(&fuzz_dir.join(kind).join(target)));
    }
    assert!(
        !files.is_empty(),
        "no inputs for {target} under {}; run `cargo run --manifest-path fuzz/Cargo.toml --example write_seeds`",
        fuzz_dir.display()
    );
    let mut failures = Vec::new();
    for file in &files {
        let data = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| check(&data))) {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!("{}: {message}", file.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} {target} inputs break an invariant:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
}

/// The files of `dir`, sorted; none when it does not exist.
fn inputs_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_file() && !is_hidden(path))
        .collect();
    files.sort();
    files
}

fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name.starts_with('.'))
}
