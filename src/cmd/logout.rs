//! `awsso logout [--sso-session S | --all]`: the portal's Logout, then delete the cached token, then the role
//! credentials cached for the session's profiles and the assume-role results of the chains that stand on it.
//!
//! The token is deleted even when the portal cannot be reached (with a warning): the user asked for this machine
//! to forget the session. A role-cache file that cannot be deleted is a warning naming it, after the token is gone.
//! Client registrations stay, as with `aws sso logout` (protocol.md §2).

use crate::cli::LogoutArgs;
use crate::config::{Files, Kind, chain};
use crate::env::Env;
use crate::resolve;
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
                let portal = client::portal(env, &config)?;
                anyhow::Ok(portal.logout().access_token(cached.access_token.expose()).send().await)
            })??;
            if let Err(e) = result {
                ui::warn(&format!(
                    "the portal did not confirm the logout of {} ({}); deleting the token anyway",
                    t.describe(),
                    client::describe_at(&e, &client::portal_base_url(env, &t.region))
                ));
            }
            token::forget(env, t)?;
            ui::note(&format!("logged out of {}", t.describe()));
        }
        // Role credentials cached for the profiles of these sessions go too (~/.aws/cli/cache), one by one, and the
        // assume-role results of every chain that stands on them (protocol.md §12.2).
        let ours = |t: &crate::sso::target::Target| targets.iter().any(|x| x.cache_key() == t.cache_key());
        let mut keys = Vec::new();
        for p in config.all_profiles() {
            match p.kind() {
                Kind::Sso | Kind::LegacySso => {
                    if let Ok(role) = Role::of(&config, &p)
                        && ours(&role.target)
                    {
                        keys.push(role.cache_key());
                    }
                }
                Kind::Chained => {
                    if let Ok(t) = target::for_profile(&config, &p)
                        && ours(&t)
                        && let Ok(plan) = chain::plan(&config, &p)
                    {
                        keys.extend(plan.hops.iter().map(resolve::hop_key));
                    }
                }
                _ => {}
            }
        }
        keys.sort_unstable();
        keys.dedup();
        for key in keys {
            if let Err(e) = role_cache::forget(env, &key) {
                ui::warn(&format!("{e:#}"));
            }
        }
        Ok(())
    }
}
