//! What the rules say about an object: violations (refuse) and warnings (admit, but tell).

use std::borrow::Cow;
use std::fmt;

use crate::constants::MAX_WARNING_LEN;

/// One broken rule, at one field.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// JSON field path in kubectl's notation, e.g. `spec.config.chains[1].name`.
    pub path: String,
    /// What is wrong and what is expected.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// The answer of the rules for one object: every violation and every warning.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Verdict {
    pub violations: Vec<Violation>,
    pub warnings: Vec<String>,
}

impl Verdict {
    pub fn is_allowed(&self) -> bool {
        self.violations.is_empty()
    }

    /// Records a broken rule at `path` (a [`FieldPath`], or its text).
    pub(crate) fn violation(&mut self, path: impl fmt::Display, message: impl Into<String>) {
        self.violations.push(Violation {
            path: path.to_string(),
            message: message.into(),
        });
    }

    /// Records a warning about `path`. Kubernetes shows warnings of up to
    /// 120 characters in full, so an over-long one is shortened, keeping the
    /// path (which says where) and the start of the advice. The message may
    /// be `format_args!`: the warning is written once, into its own string.
    pub(crate) fn warning(&mut self, path: impl fmt::Display, message: impl fmt::Display) {
        use fmt::Write as _;
        // Room for what is shown in full: written without growing (from
        // empty, a usual warning was four reallocations).
        let mut text = String::with_capacity(MAX_WARNING_LEN + 8);
        // Writing into a String cannot fail.
        let _ = write!(text, "{path}: {message}");
        shorten_warning(&mut text);
        self.warnings.push(text);
    }

    /// One line listing every violation, the way a denial is shown.
    pub fn denial_message(&self) -> String {
        let count = self.violations.len();
        let noun = if count == 1 {
            "violation"
        } else {
            "violations"
        };
        let listed: Vec<String> = self.violations.iter().map(ToString::to_string).collect();
        format!("{count} {noun}: {}", listed.join("; "))
    }
}

/// A warning cut to what Kubernetes shows in full ([`MAX_WARNING_LEN`] characters).
pub fn fit_warning(text: &str) -> String {
    let mut text = text.to_string();
    shorten_warning(&mut text);
    text
}

/// Cuts `text` to [`MAX_WARNING_LEN`] characters, the last one an ellipsis,
/// when it is longer.
fn shorten_warning(text: &mut String) {
    // No more bytes than the limit, so no more characters: most warnings.
    if text.len() <= MAX_WARNING_LEN {
        return;
    }
    if let Some((end, _)) = text.char_indices().nth(MAX_WARNING_LEN) {
        // The character at `end` is one too many: keep one fewer before
        // it, for the ellipsis.
        let keep = text[..end].char_indices().last().map_or(0, |(at, _)| at);
        text.truncate(keep);
        text.push('…');
    }
}

/// Shortens a user-supplied value quoted inside a message so that one long
/// value cannot push the advice around it out of view. Borrowed when short
/// enough, as almost every value is.
pub fn abbreviate(value: &str, max: usize) -> Cow<'_, str> {
    match value.char_indices().nth(max) {
        None => Cow::Borrowed(value),
        Some(_) => {
            let kept: String = value.chars().take(max.saturating_sub(1)).collect();
            Cow::Owned(format!("{kept}…"))
        }
    }
}

/// A kubectl-style field path (`spec.config.chains[1].name`,
/// `spec.resources.limits[nvidia.com/gpu]`), written out only when a
/// violation or warning names it. Each step borrows the path it extends, so
/// the rules can hand a path to every field they look at without an
/// allocation; most fields break no rule, and building their paths as
/// strings was a fifth of the allocations of reviewing a performer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FieldPath<'a> {
    parent: Option<&'a FieldPath<'a>>,
    step: Step<'a>,
}

#[derive(Clone, Copy, Debug)]
enum Step<'a> {
    Root(&'a str),
    Field(&'a str),
    Index(usize),
    Key(&'a str),
}

impl<'a> FieldPath<'a> {
    pub(crate) fn root(name: &'a str) -> Self {
        FieldPath {
            parent: None,
            step: Step::Root(name),
        }
    }

    pub(crate) fn child<'b>(&'b self, name: &'b str) -> FieldPath<'b> {
        self.then(Step::Field(name))
    }

    pub(crate) fn index(&self, index: usize) -> FieldPath<'_> {
        self.then(Step::Index(index))
    }

    pub(crate) fn key<'b>(&'b self, key: &'b str) -> FieldPath<'b> {
        self.then(Step::Key(key))
    }

    fn then<'b>(&'b self, step: Step<'b>) -> FieldPath<'b> {
        FieldPath {
            parent: Some(self),
            step,
        }
    }
}

impl fmt::Display for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(parent) = self.parent {
            parent.fmt(f)?;
        }
        match self.step {
            Step::Root(name) => f.write_str(name),
            Step::Field(name) => {
                f.write_str(".")?;
                f.write_str(name)
            }
            Step::Index(index) => write!(f, "[{index}]"),
            Step::Key(key) => {
                f.write_str("[")?;
                f.write_str(key)?;
                f.write_str("]")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_warnings_are_cut_to_the_kubernetes_limit() {
        let mut verdict = Verdict::default();
        verdict.warning("spec.image", "x".repeat(500));
        assert_eq!(verdict.warnings[0].chars().count(), MAX_WARNING_LEN);
        assert!(verdict.warnings[0].starts_with("spec.image: x"));
    }

    #[test]
    fn a_warning_is_cut_only_past_the_limit_and_on_a_character() {
        // "p: " is 3 characters; "é" is 2 bytes, so a cut by bytes would
        // land inside one; "x" is 1, so the bytes are the characters.
        for letter in ["é", "x"] {
            let fill = |chars: usize| letter.repeat(chars - 3);
            for (length, kept) in [
                (MAX_WARNING_LEN - 1, MAX_WARNING_LEN - 1),
                (MAX_WARNING_LEN, MAX_WARNING_LEN),
                (MAX_WARNING_LEN + 1, MAX_WARNING_LEN),
                (MAX_WARNING_LEN + 50, MAX_WARNING_LEN),
            ] {
                let mut verdict = Verdict::default();
                verdict.warning("p", format_args!("{}", fill(length)));
                let warning = &verdict.warnings[0];
                assert_eq!(warning.chars().count(), kept, "{letter} {length}");
                assert_eq!(warning.ends_with('…'), length > MAX_WARNING_LEN);
                assert_eq!(fit_warning(&format!("p: {}", fill(length))), *warning);
            }
        }
    }

    #[test]
    fn short_values_are_quoted_as_they_are() {
        assert!(matches!(abbreviate("v2.0.0", 6), Cow::Borrowed("v2.0.0")));
        assert_eq!(abbreviate("v2.0.0-rc1", 6), "v2.0.…");
        assert_eq!(abbreviate("éééé", 3), "éé…");
    }

    #[test]
    fn denial_lists_every_violation_in_order() {
        let mut verdict = Verdict::default();
        verdict.violation("spec.a", "bad");
        verdict.violation("spec.b", "worse");
        assert_eq!(
            verdict.denial_message(),
            "2 violations: spec.a: bad; spec.b: worse"
        );
    }

    #[test]
    fn paths_read_like_kubectl_explain() {
        let spec = FieldPath::root("spec");
        let path = spec.child("config");
        let path = path.child("chains");
        let path = path.index(1);
        assert_eq!(path.child("name").to_string(), "spec.config.chains[1].name");
        let limits = spec.child("resources");
        let limits = limits.child("limits");
        assert_eq!(
            limits.key("nvidia.com/gpu").to_string(),
            "spec.resources.limits[nvidia.com/gpu]"
        );
    }

    #[test]
    fn a_violation_writes_its_path_out() {
        let spec = FieldPath::root("spec");
        let mut verdict = Verdict::default();
        verdict.violation(spec.child("env").key("A B"), "bad");
        verdict.warning(spec.child("args").index(0), "odd");
        assert_eq!(verdict.violations[0].path, "spec.env[A B]");
        assert_eq!(verdict.warnings[0], "spec.args[0]: odd");
    }
}
