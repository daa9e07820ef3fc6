//! The AWS SDK clients awsso calls (SSO OIDC, the SSO portal, STS), each sent to its own endpoint only: the
//! `AWS_ENDPOINT_URL_SSO_OIDC` / `_SSO` / `_STS` override (or `AWS_ENDPOINT_URL`), else AWS's regional endpoint
//! (protocol.md §6.3, §9); one runtime helper and one HTTPS stack for all of them.
//!
//! One HTTPS stack only: rustls with the ring provider, instead of the SDK defaults that compile two TLS stacks.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};

use crate::env::Env;
use crate::error::Error;

/// The SDK configuration for SSO calls in `sso_region`. Unsigned: every OIDC and portal call is `noAuth`
/// (protocol.md §3, §5), so no credentials are looked up.
pub(crate) async fn sdk_config(sso_region: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(sso_region.to_owned()))
        .no_credentials()
        .http_client(https())
        .load()
        .await
}

/// The HTTPS client every AWS call uses: rustls with ring, one TLS stack.
pub(crate) fn https() -> aws_sdk_sso::config::SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// The OIDC client, sent to [`oidc_base_url`] and nowhere else: set explicitly, so an `endpoint_url` of whatever
/// profile is active in the shell never receives a client secret or a refresh token. Plain `http://` is refused
/// except to loopback ([`secure_endpoint`]).
pub(crate) fn oidc(env: &Env, config: &SdkConfig) -> Result<aws_sdk_ssooidc::Client, Error> {
    let region = config.region().map_or("us-east-1", |r| r.as_ref()).to_owned();
    let url = secure_endpoint(
        env,
        &["AWS_ENDPOINT_URL_SSO_OIDC", "AWS_ENDPOINT_URL"],
        oidc_base_url(env, &region),
    )?;
    let conf = aws_sdk_ssooidc::config::Builder::from(config).endpoint_url(url).build();
    Ok(aws_sdk_ssooidc::Client::from_conf(conf))
}

/// The portal client, sent to [`portal_base_url`] and nowhere else (the bearer token goes with every call). Plain
/// `http://` is refused except to loopback ([`secure_endpoint`]).
pub(crate) fn portal(env: &Env, config: &SdkConfig) -> Result<aws_sdk_sso::Client, Error> {
    let region = config.region().map_or("us-east-1", |r| r.as_ref()).to_owned();
    let url = secure_endpoint(
        env,
        &["AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL"],
        portal_base_url(env, &region),
    )?;
    let conf = aws_sdk_sso::config::Builder::from(config).endpoint_url(url).build();
    Ok(aws_sdk_sso::Client::from_conf(conf))
}

/// `url` if secrets may travel to it: `https://`, or `http://` to a loopback address (the emulator, a local test
/// server). Anything else is a usage error naming the variables it may have come from: a token, a client secret or
/// credentials in cleartext over a network are never sent.
pub(crate) fn secure_endpoint(env: &Env, vars: &[&str], url: String) -> Result<String, Error> {
    let parsed = url::Url::parse(&url).ok();
    let ok = match parsed.as_ref().map(url::Url::scheme) {
        Some("https") => true,
        Some("http") => parsed
            .as_ref()
            .and_then(url::Url::host)
            .as_ref()
            .is_some_and(crate::browser::loopback),
        _ => false,
    };
    if ok {
        return Ok(url);
    }
    let from = vars.iter().find(|v| env.get(v).is_some()).unwrap_or(&"the endpoint");
    Err(Error::Usage(format!(
        "{from}={url}: refusing to send SSO or STS secrets there; use an https:// URL, or http:// only to \
         localhost or 127.0.0.1"
    )))
}

/// Where STS calls go: `AWS_ENDPOINT_URL_STS`, else `AWS_ENDPOINT_URL`, else the regional endpoint (protocol.md
/// §6.3, §12.4).
pub(crate) fn sts_base_url(env: &Env, region: &str) -> String {
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    env.get("AWS_ENDPOINT_URL_STS")
        .or_else(|| env.get("AWS_ENDPOINT_URL"))
        .map_or_else(
            || format!("https://sts.{region}.{suffix}"),
            |u| u.trim_end_matches('/').to_owned(),
        )
}

/// The OIDC base URL the browser is sent to for `/authorize`: the endpoint override if any, else the regional
/// endpoint (protocol.md §3, §4 "Authorize URL").
pub(crate) fn oidc_base_url(env: &Env, sso_region: &str) -> String {
    env.get("AWS_ENDPOINT_URL_SSO_OIDC")
        .or_else(|| env.get("AWS_ENDPOINT_URL"))
        .map_or_else(
            || format!("https://oidc.{sso_region}.amazonaws.com"),
            |u| u.trim_end_matches('/').to_owned(),
        )
}

/// Where portal calls go, as the SDK resolves it (protocol.md §6.3): the endpoint override if any, else the
/// regional endpoint. For error messages.
pub(crate) fn portal_base_url(env: &Env, sso_region: &str) -> String {
    env.get("AWS_ENDPOINT_URL_SSO")
        .or_else(|| env.get("AWS_ENDPOINT_URL"))
        .map_or_else(
            || format!("https://portal.sso.{sso_region}.amazonaws.com"),
            |u| u.trim_end_matches('/').to_owned(),
        )
}

/// A one-line description of an SDK error: the service's error name and message, or the transport failure.
pub(crate) fn describe<E, R>(err: &aws_sdk_ssooidc::error::SdkError<E, R>) -> String
where
    E: aws_sdk_ssooidc::error::ProvideErrorMetadata + std::error::Error,
{
    use aws_sdk_ssooidc::error::SdkError;
    match err {
        SdkError::ServiceError(e) => {
            let inner = e.err();
            match (inner.code(), inner.message()) {
                (Some(code), Some(msg)) => format!("{code}: {msg}"),
                (Some(code), None) => code.to_owned(),
                _ => inner.to_string(),
            }
        }
        SdkError::TimeoutError(_) => "the request timed out".to_owned(),
        SdkError::DispatchFailure(e) => {
            if e.is_io() || e.is_timeout() {
                "could not connect".to_owned()
            } else {
                "the request could not be sent".to_owned()
            }
        }
        SdkError::ResponseError(_) => "the response could not be read".to_owned(),
        other => other.to_string(),
    }
}

/// [`describe`], naming where the request went when it got no answer, so "could not connect" says to what.
pub(crate) fn describe_at<E, R>(err: &aws_sdk_ssooidc::error::SdkError<E, R>, url: &str) -> String
where
    E: aws_sdk_ssooidc::error::ProvideErrorMetadata + std::error::Error,
{
    use aws_sdk_ssooidc::error::SdkError;
    match err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => format!("{} to {url}", describe(err)),
        _ => describe(err),
    }
}

/// Run one SSO operation to completion on a current-thread runtime: awsso's SDK calls are few and sequential, and
/// the prompt path never gets here (cli.md principle 3).
pub(crate) fn block_on<F: std::future::Future>(future: F) -> anyhow::Result<F::Output> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    Ok(runtime.block_on(future))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 9, finding 1: secrets go over https, or over plain http to loopback only.
    #[test]
    fn plain_http_is_refused_except_to_loopback() {
        let env = Env::from_pairs([("AWS_ENDPOINT_URL", "http://example.com")]);
        let check = |url: &str| secure_endpoint(&env, &["AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL"], url.to_owned());
        for good in [
            "https://portal.sso.us-east-1.amazonaws.com",
            "https://example.com:8443",
            "http://127.0.0.1:4566",
            "http://127.1.2.3",
            "http://localhost:4566",
            "http://[::1]:4566",
        ] {
            assert_eq!(check(good).unwrap(), good);
        }
        for bad in [
            "http://example.com",
            "http://10.0.0.1:4566",
            "http://localstack:4566",
            "http://127.0.0.1.nip.io",
            "ftp://127.0.0.1",
            "not a url",
        ] {
            let err = check(bad).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{bad}");
            assert!(err.to_string().starts_with("AWS_ENDPOINT_URL="), "{bad}: {err}");
        }
    }
}
