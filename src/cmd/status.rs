//! `awsso status [--json]`: every SSO session and the state of its cached token. Offline.

use crate::cli::StatusArgs;
use crate::clock::{cli_timestamp, now, ttl_text};
use crate::config::Files;
use crate::env::Env;
use crate::sso::target;
use crate::sso::token::{self, TokenState};
use crate::ui::{self, print_once};

#[derive(serde::Serialize)]
struct Row {
    sso_session: Option<String>,
    start_url: String,
    region: String,
    state: &'static str,
    /// Seconds the access token is still valid for; 0 once it has expired.
    seconds_left: i64,
    expires_at: Option<String>,
}

impl StatusArgs {
    pub(crate) fn run(&self, env: &Env) -> anyhow::Result<()> {
        let files = Files::load(env)?;
        let config = files.parse()?;
        let rows: Vec<Row> = target::all(&config)
            .into_iter()
            .map(|t| {
                let info = token::peek(env, t.cache_key());
                let state = info.as_ref().map_or(TokenState::Missing, |i| i.state(now()));
                Row {
                    seconds_left: match state {
                        TokenState::Valid(s) => s,
                        _ => 0,
                    },
                    state: state.as_str(),
                    expires_at: info.map(|i| cli_timestamp(i.expires_at)),
                    sso_session: t.session,
                    start_url: t.start_url,
                    region: t.region,
                }
            })
            .collect();
        if self.json {
            let mut text = serde_json::to_string_pretty(&rows)?;
            text.push('\n');
            return print_once(&text);
        }
        if rows.is_empty() {
            ui::note("no SSO sessions are configured; run `awsso configure` to add one");
            return Ok(());
        }
        let cells: Vec<[String; 5]> = rows
            .iter()
            .map(|r| {
                let left = if r.seconds_left > 0 {
                    ttl_text(r.seconds_left)
                } else {
                    "-".to_owned()
                };
                let name = r.sso_session.clone().unwrap_or_else(|| "(legacy)".to_owned());
                [name, r.state.to_owned(), left, r.region.clone(), r.start_url.clone()]
            })
            .collect();
        print_once(&ui::table(["SESSION", "STATE", "LEFT", "REGION", "START URL"], &cells))
    }
}
