//! The fuzzy profile picker of `awsso use` without a PROFILE: one line per configured profile (name, account id,
//! account name if `awsso accounts` has seen it, role, session), filtered as you type.
//!
//! It draws on stderr and reads keys from the terminal, so stdout stays clean for the shell code that `eval` runs.
//! Esc or Ctrl-C cancels with exit 130 and nothing on stdout.

use std::io::IsTerminal as _;

use crate::config::Config;
use crate::env::Env;
use crate::error::Error;
use crate::sso::names::Remembered;

/// The rows shown at most; the list scrolls.
const VISIBLE_ROWS: usize = 15;

/// Ask the user to choose a profile; its name.
pub(crate) fn choose_profile(env: &Env, config: &Config<'_>) -> anyhow::Result<String> {
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(Error::Usage(
            "PROFILE is required when not on a terminal: run `awsso use PROFILE` (`awsso list` shows the profiles)"
                .into(),
        )
        .into());
    }
    let (names, items) = rows(env, config);
    if names.is_empty() {
        return Err(Error::Usage("no profiles are configured yet; run `awsso configure` to add one".into()).into());
    }
    let active = env.get("AWS_PROFILE").or_else(|| env.get("AWS_DEFAULT_PROFILE"));
    let default = active.and_then(|a| names.iter().position(|n| n == a)).unwrap_or(0);

    let _sigint = super::interrupt::SigintGuard::install()?;

    let term = dialoguer::console::Term::stderr();
    let theme = dialoguer::theme::ColorfulTheme::default();
    let chosen = dialoguer::FuzzySelect::with_theme(&theme)
        .with_prompt("awsso use (type to filter, Enter to choose, Esc to cancel)")
        // Leave nothing behind on the terminal: the choice shows in the prompt segment, as with `use PROFILE`.
        .report(false)
        .items(&items)
        .default(default)
        .max_length(VISIBLE_ROWS)
        .interact_on_opt(&term);
    let _ = term.show_cursor();
    match chosen {
        Ok(Some(i)) => Ok(names[i].clone()),
        Ok(None) => Err(Error::Cancelled.into()),
        Err(dialoguer::Error::IO(e)) if e.kind() == std::io::ErrorKind::Interrupted => Err(Error::Cancelled.into()),
        Err(e) => Err(anyhow::anyhow!("the profile picker failed: {e}")),
    }
}

/// The profile names, and one aligned line per profile: name, account id, account name, role, session.
fn rows(env: &Env, config: &Config<'_>) -> (Vec<String>, Vec<String>) {
    let mut remembered = Remembered::new(env);
    let cells: Vec<[String; 5]> = config
        .all_profiles()
        .map(|p| {
            let s = crate::config::chain::summary(config, &p);
            [
                p.name().to_owned(),
                s.account_id.unwrap_or_default().to_owned(),
                remembered.of(&s).unwrap_or_default(),
                s.role_name.unwrap_or_default().to_owned(),
                s.sso_session.unwrap_or_default().to_owned(),
            ]
            .map(|c| super::escape(&c).into_owned())
        })
        .collect();
    let mut widths = [0usize; 5];
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let lines = cells
        .iter()
        .map(|row| {
            let mut line = String::new();
            for (cell, w) in row.iter().zip(widths) {
                line.push_str(cell);
                line.extend(std::iter::repeat_n(' ', w - cell.chars().count() + 2));
            }
            line.trim_end().to_owned()
        })
        .collect();
    (cells.into_iter().map(|[name, ..]| name).collect(), lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sso::names;
    use std::collections::BTreeMap;

    #[test]
    fn rows_are_aligned_and_carry_remembered_names() {
        let home = tempfile::tempdir().unwrap();
        let env = Env::from_pairs([("HOME", home.path().to_str().unwrap())]);
        let target = crate::sso::target::Target {
            session: Some("corp".into()),
            start_url: "https://x.awsapps.com/start".into(),
            region: "us-east-1".into(),
            scopes: None,
        };
        names::save(
            &env,
            &target,
            BTreeMap::from([("111111111111".to_owned(), "Production".to_owned())]),
        )
        .unwrap();
        let files = crate::config::Files {
            config: "[sso-session corp]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\n\
                     [profile prod]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Admin\n\
                     [profile plain]\nregion = eu-west-1\n"
                .into(),
            ..Default::default()
        };
        let config = files.parse().unwrap();
        let (names, lines) = rows(&env, &config);
        assert_eq!(names, ["prod", "plain"]);
        assert_eq!(lines, ["prod   111111111111  Production  Admin  corp", "plain"]);
    }
}
