//! Round trips through the quoting functions: every value of the hostile corpus (tests/fixtures/hostile-values.txt)
//! is rendered by `Shell::render`, evaluated by the real bash, zsh and fish, and read back byte for byte. PowerShell
//! cannot be installed here, so its output is parsed with the tree-sitter grammar instead and the literal decoded by
//! PowerShell's own rule.
//!
//! Unlike the integration tests, this covers values no config file can hold as a profile name (newlines, CR).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::{EnvChanges, Shell, pwsh_quote};

const CORPUS: &str = include_str!("../../tests/fixtures/hostile-values.txt");

/// The variable every rendered snippet sets.
const VAR: &str = "AWSSO_ROUNDTRIP";
/// A variable every snippet unsets: present in the environment the first time, already gone afterwards, so both
/// cases of each shell's unset statement are exercised.
const GONE: &str = "AWSSO_ROUNDTRIP_GONE";

/// The corpus: one JSON string per line; blank lines and `#` comments are skipped.
fn corpus() -> Vec<String> {
    let values: Vec<String> = CORPUS
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("corpus line {l:?} is not a JSON string: {e}")))
        .collect();
    assert!(values.len() >= 100, "the corpus shrank to {} values", values.len());
    values
}

/// The absolute path of a shell, or a panic that says how to install it: a missing shell fails, never skips.
/// nu comes from the npm registry into the project's `.tools/bin` (scripts/setup-tests).
fn require(program: &str) -> PathBuf {
    let tools = Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/bin");
    [
        tools.as_path(),
        Path::new("/usr/local/bin"),
        Path::new("/usr/bin"),
        Path::new("/bin"),
    ]
    .iter()
    .map(|dir| dir.join(program))
    .find(|p| p.exists())
    .unwrap_or_else(|| panic!("`{program}` is not installed; run scripts/setup-tests (real-shell tests never skip)"))
}

fn render_set(shell: Shell, value: &str) -> String {
    shell.render(&EnvChanges {
        set: vec![(VAR, value.to_owned())],
        unset: vec![GONE],
    })
}

/// Evaluate each snippet in turn in one `shell` process, the way `eval "$(awsso use …)"` and `awsso use … | source`
/// do, writing what `VAR` then holds to `<dir>/<index>`. bash and zsh run with `-e -u`, so a snippet that fails
/// stops the script and the missing file shows which one; fish has no `-e`, so its script checks the status itself.
fn eval_each(shell: Shell, snippets: &[String], dir: &Path) -> Output {
    let posix = format!(
        r#"dir=$1; shift; i=0
for code in "$@"; do
    eval "$code"
    if [ -n "${{{GONE}+set}}" ]; then echo "{GONE} is still set" >&2; exit 96; fi
    printf %s "${VAR}" >"$dir/$i"
    i=$((i + 1))
done"#
    );
    // `count` guards against a value that fish split into several list elements.
    let fish = format!(
        r#"set dir $argv[1]; set -e argv[1]; set i 0
for code in $argv
    printf %s $code | source; or exit 97
    if set -q {GONE}; echo "{GONE} is still set" >&2; exit 96; end
    if test (count ${VAR}) -ne 1; echo "{VAR} has "(count ${VAR})" elements" >&2; exit 95; end
    printf %s ${VAR} >$dir/$i
    set i (math $i + 1)
end"#
    );
    // The data path exactly as the wrapper from `awsso init nu` takes it: `from json`, `hide-env`, `load-env`.
    let nu = format!(
        r"def main [dir: string, ...snippets: string] {{
    for it in ($snippets | enumerate) {{
        let changes = ($it.item | from json)
        hide-env --ignore-errors ...$changes.unset
        load-env $changes.set
        if '{GONE}' in $env {{ print -e '{GONE} is still set'; exit 96 }}
        $env.{VAR} | save --raw ($dir | path join ($it.index | into string))
    }}
}}"
    );
    let program = require(shell.name());
    let mut cmd = Command::new(&program);
    match shell {
        Shell::Bash => cmd.args(["--norc", "--noprofile", "-euo", "pipefail", "-c", &posix, "bash"]),
        Shell::Zsh => cmd.args(["-f", "-e", "-u", "-o", "pipefail", "-c", &posix, "zsh"]),
        Shell::Fish => cmd.args(["--no-config", "-c", &fish]),
        Shell::Nu => {
            let script = dir.join("roundtrip.nu");
            std::fs::write(&script, &nu).expect("write the nu script");
            cmd.args([Path::new("--no-config-file"), &script])
        }
        Shell::Powershell => unreachable!("PowerShell is checked by parsing, not running"),
    };
    cmd.arg(dir).args(snippets);
    // A clean environment and a scratch working directory: nothing from the developer's shell leaks in, and a
    // value that manages to run `touch pwned` leaves a file the caller looks for.
    cmd.env_clear()
        .env("HOME", dir)
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("LANG", "C.UTF-8")
        .env(GONE, "present")
        .current_dir(dir);
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()))
}

fn round_trip(shell: Shell) {
    let values = corpus();
    let snippets: Vec<String> = values.iter().map(|v| render_set(shell, v)).collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let out = eval_each(shell, &snippets, dir.path());
    let mut failures = Vec::new();
    for (i, value) in values.iter().enumerate() {
        match std::fs::read(dir.path().join(i.to_string())) {
            Ok(bytes) if bytes == value.as_bytes() => {}
            Ok(bytes) => failures.push(format!(
                "#{i} {value:?} read back as {:?}\n  code: {:?}",
                String::from_utf8_lossy(&bytes),
                snippets[i]
            )),
            Err(_) => {
                failures.push(format!(
                    "#{i} {value:?}: the shell stopped here\n  code: {:?}",
                    snippets[i]
                ));
                break;
            }
        }
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        failures.is_empty() && out.status.success() && stderr.is_empty(),
        "{}: {} of {} values failed ({}, stderr {stderr:?}):\n{}",
        shell.name(),
        failures.len(),
        values.len(),
        out.status,
        failures.join("\n")
    );
    assert!(
        !dir.path().join("pwned").exists(),
        "{}: a value ran a command",
        shell.name()
    );
}

#[test]
fn bash_reads_back_every_hostile_value() {
    round_trip(Shell::Bash);
}

#[cfg(feature = "real-tools")]
#[test]
fn zsh_reads_back_every_hostile_value() {
    round_trip(Shell::Zsh);
}

#[cfg(feature = "real-tools")]
#[test]
fn fish_reads_back_every_hostile_value() {
    round_trip(Shell::Fish);
}

#[test]
fn nu_reads_back_every_hostile_value() {
    round_trip(Shell::Nu);
}

/// PowerShell's verbatim-string rule (`Tokenizer.ScanStringLiteral`): any of `'` U+2018..U+201B ends the string
/// unless another of them follows, in which case the pair stands for the second. `None` when `literal` is not
/// exactly one such string.
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
            // The string closed before the literal did: the rest would be parsed as more code.
            Some(_) => return None,
        }
    }
    None
}

/// Parse `code` with tree-sitter-powershell; panic on any ERROR or MISSING node, else return the text of every
/// node of each kind in `kinds`, in document order.
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
            "PowerShell grammar: {} at {:?} in {code:?}\n{}",
            if node.is_error() { "ERROR" } else { "MISSING" },
            node.start_position(),
            tree.root_node().to_sexp()
        );
        if let Some(kind) = kinds.iter().find(|k| **k == node.kind()) {
            found.push((*kind, &code[node.byte_range()]));
        }
        let mut cursor = node.walk();
        // Reversed so that popping the stack visits children in document order.
        let children: Vec<_> = node.children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    assert!(!tree.root_node().has_error(), "{code:?}");
    found
}

#[test]
fn powershell_output_parses_and_decodes_for_every_hostile_value() {
    let kinds = [
        "verbatim_string_characters",
        "expandable_string_literal",
        "verbatim_here_string_characters",
        "expandable_here_string_literal",
        "variable",
        "sub_expression",
    ];
    for value in corpus() {
        let code = render_set(Shell::Powershell, &value);
        let nodes = pwsh_parse(&code, &kinds);
        // One verbatim literal and no expansion anywhere: the only variable is the one being assigned.
        let want_var = format!("$Env:{VAR}");
        assert!(
            matches!(nodes.as_slice(), [("variable", var), ("verbatim_string_characters", _)] if *var == want_var),
            "{value:?}: unexpected nodes {nodes:?} in {code:?}"
        );
        let literal = nodes[1].1;
        assert_eq!(pwsh_decode_verbatim(literal).as_deref(), Some(&*value), "{literal:?}");
    }
}

#[test]
fn pwsh_decoder_follows_powershell() {
    assert_eq!(pwsh_decode_verbatim("''").as_deref(), Some(""));
    assert_eq!(pwsh_decode_verbatim("'it''s'").as_deref(), Some("it's"));
    // Any two quote characters are one escaped quote (the second); a lone one closes the string.
    assert_eq!(pwsh_decode_verbatim("'a\u{2019}'b'").as_deref(), Some("a'b"));
    assert_eq!(pwsh_decode_verbatim("'a\u{2019}b'"), None);
    assert_eq!(pwsh_decode_verbatim("\u{2018}x\u{2019}").as_deref(), Some("x"));
    assert_eq!(pwsh_decode_verbatim("'open"), None);
    assert_eq!(pwsh_decode_verbatim("x"), None);
}

#[test]
fn pwsh_quoting_more_cases() {
    for (raw, quoted) in [
        // Nothing but the five quote characters is special: `$`, backticks, `"` and newlines stay as they are.
        ("$(Get-Item x) ${env:PATH} `$x", "'$(Get-Item x) ${env:PATH} `$x'"),
        (
            "\"double\" \u{201c}typographic\u{201d}",
            "'\"double\" \u{201c}typographic\u{201d}'",
        ),
        ("line\r\nbreak", "'line\r\nbreak'"),
        ("@'\n'@", "'@''\n''@'"),
        ("'\u{2019}\u{2018}", "'''\u{2019}\u{2019}\u{2018}\u{2018}'"),
        ("a`", "'a`'"),
        ("--%", "'--%'"),
    ] {
        assert_eq!(pwsh_quote(raw), quoted, "{raw:?}");
        assert_eq!(pwsh_decode_verbatim(quoted).as_deref(), Some(raw), "{quoted:?}");
    }
}

#[test]
fn posix_quote_guards_a_leading_equals_sign() {
    // zsh would run equals expansion on these (`=ls` is `/usr/bin/ls`); `=` elsewhere in a word is inert.
    for (raw, quoted) in [
        ("=ls", "'=ls'"),
        ("=", "'='"),
        ("==", "'=='"),
        ("a=b", "a=b"),
        ("=it's", r"'=it'\''s'"),
    ] {
        assert_eq!(super::posix_quote(raw), quoted, "{raw:?}");
    }
}
