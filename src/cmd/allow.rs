//! `awsso allow [DIR]` / `awsso deny [DIR]`: trust, or stop trusting, the `.awsso` file that applies to DIR (the
//! nearest one at or above it), keyed by its path and content hash (`dir::TrustStore`).

use std::path::PathBuf;

use crate::cli::DirArgs;
use crate::dir::{self, TrustStore};
use crate::env::Env;
use crate::error::Error;

impl DirArgs {
    pub(crate) fn allow(&self, env: &Env) -> anyhow::Result<()> {
        let path = self.file(env)?;
        let file = dir::load(&path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        // Trusting a file that cannot apply would only defer the error to every `cd`.
        let request = file.request.clone().map_err(Error::Usage)?;
        if let Some(region) = &request.region {
            crate::config::regions::validate(region).map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
        }
        let mut store = TrustStore::load(env);
        store.allow(&file);
        store.save(env)?;
        crate::ui::note(&format!(
            "trusted {} (profile `{}`); editing it withdraws the trust",
            path.display(),
            request.profile
        ));
        Ok(())
    }

    pub(crate) fn deny(&self, env: &Env) -> anyhow::Result<()> {
        let path = self.file(env)?;
        let mut store = TrustStore::load(env);
        if store.deny(&path) {
            store.save(env)?;
            crate::ui::note(&format!("no longer trusting {}", path.display()));
        } else {
            crate::ui::note(&format!("{} was not trusted", path.display()));
        }
        Ok(())
    }

    /// The `.awsso` file for DIR, as the shell hook finds it: DIR taken relative to the shell's `$PWD`, so a path
    /// through a symlink stays the path the user typed.
    fn file(&self, env: &Env) -> anyhow::Result<PathBuf> {
        let pwd = crate::dir::logical_pwd(env)?;
        let dir = match &self.dir {
            Some(d) => dir::absolute(&pwd, d),
            None => pwd,
        };
        if !dir.is_dir() {
            return Err(Error::Usage(format!("{} is not a directory", dir.display())).into());
        }
        dir::find(&dir).ok_or_else(|| {
            Error::Usage(format!(
                "no {} file in {} or above it; create one with a line `profile = NAME`",
                dir::FILE_NAME,
                dir.display()
            ))
            .into()
        })
    }
}
