//! Which credentials a profile stands on, resolved from the config alone exactly as botocore's
//! `AssumeRoleProvider` resolves them (protocol.md §12.1): the root (an SSO profile, static keys,
//! `credential_process`, or the environment) and the AssumeRole hops from it to the profile. No I/O here.

use crate::config::{Config, Kind, Profile};
use crate::error::Error;

/// Where a chain's first credentials come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Root<'c> {
    /// An SSO profile (`sso_session` or legacy keys): GetRoleCredentials.
    Sso(&'c str),
    /// Static keys of a profile (credentials or config file).
    Static(&'c str),
    /// `credential_process` of a profile.
    Process(&'c str),
    /// `credential_source = Environment`: the process's `AWS_ACCESS_KEY_ID`, ….
    Environment,
}

/// One AssumeRole, with the profile that asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hop<'c> {
    pub(crate) profile: &'c str,
    pub(crate) role_arn: &'c str,
    pub(crate) role_session_name: Option<&'c str>,
    pub(crate) external_id: Option<&'c str>,
    pub(crate) mfa_serial: Option<&'c str>,
    /// `duration_seconds`, when it is an integer (botocore silently ignores anything else).
    pub(crate) duration_seconds: Option<i64>,
}

impl<'c> Hop<'c> {
    /// The account and role name of `role_arn` (`arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`).
    pub(crate) fn account_and_role(&self) -> Option<(&'c str, &'c str)> {
        let mut parts = self.role_arn.splitn(6, ':');
        let (_, _, _, _, account, resource) = (
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
        );
        let role = resource.strip_prefix("role/")?.rsplit('/').next()?;
        Some((account, role))
    }
}

/// A profile's credentials: the root, then the hops in the order they are assumed (empty for a plain profile).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan<'c> {
    pub(crate) root: Root<'c>,
    pub(crate) hops: Vec<Hop<'c>>,
}

impl Plan<'_> {
    /// The SSO profile at the root, if the chain stands on one.
    pub(crate) fn sso_root(&self) -> Option<&str> {
        match self.root {
            Root::Sso(name) => Some(name),
            _ => None,
        }
    }
}

fn usage(text: String) -> anyhow::Error {
    Error::Usage(text).into()
}

/// The plan for `profile`, or a usage error naming the profile and the key at fault.
pub(crate) fn plan<'c>(config: &'c Config<'_>, profile: &Profile<'c, '_>) -> anyhow::Result<Plan<'c>> {
    if profile.has_role() {
        let mut visited = vec![profile.name()];
        assume(config, *profile, &mut visited)
    } else {
        Ok(Plan {
            root: source_root(profile)?,
            hops: Vec::new(),
        })
    }
}

/// botocore's profile providers for a source profile: SSO, static keys, `credential_process` (§12.1).
fn source_root<'c>(profile: &Profile<'c, '_>) -> anyhow::Result<Root<'c>> {
    let name = profile.name();
    if profile.get("web_identity_token_file").is_some() {
        return Err(usage(format!(
            "profile `{name}` uses web_identity_token_file, which awsso does not resolve"
        )));
    }
    match profile.source_kind() {
        Kind::Sso | Kind::LegacySso => Ok(Root::Sso(name)),
        Kind::Static => Ok(Root::Static(name)),
        Kind::Process => Ok(Root::Process(name)),
        _ if profile.has_static_keys() => Err(usage(format!(
            "profile `{name}` has only one of aws_access_key_id and aws_secret_access_key; add the other"
        ))),
        _ => Err(usage(format!(
            "profile `{name}` has no credentials: no sso_session, sso_start_url, aws_access_key_id, \
             credential_process or role_arn"
        ))),
    }
}

fn assume<'c>(
    config: &'c Config<'_>,
    profile: Profile<'c, '_>,
    visited: &mut Vec<&'c str>,
) -> anyhow::Result<Plan<'c>> {
    let name = profile.name();
    let hop = Hop {
        profile: name,
        role_arn: profile.get("role_arn").unwrap_or_default(),
        role_session_name: profile.get("role_session_name"),
        external_id: profile.get("external_id"),
        mfa_serial: profile.get("mfa_serial"),
        duration_seconds: profile.get("duration_seconds").and_then(|d| d.trim().parse().ok()),
    };
    let root_plan = match (profile.get("source_profile"), profile.get("credential_source")) {
        (Some(_), Some(_)) => {
            return Err(usage(format!(
                "profile `{name}` has both source_profile and credential_source; keep one"
            )));
        }
        (None, None) => {
            return Err(usage(format!(
                "profile `{name}` has role_arn but neither source_profile nor credential_source; add one"
            )));
        }
        (None, Some(source)) => {
            let root = match source.to_ascii_lowercase().as_str() {
                "environment" => Root::Environment,
                "ecscontainer" | "ec2instancemetadata" => {
                    return Err(usage(format!(
                        "profile `{name}`: credential_source = {source} is not supported by awsso (it runs outside \
                         AWS); use source_profile or credential_source = Environment"
                    )));
                }
                _ => {
                    return Err(usage(format!(
                        "profile `{name}`: credential_source `{source}` is not valid; use Environment, \
                         EcsContainer or Ec2InstanceMetadata"
                    )));
                }
            };
            Plan { root, hops: Vec::new() }
        }
        (Some(source), None) => {
            let Some(source_profile) = config.profile(source) else {
                return Err(usage(format!(
                    "profile `{name}`: source_profile `{source}` does not exist"
                )));
            };
            // A profile may name itself only to use its own static keys; any other repeat is a loop.
            if visited.contains(&source) && (source != name || !source_profile.has_static_keys()) {
                let mut path = visited.clone();
                path.push(source);
                return Err(usage(format!(
                    "profile `{name}`: source_profile `{source}` makes a loop ({})",
                    path.join(" → ")
                )));
            }
            visited.push(source_profile.name());
            if source_profile.has_static_keys() || !source_profile.has_role() {
                Plan {
                    root: source_root(&source_profile)?,
                    hops: Vec::new(),
                }
            } else {
                assume(config, source_profile, visited)?
            }
        }
    };
    let mut plan = root_plan;
    plan.hops.push(hop);
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Files;

    const CONFIG: &str = "\
[sso-session corp]
sso_start_url = https://x.awsapps.com/start
sso_region = us-east-1
[profile hub]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin
[profile spoke]
role_arn = arn:aws:iam::222222222222:role/Deploy
source_profile = hub
external_id = ext
duration_seconds = 900
[profile deep]
role_arn = arn:aws:iam::333333333333:role/team/Reader
source_profile = spoke
role_session_name = alice
[profile keys]
aws_access_key_id = AKIA
aws_secret_access_key = s
[profile self]
role_arn = arn:aws:iam::444444444444:role/Self
source_profile = self
aws_access_key_id = AKIA
aws_secret_access_key = s
[profile loop-a]
role_arn = arn:aws:iam::1:role/A
source_profile = loop-b
[profile loop-b]
role_arn = arn:aws:iam::1:role/B
source_profile = loop-a
[profile self-nokeys]
role_arn = arn:aws:iam::1:role/A
source_profile = self-nokeys
[profile both]
role_arn = arn:aws:iam::1:role/A
source_profile = hub
credential_source = Environment
[profile neither]
role_arn = arn:aws:iam::1:role/A
[profile missing]
role_arn = arn:aws:iam::1:role/A
source_profile = nowhere
[profile env]
role_arn = arn:aws:iam::1:role/A
credential_source = environment
[profile ecs]
role_arn = arn:aws:iam::1:role/A
credential_source = EcsContainer
[profile bogus]
role_arn = arn:aws:iam::1:role/A
credential_source = Moon
[profile proc]
credential_process = echo
[profile over-proc]
role_arn = arn:aws:iam::5:role/P
source_profile = proc
[profile empty-src]
role_arn = arn:aws:iam::5:role/P
source_profile = plain
[profile plain]
region = eu-west-1
";

    fn with<T>(f: impl FnOnce(&Config<'_>) -> T) -> T {
        let files = Files {
            config: CONFIG.into(),
            ..Files::default()
        };
        f(&files.parse().unwrap())
    }

    fn plan_of(name: &str) -> Result<(Root<'static>, Vec<String>), String> {
        with(|c| {
            plan(c, &c.profile(name).unwrap())
                .map(|p| {
                    let root = match p.root {
                        Root::Sso(n) => Root::Sso(Box::leak(n.to_owned().into_boxed_str())),
                        Root::Static(n) => Root::Static(Box::leak(n.to_owned().into_boxed_str())),
                        Root::Process(n) => Root::Process(Box::leak(n.to_owned().into_boxed_str())),
                        Root::Environment => Root::Environment,
                    };
                    (root, p.hops.iter().map(|h| h.profile.to_owned()).collect())
                })
                .map_err(|e| e.to_string())
        })
    }

    #[test]
    fn chains_resolve_as_botocore_does() {
        assert_eq!(plan_of("hub").unwrap(), (Root::Sso("hub"), vec![]));
        assert_eq!(plan_of("spoke").unwrap(), (Root::Sso("hub"), vec!["spoke".into()]));
        assert_eq!(
            plan_of("deep").unwrap(),
            (Root::Sso("hub"), vec!["spoke".into(), "deep".into()])
        );
        assert_eq!(plan_of("self").unwrap(), (Root::Static("self"), vec!["self".into()]));
        assert_eq!(plan_of("env").unwrap(), (Root::Environment, vec!["env".into()]));
        assert_eq!(
            plan_of("over-proc").unwrap(),
            (Root::Process("proc"), vec!["over-proc".into()])
        );
        assert_eq!(plan_of("keys").unwrap(), (Root::Static("keys"), vec![]));
    }

    #[test]
    fn every_error_names_the_profile_and_the_key() {
        for (name, says) in [
            ("loop-a", "makes a loop (loop-a → loop-b → loop-a)"),
            ("self-nokeys", "makes a loop"),
            ("both", "both source_profile and credential_source"),
            ("neither", "neither source_profile nor credential_source"),
            ("missing", "source_profile `nowhere` does not exist"),
            ("ecs", "credential_source = EcsContainer is not supported"),
            ("bogus", "credential_source `Moon` is not valid"),
            ("empty-src", "profile `plain` has no credentials"),
        ] {
            let err = plan_of(name).unwrap_err();
            assert!(err.contains(says), "{name}: {err}");
        }
    }

    #[test]
    fn hops_carry_their_options_and_arn_parts() {
        with(|c| {
            let p = plan(c, &c.profile("deep").unwrap()).unwrap();
            assert_eq!(p.hops[0].external_id, Some("ext"));
            assert_eq!(p.hops[0].duration_seconds, Some(900));
            assert_eq!(p.hops[1].role_session_name, Some("alice"));
            assert_eq!(p.hops[1].account_and_role(), Some(("333333333333", "Reader")));
            assert_eq!(c.profile("deep").unwrap().kind(), Kind::Chained);
        });
    }
}

/// What a profile points at, as `list`, the picker and the prompt show it: for a role chain, the account and role
/// of its last `role_arn` and the SSO session of its root.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Summary<'c> {
    pub(crate) account_id: Option<&'c str>,
    pub(crate) role_name: Option<&'c str>,
    pub(crate) sso_session: Option<&'c str>,
    pub(crate) start_url: Option<&'c str>,
    pub(crate) sso_region: Option<&'c str>,
    /// What names the root session's token file.
    pub(crate) token_key: Option<&'c str>,
}

pub(crate) fn summary<'c>(config: &'c Config<'_>, profile: &Profile<'c, '_>) -> Summary<'c> {
    let sso = |p: &Profile<'c, '_>| Summary {
        account_id: p.account_id(),
        role_name: p.role_name(),
        sso_session: p.sso_session_name(),
        start_url: p.start_url(),
        sso_region: p.sso_region(),
        token_key: p.token_cache_key(),
    };
    if profile.kind() != Kind::Chained {
        return sso(profile);
    }
    let Ok(plan) = plan(config, profile) else {
        return Summary::default();
    };
    let (account_id, role_name) = plan.hops.last().and_then(Hop::account_and_role).unzip();
    let root = plan
        .sso_root()
        .and_then(|r| config.profile(r))
        .map(|r| sso(&r))
        .unwrap_or_default();
    Summary {
        account_id,
        role_name,
        ..root
    }
}
