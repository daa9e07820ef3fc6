//! configparser's line rules, shared by the reader (`ini.rs`) and the byte-preserving editor (`edit.rs`): where
//! lines end, what counts as whitespace, and whether a line is blank, a comment, a header, an option or more of the
//! option above.
//!
//! botocore reads `~/.aws/config` with Python's `configparser` (protocol.md §6.1), and awsso must see and edit
//! exactly the lines it sees: universal newlines (`\r\n`, `\r`, `\n`), Python's `str.isspace` (wider than Rust's
//! `char::is_whitespace`), full-line `#`/`;` comments only, a value continued by every deeper-indented line (blank
//! and comment lines in between included), headers that run to the *last* `]`, `=` or `:` as delimiters. No INI
//! crate follows these rules — `ini-roundtrip`, the closest, was measured against the fixtures and rejected (the
//! `edit` module doc says where it differs) — so they are written out here once, rule for rule after
//! `configparser.RawConfigParser._read`, and the differential test in `config::tests` runs botocore itself to keep
//! them honest.
//!
//! The common line costs no allocation and no character decoding: `cargo bench --bench config` times the reader on a
//! 5,000-profile config against a 2 ms budget.

/// Python's `str.isspace`: Rust's `char::is_whitespace` plus the four ASCII separators U+001C..U+001F.
pub(crate) fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.strip()`.
pub(crate) fn py_strip(s: &str) -> &str {
    // Most lines start and end with a visible ASCII character: nothing to strip, and no need to decode.
    let visible = |b: Option<&u8>| b.is_some_and(|&b| b.is_ascii_graphic());
    if visible(s.as_bytes().first()) && visible(s.as_bytes().last()) {
        return s;
    }
    s.trim_matches(py_space)
}

/// The whitespace a line starts with.
pub(crate) fn leading_space(s: &str) -> &str {
    &s[..s.len() - s.trim_start_matches(py_space).len()]
}

/// configparser's indentation of a line: `len(line) - len(line.lstrip())`, in characters.
fn indent(line: &str) -> usize {
    if line.as_bytes().first().is_some_and(u8::is_ascii_graphic) {
        0
    } else {
        line.chars().take_while(|&c| py_space(c)).count()
    }
}

/// A full-line `#` or `;` comment (configparser has no inline comments by default).
pub(crate) fn is_comment(line: &str) -> bool {
    py_strip(line).starts_with(['#', ';'])
}

/// The stripped text of a line that configparser looks at: `None` for blank and comment lines.
pub(crate) fn significant(line: &str) -> Option<&str> {
    let stripped = py_strip(line);
    (!stripped.is_empty() && !stripped.starts_with(['#', ';'])).then_some(stripped)
}

/// configparser's `SECTCRE` (`\[(?P<header>.+)\]` matched at the start): the header runs to the *last* `]`.
pub(crate) fn section_header(content: &str) -> Option<&str> {
    let rest = content.strip_prefix('[')?;
    let end = rest.rfind(']')?;
    (end > 0).then(|| &rest[..end])
}

/// Where configparser's `OPTCRE` splits an option line: the first `=` or `:` of its stripped text.
pub(crate) fn delimiter(content: &str) -> Option<usize> {
    // Both delimiters are ASCII, so a byte search finds the same place as `find(['=', ':'])`.
    content.bytes().position(|b| b == b'=' || b == b':')
}

/// configparser's `optionxform` (`str.lower`). `maybe_upper` is false when the key is known to be lowercase ASCII,
/// which saves the Unicode case mapping on the common line.
pub(crate) fn optionxform(key: &str, maybe_upper: bool) -> std::borrow::Cow<'_, str> {
    if maybe_upper {
        let lower = key.to_lowercase();
        if lower != key {
            return std::borrow::Cow::Owned(lower);
        }
    }
    std::borrow::Cow::Borrowed(key)
}

/// Lines as Python's universal-newline reader yields them, each with the ending it had: `"\r\n"`, `"\r"` or `"\n"`,
/// and `""` for a last line without one. No empty line after a final line break.
pub(crate) fn lines(text: &str) -> impl Iterator<Item = (&str, &'static str)> {
    let bytes = text.as_bytes();
    // One search over the whole text: finding line ends is most of the work on a big file, and `memchr` both `\n`
    // and `\r` at once. Both are ASCII, and no byte of a multi-byte UTF-8 character is, so every hit is a boundary.
    let mut breaks = memchr::memchr2_iter(b'\n', b'\r', bytes);
    let mut start = 0;
    std::iter::from_fn(move || {
        loop {
            let Some(i) = breaks.next() else {
                let line = &text[start..];
                start = text.len();
                return (!line.is_empty()).then_some((line, ""));
            };
            if i < start {
                // The `\n` of a `\r\n`, taken with its `\r`.
                continue;
            }
            let end = match bytes[i] {
                b'\n' => "\n",
                _ if bytes.get(i + 1) == Some(&b'\n') => "\r\n",
                _ => "\r",
            };
            let line = &text[start..i];
            start = i + end.len();
            return Some((line, end));
        }
    })
}

/// Python's `str.splitlines()`, which botocore's `_parse_nested` uses: every line boundary Python knows, `\r\n`
/// counting as one; no empty last line.
pub(crate) fn py_splitlines(text: &str) -> impl Iterator<Item = &str> {
    let is_break = |c: char| {
        matches!(
            c,
            '\n' | '\r' | '\u{0b}' | '\u{0c}' | '\u{1c}' | '\u{1d}' | '\u{1e}' | '\u{85}' | '\u{2028}' | '\u{2029}'
        )
    };
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

/// What one line is to configparser, given the lines before it (see [`Lexer`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Line<'a> {
    /// Empty after stripping. `in_value` when an option is open: configparser adds the blank line to its value
    /// (and drops trailing ones when it joins the value).
    Blank { in_value: bool },
    /// A full-line `#` or `;` comment. Never part of a value, even between continuation lines.
    Comment,
    /// Indented deeper than the open option's key line: more of its value (a continuation or a nested
    /// `key = value` line), stripped.
    Continuation(&'a str),
    /// `[header]`: the text between the brackets, as written.
    Header(&'a str),
    /// Significant text before the first header: configparser's `MissingSectionHeaderError`.
    BeforeHeader,
    /// `key = value` (or `key: value`): the key as written, end-stripped (may be empty), and the value's first line,
    /// start-stripped. `maybe_upper` is false when the key is certainly lowercase ASCII.
    Option {
        key: &'a str,
        value: &'a str,
        maybe_upper: bool,
    },
    /// Significant text in a section without `=` or `:`: an error configparser reports at the end of the file.
    NoDelimiter,
}

/// configparser's line loop state: feed it every line in order and it says what each is.
#[derive(Debug, Default)]
pub(crate) struct Lexer {
    in_section: bool,
    /// configparser's `optname`: the current section has an option, and deeper lines continue it.
    has_option: bool,
    /// configparser's `indent_level`: the indentation of the last header or option line.
    indent_level: usize,
}

impl Lexer {
    /// Classify `line` (without its ending) and advance the state.
    pub(crate) fn line<'a>(&mut self, line: &'a str) -> Line<'a> {
        let stripped = py_strip(line);
        if stripped.is_empty() {
            return Line::Blank {
                in_value: self.has_option,
            };
        }
        if stripped.starts_with(['#', ';']) {
            return Line::Comment;
        }
        let indent = indent(line);
        if self.has_option && indent > self.indent_level {
            return Line::Continuation(stripped);
        }
        self.indent_level = indent;
        if let Some(header) = section_header(stripped) {
            self.in_section = true;
            // Sections cannot start with a continuation line.
            self.has_option = false;
            return Line::Header(header);
        }
        if !self.in_section {
            return Line::BeforeHeader;
        }
        // The same pass notes whether the key could hold an uppercase letter.
        let mut maybe_upper = false;
        let Some(delim) = stripped.bytes().position(|b| {
            maybe_upper |= b.is_ascii_uppercase() || !b.is_ascii();
            b == b'=' || b == b':'
        }) else {
            // configparser keeps the last option open across a bad line.
            return Line::NoDelimiter;
        };
        self.has_option = true;
        Line::Option {
            key: stripped[..delim].trim_end_matches(py_space),
            value: stripped[delim + 1..].trim_start_matches(py_space),
            maybe_upper,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Line<'_>> {
        let mut lexer = Lexer::default();
        lines(text).map(|(line, _)| lexer.line(line)).collect()
    }

    #[test]
    fn universal_newlines_keep_their_endings() {
        let split: Vec<_> = lines("a\r\nb\rc\n\nd").collect();
        assert_eq!(split, [("a", "\r\n"), ("b", "\r"), ("c", "\n"), ("", "\n"), ("d", "")]);
        assert_eq!(lines("a\n").collect::<Vec<_>>(), [("a", "\n")]);
        assert_eq!(lines("\r\r\n").collect::<Vec<_>>(), [("", "\r"), ("", "\r\n")]);
        assert_eq!(lines("").count(), 0);
        assert_eq!(lines("é\u{2028}x").collect::<Vec<_>>(), [("é\u{2028}x", "")]);
    }

    #[test]
    fn splitlines_knows_pythons_boundaries() {
        let split: Vec<_> = py_splitlines("a\u{0b}b\u{85}c\u{2029}d\r\ne\n").collect();
        assert_eq!(split, ["a", "b", "c", "d", "e"]);
    }

    #[test]
    fn python_whitespace_is_wider_than_rusts() {
        assert_eq!(py_strip("\u{1c}\u{3000} a \u{1f}"), "a");
        assert_eq!(leading_space("\u{1d} \tk = v"), "\u{1d} \t");
        assert_eq!(indent("\u{1e}\u{a0}k"), 2);
    }

    #[test]
    fn classifies_like_configparser() {
        let text = "; top\nk = v\n[a]\n  # c\nKey : x = y\n\n  more\n\tjunk\nbad\n[b]\n  deeper\n";
        assert_eq!(
            kinds(text),
            [
                Line::Comment,
                Line::BeforeHeader,
                Line::Header("a"),
                Line::Comment,
                Line::Option {
                    key: "Key",
                    value: "x = y",
                    maybe_upper: true
                },
                Line::Blank { in_value: true },
                Line::Continuation("more"),
                Line::Continuation("junk"),
                Line::NoDelimiter,
                Line::Header("b"),
                // A header closes the option: nothing to continue, so a deeper line is read on its own.
                Line::NoDelimiter,
            ]
        );
    }

    #[test]
    fn an_indented_header_continues_a_shallower_option() {
        assert_eq!(
            kinds("[a]\nk = v\n  [b]\n  j = w\n    [c]\n"),
            [
                Line::Header("a"),
                Line::Option {
                    key: "k",
                    value: "v",
                    maybe_upper: false
                },
                Line::Continuation("[b]"),
                Line::Continuation("j = w"),
                Line::Continuation("[c]"),
            ]
        );
        assert_eq!(kinds("  [a]\n  k=\n[b]\n")[2], Line::Header("b"));
    }

    #[test]
    fn header_runs_to_last_bracket() {
        assert_eq!(section_header("[a] ; x]"), Some("a] ; x"));
        assert_eq!(section_header("[]"), None);
        assert_eq!(section_header("[]]"), Some("]"));
    }

    #[test]
    fn optionxform_is_pythons_lower() {
        assert_eq!(optionxform("Region", true), "region");
        assert_eq!(optionxform("région", true), "région");
        // A titlecase letter is not uppercase, but `str.lower` still maps it.
        assert_eq!(optionxform("\u{1c5}", true), "\u{1c6}");
        assert!(matches!(optionxform("region", false), std::borrow::Cow::Borrowed(_)));
    }
}
