//! Everything that writes shell syntax. One quoting function per shell lives here; nothing else in awsso formats
//! shell code.
//!
//! Output is built as one `String` and written once by the caller, so a failure leaves stdout empty and
//! `eval "$(awsso use x)"` does nothing.

use std::borrow::Cow;

#[cfg(test)]
mod roundtrip_tests;

/// The shells awsso speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Shell {
    Bash,
    Zsh,
    Fish,
    #[value(alias = "pwsh")]
    Powershell,
    #[value(alias = "nushell")]
    Nu,
}

impl Shell {
    #[cfg(test)]
    pub(crate) fn name(self) -> &'static str {
        match self {
            Shell::Bash => "bash",
            Shell::Zsh => "zsh",
            Shell::Fish => "fish",
            Shell::Powershell => "powershell",
            Shell::Nu => "nu",
        }
    }

    /// A shell from a name such as `AWSSO_SHELL` or the basename of `$SHELL` (`/usr/bin/zsh`, `pwsh.exe`).
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
        let base = base.strip_suffix(".exe").unwrap_or(base);
        match base {
            "bash" | "sh" => Some(Shell::Bash),
            "zsh" => Some(Shell::Zsh),
            "fish" => Some(Shell::Fish),
            "powershell" | "pwsh" => Some(Shell::Powershell),
            "nu" | "nushell" => Some(Shell::Nu),
            _ => None,
        }
    }

    /// Quote `value` as one word that the shell reads back byte for byte.
    pub(crate) fn quote(self, value: &str) -> Cow<'_, str> {
        match self {
            Shell::Bash | Shell::Zsh => posix_quote(value),
            Shell::Fish => Cow::Owned(fish_quote(value)),
            Shell::Powershell => Cow::Owned(pwsh_quote(value)),
            Shell::Nu => Cow::Owned(nu_quote(value)),
        }
    }

    /// Shell code that applies `changes`: every unset first, then every set, one statement per line. For nu, which
    /// has no `eval`, data instead: see [`nu_data`].
    pub(crate) fn render(self, changes: &EnvChanges) -> String {
        if self == Shell::Nu {
            return nu_data(changes);
        }
        let mut lines: Vec<String> = Vec::with_capacity(changes.unset.len() + changes.set.len());
        for name in &changes.unset {
            debug_assert!(is_var_name(name));
            lines.push(match self {
                Shell::Bash | Shell::Zsh => format!("unset {name};"),
                // `set -e` of a missing variable fails; guarding it keeps the status of `eval` zero.
                Shell::Fish => format!("if set -q {name}; set -e {name}; end;"),
                Shell::Powershell => format!("Remove-Item -Path Env:{name} -ErrorAction Ignore;"),
                Shell::Nu => unreachable!("nu gets data"),
            });
        }
        for (name, value) in &changes.set {
            debug_assert!(is_var_name(name));
            let q = self.quote(value);
            lines.push(match self {
                Shell::Bash | Shell::Zsh => format!("export {name}={q};"),
                Shell::Fish => format!("set -gx {name} {q};"),
                Shell::Powershell => format!("$Env:{name} = {q};"),
                Shell::Nu => unreachable!("nu gets data"),
            });
        }
        let mut out = lines.join("\n");
        out.push('\n');
        out
    }
}

impl Shell {
    /// The per-directory hook's output: `changes`, then the hook's memory in the shell variable `__awsso_dir_state`
    /// (nu: `$env.__awsso_dir_state`, a record), or its removal when `state` is `None`. That variable is never
    /// exported (nu passes no record to a child): it holds the values a switch replaced, credentials included,
    /// and the shell hands it to awsso alone, as `AWSSO_DIR_STATE`, for the next directory change.
    pub(crate) fn render_hook(self, changes: &EnvChanges, state: Option<&str>) -> String {
        if self == Shell::Nu {
            let state = state.and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok());
            return nu_record(changes, state.unwrap_or(serde_json::Value::Null));
        }
        let mut out = self.render(changes);
        let line = match (self, state) {
            (Shell::Bash | Shell::Zsh, Some(s)) => format!("__awsso_dir_state={};", self.quote(s)),
            (Shell::Bash | Shell::Zsh, None) => "unset __awsso_dir_state;".to_owned(),
            (Shell::Fish, Some(s)) => format!("set -g __awsso_dir_state {};", self.quote(s)),
            (Shell::Fish, None) => "set -e -g __awsso_dir_state 2>/dev/null; true;".to_owned(),
            (Shell::Powershell, Some(s)) => format!("$global:__awsso_dir_state = {};", self.quote(s)),
            (Shell::Powershell, None) => "$global:__awsso_dir_state = $null;".to_owned(),
            (Shell::Nu, _) => unreachable!("handled above"),
        };
        out.push_str(&line);
        out.push('\n');
        out
    }
}

/// nu: a JSON record `{"set": {NAME: value, …}, "unset": [NAME, …]}` on one line, which the wrapper from `awsso
/// init nu` applies with `hide-env` and `load-env` (protocol.md §15.1). nu has no `eval`, and data needs none: no
/// value is ever read as nu code, so no value can be misquoted.
fn nu_data(changes: &EnvChanges) -> String {
    nu_record(changes, serde_json::Value::Null)
}

/// The record for nu; `state` goes in under `state` when it is not null (the directory hook's memory).
fn nu_record(changes: &EnvChanges, state: serde_json::Value) -> String {
    let set: serde_json::Map<String, serde_json::Value> = changes
        .set
        .iter()
        .map(|(name, value)| ((*name).to_owned(), serde_json::Value::from(value.as_str())))
        .collect();
    let mut data = serde_json::json!({ "set": set, "unset": changes.unset });
    if !state.is_null() {
        data["state"] = state;
    }
    let mut out = data.to_string();
    out.push('\n');
    out
}

/// Environment changes to print: variables to set (in order) and to remove.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct EnvChanges {
    pub(crate) set: Vec<(&'static str, String)>,
    pub(crate) unset: Vec<&'static str>,
}

fn is_var_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// bash and zsh: `shell-escape` single-quotes anything unsafe (`'` becomes `'\''`, `!` becomes `'\!'` so history
/// expansion never sees it). An empty value becomes `''`.
pub(crate) fn posix_quote(value: &str) -> Cow<'_, str> {
    match shell_escape::unix::escape(Cow::Borrowed(value)) {
        // shell-escape leaves `=` bare, but zsh expands a word that starts with an unquoted `=` (option EQUALS, on
        // by default): `export X==ls` sets X to `/usr/bin/ls`, and `=nosuchcmd` is an error. A bare value holds
        // only characters shell-escape deems safe (no `'`), so plain single quotes suffice.
        Cow::Borrowed(bare) if bare.starts_with('=') => Cow::Owned(format!("'{bare}'")),
        quoted => quoted,
    }
}

/// fish: inside single quotes only `\\` and `\'` are escapes (fish-shell docs, "Quotes"), and newlines are literal.
pub(crate) fn fish_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if matches!(c, '\\' | '\'') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// PowerShell: a verbatim single-quoted string, where the only escape is doubling the quote. PowerShell also treats
/// the typographic quotes U+2018..U+201B as single quotes (`about_Quoting_Rules`), so those are doubled too.
pub(crate) fn pwsh_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// nu: a raw string, `r#'…'#`, with one `#` more than the longest run of `#` after a `'` in the value, so nothing
/// inside can close it and nothing is an escape (nu book, "Working with strings": raw strings).
pub(crate) fn nu_quote(value: &str) -> String {
    let mut hashes = 1;
    let bytes = value.as_bytes();
    for (i, _) in value.match_indices('\'') {
        let run = bytes[i + 1..].iter().take_while(|&&b| b == b'#').count();
        hashes = hashes.max(run + 1);
    }
    let fence = "#".repeat(hashes);
    format!("r{fence}'{value}'{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posix_quoting_table() {
        for (raw, quoted) in [
            ("plain-ok_1.2/x", "plain-ok_1.2/x"),
            ("", "''"),
            ("a b", "'a b'"),
            ("it's", r"'it'\''s'"),
            ("wow!", r"'wow'\!''"),
            ("$(id)", "'$(id)'"),
        ] {
            assert_eq!(posix_quote(raw), quoted, "{raw:?}");
        }
    }

    #[test]
    fn fish_quoting_table() {
        for (raw, quoted) in [
            ("", "''"),
            ("a'b", r"'a\'b'"),
            (r"a\b", r"'a\\b'"),
            ("$x (y)", "'$x (y)'"),
            ("a\nb", "'a\nb'"),
        ] {
            assert_eq!(fish_quote(raw), quoted, "{raw:?}");
        }
    }

    #[test]
    fn pwsh_quoting_table() {
        for (raw, quoted) in [
            ("", "''"),
            ("it's", "'it''s'"),
            ("$Env:HOME `n", "'$Env:HOME `n'"),
            ("\u{2019}smart\u{2018}", "'\u{2019}\u{2019}smart\u{2018}\u{2018}'"),
            ("\u{201a}\u{201b}\"", "'\u{201a}\u{201a}\u{201b}\u{201b}\"'"),
        ] {
            assert_eq!(pwsh_quote(raw), quoted, "{raw:?}");
        }
    }

    #[test]
    fn nu_quoting_table() {
        for (raw, quoted) in [
            ("", "r#''#"),
            ("/opt/a b/awsso", "r#'/opt/a b/awsso'#"),
            ("it's", "r#'it's'#"),
            ("a'#b", "r##'a'#b'##"),
            ("x'###", "r####'x'###'####"),
            ("$(x) \\ \"", "r#'$(x) \\ \"'#"),
        ] {
            assert_eq!(nu_quote(raw), quoted, "{raw:?}");
        }
    }

    #[test]
    fn nu_gets_data() {
        let changes = EnvChanges {
            set: vec![("AWS_PROFILE", "a'b\"\n".into())],
            unset: vec!["AWS_SESSION_TOKEN"],
        };
        assert_eq!(
            Shell::Nu.render(&changes),
            "{\"set\":{\"AWS_PROFILE\":\"a'b\\\"\\n\"},\"unset\":[\"AWS_SESSION_TOKEN\"]}\n"
        );
    }

    #[test]
    fn hook_output_keeps_its_state_in_a_shell_variable() {
        let changes = EnvChanges {
            set: vec![("AWS_PROFILE", "p".into())],
            unset: vec![],
        };
        let state = r#"{"noticed":["ab"]}"#;
        assert_eq!(
            Shell::Bash.render_hook(&changes, Some(state)),
            "export AWS_PROFILE=p;\n__awsso_dir_state='{\"noticed\":[\"ab\"]}';\n"
        );
        assert!(
            Shell::Fish
                .render_hook(&changes, None)
                .ends_with("set -e -g __awsso_dir_state 2>/dev/null; true;\n")
        );
        assert_eq!(
            Shell::Nu.render_hook(&changes, Some(state)),
            "{\"set\":{\"AWS_PROFILE\":\"p\"},\"state\":{\"noticed\":[\"ab\"]},\"unset\":[]}\n"
        );
        assert_eq!(
            Shell::Nu.render_hook(&changes, None),
            "{\"set\":{\"AWS_PROFILE\":\"p\"},\"unset\":[]}\n"
        );
    }

    #[test]
    fn shell_names() {
        assert_eq!(Shell::from_name("/usr/bin/zsh"), Some(Shell::Zsh));
        assert_eq!(Shell::from_name("pwsh.exe"), Some(Shell::Powershell));
        assert_eq!(Shell::from_name("C:\\x\\powershell.exe"), Some(Shell::Powershell));
        assert_eq!(Shell::from_name("/usr/local/bin/nu"), Some(Shell::Nu));
        assert_eq!(Shell::from_name("tcsh"), None);
    }

    #[test]
    fn renders_unsets_before_sets() {
        let changes = EnvChanges {
            set: vec![("AWS_PROFILE", "a b".into())],
            unset: vec!["AWS_SESSION_TOKEN"],
        };
        assert_eq!(
            Shell::Bash.render(&changes),
            "unset AWS_SESSION_TOKEN;\nexport AWS_PROFILE='a b';\n"
        );
        assert_eq!(
            Shell::Fish.render(&changes),
            "if set -q AWS_SESSION_TOKEN; set -e AWS_SESSION_TOKEN; end;\nset -gx AWS_PROFILE 'a b';\n"
        );
        assert_eq!(
            Shell::Powershell.render(&changes),
            "Remove-Item -Path Env:AWS_SESSION_TOKEN -ErrorAction Ignore;\n$Env:AWS_PROFILE = 'a b';\n"
        );
    }
}
