//! `awsso configure` and `awsso configure sso-session`: add or update an `[sso-session]` and a profile that uses it,
//! from flags, or by asking on a terminal (a wizard on stderr that logs in and picks the account and role from the
//! portal). stdout stays empty.
//!
//! What is written mirrors `aws configure sso` (protocol.md §6.1, "Rule for our writer"): the profile gets only
//! `sso_session`, `sso_account_id`, `sso_role_name`, `region` and `output` — never `sso_start_url`/`sso_region`,
//! which the Rust SDK rejects beside `sso_session` — and the `[sso-session]` gets `sso_start_url`, `sso_region` and
//! `sso_registration_scopes`. New sections go at the end, the profile first, as the CLI's writer appends them. An
//! existing section is updated in place through the format-preserving editor (`config::edit`), so every other byte
//! of the file stays; only values that differ are rewritten. The file is read again just before writing, so edits
//! made while the wizard waited are kept.
//!
//! Every flag is checked before anything else happens; a bad one is a one-line usage error (exit 2) and nothing is
//! written. Without a terminal, a value that is neither given nor already in the file is a usage error naming the
//! flag. On a terminal, each value not given as a flag is asked for, with the file's value as the default.

mod ask;
mod checks;
#[cfg(test)]
mod tests;
mod wizard;
mod write;

use std::io::IsTerminal as _;
use std::path::Path;

use anyhow::anyhow;

use crate::cli::{ConfigureArgs, ConfigureCommand, LoginFlags, SessionFlags};
use crate::config::edit::{Document, SectionRef};
use crate::config::{ini, regions};
use crate::env::Env;
use crate::error::Error;
use crate::sso::target::{Target, parse_scopes};

use checks::host_of;
#[cfg(test)]
use checks::{
    aws_owned, check_account_id, check_name, check_output, check_region, check_role, check_scopes, check_start_url,
};
#[cfg(test)]
use write::{Change, apply};

/// What `aws configure sso` registers when asked nothing else.
const DEFAULT_SCOPES: &str = "sso:account:access";
/// The wizard's suggestion for the first session's name.
const DEFAULT_SESSION: &str = "my-sso";
/// The AWS CLI's output formats (`awscli/formatter.py`, `CLI_OUTPUT_FORMATS`).
const OUTPUT_FORMATS: [&str; 5] = ["json", "text", "table", "yaml", "yaml-stream"];
const DEFAULT_OUTPUT: &str = "json";
const DEFAULT_REGION: &str = "us-east-1";
/// Host suffixes the AWS CLI treats as IAM Identity Center's own (`awscli/customizations/sso/resolve.py`).
const AWS_OWNED_SUFFIXES: [&str; 5] = [
    ".app.aws",
    ".portal.amazonaws.com",
    ".portal.amazonaws.com.cn",
    ".awsapps.com",
    ".awsapps.cn",
];

/// An `[sso-session]` as it will be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Session {
    pub(crate) name: String,
    pub(crate) start_url: String,
    pub(crate) region: String,
    /// `None`: leave the key as it is (an existing session without scopes keeps none).
    pub(crate) scopes: Option<String>,
}

impl Session {
    /// What logging in to this session means.
    fn target(&self) -> Target {
        Target {
            session: Some(self.name.clone()),
            start_url: self.start_url.clone(),
            region: self.region.clone(),
            scopes: self.scopes.as_deref().map(parse_scopes),
        }
    }
}

/// A profile as it will be written. `None` values leave the key as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Profile {
    pub(crate) name: String,
    pub(crate) session: String,
    pub(crate) account_id: String,
    pub(crate) role_name: String,
    pub(crate) region: Option<String>,
    pub(crate) output: Option<String>,
}

/// The flags, each checked.
#[derive(Debug, Default)]
struct Given {
    session: Option<String>,
    start_url: Option<String>,
    sso_region: Option<String>,
    scopes: Option<String>,
    profile: Option<String>,
    account_id: Option<String>,
    role_name: Option<String>,
    region: Option<String>,
    output: Option<String>,
}

impl ConfigureArgs {
    pub(crate) fn run(&self, env: &Env) -> anyhow::Result<()> {
        match &self.command {
            Some(ConfigureCommand::SsoSession(flags)) => configure(env, flags, None),
            None => configure(env, &self.session, Some(self)),
        }
    }
}

/// `profile_args` is `None` for `configure sso-session`.
fn configure(env: &Env, flags: &SessionFlags, profile_args: Option<&ConfigureArgs>) -> anyhow::Result<()> {
    let given = Given::check(flags, profile_args)?;
    let path = env.config_file().ok_or_else(|| {
        anyhow!("HOME is not set, so there is no ~/.aws/config to write; set HOME or AWS_CONFIG_FILE")
    })?;
    let doc = Document::parse(&read_config(&path)?);
    let terminal = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let with_profile = profile_args.is_some();
    let (session, profile, logged_in) = if terminal {
        let login = profile_args.map_or(
            LoginFlags {
                use_device_code: false,
                no_browser: false,
            },
            |a| a.login,
        );
        wizard::wizard(env, &doc, &given, with_profile, login)?
    } else {
        let (session, profile) = from_flags(&doc, &given, with_profile)?;
        wizard::warn_if_not_aws_owned(&session.start_url);
        (session, profile, false)
    };
    write::write(env, &path, &doc, &session, profile.as_ref(), logged_in)
}

// -------------------------------------------------------------------------------------------------------------------
// Reading what is there

/// The config file's text; a missing file is empty.
fn read_config(path: &Path) -> anyhow::Result<String> {
    let text = crate::config::read_text(path)?;
    // Never add to a file the AWS CLI cannot read: say where it is broken instead.
    ini::parse(&text).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    Ok(text)
}

/// A non-empty value written in a section (the last definition, the one botocore reads).
fn get(doc: &Document, section: &SectionRef, key: &str) -> Option<String> {
    doc.get(section, key).filter(|v| !v.is_empty())
}

fn exists(doc: &Document, section: &SectionRef) -> bool {
    doc.sections().iter().any(|s| &s.section == section)
}

/// The session a profile names, and the start URL and region to offer for a session: its own, else those of a
/// legacy profile being moved onto it (as `aws configure sso` offers them).
struct Defaults {
    start_url: Option<String>,
    sso_region: Option<String>,
    scopes: Option<String>,
}

fn session_defaults(doc: &Document, session: &str, profile: Option<&str>) -> Defaults {
    let s = SectionRef::SsoSession(session.to_owned());
    let p = profile.map(|p| SectionRef::Profile(p.to_owned()));
    let legacy = |key| p.as_ref().and_then(|p| get(doc, p, key));
    Defaults {
        start_url: get(doc, &s, "sso_start_url").or_else(|| legacy("sso_start_url")),
        sso_region: get(doc, &s, "sso_region").or_else(|| legacy("sso_region")),
        scopes: get(doc, &s, "sso_registration_scopes"),
    }
}

// -------------------------------------------------------------------------------------------------------------------
// Without a terminal: flags and the file's values

fn from_flags(doc: &Document, given: &Given, with_profile: bool) -> Result<(Session, Option<Profile>), Error> {
    let mut missing: Vec<&str> = Vec::new();
    let profile_ref = given.profile.clone().map(SectionRef::Profile);
    let session_name = given
        .session
        .clone()
        .or_else(|| profile_ref.as_ref().and_then(|p| get(doc, p, "sso_session")));
    let defaults = session_name
        .as_deref()
        .map(|s| session_defaults(doc, s, given.profile.as_deref()));
    let start_url = given.start_url.clone().or_else(|| defaults.as_ref()?.start_url.clone());
    let sso_region = given
        .sso_region
        .clone()
        .or_else(|| defaults.as_ref()?.sso_region.clone())
        .or_else(|| regions::from_host(&host_of(start_url.as_deref()?)).map(str::to_owned));
    for (flag, value) in [
        ("--sso-session", session_name.is_some()),
        ("--start-url", start_url.is_some()),
        ("--sso-region", sso_region.is_some()),
    ] {
        if !value {
            missing.push(flag);
        }
    }
    let session_is_new = session_name
        .as_ref()
        .is_none_or(|s| !exists(doc, &SectionRef::SsoSession(s.clone())));
    let scopes = given
        .scopes
        .clone()
        .or_else(|| session_is_new.then(|| DEFAULT_SCOPES.to_owned()));

    let mut profile = None;
    if with_profile {
        let existing = |key| profile_ref.as_ref().and_then(|p| get(doc, p, key));
        let account_id = given.account_id.clone().or_else(|| existing("sso_account_id"));
        let role_name = given.role_name.clone().or_else(|| existing("sso_role_name"));
        for (flag, value) in [
            ("--profile", given.profile.is_some()),
            ("--account-id", account_id.is_some()),
            ("--role-name", role_name.is_some()),
        ] {
            if !value {
                missing.push(flag);
            }
        }
        if let (Some(name), Some(account_id), Some(role_name)) = (&given.profile, account_id, role_name) {
            // A new profile takes the defaults the wizard offers; an existing one keeps what it has.
            let is_new = profile_ref.as_ref().is_none_or(|p| !exists(doc, p));
            profile = Some(Profile {
                name: name.clone(),
                session: session_name.clone().unwrap_or_default(),
                account_id,
                role_name,
                region: given
                    .region
                    .clone()
                    .or_else(|| is_new.then(|| sso_region.clone()).flatten()),
                output: given
                    .output
                    .clone()
                    .or_else(|| is_new.then(|| DEFAULT_OUTPUT.to_owned())),
            });
        }
    }
    if !missing.is_empty() {
        let list = match missing.as_slice() {
            [one] => (*one).to_owned(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
            [] => unreachable!(),
        };
        let command = if with_profile {
            "awsso configure"
        } else {
            "awsso configure sso-session"
        };
        return Err(Error::Usage(format!(
            "missing {list}: pass {}, or run `{command}` on a terminal to be asked",
            if missing.len() == 1 { "it" } else { "them" }
        )));
    }
    let session = Session {
        name: session_name.unwrap_or_default(),
        start_url: start_url.unwrap_or_default(),
        region: sso_region.unwrap_or_default(),
        scopes,
    };
    Ok((session, profile))
}
