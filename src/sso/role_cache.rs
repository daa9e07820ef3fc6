//! The SSO role-credential entries of the AWS CLI v2's credential cache, `~/.aws/cli/cache/<key>.json`
//! (protocol.md §7.1): the key, the bytes the CLI writes, reading, writing and deleting them. The CLI reuses what
//! awsso writes here, and awsso what the CLI writes.

use anyhow::Context as _;
use time::OffsetDateTime;

use crate::clock::{cli_timestamp, parse_timestamp};
use crate::env::Env;
use crate::paths;
use crate::private_fs::write_private;
use crate::pyjson::{PyJson, py_json_compact, py_json_dumps};
use crate::secret::Secret;
use crate::sso::target::Target;

/// Temporary credentials of one role.
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
    pub(crate) fn to_cli_json(&self) -> String {
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

    pub(crate) fn from_cli_json(bytes: &[u8]) -> Option<Self> {
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
}

/// The CLI's role-credential cache key: SHA-1 of `json.dumps({accountId, roleName, sessionName | startUrl},
/// sort_keys=True, separators=(',', ':'))` (protocol.md §7.1).
pub(crate) fn key(account_id: &str, role_name: &str, target: &Target) -> String {
    let last = match &target.session {
        Some(session) => ("sessionName", PyJson::Str(session)),
        None => ("startUrl", PyJson::Str(&target.start_url)),
    };
    paths::sha1_hex(&py_json_compact(&[
        ("accountId", PyJson::Str(account_id)),
        ("roleName", PyJson::Str(role_name)),
        last,
    ]))
}

/// The cached entry under `key`, if there is a readable SSO one.
pub(crate) fn read(env: &Env, key: &str) -> anyhow::Result<Option<RoleCredentials>> {
    let path = paths::cli_cache_file(env, key)?;
    Ok(std::fs::read(path)
        .ok()
        .and_then(|b| RoleCredentials::from_cli_json(&b)))
}

pub(crate) fn write(env: &Env, key: &str, creds: &RoleCredentials) -> anyhow::Result<()> {
    let path = paths::cli_cache_file(env, key)?;
    write_private(&path, creds.to_cli_json().as_bytes()).with_context(|| format!("could not write {}", path.display()))
}

/// Delete the entry under `key`; a missing one is fine.
pub(crate) fn forget(env: &Env, key: &str) -> anyhow::Result<()> {
    let path = paths::cli_cache_file(env, key)?;
    crate::private_fs::remove(&path)
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
            key("111111111111", "Admin", &target(Some("my-sso"))),
            "4d591a7ab0da2e15379d89377621ae9cda619cc3"
        );
        assert_eq!(
            key("111111111111", "Admin", &target(None)),
            "422d6250c200e6ae6c53a802db75f5e448e95cf7"
        );
    }

    #[test]
    fn cache_file_matches_the_cli_and_round_trips() {
        let creds = RoleCredentials {
            access_key_id: "ASIA...".into(),
            secret_access_key: Secret::new("wJalrXUtnFEMI/K7MDENG"),
            session_token: Secret::new("IQoJb3JpZ2luX2VjE"),
            expiration: datetime!(2026-11-26 03:36:53 UTC),
            account_id: "111111111111".into(),
        };
        let json = creds.to_cli_json();
        assert_eq!(
            json,
            r#"{"ProviderType": "sso", "Credentials": {"AccessKeyId": "ASIA...", "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG", "SessionToken": "IQoJb3JpZ2luX2VjE", "Expiration": "2026-11-26T03:36:53Z", "AccountId": "111111111111"}}"#
        );
        assert_eq!(RoleCredentials::from_cli_json(json.as_bytes()), Some(creds.clone()));
        let shown = format!("{creds:?}");
        assert!(
            !shown.contains("wJalrXUtnFEMI") && !shown.contains("IQoJb3JpZ2luX2VjE"),
            "Debug shows a secret: {shown}"
        );
    }
}
