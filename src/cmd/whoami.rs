//! `awsso whoami [--verify] [--json]`: the active identity from the environment, the config and the caches, offline;
//! `--verify` also asks STS (GetCallerIdentity) who the credentials belong to.

use anyhow::anyhow;

use crate::cli::{LoginFlags, WhoamiArgs};
use crate::clock::{now, ttl_text};
use crate::cmd::interaction;
use crate::config::hints::unknown_profile;
use crate::config::{Files, Kind};
use crate::env::Env;
use crate::prompt::identity;
use crate::resolve;
use crate::sts::{self, CallerIdentity as Verified, Signer};
use crate::ui::print_once;

#[derive(serde::Serialize)]
struct Report {
    profile: Option<String>,
    account_id: Option<String>,
    role_name: Option<String>,
    sso_session: Option<String>,
    region: Option<String>,
    /// `profile` (AWS_PROFILE), `credentials` (raw credentials from `use --creds`), or `environment` (keys that
    /// awsso did not set).
    source: &'static str,
    expires_at: Option<String>,
    seconds_left: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verified: Option<Verified>,
}

impl WhoamiArgs {
    pub(crate) fn run(&self, env: &Env) -> anyhow::Result<()> {
        let some = |s: String| (!s.is_empty()).then_some(s);
        let mut report = match identity(env, now()) {
            Some(id) => Report {
                source: if id.raw_credentials { "credentials" } else { "profile" },
                profile: some(id.profile),
                account_id: some(id.account),
                role_name: some(id.role),
                sso_session: some(id.session),
                region: some(id.region),
                expires_at: some(id.expires),
                seconds_left: id.seconds_left,
                verified: None,
            },
            None if env.get("AWS_ACCESS_KEY_ID").is_some() => Report {
                profile: None,
                account_id: None,
                role_name: None,
                sso_session: None,
                region: env
                    .get("AWS_REGION")
                    .or_else(|| env.get("AWS_DEFAULT_REGION"))
                    .map(str::to_owned),
                source: "environment",
                expires_at: env.get("AWS_CREDENTIAL_EXPIRATION").map(str::to_owned),
                seconds_left: None,
                verified: None,
            },
            None => {
                return Err(anyhow!(
                    "no AWS identity is active in this shell; run `awsso use PROFILE`"
                ));
            }
        };
        if self.verify {
            report.verified = Some(verify(env, &report)?);
        }
        let text = if self.json {
            let mut t = serde_json::to_string_pretty(&report)?;
            t.push('\n');
            t
        } else {
            human(&report)
        };
        print_once(&text)
    }
}

fn human(r: &Report) -> String {
    let mut lines = Vec::new();
    let mut line = |k: &str, v: Option<&str>| {
        if let Some(v) = v {
            lines.push(format!("{k:<10}{}", crate::ui::escape(v)));
        }
    };
    line("profile", r.profile.as_deref());
    line("source", Some(r.source));
    line("account", r.account_id.as_deref());
    line("role", r.role_name.as_deref());
    line("session", r.sso_session.as_deref());
    line("region", r.region.as_deref());
    let left = r.seconds_left.map(ttl_text);
    line("expires", r.expires_at.as_deref());
    line("left", left.as_deref());
    if let Some(v) = &r.verified {
        line("arn", Some(&v.arn));
        line(
            "verified",
            Some(&format!("account {} (STS GetCallerIdentity)", v.account)),
        );
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// GetCallerIdentity with the identity's credentials: the environment's keys, or the profile's credentials as
/// awsso resolves them (SSO, a role chain, keys, a process; a login as a terminal allows), or whatever the SDK
/// resolves for a profile awsso does not.
fn verify(env: &Env, report: &Report) -> anyhow::Result<Verified> {
    let region = report.region.clone().unwrap_or_else(|| "us-east-1".to_owned());
    let credentials = if report.source == "profile" {
        let files = Files::load(env)?;
        let config = files.parse()?;
        let name = report.profile.as_deref().unwrap_or_default();
        let profile = config.profile(name).ok_or_else(|| unknown_profile(&config, name))?;
        if profile.kind() == Kind::Other {
            None
        } else {
            let flags = LoginFlags {
                use_device_code: false,
                no_browser: false,
            };
            let c = resolve::credentials(env, &config, &profile, interaction(false, flags, false))?;
            Some(c.to_sdk("awsso"))
        }
    } else {
        let key = |k: &str| env.get(k).map(str::to_owned);
        let (Some(id), Some(secret)) = (key("AWS_ACCESS_KEY_ID"), key("AWS_SECRET_ACCESS_KEY")) else {
            return Err(anyhow!("AWS_ACCESS_KEY_ID is set without AWS_SECRET_ACCESS_KEY"));
        };
        Some(aws_credential_types::Credentials::new(
            id,
            secret,
            key("AWS_SESSION_TOKEN"),
            None,
            "environment",
        ))
    };
    let signer = match credentials {
        Some(c) => Signer::Credentials(c),
        None => Signer::Profile(report.profile.clone().unwrap_or_default()),
    };
    sts::caller_identity(env, signer, &region)
}
