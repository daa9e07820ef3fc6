//! `awsso accounts [--sso-session S] [--json]`: the accounts and roles a session can reach, from the SSO portal,
//! with the configured profile that points at each; the account names are remembered for offline use
//! (`sso::names`).

use crate::cli::AccountsArgs;
use crate::cmd::login_if_terminal;
use crate::config::{Config, Files, Kind};
use crate::env::Env;
use crate::sso::accounts::Account;
use crate::sso::listing;
use crate::sso::target::{self, Target};
use crate::ui::{self, print_once};

#[derive(serde::Serialize)]
struct Row<'a> {
    account_id: &'a str,
    account_name: &'a str,
    email_address: Option<&'a str>,
    /// `null` for an account where the session has no role (the portal may list one).
    role_name: Option<&'a str>,
    /// The configured profiles that point at this account and role, in config order.
    profiles: Vec<&'a str>,
}

impl AccountsArgs {
    pub(crate) fn run(&self, env: &Env) -> anyhow::Result<()> {
        let files = Files::load(env)?;
        let config = files.parse()?;
        let target = target::resolve(env, &config, self.sso_session.as_deref(), None)?;
        let bar = ui::progress::ListingBar::new();
        let accounts = listing::reachable(env, &target, login_if_terminal(), false, &|p| bar.update(p))?;
        drop(bar);
        let rows = rows(&config, &target, &accounts);
        if self.json {
            let mut text = serde_json::to_string_pretty(&rows)?;
            text.push('\n');
            return print_once(&text);
        }
        if rows.is_empty() {
            ui::note(&format!("{} can reach no accounts", target.describe()));
            return Ok(());
        }
        let cells: Vec<[String; 4]> = rows
            .iter()
            .map(|r| {
                [
                    r.account_id.to_owned(),
                    r.account_name.to_owned(),
                    r.role_name.unwrap_or("-").to_owned(),
                    if r.profiles.is_empty() {
                        "-".to_owned()
                    } else {
                        r.profiles.join(",")
                    },
                ]
            })
            .collect();
        print_once(&ui::table(["ACCOUNT ID", "ACCOUNT NAME", "ROLE", "PROFILE"], &cells))
    }
}

/// One row per account and role, with the profiles whose start URL, account and role are these.
fn rows<'a>(config: &'a Config<'_>, target: &Target, accounts: &'a [Account]) -> Vec<Row<'a>> {
    let profiles: Vec<(&str, &str, &str)> = config
        .all_profiles()
        .filter(|p| p.kind() != Kind::Other && p.start_url() == Some(target.start_url.as_str()))
        .filter_map(|p| Some((p.name(), p.account_id()?, p.role_name()?)))
        .collect();
    let pointing = |account: &str, role: &str| -> Vec<&'a str> {
        profiles
            .iter()
            .filter(|(_, a, r)| *a == account && *r == role)
            .map(|(name, _, _)| *name)
            .collect()
    };
    let mut rows = Vec::new();
    for a in accounts {
        let row = |role_name: Option<&'a str>| Row {
            account_id: &a.id,
            account_name: &a.name,
            email_address: a.email.as_deref(),
            role_name,
            profiles: role_name.map(|r| pointing(&a.id, r)).unwrap_or_default(),
        };
        if a.roles.is_empty() {
            rows.push(row(None));
        }
        rows.extend(a.roles.iter().map(|r| row(Some(r.as_str()))));
    }
    rows
}
