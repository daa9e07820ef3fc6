//! What an SSO session can reach, from the portal API (protocol.md §5): `ListAccounts`, then `ListAccountRoles` for
//! every account, [`CONCURRENCY`] at a time, each paged to the end.
//!
//! Throttling: every call first goes through the SDK's standard retry (3 attempts with full-jitter exponential
//! backoff and a retry quota shared by the client; `AWS_MAX_ATTEMPTS`/`max_attempts` still apply). A call that is
//! still throttled after that is retried here [`THROTTLE_ROUNDS`] more times, after a full-jitter exponential
//! pause. Only a 429 `TooManyRequestsException` gets these extra rounds: it is the portal asking us to slow down,
//! which waiting does fix, and an organisation with hundreds of accounts hits it. Raising the SDK's attempts for
//! everything instead would also make an unreachable portal or a dead network take many seconds to report.

use std::time::Duration;

use aws_sdk_sso::error::{ProvideErrorMetadata, SdkError};
use futures_util::{StreamExt as _, TryStreamExt as _};

use crate::sso::client;

/// `ListAccountRoles` calls in flight at once. The portal throttles bursts; eight keeps a large organisation quick
/// without provoking it much.
pub(crate) const CONCURRENCY: usize = 8;
/// The largest page the portal serves (1–100), so a large organisation takes the fewest requests.
const PAGE_SIZE: i32 = 100;
/// Extra rounds for a call the SDK's own retry gave up on because of throttling.
pub(crate) const THROTTLE_ROUNDS: u32 = 3;
/// The first pause's ceiling; it doubles each round, up to `THROTTLE_CAP`.
const THROTTLE_BASE: Duration = Duration::from_millis(500);
const THROTTLE_CAP: Duration = Duration::from_secs(8);

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
    /// Still 429 `TooManyRequestsException` after every retry.
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
    bucket: &Bucket,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Vec<Account>, PortalError> {
    let mut accounts = list_accounts(portal, token, bucket).await?;
    progress(Progress::Accounts(accounts.len()));
    let ids: Vec<(usize, String)> = accounts.iter().map(|a| a.id.clone()).enumerate().collect();
    // At most CONCURRENCY futures exist at a time; the first error drops the rest, cancelling their requests.
    let roles: Vec<(usize, Vec<String>)> = futures_util::stream::iter(ids)
        .map(|(i, id)| async move {
            let roles = list_roles(portal, token, bucket, &id).await?;
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

async fn list_accounts(
    portal: &aws_sdk_sso::Client,
    token: &str,
    bucket: &Bucket,
) -> Result<Vec<Account>, PortalError> {
    let mut accounts = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = patiently(bucket, || {
            portal
                .list_accounts()
                .access_token(token)
                .max_results(PAGE_SIZE)
                .set_next_token(next.clone())
                .send()
        })
        .await?;
        accounts.extend(page.account_list().iter().filter_map(|a| {
            Some(Account {
                id: a.account_id()?.to_owned(),
                name: a.account_name().unwrap_or_default().to_owned(),
                email: a.email_address().map(str::to_owned),
                roles: Vec::new(),
            })
        }));
        match next_page(next.as_deref(), page.next_token()) {
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
    bucket: &Bucket,
    account_id: &str,
) -> Result<Vec<String>, PortalError> {
    let mut roles = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = patiently(bucket, || {
            portal
                .list_account_roles()
                .access_token(token)
                .account_id(account_id)
                .max_results(PAGE_SIZE)
                .set_next_token(next.clone())
                .send()
        })
        .await?;
        roles.extend(page.role_list().iter().filter_map(|r| r.role_name().map(str::to_owned)));
        match next_page(next.as_deref(), page.next_token()) {
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

/// Run `call` (one SDK request, with the SDK's own retries), and when it still ends in throttling, pause and run
/// it again, up to `THROTTLE_ROUNDS` more times.
async fn patiently<T, E, R, F, Fut>(bucket: &Bucket, mut call: F) -> Result<T, PortalError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, SdkError<E, R>>>,
    E: ProvideErrorMetadata + std::error::Error,
{
    let mut round = 0;
    loop {
        bucket.take().await;
        let err = match call().await {
            Ok(value) => return Ok(value),
            Err(err) => err,
        };
        match err.as_service_error().and_then(ProvideErrorMetadata::code) {
            Some("UnauthorizedException") => return Err(PortalError::Unauthorized),
            Some("TooManyRequestsException") if round < THROTTLE_ROUNDS => {
                tokio::time::sleep(backoff(round, random_fraction())).await;
                round += 1;
            }
            Some("TooManyRequestsException") => return Err(PortalError::Throttled),
            _ if matches!(err, SdkError::DispatchFailure(_) | SdkError::TimeoutError(_)) => {
                return Err(PortalError::Unreachable(client::describe(&err)));
            }
            _ => return Err(PortalError::Other(client::describe(&err))),
        }
    }
}

/// The default average request rate to the portal, per second (`AWSSO_PORTAL_RATE` changes it). IAM Identity
/// Center throttles each caller to a modest rate; staying under it beats being told to back off thousands of times
/// in a 2,000-account organisation.
pub(crate) const DEFAULT_RATE: f64 = 20.0;

/// A token bucket shared by every request of one listing: on average at most `rate` requests a second, in bursts
/// of up to `rate`. Retries take tokens too, so a throttled portal is not hammered.
pub(crate) struct Bucket {
    rate: f64,
    state: std::sync::Mutex<(f64, std::time::Instant)>,
}

impl Bucket {
    pub(crate) fn new(rate: f64) -> Self {
        let rate = if rate.is_finite() && rate > 0.0 {
            rate
        } else {
            DEFAULT_RATE
        };
        Self {
            rate,
            state: std::sync::Mutex::new((rate, std::time::Instant::now())),
        }
    }

    /// From `AWSSO_PORTAL_RATE` (requests a second), else [`DEFAULT_RATE`].
    pub(crate) fn from_env(env: &crate::env::Env) -> Self {
        Self::new(
            env.get("AWSSO_PORTAL_RATE")
                .and_then(|r| r.parse().ok())
                .unwrap_or(DEFAULT_RATE),
        )
    }

    /// Wait for a token.
    pub(crate) async fn take(&self) {
        loop {
            let wait = {
                let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                let now = std::time::Instant::now();
                let (tokens, last) = *state;
                let tokens = (tokens + now.duration_since(last).as_secs_f64() * self.rate).min(self.rate);
                if tokens >= 1.0 {
                    *state = (tokens - 1.0, now);
                    return;
                }
                *state = (tokens, now);
                Duration::from_secs_f64((1.0 - tokens) / self.rate)
            };
            tokio::time::sleep(wait).await;
        }
    }
}

/// "Full jitter" (as the SDK does): a uniformly random pause below a ceiling that doubles every round.
fn backoff(round: u32, fraction: f64) -> Duration {
    let ceiling = THROTTLE_BASE
        .saturating_mul(1u32.checked_shl(round).unwrap_or(u32::MAX))
        .min(THROTTLE_CAP);
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
        assert_eq!(backoff(0, 1.0), Duration::from_millis(500));
        assert_eq!(backoff(1, 1.0), Duration::from_secs(1));
        assert_eq!(backoff(2, 1.0), Duration::from_secs(2));
        assert_eq!(backoff(6, 1.0), THROTTLE_CAP);
        assert_eq!(backoff(40, 1.0), THROTTLE_CAP, "no overflow");
        assert_eq!(backoff(2, 0.0), Duration::ZERO);
        assert_eq!(backoff(2, 0.25), Duration::from_millis(500));
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
