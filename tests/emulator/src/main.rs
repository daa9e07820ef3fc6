//! `awsso-emulator`: a local IAM Identity Center for awsso's tests — the SSO OIDC API (RegisterClient,
//! StartDeviceAuthorization, CreateToken, `/authorize` for PKCE) and the SSO portal API (GetRoleCredentials,
//! ListAccounts, ListAccountRoles, Logout), following `protocol.md` §3–§5 and the checklist in §10.
//!
//! It listens on 127.0.0.1 (an ephemeral port unless `--port`), prints its base URL on stdout once listening, logs
//! one line per request to stderr (or `--log-file`), and stops cleanly on SIGTERM or SIGINT. Point clients at it with
//! `AWS_ENDPOINT_URL_SSO` and `AWS_ENDPOINT_URL_SSO_OIDC` (protocol.md §6.3). Tests steer it through `/_admin/`.
//! It also serves STS (AssumeRole, GetCallerIdentity; protocol.md §12.4) at `POST /` for `AWS_ENDPOINT_URL_STS`,
//! and the console sign-in endpoint (`/federation`, protocol.md §13.1) for `AWSSO_SIGNIN_URL`.

mod admin;
mod api;
mod errors;
mod fixtures;
mod pages;
mod pkce;
mod server;
mod signin;
mod sigv4;
mod state;
mod sts;
mod sts_admin;

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use tokio::net::TcpListener;
use tokio::sync::Notify;

use crate::fixtures::Fixtures;
use crate::server::{App, LogSink};
use crate::state::Config;

/// A local IAM Identity Center (SSO OIDC + SSO portal) emulator for tests.
#[derive(Debug, Parser)]
#[command(name = "awsso-emulator", version)]
#[allow(clippy::struct_excessive_bools, reason = "command-line switches")]
struct Cli {
    /// Port to listen on at 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Number of accounts (`account-0001`, ...; ids 111111111111, 111111111112, ...).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(0..=100_000))]
    accounts: u32,
    /// Number of roles in every account (`Admin`, `ReadOnly`, `Developer`, `PowerUser`, ...).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(0..=1000))]
    roles: u32,
    /// One more role, after the numbered ones, in every account; repeatable. Any text, so tests can serve role
    /// names a config file cannot hold (a leading space, a tab, a line break).
    #[arg(long, value_name = "NAME")]
    extra_role: Vec<String>,
    /// Approve device authorizations at once and redirect `/authorize` without a consent page.
    #[arg(long)]
    auto_approve: bool,
    /// Access-token lifetime (expiresIn) for registrations with scopes and refresh/auth-code grants, in seconds.
    #[arg(long, default_value_t = 3600, value_name = "SECS")]
    access_token_ttl: u64,
    /// Access-token lifetime for registrations without scopes (legacy, no refresh token), in seconds.
    #[arg(long, default_value_t = 28_800, value_name = "SECS")]
    legacy_access_token_ttl: u64,
    /// Lifetime of role credentials from GetRoleCredentials, and of AssumeRole credentials when the request has no
    /// DurationSeconds, in seconds.
    #[arg(
        long = "role-credentials-seconds",
        alias = "role-credentials-ttl",
        default_value_t = 3600,
        value_name = "SECS"
    )]
    role_credentials_ttl: u64,
    /// Lifetime of client registrations (clientSecretExpiresAt - now), in seconds; default 90 days.
    #[arg(long, default_value_t = 7_776_000, value_name = "SECS")]
    client_secret_ttl: u64,
    /// expiresIn of device authorizations, in seconds.
    #[arg(long, default_value_t = 600, value_name = "SECS")]
    device_expires_in: u64,
    /// Polling interval of device authorizations, in seconds; faster polls get SlowDownException.
    #[arg(long, default_value_t = 1, value_name = "SECS")]
    device_interval: u64,
    /// Let a refresh token be used more than once (by default each works once).
    #[arg(long)]
    reusable_refresh_tokens: bool,
    /// Send no new refreshToken on refresh; the old one then stays valid.
    #[arg(long)]
    no_refresh_token_rotation: bool,
    /// Page size of ListAccounts/ListAccountRoles when the request has no max_result (1-100).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u8).range(1..=100))]
    default_page_size: u8,
    /// Answer every Nth portal request with 429 TooManyRequestsException (0 = never).
    #[arg(long, default_value_t = 0, value_name = "N")]
    throttle_every: u64,
    /// Serve at most R portal requests a second (a token bucket; 0 = no limit); beyond it 429 TooManyRequestsException.
    #[arg(long, default_value_t = 0.0, value_name = "R")]
    rate_limit: f64,
    /// The --rate-limit bucket's burst: requests served at once after a pause (0 = R, one second's worth).
    #[arg(long, default_value_t = 0.0, value_name = "B")]
    rate_burst: f64,
    /// Probability (0-1) that an API request gets a 500 InternalServerException.
    #[arg(long, default_value_t = 0.0, value_name = "P")]
    error_rate: f64,
    /// Answer every Nth API request with a 500 InternalServerException (0 = never).
    #[arg(long, default_value_t = 0, value_name = "N")]
    error_every: u64,
    /// Delay added to every non-admin request, in milliseconds.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    latency_ms: u64,
    /// Deny every authorization (device flow and /authorize).
    #[arg(long)]
    deny_all: bool,
    /// Append request lines to this file instead of stderr.
    #[arg(long, value_name = "PATH")]
    log_file: Option<PathBuf>,
}

impl Cli {
    fn config(&self) -> Config {
        Config {
            auto_approve: self.auto_approve,
            access_token_ttl: self.access_token_ttl,
            legacy_access_token_ttl: self.legacy_access_token_ttl,
            role_credentials_ttl: self.role_credentials_ttl,
            client_secret_ttl: self.client_secret_ttl,
            device_expires_in: self.device_expires_in,
            device_interval: self.device_interval,
            refresh_single_use: !self.reusable_refresh_tokens,
            rotate_refresh_tokens: !self.no_refresh_token_rotation,
            default_page_size: usize::from(self.default_page_size),
            throttle_every: self.throttle_every,
            rate_limit: self.rate_limit,
            rate_burst: self.rate_burst,
            error_rate: self.error_rate,
            error_every: self.error_every,
            latency_ms: self.latency_ms,
            deny_all: self.deny_all,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("awsso-emulator: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("awsso-emulator: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let config = cli.config();
    config.validate()?;
    let sink = match &cli.log_file {
        None => LogSink::Stderr,
        Some(path) => LogSink::File(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| format!("cannot open {}: {e}", path.display()))?,
        ),
    };
    let listener = TcpListener::bind(("127.0.0.1", cli.port))
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", cli.port))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let base_url = format!("http://127.0.0.1:{port}");
    let app = App::new(
        config,
        base_url.clone(),
        Fixtures::new(cli.accounts as usize, cli.roles as usize).with_extra_roles(cli.extra_role.clone()),
        sink,
    );

    // The listener is bound, so connections queue from here on: tell the parent where we are.
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{base_url}")
            .and_then(|()| stdout.flush())
            .map_err(|e| format!("cannot write stdout: {e}"))?;
    }

    let shutdown = Arc::new(Notify::new());
    let graceful = {
        let shutdown = shutdown.clone();
        async move { shutdown.notified().await }
    };
    let server = axum::serve(listener, server::router(app))
        .with_graceful_shutdown(graceful)
        .into_future();
    tokio::pin!(server);
    tokio::select! {
        result = &mut server => return result.map_err(|e| e.to_string()),
        () = termination() => {}
    }
    // Let in-flight requests finish, but don't hang on a client that keeps a connection busy.
    shutdown.notify_one();
    match tokio::time::timeout(Duration::from_secs(5), server).await {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(_) => Ok(()),
    }
}

/// Resolves on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
async fn termination() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
