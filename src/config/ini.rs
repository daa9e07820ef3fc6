//! A pure `&str` → sections parser that reads AWS config files exactly as botocore does.
//!
//! botocore reads `~/.aws/config` and `~/.aws/credentials` with Python's `configparser.RawConfigParser` in its
//! default strict mode, then turns values that start with a newline into one level of nested sub-properties
//! (`botocore/configloader.py`, `raw_config_parse` and `_parse_nested`; protocol.md §6.1). This module mirrors
//! `configparser`'s line loop rule for rule, so that awsso sees the same profiles as the AWS CLI and boto3 — the
//! differential test in `config::tests` runs botocore itself over `tests/fixtures/configs/` to keep it honest.
//!
//! Everything borrows from the input where it can: a 5,000-profile config parses in about a millisecond.
//! No I/O happens here, which keeps the parser fuzzable (see the property test below).

use std::borrow::Cow;
use std::collections::HashSet;

/// A parsed file: sections in file order, and the keys of a `[DEFAULT]` section, which configparser copies into
/// every other section.
#[derive(Debug, Default)]
pub(crate) struct Ini<'a> {
    pub(crate) sections: Vec<Section<'a>>,
    pub(crate) defaults: Vec<Entry<'a>>,
}

#[derive(Debug)]
pub(crate) struct Section<'a> {
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
pub(crate) struct ParseError {
    pub(crate) line: usize,
    pub(crate) kind: ErrorKind,
}

/// Python's `str.isspace`: Rust's `char::is_whitespace` plus the four ASCII separators U+001C..U+001F.
fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn py_strip(s: &str) -> &str {
    s.trim_matches(py_space)
}

/// Split `text` at every character `is_break` accepts, `\r\n` counting as one break; no empty last line.
fn split_lines(text: &str, is_break: impl Fn(char) -> bool) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let Some((i, c)) = rest.char_indices().find(|&(_, c)| is_break(c)) else {
            return Some(std::mem::take(&mut rest));
        };
        let line = &rest[..i];
        let skip = if rest[i..].starts_with("\r\n") { 2 } else { c.len_utf8() };
        rest = &rest[i + skip..];
        Some(line)
    })
}

/// Lines as Python's universal-newline reader yields them: `\r\n`, `\r` and `\n` all end a line.
fn universal_lines(text: &str) -> impl Iterator<Item = &str> {
    split_lines(text, |c| matches!(c, '\r' | '\n'))
}

/// Python's `str.splitlines` boundaries, used by botocore's `_parse_nested`.
fn py_splitlines(s: &str) -> impl Iterator<Item = &str> {
    split_lines(s, |c| {
        matches!(
            c,
            '\n' | '\r' | '\u{0b}' | '\u{0c}' | '\u{1c}' | '\u{1d}' | '\u{1e}' | '\u{85}' | '\u{2028}' | '\u{2029}'
        )
    })
}

fn lowercase(key: &str) -> Cow<'_, str> {
    if key.chars().any(char::is_uppercase) {
        Cow::Owned(key.to_lowercase())
    } else {
        Cow::Borrowed(key)
    }
}

/// An option being read: its value may continue on more-indented lines.
struct Pending<'a> {
    line: usize,
    parts: Vec<&'a str>,
}

/// Where the current section's options go.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    Defaults,
    Section(usize),
}

/// Parse one file. Mirrors `configparser.RawConfigParser._read` (strict, `=`/`:` delimiters, `#`/`;` full-line
/// comments only, empty lines allowed inside values) followed by botocore's nested-value step.
pub(crate) fn parse(text: &str) -> Result<Ini<'_>, ParseError> {
    let mut ini = Ini::default();
    // Raw option values per target, in order; joined once the file is read, as configparser does.
    let mut raw: Vec<Vec<(Cow<'_, str>, Pending<'_>)>> = Vec::new();
    let mut raw_defaults: Vec<(Cow<'_, str>, Pending<'_>)> = Vec::new();
    let mut seen_sections: HashSet<&str> = HashSet::new();
    let mut seen_default_keys: HashSet<Cow<'_, str>> = HashSet::new();
    let mut seen_keys: HashSet<Cow<'_, str>> = HashSet::new();
    let mut target: Option<Target> = None;
    let mut has_option = false;
    let mut indent_level = 0usize;
    // configparser collects line errors and raises the first at the end; structural errors raise at once.
    let mut deferred: Option<ParseError> = None;

    for (idx, line) in universal_lines(text).enumerate() {
        let lineno = idx + 1;
        let stripped = py_strip(line);
        let is_comment = stripped.starts_with('#') || stripped.starts_with(';');
        let value = if is_comment { "" } else { stripped };
        if value.is_empty() {
            // An empty (not comment) line inside a value becomes part of it; trailing ones are trimmed at join.
            if !is_comment
                && has_option
                && let Some(p) = last_pending(target, &mut raw, &mut raw_defaults)
            {
                p.parts.push("");
            }
            continue;
        }
        let cur_indent = line.chars().take_while(|&c| py_space(c)).count();
        if target.is_some() && has_option && cur_indent > indent_level {
            if let Some(p) = last_pending(target, &mut raw, &mut raw_defaults) {
                p.parts.push(value);
            }
            continue;
        }
        indent_level = cur_indent;
        if let Some(header) = section_header(value) {
            if header == "DEFAULT" {
                target = Some(Target::Defaults);
            } else {
                if !seen_sections.insert(header) {
                    return Err(ParseError {
                        line: lineno,
                        kind: ErrorKind::DuplicateSection(header.to_owned()),
                    });
                }
                ini.sections.push(Section {
                    header,
                    entries: Vec::new(),
                });
                raw.push(Vec::new());
                seen_keys.clear();
                target = Some(Target::Section(ini.sections.len() - 1));
            }
            has_option = false;
            continue;
        }
        let Some(t) = target else {
            return Err(ParseError {
                line: lineno,
                kind: ErrorKind::MissingSectionHeader,
            });
        };
        let Some(delim) = value.find(['=', ':']) else {
            deferred.get_or_insert(ParseError {
                line: lineno,
                kind: ErrorKind::NoDelimiter,
            });
            continue;
        };
        let name = value[..delim].trim_end_matches(py_space);
        if name.is_empty() {
            deferred.get_or_insert(ParseError {
                line: lineno,
                kind: ErrorKind::EmptyKey,
            });
        }
        let key = lowercase(name);
        let seen = if t == Target::Defaults {
            &mut seen_default_keys
        } else {
            &mut seen_keys
        };
        if !seen.insert(key.clone()) {
            return Err(ParseError {
                line: lineno,
                kind: ErrorKind::DuplicateOption(key.into_owned()),
            });
        }
        let first = value[delim + 1..].trim_start_matches(py_space);
        let pending = Pending {
            line: lineno,
            parts: vec![first],
        };
        match t {
            Target::Defaults => raw_defaults.push((key, pending)),
            Target::Section(i) => raw[i].push((key, pending)),
        }
        has_option = true;
    }
    if let Some(err) = deferred {
        return Err(err);
    }
    // Python reads `[DEFAULT]` values only through the sections that inherit them: with no section, a bad
    // nested block there is never seen (fixture 47).
    if !ini.sections.is_empty() {
        ini.defaults = finish(raw_defaults)?;
    }
    for (section, options) in ini.sections.iter_mut().zip(raw) {
        section.entries = finish(options)?;
    }
    Ok(ini)
}

fn last_pending<'p, 'a>(
    target: Option<Target>,
    raw: &'p mut [Vec<(Cow<'a, str>, Pending<'a>)>],
    raw_defaults: &'p mut [(Cow<'a, str>, Pending<'a>)],
) -> Option<&'p mut Pending<'a>> {
    match target? {
        Target::Defaults => raw_defaults.last_mut().map(|(_, p)| p),
        Target::Section(i) => raw.get_mut(i)?.last_mut().map(|(_, p)| p),
    }
}

/// configparser's `SECTCRE` is `\[(?P<header>.+)\]` matched at the start: the header runs to the *last* `]`.
fn section_header(value: &str) -> Option<&str> {
    let rest = value.strip_prefix('[')?;
    let end = rest.rfind(']')?;
    (end > 0).then(|| &rest[..end])
}

/// Join continuation lines (`'\n'.join(parts).rstrip()`), then apply botocore's nested-value rule.
fn finish<'a>(options: Vec<(Cow<'a, str>, Pending<'a>)>) -> Result<Vec<Entry<'a>>, ParseError> {
    options
        .into_iter()
        .map(|(key, pending)| {
            let joined: Cow<'a, str> = if pending.parts.len() == 1 {
                Cow::Borrowed(pending.parts[0])
            } else {
                Cow::Owned(pending.parts.join("\n").trim_end_matches(py_space).to_owned())
            };
            let value = if joined.starts_with('\n') {
                Value::Nested(nested(&joined).map_err(|()| ParseError {
                    line: pending.line,
                    kind: ErrorKind::BadNested(key.to_string()),
                })?)
            } else {
                Value::Str(joined)
            };
            Ok(Entry { key, value })
        })
        .collect()
}

/// botocore's `_parse_nested`: one level, `key = value` per line, blank lines skipped, later keys win.
fn nested<'a>(text: &str) -> Result<Vec<Pair<'a>>, ()> {
    let mut out: Vec<Pair<'a>> = Vec::new();
    for line in py_splitlines(text) {
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
    fn header_runs_to_last_bracket() {
        assert_eq!(section_header("[a] ; x]"), Some("a] ; x"));
        assert_eq!(section_header("[]"), None);
        assert_eq!(section_header("[]]"), Some("]"));
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
            let lines = universal_lines(&text).count().max(1);
            match parse(&text) {
                Ok(_) => {}
                Err(e) => proptest::prop_assert!(e.line >= 1 && e.line <= lines, "{e:?} lines={lines}"),
            }
            let _ = shlex_split(&text);
        }
    }
}
