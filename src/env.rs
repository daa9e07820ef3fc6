//! The process environment, read once at start-up.
//!
//! Every environment variable awsso honours is read through [`Env`] (clippy.toml bans `std::env::var*` elsewhere),
//! so the whole program sees one consistent snapshot and tests can build one by hand.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::PathBuf;

#[derive(Debug, Clone, Default)]
pub(crate) struct Env {
    vars: HashMap<String, OsString>,
}

impl Env {
    /// Snapshot the real process environment.
    #[allow(clippy::disallowed_methods)] // the one place that reads it
    pub(crate) fn from_process() -> Self {
        Self {
            vars: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v)))
                .collect(),
        }
    }

    #[cfg(test)]
    pub(crate) fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.to_owned(), OsString::from(v)))
                .collect(),
        }
    }

    /// A variable's value, if set, non-empty and valid UTF-8. AWS tools treat an empty variable as unset.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).and_then(|v| v.to_str()).filter(|v| !v.is_empty())
    }

    pub(crate) fn home(&self) -> Option<PathBuf> {
        self.vars.get("HOME").filter(|h| !h.is_empty()).map(PathBuf::from)
    }

    /// A path from `var`, else `~/<default>`; a leading `~/` is expanded as botocore's `expanduser` does.
    pub(crate) fn path_or_home(&self, var: &str, default: &str) -> Option<PathBuf> {
        match self.get(var) {
            Some("~") => self.home(),
            Some(p) => match p.strip_prefix("~/") {
                Some(rest) => self.home().map(|h| h.join(rest)),
                None => Some(PathBuf::from(p)),
            },
            None => self.home().map(|h| h.join(default)),
        }
    }

    pub(crate) fn config_file(&self) -> Option<PathBuf> {
        self.path_or_home("AWS_CONFIG_FILE", ".aws/config")
    }

    pub(crate) fn credentials_file(&self) -> Option<PathBuf> {
        self.path_or_home("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials")
    }

    /// `~/.aws/sso/cache`: neither botocore nor the Rust SDK lets a variable move it (protocol.md §1.1).
    pub(crate) fn sso_cache_dir(&self) -> Option<PathBuf> {
        self.home().map(|h| h.join(".aws/sso/cache"))
    }
}
