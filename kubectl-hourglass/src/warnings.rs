//! The apiserver's warnings: admission webhooks' `warnings`, unknown fields
//! dropped from an object, deprecated APIs. They come as `Warning: 299 -
//! "text"` response headers, which kube's typed API throws away; a layer on
//! the client's HTTP stack keeps them so commands print them on stderr as
//! kubectl does (`Warning: text`), each distinct text once per run.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use http::header::WARNING;
use tower::util::MapResponseLayer;

/// The warn-code of warnings meant for the user (RFC 7234 "miscellaneous
/// persistent warning"): the only one the apiserver sends, and the only one
/// kubectl shows.
const MISC_PERSISTENT: &str = "299";

/// Warnings received by a client and not yet printed. Clones share them.
#[derive(Clone, Default)]
pub struct Warnings {
    inner: Arc<Mutex<Received>>,
}

#[derive(Default)]
struct Received {
    pending: Vec<String>,
    seen: HashSet<String>,
}

impl Warnings {
    /// Keeps the texts of the `Warning` headers of `headers` not seen before.
    pub fn record(&self, headers: &http::HeaderMap) {
        let mut received = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        for value in headers.get_all(WARNING) {
            let Ok(value) = value.to_str() else { continue };
            for text in parse(value) {
                if received.seen.insert(text.clone()) {
                    received.pending.push(text);
                }
            }
        }
    }

    /// The warnings received since the last call, oldest first.
    pub fn take(&self) -> Vec<String> {
        let mut received = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        std::mem::take(&mut received.pending)
    }

    /// A client layer that records the warnings of every response.
    pub fn layer<B>(
        &self,
    ) -> MapResponseLayer<impl Fn(http::Response<B>) -> http::Response<B> + Clone + use<B>> {
        let warnings = self.clone();
        MapResponseLayer::new(move |response: http::Response<B>| {
            warnings.record(response.headers());
            response
        })
    }
}

/// The texts of the 299 warnings in one header value: a comma-separated
/// list of `code agent "text" ["date"]`, the text a quoted-string with `\`
/// escapes. A value that does not parse is shown whole rather than lost.
pub fn parse(value: &str) -> Vec<String> {
    let mut texts = Vec::new();
    let mut rest = value.trim();
    while !rest.is_empty() {
        let Some((code, text, after)) = parse_one(rest) else {
            texts.push(rest.to_string());
            break;
        };
        if code == MISC_PERSISTENT {
            texts.push(text);
        }
        rest = after.trim_start().trim_start_matches(',').trim_start();
    }
    texts
}

/// One `code agent "text" ["date"]`, and what follows it.
fn parse_one(value: &str) -> Option<(&str, String, &str)> {
    let (code, rest) = value.split_once(' ')?;
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (_agent, rest) = rest.trim_start().split_once(' ')?;
    let (text, mut rest) = quoted(rest.trim_start())?;
    // An optional warn-date, itself a quoted-string.
    if rest.trim_start().starts_with('"') {
        rest = quoted(rest.trim_start())?.1;
    }
    Some((code, text, rest))
}

/// A quoted-string at the start of `value`, unescaped, and what follows it.
fn quoted(value: &str) -> Option<(String, &str)> {
    let mut chars = value.char_indices();
    if chars.next()?.1 != '"' {
        return None;
    }
    let mut text = String::new();
    let mut escaped = false;
    for (index, c) in chars {
        match (escaped, c) {
            (true, c) => {
                text.push(c);
                escaped = false;
            }
            (false, '\\') => escaped = true,
            (false, '"') => return Some((text, &value[index + 1..])),
            (false, c) => text.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apiserver_warnings_are_unquoted() {
        assert_eq!(
            parse(r#"299 - "spec.image: \"a:latest\" uses :latest""#),
            vec![r#"spec.image: "a:latest" uses :latest"#.to_string()]
        );
        assert_eq!(
            parse(r#"299 - "one", 299 kube-apiserver "two" "Sat, 22 Nov 2025 10:00:00 GMT""#),
            vec!["one".to_string(), "two".to_string()]
        );
    }

    #[test]
    fn other_codes_are_dropped_and_garbage_kept() {
        assert_eq!(parse(r#"199 - "cache""#), Vec::<String>::new());
        assert_eq!(parse("not a warning"), vec!["not a warning".to_string()]);
    }

    #[test]
    fn each_text_is_taken_once() {
        let warnings = Warnings::default();
        let mut headers = http::HeaderMap::new();
        headers.append(WARNING, r#"299 - "a""#.parse().unwrap());
        headers.append(WARNING, r#"299 - "b""#.parse().unwrap());
        warnings.record(&headers);
        warnings.record(&headers);
        assert_eq!(warnings.take(), vec!["a".to_string(), "b".to_string()]);
        assert!(warnings.take().is_empty());
    }
}
