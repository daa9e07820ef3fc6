//! The assume-role entries of the AWS CLI v2's credential cache, `~/.aws/cli/cache/<key>.json` (protocol.md
//! §12.2): the key botocore derives from the AssumeRole arguments, the body it writes, reading (`Z`, `UTC` or
//! `+00:00` expirations) and writing (`Z`), so botocore and awsso reuse each other's results.

use anyhow::Context as _;

use crate::clock::{cli_timestamp, parse_timestamp};
use crate::credentials::Credentials;
use crate::env::Env;
use crate::paths;
use crate::private_fs::write_private;
use crate::pyjson::{PyJson, py_json_dumps};
use crate::secret::Secret;
use crate::sts::Assumed;

/// The AssumeRole arguments that name a cache entry. `role_session_name` is `None` when it is the generated
/// default, which botocore leaves out of the key; `TokenCode` never counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Args<'a> {
    pub(crate) role_arn: &'a str,
    pub(crate) role_session_name: Option<&'a str>,
    pub(crate) external_id: Option<&'a str>,
    pub(crate) serial_number: Option<&'a str>,
    pub(crate) duration_seconds: Option<i64>,
}

/// `sha1(json.dumps(args, sort_keys=True))`, default separators (§12.2).
pub(crate) fn key(args: &Args<'_>) -> String {
    // Sorted: DurationSeconds, ExternalId, RoleArn, RoleSessionName, SerialNumber.
    let mut fields: Vec<(&str, PyJson<'_>)> = Vec::new();
    if let Some(d) = args.duration_seconds {
        fields.push(("DurationSeconds", PyJson::Int(d)));
    }
    if let Some(e) = args.external_id {
        fields.push(("ExternalId", PyJson::Str(e)));
    }
    fields.push(("RoleArn", PyJson::Str(args.role_arn)));
    if let Some(n) = args.role_session_name {
        fields.push(("RoleSessionName", PyJson::Str(n)));
    }
    if let Some(s) = args.serial_number {
        fields.push(("SerialNumber", PyJson::Str(s)));
    }
    paths::sha1_hex(&py_json_dumps(&fields))
}

/// The body: the AssumeRole response as botocore caches it, with `Credentials.AccountId`.
fn body(assumed: &Assumed) -> String {
    let c = &assumed.credentials;
    let expiration = c.expiration.map(cli_timestamp).unwrap_or_default();
    let mut creds = vec![
        ("AccessKeyId", PyJson::Str(&c.access_key_id)),
        ("SecretAccessKey", PyJson::Str(c.secret_access_key.expose())),
        (
            "SessionToken",
            PyJson::Str(c.session_token.as_ref().map_or("", Secret::expose)),
        ),
        ("Expiration", PyJson::Str(&expiration)),
    ];
    if let Some(account) = &c.account_id {
        creds.push(("AccountId", PyJson::Str(account)));
    }
    let mut fields = vec![
        ("Credentials", PyJson::Object(creds)),
        (
            "AssumedRoleUser",
            PyJson::Object(vec![
                ("AssumedRoleId", PyJson::Str(&assumed.assumed_role_id)),
                ("Arn", PyJson::Str(&assumed.arn)),
            ]),
        ),
    ];
    if let Some(id) = &assumed.request_id {
        fields.push(("ResponseMetadata", PyJson::Object(vec![("RequestId", PyJson::Str(id))])));
    }
    py_json_dumps(&fields)
}

/// Parse any writer's entry; `None` when it is not an assume-role result.
pub(crate) fn parse(bytes: &[u8]) -> Option<Credentials> {
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let c = value.get("Credentials")?;
    let s = |k: &str| c.get(k).and_then(|v| v.as_str()).filter(|v| !v.is_empty());
    let account = s("AccountId").map(str::to_owned).or_else(|| {
        value
            .pointer("/AssumedRoleUser/Arn")
            .and_then(|a| a.as_str())
            .and_then(|a| a.split(':').nth(4))
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
    });
    Some(Credentials {
        access_key_id: s("AccessKeyId")?.to_owned(),
        secret_access_key: Secret::new(s("SecretAccessKey")?),
        session_token: Some(Secret::new(s("SessionToken")?)),
        expiration: Some(parse_timestamp(s("Expiration")?)?),
        account_id: account,
    })
}

pub(crate) fn read(env: &Env, key: &str) -> anyhow::Result<Option<Credentials>> {
    let path = paths::cli_cache_file(env, key)?;
    Ok(std::fs::read(path).ok().and_then(|b| parse(&b)))
}

pub(crate) fn write(env: &Env, key: &str, assumed: &Assumed) -> anyhow::Result<()> {
    let path = paths::cli_cache_file(env, key)?;
    write_private(&path, body(assumed).as_bytes()).with_context(|| format!("could not write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_the_cli() {
        // protocol.md §12.2.
        let plain = Args {
            role_arn: "arn:aws:iam::123456789012:role/Admin",
            role_session_name: None,
            external_id: None,
            serial_number: None,
            duration_seconds: None,
        };
        assert_eq!(key(&plain), "51e7b105b5040ce662656c8dc6ab4de70c4de7ad");
        let full = Args {
            role_session_name: Some("alice"),
            external_id: Some("xyz"),
            serial_number: Some("arn:aws:iam::111111111111:mfa/alice"),
            duration_seconds: Some(3600),
            ..plain
        };
        assert_eq!(key(&full), "aa3f4325db5a9788a58ea75ee197409d16c147bd");
    }

    #[test]
    fn bodies_round_trip_and_botocores_utc_reads() {
        let assumed = Assumed {
            credentials: Credentials {
                access_key_id: "ASIA1".into(),
                secret_access_key: Secret::new("sk"),
                session_token: Some(Secret::new("st")),
                expiration: Some(time::macros::datetime!(2026-11-26 04:00:00 UTC)),
                account_id: Some("123456789012".into()),
            },
            arn: "arn:aws:sts::123456789012:assumed-role/Admin/alice".into(),
            assumed_role_id: "AROA1:alice".into(),
            request_id: Some("r-1".into()),
        };
        let text = body(&assumed);
        assert!(text.contains(r#""Expiration": "2026-11-26T04:00:00Z""#), "{text}");
        assert_eq!(parse(text.as_bytes()), Some(assumed.credentials.clone()));
        let botocore = br#"{"Credentials": {"AccessKeyId": "ASIA1", "SecretAccessKey": "sk", "SessionToken": "st", "Expiration": "2026-11-26T04:00:00UTC"}, "AssumedRoleUser": {"AssumedRoleId": "AROA1:alice", "Arn": "arn:aws:sts::123456789012:assumed-role/Admin/alice"}}"#;
        assert_eq!(parse(botocore), Some(assumed.credentials));
        assert_eq!(parse(br#"{"ProviderType": "sso", "Credentials": {}}"#), None);
    }
}
