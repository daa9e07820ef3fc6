//! A usable SSO token for a session: the cached one, a refreshed one, or one from a new login (authorization code
//! with PKCE, or the device code flow), exactly as AWS CLI v2 gets it (protocol.md §1.6, §2–4).
//!
//! One login at a time per session: every path that may write a token holds the session's lock (`locks`) and
//! re-reads the cache once it holds it, so ten concurrent `awsso login` run one browser flow and the other nine
//! reuse its token.

mod device;
mod pkce;

use anyhow::anyhow;
use time::OffsetDateTime;

use crate::clock::now;
use crate::env::Env;
use crate::error::Error;
use crate::locks::Lock;
use crate::report::{self, Event};
use crate::secret::Secret;
use crate::sso::client;
use crate::sso::registration::{self, Registration};
use crate::sso::target::Target;
use crate::sso::token::{self, Token};

/// Refresh when less than this is left, as botocore does (protocol.md §1.6, §10 rule 3).
pub(crate) const REFRESH_WINDOW: time::Duration = time::Duration::minutes(15);
/// At most one refresh attempt per session in this long (§10 rule 3).
const REFRESH_THROTTLE: time::Duration = time::Duration::seconds(30);
/// A cached registration is reused while it has more than this left (§2, `_EXPIRY_WINDOW`).
const REGISTRATION_WINDOW: time::Duration = time::Duration::minutes(15);
const DEFAULT_SCOPE: &str = "sso:account:access";

/// How a login may go.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Options {
    pub(crate) force: bool,
    pub(crate) device_code: bool,
    pub(crate) no_browser: bool,
}

/// How a command that needs a token may get one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Interaction {
    /// Log in if needed (all interaction on stderr and the browser).
    Allowed(Options),
    /// Never start a login: fail with exit 3 and the command to run instead.
    Forbidden,
}

/// Whether the cached token of `target` is good for longer than the refresh window (no network, no lock).
pub(crate) fn is_fresh(env: &Env, cache_key: &str) -> bool {
    token::peek(env, cache_key).is_some_and(|t| t.expires_at - now() > REFRESH_WINDOW)
}

/// A token valid for a while yet: cached, refreshed, or from a new login. `login_hint` is the command that logs
/// in, for the error when `interaction` forbids it.
pub(crate) fn ensure_token(
    env: &Env,
    target: &Target,
    interaction: Interaction,
    login_hint: &str,
) -> anyhow::Result<Token> {
    if let Interaction::Allowed(opts) = interaction
        && opts.force
    {
        return login(env, target, opts);
    }
    if let Some(token) = token::read(env, target)?
        && token.expires_at - now() > REFRESH_WINDOW
    {
        return Ok(token);
    }
    let mut lock = session_lock(env, target, interaction, login_hint)?;
    // Another awsso may have logged in or refreshed while we waited for the lock.
    let cached = token::read(env, target)?;
    if let Some(token) = &cached
        && token.expires_at - now() > REFRESH_WINDOW
    {
        return Ok(token.clone());
    }
    if let Some(token) = cached {
        if let Some(fresh) = try_refresh(env, target, &token, &mut lock)? {
            return Ok(fresh);
        }
        // A failed refresh may still leave a token with a few minutes; never hand out an expired one (§10 rule 3).
        if token.expires_at > now() + time::Duration::minutes(1) {
            return Ok(token);
        }
    }
    match interaction {
        Interaction::Allowed(opts) => login_locked(env, target, opts),
        Interaction::Forbidden => Err(Error::LoginRequired(format!(
            "the SSO session for {} needs a login; run `{login_hint}`",
            target.describe()
        ))
        .into()),
    }
}

/// Refresh through the refresh-token grant when the cache has what it needs (§1.6). `Ok(None)` when no refresh
/// was possible or it failed; a failure is reported as a warning, since a login can still follow.
fn try_refresh(env: &Env, target: &Target, token: &Token, lock: &mut Lock) -> anyhow::Result<Option<Token>> {
    let (Some(client_id), Some(client_secret), Some(refresh_token)) =
        (&token.client_id, &token.client_secret, &token.refresh_token)
    else {
        return Ok(None);
    };
    // Both SDKs refuse to refresh with an expired registration (§1.2).
    if token.registration_expires_at.is_none_or(|r| r <= now()) {
        return Ok(None);
    }
    if lock
        .last_refresh_attempt()
        .is_some_and(|t| now() - t < REFRESH_THROTTLE)
    {
        return Ok(None);
    }
    lock.record_refresh_attempt(now());
    let result = client::block_on(async {
        let config = client::sdk_config(&target.region).await;
        let oidc = client::oidc(env, &config)?;
        anyhow::Ok(
            oidc.create_token()
                .client_id(client_id)
                .client_secret(client_secret.expose())
                .grant_type("refresh_token")
                .refresh_token(refresh_token.expose())
                .send()
                .await,
        )
    })??;
    match result {
        Ok(out) => {
            let fresh = Token {
                access_token: Secret::new(out.access_token().unwrap_or_default()),
                expires_at: now() + time::Duration::seconds(i64::from(out.expires_in())),
                // Keep the old refresh token when none comes back, as the Rust SDK does (§10 rule 2).
                refresh_token: out
                    .refresh_token()
                    .map(Secret::new)
                    .or_else(|| token.refresh_token.clone()),
                ..token.clone()
            };
            token::write(env, target, &fresh)?;
            Ok(Some(fresh))
        }
        Err(e) => {
            report::warn(&format!(
                "could not refresh the SSO token for {}: {}",
                target.describe(),
                client::describe_at(&e, &client::oidc_base_url(env, &target.region))
            ));
            Ok(None)
        }
    }
}

/// The session's lock. Another awsso's refresh is waited for; its login (minutes, up to `AWSSO_LOGIN_TIMEOUT`) is a
/// `LoginRequired` error at once where no interaction is allowed (`credential-process` in an SDK), and otherwise
/// said before waiting (issue 9).
fn session_lock(env: &Env, target: &Target, interaction: Interaction, login_hint: &str) -> anyhow::Result<Lock> {
    loop {
        if let Some(lock) = Lock::try_session(env, target.cache_key())? {
            return Ok(lock);
        }
        if Lock::login_in_progress(env, target.cache_key())? {
            return match interaction {
                Interaction::Forbidden => Err(Error::LoginRequired(format!(
                    "a login to {} is in progress in another awsso; finish it there and try again, or run \
                     `{login_hint}`",
                    target.describe()
                ))
                .into()),
                Interaction::Allowed(_) => {
                    report::note(&format!(
                        "waiting for the login to {} in progress in another awsso",
                        target.describe()
                    ));
                    Lock::session(env, target.cache_key())
                }
            };
        }
        // A refresh (a request or two) holds it: look again shortly.
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// `awsso login`: reuse a valid token unless `force`, else run a login flow and write the cache.
pub(crate) fn login(env: &Env, target: &Target, opts: Options) -> anyhow::Result<Token> {
    let _lock = session_lock(env, target, Interaction::Allowed(opts), "awsso login")?;
    if !opts.force
        && let Some(token) = token::read(env, target)?
        && token.expires_at - now() > REFRESH_WINDOW
    {
        return Ok(token);
    }
    login_locked(env, target, opts)
}

fn login_locked(env: &Env, target: &Target, opts: Options) -> anyhow::Result<Token> {
    let timeout = crate::env::login_timeout(env)?;
    let _login = Lock::login(env, target.cache_key())?;
    let token = client::block_on(async {
        tokio::select! {
            result = flow(env, target, opts, timeout) => result,
            _ = tokio::signal::ctrl_c() => Err(Error::Cancelled.into()),
        }
    });
    report::emit(&Event::Done);
    let token = token??;
    token::write(env, target, &token)?;
    let left = crate::clock::ttl_text((token.expires_at - now()).whole_seconds());
    report::note(&format!("logged in to {} ({left} left)", target.describe()));
    Ok(token)
}

async fn flow(env: &Env, target: &Target, opts: Options, timeout: std::time::Duration) -> anyhow::Result<Token> {
    let config = client::sdk_config(&target.region).await;
    let oidc = client::oidc(env, &config)?;
    // PKCE needs an sso-session (the CLI uses the device flow for legacy profiles, §4).
    let pkce = target.session.is_some() && !opts.device_code && crate::browser::reachable(env);
    // Where no browser can be reached, none is tried (a failed attempt would only add noise).
    let open_browser = !opts.no_browser && crate::browser::reachable(env);
    if target.session.is_some() && !opts.device_code && !pkce {
        report::note("no browser here (SSH, container or no display); using the device code flow");
    }
    let registration = registration(env, &oidc, target, pkce).await?;
    let (access_token, expires_in, refresh_token) = if pkce {
        pkce::flow(env, &oidc, target, &registration, open_browser, timeout).await?
    } else {
        device::flow(env, &oidc, target, &registration, open_browser).await?
    };
    Ok(Token {
        start_url: target.start_url.clone(),
        region: target.region.clone(),
        access_token,
        expires_at: now() + time::Duration::seconds(i64::from(expires_in)),
        client_id: Some(registration.client_id.clone()),
        client_secret: Some(registration.client_secret.clone()),
        registration_expires_at: Some(registration.expires_at),
        refresh_token,
    })
}

/// Reuse the CLI's cached registration when it is of the right kind and has 15 minutes left, else register (§2).
async fn registration(
    env: &Env,
    oidc: &aws_sdk_ssooidc::Client,
    target: &Target,
    auth_code: bool,
) -> anyhow::Result<Registration> {
    if let Some(reg) = registration::read(env, target)
        && reg.expires_at - now() > REGISTRATION_WINDOW
        && reg.is_auth_code() == auth_code
    {
        return Ok(reg);
    }
    let client_name = match &target.session {
        Some(s) => format!("botocore-client-{s}"),
        None => format!("botocore-client-{}", now().unix_timestamp()),
    };
    let mut request = oidc.register_client().client_name(client_name).client_type("public");
    let scopes = if auth_code {
        Some(target.scopes.clone().unwrap_or_else(|| vec![DEFAULT_SCOPE.to_owned()]))
    } else {
        target.scopes.clone()
    };
    request = request.set_scopes(scopes.clone());
    let grant_types = auth_code.then(|| vec!["authorization_code".to_owned(), "refresh_token".to_owned()]);
    if auth_code {
        request = request
            .set_grant_types(grant_types.clone())
            .redirect_uris("http://127.0.0.1/oauth/callback")
            .issuer_url(&target.start_url);
    }
    let out = request.send().await.map_err(|e| {
        anyhow!(
            "could not register with IAM Identity Center: {}",
            client::describe_at(&e, &client::oidc_base_url(env, &target.region))
        )
    })?;
    let reg = Registration {
        client_id: out.client_id().unwrap_or_default().to_owned(),
        client_secret: Secret::new(out.client_secret().unwrap_or_default()),
        expires_at: OffsetDateTime::from_unix_timestamp(out.client_secret_expires_at())
            .unwrap_or_else(|_| now() + time::Duration::days(90)),
        scopes,
        grant_types,
    };
    registration::write(env, target, &reg)?;
    Ok(reg)
}

/// What a token grant brings: the access token, its lifetime in seconds, and a refresh token if any.
type Granted = (Secret, i32, Option<Secret>);

fn granted(out: &aws_sdk_ssooidc::operation::create_token::CreateTokenOutput) -> Granted {
    (
        Secret::new(out.access_token().unwrap_or_default()),
        out.expires_in(),
        out.refresh_token().filter(|t| !t.is_empty()).map(Secret::new),
    )
}

/// Open the browser on `url` if asked to; a failure is a warning, since the URL was already shown.
fn open_browser(env: &Env, url: &str, open: bool) {
    if open && let Err(why) = crate::browser::open(env, url) {
        report::warn(&format!("could not open a browser: {why}; open the URL above yourself"));
    }
}

/// Make sure a profile's SSO session has a usable token, as `use` and `exec` do before handing the profile to
/// the SDKs; a profile without an SSO session needs none.
pub(crate) fn ensure_for_profile(
    env: &Env,
    config: &crate::config::Config<'_>,
    profile: &crate::config::Profile<'_, '_>,
    interaction: Interaction,
) -> anyhow::Result<()> {
    use crate::config::Kind;
    let root = match profile.kind() {
        Kind::Sso | Kind::LegacySso => *profile,
        // A chain needs the login of the SSO profile at its root, if it stands on one (protocol.md §12.1).
        Kind::Chained => match crate::config::chain::plan(config, profile)?.sso_root() {
            Some(name) => config
                .profile(name)
                .ok_or_else(|| anyhow!("profile `{name}` disappeared from the config"))?,
            None => return Ok(()),
        },
        Kind::Static | Kind::Process | Kind::Other => return Ok(()),
    };
    let target = crate::sso::target::for_profile(config, &root)?;
    let hint = crate::sso::target::login_command(&target, Some(profile.name()));
    ensure_token(env, &target, interaction, &hint).map(drop)
}

/// Whether a profile, by its remembered facts, needs nothing before the SDKs can use it: no SSO session, or a token
/// good for longer than the refresh window. `false` sends callers down the full path, which reports what is wrong.
pub(crate) fn ready(env: &Env, facts: &crate::config::facts::Facts) -> bool {
    use crate::config::Kind;
    match facts.token_key.as_deref() {
        Some(key) => is_fresh(env, key),
        None => matches!(facts.kind, Kind::Static | Kind::Process | Kind::Other),
    }
}

/// `use`'s login check by profile name, for what switches profiles without printing `use`'s output (the
/// per-directory hook): a profile that is [`ready`] passes without parsing the config; otherwise it must exist,
/// and its (root) session is logged in first where `interaction` allows, else exit 3 (cli.md, `use`).
pub(crate) fn ensure_for_name(env: &Env, name: &str, interaction: Interaction) -> anyhow::Result<()> {
    if crate::config::facts::of(env, name).is_some_and(|facts| ready(env, &facts)) {
        return Ok(());
    }
    let files = crate::config::Files::load(env)?;
    let config = files.parse()?;
    let profile = config
        .profile(name)
        .ok_or_else(|| crate::config::hints::unknown_profile(&config, name))?;
    ensure_for_profile(env, &config, &profile, interaction)
}
