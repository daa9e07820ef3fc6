//! The test-control API under `/_admin/` (JSON in and out). Admin requests are not logged, counted, delayed or
//! faulted.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::server::{Shared, now_ms};
use crate::state::ConfigPatch;

pub(crate) fn router() -> Router<Shared> {
    Router::new()
        .route("/log", get(log))
        .route("/reset-log", post(reset_log))
        .route("/stats", get(stats))
        .route("/reset-stats", post(reset_stats))
        .route("/config", get(config).post(set_config))
        .route("/approve", post(approve))
        .route("/deny", post(deny))
        .route("/expire-tokens", post(expire_tokens))
        .route("/revoke-tokens", post(revoke_tokens))
        .route("/reset", post(reset))
}

fn bad_request(message: impl std::fmt::Display) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"message": message.to_string()}))).into_response()
}

/// `GET /_admin/log`: every non-admin request since start or the last reset-log, oldest first.
async fn log(State(app): State<Shared>) -> Response {
    Json(app.lock().log()).into_response()
}

/// `POST /_admin/reset-log`.
async fn reset_log(State(app): State<Shared>) -> Response {
    app.lock().reset_log();
    Json(json!({"ok": true})).into_response()
}

/// `GET /_admin/stats`: per-operation success counters and per-route request counts.
async fn stats(State(app): State<Shared>) -> Response {
    Json(&app.lock().stats).into_response()
}

/// `POST /_admin/reset-stats`.
async fn reset_stats(State(app): State<Shared>) -> Response {
    app.lock().stats = crate::state::Stats::default();
    Json(json!({"ok": true})).into_response()
}

/// `GET /_admin/config`: the current settings.
async fn config(State(app): State<Shared>) -> Response {
    Json(&app.lock().config).into_response()
}

/// `POST /_admin/config` with any subset of the settings (and `"revoke_all_tokens": true`); returns the new settings.
async fn set_config(State(app): State<Shared>, body: Bytes) -> Response {
    let patch: ConfigPatch = match serde_json::from_slice(if body.is_empty() { b"{}" } else { &body }) {
        Ok(patch) => patch,
        Err(error) => return bad_request(format!("invalid config: {error}")),
    };
    let mut emulator = app.lock();
    match emulator.apply_config(&patch) {
        Ok(()) => Json(&emulator.config).into_response(),
        Err(error) => bad_request(error),
    }
}

/// The `user_code` (or `userCode`) of an approve/deny body; no body or no code means every pending authorization.
fn user_code(body: &Bytes) -> Result<Option<String>, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))?;
    let code = value.get("user_code").or_else(|| value.get("userCode"));
    match code {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(code)) => Ok(Some(code.clone())),
        Some(_) => Err("user_code must be a string".to_owned()),
    }
}

fn decide(app: &Shared, body: &Bytes, allow: bool) -> Response {
    let code = match user_code(body) {
        Ok(code) => code,
        Err(message) => return bad_request(message),
    };
    let changed = app.lock().decide_device(code.as_deref(), allow, now_ms());
    if changed.is_empty() && code.is_some() {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"message": "no pending device authorization with that user code"})),
        )
            .into_response();
    }
    Json(json!({"user_codes": changed})).into_response()
}

/// `POST /_admin/approve` with `{"user_code": "ABCD-EFGH"}` (or no body: every pending one).
async fn approve(State(app): State<Shared>, body: Bytes) -> Response {
    decide(&app, &body, true)
}

/// `POST /_admin/deny`, same body as approve.
async fn deny(State(app): State<Shared>, body: Bytes) -> Response {
    decide(&app, &body, false)
}

/// `POST /_admin/expire-tokens`: every issued access token is expired from now on (refresh tokens still work).
async fn expire_tokens(State(app): State<Shared>) -> Response {
    let expired = app.lock().expire_access_tokens(now_ms());
    Json(json!({"expired": expired})).into_response()
}

/// `POST /_admin/revoke-tokens`: every issued access and refresh token stops working.
async fn revoke_tokens(State(app): State<Shared>) -> Response {
    let revoked = app.lock().revoke_all_tokens();
    Json(json!({"revoked": revoked})).into_response()
}

/// `POST /_admin/reset`: forget all clients, authorizations and tokens, empty the log and stats, and restore the
/// start-up settings.
async fn reset(State(app): State<Shared>) -> Response {
    app.reset();
    Json(json!({"ok": true})).into_response()
}
