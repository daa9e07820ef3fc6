//! What an SSO session can reach, from the portal API (protocol.md §5): `ListAccounts`, then `ListAccountRoles` for
//! every account, [`CONCURRENCY`] at a time, each paged to the end, at the portal's own pace ([`Pace`]).
//!
//! Retries are done here, not by the SDK (its retry is turned off for these calls), so that the pace sees every
//! 429 `TooManyRequestsException` and every retry waits for its turn like any other request:
//! * a 429 tells the pace to slow down, and the request goes again after a full-jitter pause, up to
//!   [`THROTTLE_ATTEMPTS`] times in all;
//! * a transient failure (a 5xx, a timeout, no connection, an unreadable answer) goes again after a full-jitter
//!   exponential pause, as the SDK's standard retry would, up to its `max_attempts` (`AWS_MAX_ATTEMPTS`, default 3);
//! * anything else (401, 403, 400...) ends the listing at once.

use std::time::Duration;

use aws_sdk_sso::config::retry::RetryConfig;
use aws_sdk_sso::error::{ProvideErrorMetadata, SdkError};
use futures_util::{StreamExt as _, TryStreamExt as _};

pub(crate) use crate::sso::pace::Pace;

use crate::sso::client;

/// `ListAccountRoles` calls in flight at once: the pace decides how many go a second, this bounds how many wait for
/// an answer (eight keep a 200-a-second portal busy even at 30 ms a request).
pub(crate) const CONCURRENCY: usize = 8;
/// The largest page the portal serves (1–100), so a large organisation takes the fewest requests.
const PAGE_SIZE: i32 = 100;
/// Attempts of one request answered 429 before the listing gives up: with the pace halving at each, a portal that
/// refuses everything is reported within a few seconds.
pub(crate) const THROTTLE_ATTEMPTS: u32 = 8;
/// Attempts of one request that failed transiently, unless the SDK config says otherwise (its standard default).
const TRANSIENT_ATTEMPTS: u32 = 3;
/// The ceiling of the first pause after a 429; it doubles each time, up to [`PAUSE_CAP`].
const THROTTLE_BASE: Duration = Duration::from_millis(50);
/// The ceiling of the first pause after a transient failure; it doubles each time, up to [`PAUSE_CAP`].
const TRANSIENT_BASE: Duration = Duration::from_millis(500);
const PAUSE_CAP: Duration = Duration::from_secs(8);

/// One account and the roles the session may assume in it, sorted by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Account {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) email: Option<String>,
    pub(crate) roles: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PortalError {
    /// 401 `UnauthorizedException`: the token was revoked (signed out elsewhere) or has expired.
    Unauthorized,
    /// Still 429 `TooManyRequestsException` after [`THROTTLE_ATTEMPTS`].
    Throttled,
    /// No answer: could not connect, or timed out (described in one line).
    Unreachable(String),
    /// Any other error, described in one line (no secrets: the SDK's messages never hold the bearer token).
    Other(String),
}

/// Every account the token's session can reach, sorted by name then id, each with its roles. `progress` is called
/// once with the number of accounts, then once per account whose roles are in.
pub(crate) async fn list(
    portal: &aws_sdk_sso::Client,
    token: &str,
    pace: &Pace,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Vec<Account>, PortalError> {
    let mut accounts = list_accounts(portal, token, pace).await?;
    progress(Progress::Accounts(accounts.len()));
    let ids: Vec<(usize, String)> = accounts.iter().map(|a| a.id.clone()).enumerate().collect();
    // At most CONCURRENCY futures exist at a time; the first error drops the rest, cancelling their requests.
    let roles: Vec<(usize, Vec<String>)> = futures_util::stream::iter(ids)
        .map(|(i, id)| async move {
            let roles = list_roles(portal, token, pace, &id).await?;
            progress(Progress::RolesOf);
            Ok::<_, PortalError>((i, roles))
        })
        .buffer_unordered(CONCURRENCY)
        .try_collect()
        .await?;
    for (i, mut r) in roles {
        r.sort();
        r.dedup();
        accounts[i].roles = r;
    }
    accounts.sort_by_cached_key(|a| (a.name.to_lowercase(), a.id.clone()));
    Ok(accounts)
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Progress {
    /// `ListAccounts` is done: this many accounts.
    Accounts(usize),
    /// The roles of one more account are in.
    RolesOf,
}

async fn list_accounts(portal: &aws_sdk_sso::Client, token: &str, pace: &Pace) -> Result<Vec<Account>, PortalError> {
    let mut accounts = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let reply = patiently(portal, pace, || {
            portal
                .list_accounts()
                .access_token(token)
                .max_results(PAGE_SIZE)
                .set_next_token(next.clone())
                .customize()
                .config_override(no_sdk_retry())
                .send()
        })
        .await?;
        accounts.extend(reply.account_list().iter().filter_map(|a| {
            Some(Account {
                id: a.account_id()?.to_owned(),
                name: a.account_name().unwrap_or_default().to_owned(),
                email: a.email_address().map(str::to_owned),
                roles: Vec::new(),
            })
        }));
        match next_page(next.as_deref(), reply.next_token()) {
            Some(token) => next = Some(token),
            None => break,
        }
    }
    // A portal that repeats an account across pages must not make it appear twice.
    let mut seen = std::collections::HashSet::new();
    accounts.retain(|a| seen.insert(a.id.clone()));
    Ok(accounts)
}

async fn list_roles(
    portal: &aws_sdk_sso::Client,
    token: &str,
    pace: &Pace,
    account_id: &str,
) -> Result<Vec<String>, PortalError> {
    let mut roles = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let reply = patiently(portal, pace, || {
            portal
                .list_account_roles()
                .access_token(token)
                .account_id(account_id)
                .max_results(PAGE_SIZE)
                .set_next_token(next.clone())
                .customize()
                .config_override(no_sdk_retry())
                .send()
        })
        .await?;
        roles.extend(
            reply
                .role_list()
                .iter()
                .filter_map(|r| r.role_name().map(str::to_owned)),
        );
        match next_page(next.as_deref(), reply.next_token()) {
            Some(token) => next = Some(token),
            None => break,
        }
    }
    Ok(roles)
}

/// The token for the next page, or `None` at the end: no token, an empty one, or the one just sent (the SDK's
/// paginators stop on a repeated token too, rather than loop forever).
fn next_page(sent: Option<&str>, received: Option<&str>) -> Option<String> {
    received
        .filter(|t| !t.is_empty() && Some(*t) != sent)
        .map(str::to_owned)
}

/// Our retries replace the SDK's for the listing calls (see the module doc).
fn no_sdk_retry() -> aws_sdk_sso::config::Builder {
    aws_sdk_sso::config::Builder::default().retry_config(RetryConfig::disabled())
}

/// Run `call` (one SDK request, without the SDK's retry) when the pace allows, telling the pace how it went, and
/// retry it as the module doc says.
async fn patiently<T, E, R, F, Fut>(portal: &aws_sdk_sso::Client, pace: &Pace, mut call: F) -> Result<T, PortalError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, SdkError<E, R>>>,
    E: ProvideErrorMetadata + std::error::Error,
    R: HasStatus,
{
    let transient_attempts = portal
        .config()
        .retry_config()
        .map_or(TRANSIENT_ATTEMPTS, RetryConfig::max_attempts)
        .max(1);
    let (mut throttled, mut failed) = (0u32, 0u32);
    loop {
        let granted = pace.take().await;
        let err = match call().await {
            Ok(value) => {
                pace.succeeded(granted);
                return Ok(value);
            }
            Err(err) => err,
        };
        let code = err.as_service_error().and_then(ProvideErrorMetadata::code);
        let pause = match code {
            Some("UnauthorizedException") => return Err(PortalError::Unauthorized),
            Some("TooManyRequestsException") => {
                pace.throttled(granted);
                throttled += 1;
                if throttled >= THROTTLE_ATTEMPTS {
                    return Err(PortalError::Throttled);
                }
                backoff(THROTTLE_BASE, throttled - 1, random_fraction())
            }
            _ if is_transient(&err) => {
                failed += 1;
                if failed >= transient_attempts {
                    return Err(match err {
                        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => {
                            PortalError::Unreachable(client::describe(&err))
                        }
                        _ => PortalError::Other(client::describe(&err)),
                    });
                }
                backoff(TRANSIENT_BASE, failed - 1, random_fraction())
            }
            _ => return Err(PortalError::Other(client::describe(&err))),
        };
        tokio::time::sleep(pause).await;
    }
}

/// What the SDK's standard retry would try again: no answer, an unreadable one, or a 5xx.
fn is_transient<E, R: HasStatus>(err: &SdkError<E, R>) -> bool {
    match err {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_) => true,
        SdkError::ServiceError(e) => e.raw().status() >= 500,
        _ => false,
    }
}

/// The HTTP status of a raw response (a trait only so that `patiently` stays generic over the operation).
trait HasStatus {
    fn status(&self) -> u16;
}

impl HasStatus for aws_sdk_sso::config::http::HttpResponse {
    fn status(&self) -> u16 {
        self.status().as_u16()
    }
}

/// "Full jitter" (as the SDK does): a uniformly random pause below a ceiling that starts at `base` and doubles with
/// every `attempt`, up to [`PAUSE_CAP`].
fn backoff(base: Duration, attempt: u32, fraction: f64) -> Duration {
    let ceiling = base
        .saturating_mul(1u32.checked_shl(attempt).unwrap_or(u32::MAX))
        .min(PAUSE_CAP);
    ceiling.mul_f64(fraction.clamp(0.0, 1.0))
}

/// A uniform number in [0, 1).
fn random_fraction() -> f64 {
    use ring::rand::SecureRandom as _;
    let mut bytes = [0u8; 4];
    if ring::rand::SystemRandom::new().fill(&mut bytes).is_err() {
        return 0.5;
    }
    f64::from(u32::from_le_bytes(bytes)) / (f64::from(u32::MAX) + 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_full_jitter() {
        assert_eq!(backoff(TRANSIENT_BASE, 0, 1.0), Duration::from_millis(500));
        assert_eq!(backoff(TRANSIENT_BASE, 1, 1.0), Duration::from_secs(1));
        assert_eq!(backoff(TRANSIENT_BASE, 2, 1.0), Duration::from_secs(2));
        assert_eq!(backoff(TRANSIENT_BASE, 6, 1.0), PAUSE_CAP);
        assert_eq!(backoff(TRANSIENT_BASE, 40, 1.0), PAUSE_CAP, "no overflow");
        assert_eq!(backoff(TRANSIENT_BASE, 2, 0.0), Duration::ZERO);
        assert_eq!(backoff(TRANSIENT_BASE, 2, 0.25), Duration::from_millis(500));
        assert_eq!(backoff(THROTTLE_BASE, 3, 1.0), Duration::from_millis(400));
        let f = random_fraction();
        assert!((0.0..1.0).contains(&f));
    }

    #[test]
    fn paging_stops_on_a_missing_empty_or_repeated_token() {
        assert_eq!(next_page(None, Some("a")).as_deref(), Some("a"));
        assert_eq!(next_page(Some("a"), Some("b")).as_deref(), Some("b"));
        assert_eq!(next_page(Some("a"), None), None);
        assert_eq!(next_page(Some("a"), Some("")), None);
        assert_eq!(next_page(Some("a"), Some("a")), None);
    }
}
