//! awsso's cross-process locks, `~/.aws/awsso/locks/*.lock` (0600): one per SSO session, held by every path that
//! may write its token (so ten concurrent logins run one browser flow), and one per role, held while its
//! credentials are fetched (so twenty `credential-process` calls share one request), and one per config file, held
//! by `configure` and `populate` around read-modify-rename (so neither loses what the other wrote). No other tool
//! takes them, and no reader needs them: every file is replaced atomically.

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
        let file = Self::open(path)?;
        file.lock()
            .with_context(|| format!("could not lock {}", path.display()))?;
        Ok(Self { file })
    }

    /// The lock if no one else holds it, else `None` at once.
    fn try_acquire(path: &Path) -> anyhow::Result<Option<Self>> {
        let file = Self::open(path)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(Self { file })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(anyhow::Error::from(e).context(format!("could not lock {}", path.display())))
            }
        }
    }

    fn open(path: &Path) -> anyhow::Result<File> {
        if let Some(dir) = path.parent() {
            crate::private_fs::create_private_dir(dir)
                .with_context(|| format!("could not create {}", dir.display()))?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        // Never through a symlink: one planted at a lock path would have its target truncated (issue 9).
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
        }
        let file = options.open(path).map_err(|e| {
            let link = path.symlink_metadata().is_ok_and(|m| m.file_type().is_symlink());
            let why = if link {
                anyhow::anyhow!("it is a symbolic link; delete it")
            } else {
                anyhow::Error::from(e)
            };
            why.context(format!("could not open the lock file {}", path.display()))
        })?;
        Ok(file)
    }

    /// The lock of the SSO session whose token file is named by `cache_key`.
    pub(crate) fn session(env: &Env, cache_key: &str) -> anyhow::Result<Self> {
        Self::acquire(&paths::lock_file(
            env,
            &format!("session-{}", paths::sha1_hex(cache_key)),
        )?)
    }

    /// The session lock if no one holds it now ([`Lock::session`] waits).
    pub(crate) fn try_session(env: &Env, cache_key: &str) -> anyhow::Result<Option<Self>> {
        Self::try_acquire(&paths::lock_file(
            env,
            &format!("session-{}", paths::sha1_hex(cache_key)),
        )?)
    }

    /// Held (inside the session lock) for as long as a login flow of the session runs, so a caller that finds the
    /// session lock taken can tell a login (minutes) from a refresh (a second).
    pub(crate) fn login(env: &Env, cache_key: &str) -> anyhow::Result<Self> {
        Self::acquire(&paths::lock_file(
            env,
            &format!("login-{}", paths::sha1_hex(cache_key)),
        )?)
    }

    /// Whether another process runs a login flow of the session now.
    pub(crate) fn login_in_progress(env: &Env, cache_key: &str) -> anyhow::Result<bool> {
        let path = paths::lock_file(env, &format!("login-{}", paths::sha1_hex(cache_key)))?;
        Ok(Self::try_acquire(&path)?.is_none())
    }

    /// The lock of one cached role-credential entry, by its cache key.
    pub(crate) fn role(env: &Env, cache_key: &str) -> anyhow::Result<Self> {
        Self::acquire(&paths::lock_file(env, &format!("role-{cache_key}"))?)
    }

    /// The lock of the config file at `path` (by its resolved path, so a symlink and its target share one), held
    /// around a read-modify-rename of it.
    pub(crate) fn config(env: &Env, path: &Path) -> anyhow::Result<Self> {
        let real = crate::private_fs::follow_links(path).unwrap_or_else(|_| path.to_owned());
        let real = std::fs::canonicalize(&real).unwrap_or(real);
        Self::acquire(&paths::lock_file(
            env,
            &format!("config-{}", paths::sha1_hex(&real.to_string_lossy())),
        )?)
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

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// Issue 9, finding 11: a symlink at a lock path had its target truncated (the refresh-attempt time is written
    /// into the lock file). Now the lock refuses it, naming the path, and the target is untouched.
    #[test]
    fn a_symlink_at_a_lock_path_is_refused_and_its_target_untouched() {
        let home = tempfile::tempdir().unwrap();
        let env = Env::from_pairs([("HOME", home.path().to_str().unwrap())]);
        let victim = home.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let path = paths::lock_file(&env, &format!("session-{}", paths::sha1_hex("corp"))).unwrap();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(&victim, &path).unwrap();
        match Lock::session(&env, "corp") {
            Ok(mut lock) => {
                lock.record_refresh_attempt(OffsetDateTime::UNIX_EPOCH);
                panic!("locked through a symlink");
            }
            Err(e) => assert!(format!("{e:#}").contains(&path.display().to_string()), "{e:#}"),
        }
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        drop(Lock::session(&env, "other").unwrap());
    }
}
