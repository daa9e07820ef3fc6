//! The console sign-in endpoint (protocol.md §13.1) at `/federation`, where clients reach it through
//! `AWSSO_SIGNIN_URL`: `getSigninToken` (a form POST, or GET as AWS also allows) accepts only live session
//! credentials the emulated STS issued and refuses `SessionDuration` for role-chained ones with 400 as AWS does;
//! `login` accepts a token once and redirects to `/console`, a page naming the identity and the destination.
//! `GET /_admin/signin/calls` lists every getSigninToken and login request with its outcome.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rand::RngExt as _;
use serde::Serialize;

use crate::server::{Shared, now_ms};

/// A sign-in token is good for 15 minutes (§13.1).
const TOKEN_LIFE_MS: u64 = 15 * 60 * 1000;

/// One request to `/federation`, as `GET /_admin/signin/calls` shows it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SigninCall {
    pub(crate) method: String,
    pub(crate) action: Option<String>,
    /// The `sessionId` of the `Session` JSON (getSigninToken).
    pub(crate) access_key_id: Option<String>,
    /// As received: absent is `null`.
    pub(crate) session_duration: Option<String>,
    /// `Destination` and `Issuer` (login).
    pub(crate) destination: Option<String>,
    pub(crate) issuer: Option<String>,
    pub(crate) status: u16,
    pub(crate) error: Option<String>,
}

struct Token {
    arn: String,
    expires_ms: u64,
    used: bool,
}

struct ConsoleSession {
    arn: String,
    destination: String,
}

/// The sign-in state: tokens, console sessions, calls.
#[derive(Default)]
pub(crate) struct Signin {
    tokens: HashMap<String, Token>,
    sessions: HashMap<String, ConsoleSession>,
    calls: Vec<SigninCall>,
}

pub(crate) fn router() -> Router<Shared> {
    Router::new()
        .route("/federation", get(federation_get).post(federation_post))
        .route("/console", get(console_page))
}

pub(crate) fn admin_router() -> Router<Shared> {
    Router::new()
        .route("/calls", get(calls))
        .route("/reset-calls", post(reset_calls))
}

fn random(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn text(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{message}\n"),
    )
        .into_response()
}

async fn federation_get(State(app): State<Shared>, Query(params): Query<HashMap<String, String>>) -> Response {
    federation(&app, &Method::GET, &params)
}

async fn federation_post(State(app): State<Shared>, body: Bytes) -> Response {
    let params: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    federation(&app, &Method::POST, &params)
}

fn federation(app: &Shared, method: &Method, params: &HashMap<String, String>) -> Response {
    let param = |k: &str| params.get(k).cloned();
    let mut call = SigninCall {
        method: method.to_string(),
        action: param("Action"),
        access_key_id: None,
        session_duration: param("SessionDuration"),
        destination: param("Destination"),
        issuer: param("Issuer"),
        status: 200,
        error: None,
    };
    let mut emulator = app.lock();
    let outcome = match call.action.as_deref() {
        Some("getSigninToken") => get_signin_token(&mut emulator, params, &mut call),
        Some("login") if *method == Method::GET => login(&mut emulator, params),
        _ => Err((StatusCode::BAD_REQUEST, "Unknown or missing Action".to_owned())),
    };
    let response = match outcome {
        Ok(response) => response,
        Err((status, message)) => {
            call.status = status.as_u16();
            call.error = Some(message.clone());
            text(status, &message)
        }
    };
    emulator.signin.calls.push(call);
    response
}

type Outcome = Result<Response, (StatusCode, String)>;

fn get_signin_token(
    emulator: &mut crate::state::Emulator,
    params: &HashMap<String, String>,
    call: &mut SigninCall,
) -> Outcome {
    let invalid = |why: &str| (StatusCode::BAD_REQUEST, format!("Invalid credentials parameter: {why}"));
    let session = params.get("Session").ok_or_else(|| invalid("no Session"))?;
    let session: serde_json::Value = serde_json::from_str(session).map_err(|_| invalid("Session is not JSON"))?;
    let field = |k: &str| session.get(k).and_then(serde_json::Value::as_str);
    let (Some(id), Some(key), Some(token)) = (field("sessionId"), field("sessionKey"), field("sessionToken")) else {
        return Err(invalid("Session needs sessionId, sessionKey and sessionToken"));
    };
    call.access_key_id = Some(id.to_owned());
    let now = now_ms();
    let Some((arn, chained)) = emulator.sts.console_session(id, key, token, now) else {
        return Err(invalid("not live session credentials this emulator issued"));
    };
    if let Some(duration) = params.get("SessionDuration") {
        match duration.parse::<u64>() {
            Ok(900..=43_200) if chained => {
                return Err(invalid("SessionDuration is not allowed for role-chained credentials"));
            }
            Ok(900..=43_200) => {}
            _ => return Err(invalid("SessionDuration must be 900-43200")),
        }
    }
    let signin_token = random(96);
    emulator.signin.tokens.insert(
        signin_token.clone(),
        Token {
            arn,
            expires_ms: now + TOKEN_LIFE_MS,
            used: false,
        },
    );
    Ok(Json(serde_json::json!({ "SigninToken": signin_token })).into_response())
}

fn login(emulator: &mut crate::state::Emulator, params: &HashMap<String, String>) -> Outcome {
    let refused = |why: &str| (StatusCode::BAD_REQUEST, format!("Sign-in failed: {why}"));
    let destination = params.get("Destination").ok_or_else(|| refused("no Destination"))?;
    if !destination.starts_with("https://") {
        return Err(refused("Destination is not an https URL"));
    }
    let token = params.get("SigninToken").ok_or_else(|| refused("no SigninToken"))?;
    let now = now_ms();
    let Some(entry) = emulator.signin.tokens.get_mut(token) else {
        return Err(refused("unknown SigninToken"));
    };
    if entry.used {
        return Err(refused("this SigninToken was used already"));
    }
    if entry.expires_ms <= now {
        return Err(refused("this SigninToken has expired"));
    }
    entry.used = true;
    let id = random(24);
    emulator.signin.sessions.insert(
        id.clone(),
        ConsoleSession {
            arn: entry.arn.clone(),
            destination: destination.clone(),
        },
    );
    Ok((
        StatusCode::FOUND,
        [(header::LOCATION, format!("/console?session={id}"))],
    )
        .into_response())
}

/// The page `login` lands on: the console the test recognises (`id="awsso-console"`).
async fn console_page(State(app): State<Shared>, Query(params): Query<HashMap<String, String>>) -> Response {
    let emulator = app.lock();
    let Some(session) = params.get("session").and_then(|id| emulator.signin.sessions.get(id)) else {
        return text(StatusCode::NOT_FOUND, "No such console session");
    };
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>AWS console - awsso emulator</title>\
         </head>\n<body>\n<h1 id=\"awsso-console\">Signed in to the emulated AWS console</h1>\n\
         <p>Identity: <span id=\"identity\">{}</span></p>\n<p>Destination: <span id=\"destination\">{}</span></p>\n\
         </body></html>\n",
        escape(&session.arn),
        escape(&session.destination),
    );
    (StatusCode::OK, Html(html)).into_response()
}

/// `GET /_admin/signin/calls`: every `/federation` request, oldest first.
async fn calls(State(app): State<Shared>) -> Response {
    Json(app.lock().signin.calls.clone()).into_response()
}

/// `POST /_admin/signin/reset-calls`: forget the calls (tokens and sessions stay).
async fn reset_calls(State(app): State<Shared>) -> Response {
    app.lock().signin.calls.clear();
    Json(serde_json::json!({})).into_response()
}
