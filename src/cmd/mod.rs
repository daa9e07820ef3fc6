//! One module per subcommand; this file dispatches and holds the few helpers they share.

mod accounts;
pub(crate) mod completions;
mod init;
mod list;
mod login;
mod logout;
mod prompt;
mod status;
mod unset;
mod use_;

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
        Command::Accounts(args) => args.run(env),
        Command::Login(args) => args.run(env),
        Command::Logout(args) => args.run(env),
        Command::Status(args) => args.run(env),
        Command::Prompt(args) => {
            args.run(env);
            Ok(())
        }
        Command::Init(args) => args.run(),
        Command::Completions(args) => args.run(),
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
