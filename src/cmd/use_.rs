//! `awsso use [PROFILE]`: print the exports that make PROFILE the active identity in the calling shell (without
//! PROFILE, on a terminal, the user picks one: `ui::picker`).

use std::io::IsTerminal as _;

use crate::cli::UseArgs;
use crate::cmd::{interaction, resolve_shell};
use crate::config::facts;
use crate::config::hints::unknown_profile;
use crate::config::{Files, regions};
use crate::env::Env;
use crate::exports::{creds_changes, profile_changes};
use crate::resolve;
use crate::shell::posix_quote;
use crate::sso::login;
use crate::ui::{self, print_once};

impl UseArgs {
    pub(crate) fn run(&self, env: &Env) -> anyhow::Result<()> {
        let shell = resolve_shell(self.shell, env);
        if let Some(region) = &self.region {
            regions::check(region)?;
        }
        // Profile mode with a token good for a while yet needs nothing the remembered facts do not hold: no parse of
        // a large config (`config::facts`). Anything else takes the full path below.
        if !self.creds
            && let Some(name) = &self.profile
            && let Some(facts) = facts::of(env, name)
            && login::ready(env, &facts)
        {
            eval_hint(name);
            confirm(env, name);
            return print_once(&shell.render(&profile_changes(name, self.region.as_deref())));
        }
        let files = Files::load(env)?;
        let config = files.parse()?;
        let name = match &self.profile {
            Some(name) => name.clone(),
            None => ui::picker::choose_profile(env, &config)?,
        };
        let profile = config.profile(&name).ok_or_else(|| unknown_profile(&config, &name))?;
        let interaction = interaction(self.no_login, self.login, false);

        let changes = if self.creds {
            if std::io::stdout().is_terminal() {
                // Secrets on a screen end up in scrollback and screen shares: print them only into a pipe. Said
                // before anything is fetched, so a refusal costs no network and no login.
                ui::note(&format!(
                    "not printing credentials to a terminal; run `eval \"$(awsso use --creds {p})\"`, or load \
                     `awsso init` once so `awsso use --creds {p}` works by itself",
                    p = posix_quote(profile.name())
                ));
                return Ok(());
            }
            let creds = resolve::credentials(env, &config, &profile, interaction)?;
            confirm(env, profile.name());
            creds_changes(&creds, profile.name(), self.region.as_deref().or(profile.region()))
        } else {
            // Log in first when the session has no usable token, but only where someone can answer a browser or a
            // device code; elsewhere, exit 3 with the command to run (cli.md, `use`).
            login::ensure_for_profile(env, &config, &profile, interaction)?;
            eval_hint(profile.name());
            confirm(env, profile.name());
            profile_changes(profile.name(), self.region.as_deref())
        };
        print_once(&shell.render(&changes))
    }
}

/// One line saying what is now active, for a person at a terminal whose shell shows no awsso segment (`init
/// --no-prompt`, starship): with the segment loaded, `AWSSO_SEGMENT` is set and the prompt says it instead.
fn confirm(env: &Env, name: &str) {
    if env.get("AWSSO_SEGMENT").is_none() && std::io::stderr().is_terminal() && !std::io::stdout().is_terminal() {
        ui::note(&format!("using profile {}", posix_quote(name)));
    }
}

/// On a terminal, a hint that this output is meant for `eval`.
fn eval_hint(name: &str) {
    if std::io::stdout().is_terminal() {
        ui::note(&format!(
            "this is shell code for eval: run `eval \"$(awsso use {p})\"`, or load `awsso init` once so \
             `awsso use {p}` works by itself",
            p = posix_quote(name)
        ));
    }
}
