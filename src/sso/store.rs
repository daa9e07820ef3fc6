//! Writing the SSO cache the way AWS CLI v2 does, byte for byte: the token file (protocol.md §1.4) and the client
//! registration file (§2). Reading what botocore and the Rust SDK write is `cache.rs`'s job; this module also reads
//! full tokens (with their secrets) for the commands that need them.

use std::path::{Path, PathBuf};

use time::OffsetDateTime;

pub(crate) use crate::private_fs::{create_private_dir, write_private};
use crate::sso::cache::{cache_key, parse_timestamp};

/// A secret string. `Debug` and `Display` never show it (cli.md principle 5).
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ`, the only timestamp shape every reader accepts (protocol.md §1.3).
pub(crate) fn cli_timestamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// One JSON value in Python's `json.dumps` dialect (`ensure_ascii=True`).
pub(crate) enum PyJson<'a> {
    Str(&'a str),
    List(Vec<&'a str>),
    Object(Vec<(&'a str, PyJson<'a>)>),
    Null,
}

/// Python's `json.dumps(obj)` for an object, in the given key order: `", "` and `": "` separators, non-ASCII
/// escaped as `\uXXXX`. This is what the AWS CLI writes, and what its registration cache key hashes (§1.4, §2).
pub(crate) fn py_json_dumps(fields: &[(&str, PyJson<'_>)]) -> String {
    py_json(fields, (", ", ": "))
}

/// `json.dumps(obj, separators=(',', ':'))`, as botocore hashes role-credential cache keys (§7.1).
pub(crate) fn py_json_compact(fields: &[(&str, PyJson<'_>)]) -> String {
    py_json(fields, (",", ":"))
}

fn py_json(fields: &[(&str, PyJson<'_>)], separators: (&str, &str)) -> String {
    fn string(out: &mut String, s: &str) {
        use std::fmt::Write as _;
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{08}' => out.push_str("\\b"),
                '\u{0c}' => out.push_str("\\f"),
                c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
                c => {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        let _ = write!(out, "\\u{unit:04x}");
                    }
                }
            }
        }
        out.push('"');
    }
    fn object(out: &mut String, fields: &[(&str, PyJson<'_>)], (item, key_sep): (&str, &str)) {
        out.push('{');
        for (i, (key, value)) in fields.iter().enumerate() {
            if i > 0 {
                out.push_str(item);
            }
            string(out, key);
            out.push_str(key_sep);
            match value {
                PyJson::Str(s) => string(out, s),
                PyJson::Null => out.push_str("null"),
                PyJson::Object(inner) => object(out, inner, (item, key_sep)),
                PyJson::List(items) => {
                    out.push('[');
                    for (j, entry) in items.iter().enumerate() {
                        if j > 0 {
                            out.push_str(item);
                        }
                        string(out, entry);
                    }
                    out.push(']');
                }
            }
        }
        out.push('}');
    }
    let mut out = String::new();
    object(&mut out, fields, separators);
    out
}

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

    /// Parse any writer's token file; keys are matched case-insensitively as the Rust SDK does (§1.2).
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
}

/// The client registration the CLI caches beside tokens (§2).
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
pub(crate) fn registration_key(
    start_url: &str,
    region: &str,
    scopes: Option<&[String]>,
    session: Option<&str>,
) -> String {
    let scopes = scopes.map_or(PyJson::Null, |s| PyJson::List(s.iter().map(String::as_str).collect()));
    let session = session.map_or(PyJson::Null, PyJson::Str);
    cache_key(&py_json_dumps(&[
        ("region", PyJson::Str(region)),
        ("scopes", scopes),
        ("session_name", session),
        ("startUrl", PyJson::Str(start_url)),
        ("tool", PyJson::Str("botocore")),
    ]))
}

/// `sso_registration_scopes` as the CLI parses it: split on `,`, trimmed, empties dropped (§2).
pub(crate) fn parse_scopes(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

pub(crate) fn registration_path(cache_dir: &Path, key: &str) -> PathBuf {
    cache_dir.join(format!("{key}.json"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn registration_keys_match_the_cli() {
        // Vectors from protocol.md §2.
        let scopes = vec!["sso:account:access".to_owned()];
        assert_eq!(
            registration_key(
                "https://d-0000000000.awsapps.com/start",
                "us-east-1",
                Some(&scopes),
                Some("my-sso")
            ),
            "dd27d7a8f5bd42763e31d01abbc7621d71ca85e6"
        );
        assert_eq!(
            registration_key("https://d-0000000000.awsapps.com/start", "us-east-1", None, None),
            "1b11f67d4429bc93ffb21eaffa888d1c1b42c992"
        );
    }

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
        assert!(!format!("{back:?}").contains("aoaAAAA"), "Debug hides secrets");
    }

    #[test]
    fn reads_what_the_rust_sdk_writes() {
        let rust = br#"{"accessToken":"refreshed-at","expiresAt":"2026-11-26T10:40:27.609333Z","refreshToken":"refreshed-rt","clientId":"cid","clientSecret":"csecret","registrationExpiresAt":"2027-02-14T02:40:27Z","region":"us-east-1","startUrl":"https://d-0000000000.awsapps.com/start"}"#;
        let t = Token::from_json(rust).unwrap();
        assert_eq!(t.refresh_token.unwrap().expose(), "refreshed-rt");
    }

    #[test]
    fn python_json_escapes() {
        assert_eq!(
            py_json_dumps(&[("k", PyJson::Str("é\u{1F600}\"\\\n\u{1}"))]),
            r#"{"k": "\u00e9\ud83d\ude00\"\\\n\u0001"}"#
        );
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

    #[test]
    #[cfg(unix)]
    fn private_files_and_dirs() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/cache.json");
        write_private(&path, b"one").unwrap();
        write_private(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(
            std::fs::metadata(path.parent().unwrap()).unwrap().permissions().mode() & 0o777,
            0o700
        );
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1,
            "no temporary file left"
        );
    }
}
