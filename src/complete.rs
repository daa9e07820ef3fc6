//! Shell completion: the registration scripts from `clap_complete`'s environment-driven engine (the shell calls
//! `COMPLETE=<shell> awsso -- <words>` and `main` answers before anything else runs), and the dynamic candidates
//! read from the current config.

use std::ffi::OsStr;
use std::fmt::Write as _;

use clap_complete::engine::CompletionCandidate;
use clap_complete::env::{Bash, EnvCompleter, Fish, Powershell, Zsh};

use crate::config::Files;
use crate::env::Env;
use crate::shell::Shell;

/// nu's completer: nu has no `COMPLETE=` registration in clap_complete, so this calls back with fish's protocol.
pub(crate) const NU_COMPLETER: &str = include_str!("../shell/completions.nu");

/// The script that registers completion of `command` by calling back `completer` (a path or a name on PATH).
pub(crate) fn registration(shell: Shell, command: &str, completer: &str) -> anyhow::Result<String> {
    let engine: &dyn EnvCompleter = match shell {
        Shell::Bash => &Bash,
        Shell::Zsh => &Zsh,
        Shell::Fish => &Fish,
        Shell::Powershell => &Powershell,
        Shell::Nu => return Ok(nu_registration(command, completer)),
    };
    let mut buf = Vec::new();
    if shell == Shell::Bash {
        // clap_complete 4.6 shell-quotes the completer and then wraps it in double quotes as well, so a path with a
        // space becomes a command name with literal quotes in it. Give it a word that needs no quoting and put the
        // path in ourselves, quoted once.
        const PLACEHOLDER: &str = "__awsso_completer__";
        engine.write_registration("COMPLETE", command, command, PLACEHOLDER, &mut buf)?;
        let script = String::from_utf8(buf)?;
        // The candidates are shell words (see `bash_word`) read by an unquoted `$( )`: keep pathname expansion off
        // while it runs (`local -` restores the options on return; bash 4.4 and later).
        let ifs = "    local IFS=$'\\013'\n";
        let script = script.replacen(
            ifs,
            &format!(
                "{ifs}    if ((BASH_VERSINFO[0] > 4 || BASH_VERSINFO[0] == 4 && BASH_VERSINFO[1] >= 4)); then\n        \
                 local -\n        set -f\n    fi\n"
            ),
            1,
        );
        return Ok(script.replace(&format!("\"{PLACEHOLDER}\""), &shell.quote(completer)));
    }
    engine.write_registration("COMPLETE", command, command, completer, &mut buf)?;
    Ok(String::from_utf8(buf)?)
}

/// Profile names from the config and credentials files that start with what has been typed.
pub(crate) fn complete_profiles(current: &OsStr) -> Vec<CompletionCandidate> {
    let env = Env::from_process();
    let Ok(files) = Files::load(&env) else {
        return Vec::new();
    };
    let Ok(config) = files.parse() else {
        return Vec::new();
    };
    let prefix = current.to_string_lossy();
    let bash = for_bash();
    // Tagged here, once: clap_complete otherwise renders the argument's name into a fresh tag for every one of
    // thousands of candidates (a quarter of a completion's time on a 5,000-profile config).
    let tag = clap::builder::StyledStr::from("profile");
    config
        .all_profiles()
        .filter_map(|p| {
            let value = candidate(p.name(), &prefix, bash)?;
            let help = match (p.account_id(), p.role_name()) {
                (Some(account), Some(role)) => format!("{account}/{role}"),
                _ => p.kind().as_str().to_owned(),
            };
            Some(
                CompletionCandidate::new(value)
                    .help(Some(help.into()))
                    .tag(Some(tag.clone())),
            )
        })
        .collect()
}

/// sso-session names from the config file that start with what has been typed.
pub(crate) fn complete_sessions(current: &OsStr) -> Vec<CompletionCandidate> {
    let env = Env::from_process();
    let Ok(files) = Files::load(&env) else {
        return Vec::new();
    };
    let Ok(config) = files.parse() else { return Vec::new() };
    let prefix = current.to_string_lossy();
    let bash = for_bash();
    config
        .sso_sessions
        .items
        .iter()
        .filter_map(|s| {
            let value = candidate(&s.name, &prefix, bash)?;
            Some(CompletionCandidate::new(value).help(s.get("sso_start_url").map(|u| u.to_owned().into())))
        })
        .collect()
}

/// The services `console --service` knows that start with what has been typed.
pub(crate) fn complete_services(current: &OsStr) -> Vec<CompletionCandidate> {
    let prefix = current.to_string_lossy();
    crate::console::SERVICES
        .iter()
        .filter(|s| s.name.starts_with(&*prefix))
        .map(|s| CompletionCandidate::new(s.name).help(Some(s.about.into())))
        .collect()
}

/// Whether bash asks (`COMPLETE=bash`): bash inserts a candidate into the line as it is, unlike zsh and fish, which
/// quote it themselves, so for bash candidates are shell words (issue 9: a name with `$(…)` ran when the completed
/// line was entered, and a name with a space completed as two words).
fn for_bash() -> bool {
    FOR_BASH.load(std::sync::atomic::Ordering::Relaxed)
}

static FOR_BASH: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Note which shell asks for completions, before clap_complete removes `COMPLETE` from the environment.
pub(crate) fn remember_shell(env: &Env) {
    let bash = env.get("COMPLETE") == Some("bash");
    FOR_BASH.store(bash, std::sync::atomic::Ordering::Relaxed);
}

/// The candidate for `name` if it matches what has been typed: the name itself, or for bash the word that reads
/// back as the name. bash hands over the word as typed, quotes and all, so it may match the name or its word.
fn candidate(name: &str, typed: &str, bash: bool) -> Option<String> {
    if !bash {
        return name.starts_with(typed).then(|| name.to_owned());
    }
    let word = bash_word(name);
    (name.starts_with(typed) || word.starts_with(typed)).then_some(word)
}

/// `name` as one bash word: single-quoted as `use` quotes values, or ANSI-C quoted (`$'…'`) when it holds a control
/// character, which readline would insert raw and the registration's separator (`\v`) would split on.
fn bash_word(name: &str) -> String {
    if !name.chars().any(char::is_control) {
        return crate::shell::posix_quote(name).into_owned();
    }
    let mut word = String::from("$'");
    for c in name.chars() {
        match c {
            '\\' => word.push_str("\\\\"),
            '\'' => word.push_str("\\'"),
            // `\xHH` is a byte; past ASCII, `\uHHHH` is the character in the locale's encoding.
            c if c.is_control() && c.is_ascii() => {
                let _ = write!(word, "\\x{:02x}", u32::from(c));
            }
            c if c.is_control() => {
                let _ = write!(word, "\\u{:04x}", u32::from(c));
            }
            c => word.push(c),
        }
    }
    word.push('\'');
    word
}

/// `awsso completions nu`: the completer, and an `extern` that attaches it to the `awsso` command on PATH. nu takes
/// no quoted command name there; `command` is a plain word (`awsso`).
pub(crate) fn nu_registration(command: &str, completer: &str) -> String {
    let script = NU_COMPLETER.replace("__AWSSO_BIN__", &Shell::Nu.quote(completer));
    format!("{script}\nexport extern {command} [...args: string@__awsso_complete]\n")
}
