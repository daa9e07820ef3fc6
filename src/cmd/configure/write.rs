//! `configure`'s writing: the session and profile set into the config document, and the file saved with every other
//! byte kept.

use std::path::Path;

use anyhow::anyhow;

use super::{Profile, Session, exists, get};
use crate::config::edit::{self, Document, EditError, SectionRef};
use crate::config::ini;
use crate::env::Env;
use crate::error::Error;
use crate::sso::token;
use crate::ui;

/// What `apply` did to one section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    Added,
    Updated,
    Unchanged,
}

/// The header text of a section, as users see it in the file.
pub(super) fn describe(section: &SectionRef) -> String {
    match section {
        SectionRef::Profile(name) if name == "default" => "[default]".to_owned(),
        SectionRef::Profile(name) => format!("[profile {name}]"),
        SectionRef::SsoSession(name) => format!("[sso-session {name}]"),
        SectionRef::Services(name) => format!("[services {name}]"),
    }
}

/// Set `values` (skipping `None` and values already there) in `section`.
pub(super) fn set_all(
    doc: &mut Document,
    section: &SectionRef,
    values: &[(&str, Option<&str>)],
) -> Result<bool, EditError> {
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

pub(super) fn change(existed: bool, changed: bool) -> Change {
    match (existed, changed) {
        (false, _) => Change::Added,
        (true, true) => Change::Updated,
        (true, false) => Change::Unchanged,
    }
}

pub(super) fn write(
    env: &Env,
    path: &Path,
    before: &Document,
    session: &Session,
    profile: Option<&Profile>,
    logged_in: bool,
) -> anyhow::Result<()> {
    // Read again, under the config lock: the wizard may have waited minutes, and the user (or a `populate`) may
    // have written the file meanwhile.
    let shown = path.display();
    let changes = edit::update(env, path, |text| {
        ini::parse(text).map_err(|e| anyhow!("{shown}: {e}"))?;
        let mut doc = Document::parse(text);
        let changes = apply(&mut doc, session, profile).map_err(|e| Error::Usage(e.to_string()))?;
        let new_text = doc.to_string();
        if new_text == text {
            return Ok((None, None));
        }
        ini::parse(&new_text).map_err(|e| anyhow!("{shown}: {e}; nothing was written"))?;
        Ok((Some(new_text), Some(changes)))
    })?;
    match changes {
        None => ui::note(&format!("{shown} already holds these settings; nothing to write")),
        Some(changes) => {
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
            ui::note(&format!("{shown}: {}", done.join("; ")));
        }
    }

    let target = session.target();
    let login = crate::sso::target::login_command(&target, None);
    // A session whose sign-in moved keeps its old token until a forced login.
    let old = SectionRef::SsoSession(session.name.clone());
    let moved = [("sso_start_url", &session.start_url), ("sso_region", &session.region)]
        .iter()
        .any(|(key, value)| get(before, &old, key).is_some_and(|v| &v != *value));
    if !logged_in && moved && token::peek(env, target.cache_key()).is_some() {
        ui::note(&format!(
            "the session's start URL or region changed; run `{login} --force` to replace its token"
        ));
    }
    match profile {
        Some(p) => ui::note(&format!(
            "`awsso use {name}` makes it the active profile; `aws sts get-caller-identity --profile {name}` checks it",
            name = crate::shell::posix_quote(&p.name)
        )),
        None if !logged_in => ui::note(&format!("`{login}` logs in to it")),
        None => {}
    }
    Ok(())
}
