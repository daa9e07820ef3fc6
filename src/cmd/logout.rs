//! `awsso logout [--sso-session S | --all]`: the portal's Logout, then delete the cached token, then the role
//! credentials cached for the session's profiles.
//!
//! The token is deleted even when the portal cannot be reached (with a warning): the user asked for this machine
//! to forget the session. A role-cache file that cannot be deleted is a warning naming it, after the token is gone.
//! Client registrations stay, as with `aws sso logout` (protocol.md §2).

use crate::cli::LogoutArgs;
use crate::config::Files;
use crate::env::Env;
use crate::sso::creds::Role;
use crate::sso::{client, role_cache, target, token};
use crate::ui;

impl LogoutArgs {
    pub(crate) fn run(&self, env: &Env) -> anyhow::Result<()> {
        let files = Files::load(env)?;
        let config = files.parse()?;
        let targets = if self.all {
            target::all(&config)
        } else {
            vec![target::resolve(env, &config, self.sso_session.as_deref(), None)?]
        };
        for t in &targets {
            let Some(cached) = token::read(env, t)? else {
                ui::note(&format!("not logged in to {}", t.describe()));
                continue;
            };
            let result = client::block_on(async {
                let config = client::sdk_config(&t.region).await;
                client::portal(&config)
                    .logout()
                    .access_token(cached.access_token.expose())
                    .send()
                    .await
            })?;
            if let Err(e) = result {
                ui::warn(&format!(
                    "the portal did not confirm the logout of {} ({}); deleting the token anyway",
                    t.describe(),
                    client::describe(&e)
                ));
            }
            token::forget(env, t)?;
            ui::note(&format!("logged out of {}", t.describe()));
        }
        // Role credentials cached for the profiles of these sessions go too (~/.aws/cli/cache), one by one.
        for role in config.all_profiles().filter_map(|p| Role::of(&config, &p).ok()) {
            if targets.iter().any(|t| t.cache_key() == role.target.cache_key())
                && let Err(e) = role_cache::forget(env, &role.cache_key())
            {
                ui::warn(&format!("{e:#}"));
            }
        }
        Ok(())
    }
}
