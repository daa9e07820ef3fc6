//! The emulated AWS STS (query protocol, version 2011-06-15, protocol.md §12.3–§12.4): AssumeRole and
//! GetCallerIdentity under a verified SigV4 signature, the keys it accepts, per-role rules and the record of calls.
//!
//! Only keys the emulator issued are accepted: role credentials from GetRoleCredentials (an SSO role session),
//! credentials from an earlier AssumeRole, and long-term IAM-user keys created with `POST /_admin/sts/users`. Every
//! role ARN may be assumed by any of them unless `POST /_admin/sts/roles` says otherwise (deny, an ExternalId, MFA,
//! a MaxSessionDuration). Requests reach it as `POST /` (clients set `AWS_ENDPOINT_URL_STS`, protocol.md §6.3).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use rand::RngExt as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use time::OffsetDateTime;
use time::macros::format_description;

use crate::server::{Shared, now_ms};
use crate::sigv4::{self, Authorization, SignedRequest};
use crate::state::Emulator;

/// The XML namespace of every STS response.
const XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
/// The only API version STS has.
const VERSION: &str = "2011-06-15";
/// The user name behind SSO role credentials: the session name of `AWSReservedSSO_<role>_…` sessions.
pub(crate) const SSO_USER: &str = "sso-user@example.com";
/// The suffix of the IAM role Identity Center creates for a permission set (`AWSReservedSSO_<set>_<suffix>`).
const SSO_ROLE_SUFFIX: &str = "0123456789abcdef";
/// Account of IAM users created without one.
const DEFAULT_USER_ACCOUNT: &str = "111111111111";
/// The longest a role session may be asked for when the caller is itself a role session (protocol.md §12.3).
const CHAINED_MAX_SECONDS: u64 = 3600;
/// AWS refuses a signature whose `X-Amz-Date` is more than 15 minutes off.
const MAX_SKEW_MS: u64 = 15 * 60 * 1000;
/// `PackedPolicySize` in every AssumeRole answer (protocol.md §12.2 and §12.4 show 6).
const PACKED_POLICY_SIZE: u32 = 6;

const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn random_string(len: usize, alphabet: &[u8]) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
        .collect()
}

/// 17 characters from [`UPPER_ALNUM`] derived from `seed`, for stable unique ids (`AROA…`, `AIDA…`).
fn stable_id(seed: &str) -> String {
    Sha256::digest(seed.as_bytes())
        .iter()
        .take(17)
        .map(|b| char::from(UPPER_ALNUM[usize::from(*b) % UPPER_ALNUM.len()]))
        .collect()
}

/// `YYYY-MM-DDTHH:MM:SSZ` of epoch milliseconds (the `Expiration` of AssumeRole).
pub(crate) fn rfc3339(epoch_ms: u64) -> String {
    let seconds = i64::try_from(epoch_ms / 1000).unwrap_or(i64::MAX);
    OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| {
            t.format(format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z"))
                .ok()
        })
        .unwrap_or_else(|| "9999-12-31T23:59:59Z".to_owned())
}

/// Epoch milliseconds of an `X-Amz-Date` (`YYYYMMDDTHHMMSSZ`).
fn parse_amz_date(value: &str) -> Option<u64> {
    let format = format_description!("[year][month][day]T[hour][minute][second]Z");
    let time = time::PrimitiveDateTime::parse(value, format).ok()?.assume_utc();
    u64::try_from(time.unix_timestamp()).ok().map(|s| s * 1000)
}

/// Who a key belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Principal {
    /// Role credentials from GetRoleCredentials: a session of the permission set's `AWSReservedSSO_…` role.
    Sso { account_id: String, role_name: String },
    /// Credentials from AssumeRole.
    AssumedRole {
        partition: String,
        account_id: String,
        role_name: String,
        session_name: String,
    },
    /// Long-term keys of an IAM user (`AKIA…`).
    User { account_id: String, user_name: String },
}

impl Principal {
    fn account_id(&self) -> &str {
        match self {
            Self::Sso { account_id, .. } | Self::AssumedRole { account_id, .. } | Self::User { account_id, .. } => {
                account_id
            }
        }
    }

    /// The ARN GetCallerIdentity reports.
    fn arn(&self) -> String {
        match self {
            Self::Sso { account_id, role_name } => {
                format!(
                    "arn:aws:sts::{account_id}:assumed-role/AWSReservedSSO_{role_name}_{SSO_ROLE_SUFFIX}/{SSO_USER}"
                )
            }
            Self::AssumedRole {
                partition,
                account_id,
                role_name,
                session_name,
            } => format!("arn:{partition}:sts::{account_id}:assumed-role/{role_name}/{session_name}"),
            Self::User { account_id, user_name } => format!("arn:aws:iam::{account_id}:user/{user_name}"),
        }
    }

    /// The UserId GetCallerIdentity reports: `AROA…:<session>` for role sessions, `AIDA…` for users.
    fn user_id(&self) -> String {
        match self {
            Self::Sso { account_id, role_name } => format!(
                "AROA{}:{SSO_USER}",
                stable_id(&format!("{account_id}/AWSReservedSSO_{role_name}"))
            ),
            Self::AssumedRole {
                account_id,
                role_name,
                session_name,
                ..
            } => format!("{}:{session_name}", role_id(account_id, role_name)),
            Self::User { account_id, user_name } => format!("AIDA{}", stable_id(&format!("{account_id}/{user_name}"))),
        }
    }

    /// Role sessions may only chain into sessions of at most an hour (protocol.md §12.3).
    fn is_role_session(&self) -> bool {
        !matches!(self, Self::User { .. })
    }
}

/// The unique id of a role (`AROA…`), stable per account and role name.
fn role_id(account_id: &str, role_name: &str) -> String {
    format!("AROA{}", stable_id(&format!("{account_id}/{role_name}")))
}

/// An access key the emulator issued.
#[derive(Debug, Clone)]
struct Key {
    secret: String,
    /// Session credentials (ASIA…) must present this `X-Amz-Security-Token`; IAM-user keys have none.
    session_token: Option<String>,
    expires_at_ms: Option<u64>,
    principal: Principal,
    /// Assumed with role-session credentials (role chaining): the sign-in endpoint refuses `SessionDuration`.
    chained: bool,
}

/// What `POST /_admin/sts/roles` sets for one role ARN. Roles without a rule may be assumed by anyone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RoleRule {
    /// Every AssumeRole of this role gets `AccessDenied`.
    #[serde(default)]
    pub(crate) deny: bool,
    /// AssumeRole must send exactly this `ExternalId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) external_id: Option<String>,
    /// AssumeRole must send this `SerialNumber` and [`RoleRule::mfa_code`] as `TokenCode`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) mfa_serial: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) mfa_code: Option<String>,
    /// The role's MaxSessionDuration (3600–43200); unset means 43200.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) max_session_duration: Option<u64>,
}

impl RoleRule {
    pub(crate) fn validate(&self) -> Result<(), String> {
        match (&self.mfa_serial, &self.mfa_code) {
            (Some(_), Some(code)) if !is_token_code(code) => Err(format!("mfa_code must be 6 digits, not {code:?}")),
            (Some(_), None) | (None, Some(_)) => Err("mfa_serial and mfa_code go together".to_owned()),
            _ => match self.max_session_duration {
                Some(max) if !(3600..=43_200).contains(&max) => Err(format!(
                    "max_session_duration must be between 3600 and 43200, not {max}"
                )),
                _ => Ok(()),
            },
        }
    }
}

/// `POST /_admin/sts/users` body: every member optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewUser {
    user_name: Option<String>,
    account_id: Option<String>,
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
}

/// The answer to `POST /_admin/sts/users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct UserKeys {
    user_name: String,
    account_id: String,
    arn: String,
    user_id: String,
    access_key_id: String,
    secret_access_key: String,
}

/// One STS request in `GET /_admin/sts/calls`, whatever its outcome. The parameters are as received (absent ones are
/// `null`); `access_key_id` is the key named in the `Authorization` header, known or not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct StsCall {
    pub(crate) seq: u64,
    pub(crate) time_ms: u64,
    pub(crate) action: Option<String>,
    pub(crate) access_key_id: Option<String>,
    /// The ARN of the signing credentials, once they are authenticated.
    pub(crate) caller_arn: Option<String>,
    pub(crate) role_arn: Option<String>,
    pub(crate) role_session_name: Option<String>,
    pub(crate) external_id: Option<String>,
    /// A number when the parameter is an integer, else the string received.
    pub(crate) duration_seconds: Option<serde_json::Value>,
    pub(crate) serial_number: Option<String>,
    pub(crate) token_code: Option<String>,
    pub(crate) status: u16,
    pub(crate) error_code: Option<String>,
    /// AssumeRole's `AssumedRoleUser.Arn` on success.
    pub(crate) assumed_role_arn: Option<String>,
    /// AssumeRole's new `AccessKeyId` on success.
    pub(crate) issued_access_key_id: Option<String>,
}

/// The STS part of the emulator state.
#[derive(Debug, Default)]
pub(crate) struct Sts {
    keys: HashMap<String, Key>,
    /// IAM users by name, with their access key id.
    users: BTreeMap<String, String>,
    pub(crate) roles: BTreeMap<String, RoleRule>,
    pub(crate) calls: Vec<StsCall>,
    next_call: u64,
}

impl Sts {
    /// Accepts role credentials handed out by GetRoleCredentials for `account_id`/`role_name`.
    pub(crate) fn register_sso_credentials(
        &mut self,
        access_key_id: &str,
        secret: &str,
        session_token: &str,
        expires_at_ms: u64,
        account_id: &str,
        role_name: &str,
    ) {
        self.keys.insert(
            access_key_id.to_owned(),
            Key {
                secret: secret.to_owned(),
                session_token: Some(session_token.to_owned()),
                expires_at_ms: Some(expires_at_ms),
                principal: Principal::Sso {
                    account_id: account_id.to_owned(),
                    role_name: role_name.to_owned(),
                },
                chained: false,
            },
        );
    }

    /// Creates an IAM user with a long-term key pair (`POST /_admin/sts/users`).
    pub(crate) fn create_user(&mut self, request: NewUser) -> Result<UserKeys, String> {
        let user_name = request
            .user_name
            .unwrap_or_else(|| format!("user-{}", self.users.len() + 1));
        if user_name.is_empty() || user_name.len() > 64 || !user_name.bytes().all(is_name_byte) {
            return Err(format!(
                "user_name must be 1-64 of [A-Za-z0-9_+=,.@-], not {user_name:?}"
            ));
        }
        if self.users.contains_key(&user_name) {
            return Err(format!("user {user_name} exists already"));
        }
        let account_id = request.account_id.unwrap_or_else(|| DEFAULT_USER_ACCOUNT.to_owned());
        if !is_account_id(&account_id) {
            return Err(format!("account_id must be 12 digits, not {account_id:?}"));
        }
        let access_key_id = request
            .access_key_id
            .unwrap_or_else(|| format!("AKIA{}", random_string(16, UPPER_ALNUM)));
        if !(access_key_id.starts_with("AKIA")
            && access_key_id.len() == 20
            && access_key_id
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()))
        {
            return Err(format!(
                "access_key_id must be AKIA and 16 of [A-Z0-9], not {access_key_id:?}"
            ));
        }
        if self.keys.contains_key(&access_key_id) {
            return Err(format!("access key {access_key_id} exists already"));
        }
        let secret = request
            .secret_access_key
            .unwrap_or_else(|| random_string(40, SECRET_ALPHABET));
        if secret.is_empty() {
            return Err("secret_access_key must not be empty".to_owned());
        }
        let principal = Principal::User {
            account_id: account_id.clone(),
            user_name: user_name.clone(),
        };
        let keys = UserKeys {
            arn: principal.arn(),
            user_id: principal.user_id(),
            user_name: user_name.clone(),
            account_id,
            access_key_id: access_key_id.clone(),
            secret_access_key: secret.clone(),
        };
        self.keys.insert(
            access_key_id.clone(),
            Key {
                secret,
                session_token: None,
                expires_at_ms: None,
                principal,
                chained: false,
            },
        );
        self.users.insert(user_name, access_key_id);
        Ok(keys)
    }

    /// Sets (replaces) the rule of one role ARN; a rule with nothing in it removes it.
    pub(crate) fn set_role(&mut self, role_arn: String, rule: RoleRule) -> Result<(), String> {
        rule.validate()?;
        if parse_role_arn(&role_arn).is_none() {
            return Err(format!(
                "role_arn must look like arn:aws:iam::<12 digits>:role/<name>, not {role_arn:?}"
            ));
        }
        if rule == RoleRule::default() {
            self.roles.remove(&role_arn);
        } else {
            self.roles.insert(role_arn, rule);
        }
        Ok(())
    }

    /// The ARN of live session credentials the emulator issued, and whether they come from role chaining; `None`
    /// for anything else (unknown, wrong secret or token, expired, long-term keys). For the sign-in endpoint
    /// (protocol.md §13.1), which accepts temporary credentials only.
    pub(crate) fn console_session(
        &self,
        access_key_id: &str,
        secret: &str,
        session_token: &str,
        now_ms: u64,
    ) -> Option<(String, bool)> {
        let key = self.keys.get(access_key_id)?;
        let live = key.expires_at_ms.is_some_and(|at| at > now_ms);
        (live && key.secret == secret && key.session_token.as_deref() == Some(session_token))
            .then(|| (key.principal.arn(), key.chained))
    }

    /// Every session credential (SSO and AssumeRole) expires now; IAM-user keys are unaffected. Returns how many
    /// were live.
    pub(crate) fn expire_credentials(&mut self, now_ms: u64) -> usize {
        let mut count = 0;
        for key in self.keys.values_mut() {
            if let Some(expires) = key.expires_at_ms.as_mut()
                && *expires > now_ms
            {
                *expires = now_ms;
                count += 1;
            }
        }
        count
    }
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'+' | b'=' | b',' | b'.' | b'@' | b'-')
}

fn is_account_id(value: &str) -> bool {
    value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit())
}

fn is_token_code(value: &str) -> bool {
    value.len() == 6 && value.bytes().all(|b| b.is_ascii_digit())
}

/// (partition, account id, role name) of `arn:<partition>:iam::<account>:role/<path/><name>`.
fn parse_role_arn(arn: &str) -> Option<(&str, &str, &str)> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("iam"), Some(""), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let name = resource.strip_prefix("role/")?.rsplit('/').next()?;
    let valid_name = !name.is_empty() && name.len() <= 64 && name.bytes().all(is_name_byte);
    (!partition.is_empty() && is_account_id(account) && valid_name).then_some((partition, account, name))
}

/// An STS error: the `<ErrorResponse>` of protocol.md §12.4.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StsError {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) message: String,
}

impl StsError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    fn validation(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "ValidationError", message)
    }

    fn access_denied(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "AccessDenied", message)
    }

    fn signature_mismatch(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "SignatureDoesNotMatch", message)
    }

    fn invalid_token() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
        )
    }
}

/// A successful STS answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StsAnswer {
    AssumeRole {
        arn: String,
        assumed_role_id: String,
        access_key_id: String,
        secret_access_key: String,
        session_token: String,
        expiration: String,
    },
    CallerIdentity {
        arn: String,
        user_id: String,
        account: String,
    },
}

/// An STS request, parsed enough to authenticate and dispatch it.
pub(crate) struct StsRequest<'a> {
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    pub(crate) query: Option<&'a str>,
    pub(crate) headers: &'a [(String, String)],
    pub(crate) body: &'a [u8],
    /// The form parameters of the body (and query string), in order.
    pub(crate) params: Vec<(String, String)>,
}

impl StsRequest<'_> {
    fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// "N validation error(s) detected: a; b" as AWS words it.
fn validation_errors(errors: &[String]) -> Option<StsError> {
    match errors.len() {
        0 => None,
        1 => Some(StsError::validation(format!(
            "1 validation error detected: {}",
            errors[0]
        ))),
        n => Some(StsError::validation(format!(
            "{n} validation errors detected: {}",
            errors.join("; ")
        ))),
    }
}

fn check_string(
    errors: &mut Vec<String>,
    member: &str,
    value: Option<&str>,
    lengths: (usize, usize),
    pattern: &str,
    ok: fn(u8) -> bool,
) {
    let Some(value) = value else { return };
    if value.len() < lengths.0 {
        errors.push(format!(
            "Value '{value}' at '{member}' failed to satisfy constraint: Member must have length greater than or equal to {}",
            lengths.0
        ));
    } else if value.len() > lengths.1 {
        errors.push(format!(
            "Value '{value}' at '{member}' failed to satisfy constraint: Member must have length less than or equal to {}",
            lengths.1
        ));
    }
    if !value.bytes().all(ok) {
        errors.push(format!(
            "Value '{value}' at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: {pattern}"
        ));
    }
}

impl Emulator {
    /// Serves one STS request and records it in `GET /_admin/sts/calls`.
    pub(crate) fn sts_request(&mut self, request: &StsRequest<'_>, now_ms: u64) -> Result<StsAnswer, StsError> {
        self.sts.next_call += 1;
        let mut call = StsCall {
            seq: self.sts.next_call,
            time_ms: now_ms,
            action: request.param("Action").map(str::to_owned),
            access_key_id: request
                .header("authorization")
                .and_then(|h| Authorization::parse(h).ok())
                .map(|a| a.access_key_id),
            caller_arn: None,
            role_arn: request.param("RoleArn").map(str::to_owned),
            role_session_name: request.param("RoleSessionName").map(str::to_owned),
            external_id: request.param("ExternalId").map(str::to_owned),
            duration_seconds: request.param("DurationSeconds").map(|d| {
                d.parse::<u64>()
                    .map_or_else(|_| serde_json::Value::from(d), serde_json::Value::from)
            }),
            serial_number: request.param("SerialNumber").map(str::to_owned),
            token_code: request.param("TokenCode").map(str::to_owned),
            status: 200,
            error_code: None,
            assumed_role_arn: None,
            issued_access_key_id: None,
        };
        let result = self.sts_dispatch(request, &mut call, now_ms);
        match &result {
            Ok(StsAnswer::AssumeRole { arn, access_key_id, .. }) => {
                call.assumed_role_arn = Some(arn.clone());
                call.issued_access_key_id = Some(access_key_id.clone());
                self.stats.assume_role += 1;
            }
            Ok(StsAnswer::CallerIdentity { .. }) => self.stats.get_caller_identity += 1,
            Err(error) => {
                call.status = error.status.as_u16();
                call.error_code = Some(error.code.to_owned());
            }
        }
        self.sts.calls.push(call);
        result
    }

    fn sts_dispatch(
        &mut self,
        request: &StsRequest<'_>,
        call: &mut StsCall,
        now_ms: u64,
    ) -> Result<StsAnswer, StsError> {
        let principal = self.sts_authenticate(request, now_ms)?;
        call.caller_arn = Some(principal.arn());
        let action = request.param("Action").unwrap_or("");
        let version = request.param("Version").unwrap_or("");
        if version != VERSION || !matches!(action, "AssumeRole" | "GetCallerIdentity") {
            return Err(StsError::new(
                StatusCode::BAD_REQUEST,
                "InvalidAction",
                format!("Could not find operation {action} for version {version}"),
            ));
        }
        if action == "GetCallerIdentity" {
            return Ok(StsAnswer::CallerIdentity {
                arn: principal.arn(),
                user_id: principal.user_id(),
                account: principal.account_id().to_owned(),
            });
        }
        self.sts_assume_role(request, &principal, now_ms)
    }

    /// The SigV4 check (protocol.md §12.4): a key the emulator issued, its session token, an unexpired session, the
    /// `sts` service in the scope and a matching signature made within 15 minutes of now.
    fn sts_authenticate(&self, request: &StsRequest<'_>, now_ms: u64) -> Result<Principal, StsError> {
        let Some(header) = request.header("authorization") else {
            return Err(StsError::new(
                StatusCode::FORBIDDEN,
                "MissingAuthenticationToken",
                "Request is missing Authentication Token",
            ));
        };
        let incomplete = |message: String| StsError::new(StatusCode::BAD_REQUEST, "IncompleteSignature", message);
        let authorization = Authorization::parse(header).map_err(|e| incomplete(e.0))?;
        let amz_date = request.header("x-amz-date").ok_or_else(|| {
            incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.".into())
        })?;
        let signed_at = parse_amz_date(amz_date)
            .ok_or_else(|| incomplete(format!("Date must be in ISO-8601 'basic format'. Got '{amz_date}'.")))?;
        let key = self
            .sts
            .keys
            .get(&authorization.access_key_id)
            .ok_or_else(StsError::invalid_token)?;
        if key.session_token.as_deref() != request.header("x-amz-security-token") {
            return Err(StsError::invalid_token());
        }
        if key.expires_at_ms.is_some_and(|expires| expires <= now_ms) {
            return Err(StsError::new(
                StatusCode::BAD_REQUEST,
                "ExpiredToken",
                "The security token included in the request is expired",
            ));
        }
        if authorization.service != "sts" {
            return Err(StsError::signature_mismatch(
                "Credential should be scoped to correct service: 'sts'. ",
            ));
        }
        if !amz_date.starts_with(&authorization.date) {
            return Err(StsError::signature_mismatch(format!(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != \
                 '{}', from '{amz_date}'.",
                authorization.date,
                &amz_date[..8.min(amz_date.len())]
            )));
        }
        let signed = SignedRequest {
            method: request.method,
            path: request.path,
            query: request.query,
            headers: request.headers,
            body: request.body,
        };
        if !sigv4::verify(&signed, &authorization, amz_date, &key.secret) {
            return Err(StsError::signature_mismatch(
                "The request signature we calculated does not match the signature you provided. Check your AWS \
                 Secret Access Key and signing method. Consult the service documentation for details.",
            ));
        }
        if signed_at + MAX_SKEW_MS < now_ms {
            return Err(StsError::signature_mismatch(format!(
                "Signature expired: {amz_date} is now earlier than {} ({} - 15 min.)",
                amz(now_ms - MAX_SKEW_MS),
                amz(now_ms)
            )));
        }
        if signed_at > now_ms + MAX_SKEW_MS {
            return Err(StsError::signature_mismatch(format!(
                "Signature not yet current: {amz_date} is still later than {} ({} + 15 min.)",
                amz(now_ms + MAX_SKEW_MS),
                amz(now_ms)
            )));
        }
        Ok(key.principal.clone())
    }

    /// AssumeRole: validation, the chaining limit and MaxSessionDuration, the role's rule, then fresh credentials
    /// (protocol.md §12.3, §12.4).
    fn sts_assume_role(
        &mut self,
        request: &StsRequest<'_>,
        caller: &Principal,
        now_ms: u64,
    ) -> Result<StsAnswer, StsError> {
        let role_arn = request.param("RoleArn");
        let session_name = request.param("RoleSessionName");
        let mut errors = Vec::new();
        for (member, value) in [("roleArn", role_arn), ("roleSessionName", session_name)] {
            if value.is_none() {
                errors.push(format!(
                    "Value null at '{member}' failed to satisfy constraint: Member must not be null"
                ));
            }
        }
        check_string(
            &mut errors,
            "roleArn",
            role_arn,
            (20, 2048),
            "[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u0085\\u00A0-\\uD7FF\\uE000-\\uFFFD\\u10000-\\u10FFFF]+",
            |b| (0x20..0x7f).contains(&b),
        );
        check_string(
            &mut errors,
            "roleSessionName",
            session_name,
            (2, 64),
            "[\\w+=,.@-]*",
            is_name_byte,
        );
        check_string(
            &mut errors,
            "externalId",
            request.param("ExternalId"),
            (2, 1224),
            "[\\w+=,.@:\\/-]*",
            |b| is_name_byte(b) || matches!(b, b':' | b'/'),
        );
        check_string(
            &mut errors,
            "serialNumber",
            request.param("SerialNumber"),
            (9, 256),
            "[\\w+=/:,.@-]*",
            |b| is_name_byte(b) || matches!(b, b':' | b'/'),
        );
        check_string(
            &mut errors,
            "tokenCode",
            request.param("TokenCode"),
            (6, 6),
            "[\\d]*",
            |b| b.is_ascii_digit(),
        );
        let duration = match request.param("DurationSeconds") {
            None => None,
            Some(text) => {
                match text.parse::<u64>() {
                    Ok(d) if d < 900 => {
                        errors.push(format!("Value '{d}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"));
                        None
                    }
                    Ok(d) if d > 43_200 => {
                        errors.push(format!("Value '{d}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200"));
                        None
                    }
                    Ok(d) => Some(d),
                    Err(_) => {
                        errors.push(format!("Value '{text}' at 'durationSeconds' failed to satisfy constraint: Member must be an integer"));
                        None
                    }
                }
            }
        };
        if let Some(error) = validation_errors(&errors) {
            return Err(error);
        }
        let (Some(role_arn), Some(session_name)) = (role_arn, session_name) else {
            unreachable!("null members are validation errors above");
        };
        let Some((partition, account_id, role_name)) = parse_role_arn(role_arn) else {
            return Err(StsError::validation(format!("{role_arn} is invalid")));
        };
        let rule = self.sts.roles.get(role_arn).cloned().unwrap_or_default();
        if let Some(duration) = duration {
            if caller.is_role_session() && duration > CHAINED_MAX_SECONDS {
                return Err(StsError::validation(
                    "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
                ));
            }
            if duration > rule.max_session_duration.unwrap_or(43_200) {
                return Err(StsError::validation(
                    "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
                ));
            }
        }
        let not_authorized = || {
            StsError::access_denied(format!(
                "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
                caller.arn()
            ))
        };
        if rule.deny {
            return Err(not_authorized());
        }
        if let Some(expected) = &rule.external_id
            && request.param("ExternalId") != Some(expected.as_str())
        {
            return Err(not_authorized());
        }
        if let (Some(serial), Some(code)) = (&rule.mfa_serial, &rule.mfa_code) {
            match (request.param("SerialNumber"), request.param("TokenCode")) {
                (None, _) => return Err(not_authorized()),
                (Some(sent), _) if sent != serial => {
                    return Err(StsError::access_denied(
                        "MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA \
                         serial number is valid and associated with this user.",
                    ));
                }
                (Some(_), sent) if sent != Some(code.as_str()) => {
                    return Err(StsError::access_denied(
                        "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
                    ));
                }
                _ => {}
            }
        }

        let seconds = duration.unwrap_or(self.config.role_credentials_ttl);
        let principal = Principal::AssumedRole {
            partition: partition.to_owned(),
            account_id: account_id.to_owned(),
            role_name: role_name.to_owned(),
            session_name: session_name.to_owned(),
        };
        let access_key_id = format!("ASIA{}", random_string(16, UPPER_ALNUM));
        let secret_access_key = random_string(40, SECRET_ALPHABET);
        let session_token = random_string(356, SECRET_ALPHABET);
        let expires_at_ms = now_ms + seconds * 1000;
        let answer = StsAnswer::AssumeRole {
            arn: principal.arn(),
            assumed_role_id: principal.user_id(),
            access_key_id: access_key_id.clone(),
            secret_access_key: secret_access_key.clone(),
            session_token: session_token.clone(),
            expiration: rfc3339(expires_at_ms),
        };
        self.sts.keys.insert(
            access_key_id,
            Key {
                secret: secret_access_key,
                session_token: Some(session_token),
                expires_at_ms: Some(expires_at_ms),
                principal,
                chained: caller.is_role_session(),
            },
        );
        Ok(answer)
    }
}

/// `YYYYMMDDTHHMMSSZ` of epoch milliseconds.
fn amz(epoch_ms: u64) -> String {
    rfc3339(epoch_ms).replace(['-', ':'], "")
}

/// Escapes text for an XML element.
fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
    out
}

/// A random request id in the UUID shape AWS uses.
fn request_id() -> String {
    let hex = random_string(32, b"0123456789abcdef");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// The XML body of a success (protocol.md §12.4).
pub(crate) fn answer_xml(answer: &StsAnswer, request_id: &str) -> String {
    let mut xml = String::new();
    match answer {
        StsAnswer::AssumeRole {
            arn,
            assumed_role_id,
            access_key_id,
            secret_access_key,
            session_token,
            expiration,
        } => {
            let _ = write!(
                xml,
                "<AssumeRoleResponse xmlns=\"{XMLNS}\"><AssumeRoleResult><AssumedRoleUser><Arn>{}</Arn>\
                 <AssumedRoleId>{}</AssumedRoleId></AssumedRoleUser><Credentials><AccessKeyId>{}</AccessKeyId>\
                 <SecretAccessKey>{}</SecretAccessKey><SessionToken>{}</SessionToken><Expiration>{}</Expiration>\
                 </Credentials><PackedPolicySize>{PACKED_POLICY_SIZE}</PackedPolicySize></AssumeRoleResult>\
                 <ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></AssumeRoleResponse>",
                xml_escape(arn),
                xml_escape(assumed_role_id),
                xml_escape(access_key_id),
                xml_escape(secret_access_key),
                xml_escape(session_token),
                xml_escape(expiration),
            );
        }
        StsAnswer::CallerIdentity { arn, user_id, account } => {
            let _ = write!(
                xml,
                "<GetCallerIdentityResponse xmlns=\"{XMLNS}\"><GetCallerIdentityResult><Arn>{}</Arn>\
                 <UserId>{}</UserId><Account>{}</Account></GetCallerIdentityResult><ResponseMetadata>\
                 <RequestId>{request_id}</RequestId></ResponseMetadata></GetCallerIdentityResponse>",
                xml_escape(arn),
                xml_escape(user_id),
                xml_escape(account),
            );
        }
    }
    xml
}

/// The XML body of an error (protocol.md §12.4).
pub(crate) fn error_xml(error: &StsError, request_id: &str) -> String {
    let kind = if error.status.is_server_error() {
        "Receiver"
    } else {
        "Sender"
    };
    format!(
        "<ErrorResponse xmlns=\"{XMLNS}\"><Error><Type>{kind}</Type><Code>{}</Code><Message>{}</Message></Error>\
         <RequestId>{request_id}</RequestId></ErrorResponse>",
        error.code,
        xml_escape(&error.message)
    )
}

/// `POST /`: the STS query protocol. The form body holds `Action`, `Version` and the operation's parameters.
pub(crate) async fn handle(
    State(app): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let headers: Vec<(String, String)> = headers
        .iter()
        .filter_map(|(name, value)| value.to_str().ok().map(|v| (name.as_str().to_owned(), v.to_owned())))
        .collect();
    let mut params: Vec<(String, String)> = form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    params.extend(form_urlencoded::parse(&body).into_owned());
    let request = StsRequest {
        method: method.as_str(),
        path: uri.path(),
        query: uri.query(),
        headers: &headers,
        body: &body,
        params,
    };
    let id = request_id();
    let (status, xml) = match app.lock().sts_request(&request, now_ms()) {
        Ok(answer) => (StatusCode::OK, answer_xml(&answer, &id)),
        Err(error) => (error.status, error_xml(&error, &id)),
    };
    let mut response = (status, xml).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::Fixtures;
    use crate::state::Config;

    const NOW: u64 = 1_800_000_000_000;
    const SECRET: &str = "secret-of-the-sso-credentials";
    const TOKEN: &str = "token-of-the-sso-credentials";

    fn emulator() -> Emulator {
        let mut emulator = Emulator::new(Config::default(), "http://127.0.0.1:1".into(), Fixtures::new(1, 1));
        emulator.sts.register_sso_credentials(
            "ASIASSOSSOSSOSSOSSO1",
            SECRET,
            TOKEN,
            NOW + 3_600_000,
            "111111111111",
            "Admin",
        );
        emulator
    }

    /// A request signed like botocore signs one (host, x-amz-date, x-amz-security-token).
    fn signed(
        key: &str,
        secret: &str,
        token: Option<&str>,
        params: &[(&str, &str)],
        at_ms: u64,
    ) -> (Vec<(String, String)>, String) {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        let amz_date = amz(at_ms);
        let mut headers = vec![
            ("host".to_owned(), "127.0.0.1:1".to_owned()),
            ("x-amz-date".to_owned(), amz_date.clone()),
        ];
        if let Some(token) = token {
            headers.push(("x-amz-security-token".to_owned(), token.to_owned()));
        }
        let names: Vec<String> = headers.iter().map(|(k, _)| k.clone()).collect();
        let request = SignedRequest {
            method: "POST",
            path: "/",
            query: None,
            headers: &headers,
            body: body.as_bytes(),
        };
        let scope = format!("{}/us-west-2/sts/aws4_request", &amz_date[..8]);
        let to_sign = sigv4::string_to_sign(&amz_date, &scope, &sigv4::canonical_request(&request, &names));
        let signature = sigv4::signature(secret, &amz_date[..8], "us-west-2", "sts", &to_sign);
        headers.push((
            "authorization".to_owned(),
            format!(
                "AWS4-HMAC-SHA256 Credential={key}/{scope}, SignedHeaders={}, Signature={signature}",
                names.join(";")
            ),
        ));
        (headers, body)
    }

    fn call(
        emulator: &mut Emulator,
        key: &str,
        secret: &str,
        token: Option<&str>,
        params: &[(&str, &str)],
    ) -> Result<StsAnswer, StsError> {
        let (headers, body) = signed(key, secret, token, params, NOW);
        let request = StsRequest {
            method: "POST",
            path: "/",
            query: None,
            headers: &headers,
            body: body.as_bytes(),
            params: form_urlencoded::parse(body.as_bytes()).into_owned().collect(),
        };
        emulator.sts_request(&request, NOW)
    }

    fn assume(emulator: &mut Emulator, extra: &[(&str, &str)]) -> Result<StsAnswer, StsError> {
        let mut params = vec![
            ("Action", "AssumeRole"),
            ("Version", VERSION),
            ("RoleArn", "arn:aws:iam::222222222222:role/Deploy"),
            ("RoleSessionName", "alice"),
        ];
        params.extend_from_slice(extra);
        call(emulator, "ASIASSOSSOSSOSSOSSO1", SECRET, Some(TOKEN), &params)
    }

    #[test]
    fn sso_credentials_assume_a_role_and_the_result_chains() {
        let mut emulator = emulator();
        let Ok(StsAnswer::AssumeRole {
            arn,
            assumed_role_id,
            access_key_id,
            secret_access_key,
            session_token,
            expiration,
        }) = assume(&mut emulator, &[("DurationSeconds", "900")])
        else {
            panic!("AssumeRole failed");
        };
        assert_eq!(arn, "arn:aws:sts::222222222222:assumed-role/Deploy/alice");
        assert!(assumed_role_id.starts_with("AROA") && assumed_role_id.ends_with(":alice"));
        assert!(access_key_id.starts_with("ASIA") && access_key_id.len() == 20);
        assert_eq!(expiration, rfc3339(NOW + 900_000));
        let identity = call(
            &mut emulator,
            &access_key_id,
            &secret_access_key,
            Some(&session_token),
            &[("Action", "GetCallerIdentity"), ("Version", VERSION)],
        );
        assert_eq!(
            identity,
            Ok(StsAnswer::CallerIdentity {
                arn: arn.clone(),
                user_id: assumed_role_id,
                account: "222222222222".into()
            })
        );
        let calls = &emulator.sts.calls;
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[0].access_key_id.as_deref(), Some("ASIASSOSSOSSOSSOSSO1"));
        assert_eq!(calls[0].duration_seconds, Some(serde_json::json!(900)));
        assert_eq!(calls[0].assumed_role_arn.as_deref(), Some(arn.as_str()));
        assert_eq!(emulator.stats.assume_role, 1);
        assert_eq!(emulator.stats.get_caller_identity, 1);
    }

    #[test]
    fn sso_identity_is_the_reserved_role() {
        let mut emulator = emulator();
        let identity = call(
            &mut emulator,
            "ASIASSOSSOSSOSSOSSO1",
            SECRET,
            Some(TOKEN),
            &[("Action", "GetCallerIdentity"), ("Version", VERSION)],
        );
        let Ok(StsAnswer::CallerIdentity { arn, account, .. }) = identity else {
            panic!("{identity:?}")
        };
        assert_eq!(
            arn,
            format!("arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/{SSO_USER}")
        );
        assert_eq!(account, "111111111111");
    }

    #[test]
    fn authentication_failures_have_the_aws_codes() {
        let mut emulator = emulator();
        let params = [("Action", "GetCallerIdentity"), ("Version", VERSION)];
        let code = |r: Result<StsAnswer, StsError>| r.map_err(|e| (e.status.as_u16(), e.code)).err();
        let mut e = emulator;
        assert_eq!(
            code(call(&mut e, "ASIASSOSSOSSOSSOSSO1", "wrong", Some(TOKEN), &params)),
            Some((403, "SignatureDoesNotMatch"))
        );
        assert_eq!(
            code(call(&mut e, "ASIAUNKNOWNUNKNOWN01", SECRET, Some(TOKEN), &params)),
            Some((403, "InvalidClientTokenId"))
        );
        assert_eq!(
            code(call(&mut e, "ASIASSOSSOSSOSSOSSO1", SECRET, Some("other"), &params)),
            Some((403, "InvalidClientTokenId"))
        );
        assert_eq!(
            code(call(&mut e, "ASIASSOSSOSSOSSOSSO1", SECRET, None, &params)),
            Some((403, "InvalidClientTokenId"))
        );
        assert_eq!(e.sts.expire_credentials(NOW), 1);
        assert_eq!(
            code(call(&mut e, "ASIASSOSSOSSOSSOSSO1", SECRET, Some(TOKEN), &params)),
            Some((400, "ExpiredToken"))
        );
        emulator = e;
        assert_eq!(emulator.stats.get_caller_identity, 0);
        assert_eq!(emulator.sts.calls.iter().filter(|c| c.status != 200).count(), 5);
    }

    #[test]
    fn a_signature_from_long_ago_is_refused() {
        let mut emulator = emulator();
        let params = [("Action", "GetCallerIdentity"), ("Version", VERSION)];
        let (headers, body) = signed(
            "ASIASSOSSOSSOSSOSSO1",
            SECRET,
            Some(TOKEN),
            &params,
            NOW - 16 * 60 * 1000,
        );
        let request = StsRequest {
            method: "POST",
            path: "/",
            query: None,
            headers: &headers,
            body: body.as_bytes(),
            params: form_urlencoded::parse(body.as_bytes()).into_owned().collect(),
        };
        let error = emulator.sts_request(&request, NOW).unwrap_err();
        assert_eq!(error.code, "SignatureDoesNotMatch");
        assert!(error.message.starts_with("Signature expired"), "{}", error.message);
    }

    #[test]
    fn chaining_limit_and_validation() {
        let mut emulator = emulator();
        let error = assume(&mut emulator, &[("DurationSeconds", "3601")]).unwrap_err();
        assert_eq!((error.status.as_u16(), error.code), (400, "ValidationError"));
        assert_eq!(
            error.message,
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
        );
        assert!(assume(&mut emulator, &[("DurationSeconds", "3600")]).is_ok());
        let error = assume(&mut emulator, &[("DurationSeconds", "899")]).unwrap_err();
        assert!(
            error.message.contains("greater than or equal to 900"),
            "{}",
            error.message
        );
        let error = call(
            &mut emulator,
            "ASIASSOSSOSSOSSOSSO1",
            SECRET,
            Some(TOKEN),
            &[
                ("Action", "AssumeRole"),
                ("Version", VERSION),
                ("RoleArn", "arn:aws:iam::222222222222:role/Deploy"),
                ("RoleSessionName", "a b"),
            ],
        )
        .unwrap_err();
        assert!(
            error.message.contains("regular expression pattern: [\\w+=,.@-]*"),
            "{}",
            error.message
        );
        let error = call(
            &mut emulator,
            "ASIASSOSSOSSOSSOSSO1",
            SECRET,
            Some(TOKEN),
            &[("Action", "AssumeRole"), ("Version", VERSION)],
        )
        .unwrap_err();
        assert!(
            error.message.starts_with("2 validation errors detected"),
            "{}",
            error.message
        );
    }

    #[test]
    fn iam_users_may_ask_for_more_than_an_hour() {
        let mut emulator = emulator();
        let user = emulator.sts.create_user(NewUser::default()).unwrap();
        assert_eq!(user.arn, "arn:aws:iam::111111111111:user/user-1");
        let params = [
            ("Action", "AssumeRole"),
            ("Version", VERSION),
            ("RoleArn", "arn:aws:iam::222222222222:role/path/Deploy"),
            ("RoleSessionName", "bob"),
            ("DurationSeconds", "7200"),
        ];
        let answer = call(
            &mut emulator,
            &user.access_key_id,
            &user.secret_access_key,
            None,
            &params,
        )
        .unwrap();
        let StsAnswer::AssumeRole { arn, expiration, .. } = answer else {
            panic!()
        };
        assert_eq!(arn, "arn:aws:sts::222222222222:assumed-role/Deploy/bob");
        assert_eq!(expiration, rfc3339(NOW + 7_200_000));
        // ... unless the role's MaxSessionDuration says otherwise.
        emulator
            .sts
            .set_role(
                "arn:aws:iam::222222222222:role/path/Deploy".into(),
                RoleRule {
                    max_session_duration: Some(3600),
                    ..RoleRule::default()
                },
            )
            .unwrap();
        let error = call(
            &mut emulator,
            &user.access_key_id,
            &user.secret_access_key,
            None,
            &params,
        )
        .unwrap_err();
        assert!(error.message.contains("MaxSessionDuration"), "{}", error.message);
        // A session token with a long-term key is refused.
        let error = call(
            &mut emulator,
            &user.access_key_id,
            &user.secret_access_key,
            Some("x"),
            &params,
        )
        .unwrap_err();
        assert_eq!(error.code, "InvalidClientTokenId");
    }

    #[test]
    fn role_rules_deny_external_id_and_mfa() {
        let mut emulator = emulator();
        let arn = "arn:aws:iam::222222222222:role/Deploy";
        emulator
            .sts
            .set_role(
                arn.into(),
                RoleRule {
                    deny: true,
                    ..RoleRule::default()
                },
            )
            .unwrap();
        let error = assume(&mut emulator, &[]).unwrap_err();
        assert_eq!((error.status.as_u16(), error.code), (403, "AccessDenied"));
        assert!(error.message.contains(
            "is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/Deploy"
        ));

        emulator
            .sts
            .set_role(
                arn.into(),
                RoleRule {
                    external_id: Some("xyz".into()),
                    ..RoleRule::default()
                },
            )
            .unwrap();
        assert_eq!(assume(&mut emulator, &[]).unwrap_err().code, "AccessDenied");
        assert_eq!(
            assume(&mut emulator, &[("ExternalId", "abc")]).unwrap_err().code,
            "AccessDenied"
        );
        assert!(assume(&mut emulator, &[("ExternalId", "xyz")]).is_ok());

        let serial = "arn:aws:iam::111111111111:mfa/alice";
        emulator
            .sts
            .set_role(
                arn.into(),
                RoleRule {
                    mfa_serial: Some(serial.into()),
                    mfa_code: Some("123456".into()),
                    ..RoleRule::default()
                },
            )
            .unwrap();
        assert_eq!(assume(&mut emulator, &[]).unwrap_err().code, "AccessDenied");
        let error = assume(&mut emulator, &[("SerialNumber", serial), ("TokenCode", "654321")]).unwrap_err();
        assert!(
            error.message.contains("invalid MFA one time pass code"),
            "{}",
            error.message
        );
        let error = assume(&mut emulator, &[("SerialNumber", serial), ("TokenCode", "12345")]).unwrap_err();
        assert_eq!(error.code, "ValidationError");
        assert!(assume(&mut emulator, &[("SerialNumber", serial), ("TokenCode", "123456")]).is_ok());
        // An empty rule removes it.
        emulator.sts.set_role(arn.into(), RoleRule::default()).unwrap();
        assert!(emulator.sts.roles.is_empty());
        assert!(assume(&mut emulator, &[]).is_ok());
    }

    #[test]
    fn bad_admin_input_is_refused() {
        let mut sts = Sts::default();
        assert!(
            sts.set_role(
                "not-an-arn".into(),
                RoleRule {
                    deny: true,
                    ..RoleRule::default()
                }
            )
            .is_err()
        );
        assert!(
            sts.set_role(
                "arn:aws:iam::222222222222:role/R".into(),
                RoleRule {
                    mfa_serial: Some("arn:aws:iam::1:mfa/x".into()),
                    ..RoleRule::default()
                }
            )
            .is_err()
        );
        assert!(
            sts.create_user(NewUser {
                access_key_id: Some("ASIAXXXXXXXXXXXXXXXX".into()),
                ..NewUser::default()
            })
            .is_err()
        );
        assert!(
            sts.create_user(NewUser {
                account_id: Some("12".into()),
                ..NewUser::default()
            })
            .is_err()
        );
        let user = sts
            .create_user(NewUser {
                user_name: Some("ci".into()),
                ..NewUser::default()
            })
            .unwrap();
        assert!(
            sts.create_user(NewUser {
                user_name: Some("ci".into()),
                ..NewUser::default()
            })
            .is_err()
        );
        assert!(user.access_key_id.starts_with("AKIA"));
        assert_eq!(sts.expire_credentials(NOW), 0, "user keys never expire");
    }

    #[test]
    fn xml_shapes() {
        let error = StsError::access_denied("a < b & c");
        assert_eq!(
            error_xml(&error, "rid"),
            "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>\
             <Code>AccessDenied</Code><Message>a &lt; b &amp; c</Message></Error><RequestId>rid</RequestId>\
             </ErrorResponse>"
        );
        assert_eq!(rfc3339(1_800_000_000_000), "2027-01-15T08:00:00Z");
        assert_eq!(parse_amz_date("20270115T080000Z"), Some(1_800_000_000_000));
        assert_eq!(
            parse_role_arn("arn:aws:iam::123456789012:role/a/b/Name"),
            Some(("aws", "123456789012", "Name"))
        );
        assert_eq!(parse_role_arn("arn:aws:iam::123456789012:user/Name"), None);
    }
}
