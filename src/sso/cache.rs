//! The SSO token cache that AWS CLI v2, botocore and the Rust SDK share: `~/.aws/sso/cache/<sha1>.json`
//! (protocol.md §1). This module reads it; nothing here touches the network.

use std::path::{Path, PathBuf};

use sha1::{Digest as _, Sha1};
use time::OffsetDateTime;

/// Lowercase hex SHA-1 of the session name, or of the start URL exactly as configured for legacy profiles
/// (protocol.md §1.1; `botocore/utils.py` `SSOTokenLoader._generate_cache_key`).
pub(crate) fn cache_key(key: &str) -> String {
    hex(&Sha1::digest(key.as_bytes()))
}

/// Lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

pub(crate) fn token_path(cache_dir: &Path, key: &str) -> PathBuf {
    cache_dir.join(format!("{}.json", cache_key(key)))
}

/// The parts of a cached token that decide its state. The token strings themselves are never kept here, so this
/// type can be printed or logged without leaking a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TokenInfo {
    pub(crate) expires_at: OffsetDateTime,
    /// A refresh token, client id and secret are all present.
    pub(crate) has_refresh: bool,
    pub(crate) registration_expires_at: Option<OffsetDateTime>,
}

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

impl TokenInfo {
    pub(crate) fn state(&self, now: OffsetDateTime) -> TokenState {
        let left = (self.expires_at - now).whole_seconds();
        if left > 0 {
            TokenState::Valid(left)
        } else if self.has_refresh && self.registration_expires_at.is_some_and(|r| r > now) {
            // Both SDKs refuse to refresh without a live registration (protocol.md §1.2, §1.6).
            TokenState::Refreshable
        } else {
            TokenState::Expired
        }
    }
}

/// Parse a cache timestamp. awsso writes `YYYY-MM-DDTHH:MM:SSZ`; readers must also take what others write:
/// fractional seconds (the Rust SDK), `+00:00` and the old botocore `...UTC` (protocol.md §1.3).
pub(crate) fn parse_timestamp(s: &str) -> Option<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t);
    }
    let bare = s.strip_suffix("UTC").map_or(s, str::trim_end);
    let with_z = format!("{}Z", bare.replacen(' ', "T", 1));
    OffsetDateTime::parse(&with_z, &Rfc3339).ok()
}

/// Read the facts of a token file. `None` when it is missing or unreadable: a corrupt cache means "log in again",
/// never a crash.
pub(crate) fn parse_token(json: &[u8]) -> Option<TokenInfo> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Raw {
        access_token: Option<String>,
        expires_at: Option<String>,
        refresh_token: Option<String>,
        client_id: Option<String>,
        client_secret: Option<String>,
        registration_expires_at: Option<String>,
    }
    let raw: Raw = serde_json::from_slice(json).ok()?;
    raw.access_token.as_deref().filter(|t| !t.is_empty())?;
    let present = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.is_empty());
    Some(TokenInfo {
        expires_at: parse_timestamp(raw.expires_at.as_deref()?)?,
        has_refresh: present(&raw.refresh_token) && present(&raw.client_id) && present(&raw.client_secret),
        registration_expires_at: raw.registration_expires_at.as_deref().and_then(parse_timestamp),
    })
}

pub(crate) fn load_token(cache_dir: &Path, key: &str) -> Option<TokenInfo> {
    parse_token(&std::fs::read(token_path(cache_dir, key)).ok()?)
}

/// The state of the token for `key`, as of `now`.
pub(crate) fn token_state(cache_dir: Option<&Path>, key: &str, now: OffsetDateTime) -> TokenState {
    cache_dir
        .and_then(|dir| load_token(dir, key))
        .map_or(TokenState::Missing, |t| t.state(now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn cache_keys_match_the_aws_cli() {
        // Vectors from protocol.md §1.1 and starship's aws module tests.
        assert_eq!(cache_key("my-sso"), "0ad374308c5a4e22f723adf10145eafad7c4031c");
        assert_eq!(
            cache_key("https://d-0000000000.awsapps.com/start"),
            "b51e627ec5d75dab0c56e37911d5b31610f612e0"
        );
        assert!(cache_key("default").starts_with("7505d64a"));
    }

    #[test]
    fn timestamps_in_every_dialect() {
        let t = datetime!(2026-11-26 03:36:53 UTC);
        for s in [
            "2026-11-26T03:36:53Z",
            "2026-11-26T03:36:53+00:00",
            "2026-11-26T03:36:53UTC",
            "2026-11-26 03:36:53 UTC",
        ] {
            assert_eq!(parse_timestamp(s), Some(t), "{s}");
        }
        assert_eq!(
            parse_timestamp("2026-11-26T03:36:53.609333Z").map(OffsetDateTime::unix_timestamp),
            Some(t.unix_timestamp())
        );
        assert_eq!(parse_timestamp("tomorrow"), None);
    }

    #[test]
    fn states() {
        let now = datetime!(2026-11-26 00:00:00 UTC);
        let cli = br#"{"startUrl": "https://d-0000000000.awsapps.com/start", "region": "us-east-1", "accessToken": "at", "expiresAt": "2026-11-26T01:00:00Z", "clientId": "c", "clientSecret": "s", "registrationExpiresAt": "2027-02-24T02:36:53Z", "refreshToken": "rt"}"#;
        let t = parse_token(cli).unwrap();
        assert_eq!(t.state(now), TokenState::Valid(3600));
        assert_eq!(t.state(datetime!(2026-11-26 02:00:00 UTC)), TokenState::Refreshable);
        assert_eq!(
            t.state(datetime!(2027-03-01 00:00:00 UTC)),
            TokenState::Expired,
            "registration gone"
        );
        let legacy = br#"{"accessToken": "at", "expiresAt": "2026-11-25T01:00:00Z"}"#;
        assert_eq!(parse_token(legacy).unwrap().state(now), TokenState::Expired);
        assert_eq!(parse_token(b"{not json"), None);
        assert_eq!(
            parse_token(br#"{"expiresAt": "2026-11-25T01:00:00Z"}"#),
            None,
            "accessToken is required"
        );
    }
}
