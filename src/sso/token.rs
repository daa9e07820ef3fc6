//! The SSO token cache shared with the AWS CLI v2, botocore and the Rust SDK, `~/.aws/sso/cache/<sha1>.json`
//! (protocol.md §1): the one reader of every writer's dialect, the writer of the CLI's bytes, and deletion.
//!
//! One parser serves every command, the prompt included, so `status`, `prompt`, `use` and `login` always agree on
//! what a file says. Keys are matched case-insensitively, as the Rust SDK matches them (§1.2); botocore writes
//! camelCase, which that also accepts.

use anyhow::Context as _;
use time::OffsetDateTime;

use crate::clock::{cli_timestamp, parse_timestamp};
use crate::env::Env;
use crate::paths;
use crate::private_fs::write_private;
use crate::pyjson::{PyJson, py_json_dumps};
use crate::report;
use crate::secret::Secret;
use crate::sso::target::Target;

/// A cached SSO token with everything a refresh needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) start_url: String,
    pub(crate) region: String,
    pub(crate) access_token: Secret,
    pub(crate) expires_at: OffsetDateTime,
    pub(crate) client_id: Option<String>,
    pub(crate) client_secret: Option<Secret>,
    pub(crate) registration_expires_at: Option<OffsetDateTime>,
    pub(crate) refresh_token: Option<Secret>,
}

/// What a cached token is good for, now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenState {
    /// The access token is good for this many more seconds.
    Valid(i64),
    /// The access token has expired, but a refresh token and a live client registration can renew it without a
    /// browser. Prompts must not call this expired.
    Refreshable,
    Expired,
    Missing,
}

impl TokenState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            TokenState::Valid(_) => "valid",
            TokenState::Refreshable => "refreshable",
            TokenState::Expired => "expired",
            TokenState::Missing => "missing",
        }
    }
}

impl Token {
    /// The CLI's file: its key order and separators, all eight fields when there is a refresh token (§1.4, §10.1).
    pub(crate) fn to_cli_json(&self) -> String {
        let expires = cli_timestamp(self.expires_at);
        let registration = self.registration_expires_at.map(cli_timestamp);
        let mut fields = vec![
            ("startUrl", PyJson::Str(&self.start_url)),
            ("region", PyJson::Str(&self.region)),
            ("accessToken", PyJson::Str(self.access_token.expose())),
            ("expiresAt", PyJson::Str(&expires)),
        ];
        if let Some(id) = &self.client_id {
            fields.push(("clientId", PyJson::Str(id)));
        }
        if let Some(secret) = &self.client_secret {
            fields.push(("clientSecret", PyJson::Str(secret.expose())));
        }
        if let Some(r) = &registration {
            fields.push(("registrationExpiresAt", PyJson::Str(r)));
        }
        if let Some(rt) = &self.refresh_token {
            fields.push(("refreshToken", PyJson::Str(rt.expose())));
        }
        py_json_dumps(&fields)
    }

    /// Parse any writer's token file. `None` when it is not one: a corrupt cache means "log in again", never a
    /// crash. `accessToken` and `expiresAt` are required; empty strings count as absent.
    pub(crate) fn from_json(bytes: &[u8]) -> Option<Self> {
        let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
        let obj = value.as_object()?;
        let get = |key: &str| {
            obj.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .and_then(|(_, v)| v.as_str())
                .filter(|s| !s.is_empty())
        };
        Some(Self {
            start_url: get("startUrl").unwrap_or_default().to_owned(),
            region: get("region").unwrap_or_default().to_owned(),
            access_token: Secret::new(get("accessToken")?),
            expires_at: parse_timestamp(get("expiresAt")?)?,
            client_id: get("clientId").map(str::to_owned),
            client_secret: get("clientSecret").map(Secret::new),
            registration_expires_at: get("registrationExpiresAt").and_then(parse_timestamp),
            refresh_token: get("refreshToken").map(Secret::new),
        })
    }

    /// Whether a refresh token, client id and client secret are all present.
    pub(crate) fn has_refresh(&self) -> bool {
        self.refresh_token.is_some() && self.client_id.is_some() && self.client_secret.is_some()
    }

    pub(crate) fn state(&self, now: OffsetDateTime) -> TokenState {
        let left = (self.expires_at - now).whole_seconds();
        if left > 0 {
            TokenState::Valid(left)
        } else if self.has_refresh() && self.registration_expires_at.is_some_and(|r| r > now) {
            // Both SDKs refuse to refresh without a live registration (protocol.md §1.2, §1.6).
            TokenState::Refreshable
        } else {
            TokenState::Expired
        }
    }
}

/// The cached token of the session named by `cache_key`, for readers that must never fail (the prompt, `status`):
/// `None` when it is missing, unreadable or not a token.
pub(crate) fn peek(env: &Env, cache_key: &str) -> Option<Token> {
    Token::from_json(&std::fs::read(paths::token_file_opt(env, cache_key)?).ok()?)
}

/// The cached token, if the file exists and parses. A corrupt file is treated as absent, with a warning.
pub(crate) fn read(env: &Env, target: &Target) -> anyhow::Result<Option<Token>> {
    let path = paths::token_file(env, target.cache_key())?;
    match std::fs::read(&path) {
        Ok(bytes) => {
            let token = Token::from_json(&bytes);
            if token.is_none() {
                report::warn(&format!(
                    "ignoring {}, which is not a valid SSO token file",
                    path.display()
                ));
            }
            Ok(token)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("could not read {}", path.display())),
    }
}

/// Replace the session's token file, atomically, 0600 (§1.5).
pub(crate) fn write(env: &Env, target: &Target, token: &Token) -> anyhow::Result<()> {
    let path = paths::token_file(env, target.cache_key())?;
    write_private(&path, token.to_cli_json().as_bytes()).with_context(|| format!("could not write {}", path.display()))
}

/// Delete the session's token file (logged out, or refused by the portal).
pub(crate) fn forget(env: &Env, target: &Target) -> anyhow::Result<()> {
    let path = paths::token_file(env, target.cache_key())?;
    crate::private_fs::remove(&path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn token_file_is_the_cli_sample_byte_for_byte() {
        let token = Token {
            start_url: "https://d-0000000000.awsapps.com/start".into(),
            region: "us-east-1".into(),
            access_token: Secret::new("aoaAAAA..."),
            expires_at: datetime!(2026-11-26 03:36:53.7 UTC),
            client_id: Some("emu-client".into()),
            client_secret: Some(Secret::new("emu-secret")),
            registration_expires_at: Some(datetime!(2027-02-24 02:36:53 UTC)),
            refresh_token: Some(Secret::new("aorAAAA...")),
        };
        let json = token.to_cli_json();
        // protocol.md §1.4, the sample `aws sso login` writes.
        assert_eq!(
            json,
            r#"{"startUrl": "https://d-0000000000.awsapps.com/start", "region": "us-east-1", "accessToken": "aoaAAAA...", "expiresAt": "2026-11-26T03:36:53Z", "clientId": "emu-client", "clientSecret": "emu-secret", "registrationExpiresAt": "2027-02-24T02:36:53Z", "refreshToken": "aorAAAA..."}"#
        );
        let back = Token::from_json(json.as_bytes()).unwrap();
        assert_eq!(back.expires_at, datetime!(2026-11-26 03:36:53 UTC));
        assert_eq!(back.refresh_token, token.refresh_token);
        let shown = format!("{back:?}");
        for secret in ["aoaAAAA", "aorAAAA", "emu-secret"] {
            assert!(!shown.contains(secret), "Debug shows {secret}: {shown}");
        }
    }

    #[test]
    fn reads_what_the_rust_sdk_writes() {
        let rust = br#"{"accessToken":"refreshed-at","expiresAt":"2026-11-26T10:40:27.609333Z","refreshToken":"refreshed-rt","clientId":"cid","clientSecret":"csecret","registrationExpiresAt":"2027-02-14T02:40:27Z","region":"us-east-1","startUrl":"https://d-0000000000.awsapps.com/start"}"#;
        let t = Token::from_json(rust).unwrap();
        assert_eq!(t.refresh_token.unwrap().expose(), "refreshed-rt");
    }

    #[test]
    fn states() {
        let now = datetime!(2026-11-26 00:00:00 UTC);
        let cli = br#"{"startUrl": "https://d-0000000000.awsapps.com/start", "region": "us-east-1", "accessToken": "at", "expiresAt": "2026-11-26T01:00:00Z", "clientId": "c", "clientSecret": "s", "registrationExpiresAt": "2027-02-24T02:36:53Z", "refreshToken": "rt"}"#;
        let t = Token::from_json(cli).unwrap();
        assert_eq!(t.state(now), TokenState::Valid(3600));
        assert_eq!(t.state(datetime!(2026-11-26 02:00:00 UTC)), TokenState::Refreshable);
        assert_eq!(
            t.state(datetime!(2027-03-01 00:00:00 UTC)),
            TokenState::Expired,
            "registration gone"
        );
        let legacy = br#"{"accessToken": "at", "expiresAt": "2026-11-25T01:00:00Z"}"#;
        assert_eq!(Token::from_json(legacy).unwrap().state(now), TokenState::Expired);
        assert_eq!(Token::from_json(b"{not json"), None);
        assert_eq!(
            Token::from_json(br#"{"expiresAt": "2026-11-25T01:00:00Z"}"#),
            None,
            "accessToken is required"
        );
    }

    /// Regression (issue 8, defect 2): the prompt's reader took only exact camelCase keys while `use` and `login`
    /// took any case, so `status` could say `missing` for a token `use` happily used. One reader now: a file
    /// whose keys are not camelCase means the same to every command.
    #[test]
    fn every_reader_agrees_on_key_case() {
        let home = tempfile::tempdir().unwrap();
        let env = Env::from_pairs([("HOME", home.path().to_str().unwrap())]);
        let target = Target {
            session: Some("corp".into()),
            start_url: "https://x.awsapps.com/start".into(),
            region: "us-east-1".into(),
            scopes: None,
        };
        let path = paths::token_file(&env, "corp").unwrap();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, br#"{"AccessToken": "at", "ExpiresAt": "2026-11-26T01:00:00Z"}"#).unwrap();
        let now = datetime!(2026-11-26 00:00:00 UTC);
        assert_eq!(peek(&env, "corp").map(|t| t.state(now)), Some(TokenState::Valid(3600)));
        assert_eq!(
            read(&env, &target).unwrap().map(|t| t.expires_at),
            Some(datetime!(2026-11-26 01:00 UTC))
        );
    }
}
