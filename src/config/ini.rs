//! A pure `&str` → sections parser that reads AWS config files exactly as botocore does.
//!
//! botocore reads `~/.aws/config` and `~/.aws/credentials` with Python's `configparser.RawConfigParser` in its
//! default strict mode, then turns values that start with a newline into one level of nested sub-properties
//! (`botocore/configloader.py`, `raw_config_parse` and `_parse_nested`; protocol.md §6.1). This module mirrors what
//! `configparser` does with the lines `config::lex` classifies (sections, duplicate checks, errors, joined values)
//! rule for rule, so that awsso sees the same profiles as the AWS CLI and boto3 — the differential test in
//! `config::tests` runs botocore itself over `tests/fixtures/configs/` to keep it honest.
//!
//! Everything borrows from the input where it can, and the common line costs no allocation and no hashing:
//! `cargo bench --bench config` times a 5,000-profile config against a 2 ms budget. No I/O happens here, which
//! keeps the parser fuzzable (see the property test below).

use std::borrow::Cow;
use std::collections::HashSet;

use rustc_hash::FxBuildHasher;

use super::lex::{self, Lexer, Line, py_strip};

/// A parsed file: sections in file order, and the keys of a `[DEFAULT]` section, which configparser copies into
/// every other section.
#[derive(Debug, Default)]
pub struct Ini<'a> {
    pub sections: Vec<Section<'a>>,
    pub(crate) defaults: Vec<Entry<'a>>,
}

#[derive(Debug)]
pub struct Section<'a> {
    /// The text between the brackets, as written (botocore shell-splits it later).
    pub(crate) header: &'a str,
    pub(crate) entries: Vec<Entry<'a>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry<'a> {
    /// Lower-cased, as configparser's `optionxform` does.
    pub(crate) key: Cow<'a, str>,
    pub(crate) value: Value<'a>,
}

/// One `key = value` line of a nested block.
pub(crate) type Pair<'a> = (Cow<'a, str>, Cow<'a, str>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value<'a> {
    Str(Cow<'a, str>),
    /// `s3 =` followed by indented `key = value` lines. Keys keep their case, as in botocore.
    Nested(Vec<Pair<'a>>),
}

impl Value<'_> {
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            Value::Nested(_) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ErrorKind {
    #[error("text before the first [section] header")]
    MissingSectionHeader,
    #[error("section [{0}] appears twice; merge the two into one")]
    DuplicateSection(String),
    #[error("key `{0}` appears twice in one section; keep one")]
    DuplicateOption(String),
    #[error("expected `key = value`")]
    NoDelimiter,
    #[error("a key name is missing before `=`")]
    EmptyKey,
    #[error("indented line in the `{0}` block is not `key = value`")]
    BadNested(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {kind}")]
pub struct ParseError {
    pub(crate) line: usize,
    pub(crate) kind: ErrorKind,
}

/// The option read last, whose value may still continue on more-indented lines. configparser keeps a list of
/// lines per option, with `''` for each blank one; here the entry holds the first line, borrowed, and only a
/// value that continues needs more.
struct Open<'a> {
    target: Target,
    line: usize,
    /// Continuation lines, `""` for a blank line between two of them.
    more: Vec<&'a str>,
    /// Blank lines since the last text line. They join the value only if text follows: configparser's final
    /// `rstrip` drops trailing ones.
    blanks: usize,
}

impl<'a> Open<'a> {
    fn push(&mut self, text: &'a str) {
        self.more
            .extend(std::iter::repeat_n("", std::mem::take(&mut self.blanks)));
        self.more.push(text);
    }

    /// Set the entry's value to `'\n'.join(lines).rstrip()`. Every line is stripped text or empty, so only
    /// trailing blank lines could be trimmed, and they were never added. A value that begins with a newline is
    /// recorded for botocore's nested step.
    fn close(self, ini: &mut Ini<'a>, nested_values: &mut Vec<(Target, usize, usize)>) {
        if self.more.is_empty() {
            return;
        }
        let entries = ini.entries_mut(self.target);
        let index = entries.len() - 1;
        let Value::Str(first) = &entries[index].value else {
            return;
        };
        let len = first.len() + self.more.iter().map(|m| m.len() + 1).sum::<usize>();
        let mut joined = String::with_capacity(len);
        joined.push_str(first);
        for m in &self.more {
            joined.push('\n');
            joined.push_str(m);
        }
        if joined.starts_with('\n') {
            nested_values.push((self.target, index, self.line));
        }
        entries[index].value = Value::Str(Cow::Owned(joined));
    }
}

impl<'a> Ini<'a> {
    fn entries_mut(&mut self, target: Target) -> &mut Vec<Entry<'a>> {
        match target {
            Target::Defaults => &mut self.defaults,
            Target::Section(i) => &mut self.sections[i].entries,
        }
    }
}

/// configparser's duplicate-key check for one section. Sections are small, so a scan of their entries beats
/// hashing; a hash index takes over for an unusually long one.
#[derive(Default)]
struct KeyIndex<'a>(HashSet<Cow<'a, str>, FxBuildHasher>);

impl<'a> KeyIndex<'a> {
    const SCAN: usize = 16;

    fn contains(&mut self, entries: &[Entry<'a>], key: &str) -> bool {
        if entries.len() < Self::SCAN {
            return entries.iter().any(|e| e.key == key);
        }
        // Keys are never removed and never repeated, so the index holds exactly the first `len()` entries.
        let new = &entries[self.0.len()..];
        self.0.extend(new.iter().map(|e| e.key.clone()));
        self.0.contains(key)
    }
}

/// Where the current section's options go.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    Defaults,
    Section(usize),
}

/// Parse one file. Mirrors `configparser.RawConfigParser._read` (strict, `=`/`:` delimiters, `#`/`;` full-line
/// comments only, empty lines allowed inside values) followed by botocore's nested-value step.
pub fn parse(text: &str) -> Result<Ini<'_>, ParseError> {
    let mut ini = Ini::default();
    // A guess at the number of sections (a profile takes a hundred bytes or more) saves most of the set's regrowing.
    let mut seen_sections: HashSet<&str, FxBuildHasher> =
        HashSet::with_capacity_and_hasher(text.len() / 128, FxBuildHasher);
    let (mut default_keys, mut section_keys) = (KeyIndex::default(), KeyIndex::default());
    let mut open: Option<Open<'_>> = None;
    // Values that start with a newline, as (target, entry index, line), for botocore's nested step.
    let mut nested_values: Vec<(Target, usize, usize)> = Vec::new();
    let mut target: Option<Target> = None;
    let mut lexer = Lexer::default();
    // configparser collects line errors and raises the first at the end; structural errors raise at once.
    let mut deferred: Option<ParseError> = None;
    let error = |line, kind| ParseError { line, kind };

    for (idx, (line, _)) in lex::lines(text).enumerate() {
        let lineno = idx + 1;
        // While an option is open in the lexer, `open` is the last option of the current target, as configparser
        // extends.
        let (key, first, maybe_upper) = match lexer.line(line) {
            // An empty (not comment) line inside a value becomes part of it; trailing ones are trimmed at join.
            Line::Blank { in_value: true } => {
                if let Some(o) = &mut open {
                    o.blanks += 1;
                }
                continue;
            }
            Line::Blank { in_value: false } | Line::Comment => continue,
            Line::Continuation(more) => {
                if let Some(o) = &mut open {
                    o.push(more);
                }
                continue;
            }
            Line::Header("DEFAULT") => {
                target = Some(Target::Defaults);
                continue;
            }
            Line::Header(header) => {
                if !seen_sections.insert(header) {
                    return Err(error(lineno, ErrorKind::DuplicateSection(header.to_owned())));
                }
                // Sections tend to look alike: room for as many options as the last one saves regrowing.
                let room = ini.sections.last().map_or(0, |s| s.entries.len());
                ini.sections.push(Section {
                    header,
                    entries: Vec::with_capacity(room),
                });
                section_keys.0.clear();
                target = Some(Target::Section(ini.sections.len() - 1));
                continue;
            }
            Line::BeforeHeader => return Err(error(lineno, ErrorKind::MissingSectionHeader)),
            Line::NoDelimiter => {
                deferred.get_or_insert(error(lineno, ErrorKind::NoDelimiter));
                continue;
            }
            Line::Option {
                key,
                value,
                maybe_upper,
            } => (key, value, maybe_upper),
        };
        // The lexer reads options only after a header.
        let Some(t) = target else {
            return Err(error(lineno, ErrorKind::MissingSectionHeader));
        };
        if key.is_empty() {
            deferred.get_or_insert(error(lineno, ErrorKind::EmptyKey));
        }
        let key = lex::optionxform(key, maybe_upper);
        if let Some(o) = open.take() {
            o.close(&mut ini, &mut nested_values);
        }
        let keys = if t == Target::Defaults {
            &mut default_keys
        } else {
            &mut section_keys
        };
        let entries = ini.entries_mut(t);
        if keys.contains(entries, &key) {
            return Err(error(lineno, ErrorKind::DuplicateOption(key.into_owned())));
        }
        entries.push(Entry {
            key,
            value: Value::Str(Cow::Borrowed(first)),
        });
        open = Some(Open {
            target: t,
            line: lineno,
            more: Vec::new(),
            blanks: 0,
        });
    }
    if let Some(err) = deferred {
        return Err(err);
    }
    if let Some(o) = open.take() {
        o.close(&mut ini, &mut nested_values);
    }
    // Python reads `[DEFAULT]` values only through the sections that inherit them: with no section, a bad
    // nested block there is never seen (fixture 47).
    if ini.sections.is_empty() {
        ini.defaults.clear();
        nested_values.clear();
    }
    // botocore's nested step, in configparser's order: `[DEFAULT]`, then each section, each in file order.
    nested_values.sort_by_key(|&(t, _, _)| t != Target::Defaults);
    for (t, index, line) in nested_values {
        let entry = &mut ini.entries_mut(t)[index];
        let Value::Str(text) = &entry.value else {
            continue;
        };
        let pairs = nested(text).map_err(|()| ParseError {
            line,
            kind: ErrorKind::BadNested(entry.key.to_string()),
        })?;
        entry.value = Value::Nested(pairs);
    }
    Ok(ini)
}

/// botocore's `_parse_nested`: one level, `key = value` per line, blank lines skipped, later keys win.
fn nested<'a>(text: &str) -> Result<Vec<Pair<'a>>, ()> {
    let mut out: Vec<Pair<'a>> = Vec::new();
    for line in lex::py_splitlines(text) {
        let line = py_strip(line);
        if line.is_empty() {
            continue;
        }
        let (k, v) = line.split_once('=').ok_or(())?;
        let (k, v) = (py_strip(k).to_owned(), py_strip(v).to_owned());
        if let Some(slot) = out.iter_mut().find(|(key, _)| *key == k) {
            slot.1 = Cow::Owned(v);
        } else {
            out.push((Cow::Owned(k), Cow::Owned(v)));
        }
    }
    Ok(out)
}

/// Python's `shlex.split(s)` in POSIX mode without comments, which botocore applies to section headers
/// (`_parse_section`, protocol.md §6.1). `None` where Python raises `ValueError` (an open quote or a trailing
/// backslash).
pub(crate) fn shlex_split(s: &str) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Space,
        Word,
        Quote(char),
        Escape { back_to: Option<char> },
    }
    let is_ws = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
    let mut words = Vec::new();
    let mut token = String::new();
    let mut quoted = false;
    let mut state = State::Space;
    for c in s.chars() {
        match state {
            State::Space | State::Word if is_ws(c) => {
                if state == State::Word || quoted {
                    words.push(std::mem::take(&mut token));
                    quoted = false;
                }
                state = State::Space;
            }
            State::Space | State::Word => match c {
                '\\' => state = State::Escape { back_to: None },
                '\'' | '"' => {
                    quoted = true;
                    state = State::Quote(c);
                }
                _ => {
                    token.push(c);
                    state = State::Word;
                }
            },
            State::Quote(q) => {
                if c == q {
                    state = State::Word;
                } else if c == '\\' && q == '"' {
                    state = State::Escape { back_to: Some(q) };
                } else {
                    token.push(c);
                }
            }
            State::Escape { back_to } => {
                // Inside double quotes a backslash only escapes `"` and `\`; elsewhere it is kept.
                if back_to.is_some() && c != '\\' && c != '"' {
                    token.push('\\');
                }
                token.push(c);
                state = back_to.map_or(State::Word, State::Quote);
            }
        }
    }
    match state {
        State::Quote(_) | State::Escape { .. } => None,
        State::Word => {
            words.push(token);
            Some(words)
        }
        State::Space => {
            if quoted {
                words.push(token);
            }
            Some(words)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat<'a>(ini: &'a Ini<'a>, section: &str) -> Vec<(&'a str, String)> {
        let s = ini.sections.iter().find(|s| s.header == section).expect("section");
        s.entries
            .iter()
            .map(|e| {
                let v = match &e.value {
                    Value::Str(v) => v.to_string(),
                    Value::Nested(kv) => format!("{kv:?}"),
                };
                (&*e.key, v)
            })
            .collect()
    }

    #[test]
    fn basic_sections_keys_and_comments() {
        let ini = parse("# top\n[profile a]\nRegion = us-east-1 ; kept\n;c\n  # indented comment\nx: y\n").unwrap();
        assert_eq!(
            flat(&ini, "profile a"),
            vec![("region", "us-east-1 ; kept".into()), ("x", "y".into())]
        );
    }

    #[test]
    fn nested_block_and_continuations() {
        let ini = parse("[p]\ns3 =\n  max = 1\n\n  B = c=d\nother = a\n  more\n\n").unwrap();
        assert_eq!(
            flat(&ini, "p"),
            vec![
                ("s3", r#"[("max", "1"), ("B", "c=d")]"#.into()),
                ("other", "a\nmore".into())
            ]
        );
    }

    #[test]
    fn indented_header_after_option_is_a_continuation() {
        let ini = parse("[a]\nk = v\n  [b]\n").unwrap();
        assert_eq!(ini.sections.len(), 1);
        assert_eq!(flat(&ini, "a"), vec![("k", "v\n[b]".into())]);
    }

    #[test]
    fn keys_are_lowercased_like_python() {
        // `str.lower` maps the titlecase `ǅ` to `ǆ`, though `ǅ` is not an uppercase letter.
        let ini = parse("[a]\nRégion = 1\n\u{1c5} = 2\n\u{1c6} = 3\n");
        assert_eq!(ini.unwrap_err().kind, ErrorKind::DuplicateOption("\u{1c6}".into()));
        let ini = parse("[a]\nRégion = 1\n").unwrap();
        assert_eq!(flat(&ini, "a"), vec![("région", "1".into())]);
    }

    #[test]
    fn crlf_and_lone_cr() {
        let ini = parse("[a]\r\nk = v\rj = w").unwrap();
        assert_eq!(flat(&ini, "a"), vec![("k", "v".into()), ("j", "w".into())]);
    }

    #[test]
    fn errors_carry_lines() {
        assert_eq!(parse("k = v\n").unwrap_err().line, 1);
        assert_eq!(
            parse("[a]\n[a]\n").unwrap_err().kind,
            ErrorKind::DuplicateSection("a".into())
        );
        assert_eq!(
            parse("[a]\nk=1\nK=2\n").unwrap_err().kind,
            ErrorKind::DuplicateOption("k".into())
        );
        assert_eq!(
            parse("[a]\njunk\n[b]\n[b]\n").unwrap_err().line,
            4,
            "structural errors raise at once"
        );
        assert_eq!(parse("[a]\njunk\nk = v\n").unwrap_err().line, 2);
        assert_eq!(
            parse("[a]\ns3 =\n  nokey\n").unwrap_err().kind,
            ErrorKind::BadNested("s3".into())
        );
    }

    #[test]
    fn defaults_are_separate() {
        let ini = parse("[DEFAULT]\nregion = x\n[a]\n[DEFAULT]\nout = y\n").unwrap();
        assert_eq!(ini.defaults.len(), 2);
        assert_eq!(ini.sections.len(), 1);
    }

    #[test]
    fn shlex_matches_python() {
        let s = |x: &str| shlex_split(x).map(|v| v.join("|"));
        assert_eq!(s("profile a"), Some("profile|a".into()));
        assert_eq!(s("profile 'my prof'"), Some("profile|my prof".into()));
        assert_eq!(s(r#"profile "a\"b\$c""#), Some(r#"profile|a"b\$c"#.into()));
        assert_eq!(s(r"profile a\ b"), Some("profile|a b".into()));
        assert_eq!(s("profile ''"), Some("profile|".into()));
        assert_eq!(s("profile 'a"), None);
        assert_eq!(s("profile a\\"), None);
        assert_eq!(s("  profile   x'y'z  "), Some("profile|xyz".into()));
        assert_eq!(s("# not a comment"), Some("#|not|a|comment".into()));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 10_000, ..Default::default() })]
        /// Any input parses or fails with a line inside the file; never a panic.
        #[test]
        fn never_panics(text in r#"([\[\]=:;# \t\r\nab'"\\\u{3000}\u{1c}é]|profile |sso-session |\n  ){0,80}"#) {
            let lines = lex::lines(&text).count().max(1);
            match parse(&text) {
                Ok(_) => {}
                Err(e) => proptest::prop_assert!(e.line >= 1 && e.line <= lines, "{e:?} lines={lines}"),
            }
            let _ = shlex_split(&text);
        }
    }
}
