//! What an SSO login is for ([`Target`]: an `[sso-session]` or a legacy start URL) and which one a command means:
//! from `--sso-session`, `--profile`, or the active or default profile.

use crate::config::hints::unknown_profile;
use crate::config::{Config, Kind, Profile, chain};
use crate::env::Env;
use crate::error::Error;

/// What to log in to: an `[sso-session]`, or the start URL of a legacy profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    /// `None` for a legacy profile.
    pub(crate) session: Option<String>,
    pub(crate) start_url: String,
    pub(crate) region: String,
    /// `sso_registration_scopes`, parsed; `None` when not configured.
    pub(crate) scopes: Option<Vec<String>>,
}

impl Target {
    /// The string whose SHA-1 names the token file (protocol.md §1.1).
    pub(crate) fn cache_key(&self) -> &str {
        self.session.as_deref().unwrap_or(&self.start_url)
    }

    pub(crate) fn describe(&self) -> String {
        match &self.session {
            Some(s) => format!("sso-session `{s}`"),
            None => format!("`{}`", self.start_url),
        }
    }
}

/// `sso_registration_scopes` as the CLI parses it: split on `,`, trimmed, empties dropped (protocol.md §2).
pub(crate) fn parse_scopes(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The login target of a profile: its `[sso-session]`, or the start URL of a legacy profile; for a role chain,
/// those of the SSO profile at its root (protocol.md §12.1).
pub(crate) fn for_profile(config: &Config<'_>, profile: &Profile<'_, '_>) -> anyhow::Result<Target> {
    match profile.kind() {
        Kind::Sso => for_session(config, profile.sso_session_name().unwrap_or_default()),
        Kind::LegacySso => Ok(Target {
            session: None,
            start_url: profile.start_url().unwrap_or_default().to_owned(),
            region: checked_region(
                profile.sso_region().ok_or_else(|| {
                    Error::Usage(format!(
                        "profile `{}` has sso_start_url but no sso_region; add it",
                        profile.name()
                    ))
                })?,
                &format!("[profile {}]", profile.name()),
            )?,
            scopes: None,
        }),
        Kind::Chained => match chain::plan(config, profile)?.sso_root().and_then(|r| config.profile(r)) {
            Some(root) => for_profile(config, &root),
            None => Err(Error::Usage(format!(
                "profile `{}` does not stand on IAM Identity Center: its role chain starts from keys or a process",
                profile.name()
            ))
            .into()),
        },
        Kind::Static | Kind::Process | Kind::Other => Err(Error::Usage(format!(
            "profile `{}` does not use IAM Identity Center (no sso_session, sso_start_url or role chain over one)",
            profile.name()
        ))
        .into()),
    }
}

pub(crate) fn for_session(config: &Config<'_>, name: &str) -> anyhow::Result<Target> {
    let Some(session) = config.sso_sessions.get(name) else {
        return Err(unknown_session(config, name));
    };
    let need = |key: &str| {
        session.get_nonempty(key).map(str::to_owned).ok_or_else(|| {
            anyhow::Error::from(Error::Usage(format!(
                "[sso-session {name}] has no `{key}`; add it to the config file"
            )))
        })
    };
    Ok(Target {
        session: Some(name.to_owned()),
        start_url: need("sso_start_url")?,
        region: checked_region(&need("sso_region")?, &format!("[sso-session {name}]"))?,
        scopes: session.get_nonempty("sso_registration_scopes").map(parse_scopes),
    })
}

/// An `sso_region` from the file, checked before it becomes part of an endpoint host: a bad one is a usage error
/// naming the section and key, not the SDK's "failed to construct request".
fn checked_region(region: &str, section: &str) -> anyhow::Result<String> {
    match crate::config::regions::validate(region) {
        Ok(()) => Ok(region.to_owned()),
        Err(_) => Err(Error::Usage(format!(
            "{section} has sso_region = `{region}`, which is not an AWS region name; fix it in the config file \
             (a region like `us-east-1`)"
        ))
        .into()),
    }
}

fn unknown_session(config: &Config<'_>, name: &str) -> anyhow::Error {
    let names: Vec<String> = config.sso_sessions.names().map(|n| format!("`{n}`")).collect();
    let hint = if names.is_empty() {
        "no [sso-session] is configured; run `awsso configure` to add one".to_owned()
    } else {
        format!("configured sessions: {}", names.join(", "))
    };
    Error::Usage(format!("unknown sso-session `{name}`: {hint}")).into()
}

/// `--sso-session S`, else `--profile P`, else the active profile (`AWS_PROFILE`, `AWS_DEFAULT_PROFILE`) if it
/// stands on IAM Identity Center, else `default` if it does, else the only configured sso-session. The hints name
/// only `--sso-session`, which every command that resolves a target has.
pub(crate) fn resolve(
    env: &Env,
    config: &Config<'_>,
    session: Option<&str>,
    profile: Option<&str>,
) -> anyhow::Result<Target> {
    if let Some(name) = session {
        return for_session(config, name);
    }
    if let Some(name) = profile {
        let p = config.profile(name).ok_or_else(|| unknown_profile(config, name))?;
        return for_profile(config, &p);
    }
    // An active profile on keys or a process says nothing about SSO: go on to `default` and the only session, as
    // the help promises (issue 15), and say why if that fails too.
    let mut active_not_sso = None;
    if let Some(name) = env.get("AWS_PROFILE").or_else(|| env.get("AWS_DEFAULT_PROFILE")) {
        let p = config.profile(name).ok_or_else(|| unknown_profile(config, name))?;
        match for_profile(config, &p) {
            Ok(target) => return Ok(target),
            Err(_) if !stands_on_sso(config, &p) => active_not_sso = Some(name),
            Err(e) => return Err(e),
        }
    }
    if let Some(p) = config.profile("default") {
        if p.kind().is_sso() {
            return for_profile(config, &p);
        }
        if let Ok(target) = for_profile(config, &p) {
            return Ok(target);
        }
    }
    let names: Vec<String> = config.sso_sessions.names().map(|n| format!("`{n}`")).collect();
    if let [_] = names.as_slice()
        && let Some(only) = config.sso_sessions.names().next()
    {
        return for_session(config, only);
    }
    let why = active_not_sso.map_or_else(String::new, |name| {
        format!("the active profile `{name}` does not use IAM Identity Center; ")
    });
    Err(Error::Usage(if names.is_empty() {
        format!("{why}no [sso-session] is configured; run `awsso configure` to add one")
    } else {
        format!(
            "{why}which SSO session? pass --sso-session NAME (configured: {})",
            names.join(", ")
        )
    })
    .into())
}

/// Whether `profile` logs in through IAM Identity Center, itself or at the root of its role chain (a chain that
/// cannot be planned counts: its error is the one to show).
fn stands_on_sso(config: &Config<'_>, profile: &Profile<'_, '_>) -> bool {
    match profile.kind() {
        Kind::Sso | Kind::LegacySso => true,
        Kind::Chained => chain::plan(config, profile).map_or(true, |plan| plan.sso_root().is_some()),
        Kind::Static | Kind::Process | Kind::Other => false,
    }
}

/// Every login target in the config: each `[sso-session]`, then each distinct legacy start URL.
pub(crate) fn all(config: &Config<'_>) -> Vec<Target> {
    let mut targets: Vec<Target> = config
        .sso_sessions
        .names()
        .filter_map(|n| for_session(config, n).ok())
        .collect();
    for p in config.all_profiles() {
        if p.kind() == Kind::LegacySso
            && let Ok(t) = for_profile(config, &p)
            && !targets
                .iter()
                .any(|x| x.session.is_none() && x.start_url == t.start_url)
        {
            targets.push(t);
        }
    }
    targets
}

/// The command that logs in to `target`, for hints.
pub(crate) fn login_command(target: &Target, profile: Option<&str>) -> String {
    match (&target.session, profile) {
        (Some(s), _) => format!("awsso login --sso-session {}", crate::shell::posix_quote(s)),
        (None, Some(p)) => format!("awsso login --profile {}", crate::shell::posix_quote(p)),
        (None, None) => "awsso login".to_owned(),
    }
}
