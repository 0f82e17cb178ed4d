//! `completion bash|zsh|fish` and the completion backend in cobra's format
//! (`__complete` here, and the `kubectl_complete-hourglass` helper that
//! kubectl runs to complete `kubectl hourglass ...`): candidate lines, then
//! `:<directive>`.

use std::io::Write;
use std::time::Duration;

use clap::{Command, CommandFactory};
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, ListParams};

use hourglass_shared::object::ObjectKind;

use crate::api;
use crate::cli::Cli;
use crate::context::Context;
use crate::error::Result;
use crate::options::GlobalArgs;

/// cobra's directives.
pub const DIRECTIVE_DEFAULT: u32 = 0;
pub const DIRECTIVE_NO_FILE: u32 = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  source <(kubectl-hourglass completion bash)
  kubectl-hourglass completion zsh > \"${fpath[1]}/_kubectl-hourglass\"
  kubectl-hourglass completion fish > ~/.config/fish/completions/kubectl-hourglass.fish

For `kubectl hourglass <TAB>` (kubectl 1.26+), put kubectl_complete-hourglass on
your PATH next to kubectl-hourglass; kubectl's own completion then uses it.")]
pub struct Args {
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Debug, clap::Args)]
pub struct CompleteArgs {
    /// The words after `kubectl hourglass`, the last one being completed
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub words: Vec<String>,
}

pub fn script(shell: Shell) -> &'static str {
    match shell {
        Shell::Bash => BASH,
        Shell::Zsh => ZSH,
        Shell::Fish => FISH,
    }
}

pub fn run(args: &Args, ctx: &Context) -> Result<()> {
    ctx.out().write_all(script(args.shell).as_bytes())?;
    Ok(())
}

const BASH: &str = r#"# bash completion for kubectl-hourglass
_kubectl_hourglass() {
    local cur out directive
    cur="${COMP_WORDS[COMP_CWORD]}"
    out=$(kubectl-hourglass __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) || return
    directive="${out##*:}"
    out="${out%:*}"
    local IFS=$'\n'
    COMPREPLY=($(compgen -W "$(printf '%s\n' "$out" | cut -f1)" -- "$cur"))
    if [[ ${#COMPREPLY[@]} -eq 0 && $((directive & 4)) -ne 0 ]]; then
        compopt +o default 2>/dev/null
    fi
}
complete -o default -F _kubectl_hourglass kubectl-hourglass
"#;

const ZSH: &str = r#"#compdef kubectl-hourglass
# zsh completion for kubectl-hourglass
_kubectl_hourglass() {
    local out directive
    local -a lines values
    out=$(kubectl-hourglass __complete "${(@)words[2,CURRENT]}" 2>/dev/null)
    lines=("${(@f)out}")
    directive="${lines[-1]#:}"
    for line in "${(@)lines[1,-2]}"; do
        [[ -n "$line" ]] && values+=("${line%%$'\t'*}")
    done
    if (( ${#values} )); then
        compadd -a values
    elif (( (directive & 4) == 0 )); then
        _files
    fi
}
compdef _kubectl_hourglass kubectl-hourglass
"#;

const FISH: &str = r#"# fish completion for kubectl-hourglass
function __kubectl_hourglass_complete
    set -l words (commandline -opc)[2..-1] (commandline -ct)
    set -l out (kubectl-hourglass __complete $words 2>/dev/null)
    set -l directive (string replace ':' '' -- $out[-1])
    set -e out[-1]
    if test (count $out) -eq 0; and test (math "$directive % 8 - $directive % 4") -eq 0
        __fish_complete_path (commandline -ct)
        return
    end
    printf '%s\n' $out
end
complete -c kubectl-hourglass -f -a '(__kubectl_hourglass_complete)'
"#;

/// What to complete, decided from the words alone.
#[derive(Debug, PartialEq, Eq)]
pub enum Want {
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

fn value_candidates(arg: &clap::Arg) -> Want {
    let id = arg.get_id().as_str();
    match id {
        "namespace" => return Want::Namespaces,
        "context" => return Want::Contexts,
        "kubeconfig" | "filenames" | "from_chart_values" => return Want::Files,
        _ => {}
    }
    let values: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name().to_string())
        .collect();
    Want::Words(values, DIRECTIVE_NO_FILE)
}

/// Decides what to complete for `words` (after `kubectl hourglass`).
pub fn want(words: &[String]) -> Want {
    let root = Cli::command();
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
                    flag_takes_value(&command, word).or_else(|| flag_takes_value(&root, word))
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
            flag_takes_value(&command, previous).or_else(|| flag_takes_value(&root, previous))
    {
        return value_candidates(&arg);
    }
    if let Some((flag, _)) = current.split_once('=')
        && flag.starts_with("--")
        && let Some(arg) =
            flag_takes_value(&command, flag).or_else(|| flag_takes_value(&root, flag))
    {
        return match value_candidates(&arg) {
            Want::Words(values, d) => Want::Words(
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
        return Want::Words(flags, DIRECTIVE_NO_FILE);
    }
    let has_subcommands = command.get_subcommands().any(|s| !s.is_hide_set());
    if has_subcommands && positionals.is_empty() {
        let names = command
            .get_subcommands()
            .filter(|s| !s.is_hide_set())
            .map(|s| s.get_name().to_string())
            .collect();
        return Want::Words(names, DIRECTIVE_NO_FILE);
    }
    let path: Vec<&str> = path.iter().map(String::as_str).collect();
    match (path.as_slice(), positionals.len()) {
        (["get"] | ["describe"], 0) => Want::Words(
            if path == ["get"] {
                vec!["executors".to_string(), "performers".to_string()]
            } else {
                vec!["executor".to_string(), "performer".to_string()]
            },
            DIRECTIVE_NO_FILE,
        ),
        (["get"] | ["describe"], 1) => match api::parse_kind(&positionals[0]) {
            Ok(kind) => Want::Objects(kind),
            Err(_) => Want::Words(Vec::new(), DIRECTIVE_NO_FILE),
        },
        (["status"], 0) => Want::Objects(ObjectKind::Executor),
        (["performer", "upgrade"], 0) => Want::Objects(ObjectKind::Performer),
        (["completion"], 0) => Want::Words(
            vec!["bash".to_string(), "zsh".to_string(), "fish".to_string()],
            DIRECTIVE_NO_FILE,
        ),
        _ => Want::Words(Vec::new(), DIRECTIVE_NO_FILE),
    }
}

/// The global flags found among the words (for -n, --context, --kubeconfig).
fn globals_from(words: &[String]) -> GlobalArgs {
    let mut global = GlobalArgs {
        request_timeout: Duration::from_secs(5),
        ..Default::default()
    };
    let mut iter = words.iter().peekable();
    while let Some(word) = iter.next() {
        let (flag, inline) = match word.split_once('=') {
            Some((f, v)) => (f, Some(v.to_string())),
            None => (word.as_str(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| iter.peek().map(|v| v.to_string()))
        };
        match flag {
            "-n" | "--namespace" => global.namespace = value(),
            "--context" => global.context = value(),
            "--kubeconfig" => global.kubeconfig = value().map(Into::into),
            "-A" | "--all-namespaces" => global.all_namespaces = true,
            _ => {}
        }
    }
    global
}

/// Writes candidates and the directive for `words`.
pub async fn complete(words: &[String], out: &mut impl Write) -> std::io::Result<()> {
    let want = want(words);
    let (candidates, directive) = match want {
        Want::Words(words, directive) => (words, directive),
        Want::Files => (Vec::new(), DIRECTIVE_DEFAULT),
        Want::Contexts => (contexts(&globals_from(words)), DIRECTIVE_NO_FILE),
        Want::Namespaces => (
            live_namespaces(&globals_from(words)).await,
            DIRECTIVE_NO_FILE,
        ),
        Want::Objects(kind) => (
            live_names(&globals_from(words), kind).await,
            DIRECTIVE_NO_FILE,
        ),
    };
    let current = words.last().map(String::as_str).unwrap_or("");
    for candidate in candidates.iter().filter(|c| c.starts_with(current)) {
        writeln!(out, "{candidate}")?;
    }
    writeln!(out, ":{directive}")
}

fn quiet_context(global: &GlobalArgs) -> Context {
    Context::new(
        global.clone(),
        Box::new(std::io::sink()),
        Box::new(std::io::sink()),
        false,
    )
}

async fn live_names(global: &GlobalArgs, kind: ObjectKind) -> Vec<String> {
    let ctx = quiet_context(global);
    let namespace = ctx.list_namespace().await;
    let names: Vec<Option<String>> = match kind {
        ObjectKind::Executor => api::list_executors(&ctx, namespace.as_deref())
            .await
            .map(|items| items.into_iter().map(|i| i.metadata.name).collect())
            .unwrap_or_default(),
        ObjectKind::Performer => api::list_performers(&ctx, namespace.as_deref())
            .await
            .map(|items| items.into_iter().map(|i| i.metadata.name).collect())
            .unwrap_or_default(),
    };
    names.into_iter().flatten().collect()
}

async fn live_namespaces(global: &GlobalArgs) -> Vec<String> {
    let ctx = quiet_context(global);
    let Ok(client) = ctx.client().await else {
        return Vec::new();
    };
    Api::<Namespace>::all(client)
        .list(&ListParams::default())
        .await
        .map(|list| {
            list.items
                .into_iter()
                .filter_map(|n| n.metadata.name)
                .collect()
        })
        .unwrap_or_default()
}

fn contexts(global: &GlobalArgs) -> Vec<String> {
    let kubeconfig = match &global.kubeconfig {
        Some(path) => kube::config::Kubeconfig::read_from(path),
        None => kube::config::Kubeconfig::read(),
    };
    kubeconfig
        .map(|k| k.contexts.into_iter().map(|c| c.name).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        let mut words: Vec<String> = line.split(' ').map(str::to_string).collect();
        if line.is_empty() {
            words = vec![String::new()];
        }
        words
    }

    fn fixed(line: &str) -> Vec<String> {
        match want(&words(line)) {
            Want::Words(words, _) => words,
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
            "completion",
            "version",
        ] {
            assert!(top.contains(&verb.to_string()), "{verb} in {top:?}");
        }
        assert!(!top.contains(&"__complete".to_string()));
    }

    #[test]
    fn nested_and_flags() {
        assert_eq!(fixed("performer "), vec!["upgrade"]);
        assert_eq!(fixed("create "), vec!["executor", "performer"]);
        let flags = fixed("performer upgrade x --");
        assert!(flags.contains(&"--image".to_string()));
        assert!(flags.contains(&"--namespace".to_string()));
        assert_eq!(
            fixed("get performers -o "),
            vec!["wide", "json", "yaml", "name"]
        );
        assert_eq!(fixed("get "), vec!["executors", "performers"]);
        assert_eq!(fixed("completion "), vec!["bash", "zsh", "fish"]);
    }

    #[test]
    fn live_names_where_a_name_goes() {
        assert_eq!(
            want(&words("get performers ")),
            Want::Objects(ObjectKind::Performer)
        );
        assert_eq!(
            want(&words("-n x describe executor m")),
            Want::Objects(ObjectKind::Executor)
        );
        assert_eq!(
            want(&words("performer upgrade ")),
            Want::Objects(ObjectKind::Performer)
        );
        assert_eq!(want(&words("status ")), Want::Objects(ObjectKind::Executor));
        assert_eq!(want(&words("get performers -n ")), Want::Namespaces);
        assert_eq!(want(&words("validate -f ")), Want::Files);
    }

    #[test]
    fn globals_are_read_from_the_words() {
        let global = globals_from(&words("get performers -n team --context=prod "));
        assert_eq!(global.namespace.as_deref(), Some("team"));
        assert_eq!(global.context.as_deref(), Some("prod"));
    }
}
