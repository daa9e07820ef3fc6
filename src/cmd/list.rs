//! `awsso list [--json]`: every configured profile, from the config and credentials files.

use crate::cli::ListArgs;
use crate::config::{Files, Kind, chain};
use crate::env::Env;
use crate::sso::names::Remembered;
use crate::ui::{self, print_once};

#[derive(serde::Serialize)]
struct Row<'a> {
    name: &'a str,
    kind: Kind,
    /// For a role chain, the session of the SSO profile at its root.
    sso_session: Option<&'a str>,
    sso_start_url: Option<&'a str>,
    sso_region: Option<&'a str>,
    account_id: Option<&'a str>,
    /// Remembered from the portal by `awsso accounts` (`sso::names`); `null` until then.
    account_name: Option<String>,
    role_name: Option<&'a str>,
    region: Option<&'a str>,
}

impl ListArgs {
    pub(crate) fn run(&self, env: &Env) -> anyhow::Result<()> {
        let files = Files::load(env)?;
        let config = files.parse()?;
        let mut names = Remembered::new(env);
        let rows: Vec<Row<'_>> = config
            .all_profiles()
            .map(|p| {
                let s = chain::summary(&config, &p);
                Row {
                    name: p.name(),
                    kind: p.kind(),
                    sso_session: s.sso_session,
                    sso_start_url: s.start_url,
                    sso_region: s.sso_region,
                    account_id: s.account_id,
                    account_name: names.of(&s),
                    role_name: s.role_name,
                    region: p.region(),
                }
            })
            .collect();
        if self.json {
            let mut text = serde_json::to_string_pretty(&rows)?;
            text.push('\n');
            return print_once(&text);
        }
        if rows.is_empty() {
            let path = files
                .config_path
                .as_ref()
                .map_or_else(|| "~/.aws/config".to_owned(), |p| p.display().to_string());
            ui::note(&format!("no profiles in {path}"));
            return Ok(());
        }
        print_once(&table(&rows))
    }
}

fn table(rows: &[Row<'_>]) -> String {
    let cells: Vec<[&str; 7]> = rows
        .iter()
        .map(|r| {
            [
                r.name,
                r.kind.as_str(),
                r.sso_session.unwrap_or("-"),
                r.account_id.unwrap_or("-"),
                r.account_name.as_deref().unwrap_or("-"),
                r.role_name.unwrap_or("-"),
                r.region.unwrap_or("-"),
            ]
        })
        .collect();
    ui::table(
        [
            "PROFILE",
            "KIND",
            "SESSION",
            "ACCOUNT",
            "ACCOUNT NAME",
            "ROLE",
            "REGION",
        ],
        &cells,
    )
}
