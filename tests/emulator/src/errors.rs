//! Wire shapes of the errors the emulator returns (protocol.md §3.2 and §5 "Errors").
//!
//! Both SDKs pick the exception type from the `x-amzn-ErrorType` header only (protocol.md §3.2: "anything after `:` is
//! stripped"), so every error carries that header — with the `:http://internal.amazon.com/coral/...` suffix real AWS
//! sends, to prove clients strip it. The body is `{"error","error_description"}` for SSO OIDC and `{"message"}` for the
//! portal.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Header that selects the exception (protocol.md §3.2).
pub(crate) const ERROR_TYPE_HEADER: &str = "x-amzn-ErrorType";

/// Suffix AWS appends to the SSO OIDC error type (`Name:namespace`); clients drop everything after `:`.
const OIDC_NAMESPACE: &str = "http://internal.amazon.com/coral/com.amazonaws.ssooidc/";
/// Suffix AWS appends to the SSO portal error type.
const PORTAL_NAMESPACE: &str = "http://internal.amazon.com/coral/com.amazonaws.switchboard.portal/";

/// The SSO OIDC exceptions of protocol.md §3.2's table (name, HTTP status, OAuth `error` value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OidcErrorKind {
    AuthorizationPending,
    SlowDown,
    ExpiredToken,
    AccessDenied,
    InvalidGrant,
    InvalidClient,
    InvalidRequest,
    InvalidScope,
    UnauthorizedClient,
    UnsupportedGrantType,
    InvalidClientMetadata,
    InvalidRedirectUri,
    InternalServer,
}

impl OidcErrorKind {
    /// The exception name sent in `x-amzn-ErrorType`.
    pub(crate) fn exception(self) -> &'static str {
        match self {
            Self::AuthorizationPending => "AuthorizationPendingException",
            Self::SlowDown => "SlowDownException",
            Self::ExpiredToken => "ExpiredTokenException",
            Self::AccessDenied => "AccessDeniedException",
            Self::InvalidGrant => "InvalidGrantException",
            Self::InvalidClient => "InvalidClientException",
            Self::InvalidRequest => "InvalidRequestException",
            Self::InvalidScope => "InvalidScopeException",
            Self::UnauthorizedClient => "UnauthorizedClientException",
            Self::UnsupportedGrantType => "UnsupportedGrantTypeException",
            Self::InvalidClientMetadata => "InvalidClientMetadataException",
            Self::InvalidRedirectUri => "InvalidRedirectUriException",
            Self::InternalServer => "InternalServerException",
        }
    }

    /// The OAuth `error` body member (protocol.md §3.2 table, column "`error` value").
    pub(crate) fn code(self) -> &'static str {
        match self {
            Self::AuthorizationPending => "authorization_pending",
            Self::SlowDown => "slow_down",
            Self::ExpiredToken => "expired_token",
            Self::AccessDenied => "access_denied",
            Self::InvalidGrant => "invalid_grant",
            Self::InvalidClient => "invalid_client",
            Self::InvalidRequest => "invalid_request",
            Self::InvalidScope => "invalid_scope",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidClientMetadata => "invalid_client_metadata",
            Self::InvalidRedirectUri => "invalid_redirect_uri",
            Self::InternalServer => "server_error",
        }
    }

    /// HTTP status: 400 except InvalidClient (401) and InternalServer (500), protocol.md §3.2.
    pub(crate) fn status(self) -> StatusCode {
        match self {
            Self::InvalidClient => StatusCode::UNAUTHORIZED,
            Self::InternalServer => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

/// An SSO OIDC error response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OidcError {
    pub(crate) kind: OidcErrorKind,
    pub(crate) description: String,
}

impl OidcError {
    pub(crate) fn new(kind: OidcErrorKind, description: impl Into<String>) -> Self {
        Self {
            kind,
            description: description.into(),
        }
    }
}

impl IntoResponse for OidcError {
    fn into_response(self) -> Response {
        let body = json!({"error": self.kind.code(), "error_description": self.description});
        error_response(self.kind.status(), self.kind.exception(), OIDC_NAMESPACE, &body)
    }
}

/// The SSO portal exceptions of protocol.md §5's error table, plus the two real AWS sends outside the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PortalErrorKind {
    Unauthorized,
    TooManyRequests,
    ResourceNotFound,
    InvalidRequest,
    /// Real AWS answers GetRoleCredentials for an account/role the user is not assigned with
    /// `403 ForbiddenException: No access` (not in the service model; see the emulator README).
    Forbidden,
    /// Injected 5xx fault; not in the portal model, so clients treat it as a generic retryable server error.
    InternalServer,
}

impl PortalErrorKind {
    pub(crate) fn exception(self) -> &'static str {
        match self {
            Self::Unauthorized => "UnauthorizedException",
            Self::TooManyRequests => "TooManyRequestsException",
            Self::ResourceNotFound => "ResourceNotFoundException",
            Self::InvalidRequest => "InvalidRequestException",
            Self::Forbidden => "ForbiddenException",
            Self::InternalServer => "InternalServerException",
        }
    }

    /// protocol.md §5: Unauthorized 401, TooManyRequests 429, ResourceNotFound 404, InvalidRequest 400.
    pub(crate) fn status(self) -> StatusCode {
        match self {
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Self::ResourceNotFound => StatusCode::NOT_FOUND,
            Self::InvalidRequest => StatusCode::BAD_REQUEST,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::InternalServer => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// An SSO portal error response: `{"message": ...}` (protocol.md §5 "the body has only `message`").
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PortalError {
    pub(crate) kind: PortalErrorKind,
    pub(crate) message: String,
}

impl PortalError {
    pub(crate) fn new(kind: PortalErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// The real AWS message for a missing, unknown, expired or revoked bearer token (protocol.md §5 error table).
    pub(crate) fn unauthorized() -> Self {
        Self::new(PortalErrorKind::Unauthorized, "Session token not found or invalid")
    }
}

impl IntoResponse for PortalError {
    fn into_response(self) -> Response {
        let body = json!({"message": self.message});
        error_response(self.kind.status(), self.kind.exception(), PORTAL_NAMESPACE, &body)
    }
}

fn error_response(status: StatusCode, exception: &str, namespace: &str, body: &serde_json::Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(value) = HeaderValue::from_str(&format!("{exception}:{namespace}")) {
        headers.insert(ERROR_TYPE_HEADER, value);
    }
    response
}

/// The exception name of an `x-amzn-ErrorType` value: drop anything after `:` (protocol.md §3.2).
pub(crate) fn error_type_name(header_value: &str) -> &str {
    header_value.split(':').next().unwrap_or(header_value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oidc_error_has_suffixed_header_and_oauth_body() {
        let response = OidcError::new(OidcErrorKind::AuthorizationPending, "pending").into_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let header = response.headers()[ERROR_TYPE_HEADER].to_str().unwrap();
        assert_eq!(
            header,
            "AuthorizationPendingException:http://internal.amazon.com/coral/com.amazonaws.ssooidc/"
        );
        assert_eq!(error_type_name(header), "AuthorizationPendingException");
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
    }

    #[test]
    fn statuses_follow_the_tables() {
        assert_eq!(OidcErrorKind::InvalidClient.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            OidcErrorKind::InternalServer.status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
        assert_eq!(OidcErrorKind::InternalServer.code(), "server_error");
        assert_eq!(OidcErrorKind::SlowDown.status(), StatusCode::BAD_REQUEST);
        assert_eq!(PortalErrorKind::Unauthorized.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(PortalErrorKind::TooManyRequests.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(PortalErrorKind::ResourceNotFound.status(), StatusCode::NOT_FOUND);
    }
}
