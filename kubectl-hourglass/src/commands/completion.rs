//! `completion bash|zsh|fish`: the scripts, which call back into
//! `kubectl-hourglass __complete` (the engine is `crate::completion`).

use std::io::Write;

use crate::context::Context;
use crate::error::Result;

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

/// `__complete WORDS...`: the backend the scripts call.
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
