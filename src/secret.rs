//! [`Secret`]: a string that `Debug` never shows (cli.md principle 5), and that no message shows either: every
//! secret in hand is remembered so [`redact`] can take it out of text from elsewhere (a portal's error message).

use std::sync::Mutex;

/// Every secret this process has held, for [`redact`]. Few and short-lived: a token, a refresh token, a client
/// secret, a code, role credentials.
static IN_HAND: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Shorter values are not taken out of messages: they would match ordinary words, and no AWS secret is that short.
const MIN_REDACTED: usize = 8;

/// `text` with every secret this process holds replaced by `***`: a hostile or careless endpoint that echoes the
/// bearer token or the client secret in its error message never puts it on stderr (issue 9).
pub(crate) fn redact(text: &str) -> std::borrow::Cow<'_, str> {
    let known = IN_HAND.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut out = std::borrow::Cow::Borrowed(text);
    for secret in known.iter() {
        if out.contains(secret.as_str()) {
            out = std::borrow::Cow::Owned(out.replace(secret.as_str(), "***"));
        }
    }
    out
}

/// A secret string: a token, a key, a client secret. `Debug` prints `Secret(***)`; only [`Secret::expose`] gives
/// the text, at the one place that sends or writes it.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn new(s: impl Into<String>) -> Self {
        let s = s.into();
        if s.len() >= MIN_REDACTED {
            let mut known = IN_HAND.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if !known.contains(&s) {
                known.push(s.clone());
            }
        }
        Self(s)
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

/// A fresh unguessable token: 256 random bits, base64url without padding (43 characters, safe in a URL path and a
/// header value).
pub(crate) fn random_token() -> anyhow::Result<Secret> {
    use base64::Engine as _;
    use ring::rand::SecureRandom as _;
    let mut bytes = [0u8; 32];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| anyhow::anyhow!("no randomness available"))?;
    Ok(Secret::new(
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes),
    ))
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_value() {
        let s = Secret::new("wJalrXUtnFEMI/K7MDENG");
        let shown = format!("{s:?} {:?}", Some(&s));
        assert!(!shown.contains("wJalr"), "{shown}");
        assert_eq!(s.expose(), "wJalrXUtnFEMI/K7MDENG");
    }

    /// Issue 9, finding 8: a portal that echoes the token in its error message.
    #[test]
    fn messages_lose_every_secret_in_hand() {
        let token = Secret::new("aoaAAAAAGecho-me-TOKEN");
        let text = format!(
            "InvalidRequestException: bad token {} (again: {})",
            token.expose(),
            token.expose()
        );
        assert_eq!(redact(&text), "InvalidRequestException: bad token *** (again: ***)");
        assert_eq!(redact("nothing here"), "nothing here");
    }
}
