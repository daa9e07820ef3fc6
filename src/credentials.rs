//! [`Credentials`]: AWS credentials as every command hands them on — shell exports, the `credential_process`
//! document (protocol.md §8), an SDK's credentials — whatever produced them (SSO, AssumeRole, keys, a process).

use time::OffsetDateTime;

use crate::clock::cli_timestamp;
use crate::secret::Secret;
use crate::sso::role_cache::RoleCredentials;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Credentials {
    pub(crate) access_key_id: String,
    pub(crate) secret_access_key: Secret,
    /// `None` for long-term keys.
    pub(crate) session_token: Option<Secret>,
    /// `None` for long-term keys.
    pub(crate) expiration: Option<OffsetDateTime>,
    pub(crate) account_id: Option<String>,
}

impl From<RoleCredentials> for Credentials {
    fn from(c: RoleCredentials) -> Self {
        Self {
            access_key_id: c.access_key_id,
            secret_access_key: c.secret_access_key,
            session_token: Some(c.session_token),
            expiration: Some(c.expiration),
            account_id: Some(c.account_id).filter(|a| !a.is_empty()),
        }
    }
}

impl Credentials {
    /// The `credential_process` document, Version 1 (protocol.md §8): `Version` a JSON number and first, as
    /// `aws configure export-credentials` orders it (§7.2), but with a `Z` expiration, which every SDK accepts.
    /// Keys without a session token or an expiration leave those members out, as the format allows.
    pub(crate) fn process_json(&self) -> String {
        use std::fmt::Write as _;
        let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
        let mut out = format!(
            "{{\n  \"Version\": 1,\n  \"AccessKeyId\": {},\n  \"SecretAccessKey\": {}",
            q(&self.access_key_id),
            q(self.secret_access_key.expose()),
        );
        if let Some(token) = &self.session_token {
            let _ = write!(out, ",\n  \"SessionToken\": {}", q(token.expose()));
        }
        if let Some(expiration) = self.expiration {
            let _ = write!(out, ",\n  \"Expiration\": {}", q(&cli_timestamp(expiration)));
        }
        if let Some(account) = &self.account_id {
            let _ = write!(out, ",\n  \"AccountId\": {}", q(account));
        }
        out.push_str("\n}\n");
        out
    }

    /// The same credentials for an AWS SDK client.
    pub(crate) fn to_sdk(&self, provider: &'static str) -> aws_credential_types::Credentials {
        aws_credential_types::Credentials::new(
            self.access_key_id.clone(),
            self.secret_access_key.expose(),
            self.session_token.as_ref().map(|t| t.expose().to_owned()),
            self.expiration.map(Into::into),
            provider,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_documents() {
        let temporary = Credentials {
            access_key_id: "ASIA".into(),
            secret_access_key: Secret::new("s"),
            session_token: Some(Secret::new("t")),
            expiration: Some(time::macros::datetime!(2026-11-26 03:36:53 UTC)),
            account_id: Some("111111111111".into()),
        };
        let doc: serde_json::Value = serde_json::from_str(&temporary.process_json()).unwrap();
        assert_eq!(doc["Version"], 1, "a JSON number, as both SDKs require");
        assert_eq!(doc["Expiration"], "2026-11-26T03:36:53Z");
        assert_eq!(doc["SessionToken"], "t");
        let long_term = Credentials {
            session_token: None,
            expiration: None,
            account_id: None,
            ..temporary
        };
        let doc: serde_json::Value = serde_json::from_str(&long_term.process_json()).unwrap();
        assert_eq!(
            doc,
            serde_json::json!({"Version": 1, "AccessKeyId": "ASIA", "SecretAccessKey": "s"})
        );
    }
}
