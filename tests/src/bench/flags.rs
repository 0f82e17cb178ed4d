//! The benchmarks' few command-line flags (`--count 2000`, `--count=2000`),
//! without pulling a CLI crate into the test harness.

use std::collections::BTreeMap;
use std::str::FromStr;

/// Flags given on the command line, checked against the ones a command knows.
#[derive(Debug)]
pub struct Flags {
    values: BTreeMap<String, String>,
}

impl Flags {
    /// Parses `args` (without the program name). `known` lists each flag
    /// with its help line; `--help` is answered by the caller.
    pub fn parse(
        args: impl IntoIterator<Item = String>,
        known: &[(&str, &str)],
    ) -> Result<Flags, String> {
        let mut values = BTreeMap::new();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            if arg == "--help" || arg == "-h" {
                values.insert("help".to_string(), String::new());
                continue;
            }
            let Some(flag) = arg.strip_prefix("--") else {
                return Err(format!(
                    "unexpected argument {arg:?}; flags are --name VALUE"
                ));
            };
            let (name, value) = match flag.split_once('=') {
                Some((name, value)) => (name.to_string(), value.to_string()),
                None => {
                    let value = args
                        .next()
                        .ok_or_else(|| format!("--{flag} needs a value"))?;
                    (flag.to_string(), value)
                }
            };
            if !known.iter().any(|(k, _)| *k == name) {
                let names: Vec<String> = known.iter().map(|(k, _)| format!("--{k}")).collect();
                return Err(format!(
                    "unknown flag --{name}; known: {}",
                    names.join(", ")
                ));
            }
            values.insert(name, value);
        }
        Ok(Flags { values })
    }

    pub fn wants_help(&self) -> bool {
        self.values.contains_key("help")
    }

    /// The value of `--name` parsed as `T`, or `default`.
    pub fn get<T: FromStr>(&self, name: &str, default: T) -> Result<T, String>
    where
        T::Err: std::fmt::Display,
    {
        match self.values.get(name) {
            None => Ok(default),
            Some(text) => text.parse().map_err(|e| format!("--{name} {text:?}: {e}")),
        }
    }

    /// The raw text of `--name`, if given.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }
}

/// The help text for `known` flags.
pub fn help(summary: &str, known: &[(&str, &str)]) -> String {
    let mut text = format!("{summary}\n\nFlags:\n");
    for (name, line) in known {
        text.push_str(&format!("  --{name:<14} {line}\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: &[(&str, &str)] = &[("count", "objects"), ("variants", "which")];

    fn parse(args: &[&str]) -> Result<Flags, String> {
        Flags::parse(args.iter().map(|a| a.to_string()), KNOWN)
    }

    #[test]
    fn both_spellings_and_defaults() {
        let flags = parse(&["--count", "5", "--variants=none,cel"]).unwrap();
        assert_eq!(flags.get("count", 1usize), Ok(5));
        assert_eq!(flags.text("variants"), Some("none,cel"));
        assert_eq!(parse(&[]).unwrap().get("count", 7usize), Ok(7));
    }

    #[test]
    fn mistakes_name_the_flag() {
        assert!(parse(&["--cuont", "5"]).unwrap_err().contains("--cuont"));
        assert!(parse(&["--count"]).unwrap_err().contains("needs a value"));
        let flags = parse(&["--count", "many"]).unwrap();
        assert!(flags.get("count", 1usize).unwrap_err().contains("--count"));
        assert!(parse(&["stray"]).unwrap_err().contains("stray"));
    }
}
