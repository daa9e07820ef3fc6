//! The authorization code flow with PKCE (protocol.md §4): the verifier and challenge, the authorize URL, and the
//! loopback listener that receives the browser's redirect.

use std::time::Duration;

use anyhow::{anyhow, bail};
use aws_sdk_ssooidc::operation::create_token::CreateTokenError;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use tokio::io::AsyncWriteExt as _;

use super::{DEFAULT_SCOPE, Granted, granted, open_browser};
use crate::env::Env;
use crate::report::{self, Event};
use crate::secret::Secret;
use crate::sso::client;
use crate::sso::registration::Registration;
use crate::sso::target::Target;

/// Python's `quote(safe='')`: everything but the RFC 3986 unreserved characters is encoded, as the CLI encodes the
/// authorize URL's parameters (§4 "Authorize URL").
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

fn quote(s: &str) -> String {
    utf8_percent_encode(s, QUERY_VALUE).to_string()
}

pub(super) async fn flow(
    env: &Env,
    oidc: &aws_sdk_ssooidc::Client,
    target: &Target,
    reg: &Registration,
    open: bool,
    timeout: Duration,
) -> anyhow::Result<Granted> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.map_err(|e| {
        anyhow!("could not listen on 127.0.0.1 for the browser's redirect ({e}); use --use-device-code instead")
    })?;
    let port = listener.local_addr()?.port();
    let redirect_uri = format!("http://127.0.0.1:{port}/oauth/callback");
    let pkce = Pkce::generate()?;
    let scopes = target.scopes.clone().unwrap_or_else(|| vec![DEFAULT_SCOPE.to_owned()]);
    // Parameter order and encoding as the CLI builds it (§4 "Authorize URL").
    let url = format!(
        "{}/authorize?response_type=code&client_id={}&redirect_uri={}&state={}&code_challenge_method=S256&scopes={}&code_challenge={}",
        client::oidc_base_url(env, &target.region),
        quote(&reg.client_id),
        quote(&redirect_uri),
        quote(&pkce.state),
        quote(&scopes.join(" ")),
        pkce.challenge,
    );
    report::emit(&Event::Visit {
        what: &target.describe(),
        url: &url,
        code: None,
    });
    open_browser(env, &url, open);
    report::emit(&Event::Waiting {
        what: "waiting for the browser",
        deadline: std::time::Instant::now() + timeout,
    });
    let code = tokio::time::timeout(timeout, callback(&listener, &pkce.state)).await;
    report::emit(&Event::Done);
    let code = code.map_err(|_| {
        anyhow!(
            "no answer from the browser in {}s; run the login again, or use --use-device-code",
            timeout.as_secs()
        )
    })??;
    let out = oidc
        .create_token()
        .client_id(&reg.client_id)
        .client_secret(reg.client_secret.expose())
        .grant_type("authorization_code")
        .code(code.expose())
        .redirect_uri(&redirect_uri)
        .code_verifier(pkce.verifier.expose())
        .send()
        .await
        .map_err(|e| match e.as_service_error() {
            Some(CreateTokenError::ExpiredTokenException(_)) => anyhow!("the login took too long; run it again"),
            _ => anyhow!(
                "the login failed: {}",
                client::describe_at(&e, &client::oidc_base_url(env, &target.region))
            ),
        })?;
    Ok(granted(&out))
}

struct Pkce {
    verifier: Secret,
    challenge: String,
    state: String,
}

impl Pkce {
    /// A 64-character verifier from the unreserved set, its S256 challenge, and a UUID4 `state` (§4).
    fn generate() -> anyhow::Result<Self> {
        use base64::Engine as _;
        use ring::rand::SecureRandom as _;
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
        let rng = ring::rand::SystemRandom::new();
        let mut bytes = [0u8; 80];
        rng.fill(&mut bytes).map_err(|_| anyhow!("no randomness available"))?;
        let verifier: String = bytes[..64]
            .iter()
            .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
            .collect();
        let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
        let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref());
        let mut u = [0u8; 16];
        u.copy_from_slice(&bytes[64..80]);
        let state = uuid::Builder::from_random_bytes(u).into_uuid().to_string();
        Ok(Self {
            verifier: Secret::new(verifier),
            challenge,
            state,
        })
    }
}

/// How long one connection to the listener may take to send its whole request head: a browser sends it at once, and
/// an idle or trickling connection is dropped after this, never holding up the others.
const REQUEST_DEADLINE: Duration = Duration::from_secs(10);

/// What one connection to the listener brought.
enum Outcome {
    /// Not our redirect (another path, no or another `state`, an idle or broken connection): keep listening.
    Ignored,
    Code(Secret),
    Failed(String),
}

/// Serve the loopback redirect until it brings a code with our `state`, or an error with our `state`. Connections are
/// served concurrently, each with a whole-request deadline, so an idle or trickling one stalls nothing; a request
/// without our `state` is answered and ignored, as the AWS CLI does (anything on this machine can connect here).
async fn callback(listener: &tokio::net::TcpListener, state: &str) -> anyhow::Result<Secret> {
    let state: std::sync::Arc<str> = state.into();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Outcome>();
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _) = accepted?;
                let (tx, state) = (tx.clone(), state.clone());
                tasks.spawn(async move {
                    let _ = tx.send(serve(stream, &state).await);
                });
            }
            Some(outcome) = rx.recv() => match outcome {
                Outcome::Ignored => {}
                Outcome::Code(code) => return Ok(code),
                Outcome::Failed(why) => bail!("{why}"),
            },
        }
    }
}

/// Read one request (within [`REQUEST_DEADLINE`]), answer it, and say what it brought.
async fn serve(mut stream: tokio::net::TcpStream, state: &str) -> Outcome {
    let Some((_, target)) = crate::loopback::request_line(&mut stream, REQUEST_DEADLINE).await else {
        return Outcome::Ignored;
    };
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    if path != "/oauth/callback" {
        let _ = respond(&mut stream, "404 Not Found", "Not found.").await;
        return Outcome::Ignored;
    }
    let params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let get = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    if get("state") != Some(state) {
        let _ = respond(
            &mut stream,
            "400 Bad Request",
            "This login link is not the one awsso started.",
        )
        .await;
        return Outcome::Ignored;
    }
    if let Some(error) = get("error") {
        let _ = respond(
            &mut stream,
            "200 OK",
            "The login was not completed. You can close this tab.",
        )
        .await;
        return Outcome::Failed(format!("the login was not completed in the browser ({error})"));
    }
    let Some(code) = get("code") else {
        let _ = respond(&mut stream, "400 Bad Request", "The redirect carried no code.").await;
        return Outcome::Failed("the browser's redirect carried no authorization code; run the login again".into());
    };
    let _ = respond(
        &mut stream,
        "200 OK",
        "awsso is logged in. You can close this tab and return to your terminal.",
    )
    .await;
    Outcome::Code(Secret::new(code))
}

async fn respond(stream: &mut tokio::net::TcpStream, status: &str, message: &str) -> std::io::Result<()> {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>awsso</title></head>\
         <body style=\"font-family:sans-serif;margin:3em\"><h1>awsso</h1><p>{message}</p></body></html>"
    );
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    stream.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_shapes() {
        let p = Pkce::generate().unwrap();
        assert_eq!(p.verifier.expose().len(), 64);
        assert_eq!(p.challenge.len(), 43);
        assert_eq!(p.state.len(), 36);
        assert_eq!(&p.state[14..15], "4", "a version 4 UUID");
        assert!(
            matches!(&p.state[19..20], "8" | "9" | "a" | "b"),
            "the RFC 4122 variant"
        );
    }

    #[test]
    fn quoting_is_pythons_quote_with_nothing_safe() {
        assert_eq!(
            quote("http://127.0.0.1:5/oauth/callback"),
            "http%3A%2F%2F127.0.0.1%3A5%2Foauth%2Fcallback"
        );
        assert_eq!(quote("sso:account:access a"), "sso%3Aaccount%3Aaccess%20a");
        assert_eq!(quote("a-b.c_d~é"), "a-b.c_d~%C3%A9");
    }
}
