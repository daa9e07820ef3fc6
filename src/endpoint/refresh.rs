//! The endpoint's credentials in memory, and the thread that re-resolves them ahead of their expiry, so that a
//! request is answered from memory; a request that finds them unusable asks for a refresh and waits a moment.
//!
//! Refresh ahead of expiry: when less than 5 minutes remain, or less than half their lifetime for short ones (a
//! 15-minute chained role is refreshed with 5 minutes left, 30-second test credentials with 15 s left). Both margins
//! are under the 10 and 15 minutes for which the role caches reuse credentials (`sso::creds`, `resolve`), so a
//! refresh always gets new ones. A failure keeps serving the old credentials while they last, is retried every
//! 30 s (or at the next request, 5 s after the last try), and is reported once per distinct error.

use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use time::OffsetDateTime;
use tokio::sync::watch;

use crate::clock::now;
use crate::credentials::Credentials;
use crate::report;

/// What produces fresh credentials; called on the refresh thread only, never where a login could start.
pub(crate) type Source = Box<dyn FnMut() -> anyhow::Result<Credentials> + Send>;

/// The longest margin ahead of expiry.
const MARGIN: time::Duration = time::Duration::minutes(5);
/// The least time between two attempts.
const MIN_GAP: Duration = Duration::from_secs(5);
/// After a failure, the next attempt comes this much later (or sooner, if a request asks after [`MIN_GAP`]).
const RETRY: Duration = Duration::from_secs(30);
/// Credentials are handed out while at least this much is left.
const USABLE: time::Duration = time::Duration::seconds(5);
/// How long a request waits for a refresh it asked for: under botocore's 2 s timeout.
const WAIT: Duration = Duration::from_millis(1500);

#[derive(Clone)]
pub(super) struct Snapshot {
    /// The last credentials resolved, and when.
    creds: Arc<Credentials>,
    fetched: OffsetDateTime,
    /// The last attempt's failure; `None` after a success.
    error: Option<Arc<str>>,
    attempted: Instant,
}

/// The requests' side: the current credentials, and a way to ask for new ones.
#[derive(Clone)]
pub(super) struct Cache {
    rx: watch::Receiver<Snapshot>,
    wake: mpsc::Sender<()>,
}

impl Cache {
    /// Serve `initial`, and start the thread that refreshes them with `source`. `what` names them in messages
    /// ("profile `dev`"). The thread ends at its next wake-up once every `Cache` is gone; the process does not wait
    /// for it.
    pub(super) fn start(initial: Credentials, source: Source, what: String) -> Self {
        let snapshot = Snapshot {
            creds: Arc::new(initial),
            fetched: now(),
            error: None,
            // Resolving them was no refresh attempt: a request may ask for one at once.
            attempted: Instant::now().checked_sub(MIN_GAP).unwrap_or_else(Instant::now),
        };
        let (tx, rx) = watch::channel(snapshot);
        let (wake, woken) = mpsc::channel();
        std::thread::Builder::new()
            .name("awsso-refresh".into())
            .spawn(move || refresh_loop(source, &tx, &woken, &what))
            .expect("spawn the refresh thread");
        Self { rx, wake }
    }

    /// Credentials to answer with, or the error that keeps them from being had.
    pub(super) async fn current(&self) -> Result<Arc<Credentials>, Arc<str>> {
        let mut rx = self.rx.clone();
        let snapshot = rx.borrow_and_update().clone();
        if usable(&snapshot.creds, now()) {
            return Ok(snapshot.creds);
        }
        if let Some(error) = &snapshot.error
            && snapshot.attempted.elapsed() < MIN_GAP
        {
            return Err(error.clone());
        }
        let _ = self.wake.send(());
        let _ = tokio::time::timeout(WAIT, rx.changed()).await;
        let snapshot = rx.borrow().clone();
        if usable(&snapshot.creds, now()) {
            Ok(snapshot.creds)
        } else {
            Err(snapshot
                .error
                .unwrap_or_else(|| "the credentials expired and are being refreshed; try again".into()))
        }
    }
}

fn usable(creds: &Credentials, at: OffsetDateTime) -> bool {
    creds.expiration.is_none_or(|e| e - at > USABLE)
}

/// When credentials fetched at `fetched` and expiring at `expiration` are due for a refresh.
fn refresh_at(fetched: OffsetDateTime, expiration: OffsetDateTime) -> OffsetDateTime {
    let lifetime = expiration - fetched;
    expiration - MARGIN.min(lifetime / 2)
}

/// How long to sleep before the next attempt.
fn next_attempt(snapshot: &Snapshot, at: OffsetDateTime) -> Duration {
    let since = snapshot.attempted.elapsed();
    if snapshot.error.is_some() {
        return RETRY.saturating_sub(since);
    }
    let Some(expiration) = snapshot.creds.expiration else {
        // Long-term keys: nothing to refresh.
        return Duration::from_hours(24);
    };
    let due = Duration::try_from(refresh_at(snapshot.fetched, expiration) - at).unwrap_or(Duration::ZERO);
    due.max(MIN_GAP.saturating_sub(since))
}

fn refresh_loop(mut source: Source, tx: &watch::Sender<Snapshot>, woken: &mpsc::Receiver<()>, what: &str) {
    let mut reported: Option<String> = None;
    loop {
        let snapshot = tx.borrow().clone();
        match woken.recv_timeout(next_attempt(&snapshot, now())) {
            Ok(()) => {
                // Several requests may have asked at once: one attempt answers them all.
                while woken.try_recv().is_ok() {}
                if snapshot.attempted.elapsed() < MIN_GAP {
                    continue;
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        }
        let attempted = Instant::now();
        let next = match source() {
            Ok(creds) => {
                if reported.take().is_some() {
                    report::note(&format!("the credentials of {what} are fresh again"));
                }
                Snapshot {
                    creds: Arc::new(creds),
                    fetched: now(),
                    error: None,
                    attempted,
                }
            }
            Err(err) => {
                let text = format!("could not refresh the credentials of {what}: {err:#}");
                // Once per distinct error: the login command is said once, not every 30 s.
                if reported.as_deref() != Some(text.as_str()) {
                    report::warn(&text);
                    reported = Some(text.clone());
                }
                Snapshot {
                    error: Some(text.into()),
                    attempted,
                    ..snapshot
                }
            }
        };
        tx.send_replace(next);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use time::macros::datetime;

    fn creds(expiration: Option<OffsetDateTime>) -> Credentials {
        Credentials {
            access_key_id: "ASIA".into(),
            secret_access_key: Secret::new("s"),
            session_token: Some(Secret::new("t")),
            expiration,
            account_id: None,
        }
    }

    #[test]
    fn refreshed_five_minutes_ahead_or_at_half_life() {
        let t = datetime!(2026-01-01 00:00:00 UTC);
        assert_eq!(
            refresh_at(t, t + time::Duration::hours(1)),
            t + time::Duration::minutes(55)
        );
        assert_eq!(
            refresh_at(t, t + time::Duration::minutes(15)),
            t + time::Duration::minutes(10)
        );
        assert_eq!(
            refresh_at(t, t + time::Duration::seconds(30)),
            t + time::Duration::seconds(15)
        );
        // Already expired (a clock jump): due at once.
        assert!(refresh_at(t, t - time::Duration::seconds(10)) <= t);
    }

    #[test]
    fn next_attempt_waits_for_the_margin_and_never_spins() {
        let t = now();
        let fresh = Snapshot {
            creds: Arc::new(creds(Some(t + time::Duration::hours(1)))),
            fetched: t,
            error: None,
            attempted: Instant::now(),
        };
        let wait = next_attempt(&fresh, t);
        assert!(
            wait > Duration::from_mins(54) && wait <= Duration::from_mins(55),
            "{wait:?}"
        );
        // Due long ago, but just tried: wait the minimum gap.
        let stale = Snapshot {
            creds: Arc::new(creds(Some(t - time::Duration::minutes(1)))),
            ..fresh.clone()
        };
        assert!(next_attempt(&stale, t) > Duration::from_secs(4));
        let failed = Snapshot {
            error: Some("no".into()),
            ..fresh.clone()
        };
        assert!(next_attempt(&failed, t) > Duration::from_secs(25));
        let long_term = Snapshot {
            creds: Arc::new(creds(None)),
            ..fresh
        };
        assert!(next_attempt(&long_term, t) >= Duration::from_hours(1));
    }

    #[test]
    fn usable_while_some_seconds_remain() {
        let t = now();
        assert!(usable(&creds(None), t));
        assert!(usable(&creds(Some(t + time::Duration::seconds(6))), t));
        assert!(!usable(&creds(Some(t + time::Duration::seconds(4))), t));
    }

    /// A request that finds expired credentials gets new ones from the thread, and a failing source's error.
    #[test]
    fn a_request_for_expired_credentials_waits_for_the_refresh() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let expired = creds(Some(now() - time::Duration::minutes(1)));
        let mut calls = 0;
        let source: Source = Box::new(move || {
            calls += 1;
            if calls == 1 {
                Ok(Credentials {
                    access_key_id: "ASIANEW".into(),
                    ..creds(Some(now() + time::Duration::hours(1)))
                })
            } else {
                anyhow::bail!("unreachable in this test")
            }
        });
        let cache = Cache::start(expired, source, "profile `t`".into());
        let got = runtime.block_on(cache.current()).unwrap();
        assert_eq!(got.access_key_id, "ASIANEW");

        let failing: Source =
            Box::new(|| Err(crate::error::Error::LoginRequired("run `awsso login --sso-session corp`".into()).into()));
        let cache = Cache::start(creds(Some(now())), failing, "profile `t`".into());
        let err = runtime.block_on(cache.current()).unwrap_err();
        assert!(
            err.contains("awsso login --sso-session corp") && err.contains("profile `t`"),
            "{err}"
        );
    }
}
