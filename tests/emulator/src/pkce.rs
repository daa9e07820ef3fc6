//! PKCE (RFC 7636) and the loopback redirect-URI rule (RFC 8252 §7.3) used by `GET /authorize` and the
//! `authorization_code` grant (protocol.md §4, "Emulator `/authorize` behaviour to model").

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// `base64url_nopad(sha256(verifier))`: the S256 challenge (protocol.md §4 "PKCE parameters"; RFC 7636 §4.2).
pub(crate) fn s256_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// RFC 7636 §4.1: a verifier is 43–128 characters from `[A-Za-z0-9-._~]` (the CLI uses 64, protocol.md §4).
pub(crate) fn is_valid_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// The check done at `/token`: `base64url_nopad(sha256(codeVerifier)) == code_challenge` (protocol.md §4).
pub(crate) fn verifier_matches(verifier: &str, challenge: &str) -> bool {
    is_valid_verifier(verifier) && s256_challenge(verifier) == challenge
}

/// The parts of an absolute `scheme://host[:port]/path?query` URI that redirect matching compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Uri {
    pub(crate) scheme: String,
    /// Lower-cased; IPv6 literals keep their brackets (`[::1]`).
    pub(crate) host: String,
    pub(crate) port: Option<u16>,
    /// Path and query, exactly as given; an empty path is normalised to `/`.
    pub(crate) path_and_query: String,
}

/// Parses an absolute redirect URI. Returns `None` for anything a redirect URI may not be: no scheme or host,
/// user info, a fragment (RFC 6749 §3.1.2) or a bad port.
pub(crate) fn parse_uri(uri: &str) -> Option<Uri> {
    let (scheme, rest) = uri.split_once("://")?;
    if scheme.is_empty()
        || !scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
    {
        return None;
    }
    if rest.contains('#') {
        return None;
    }
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path_and_query) = rest.split_at(end);
    if authority.contains('@') {
        return None;
    }
    let (host, port) = if authority.starts_with('[') {
        let close = authority.find(']')?;
        let (host, after) = authority.split_at(close + 1);
        match after {
            "" => (host, None),
            _ => (host, Some(after.strip_prefix(':')?.parse::<u16>().ok()?)),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port.parse::<u16>().ok()?)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return None;
    }
    let path_and_query = if path_and_query.is_empty() || path_and_query.starts_with('?') {
        format!("/{path_and_query}")
    } else {
        path_and_query.to_owned()
    };
    Some(Uri {
        scheme: scheme.to_ascii_lowercase(),
        host: host.to_ascii_lowercase(),
        port,
        path_and_query,
    })
}

/// A loopback host for RFC 8252 §7.3 (IP literals) and §8.3 (`localhost`).
fn is_loopback(host: &str) -> bool {
    matches!(host, "127.0.0.1" | "[::1]" | "localhost")
}

/// Whether `requested` (the `redirect_uri` sent to `/authorize`) matches the `registered` one.
///
/// protocol.md §4: "Check that `redirect_uri` matches a registered one **ignoring the port** (RFC 8252 loopback rule,
/// since registration has no port)". Scheme, host, path and query must be equal; the port is ignored only for an
/// `http` loopback registration and must otherwise be equal too.
pub(crate) fn redirect_matches(registered: &str, requested: &str) -> bool {
    let (Some(registered), Some(requested)) = (parse_uri(registered), parse_uri(requested)) else {
        return false;
    };
    let loopback = registered.scheme == "http" && is_loopback(&registered.host);
    registered.scheme == requested.scheme
        && registered.host == requested.host
        && registered.path_and_query == requested.path_and_query
        && (loopback || registered.port == requested.port)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_matches_rfc7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(s256_challenge(verifier), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        assert!(verifier_matches(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!verifier_matches(
            "x".repeat(43).as_str(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
    }

    #[test]
    fn challenge_is_43_chars_without_padding() {
        // protocol.md §4: the CLI trims the single `=` pad, giving 43 characters.
        let challenge = s256_challenge(&"a".repeat(64));
        assert_eq!(challenge.len(), 43);
        assert!(!challenge.contains('='));
    }

    #[test]
    fn verifier_charset_and_length() {
        assert!(is_valid_verifier(&"A-._~9".repeat(8)));
        assert!(!is_valid_verifier(&"a".repeat(42)));
        assert!(!is_valid_verifier(&"a".repeat(129)));
        assert!(!is_valid_verifier(&format!("{}+", "a".repeat(50))));
        // A verifier that is too short never matches, even if its hash would.
        let short = "abc";
        assert!(!verifier_matches(short, &s256_challenge(short)));
    }

    #[test]
    fn parses_uris() {
        let uri = parse_uri("http://127.0.0.1:55555/oauth/callback").unwrap();
        assert_eq!(uri.host, "127.0.0.1");
        assert_eq!(uri.port, Some(55555));
        assert_eq!(uri.path_and_query, "/oauth/callback");
        let uri = parse_uri("http://[::1]:80/cb?x=1").unwrap();
        assert_eq!(
            (uri.host.as_str(), uri.port, uri.path_and_query.as_str()),
            ("[::1]", Some(80), "/cb?x=1")
        );
        assert_eq!(parse_uri("HTTP://LocalHost").unwrap().path_and_query, "/");
        for bad in [
            "127.0.0.1/cb",
            "http://",
            "http://:80/",
            "http://h:99999/",
            "http://u@h/",
            "http://h/#f",
            "://h/",
        ] {
            assert_eq!(parse_uri(bad), None, "{bad}");
        }
    }

    #[test]
    fn loopback_redirects_ignore_the_port() {
        // The CLI registers `http://127.0.0.1/oauth/callback` and authorizes with an ephemeral port (protocol.md §4).
        let registered = "http://127.0.0.1/oauth/callback";
        assert!(redirect_matches(registered, "http://127.0.0.1:55555/oauth/callback"));
        assert!(redirect_matches(registered, "http://127.0.0.1/oauth/callback"));
        assert!(redirect_matches("http://[::1]:1/cb", "http://[::1]:2/cb"));
        assert!(!redirect_matches(registered, "http://127.0.0.1:55555/oauth/other"));
        assert!(!redirect_matches(registered, "http://127.0.0.2:55555/oauth/callback"));
        assert!(!redirect_matches(registered, "https://127.0.0.1:55555/oauth/callback"));
        assert!(!redirect_matches(
            registered,
            "http://127.0.0.1:55555/oauth/callback?extra=1"
        ));
        assert!(!redirect_matches(registered, "not a uri"));
    }

    #[test]
    fn non_loopback_redirects_need_the_same_port() {
        assert!(redirect_matches("https://example.com/cb", "https://example.com/cb"));
        assert!(!redirect_matches(
            "https://example.com/cb",
            "https://example.com:8443/cb"
        ));
        assert!(redirect_matches(
            "https://example.com:8443/cb",
            "https://EXAMPLE.com:8443/cb"
        ));
    }
}
