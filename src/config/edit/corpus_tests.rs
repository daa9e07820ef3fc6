//! Corpus tests for the editor, over `tests/fixtures/edit/` and every UTF-8 config of `tests/fixtures/configs/`:
//!
//! * an unedited document prints back byte for byte;
//! * the editor's structure agrees with `ini.rs` (the botocore-exact reader) on every file that reader accepts;
//! * random edit sequences (proptest) change only the lines they target, checked step by step by
//!   [`check_step`], which shares the editor's reading of a file (checked against `ini.rs` at every step) but none
//!   of its editing code: it restates what each edit may touch and compares lines;
//! * a scripted edit sequence per file gives botocore, awsso's reader and the Rust SDK exactly the expected profiles.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

#[cfg(feature = "real-tools")]
use serde_json::{Value as Json, json};

use super::*;
use crate::config::Config;
#[cfg(feature = "real-tools")]
use crate::config::{Files, named_to_json};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// `(name, text)` of every edit fixture, then of every botocore-corpus config that is UTF-8 (awsso refuses the one
/// that is not before it gets here).
fn corpus() -> &'static [(String, String)] {
    static CORPUS: OnceLock<Vec<(String, String)>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let mut out = edit_corpus();
        let mut dirs: Vec<_> = std::fs::read_dir(fixtures().join("configs"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        for dir in dirs {
            if let Ok(text) = String::from_utf8(std::fs::read(dir.join("config")).unwrap()) {
                out.push((format!("configs/{}", dir.file_name().unwrap().to_str().unwrap()), text));
            }
        }
        out
    })
}

fn edit_corpus() -> Vec<(String, String)> {
    let mut files: Vec<_> = std::fs::read_dir(fixtures().join("edit"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            // Fixtures have no extension; skip README.md and .gitattributes.
            p.extension().is_none() && !p.file_name().unwrap().to_str().unwrap().starts_with('.')
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = format!("edit/{}", p.file_name().unwrap().to_str().unwrap());
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

#[test]
fn corpus_is_big_enough() {
    let edit = corpus().iter().filter(|(n, _)| n.starts_with("edit/")).count();
    let configs = corpus().len() - edit;
    assert!(edit >= 20, "only {edit} edit fixtures");
    assert!(configs >= 60, "only {configs} botocore-corpus configs");
}

#[test]
fn unedited_corpus_prints_back_byte_for_byte() {
    for (name, text) in corpus() {
        assert!(Document::parse(text).to_string() == *text, "{name} changed");
    }
}

// ---------------------------------------------------------------------------------------------------------------
// A model of what botocore reads, for comparing before and after an edit.

/// Section → options (lower-cased key, configparser's joined value), later definitions winning as in botocore
/// (a later section replaces an earlier one of the same name wholesale; a later key replaces an earlier one).
type Model = BTreeMap<SectionRef, Vec<(String, String)>>;

fn model(doc: &Document) -> Model {
    let mut out = Model::new();
    for span in doc.scan() {
        let Some(section) = span.section else { continue };
        let mut entries: Vec<(String, String)> = Vec::new();
        for opt in &span.options {
            let value = doc.value_of(opt);
            match entries.iter_mut().find(|(k, _)| *k == opt.key) {
                Some(slot) => slot.1 = value,
                None => entries.push((opt.key.clone(), value)),
            }
        }
        out.insert(section, entries);
    }
    out
}

#[derive(Debug, Clone)]
enum Op {
    Set(SectionRef, String, String),
    RemoveKey(SectionRef, String),
    RemoveSection(SectionRef),
}

impl Op {
    fn apply(&self, doc: &mut Document) {
        match self {
            Op::Set(s, k, v) => doc.set(s, k, v).unwrap(),
            Op::RemoveKey(s, k) => {
                doc.remove_key(s, k);
            }
            Op::RemoveSection(s) => {
                doc.remove_section(s);
            }
        }
    }

    fn apply_to_model(&self, model: &mut Model) {
        match self {
            Op::Set(s, k, v) => {
                let entries = model.entry(s.clone()).or_default();
                let k = k.to_lowercase();
                match entries.iter_mut().find(|(key, _)| *key == k) {
                    Some(slot) => slot.1.clone_from(v),
                    None => entries.push((k, v.clone())),
                }
            }
            Op::RemoveKey(s, k) => {
                if let Some(entries) = model.get_mut(s) {
                    entries.retain(|(key, _)| *key != k.to_lowercase());
                }
            }
            Op::RemoveSection(s) => {
                model.remove(s);
            }
        }
    }
}

/// botocore's `_parse_nested`, to compare the model's raw nested text with `ini.rs`.
fn nested(text: &str) -> Option<Vec<(String, String)>> {
    let breaks = [
        '\n', '\r', '\u{0b}', '\u{0c}', '\u{1c}', '\u{1d}', '\u{1e}', '\u{85}', '\u{2028}', '\u{2029}',
    ];
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.split(breaks).map(py_strip).filter(|l| !l.is_empty()) {
        let (k, v) = line.split_once('=')?;
        let (k, v) = (py_strip(k).to_owned(), py_strip(v).to_owned());
        match out.iter_mut().find(|(key, _)| *key == k) {
            Some(slot) => slot.1 = v,
            None => out.push((k, v)),
        }
    }
    Some(out)
}

/// Where `ini.rs` accepts `text`, the model must be what `Config` (botocore's view, `[DEFAULT]` keys added) reads.
fn cross_check(text: &str, model: &Model) -> Result<(), String> {
    ini::parse(text).map_or(Ok(()), |ini| cross_check_parsed(ini, model))
}

fn cross_check_parsed(ini: ini::Ini<'_>, model: &Model) -> Result<(), String> {
    let defaults: Vec<(String, ini::Value<'_>)> = ini
        .defaults
        .iter()
        .map(|e| (e.key.to_string(), e.value.clone()))
        .collect();
    let config = Config::build(ini, ini::parse("").unwrap());
    let mut seen = 0;
    for (kind, named) in [
        ("profile", &config.profiles),
        ("sso-session", &config.sso_sessions),
        ("services", &config.services),
    ] {
        for props in &named.items {
            seen += 1;
            let section = match kind {
                "profile" => SectionRef::Profile(props.name.to_string()),
                "sso-session" => SectionRef::SsoSession(props.name.to_string()),
                _ => SectionRef::Services(props.name.to_string()),
            };
            let Some(entries) = model.get(&section) else {
                return Err(format!("{section:?} is in ini.rs but not in the editor's model"));
            };
            let mut expected: Vec<(String, ini::Value<'_>)> = entries
                .iter()
                .map(|(k, v)| {
                    let value = if v.starts_with('\n') {
                        ini::Value::Nested(
                            nested(v)
                                .unwrap_or_default()
                                .into_iter()
                                .map(|(a, b)| (a.into(), b.into()))
                                .collect(),
                        )
                    } else {
                        ini::Value::Str(v.clone().into())
                    };
                    (k.clone(), value)
                })
                .collect();
            for (k, v) in &defaults {
                if !expected.iter().any(|(key, _)| key == k) {
                    expected.push((k.clone(), v.clone()));
                }
            }
            let got: Vec<(String, ini::Value<'_>)> = props
                .entries
                .iter()
                .map(|e| (e.key.to_string(), e.value.clone()))
                .collect();
            if got != expected {
                return Err(format!("{section:?}: ini.rs {got:?}, editor {expected:?}"));
            }
        }
    }
    if seen == model.len() {
        Ok(())
    } else {
        Err(format!("the editor sees {} sections, ini.rs {seen}", model.len()))
    }
}

#[test]
fn structure_agrees_with_the_botocore_exact_reader() {
    let mut checked = 0;
    for (name, text) in corpus() {
        if ini::parse(text).is_ok() {
            checked += 1;
        }
        cross_check(text, &model(&Document::parse(text))).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    assert!(checked >= 60, "only {checked} files were checked");
}

// ---------------------------------------------------------------------------------------------------------------
// The line-level checker.

fn line_strings(text: &str) -> Vec<String> {
    Document::parse(text)
        .lines
        .iter()
        .map(|l| format!("{}{}", l.text, l.end))
        .collect()
}

/// Check one edit step from `before` to `after`:
///
/// 1. the lines the edit may touch are worked out from `before` alone: for `set`, the existing option's lines; for
///    `remove_key`, every option of that name in the section; for `remove_section`, every matching section from its
///    header to the next one, less the comment block directly above that next header, or, for the last section, to
///    the end with the blank lines above its header. Every other line must appear in `after`, byte-identical
///    and in order. Two exceptions are allowed: a last line without an ending may gain one (something was appended),
///    and after `remove_section` a surviving header may lose its indentation;
/// 2. every line of `after` not matched that way must be what the edit writes: for `set`, one `key = value` line of
///    that key, plus for a new section its header and blank lines just above that header; nothing for removals;
/// 3. botocore's view (the model) of `after` is that of `before` with the edit applied, and where `ini.rs` accepts
///    `before` it accepts `after` too.
fn check_step(before: &str, op: &Op, after: &str) -> Result<(), String> {
    let doc = Document::parse(before);
    let spans = doc.scan();
    let mut touched: HashSet<usize> = HashSet::new();
    // The ending a replaced option's line keeps (`None`: the key line is new).
    let mut replaced_end = None;
    let section = match op {
        Op::Set(s, ..) | Op::RemoveKey(s, _) | Op::RemoveSection(s) => s,
    };
    let last = last_span(&spans, section);
    match op {
        Op::Set(_, k, _) => {
            let k = k.to_lowercase();
            if let Some(opt) = last.and_then(|s| s.options.iter().rev().find(|o| o.key == k)) {
                touched.extend(opt.first..=opt.last);
                replaced_end = Some(doc.lines[opt.last].end);
            }
        }
        Op::RemoveKey(_, k) => {
            let k = k.to_lowercase();
            for opt in last.iter().flat_map(|s| &s.options).filter(|o| o.key == k) {
                touched.extend(opt.first..=opt.last);
            }
        }
        Op::RemoveSection(_) => {
            for span in spans.iter().filter(|s| s.section.as_ref() == Some(section)) {
                if span.end < doc.lines.len() {
                    // Up to the next header, less the comment block that introduces it.
                    let intro = doc.lines[span.header + 1..span.end]
                        .iter()
                        .rev()
                        .take_while(|l| is_comment(&l.text))
                        .count();
                    touched.extend(span.header..span.end - intro);
                } else {
                    // The last section, and the blank lines that separated it.
                    let blank_above = doc.lines[..span.header]
                        .iter()
                        .rev()
                        .take_while(|l| py_strip(&l.text).is_empty())
                        .count();
                    touched.extend(span.header - blank_above..span.end);
                }
            }
        }
    }
    let headers: HashSet<usize> = spans.iter().map(|s| s.header).collect();
    let before_lines = line_strings(before);
    let after_lines = line_strings(after);
    let last_unterminated = doc
        .lines
        .last()
        .filter(|l| l.end.is_empty())
        .map(|_| doc.lines.len() - 1);

    // 1. The untouched lines, in order (greedy earliest matching decides a subsequence exactly).
    let mut matched = vec![false; after_lines.len()];
    let mut j = 0;
    for (i, line) in before_lines.iter().enumerate().filter(|(i, _)| !touched.contains(i)) {
        let fits = |candidate: &str| {
            candidate == line
                || (Some(i) == last_unterminated
                    && ["\n", "\r\n", "\r"].iter().any(|nl| candidate == format!("{line}{nl}")))
                || (matches!(op, Op::RemoveSection(_))
                    && headers.contains(&i)
                    && candidate == line.trim_start_matches(py_space))
        };
        while j < after_lines.len() && !fits(&after_lines[j]) {
            j += 1;
        }
        if j == after_lines.len() {
            return Err(format!("untouched line {} {line:?} is missing or changed", i + 1));
        }
        matched[j] = true;
        j += 1;
    }

    // 2. What the edit wrote, ending like most of the file's lines.
    let newline = {
        let ends: Vec<&str> = doc.lines.iter().map(|l| l.end).filter(|e| !e.is_empty()).collect();
        let count = |nl: &str| ends.iter().filter(|&&e| e == nl).count();
        ["\n", "\r\n", "\r"]
            .into_iter()
            .max_by_key(|&nl| (count(nl), nl == "\n"))
            .unwrap_or("\n")
    };
    let new_section = matches!(op, Op::Set(..)) && last.is_none();
    let (mut key_lines, mut header_lines) = (0, 0);
    for (j, line) in after_lines.iter().enumerate().filter(|&(j, _)| !matched[j]) {
        let content = significant(line);
        let is_replacement = replaced_end.is_some() && content.and_then(section_header).is_none();
        let end = if is_replacement {
            replaced_end.unwrap_or_default()
        } else {
            newline
        };
        let ends_right = match end {
            "" => !line.ends_with(['\n', '\r']),
            "\n" => line.ends_with('\n') && !line.ends_with("\r\n"),
            "\r" => line.ends_with('\r'),
            nl => line.ends_with(nl),
        };
        if !ends_right {
            return Err(format!("written line {} {line:?} does not end with {end:?}", j + 1));
        }
        let is_new_header = content
            .and_then(section_header)
            .is_some_and(|h| SectionRef::from_header(h).as_ref() == Some(section));
        let is_key_line = |k: &str| {
            content.is_some_and(|c| {
                section_header(c).is_none()
                    && c.find(['=', ':'])
                        .is_some_and(|d| c[..d].trim_end_matches(py_space).to_lowercase() == k.to_lowercase())
            })
        };
        let blank_before_new_header = content.is_none()
            && !is_comment(line)
            && after_lines[j + 1..]
                .iter()
                .find(|l| !py_strip(l).is_empty())
                .is_some_and(|l| {
                    significant(l)
                        .and_then(section_header)
                        .and_then(SectionRef::from_header)
                        .as_ref()
                        == Some(section)
                });
        match op {
            Op::Set(_, k, _) if is_key_line(k) => key_lines += 1,
            Op::Set(..) if new_section && is_new_header => header_lines += 1,
            Op::Set(..) if new_section && blank_before_new_header => {}
            _ => return Err(format!("unexpected line {} {line:?} in the result", j + 1)),
        }
    }
    if matches!(op, Op::Set(..)) && (key_lines != 1 || header_lines != usize::from(new_section)) {
        return Err(format!("wrote {key_lines} key lines and {header_lines} headers"));
    }

    // 3. Semantics.
    let mut expected = model(&doc);
    op.apply_to_model(&mut expected);
    let got = model(&Document::parse(after));
    if got != expected {
        return Err(format!(
            "botocore's view differs:\n  expected {expected:?}\n  got      {got:?}"
        ));
    }
    match ini::parse(after) {
        Ok(ini) => cross_check_parsed(ini, &got),
        Err(e) if ini::parse(before).is_ok() && !vacuously_valid(before) => {
            Err(format!("the edit broke a valid file: {e}"))
        }
        Err(_) => Ok(()),
    }
}

/// A file whose `[DEFAULT]` botocore would reject, accepted only because it has no other section to read that
/// `[DEFAULT]` through (fixture 47): adding any section makes botocore reject it, whoever writes the section.
fn vacuously_valid(text: &str) -> bool {
    ini::parse(text).is_ok_and(|ini| ini.sections.is_empty())
        && ini::parse(&format!("{text}\n[awsso-probe]\n")).is_err()
}

#[test]
fn the_checker_catches_a_stray_edit() {
    let before = "[default]\n# keep me\nregion = a\n\n[profile b]\nk = v\n";
    let op = Op::Set(SectionRef::Profile("default".into()), "region".into(), "b".into());
    check_step(before, &op, "[default]\n# keep me\nregion = b\n\n[profile b]\nk = v\n").unwrap();
    for wrong in [
        "[default]\nregion = b\n\n[profile b]\nk = v\n", // a comment went missing
        "[default]\n# keep me\nregion = b\n[profile b]\nk = v\n", // a blank line went missing
        "[default]\n# keep me\nregion = b\n\n[profile b]\nk = v\n\n", // a stray blank line
        "[default]\n# keep me\nregion = b\n\n[profile b]\nk  = v\n", // spacing changed elsewhere
        "[default]\n# keep me\nregion = a\nregion = b\n\n[profile b]\nk = v\n", // old line kept
        "[default]\r\n# keep me\nregion = b\n\n[profile b]\nk = v\n", // a line ending changed
        "[default]\n# keep me\nregion = c\n\n[profile b]\nk = v\n", // wrong value
    ] {
        assert!(check_step(before, &op, wrong).is_err(), "{wrong:?} passed");
    }
    let remove = Op::RemoveKey(SectionRef::Profile("b".into()), "k".into());
    check_step(before, &remove, "[default]\n# keep me\nregion = a\n\n[profile b]\n").unwrap();
    assert!(check_step(before, &remove, "[default]\n# keep me\nregion = a\n\n").is_err());
}

// ---------------------------------------------------------------------------------------------------------------
// Random edit sequences.

const NAMES: &[&str] = &[
    "default", "dev", "new prof", "it's", "ünï", "a\"b", "", "x\\y z", "acme",
];
const KEYS: &[&str] = &[
    "region",
    "Region",
    "output",
    "sso_session",
    "sso_start_url",
    "s3",
    "new_key",
    "endpoint_url",
];
const VALUES: &[&str] = &[
    "us-east-1",
    "",
    "a=b",
    "x ; not a comment",
    "https://h.example/start#x",
    "über ✔",
    "v:1",
    "[not a header]",
    "#hash",
];

/// Turn abstract choices into an edit of the current document: mostly on what it has, sometimes on new names.
fn resolve(doc: &Document, (kind, target, key, value): (u8, usize, usize, usize)) -> Op {
    let sections = doc.sections();
    let existing = (target % 4 != 0 && !sections.is_empty()).then(|| &sections[target % sections.len()]);
    let section = existing.map_or_else(
        || {
            let name = NAMES[target % NAMES.len()].to_owned();
            match target % 3 {
                0 => SectionRef::Profile(name),
                1 => SectionRef::SsoSession(name),
                _ => SectionRef::Services(name),
            }
        },
        |info| info.section.clone(),
    );
    let own_keys = existing.map(|info| info.keys.as_slice()).unwrap_or_default();
    let key = if key % 2 == 0 && !own_keys.is_empty() {
        own_keys[key / 2 % own_keys.len()].clone()
    } else {
        KEYS[key % KEYS.len()].to_owned()
    };
    // Keys read back from a file may hold anything; only what `set` accepts can be set.
    let settable = check(&section, &key, "v").is_ok();
    match kind % 8 {
        0..=3 if settable => Op::Set(section, key, VALUES[value % VALUES.len()].to_owned()),
        0..=5 => Op::RemoveKey(section, key),
        _ => Op::RemoveSection(section),
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 4_000, ..Default::default() })]
    /// Every step of a random edit sequence on every corpus file touches only what it targets.
    #[test]
    fn random_edits_touch_only_their_targets(
        file in 0..1_000usize,
        steps in proptest::collection::vec((0..8u8, 0..1_000usize, 0..1_000usize, 0..1_000usize), 1..8),
    ) {
        // The 100,000-character value of configs/33 makes each checked step ~20 ms in a debug build, a third of
        // this test's time for nothing new to the editor; the scripted tests below still edit it.
        let files: Vec<_> = corpus().iter().filter(|(n, _)| !n.contains("33-very-long-value")).collect();
        let (name, text) = files[file % files.len()];
        let mut doc = Document::parse(text);
        for choice in steps {
            let before = doc.to_string();
            let op = resolve(&doc, choice);
            op.apply(&mut doc);
            let after = doc.to_string();
            if let Err(e) = check_step(&before, &op, &after) {
                proptest::prop_assert!(false, "{name}: {op:?}: {e}\n--- before\n{before}\n--- after\n{after}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// A scripted sequence, checked by botocore, awsso's reader and the Rust SDK.

/// The edits a `configure`/`populate` run might make, adapted to what the file has.
fn script(doc: &Document) -> Vec<Op> {
    let sections = doc.sections();
    let named = |want: fn(&SectionRef) -> bool| sections.iter().filter(move |s| want(&s.section)).collect::<Vec<_>>();
    let profiles = named(|s| matches!(s, SectionRef::Profile(_)));
    let sessions = named(|s| matches!(s, SectionRef::SsoSession(_)));
    let services = named(|s| matches!(s, SectionRef::Services(_)));
    let set = |s: &SectionRef, k: &str, v: &str| Op::Set(s.clone(), k.to_owned(), v.to_owned());
    let settable = |s: &SectionRef, k: &str| check(s, k, "v").is_ok();
    let mut ops = Vec::new();
    if let Some(first) = profiles.first() {
        ops.push(set(&first.section, "region", "eu-west-3"));
    }
    if let Some(last) = profiles.last()
        && let Some(key) = last.keys.last()
    {
        ops.push(Op::RemoveKey(last.section.clone(), key.clone()));
    }
    // A nested block or a continued value becomes flat.
    'outer: for info in &profiles {
        for key in &info.keys {
            if doc.get(&info.section, key).is_some_and(|v| v.contains('\n')) && settable(&info.section, key) {
                ops.push(set(&info.section, key, "flattened"));
                break 'outer;
            }
        }
    }
    let quoted = SectionRef::Profile("awsso new".into());
    let bare = SectionRef::Profile("awsso-bare".into());
    let session = SectionRef::SsoSession("awsso-sess".into());
    ops.extend([
        set(&quoted, "sso_session", "awsso-sess"),
        set(&quoted, "sso_account_id", "123456789012"),
        set(&quoted, "sso_role_name", "ReadOnly"),
        set(&bare, "region", "ap-south-1"),
        set(&bare, "output", "json"),
        set(&session, "sso_start_url", "https://d-9999999999.awsapps.com/start"),
        set(&session, "sso_region", "eu-west-1"),
        set(&session, "sso_registration_scopes", "sso:account:access"),
        set(
            &SectionRef::Services("awsso-svc".into()),
            "endpoint_url",
            "http://127.0.0.1:9",
        ),
        set(&SectionRef::Profile("default".into()), "output", "json"),
    ]);
    if let Some(last) = sessions.last() {
        ops.push(set(&last.section, "sso_region", "ca-central-1"));
        if last.keys.iter().any(|k| k == "sso_registration_scopes") {
            ops.push(Op::RemoveKey(last.section.clone(), "sso_registration_scopes".into()));
        }
    }
    if let Some(first) = services.first()
        && let Some(key) = first.keys.first()
    {
        ops.push(Op::RemoveKey(first.section.clone(), key.clone()));
    }
    // Removing a section could cure a duplicate-section file; keep rejected files rejected.
    if profiles.len() >= 3 && ini::parse(&doc.to_string()).is_ok() {
        ops.push(Op::RemoveSection(profiles[1].section.clone()));
    }
    ops
}

/// `(name, original, edited, ops)` for every file of both corpora.
fn scripted() -> Vec<(String, String, String, Vec<Op>)> {
    corpus()
        .iter()
        .map(|(name, text)| {
            let mut doc = Document::parse(text);
            let ops = script(&doc);
            for op in &ops {
                let before = doc.to_string();
                op.apply(&mut doc);
                check_step(&before, op, &doc.to_string()).unwrap_or_else(|e| panic!("{name}: {op:?}: {e}"));
            }
            (name.clone(), text.clone(), doc.to_string(), ops)
        })
        .collect()
}

#[cfg(feature = "real-tools")]
/// Apply `ops` to a botocore-shaped map (`{"profiles": .., "sso_sessions": ..}`, or with `services`), new
/// sections starting from the file's `[DEFAULT]` keys, as configparser gives every section those.
fn apply_to_json(map: &mut Json, ops: &[Op], defaults: &serde_json::Map<String, Json>) {
    for op in ops {
        let (section, name) = match op {
            Op::Set(s, ..) | Op::RemoveKey(s, _) | Op::RemoveSection(s) => (s, s.name().to_owned()),
        };
        let group = match section {
            SectionRef::Profile(_) => "profiles",
            SectionRef::SsoSession(_) => "sso_sessions",
            SectionRef::Services(_) => "services",
        };
        let Some(group) = map.get_mut(group).and_then(Json::as_object_mut) else {
            continue;
        };
        match op {
            Op::Set(_, k, v) => {
                let props = group.entry(name).or_insert_with(|| Json::Object(defaults.clone()));
                props[k.to_lowercase()] = json!(v);
            }
            Op::RemoveKey(_, k) => {
                if let Some(props) = group.get_mut(&name).and_then(Json::as_object_mut) {
                    match defaults.get(&k.to_lowercase()) {
                        Some(default) => props.insert(k.to_lowercase(), default.clone()),
                        None => props.remove(&k.to_lowercase()),
                    };
                }
            }
            Op::RemoveSection(_) => {
                group.remove(&name);
            }
        }
    }
}

#[cfg(feature = "real-tools")]
fn defaults_json(text: &str) -> serde_json::Map<String, Json> {
    let Ok(ini) = ini::parse(text) else {
        return serde_json::Map::new();
    };
    ini.defaults
        .iter()
        .map(|e| {
            let value = match &e.value {
                ini::Value::Str(s) => json!(s),
                ini::Value::Nested(kv) => Json::Object(kv.iter().map(|(k, v)| (k.to_string(), json!(v))).collect()),
            };
            (e.key.to_string(), value)
        })
        .collect()
}

#[cfg(feature = "real-tools")]
/// awsso's own reader over a config text, in botocore's shape plus `services`.
fn awsso_view(text: &str) -> anyhow::Result<Json> {
    let files = Files {
        config: text.to_owned(),
        ..Files::default()
    };
    let config = files.parse()?;
    Ok(json!({
        "profiles": named_to_json(&config.profiles),
        "sso_sessions": named_to_json(&config.sso_sessions),
        "services": named_to_json(&config.services),
    }))
}

/// botocore's view of every `file`, one JSON line each, from one Python process (botocore takes ~0.3 s to import).
#[cfg(feature = "real-tools")]
fn botocore_views(files: &[PathBuf]) -> Vec<Json> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/botocore_dump.py");
    // `main` is the script's own entry point; calling it per file keeps its hermetic environment handling.
    let driver = "import runpy, sys\nmain = runpy.run_path(sys.argv[1])['main']\nfor p in sys.argv[2:]:\n    main(['botocore_dump.py', p])\n";
    let out = std::process::Command::new(crate::config::tests::test_python())
        .args(["-X", "utf8", "-c", driver])
        .arg(&script)
        .args(files)
        .output()
        .expect("run python");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let views: Vec<Json> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(views.len(), files.len());
    views
}

#[cfg(feature = "real-tools")]
#[test]
fn botocore_reads_the_edited_files_as_expected() {
    let cases = scripted();
    let tmp = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (i, (_, original, edited, _)) in cases.iter().enumerate() {
        for (suffix, text) in [("orig", original), ("edited", edited)] {
            let path = tmp.path().join(format!("{i:03}.{suffix}"));
            std::fs::write(&path, text).unwrap();
            paths.push(path);
        }
    }
    let views = botocore_views(&paths);
    let mut failures = Vec::new();
    let mut valid = 0;
    for ((name, original, edited, ops), pair) in cases.iter().zip(views.chunks(2)) {
        let (before, after) = (&pair[0], &pair[1]);
        if vacuously_valid(original) {
            // The first new section exposes the broken `[DEFAULT]`; both readers must now reject the file.
            if after.get("error").is_none() || awsso_view(edited).is_ok() {
                failures.push(format!("{name}: a broken [DEFAULT] went unnoticed: {after}"));
            }
            continue;
        }
        if before.get("error").is_some() {
            // No expected map to start from. Some scripted edits remove the broken part (flattening a bad nested
            // block, removing a duplicated key); either way botocore and awsso must agree on the result.
            let agree = match awsso_view(edited) {
                Ok(mut got) => got.as_object_mut().and_then(|m| m.remove("services")).is_some() && got == *after,
                Err(_) => after.get("error").is_some(),
            };
            if !agree {
                failures.push(format!("{name}: botocore {after}, awsso {:?}", awsso_view(edited)));
            }
            continue;
        }
        valid += 1;
        // `ini.rs` reads `[DEFAULT]` only when a real section exists, as Python does; the edited file has some.
        let defaults = defaults_json(edited);
        let mut expected = before.clone();
        apply_to_json(&mut expected, ops, &defaults);
        if *after != expected {
            failures.push(format!("{name}: botocore\n  expected {expected}\n  got      {after}"));
        }
        let mut expected_awsso = awsso_view(original).unwrap();
        apply_to_json(&mut expected_awsso, ops, &defaults);
        match awsso_view(edited) {
            Ok(got) if got == expected_awsso => {}
            got => failures.push(format!(
                "{name}: awsso\n  expected {expected_awsso}\n  got      {got:?}"
            )),
        }
    }
    assert!(valid >= 60, "only {valid} files botocore accepts");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Load `path` as a config file with the Rust SDK's own profile loader.
fn sdk_load(
    runtime: &tokio::runtime::Runtime,
    path: &Path,
) -> Result<aws_config::profile::ProfileSet, aws_config::profile::ProfileFileLoadError> {
    // The non-deprecated names live in `aws-runtime`, which is not a direct dependency either.
    #[allow(deprecated)]
    use aws_config::profile::profile_file::{ProfileFileKind, ProfileFiles};
    #[allow(deprecated)]
    let files = ProfileFiles::builder().with_file(ProfileFileKind::Config, path).build();
    // `Fs` and `Env` cannot be named without depending on `aws-types`; their defaults are the real ones.
    #[allow(clippy::default_trait_access)]
    let (fs, env) = (Default::default(), Default::default());
    runtime.block_on(aws_config::profile::load(&fs, &env, &files, None))
}

/// The Rust SDK (aws-config, protocol.md §9) loads every edited file it loaded before editing, and sees the new
/// sections. `Fs` and `Env` come from `aws-types`, which is not a direct dependency: `Default` gives the real ones.
#[test]
fn rust_sdk_loads_the_edited_files() {
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let load = |path: &Path| sdk_load(&runtime, path);
    let mut loaded = 0;
    for (i, (name, original, edited, _)) in scripted().iter().enumerate() {
        let (before, after) = (
            tmp.path().join(format!("{i}.orig")),
            tmp.path().join(format!("{i}.edited")),
        );
        std::fs::write(&before, original).unwrap();
        std::fs::write(&after, edited).unwrap();
        if load(&before).is_err() {
            continue;
        }
        let set = load(&after).unwrap_or_else(|e| panic!("{name}: the Rust SDK no longer loads the file: {e}"));
        loaded += 1;
        let bare = set
            .get_profile("awsso-bare")
            .unwrap_or_else(|| panic!("{name}: no awsso-bare"));
        assert_eq!(bare.get("region"), Some("ap-south-1"), "{name}");
        let session = set
            .sso_session("awsso-sess")
            .unwrap_or_else(|| panic!("{name}: no awsso-sess"));
        assert_eq!(session.get("sso_region"), Some("eu-west-1"), "{name}");
    }
    assert!(loaded >= 60, "the Rust SDK loaded only {loaded} files");
}

/// What `populate` writes (`append_sections`, thousands at once) is loaded by the Rust SDK and read by awsso's
/// botocore-exact reader as the profiles it meant, in every corpus file the SDK loaded before.
#[test]
fn appended_sections_load_in_the_rust_sdk_and_read_back() {
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let load = |path: &Path| sdk_load(&runtime, path);
    let keys = |account: &'static str| {
        vec![
            ("sso_session", "corp"),
            ("sso_account_id", account),
            ("sso_role_name", "Admin"),
            ("region", "eu-west-1"),
            ("awsso_populated", "true"),
        ]
    };
    let mut loaded = 0;
    for (i, (name, original)) in corpus().iter().enumerate() {
        let before = tmp.path().join(format!("{i}.orig"));
        std::fs::write(&before, original).unwrap();
        if load(&before).is_err() || ini::parse(original).is_err() {
            continue;
        }
        let mut doc = Document::parse(original);
        if doc
            .sections()
            .iter()
            .any(|s| matches!(&s.section, SectionRef::Profile(p) if p.starts_with("pop-")))
        {
            continue;
        }
        let new = [
            (
                SectionRef::Profile("pop-111111111111-Admin".into()),
                keys("111111111111"),
            ),
            (
                SectionRef::Profile("pop-222222222222-Admin".into()),
                keys("222222222222"),
            ),
        ];
        doc.append_sections(&new).unwrap();
        let text = doc.to_string();
        assert!(
            text.starts_with(original.as_str()),
            "{name}: appending must keep every byte before it"
        );
        let after = tmp.path().join(format!("{i}.edited"));
        std::fs::write(&after, &text).unwrap();
        let set = load(&after).unwrap_or_else(|e| panic!("{name}: the Rust SDK no longer loads the file: {e}"));
        let profile = set
            .get_profile("pop-222222222222-Admin")
            .unwrap_or_else(|| panic!("{name}: not loaded"));
        assert_eq!(profile.get("sso_account_id"), Some("222222222222"), "{name}");
        let ours = Config::build(ini::parse(&text).unwrap(), ini::parse("").unwrap());
        let p = ours
            .profile("pop-111111111111-Admin")
            .unwrap_or_else(|| panic!("{name}: awsso does not see it"));
        assert_eq!(
            (p.sso_session_name(), p.account_id()),
            (Some("corp"), Some("111111111111")),
            "{name}"
        );
        // Appending a section that exists is refused, and nothing changes.
        let before_refusal = doc.to_string();
        assert!(
            matches!(doc.append_sections(&new[..1]), Err(EditError::Exists(_))),
            "{name}"
        );
        assert_eq!(doc.to_string(), before_refusal, "{name}");
        loaded += 1;
    }
    assert!(loaded >= 40, "only {loaded} corpus files were checked");
}
