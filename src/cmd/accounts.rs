//! `awsso accounts [--sso-session S] [--json]`: the accounts and roles a session can reach, from the SSO portal,
//! with the configured profile that points at each; the account names are remembered for offline use
//! (`sso::names`).

use std::collections::BTreeMap;
use std::io::IsTerminal as _;

use anyhow::anyhow;

use crate::cli::AccountsArgs;
use crate::cmd::print_once;
use crate::config::{Config, Files, Kind};
use crate::env::Env;
use crate::error::Error;
use crate::sso::accounts::{self, Account, PortalError, Progress};
use crate::sso::login::{self, Interaction, Options, Target};
use crate::sso::{client, names, target};

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
        let accounts = fetch(env, &target)?;
        let rows = rows(&config, &target, &accounts);
        if self.json {
            let mut text = serde_json::to_string_pretty(&rows)?;
            text.push('\n');
            return print_once(&text);
        }
        if rows.is_empty() {
            eprintln!("awsso: {} can reach no accounts", target.describe());
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
        print_once(&crate::cmd::table(
            ["ACCOUNT ID", "ACCOUNT NAME", "ROLE", "PROFILE"],
            &cells,
        ))
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

/// Everything `target` can reach, from the portal: a token (refreshed, or logged in for on a terminal, as `use`
/// does), every account and its roles with a progress bar on stderr, and the names remembered for offline use.
/// Shared by `accounts` and `populate`; any failure is an error, never a partial list.
pub(crate) fn fetch(env: &Env, target: &Target) -> anyhow::Result<Vec<Account>> {
    // A bad AWSSO_PORTAL_RATE is reported before anything else happens.
    let pace = accounts::Pace::from_env(env)?;
    let hint = target::login_command(target, None);
    // As `use` does: log in first only where someone can answer the browser or the device code.
    let interaction = if std::io::stderr().is_terminal() {
        Interaction::Allowed(Options::default())
    } else {
        Interaction::Forbidden
    };
    let token = login::ensure_token(env, target, interaction, &hint)?;

    let bar = progress_bar();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let listed = runtime.block_on(async {
        let sdk = client::sdk_config(&target.region).await;
        let on_progress = |p: Progress| match p {
            Progress::Accounts(n) => bar.set_length(n as u64),
            Progress::RolesOf => bar.inc(1),
        };
        accounts::list(&client::portal(&sdk), token.access_token.expose(), &pace, &on_progress).await
    });
    bar.finish_and_clear();
    let accounts = listed.map_err(|e| portal_error(e, env, target, &hint))?;

    let map: BTreeMap<String, String> = accounts.iter().map(|a| (a.id.clone(), a.name.clone())).collect();
    if let Err(e) = names::save(env, target, map) {
        eprintln!("awsso: warning: {e:#}");
    }
    Ok(accounts)
}

fn portal_error(err: PortalError, env: &Env, target: &Target, hint: &str) -> anyhow::Error {
    let portal = crate::sso::client::portal_base_url(env, &target.region);
    match err {
        // The token's time is not up, but the portal refused it: forget it (as `credentials` does), so that a plain
        // `awsso login` starts afresh instead of reusing it.
        PortalError::Unauthorized => {
            if let Err(e) = crate::sso::login::forget_token(env, target) {
                return e;
            }
            Error::LoginRequired(format!(
                "the SSO portal refused the token of {} (signed out or revoked elsewhere); run `{hint}`",
                target.describe()
            ))
            .into()
        }
        PortalError::Throttled => anyhow!(
            "the SSO portal at {portal} kept answering 429 TooManyRequestsException through every retry; wait a \
             minute and run `awsso accounts` again"
        ),
        PortalError::Unreachable(why) => anyhow!(
            "could not list the accounts of {}: no answer from the SSO portal at {portal} ({why}); check the network \
             and try again",
            target.describe()
        ),
        PortalError::Other(why) => anyhow!(
            "could not list the accounts of {} from the SSO portal at {portal}: {why}",
            target.describe()
        ),
    }
}

/// A progress line on stderr while the roles come in, drawn only when stderr is a terminal: accounts done, the
/// current rate (accounts a second, which the portal's pace sets) and the time left at that rate.
fn progress_bar() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::with_draw_target(Some(0), indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        indicatif::ProgressStyle::with_template("listing roles {pos}/{len} accounts, {rate}, {eta} left").map_or_else(
            |_| indicatif::ProgressStyle::default_bar(),
            |style| {
                style.with_key(
                    "rate",
                    |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = write!(w, "{:.0}/s", state.per_sec());
                    },
                )
            },
        ),
    );
    bar
}
