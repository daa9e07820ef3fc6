//! Account names remembered offline: `awsso accounts` writes the account id → name map of a session, and `list`,
//! `prompt` and the `use` picker read it without touching the network.
//!
//! The file is `~/.aws/awsso/accounts/<sha1 of the session key>.json` (the key is the session name, or the start URL
//! of a legacy profile, as for the token cache, protocol.md §1.1), mode 0600, replaced atomically.
//!
//! Why not beside the tokens in `~/.aws/sso/cache`: that directory is shared with every AWS tool. `aws sso logout`
//! opens every file there and deletes the JSON objects that have an `accessToken` (harmless for this file, but
//! it is still read and parsed on every logout), and many scripts and tools take "the newest `*.json` in the SSO
//! cache" to be the token — this file, written after a login, would be the newest. botocore and the SDKs only open
//! `<sha1>.json` there. A directory of awsso's own under `~/.aws` is read by nothing else, moves with `~/.aws`, and
//! is not a credential, so `logout` leaves it alone: names stay known for prompts after a logout.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use crate::clock::{cli_timestamp, now};
use crate::config::chain::Summary;
use crate::env::Env;
use crate::paths;
use crate::private_fs::write_private;
use crate::sso::target::Target;

/// The file as written. A JSON object with no `accessToken` member, so that even a tool that sweeps JSON files
/// for tokens (as `aws sso logout` does in its own directory) would leave it alone.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct NamesFile {
    #[serde(default)]
    sso_session: Option<String>,
    #[serde(default)]
    start_url: String,
    #[serde(default)]
    updated_at: String,
    /// Account id → account name, as the portal's `ListAccounts` returned them.
    accounts: BTreeMap<String, String>,
}

/// The remembered names of a session, or `None` when there are none (never fetched, unreadable or corrupt: names
/// are a nicety, never a reason to fail).
pub(crate) fn load(env: &Env, key: &str) -> Option<BTreeMap<String, String>> {
    let bytes = std::fs::read(paths::names_file(env, key)?).ok()?;
    serde_json::from_slice::<NamesFile>(&bytes).ok().map(|f| f.accounts)
}

/// The remembered name of one account. One small file read; used on the prompt path.
pub(crate) fn lookup(env: &Env, key: &str, account_id: &str) -> Option<String> {
    load(env, key)?.remove(account_id).filter(|n| !n.is_empty())
}

/// Remembered names for many profiles (`list`, the picker): each session's file is read at most once.
pub(crate) struct Remembered<'e> {
    env: &'e Env,
    sessions: HashMap<String, Option<BTreeMap<String, String>>>,
}

impl<'e> Remembered<'e> {
    pub(crate) fn new(env: &'e Env) -> Self {
        Self {
            env,
            sessions: HashMap::new(),
        }
    }

    /// The name of the account a profile points at, if `awsso accounts` has seen it.
    pub(crate) fn of(&mut self, profile: &Summary<'_>) -> Option<String> {
        let (key, account) = profile.token_key.zip(profile.account_id)?;
        let env = self.env;
        self.sessions
            .entry(key.to_owned())
            .or_insert_with(|| load(env, key))
            .as_ref()?
            .get(account)
            .filter(|n| !n.is_empty())
            .cloned()
    }
}

/// Replace the session's names with `accounts` (the whole, fresh listing: an account no longer reachable is
/// forgotten). Returns the file written.
pub(crate) fn save(env: &Env, target: &Target, accounts: BTreeMap<String, String>) -> anyhow::Result<PathBuf> {
    use anyhow::Context as _;
    let path = paths::names_file(env, target.cache_key())
        .ok_or_else(|| anyhow::anyhow!("HOME is not set, so account names cannot be remembered"))?;
    let file = NamesFile {
        sso_session: target.session.clone(),
        start_url: target.start_url.clone(),
        updated_at: cli_timestamp(now()),
        accounts,
    };
    let mut text = serde_json::to_string_pretty(&file)?;
    text.push('\n');
    write_private(&path, text.as_bytes()).with_context(|| format!("could not write {}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> Target {
        Target {
            session: Some("corp".into()),
            start_url: "https://d-0000000000.awsapps.com/start".into(),
            region: "us-east-1".into(),
            scopes: None,
        }
    }

    #[test]
    fn round_trip_and_replace() {
        let home = tempfile::tempdir().unwrap();
        let env = Env::from_pairs([("HOME", home.path().to_str().unwrap())]);
        assert_eq!(lookup(&env, "corp", "111111111111"), None);
        let names = BTreeMap::from([("111111111111".to_owned(), "Prod".to_owned())]);
        let written = save(&env, &target(), names).unwrap();
        assert_eq!(
            written,
            home.path()
                .join(format!(".aws/awsso/accounts/{}.json", paths::sha1_hex("corp")))
        );
        assert_eq!(lookup(&env, "corp", "111111111111").as_deref(), Some("Prod"));
        assert_eq!(lookup(&env, "other", "111111111111"), None, "per session");
        save(&env, &target(), BTreeMap::new()).unwrap();
        assert_eq!(
            lookup(&env, "corp", "111111111111"),
            None,
            "a new listing replaces the old"
        );
        let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&written).unwrap()).unwrap();
        assert!(json.is_object() && json.get("accessToken").is_none());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(std::fs::metadata(&written).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn a_corrupt_file_is_no_names() {
        let home = tempfile::tempdir().unwrap();
        let env = Env::from_pairs([("HOME", home.path().to_str().unwrap())]);
        let p = paths::names_file(&env, "corp").unwrap();
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, "{not json").unwrap();
        assert_eq!(load(&env, "corp"), None);
    }
}
