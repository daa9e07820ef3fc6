//! The JSON API handlers: SSO OIDC (protocol.md §3) and the SSO portal (protocol.md §5).

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::errors::{OidcError, OidcErrorKind, PortalError};
use crate::server::{GrantType, Shared, now_ms};
use crate::state::{CreateTokenRequest, RegisterClientRequest, StartDeviceAuthorizationRequest};

/// The portal's bearer header (protocol.md §5: "note the underscore").
const BEARER_HEADER: &str = "x-amz-sso_bearer_token";

/// Parses a JSON request body generically: any member order, separators or whitespace, unknown members ignored
/// (protocol.md §3: botocore and the Rust SDK serialise differently). An empty body counts as `{}`.
fn parse_body<T: DeserializeOwned + Default>(body: &Bytes) -> Result<T, OidcError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body)
        .map_err(|e| OidcError::new(OidcErrorKind::InvalidRequest, format!("Invalid request body: {e}")))
}

/// 200 with a JSON body and `Content-Type: application/json` (protocol.md §10).
fn json_ok<T: Serialize>(result: Result<T, impl IntoResponse>) -> Response {
    match result {
        Ok(value) => (StatusCode::OK, Json(value)).into_response(),
        Err(error) => error.into_response(),
    }
}

/// `POST /client/register` — RegisterClient.
pub(crate) async fn register_client(State(app): State<Shared>, body: Bytes) -> Response {
    json_ok(parse_body::<RegisterClientRequest>(&body).and_then(|r| app.lock().register_client(r, now_ms())))
}

/// `POST /device_authorization` — StartDeviceAuthorization.
pub(crate) async fn start_device_authorization(State(app): State<Shared>, body: Bytes) -> Response {
    json_ok(
        parse_body::<StartDeviceAuthorizationRequest>(&body)
            .and_then(|r| app.lock().start_device_authorization(r, now_ms())),
    )
}

/// `POST /token` — CreateToken for the device-code, refresh-token and authorization-code grants.
pub(crate) async fn create_token(State(app): State<Shared>, RawQuery(query): RawQuery, body: Bytes) -> Response {
    // `POST /token?aws_iam=t` is the SigV4-signed CreateTokenWithIAM, which the emulator doesn't offer (protocol.md §3).
    if query.is_some_and(|q| q.split('&').any(|kv| kv.starts_with("aws_iam="))) {
        let error = OidcError::new(
            OidcErrorKind::InvalidRequest,
            "CreateTokenWithIAM is not supported by the emulator",
        );
        return error.into_response();
    }
    let request = match parse_body::<CreateTokenRequest>(&body) {
        Ok(request) => request,
        Err(error) => return error.into_response(),
    };
    let grant_type = request.grant_type.clone();
    let mut response = json_ok(app.lock().create_token(request, now_ms()));
    if let Some(grant_type) = grant_type {
        response.extensions_mut().insert(GrantType(grant_type));
    }
    response
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(BEARER_HEADER).and_then(|v| v.to_str().ok())
}

fn param<'a>(query: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    query.get(name).map(String::as_str)
}

/// `GET /federation/credentials?role_name=..&account_id=..` — GetRoleCredentials.
pub(crate) async fn get_role_credentials(
    State(app): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    json_ok(app.lock().get_role_credentials(
        bearer(&headers),
        param(&query, "account_id"),
        param(&query, "role_name"),
        now_ms(),
    ))
}

/// `GET /assignment/accounts?next_token=..&max_result=..` — ListAccounts.
pub(crate) async fn list_accounts(
    State(app): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    json_ok(app.lock().list_accounts(
        bearer(&headers),
        param(&query, "next_token"),
        param(&query, "max_result"),
        now_ms(),
    ))
}

/// `GET /assignment/roles?account_id=..&next_token=..&max_result=..` — ListAccountRoles.
pub(crate) async fn list_account_roles(
    State(app): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    json_ok(app.lock().list_account_roles(
        bearer(&headers),
        param(&query, "account_id"),
        param(&query, "next_token"),
        param(&query, "max_result"),
        now_ms(),
    ))
}

/// `POST /logout` — Logout: 200 with an empty body (protocol.md §5).
pub(crate) async fn logout(State(app): State<Shared>, headers: HeaderMap) -> Response {
    match app.lock().logout(bearer(&headers), now_ms()) {
        Ok(()) => StatusCode::OK.into_response(),
        Err(error) => PortalError::into_response(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_parse_whatever_the_serialisation() {
        // botocore: `", "` / `": "` separators; Rust SDK: compact, another member order (protocol.md §3.1).
        let botocore = Bytes::from_static(
            br#"{"clientId": "cid", "clientSecret": "cs", "grantType": "refresh_token", "refreshToken": "rt"}"#,
        );
        let rust = Bytes::from_static(
            br#"{"refreshToken":"rt","grantType":"refresh_token","clientSecret":"cs","clientId":"cid","extra":[1]}"#,
        );
        for body in [botocore, rust] {
            let request: CreateTokenRequest = parse_body(&body).unwrap();
            assert_eq!(request.client_id.as_deref(), Some("cid"));
            assert_eq!(request.refresh_token.as_deref(), Some("rt"));
            assert_eq!(request.grant_type.as_deref(), Some("refresh_token"));
        }
        let empty: CreateTokenRequest = parse_body(&Bytes::from_static(b" \n")).unwrap();
        assert!(empty.client_id.is_none());
        let error = parse_body::<CreateTokenRequest>(&Bytes::from_static(b"{not json")).unwrap_err();
        assert_eq!(error.kind, OidcErrorKind::InvalidRequest);
        let error = parse_body::<CreateTokenRequest>(&Bytes::from_static(br#"{"clientId": 5}"#)).unwrap_err();
        assert_eq!(error.kind, OidcErrorKind::InvalidRequest);
    }
}
