//! One module per subcommand; this file dispatches and holds the few helpers they share.

pub(crate) mod accounts;
pub(crate) mod allow;
pub(crate) mod completions;
mod configure;
mod credential_process;
mod dir_hook;
mod exec;
pub(crate) mod init;
mod list;
mod login;
mod logout;
mod populate;
mod prompt;
mod status;
mod unset;
pub(crate) mod use_;
mod whoami;

use std::io::Write as _;

use crate::cli::Command;
use crate::config::Config;
use crate::env::Env;
use crate::error::Error;
use crate::shell::Shell;

pub(crate) fn run(command: Command, env: &Env) -> anyhow::Result<()> {
    match command {
        Command::Use(args) => args.run(env),
        Command::Unset(args) => args.run(env),
        Command::List(args) => args.run(env),
        Command::Exec(args) => args.run(env),
        Command::CredentialProcess(args) => args.run(env),
        Command::Whoami(args) => args.run(env),
        Command::Accounts(args) => args.run(env),
        Command::Populate(args) => args.run(env),
        Command::Login(args) => args.run(env),
        Command::Logout(args) => args.run(env),
        Command::Status(args) => args.run(env),
        Command::Prompt(args) => {
            args.run(env);
            Ok(())
        }
        Command::Init(args) => args.run(),
        Command::Completions(args) => args.run(),
        Command::Configure(args) => args.run(env),
        Command::Allow(args) => args.allow(env),
        Command::Deny(args) => args.deny(env),
        Command::DirHook(args) => args.run(env),
    }
}

/// Write everything a command produces for stdout in one call, so a failure before this point leaves stdout empty.
pub(crate) fn print_once(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// `--shell`, else `AWSSO_SHELL`, else the login shell's name, else bash syntax (which zsh also reads).
pub(crate) fn resolve_shell(arg: Option<Shell>, env: &Env) -> Shell {
    arg.or_else(|| env.get("AWSSO_SHELL").and_then(Shell::from_name))
        .or_else(|| env.get("SHELL").and_then(Shell::from_name))
        .unwrap_or(Shell::Bash)
}

/// Variables that would shadow `AWS_PROFILE`: SDKs prefer environment keys to any profile, and botocore prefers
/// `AWS_DEFAULT_PROFILE` to `AWS_PROFILE` (protocol.md §6.1, §6.2).
pub(crate) const PROFILE_SHADOWS: [&str; 6] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_DEFAULT_PROFILE",
    "AWSSO_PROFILE",
];

/// The usage error for a profile name that is not configured, with the closest names.
pub(crate) fn unknown_profile(config: &Config<'_>, name: &str) -> anyhow::Error {
    let close = config.closest_profiles(name, 3);
    let hint = if config.profiles.items.is_empty() {
        "no profiles are configured yet (see `aws configure sso`)".to_owned()
    } else if close.is_empty() {
        "run `awsso list` to see the configured profiles".to_owned()
    } else {
        let names: Vec<String> = close.iter().map(|n| format!("`{n}`")).collect();
        format!("did you mean {}?", names.join(", "))
    };
    Error::Usage(format!("unknown profile `{name}`: {hint}")).into()
}

/// A plain text table: columns padded to their widest cell, two spaces apart, no trailing spaces.
pub(crate) fn table<const N: usize, S: AsRef<str>>(header: [&str; N], rows: &[[S; N]]) -> String {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.as_ref().chars().count());
        }
    }
    let mut out = String::new();
    let lines = std::iter::once(header.map(str::to_owned))
        .chain(rows.iter().map(|r| r.each_ref().map(|c| c.as_ref().to_owned())));
    for row in lines {
        let mut line = String::new();
        for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
            line.push_str(cell);
            if i + 1 < N {
                line.extend(std::iter::repeat_n(' ', w - cell.chars().count() + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Whether a command may start a login: only where someone can answer it (`stdin` too when it matters, as for
/// `credential-process`, whose stdin belongs to the SDK that runs it).
pub(crate) fn interaction(
    no_login: bool,
    flags: crate::cli::LoginFlags,
    need_stdin: bool,
) -> crate::sso::login::Interaction {
    use std::io::IsTerminal as _;
    let terminal = std::io::stderr().is_terminal() && (!need_stdin || std::io::stdin().is_terminal());
    if no_login || !terminal {
        crate::sso::login::Interaction::Forbidden
    } else {
        crate::sso::login::Interaction::Allowed(flags.options(false))
    }
}

/// Variables that make raw credentials the identity: keys, token, expiry (RFC 3339 `Z`, which starship counts down),
/// the region, and `AWSSO_PROFILE` for `prompt`/`whoami`; the profile variables go, or they would confuse tools
/// that prefer a profile (cli.md, `use --creds`).
pub(crate) fn creds_changes(
    creds: &crate::sso::creds::RoleCredentials,
    profile: &str,
    region: Option<&str>,
) -> crate::shell::EnvChanges {
    let mut changes = crate::shell::EnvChanges {
        set: vec![
            ("AWS_ACCESS_KEY_ID", creds.access_key_id.clone()),
            ("AWS_SECRET_ACCESS_KEY", creds.secret_access_key.expose().to_owned()),
            ("AWS_SESSION_TOKEN", creds.session_token.expose().to_owned()),
            (
                "AWS_CREDENTIAL_EXPIRATION",
                crate::sso::store::cli_timestamp(creds.expiration),
            ),
        ],
        unset: vec!["AWS_PROFILE", "AWS_DEFAULT_PROFILE"],
    };
    match region {
        Some(r) => {
            changes.set.push(("AWS_REGION", r.to_owned()));
            changes.set.push(("AWS_DEFAULT_REGION", r.to_owned()));
        }
        // A region left over from another identity would be wrong for this one.
        None => changes.unset.extend(["AWS_REGION", "AWS_DEFAULT_REGION"]),
    }
    changes.set.push(("AWSSO_PROFILE", profile.to_owned()));
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sso::creds::RoleCredentials;
    use crate::sso::store::Secret;

    /// `use --creds` output for every shell, with fixed credentials (PowerShell cannot run here: this pins it).
    #[test]
    fn creds_exports_snapshots() {
        let creds = RoleCredentials {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: Secret::new("se/cret+key'with\"quotes"),
            session_token: Secret::new("tok$en`x"),
            expiration: time::macros::datetime!(2026-11-26 03:36:53 UTC),
            account_id: "111111111111".into(),
        };
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::Powershell] {
            let with_region = shell.render(&creds_changes(&creds, "dev admin", Some("eu-west-1")));
            let without = shell.render(&creds_changes(&creds, "dev", None));
            insta::assert_snapshot!(
                format!("use_creds_{}", shell.name()),
                format!("{with_region}---\n{without}")
            );
        }
    }
}
