//! A format-preserving editor for `~/.aws/config` that sets, adds and removes keys and sections while every other
//! byte stays as it was.
//!
//! Kept as written: comments (`#`, `;`, and the inline ones configparser keeps in the value), blank lines, key order,
//! spacing around `=`, indentation, nested `s3 =` blocks, CRLF or lone-CR line endings, a missing final newline,
//! unicode. `configure` and `populate` use it to write profiles into a file the user also edits by hand. How a
//! header names a section is in [`section`]; the habits new lines copy from the file are in [`style`].
//!
//! # Reading
//!
//! A [`Document`] is the file as a list of lines, each with its own ending, split where Python's universal-newline
//! reader splits (`\r\n`, `\r`, `\n`). Which line is a header, an option's key line or one of its continuation lines
//! is decided by [`super::lex`], the lexer the reader [`super::ini`] uses too, i.e. configparser's line loop as
//! botocore runs it: an option owns every following line that is indented deeper than it (its continuation or nested
//! `key = value` block, with the blank and comment lines in between); blank and comment lines after its last
//! continuation belong to no option. Sections are addressed the way botocore names them (protocol.md §6.1,
//! [`SectionRef`]): the header is shell-split, so `[profile 'my prof']` is the profile `my prof`, and `[default]` and
//! `[profile default]` are both `default`. Option names match case-insensitively, as configparser lower-cases them.
//!
//! The editor never fails to read a file: lines botocore would reject (text before the first header, a line without
//! `=`) are kept as they are and belong to no option. Use [`super::ini::parse`] to tell whether a file is valid.
//!
//! # Editing rules
//!
//! * **Duplicates.** When several sections name the same profile (botocore rejects an exact duplicate header, but
//!   real files have them, and `[profile a]` / `[profile "a"]` are legal), botocore's later-wins applies: `get`,
//!   `set` and `remove_key` act on the **last** one, the one botocore reads. `remove_section` removes **all** of
//!   them, because removing only the last would bring an older definition back to life. Within a section, `set`
//!   and `get` use the last option of that name; `remove_key` removes every one.
//! * **Setting an existing key** rewrites only its value text: the key's spelling, its indentation, the spacing
//!   around `=` (or `:`), trailing whitespace and the line ending stay. If the old value had continuation lines or
//!   a nested block, the whole logical option becomes one line. An inline `; comment` is part of the value for
//!   configparser (protocol.md §6.1, fixture `10-inline-comments-kept`), so it is replaced with it.
//! * **A new key** goes right after the section's last option (where `aws configure set` puts it), with that
//!   option's indentation, and `key = value` spaced like the file's majority. Matching the indentation is not just
//!   style: a line indented less than an indented header that follows would turn that header into a continuation.
//! * **A new section** goes at the end, after the number of blank lines the file usually puts between sections
//!   (one if it has no habit yet). Its header is written the AWS CLI way: `[default]`, `[profile NAME]`,
//!   `[sso-session NAME]`, `[services NAME]`, with `NAME` shell-quoted when shlex would not read it back bare
//!   (whitespace, quotes, backslash, empty; protocol.md §6.1, last bullet). Names with other characters stay bare,
//!   because the Rust SDK does not shell-split headers and would otherwise see the quotes as part of the name.
//! * **New lines** end with the file's majority line ending (`\n` when it has none). A line that had no ending
//!   keeps none, unless something is inserted after it: then it gets the file's ending, so a file without a final
//!   newline stays that way after edits in the middle and gets a proper separator when something is appended.
//! * **Removing a key** removes its logical lines: the key line, its continuation or nested lines and the comments
//!   between them. Removing a section removes its header and body up to the next header, but keeps a comment block
//!   directly above that next header (it introduces the next section); removing the last section also drops the
//!   blank lines that separated it. If a removal leaves an indented header right after an option indented less
//!   deeply, that header would become a continuation line, so its indentation is removed.
//!
//! No edit makes a file that botocore accepts unreadable, with one exception no writer can avoid: a `[DEFAULT]`
//! section with a broken nested block is harmless only while the file has no other section, since configparser reads
//! `[DEFAULT]` through the others (fixture `47-DEFAULT-bad-nested-unused`). Callers should run [`super::ini::parse`]
//! on the result before [`save`] and show its error rather than write a file the AWS CLI cannot read.
//!
//! # Why hand-written, not `ini-roundtrip`
//!
//! `ini-roundtrip` 0.2.1 exists on crates.io and is a streaming tokenizer, not an editor: it returns each line's
//! text without its line ending (the caller must guess one, so the lone-CR/mixed fixture `13-lone-cr-line-endings`
//! does not round-trip), and it has no continuation lines or indentation rule, no `:` delimiter and no `[DEFAULT]`.
//! Its list of sections differs from configparser's on 5 of the 48 valid fixtures in `tests/fixtures/configs`: a
//! header followed by text (`[profile a] # c`, `[default]   `) is an error, an indented header (a real one after an
//! indented option) is a property, and it trims names configparser keeps (`[ default]`). Every edit would still need
//! our own structure on top, so a line model driven by the lexer `ini.rs` reads with is both smaller and exact.

mod section;
mod style;

use std::collections::HashSet;
use std::fmt;
use std::ops::Range;
use std::path::Path;

pub(crate) use section::SectionRef;
use style::{Style, replace_value};

use anyhow::Context as _;

use super::lex::{self, Lexer, is_comment, leading_space, py_space, py_strip, significant};
use crate::env::Env;
use crate::locks::Lock;
use crate::private_fs;
#[cfg(test)]
use {super::ini, super::lex::section_header, section::quote_name};

/// Why a key, value or name cannot be written so that botocore reads back exactly what was asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum EditError {
    #[error("the name {0:?} has a line break; use a name on one line")]
    Name(String),
    #[error("the key {0:?} cannot be written to the config file: {1}")]
    Key(String, &'static str),
    #[error("the value for `{0}` cannot be written to the config file: {1}")]
    Value(String, &'static str),
    #[error("section [{0}] is already in the file")]
    Exists(String),
}

/// One line of the file and the ending it had (`""` for a last line without one).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Line {
    text: String,
    end: &'static str,
}

/// A config file being edited. See the module doc for the rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Document {
    lines: Vec<Line>,
}

/// A section botocore would read, as [`Document::sections`] lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SectionInfo {
    pub(crate) section: SectionRef,
    /// Line indices (0-based) from the header to the line before the next header.
    pub(crate) lines: Range<usize>,
    /// Option names, lower-cased as configparser does, in file order, without repeats.
    pub(crate) keys: Vec<String>,
}

/// A `[header]` line and the lines up to the next one.
#[derive(Debug)]
struct Span {
    header: usize,
    end: usize,
    /// `None` for `[DEFAULT]` and the sections botocore does not read.
    section: Option<SectionRef>,
    options: Vec<Opt>,
}

/// An option: its key line and its last continuation line (inclusive).
#[derive(Debug)]
struct Opt {
    key: String,
    first: usize,
    last: usize,
}

impl Document {
    /// Split `text` into lines; never fails (see the module doc).
    pub(crate) fn parse(text: &str) -> Self {
        let lines = lex::lines(text)
            .map(|(text, end)| Line {
                text: text.to_owned(),
                end,
            })
            .collect();
        Self { lines }
    }

    /// The value of `key` as configparser reads it (continuation lines joined with `\n`; a nested block is the raw
    /// text starting with `\n`). Only what is written in the section: `[DEFAULT]` keys are not inherited here.
    pub(crate) fn get(&self, section: &SectionRef, key: &str) -> Option<String> {
        let spans = self.scan();
        let key = key.to_lowercase();
        let opt = last_span(&spans, section)?
            .options
            .iter()
            .rev()
            .find(|o| o.key == key)?;
        Some(self.value_of(opt))
    }

    /// Every section botocore would read, once each: where a name is defined twice, the later definition (the one
    /// botocore uses and edits go to). In file order.
    pub(crate) fn sections(&self) -> Vec<SectionInfo> {
        let spans = self.scan();
        let mut seen = HashSet::new();
        let mut out: Vec<SectionInfo> = spans
            .iter()
            .rev()
            .filter_map(|span| {
                let section = span.section.clone()?;
                if !seen.insert(section.clone()) {
                    return None;
                }
                let mut keys: Vec<String> = Vec::new();
                for opt in &span.options {
                    if !keys.contains(&opt.key) {
                        keys.push(opt.key.clone());
                    }
                }
                Some(SectionInfo {
                    section,
                    lines: span.header..span.end,
                    keys,
                })
            })
            .collect();
        out.reverse();
        out
    }

    /// Set `key` to `value` in `section`, creating the key or the section (at the end) when missing.
    pub(crate) fn set(&mut self, section: &SectionRef, key: &str, value: &str) -> Result<(), EditError> {
        check(section, key, value)?;
        let spans = self.scan();
        let style = self.style(&spans);
        let Some(span) = last_span(&spans, section) else {
            self.append_section(section, key, value, &style);
            return Ok(());
        };
        let lower = key.to_lowercase();
        if let Some(opt) = span.options.iter().rev().find(|o| o.key == lower) {
            let text = replace_value(&self.lines[opt.first].text, value, &style);
            let end = self.lines[opt.last].end;
            self.lines.splice(opt.first..=opt.last, [Line { text, end }]);
            return Ok(());
        }
        // After the last option with its indentation; in an empty section, as deep as the next significant line so
        // that an indented header there stays a header.
        let (at, indent) = if let Some(opt) = span.options.last() {
            (opt.last, leading_space(&self.lines[opt.first].text))
        } else {
            let next = self.lines[span.header + 1..]
                .iter()
                .find(|l| significant(&l.text).is_some());
            (span.header, next.map_or("", |l| leading_space(&l.text)))
        };
        let text = format!("{indent}{}", style.key_line(key, value));
        self.insert_after(at, text, style.newline);
        Ok(())
    }

    /// Append new sections at the end in one pass, each with its keys in order: what [`Document::set`] would do key
    /// by key, without re-reading the file for every key (`populate` writes thousands). A section that already
    /// exists is refused with [`EditError::Exists`]; nothing is appended then.
    pub(crate) fn append_sections(&mut self, sections: &[(SectionRef, Vec<(&str, &str)>)]) -> Result<(), EditError> {
        let spans = self.scan();
        for (section, keys) in sections {
            if last_span(&spans, section).is_some() {
                return Err(EditError::Exists(section.header()));
            }
            for (key, value) in keys {
                check(section, key, value)?;
            }
        }
        let style = self.style(&spans);
        for (section, keys) in sections {
            self.append_lines(section, keys, &style);
        }
        Ok(())
    }

    /// Remove `key` (every option of that name) from `section`. `false` if there was none.
    pub(crate) fn remove_key(&mut self, section: &SectionRef, key: &str) -> bool {
        let spans = self.scan();
        let key = key.to_lowercase();
        let Some(span) = last_span(&spans, section) else {
            return false;
        };
        let ranges: Vec<_> = span
            .options
            .iter()
            .filter(|o| o.key == key)
            .map(|o| o.first..o.last + 1)
            .collect();
        for range in ranges.iter().rev() {
            self.lines.drain(range.clone());
        }
        !ranges.is_empty()
    }

    /// Remove every section that botocore reads as `section`. `false` if there was none.
    pub(crate) fn remove_section(&mut self, section: &SectionRef) -> bool {
        let spans = self.scan();
        let mut drop = vec![false; self.lines.len()];
        let mut any = false;
        for span in spans.iter().filter(|s| s.section.as_ref() == Some(section)) {
            any = true;
            let mut end = span.end;
            if end < self.lines.len() {
                // A comment block touching the next header introduces that header: keep it.
                while end > span.header + 1 && is_comment(&self.lines[end - 1].text) {
                    end -= 1;
                }
            } else {
                // The last section: also drop the blank lines that separated it from the one above.
                let mut start = span.header;
                while start > 0 && py_strip(&self.lines[start - 1].text).is_empty() {
                    start -= 1;
                    drop[start] = true;
                }
            }
            drop[span.header..end].fill(true);
        }
        if !any {
            return false;
        }
        let headers: HashSet<usize> = spans.iter().map(|s| s.header).collect();
        let mut kept_headers = Vec::new();
        let old = std::mem::take(&mut self.lines);
        for (i, (line, dropped)) in old.into_iter().zip(drop).enumerate() {
            if !dropped {
                if headers.contains(&i) {
                    kept_headers.push(self.lines.len());
                }
                self.lines.push(line);
            }
        }
        // An indented header that now follows a shallower option would read as its continuation (fixture 21):
        // unindent it. Only the header's own line depends on its indentation, so nothing else changes.
        let spans = self.scan();
        for i in kept_headers {
            if !spans.iter().any(|s| s.header == i) {
                let text = &mut self.lines[i].text;
                *text = text.trim_start_matches(py_space).to_owned();
            }
        }
        true
    }

    /// Headers, options and their extents, by the configparser lexer `ini::parse` also reads with.
    fn scan(&self) -> Vec<Span> {
        let mut spans: Vec<Span> = Vec::new();
        let mut lexer = Lexer::default();
        for (i, line) in self.lines.iter().enumerate() {
            match lexer.line(&line.text) {
                lex::Line::Continuation(_) => {
                    if let Some(opt) = spans.last_mut().and_then(|s| s.options.last_mut()) {
                        opt.last = i;
                    }
                }
                lex::Line::Header(header) => {
                    if let Some(prev) = spans.last_mut() {
                        prev.end = i;
                    }
                    spans.push(Span {
                        header: i,
                        end: self.lines.len(),
                        section: if header == "DEFAULT" {
                            None
                        } else {
                            SectionRef::from_header(header)
                        },
                        options: Vec::new(),
                    });
                }
                lex::Line::Option { key, .. } => {
                    if let Some(span) = spans.last_mut() {
                        span.options.push(Opt {
                            key: key.to_lowercase(),
                            first: i,
                            last: i,
                        });
                    }
                }
                // Blank and comment lines belong to no option unless a continuation follows. Text before the first
                // header and lines without a delimiter (botocore rejects both) are kept as they are.
                lex::Line::Blank { .. } | lex::Line::Comment | lex::Line::BeforeHeader | lex::Line::NoDelimiter => {}
            }
        }
        spans
    }

    /// configparser's joined value: the first line's text after the delimiter, then each continuation line
    /// stripped (blank ones as empty lines, comments skipped), trailing whitespace trimmed.
    fn value_of(&self, opt: &Opt) -> String {
        let first = significant(&self.lines[opt.first].text).unwrap_or_default();
        let after = lex::delimiter(first).map_or(first.len(), |d| d + 1);
        let mut parts = vec![first[after..].trim_start_matches(py_space)];
        for line in &self.lines[opt.first + 1..=opt.last] {
            if !is_comment(&line.text) {
                parts.push(py_strip(&line.text));
            }
        }
        if parts.len() == 1 {
            parts[0].to_owned()
        } else {
            parts.join("\n").trim_end_matches(py_space).to_owned()
        }
    }

    fn append_section(&mut self, section: &SectionRef, key: &str, value: &str, style: &Style) {
        self.append_lines(section, &[(key, value)], style);
    }

    fn append_lines(&mut self, section: &SectionRef, keys: &[(&str, &str)], style: &Style) {
        if let Some(last) = self.lines.last_mut() {
            if last.end.is_empty() {
                last.end = style.newline;
            }
            let blank = self
                .lines
                .iter()
                .rev()
                .take_while(|l| py_strip(&l.text).is_empty())
                .count();
            if blank < self.lines.len() {
                for _ in blank..style.gap {
                    self.lines.push(Line {
                        text: String::new(),
                        end: style.newline,
                    });
                }
            }
        }
        let header = std::iter::once(format!("[{}]", section.header()));
        for text in header.chain(keys.iter().map(|(key, value)| style.key_line(key, value))) {
            self.lines.push(Line {
                text,
                end: style.newline,
            });
        }
    }

    fn insert_after(&mut self, at: usize, text: String, newline: &'static str) {
        if self.lines[at].end.is_empty() {
            self.lines[at].end = newline;
        }
        self.lines.insert(at + 1, Line { text, end: newline });
    }
}

impl fmt::Display for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in &self.lines {
            f.write_str(&line.text)?;
            f.write_str(line.end)?;
        }
        Ok(())
    }
}

/// Refuse what botocore would not read back as given.
/// Whether `key = value` can be written in `section` so that botocore reads back exactly that.
pub(crate) fn check(section: &SectionRef, key: &str, value: &str) -> Result<(), EditError> {
    if section.name().contains(['\r', '\n']) {
        return Err(EditError::Name(section.name().to_owned()));
    }
    let bad_key = if key.is_empty() {
        Some("it is empty")
    } else if key.contains(['\r', '\n']) {
        Some("it has a line break")
    } else if key.contains(['=', ':']) {
        Some("`=` and `:` end a key")
    } else if py_strip(key) != key {
        Some("it starts or ends with whitespace")
    } else if key.starts_with(['#', ';', '[']) {
        Some("it starts like a comment or a section header")
    } else {
        None
    };
    if let Some(why) = bad_key {
        return Err(EditError::Key(key.to_owned(), why));
    }
    let bad_value = if value.contains(['\r', '\n']) {
        Some("it has a line break")
    } else if py_strip(value) != value {
        Some("botocore strips leading and trailing whitespace")
    } else {
        None
    };
    bad_value.map_or(Ok(()), |why| Err(EditError::Value(key.to_owned(), why)))
}

fn last_span<'s>(spans: &'s [Span], section: &SectionRef) -> Option<&'s Span> {
    spans.iter().rev().find(|s| s.section.as_ref() == Some(section))
}

/// Replace `path` with `text` atomically: a temporary file in the same directory, fsync, rename. An existing file
/// keeps its permissions, and a symlink (dotfile managers link `~/.aws/config`) keeps pointing at the replaced
/// target; a new file is created 0600 in a directory created 0700, as `aws configure` does (protocol.md §6.1).
pub(crate) fn save(path: &Path, text: &str) -> std::io::Result<()> {
    private_fs::rewrite(path, text.as_bytes())
}

/// Read-modify-rename of the config file at `path`, under its lock ([`Lock::config`], taken by `configure` and
/// `populate` alike): `edit` gets the text as it is now and returns the text to write (`None`: nothing to write)
/// and a result. A writer that takes no lock (an editor) may still change the file while `edit` runs; then the edit
/// is made again on what is there, and after a few tries this fails, writing nothing, rather than lose those bytes.
pub(crate) fn update<T>(
    env: &Env,
    path: &Path,
    mut edit: impl FnMut(&str) -> anyhow::Result<(Option<String>, T)>,
) -> anyhow::Result<T> {
    let _lock = Lock::config(env, path)?;
    for _ in 0..5 {
        let text = super::read_text(path)?;
        let (new_text, out) = edit(&text)?;
        let Some(new_text) = new_text else {
            return Ok(out);
        };
        if super::read_text(path)? != text {
            continue;
        }
        save(path, &new_text).with_context(|| format!("could not write {}", path.display()))?;
        return Ok(out);
    }
    anyhow::bail!(
        "{} kept changing while awsso was writing to it; nothing was written; run the command again",
        path.display()
    )
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod corpus_tests;
