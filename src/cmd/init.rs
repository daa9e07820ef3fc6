//! `awsso init SHELL [--cmd NAME] [--no-prompt] [--no-dir]`: the shell integration, from the real script files in
//! `shell/`.
//!
//! Three substitutions: the wrapper's name, the binary's absolute path (quoted for the shell, as starship bakes in
//! its own path), and the completion registration. `--no-prompt` and `--no-dir` cut the blocks between the
//! `prompt` and `dir` markers (a file may hold several of each).

use crate::cli::InitArgs;
use crate::complete::registration;
use crate::error::Error;
use crate::shell::Shell;
use crate::ui::print_once;

const BASH: &str = include_str!("../../shell/awsso.bash");
const ZSH: &str = include_str!("../../shell/awsso.zsh");
const FISH: &str = include_str!("../../shell/awsso.fish");
const POWERSHELL: &str = include_str!("../../shell/awsso.ps1");
const NU: &str = include_str!("../../shell/awsso.nu");

impl InitArgs {
    pub(crate) fn run(&self) -> anyhow::Result<()> {
        let exe = std::env::current_exe()?;
        let exe = exe
            .to_str()
            .ok_or_else(|| anyhow::anyhow!("the path of the awsso binary is not valid UTF-8"))?;
        print_once(&render(self.shell, &self.cmd, exe, !self.no_prompt, !self.no_dir)?)
    }
}

/// A function name every shell accepts and no quoting is needed for.
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Keywords and builtins of the shells awsso integrates with (bash, zsh, fish, and what the nu and PowerShell
/// wrappers call): a wrapper function of that name would shadow what the wrapper itself runs (`--cmd eval` makes
/// `use` call itself forever) or break the shell.
const RESERVED: &[&str] = &[
    // bash and zsh keywords, fish and nu keywords
    "if",
    "then",
    "else",
    "elif",
    "fi",
    "case",
    "esac",
    "for",
    "select",
    "while",
    "until",
    "do",
    "done",
    "in",
    "function",
    "time",
    "coproc",
    "repeat",
    "foreach",
    "end",
    "nocorrect",
    "begin",
    "switch",
    "and",
    "or",
    "not",
    "def",
    "let",
    "mut",
    "const",
    "use",
    "export",
    "hide",
    "try",
    "catch",
    "return",
    "break",
    "continue",
    "param",
    "global",
    "filter",
    "trap",
    "finally",
    "exit",
    // builtins: bash, zsh, fish
    "alias",
    "bg",
    "bind",
    "builtin",
    "caller",
    "cd",
    "command",
    "compgen",
    "complete",
    "compopt",
    "declare",
    "dirs",
    "disown",
    "echo",
    "enable",
    "eval",
    "exec",
    "false",
    "fc",
    "fg",
    "getopts",
    "hash",
    "help",
    "history",
    "jobs",
    "kill",
    "local",
    "logout",
    "mapfile",
    "popd",
    "printf",
    "pushd",
    "pwd",
    "read",
    "readarray",
    "readonly",
    "set",
    "shift",
    "shopt",
    "source",
    "suspend",
    "test",
    "times",
    "true",
    "type",
    "typeset",
    "ulimit",
    "umask",
    "unalias",
    "unset",
    "wait",
    "autoload",
    "bindkey",
    "bye",
    "chdir",
    "compadd",
    "compdef",
    "emulate",
    "float",
    "functions",
    "integer",
    "limit",
    "noglob",
    "print",
    "private",
    "rehash",
    "setopt",
    "unfunction",
    "unhash",
    "unlimit",
    "unsetopt",
    "vared",
    "whence",
    "where",
    "which",
    "zle",
    "zmodload",
    "zstyle",
    "add-zsh-hook",
    "abbr",
    "argparse",
    "block",
    "commandline",
    "contains",
    "count",
    "emit",
    "math",
    "path",
    "random",
    "realpath",
    "set_color",
    "status",
    "string",
    // what the nu and PowerShell wrappers call
    "default",
    "describe",
    "get",
    "load-env",
    "hide-env",
    "skip",
    "take",
    "view",
    "str",
    "with-env",
    "complete",
    "is-empty",
    "save",
    "mkdir",
];

/// A name `--cmd` cannot take: a keyword or builtin ([`RESERVED`]) or one of the wrapper's own helpers.
fn reserved(name: &str) -> bool {
    name.starts_with("__awsso") || RESERVED.contains(&name)
}

pub(crate) fn render(shell: Shell, cmd: &str, exe: &str, prompt: bool, dir: bool) -> anyhow::Result<String> {
    if !valid_name(cmd) {
        return Err(Error::Usage(format!(
            "`{cmd}` cannot be a function name; use letters, digits, `_` and `-`, starting with a letter"
        ))
        .into());
    }
    if reserved(cmd) {
        return Err(Error::Usage(format!(
            "`{cmd}` is a shell keyword or builtin (or an awsso helper) the wrapper would shadow; choose another \
             --cmd name"
        ))
        .into());
    }
    let template = match shell {
        Shell::Bash => BASH,
        Shell::Zsh => ZSH,
        Shell::Fish => FISH,
        Shell::Powershell => POWERSHELL,
        Shell::Nu => NU,
    };
    let mut script = template.to_owned();
    if !prompt {
        script = cut_block(&script, "prompt");
    }
    if !dir {
        script = cut_block(&script, "dir");
    }
    let completions = match shell {
        // The wrapper itself names the completer on its arguments (`string@__awsso_complete`).
        Shell::Nu => crate::complete::NU_COMPLETER.to_owned(),
        _ => registration(shell, cmd, exe)?,
    };
    script = script
        .replace("__AWSSO_COMPLETIONS__", completions.trim())
        .replace("__AWSSO_BIN__", &shell.quote(exe))
        .replace("__AWSSO_CMD__", cmd);
    Ok(script)
}

/// Remove the lines from `# >>> NAME` through `# <<< NAME`.
fn cut_block(template: &str, name: &str) -> String {
    let (start, end) = (format!("# >>> {name}"), format!("# <<< {name}"));
    let mut out = String::with_capacity(template.len());
    let mut inside = false;
    for line in template.split_inclusive('\n') {
        if line.trim_end() == start {
            inside = true;
        } else if line.trim_end() == end {
            inside = false;
        } else if !inside {
            out.push_str(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXE: &str = "/opt/awsso dir/bin/awsso";

    #[test]
    fn snapshots() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::Powershell, Shell::Nu] {
            insta::assert_snapshot!(
                format!("init_{}", shell.name()),
                render(shell, "awsso", EXE, true, true).unwrap()
            );
        }
        insta::assert_snapshot!(
            "init_bash_no_prompt_cmd_aws",
            render(Shell::Bash, "aws-sso", EXE, false, true).unwrap()
        );
    }

    #[test]
    fn no_placeholder_survives() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::Powershell, Shell::Nu] {
            for (prompt, dir) in [(true, true), (false, true), (true, false), (false, false)] {
                let s = render(shell, "sw", EXE, prompt, dir).unwrap();
                assert_eq!(s.contains(" dir-hook --shell "), dir, "{shell:?}");
                assert!(!s.contains("__AWSSO_"), "{shell:?}");
                // Every shell's segment runs `… prompt` with stderr discarded (nu: captured by `complete`).
                let runs_prompt = s.contains(" prompt 2>") || s.contains("__awsso_bin prompt | complete");
                assert_eq!(runs_prompt, prompt, "{shell:?}");
            }
        }
    }

    #[test]
    fn bad_function_names_are_refused() {
        for bad in [
            "",
            "1x",
            "a b",
            "x;rm",
            "$(x)",
            "eval",
            "source",
            "local",
            "printf",
            "string",
            "__awsso_ps1",
        ] {
            assert!(render(Shell::Bash, bad, EXE, true, true).is_err(), "{bad}");
        }
    }
}
