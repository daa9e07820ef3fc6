//! `awsso use` / `awsso unset` output evaluated by the real bash, zsh and fish: the exact set of variables changed,
//! and every hostile profile name (tests/fixtures/hostile-values.txt) read back byte for byte. PowerShell cannot be
//! installed here, so its output is pinned by snapshots and parsed with the tree-sitter grammar.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::process::{Command, Output};

use crate::util::{AWSSO, Sandbox, require, stderr, stdout};

const CORPUS: &str = include_str!("../fixtures/hostile-values.txt");

/// What profile mode unsets because it would shadow `AWS_PROFILE` (cli.md, `use`).
pub(crate) const SHADOWS: [&str; 6] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_DEFAULT_PROFILE",
    "AWSSO_PROFILE",
];
const REGION_VARS: [&str; 2] = ["AWS_REGION", "AWS_DEFAULT_REGION"];

/// A profile name with something for every shell to get wrong, used where one name is enough.
pub(crate) const TRICKY: &str = "team's \u{2018}dev\u{2019} $(touch pwned) `x` \\' !";

/// The corpus: one JSON string per line; blank lines and `#` comments are skipped.
pub(crate) fn hostile_values() -> Vec<String> {
    let values: Vec<String> = CORPUS
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("corpus line {l:?} is not a JSON string: {e}")))
        .collect();
    assert!(values.len() >= 100, "the corpus shrank to {} values", values.len());
    let unique: std::collections::BTreeSet<&String> = values.iter().collect();
    assert_eq!(
        unique.len(),
        values.len(),
        "the corpus repeats a value (two sections would clash)"
    );
    values
}

/// The hostile values a config file can hold as a profile name. configparser reads lines with universal newlines,
/// so a CR or LF always ends the header; everything else survives inside shlex single quotes.
pub(crate) fn config_names() -> Vec<String> {
    hostile_values()
        .into_iter()
        .filter(|v| !v.contains(['\n', '\r']))
        .collect()
}

/// A config with one `[profile NAME]` per name. botocore shlex-splits the header, so the name goes in POSIX single
/// quotes with `'` written as `'\''` (the same rule `config::ini::shlex_split` mirrors).
pub(crate) fn config_with(names: &[impl AsRef<str>]) -> String {
    let mut config = String::new();
    for name in names {
        let quoted = name.as_ref().replace('\'', r"'\''");
        writeln!(config, "[profile '{quoted}']\nregion = us-east-1\n").unwrap();
    }
    config
}

#[derive(Debug, Clone, Copy)]
#[cfg_attr(not(feature = "real-tools"), allow(dead_code))] // zsh and fish need the feature
enum Sh {
    Bash,
    Zsh,
    Fish,
}

impl Sh {
    fn name(self) -> &'static str {
        match self {
            Sh::Bash => "bash",
            Sh::Zsh => "zsh",
            Sh::Fish => "fish",
        }
    }

    /// Run `posix` (bash, zsh) or `fish` with `args` as the positional parameters (`$1`…, fish `$argv`), without
    /// any rc file and as strictly as the shell allows: bash and zsh stop at the first failing statement (so a
    /// failing `eval` fails the run); fish has no `-e`, so its scripts check `$pipestatus` themselves.
    fn command(self, sb: &Sandbox, posix: &str, fish: &str, args: &[impl AsRef<OsStr>]) -> Command {
        let mut cmd = sb.command(require(self.name()));
        match self {
            Sh::Bash => cmd.args(["--norc", "--noprofile", "-euo", "pipefail", "-c", posix, "bash"]),
            Sh::Zsh => cmd.args(["-f", "-e", "-u", "-o", "pipefail", "-c", posix, "zsh"]),
            Sh::Fish => cmd.args(["--no-config", "-c", fish]),
        };
        cmd.args(args);
        cmd
    }
}

fn run(mut cmd: Command) -> Output {
    cmd.output().expect("run the shell")
}

// ---------------------------------------------------------------------------------------------------------------
// Exactly the documented variables change.

/// Dump the exported environment, eval `awsso ARGS…` the way users do, dump it again. The final `true` keeps the
/// last `env` from being exec'd in place of the shell, which zsh does after lowering `SHLVL` for it.
const DIFF_POSIX: &str = r#"awsso=$1 dir=$2
shift 2
env -0 >"$dir/before"
out=$("$awsso" "$@")
eval "$out"
env -0 >"$dir/after"
true"#;
const DIFF_FISH: &str = r#"set awsso $argv[1]; set dir $argv[2]; set -e argv[1..2]
env -0 >$dir/before
$awsso $argv | source
if test "$pipestatus" != "0 0"; echo "pipestatus $pipestatus" >&2; exit 97; end
env -0 >$dir/after"#;

type EnvMap = BTreeMap<Vec<u8>, Vec<u8>>;

fn parse_env(dump: &[u8]) -> EnvMap {
    dump.split(|&b| b == 0)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            let eq = entry.iter().position(|&b| b == b'=').expect("NAME=value");
            (entry[..eq].to_vec(), entry[eq + 1..].to_vec())
        })
        .collect()
}

fn describe_diff(want: &EnvMap, got: &EnvMap) -> String {
    let show =
        |v: Option<&Vec<u8>>| v.map_or_else(|| "(unset)".to_owned(), |v| format!("{:?}", String::from_utf8_lossy(v)));
    let keys: std::collections::BTreeSet<&Vec<u8>> = want.keys().chain(got.keys()).collect();
    keys.into_iter()
        .filter(|k| want.get(*k) != got.get(*k))
        .map(|k| {
            format!(
                "  {}: want {}, got {}",
                String::from_utf8_lossy(k),
                show(want.get(k)),
                show(got.get(k))
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The variables set before each scenario; the values would break a shell that re-read them.
fn preset() -> Vec<(&'static str, &'static str)> {
    let mut vars: Vec<(&str, &str)> = SHADOWS
        .iter()
        .map(|&k| (k, "old 'value' $(touch pwned)\nline 2"))
        .collect();
    vars.extend([
        ("AWS_PROFILE", "old-profile"),
        ("AWS_REGION", "ap-south-1"),
        ("AWS_DEFAULT_REGION", "ap-south-2"),
        ("KEEP_ME", "untouched \"value\" \\ !"),
    ]);
    vars
}

/// Evaluate `awsso ARGS` in `sh` starting from `vars` and check the environment changed exactly as `expect` says
/// (`None`: unset) and in no other way.
fn assert_env_change(sh: Sh, vars: &[(&str, &str)], args: &[&str], expect: &[(&str, Option<&str>)]) {
    let sb = Sandbox::with_config(&config_with(&["dev", TRICKY]));
    let dir = tempfile::tempdir().expect("tempdir");
    let mut shell_args: Vec<&OsStr> = vec![OsStr::new(AWSSO), dir.path().as_os_str()];
    shell_args.extend(args.iter().map(OsStr::new));
    let mut cmd = sh.command(&sb, DIFF_POSIX, DIFF_FISH, &shell_args);
    cmd.envs(vars.iter().copied());
    let out = run(cmd);
    let what = format!(
        "{} `awsso {}` from {} preset variables",
        sh.name(),
        args.join(" "),
        vars.len()
    );
    assert!(out.status.success(), "{what}: {} stderr {:?}", out.status, stderr(&out));
    assert_eq!(stderr(&out), "", "{what}");

    let read = |name: &str| std::fs::read(dir.path().join(name)).unwrap_or_else(|e| panic!("{what}: {name}: {e}"));
    let before = parse_env(&read("before"));
    let after = parse_env(&read("after"));
    for (k, v) in vars {
        assert_eq!(
            before.get(k.as_bytes()).map(Vec::as_slice),
            Some(v.as_bytes()),
            "{what}: {k} preset"
        );
    }
    let mut want = before.clone();
    for (k, v) in expect {
        match v {
            Some(v) => want.insert(k.as_bytes().to_vec(), v.as_bytes().to_vec()),
            None => want.remove(k.as_bytes()),
        };
    }
    assert!(
        want == after,
        "{what}: the environment changed wrongly:\n{}",
        describe_diff(&want, &after)
    );
    assert!(!sb.path("pwned").exists(), "{what}: a value ran a command");
}

fn changes_exactly_the_documented_variables(sh: Sh) {
    let shell = sh.name();
    let profile_mode: Vec<(&str, Option<&str>)> = SHADOWS.iter().map(|&k| (k, None)).collect();
    let with_profile = |name| {
        let mut e = profile_mode.clone();
        e.push(("AWS_PROFILE", Some(name)));
        e
    };
    let with_region = |name| {
        let mut e = with_profile(name);
        e.extend(REGION_VARS.iter().map(|&k| (k, Some("eu-west-1"))));
        e
    };
    let mut unset: Vec<(&str, Option<&str>)> = profile_mode.clone();
    unset.extend(["AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION"].map(|k| (k, None)));

    // From a full environment (every unset removes something) and an empty one (no unset may fail on a missing
    // variable, which `set -u` or fish's `set -e` would report).
    for vars in [preset(), vec![("KEEP_ME", "x")]] {
        assert_env_change(sh, &vars, &["use", "--shell", shell, "dev"], &with_profile("dev"));
        assert_env_change(
            sh,
            &vars,
            &["use", "--shell", shell, "--", TRICKY],
            &with_profile(TRICKY),
        );
        let region = ["use", "--shell", shell, "--region", "eu-west-1", "dev"];
        assert_env_change(sh, &vars, &region, &with_region("dev"));
        assert_env_change(sh, &vars, &["unset", "--shell", shell], &unset);
    }
}

#[test]
fn bash_use_and_unset_change_exactly_the_documented_variables() {
    changes_exactly_the_documented_variables(Sh::Bash);
}

#[cfg(feature = "real-tools")]
#[test]
fn zsh_use_and_unset_change_exactly_the_documented_variables() {
    changes_exactly_the_documented_variables(Sh::Zsh);
}

#[cfg(feature = "real-tools")]
#[test]
fn fish_use_and_unset_change_exactly_the_documented_variables() {
    changes_exactly_the_documented_variables(Sh::Fish);
}

// ---------------------------------------------------------------------------------------------------------------
// Every hostile profile name survives config file -> awsso -> shell.

/// For each name: eval `awsso use NAME`, then write `$AWS_PROFILE` to `<dir>/<index>`; a missing file shows where
/// the shell stopped. One shell process per shell keeps the whole corpus to a second or so.
const NAMES_POSIX: &str = r#"awsso=$1 dir=$2 shell=$3
shift 3
i=0
for name in "$@"; do
    out=$("$awsso" use --shell "$shell" -- "$name")
    eval "$out"
    printf %s "$AWS_PROFILE" >"$dir/$i"
    i=$((i + 1))
done"#;
const NAMES_FISH: &str = r#"set awsso $argv[1]; set dir $argv[2]; set -e argv[1..3]; set i 0
for name in $argv
    $awsso use --shell fish -- $name | source
    if test "$pipestatus" != "0 0"; echo "pipestatus $pipestatus" >&2; exit 97; end
    if test (count $AWS_PROFILE) -ne 1; echo "AWS_PROFILE has "(count $AWS_PROFILE)" elements" >&2; exit 95; end
    printf %s $AWS_PROFILE >$dir/$i
    set i (math $i + 1)
end"#;

fn profile_names_round_trip(sh: Sh) {
    let names = config_names();
    let sb = Sandbox::with_config(&config_with(&names));
    let dir = tempfile::tempdir().expect("tempdir");
    let mut args: Vec<&OsStr> = vec![OsStr::new(AWSSO), dir.path().as_os_str(), OsStr::new(sh.name())];
    args.extend(names.iter().map(OsStr::new));
    let out = run(sh.command(&sb, NAMES_POSIX, NAMES_FISH, &args));

    let mut failures = Vec::new();
    for (i, name) in names.iter().enumerate() {
        match std::fs::read(dir.path().join(i.to_string())) {
            Ok(bytes) if bytes == name.as_bytes() => {}
            Ok(bytes) => failures.push(format!(
                "#{i} {name:?} read back as {:?}",
                String::from_utf8_lossy(&bytes)
            )),
            Err(_) => {
                let code = sb.run(&["use", "--shell", sh.name(), "--", name]);
                failures.push(format!(
                    "#{i} {name:?}: the shell stopped here; awsso printed {:?} (stderr {:?})",
                    stdout(&code),
                    stderr(&code)
                ));
                break;
            }
        }
    }
    assert!(
        failures.is_empty() && out.status.success() && out.stderr.is_empty(),
        "{}: {} of {} profile names failed ({}, stderr {:?}):\n{}",
        sh.name(),
        failures.len(),
        names.len(),
        out.status,
        stderr(&out),
        failures.join("\n")
    );
    assert!(
        !sb.path("pwned").exists(),
        "{}: a profile name ran a command",
        sh.name()
    );
}

#[test]
fn bash_reads_back_every_hostile_profile_name() {
    profile_names_round_trip(Sh::Bash);
}

#[cfg(feature = "real-tools")]
#[test]
fn zsh_reads_back_every_hostile_profile_name() {
    profile_names_round_trip(Sh::Zsh);
}

#[cfg(feature = "real-tools")]
#[test]
fn fish_reads_back_every_hostile_profile_name() {
    profile_names_round_trip(Sh::Fish);
}

#[test]
fn the_corpus_is_mostly_holdable_in_a_config_file() {
    // Guards the filter above: only line breaks are left to the quoting unit tests.
    let all = hostile_values().len();
    let names = config_names().len();
    assert!(
        names >= 100 && all - names <= 10,
        "{names} of {all} values are usable as profile names"
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Snapshots: the exact text of each shell's output.

fn use_and_unset_transcript(shell: &str) -> (String, String) {
    let sb = Sandbox::with_config(&config_with(&["dev", TRICKY]));
    let mut transcript = String::new();
    for args in [
        vec!["use", "--shell", shell, "dev"],
        vec!["use", "--shell", shell, "--region", "eu-west-1", "--", TRICKY],
    ] {
        let out = sb.run(&args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        write!(transcript, "# awsso {}\n{}", args.join(" "), stdout(&out)).unwrap();
    }
    let out = sb.run(&["unset", "--shell", shell]);
    assert!(out.status.success(), "{}", stderr(&out));
    (transcript, stdout(&out))
}

#[test]
fn bash_output_snapshot() {
    let (use_, unset) = use_and_unset_transcript("bash");
    insta::assert_snapshot!("use_bash", use_);
    insta::assert_snapshot!("unset_bash", unset);
}

#[test]
fn zsh_output_snapshot() {
    let (use_, unset) = use_and_unset_transcript("zsh");
    insta::assert_snapshot!("use_zsh", use_);
    insta::assert_snapshot!("unset_zsh", unset);
}

#[test]
fn fish_output_snapshot() {
    let (use_, unset) = use_and_unset_transcript("fish");
    insta::assert_snapshot!("use_fish", use_);
    insta::assert_snapshot!("unset_fish", unset);
}

#[test]
fn powershell_output_snapshot() {
    let (use_, unset) = use_and_unset_transcript("powershell");
    insta::assert_snapshot!("use_powershell", use_);
    insta::assert_snapshot!("unset_powershell", unset);
}

// ---------------------------------------------------------------------------------------------------------------
// PowerShell, which cannot run here: parse everything awsso prints for it.

/// Parse `code` with tree-sitter-powershell; fail on any ERROR or MISSING node, else return `(kind, text)` of every
/// node whose kind is in `kinds`, in document order.
fn pwsh_parse<'c>(code: &'c str, kinds: &[&'static str]) -> Vec<(&'static str, &'c str)> {
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_powershell::LANGUAGE.into())
        .expect("load the PowerShell grammar");
    let tree = parser.parse(code, None).expect("parse");
    let mut found = Vec::new();
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        assert!(
            !node.is_error() && !node.is_missing(),
            "PowerShell grammar: {} at {:?} ({:?}) in\n{code}",
            if node.is_error() { "ERROR" } else { "MISSING" },
            node.start_position(),
            &code[node.byte_range()]
        );
        if let Some(kind) = kinds.iter().find(|k| **k == node.kind()) {
            found.push((*kind, &code[node.byte_range()]));
        }
        let mut cursor = node.walk();
        // Reversed so that popping the stack visits children in document order.
        let children: Vec<_> = node.children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    assert!(!tree.root_node().has_error(), "{code}");
    found
}

/// PowerShell's verbatim-string rule: any of `'` U+2018..U+201B ends the string unless another of them follows,
/// in which case the pair stands for the second. `None` when `literal` is not exactly one such string. (The grammar
/// knows only `'`; this decoder is what makes the typographic quotes count.)
fn pwsh_decode_verbatim(literal: &str) -> Option<String> {
    let is_quote = |c: char| matches!(c, '\'' | '\u{2018}'..='\u{201b}');
    let mut chars = literal.chars();
    if !chars.next().is_some_and(is_quote) {
        return None;
    }
    let mut out = String::new();
    while let Some(c) = chars.next() {
        if !is_quote(c) {
            out.push(c);
            continue;
        }
        match chars.next() {
            None => return Some(out),
            Some(d) if is_quote(d) => out.push(d),
            Some(_) => return None,
        }
    }
    None
}

const PWSH_KINDS: [&str; 6] = [
    "verbatim_string_characters",
    "expandable_string_literal",
    "verbatim_here_string_characters",
    "expandable_here_string_literal",
    "variable",
    "sub_expression",
];

#[test]
fn powershell_use_output_parses_and_decodes_for_every_hostile_profile_name() {
    let names = config_names();
    let sb = Sandbox::with_config(&config_with(&names));
    for name in &names {
        let out = sb.run(&["use", "--shell", "powershell", "--", name]);
        assert!(out.status.success(), "{name:?}: {}", stderr(&out));
        let code = stdout(&out);
        let nodes = pwsh_parse(&code, &PWSH_KINDS);
        // One verbatim literal and no expansion anywhere: the only variable is the one assigned.
        assert!(
            matches!(
                nodes.as_slice(),
                [("variable", "$Env:AWS_PROFILE"), ("verbatim_string_characters", _)]
            ),
            "{name:?}: unexpected nodes {nodes:?} in\n{code}"
        );
        assert_eq!(
            pwsh_decode_verbatim(nodes[1].1).as_deref(),
            Some(name.as_str()),
            "{code}"
        );
    }
}

#[test]
fn powershell_unset_and_init_output_parse() {
    let sb = Sandbox::new();
    let out = sb.run(&["unset", "--shell", "powershell"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let code = stdout(&out);
    let nodes = pwsh_parse(&code, &PWSH_KINDS);
    assert!(nodes.is_empty(), "unset needs no strings or variables: {nodes:?}");

    for args in [
        &["init", "powershell"][..],
        &["init", "pwsh", "--no-prompt"],
        &["init", "powershell", "--cmd", "aws-sso"],
    ] {
        let out = sb.run(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        let code = stdout(&out);
        // The binary's path is baked in as a verbatim literal; it must decode to the real path.
        let exe = std::fs::canonicalize(AWSSO).unwrap();
        let exe = exe.to_str().unwrap();
        let literals = pwsh_parse(&code, &["verbatim_string_characters"]);
        // Every literal must also end where the grammar says it does under PowerShell's own quote rule.
        for (_, literal) in &literals {
            assert!(pwsh_decode_verbatim(literal).is_some(), "{args:?}: {literal:?}");
        }
        assert!(
            literals
                .iter()
                .any(|(_, l)| pwsh_decode_verbatim(l).as_deref() == Some(exe)),
            "{args:?}: no literal decodes to {exe:?}: {literals:?}"
        );
    }
}

#[test]
fn powershell_decoder_follows_powershell() {
    assert_eq!(pwsh_decode_verbatim("'it''s'").as_deref(), Some("it's"));
    assert_eq!(pwsh_decode_verbatim("'a\u{2019}'b'").as_deref(), Some("a'b"));
    assert_eq!(pwsh_decode_verbatim("'a\u{2019}b'"), None);
    assert_eq!(pwsh_decode_verbatim("'open"), None);
}
