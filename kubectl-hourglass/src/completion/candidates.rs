//! What may come next on a `kubectl hourglass` command line, decided from
//! the words alone and the command definition: subcommands, flags, a flag's
//! values, or a kind of live name for `live` to look up.

use clap::Command;

use hourglass_shared::object::ObjectKind;

use crate::api;

/// cobra's directives.
pub const DIRECTIVE_DEFAULT: u32 = 0;
pub const DIRECTIVE_NO_FILE: u32 = 4;

/// What to complete, decided from the words alone.
#[derive(Debug, PartialEq, Eq)]
pub enum Candidates {
    /// Fixed candidates.
    Words(Vec<String>, u32),
    /// Names of live objects of this kind.
    Objects(ObjectKind),
    Namespaces,
    Contexts,
    /// Let the shell complete file names.
    Files,
}

fn flag_takes_value(command: &Command, flag: &str) -> Option<clap::Arg> {
    let found = if let Some(long) = flag.strip_prefix("--") {
        command.get_arguments().find(|a| {
            a.get_long() == Some(long) || a.get_all_aliases().is_some_and(|al| al.contains(&long))
        })
    } else {
        let short = flag.strip_prefix('-')?.chars().next()?;
        command
            .get_arguments()
            .find(|a| a.get_short() == Some(short))
    }?;
    let takes = found
        .get_num_args()
        .is_some_and(|n| n.takes_values() && n.min_values() > 0)
        || matches!(
            found.get_action(),
            clap::ArgAction::Set | clap::ArgAction::Append
        );
    takes.then(|| found.clone())
}

fn value_candidates(arg: &clap::Arg) -> Candidates {
    let id = arg.get_id().as_str();
    match id {
        "namespace" => return Candidates::Namespaces,
        "context" => return Candidates::Contexts,
        "kubeconfig" | "filenames" | "from_chart_values" => return Candidates::Files,
        _ => {}
    }
    let values: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name().to_string())
        .collect();
    Candidates::Words(values, DIRECTIVE_NO_FILE)
}

/// Decides what to complete for `words` (after `kubectl hourglass`).
pub fn want(root: &Command, words: &[String]) -> Candidates {
    let mut command = root.clone();
    let mut path: Vec<String> = Vec::new();
    let mut positionals: Vec<String> = Vec::new();
    let (current, before) = match words.split_last() {
        Some((current, before)) => (current.as_str(), before),
        None => ("", &[][..]),
    };
    let mut index = 0;
    while index < before.len() {
        let word = &before[index];
        let next = command
            .get_subcommands()
            .find(|s| s.get_name() == word || s.get_all_aliases().any(|a| a == word))
            .filter(|_| positionals.is_empty())
            .cloned();
        if word.starts_with('-') && word.len() > 1 {
            if !word.contains('=')
                && let Some(_) =
                    flag_takes_value(&command, word).or_else(|| flag_takes_value(root, word))
            {
                index += 1;
            }
        } else if let Some(sub) = next {
            path.push(sub.get_name().to_string());
            command = sub;
        } else {
            positionals.push(word.clone());
        }
        index += 1;
    }
    // The value of a flag given just before.
    if let Some(previous) = before.last()
        && previous.starts_with('-')
        && !previous.contains('=')
        && let Some(arg) =
            flag_takes_value(&command, previous).or_else(|| flag_takes_value(root, previous))
    {
        return value_candidates(&arg);
    }
    if let Some((flag, _)) = current.split_once('=')
        && flag.starts_with("--")
        && let Some(arg) = flag_takes_value(&command, flag).or_else(|| flag_takes_value(root, flag))
    {
        return match value_candidates(&arg) {
            Candidates::Words(values, d) => Candidates::Words(
                values.into_iter().map(|v| format!("{flag}={v}")).collect(),
                d,
            ),
            other => other,
        };
    }
    if current.starts_with('-') {
        let mut flags: Vec<String> = command
            .get_arguments()
            .chain(root.get_arguments().filter(|a| a.is_global_set()))
            .filter(|a| !a.is_hide_set() && !a.is_positional())
            .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
            .collect();
        flags.sort();
        flags.dedup();
        return Candidates::Words(flags, DIRECTIVE_NO_FILE);
    }
    let has_subcommands = command.get_subcommands().any(|s| !s.is_hide_set());
    if has_subcommands && positionals.is_empty() {
        let names = command
            .get_subcommands()
            .filter(|s| !s.is_hide_set())
            .map(|s| s.get_name().to_string())
            .collect();
        return Candidates::Words(names, DIRECTIVE_NO_FILE);
    }
    let path: Vec<&str> = path.iter().map(String::as_str).collect();
    match (path.as_slice(), positionals.len()) {
        (["get"] | ["describe"], 0) => Candidates::Words(
            if path == ["get"] {
                vec!["executors".to_string(), "performers".to_string()]
            } else {
                vec!["executor".to_string(), "performer".to_string()]
            },
            DIRECTIVE_NO_FILE,
        ),
        (["get"] | ["describe"], 1) => match api::parse_kind(&positionals[0]) {
            Ok(kind) => Candidates::Objects(kind),
            Err(_) => Candidates::Words(Vec::new(), DIRECTIVE_NO_FILE),
        },
        (["status"], 0) => Candidates::Objects(ObjectKind::Executor),
        // `upgrade` takes many names: every position is a performer.
        (["performer", "upgrade"], _) | (["performer", "history" | "undo" | "restart"], 0) => {
            Candidates::Objects(ObjectKind::Performer)
        }
        (["logs"], 0) => Candidates::Words(
            vec!["executor".to_string(), "performer".to_string()],
            DIRECTIVE_NO_FILE,
        ),
        (["logs"], 1) => match api::parse_kind(&positionals[0]) {
            Ok(kind) => Candidates::Objects(kind),
            Err(_) => Candidates::Words(Vec::new(), DIRECTIVE_NO_FILE),
        },
        (["completion"], 0) => Candidates::Words(
            vec!["bash".to_string(), "zsh".to_string(), "fish".to_string()],
            DIRECTIVE_NO_FILE,
        ),
        _ => Candidates::Words(Vec::new(), DIRECTIVE_NO_FILE),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use clap::CommandFactory;

    fn words(line: &str) -> Vec<String> {
        let mut words: Vec<String> = line.split(' ').map(str::to_string).collect();
        if line.is_empty() {
            words = vec![String::new()];
        }
        words
    }

    fn fixed(line: &str) -> Vec<String> {
        match want(&Cli::command(), &words(line)) {
            Candidates::Words(words, _) => words,
            other => panic!("{line:?}: {other:?}"),
        }
    }

    #[test]
    fn subcommands_at_the_top() {
        let top = fixed("");
        for verb in [
            "install",
            "doctor",
            "create",
            "performer",
            "status",
            "get",
            "describe",
            "validate",
            "logs",
            "completion",
            "version",
        ] {
            assert!(top.contains(&verb.to_string()), "{verb} in {top:?}");
        }
        assert!(!top.contains(&"__complete".to_string()));
    }

    #[test]
    fn nested_and_flags() {
        let performer_verbs = fixed("performer ");
        for verb in ["upgrade", "restart", "history", "undo"] {
            assert!(
                performer_verbs.contains(&verb.to_string()),
                "{performer_verbs:?}"
            );
        }
        assert_eq!(fixed("logs "), vec!["executor", "performer"]);
        assert_eq!(fixed("create "), vec!["executor", "performer"]);
        let flags = fixed("performer upgrade x --");
        assert!(flags.contains(&"--image".to_string()));
        assert!(flags.contains(&"--namespace".to_string()));
        assert_eq!(
            fixed("get performers -o "),
            vec![
                "wide",
                "json",
                "yaml",
                "name",
                "jsonpath=",
                "custom-columns="
            ]
        );
        assert_eq!(fixed("get "), vec!["executors", "performers"]);
        assert_eq!(fixed("completion "), vec!["bash", "zsh", "fish"]);
    }

    #[test]
    fn live_names_where_a_name_goes() {
        assert_eq!(
            want(&Cli::command(), &words("get performers ")),
            Candidates::Objects(ObjectKind::Performer)
        );
        assert_eq!(
            want(&Cli::command(), &words("-n x describe executor m")),
            Candidates::Objects(ObjectKind::Executor)
        );
        assert_eq!(
            want(&Cli::command(), &words("performer upgrade ")),
            Candidates::Objects(ObjectKind::Performer)
        );
        assert_eq!(
            want(&Cli::command(), &words("status ")),
            Candidates::Objects(ObjectKind::Executor)
        );
        assert_eq!(
            want(&Cli::command(), &words("performer restart ")),
            Candidates::Objects(ObjectKind::Performer)
        );
        assert_eq!(
            want(&Cli::command(), &words("logs executor ")),
            Candidates::Objects(ObjectKind::Executor)
        );
        assert_eq!(
            want(&Cli::command(), &words("logs performer -f ")),
            Candidates::Objects(ObjectKind::Performer)
        );
        assert_eq!(
            want(&Cli::command(), &words("get performers -n ")),
            Candidates::Namespaces
        );
        assert_eq!(
            want(&Cli::command(), &words("validate -f ")),
            Candidates::Files
        );
    }
}
