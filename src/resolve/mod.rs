//! Credentials for any profile the AWS CLI resolves (protocol.md §12): the plan from `config::chain`, carried
//! out — the root's credentials (SSO role credentials, static keys, a `credential_process`, the environment), then
//! one AssumeRole per hop, each cached where and how the AWS CLI v2 caches it (`assume_cache`) and fetched under
//! a cross-process lock, so concurrent callers share one call per hop.

pub(crate) mod assume_cache;
mod process;

use anyhow::anyhow;

use crate::clock::now;
use crate::config::chain::{self, Hop, Plan, Root};
use crate::config::{Config, Profile};
use crate::credentials::Credentials;
use crate::env::Env;
use crate::error::Error;
use crate::locks::Lock;
use crate::report;
use crate::secret::Secret;
use crate::sso::creds::{self, Role};
use crate::sso::login::Interaction;
use crate::sts;

/// An assume-role result is reused while more than this is left, as botocore does (§12.2).
const REUSE_WINDOW: time::Duration = time::Duration::minutes(15);
/// The limit on a role session assumed from another role session (§12.3).
const CHAINED_LIMIT: i64 = 3600;

/// Credentials for `profile`, logging in to the root SSO session as `interaction` allows.
pub(crate) fn credentials(
    env: &Env,
    config: &Config<'_>,
    profile: &Profile<'_, '_>,
    interaction: Interaction,
) -> anyhow::Result<Credentials> {
    let plan = chain::plan(config, profile)?;
    let region = profile
        .region()
        .or_else(|| env.get("AWS_REGION"))
        .or_else(|| env.get("AWS_DEFAULT_REGION"))
        .unwrap_or("us-east-1");
    let session_name = format!("botocore-session-{}", now().unix_timestamp());
    let run = Run {
        env,
        config,
        plan: &plan,
        region,
        interaction,
        default_session_name: &session_name,
    };
    // Refuse what AWS would refuse before any call (§12.3).
    for (i, hop) in plan.hops.iter().enumerate() {
        if run.behind_role_session(i)
            && let Some(d) = hop.duration_seconds
            && d > CHAINED_LIMIT
        {
            return Err(Error::Usage(format!(
                "profile `{}`: duration_seconds = {d}: The requested DurationSeconds exceeds the 1 hour session \
                 limit for roles assumed by role chaining.",
                hop.profile
            ))
            .into());
        }
    }
    match plan.hops.len() {
        0 => run.root(),
        n => run.hop(n - 1),
    }
}

/// The cache key of a hop, as botocore computes it.
pub(crate) fn hop_key(hop: &Hop<'_>) -> String {
    assume_cache::key(&assume_cache::Args {
        role_arn: hop.role_arn,
        role_session_name: hop.role_session_name,
        external_id: hop.external_id,
        serial_number: hop.mfa_serial,
        duration_seconds: hop.duration_seconds,
    })
}

struct Run<'r, 'c> {
    env: &'r Env,
    config: &'r Config<'c>,
    plan: &'r Plan<'r>,
    region: &'r str,
    interaction: Interaction,
    default_session_name: &'r str,
}

impl Run<'_, '_> {
    /// Whether hop `i` is signed with role-session credentials: an SSO root, or an earlier hop.
    fn behind_role_session(&self, i: usize) -> bool {
        i > 0 || matches!(self.plan.root, Root::Sso(_))
    }

    fn root(&self) -> anyhow::Result<Credentials> {
        let profile = |name: &str| {
            self.config
                .profile(name)
                .ok_or_else(|| anyhow!("profile `{name}` disappeared from the config"))
        };
        match self.plan.root {
            Root::Sso(name) => {
                let role = Role::of(self.config, &profile(name)?)?;
                Ok(creds::credentials(self.env, &role, self.interaction)?.into())
            }
            Root::Static(name) => {
                let p = profile(name)?;
                Ok(Credentials {
                    access_key_id: p.get("aws_access_key_id").unwrap_or_default().to_owned(),
                    secret_access_key: Secret::new(p.get("aws_secret_access_key").unwrap_or_default()),
                    session_token: p.get("aws_session_token").filter(|t| !t.is_empty()).map(Secret::new),
                    expiration: None,
                    account_id: p.get("aws_account_id").map(str::to_owned),
                })
            }
            Root::Process(name) => process::run(name, profile(name)?.get("credential_process").unwrap_or_default()),
            Root::Environment => {
                let hop = self.plan.hops.first().map_or("", |h| h.profile);
                let (Some(id), Some(secret)) =
                    (self.env.get("AWS_ACCESS_KEY_ID"), self.env.get("AWS_SECRET_ACCESS_KEY"))
                else {
                    return Err(Error::Usage(format!(
                        "profile `{hop}`: credential_source = Environment, but AWS_ACCESS_KEY_ID and \
                         AWS_SECRET_ACCESS_KEY are not both set"
                    ))
                    .into());
                };
                Ok(Credentials {
                    access_key_id: id.to_owned(),
                    secret_access_key: Secret::new(secret),
                    session_token: self.env.get("AWS_SESSION_TOKEN").map(Secret::new),
                    expiration: None,
                    account_id: None,
                })
            }
        }
    }

    /// The credentials of hop `i`: cached, or assumed with those of the hop before it (or the root).
    fn hop(&self, i: usize) -> anyhow::Result<Credentials> {
        let hop = &self.plan.hops[i];
        let key = hop_key(hop);
        let fresh = |c: &Credentials| c.expiration.is_some_and(|e| e - now() > REUSE_WINDOW);
        if let Some(c) = assume_cache::read(self.env, &key)?.filter(fresh) {
            return Ok(c);
        }
        let _lock = Lock::role(self.env, &format!("assume-{key}"))?;
        // Someone else may have assumed it while we waited.
        if let Some(c) = assume_cache::read(self.env, &key)?.filter(fresh) {
            return Ok(c);
        }
        let source = if i == 0 { self.root()? } else { self.hop(i - 1)? };
        let token_code = match hop.mfa_serial {
            Some(serial) => Some(self.mfa_code(hop.profile, serial)?),
            None => None,
        };
        let args = sts::AssumeRole {
            role_arn: hop.role_arn,
            role_session_name: hop.role_session_name.unwrap_or(self.default_session_name),
            external_id: hop.external_id,
            duration_seconds: hop.duration_seconds.and_then(|d| i32::try_from(d).ok()),
            serial_number: hop.mfa_serial,
            token_code: token_code.as_ref(),
        };
        let assumed = sts::assume_role(self.env, self.region, &source, &args)
            .map_err(|e| anyhow!("profile `{}`: could not assume {}: {e:#}", hop.profile, hop.role_arn))?;
        assume_cache::write(self.env, &key, &assumed)?;
        Ok(assumed.credentials)
    }

    /// The MFA code for `serial`: `AWSSO_MFA_CODE`, else asked on the terminal where a login could be; elsewhere
    /// exit 3 with the way to give it.
    fn mfa_code(&self, profile: &str, serial: &str) -> anyhow::Result<Secret> {
        let valid = |c: &str| c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit());
        if let Some(code) = self.env.get("AWSSO_MFA_CODE") {
            return if valid(code.trim()) {
                Ok(Secret::new(code.trim()))
            } else {
                Err(Error::Usage("AWSSO_MFA_CODE is not a 6-digit code; fix or unset it".into()).into())
            };
        }
        if let Interaction::Allowed(_) = self.interaction {
            let answer = report::ask(&format!("Enter MFA code for {serial}"));
            return match answer {
                Some(code) if valid(&code) => Ok(Secret::new(code)),
                Some(_) => Err(Error::Usage(format!("profile `{profile}`: an MFA code is 6 digits")).into()),
                None => Err(Error::Cancelled.into()),
            };
        }
        Err(Error::LoginRequired(format!(
            "profile `{profile}` needs an MFA code for {serial}; run this on a terminal, or set AWSSO_MFA_CODE to the \
             current code"
        ))
        .into())
    }
}
