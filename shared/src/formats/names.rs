//! Kubernetes object names and environment variable names.

const DNS1123_LABEL_MAX: usize = 63;
const DNS1123_SUBDOMAIN_MAX: usize = 253;

/// RFC 1123 label: lowercase alphanumerics and '-', starting and ending
/// alphanumeric, at most 63 characters (namespace names).
pub fn is_dns_label(name: &str) -> bool {
    is_dns_label_bytes(name.as_bytes())
}

fn is_dns_label_bytes(label: &[u8]) -> bool {
    matches!((label.first(), label.last()), (Some(first), Some(last)) if *first != b'-' && *last != b'-')
        && label.len() <= DNS1123_LABEL_MAX
        && label
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

/// RFC 1123 subdomain: dot-separated labels, at most 253 characters (most object names).
pub fn is_dns_subdomain(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= DNS1123_SUBDOMAIN_MAX
        && name
            .as_bytes()
            .split(|byte| *byte == b'.')
            .all(is_dns_label_bytes)
}

/// A host name in a URL or endpoint, where DNS ignores case.
pub fn is_dns_subdomain_case_insensitive(name: &str) -> bool {
    is_dns_subdomain(&name.to_ascii_lowercase())
}

/// Why `name` is not a valid namespace name, if it is not.
pub fn namespace_problem(name: &str) -> Option<String> {
    (!is_dns_label(name)).then(|| {
        format!(
            "{name:?} is not a valid namespace name: expected at most {DNS1123_LABEL_MAX} lowercase letters, digits or '-', starting and ending with a letter or digit"
        )
    })
}

/// Why `name` is not a valid object name (RFC 1123 subdomain), if it is not.
pub fn object_name_problem(name: &str) -> Option<String> {
    (!is_dns_subdomain(name)).then(|| {
        format!(
            "{name:?} is not a valid object name: expected lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most {DNS1123_SUBDOMAIN_MAX} characters"
        )
    })
}

/// Why `name` is not a portable environment variable name, if it is not.
/// We keep to the classic rule (`[-._a-zA-Z][-._a-zA-Z0-9]*`) that every
/// supported Kubernetes version and every shell accepts.
pub fn env_var_problem(name: &str) -> Option<String> {
    let mut bytes = name.bytes();
    let first_ok = bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || matches!(b, b'_' | b'-' | b'.'));
    let rest_ok = bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    (!(first_ok && rest_ok)).then(|| {
        format!(
            "{name:?} is not a valid environment variable name: expected letters, digits, '_', '-' or '.', not starting with a digit"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces() {
        assert!(namespace_problem("default").is_none());
        assert!(namespace_problem("avs-1").is_none());
        for bad in ["", "Default", "-a", "a-", "a.b", &"a".repeat(64)] {
            assert!(namespace_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn object_names() {
        assert!(object_name_problem("main-executor").is_none());
        assert!(object_name_problem("a.b-c").is_none());
        assert!(object_name_problem("Main").is_some());
        assert!(object_name_problem("a..b").is_some());
        let long_label = "a".repeat(64);
        for bad in [".a", "a.", "a.-b", "a-.b", "é", &format!("b.{long_label}")] {
            assert!(object_name_problem(bad).is_some(), "{bad}");
        }
        assert!(object_name_problem(&format!("b.{}", "a".repeat(63))).is_none());
    }

    #[test]
    fn env_vars() {
        for ok in ["LOG_LEVEL", "_x", "a.b-c", "WORKER_THREADS2"] {
            assert!(env_var_problem(ok).is_none(), "{ok}");
        }
        for bad in ["", "1ABC", "A=B", "HAS SPACE", "Ü"] {
            assert!(env_var_problem(bad).is_some(), "{bad}");
        }
    }
}
