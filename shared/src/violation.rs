//! What the rules say about an object: violations (refuse) and warnings (admit, but tell).

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

    pub(crate) fn violation(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.violations.push(Violation {
            path: path.into(),
            message: message.into(),
        });
    }

    /// Records a warning about `path`. Kubernetes shows warnings of up to
    /// 120 characters in full, so an over-long one is shortened, keeping the
    /// path (which says where) and the start of the advice.
    pub(crate) fn warning(&mut self, path: &str, message: &str) {
        self.warnings
            .push(fit_warning(&format!("{path}: {message}")));
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
    if text.chars().count() <= MAX_WARNING_LEN {
        return text.to_string();
    }
    let kept: String = text.chars().take(MAX_WARNING_LEN - 1).collect();
    format!("{kept}…")
}

/// Shortens a user-supplied value quoted inside a message so that one long
/// value cannot push the advice around it out of view.
pub fn abbreviate(value: &str, max: usize) -> String {
    if value.chars().count() <= max {
        return value.to_string();
    }
    let kept: String = value.chars().take(max.saturating_sub(1)).collect();
    format!("{kept}…")
}

/// Builds kubectl-style field paths: `spec.config.chains[1].name`,
/// `spec.resources.limits[nvidia.com/gpu]`.
#[derive(Clone, Debug)]
pub(crate) struct FieldPath(String);

impl FieldPath {
    pub(crate) fn root(name: &str) -> Self {
        FieldPath(name.to_string())
    }

    // Built with push_str rather than format!: the rules build a path for
    // every field they look at, violation or not, and `fmt` machinery was
    // the larger part of that cost in the webhook's profile.
    pub(crate) fn child(&self, name: &str) -> Self {
        self.joined(&[".", name])
    }

    pub(crate) fn index(&self, index: usize) -> Self {
        self.joined(&["[", &index.to_string(), "]"])
    }

    pub(crate) fn key(&self, key: &str) -> Self {
        self.joined(&["[", key, "]"])
    }

    fn joined(&self, parts: &[&str]) -> Self {
        let added: usize = parts.iter().map(|part| part.len()).sum();
        let mut path = String::with_capacity(self.0.len() + added);
        path.push_str(&self.0);
        for part in parts {
            path.push_str(part);
        }
        FieldPath(path)
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_warnings_are_cut_to_the_kubernetes_limit() {
        let mut verdict = Verdict::default();
        verdict.warning("spec.image", &"x".repeat(500));
        assert_eq!(verdict.warnings[0].chars().count(), MAX_WARNING_LEN);
        assert!(verdict.warnings[0].starts_with("spec.image: x"));
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
        let path = FieldPath::root("spec")
            .child("config")
            .child("chains")
            .index(1)
            .child("name");
        assert_eq!(path.as_str(), "spec.config.chains[1].name");
        let key = FieldPath::root("spec")
            .child("resources")
            .child("limits")
            .key("nvidia.com/gpu");
        assert_eq!(key.as_str(), "spec.resources.limits[nvidia.com/gpu]");
    }
}
