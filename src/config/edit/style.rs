//! The file's own habits (line ending, spacing around `=`, blank lines between sections), which every line the
//! editor writes copies.

use super::{Document, Span};
use crate::config::lex::{self, py_space, py_strip, significant};

pub(super) struct Style {
    pub(super) newline: &'static str,
    /// Between key and value, `=` included: `" = "`, `"="`, `"\t=\t"`...
    pub(super) separator: String,
    /// Blank lines before a new section.
    pub(super) gap: usize,
}

impl Document {
    /// The file's own habits, for the lines the editor writes.
    pub(super) fn style(&self, spans: &[Span]) -> Style {
        let newline = majority(self.lines.iter().map(|l| l.end).filter(|e| !e.is_empty()), "\n").unwrap_or("\n");
        let separators = spans.iter().flat_map(|s| &s.options).filter_map(|o| {
            let content = significant(&self.lines[o.first].text)?;
            let delim = lex::delimiter(content).filter(|&d| content[d..].starts_with('='))?;
            let (key, value) = (&content[..delim], &content[delim + 1..]);
            let before = &key[key.trim_end_matches([' ', '\t']).len()..];
            let after = &value[..value.len() - value.trim_start_matches([' ', '\t']).len()];
            // An empty value tells nothing about the space after `=`; other whitespace (NBSP...) is too odd to copy.
            let rest = &value[after.len()..];
            (!rest.is_empty() && !rest.starts_with(py_space)).then(|| format!("{before}={after}"))
        });
        let separator = majority(separators, " = ".to_owned()).unwrap_or_else(|| " = ".to_owned());
        // Blank lines in the blank-and-comment run above each header but the first.
        let gaps = spans.iter().skip(1).map(|s| {
            self.lines[..s.header]
                .iter()
                .rev()
                .take_while(|l| significant(&l.text).is_none())
                .filter(|l| py_strip(&l.text).is_empty())
                .count()
        });
        let gap = majority(gaps, 1).unwrap_or(1);
        Style {
            newline,
            separator,
            gap,
        }
    }
}

impl Style {
    pub(super) fn key_line(&self, key: &str, value: &str) -> String {
        if value.is_empty() {
            format!("{key}{}", self.separator.trim_end())
        } else {
            format!("{key}{}{value}", self.separator)
        }
    }
}

/// The most frequent item; ties go to `preferred` if it is among them, else to the first seen.
fn majority<T: PartialEq>(items: impl Iterator<Item = T>, preferred: T) -> Option<T> {
    let mut counts: Vec<(T, usize)> = Vec::new();
    for item in items {
        match counts.iter_mut().find(|(seen, _)| *seen == item) {
            Some((_, n)) => *n += 1,
            None => counts.push((item, 1)),
        }
    }
    let top = counts.iter().map(|&(_, n)| n).max()?;
    let mut best = counts.into_iter().filter(|&(_, n)| n == top).map(|(item, _)| item);
    let first = best.next()?;
    Some(if first == preferred || best.any(|item| item == preferred) {
        preferred
    } else {
        first
    })
}

/// `line` (an option's key line) with its value replaced, everything around the value kept. An empty old value
/// (`s3 =` before a nested block) has no spacing to keep, so the file's style fills in.
pub(super) fn replace_value(line: &str, value: &str, style: &Style) -> String {
    let lead = lex::leading_space(line).len();
    let content_end = line.trim_end_matches(py_space).len();
    let after = lead + lex::delimiter(&line[lead..content_end]).map_or(content_end - lead, |d| d + 1);
    let value_start = content_end - line[after..content_end].trim_start_matches(py_space).len();
    if value.is_empty() {
        line[..after].to_owned()
    } else if value_start == content_end {
        let space = &style.separator[style.separator.find('=').map_or(0, |i| i + 1)..];
        format!("{}{space}{value}", &line[..after])
    } else {
        format!("{}{value}{}", &line[..value_start], &line[content_end..])
    }
}
