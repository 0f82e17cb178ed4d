//! Label keys and values, as the apiserver checks them on a Pod: node
//! selectors, affinity keys and values, topology keys and toleration keys
//! are all label keys ("qualified names") or label values.

use super::names::is_dns_subdomain;
use super::split_once_byte;

const NAME_MAX: usize = 63;
const PREFIX_MAX: usize = 253;

/// `[prefix/]name`: an optional DNS subdomain prefix, then at most 63
/// letters, digits, '-', '_' or '.', starting and ending with a letter or digit.
pub fn label_key_problem(key: &str) -> Option<String> {
    let (prefix, name) = match split_once_byte(key, b'/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    let prefix_ok = prefix.is_none_or(|p| p.len() <= PREFIX_MAX && is_dns_subdomain(p));
    let name_ok = !name.is_empty() && is_label_value_text(name);
    (!(prefix_ok && name_ok)).then(|| {
        format!(
            "{key:?} is not a valid label key: expected an optional DNS subdomain prefix and '/', then at most {NAME_MAX} letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
        )
    })
}

/// Empty, or at most 63 letters, digits, '-', '_' or '.', starting and
/// ending with a letter or digit.
pub fn label_value_problem(value: &str) -> Option<String> {
    (!value.is_empty() && !is_label_value_text(value)).then(|| {
        format!(
            "{value:?} is not a valid label value: expected at most {NAME_MAX} letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
        )
    })
}

fn is_label_value_text(text: &str) -> bool {
    let bytes = text.as_bytes();
    let alphanumeric_end = |b: Option<&u8>| b.is_some_and(u8::is_ascii_alphanumeric);
    text.len() <= NAME_MAX
        && alphanumeric_end(bytes.first())
        && alphanumeric_end(bytes.last())
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        for ok in [
            "accelerator",
            "kubernetes.io/arch",
            "intel.feature.node.kubernetes.io/sgx",
            "a_b.c-D",
        ] {
            assert!(label_key_problem(ok).is_none(), "{ok}");
        }
        let long_name = "a".repeat(64);
        for bad in [
            "",
            "/arch",
            "kubernetes.io/",
            "Kubernetes.IO/arch",
            "-a",
            "a b",
            long_name.as_str(),
        ] {
            assert!(label_key_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn values() {
        for ok in ["", "amd64", "nvidia-a100", "2.0", "A_b"] {
            assert!(label_value_problem(ok).is_none(), "{ok}");
        }
        let long = "a".repeat(64);
        for bad in ["-a", "a-", "a/b", "a b", long.as_str()] {
            assert!(label_value_problem(bad).is_some(), "{bad}");
        }
    }
}
