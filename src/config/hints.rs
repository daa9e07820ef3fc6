//! The usage errors for names that are not in the config, with the closest configured names as a hint.

use crate::config::Config;
use crate::error::Error;

/// The usage error for a profile name that is not configured, with the closest names.
pub(crate) fn unknown_profile(config: &Config<'_>, name: &str) -> anyhow::Error {
    let close = config.closest_profiles(name, 3);
    let hint = if config.profiles.items.is_empty() {
        "no profiles are configured yet; run `awsso configure` to add one".to_owned()
    } else if close.is_empty() {
        "run `awsso list` to see the configured profiles".to_owned()
    } else {
        let names: Vec<String> = close.iter().map(|n| format!("`{n}`")).collect();
        format!("did you mean {}?", names.join(", "))
    };
    Error::Usage(format!("unknown profile `{name}`: {hint}")).into()
}
