//! The HTTP server: shared state, the router, the request-log and fault-injection middleware.

use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rand::RngExt as _;

use crate::errors::{ERROR_TYPE_HEADER, OidcError, OidcErrorKind, PortalError, PortalErrorKind, error_type_name};
use crate::fixtures::Fixtures;
use crate::state::{Config, Emulator, Fault, LogEntry, RouteClass};
use crate::{admin, api, pages, signin, sts, sts_admin};

/// Current time in epoch milliseconds.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Where request lines go (`--log-file`, default stderr).
pub(crate) enum LogSink {
    Stderr,
    File(std::fs::File),
}

impl LogSink {
    fn write_line(&mut self, line: &str) {
        // Logging must never take the server down; a failed write is dropped.
        let _ = match self {
            Self::Stderr => writeln!(std::io::stderr().lock(), "{line}"),
            Self::File(file) => writeln!(file, "{line}").and_then(|()| file.flush()),
        };
    }
}

/// State shared by all handlers.
pub(crate) struct App {
    emulator: Mutex<Emulator>,
    /// The start-up settings, restored by `POST /_admin/reset`.
    pub(crate) startup: Config,
    fixtures: Fixtures,
    pub(crate) base_url: String,
    sink: Mutex<LogSink>,
}

pub(crate) type Shared = Arc<App>;

impl App {
    pub(crate) fn new(config: Config, base_url: String, fixtures: Fixtures, sink: LogSink) -> Shared {
        let emulator = Emulator::new(config.clone(), base_url.clone(), fixtures.clone());
        Arc::new(Self {
            emulator: Mutex::new(emulator),
            startup: config,
            fixtures,
            base_url,
            sink: Mutex::new(sink),
        })
    }

    /// The emulator state. Handlers never hold it across an `.await`. A panic while it was held leaves it usable.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Emulator> {
        self.emulator.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Back to the start-up state: no clients or tokens, start-up settings, empty log and stats.
    pub(crate) fn reset(&self) {
        *self.lock() = Emulator::new(self.startup.clone(), self.base_url.clone(), self.fixtures.clone());
    }
}

/// The `grantType` of a `/token` request, attached to the response so the log can show it.
#[derive(Debug, Clone)]
pub(crate) struct GrantType(pub(crate) String);

pub(crate) fn router(app: Shared) -> Router {
    Router::new()
        // SSO OIDC (protocol.md §3, §4, §10).
        .route("/client/register", post(api::register_client))
        .route("/device_authorization", post(api::start_device_authorization))
        .route("/token", post(api::create_token))
        .route("/authorize", get(pages::authorize).post(pages::authorize_decision))
        .route("/device", get(pages::device).post(pages::device_decision))
        // SSO portal (protocol.md §5, §10).
        .route("/federation/credentials", get(api::get_role_credentials))
        .route("/assignment/accounts", get(api::list_accounts))
        .route("/assignment/roles", get(api::list_account_roles))
        .route("/logout", post(api::logout))
        // STS query protocol (protocol.md §12.4).
        .route("/", post(sts::handle))
        // Console sign-in (protocol.md §13.1).
        .merge(signin::router())
        .nest("/_admin/signin", signin::admin_router())
        .nest("/_admin/sts", sts_admin::router())
        .nest("/_admin", admin::router())
        .fallback(not_found)
        // Layers run outside-in from the last one added: the recorder sees the final response, faults included.
        .layer(middleware::from_fn_with_state(app.clone(), inject_faults))
        .layer(middleware::from_fn_with_state(app.clone(), record_request))
        .with_state(app)
}

async fn not_found(request: Request) -> Response {
    let message = format!("No route for {} {}", request.method(), request.uri().path());
    match RouteClass::of(request.uri().path()) {
        RouteClass::Admin => (
            StatusCode::NOT_FOUND,
            axum::Json(serde_json::json!({"message": message})),
        )
            .into_response(),
        _ => PortalError::new(PortalErrorKind::ResourceNotFound, message).into_response(),
    }
}

/// Added latency, injected 5xx and 429 (the flags `--latency-ms`, `--error-rate`, `--error-every`,
/// `--throttle-every`, `--rate-limit`/`--rate-burst`, or `POST /_admin/config`). Admin routes are exempt. The rate
/// limit is checked when the request arrives, before the latency, as a real portal's front door would.
async fn inject_faults(State(app): State<Shared>, request: Request, next: Next) -> Response {
    let class = RouteClass::of(request.uri().path());
    if class == RouteClass::Admin {
        return next.run(request).await;
    }
    let roll: f64 = rand::rng().random();
    let (latency_ms, fault) = {
        let mut emulator = app.lock();
        (emulator.config.latency_ms, emulator.fault_for(class, roll))
    };
    if latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(latency_ms)).await;
    }
    match (fault, class) {
        (Some(Fault::InternalError), RouteClass::Oidc) => {
            OidcError::new(OidcErrorKind::InternalServer, "Injected internal server error").into_response()
        }
        (Some(Fault::InternalError), _) => {
            PortalError::new(PortalErrorKind::InternalServer, "Injected internal server error").into_response()
        }
        (Some(Fault::Throttle), _) => {
            PortalError::new(PortalErrorKind::TooManyRequests, "Too many requests (injected)").into_response()
        }
        (None, _) => next.run(request).await,
    }
}

/// Records every non-admin request in the log (`GET /_admin/log`), the per-route counters and the log sink, and
/// adds an `x-amzn-RequestId` header as AWS does.
async fn record_request(State(app): State<Shared>, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().map(str::to_owned);
    if RouteClass::of(&path) == RouteClass::Admin {
        return next.run(request).await;
    }
    app.lock().begin_request();
    let mut response = next.run(request).await;
    let error_type = response
        .headers()
        .get(ERROR_TYPE_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(|v| error_type_name(v).to_owned());
    let grant_type = response.extensions().get::<GrantType>().map(|g| g.0.clone());
    let entry = LogEntry {
        seq: 0,
        time_ms: now_ms(),
        method,
        path,
        query,
        status: response.status().as_u16(),
        error_type,
        grant_type,
    };
    let line = {
        let mut emulator = app.lock();
        emulator.end_request();
        let entry = emulator.record(entry);
        if let Ok(id) = HeaderValue::from_str(&format!("emu-{:012}", entry.seq)) {
            response.headers_mut().insert("x-amzn-RequestId", id);
        }
        format_line(entry)
    };
    app.sink
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .write_line(&line);
    response
}

fn format_line(entry: &LogEntry) -> String {
    let mut line = format!("awsso-emulator: #{} {} {}", entry.seq, entry.method, entry.path);
    if let Some(query) = &entry.query {
        line.push('?');
        line.push_str(query);
    }
    let _ = write!(line, " -> {}", entry.status);
    if let Some(error_type) = &entry.error_type {
        line.push(' ');
        line.push_str(error_type);
    }
    if let Some(grant_type) = &entry.grant_type {
        line.push_str(" grantType=");
        line.push_str(grant_type);
    }
    line
}
