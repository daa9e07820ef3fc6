//! The sign-in token (protocol.md §13.1): getSigninToken as a form POST, so the keys travel in a request body and
//! never in a URL or a log, with `SessionDuration` only for credentials AWS accepts it with.

use std::time::Duration;

use anyhow::anyhow;
use aws_smithy_http_client::Connector;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::HttpConnector as _;
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;
use time::OffsetDateTime;

use crate::credentials::Credentials;
use crate::secret::Secret;

/// The console session AWS allows at most, and at least (§13.1).
const MAX_SESSION: i64 = 43_200;
const MIN_SESSION: i64 = 900;
/// How long the whole call may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Where credentials come from, as far as `SessionDuration` cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// GetRoleCredentials of a plain SSO profile: AWS accepts `SessionDuration`.
    SsoRole,
    /// A role chain, a `credential_process`, raw credentials of unknown making: AWS answers 400 to
    /// `SessionDuration` for chained role sessions (§13.1 step 3), so it is left out, which is always accepted.
    Other,
}

/// The `SessionDuration` to send: for SSO role credentials, the time they have left (900–43200 s), so the console
/// lasts as long as the credentials would; nothing otherwise.
pub(crate) fn session_duration(origin: Origin, credentials: &Credentials, now: OffsetDateTime) -> Option<i64> {
    match origin {
        Origin::SsoRole => credentials
            .expiration
            .map(|at| (at - now).whole_seconds().clamp(MIN_SESSION, MAX_SESSION)),
        Origin::Other => None,
    }
}

/// The `Session` JSON, with the keys AWS names (§13.1 step 1), in this order.
#[derive(serde::Serialize)]
struct Session<'a> {
    #[serde(rename = "sessionId")]
    id: &'a str,
    #[serde(rename = "sessionKey")]
    key: &'a str,
    #[serde(rename = "sessionToken")]
    token: &'a str,
}

/// getSigninToken's answer.
#[derive(serde::Deserialize)]
struct Answer {
    #[serde(rename = "SigninToken")]
    signin_token: String,
}

/// The form body of getSigninToken: `Action`, `SessionDuration` if any, and `Session`, the JSON of the three
/// credential values under the keys AWS names (§13.1 step 1). A secret: it holds the keys.
pub(crate) fn form_body(credentials: &Credentials, duration: Option<i64>) -> anyhow::Result<Secret> {
    let token = credentials
        .session_token
        .as_ref()
        .ok_or_else(|| anyhow!("the console needs temporary credentials (with a session token), not long-term keys"))?;
    let session = serde_json::to_string(&Session {
        id: &credentials.access_key_id,
        key: credentials.secret_access_key.expose(),
        token: token.expose(),
    })?;
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("Action", "getSigninToken");
    if let Some(duration) = duration {
        form.append_pair("SessionDuration", &duration.to_string());
    }
    form.append_pair("Session", &session);
    Ok(Secret::new(form.finish()))
}

/// POST getSigninToken to `<base>/federation` and return the sign-in token (valid 15 minutes). The error is one
/// line: the endpoint's status and what it said, or why it could not be reached.
pub(crate) fn signin_token(base: &str, credentials: &Credentials, duration: Option<i64>) -> anyhow::Result<Secret> {
    let body = form_body(credentials, duration)?;
    let url = format!("{base}/federation");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let (status, text) = runtime
        .block_on(async { tokio::time::timeout(TIMEOUT, post(&url, body)).await })
        .map_err(|_| {
            anyhow!(
                "the sign-in endpoint {url} did not answer within {} s",
                TIMEOUT.as_secs()
            )
        })??;
    if status != 200 {
        let said: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let said: String = said.chars().take(200).collect();
        let hint = if status == 400 {
            " (the credentials were refused: expired, not temporary, or SessionDuration not allowed for them)"
        } else {
            ""
        };
        return Err(anyhow!(
            "the sign-in endpoint {url} answered {status}{hint}: {}",
            if said.is_empty() { "(no message)" } else { &said }
        ));
    }
    let answer: Answer = serde_json::from_str(&text)
        .map_err(|_| anyhow!("the sign-in endpoint {url} answered 200 without a SigninToken"))?;
    Ok(Secret::new(answer.signin_token))
}

async fn post(url: &str, body: Secret) -> anyhow::Result<(u16, String)> {
    let connector = Connector::builder()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build();
    let mut request = HttpRequest::new(SdkBody::from(body.expose().to_owned()));
    request
        .set_uri(url)
        .map_err(|e| anyhow!("the sign-in URL {url} is not valid ({e})"))?;
    request
        .set_method("POST")
        .map_err(|e| anyhow!("POST is not a method? ({e})"))?;
    request
        .headers_mut()
        .insert("content-type", "application/x-www-form-urlencoded");
    request.headers_mut().insert("accept", "application/json");
    let response = connector
        .call(request)
        .await
        .map_err(|e| anyhow!("could not reach the sign-in endpoint {url} ({})", reason(&e)))?;
    let status = response.status().as_u16();
    let bytes = ByteStream::new(response.into_body())
        .collect()
        .await
        .map_err(|e| anyhow!("could not read the answer of {url} ({e})"))?
        .into_bytes();
    Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
}

/// The innermost cause of a connector error, which is the one that says what happened.
fn reason(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(token: Option<&str>) -> Credentials {
        Credentials {
            access_key_id: "ASIA1".into(),
            secret_access_key: Secret::new("s/k+1"),
            session_token: token.map(Secret::new),
            expiration: Some(time::macros::datetime!(2026-01-01 01:00:00 UTC)),
            account_id: None,
        }
    }

    #[test]
    fn the_form_body_holds_the_session_json() {
        let body = form_body(&creds(Some("t=1")), None).unwrap();
        let pairs: Vec<(String, String)> = form_urlencoded::parse(body.expose().as_bytes()).into_owned().collect();
        assert_eq!(
            pairs,
            vec![
                ("Action".into(), "getSigninToken".into()),
                (
                    "Session".into(),
                    r#"{"sessionId":"ASIA1","sessionKey":"s/k+1","sessionToken":"t=1"}"#.into()
                ),
            ]
        );
        let body = form_body(&creds(Some("t")), Some(3600)).unwrap();
        assert!(
            body.expose()
                .starts_with("Action=getSigninToken&SessionDuration=3600&Session="),
            "{body:?}"
        );
        let err = form_body(&creds(None), None).unwrap_err().to_string();
        assert!(err.contains("temporary credentials"), "{err}");
    }

    #[test]
    fn session_duration_only_for_sso_role_credentials() {
        let c = creds(Some("t"));
        let at =
            |h: i64, m: i64| time::macros::datetime!(2026-01-01 00:00:00 UTC) + time::Duration::minutes(h * 60 + m);
        assert_eq!(session_duration(Origin::SsoRole, &c, at(0, 0)), Some(3600));
        assert_eq!(
            session_duration(Origin::SsoRole, &c, at(0, 55)),
            Some(900),
            "at least 900"
        );
        assert_eq!(
            session_duration(Origin::SsoRole, &c, at(-24, 0)),
            Some(43_200),
            "at most 43200"
        );
        assert_eq!(session_duration(Origin::Other, &c, at(0, 0)), None);
    }
}
