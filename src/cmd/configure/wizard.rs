//! `configure` on a terminal: ask for what the flags did not say, log in, and pick an account and role from what the
//! session can reach.

use anyhow::anyhow;

use super::ask::Asker;
use super::checks::{aws_owned, check_name, check_scopes, check_start_url, host_of};
use super::{
    DEFAULT_OUTPUT, DEFAULT_REGION, DEFAULT_SCOPES, DEFAULT_SESSION, Given, OUTPUT_FORMATS, Profile, Session, get,
    session_defaults,
};
use crate::cli::LoginFlags;
use crate::config::edit::{Document, SectionRef};
use crate::config::regions::{self, REGIONS};
use crate::env::Env;
use crate::error::Error;
use crate::sso::accounts::Account;
use crate::sso::listing;
use crate::sso::login::Interaction;
use crate::sso::token;
use crate::ui;

pub(super) fn region_items() -> Vec<String> {
    let width = REGIONS.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    REGIONS.iter().map(|(n, d)| format!("{n:width$}  {d}")).collect()
}

pub(super) fn choose_region(ask: &Asker, prompt: &str, default: &str) -> anyhow::Result<String> {
    let default = regions::position(default)
        .or_else(|| regions::position(DEFAULT_REGION))
        .unwrap_or(0);
    let i = ask.choose(prompt, &region_items(), default, |i| REGIONS[i].0.to_owned())?;
    Ok(REGIONS[i].0.to_owned())
}

/// The flag's value, else the answer to `ask`.
pub(super) fn or_ask(given: Option<&String>, ask: impl FnOnce() -> anyhow::Result<String>) -> anyhow::Result<String> {
    given.cloned().map_or_else(ask, Ok)
}

/// The session, the profile (for `configure`), and whether a login happened.
pub(super) fn wizard(
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
            .or_else(|| regions::from_host(&host_of(&start_url)).map(str::to_owned))
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
            let accounts = login_and_list(env, &session, defaults.scopes.as_ref(), login_flags)?;
            let current = given
                .profile
                .as_ref()
                .and_then(|p| Some((existing(p, "sso_account_id")?, existing(p, "sso_role_name")?)));
            let picked = pick_account_and_role(&ask, &session.name, &accounts, given, current)?;
            (picked, true)
        };
    let (account_id, role_name, account_name) = picked;
    let name = or_ask(given.profile.as_ref(), || {
        let default = crate::config::naming::default_profile_name(
            &account_id,
            account_name.as_deref().unwrap_or(&account_id),
            &role_name,
        );
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
pub(super) fn warn_if_not_aws_owned(url: &str) {
    if !aws_owned(url) {
        ui::warn(&format!(
            "{} is not an IAM Identity Center host (*.awsapps.com, *.app.aws, ...); the AWS CLI accepts such a \
             start URL only if it redirects to one",
            host_of(url)
        ));
    }
}

/// Log in (or reuse the session's token) and list what the session can reach; the names are remembered, as
/// `awsso accounts` remembers them.
pub(super) fn login_and_list(
    env: &Env,
    session: &Session,
    old_scopes: Option<&String>,
    login_flags: LoginFlags,
) -> anyhow::Result<Vec<Account>> {
    let target = session.target();
    // A token cached under this session name may be for another start URL, region or scopes (a session being
    // redefined): log in afresh then, as `aws configure sso` does for a new session.
    let cached = token::read(env, &target)?;
    let force = !(cached.is_some_and(|t| t.start_url == target.start_url && t.region == target.region)
        && old_scopes == session.scopes.as_ref());
    let bar = ui::progress::ListingBar::new();
    listing::reachable(
        env,
        &target,
        Interaction::Allowed(login_flags.options(false)),
        force,
        &|p| bar.update(p),
    )
}

/// Let the user pick an account and role among `accounts` (only those matching the flags given); `current` (the
/// profile's account and role) is where the picker starts. The account id, role and account name.
pub(super) fn pick_account_and_role(
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
            ui::note(&format!("using {} ({}) as {}, the only choice", only.1, only.0, only.2));
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
