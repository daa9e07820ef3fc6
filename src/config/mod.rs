//! The typed view of `~/.aws/config` and `~/.aws/credentials`: profiles and sso-sessions, resolved the way
//! botocore resolves them (protocol.md §6.1), since the AWS CLI is what awsso's users run beside it.
//!
//! [`Files`] owns the text that was read; [`Config`] borrows from it. Nothing here touches the network or the token
//! cache.

pub(crate) mod chain;
pub(crate) mod edit;
pub(crate) mod facts;
pub(crate) mod hints;
pub mod ini;
mod lex;
pub(crate) mod naming;
pub(crate) mod regions;

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use rustc_hash::FxBuildHasher;

use crate::env::Env;
use ini::Entry;
#[cfg(test)]
use ini::Value;

/// The raw text of both files. A missing file reads as empty, as it does for every AWS SDK.
#[derive(Debug, Default)]
pub struct Files {
    pub config_path: Option<PathBuf>,
    pub config: String,
    pub credentials_path: Option<PathBuf>,
    pub credentials: String,
}

/// The largest config or credentials file read: 100k profiles take about 15 MB, and `/dev/zero` would be read
/// until memory runs out (issue 9).
const MAX_FILE_BYTES: u64 = 256 << 20;

fn read_optional(path: Option<&Path>) -> anyhow::Result<String> {
    path.map_or_else(|| Ok(String::new()), read_text)
}

/// The text of a config or credentials file; a missing one reads as empty, as it does for every AWS SDK. Only a
/// regular file (or a symlink to one) is read, and only up to [`MAX_FILE_BYTES`]: a FIFO would hang every command,
/// the prompt included, and a device could be endless.
#[allow(clippy::naive_bytecount)] // only on the error path
pub(crate) fn read_text(path: &Path) -> anyhow::Result<String> {
    use std::io::Read as _;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    // Opening a FIFO for reading waits for a writer; non-blocking, it returns at once and is refused below.
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = match options.open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(String::new()),
        Err(e) => return Err(e).with_context(|| format!("could not read {}", path.display())),
    };
    let meta = file
        .metadata()
        .with_context(|| format!("could not read {}", path.display()))?;
    if !meta.is_file() {
        anyhow::bail!(
            "{} is not a regular file; point AWS_CONFIG_FILE/AWS_SHARED_CREDENTIALS_FILE at a file",
            path.display()
        );
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("could not read {}", path.display()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        anyhow::bail!(
            "{} is larger than {} MiB; is it the right file?",
            path.display(),
            MAX_FILE_BYTES >> 20
        );
    }
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
        anyhow::anyhow!(
            "{}: line {line}: the file is not valid UTF-8; re-save it as UTF-8",
            path.display()
        )
    })
}

impl Files {
    pub(crate) fn load(env: &Env) -> anyhow::Result<Self> {
        let config_path = env.config_file();
        let credentials_path = env.credentials_file();
        Ok(Self {
            config: read_optional(config_path.as_deref())?,
            credentials: read_optional(credentials_path.as_deref())?,
            config_path,
            credentials_path,
        })
    }

    pub fn parse(&self) -> anyhow::Result<Config<'_>> {
        let name =
            |p: &Option<PathBuf>, fallback: &str| p.as_ref().map_or(fallback.to_owned(), |p| p.display().to_string());
        let config =
            ini::parse(&self.config).map_err(|e| anyhow::anyhow!("{}: {e}", name(&self.config_path, "config")))?;
        let credentials = ini::parse(&self.credentials)
            .map_err(|e| anyhow::anyhow!("{}: {e}", name(&self.credentials_path, "credentials")))?;
        Ok(Config::build(config, credentials))
    }
}

/// A named group of properties: a profile, an sso-session or a services section.
#[derive(Debug, Clone)]
pub(crate) struct Props<'a> {
    pub(crate) name: Cow<'a, str>,
    pub(crate) entries: Vec<Entry<'a>>,
}

impl Props<'_> {
    /// A flat string property.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|e| e.key == key)
            .and_then(|e| e.value.as_str())
    }

    /// A flat, non-empty string property.
    pub(crate) fn get_nonempty(&self, key: &str) -> Option<&str> {
        self.get(key).filter(|v| !v.is_empty())
    }
}

/// An ordered name → properties map where a later definition replaces an earlier one in place, as assigning to
/// a Python dict does.
#[derive(Debug, Default)]
pub(crate) struct Named<'a> {
    pub(crate) items: Vec<Props<'a>>,
    index: HashMap<Cow<'a, str>, usize, FxBuildHasher>,
}

impl<'a> Named<'a> {
    fn insert(&mut self, props: Props<'a>) {
        if let Some(&i) = self.index.get(&props.name) {
            self.items[i] = props;
        } else {
            self.index.insert(props.name.clone(), self.items.len());
            self.items.push(props);
        }
    }

    fn get_mut(&mut self, name: &str) -> Option<&mut Props<'a>> {
        self.index.get(name).map(|&i| &mut self.items[i])
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Props<'a>> {
        self.index.get(name).map(|&i| &self.items[i])
    }

    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.items.iter().map(|p| &*p.name)
    }
}

#[derive(Debug, Default)]
pub struct Config<'a> {
    pub(crate) profiles: Named<'a>,
    pub(crate) sso_sessions: Named<'a>,
    pub(crate) services: Named<'a>,
}

/// Copy `[DEFAULT]` keys into a section that lacks them, as `configparser` does for every section.
fn with_defaults<'a>(mut entries: Vec<Entry<'a>>, defaults: &[Entry<'a>]) -> Vec<Entry<'a>> {
    for d in defaults {
        if !entries.iter().any(|e| e.key == d.key) {
            entries.push(d.clone());
        }
    }
    entries
}

impl<'a> Config<'a> {
    /// botocore's `build_profile_map` over the config file, then the credentials file merged over it
    /// (`botocore/configloader.py`, `botocore/session.py` `full_config`; protocol.md §6.1).
    fn build(config: ini::Ini<'a>, credentials: ini::Ini<'a>) -> Self {
        let mut out = Config::default();
        // Nearly every section is a profile: room for all of them saves regrowing on big files.
        let sections = config.sections.len() + credentials.sections.len();
        out.profiles.items.reserve(sections);
        out.profiles.index.reserve(sections);
        for section in config.sections {
            let entries = with_defaults(section.entries, &config.defaults);
            let header = section.header;
            // Section headers are shell words: `[profile 'my prof']` names `my prof`; a header that does not split
            // into exactly two words is dropped. The prefix test is `startswith`, not a word match.
            let two_words = || -> Option<Cow<'a, str>> {
                // Without quotes or backslashes, shell words are the runs between shlex's four whitespace
                // characters, and the name can borrow from the file.
                if !header.bytes().any(|b| matches!(b, b'\'' | b'"' | b'\\')) {
                    let mut words = header.split([' ', '\t', '\r', '\n']).filter(|w| !w.is_empty());
                    let (Some(_), Some(name), None) = (words.next(), words.next(), words.next()) else {
                        return None;
                    };
                    return Some(Cow::Borrowed(name));
                }
                match ini::shlex_split(header) {
                    Some(mut words) if words.len() == 2 => words.pop().map(Cow::Owned),
                    _ => None,
                }
            };
            let (map, name) = if header.starts_with("profile") {
                (&mut out.profiles, two_words())
            } else if header.starts_with("sso-session") {
                (&mut out.sso_sessions, two_words())
            } else if header.starts_with("services") {
                (&mut out.services, two_words())
            } else if header == "default" {
                (&mut out.profiles, Some(Cow::Borrowed("default")))
            } else {
                continue;
            };
            if let Some(name) = name {
                map.insert(Props { name, entries });
            }
        }
        // Credentials sections are plain names (no `profile ` prefix, no shell words) and win key by key.
        for section in credentials.sections {
            let entries = with_defaults(section.entries, &credentials.defaults);
            if let Some(profile) = out.profiles.get_mut(section.header) {
                for entry in entries {
                    match profile.entries.iter_mut().find(|e| e.key == entry.key) {
                        Some(slot) => slot.value = entry.value,
                        None => profile.entries.push(entry),
                    }
                }
            } else {
                out.profiles.insert(Props {
                    name: Cow::Borrowed(section.header),
                    entries,
                });
            }
        }
        out
    }

    #[must_use]
    pub fn profile(&self, name: &str) -> Option<Profile<'_, 'a>> {
        self.profiles.get(name).map(|props| Profile { props, config: self })
    }

    pub(crate) fn all_profiles(&self) -> impl Iterator<Item = Profile<'_, 'a>> {
        self.profiles.items.iter().map(|props| Profile { props, config: self })
    }

    /// Up to `max` profile names closest to `name`, best first, for "did you mean" hints: small edit distance,
    /// one name containing the other, or a shared prefix of three characters or more.
    ///
    /// The edit distance is quadratic in time and memory (a 20 kB typo took seconds and gigabytes), so it is
    /// computed only on the first [`HINT_CHARS`] characters, and only for names whose length is within the limit.
    pub(crate) fn closest_profiles(&self, name: &str, max: usize) -> Vec<&str> {
        let lower = name.to_lowercase();
        let head = |s: &str| -> String { s.chars().take(HINT_CHARS).collect() };
        let compared = head(&lower);
        let len = compared.chars().count();
        let limit = (len / 3).max(2);
        let mut scored: Vec<(usize, &str)> = self
            .profiles
            .names()
            .filter_map(|n| {
                let cand = n.to_lowercase();
                let cand_head = head(&cand);
                let cand_len = cand_head.chars().count();
                let distance = if cand_len.abs_diff(len) <= limit {
                    strsim::damerau_levenshtein(&compared, &cand_head)
                } else {
                    cand_len.abs_diff(len)
                };
                let prefix = lower.chars().zip(cand.chars()).take_while(|(a, b)| a == b).count();
                let related = cand.contains(&lower) || lower.contains(&cand) || prefix >= 3;
                (distance <= limit || related).then_some((distance, n))
            })
            .collect();
        scored.sort_by_key(|&(distance, n)| (distance, n.len()));
        scored.into_iter().take(max).map(|(_, n)| n).collect()
    }
}

/// How many characters of a name "did you mean" compares by edit distance.
const HINT_CHARS: usize = 64;

/// How a profile gets its credentials, in botocore's order of precedence for a named profile (protocol.md §12.1):
/// assume-role, then SSO, static keys, `credential_process`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Kind {
    /// `role_arn` (without `web_identity_token_file`): AssumeRole over a `source_profile` or `credential_source`.
    Chained,
    /// `sso_session = …`: a refreshable token shared by every profile of the session.
    Sso,
    /// `sso_start_url` in the profile: an 8-hour token keyed by the start URL.
    LegacySso,
    /// `aws_access_key_id` and `aws_secret_access_key`.
    Static,
    /// `credential_process = …`.
    Process,
    /// Nothing awsso resolves (web identity, region-only profiles, …).
    Other,
}

impl Kind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::Chained => "chained",
            Kind::Sso => "sso",
            Kind::LegacySso => "legacy-sso",
            Kind::Static => "static",
            Kind::Process => "process",
            Kind::Other => "other",
        }
    }

    /// Whether the profile logs in through IAM Identity Center itself.
    pub(crate) fn is_sso(self) -> bool {
        matches!(self, Kind::Sso | Kind::LegacySso)
    }
}

/// A profile with access to the rest of the config, for the sso-session it names.
#[derive(Clone, Copy)]
pub struct Profile<'c, 'a> {
    pub(crate) props: &'c Props<'a>,
    config: &'c Config<'a>,
}

impl<'c> Profile<'c, '_> {
    pub(crate) fn name(&self) -> &'c str {
        &self.props.name
    }

    pub(crate) fn kind(&self) -> Kind {
        if self.has_role() {
            Kind::Chained
        } else {
            self.source_kind()
        }
    }

    /// The kind as a source profile sees it: botocore's profile providers, without assume-role (§12.1).
    pub(crate) fn source_kind(&self) -> Kind {
        if self.props.get_nonempty("sso_session").is_some() {
            Kind::Sso
        } else if self.props.get_nonempty("sso_start_url").is_some() {
            Kind::LegacySso
        } else if self.props.get("aws_access_key_id").is_some() && self.props.get("aws_secret_access_key").is_some() {
            Kind::Static
        } else if self.props.get_nonempty("credential_process").is_some() {
            Kind::Process
        } else {
            Kind::Other
        }
    }

    /// `role_arn` without `web_identity_token_file`: botocore's assume-role profile (§12.1).
    pub(crate) fn has_role(&self) -> bool {
        self.props.get("role_arn").is_some() && self.props.get("web_identity_token_file").is_none()
    }

    /// Either static key present (botocore's `_has_static_credentials`: one is enough to count).
    pub(crate) fn has_static_keys(&self) -> bool {
        self.props.get("aws_access_key_id").is_some() || self.props.get("aws_secret_access_key").is_some()
    }

    pub(crate) fn get(&self, key: &str) -> Option<&'c str> {
        self.props.get(key)
    }

    pub(crate) fn sso_session_name(&self) -> Option<&'c str> {
        self.props.get_nonempty("sso_session")
    }

    pub(crate) fn sso_session(&self) -> Option<&'c Props<'c>> {
        self.config.sso_sessions.get(self.sso_session_name()?)
    }

    #[must_use]
    pub fn account_id(&self) -> Option<&'c str> {
        self.props.get_nonempty("sso_account_id")
    }

    #[must_use]
    pub fn role_name(&self) -> Option<&'c str> {
        self.props.get_nonempty("sso_role_name")
    }

    #[must_use]
    pub fn region(&self) -> Option<&'c str> {
        self.props.get_nonempty("region")
    }

    #[must_use]
    pub fn start_url(&self) -> Option<&'c str> {
        match self.source_kind() {
            Kind::Sso => self.sso_session()?.get_nonempty("sso_start_url"),
            Kind::LegacySso => self.props.get_nonempty("sso_start_url"),
            _ => None,
        }
    }

    pub(crate) fn sso_region(&self) -> Option<&'c str> {
        match self.source_kind() {
            Kind::Sso => self.sso_session()?.get_nonempty("sso_region"),
            Kind::LegacySso => self.props.get_nonempty("sso_region"),
            _ => None,
        }
    }

    /// What names the token file: the session name, or the start URL exactly as written for legacy profiles
    /// (protocol.md §1.1).
    #[must_use]
    pub fn token_cache_key(&self) -> Option<&'c str> {
        match self.source_kind() {
            Kind::Sso => self.sso_session_name(),
            Kind::LegacySso => self.props.get_nonempty("sso_start_url"),
            _ => None,
        }
    }
}

/// Flatten a parsed map into JSON with botocore's shape, for the differential test and `list --json` debugging.
#[cfg(test)]
pub(crate) fn named_to_json(named: &Named<'_>) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    for p in &named.items {
        let mut props = serde_json::Map::new();
        for e in &p.entries {
            let v = match &e.value {
                Value::Str(s) => serde_json::Value::String(s.to_string()),
                Value::Nested(kv) => serde_json::Value::Object(
                    kv.iter()
                        .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string())))
                        .collect(),
                ),
            };
            props.insert(e.key.to_string(), v);
        }
        map.insert(p.name.to_string(), serde_json::Value::Object(props));
    }
    serde_json::Value::Object(map)
}

#[cfg(test)]
mod tests;
