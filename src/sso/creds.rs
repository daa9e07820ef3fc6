//! Role credentials for an SSO profile: from the CLI's cache (`role_cache`) while more than 10 minutes remain, else
//! GetRoleCredentials on the portal with a token from `login` (protocol.md §5, §7.1).
//!
//! Concurrency: the role's lock makes twenty simultaneous `credential-process` calls share one
//! GetRoleCredentials; the token they need is serialized by the session lock, so they also share one refresh.

use anyhow::anyhow;
use aws_sdk_sso::operation::get_role_credentials::GetRoleCredentialsError;
use time::OffsetDateTime;

use crate::clock::now;
use crate::config::{Config, Profile};
use crate::env::Env;
use crate::error::Error;
use crate::locks::Lock;
use crate::secret::Secret;
use crate::sso::login::{self, Interaction};
use crate::sso::role_cache::{self, RoleCredentials};
use crate::sso::target::{self, Target};
use crate::sso::{client, token};

/// Cached credentials are reused until this long before they expire. The CLI reads the same files while more than
/// 15 minutes remain.
const REUSE_WINDOW: time::Duration = time::Duration::minutes(10);

/// What names a profile's role: its account and role, and its login target.
pub(crate) struct Role {
    pub(crate) profile: String,
    pub(crate) account_id: String,
    pub(crate) role_name: String,
    pub(crate) target: Target,
}

impl Role {
    pub(crate) fn of(config: &Config<'_>, profile: &Profile<'_, '_>) -> anyhow::Result<Self> {
        let target = target::for_profile(config, profile)?;
        let (Some(account_id), Some(role_name)) = (profile.account_id(), profile.role_name()) else {
            return Err(Error::Usage(format!(
                "profile `{}` names no role: it needs sso_account_id and sso_role_name",
                profile.name()
            ))
            .into());
        };
        Ok(Self {
            profile: profile.name().to_owned(),
            account_id: account_id.to_owned(),
            role_name: role_name.to_owned(),
            target,
        })
    }

    /// The role's key in the CLI's credential cache.
    pub(crate) fn cache_key(&self) -> String {
        role_cache::key(&self.account_id, &self.role_name, &self.target)
    }

    fn cached(&self, env: &Env) -> anyhow::Result<Option<RoleCredentials>> {
        Ok(role_cache::read(env, &self.cache_key())?.filter(|c| c.expiration - now() > REUSE_WINDOW))
    }
}

/// Credentials for `role`: cached, or fetched with a token that is refreshed or logged in for as `interaction`
/// allows.
pub(crate) fn credentials(env: &Env, role: &Role, interaction: Interaction) -> anyhow::Result<RoleCredentials> {
    if let Some(creds) = role.cached(env)? {
        return Ok(creds);
    }
    let key = role.cache_key();
    let _lock = Lock::role(env, &key)?;
    // Someone else may have fetched them while we waited.
    if let Some(creds) = role.cached(env)? {
        return Ok(creds);
    }
    let hint = target::login_command(&role.target, Some(&role.profile));
    let mut token = login::ensure_token(env, &role.target, interaction, &hint)?;
    let mut relogged = false;
    let creds = loop {
        let result = client::block_on(async {
            let config = client::sdk_config(&role.target.region).await;
            let portal = client::portal(env, &config)?;
            anyhow::Ok(
                portal
                    .get_role_credentials()
                    .account_id(&role.account_id)
                    .role_name(&role.role_name)
                    .access_token(token.access_token.expose())
                    .send()
                    .await,
            )
        })??;
        match result {
            Ok(out) => {
                let c = out
                    .role_credentials()
                    .ok_or_else(|| anyhow!("the portal returned no credentials"))?;
                break RoleCredentials {
                    access_key_id: c.access_key_id().unwrap_or_default().to_owned(),
                    secret_access_key: Secret::new(c.secret_access_key().unwrap_or_default()),
                    session_token: Secret::new(c.session_token().unwrap_or_default()),
                    // Epoch milliseconds (protocol.md §5).
                    expiration: OffsetDateTime::from_unix_timestamp(c.expiration() / 1000).unwrap_or_else(|_| now()),
                    account_id: role.account_id.clone(),
                };
            }
            Err(e) => match e.as_service_error() {
                // The token was revoked or expired behind our back (a logout elsewhere): the cached token is dead.
                Some(GetRoleCredentialsError::UnauthorizedException(_)) => {
                    token::forget(env, &role.target)?;
                    match interaction {
                        Interaction::Allowed(opts) if !relogged => {
                            relogged = true;
                            token = login::login(env, &role.target, opts)?;
                        }
                        _ => {
                            return Err(Error::LoginRequired(format!(
                                "the SSO session for {} is no longer valid; run `{hint}`",
                                role.target.describe()
                            ))
                            .into());
                        }
                    }
                }
                Some(GetRoleCredentialsError::ResourceNotFoundException(_)) => return Err(not_assigned(role)),
                _ if e.raw_response().is_some_and(|r| r.status().as_u16() == 403) => return Err(not_assigned(role)),
                _ => {
                    return Err(anyhow!(
                        "could not get credentials for profile `{}`: {}",
                        role.profile,
                        client::describe_at(&e, &client::portal_base_url(env, &role.target.region))
                    ));
                }
            },
        }
    };
    role_cache::write(env, &key, &creds)?;
    Ok(creds)
}

fn not_assigned(role: &Role) -> anyhow::Error {
    anyhow!(
        "profile `{}`: role `{}` in account {} is not assigned to you (see `awsso accounts`)",
        role.profile,
        role.role_name,
        role.account_id
    )
}
