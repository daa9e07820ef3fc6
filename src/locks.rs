//! awsso's cross-process locks, `~/.aws/awsso/locks/*.lock` (0600): one per SSO session, held by every path that
//! may write its token (so ten concurrent logins run one browser flow), and one per role, held while its
//! credentials are fetched (so twenty `credential-process` calls share one request). No other tool takes them, and
//! no reader needs them: every cache file is replaced atomically.

use std::fs::File;
use std::io::{Read as _, Seek as _, Write as _};
use std::path::Path;

use anyhow::Context as _;
use time::OffsetDateTime;

use crate::env::Env;
use crate::paths;

/// An exclusive lock, held until dropped.
pub(crate) struct Lock {
    file: File,
}

impl Lock {
    fn acquire(path: &Path) -> anyhow::Result<Self> {
        if let Some(dir) = path.parent() {
            crate::private_fs::create_private_dir(dir)
                .with_context(|| format!("could not create {}", dir.display()))?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let file = options
            .open(path)
            .with_context(|| format!("could not open {}", path.display()))?;
        file.lock()
            .with_context(|| format!("could not lock {}", path.display()))?;
        Ok(Self { file })
    }

    /// The lock of the SSO session whose token file is named by `cache_key`.
    pub(crate) fn session(env: &Env, cache_key: &str) -> anyhow::Result<Self> {
        Self::acquire(&paths::lock_file(
            env,
            &format!("session-{}", paths::sha1_hex(cache_key)),
        )?)
    }

    /// The lock of one cached role-credential entry, by its cache key.
    pub(crate) fn role(env: &Env, cache_key: &str) -> anyhow::Result<Self> {
        Self::acquire(&paths::lock_file(env, &format!("role-{cache_key}"))?)
    }

    /// When a refresh was last tried under this lock (a session lock remembers it, §10 rule 3).
    pub(crate) fn last_refresh_attempt(&mut self) -> Option<OffsetDateTime> {
        let mut text = String::new();
        self.file.rewind().ok()?;
        self.file.read_to_string(&mut text).ok()?;
        OffsetDateTime::from_unix_timestamp(text.trim().parse().ok()?).ok()
    }

    pub(crate) fn record_refresh_attempt(&mut self, at: OffsetDateTime) {
        let _ = self.file.set_len(0).and_then(|()| self.file.rewind());
        let _ = write!(self.file, "{}", at.unix_timestamp());
    }
}
