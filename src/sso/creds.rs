//! Role credentials for an SSO profile: GetRoleCredentials on the portal, cached where AWS CLI v2 caches them
//! (`~/.aws/cli/cache/<key>.json`, protocol.md §7.1), so repeated calls cost no network and the CLI reuses ours.
//!
//! Reuse: until 10 minutes before they expire. The CLI reads the same files while more than 15 minutes remain.
//! Concurrency: a lock per role (`~/.aws/awsso/locks/role-<key>.lock`) makes twenty simultaneous
//! `credential-process` calls share one GetRoleCredentials; the token they need is serialized by the session lock
//! in `login.rs`, so they also share one refresh.

use std::path::PathBuf;

use anyhow::{Context as _, anyhow};
use aws_sdk_sso::operation::get_role_credentials::GetRoleCredentialsError;
use time::OffsetDateTime;

use crate::config::{Config, Profile};
use crate::env::Env;
use crate::error::Error;
use crate::sso::cache::{cache_key, parse_timestamp};
use crate::sso::login::{self, Interaction, Target};
use crate::sso::store::{PyJson, Secret, cli_timestamp, py_json_compact, py_json_dumps, write_private};
use crate::sso::{client, target};

const REUSE_WINDOW: time::Duration = time::Duration::minutes(10);

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RoleCredentials {
    pub(crate) access_key_id: String,
    pub(crate) secret_access_key: Secret,
    pub(crate) session_token: Secret,
    pub(crate) expiration: OffsetDateTime,
    pub(crate) account_id: String,
}

impl RoleCredentials {
    /// The CLI's cache file (`botocore/credentials.py:2352-2362`, default separators).
    fn to_cli_json(&self) -> String {
        let expiration = cli_timestamp(self.expiration);
        py_json_dumps(&[
            ("ProviderType", PyJson::Str("sso")),
            (
                "Credentials",
                PyJson::Object(vec![
                    ("AccessKeyId", PyJson::Str(&self.access_key_id)),
                    ("SecretAccessKey", PyJson::Str(self.secret_access_key.expose())),
                    ("SessionToken", PyJson::Str(self.session_token.expose())),
                    ("Expiration", PyJson::Str(&expiration)),
                    ("AccountId", PyJson::Str(&self.account_id)),
                ]),
            ),
        ])
    }

    fn from_cli_json(bytes: &[u8]) -> Option<Self> {
        let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
        if value.get("ProviderType")?.as_str()? != "sso" {
            return None;
        }
        let c = value.get("Credentials")?;
        let s = |k: &str| c.get(k).and_then(|v| v.as_str()).filter(|v| !v.is_empty());
        Some(Self {
            access_key_id: s("AccessKeyId")?.to_owned(),
            secret_access_key: Secret::new(s("SecretAccessKey")?),
            session_token: Secret::new(s("SessionToken")?),
            expiration: parse_timestamp(s("Expiration")?)?,
            account_id: s("AccountId").unwrap_or_default().to_owned(),
        })
    }

    /// The `credential_process` document, Version 1 (protocol.md §8): `Version` a JSON number and first, as
    /// `aws configure export-credentials` orders it (§7.2), but with a `Z` expiration, which every SDK accepts.
    pub(crate) fn process_json(&self) -> String {
        let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
        format!(
            "{{\n  \"Version\": 1,\n  \"AccessKeyId\": {},\n  \"SecretAccessKey\": {},\n  \"SessionToken\": {},\n  \
             \"Expiration\": {},\n  \"AccountId\": {}\n}}\n",
            q(&self.access_key_id),
            q(self.secret_access_key.expose()),
            q(self.session_token.expose()),
            q(&cli_timestamp(self.expiration)),
            q(&self.account_id),
        )
    }
}

/// The CLI's role-credential cache key: SHA-1 of `json.dumps({accountId, roleName, sessionName | startUrl},
/// sort_keys=True, separators=(',', ':'))` (protocol.md §7.1).
pub(crate) fn cli_cache_key(account_id: &str, role_name: &str, target: &Target) -> String {
    let last = match &target.session {
        Some(session) => ("sessionName", PyJson::Str(session)),
        None => ("startUrl", PyJson::Str(&target.start_url)),
    };
    cache_key(&py_json_compact(&[
        ("accountId", PyJson::Str(account_id)),
        ("roleName", PyJson::Str(role_name)),
        last,
    ]))
}

fn cli_cache_dir(env: &Env) -> anyhow::Result<PathBuf> {
    env.home()
        .map(|h| h.join(".aws/cli/cache"))
        .ok_or_else(|| anyhow!("HOME is not set, so the credential cache (~/.aws/cli/cache) has no place"))
}

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

    fn cache_path(&self, env: &Env) -> anyhow::Result<PathBuf> {
        Ok(cli_cache_dir(env)?.join(format!(
            "{}.json",
            cli_cache_key(&self.account_id, &self.role_name, &self.target)
        )))
    }

    fn cached(&self, env: &Env) -> anyhow::Result<Option<RoleCredentials>> {
        let path = self.cache_path(env)?;
        Ok(std::fs::read(path)
            .ok()
            .and_then(|b| RoleCredentials::from_cli_json(&b))
            .filter(|c| c.expiration - login::now() > REUSE_WINDOW))
    }
}

/// Credentials for `role`: cached, or fetched with a token that is refreshed or logged in for as `interaction`
/// allows.
pub(crate) fn credentials(env: &Env, role: &Role, interaction: Interaction) -> anyhow::Result<RoleCredentials> {
    if let Some(creds) = role.cached(env)? {
        return Ok(creds);
    }
    let lock_dir = login::locks_dir(env)?;
    let key = cli_cache_key(&role.account_id, &role.role_name, &role.target);
    let lock = login::lock_file(&lock_dir.join(format!("role-{key}.lock")))?;
    // Someone else may have fetched them while we waited.
    if let Some(creds) = role.cached(env)? {
        drop(lock);
        return Ok(creds);
    }
    let hint = target::login_command(&role.target, Some(&role.profile));
    let mut token = login::ensure_token(env, &role.target, interaction, &hint)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let mut relogged = false;
    let creds = loop {
        let result = runtime.block_on(async {
            let config = client::sdk_config(&role.target.region).await;
            client::portal(&config)
                .get_role_credentials()
                .account_id(&role.account_id)
                .role_name(&role.role_name)
                .access_token(token.access_token.expose())
                .send()
                .await
        });
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
                    expiration: OffsetDateTime::from_unix_timestamp(c.expiration() / 1000)
                        .unwrap_or_else(|_| login::now()),
                    account_id: role.account_id.clone(),
                };
            }
            Err(e) => match e.as_service_error() {
                // The token was revoked or expired behind our back (a logout elsewhere): the cached token is dead.
                Some(GetRoleCredentialsError::UnauthorizedException(_)) => {
                    login::forget_token(env, &role.target)?;
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
                        client::describe(&e)
                    ));
                }
            },
        }
    };
    let path = role.cache_path(env)?;
    write_private(&path, creds.to_cli_json().as_bytes())
        .with_context(|| format!("could not write {}", path.display()))?;
    drop(lock);
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

/// Delete the cached role credentials of these roles (on logout).
pub(crate) fn forget(env: &Env, roles: &[Role]) -> anyhow::Result<()> {
    for role in roles {
        match std::fs::remove_file(role.cache_path(env)?) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn target(session: Option<&str>) -> Target {
        Target {
            session: session.map(str::to_owned),
            start_url: "https://d-0000000000.awsapps.com/start".into(),
            region: "us-east-1".into(),
            scopes: None,
        }
    }

    #[test]
    fn cache_keys_match_the_cli() {
        // protocol.md §7.1.
        assert_eq!(
            cli_cache_key("111111111111", "Admin", &target(Some("my-sso"))),
            "4d591a7ab0da2e15379d89377621ae9cda619cc3"
        );
        assert_eq!(
            cli_cache_key("111111111111", "Admin", &target(None)),
            "422d6250c200e6ae6c53a802db75f5e448e95cf7"
        );
    }

    #[test]
    fn cache_file_matches_the_cli_and_round_trips() {
        let creds = RoleCredentials {
            access_key_id: "ASIA...".into(),
            secret_access_key: Secret::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            session_token: Secret::new("IQoJb3JpZ2luX2VjEXAMPLETOKEN"),
            expiration: datetime!(2026-11-26 03:36:53 UTC),
            account_id: "111111111111".into(),
        };
        let json = creds.to_cli_json();
        assert_eq!(
            json,
            r#"{"ProviderType": "sso", "Credentials": {"AccessKeyId": "ASIA...", "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "SessionToken": "IQoJb3JpZ2luX2VjEXAMPLETOKEN", "Expiration": "2026-11-26T03:36:53Z", "AccountId": "111111111111"}}"#
        );
        assert_eq!(RoleCredentials::from_cli_json(json.as_bytes()), Some(creds.clone()));
        let doc: serde_json::Value = serde_json::from_str(&creds.process_json()).unwrap();
        assert_eq!(doc["Version"], 1, "a JSON number, as both SDKs require");
        assert_eq!(doc["Expiration"], "2026-11-26T03:36:53Z");
        // Debug (what a log line or a panic shows) names the key id but never the secret key or the session token.
        let debug = format!("{creds:?}");
        assert!(debug.contains("ASIA..."), "{debug}");
        assert!(
            !debug.contains("wJalrXUtnFEMI") && !debug.contains("IQoJb3JpZ2lu"),
            "{debug}"
        );
    }
}
