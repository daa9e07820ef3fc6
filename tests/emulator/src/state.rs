//! The emulator's state and its state machines, free of HTTP so they can be unit tested with an explicit clock.
//!
//! Every operation takes `now` in epoch milliseconds. The HTTP layer (`oidc`, `portal`, `pages`, `admin`) only parses
//! requests, calls into [`Emulator`] under one lock, and renders the result.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::time::Instant;

use rand::RngExt as _;
use serde::{Deserialize, Serialize};

use crate::errors::{OidcError, OidcErrorKind, PortalError, PortalErrorKind};
use crate::fixtures::{Account, Fixtures, Listing, Role, page};
use crate::pkce;

/// `grantType` values (protocol.md §3).
pub(crate) const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
pub(crate) const REFRESH_TOKEN_GRANT: &str = "refresh_token";
pub(crate) const AUTHORIZATION_CODE_GRANT: &str = "authorization_code";
const KNOWN_GRANTS: [&str; 3] = [DEVICE_CODE_GRANT, REFRESH_TOKEN_GRANT, AUTHORIZATION_CODE_GRANT];

/// How long an authorization code from `/authorize` may be redeemed.
const AUTHORIZATION_CODE_TTL_MS: u64 = 600_000;

const TOKEN_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/// RFC 8628 §6.1's suggested user-code alphabet: consonants only, so codes spell no words and are hard to misread.
const USER_CODE_ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";

fn random_string(len: usize, alphabet: &[u8]) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
        .collect()
}

/// Settings that can change at run time (`POST /_admin/config`); the flags set their start values.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "independent switches, serialised as they are for /_admin/config"
)]
pub(crate) struct Config {
    /// Approve device authorizations at once and let `/authorize` redirect without a consent page.
    pub(crate) auto_approve: bool,
    /// `expiresIn` of access tokens for clients registered with scopes and for refresh/auth-code grants
    /// (protocol.md §1.6 "Token lifetimes seen on real AWS": about 1 h).
    pub(crate) access_token_ttl: u64,
    /// `expiresIn` for legacy registrations without scopes (8 h, protocol.md §1.6 and §10).
    pub(crate) legacy_access_token_ttl: u64,
    /// Lifetime of role credentials from GetRoleCredentials, in seconds.
    pub(crate) role_credentials_ttl: u64,
    /// `clientSecretExpiresAt - clientIdIssuedAt`, in seconds (90 days by default).
    pub(crate) client_secret_ttl: u64,
    /// `expiresIn` of device authorizations, in seconds.
    pub(crate) device_expires_in: u64,
    /// `interval` of device authorizations, in seconds; polling faster gets `SlowDownException`.
    pub(crate) device_interval: u64,
    /// A refresh token works once; a refresh returns a new one (protocol.md §10 "rotatable and single-use").
    pub(crate) refresh_single_use: bool,
    /// Refresh responses carry a new `refreshToken`. When off they carry none, and the old one stays valid, so a
    /// client must keep it (protocol.md §10 writer rule 2).
    pub(crate) rotate_refresh_tokens: bool,
    /// Page size of ListAccounts / ListAccountRoles when the request has no `max_result`.
    pub(crate) default_page_size: usize,
    /// Answer every Nth portal request with 429 `TooManyRequestsException` (0 = never).
    pub(crate) throttle_every: u64,
    /// Serve at most this many portal requests a second, as a token bucket of `rate_burst` tokens (0 = no limit);
    /// a request that finds it empty gets 429 `TooManyRequestsException`, as a real portal's throttling does.
    pub(crate) rate_limit: f64,
    /// The bucket's size (the most requests served at once after a pause); 0 means `rate_limit`, one second's worth.
    pub(crate) rate_burst: f64,
    /// Probability (0.0–1.0) that an OIDC or portal API request gets a 500 `InternalServerException`.
    pub(crate) error_rate: f64,
    /// Answer every Nth OIDC or portal API request with a 500 (0 = never); the deterministic twin of `error_rate`.
    pub(crate) error_every: u64,
    /// Delay added before every non-admin request, in milliseconds.
    pub(crate) latency_ms: u64,
    /// Deny every authorization: device polls get `AccessDeniedException`, `/authorize` redirects with
    /// `error=access_denied`.
    pub(crate) deny_all: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            auto_approve: false,
            access_token_ttl: 3600,
            legacy_access_token_ttl: 28_800,
            role_credentials_ttl: 3600,
            client_secret_ttl: 90 * 24 * 3600,
            device_expires_in: 600,
            device_interval: 1,
            refresh_single_use: true,
            rotate_refresh_tokens: true,
            default_page_size: 20,
            throttle_every: 0,
            rate_limit: 0.0,
            rate_burst: 0.0,
            error_rate: 0.0,
            error_every: 0,
            latency_ms: 0,
            deny_all: false,
        }
    }
}

/// A partial [`Config`] from `POST /_admin/config`; unknown keys are an error so typos don't pass silently.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConfigPatch {
    auto_approve: Option<bool>,
    access_token_ttl: Option<u64>,
    legacy_access_token_ttl: Option<u64>,
    role_credentials_ttl: Option<u64>,
    client_secret_ttl: Option<u64>,
    device_expires_in: Option<u64>,
    device_interval: Option<u64>,
    refresh_single_use: Option<bool>,
    rotate_refresh_tokens: Option<bool>,
    default_page_size: Option<usize>,
    throttle_every: Option<u64>,
    rate_limit: Option<f64>,
    rate_burst: Option<f64>,
    error_rate: Option<f64>,
    error_every: Option<u64>,
    latency_ms: Option<u64>,
    deny_all: Option<bool>,
    /// One-shot action rather than a setting: revoke every access and refresh token issued so far.
    pub(crate) revoke_all_tokens: Option<bool>,
}

impl Config {
    /// Checks that the settings are usable; the flags and `/_admin/config` both go through this.
    pub(crate) fn validate(&self) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.error_rate) {
            return Err(format!("error_rate must be between 0 and 1, not {}", self.error_rate));
        }
        for (name, value) in [("rate_limit", self.rate_limit), ("rate_burst", self.rate_burst)] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(format!("{name} must be a number of requests, 0 or more, not {value}"));
            }
        }
        if !(1..=100).contains(&self.default_page_size) {
            return Err(format!(
                "default_page_size must be between 1 and 100, not {}",
                self.default_page_size
            ));
        }
        Ok(())
    }

    fn apply(&mut self, patch: &ConfigPatch) -> Result<(), String> {
        let mut next = self.clone();
        macro_rules! set {
            ($($field:ident),*) => { $(if let Some(value) = patch.$field { next.$field = value; })* };
        }
        set!(
            auto_approve,
            access_token_ttl,
            legacy_access_token_ttl,
            role_credentials_ttl,
            client_secret_ttl,
            device_expires_in,
            device_interval,
            refresh_single_use,
            rotate_refresh_tokens,
            default_page_size,
            throttle_every,
            rate_limit,
            rate_burst,
            error_rate,
            error_every,
            latency_ms,
            deny_all
        );
        next.validate()?;
        *self = next;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Request and response shapes (protocol.md §3 table and §3.1 wire samples). Bodies are parsed with serde_json into
// these structs, so member order, separators and whitespace don't matter (protocol.md §3: "The server must parse
// generically"), and unknown members are ignored.

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RegisterClientRequest {
    pub(crate) client_name: Option<String>,
    pub(crate) client_type: Option<String>,
    pub(crate) scopes: Option<Vec<String>>,
    pub(crate) redirect_uris: Option<Vec<String>>,
    pub(crate) grant_types: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[allow(clippy::struct_field_names, reason = "the wire member names")]
pub(crate) struct RegisterClientResponse {
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
    /// Epoch seconds (protocol.md §3 table).
    pub(crate) client_id_issued_at: u64,
    /// Epoch seconds; clients store it as `registrationExpiresAt` (protocol.md §1.2, §2).
    pub(crate) client_secret_expires_at: u64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StartDeviceAuthorizationRequest {
    pub(crate) client_id: Option<String>,
    pub(crate) client_secret: Option<String>,
    pub(crate) start_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeviceAuthorizationResponse {
    pub(crate) device_code: String,
    pub(crate) user_code: String,
    pub(crate) verification_uri: String,
    pub(crate) verification_uri_complete: String,
    pub(crate) expires_in: u64,
    pub(crate) interval: u64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreateTokenRequest {
    pub(crate) client_id: Option<String>,
    pub(crate) client_secret: Option<String>,
    pub(crate) grant_type: Option<String>,
    pub(crate) device_code: Option<String>,
    pub(crate) code: Option<String>,
    pub(crate) refresh_token: Option<String>,
    pub(crate) redirect_uri: Option<String>,
    pub(crate) code_verifier: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TokenResponse {
    pub(crate) access_token: String,
    pub(crate) token_type: &'static str,
    pub(crate) expires_in: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) refresh_token: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RoleCredentials {
    pub(crate) access_key_id: String,
    pub(crate) secret_access_key: String,
    pub(crate) session_token: String,
    /// Epoch **milliseconds** (protocol.md §5 table).
    pub(crate) expiration: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RoleCredentialsResponse {
    pub(crate) role_credentials: RoleCredentials,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListAccountsResponse {
    /// Left out on the last page (protocol.md §5).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) next_token: Option<String>,
    pub(crate) account_list: Vec<Account>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListAccountRolesResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) next_token: Option<String>,
    pub(crate) role_list: Vec<Role>,
}

// ---------------------------------------------------------------------------------------------------------------
// Stored objects.

#[derive(Debug, Clone)]
struct Client {
    id: String,
    secret: String,
    name: String,
    scopes: Vec<String>,
    grant_types: Vec<String>,
    redirect_uris: Vec<String>,
    /// Epoch seconds.
    secret_expires_at: u64,
}

impl Client {
    /// Which grants a client may use: those it registered, or — when it registered none, as botocore's device flow
    /// does (protocol.md §3.1) — the device-code and refresh-token grants.
    fn allows(&self, grant: &str) -> bool {
        if self.grant_types.is_empty() {
            grant == DEVICE_CODE_GRANT || grant == REFRESH_TOKEN_GRANT
        } else {
            self.grant_types.iter().any(|g| g == grant)
        }
    }
}

/// Where a device authorization is in its life (protocol.md §10 "Device flow states").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum DeviceStatus {
    Pending,
    Approved,
    Denied,
    /// Approved and exchanged for a token; the device code is spent.
    Redeemed,
}

/// One StartDeviceAuthorization and the polls against it.
#[derive(Debug, Clone)]
pub(crate) struct DeviceAuthorization {
    client_id: String,
    user_code: String,
    status: DeviceStatus,
    expires_at_ms: u64,
    interval_ms: u64,
    last_poll_ms: Option<u64>,
}

impl DeviceAuthorization {
    /// One CreateToken poll (protocol.md §3.3 and §10): `Ok` when the token may be issued (the code is then spent),
    /// otherwise the exception to answer with.
    ///
    /// Order: a spent code is `InvalidGrant`; after `expiresIn` it is `ExpiredToken`; a poll sooner than `interval`
    /// after the previous one is `SlowDown` (and counts as a poll, so a client has to back off for real); then
    /// pending is `AuthorizationPending`, denied (or `deny_all`) is `AccessDenied`, and approved succeeds.
    pub(crate) fn poll(&mut self, now_ms: u64, deny_all: bool) -> Result<(), OidcErrorKind> {
        if self.status == DeviceStatus::Redeemed {
            return Err(OidcErrorKind::InvalidGrant);
        }
        if now_ms >= self.expires_at_ms {
            return Err(OidcErrorKind::ExpiredToken);
        }
        let previous = self.last_poll_ms.replace(now_ms);
        if previous.is_some_and(|previous| now_ms < previous.saturating_add(self.interval_ms)) {
            return Err(OidcErrorKind::SlowDown);
        }
        if deny_all && self.status != DeviceStatus::Denied {
            self.status = DeviceStatus::Denied;
        }
        match self.status {
            DeviceStatus::Pending => Err(OidcErrorKind::AuthorizationPending),
            DeviceStatus::Denied => Err(OidcErrorKind::AccessDenied),
            DeviceStatus::Approved => {
                self.status = DeviceStatus::Redeemed;
                Ok(())
            }
            DeviceStatus::Redeemed => Err(OidcErrorKind::InvalidGrant),
        }
    }
}

fn poll_description(kind: OidcErrorKind) -> &'static str {
    match kind {
        OidcErrorKind::AuthorizationPending => "Authorization is still pending",
        OidcErrorKind::SlowDown => "Client is polling faster than the interval",
        OidcErrorKind::ExpiredToken => "Device code has expired",
        OidcErrorKind::AccessDenied => "Authorization was denied",
        _ => "Device code has already been used",
    }
}

/// A validated `/authorize` request, waiting for consent or turned into a code.
#[derive(Debug, Clone)]
struct AuthorizeRequest {
    client_id: String,
    redirect_uri: String,
    state: Option<String>,
    challenge: String,
}

#[derive(Debug, Clone)]
struct AuthorizationCode {
    request: AuthorizeRequest,
    expires_at_ms: u64,
    used: bool,
}

#[derive(Debug, Clone)]
struct AccessToken {
    session: u64,
    expires_at_ms: u64,
    revoked: bool,
}

#[derive(Debug, Clone)]
struct RefreshToken {
    client_id: String,
    session: u64,
    used: bool,
    revoked: bool,
}

/// What `GET /authorize` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AuthorizeOutcome {
    /// The client or redirect URI is bad: show an error, never redirect (RFC 6749 §4.1.2.1).
    Invalid(OidcError),
    /// 302 to this location (`redirect_uri?code=..&state=..` or `?error=..&state=..`).
    Redirect(String),
    /// Show the consent page for this pending request.
    Consent {
        request_id: String,
        client_name: String,
        scopes: Vec<String>,
    },
}

/// Counters per operation (`GET /_admin/stats`). Operation counters count successes; `requests` counts every request
/// by `METHOD path`, whatever its outcome.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Stats {
    pub(crate) requests: BTreeMap<String, u64>,
    pub(crate) client_registrations: u64,
    pub(crate) device_authorizations: u64,
    pub(crate) device_code_grants: u64,
    pub(crate) authorization_code_grants: u64,
    pub(crate) refresh_grants: u64,
    /// Authorization codes issued by `/authorize`.
    pub(crate) authorizations: u64,
    pub(crate) get_role_credentials: u64,
    pub(crate) list_accounts: u64,
    pub(crate) list_account_roles: u64,
    pub(crate) logouts: u64,
    /// Successful STS AssumeRole and GetCallerIdentity calls (`crate::sts`).
    pub(crate) assume_role: u64,
    pub(crate) get_caller_identity: u64,
    /// Portal requests answered 429, by `throttle_every` or by the `rate_limit` bucket.
    pub(crate) throttled: u64,
    /// Of those, the ones the `rate_limit` bucket refused.
    pub(crate) rate_limited: u64,
    /// Portal requests answered, whatever the outcome (the denominator of a 429 fraction).
    pub(crate) portal_requests: u64,
    pub(crate) injected_errors: u64,
    /// The most non-admin requests that were being served at once (latency included), so a test can see how
    /// much concurrency a client really used.
    pub(crate) max_in_flight: u64,
    /// `(account_id, role_name, AccessKeyId)` of every GetRoleCredentials answer, oldest first: a key id is not a
    /// secret, and it lets a test check which credentials a client (boto3, awsso) really ended up with.
    pub(crate) issued_credentials: Vec<(String, String, String)>,
}

/// One request in `GET /_admin/log`. It never holds secrets: no bodies, no tokens; only the `grantType` of `/token`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct LogEntry {
    pub(crate) seq: u64,
    pub(crate) time_ms: u64,
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: Option<String>,
    pub(crate) status: u16,
    /// The `x-amzn-ErrorType` name sent (without the `:http://...` suffix), if any.
    pub(crate) error_type: Option<String>,
    pub(crate) grant_type: Option<String>,
}

/// Which faults a route can get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RouteClass {
    Oidc,
    Portal,
    /// The HTML pages (`/device`, `/authorize`): latency only.
    Browser,
    Admin,
}

impl RouteClass {
    pub(crate) fn of(path: &str) -> Self {
        match path {
            "/client/register" | "/device_authorization" | "/token" => Self::Oidc,
            "/federation/credentials" | "/assignment/accounts" | "/assignment/roles" | "/logout" => Self::Portal,
            _ if path == "/_admin" || path.starts_with("/_admin/") => Self::Admin,
            _ => Self::Browser,
        }
    }
}

/// An injected fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    InternalError,
    Throttle,
}

/// The whole emulator state.
pub(crate) struct Emulator {
    pub(crate) config: Config,
    base_url: String,
    fixtures: Fixtures,
    clients: HashMap<String, Client>,
    /// By device code.
    devices: HashMap<String, DeviceAuthorization>,
    /// Interactive `/authorize` requests waiting for Allow/Deny, by request id.
    consents: HashMap<String, AuthorizeRequest>,
    codes: HashMap<String, AuthorizationCode>,
    access_tokens: HashMap<String, AccessToken>,
    refresh_tokens: HashMap<String, RefreshToken>,
    /// A session is one login; refreshes stay in it and Logout ends it.
    next_session: u64,
    pub(crate) stats: Stats,
    /// The emulated STS: issued keys, IAM users, role rules, calls.
    pub(crate) sts: crate::sts::Sts,
    /// The console sign-in endpoint: tokens, console sessions, calls.
    pub(crate) signin: crate::signin::Signin,
    log: Vec<LogEntry>,
    next_seq: u64,
    api_requests: u64,
    portal_requests: u64,
    /// Non-admin requests being served right now (see `Stats::max_in_flight`).
    in_flight: u64,
    /// The `rate_limit` bucket: tokens left and when it was last filled (`None`: full).
    bucket: Option<(f64, Instant)>,
}

fn required(value: Option<String>, member: &str) -> Result<String, OidcError> {
    value.filter(|v| !v.is_empty()).ok_or_else(|| {
        OidcError::new(
            OidcErrorKind::InvalidRequest,
            format!("1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"),
        )
    })
}

/// Percent-encodes a query component: everything but RFC 3986 unreserved characters.
fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// `base?k=v&...` (or `base&k=v` when it has a query already), leaving out absent values.
fn with_query(base: &str, params: &[(&str, Option<&str>)]) -> String {
    let mut out = base.to_owned();
    let mut separator = if base.contains('?') { '&' } else { '?' };
    for (key, value) in params {
        if let Some(value) = value {
            out.push(separator);
            out.push_str(key);
            out.push('=');
            out.push_str(&percent_encode(value));
            separator = '&';
        }
    }
    out
}

/// `ABCD-EFGH`, whatever the case, spacing or dash the user typed.
fn normalize_user_code(code: &str) -> String {
    let letters: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if letters.len() == 8 {
        format!("{}-{}", &letters[..4], &letters[4..])
    } else {
        letters
    }
}

impl Emulator {
    pub(crate) fn new(config: Config, base_url: String, fixtures: Fixtures) -> Self {
        Self {
            config,
            base_url,
            fixtures,
            clients: HashMap::new(),
            devices: HashMap::new(),
            consents: HashMap::new(),
            codes: HashMap::new(),
            access_tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            next_session: 1,
            stats: Stats::default(),
            sts: crate::sts::Sts::default(),
            signin: crate::signin::Signin::default(),
            log: Vec::new(),
            next_seq: 1,
            api_requests: 0,
            portal_requests: 0,
            in_flight: 0,
            bucket: None,
        }
    }

    // --- SSO OIDC ------------------------------------------------------------------------------------------------

    /// RegisterClient (`POST /client/register`, protocol.md §3 and §3.1).
    pub(crate) fn register_client(
        &mut self,
        request: RegisterClientRequest,
        now_ms: u64,
    ) -> Result<RegisterClientResponse, OidcError> {
        let name = required(request.client_name, "clientName")?;
        let client_type = required(request.client_type, "clientType")?;
        if client_type != "public" {
            return Err(OidcError::new(
                OidcErrorKind::InvalidClientMetadata,
                "Invalid client type: must be public",
            ));
        }
        let grant_types = request.grant_types.unwrap_or_default();
        if let Some(grant) = grant_types.iter().find(|g| !KNOWN_GRANTS.contains(&g.as_str())) {
            return Err(OidcError::new(
                OidcErrorKind::UnsupportedGrantType,
                format!("Unsupported grant type: {grant}"),
            ));
        }
        let redirect_uris = request.redirect_uris.unwrap_or_default();
        for uri in &redirect_uris {
            if !pkce::parse_uri(uri).is_some_and(|u| u.scheme == "http" || u.scheme == "https") {
                return Err(OidcError::new(
                    OidcErrorKind::InvalidRedirectUri,
                    format!("Invalid redirect URI: {uri}"),
                ));
            }
        }
        if grant_types.iter().any(|g| g == AUTHORIZATION_CODE_GRANT) && redirect_uris.is_empty() {
            return Err(OidcError::new(
                OidcErrorKind::InvalidRedirectUri,
                "redirectUris are required for the authorization_code grant",
            ));
        }
        let scopes = request.scopes.unwrap_or_default();
        if let Some(scope) = scopes.iter().find(|s| s.is_empty() || s.contains(char::is_whitespace)) {
            return Err(OidcError::new(
                OidcErrorKind::InvalidScope,
                format!("Invalid scope: {scope:?}"),
            ));
        }
        let issued_at = now_ms / 1000;
        let client = Client {
            id: random_string(22, TOKEN_ALPHABET),
            secret: random_string(120, TOKEN_ALPHABET),
            name,
            scopes,
            grant_types,
            redirect_uris,
            secret_expires_at: issued_at + self.config.client_secret_ttl,
        };
        let response = RegisterClientResponse {
            client_id: client.id.clone(),
            client_secret: client.secret.clone(),
            client_id_issued_at: issued_at,
            client_secret_expires_at: client.secret_expires_at,
        };
        self.clients.insert(client.id.clone(), client);
        self.stats.client_registrations += 1;
        Ok(response)
    }

    /// `clientId` + `clientSecret` of a live registration, else 401 `InvalidClientException` (protocol.md §3.2).
    fn authenticate(&self, id: Option<String>, secret: Option<String>, now_ms: u64) -> Result<Client, OidcError> {
        let id = required(id, "clientId")?;
        let secret = required(secret, "clientSecret")?;
        match self.clients.get(&id) {
            Some(client) if client.secret == secret && now_ms / 1000 < client.secret_expires_at => Ok(client.clone()),
            Some(client) if client.secret == secret => Err(OidcError::new(
                OidcErrorKind::InvalidClient,
                "Client registration has expired",
            )),
            _ => Err(OidcError::new(
                OidcErrorKind::InvalidClient,
                "Invalid client credentials",
            )),
        }
    }

    /// StartDeviceAuthorization (`POST /device_authorization`). The verification URIs point at the emulator's own
    /// `/device` page, so a person (or a test) can approve there; clients only print and open them (protocol.md §3.1).
    pub(crate) fn start_device_authorization(
        &mut self,
        request: StartDeviceAuthorizationRequest,
        now_ms: u64,
    ) -> Result<DeviceAuthorizationResponse, OidcError> {
        let client = self.authenticate(request.client_id, request.client_secret, now_ms)?;
        required(request.start_url, "startUrl")?;
        if !client.allows(DEVICE_CODE_GRANT) {
            return Err(OidcError::new(
                OidcErrorKind::UnauthorizedClient,
                "Client is not registered for the device_code grant",
            ));
        }
        let device_code = random_string(64, TOKEN_ALPHABET);
        let user_code = loop {
            let code = normalize_user_code(&random_string(8, USER_CODE_ALPHABET));
            if !self.devices.values().any(|d| d.user_code == code) {
                break code;
            }
        };
        let status = if self.config.auto_approve {
            DeviceStatus::Approved
        } else {
            DeviceStatus::Pending
        };
        self.devices.insert(
            device_code.clone(),
            DeviceAuthorization {
                client_id: client.id,
                user_code: user_code.clone(),
                status,
                expires_at_ms: now_ms + self.config.device_expires_in * 1000,
                interval_ms: self.config.device_interval * 1000,
                last_poll_ms: None,
            },
        );
        self.stats.device_authorizations += 1;
        Ok(DeviceAuthorizationResponse {
            device_code,
            verification_uri: format!("{}/device", self.base_url),
            verification_uri_complete: format!("{}/device?user_code={user_code}", self.base_url),
            user_code,
            expires_in: self.config.device_expires_in,
            interval: self.config.device_interval,
        })
    }

    /// CreateToken (`POST /token`) for the three grants of protocol.md §3.
    pub(crate) fn create_token(
        &mut self,
        request: CreateTokenRequest,
        now_ms: u64,
    ) -> Result<TokenResponse, OidcError> {
        let client = self.authenticate(request.client_id, request.client_secret, now_ms)?;
        let grant = required(request.grant_type, "grantType")?;
        if !KNOWN_GRANTS.contains(&grant.as_str()) {
            return Err(OidcError::new(
                OidcErrorKind::UnsupportedGrantType,
                format!("Unsupported grant type: {grant}"),
            ));
        }
        if !client.allows(&grant) {
            return Err(OidcError::new(
                OidcErrorKind::UnauthorizedClient,
                format!("Client is not registered for the {grant} grant"),
            ));
        }
        match grant.as_str() {
            DEVICE_CODE_GRANT => {
                let device_code = required(request.device_code, "deviceCode")?;
                let deny_all = self.config.deny_all;
                let device = self
                    .devices
                    .get_mut(&device_code)
                    .filter(|d| d.client_id == client.id)
                    .ok_or_else(|| OidcError::new(OidcErrorKind::InvalidGrant, "Invalid device code provided"))?;
                device
                    .poll(now_ms, deny_all)
                    .map_err(|kind| OidcError::new(kind, poll_description(kind)))?;
                // protocol.md §10: a refresh token only for clients registered with scopes; legacy registrations get
                // the fixed 8-hour token (§1.6).
                let refreshable = !client.scopes.is_empty();
                let ttl = if refreshable {
                    self.config.access_token_ttl
                } else {
                    self.config.legacy_access_token_ttl
                };
                let session = self.new_session();
                self.stats.device_code_grants += 1;
                Ok(self.issue_tokens(&client.id, session, ttl, refreshable, now_ms))
            }
            REFRESH_TOKEN_GRANT => {
                let token = required(request.refresh_token, "refreshToken")?;
                let (single_use, rotate) = (self.config.refresh_single_use, self.config.rotate_refresh_tokens);
                let refresh = self
                    .refresh_tokens
                    .get_mut(&token)
                    .filter(|r| r.client_id == client.id && !r.used && !r.revoked)
                    .ok_or_else(|| OidcError::new(OidcErrorKind::InvalidGrant, "Invalid refresh token provided"))?;
                // Rotation + single use (protocol.md §10). Without rotation the response has no refreshToken and the
                // old one must keep working, so it is not spent.
                if single_use && rotate {
                    refresh.used = true;
                }
                let session = refresh.session;
                self.stats.refresh_grants += 1;
                Ok(self.issue_tokens(&client.id, session, self.config.access_token_ttl, rotate, now_ms))
            }
            _ => {
                let code = required(request.code, "code")?;
                let entry = self.codes.get_mut(&code).ok_or_else(|| {
                    OidcError::new(OidcErrorKind::InvalidGrant, "Invalid authorization code provided")
                })?;
                if entry.used {
                    return Err(OidcError::new(
                        OidcErrorKind::InvalidGrant,
                        "Authorization code has already been used",
                    ));
                }
                // Codes are single-use (protocol.md §4): any redemption attempt spends it, even a failed one.
                entry.used = true;
                let request_was = &entry.request;
                if request_was.client_id != client.id {
                    return Err(OidcError::new(
                        OidcErrorKind::InvalidGrant,
                        "Authorization code was issued to another client",
                    ));
                }
                // protocol.md §4: the CLI maps ExpiredTokenException from this exchange to PendingAuthorizationExpiredError.
                if now_ms >= entry.expires_at_ms {
                    return Err(OidcError::new(
                        OidcErrorKind::ExpiredToken,
                        "Authorization code has expired",
                    ));
                }
                // protocol.md §4: "`redirectUri` equals the authorize one".
                if request.redirect_uri.as_deref() != Some(request_was.redirect_uri.as_str()) {
                    return Err(OidcError::new(
                        OidcErrorKind::InvalidGrant,
                        "redirectUri does not match the authorization request",
                    ));
                }
                // protocol.md §4: "check `base64url_nopad(sha256(codeVerifier)) == code_challenge`".
                if !request
                    .code_verifier
                    .is_some_and(|v| pkce::verifier_matches(&v, &request_was.challenge))
                {
                    return Err(OidcError::new(
                        OidcErrorKind::InvalidGrant,
                        "Code verifier does not match the challenge",
                    ));
                }
                let session = self.new_session();
                self.stats.authorization_code_grants += 1;
                Ok(self.issue_tokens(&client.id, session, self.config.access_token_ttl, true, now_ms))
            }
        }
    }

    fn new_session(&mut self) -> u64 {
        let session = self.next_session;
        self.next_session += 1;
        session
    }

    fn issue_tokens(
        &mut self,
        client_id: &str,
        session: u64,
        ttl_s: u64,
        with_refresh: bool,
        now_ms: u64,
    ) -> TokenResponse {
        let access_token = format!("aoa{}", random_string(120, TOKEN_ALPHABET));
        self.access_tokens.insert(
            access_token.clone(),
            AccessToken {
                session,
                expires_at_ms: now_ms + ttl_s * 1000,
                revoked: false,
            },
        );
        let refresh_token = with_refresh.then(|| {
            let token = format!("aor{}", random_string(120, TOKEN_ALPHABET));
            self.refresh_tokens.insert(
                token.clone(),
                RefreshToken {
                    client_id: client_id.to_owned(),
                    session,
                    used: false,
                    revoked: false,
                },
            );
            token
        });
        TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in: ttl_s,
            refresh_token,
        }
    }

    /// `GET /authorize` (protocol.md §4, "Emulator `/authorize` behaviour to model"): validate `client_id`, match
    /// `redirect_uri` against a registered one ignoring the loopback port, require `code_challenge_method=S256`, then
    /// redirect with a code (auto-approve) or ask for consent.
    pub(crate) fn authorize(&mut self, params: &HashMap<String, String>, now_ms: u64) -> AuthorizeOutcome {
        let param = |name: &str| params.get(name).map(String::as_str).filter(|v| !v.is_empty());
        let Some(client) = param("client_id").and_then(|id| self.clients.get(id)).cloned() else {
            return AuthorizeOutcome::Invalid(OidcError::new(OidcErrorKind::InvalidClient, "Unknown client_id"));
        };
        if now_ms / 1000 >= client.secret_expires_at {
            return AuthorizeOutcome::Invalid(OidcError::new(
                OidcErrorKind::InvalidClient,
                "Client registration has expired",
            ));
        }
        let Some(redirect_uri) = param("redirect_uri") else {
            return AuthorizeOutcome::Invalid(OidcError::new(
                OidcErrorKind::InvalidRedirectUri,
                "redirect_uri is required",
            ));
        };
        if !client
            .redirect_uris
            .iter()
            .any(|registered| pkce::redirect_matches(registered, redirect_uri))
        {
            return AuthorizeOutcome::Invalid(OidcError::new(
                OidcErrorKind::InvalidRedirectUri,
                "redirect_uri does not match a registered redirect URI",
            ));
        }
        let state = param("state");
        let error = |code: &str| {
            AuthorizeOutcome::Redirect(with_query(redirect_uri, &[("error", Some(code)), ("state", state)]))
        };
        if param("response_type") != Some("code") {
            return error("unsupported_response_type");
        }
        if !client.allows(AUTHORIZATION_CODE_GRANT) {
            return error("unauthorized_client");
        }
        if param("code_challenge_method") != Some("S256") {
            return error("invalid_request");
        }
        let Some(challenge) = param("code_challenge").filter(|c| pkce::is_valid_verifier(c)) else {
            return error("invalid_request");
        };
        // `scopes` is space-separated (protocol.md §4 authorize URL); it must be within the registered scopes.
        let scopes: Vec<String> = match param("scopes") {
            Some(scopes) => scopes.split_whitespace().map(str::to_owned).collect(),
            None => client.scopes.clone(),
        };
        if scopes.iter().any(|s| !client.scopes.contains(s)) {
            return error("invalid_scope");
        }
        if self.config.deny_all {
            return error("access_denied");
        }
        let request = AuthorizeRequest {
            client_id: client.id,
            redirect_uri: redirect_uri.to_owned(),
            state: state.map(str::to_owned),
            challenge: challenge.to_owned(),
        };
        if self.config.auto_approve {
            return AuthorizeOutcome::Redirect(self.grant_code(request, now_ms));
        }
        let request_id = random_string(32, TOKEN_ALPHABET);
        self.consents.insert(request_id.clone(), request);
        AuthorizeOutcome::Consent {
            request_id,
            client_name: client.name,
            scopes,
        }
    }

    /// Allow or Deny on the `/authorize` consent page: the location to redirect to, or `None` for an unknown request.
    pub(crate) fn decide_consent(&mut self, request_id: &str, allow: bool, now_ms: u64) -> Option<String> {
        let request = self.consents.remove(request_id)?;
        Some(if allow && !self.config.deny_all {
            self.grant_code(request, now_ms)
        } else {
            with_query(
                &request.redirect_uri,
                &[("error", Some("access_denied")), ("state", request.state.as_deref())],
            )
        })
    }

    fn grant_code(&mut self, request: AuthorizeRequest, now_ms: u64) -> String {
        let code = random_string(48, TOKEN_ALPHABET);
        let location = with_query(
            &request.redirect_uri,
            &[("code", Some(&code)), ("state", request.state.as_deref())],
        );
        self.codes.insert(
            code,
            AuthorizationCode {
                request,
                expires_at_ms: now_ms + AUTHORIZATION_CODE_TTL_MS,
                used: false,
            },
        );
        self.stats.authorizations += 1;
        location
    }

    /// The client name and status of a live device authorization, for the `/device` page.
    pub(crate) fn device_info(&self, user_code: &str, now_ms: u64) -> Option<(String, DeviceStatus)> {
        let user_code = normalize_user_code(user_code);
        let device = self
            .devices
            .values()
            .find(|d| d.user_code == user_code && now_ms < d.expires_at_ms)?;
        let name = self
            .clients
            .get(&device.client_id)
            .map_or_else(String::new, |c| c.name.clone());
        Some((name, device.status))
    }

    /// Approve or deny pending device authorizations: the one with `user_code`, or every pending one when `None`.
    /// Returns the user codes that changed.
    pub(crate) fn decide_device(&mut self, user_code: Option<&str>, allow: bool, now_ms: u64) -> Vec<String> {
        let user_code = user_code.map(normalize_user_code);
        let mut changed: Vec<String> = self
            .devices
            .values_mut()
            .filter(|d| d.status == DeviceStatus::Pending && now_ms < d.expires_at_ms)
            .filter(|d| user_code.as_ref().is_none_or(|code| *code == d.user_code))
            .map(|d| {
                d.status = if allow {
                    DeviceStatus::Approved
                } else {
                    DeviceStatus::Denied
                };
                d.user_code.clone()
            })
            .collect();
        changed.sort();
        changed
    }

    // --- SSO portal ----------------------------------------------------------------------------------------------

    /// The `x-amz-sso_bearer_token` check: unknown, expired or revoked tokens get 401 `UnauthorizedException`
    /// (protocol.md §5 and §10; Rust sends expired tokens after a failed refresh, §1.6).
    fn authorize_bearer(&self, token: Option<&str>, now_ms: u64) -> Result<&AccessToken, PortalError> {
        token
            .and_then(|t| self.access_tokens.get(t))
            .filter(|t| !t.revoked && now_ms < t.expires_at_ms)
            .ok_or_else(PortalError::unauthorized)
    }

    fn require_param<'a>(value: Option<&'a str>, name: &str) -> Result<&'a str, PortalError> {
        value.filter(|v| !v.is_empty()).ok_or_else(|| {
            PortalError::new(
                PortalErrorKind::InvalidRequest,
                format!("Missing required parameter: {name}"),
            )
        })
    }

    /// GetRoleCredentials (`GET /federation/credentials`); `expiration` is epoch milliseconds (protocol.md §5).
    pub(crate) fn get_role_credentials(
        &mut self,
        token: Option<&str>,
        account_id: Option<&str>,
        role_name: Option<&str>,
        now_ms: u64,
    ) -> Result<RoleCredentialsResponse, PortalError> {
        self.authorize_bearer(token, now_ms)?;
        let account_id = Self::require_param(account_id, "account_id")?;
        let role_name = Self::require_param(role_name, "role_name")?;
        if !self.fixtures.is_assigned(account_id, role_name) {
            return Err(PortalError::new(PortalErrorKind::Forbidden, "No access"));
        }
        self.stats.get_role_credentials += 1;
        let credentials = RoleCredentials {
            access_key_id: format!("ASIA{}", random_string(16, UPPER_ALNUM)),
            secret_access_key: random_string(40, TOKEN_ALPHABET),
            session_token: random_string(356, TOKEN_ALPHABET),
            expiration: now_ms + self.config.role_credentials_ttl * 1000,
        };
        self.stats.issued_credentials.push((
            account_id.to_owned(),
            role_name.to_owned(),
            credentials.access_key_id.clone(),
        ));
        // STS accepts them as an SSO role session (protocol.md §12.3).
        self.sts.register_sso_credentials(
            &credentials.access_key_id,
            &credentials.secret_access_key,
            &credentials.session_token,
            credentials.expiration,
            account_id,
            role_name,
        );
        Ok(RoleCredentialsResponse {
            role_credentials: credentials,
        })
    }

    /// ListAccounts (`GET /assignment/accounts`) with `next_token` / `max_result` paging (protocol.md §5).
    pub(crate) fn list_accounts(
        &mut self,
        token: Option<&str>,
        next_token: Option<&str>,
        max_result: Option<&str>,
        now_ms: u64,
    ) -> Result<ListAccountsResponse, PortalError> {
        self.authorize_bearer(token, now_ms)?;
        let (account_list, next_token) = page(
            self.fixtures.accounts(),
            &Listing::Accounts,
            next_token,
            max_result,
            self.config.default_page_size,
        )
        .map_err(|e| PortalError::new(PortalErrorKind::InvalidRequest, e.to_string()))?;
        self.stats.list_accounts += 1;
        Ok(ListAccountsResponse {
            next_token,
            account_list,
        })
    }

    /// ListAccountRoles (`GET /assignment/roles`).
    pub(crate) fn list_account_roles(
        &mut self,
        token: Option<&str>,
        account_id: Option<&str>,
        next_token: Option<&str>,
        max_result: Option<&str>,
        now_ms: u64,
    ) -> Result<ListAccountRolesResponse, PortalError> {
        self.authorize_bearer(token, now_ms)?;
        let account_id = Self::require_param(account_id, "account_id")?;
        let roles = self.fixtures.roles(account_id).ok_or_else(|| {
            PortalError::new(
                PortalErrorKind::ResourceNotFound,
                format!("Account {account_id} not found"),
            )
        })?;
        let listing = Listing::Roles { account_id };
        let (role_list, next_token) = page(&roles, &listing, next_token, max_result, self.config.default_page_size)
            .map_err(|e| PortalError::new(PortalErrorKind::InvalidRequest, e.to_string()))?;
        self.stats.list_account_roles += 1;
        Ok(ListAccountRolesResponse { next_token, role_list })
    }

    /// Logout (`POST /logout`): ends the token's session, so its access token and refresh tokens stop working.
    pub(crate) fn logout(&mut self, token: Option<&str>, now_ms: u64) -> Result<(), PortalError> {
        let session = self.authorize_bearer(token, now_ms)?.session;
        for t in self.access_tokens.values_mut().filter(|t| t.session == session) {
            t.revoked = true;
        }
        for r in self.refresh_tokens.values_mut().filter(|r| r.session == session) {
            r.revoked = true;
        }
        self.stats.logouts += 1;
        Ok(())
    }

    // --- Admin ---------------------------------------------------------------------------------------------------

    /// Makes every live access token expired now (refresh tokens keep working, so clients can refresh).
    pub(crate) fn expire_access_tokens(&mut self, now_ms: u64) -> usize {
        let mut count = 0;
        for token in self
            .access_tokens
            .values_mut()
            .filter(|t| !t.revoked && now_ms < t.expires_at_ms)
        {
            token.expires_at_ms = now_ms;
            count += 1;
        }
        count
    }

    /// Revokes every access and refresh token issued so far. Returns how many were live.
    pub(crate) fn revoke_all_tokens(&mut self) -> usize {
        let mut count = 0;
        for token in self.access_tokens.values_mut().filter(|t| !t.revoked) {
            token.revoked = true;
            count += 1;
        }
        for token in self.refresh_tokens.values_mut().filter(|t| !t.revoked) {
            token.revoked = true;
            count += 1;
        }
        count
    }

    pub(crate) fn apply_config(&mut self, patch: &ConfigPatch) -> Result<(), String> {
        let before = (self.config.throttle_every, self.config.error_every);
        let limit = (self.config.rate_limit, self.config.rate_burst);
        self.config.apply(patch)?;
        // A new limit starts with a full bucket.
        if (self.config.rate_limit, self.config.rate_burst) != limit {
            self.bucket = None;
        }
        // Count afresh after a change, so "every Nth request" counts from the change.
        if self.config.throttle_every != before.0 {
            self.portal_requests = 0;
        }
        if self.config.error_every != before.1 {
            self.api_requests = 0;
        }
        if patch.revoke_all_tokens == Some(true) {
            self.revoke_all_tokens();
        }
        Ok(())
    }

    /// Decides whether a request gets an injected fault. `roll` is a uniform random number in `[0, 1)` for
    /// `error_rate`. Only OIDC and portal API routes get errors; only portal routes get throttled.
    pub(crate) fn fault_for(&mut self, class: RouteClass, roll: f64) -> Option<Fault> {
        if !matches!(class, RouteClass::Oidc | RouteClass::Portal) {
            return None;
        }
        self.api_requests += 1;
        if class == RouteClass::Portal {
            self.portal_requests += 1;
        }
        let every = |n: u64, count: u64| n > 0 && count.is_multiple_of(n);
        if every(self.config.error_every, self.api_requests) || roll < self.config.error_rate {
            self.stats.injected_errors += 1;
            return Some(Fault::InternalError);
        }
        if class == RouteClass::Portal && every(self.config.throttle_every, self.portal_requests) {
            self.stats.throttled += 1;
            return Some(Fault::Throttle);
        }
        if class == RouteClass::Portal && !self.take_token(Instant::now()) {
            self.stats.throttled += 1;
            self.stats.rate_limited += 1;
            return Some(Fault::Throttle);
        }
        None
    }

    /// One token from the `rate_limit` bucket at `now`: `rate_limit` tokens a second fill it up to `rate_burst`
    /// (`rate_limit` when 0). Always true without a limit.
    pub(crate) fn take_token(&mut self, now: Instant) -> bool {
        let rate = self.config.rate_limit;
        if rate <= 0.0 {
            return true;
        }
        let burst = if self.config.rate_burst > 0.0 {
            self.config.rate_burst
        } else {
            rate
        };
        let (tokens, filled) = self.bucket.unwrap_or((burst, now));
        let tokens = (tokens + now.saturating_duration_since(filled).as_secs_f64() * rate).min(burst);
        let (left, served) = if tokens >= 1.0 {
            (tokens - 1.0, true)
        } else {
            (tokens, false)
        };
        self.bucket = Some((left, now.max(filled)));
        served
    }

    /// A non-admin request has arrived; `end_request` follows once it is answered.
    pub(crate) fn begin_request(&mut self) {
        self.in_flight += 1;
        self.stats.max_in_flight = self.stats.max_in_flight.max(self.in_flight);
    }

    pub(crate) fn end_request(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
    }

    /// Appends a request to the log and counts it.
    pub(crate) fn record(&mut self, mut entry: LogEntry) -> &LogEntry {
        *self
            .stats
            .requests
            .entry(format!("{} {}", entry.method, entry.path))
            .or_default() += 1;
        if RouteClass::of(&entry.path) == RouteClass::Portal {
            self.stats.portal_requests += 1;
        }
        entry.seq = self.next_seq;
        self.next_seq += 1;
        self.log.push(entry);
        &self.log[self.log.len() - 1]
    }

    pub(crate) fn log(&self) -> &[LogEntry] {
        &self.log
    }

    pub(crate) fn reset_log(&mut self) {
        self.log.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_800_000_000_000;
    const START_URL: &str = "https://d-0000000000.awsapps.com/start";

    fn emulator(config: Config) -> Emulator {
        Emulator::new(config, "http://127.0.0.1:9".into(), Fixtures::new(3, 2))
    }

    fn register(emu: &mut Emulator, scopes: Option<Vec<&str>>) -> RegisterClientResponse {
        emu.register_client(
            RegisterClientRequest {
                client_name: Some("botocore-client-my-sso".into()),
                client_type: Some("public".into()),
                scopes: scopes.map(|s| s.into_iter().map(str::to_owned).collect()),
                ..RegisterClientRequest::default()
            },
            NOW,
        )
        .unwrap()
    }

    fn register_pkce(emu: &mut Emulator) -> RegisterClientResponse {
        emu.register_client(
            RegisterClientRequest {
                client_name: Some("botocore-client-my-sso".into()),
                client_type: Some("public".into()),
                scopes: Some(vec!["sso:account:access".into()]),
                grant_types: Some(vec![AUTHORIZATION_CODE_GRANT.into(), REFRESH_TOKEN_GRANT.into()]),
                redirect_uris: Some(vec!["http://127.0.0.1/oauth/callback".into()]),
            },
            NOW,
        )
        .unwrap()
    }

    fn start(emu: &mut Emulator, client: &RegisterClientResponse, now: u64) -> DeviceAuthorizationResponse {
        emu.start_device_authorization(
            StartDeviceAuthorizationRequest {
                client_id: Some(client.client_id.clone()),
                client_secret: Some(client.client_secret.clone()),
                start_url: Some(START_URL.into()),
            },
            now,
        )
        .unwrap()
    }

    fn token_request(client: &RegisterClientResponse, grant: &str) -> CreateTokenRequest {
        CreateTokenRequest {
            client_id: Some(client.client_id.clone()),
            client_secret: Some(client.client_secret.clone()),
            grant_type: Some(grant.into()),
            ..CreateTokenRequest::default()
        }
    }

    fn poll(
        emu: &mut Emulator,
        client: &RegisterClientResponse,
        device_code: &str,
        now: u64,
    ) -> Result<TokenResponse, OidcErrorKind> {
        let request = CreateTokenRequest {
            device_code: Some(device_code.into()),
            ..token_request(client, DEVICE_CODE_GRANT)
        };
        emu.create_token(request, now).map_err(|e| e.kind)
    }

    #[test]
    fn register_client_shapes() {
        let mut emu = emulator(Config::default());
        let client = register(&mut emu, Some(vec!["sso:account:access"]));
        assert_eq!(client.client_id_issued_at, NOW / 1000);
        // clientSecretExpiresAt about 90 days out, in epoch seconds.
        assert_eq!(
            client.client_secret_expires_at - client.client_id_issued_at,
            90 * 24 * 3600
        );
        let json = serde_json::to_value(&client).unwrap();
        let mut keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["clientId", "clientIdIssuedAt", "clientSecret", "clientSecretExpiresAt"]
        );
    }

    #[test]
    fn register_client_validation() {
        let mut emu = emulator(Config::default());
        let base = || RegisterClientRequest {
            client_name: Some("n".into()),
            client_type: Some("public".into()),
            ..RegisterClientRequest::default()
        };
        let kind = |emu: &mut Emulator, r| emu.register_client(r, NOW).unwrap_err().kind;
        assert_eq!(
            kind(
                &mut emu,
                RegisterClientRequest {
                    client_name: None,
                    ..base()
                }
            ),
            OidcErrorKind::InvalidRequest
        );
        assert_eq!(
            kind(
                &mut emu,
                RegisterClientRequest {
                    client_type: Some("confidential".into()),
                    ..base()
                }
            ),
            OidcErrorKind::InvalidClientMetadata
        );
        assert_eq!(
            kind(
                &mut emu,
                RegisterClientRequest {
                    grant_types: Some(vec!["password".into()]),
                    ..base()
                }
            ),
            OidcErrorKind::UnsupportedGrantType
        );
        assert_eq!(
            kind(
                &mut emu,
                RegisterClientRequest {
                    grant_types: Some(vec![AUTHORIZATION_CODE_GRANT.into()]),
                    ..base()
                }
            ),
            OidcErrorKind::InvalidRedirectUri
        );
        assert_eq!(
            kind(
                &mut emu,
                RegisterClientRequest {
                    redirect_uris: Some(vec!["nope".into()]),
                    ..base()
                }
            ),
            OidcErrorKind::InvalidRedirectUri
        );
        assert_eq!(
            kind(
                &mut emu,
                RegisterClientRequest {
                    scopes: Some(vec![String::new()]),
                    ..base()
                }
            ),
            OidcErrorKind::InvalidScope
        );
        assert_eq!(emu.stats.client_registrations, 0);
    }

    #[test]
    fn device_flow_pending_slow_down_approve_redeem() {
        let mut emu = emulator(Config::default());
        let client = register(&mut emu, Some(vec!["sso:account:access"]));
        let auth = start(&mut emu, &client, NOW);
        assert_eq!(auth.verification_uri, "http://127.0.0.1:9/device");
        assert_eq!(
            auth.verification_uri_complete,
            format!("http://127.0.0.1:9/device?user_code={}", auth.user_code)
        );
        assert_eq!((auth.expires_in, auth.interval), (600, 1));
        assert!(auth.user_code.len() == 9 && auth.user_code.as_bytes()[4] == b'-');

        // The CLI polls once at once (protocol.md §3.3): pending.
        assert_eq!(
            poll(&mut emu, &client, &auth.device_code, NOW).unwrap_err(),
            OidcErrorKind::AuthorizationPending
        );
        // Faster than the interval: slow_down, and that poll counts.
        assert_eq!(
            poll(&mut emu, &client, &auth.device_code, NOW + 500).unwrap_err(),
            OidcErrorKind::SlowDown
        );
        assert_eq!(
            poll(&mut emu, &client, &auth.device_code, NOW + 1200).unwrap_err(),
            OidcErrorKind::SlowDown
        );
        assert_eq!(
            poll(&mut emu, &client, &auth.device_code, NOW + 2200).unwrap_err(),
            OidcErrorKind::AuthorizationPending
        );

        // Approval by user code, in any case and without the dash.
        let typed = auth.user_code.replace('-', "").to_lowercase();
        assert_eq!(
            emu.decide_device(Some(&typed), true, NOW + 2500),
            vec![auth.user_code.clone()]
        );
        let token = poll(&mut emu, &client, &auth.device_code, NOW + 3200).unwrap();
        assert_eq!((token.token_type, token.expires_in), ("Bearer", 3600));
        assert!(
            token.refresh_token.is_some(),
            "clients registered with scopes get a refresh token"
        );
        assert_eq!(emu.stats.device_code_grants, 1);

        // The device code is spent.
        assert_eq!(
            poll(&mut emu, &client, &auth.device_code, NOW + 4200).unwrap_err(),
            OidcErrorKind::InvalidGrant
        );
        // The access token works on the portal.
        assert!(
            emu.list_accounts(Some(&token.access_token), None, None, NOW + 5000)
                .is_ok()
        );
    }

    #[test]
    fn device_flow_denied_expired_and_deny_all() {
        let mut emu = emulator(Config {
            device_expires_in: 10,
            ..Config::default()
        });
        let client = register(&mut emu, Some(vec!["sso:account:access"]));

        let denied = start(&mut emu, &client, NOW);
        assert_eq!(emu.decide_device(None, false, NOW), vec![denied.user_code.clone()]);
        assert_eq!(
            poll(&mut emu, &client, &denied.device_code, NOW).unwrap_err(),
            OidcErrorKind::AccessDenied
        );
        assert_eq!(
            poll(&mut emu, &client, &denied.device_code, NOW + 1000).unwrap_err(),
            OidcErrorKind::AccessDenied
        );

        let expired = start(&mut emu, &client, NOW);
        assert_eq!(
            poll(&mut emu, &client, &expired.device_code, NOW + 10_000).unwrap_err(),
            OidcErrorKind::ExpiredToken
        );
        // Expired authorizations can no longer be approved.
        assert!(
            emu.decide_device(Some(&expired.user_code), true, NOW + 10_000)
                .is_empty()
        );
        assert!(emu.device_info(&expired.user_code, NOW + 10_000).is_none());

        let approved = start(&mut emu, &client, NOW);
        emu.decide_device(Some(&approved.user_code), true, NOW);
        emu.config.deny_all = true;
        assert_eq!(
            poll(&mut emu, &client, &approved.device_code, NOW).unwrap_err(),
            OidcErrorKind::AccessDenied
        );
    }

    #[test]
    fn device_flow_auto_approve_and_legacy_lifetime() {
        let mut emu = emulator(Config {
            auto_approve: true,
            ..Config::default()
        });
        let legacy = register(&mut emu, None);
        let auth = start(&mut emu, &legacy, NOW);
        // A pre-authorised device completes on the immediate first poll (protocol.md §3.3 step 3).
        let token = poll(&mut emu, &legacy, &auth.device_code, NOW).unwrap();
        assert_eq!(token.expires_in, 28_800);
        assert_eq!(
            token.refresh_token, None,
            "no refresh token without scopes (protocol.md §10)"
        );
    }

    #[test]
    fn device_code_of_another_client_or_bad_client() {
        let mut emu = emulator(Config::default());
        let a = register(&mut emu, None);
        let b = register(&mut emu, None);
        let auth = start(&mut emu, &a, NOW);
        assert_eq!(
            poll(&mut emu, &b, &auth.device_code, NOW).unwrap_err(),
            OidcErrorKind::InvalidGrant
        );
        let wrong_secret = RegisterClientResponse {
            client_secret: "x".into(),
            ..a.clone()
        };
        assert_eq!(
            poll(&mut emu, &wrong_secret, &auth.device_code, NOW).unwrap_err(),
            OidcErrorKind::InvalidClient
        );
        let unknown = CreateTokenRequest {
            grant_type: Some("password".into()),
            ..token_request(&a, "")
        };
        assert_eq!(
            emu.create_token(unknown, NOW).unwrap_err().kind,
            OidcErrorKind::UnsupportedGrantType
        );
        // Registration expiry (clientSecretExpiresAt) makes the client invalid.
        let later = NOW + 91 * 24 * 3600 * 1000;
        assert_eq!(
            poll(&mut emu, &a, &auth.device_code, later).unwrap_err(),
            OidcErrorKind::InvalidClient
        );
        // A PKCE-only registration may not use the device flow.
        let pkce = register_pkce(&mut emu);
        let request = StartDeviceAuthorizationRequest {
            client_id: Some(pkce.client_id.clone()),
            client_secret: Some(pkce.client_secret.clone()),
            start_url: Some(START_URL.into()),
        };
        assert_eq!(
            emu.start_device_authorization(request, NOW).unwrap_err().kind,
            OidcErrorKind::UnauthorizedClient
        );
    }

    #[test]
    fn refresh_tokens_rotate_and_are_single_use() {
        let mut emu = emulator(Config {
            auto_approve: true,
            ..Config::default()
        });
        let client = register(&mut emu, Some(vec!["sso:account:access"]));
        let auth = start(&mut emu, &client, NOW);
        let first = poll(&mut emu, &client, &auth.device_code, NOW).unwrap();
        let refresh = |emu: &mut Emulator, token: &str| {
            let request = CreateTokenRequest {
                refresh_token: Some(token.into()),
                ..token_request(&client, REFRESH_TOKEN_GRANT)
            };
            emu.create_token(request, NOW + 1000)
        };
        let second = refresh(&mut emu, first.refresh_token.as_deref().unwrap()).unwrap();
        assert_ne!(second.refresh_token, first.refresh_token);
        assert_ne!(second.access_token, first.access_token);
        assert_eq!(
            refresh(&mut emu, first.refresh_token.as_deref().unwrap())
                .unwrap_err()
                .kind,
            OidcErrorKind::InvalidGrant
        );
        assert_eq!(emu.stats.refresh_grants, 1);

        // Without rotation the response has no refresh token and the old one keeps working.
        emu.config.rotate_refresh_tokens = false;
        let kept = second.refresh_token.unwrap();
        assert_eq!(refresh(&mut emu, &kept).unwrap().refresh_token, None);
        assert!(refresh(&mut emu, &kept).is_ok());

        // Reusable tokens with rotation: the old one keeps working too.
        emu.config = Config {
            rotate_refresh_tokens: true,
            refresh_single_use: false,
            ..emu.config.clone()
        };
        let third = refresh(&mut emu, &kept).unwrap();
        assert!(third.refresh_token.is_some());
        assert!(refresh(&mut emu, &kept).is_ok());
    }

    #[test]
    fn expiry_revocation_and_logout() {
        let mut emu = emulator(Config {
            auto_approve: true,
            ..Config::default()
        });
        let client = register(&mut emu, Some(vec!["sso:account:access"]));
        let auth = start(&mut emu, &client, NOW);
        let token = poll(&mut emu, &client, &auth.device_code, NOW).unwrap();
        let at = Some(token.access_token.as_str());
        let unauthorized =
            |r: Result<ListAccountsResponse, PortalError>| r.unwrap_err().kind == PortalErrorKind::Unauthorized;
        assert!(emu.list_accounts(at, None, None, NOW).is_ok());
        assert!(unauthorized(emu.list_accounts(Some("bogus"), None, None, NOW)));
        assert!(unauthorized(emu.list_accounts(None, None, None, NOW)));
        // Natural expiry after expiresIn.
        assert!(unauthorized(emu.list_accounts(at, None, None, NOW + 3600 * 1000)));
        // Forced expiry; the refresh token still works.
        assert_eq!(emu.expire_access_tokens(NOW + 1), 1);
        assert!(unauthorized(emu.list_accounts(at, None, None, NOW + 2)));
        let request = CreateTokenRequest {
            refresh_token: token.refresh_token.clone(),
            ..token_request(&client, REFRESH_TOKEN_GRANT)
        };
        let refreshed = emu.create_token(request, NOW + 3).unwrap();
        let rat = Some(refreshed.access_token.as_str());
        assert!(emu.list_accounts(rat, None, None, NOW + 4).is_ok());
        // Logout ends the session: the access token and the session's refresh token.
        emu.logout(rat, NOW + 5).unwrap();
        assert!(unauthorized(emu.list_accounts(rat, None, None, NOW + 6)));
        let request = CreateTokenRequest {
            refresh_token: refreshed.refresh_token,
            ..token_request(&client, REFRESH_TOKEN_GRANT)
        };
        assert_eq!(
            emu.create_token(request, NOW + 7).unwrap_err().kind,
            OidcErrorKind::InvalidGrant
        );
        assert_eq!(
            emu.logout(rat, NOW + 8).unwrap_err().kind,
            PortalErrorKind::Unauthorized
        );
        // Revoke-all.
        let auth = start(&mut emu, &client, NOW);
        let token = poll(&mut emu, &client, &auth.device_code, NOW + 10).unwrap();
        assert_eq!(emu.revoke_all_tokens(), 2);
        assert!(unauthorized(emu.list_accounts(
            Some(&token.access_token),
            None,
            None,
            NOW + 11
        )));
    }

    fn authorize_params(client: &RegisterClientResponse, challenge: &str) -> HashMap<String, String> {
        [
            ("response_type", "code"),
            ("client_id", client.client_id.as_str()),
            ("redirect_uri", "http://127.0.0.1:55555/oauth/callback"),
            ("state", "00000000-0000-0000-0000-000000000000"),
            ("code_challenge_method", "S256"),
            ("scopes", "sso:account:access"),
            ("code_challenge", challenge),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    fn code_from(location: &str) -> String {
        let query = location.split_once('?').unwrap().1;
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix("code="))
            .unwrap()
            .to_owned()
    }

    #[test]
    fn pkce_flow() {
        let mut emu = emulator(Config {
            auto_approve: true,
            ..Config::default()
        });
        let client = register_pkce(&mut emu);
        let verifier = "v".repeat(64);
        let params = authorize_params(&client, &pkce::s256_challenge(&verifier));
        let AuthorizeOutcome::Redirect(location) = emu.authorize(&params, NOW) else {
            panic!("expected a redirect")
        };
        assert!(
            location.starts_with("http://127.0.0.1:55555/oauth/callback?code="),
            "{location}"
        );
        assert!(
            location.ends_with("&state=00000000-0000-0000-0000-000000000000"),
            "{location}"
        );
        let code = code_from(&location);

        let exchange = |emu: &mut Emulator, code: &str, verifier: &str, redirect: &str| {
            let request = CreateTokenRequest {
                code: Some(code.into()),
                code_verifier: Some(verifier.into()),
                redirect_uri: Some(redirect.into()),
                ..token_request(&client, AUTHORIZATION_CODE_GRANT)
            };
            emu.create_token(request, NOW + 1000)
        };
        let redirect = "http://127.0.0.1:55555/oauth/callback";
        let token = exchange(&mut emu, &code, &verifier, redirect).unwrap();
        assert!(token.refresh_token.is_some());
        assert_eq!(token.expires_in, 3600);
        // Single use.
        assert_eq!(
            exchange(&mut emu, &code, &verifier, redirect).unwrap_err().kind,
            OidcErrorKind::InvalidGrant
        );

        // Wrong verifier, then wrong redirect URI: InvalidGrant (and the code is spent either way).
        let AuthorizeOutcome::Redirect(location) = emu.authorize(&params, NOW) else {
            panic!()
        };
        let code = code_from(&location);
        assert_eq!(
            exchange(&mut emu, &code, &"w".repeat(64), redirect).unwrap_err().kind,
            OidcErrorKind::InvalidGrant
        );
        assert_eq!(
            exchange(&mut emu, &code, &verifier, redirect).unwrap_err().kind,
            OidcErrorKind::InvalidGrant
        );
        let AuthorizeOutcome::Redirect(location) = emu.authorize(&params, NOW) else {
            panic!()
        };
        let other_port = "http://127.0.0.1:44444/oauth/callback";
        assert_eq!(
            exchange(&mut emu, &code_from(&location), &verifier, other_port)
                .unwrap_err()
                .kind,
            OidcErrorKind::InvalidGrant
        );
        // An expired code.
        let AuthorizeOutcome::Redirect(location) = emu.authorize(&params, NOW - AUTHORIZATION_CODE_TTL_MS) else {
            panic!()
        };
        assert_eq!(
            exchange(&mut emu, &code_from(&location), &verifier, redirect)
                .unwrap_err()
                .kind,
            OidcErrorKind::ExpiredToken
        );
        assert_eq!(emu.stats.authorization_code_grants, 1);
    }

    #[test]
    fn authorize_validation() {
        let mut emu = emulator(Config {
            auto_approve: true,
            ..Config::default()
        });
        let client = register_pkce(&mut emu);
        let good = authorize_params(&client, &pkce::s256_challenge(&"v".repeat(64)));
        let with = |key: &str, value: Option<&str>| {
            let mut params = good.clone();
            match value {
                Some(value) => params.insert(key.to_owned(), value.to_owned()),
                None => params.remove(key),
            };
            params
        };
        let invalid = |emu: &mut Emulator, params| match emu.authorize(&params, NOW) {
            AuthorizeOutcome::Invalid(e) => e.kind,
            other => panic!("{other:?}"),
        };
        let redirected_error = |emu: &mut Emulator, params| match emu.authorize(&params, NOW) {
            AuthorizeOutcome::Redirect(location) => location
                .split_once("?error=")
                .expect(&location)
                .1
                .split('&')
                .next()
                .unwrap()
                .to_owned(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            invalid(&mut emu, with("client_id", Some("nope"))),
            OidcErrorKind::InvalidClient
        );
        assert_eq!(
            invalid(&mut emu, with("redirect_uri", None)),
            OidcErrorKind::InvalidRedirectUri
        );
        assert_eq!(
            invalid(&mut emu, with("redirect_uri", Some("http://127.0.0.1:1/elsewhere"))),
            OidcErrorKind::InvalidRedirectUri
        );
        assert_eq!(
            redirected_error(&mut emu, with("code_challenge_method", Some("plain"))),
            "invalid_request"
        );
        assert_eq!(
            redirected_error(&mut emu, with("code_challenge_method", None)),
            "invalid_request"
        );
        assert_eq!(
            redirected_error(&mut emu, with("code_challenge", None)),
            "invalid_request"
        );
        assert_eq!(
            redirected_error(&mut emu, with("response_type", Some("token"))),
            "unsupported_response_type"
        );
        assert_eq!(
            redirected_error(&mut emu, with("scopes", Some("sso:account:access other"))),
            "invalid_scope"
        );
        emu.config.deny_all = true;
        assert_eq!(redirected_error(&mut emu, good.clone()), "access_denied");
        // A device-flow registration may not use /authorize.
        emu.config.deny_all = false;
        let device_client = register(&mut emu, Some(vec!["sso:account:access"]));
        let mut params = good.clone();
        params.insert("client_id".into(), device_client.client_id);
        assert_eq!(invalid(&mut emu, params), OidcErrorKind::InvalidRedirectUri);
        assert_eq!(emu.stats.authorizations, 0);
    }

    #[test]
    fn authorize_consent_page() {
        let mut emu = emulator(Config::default());
        let client = register_pkce(&mut emu);
        let params = authorize_params(&client, &pkce::s256_challenge(&"v".repeat(64)));
        let AuthorizeOutcome::Consent {
            request_id,
            client_name,
            scopes,
        } = emu.authorize(&params, NOW)
        else {
            panic!()
        };
        assert_eq!(client_name, "botocore-client-my-sso");
        assert_eq!(scopes, ["sso:account:access"]);
        let location = emu.decide_consent(&request_id, true, NOW).unwrap();
        assert!(location.contains("?code="));
        assert_eq!(
            emu.decide_consent(&request_id, true, NOW),
            None,
            "a consent is decided once"
        );
        let AuthorizeOutcome::Consent { request_id, .. } = emu.authorize(&params, NOW) else {
            panic!()
        };
        assert_eq!(
            emu.decide_consent(&request_id, false, NOW).unwrap(),
            "http://127.0.0.1:55555/oauth/callback?error=access_denied&state=00000000-0000-0000-0000-000000000000"
        );
    }

    #[test]
    fn portal_operations() {
        let mut emu = emulator(Config {
            auto_approve: true,
            role_credentials_ttl: 900,
            ..Config::default()
        });
        let client = register(&mut emu, None);
        let auth = start(&mut emu, &client, NOW);
        let token = poll(&mut emu, &client, &auth.device_code, NOW).unwrap();
        let at = Some(token.access_token.as_str());
        let creds = emu
            .get_role_credentials(at, Some("111111111111"), Some("Admin"), NOW)
            .unwrap()
            .role_credentials;
        assert!(creds.access_key_id.starts_with("ASIA") && creds.access_key_id.len() == 20);
        assert_eq!(creds.expiration, NOW + 900_000, "expiration is epoch milliseconds");
        let json = serde_json::to_value(
            emu.get_role_credentials(at, Some("111111111111"), Some("ReadOnly"), NOW)
                .unwrap(),
        )
        .unwrap();
        let inner = json["roleCredentials"].as_object().unwrap();
        let issued = |account: &str, role: &str, key: &str| (account.to_owned(), role.to_owned(), key.to_owned());
        assert_eq!(
            emu.stats.issued_credentials,
            [
                issued("111111111111", "Admin", &creds.access_key_id),
                issued("111111111111", "ReadOnly", inner["accessKeyId"].as_str().unwrap()),
            ],
            "the stats name every issued key id"
        );
        let mut keys: Vec<&str> = inner.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["accessKeyId", "expiration", "secretAccessKey", "sessionToken"]);
        assert_eq!(
            emu.get_role_credentials(at, Some("111111111111"), Some("Developer"), NOW)
                .unwrap_err()
                .kind,
            PortalErrorKind::Forbidden
        );
        assert_eq!(
            emu.get_role_credentials(at, None, Some("Admin"), NOW).unwrap_err().kind,
            PortalErrorKind::InvalidRequest
        );
        assert_eq!(emu.stats.get_role_credentials, 2);

        let roles = emu
            .list_account_roles(at, Some("111111111113"), None, Some("1"), NOW)
            .unwrap();
        assert_eq!(roles.role_list.len(), 1);
        let last = emu
            .list_account_roles(at, Some("111111111113"), roles.next_token.as_deref(), Some("1"), NOW)
            .unwrap();
        assert_eq!(last.role_list[0].role_name, "ReadOnly");
        assert_eq!(last.next_token, None);
        assert!(
            serde_json::to_value(&last).unwrap().get("nextToken").is_none(),
            "nextToken left out on the last page"
        );
        assert_eq!(
            emu.list_account_roles(at, Some("999999999999"), None, None, NOW)
                .unwrap_err()
                .kind,
            PortalErrorKind::ResourceNotFound
        );
        assert_eq!(
            emu.list_accounts(at, None, Some("0"), NOW).unwrap_err().kind,
            PortalErrorKind::InvalidRequest
        );
    }

    #[test]
    fn fault_injection_counts() {
        let mut emu = emulator(Config {
            throttle_every: 3,
            ..Config::default()
        });
        let faults: Vec<Option<Fault>> = (0..6).map(|_| emu.fault_for(RouteClass::Portal, 0.5)).collect();
        assert_eq!(
            faults,
            [None, None, Some(Fault::Throttle), None, None, Some(Fault::Throttle)]
        );
        assert_eq!(
            emu.fault_for(RouteClass::Oidc, 0.5),
            None,
            "OIDC routes are never throttled"
        );
        assert_eq!(emu.fault_for(RouteClass::Admin, 0.0), None);
        assert_eq!(emu.fault_for(RouteClass::Browser, 0.0), None);
        assert_eq!(emu.stats.throttled, 2);

        emu.apply_config(&serde_json::from_str(r#"{"throttle_every":0,"error_rate":0.25}"#).unwrap())
            .unwrap();
        assert_eq!(emu.fault_for(RouteClass::Oidc, 0.2), Some(Fault::InternalError));
        assert_eq!(emu.fault_for(RouteClass::Portal, 0.3), None);
        emu.apply_config(&serde_json::from_str(r#"{"error_rate":0,"error_every":2}"#).unwrap())
            .unwrap();
        let faults: Vec<Option<Fault>> = (0..4).map(|_| emu.fault_for(RouteClass::Oidc, 0.9)).collect();
        assert_eq!(
            faults,
            [None, Some(Fault::InternalError), None, Some(Fault::InternalError)]
        );
        assert_eq!(emu.stats.injected_errors, 3);
        assert_eq!(emu.stats.rate_limited, 0, "no rate limit by default");
    }

    #[test]
    fn config_patches_are_validated() {
        let mut emu = emulator(Config::default());
        let patch = |json: &str| serde_json::from_str::<ConfigPatch>(json);
        assert!(patch(r#"{"throttle_evry": 1}"#).is_err(), "unknown keys are rejected");
        assert!(emu.apply_config(&patch(r#"{"error_rate": 2}"#).unwrap()).is_err());
        assert!(
            emu.apply_config(&patch(r#"{"default_page_size": 0, "deny_all": true}"#).unwrap())
                .is_err()
        );
        assert!(!emu.config.deny_all, "a rejected patch changes nothing");
        emu.apply_config(&patch(r#"{"deny_all": true, "latency_ms": 5}"#).unwrap())
            .unwrap();
        assert!(emu.config.deny_all);
        assert_eq!(emu.config.latency_ms, 5);
    }

    #[test]
    fn query_building() {
        assert_eq!(
            with_query("http://h/cb", &[("code", Some("abc")), ("state", None)]),
            "http://h/cb?code=abc"
        );
        assert_eq!(
            with_query("http://h/cb?x=1", &[("state", Some("a b&c"))]),
            "http://h/cb?x=1&state=a%20b%26c"
        );
        assert_eq!(normalize_user_code(" abcd efgh "), "ABCD-EFGH");
    }

    #[test]
    fn log_records_and_counts() {
        let mut emu = emulator(Config::default());
        let entry = LogEntry {
            seq: 0,
            time_ms: NOW,
            method: "POST".into(),
            path: "/token".into(),
            query: None,
            status: 400,
            error_type: Some("AuthorizationPendingException".into()),
            grant_type: Some(DEVICE_CODE_GRANT.into()),
        };
        assert_eq!(emu.record(entry.clone()).seq, 1);
        assert_eq!(emu.record(entry).seq, 2);
        assert_eq!(emu.stats.requests["POST /token"], 2);
        emu.reset_log();
        assert!(emu.log().is_empty());
    }

    #[test]
    fn peak_concurrency_is_remembered() {
        let mut emu = emulator(Config::default());
        emu.begin_request();
        emu.begin_request();
        emu.end_request();
        emu.begin_request();
        emu.end_request();
        emu.end_request();
        emu.begin_request();
        assert_eq!(emu.stats.max_in_flight, 2);
    }

    #[test]
    fn the_rate_limit_is_a_token_bucket_of_portal_requests() {
        let mut emu = emulator(Config::default());
        emu.apply_config(&serde_json::from_str(r#"{"rate_limit":10}"#).unwrap())
            .unwrap();
        let t0 = Instant::now();
        let ms = |n: u64| t0 + std::time::Duration::from_millis(n);
        // A full bucket: a burst of 10 (one second's worth), then empty.
        assert!((0..10).all(|_| emu.take_token(t0)));
        assert!(!emu.take_token(t0));
        assert!(!emu.take_token(ms(50)), "half a token");
        assert!(emu.take_token(ms(100)), "one token 100 ms after the last");
        assert!(!emu.take_token(ms(150)));
        // It fills up to the burst and no further.
        assert!((0..10).all(|_| emu.take_token(ms(60_000))));
        assert!(!emu.take_token(ms(60_000)));

        emu.apply_config(&serde_json::from_str(r#"{"rate_burst":2}"#).unwrap())
            .unwrap();
        assert!(
            emu.take_token(ms(60_000)) && emu.take_token(ms(60_000)),
            "a new limit starts full"
        );
        assert!(!emu.take_token(ms(60_000)));

        assert_eq!(emu.fault_for(RouteClass::Portal, 0.5), Some(Fault::Throttle));
        assert_eq!(emu.fault_for(RouteClass::Oidc, 0.5), None, "OIDC is not limited");
        assert_eq!((emu.stats.throttled, emu.stats.rate_limited), (1, 1));

        let patch = |json: &str| serde_json::from_str::<ConfigPatch>(json).unwrap();
        assert!(emu.apply_config(&patch(r#"{"rate_limit":-1}"#)).is_err());
    }
}
