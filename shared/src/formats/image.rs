//! Container image references, following the grammar of the distribution
//! project that registries and the kubelet use:
//! `[registry[:port]/]repository[:tag][@sha256:<64 hex>]`.

use super::{rfind_byte, split_once_byte};

/// A parsed image reference, its parts borrowed from the text parsed (the
/// webhook parses every performer's image, most only to find its tag).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageReference<'a> {
    /// Registry host (and port), when the first component names one.
    pub registry: Option<&'a str>,
    /// The repository path, e.g. `myavs/performer`.
    pub repository: &'a str,
    pub tag: Option<&'a str>,
    /// The digest including its algorithm, e.g. `sha256:…`.
    pub digest: Option<&'a str>,
}

impl ImageReference<'_> {
    /// The same image at another tag (the digest is dropped, as it pins the old content).
    pub fn with_tag(&self, tag: &str) -> String {
        let mut out = String::new();
        if let Some(registry) = self.registry {
            out.push_str(registry);
            out.push('/');
        }
        out.push_str(self.repository);
        out.push(':');
        out.push_str(tag);
        out
    }
}

const EXPECTED: &str = "expected [registry[:port]/]repository[:tag][@sha256:<64 hex>], e.g. ghcr.io/org/performer:v1.2.0";
const MAX_NAME_LEN: usize = 255;
const MAX_TAG_LEN: usize = 128;

/// Parses an image reference; `Err` says what is wrong and what is expected.
pub fn parse(image: &str) -> Result<ImageReference<'_>, String> {
    let problem = |what: String| format!("{what}; {EXPECTED}");
    if image.is_empty() {
        return Err(problem("image is empty".to_string()));
    }
    // White space at either end is white space too: one look at every
    // character covers `trim`. Printable ASCII, what images are written
    // in, has none; anything else is looked at character by character.
    let printable_ascii = image.bytes().all(|b| b.is_ascii_graphic());
    if !printable_ascii && image.chars().any(char::is_whitespace) {
        return Err(problem(format!("{image:?} contains white space")));
    }

    let (rest, digest) = match split_once_byte(image, b'@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (image, None),
    };
    if let Some(digest) = digest {
        let valid = digest.strip_prefix("sha256:").is_some_and(|hex| {
            hex.len() == 64 && hex.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f'))
        });
        if !valid {
            return Err(problem(format!(
                "digest {digest:?} is not sha256: followed by 64 lowercase hex characters"
            )));
        }
    }

    let last_slash = rfind_byte(rest, b'/');
    let (name, tag) = match rfind_byte(rest, b':') {
        Some(colon) if last_slash.is_none_or(|slash| colon > slash) => {
            (&rest[..colon], Some(&rest[colon + 1..]))
        }
        _ => (rest, None),
    };
    if tag == Some("") {
        // What the upstream executor writes for an image deployed by digest.
        return Err(format!(
            "{image:?} has an empty tag after ':'; give a tag ({name}:v1.2.0), or a digest after '@' ({name}@sha256:<64 hex>)"
        ));
    }
    if let Some(tag) = tag {
        check_tag(tag).map_err(problem)?;
    }
    if name.len() > MAX_NAME_LEN {
        return Err(problem(format!(
            "name is {} characters long, more than {MAX_NAME_LEN}",
            name.len()
        )));
    }

    let (registry, repository) = split_registry(name);
    if let Some(registry) = registry {
        check_registry(registry).map_err(problem)?;
    }
    check_repository(repository).map_err(problem)?;

    Ok(ImageReference {
        registry,
        repository,
        tag,
        digest,
    })
}

/// The first component names a registry when it looks like a host: it has a
/// dot or a port, or is `localhost`. Otherwise the image lives on the default
/// registry and the whole name is the repository.
fn split_registry(name: &str) -> (Option<&str>, &str) {
    match split_once_byte(name, b'/') {
        Some((first, rest))
            if first.bytes().any(|b| b == b'.' || b == b':') || first == "localhost" =>
        {
            (Some(first), rest)
        }
        _ => (None, name),
    }
}

fn check_tag(tag: &str) -> Result<(), String> {
    let mut bytes = tag.bytes();
    let first_ok = bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
    let rest_ok = bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    if !first_ok || !rest_ok || tag.len() > MAX_TAG_LEN {
        return Err(format!(
            "tag {tag:?} is not valid: up to {MAX_TAG_LEN} letters, digits, '_', '.' or '-', not starting with '.' or '-'"
        ));
    }
    Ok(())
}

fn check_registry(registry: &str) -> Result<(), String> {
    let (host, port) = split_host_port(registry);
    if let Some(port) = port
        && (port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(format!(
            "registry {registry:?} has an invalid port {port:?}"
        ));
    }
    let host_ok = if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        inner.parse::<std::net::Ipv6Addr>().is_ok()
    } else {
        !host.is_empty()
            && host
                .as_bytes()
                .split(|b| *b == b'.')
                .all(is_domain_component)
    };
    if !host_ok {
        return Err(format!("registry host {host:?} is not a valid host name"));
    }
    Ok(())
}

/// Splits `host[:port]`, where host may be a bracketed IPv6 address.
fn split_host_port(registry: &str) -> (&str, Option<&str>) {
    if registry.starts_with('[') {
        return match registry.find(']') {
            Some(end) => match registry[end + 1..].strip_prefix(':') {
                Some(port) => (&registry[..=end], Some(port)),
                None => (registry, None),
            },
            None => (registry, None),
        };
    }
    match registry.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (registry, None),
    }
}

fn is_domain_component(component: &[u8]) -> bool {
    matches!((component.first(), component.last()), (Some(first), Some(last)) if *first != b'-' && *last != b'-')
        && component
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
}

fn check_repository(repository: &str) -> Result<(), String> {
    if repository.is_empty() {
        return Err("repository is empty".to_string());
    }
    if repository.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(format!(
            "repository {repository:?} must be lowercase (write {:?})",
            repository.to_ascii_lowercase()
        ));
    }
    for component in repository.as_bytes().split(|b| *b == b'/') {
        if !is_path_component(component) {
            // Whole characters, split at an ASCII byte: never lossy.
            let component = String::from_utf8_lossy(component);
            return Err(format!(
                "repository component {component:?} is not valid: lowercase letters and digits, separated by '.', '_', '__' or '-'"
            ));
        }
    }
    Ok(())
}

/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
fn is_path_component(bytes: &[u8]) -> bool {
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let mut i = 0;
    let mut expect_alnum = true;
    while i < bytes.len() {
        if expect_alnum {
            if !alnum(bytes[i]) {
                return false;
            }
            while i < bytes.len() && alnum(bytes[i]) {
                i += 1;
            }
            expect_alnum = false;
        } else {
            let start = i;
            match bytes[i] {
                b'.' => i += 1,
                b'_' => {
                    i += if bytes.get(i + 1) == Some(&b'_') {
                        2
                    } else {
                        1
                    }
                }
                b'-' => {
                    while i < bytes.len() && bytes[i] == b'-' {
                        i += 1;
                    }
                }
                _ => return false,
            }
            debug_assert!(i > start);
            expect_alnum = true;
        }
    }
    !bytes.is_empty() && !expect_alnum
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn parses_the_usual_forms() {
        let plain = parse("myavs/performer:v2.0.0").unwrap();
        assert_eq!(plain.registry, None);
        assert_eq!(plain.repository, "myavs/performer");
        assert_eq!(plain.tag, Some("v2.0.0"));

        let registry = parse("localhost:5000/org/sub/performer").unwrap();
        assert_eq!(registry.registry, Some("localhost:5000"));
        assert_eq!(registry.tag, None);

        let pinned_text = format!("ghcr.io/org/performer:v1@{DIGEST}");
        let pinned = parse(&pinned_text).unwrap();
        assert_eq!(pinned.registry, Some("ghcr.io"));
        assert_eq!(pinned.digest, Some(DIGEST));

        assert!(parse("busybox").is_ok());
        assert!(parse("a__b/c-d--e.f:latest").is_ok());
        assert!(parse("[::1]:5000/x:1").is_ok());
    }

    #[test]
    fn rejects_broken_references_with_a_reason() {
        let cases = [
            ("", "empty"),
            ("MyAvs/performer:v1", "must be lowercase"),
            ("myavs/performer:-bad", "tag"),
            ("myavs//performer", "component \"\""),
            ("myavs/performer@sha256:abc", "digest"),
            ("my avs/performer", "white space"),
            // White space past ASCII, and at the ends, is white space too.
            ("myavs/performer:v1\u{a0}", "white space"),
            ("\tmyavs/performer:v1", "white space"),
            ("myavs/per\u{2003}former", "white space"),
            ("myavs/pér:v1", "component \"pér\""),
            ("reg-.io/x", "not a valid host"),
            ("reg.io:port/x", "invalid port"),
            ("-reg.io/x", "not a valid host"),
            ("myavs/per..former", "component"),
        ];
        for (image, needle) in cases {
            let err = parse(image).unwrap_err();
            assert!(err.contains(needle), "{image:?}: {err}");
            assert!(err.contains("expected [registry"), "{image:?}: {err}");
        }
    }

    // What the upstream executor writes for an image it deployed by digest.
    #[test]
    fn an_empty_tag_says_where_a_digest_goes() {
        let err = parse("ghcr.io/acme/performer:").unwrap_err();
        assert_eq!(
            err,
            "\"ghcr.io/acme/performer:\" has an empty tag after ':'; give a tag (ghcr.io/acme/performer:v1.2.0), or a digest after '@' (ghcr.io/acme/performer@sha256:<64 hex>)"
        );
    }

    #[test]
    fn retags_keeping_the_registry() {
        let text = format!("reg.io:5000/org/p:v1@{DIGEST}");
        let image = parse(&text).unwrap();
        assert_eq!(image.with_tag("v2"), "reg.io:5000/org/p:v2");
    }
}
