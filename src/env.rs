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
}

/// How long `login` waits for the browser: `AWSSO_LOGIN_TIMEOUT` seconds, 600 by default. A value that is not a
/// whole number from 1 to 86400 is a usage error naming the variable (cli.md "Environment"), never the default.
pub(crate) fn login_timeout(env: &Env) -> Result<std::time::Duration, crate::error::Error> {
    const NAME: &str = "AWSSO_LOGIN_TIMEOUT";
    match env.get(NAME) {
        None => Ok(std::time::Duration::from_mins(10)),
        Some(raw) => match raw.trim().parse::<u64>() {
            Ok(secs @ 1..=86_400) => Ok(std::time::Duration::from_secs(secs)),
            _ => Err(crate::error::Error::Usage(format!(
                "{NAME}={raw} is not a number of seconds from 1 to 86400; fix or unset it"
            ))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (issue 8, defect 4): a malformed value used to become 600 without a word.
    #[test]
    fn login_timeout_is_validated() {
        let with = |v: &str| login_timeout(&Env::from_pairs([("AWSSO_LOGIN_TIMEOUT", v)]));
        assert_eq!(with("30").unwrap().as_secs(), 30);
        assert_eq!(login_timeout(&Env::default()).unwrap().as_secs(), 600);
        for bad in ["abc", "0", "-5", "1.5", "18446744073709551615", "86401"] {
            let err = with(bad).unwrap_err();
            assert!(err.to_string().contains("AWSSO_LOGIN_TIMEOUT"), "{bad}: {err}");
            assert_eq!(err.exit_code(), 2);
        }
    }
}
