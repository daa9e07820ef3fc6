//! The few facts the prompt (and `use`) need about one profile, remembered between runs so the prompt path does not
//! parse a large config file before every prompt.
//!
//! `~/.aws/awsso/profile-facts.json` (0600) holds the facts of recently used profiles together with a fingerprint of
//! both AWS files: path, device, inode, size and modification time in nanoseconds. Any change to either file changes
//! the fingerprint and the facts are resolved again from a full parse, exactly as before; otherwise the prompt costs
//! two `stat`s and one small read. A parse of a 5,000-profile config is about 1.5 ms plus the page faults of reading
//! 700 KB, several times the cost of starting the binary (see `scripts/bench`).

use std::collections::BTreeMap;
use std::path::Path;

use crate::config::{Files, Kind};
use crate::env::Env;

/// Changes whenever what [`Facts`] holds for a profile changes.
const FORMAT: &str = "2";
/// How many profiles the file remembers; the prompt only ever asks for the active one.
const KEEP: usize = 32;

/// What the prompt shows and what finds the token, for one profile.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Facts {
    pub(crate) kind: Kind,
    pub(crate) account_id: Option<String>,
    pub(crate) role_name: Option<String>,
    pub(crate) sso_session: Option<String>,
    pub(crate) region: Option<String>,
    /// The session name or legacy start URL that names the token file.
    pub(crate) token_key: Option<String>,
}

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Store {
    fingerprint: String,
    /// `null` for a name that is not a profile.
    profiles: BTreeMap<String, Option<Facts>>,
}

fn fingerprint(env: &Env) -> String {
    let one = |path: Option<&Path>| -> String {
        let Some(path) = path else { return "-".to_owned() };
        let stamp = std::fs::metadata(path).ok().map_or_else(
            || "absent".to_owned(),
            |m| {
                let mtime = m
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
                #[cfg(unix)]
                let id = {
                    use std::os::unix::fs::MetadataExt as _;
                    format!("{}:{}", m.dev(), m.ino())
                };
                #[cfg(not(unix))]
                let id = String::new();
                format!("{id}:{}:{}", m.len(), mtime.map_or(0, |d| d.as_nanos()))
            },
        );
        format!("{}={stamp}", path.display())
    };
    // The version: facts an older awsso resolved (before role chains, say) are resolved again.
    format!(
        "{FORMAT}|{}|{}",
        one(env.config_file().as_deref()),
        one(env.credentials_file().as_deref())
    )
}

/// The facts of one profile. A role chain shows the account and role of its last `role_arn`, and the session
/// (and token) of the SSO profile at its root (protocol.md §12.1).
fn resolve(config: &crate::config::Config<'_>, p: &crate::config::Profile<'_, '_>) -> Facts {
    let s = crate::config::chain::summary(config, p);
    Facts {
        kind: p.kind(),
        account_id: s.account_id.map(str::to_owned),
        role_name: s.role_name.map(str::to_owned),
        sso_session: s.sso_session.map(str::to_owned),
        region: p.region().map(str::to_owned),
        token_key: s.token_key.map(str::to_owned),
    }
}

/// The facts of profile `name`, or `None` when it is not a profile or the files cannot be read (the prompt then
/// shows less; commands that need more parse the files themselves and report errors).
pub(crate) fn of(env: &Env, name: &str) -> Option<Facts> {
    let store_path = crate::paths::facts_file(env)?;
    let fingerprint = fingerprint(env);
    let mut store: Store = std::fs::read(&store_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .filter(|s: &Store| s.fingerprint == fingerprint)
        .unwrap_or_else(|| Store {
            fingerprint,
            profiles: BTreeMap::new(),
        });
    if let Some(known) = store.profiles.get(name) {
        return known.clone();
    }
    let files = Files::load(env).ok()?;
    let config = files.parse().ok()?;
    let facts = config.profile(name).map(|p| resolve(&config, &p));
    if store.profiles.len() >= KEEP {
        store.profiles.clear();
    }
    store.profiles.insert(name.to_owned(), facts.clone());
    // Best effort: a read-only HOME only costs the next prompt another parse.
    if let Ok(text) = serde_json::to_vec(&store) {
        let _ = crate::private_fs::write_private(&store_path, &text);
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_until_a_file_changes() {
        let home = tempfile::tempdir().unwrap();
        let config = home.path().join(".aws/config");
        std::fs::create_dir_all(config.parent().unwrap()).unwrap();
        std::fs::write(
            &config,
            "[profile a]\nsso_session = s\nsso_account_id = 1\nsso_role_name = R\n",
        )
        .unwrap();
        let env = Env::from_pairs([("HOME", home.path().to_str().unwrap())]);
        let first = of(&env, "a").unwrap();
        assert_eq!((first.kind, first.token_key.as_deref()), (Kind::Sso, Some("s")));
        assert_eq!(of(&env, "nope"), None);
        assert!(home.path().join(".aws/awsso/profile-facts.json").exists());
        // A changed file (different size, so even a coarse clock cannot hide it) is read again.
        std::fs::write(&config, "[profile a]\nregion = eu-west-1\n").unwrap();
        let second = of(&env, "a").unwrap();
        assert_eq!(
            (second.kind, second.region.as_deref()),
            (Kind::Other, Some("eu-west-1"))
        );
        // The stored facts are what a full parse says, read back without one.
        std::fs::write(home.path().join(".aws/awsso/profile-facts.json"), {
            let mut store: Store =
                serde_json::from_slice(&std::fs::read(home.path().join(".aws/awsso/profile-facts.json")).unwrap())
                    .unwrap();
            store.profiles.get_mut("a").unwrap().as_mut().unwrap().region = Some("from-the-store".into());
            serde_json::to_vec(&store).unwrap()
        })
        .unwrap();
        assert_eq!(of(&env, "a").unwrap().region.as_deref(), Some("from-the-store"));
    }
}
