//! `awsso use [PROFILE]`: print the exports that make PROFILE the active identity in the calling shell (without
//! PROFILE, on a terminal, the user picks one: `picker`).

use std::io::IsTerminal as _;

use crate::cli::UseArgs;
use crate::cmd::{PROFILE_SHADOWS, creds_changes, interaction, print_once, resolve_shell, unknown_profile};
use crate::config::facts::{self, Facts};
use crate::config::{Files, Kind};
use crate::env::Env;
use crate::error::Error;
use crate::shell::EnvChanges;
use crate::sso::creds::{self, Role};
use crate::sso::{login, target};

impl UseArgs {
    pub(crate) fn run(&self, env: &Env) -> anyhow::Result<()> {
        let shell = resolve_shell(self.shell, env);
        if let Some(region) = &self.region {
            validate_region(region)?;
        }
        // Profile mode with a token good for a while yet needs nothing the remembered facts do not hold: no parse of
        // a large config (`config::facts`). Anything else takes the full path below.
        if !self.creds
            && let Some(name) = &self.profile
            && let Some(facts) = facts::of(env, name)
            && token_fresh(env, &facts)
        {
            return print_once(&shell.render(&profile_changes(name, self.region.as_deref())));
        }
        let files = Files::load(env)?;
        let config = files.parse()?;
        let name = match &self.profile {
            Some(name) => name.clone(),
            None => crate::picker::choose_profile(env, &config)?,
        };
        let profile = config.profile(&name).ok_or_else(|| unknown_profile(&config, &name))?;
        let interaction = interaction(self.no_login, self.login, false);

        let changes = if self.creds {
            let role = Role::of(&config, &profile)?;
            let creds = creds::credentials(env, &role, interaction)?;
            if std::io::stdout().is_terminal() {
                // Secrets on a screen end up in scrollback and screen shares: print them only into a pipe.
                eprintln!(
                    "awsso: not printing credentials to a terminal; run `eval \"$(awsso use --creds {p})\"`, or load \
                     `awsso init` once so `awsso use --creds {p}` works by itself",
                    p = crate::shell::posix_quote(profile.name())
                );
                return Ok(());
            }
            creds_changes(&creds, profile.name(), self.region.as_deref().or(profile.region()))
        } else {
            let changes = profile_changes(profile.name(), self.region.as_deref());
            login_first(env, &config, &profile, interaction)?;
            changes
        };
        print_once(&shell.render(&changes))
    }
}

/// `use`'s login check for profile mode, for what switches profiles without printing `use`'s output (the
/// per-directory hook): a token good for a while yet passes without parsing the config; otherwise the profile must
/// exist, and its session is logged in first where someone can answer, else exit 3 (cli.md, `use`).
pub(crate) fn ensure_login(env: &Env, name: &str, interaction: crate::sso::login::Interaction) -> anyhow::Result<()> {
    if let Some(facts) = facts::of(env, name)
        && token_fresh(env, &facts)
    {
        return Ok(());
    }
    let files = Files::load(env)?;
    let config = files.parse()?;
    let profile = config.profile(name).ok_or_else(|| unknown_profile(&config, name))?;
    login_first(env, &config, &profile, interaction)
}

/// Log in first when the session has no usable token, but only where someone can answer a browser or a device
/// code; elsewhere, exit 3 with the command to run (cli.md, `use`).
fn login_first(
    env: &Env,
    config: &crate::config::Config<'_>,
    profile: &crate::config::Profile<'_, '_>,
    interaction: crate::sso::login::Interaction,
) -> anyhow::Result<()> {
    if profile.kind() != Kind::Other {
        let target = target::for_profile(config, profile)?;
        let hint = target::login_command(&target, Some(profile.name()));
        login::ensure_token(env, &target, interaction, &hint)?;
    }
    Ok(())
}

/// Profile mode: `AWS_PROFILE`, and the region variables with `--region`; everything that would shadow the
/// profile goes. On a terminal, a hint that this output is meant for `eval`.
fn profile_changes(name: &str, region: Option<&str>) -> EnvChanges {
    let mut changes = EnvChanges {
        set: vec![("AWS_PROFILE", name.to_owned())],
        unset: PROFILE_SHADOWS.to_vec(),
    };
    if let Some(region) = region {
        // The AWS CLI v2 and Rust SDK read AWS_REGION; botocore reads only AWS_DEFAULT_REGION (protocol.md §6.2).
        changes.set.push(("AWS_REGION", region.to_owned()));
        changes.set.push(("AWS_DEFAULT_REGION", region.to_owned()));
    }
    if std::io::stdout().is_terminal() {
        eprintln!(
            "awsso: this is shell code for eval: run `eval \"$(awsso use {p})\"`, or load `awsso init` once so \
             `awsso use {p}` works by itself",
            p = crate::shell::posix_quote(name)
        );
    }
    changes
}

/// A profile that needs no token, or whose token has more than the refresh window left.
fn token_fresh(env: &Env, facts: &Facts) -> bool {
    if facts.kind == Kind::Other {
        return true;
    }
    let token = facts
        .token_key
        .as_deref()
        .zip(env.sso_cache_dir())
        .and_then(|(key, dir)| crate::sso::cache::load_token(&dir, key));
    token.is_some_and(|t| t.expires_at - login::now() > login::REFRESH_WINDOW)
}

/// Region names are lowercase letters, digits and dashes (`us-east-1`, `eu-central-2`, `us-gov-west-1`).
pub(crate) fn validate_region(region: &str) -> anyhow::Result<()> {
    let ok = !region.is_empty()
        && region.len() <= 32
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !region.starts_with('-')
        && !region.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "`{region}` is not an AWS region name; use one like `us-east-1`"
        ))
        .into())
    }
}
