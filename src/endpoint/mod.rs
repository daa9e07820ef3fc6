//! The container credential endpoint (protocol.md §14) behind `exec --server` and `serve`: a loopback HTTP server
//! that answers the SDKs' container provider with a profile's credentials, kept fresh in memory ([`refresh`]).
//!
//! Security (issue 13): it listens on 127.0.0.1 only; a `Host` other than `127.0.0.1:PORT` or `localhost:PORT` gets
//! 403 (DNS rebinding: a web page's script reaches loopback under its own host name); a missing or wrong
//! `Authorization` gets 401, the token (256 random bits) compared in constant time; the token travels only in the
//! environment and on `serve`'s stdout, never on argv or in a log line.
//!
//! Why no HTTP crate: the only servers in the dependency tree (hyper, axum) are the test emulator's, and this
//! endpoint has one route, one method and no body, answered once per connection. A strict request-head reader on
//! tokio's `TcpListener` ([`http`]) is short, refuses whatever it does not need, and keeps a server framework out
//! of the binary.

mod http;
mod refresh;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use ring::hmac;
use tokio::io::AsyncWriteExt as _;

use crate::clock::{cli_timestamp, now};
use crate::config::{Config, Files, Kind};
use crate::credentials::Credentials;
use crate::env::Env;
use crate::report;
use crate::resolve;
use crate::secret::Secret;
use crate::sso::login::Interaction;

pub(crate) use refresh::Source;

/// The one path served.
const PATH: &str = "/";
/// A client gets this long to send its request head.
const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections handled at once; more wait to be accepted.
const MAX_CONNECTIONS: usize = 64;
/// Long-term keys (no expiration) are handed out as if they expired this much later, since both SDKs require an
/// `Expiration`; they are asked for again then.
const LONG_TERM_LEASE: time::Duration = time::Duration::hours(1);

/// A bound endpoint: its address and token are known before it serves, so the child can be given them.
pub(crate) struct Endpoint {
    listener: std::net::TcpListener,
    port: u16,
    token: Secret,
    /// The token's HMAC under a random key: comparing tags with `hmac::verify` is constant-time.
    key: hmac::Key,
    tag: hmac::Tag,
    verbose: bool,
}

struct Shared {
    port: u16,
    key: hmac::Key,
    tag: hmac::Tag,
    cache: refresh::Cache,
    verbose: bool,
}

impl Endpoint {
    /// Listen on 127.0.0.1:`port` (0: a free one), first of all, so a taken port fails before any login. With
    /// `verbose`, one line per request (a [`report::note`]; never a secret).
    pub(crate) fn bind(port: u16, verbose: bool) -> anyhow::Result<Self> {
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)).map_err(|e| {
            anyhow::anyhow!(
                "could not listen on 127.0.0.1:{port}: {e}{}",
                if port == 0 {
                    ""
                } else {
                    "; choose another --port, or 0 for a free one"
                }
            )
        })?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let rng = ring::rand::SystemRandom::new();
        let token = crate::secret::random_token()?;
        let key = hmac::Key::generate(hmac::HMAC_SHA256, &rng)
            .map_err(|_| anyhow::anyhow!("no random numbers for the endpoint's token"))?;
        let tag = hmac::sign(&key, token.expose().as_bytes());
        Ok(Self {
            listener,
            port,
            token,
            key,
            tag,
            verbose,
        })
    }

    /// `AWS_CONTAINER_CREDENTIALS_FULL_URI`.
    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}{PATH}", self.port)
    }

    /// `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
    pub(crate) fn token(&self) -> &Secret {
        &self.token
    }

    /// Serve `initial`, re-resolved by `source` ahead of expiry, until the returned future is dropped (or the
    /// listener fails). `what` names the credentials in messages ("profile `dev`"). Must run inside a tokio
    /// runtime.
    pub(crate) async fn serve(self, initial: Credentials, source: Source, what: &str) -> anyhow::Result<()> {
        let listener = tokio::net::TcpListener::from_std(self.listener)?;
        let shared = Arc::new(Shared {
            port: self.port,
            key: self.key,
            tag: self.tag,
            cache: refresh::Cache::start(initial, source, what.to_owned()),
            verbose: self.verbose,
        });
        let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
        loop {
            let permit = slots.clone().acquire_owned().await?;
            let (stream, peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                // A connection reset before it was accepted, or a descriptor limit: not the server's end.
                Err(e) if is_transient(&e) => continue,
                Err(e) => return Err(e).context("the credential endpoint stopped accepting connections"),
            };
            let shared = shared.clone();
            tokio::spawn(async move {
                shared.handle(stream, peer).await;
                drop(permit);
            });
        }
    }
}

fn is_transient(e: &std::io::Error) -> bool {
    use std::io::ErrorKind as K;
    matches!(
        e.kind(),
        K::ConnectionAborted | K::ConnectionReset | K::Interrupted | K::WouldBlock
    ) || e.raw_os_error().is_some_and(|code| code == 23 || code == 24) // ENFILE, EMFILE
}

impl Shared {
    async fn handle(&self, mut stream: tokio::net::TcpStream, peer: SocketAddr) {
        let request = match tokio::time::timeout(READ_TIMEOUT, http::read_request(&mut stream)).await {
            Ok(Ok(Some(request))) => request,
            // Closed or broken before a whole request: nothing to answer.
            Ok(Ok(None) | Err(_)) => return,
            Err(_) => Err(http::Refused::Malformed("timed out reading the request")),
        };
        let (status, body, what) = match request {
            Ok(request) => self.answer(&request).await,
            Err(refused) => (
                refused.status(),
                error_body("BadRequest", refused.message()),
                "-".to_owned(),
            ),
        };
        if self.verbose {
            report::note(&format!("endpoint: {peer} {what} -> {status}"));
        }
        let response = http::response(status, &body, status == 405);
        let _ = stream.write_all(&response).await;
        let _ = stream.shutdown().await;
    }

    /// The status and body for a well-formed request, and how to log it (method and path, never a header).
    async fn answer(&self, request: &http::Request) -> (u16, String, String) {
        let path_ok = request.target == PATH;
        let what = format!("{} {}", request.method, if path_ok { PATH } else { "(another path)" });
        let host_ok = request.host.as_deref().is_some_and(|h| {
            h.strip_prefix("127.0.0.1:")
                .or_else(|| h.strip_prefix("localhost:"))
                .and_then(|p| p.parse::<u16>().ok())
                == Some(self.port)
        });
        if !host_ok {
            return (403, error_body("Forbidden", "Host is not this endpoint"), what);
        }
        let token_ok = request
            .authorization
            .as_deref()
            .is_some_and(|given| hmac::verify(&self.key, given, self.tag.as_ref()).is_ok());
        if !token_ok {
            return (
                401,
                error_body(
                    "Unauthorized",
                    "missing or wrong Authorization (AWS_CONTAINER_AUTHORIZATION_TOKEN)",
                ),
                what,
            );
        }
        if request.method != "GET" {
            return (405, error_body("MethodNotAllowed", "only GET"), what);
        }
        if !path_ok {
            return (404, error_body("NotFound", "no such path"), what);
        }
        match self.cache.current().await {
            Ok(creds) => (200, credentials_body(&creds), what),
            // botocore shows the body of a non-200 answer verbatim; the Rust SDK shows its status.
            Err(message) => (503, error_body("CredentialsUnavailable", &message), what),
        }
    }
}

/// The answer the container providers parse (§14): `Token` and `Expiration` are required by both SDKs.
fn credentials_body(creds: &Credentials) -> String {
    let expiration = creds.expiration.unwrap_or_else(|| now() + LONG_TERM_LEASE);
    let mut body = serde_json::json!({
        "AccessKeyId": creds.access_key_id,
        "SecretAccessKey": creds.secret_access_key.expose(),
        "Token": creds.session_token.as_ref().map_or("", Secret::expose),
        "Expiration": cli_timestamp(expiration),
    });
    if let Some(account) = &creds.account_id {
        body["AccountId"] = account.as_str().into();
    }
    body.to_string()
}

fn error_body(code: &str, message: &str) -> String {
    serde_json::json!({ "Code": code, "Message": message }).to_string()
}

/// A [`Source`] that resolves profile `name` as `exec` and `credential-process` do, reading the config afresh, and
/// never starting a login (nobody could answer it while CMD owns the terminal): when the SSO session needs one, the
/// error names the command.
pub(crate) fn profile_source(env: &Env, name: &str) -> Source {
    let env = env.clone();
    let name = name.to_owned();
    Box::new(move || {
        let files = Files::load(&env)?;
        let config = files.parse()?;
        let profile = config
            .profile(&name)
            .ok_or_else(|| anyhow::anyhow!("profile `{name}` is no longer in the config"))?;
        resolve::credentials(&env, &config, &profile, Interaction::Forbidden)
    })
}

/// Why a `[default]` profile would shadow the endpoint, if it does: every SDK's chain tries the default profile's
/// credentials (SSO, keys, a process, a role, web identity) before the container endpoint (§14).
pub(crate) fn default_shadows(config: &Config<'_>) -> Option<String> {
    let default = config.profile("default")?;
    let how = match default.kind() {
        Kind::Other if default.get("web_identity_token_file").is_some() => "web_identity_token_file",
        Kind::Other => return None,
        kind => kind.as_str(),
    };
    Some(format!(
        "profile `default` has credentials ({how}), and SDKs use them before the credential endpoint: CMD would \
         run as `default`; rename [default] (or remove its credentials) to use the endpoint"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies() {
        let creds = Credentials {
            access_key_id: "AKIA".into(),
            secret_access_key: Secret::new("s\"/"),
            session_token: None,
            expiration: None,
            account_id: Some("111111111111".into()),
        };
        let body: serde_json::Value = serde_json::from_str(&credentials_body(&creds)).unwrap();
        assert_eq!(body["SecretAccessKey"], "s\"/");
        assert_eq!(
            body["Token"], "",
            "long-term keys: an empty token, which botocore treats as none"
        );
        assert_eq!(body["AccountId"], "111111111111");
        let at = crate::clock::parse_timestamp(body["Expiration"].as_str().unwrap()).unwrap();
        assert!(at > now() + time::Duration::minutes(59));
        let err: serde_json::Value = serde_json::from_str(&error_body("X", "run `awsso login`")).unwrap();
        assert_eq!(err, serde_json::json!({"Code": "X", "Message": "run `awsso login`"}));
    }

    #[test]
    fn default_profiles_that_shadow() {
        let check = |text: &str| {
            let files = Files {
                config: text.to_owned(),
                ..Files::default()
            };
            let config = files.parse().unwrap();
            default_shadows(&config)
        };
        assert!(check("[default]\nregion = eu-west-1\n").is_none());
        assert!(check("[profile dev]\naws_access_key_id = a\naws_secret_access_key = b\n").is_none());
        for (text, how) in [
            ("[default]\nsso_session = corp\n", "(sso)"),
            (
                "[default]\naws_access_key_id = a\naws_secret_access_key = b\n",
                "(static)",
            ),
            ("[default]\ncredential_process = x\n", "(process)"),
            (
                "[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = x\n",
                "(chained)",
            ),
            (
                "[default]\nweb_identity_token_file = /t\nrole_arn = r\n",
                "(web_identity_token_file)",
            ),
        ] {
            let warning = check(text).unwrap_or_else(|| panic!("{text}"));
            assert!(warning.contains(how), "{warning}");
        }
    }
}
