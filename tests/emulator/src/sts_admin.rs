//! The test-control API of the emulated STS under `/_admin/sts/` (JSON in and out): IAM-user keys, role rules, the
//! record of STS calls and expiring session credentials.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::server::{Shared, now_ms};
use crate::sts::{NewUser, RoleRule};

pub(crate) fn router() -> Router<Shared> {
    Router::new()
        .route("/users", post(create_user))
        .route("/roles", get(roles).post(set_role))
        .route("/calls", get(calls))
        .route("/reset-calls", post(reset_calls))
        .route("/expire-credentials", post(expire_credentials))
}

fn bad_request(message: impl std::fmt::Display) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"message": message.to_string()}))).into_response()
}

/// An empty body counts as `{}`.
fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, String> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))
}

/// `POST /_admin/sts/users` with `{"user_name"?, "account_id"?, "access_key_id"?, "secret_access_key"?}`: a new IAM
/// user and its long-term key pair.
async fn create_user(State(app): State<Shared>, body: Bytes) -> Response {
    let request: NewUser = match parse(&body) {
        Ok(request) => request,
        Err(message) => return bad_request(message),
    };
    match app.lock().sts.create_user(request) {
        Ok(keys) => Json(keys).into_response(),
        Err(message) => bad_request(message),
    }
}

/// `POST /_admin/sts/roles` body: the role ARN and its rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SetRole {
    role_arn: String,
    #[serde(default)]
    deny: bool,
    external_id: Option<String>,
    mfa_serial: Option<String>,
    mfa_code: Option<String>,
    max_session_duration: Option<u64>,
}

/// `GET /_admin/sts/roles`: `{"<role arn>": {rule}}` for every role with a rule.
async fn roles(State(app): State<Shared>) -> Response {
    Json(&app.lock().sts.roles).into_response()
}

/// `POST /_admin/sts/roles` with `{"role_arn", "deny"?, "external_id"?, "mfa_serial"?, "mfa_code"?,
/// "max_session_duration"?}`: replaces that role's rule (no rule members: removes it). Answers like `GET`.
async fn set_role(State(app): State<Shared>, body: Bytes) -> Response {
    let request: SetRole = match parse(&body) {
        Ok(request) => request,
        Err(message) => return bad_request(message),
    };
    let mut emulator = app.lock();
    let rule = RoleRule {
        deny: request.deny,
        external_id: request.external_id,
        mfa_serial: request.mfa_serial,
        mfa_code: request.mfa_code,
        max_session_duration: request.max_session_duration,
    };
    match emulator.sts.set_role(request.role_arn, rule) {
        Ok(()) => Json(&emulator.sts.roles).into_response(),
        Err(message) => bad_request(message),
    }
}

/// `GET /_admin/sts/calls[?action=AssumeRole]`: every STS request since start or the last reset-calls, oldest first.
async fn calls(State(app): State<Shared>, Query(query): Query<HashMap<String, String>>) -> Response {
    let emulator = app.lock();
    let action = query.get("action");
    let calls: Vec<_> = emulator
        .sts
        .calls
        .iter()
        .filter(|call| action.is_none() || call.action.as_ref() == action)
        .collect();
    Json(calls).into_response()
}

/// `POST /_admin/sts/reset-calls`.
async fn reset_calls(State(app): State<Shared>) -> Response {
    app.lock().sts.calls.clear();
    Json(json!({"ok": true})).into_response()
}

/// `POST /_admin/sts/expire-credentials`: every session credential issued so far (GetRoleCredentials, AssumeRole)
/// is expired from now on; IAM-user keys keep working. Answers `{"expired": n}`.
async fn expire_credentials(State(app): State<Shared>) -> Response {
    let expired = app.lock().sts.expire_credentials(now_ms());
    Json(json!({"expired": expired})).into_response()
}
