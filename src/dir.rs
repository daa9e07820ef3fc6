//! Per-directory profiles: finding the nearest `.awsso` file, reading it, and the trust store that says which files
//! (by path and content hash) the user allowed, `~/.aws/awsso/trusted-dirs.json` (0600, written atomically).
//!
//! A file in a repository that switched credentials by itself would be a hole, so nothing applies until the user
//! runs `awsso allow`, and an edit withdraws the trust, as direnv and mise do (protocol.md §15.2). Paths are the
//! ones the shell reports in `$PWD` (logical, symlinks kept): a project reached through a symlink behaves as the
//! path the user typed, and is trusted under that path.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use crate::env::Env;

/// The name of the per-directory file.
pub(crate) const FILE_NAME: &str = ".awsso";

/// A `.awsso` file: where it is, the SHA-256 of its bytes (what trust is keyed by, so an unparsable file can be
/// trusted or reported too), and what it asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DirFile {
    pub(crate) path: PathBuf,
    pub(crate) sha256: String,
    pub(crate) request: Result<Request, String>,
}

/// What a `.awsso` file asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Request {
    pub(crate) profile: String,
    pub(crate) region: Option<String>,
}

/// The nearest `.awsso` at or above `dir`, walking up the path as written (`..` and symlinks are not resolved:
/// `$PWD` is already absolute and logical). `None` when there is none up to the root.
pub(crate) fn find(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join(FILE_NAME))
        .find(|candidate| candidate.is_file())
}

/// Read the file at `path` and parse it; a syntax error is kept in `request`, with the line and how to fix it.
pub(crate) fn load(path: &Path) -> std::io::Result<DirFile> {
    let bytes = std::fs::read(path)?;
    let sha256 = crate::paths::hex(ring::digest::digest(&ring::digest::SHA256, &bytes).as_ref());
    let text = String::from_utf8_lossy(&bytes);
    let request = match parse(&text) {
        Ok((Some(profile), region)) => Ok(Request { profile, region }),
        Ok((None, _)) => Err(format!(
            "{} names no profile; add a line `profile = NAME`",
            path.display()
        )),
        Err((line, reason)) => Err(format!("{}, line {line}: {reason}", path.display())),
    };
    Ok(DirFile {
        path: path.to_owned(),
        sha256,
        request,
    })
}

/// `key = value` lines (`profile`, `region`); blank lines and lines starting with `#` or `;` are comments, as in
/// the AWS config. An error is the line number and what is wrong with it.
fn parse(text: &str) -> Result<(Option<String>, Option<String>), (usize, String)> {
    let (mut profile, mut region) = (None, None);
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err((i + 1, "expected `profile = NAME` or `region = REGION`".to_owned()));
        };
        let (key, value) = (key.trim(), value.trim());
        if value.is_empty() {
            return Err((i + 1, format!("`{key}` has no value")));
        }
        let slot = match key {
            "profile" => &mut profile,
            "region" => &mut region,
            other => {
                return Err((
                    i + 1,
                    format!("unknown key `{other}`; a .awsso file holds only `profile` and `region`"),
                ));
            }
        };
        if slot.replace(value.to_owned()).is_some() {
            return Err((i + 1, format!("`{key}` is given twice")));
        }
    }
    Ok((profile, region))
}

/// `dir` made absolute against `pwd` and cleaned of `.` and `..` by the text of the path, as a shell's `cd` does
/// (symlinks kept, so the result is the path the user typed).
pub(crate) fn absolute(pwd: &Path, dir: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in pwd.join(dir).components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The files the user allowed: path -> SHA-256 of the content they allowed.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct TrustStore {
    allowed: BTreeMap<PathBuf, String>,
}

impl TrustStore {
    fn path(env: &Env) -> Option<PathBuf> {
        env.home().map(|h| h.join(".aws/awsso/trusted-dirs.json"))
    }

    /// The store, or an empty one when there is none yet. A damaged store trusts nothing (fails closed); the next
    /// `allow` replaces it.
    pub(crate) fn load(env: &Env) -> Self {
        Self::path(env)
            .and_then(|p| std::fs::read(p).ok())
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    pub(crate) fn is_trusted(&self, file: &DirFile) -> bool {
        self.allowed.get(&file.path) == Some(&file.sha256)
    }

    pub(crate) fn allow(&mut self, file: &DirFile) {
        self.allowed.insert(file.path.clone(), file.sha256.clone());
    }

    /// Forget `path`; whether it was trusted.
    pub(crate) fn deny(&mut self, path: &Path) -> bool {
        self.allowed.remove(path).is_some()
    }

    /// Write the store atomically, 0600 (protocol.md §1.5 rules, used for awsso's own files too).
    pub(crate) fn save(&self, env: &Env) -> anyhow::Result<()> {
        let path = Self::path(env).ok_or_else(|| anyhow::anyhow!("HOME is not set; cannot record trust"))?;
        let mut json = serde_json::to_vec_pretty(self)?;
        json.push(b'\n');
        crate::private_fs::write_private(&path, &json)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
    }
}

/// What the shell remembers between directory changes (in a shell variable that is not exported, handed to awsso
/// only for the hook): the file applied, the profile it set, the values it replaced, and which untrusted files were
/// already reported.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct State {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) applied: Option<Applied>,
    /// Short hashes of (path, content) of untrusted files already reported, newest last.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) noticed: Vec<String>,
}

/// A `.awsso` file that is in effect.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Applied {
    pub(crate) file: PathBuf,
    pub(crate) sha256: String,
    pub(crate) profile: String,
    /// Each variable the switch changed, and its value before (`None`: it was unset).
    pub(crate) before: BTreeMap<String, Option<String>>,
}

/// How many untrusted files a shell remembers having reported.
const NOTICED_MAX: usize = 64;

impl State {
    /// The state from the hook's input; anything unreadable is a fresh state (nothing applied).
    pub(crate) fn parse(text: Option<&str>) -> Self {
        text.and_then(|t| serde_json::from_str(t).ok()).unwrap_or_default()
    }

    /// Record that `file` was reported as untrusted; `false` when it already was (same path and content).
    pub(crate) fn notice(&mut self, file: &DirFile) -> bool {
        let mut key = file.path.as_os_str().as_encoded_bytes().to_vec();
        key.push(0);
        key.extend_from_slice(file.sha256.as_bytes());
        let key = crate::paths::hex(&ring::digest::digest(&ring::digest::SHA256, &key).as_ref()[..8]);
        if self.noticed.contains(&key) {
            return false;
        }
        self.noticed.push(key);
        if self.noticed.len() > NOTICED_MAX {
            self.noticed.remove(0);
        }
        true
    }

    /// `None` for a state that holds nothing, so the shell can drop its variable.
    pub(crate) fn to_json(&self) -> Option<String> {
        (self.applied.is_some() || !self.noticed.is_empty()).then(|| serde_json::to_string(self).unwrap_or_default())
    }
}

/// The current directory as the shell shows it: `$PWD` when it is absolute and names the current directory (the
/// shells keep it logical, with symlinks), else the current directory itself.
pub(crate) fn logical_pwd(env: &Env) -> anyhow::Result<PathBuf> {
    let cwd = std::env::current_dir().map_err(|e| anyhow::anyhow!("cannot read the current directory: {e}"))?;
    let same = |p: &PathBuf| p.is_absolute() && std::fs::canonicalize(p).ok() == std::fs::canonicalize(&cwd).ok();
    Ok(env.get("PWD").map(PathBuf::from).filter(same).unwrap_or(cwd))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_profile_and_region_with_comments() {
        assert_eq!(
            parse("# team dev\nprofile = dev admin\n\n; note\nregion=eu-west-1\n"),
            Ok((Some("dev admin".to_owned()), Some("eu-west-1".to_owned())))
        );
        assert_eq!(parse("profile = p"), Ok((Some("p".to_owned()), None)));
    }

    #[test]
    fn rejects_what_it_does_not_understand() {
        assert_eq!(parse("profile").unwrap_err().0, 1);
        assert!(parse("x\nprofile = a\nprofile = b").is_err());
        assert!(
            parse("profile = a\nrole = x")
                .unwrap_err()
                .1
                .contains("unknown key `role`")
        );
        assert!(parse("profile =").unwrap_err().1.contains("no value"));
        assert!(parse("profile = a\nprofile = b").unwrap_err().1.contains("twice"));
    }

    #[test]
    fn finds_the_nearest_file_along_the_path_as_written() {
        let root = tempfile::tempdir().unwrap();
        let top = root.path().join("proj");
        std::fs::create_dir_all(top.join("a/b")).unwrap();
        std::fs::write(top.join(FILE_NAME), "profile = top").unwrap();
        assert_eq!(find(&top.join("a/b")), Some(top.join(FILE_NAME)));
        std::fs::write(top.join("a").join(FILE_NAME), "profile = a").unwrap();
        assert_eq!(find(&top.join("a/b")), Some(top.join("a").join(FILE_NAME)));
        // A directory named `.awsso` is not a file.
        std::fs::create_dir_all(root.path().join("other/.awsso")).unwrap();
        assert_eq!(find(&root.path().join("other")), None);
    }

    #[test]
    fn absolute_paths_are_cleaned_by_text() {
        let pwd = Path::new("/home/u/link/sub");
        assert_eq!(absolute(pwd, Path::new("..")), Path::new("/home/u/link"));
        assert_eq!(absolute(pwd, Path::new("./x/../y")), Path::new("/home/u/link/sub/y"));
        assert_eq!(absolute(pwd, Path::new("/abs/./p")), Path::new("/abs/p"));
    }

    #[test]
    fn trust_follows_path_and_content() {
        let home = tempfile::tempdir().unwrap();
        let env = Env::from_pairs([("HOME", home.path().to_str().unwrap())]);
        let dir = home.path().join("proj");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(FILE_NAME), "profile = p\n").unwrap();
        let file = load(&dir.join(FILE_NAME)).unwrap();
        let mut store = TrustStore::load(&env);
        assert!(!store.is_trusted(&file));
        store.allow(&file);
        store.save(&env).unwrap();
        let saved = home.path().join(".aws/awsso/trusted-dirs.json");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(std::fs::metadata(&saved).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert!(TrustStore::load(&env).is_trusted(&file));
        std::fs::write(dir.join(FILE_NAME), "profile = other\n").unwrap();
        let edited = load(&dir.join(FILE_NAME)).unwrap();
        assert!(
            !TrustStore::load(&env).is_trusted(&edited),
            "an edit withdraws the trust"
        );
        assert_eq!(file.request.as_ref().unwrap().profile, "p");
        std::fs::write(dir.join(FILE_NAME), "profile\n").unwrap();
        let broken = load(&dir.join(FILE_NAME)).unwrap();
        assert!(
            broken
                .request
                .unwrap_err()
                .ends_with(".awsso, line 1: expected `profile = NAME` or `region = REGION`")
        );
        let mut store = TrustStore::load(&env);
        assert!(store.deny(&file.path));
        assert!(!store.deny(&file.path));
        // A damaged store trusts nothing.
        std::fs::write(&saved, "{not json").unwrap();
        assert!(!TrustStore::load(&env).is_trusted(&file));
    }

    #[test]
    fn notices_once_per_path_and_content() {
        let file = DirFile {
            path: "/p/.awsso".into(),
            sha256: "aa".into(),
            request: Err(String::new()),
        };
        let mut state = State::default();
        assert_eq!(state.to_json(), None);
        assert!(state.notice(&file));
        assert!(!state.notice(&file));
        let edited = DirFile {
            sha256: "bb".into(),
            ..file.clone()
        };
        assert!(state.notice(&edited));
        let back = State::parse(state.to_json().as_deref());
        assert_eq!(back, state);
        for i in 0..100 {
            state.notice(&DirFile {
                sha256: i.to_string(),
                ..file.clone()
            });
        }
        assert_eq!(state.noticed.len(), NOTICED_MAX);
    }
}
