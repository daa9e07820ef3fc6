//! `configure`'s checks: each returns the value to write, or what is wrong and how to fix it (used for flags and
//! typed answers alike).

use super::{AWS_OWNED_SUFFIXES, DEFAULT_SCOPES, Given, OUTPUT_FORMATS};
use crate::cli::{ConfigureArgs, SessionFlags};
use crate::config::edit::{Document, SectionRef};
use crate::config::regions;
use crate::error::Error;

pub(super) fn check_start_url(url: &str) -> Result<String, String> {
    const LIKE: &str = "like https://d-1234567890.awsapps.com/start";
    let url = url.trim();
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(format!("`{url}` is not a URL; give the whole start URL, {LIKE}"));
    };
    if !scheme.eq_ignore_ascii_case("https") {
        return Err(format!("the start URL must use https, {LIKE}"));
    }
    // `url` normalizes away an empty authority (`https:///start` would become host `start`) and an empty port;
    // both are typos to report, not to guess around.
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let parsed = url::Url::parse(url).ok().filter(|u| {
        !authority.is_empty()
            && !authority.ends_with(':')
            && u.username().is_empty()
            && u.password().is_none()
            && matches!(u.host(), Some(url::Host::Domain(_)))
    });
    if parsed.is_none() || url.contains(char::is_whitespace) {
        return Err(format!("`{url}` has no valid host; give the start URL {LIKE}"));
    }
    Ok(url.to_owned())
}

/// The host of a start URL that passed `check_start_url`, lowercase.
pub(super) fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Whether the AWS CLI takes the start URL's host as IAM Identity Center's own, without following a redirect
/// (protocol.md §4, "Start URL checks").
pub(super) fn aws_owned(url: &str) -> bool {
    let host = host_of(url);
    let host = host.trim_end_matches('.');
    ["identitycenter.amazonaws.com", "identitycenter.amazonaws.com.cn"].contains(&host)
        || AWS_OWNED_SUFFIXES.iter().any(|s| host.ends_with(s) || host == &s[1..])
}

pub(super) fn check_region(region: &str) -> Result<String, String> {
    regions::check_known(region)
}

pub(super) fn check_account_id(id: &str) -> Result<String, String> {
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
pub(super) fn check_name(section: &SectionRef) -> Result<String, String> {
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

pub(super) fn check_role(role: &str) -> Result<String, String> {
    let role = role.trim();
    let mut probe = Document::default();
    match probe.set(&SectionRef::Profile("p".into()), "sso_role_name", role) {
        Ok(()) if !role.is_empty() => Ok(role.to_owned()),
        Ok(()) => Err("the role name is empty; give the role (permission set) name".to_owned()),
        Err(e) => Err(e.to_string()),
    }
}

/// Comma-separated scopes, no whitespace inside one (the AWS CLI's `ScopesValidator`).
pub(super) fn check_scopes(scopes: &str) -> Result<String, String> {
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

pub(super) fn check_output(output: &str) -> Result<String, String> {
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
    pub(super) fn check(flags: &SessionFlags, profile_args: Option<&ConfigureArgs>) -> Result<Self, Error> {
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
