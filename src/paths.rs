//! Where every file awsso reads or writes lives, derived from [`Env`] in this one place: the AWS files shared with
//! the AWS CLI and SDKs (protocol.md §1.1, §2, §6.2, §7.1) and awsso's own directory, `~/.aws/awsso`.
//!
//! Functions that return `Result` are for writers: without a HOME there is nowhere to write, and the error says
//! which file had no place. Readers on the prompt path use the `Option` forms and show less instead.

use std::path::PathBuf;

use anyhow::anyhow;
use sha1::{Digest as _, Sha1};

use crate::env::Env;

/// Lowercase hex SHA-1, as the AWS CLI names its cache files (protocol.md §1.1, §2, §7.1).
pub(crate) fn sha1_hex(text: &str) -> String {
    hex(&Sha1::digest(text.as_bytes()))
}

/// Lowercase hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn home_or(env: &Env, what: &str) -> anyhow::Result<PathBuf> {
    env.home()
        .ok_or_else(|| anyhow!("HOME is not set, so {what} has no place; set HOME"))
}

/// `~/.aws/sso/cache`: neither botocore nor the Rust SDK lets a variable move it (protocol.md §1.1).
pub(crate) fn sso_cache_dir(env: &Env) -> Option<PathBuf> {
    env.home().map(|h| h.join(".aws/sso/cache"))
}

/// The token file of a session: `~/.aws/sso/cache/<sha1(session name | start URL)>.json` (protocol.md §1.1).
pub(crate) fn token_file(env: &Env, cache_key: &str) -> anyhow::Result<PathBuf> {
    Ok(home_or(env, "the SSO cache (~/.aws/sso/cache)")?
        .join(".aws/sso/cache")
        .join(format!("{}.json", sha1_hex(cache_key))))
}

/// The token file for readers that must not fail (the prompt).
pub(crate) fn token_file_opt(env: &Env, cache_key: &str) -> Option<PathBuf> {
    sso_cache_dir(env).map(|d| d.join(format!("{}.json", sha1_hex(cache_key))))
}

/// A client registration: `~/.aws/sso/cache/<registration key>.json` (protocol.md §2).
pub(crate) fn registration_file(env: &Env, registration_key: &str) -> anyhow::Result<PathBuf> {
    Ok(home_or(env, "the SSO cache (~/.aws/sso/cache)")?
        .join(".aws/sso/cache")
        .join(format!("{registration_key}.json")))
}

/// A role-credential or assume-role cache entry: `~/.aws/cli/cache/<key>.json` (protocol.md §7.1, §12.2).
pub(crate) fn cli_cache_file(env: &Env, key: &str) -> anyhow::Result<PathBuf> {
    Ok(home_or(env, "the credential cache (~/.aws/cli/cache)")?
        .join(".aws/cli/cache")
        .join(format!("{key}.json")))
}

/// awsso's own directory. Not `~/.aws/sso/cache`, which other tools read file by file: `aws sso logout` parses
/// every file there as JSON, and many scripts take "the newest `*.json`" there to be the token.
fn awsso_dir(env: &Env) -> Option<PathBuf> {
    env.home().map(|h| h.join(".aws/awsso"))
}

/// `~/.aws/awsso/locks/<name>.lock`.
pub(crate) fn lock_file(env: &Env, name: &str) -> anyhow::Result<PathBuf> {
    Ok(home_or(env, "awsso's lock files (~/.aws/awsso/locks)")?
        .join(".aws/awsso/locks")
        .join(format!("{name}.lock")))
}

/// The account names remembered for a session: `~/.aws/awsso/accounts/<sha1(session key)>.json`.
pub(crate) fn names_file(env: &Env, cache_key: &str) -> Option<PathBuf> {
    awsso_dir(env).map(|d| d.join("accounts").join(format!("{}.json", sha1_hex(cache_key))))
}

/// The remembered profile facts for the prompt: `~/.aws/awsso/profile-facts.json`.
pub(crate) fn facts_file(env: &Env) -> Option<PathBuf> {
    awsso_dir(env).map(|d| d.join("profile-facts.json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_keys_match_the_aws_cli() {
        // Vectors from protocol.md §1.1 and starship's aws module tests.
        assert_eq!(sha1_hex("my-sso"), "0ad374308c5a4e22f723adf10145eafad7c4031c");
        assert_eq!(
            sha1_hex("https://d-0000000000.awsapps.com/start"),
            "b51e627ec5d75dab0c56e37911d5b31610f612e0"
        );
    }

    #[test]
    fn every_path_is_under_home() {
        let env = Env::from_pairs([("HOME", "/h")]);
        let key = sha1_hex("corp");
        assert_eq!(
            token_file(&env, "corp").unwrap(),
            PathBuf::from(format!("/h/.aws/sso/cache/{key}.json"))
        );
        assert_eq!(
            cli_cache_file(&env, "k").unwrap(),
            PathBuf::from("/h/.aws/cli/cache/k.json")
        );
        assert_eq!(
            lock_file(&env, "l").unwrap(),
            PathBuf::from("/h/.aws/awsso/locks/l.lock")
        );
        assert_eq!(
            names_file(&env, "corp"),
            Some(PathBuf::from(format!("/h/.aws/awsso/accounts/{key}.json")))
        );
        let none = Env::from_pairs([]);
        assert!(
            token_file(&none, "corp")
                .unwrap_err()
                .to_string()
                .contains("HOME is not set")
        );
        assert_eq!(token_file_opt(&none, "corp"), None);
    }
}
