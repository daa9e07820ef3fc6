//! Shell completion: the registration scripts from `clap_complete`'s environment-driven engine (the shell calls
//! `COMPLETE=<shell> awsso -- <words>` and `main` answers before anything else runs), and the dynamic candidates
//! read from the current config.

use std::ffi::OsStr;

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
    // Tagged here, once: clap_complete otherwise renders the argument's name into a fresh tag for every one of
    // thousands of candidates (a quarter of a completion's time on a 5,000-profile config).
    let tag = clap::builder::StyledStr::from("profile");
    config
        .all_profiles()
        .filter(|p| p.name().starts_with(&*prefix))
        .map(|p| {
            let help = match (p.account_id(), p.role_name()) {
                (Some(account), Some(role)) => format!("{account}/{role}"),
                _ => p.kind().as_str().to_owned(),
            };
            CompletionCandidate::new(p.name())
                .help(Some(help.into()))
                .tag(Some(tag.clone()))
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
    config
        .sso_sessions
        .items
        .iter()
        .filter(|s| s.name.starts_with(&*prefix))
        .map(|s| CompletionCandidate::new(&*s.name).help(s.get("sso_start_url").map(|u| u.to_owned().into())))
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

/// `awsso completions nu`: the completer, and an `extern` that attaches it to the `awsso` command on PATH. nu takes
/// no quoted command name there; `command` is a plain word (`awsso`).
pub(crate) fn nu_registration(command: &str, completer: &str) -> String {
    let script = NU_COMPLETER.replace("__AWSSO_BIN__", &Shell::Nu.quote(completer));
    format!("{script}\nexport extern {command} [...args: string@__awsso_complete]\n")
}
