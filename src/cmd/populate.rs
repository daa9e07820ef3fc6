//! `awsso populate [--sso-session S] [--template T] [--region R] [--prune] [--dry-run]`: one profile per account
//! and role the session can reach, written into `~/.aws/config` with every other byte kept.
//!
//! Ownership: a profile awsso writes carries `awsso_populated = true` (botocore and the Rust SDK ignore keys they do
//! not know). Only such profiles of this session are ever updated or pruned; every other profile is left alone,
//! and a name it holds is never reused. A populated profile is found again by its session, account and role, not by
//! its name, so a rename in the portal or in the template never duplicates it, and keys a user added survive.
//!
//! All or nothing: the whole listing is fetched first; if anything fails (429s past every retry, a dead network, a
//! revoked token), the file is not touched. Re-running with nothing new changes no byte and does not even rewrite
//! the file.

use std::collections::{BTreeMap, HashMap, HashSet};

use anyhow::anyhow;

use crate::cli::PopulateArgs;
use crate::cmd::login_if_terminal;
use crate::config::edit::{self, Document, SectionRef};
use crate::config::{Files, Kind, ini, naming, regions};
use crate::env::Env;
use crate::error::Error;
use crate::sso::accounts::Account;
use crate::sso::{listing, target};
use crate::ui::{self, print_once};

pub(crate) const DEFAULT_TEMPLATE: &str = "{account_name}-{role_name}";
/// The key that marks a profile as written by `awsso populate`.
const MARKER: &str = "awsso_populated";
const TOKENS: [&str; 5] = ["account_name", "account_id", "role_name", "session", "region"];

impl PopulateArgs {
    pub(crate) fn run(&self, env: &Env) -> anyhow::Result<()> {
        let template = self.template.as_deref().unwrap_or(DEFAULT_TEMPLATE);
        check_template(template)?;
        if let Some(region) = &self.region {
            regions::check(region)?;
        }
        let files = Files::load(env)?;
        let config = files.parse()?;
        let target = target::resolve(env, &config, self.sso_session.as_deref(), None)?;
        let Some(session) = target.session.clone() else {
            return Err(Error::Usage(format!(
                "{} is a legacy profile's start URL; populate writes sso-session profiles: add an [sso-session] \
                 (`awsso configure sso-session`) and pass --sso-session",
                target.describe()
            ))
            .into());
        };
        let region = self.region.clone().unwrap_or_else(|| target.region.clone());
        let path = env
            .config_file()
            .ok_or_else(|| anyhow!("HOME is not set, so there is no ~/.aws/config"))?;

        let bar = ui::progress::ListingBar::new();
        let accounts = listing::reachable(env, &target, login_if_terminal(), false, &|p| bar.update(p))?;
        drop(bar);

        // A role name the config file cannot hold (a leading space, a tab or line break) is skipped, not fatal:
        // the other profiles are still written (issue 9, finding 13).
        let mut accounts = accounts;
        for account in &mut accounts {
            account.roles.retain(|role| match writable(&account.id, role) {
                Ok(()) => true,
                Err(e) => {
                    ui::warn(&format!("skipped account {} role {role:?}: {e}", account.id));
                    false
                }
            });
        }
        let plan = |text: &str| -> anyhow::Result<Plan> {
            let files = Files {
                config: text.to_owned(),
                config_path: files.config_path.clone(),
                credentials: files.credentials.clone(),
                credentials_path: files.credentials_path.clone(),
            };
            let config = files.parse()?;
            let plan = self.plan(text, &config, &accounts, &target, &region, template)?;
            // An empty listing would prune every profile (a portal or permission hiccup, not a reorganization).
            if self.prune && plan.stale > 0 && accounts.iter().all(|a| a.roles.is_empty()) && !self.force {
                return Err(Error::Usage(format!(
                    "the portal lists no account or role for sso-session `{session}`, so --prune would remove all {} \
                     of its profiles; check the session's permissions, or add --force if that is right",
                    plan.stale
                ))
                .into());
            }
            Ok(plan)
        };

        if self.dry_run {
            let before = files.config.clone();
            let plan = plan(&before)?;
            ui::note(&format!("dry run, nothing written: {}", self.summary(&plan)));
            let diff = similar::TextDiff::from_lines(&before, &plan.after);
            let shown = path.display().to_string();
            let text = diff.unified_diff().context_radius(3).header(&shown, &shown).to_string();
            return print_once(&text);
        }
        // The listing can take minutes (and a login): apply the additions to the file as it is now, under the
        // config lock `configure` takes too, so neither a hand edit nor another run's profiles are lost.
        let plan = edit::update(env, &path, |text| {
            let plan = plan(text)?;
            let after = (plan.after != text).then(|| plan.after.clone());
            Ok((after, plan))
        })?;
        ui::note(&format!(
            "{} profiles for sso-session `{session}` in {}: {}",
            plan.kept + plan.new,
            path.display(),
            self.summary(&plan)
        ));
        Ok(())
    }

    /// The file `text` with this session's new profiles added (and, with `--prune`, its unreachable ones removed).
    fn plan(
        &self,
        text: &str,
        config: &crate::config::Config<'_>,
        accounts: &[Account],
        target: &crate::sso::target::Target,
        region: &str,
        template: &str,
    ) -> anyhow::Result<Plan> {
        let session = target.session.as_deref().unwrap_or_default();
        let start_url = target.start_url.as_str();
        let mut doc = Document::parse(text);
        // Names taken by anything else: every profile in either file.
        let mut taken: HashSet<String> = config.profiles.names().map(str::to_owned).collect();
        // Profiles this session populated before, by (account, role). Read from the parsed config (one pass; the
        // editor would re-read the file for every key of thousands of profiles).
        let mut ours: HashMap<(String, String), String> = HashMap::new();
        for p in config.all_profiles() {
            if p.props.get(MARKER) == Some("true")
                && p.sso_session_name() == Some(session)
                && let (Some(account), Some(role)) = (p.account_id(), p.role_name())
            {
                ours.insert((account.to_owned(), role.to_owned()), p.name().to_owned());
            }
        }

        // Account/role pairs a hand-written profile of this session (or of its start URL) already reaches: a
        // populated twin would only be a second name for them (issue 15), unless --include-existing.
        let mine: HashSet<(String, String)> = config
            .all_profiles()
            .filter(|p| p.props.get(MARKER) != Some("true"))
            .filter(|p| match p.kind() {
                Kind::Sso => p.sso_session_name() == Some(session),
                Kind::LegacySso => p.start_url() == Some(start_url),
                _ => false,
            })
            .filter_map(|p| Some((p.account_id()?.to_owned(), p.role_name()?.to_owned())))
            .collect();

        let mut new_sections: Vec<(SectionRef, [(String, String); 5])> = Vec::new();
        let mut reachable: HashSet<(String, String)> = HashSet::new();
        let mut kept = 0usize;
        let mut covered = 0usize;
        for account in accounts {
            for role in &account.roles {
                let key = (account.id.clone(), role.clone());
                reachable.insert(key.clone());
                if ours.contains_key(&key) {
                    kept += 1;
                    continue;
                }
                if !self.include_existing && mine.contains(&key) {
                    covered += 1;
                    continue;
                }
                let values: BTreeMap<&str, &str> = [
                    ("account_name", account.name.as_str()),
                    ("account_id", account.id.as_str()),
                    ("role_name", role.as_str()),
                    ("session", session),
                    ("region", region),
                ]
                .into();
                let name = unique(
                    &naming::or_fallback(&render(template, &values), &account.id, role),
                    session,
                    &mut taken,
                );
                new_sections.push((
                    SectionRef::Profile(name),
                    [
                        ("sso_session".into(), session.to_owned()),
                        ("sso_account_id".into(), account.id.clone()),
                        ("sso_role_name".into(), role.clone()),
                        ("region".into(), region.to_owned()),
                        (MARKER.into(), "true".into()),
                    ],
                ));
            }
        }
        let stale: Vec<String> = ours
            .iter()
            .filter(|(key, _)| !reachable.contains(*key))
            .map(|(_, name)| name.clone())
            .collect();
        if self.prune {
            for name in &stale {
                doc.remove_section(&SectionRef::Profile(name.clone()));
            }
        }
        let sections: Vec<(SectionRef, Vec<(&str, &str)>)> = new_sections
            .iter()
            .map(|(section, keys)| {
                (
                    section.clone(),
                    keys.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect(),
                )
            })
            .collect();
        doc.append_sections(&sections)
            .map_err(|e| anyhow!("could not add the profiles: {e}"))?;
        let after = doc.to_string();
        // Whatever we write must read back (a file that did not parse could not have been read above).
        ini::parse(&after).map_err(|e| anyhow!("refusing to write a config file botocore would reject ({e})"))?;
        Ok(Plan {
            after,
            new: new_sections.len(),
            kept,
            covered,
            stale: stale.len(),
        })
    }

    fn summary(&self, plan: &Plan) -> String {
        format!(
            "{} new, {} already there{}{}",
            plan.new,
            plan.kept,
            match plan.covered {
                0 => String::new(),
                n => format!(", {n} skipped: your own profiles reach them (--include-existing adds them too)"),
            },
            match (plan.stale, self.prune) {
                (0, _) => String::new(),
                (n, true) => format!(", {n} no longer reachable and removed"),
                (n, false) => format!(", {n} no longer reachable (--prune removes them)"),
            }
        )
    }
}

/// What a populate run does to the file.
struct Plan {
    after: String,
    new: usize,
    kept: usize,
    /// Pairs skipped because a hand-written profile already reaches them.
    covered: usize,
    stale: usize,
}

/// Whether the keys of a profile for `account_id`/`role` can be written so that botocore reads them back exactly.
fn writable(account_id: &str, role: &str) -> Result<(), edit::EditError> {
    let section = SectionRef::Profile("x".to_owned());
    edit::check(&section, "sso_account_id", account_id)?;
    edit::check(&section, "sso_role_name", role)
}

/// Only the documented tokens, with balanced braces, so a typo fails before any network call.
fn check_template(template: &str) -> anyhow::Result<()> {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| usage_template(template, "a `{` is not closed"))?;
        let token = &after[..close];
        if !TOKENS.contains(&token) {
            return Err(usage_template(template, &format!("`{{{token}}}` is not a token")));
        }
        rest = &after[close + 1..];
    }
    if rest.contains('}') {
        return Err(usage_template(template, "a `}` has no `{`"));
    }
    Ok(())
}

fn usage_template(template: &str, why: &str) -> anyhow::Error {
    Error::Usage(format!(
        "bad --template `{template}`: {why}; use {{account_name}} {{account_id}} {{role_name}} {{session}} {{region}}"
    ))
    .into()
}

fn render(template: &str, values: &BTreeMap<&str, &str>) -> String {
    let mut out = template.to_owned();
    for (token, value) in values {
        out = out.replace(&format!("{{{token}}}"), value);
    }
    out
}

/// `name`, else `name-SESSION`, else `name-2`, `name-3`…: unique across every profile and session.
fn unique(name: &str, session: &str, taken: &mut HashSet<String>) -> String {
    let mut candidates = std::iter::once(name.to_owned())
        .chain(std::iter::once(format!("{name}-{}", naming::plain(session))))
        .chain((2..).map(|n| format!("{name}-{n}")));
    let chosen = candidates
        .find(|c| !taken.contains(c))
        .unwrap_or_else(|| name.to_owned());
    taken.insert(chosen.clone());
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_checked_before_anything_runs() {
        assert!(check_template(DEFAULT_TEMPLATE).is_ok());
        assert!(check_template("{session}/{account_id}:{role_name}@{region}").is_ok());
        for bad in ["{account}", "{role_name", "role}", "{}"] {
            assert!(check_template(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_are_sanitized_and_unique() {
        let values: BTreeMap<&str, &str> = [("account_name", "Prod [EU] main"), ("role_name", "Admin")].into();
        let name = naming::or_fallback(&render(DEFAULT_TEMPLATE, &values), "111111111111", "Admin");
        assert_eq!(name, "Prod-EU-main-Admin");
        let mut taken: HashSet<String> = ["x".to_owned(), "x-corp".to_owned()].into();
        assert_eq!(unique("y", "corp", &mut taken), "y");
        assert_eq!(unique("y", "corp", &mut taken), "y-corp");
        assert_eq!(unique("x", "corp", &mut taken), "x-2");
    }
}
