//! kubectl's JSONPath templates (`-o jsonpath=`, and the paths of
//! `-o custom-columns=` and `--sort-by`): text with `{path}` in braces,
//! `{range path}...{end}`, quoted text such as `{"\n"}`; several results of
//! one path joined by a space, strings bare, objects and arrays as JSON; a
//! missing field prints nothing, as kubectl's default
//! `--allow-missing-template-keys` does.
//!
//! kubectl's paths are not RFC 9535: `$` is optional, `.a\.b` names a key
//! with a dot, `['a.b', 'c']` is a union of *paths*. So the path is split
//! here into steps; keys and unions are walked here, and the rest (indexes,
//! slices, filters, recursive descent) is handed to `jsonpath-rust`, one
//! step at a time, parsed once.

use std::fmt;

use jsonpath_rust::parser::model::JpQuery;
use jsonpath_rust::parser::parse_json_path;
use jsonpath_rust::query::js_path_process;
use serde_json::Value;

/// A parsed template.
#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    nodes: Vec<Node>,
}

#[derive(Clone, Debug, PartialEq)]
enum Node {
    Text(String),
    Path(Path),
    Range(Path, Vec<Node>),
}

/// A parsed kubectl path, evaluated from the current object.
#[derive(Clone, Debug, PartialEq)]
pub struct Path {
    steps: Vec<Step>,
}

#[derive(Clone, Debug, PartialEq)]
enum Step {
    Child(String),
    Wildcard,
    /// Each path from the same node, all results of the first path first.
    Union(Vec<Path>),
    /// `[0]`, `[1:3]`, `[?(@.a=="b")]`, `..name`: an RFC 9535 segment.
    Rfc(Box<JpQuery>),
}

/// What is wrong with a template, with the offending text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError(pub String);

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

type Parsed<T> = Result<T, SyntaxError>;

fn error<T>(message: impl Into<String>) -> Parsed<T> {
    Err(SyntaxError(message.into()))
}

impl Template {
    pub fn parse(text: &str) -> Parsed<Template> {
        // Frames of open `{range}`s: the path and the nodes before it.
        let mut stack: Vec<(Path, Vec<Node>)> = Vec::new();
        let mut nodes = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            let Some(open) = rest.find('{') else {
                nodes.push(Node::Text(rest.to_string()));
                break;
            };
            if open > 0 {
                nodes.push(Node::Text(rest[..open].to_string()));
            }
            let close = closing_brace(&rest[open..])
                .ok_or_else(|| SyntaxError(format!("unclosed {{ in {:?}", &rest[open..])))?;
            let inside = rest[open + 1..open + close].trim();
            rest = &rest[open + close + 1..];
            if let Some(quoted) = unquote(inside)? {
                nodes.push(Node::Text(quoted));
            } else if let Some(path) = inside.strip_prefix("range ") {
                stack.push((Path::parse(path.trim())?, std::mem::take(&mut nodes)));
            } else if inside == "end" {
                let Some((path, before)) = stack.pop() else {
                    return error("{end} without a {range ...}");
                };
                let body = std::mem::replace(&mut nodes, before);
                nodes.push(Node::Range(path, body));
            } else {
                nodes.push(Node::Path(Path::parse(inside)?));
            }
        }
        if !stack.is_empty() {
            return error("{range ...} without its {end}");
        }
        Ok(Template { nodes })
    }

    /// The template's text for `data`.
    pub fn render(&self, data: &Value) -> String {
        let mut out = String::new();
        render_nodes(&self.nodes, data, &mut out);
        out
    }
}

fn render_nodes(nodes: &[Node], data: &Value, out: &mut String) {
    for node in nodes {
        match node {
            Node::Text(text) => out.push_str(text),
            Node::Path(path) => {
                let texts: Vec<String> = path.eval(data).into_iter().map(text_of).collect();
                out.push_str(&texts.join(" "));
            }
            Node::Range(path, body) => {
                let results = path.eval(data);
                // `{range .items}` walks the list itself, as `.items[*]` does.
                let items: Vec<&Value> = match results.as_slice() {
                    [Value::Array(items)] => items.iter().collect(),
                    _ => results,
                };
                for item in items {
                    render_nodes(body, item, out);
                }
            }
        }
    }
}

/// A result as kubectl prints it: strings bare, the rest as compact JSON.
pub fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The index of the `}` closing the `{` at 0, past quotes and brackets.
fn closing_brace(text: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (index, c) in text.char_indices().skip(1) {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '"' | '\'' => quote = Some(c),
                '}' => return Some(index),
                _ => {}
            },
        }
    }
    None
}

/// `"\t"` or `'\n'`: quoted text with its escapes, or `None` when not quoted.
fn unquote(inside: &str) -> Parsed<Option<String>> {
    let Some(first) = inside.chars().next().filter(|c| *c == '"' || *c == '\'') else {
        return Ok(None);
    };
    if inside.len() < 2 || !inside.ends_with(first) {
        return error(format!("unterminated quoted text {inside}"));
    }
    let mut out = String::new();
    let mut chars = inside[1..inside.len() - 1].chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => return error(format!("a lone \\ ends {inside}")),
        }
    }
    Ok(Some(out))
}

impl Path {
    /// `.items[*].metadata.name`, `{.kind}` or `$.kind`, `..name`, `@`.
    pub fn parse(text: &str) -> Parsed<Path> {
        let text = text.trim();
        let text = text
            .strip_prefix('{')
            .and_then(|t| t.strip_suffix('}'))
            .unwrap_or(text);
        let mut rest = text
            .strip_prefix('$')
            .or_else(|| text.strip_prefix('@'))
            .unwrap_or(text);
        let mut steps = Vec::new();
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix("..") {
                let (segment, next) = if after.starts_with('[') {
                    let end = closing_bracket(after)
                        .ok_or_else(|| SyntaxError(format!("unclosed [ in {text:?}")))?;
                    (after[..=end].to_string(), &after[end + 1..])
                } else {
                    let (name, next) = field_name(after);
                    if name.is_empty() {
                        return error(format!("a name or [ must follow .. in {text:?}"));
                    }
                    (selector_of(&name), next)
                };
                steps.push(rfc(&format!("$..{segment}"), text)?);
                rest = next;
            } else if let Some(after) = rest.strip_prefix('.') {
                let (name, next) = field_name(after);
                match name.as_str() {
                    "" => return error(format!("a field name must follow . in {text:?}")),
                    "*" => steps.push(Step::Wildcard),
                    _ => steps.push(Step::Child(name)),
                }
                rest = next;
            } else if rest.starts_with('[') {
                let end = closing_bracket(rest)
                    .ok_or_else(|| SyntaxError(format!("unclosed [ in {text:?}")))?;
                steps.push(bracket(&rest[1..end], text)?);
                rest = &rest[end + 1..];
            } else {
                return error(format!(
                    "{rest:?} in {text:?}: a path goes on with .field or [...]"
                ));
            }
        }
        Ok(Path { steps })
    }

    /// Every value the path reaches from `data`, in order.
    pub fn eval<'a>(&self, data: &'a Value) -> Vec<&'a Value> {
        let mut nodes = vec![data];
        for step in &self.steps {
            nodes = match step {
                Step::Child(name) => nodes.iter().filter_map(|n| n.get(name.as_str())).collect(),
                Step::Wildcard => nodes
                    .iter()
                    .flat_map(|n| -> Box<dyn Iterator<Item = &'a Value>> {
                        match n {
                            Value::Array(items) => Box::new(items.iter()),
                            Value::Object(map) => Box::new(map.values()),
                            _ => Box::new(std::iter::empty()),
                        }
                    })
                    .collect(),
                Step::Union(paths) => paths
                    .iter()
                    .flat_map(|path| nodes.iter().flat_map(|n| path.eval(n)).collect::<Vec<_>>())
                    .collect(),
                Step::Rfc(query) => nodes
                    .iter()
                    .flat_map(|n| {
                        js_path_process(query, *n)
                            .map(|found| found.into_iter().map(|r| r.val()).collect())
                            .unwrap_or_else(|_| Vec::new())
                    })
                    .collect(),
            };
        }
        nodes
    }
}

/// A field name up to the next unescaped `.`, `[` or blank; `\.` is a dot.
fn field_name(text: &str) -> (String, &str) {
    let mut name = String::new();
    let mut chars = text.char_indices().peekable();
    while let Some((index, c)) = chars.next() {
        match c {
            '\\' if matches!(chars.peek(), Some((_, '.'))) => {
                name.push('.');
                chars.next();
            }
            '.' | '[' => return (name, &text[index..]),
            c if c.is_whitespace() => return (name, &text[index..]),
            _ => name.push(c),
        }
    }
    (name, "")
}

/// The index of the `]` closing the `[` at 0, past quotes and inner brackets.
fn closing_bracket(text: &str) -> Option<usize> {
    let mut depth = 0;
    let mut quote: Option<char> = None;
    for (index, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[') => depth += 1,
            (None, ']') => {
                depth -= 1;
                if depth == 0 {
                    return Some(index);
                }
            }
            _ => {}
        }
    }
    None
}

/// `['a.b', 'c']` is kubectl's union of paths; anything else in brackets
/// (`*`, `0`, `-1:`, `?(@.a=="b")`) an RFC 9535 selector.
fn bracket(inside: &str, whole: &str) -> Parsed<Step> {
    let trimmed = inside.trim();
    if trimmed == "*" {
        return Ok(Step::Wildcard);
    }
    if trimmed.starts_with('\'') || trimmed.starts_with('"') {
        let mut paths = Vec::new();
        for part in trimmed.split(',') {
            let key = unquote(part.trim())?.ok_or_else(|| {
                SyntaxError(format!(
                    "[{inside}] in {whole:?} mixes quoted and bare names"
                ))
            })?;
            paths.push(Path::parse(&format!(".{key}"))?);
        }
        return Ok(match paths.as_slice() {
            [single] => Step::Union(vec![single.clone()]),
            _ => Step::Union(paths),
        });
    }
    rfc(&format!("$[{trimmed}]"), whole)
}

fn rfc(query: &str, whole: &str) -> Parsed<Step> {
    parse_json_path(query)
        .map(|q| Step::Rfc(Box::new(q)))
        .map_err(|e| SyntaxError(format!("{whole:?}: {e}")))
}

/// `['name']` with the quotes RFC 9535 needs.
fn selector_of(name: &str) -> String {
    if name == "*" {
        return "*".to_string();
    }
    format!("['{}']", name.replace('\\', "\\\\").replace('\'', "\\'"))
}

#[cfg(test)]
#[path = "jsonpath_tests.rs"]
mod tests;
