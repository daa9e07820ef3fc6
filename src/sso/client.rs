//! The AWS SDK clients awsso calls (SSO OIDC, the SSO portal, STS), each sent to its own endpoint only: the
//! `AWS_ENDPOINT_URL_SSO_OIDC` / `_SSO` / `_STS` override (or `AWS_ENDPOINT_URL`), else AWS's regional endpoint
//! (protocol.md §6.3, §9); one runtime helper and one HTTPS stack for all of them.
//!
//! One HTTPS stack only: rustls with the ring provider, instead of the SDK defaults that compile two TLS stacks.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};

use crate::env::Env;

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
/// profile is active in the shell never receives a client secret or a refresh token.
pub(crate) fn oidc(env: &Env, config: &SdkConfig) -> aws_sdk_ssooidc::Client {
    let region = config.region().map_or("us-east-1", |r| r.as_ref()).to_owned();
    let conf = aws_sdk_ssooidc::config::Builder::from(config)
        .endpoint_url(oidc_base_url(env, &region))
        .build();
    aws_sdk_ssooidc::Client::from_conf(conf)
}

/// The portal client, sent to [`portal_base_url`] and nowhere else (the bearer token goes with every call).
pub(crate) fn portal(env: &Env, config: &SdkConfig) -> aws_sdk_sso::Client {
    let region = config.region().map_or("us-east-1", |r| r.as_ref()).to_owned();
    let conf = aws_sdk_sso::config::Builder::from(config)
        .endpoint_url(portal_base_url(env, &region))
        .build();
    aws_sdk_sso::Client::from_conf(conf)
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

/// Run one SSO operation to completion on a current-thread runtime: awsso's SDK calls are few and sequential, and
/// the prompt path never gets here (cli.md principle 3).
pub(crate) fn block_on<F: std::future::Future>(future: F) -> anyhow::Result<F::Output> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    Ok(runtime.block_on(future))
}
