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
mod regions;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::io::IsTerminal as _;
use std::path::Path;

use anyhow::{Context as _, anyhow};

use crate::cli::{ConfigureArgs, ConfigureCommand, LoginFlags, SessionFlags};
use crate::config::edit::{self, Document, EditError, SectionRef};
use crate::config::ini;
use crate::env::Env;
use crate::error::Error;
use crate::sso::accounts::{self, Account, PortalError, Progress};
use crate::sso::login::{self, Interaction, Target};
use crate::sso::store::parse_scopes;
use crate::sso::{client, names};

use ask::Asker;
use regions::REGIONS;

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
        wizard(env, &doc, &given, with_profile, login)?
    } else {
        let (session, profile) = from_flags(&doc, &given, with_profile)?;
        warn_if_not_aws_owned(&session.start_url);
        (session, profile, false)
    };
    write(env, &path, &doc, &session, profile.as_ref(), logged_in)
}

// -------------------------------------------------------------------------------------------------------------------
// Checks: each returns the value to write, or what is wrong and how to fix it (used for flags and typed answers).

fn check_start_url(url: &str) -> Result<String, String> {
    const LIKE: &str = "like https://d-1234567890.awsapps.com/start";
    let url = url.trim();
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(format!("`{url}` is not a URL; give the whole start URL, {LIKE}"));
    };
    if !scheme.eq_ignore_ascii_case("https") {
        return Err(format!("the start URL must use https, {LIKE}"));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let (host, port) = authority.rsplit_once(':').unwrap_or((authority, ""));
    let host_ok = !host.is_empty()
        && !host.starts_with(['.', '-'])
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    let port_ok = authority.len() == host.len() || (!port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()));
    if !host_ok || !port_ok || url.contains(char::is_whitespace) {
        return Err(format!("`{url}` has no valid host; give the start URL {LIKE}"));
    }
    Ok(url.to_owned())
}

/// The host of a start URL that passed `check_start_url`.
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    authority.rsplit_once(':').map_or(authority, |(h, _)| h)
}

/// Whether the AWS CLI takes the start URL's host as IAM Identity Center's own, without following a redirect
/// (protocol.md §4, "Start URL checks").
fn aws_owned(url: &str) -> bool {
    let host = host_of(url).to_ascii_lowercase();
    let host = host.trim_end_matches('.');
    ["identitycenter.amazonaws.com", "identitycenter.amazonaws.com.cn"].contains(&host)
        || AWS_OWNED_SUFFIXES.iter().any(|s| host.ends_with(s) || host == &s[1..])
}

fn check_region(region: &str) -> Result<String, String> {
    let region = region.trim();
    if regions::position(region).is_some() {
        return Ok(region.to_owned());
    }
    let close: Vec<String> = regions::closest(region).iter().map(|n| format!("`{n}`")).collect();
    Err(if close.is_empty() {
        format!("`{region}` is not an AWS region; use one like `us-east-1`")
    } else {
        format!("`{region}` is not an AWS region; did you mean {}?", close.join(", "))
    })
}

fn check_account_id(id: &str) -> Result<String, String> {
    let id = id.trim();
    if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(id.to_owned())
    } else {
        Err(format!(
            "`{id}` is not an AWS account id; use its 12 digits, like 111111111111"
        ))
    }
}

/// A profile or session name the editor can write as a header and botocore reads back as given; a session name
/// is also the value of `sso_session`.
fn check_name(section: &SectionRef) -> Result<String, String> {
    let name = section.name();
    if name.is_empty() {
        return Err("the name is empty; give a name".to_owned());
    }
    if name.trim() != name {
        return Err(format!(
            "`{name}` starts or ends with a space, which botocore drops; remove it"
        ));
    }
    let mut probe = Document::default();
    probe.set(section, "sso_session", name).map_err(|e| e.to_string())?;
    Ok(name.to_owned())
}

fn check_role(role: &str) -> Result<String, String> {
    let role = role.trim();
    let mut probe = Document::default();
    match probe.set(&SectionRef::Profile("p".into()), "sso_role_name", role) {
        Ok(()) if !role.is_empty() => Ok(role.to_owned()),
        Ok(()) => Err("the role name is empty; give the role (permission set) name".to_owned()),
        Err(e) => Err(e.to_string()),
    }
}

/// Comma-separated scopes, no whitespace inside one (the AWS CLI's `ScopesValidator`).
fn check_scopes(scopes: &str) -> Result<String, String> {
    let scopes = scopes.trim();
    let ok = !scopes.is_empty()
        && scopes
            .split(',')
            .all(|s| !s.trim().is_empty() && !s.trim().contains(char::is_whitespace));
    if ok {
        Ok(scopes.to_owned())
    } else {
        Err(format!(
            "`{scopes}` is not a list of scopes; separate scopes with commas, like `{DEFAULT_SCOPES}`"
        ))
    }
}

fn check_output(output: &str) -> Result<String, String> {
    let output = output.trim();
    if OUTPUT_FORMATS.contains(&output) {
        Ok(output.to_owned())
    } else {
        Err(format!(
            "`{output}` is not an AWS CLI output format; use json, text, table, yaml or yaml-stream"
        ))
    }
}

impl Given {
    /// Check every flag; the first bad one is a usage error that names it.
    fn check(flags: &SessionFlags, profile_args: Option<&ConfigureArgs>) -> Result<Self, Error> {
        fn one(
            flag: &str,
            value: Option<&String>,
            check: impl Fn(&str) -> Result<String, String>,
        ) -> Result<Option<String>, Error> {
            value
                .map(|v| check(v).map_err(|why| Error::Usage(format!("--{flag}: {why}"))))
                .transpose()
        }
        let mut given = Given {
            session: one("sso-session", flags.sso_session.as_ref(), |n| {
                check_name(&SectionRef::SsoSession(n.to_owned()))
            })?,
            start_url: one("start-url", flags.start_url.as_ref(), check_start_url)?,
            sso_region: one("sso-region", flags.sso_region.as_ref(), check_region)?,
            scopes: one("scopes", flags.scopes.as_ref(), check_scopes)?,
            ..Given::default()
        };
        if let Some(a) = profile_args {
            given.profile = one("profile", a.profile.as_ref(), |n| {
                check_name(&SectionRef::Profile(n.to_owned()))
            })?;
            given.account_id = one("account-id", a.account_id.as_ref(), check_account_id)?;
            given.role_name = one("role-name", a.role_name.as_ref(), check_role)?;
            given.region = one("region", a.region.as_ref(), check_region)?;
            given.output = one("output", a.output.as_ref(), check_output)?;
        }
        Ok(given)
    }
}

// -------------------------------------------------------------------------------------------------------------------
// Reading what is there

/// The config file's text; a missing file is empty.
fn read_config(path: &Path) -> anyhow::Result<String> {
    let text = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map_err(|_| anyhow!("{}: the file is not valid UTF-8; re-save it as UTF-8", path.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("could not read {}", path.display())),
    };
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
        .or_else(|| regions::from_host(host_of(start_url.as_deref()?)).map(str::to_owned));
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

// -------------------------------------------------------------------------------------------------------------------
// On a terminal: ask

fn region_items() -> Vec<String> {
    let width = REGIONS.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    REGIONS.iter().map(|(n, d)| format!("{n:width$}  {d}")).collect()
}

fn choose_region(ask: &Asker, prompt: &str, default: &str) -> anyhow::Result<String> {
    let default = regions::position(default)
        .or_else(|| regions::position(DEFAULT_REGION))
        .unwrap_or(0);
    let i = ask.choose(prompt, &region_items(), default, |i| REGIONS[i].0.to_owned())?;
    Ok(REGIONS[i].0.to_owned())
}

/// The flag's value, else the answer to `ask`.
fn or_ask(given: Option<&String>, ask: impl FnOnce() -> anyhow::Result<String>) -> anyhow::Result<String> {
    given.cloned().map_or_else(ask, Ok)
}

/// The session, the profile (for `configure`), and whether a login happened.
fn wizard(
    env: &Env,
    doc: &Document,
    given: &Given,
    with_profile: bool,
    login_flags: LoginFlags,
) -> anyhow::Result<(Session, Option<Profile>, bool)> {
    let ask = Asker::new()?;
    let session_name = or_ask(given.session.as_ref(), || {
        let of_profile = given
            .profile
            .as_ref()
            .and_then(|p| get(doc, &SectionRef::Profile(p.clone()), "sso_session"));
        let first = doc.sections().into_iter().find_map(|s| match s.section {
            SectionRef::SsoSession(name) => Some(name),
            _ => None,
        });
        let default = of_profile.or(first).unwrap_or_else(|| DEFAULT_SESSION.to_owned());
        ask.text("SSO session name", Some(&default), |n| {
            check_name(&SectionRef::SsoSession(n.to_owned()))
        })
    })?;
    let defaults = session_defaults(doc, &session_name, given.profile.as_deref());
    let start_url = or_ask(given.start_url.as_ref(), || {
        ask.text("SSO start URL", defaults.start_url.as_deref(), check_start_url)
    })?;
    warn_if_not_aws_owned(&start_url);
    let sso_region = or_ask(given.sso_region.as_ref(), || {
        let default = defaults
            .sso_region
            .clone()
            .or_else(|| regions::from_host(host_of(&start_url)).map(str::to_owned))
            .unwrap_or_else(|| DEFAULT_REGION.to_owned());
        choose_region(&ask, "SSO region", &default)
    })?;
    let scopes = or_ask(given.scopes.as_ref(), || {
        let default = defaults.scopes.clone().unwrap_or_else(|| DEFAULT_SCOPES.to_owned());
        ask.text("SSO registration scopes", Some(&default), check_scopes)
    })?;
    let session = Session {
        name: session_name,
        start_url,
        region: sso_region,
        scopes: Some(scopes),
    };
    if !with_profile {
        return Ok((session, None, false));
    }

    let existing = |name: &str, key| get(doc, &SectionRef::Profile(name.to_owned()), key);
    // Everything given: nothing to pick, so no login either.
    let (picked, logged_in) =
        if let (Some(account), Some(role), Some(_)) = (&given.account_id, &given.role_name, &given.profile) {
            ((account.clone(), role.clone(), None), false)
        } else {
            let accounts = login_and_list(env, &ask, &session, defaults.scopes.as_ref(), login_flags)?;
            let current = given
                .profile
                .as_ref()
                .and_then(|p| Some((existing(p, "sso_account_id")?, existing(p, "sso_role_name")?)));
            let picked = pick_account_and_role(&ask, &session.name, &accounts, given, current)?;
            (picked, true)
        };
    let (account_id, role_name, account_name) = picked;
    let name = or_ask(given.profile.as_ref(), || {
        let default = profile_name_for(account_name.as_deref().unwrap_or(&account_id), &role_name);
        ask.text("Profile name", Some(&default), |n| {
            check_name(&SectionRef::Profile(n.to_owned()))
        })
    })?;
    let region = or_ask(given.region.as_ref(), || {
        let default = existing(&name, "region").unwrap_or_else(|| session.region.clone());
        choose_region(&ask, "Default region of the profile", &default)
    })?;
    let output = or_ask(given.output.as_ref(), || {
        let default = existing(&name, "output").unwrap_or_else(|| DEFAULT_OUTPUT.to_owned());
        let start = OUTPUT_FORMATS.iter().position(|f| *f == default).unwrap_or(0);
        let i = ask.choose("AWS CLI output format", &OUTPUT_FORMATS, start, |i| {
            OUTPUT_FORMATS[i].to_owned()
        })?;
        Ok(OUTPUT_FORMATS[i].to_owned())
    })?;
    let profile = Profile {
        name,
        session: session.name.clone(),
        account_id,
        role_name,
        region: Some(region),
        output: Some(output),
    };
    Ok((session, Some(profile), logged_in))
}

/// The AWS CLI follows one redirect from a start URL on another host (a vanity URL) and requires it to land on an
/// AWS-owned one; other tools use the URL as written (protocol.md §4).
fn warn_if_not_aws_owned(url: &str) {
    if !aws_owned(url) {
        eprintln!(
            "awsso: warning: {} is not an IAM Identity Center host (*.awsapps.com, *.app.aws, ...); the AWS CLI \
             accepts such a start URL only if it redirects to one",
            host_of(url)
        );
    }
}

/// Log in (or reuse the session's token) and list what the session can reach; the names are remembered, as
/// `awsso accounts` remembers them.
fn login_and_list(
    env: &Env,
    ask: &Asker,
    session: &Session,
    old_scopes: Option<&String>,
    login_flags: LoginFlags,
) -> anyhow::Result<Vec<Account>> {
    let target = session.target();
    // A token cached under this session name may be for another start URL, region or scopes (a session being
    // redefined): log in afresh then, as `aws configure sso` does for a new session.
    let cached = login::read_token(env, &target)?;
    let mut force = !(cached.is_some_and(|t| t.start_url == target.start_url && t.region == target.region)
        && old_scopes == session.scopes.as_ref());
    let hint = crate::sso::target::login_command(&target, None);
    let accounts = loop {
        let token = login::ensure_token(env, &target, Interaction::Allowed(login_flags.options(force)), &hint)?;
        match list_accounts(env, ask, &target, token.access_token.expose())? {
            // Its time is not up, but the portal refused it (signed out or revoked elsewhere): forget it, as
            // `awsso accounts` does, and log in once more.
            Err(PortalError::Unauthorized) if !force => {
                login::forget_token(env, &target)?;
                eprintln!("awsso: the SSO portal refused the cached token (signed out elsewhere?); logging in again");
                force = true;
            }
            listed => break listed.map_err(|e| portal_error(e, env, &target))?,
        }
    };
    let names: BTreeMap<String, String> = accounts.iter().map(|a| (a.id.clone(), a.name.clone())).collect();
    if let Err(e) = names::save(env, &target, names) {
        eprintln!("awsso: warning: {e:#}");
    }
    Ok(accounts)
}

/// What the session can reach, listed with a progress bar; Ctrl-C cancels.
fn list_accounts(
    env: &Env,
    ask: &Asker,
    target: &Target,
    token: &str,
) -> anyhow::Result<Result<Vec<Account>, PortalError>> {
    let bar = indicatif::ProgressBar::with_draw_target(Some(0), indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        indicatif::ProgressStyle::with_template("listing roles {pos}/{len} accounts")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let listed = ask.runtime.block_on(async {
        let sdk = client::sdk_config(&target.region).await;
        let on_progress = |p: Progress| match p {
            Progress::Accounts(n) => bar.set_length(n as u64),
            Progress::RolesOf => bar.inc(1),
        };
        let portal = client::portal(&sdk);
        let pace = accounts::Pace::from_env(env)?;
        tokio::select! {
            listed = accounts::list(&portal, token, &pace, &on_progress) => Ok(listed),
            _ = tokio::signal::ctrl_c() => Err(Error::Cancelled),
        }
    });
    bar.finish_and_clear();
    Ok(listed?)
}

/// Let the user pick an account and role among `accounts` (only those matching the flags given); `current` (the
/// profile's account and role) is where the picker starts. The account id, role and account name.
fn pick_account_and_role(
    ask: &Asker,
    session: &str,
    accounts: &[Account],
    given: &Given,
    current: Option<(String, String)>,
) -> anyhow::Result<(String, String, Option<String>)> {
    let rows: Vec<(&str, &str, &str)> = accounts
        .iter()
        .flat_map(|a| {
            a.roles
                .iter()
                .map(move |r| (a.id.as_str(), a.name.as_str(), r.as_str()))
        })
        .collect();
    if rows.is_empty() {
        return Err(anyhow!(
            "sso-session `{session}` can reach no account: ask your IAM Identity Center administrator to assign you one"
        ));
    }
    let rows: Vec<_> = rows
        .into_iter()
        .filter(|(id, _, role)| {
            given.account_id.as_deref().is_none_or(|a| a == *id)
                && given.role_name.as_deref().is_none_or(|r| r == *role)
        })
        .collect();
    let asked = [
        given.account_id.as_ref().map(|a| format!("account {a}")),
        given.role_name.as_ref().map(|r| format!("role {r}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" with ");
    let chosen = match rows.as_slice() {
        [] => {
            return Err(Error::Usage(format!(
                "sso-session `{session}` cannot reach {asked}; `awsso accounts --sso-session {}` lists what it can",
                crate::shell::posix_quote(session)
            ))
            .into());
        }
        [only] => {
            eprintln!("awsso: using {} ({}) as {}, the only choice", only.1, only.0, only.2);
            *only
        }
        _ => {
            let (w_name, w_id) = rows
                .iter()
                .fold((0, 0), |(n, i), r| (n.max(r.1.chars().count()), i.max(r.0.len())));
            let items: Vec<String> = rows
                .iter()
                .map(|(id, name, role)| {
                    let pad = w_name - name.chars().count();
                    format!("{name}{}  {id:w_id$}  {role}", " ".repeat(pad))
                })
                .collect();
            let start = current
                .and_then(|(a, r)| rows.iter().position(|(id, _, role)| *id == a && *role == r))
                .unwrap_or(0);
            let label = |i: usize| format!("{} ({}) as {}", rows[i].1, rows[i].0, rows[i].2);
            rows[ask.choose("Account and role", &items, start, label)?]
        }
    };
    Ok((chosen.0.to_owned(), chosen.2.to_owned(), Some(chosen.1.to_owned())))
}

fn portal_error(err: PortalError, env: &Env, target: &Target) -> anyhow::Error {
    let portal = crate::sso::client::portal_base_url(env, &target.region);
    let what = format!(
        "could not list the accounts of {} from the SSO portal at {portal}",
        target.describe()
    );
    match err {
        PortalError::Unauthorized => anyhow!("{what}: it refused a token just issued; try again later"),
        PortalError::Throttled => {
            anyhow!("{what}: it kept answering 429 (throttled); wait a minute and try again")
        }
        PortalError::Unreachable(why) => anyhow!("{what}: no answer ({why}); check the network"),
        PortalError::Other(why) => anyhow!("{what}: {why}"),
    }
}

/// `{account_name}-{role_name}` as a profile name: runs of anything but letters, digits, `.`, `_` and `-` become
/// one `-`, so the name needs no quoting in a shell or in the config file's header.
pub(crate) fn profile_name_for(account_name: &str, role_name: &str) -> String {
    let mut out = String::new();
    for c in format!("{account_name}-{role_name}").chars() {
        if c.is_alphanumeric() || matches!(c, '.' | '_') {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

// -------------------------------------------------------------------------------------------------------------------
// Writing

/// What `apply` did to one section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    Added,
    Updated,
    Unchanged,
}

/// The header text of a section, as users see it in the file.
fn describe(section: &SectionRef) -> String {
    match section {
        SectionRef::Profile(name) if name == "default" => "[default]".to_owned(),
        SectionRef::Profile(name) => format!("[profile {name}]"),
        SectionRef::SsoSession(name) => format!("[sso-session {name}]"),
        SectionRef::Services(name) => format!("[services {name}]"),
    }
}

/// Set `values` (skipping `None` and values already there) in `section`.
fn set_all(doc: &mut Document, section: &SectionRef, values: &[(&str, Option<&str>)]) -> Result<bool, EditError> {
    let mut changed = false;
    for &(key, value) in values {
        if let Some(value) = value
            && doc.get(section, key).as_deref() != Some(value)
        {
            doc.set(section, key, value)?;
            changed = true;
        }
    }
    Ok(changed)
}

/// Write the profile, then the session, into `doc` (the order `aws configure sso` appends them in).
pub(crate) fn apply(
    doc: &mut Document,
    session: &Session,
    profile: Option<&Profile>,
) -> Result<Vec<(SectionRef, Change)>, EditError> {
    let mut report = Vec::new();
    if let Some(p) = profile {
        let section = SectionRef::Profile(p.name.clone());
        let existed = exists(doc, &section);
        // With `sso_session` these belong in the session only: the Rust SDK refuses a profile that has both
        // (protocol.md §6.1, §11), and botocore insists they be equal.
        let mut changed = false;
        for key in ["sso_start_url", "sso_region", "sso_registration_scopes"] {
            changed |= doc.remove_key(&section, key);
        }
        changed |= set_all(
            doc,
            &section,
            &[
                ("sso_session", Some(&p.session)),
                ("sso_account_id", Some(&p.account_id)),
                ("sso_role_name", Some(&p.role_name)),
                ("region", p.region.as_deref()),
                ("output", p.output.as_deref()),
            ],
        )?;
        report.push((section, change(existed, changed)));
    }
    let section = SectionRef::SsoSession(session.name.clone());
    let existed = exists(doc, &section);
    let changed = set_all(
        doc,
        &section,
        &[
            ("sso_start_url", Some(&session.start_url)),
            ("sso_region", Some(&session.region)),
            ("sso_registration_scopes", session.scopes.as_deref()),
        ],
    )?;
    report.push((section, change(existed, changed)));
    Ok(report)
}

fn change(existed: bool, changed: bool) -> Change {
    match (existed, changed) {
        (false, _) => Change::Added,
        (true, true) => Change::Updated,
        (true, false) => Change::Unchanged,
    }
}

fn write(
    env: &Env,
    path: &Path,
    before: &Document,
    session: &Session,
    profile: Option<&Profile>,
    logged_in: bool,
) -> anyhow::Result<()> {
    // Read again: the wizard may have waited minutes, and the user may have edited the file meanwhile.
    let text = read_config(path)?;
    let mut doc = Document::parse(&text);
    let changes = apply(&mut doc, session, profile).map_err(|e| Error::Usage(e.to_string()))?;
    let new_text = doc.to_string();
    let shown = path.display();
    if new_text == text {
        eprintln!("awsso: {shown} already holds these settings; nothing to write");
    } else {
        ini::parse(&new_text).map_err(|e| anyhow!("{shown}: {e}; nothing was written"))?;
        edit::save(path, &new_text).with_context(|| format!("could not write {shown}"))?;
        let mut done: Vec<String> = Vec::new();
        for (verb, word) in [(Change::Added, "added"), (Change::Updated, "updated")] {
            let sections: Vec<String> = changes
                .iter()
                .filter(|(_, c)| *c == verb)
                .map(|(s, _)| describe(s))
                .collect();
            if !sections.is_empty() {
                done.push(format!("{word} {}", sections.join(" and ")));
            }
        }
        eprintln!("awsso: {shown}: {}", done.join("; "));
    }

    let target = session.target();
    let login = crate::sso::target::login_command(&target, None);
    // A session whose sign-in moved keeps its old token until a forced login.
    let old = SectionRef::SsoSession(session.name.clone());
    let moved = [("sso_start_url", &session.start_url), ("sso_region", &session.region)]
        .iter()
        .any(|(key, value)| get(before, &old, key).is_some_and(|v| &v != *value));
    if !logged_in && moved && login::token_file(env, &target).is_ok_and(|f| f.exists()) {
        eprintln!("awsso: the session's start URL or region changed; run `{login} --force` to replace its token");
    }
    match profile {
        Some(p) => eprintln!(
            "awsso: `awsso use {name}` makes it the active profile; `aws sts get-caller-identity --profile {name}` \
             checks it",
            name = crate::shell::posix_quote(&p.name)
        ),
        None if !logged_in => eprintln!("awsso: `{login}` logs in to it"),
        None => {}
    }
    Ok(())
}
