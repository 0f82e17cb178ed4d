//! The completion engine, in cobra's format (candidate lines, then
//! `:<directive>`): behind `kubectl-hourglass __complete` (the shell
//! scripts) and `kubectl_complete-hourglass` (kubectl's plugin completion).
//! `candidates` decides what may come next, `live` reads names from the
//! cluster.

mod candidates;
mod live;

use std::io::Write;

use clap::Command;

pub use candidates::{Candidates, DIRECTIVE_DEFAULT, DIRECTIVE_NO_FILE, want};

/// Writes candidates and the directive for `words`.
pub async fn complete(
    root: &Command,
    words: &[String],
    out: &mut impl Write,
) -> std::io::Result<()> {
    let (candidates, directive) = match want(root, words) {
        Candidates::Words(words, directive) => (words, directive),
        Candidates::Files => (Vec::new(), DIRECTIVE_DEFAULT),
        Candidates::Contexts => (
            live::contexts(&live::globals_from(words)),
            DIRECTIVE_NO_FILE,
        ),
        Candidates::Namespaces => (
            live::live_namespaces(&live::globals_from(words)).await,
            DIRECTIVE_NO_FILE,
        ),
        Candidates::Objects(kind) => (
            live::live_names(&live::globals_from(words), kind).await,
            DIRECTIVE_NO_FILE,
        ),
    };
    let current = words.last().map(String::as_str).unwrap_or("");
    for candidate in candidates.iter().filter(|c| c.starts_with(current)) {
        writeln!(out, "{candidate}")?;
    }
    writeln!(out, ":{directive}")
}
