//! Getting a usable SSO token: reuse the cached one, refresh it, or log in — authorization code + PKCE with a
//! loopback listener, or the device code flow — exactly as AWS CLI v2 does (protocol.md §2–4), and write the cache
//! files it writes.
//!
//! One login at a time per session: every path that may write a token takes an exclusive lock on
//! `~/.aws/awsso/locks/session-<sha1>.lock` first and re-reads the cache once it holds it, so ten concurrent
//! `awsso login` run one browser flow and the other nine reuse its token. No other tool takes this lock, and no
//! reader needs it: the token file itself is always replaced atomically.

use std::fs::File;
use std::io::{Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use aws_sdk_ssooidc::operation::create_token::CreateTokenError;
use time::OffsetDateTime;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::env::Env;
use crate::error::Error;
use crate::sso::cache::cache_key;
use crate::sso::client;
use crate::sso::store::{
    Registration, Secret, Token, create_private_dir, registration_key, registration_path, write_private,
};

/// Refresh when less than this is left, as botocore does (protocol.md §1.6, §10 rule 3).
pub(crate) const REFRESH_WINDOW: time::Duration = time::Duration::minutes(15);
/// At most one refresh attempt per session in this long (§10 rule 3).
const REFRESH_THROTTLE: time::Duration = time::Duration::seconds(30);
/// A cached registration is reused while it has more than this left (§2, `_EXPIRY_WINDOW`).
const REGISTRATION_WINDOW: time::Duration = time::Duration::minutes(15);
const DEFAULT_SCOPE: &str = "sso:account:access";

/// What to log in to: an `[sso-session]`, or the start URL of a legacy profile.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// `None` for a legacy profile.
    pub(crate) session: Option<String>,
    pub(crate) start_url: String,
    pub(crate) region: String,
    /// `sso_registration_scopes`, parsed; `None` when not configured.
    pub(crate) scopes: Option<Vec<String>>,
}

impl Target {
    /// The string whose SHA-1 names the token file (§1.1).
    pub(crate) fn cache_key(&self) -> &str {
        self.session.as_deref().unwrap_or(&self.start_url)
    }

    pub(crate) fn describe(&self) -> String {
        match &self.session {
            Some(s) => format!("sso-session `{s}`"),
            None => format!("`{}`", self.start_url),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Options {
    pub(crate) force: bool,
    pub(crate) device_code: bool,
    pub(crate) no_browser: bool,
}

pub(crate) fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// Where awsso keeps its lock files: `~/.aws/awsso/locks` (0700). Not in `~/.aws/sso/cache`, which other tools
/// read file by file: `aws sso logout` parses every file there as JSON, and a lock holding a bare number would be
/// valid JSON that crashes its `'accessToken' in contents` check.
pub(crate) fn locks_dir(env: &Env) -> anyhow::Result<PathBuf> {
    let dir = env
        .home()
        .map(|h| h.join(".aws/awsso/locks"))
        .ok_or_else(|| anyhow!("HOME is not set, so awsso has no place for its lock files (~/.aws/awsso/locks)"))?;
    create_private_dir(&dir).with_context(|| format!("could not create {}", dir.display()))?;
    Ok(dir)
}

fn cache_dir(env: &Env) -> anyhow::Result<PathBuf> {
    env.sso_cache_dir()
        .ok_or_else(|| anyhow!("HOME is not set, so the SSO cache (~/.aws/sso/cache) has no place"))
}

pub(crate) fn token_file(env: &Env, target: &Target) -> anyhow::Result<PathBuf> {
    Ok(cache_dir(env)?.join(format!("{}.json", cache_key(target.cache_key()))))
}

/// The cached token, if the file exists and parses. A corrupt file is treated as absent, with a warning.
pub(crate) fn read_token(env: &Env, target: &Target) -> anyhow::Result<Option<Token>> {
    let path = token_file(env, target)?;
    match std::fs::read(&path) {
        Ok(bytes) => {
            let token = Token::from_json(&bytes);
            if token.is_none() {
                eprintln!(
                    "awsso: warning: ignoring {}, which is not a valid SSO token file",
                    path.display()
                );
            }
            Ok(token)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("could not read {}", path.display())),
    }
}

/// An exclusive lock on the session, held until dropped. The file also remembers the last refresh attempt.
struct SessionLock {
    file: File,
}

impl SessionLock {
    fn acquire(env: &Env, target: &Target) -> anyhow::Result<Self> {
        let file = lock_file(&locks_dir(env)?.join(format!("session-{}.lock", cache_key(target.cache_key()))))?;
        Ok(Self { file })
    }

    fn last_refresh_attempt(&mut self) -> Option<OffsetDateTime> {
        let mut text = String::new();
        self.file.rewind().ok()?;
        self.file.read_to_string(&mut text).ok()?;
        OffsetDateTime::from_unix_timestamp(text.trim().parse().ok()?).ok()
    }

    fn record_refresh_attempt(&mut self, at: OffsetDateTime) {
        let _ = self.file.set_len(0).and_then(|()| self.file.rewind());
        let _ = write!(self.file, "{}", at.unix_timestamp());
    }
}

/// Open and exclusively lock `path` (created 0600); the lock lasts until the file is dropped.
pub(crate) fn lock_file(path: &Path) -> anyhow::Result<File> {
    let file = open_lock_file(path)?;
    file.lock()
        .with_context(|| format!("could not lock {}", path.display()))?;
    Ok(file)
}

/// Delete the cached token: it was refused by the portal, so no one should use it again.
pub(crate) fn forget_token(env: &Env, target: &Target) -> anyhow::Result<()> {
    let path = token_file(env, target)?;
    match std::fs::remove_file(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(anyhow::Error::from(e).context(format!("could not delete {}", path.display())))
        }
        _ => Ok(()),
    }
}

fn open_lock_file(path: &Path) -> anyhow::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options
        .open(path)
        .with_context(|| format!("could not open {}", path.display()))
}

/// How a command that needs a token may get one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Interaction {
    /// Log in if needed (all interaction on stderr and the browser).
    Allowed(Options),
    /// Never start a login: fail with exit 3 and the command to run instead.
    Forbidden,
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
    if let Some(token) = read_token(env, target)?
        && token.expires_at - now() > REFRESH_WINDOW
    {
        return Ok(token);
    }
    let mut lock = SessionLock::acquire(env, target)?;
    // Another awsso may have logged in or refreshed while we waited for the lock.
    let cached = read_token(env, target)?;
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
fn try_refresh(env: &Env, target: &Target, token: &Token, lock: &mut SessionLock) -> anyhow::Result<Option<Token>> {
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
    let runtime = runtime()?;
    let result = runtime.block_on(async {
        let config = client::sdk_config(&target.region).await;
        client::oidc(&config)
            .create_token()
            .client_id(client_id)
            .client_secret(client_secret.expose())
            .grant_type("refresh_token")
            .refresh_token(refresh_token.expose())
            .send()
            .await
    });
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
            save_token(env, target, &fresh)?;
            Ok(Some(fresh))
        }
        Err(e) => {
            eprintln!(
                "awsso: warning: could not refresh the SSO token for {}: {}",
                target.describe(),
                client::describe(&e)
            );
            Ok(None)
        }
    }
}

fn save_token(env: &Env, target: &Target, token: &Token) -> anyhow::Result<()> {
    let path = token_file(env, target)?;
    write_private(&path, token.to_cli_json().as_bytes()).with_context(|| format!("could not write {}", path.display()))
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?)
}

/// `awsso login`: reuse a valid token unless `force`, else run a login flow and write the cache.
pub(crate) fn login(env: &Env, target: &Target, opts: Options) -> anyhow::Result<Token> {
    let _lock = SessionLock::acquire(env, target)?;
    if !opts.force
        && let Some(token) = read_token(env, target)?
        && token.expires_at - now() > REFRESH_WINDOW
    {
        return Ok(token);
    }
    login_locked(env, target, opts)
}

fn login_locked(env: &Env, target: &Target, opts: Options) -> anyhow::Result<Token> {
    let runtime = runtime()?;
    let token = runtime.block_on(async {
        tokio::select! {
            result = flow(env, target, opts) => result,
            _ = tokio::signal::ctrl_c() => Err(Error::Cancelled.into()),
        }
    })?;
    save_token(env, target, &token)?;
    let left = crate::prompt::ttl_text((token.expires_at - now()).whole_seconds());
    eprintln!("awsso: logged in to {} ({left} left)", target.describe());
    Ok(token)
}

/// Device code where no browser can be reached: `BROWSER` unset and an SSH session, no display on Linux, or a
/// container (cli.md, `login`).
pub(crate) fn browser_reachable(env: &Env) -> bool {
    if env.get("BROWSER").is_some() {
        return true;
    }
    if env.get("SSH_CONNECTION").is_some() || env.get("SSH_TTY").is_some() {
        return false;
    }
    if Path::new("/.dockerenv").exists() || Path::new("/run/.containerenv").exists() {
        return false;
    }
    if cfg!(target_os = "linux") {
        return env.get("DISPLAY").is_some() || env.get("WAYLAND_DISPLAY").is_some();
    }
    true
}

async fn flow(env: &Env, target: &Target, opts: Options) -> anyhow::Result<Token> {
    let config = client::sdk_config(&target.region).await;
    let oidc = client::oidc(&config);
    // PKCE needs an sso-session (the CLI uses the device flow for legacy profiles, §4).
    let pkce = target.session.is_some() && !opts.device_code && browser_reachable(env);
    if target.session.is_some() && !opts.device_code && !pkce {
        eprintln!("awsso: no browser here (SSH, container or no display); using the device code flow");
    }
    let dir = cache_dir(env)?;
    let registration = registration(&oidc, &dir, target, pkce).await?;
    let (access_token, expires_in, refresh_token) = if pkce {
        pkce_flow(env, &oidc, target, &registration, opts).await?
    } else {
        device_flow(env, &oidc, target, &registration, opts).await?
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
    oidc: &aws_sdk_ssooidc::Client,
    dir: &Path,
    target: &Target,
    auth_code: bool,
) -> anyhow::Result<Registration> {
    let key = registration_key(
        &target.start_url,
        &target.region,
        target.scopes.as_deref(),
        target.session.as_deref(),
    );
    let path = registration_path(dir, &key);
    if let Some(reg) = std::fs::read(&path).ok().and_then(|b| Registration::from_json(&b))
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
    let out = request
        .send()
        .await
        .map_err(|e| anyhow!("could not register with IAM Identity Center: {}", client::describe(&e)))?;
    let reg = Registration {
        client_id: out.client_id().unwrap_or_default().to_owned(),
        client_secret: Secret::new(out.client_secret().unwrap_or_default()),
        expires_at: OffsetDateTime::from_unix_timestamp(out.client_secret_expires_at())
            .unwrap_or_else(|_| now() + time::Duration::days(90)),
        scopes,
        grant_types,
    };
    write_private(&path, reg.to_cli_json().as_bytes())
        .with_context(|| format!("could not write {}", path.display()))?;
    Ok(reg)
}

type Granted = (Secret, i32, Option<Secret>);

fn granted(out: &aws_sdk_ssooidc::operation::create_token::CreateTokenOutput) -> Granted {
    (
        Secret::new(out.access_token().unwrap_or_default()),
        out.expires_in(),
        out.refresh_token().filter(|t| !t.is_empty()).map(Secret::new),
    )
}

async fn device_flow(
    env: &Env,
    oidc: &aws_sdk_ssooidc::Client,
    target: &Target,
    reg: &Registration,
    opts: Options,
) -> anyhow::Result<Granted> {
    let auth = oidc
        .start_device_authorization()
        .client_id(&reg.client_id)
        .client_secret(reg.client_secret.expose())
        .start_url(&target.start_url)
        .send()
        .await
        .map_err(|e| anyhow!("could not start the device login: {}", client::describe(&e)))?;
    let device_code = auth.device_code().unwrap_or_default().to_owned();
    let user_code = auth.user_code().unwrap_or_default();
    let url = auth
        .verification_uri_complete()
        .or(auth.verification_uri())
        .unwrap_or_default();
    eprintln!("awsso: to log in to {}, open {url}", target.describe());
    eprintln!("awsso: and confirm the code {user_code}");
    if !opts.no_browser {
        open_browser(env, url);
    }
    // `interval` defaults to 5 s when absent (§3.3).
    let mut interval = Duration::from_secs(u64::try_from(auth.interval()).ok().filter(|&i| i > 0).unwrap_or(5));
    let deadline = std::time::Instant::now() + Duration::from_secs(u64::try_from(auth.expires_in()).unwrap_or(600));
    let spinner = Spinner::start("waiting for approval in the browser", deadline);
    // One immediate attempt, then poll at `interval`, adding 5 s on every slow_down (§3.3).
    let mut first = true;
    loop {
        if !first {
            tokio::time::sleep(interval).await;
        }
        first = false;
        let result = oidc
            .create_token()
            .client_id(&reg.client_id)
            .client_secret(reg.client_secret.expose())
            .grant_type("urn:ietf:params:oauth:grant-type:device_code")
            .device_code(&device_code)
            .send()
            .await;
        match result {
            Ok(out) => {
                spinner.finish();
                return Ok(granted(&out));
            }
            Err(e) => match e.as_service_error() {
                Some(CreateTokenError::AuthorizationPendingException(_)) => {}
                Some(CreateTokenError::SlowDownException(_)) => interval += Duration::from_secs(5),
                Some(CreateTokenError::ExpiredTokenException(_)) => {
                    spinner.finish();
                    bail!("the device code expired before the login was approved; run the login again")
                }
                Some(CreateTokenError::AccessDeniedException(_)) => {
                    spinner.finish();
                    bail!("the login was denied in the browser")
                }
                _ => {
                    spinner.finish();
                    bail!("the login failed: {}", client::describe(&e))
                }
            },
        }
    }
}

async fn pkce_flow(
    env: &Env,
    oidc: &aws_sdk_ssooidc::Client,
    target: &Target,
    reg: &Registration,
    opts: Options,
) -> anyhow::Result<Granted> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.map_err(|e| {
        anyhow!("could not listen on 127.0.0.1 for the browser's redirect ({e}); use --use-device-code instead")
    })?;
    let port = listener.local_addr()?.port();
    let redirect_uri = format!("http://127.0.0.1:{port}/oauth/callback");
    let pkce = Pkce::generate()?;
    let scopes = target.scopes.clone().unwrap_or_else(|| vec![DEFAULT_SCOPE.to_owned()]);
    // Parameter order and encoding as the CLI builds it (§4 "Authorize URL").
    let url = format!(
        "{}/authorize?response_type=code&client_id={}&redirect_uri={}&state={}&code_challenge_method=S256&scopes={}&code_challenge={}",
        client::oidc_base_url(env, &target.region),
        percent_encode(&reg.client_id),
        percent_encode(&redirect_uri),
        percent_encode(&pkce.state),
        percent_encode(&scopes.join(" ")),
        pkce.challenge,
    );
    eprintln!("awsso: to log in to {}, open {url}", target.describe());
    if !opts.no_browser {
        open_browser(env, &url);
    }
    let timeout = Duration::from_secs(
        env.get("AWSSO_LOGIN_TIMEOUT")
            .and_then(|t| t.parse().ok())
            .unwrap_or(600),
    );
    let deadline = std::time::Instant::now() + timeout;
    let spinner = Spinner::start("waiting for the browser", deadline);
    let code = tokio::time::timeout(timeout, callback(&listener, &pkce.state)).await;
    spinner.finish();
    let code = code.map_err(|_| {
        anyhow!(
            "no answer from the browser in {}s; run the login again, or use --use-device-code",
            timeout.as_secs()
        )
    })??;
    let out = oidc
        .create_token()
        .client_id(&reg.client_id)
        .client_secret(reg.client_secret.expose())
        .grant_type("authorization_code")
        .code(code.expose())
        .redirect_uri(&redirect_uri)
        .code_verifier(pkce.verifier.expose())
        .send()
        .await
        .map_err(|e| match e.as_service_error() {
            Some(CreateTokenError::ExpiredTokenException(_)) => anyhow!("the login took too long; run it again"),
            _ => anyhow!("the login failed: {}", client::describe(&e)),
        })?;
    Ok(granted(&out))
}

struct Pkce {
    verifier: Secret,
    challenge: String,
    state: String,
}

impl Pkce {
    /// A 64-character verifier from the unreserved set, its S256 challenge, and a UUID4 `state` (§4).
    fn generate() -> anyhow::Result<Self> {
        use base64::Engine as _;
        use ring::rand::SecureRandom as _;
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
        let rng = ring::rand::SystemRandom::new();
        let mut bytes = [0u8; 80];
        rng.fill(&mut bytes).map_err(|_| anyhow!("no randomness available"))?;
        let verifier: String = bytes[..64]
            .iter()
            .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
            .collect();
        let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
        let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref());
        let mut u = [0u8; 16];
        u.copy_from_slice(&bytes[64..80]);
        u[6] = (u[6] & 0x0f) | 0x40;
        u[8] = (u[8] & 0x3f) | 0x80;
        let hex = crate::sso::cache::hex(&u);
        let state = format!(
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        );
        Ok(Self {
            verifier: Secret::new(verifier),
            challenge,
            state,
        })
    }
}

/// Serve the loopback redirect until it brings a code with our `state`, or an error.
async fn callback(listener: &tokio::net::TcpListener, state: &str) -> anyhow::Result<Secret> {
    loop {
        let (mut stream, _) = listener.accept().await?;
        let mut buf = vec![0u8; 8192];
        let mut len = 0;
        while len < buf.len() && !buf[..len].windows(4).any(|w| w == b"\r\n\r\n") {
            match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf[len..])).await {
                Ok(Ok(0) | Err(_)) | Err(_) => break,
                Ok(Ok(n)) => len += n,
            }
        }
        let head = String::from_utf8_lossy(&buf[..len]);
        let target = head
            .lines()
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("/");
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        if path != "/oauth/callback" {
            let _ = respond(&mut stream, "404 Not Found", "Not found.").await;
            continue;
        }
        let params: Vec<(String, String)> = query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (percent_decode(k), percent_decode(v)))
            .collect();
        let get = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        if get("state") != Some(state) {
            let _ = respond(
                &mut stream,
                "400 Bad Request",
                "This login link is not the one awsso started.",
            )
            .await;
            bail!("the browser returned a login for another request (state mismatch); run the login again");
        }
        if let Some(error) = get("error") {
            let _ = respond(
                &mut stream,
                "200 OK",
                "The login was not completed. You can close this tab.",
            )
            .await;
            bail!("the login was not completed in the browser ({error})");
        }
        let Some(code) = get("code") else {
            let _ = respond(&mut stream, "400 Bad Request", "The redirect carried no code.").await;
            bail!("the browser's redirect carried no authorization code; run the login again");
        };
        let _ = respond(
            &mut stream,
            "200 OK",
            "awsso is logged in. You can close this tab and return to your terminal.",
        )
        .await;
        return Ok(Secret::new(code));
    }
}

async fn respond(stream: &mut tokio::net::TcpStream, status: &str, message: &str) -> std::io::Result<()> {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>awsso</title></head>\
         <body style=\"font-family:sans-serif;margin:3em\"><h1>awsso</h1><p>{message}</p></body></html>"
    );
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    stream.shutdown().await
}

/// RFC 3986 percent-encoding of everything but the unreserved characters, as Python's `quote(safe='')`.
fn percent_encode(s: &str) -> String {
    use std::fmt::Write as _;
    s.bytes().fold(String::with_capacity(s.len()), |mut out, b| {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
        out
    })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Open `url` in the user's browser: `BROWSER` (its words, then the URL), else the platform opener. The URL was
/// already printed, so a failure here is only a warning.
pub(crate) fn open_browser(env: &Env, url: &str) {
    let mut command = match env.get("BROWSER") {
        Some(browser) => {
            let mut words = browser.split_whitespace();
            let Some(program) = words.next() else { return };
            let mut c = std::process::Command::new(program);
            c.args(words);
            c
        }
        None if cfg!(target_os = "macos") => std::process::Command::new("open"),
        None if cfg!(windows) => {
            let mut c = std::process::Command::new("cmd");
            c.args(["/C", "start", ""]);
            c
        }
        None => std::process::Command::new("xdg-open"),
    };
    command
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    if let Err(e) = command.spawn() {
        eprintln!("awsso: could not open a browser ({e}); open the URL above yourself");
    }
}

/// A spinner with the time left, on stderr, drawn only when stderr is a terminal.
struct Spinner(indicatif::ProgressBar);

impl Spinner {
    fn start(message: &'static str, deadline: std::time::Instant) -> Self {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        let ticker = bar.clone();
        tokio::spawn(async move {
            loop {
                let left = deadline.saturating_duration_since(std::time::Instant::now()).as_secs();
                ticker.set_message(format!(
                    "{message} ({}m{:02}s left, Ctrl-C to cancel)",
                    left / 60,
                    left % 60
                ));
                if ticker.is_finished() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        });
        Self(bar)
    }

    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_shapes() {
        let p = Pkce::generate().unwrap();
        assert_eq!(p.verifier.expose().len(), 64);
        assert_eq!(p.challenge.len(), 43);
        assert_eq!(p.state.len(), 36);
        assert_eq!(&p.state[14..15], "4");
    }

    #[test]
    fn percent_coding() {
        assert_eq!(
            percent_encode("http://127.0.0.1:5/oauth/callback"),
            "http%3A%2F%2F127.0.0.1%3A5%2Foauth%2Fcallback"
        );
        assert_eq!(percent_encode("sso:account:access a"), "sso%3Aaccount%3Aaccess%20a");
        assert_eq!(percent_decode("a%2Fb+c%zz%"), "a/b c%zz%");
    }
}
