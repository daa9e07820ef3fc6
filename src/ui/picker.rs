//! The profile picker of `awsso use` without a PROFILE: one line per configured profile (name, account id,
//! account name if `awsso accounts` has seen it, role, session), ranked as you type: the exact name first, then
//! names starting with the query, then names with a word starting with it, then the other columns, then fuzzy
//! matches (issue 15: a fuzzy score alone put `name-1244` above an exact `name-12`).
//!
//! It draws on stderr and reads keys from the terminal, so stdout stays clean for the shell code that `eval` runs.
//! Esc or Ctrl-C cancels with exit 130, nothing on stdout and nothing of the picker left on the screen; Ctrl-U
//! clears the query, Ctrl-W its last word.

use std::fmt::Write as _;
use std::io::IsTerminal as _;

use dialoguer::console::{self, Key, Term};
use fuzzy_matcher::FuzzyMatcher as _;
use fuzzy_matcher::skim::SkimMatcherV2;

use crate::config::Config;
use crate::env::Env;
use crate::error::Error;
use crate::sso::names::Remembered;

/// The rows shown at most; the list scrolls.
const VISIBLE_ROWS: usize = 15;

/// What the prompt line says before the query.
const PROMPT: &str = "awsso use (type to filter, Enter to choose, Esc to cancel)";

/// Ask the user to choose a profile; its name.
pub(crate) fn choose_profile(env: &Env, config: &Config<'_>) -> anyhow::Result<String> {
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(Error::Usage(
            "PROFILE is required when not on a terminal: run `awsso use PROFILE` (`awsso list` shows the profiles)"
                .into(),
        )
        .into());
    }
    let rows = rows(env, config);
    if rows.is_empty() {
        return Err(Error::Usage("no profiles are configured yet; run `awsso configure` to add one".into()).into());
    }
    let active = env.get("AWS_PROFILE").or_else(|| env.get("AWS_DEFAULT_PROFILE"));
    let default = active.and_then(|a| rows.iter().position(|r| r.name == a)).unwrap_or(0);

    // In raw mode Ctrl-C is a key; a SIGINT from elsewhere must not leave the picker on the screen either.
    let _sigint = super::interrupt::SigintGuard::install()?;
    let term = Term::stderr();
    let mut picker = Picker::new(&rows, default);
    let raw = super::interrupt::RawMode::enter();
    let outcome = picker.run(&term);
    drop(raw);
    // Leave nothing behind, whatever happened: the choice shows in the prompt segment, as with `use PROFILE`.
    let _ = term.write_str("\r\x1b[J");
    let _ = term.show_cursor();
    match outcome {
        Ok(Outcome::Chosen(i)) => Ok(rows[i].name.clone()),
        Ok(Outcome::Cancelled) => Err(Error::Cancelled.into()),
        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => Err(Error::Cancelled.into()),
        Err(e) => Err(anyhow::anyhow!("the profile picker failed: {e}")),
    }
}

/// One profile in the picker.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    /// The profile's name, as `use` takes it.
    name: String,
    /// The aligned line shown (control characters escaped).
    line: String,
    /// The columns after the name (account id, account name, role, session), separated by spaces.
    rest: String,
}

/// One row per profile: its name, and an aligned line with name, account id, account name, role and session.
fn rows(env: &Env, config: &Config<'_>) -> Vec<Row> {
    let mut remembered = Remembered::new(env);
    let cells: Vec<(String, [String; 5])> = config
        .all_profiles()
        .map(|p| {
            let s = crate::config::chain::summary(config, &p);
            let cells = [
                p.name().to_owned(),
                s.account_id.unwrap_or_default().to_owned(),
                remembered.of(&s).unwrap_or_default(),
                s.role_name.unwrap_or_default().to_owned(),
                s.sso_session.unwrap_or_default().to_owned(),
            ]
            .map(|c| super::escape(&c).into_owned());
            (p.name().to_owned(), cells)
        })
        .collect();
    let mut widths = [0usize; 5];
    for (_, row) in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    cells
        .into_iter()
        .map(|(name, row)| {
            let mut line = String::new();
            for (cell, w) in row.iter().zip(widths) {
                line.push_str(cell);
                line.extend(std::iter::repeat_n(' ', w - cell.chars().count() + 2));
            }
            let rest = row[1..]
                .iter()
                .filter(|c| !c.is_empty())
                .cloned()
                .collect::<Vec<_>>()
                .join(" ");
            Row {
                name,
                line: line.trim_end().to_owned(),
                rest,
            }
        })
        .collect()
}

/// The indices of the rows matching `query`, best first. Case is ignored. Tiers, in order: the exact name; names
/// starting with the query; names with a word (after `-`, `_`, `.`, `/`, … or a lower-to-upper case change)
/// starting with it; a word of the other columns (account id or name, role, session) starting with it; a fuzzy
/// match of the name; a fuzzy match of the whole line. Within the first four tiers shorter names come first, then
/// file order; within the fuzzy tiers the better score, then file order. An empty query keeps every row in order.
fn rank(query: &str, rows: &[Row]) -> Vec<usize> {
    let query = query.trim().to_lowercase();
    if query.is_empty() {
        return (0..rows.len()).collect();
    }
    // Spaces separate words for the eye; the fuzzy matcher would look for them literally.
    let compact: String = query.split_whitespace().collect();
    let fuzzy = SkimMatcherV2::default().ignore_case();
    // (tier, minus the fuzzy score, name length, file position)
    let mut ranked: Vec<(u8, i64, usize, usize)> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, row)| {
            let by_length = |tier| Some((tier, 0, row.name.chars().count(), i));
            if eq_ignore_case(&row.name, &query) {
                by_length(0)
            } else if starts_with_ignore_case(&row.name, &query) {
                by_length(1)
            } else if word_starts(&row.name).any(|w| starts_with_ignore_case(w, &query)) {
                by_length(2)
            } else if word_starts(&row.rest).any(|w| starts_with_ignore_case(w, &query)) {
                by_length(3)
            } else if let Some(score) = fuzzy.fuzzy_match(&row.name, &compact) {
                Some((4, -score, 0, i))
            } else {
                fuzzy.fuzzy_match(&row.line, &compact).map(|score| (5, -score, 0, i))
            }
        })
        .collect();
    ranked.sort_unstable();
    ranked.into_iter().map(|(.., i)| i).collect()
}

fn eq_ignore_case(text: &str, lower: &str) -> bool {
    text.chars().flat_map(char::to_lowercase).eq(lower.chars())
}

fn starts_with_ignore_case(text: &str, lower: &str) -> bool {
    let mut text = text.chars().flat_map(char::to_lowercase);
    lower.chars().all(|c| text.next() == Some(c))
}

/// `text` from each start of a word on: after a character that is not a letter or digit, or where a lower-case
/// letter is followed by an upper-case one (`DevAccess` has words `DevAccess` and `Access`).
fn word_starts(text: &str) -> impl Iterator<Item = &str> {
    let mut prev: Option<char> = None;
    text.char_indices().filter_map(move |(at, c)| {
        let start = match prev {
            None => true,
            Some(p) => (!p.is_alphanumeric() && c.is_alphanumeric()) || (p.is_lowercase() && c.is_uppercase()),
        };
        prev = Some(c);
        start.then(|| &text[at..])
    })
}

/// The rows that fit on the screen below the prompt line.
fn visible(term: &Term) -> usize {
    let (height, _) = term.size();
    VISIBLE_ROWS.min(usize::from(height).saturating_sub(2)).max(1)
}

/// How the picker ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// The row at this index of the profiles.
    Chosen(usize),
    Cancelled,
}

struct Picker<'a> {
    rows: &'a [Row],
    /// The row selected while the query is empty.
    default: usize,
    query: String,
    /// The indices of the rows shown, best first.
    shown: Vec<usize>,
    /// The position in `shown` of the selected row.
    selected: usize,
    /// The position in `shown` of the first row on the screen.
    top: usize,
}

impl<'a> Picker<'a> {
    fn new(rows: &'a [Row], default: usize) -> Self {
        let mut picker = Self {
            rows,
            default,
            query: String::new(),
            shown: Vec::new(),
            selected: 0,
            top: 0,
        };
        picker.filter();
        picker
    }

    /// Rank the rows for the query and select the best (with no query: the default, the active profile).
    fn filter(&mut self) {
        self.shown = rank(&self.query, self.rows);
        self.selected = if self.query.trim().is_empty() {
            self.shown.iter().position(|&i| i == self.default).unwrap_or(0)
        } else {
            0
        };
        self.top = 0;
    }

    /// Read keys and redraw until a choice or a cancel.
    fn run(&mut self, term: &Term) -> std::io::Result<Outcome> {
        loop {
            self.draw(term)?;
            let key = match term.read_key_raw() {
                Ok(key) => key,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => Key::CtrlC,
                Err(e) => return Err(e),
            };
            if let Some(outcome) = self.on_key(&key, visible(term)) {
                return Ok(outcome);
            }
        }
    }

    /// Act on one key; the outcome when it ends the picker. `page` is the number of rows on the screen.
    fn on_key(&mut self, key: &Key, page: usize) -> Option<Outcome> {
        let len = self.shown.len();
        match key {
            Key::Enter => return self.shown.get(self.selected).map(|&i| Outcome::Chosen(i)),
            Key::Escape | Key::CtrlC | Key::Char('\u{3}') => return Some(Outcome::Cancelled),
            Key::Char('\u{4}') if self.query.is_empty() => return Some(Outcome::Cancelled),
            // Ctrl-U: clear the query.
            Key::Char('\u{15}') => {
                self.query.clear();
                self.filter();
            }
            // Ctrl-W: delete the last word of the query.
            Key::Char('\u{17}') => {
                let kept = self.query.trim_end().rfind(char::is_whitespace).map_or(0, |at| at + 1);
                self.query.truncate(kept);
                self.filter();
            }
            Key::Backspace => {
                self.query.pop();
                self.filter();
            }
            Key::ArrowUp | Key::BackTab | Key::Char('\u{10}') if len > 0 => {
                self.selected = (self.selected + len - 1) % len;
            }
            Key::ArrowDown | Key::Tab | Key::Char('\u{e}') if len > 0 => {
                self.selected = (self.selected + 1) % len;
            }
            Key::PageUp => self.selected = self.selected.saturating_sub(page),
            Key::PageDown if len > 0 => self.selected = (self.selected + page).min(len - 1),
            Key::Home => self.selected = 0,
            Key::End => self.selected = len.saturating_sub(1),
            Key::Char(c) if !c.is_control() => {
                self.query.push(*c);
                self.filter();
            }
            _ => {}
        }
        None
    }

    /// Draw the prompt line and the rows below it in one write, and put the cursor after the query. Lines are cut
    /// to the terminal's width, so none wraps and `\r` then "clear to the end of the screen" erases all of it.
    fn draw(&mut self, term: &Term) -> std::io::Result<()> {
        let (_, width) = term.size();
        let width = usize::from(width).max(20);
        let visible = visible(term);
        if self.selected < self.top {
            self.top = self.selected;
        } else if self.selected >= self.top + visible {
            self.top = self.selected + 1 - visible;
        }

        let count = format!("[{}/{}]", self.shown.len(), self.rows.len());
        let mut title = format!("{PROMPT} {count}");
        if console::measure_text_width(&title) + 16 > width {
            title = format!("awsso use {count}");
        }
        // `? TITLE › QUERY`
        let head_width = console::measure_text_width(&title) + 5;
        let room = width.saturating_sub(head_width + 1).max(1);
        let query = super::escape(&self.query);
        let skip = query.chars().count().saturating_sub(room);
        let query: String = query.chars().skip(skip).collect();

        let mut out = String::from("\r\x1b[J");
        let _ = write!(
            out,
            "{} {} {} {query}",
            console::style("?").for_stderr().yellow(),
            console::style(&title).for_stderr().bold(),
            console::style("›").for_stderr().black().bright(),
        );
        let end = (self.top + visible).min(self.shown.len());
        let mut drawn = 0;
        for (at, &i) in self.shown[self.top..end].iter().enumerate() {
            let line = console::truncate_str(&self.rows[i].line, width - 3, "…");
            out.push('\n');
            if self.top + at == self.selected {
                let _ = write!(
                    out,
                    "{} {}",
                    console::style("❯").for_stderr().green(),
                    console::style(line).for_stderr().cyan()
                );
            } else {
                let _ = write!(out, "  {line}");
            }
            drawn += 1;
        }
        if self.shown.is_empty() {
            let _ = write!(
                out,
                "\n{}",
                console::style("no profile matches (Ctrl-U clears the query)")
                    .for_stderr()
                    .dim()
            );
            drawn += 1;
        }
        if drawn > 0 {
            let _ = write!(out, "\x1b[{drawn}A");
        }
        let _ = write!(out, "\r\x1b[{}C", head_width + console::measure_text_width(&query));
        term.write_str(&out)?;
        term.flush()
    }
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
        let rows = rows(&env, &config);
        let names: Vec<_> = rows.iter().map(|r| r.name.as_str()).collect();
        let lines: Vec<_> = rows.iter().map(|r| r.line.as_str()).collect();
        let rest: Vec<_> = rows.iter().map(|r| r.rest.as_str()).collect();
        assert_eq!(names, ["prod", "plain"]);
        assert_eq!(lines, ["prod   111111111111  Production  Admin  corp", "plain"]);
        assert_eq!(rest, ["111111111111 Production Admin corp", ""]);
    }

    fn row(name: &str, rest: &str) -> Row {
        Row {
            name: name.into(),
            line: format!("{name}  {rest}"),
            rest: rest.into(),
        }
    }

    /// 3,000 profiles `name-1` … `name-3000` whose account ids are full of digits, as in issue 15.
    fn three_thousand() -> Vec<Row> {
        (1..=3000)
            .map(|n| {
                row(
                    &format!("name-{n}"),
                    &format!("{} Account{n} Admin corp", 900_000_000_000u64 + 13 * n),
                )
            })
            .collect()
    }

    fn names<'a>(rows: &'a [Row], ranked: &[usize]) -> Vec<&'a str> {
        ranked.iter().map(|&i| rows[i].name.as_str()).collect()
    }

    #[test]
    fn among_3000_profiles_the_exact_name_comes_first_then_prefixes_shortest_first() {
        let rows = three_thousand();
        let ranked = rank("name-12", &rows);
        let expected: Vec<String> = std::iter::once("name-12".to_owned())
            .chain((120..=129).map(|n| format!("name-{n}")))
            .chain((1200..=1209).map(|n| format!("name-{n}")))
            .collect();
        assert_eq!(names(&rows, &ranked)[..21], expected);
        // Every `name-12…` (111 of them) before anything matched only inside an account id or fuzzily.
        assert!(names(&rows, &ranked)[..111].iter().all(|n| n.starts_with("name-12")));
        assert!(!names(&rows, &ranked)[111..].iter().any(|n| n.starts_with("name-12")));
        // Upper case in the query changes nothing.
        assert_eq!(rank("NAME-12", &rows)[..21], ranked[..21]);
    }

    #[test]
    fn digits_match_words_of_the_name_before_digits_inside_account_ids() {
        let rows = three_thousand();
        let ranked = names(&rows, &rank("12", &rows));
        // A name word starting with 12: name-12, name-120…129, name-1200…1299 (111 names), shortest first.
        assert_eq!(ranked[..3], ["name-12", "name-120", "name-121"]);
        assert!(
            ranked[..111].iter().all(|n| n.starts_with("name-12")),
            "{:?}",
            &ranked[..111]
        );
        // Then the rows with 12 only inside the account id (900000000012 + …) or scattered through the name.
        assert!(ranked.len() > 111);
        assert!(ranked.contains(&"name-14"), "account id 900000000182 holds 1…2");
    }

    #[test]
    fn an_exact_name_beats_a_prefix_above_it_in_the_file_and_words_of_other_columns_come_after_names() {
        let rows = vec![
            row("prod-eu", "111111111111 Shop Admin corp"),
            row("shop-admin", "222222222222 Shop ReadOnly corp"),
            row("prod", "333333333333 Shop Admin corp"),
            row("legacy", "444444444444 ProdArchive Admin corp"),
            row("reports", "555555555555 Analytics Admin corp"),
        ];
        assert_eq!(names(&rows, &rank("prod", &rows)), ["prod", "prod-eu", "legacy"]);
        // `Archive` starts a word of `ProdArchive` (case change); `admin` starts a word of the name `shop-admin`.
        assert_eq!(names(&rows, &rank("archive", &rows)), ["legacy"]);
        assert_eq!(names(&rows, &rank("admin", &rows))[0], "shop-admin");
        // A fuzzy query across the columns still finds a row.
        assert_eq!(names(&rows, &rank("2222rdonly", &rows)), ["shop-admin"]);
        assert_eq!(names(&rows, &rank("  ", &rows)).len(), 5);
        assert!(rank("zzz", &rows).is_empty());
    }

    #[test]
    fn keys_edit_the_query_move_the_selection_and_end_the_picker() {
        let rows = three_thousand();
        let mut picker = Picker::new(&rows, 4);
        assert_eq!(picker.shown[picker.selected], 4, "the active profile is selected first");
        for c in "name-12".chars() {
            assert_eq!(picker.on_key(&Key::Char(c), 15), None);
        }
        assert_eq!(picker.on_key(&Key::ArrowDown, 15), None);
        assert_eq!(rows[picker.shown[picker.selected]].name, "name-120");
        assert_eq!(picker.on_key(&Key::ArrowUp, 15), None);
        assert_eq!(
            picker.on_key(&Key::Enter, 15),
            Some(Outcome::Chosen(11)),
            "name-12 is row 11"
        );

        // Ctrl-U clears the query and selects the active profile again; Ctrl-W removes the last word.
        assert_eq!(picker.on_key(&Key::Char('\u{15}'), 15), None);
        assert_eq!((picker.query.as_str(), picker.shown.len()), ("", 3000));
        assert_eq!(picker.shown[picker.selected], 4);
        for c in "admin name-7".chars() {
            picker.on_key(&Key::Char(c), 15);
        }
        picker.on_key(&Key::Char('\u{17}'), 15);
        assert_eq!(picker.query, "admin ");
        picker.on_key(&Key::Backspace, 15);
        assert_eq!(picker.query, "admin");

        // Nothing matches: Enter does nothing; Esc and Ctrl-C cancel.
        picker.on_key(&Key::Char('\u{15}'), 15);
        for c in "zzz".chars() {
            picker.on_key(&Key::Char(c), 15);
        }
        assert_eq!(picker.on_key(&Key::Enter, 15), None);
        assert_eq!(picker.on_key(&Key::ArrowDown, 15), None);
        assert_eq!(picker.on_key(&Key::CtrlC, 15), Some(Outcome::Cancelled));
        assert_eq!(picker.on_key(&Key::Escape, 15), Some(Outcome::Cancelled));
    }
}
