//! The OIDC client registration the AWS CLI v2 caches beside its tokens, `~/.aws/sso/cache/<key>.json`
//! (protocol.md §2): its key, its bytes, reading and writing it.

use anyhow::Context as _;
use time::OffsetDateTime;

use crate::clock::{cli_timestamp, parse_timestamp};
use crate::env::Env;
use crate::paths;
use crate::private_fs::write_private;
use crate::pyjson::{PyJson, py_json_dumps};
use crate::secret::Secret;
use crate::sso::target::Target;

/// A registered OIDC client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Registration {
    pub(crate) client_id: String,
    pub(crate) client_secret: Secret,
    pub(crate) expires_at: OffsetDateTime,
    pub(crate) scopes: Option<Vec<String>>,
    /// `Some` for an authorization-code registration; absent means a device-flow one (§2, `cli:utils.py:3260`).
    pub(crate) grant_types: Option<Vec<String>>,
}

impl Registration {
    pub(crate) fn to_cli_json(&self) -> String {
        let expires = cli_timestamp(self.expires_at);
        let mut fields = vec![
            ("clientId", PyJson::Str(&self.client_id)),
            ("clientSecret", PyJson::Str(self.client_secret.expose())),
            ("expiresAt", PyJson::Str(&expires)),
        ];
        if let Some(scopes) = &self.scopes {
            fields.push(("scopes", PyJson::List(scopes.iter().map(String::as_str).collect())));
        }
        if let Some(grants) = &self.grant_types {
            fields.push(("grantTypes", PyJson::List(grants.iter().map(String::as_str).collect())));
        }
        py_json_dumps(&fields)
    }

    pub(crate) fn from_json(bytes: &[u8]) -> Option<Self> {
        let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
        let list = |key: &str| {
            value
                .get(key)
                .and_then(|v| v.as_array())
                .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect())
        };
        Some(Self {
            client_id: value.get("clientId")?.as_str()?.to_owned(),
            client_secret: Secret::new(value.get("clientSecret")?.as_str()?),
            expires_at: parse_timestamp(value.get("expiresAt")?.as_str()?)?,
            scopes: list("scopes"),
            grant_types: list("grantTypes"),
        })
    }

    pub(crate) fn is_auth_code(&self) -> bool {
        self.grant_types
            .as_ref()
            .is_some_and(|g| g.iter().any(|g| g == "authorization_code"))
    }
}

/// The CLI's registration cache key since 2.9.0: SHA-1 of `json.dumps({...}, sort_keys=True)` (§2).
pub(crate) fn key(target: &Target) -> String {
    let scopes = target
        .scopes
        .as_deref()
        .map_or(PyJson::Null, |s| PyJson::List(s.iter().map(String::as_str).collect()));
    let session = target.session.as_deref().map_or(PyJson::Null, PyJson::Str);
    paths::sha1_hex(&py_json_dumps(&[
        ("region", PyJson::Str(&target.region)),
        ("scopes", scopes),
        ("session_name", session),
        ("startUrl", PyJson::Str(&target.start_url)),
        ("tool", PyJson::Str("botocore")),
    ]))
}

/// The cached registration of `target`, if there is a readable one.
pub(crate) fn read(env: &Env, target: &Target) -> Option<Registration> {
    let path = paths::registration_file(env, &key(target)).ok()?;
    Registration::from_json(&std::fs::read(path).ok()?)
}

pub(crate) fn write(env: &Env, target: &Target, reg: &Registration) -> anyhow::Result<()> {
    let path = paths::registration_file(env, &key(target))?;
    write_private(&path, reg.to_cli_json().as_bytes()).with_context(|| format!("could not write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn target(scopes: Option<Vec<String>>, session: Option<&str>) -> Target {
        Target {
            session: session.map(str::to_owned),
            start_url: "https://d-0000000000.awsapps.com/start".into(),
            region: "us-east-1".into(),
            scopes,
        }
    }

    #[test]
    fn registration_keys_match_the_cli() {
        // Vectors from protocol.md §2.
        assert_eq!(
            key(&target(Some(vec!["sso:account:access".to_owned()]), Some("my-sso"))),
            "dd27d7a8f5bd42763e31d01abbc7621d71ca85e6"
        );
        assert_eq!(key(&target(None, None)), "1b11f67d4429bc93ffb21eaffa888d1c1b42c992");
    }

    #[test]
    fn registration_round_trip() {
        let reg = Registration {
            client_id: "emu-client".into(),
            client_secret: Secret::new("emu-secret"),
            expires_at: datetime!(2027-02-24 02:36:53 UTC),
            scopes: Some(vec!["sso:account:access".into()]),
            grant_types: Some(vec!["authorization_code".into(), "refresh_token".into()]),
        };
        assert_eq!(
            reg.to_cli_json(),
            r#"{"clientId": "emu-client", "clientSecret": "emu-secret", "expiresAt": "2027-02-24T02:36:53Z", "scopes": ["sso:account:access"], "grantTypes": ["authorization_code", "refresh_token"]}"#
        );
        assert_eq!(Registration::from_json(reg.to_cli_json().as_bytes()), Some(reg));
    }
}
