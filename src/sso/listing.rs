//! The accounts and roles a session can reach, as one service for `accounts`, `populate` and `configure`: a token
//! (as the caller allows), the portal listing with progress, the names remembered for offline use, and every
//! failure as one clear error. Any failure is an error, never a partial list.

use std::collections::BTreeMap;

use anyhow::anyhow;

use crate::env::Env;
use crate::error::Error;
use crate::report;
use crate::sso::accounts::{self, Account, PortalError, Progress};
use crate::sso::login::{self, Interaction, Options};
use crate::sso::target::{self, Target};
use crate::sso::{client, names, token};

/// Everything `target` can reach. `interaction` says whether a login may start (for a missing or expired token,
/// or once more when the portal refuses a token whose time is not up: signed out or revoked elsewhere); `force`
/// logs in afresh first (a session being redefined). Ctrl-C cancels.
pub(crate) fn reachable(
    env: &Env,
    target: &Target,
    interaction: Interaction,
    force: bool,
    progress: &(dyn Fn(Progress) + Sync),
) -> anyhow::Result<Vec<Account>> {
    // A bad AWSSO_PORTAL_RATE is reported before anything else happens.
    let pace = accounts::Pace::from_env(env)?;
    let hint = target::login_command(target, None);
    let mut interaction = match interaction {
        Interaction::Allowed(opts) => Interaction::Allowed(Options { force, ..opts }),
        Interaction::Forbidden => Interaction::Forbidden,
    };
    let accounts = loop {
        let token = login::ensure_token(env, target, interaction, &hint)?;
        let listed = client::block_on(async {
            let sdk = client::sdk_config(&target.region).await;
            let portal = client::portal(env, &sdk)?;
            tokio::select! {
                listed = accounts::list(&portal, token.access_token.expose(), &pace, progress) => Ok(listed),
                _ = tokio::signal::ctrl_c() => Err(Error::Cancelled),
            }
        })??;
        match listed {
            Ok(accounts) => break accounts,
            // The token's time is not up, but the portal refused it: forget it, so no one uses it again, and log
            // in once more where that is allowed.
            Err(PortalError::Unauthorized) => {
                token::forget(env, target)?;
                match interaction {
                    Interaction::Allowed(opts) if !opts.force => {
                        report::note(
                            "the SSO portal refused the cached token (signed out elsewhere?); logging in again",
                        );
                        interaction = Interaction::Allowed(Options { force: true, ..opts });
                    }
                    Interaction::Allowed(_) => {
                        return Err(anyhow!(
                            "the SSO portal refused a token just issued for {}; try again later",
                            target.describe()
                        ));
                    }
                    Interaction::Forbidden => {
                        return Err(Error::LoginRequired(format!(
                            "the SSO portal refused the token of {} (signed out or revoked elsewhere); run `{hint}`",
                            target.describe()
                        ))
                        .into());
                    }
                }
            }
            Err(e) => return Err(portal_error(e, env, target)),
        }
    };
    let map: BTreeMap<String, String> = accounts.iter().map(|a| (a.id.clone(), a.name.clone())).collect();
    if let Err(e) = names::save(env, target, map) {
        report::warn(&format!("{e:#}"));
    }
    Ok(accounts)
}

fn portal_error(err: PortalError, env: &Env, target: &Target) -> anyhow::Error {
    let portal = client::portal_base_url(env, &target.region);
    let what = format!(
        "could not list the accounts of {} from the SSO portal at {portal}",
        target.describe()
    );
    match err {
        PortalError::Unauthorized => anyhow!("{what}: it refused the token"),
        PortalError::Throttled => anyhow!(
            "{what}: it kept answering 429 TooManyRequestsException through every retry; wait a minute and try again"
        ),
        PortalError::Unreachable(why) => anyhow!("{what}: no answer ({why}); check the network and try again"),
        PortalError::Other(why) => anyhow!("{what}: {why}"),
    }
}
