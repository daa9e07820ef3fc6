//! Unit tests for the editor: one behaviour each, with the exact bytes expected.

use super::*;

fn profile(name: &str) -> SectionRef {
    SectionRef::Profile(name.to_owned())
}

fn session(name: &str) -> SectionRef {
    SectionRef::SsoSession(name.to_owned())
}

/// Apply `edit` to `text` and return the result.
fn edited(text: &str, edit: impl FnOnce(&mut Document)) -> String {
    let mut doc = Document::parse(text);
    edit(&mut doc);
    doc.to_string()
}

/// The profiles awsso's botocore-exact reader sees, as `name: key=value,...` lines.
fn read_back(text: &str) -> Vec<String> {
    let config = crate::config::Config::build(ini::parse(text).unwrap(), ini::parse("").unwrap());
    config
        .profiles
        .items
        .iter()
        .map(|p| {
            let kv: Vec<String> = p
                .entries
                .iter()
                .map(|e| format!("{}={}", e.key, e.value.as_str().unwrap_or("<nested>")))
                .collect();
            format!("{}: {}", p.name, kv.join(","))
        })
        .collect()
}

#[test]
fn unedited_document_prints_back_byte_for_byte() {
    for text in [
        "",
        "\n",
        "[a]",
        "[a]\r\nk = v\r\n",
        "x\ry\r\nz\n",
        "[p]\n  s3 =\n\tk = v\n\n# c\n",
        "no newline",
    ] {
        assert_eq!(Document::parse(text).to_string(), text);
    }
}

#[test]
fn set_replaces_only_the_value_text() {
    let text = "[profile a]\n  Region\t =  us-east-1   \noutput = json\n";
    let out = edited(text, |d| d.set(&profile("a"), "region", "eu-west-1").unwrap());
    assert_eq!(out, "[profile a]\n  Region\t =  eu-west-1   \noutput = json\n");
}

#[test]
fn set_keeps_a_colon_delimiter() {
    let out = edited("[default]\nregion : x\n", |d| {
        d.set(&profile("default"), "region", "y").unwrap();
    });
    assert_eq!(out, "[default]\nregion : y\n");
}

#[test]
fn set_adds_a_key_after_the_last_option_not_after_trailing_comments() {
    let text = "[profile a]\nregion = x\n# output = json\n\n[profile b]\nregion = y\n";
    let out = edited(text, |d| d.set(&profile("a"), "output", "text").unwrap());
    assert_eq!(
        out,
        "[profile a]\nregion = x\noutput = text\n# output = json\n\n[profile b]\nregion = y\n"
    );
}

#[test]
fn new_keys_follow_the_majority_spacing() {
    let out = edited("[a]\nx=1\ny=2\nz = 3\n[profile p]\n", |d| {
        d.set(&profile("p"), "k", "v").unwrap();
    });
    assert_eq!(out, "[a]\nx=1\ny=2\nz = 3\n[profile p]\nk=v\n");
    let out = edited("[profile p]\nx\t=\t1\n", |d| d.set(&profile("p"), "k", "v").unwrap());
    assert_eq!(out, "[profile p]\nx\t=\t1\nk\t=\tv\n");
    // No habit yet: the AWS CLI's `key = value`.
    assert_eq!(
        edited("", |d| d.set(&profile("p"), "k", "v").unwrap()),
        "[profile p]\nk = v\n"
    );
}

#[test]
fn crlf_file_gets_crlf_new_lines() {
    let text = "[default]\r\nregion = us-east-1\r\n\r\n[profile a]\r\nregion = x\r\n";
    let out = edited(text, |d| {
        d.set(&profile("default"), "output", "json").unwrap();
        d.set(&profile("a"), "region", "y").unwrap();
        d.set(&session("s"), "sso_region", "eu-west-1").unwrap();
    });
    assert_eq!(
        out,
        "[default]\r\nregion = us-east-1\r\noutput = json\r\n\r\n[profile a]\r\nregion = y\r\n\r\n\
         [sso-session s]\r\nsso_region = eu-west-1\r\n"
    );
}

#[test]
fn lone_cr_file_gets_lone_cr_new_lines() {
    let out = edited("[a]\rk = v\r", |d| d.set(&profile("b"), "k", "v").unwrap());
    assert_eq!(out, "[a]\rk = v\r\r[profile b]\rk = v\r");
}

#[test]
fn missing_final_newline_stays_missing_after_editing_the_middle() {
    let text = "[profile a]\nregion = x\n\n[profile b]\nregion = y";
    let out = edited(text, |d| {
        d.set(&profile("a"), "region", "z").unwrap();
        d.set(&profile("a"), "output", "json").unwrap();
        d.set(&profile("b"), "region", "w").unwrap();
    });
    assert_eq!(out, "[profile a]\nregion = z\noutput = json\n\n[profile b]\nregion = w");
}

#[test]
fn missing_final_newline_gets_a_separator_when_appending() {
    let text = "[profile a]\nregion = x";
    assert_eq!(
        edited(text, |d| d.set(&profile("a"), "output", "json").unwrap()),
        "[profile a]\nregion = x\noutput = json\n"
    );
    assert_eq!(
        edited(text, |d| d.set(&profile("b"), "output", "json").unwrap()),
        "[profile a]\nregion = x\n\n[profile b]\noutput = json\n"
    );
    let crlf = "[profile a]\r\ns3 =\r\n  k = v";
    assert_eq!(
        edited(crlf, |d| d.set(&profile("a"), "region", "r").unwrap()),
        "[profile a]\r\ns3 =\r\n  k = v\r\nregion = r\r\n"
    );
}

#[test]
fn nested_keys_are_not_top_level_keys() {
    let text = "[profile a]\ns3 =\n  region = nested\n  addressing_style = path\nregion = top\n";
    let doc = Document::parse(text);
    assert_eq!(doc.get(&profile("a"), "region").as_deref(), Some("top"));
    assert_eq!(doc.get(&profile("a"), "addressing_style"), None);
    assert_eq!(
        doc.get(&profile("a"), "s3").as_deref(),
        Some("\nregion = nested\naddressing_style = path")
    );
    assert_eq!(
        edited(text, |d| d.set(&profile("a"), "region", "new").unwrap()),
        "[profile a]\ns3 =\n  region = nested\n  addressing_style = path\nregion = new\n"
    );
    assert_eq!(
        edited(text, |d| assert!(d.remove_key(&profile("a"), "region"))),
        "[profile a]\ns3 =\n  region = nested\n  addressing_style = path\n"
    );
    // Setting `addressing_style` adds a top-level key after the block instead of touching the nested one.
    assert_eq!(
        edited(text, |d| d.set(&profile("a"), "addressing_style", "virtual").unwrap()),
        "[profile a]\ns3 =\n  region = nested\n  addressing_style = path\nregion = top\naddressing_style = virtual\n"
    );
}

#[test]
fn setting_a_nested_or_continued_key_replaces_the_whole_option() {
    let text = "[profile a]\ns3 =\n  k = v\n\n  # c\n  j = w\nregion = r\n";
    assert_eq!(
        edited(text, |d| d.set(&profile("a"), "s3", "flat").unwrap()),
        "[profile a]\ns3 = flat\nregion = r\n"
    );
    let text = "[profile a]\ndescription = one\n   two\nregion = r";
    assert_eq!(
        edited(text, |d| d.set(&profile("a"), "description", "x").unwrap()),
        "[profile a]\ndescription = x\nregion = r"
    );
    // The last line had no ending; the replacement keeps it that way.
    assert_eq!(
        edited("[profile p]\nk = a\n  b", |d| d.set(&profile("p"), "k", "c").unwrap()),
        "[profile p]\nk = c"
    );
}

#[test]
fn removing_a_key_removes_its_continuation_lines_only() {
    let text = "[profile a]\n# about s3\ns3 =\n  k = v\n  ; inner\n  j = w\n# after\n\nregion = r\n";
    assert_eq!(
        edited(text, |d| assert!(d.remove_key(&profile("a"), "S3"))),
        "[profile a]\n# about s3\n# after\n\nregion = r\n"
    );
    assert!(!Document::parse(text).remove_key(&profile("a"), "nope"));
    assert!(!Document::parse(text).remove_key(&profile("b"), "region"));
}

#[test]
fn names_with_spaces_are_written_quoted_and_read_back() {
    let out = edited("[default]\nregion = x\n", |d| {
        d.set(&profile("my prof"), "region", "eu-west-1").unwrap();
        d.set(&session("corp sso"), "sso_region", "us-east-1").unwrap();
        d.set(&profile("it's"), "output", "json").unwrap();
        d.set(&profile(""), "output", "text").unwrap();
        d.set(&profile("a#b"), "output", "yaml").unwrap();
    });
    assert_eq!(
        out,
        "[default]\nregion = x\n\n[profile 'my prof']\nregion = eu-west-1\n\n[sso-session 'corp sso']\nsso_region = \
         us-east-1\n\n[profile 'it'\"'\"'s']\noutput = json\n\n[profile '']\noutput = text\n\n[profile a#b]\n\
         output = yaml\n"
    );
    assert_eq!(
        read_back(&out),
        [
            "default: region=x",
            "my prof: region=eu-west-1",
            "it's: output=json",
            ": output=text",
            "a#b: output=yaml"
        ]
    );
    let doc = Document::parse(&out);
    assert_eq!(doc.get(&profile("my prof"), "region").as_deref(), Some("eu-west-1"));
    assert_eq!(
        doc.get(&session("corp sso"), "sso_region").as_deref(),
        Some("us-east-1")
    );
    assert_eq!(doc.get(&profile("it's"), "output").as_deref(), Some("json"));
}

#[test]
fn existing_quoted_headers_are_found_by_name() {
    let text = "[profile \"my prof\"]\nregion = a\n[profile a\\ b]\nregion = b\n";
    let out = edited(text, |d| {
        d.set(&profile("my prof"), "region", "x").unwrap();
        d.set(&profile("a b"), "region", "y").unwrap();
    });
    assert_eq!(out, "[profile \"my prof\"]\nregion = x\n[profile a\\ b]\nregion = y\n");
}

#[test]
fn inline_comments_go_with_the_value_they_belong_to() {
    // configparser has no inline comments: `; prod` is part of the value, so setting the key replaces it...
    let text = "[default]\nregion = us-east-1 ; prod\noutput = json # fmt\n";
    let doc = Document::parse(text);
    assert_eq!(
        doc.get(&profile("default"), "region").as_deref(),
        Some("us-east-1 ; prod")
    );
    assert_eq!(
        edited(text, |d| d.set(&profile("default"), "region", "eu-west-1").unwrap()),
        "[default]\nregion = eu-west-1\noutput = json # fmt\n"
    );
    // ...and setting another key leaves it alone.
    assert_eq!(
        edited(text, |d| d.set(&profile("default"), "cli_pager", "less").unwrap()),
        "[default]\nregion = us-east-1 ; prod\noutput = json # fmt\ncli_pager = less\n"
    );
}

#[test]
fn keys_match_case_insensitively_and_keep_their_spelling() {
    let text = "[default]\nRegion = x\n";
    assert_eq!(
        Document::parse(text).get(&profile("default"), "REGION").as_deref(),
        Some("x")
    );
    assert_eq!(
        edited(text, |d| d.set(&profile("default"), "region", "y").unwrap()),
        "[default]\nRegion = y\n"
    );
}

#[test]
fn edits_go_to_the_last_duplicate_and_removal_removes_all() {
    let text = "[profile a]\nk = 1\n\n[profile \"a\"]\nk = 2\n\n[profile b]\nk = 3\n";
    let doc = Document::parse(text);
    assert_eq!(doc.get(&profile("a"), "k").as_deref(), Some("2"));
    assert_eq!(
        edited(text, |d| d.set(&profile("a"), "k", "9").unwrap()),
        "[profile a]\nk = 1\n\n[profile \"a\"]\nk = 9\n\n[profile b]\nk = 3\n"
    );
    assert_eq!(
        edited(text, |d| assert!(d.remove_section(&profile("a")))),
        "[profile b]\nk = 3\n"
    );
    // `[default]` and `[profile default]` are one profile; the later one is botocore's.
    let text = "[profile default]\nk = 1\n[default]\nk = 2\n";
    assert_eq!(
        edited(text, |d| d.set(&profile("default"), "k", "3").unwrap()),
        "[profile default]\nk = 1\n[default]\nk = 3\n"
    );
    let sections: Vec<_> = Document::parse(text).sections().into_iter().map(|s| s.lines).collect();
    assert_eq!(sections, vec![2..4]);
}

#[test]
fn remove_section_keeps_the_comment_that_introduces_the_next_one() {
    let text = "[default]\nregion = x\n\n# dev\n[profile dev]\nk = v\n# dev trailer\n\n# prod\n[profile prod]\nk = w\n";
    assert_eq!(
        edited(text, |d| assert!(d.remove_section(&profile("dev")))),
        "[default]\nregion = x\n\n# dev\n# prod\n[profile prod]\nk = w\n"
    );
    // The last section takes its separating blank lines with it.
    assert_eq!(
        edited(text, |d| assert!(d.remove_section(&profile("prod")))),
        "[default]\nregion = x\n\n# dev\n[profile dev]\nk = v\n# dev trailer\n\n# prod\n"
    );
    assert_eq!(
        edited("[a]\nk = v\n\n\n[profile b]\nk = v\n", |d| assert!(
            d.remove_section(&profile("b"))
        )),
        "[a]\nk = v\n"
    );
    assert!(!Document::parse(text).remove_section(&profile("nope")));
}

#[test]
fn removal_unindents_a_header_that_would_become_a_continuation() {
    // `  [profile b]` is a header only because the option above it is indented as deep (fixture 21).
    let text = "[profile a]\nk = v\n[profile r]\n  x = 1\n  [profile b]\n  y = 2\n";
    let out = edited(text, |d| assert!(d.remove_section(&profile("r"))));
    assert_eq!(out, "[profile a]\nk = v\n[profile b]\n  y = 2\n");
    assert_eq!(read_back(&out), ["a: k=v", "b: y=2"]);
}

#[test]
fn new_keys_take_the_indentation_that_keeps_the_structure() {
    // Keys indented under their header: the new key lines up, and the indented header after it stays a header.
    let text = "[profile a]\n    k = v\n    [profile b]\n    j = w\n";
    let out = edited(text, |d| d.set(&profile("a"), "n", "1").unwrap());
    assert_eq!(out, "[profile a]\n    k = v\n    n = 1\n    [profile b]\n    j = w\n");
    assert_eq!(read_back(&out), ["a: k=v,n=1", "b: j=w"]);
    // An empty section followed by an indented header.
    let text = "[profile a]\nk = v\n[profile e]\n  [profile b]\n";
    let out = edited(text, |d| d.set(&profile("e"), "n", "1").unwrap());
    assert_eq!(out, "[profile a]\nk = v\n[profile e]\n  n = 1\n  [profile b]\n");
    assert_eq!(read_back(&out), ["a: k=v", "e: n=1", "b: "]);
}

#[test]
fn new_sections_follow_the_files_blank_line_habit() {
    let compact = "[a]\nk=v\n[b]\nk=v\n";
    assert_eq!(
        edited(compact, |d| d.set(&profile("c"), "k", "v").unwrap()),
        "[a]\nk=v\n[b]\nk=v\n[profile c]\nk=v\n"
    );
    let two = "[a]\nk = v\n\n\n[b]\nk = v\n";
    assert_eq!(
        edited(two, |d| d.set(&profile("c"), "k", "v").unwrap()),
        "[a]\nk = v\n\n\n[b]\nk = v\n\n\n[profile c]\nk = v\n"
    );
    // Blank lines already at the end count towards the gap.
    assert_eq!(
        edited("[a]\nk = v\n\n", |d| d.set(&profile("c"), "k", "v").unwrap()),
        "[a]\nk = v\n\n[profile c]\nk = v\n"
    );
    assert_eq!(
        edited("# only a comment\n", |d| d
            .set(&profile("default"), "region", "r")
            .unwrap()),
        "# only a comment\n\n[default]\nregion = r\n"
    );
}

#[test]
fn empty_values_are_written_without_trailing_space() {
    assert_eq!(
        edited("[default]\nk = v\n", |d| {
            d.set(&profile("default"), "k", "").unwrap();
            d.set(&profile("default"), "j", "").unwrap();
        }),
        "[default]\nk =\nj =\n"
    );
    // An empty old value has no spacing to keep: the file's style fills in.
    assert_eq!(
        edited("[default]\nk =\n", |d| d.set(&profile("default"), "k", "v").unwrap()),
        "[default]\nk = v\n"
    );
}

#[test]
fn unwritable_input_is_refused() {
    let mut doc = Document::parse("");
    assert!(matches!(doc.set(&profile("a\nb"), "k", "v"), Err(EditError::Name(_))));
    for key in ["", "a=b", "a:b", " k", "k ", "#k", ";k", "[k", "a\nb"] {
        assert!(
            matches!(doc.set(&profile("a"), key, "v"), Err(EditError::Key(..))),
            "{key:?}"
        );
    }
    for value in ["a\nb", "a\rb", " v", "v\t"] {
        assert!(
            matches!(doc.set(&profile("a"), "k", value), Err(EditError::Value(..))),
            "{value:?}"
        );
    }
    assert_eq!(doc.to_string(), "", "a refused edit changes nothing");
    assert_eq!(
        doc.set(&profile("a"), "k", " v").unwrap_err().to_string(),
        "the value for `k` cannot be written to the config file: botocore strips leading and trailing whitespace"
    );
}

#[test]
fn header_resolution_follows_botocore() {
    let r = SectionRef::from_header;
    assert_eq!(r("profile a"), Some(profile("a")));
    assert_eq!(r("profilefoo bar"), Some(profile("bar")));
    assert_eq!(r("profile 'my prof'"), Some(profile("my prof")));
    assert_eq!(r("default"), Some(profile("default")));
    assert_eq!(r("sso-session s"), Some(session("s")));
    assert_eq!(r("services x"), Some(SectionRef::Services("x".into())));
    for ignored in [
        "profile",
        "profile a b",
        "profile 'a",
        "DEFAULT",
        "Default",
        "plugins",
        " profile a",
    ] {
        assert_eq!(r(ignored), None, "{ignored}");
    }
}

#[test]
fn quoting_round_trips_through_shlex() {
    for name in ["a b", "it's", "\"", "\\", "", "a\tb", "'", "''", "x'\"y\\z w", "é ü"] {
        let header = SectionRef::Profile(name.into()).header();
        assert_eq!(SectionRef::from_header(&header), Some(profile(name)), "{header}");
    }
    assert_eq!(quote_name("plain-name.1@x"), "plain-name.1@x");
    assert_eq!(quote_name("münchen"), "münchen", "the Rust SDK does not unquote");
}

#[test]
fn sections_lists_what_botocore_reads() {
    let text = "# top\n[DEFAULT]\nx = 1\n[default]\nRegion = r\nregion2 = s\n[plugins]\n[sso-session s]\nk = v\n\
                [profile a]\nk = 1\n[profile a]\nj = 2\nJ = 3\n";
    let got: Vec<_> = Document::parse(text)
        .sections()
        .into_iter()
        .map(|s| (s.section, s.lines, s.keys))
        .collect();
    assert_eq!(
        got,
        [
            (
                profile("default"),
                3..6,
                vec!["region".to_owned(), "region2".to_owned()]
            ),
            (session("s"), 7..9, vec!["k".to_owned()]),
            (profile("a"), 11..14, vec!["j".to_owned()]),
        ]
    );
}

#[test]
fn get_joins_continuation_lines_like_configparser() {
    let doc = Document::parse("[default]\nk = a\n\n  # c\n  b\n\n\nj =\n");
    assert_eq!(doc.get(&profile("default"), "k").as_deref(), Some("a\n\nb"));
    assert_eq!(doc.get(&profile("default"), "j").as_deref(), Some(""));
}

#[cfg(unix)]
mod save {
    use super::super::save;
    use std::os::unix::fs::PermissionsExt as _;

    fn mode(path: &std::path::Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn new_file_is_private_in_a_new_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("home/.aws/config");
        save(&path, "[default]\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "[default]\n");
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }

    #[test]
    fn existing_file_keeps_its_mode() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("config");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        save(&path, "new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(mode(&path), 0o640);
    }

    #[test]
    fn symlink_keeps_pointing_at_the_replaced_target() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("dotfiles/aws-config");
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(&target, "old").unwrap();
        let link = tmp.path().join("config");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        save(&link, "new").unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
    }
}
