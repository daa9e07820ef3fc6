//! The pace of one listing's requests to the SSO portal (protocol.md §5): an adaptive client-side rate that starts
//! fast, backs off on 429 `TooManyRequestsException` and settles on what the portal sustains, under an optional
//! `AWSSO_PORTAL_RATE` ceiling.
//!
//! How it adapts (the AWS SDKs' "adaptive" retry mode follows throttling with a client-side token bucket too; this
//! one is tuned for a portal that is itself a token bucket of R requests a second with a burst of about R):
//! * **Start**: [`START_RATE`] requests a second, and every success of a request that had to wait for its turn adds
//!   [`START_GROWTH`], so the rate doubles about every quarter second while the portal keeps saying yes.
//! * **Recover**: the first 429 halves the rate; a 429 for a request sent after that cut, with no success in
//!   between, halves it again (the portal's burst hid how far above its rate we were).
//! * **Steady**: a 429 for a request sent after the last cut cuts the rate to [`BETA`] of itself, or to the success
//!   rate seen since the last cut if lower (while we are above its rate, the portal's successes *are* its rate).
//!   Successes climb back quickly towards the rate of that cut, then probe above it slowly ([`PROBE_GROWTH`] per
//!   success, so the probing costs about one 429 in a few hundred requests at any rate).
//!
//! A 429 for a request sent before the last cut says nothing new, so it does not cut again. Once steady, a lone 429
//! does not cut either: it takes [`GATE`] among the last [`RECENT`] answers (above its rate the portal refuses a
//! growing share; a stray 429 now and then costs nothing, while cutting for each one would let a portal that refuses
//! every Nth request whatever the pace drive the rate down for ever). And the rate never goes below [`MIN_RATE`],
//! nor below [`FLOOR_SHARE`] of the best success rate seen.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::env::Env;
use crate::error::Error;

/// The environment variable that caps the rate (requests a second).
pub(crate) const RATE_VAR: &str = "AWSSO_PORTAL_RATE";
/// The range `AWSSO_PORTAL_RATE` accepts.
const CEILING_RANGE: std::ops::RangeInclusive<f64> = 0.1..=100_000.0;

/// Where the rate starts, in requests a second.
pub(crate) const START_RATE: f64 = 50.0;
/// Requests a second added per success before the first 429: the rate grows by e^2.8 a second, doubling about every
/// 0.25 s.
const START_GROWTH: f64 = 2.8;
/// The share of the rate kept on a 429 once steady.
const BETA: f64 = 0.9;
/// Below the rate of the last cut, each success closes this share of the gap.
const APPROACH: f64 = 0.05;
/// At or above the rate of the last cut, each success raises the rate by this share.
const PROBE_GROWTH: f64 = 0.003;
/// Successes after a cut that end the recovery.
const RECOVER_SUCCESSES: u32 = 3;
/// How many of the last answers are remembered to decide on a steady cut (at most 64: they are bits of a `u64`).
const RECENT: u32 = 50;
/// 429s among the last [`RECENT`] answers that make a steady cut (6%: above the rate, the share of 429s grows;
/// 429s that come whatever the rate, below that share, are only retried).
const GATE: u32 = 3;
/// The lowest rate, in requests a second (unless the ceiling is lower).
const MIN_RATE: f64 = 1.0;
/// The rate never drops below this share of the best success rate seen over a [`WINDOW`].
const FLOOR_SHARE: f64 = 0.3;
/// The window over which success rates are measured.
const WINDOW: Duration = Duration::from_secs(2);
/// How far behind its schedule the pace may catch up (see [`State::try_take`]).
const CATCH_UP: Duration = Duration::from_millis(5);
/// A success raises the rate only if some request waited for its turn this recently (otherwise the rate is not
/// what limits us, and raising it would only set up a storm later).
const LIMITED: Duration = Duration::from_secs(1);

/// The shared pace of one listing.
pub(crate) struct Pace {
    state: Mutex<State>,
}

impl Pace {
    /// A pace that starts at [`START_RATE`] (or the ceiling, if lower) and never exceeds `ceiling`.
    pub(crate) fn new(ceiling: Option<f64>) -> Self {
        Self {
            state: Mutex::new(State::new(ceiling, Instant::now())),
        }
    }

    /// A pace under the ceiling `AWSSO_PORTAL_RATE` sets, if any. A value that is not a number from 0.1 to 100000
    /// is a usage error naming the variable (never silently the default).
    pub(crate) fn from_env(env: &Env) -> Result<Self, Error> {
        let ceiling = env.get(RATE_VAR).map(parse_ceiling).transpose()?;
        Ok(Self::new(ceiling))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Wait for our turn to send a request. Returns when it was granted; pass that to [`Pace::succeeded`] or
    /// [`Pace::throttled`] with the request's outcome.
    pub(crate) async fn take(&self) -> Instant {
        loop {
            let now = Instant::now();
            // Re-checked after every sleep: a cut while we slept pushes our turn further out.
            let Err(at) = self.lock().try_take(now) else {
                return now;
            };
            tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await;
        }
    }

    /// The request granted at `granted` succeeded.
    pub(crate) fn succeeded(&self, granted: Instant) {
        self.lock().succeeded(granted, Instant::now());
    }

    /// The request granted at `granted` was answered 429.
    pub(crate) fn throttled(&self, granted: Instant) {
        self.lock().throttled(granted, Instant::now());
    }
}

/// `AWSSO_PORTAL_RATE`'s value as requests a second.
fn parse_ceiling(value: &str) -> Result<f64, Error> {
    match value.parse::<f64>() {
        Ok(rate) if rate.is_finite() && CEILING_RANGE.contains(&rate) => Ok(rate),
        _ => Err(Error::Usage(format!(
            "{RATE_VAR}=`{value}` is not a rate: set it to the most requests a second awsso may send to the SSO \
             portal, a number from {} to {}, or unset it to follow the portal's own pace",
            CEILING_RANGE.start(),
            CEILING_RANGE.end()
        ))),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Start,
    Recover,
    Steady,
}

/// The controller, driven by explicit times so that it can be tested without a clock.
#[derive(Debug)]
struct State {
    rate: f64,
    ceiling: f64,
    floor: f64,
    phase: Phase,
    /// The earliest time the next request may go.
    next: Instant,
    /// When the rate was last cut; requests granted before it tell nothing new.
    last_cut: Option<Instant>,
    /// The rate just before the last steady cut.
    last_max: Option<f64>,
    /// Successes of requests granted since the last cut.
    since_cut: u32,
    /// When a request last had to wait for its turn.
    waited: Option<Instant>,
    window_start: Instant,
    window_successes: u32,
    /// The best success rate over a whole window so far.
    peak: f64,
    /// The last [`RECENT`] answers, newest in bit 0: 1 for a 429.
    recent: u64,
}

impl State {
    fn new(ceiling: Option<f64>, now: Instant) -> Self {
        let ceiling = ceiling.unwrap_or(f64::INFINITY);
        Self {
            rate: START_RATE.min(ceiling),
            ceiling,
            floor: MIN_RATE.min(ceiling),
            phase: Phase::Start,
            next: now,
            last_cut: None,
            last_max: None,
            since_cut: 0,
            waited: None,
            window_start: now,
            window_successes: 0,
            peak: 0.0,
            recent: 0,
        }
    }

    /// `Ok` if a request may go at `now` (and books the slot), else when to ask again.
    fn try_take(&mut self, now: Instant) -> Result<(), Instant> {
        if now >= self.next {
            // Credit for at most CATCH_UP of idle time: enough that timer wake-ups (a millisecond or more late) do
            // not cap the rate near 1,000 a second, too little for a burst after a pause at a portal's rates.
            self.next = self.next.max(now.checked_sub(CATCH_UP).unwrap_or(now)) + self.interval();
            Ok(())
        } else {
            self.waited = Some(now);
            Err(self.next)
        }
    }

    fn interval(&self) -> Duration {
        Duration::from_secs_f64(1.0 / self.rate)
    }

    fn remember(&mut self, throttled: bool) {
        self.recent = ((self.recent << 1) | u64::from(throttled)) & ((1 << RECENT) - 1);
    }

    fn after_last_cut(&self, granted: Instant) -> bool {
        self.last_cut.is_none_or(|cut| granted >= cut)
    }

    fn succeeded(&mut self, granted: Instant, now: Instant) {
        self.remember(false);
        let elapsed = now.saturating_duration_since(self.window_start);
        if elapsed >= WINDOW {
            self.peak = self.peak.max(f64::from(self.window_successes) / elapsed.as_secs_f64());
            self.window_start = now;
            self.window_successes = 0;
        }
        self.window_successes += 1;
        if self.after_last_cut(granted) {
            self.since_cut = self.since_cut.saturating_add(1);
            if self.phase == Phase::Recover && self.since_cut >= RECOVER_SUCCESSES {
                self.phase = Phase::Steady;
            }
        }
        if self.waited.is_none_or(|w| now.saturating_duration_since(w) > LIMITED) {
            return;
        }
        match (self.phase, self.last_max) {
            (Phase::Start, _) => self.rate += START_GROWTH,
            (Phase::Recover, _) => {}
            (Phase::Steady, Some(max)) if self.rate < max => self.rate += (max - self.rate) * APPROACH,
            (Phase::Steady, _) => self.rate *= 1.0 + PROBE_GROWTH,
        }
        self.rate = self.rate.min(self.ceiling);
    }

    fn throttled(&mut self, granted: Instant, now: Instant) {
        self.remember(true);
        if !self.after_last_cut(granted) {
            return;
        }
        match self.phase {
            Phase::Start => {
                self.rate /= 2.0;
                self.phase = Phase::Recover;
            }
            Phase::Recover if self.since_cut == 0 => self.rate /= 2.0,
            Phase::Recover | Phase::Steady => {
                self.phase = Phase::Steady;
                if self.recent.count_ones() < GATE {
                    return;
                }
                self.last_max = Some(self.rate);
                let mut rate = self.rate * BETA;
                if let Some(cut) = self.last_cut
                    && self.since_cut >= 2
                {
                    let secs = now.saturating_duration_since(cut).as_secs_f64();
                    if secs > 0.0 {
                        rate = rate.min(f64::from(self.since_cut) / secs);
                    }
                }
                self.rate = rate;
            }
        }
        self.rate = self.rate.max(self.floor).max(FLOOR_SHARE * self.peak).min(self.ceiling);
        self.last_cut = Some(now);
        self.since_cut = 0;
        // The portal's bucket is empty: wait a turn at the new rate before the next request.
        self.next = now + self.interval();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[track_caller]
    fn assert_rate(s: &State, want: f64) {
        assert!((s.rate - want).abs() < 1e-9, "rate {} != {want}", s.rate);
    }

    #[test]
    fn the_ceiling_parses_or_is_a_usage_error_naming_the_variable() {
        assert_eq!(parse_ceiling("20").ok(), Some(20.0));
        assert_eq!(parse_ceiling("0.5").ok(), Some(0.5));
        assert_eq!(parse_ceiling("100000").ok(), Some(100_000.0));
        for bad in [
            "abc", "0", "-1", "1e-300", "1e-10", "inf", "NaN", "", " 5", "100001", "0.05",
        ] {
            match parse_ceiling(bad) {
                Err(Error::Usage(msg)) => assert!(msg.starts_with(&format!("AWSSO_PORTAL_RATE=`{bad}`")), "{msg}"),
                other => panic!("{bad:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn turns_are_spaced_at_the_rate_with_little_credit_for_idle_time() {
        let t0 = Instant::now();
        let mut s = State::new(Some(10.0), t0);
        assert!(s.try_take(t0).is_ok());
        assert_eq!(s.try_take(t0 + ms(50)), Err(t0 + ms(100)));
        assert!(s.try_take(t0 + ms(100)).is_ok());
        // After a long pause only one request goes at once.
        assert!(s.try_take(t0 + ms(5000)).is_ok());
        assert!(s.try_take(t0 + ms(5001)).is_err());
        // At a high rate, a late wake-up catches up a little (timers are not that precise), no more.
        let mut s = State::new(None, t0);
        s.rate = 2000.0;
        assert!(s.try_take(t0).is_ok());
        let late = t0 + ms(1000);
        let caught_up = (0..100).take_while(|_| s.try_take(late).is_ok()).count();
        assert_eq!(caught_up, 11, "5 ms at 2,000 a second, and the turn that was due");
    }

    #[test]
    fn the_first_429s_halve_then_steady_cuts_are_gentle_and_once_per_cut() {
        let t0 = Instant::now();
        let mut s = State::new(None, t0);
        assert_rate(&s, START_RATE);
        s.throttled(t0, t0 + ms(10));
        assert_rate(&s, 25.0);
        assert_eq!(s.phase, Phase::Recover);
        // Sent before that cut: says nothing new.
        s.throttled(t0 + ms(5), t0 + ms(11));
        assert_rate(&s, 25.0);
        // Sent after it, with no success in between: still far too fast.
        s.throttled(t0 + ms(20), t0 + ms(21));
        assert_rate(&s, 12.5);
        for i in 0..3 {
            s.succeeded(t0 + ms(100 + i), t0 + ms(101 + i));
        }
        assert_eq!(s.phase, Phase::Steady);
        s.throttled(t0 + ms(300), t0 + ms(1021));
        // Three successes in one second since the cut: the portal sustains about 3 a second, not 0.9 x 12.5.
        assert!((s.rate - 3.0).abs() < 0.01, "{}", s.rate);
        assert_eq!(s.last_max, Some(12.5));
    }

    #[test]
    fn once_steady_a_stray_429_does_not_cut_but_a_run_of_them_does() {
        let t0 = Instant::now();
        let mut s = State::new(None, t0);
        s.throttled(t0, t0 + ms(1));
        let mut t = 10;
        let mut answer = |s: &mut State, throttled: bool| {
            t += 40; // 25 a second, the rate
            if throttled {
                s.throttled(t0 + ms(t), t0 + ms(t + 1));
            } else {
                s.succeeded(t0 + ms(t), t0 + ms(t + 1));
            }
        };
        for _ in 0..RECENT {
            answer(&mut s, false);
        }
        assert_eq!(s.phase, Phase::Steady);
        assert_rate(&s, 25.0);
        // Every 25th answer a 429, whatever the rate: two in the last 50, never a cut.
        for i in 1..=200 {
            answer(&mut s, i % 25 == 0);
            assert_rate(&s, 25.0);
        }
        // Three close together: a cut.
        answer(&mut s, true);
        answer(&mut s, true);
        assert!(s.rate < 25.0 * BETA + 1e-9, "{}", s.rate);
    }

    #[test]
    fn the_rate_grows_only_while_it_is_what_limits_and_stays_under_the_ceiling() {
        let t0 = Instant::now();
        let mut s = State::new(Some(60.0), t0);
        s.succeeded(t0, t0 + ms(1));
        assert_rate(&s, START_RATE);
        assert!(s.try_take(t0 + ms(2)).is_ok());
        assert!(s.try_take(t0 + ms(3)).is_err());
        s.succeeded(t0 + ms(2), t0 + ms(4));
        assert_rate(&s, START_RATE + START_GROWTH);
        for i in 0..100 {
            s.succeeded(t0 + ms(5 + i), t0 + ms(6 + i));
        }
        assert_rate(&s, 60.0);
    }

    #[test]
    fn never_below_the_floor_nor_a_share_of_the_best_success_rate() {
        let t0 = Instant::now();
        let mut s = State::new(None, t0);
        for i in 0..20 {
            s.throttled(t0 + ms(i * 10), t0 + ms(i * 10 + 1));
        }
        assert_rate(&s, MIN_RATE);

        let mut s = State::new(None, t0);
        // 100 successes a second for two seconds, then 429s whatever the rate.
        for i in 0..=200 {
            s.succeeded(t0 + ms(i * 10), t0 + ms(i * 10 + 1));
        }
        for i in 0..50 {
            let t = t0 + ms(3000 + i * 100);
            s.throttled(t, t + ms(1));
        }
        assert!((s.rate - FLOOR_SHARE * 100.0).abs() < 1.0, "{}", s.rate);
    }

    /// A portal that is a token bucket of `limit` requests a second with a burst of `limit`, answering after `rtt`,
    /// driven by one sequential client in virtual time: (seconds for `requests` successes, 429s).
    fn simulate(limit: f64, requests: u32) -> (f64, u32) {
        let t0 = Instant::now();
        let rtt = ms(2);
        let mut pace = State::new(None, t0);
        let (mut tokens, mut refilled) = (limit, t0);
        let (mut now, mut ok, mut throttled) = (t0, 0, 0);
        while ok < requests {
            if let Err(at) = pace.try_take(now) {
                now = at;
                continue;
            }
            let granted = now;
            let arrives = now + rtt / 2;
            tokens = (tokens + arrives.duration_since(refilled).as_secs_f64() * limit).min(limit);
            refilled = arrives;
            now += rtt;
            if tokens >= 1.0 {
                tokens -= 1.0;
                ok += 1;
                pace.succeeded(granted, now);
            } else {
                throttled += 1;
                pace.throttled(granted, now);
            }
        }
        (now.duration_since(t0).as_secs_f64(), throttled)
    }

    #[test]
    fn converges_on_a_token_bucket_portal_with_few_429s() {
        for (limit, requests) in [(5.0, 300), (20.0, 1000), (200.0, 2020)] {
            let (secs, throttled) = simulate(limit, requests);
            let ideal = f64::from(requests) / limit;
            assert!(
                secs <= 1.25 * ideal + 3.0,
                "{limit}/s: {secs:.1}s for {requests} (ideal {ideal:.1}s)"
            );
            assert!(
                f64::from(throttled) <= 0.1 * f64::from(requests + throttled),
                "{limit}/s: {throttled} 429s for {requests}"
            );
        }
    }
}
