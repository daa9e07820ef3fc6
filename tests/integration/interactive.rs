//! `awsso init SHELL` in real shells: interactive bash, zsh and fish sessions driven through tmux (a private server
//! per test, killed on drop), plus the strict-mode, completion and lint checks that need no terminal.
//!
//! Each session's rc file sets a known prompt, `STATUS $ ` (the last status, as the prompt and other prompt hooks
//! see it), and then loads the init script from the built binary, exactly as a user's rc file would; awsso adds its
//! segment in front. Every step types a line, presses Enter and polls `tmux capture-pane` until the next prompt is
//! drawn, so nothing depends on fixed sleeps.

#[cfg(feature = "real-tools")]
use std::path::PathBuf;
#[cfg(feature = "real-tools")]
use std::process::Command;
use std::process::Output;
#[cfg(feature = "real-tools")]
use std::time::Duration;
#[cfg(feature = "real-tools")]
use std::time::Instant;

use crate::util::{AWSSO, Sandbox, require, stderr, stdout};

#[cfg(feature = "real-tools")]
/// How long one step may take before the test fails with the pane's contents.
const DEADLINE: Duration = Duration::from_secs(10);

const CONFIG: &str = "\
[default]
region = us-east-1

[sso-session corp]
sso_start_url = https://d-0000000000.awsapps.com/start
sso_region = us-east-1

[profile p]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin

[profile dev-admin]
sso_session = corp
sso_account_id = 222222222222
sso_role_name = DevAccess

[profile plain]
region = us-west-2
";

const CREDENTIALS: &str = "\
[creds-only]
aws_access_key_id = AKIAEXAMPLE
aws_secret_access_key = example
";

/// Every profile in `CONFIG` and `CREDENTIALS`, in file order.
const PROFILES: [&str; 5] = ["default", "p", "dev-admin", "plain", "creds-only"];

#[cfg(feature = "real-tools")]
/// What the prompt segment starts with while `p` is active; the time left follows.
const SEGMENT: &str = "p 111111111111/Admin ";

#[cfg(feature = "real-tools")]
/// Fragments of what awsso prints (shell code for every shell, and the segment) that no shell variable may hold.
const FRAGMENTS: [&str; 5] = [
    "export AWS_",
    "unset AWS_",
    "set -gx AWS_",
    "set -e AWS_",
    "111111111111/Admin",
];

/// A sandbox with `CONFIG`, `CREDENTIALS` and a token for session `corp` that is valid for three hours.
pub(crate) fn sandbox() -> Sandbox {
    let sb = Sandbox::with_config(CONFIG);
    sb.write(".aws/credentials", CREDENTIALS);
    sb.write_token("corp", 3 * 3600, false);
    sb
}

#[cfg(feature = "real-tools")]
pub(crate) fn add_profile(sb: &Sandbox, name: &str) {
    let config = std::fs::read_to_string(sb.path(".aws/config")).unwrap();
    sb.write(
        ".aws/config",
        format!("{config}\n[profile {name}]\nregion = eu-west-1\n"),
    );
}

/// `value` as one single-quoted word for bash and zsh.
pub(crate) fn posix_word(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

#[cfg(feature = "real-tools")]
/// `value` as one single-quoted word for fish.
fn fish_word(value: &str) -> String {
    format!("'{}'", value.replace('\\', r"\\").replace('\'', r"\'"))
}

fn assert_ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what}: {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        stdout(out),
        stderr(out)
    );
}

/// `awsso init ARGS`, checked.
fn init(sb: &Sandbox, args: &[&str]) -> String {
    let mut all = vec!["init"];
    all.extend(args);
    let out = sb.run(&all);
    assert_ok(&out, &format!("awsso {all:?}"));
    stdout(&out)
}

// ---------------------------------------------------------------------------------------------------------------
// tmux

#[cfg(feature = "real-tools")]
/// A tmux server on a socket inside the sandbox, with one session `t` running a shell in a 200x50 window.
/// Dropping it kills the server, also when a test panics.
pub(crate) struct Tmux {
    program: PathBuf,
    socket: PathBuf,
    shell: &'static str,
}

#[cfg(feature = "real-tools")]
impl Tmux {
    /// Start `shell ARGS` in a new detached session. The server inherits the sandbox's cleared environment plus
    /// `envs`.
    pub(crate) fn start(sb: &Sandbox, shell: &'static str, envs: &[(&str, String)], args: &[&str]) -> Self {
        let tmux = Self {
            program: require("tmux"),
            socket: sb.path("tmux.sock"),
            shell,
        };
        let mut cmd = sb.command(&tmux.program);
        cmd.arg("-S").arg(&tmux.socket).args(["-f", "/dev/null"]);
        cmd.args(["new-session", "-d", "-s", "t", "-x", "200", "-y", "50"]);
        cmd.arg(require(shell)).args(args);
        for (k, v) in envs {
            cmd.env(k, v);
        }
        assert_ok(&cmd.output().expect("run tmux"), "tmux new-session");
        tmux
    }

    fn tmux(&self, args: &[&str]) -> Output {
        Command::new(&self.program)
            .env_clear()
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux")
    }

    /// Type `text` literally.
    pub(crate) fn type_text(&self, text: &str) {
        assert_ok(&self.tmux(&["send-keys", "-t", "t", "-l", text]), "tmux send-keys");
    }

    /// Press a key (tmux key name: `Enter`, `Tab`, `C-u`).
    pub(crate) fn key(&self, key: &str) {
        assert_ok(&self.tmux(&["send-keys", "-t", "t", key]), "tmux send-keys");
    }

    /// The pane and its history, wrapped lines joined, trailing blanks removed.
    pub(crate) fn lines(&self) -> Vec<String> {
        let out = self.tmux(&["capture-pane", "-p", "-J", "-S", "-", "-E", "-", "-t", "t"]);
        assert_ok(
            &out,
            &format!("{}: tmux capture-pane (did the shell exit?)", self.shell),
        );
        let mut lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| l.trim_end().to_owned())
            .collect();
        while lines.last().is_some_and(String::is_empty) {
            lines.pop();
        }
        lines
    }

    /// Poll the pane until `done` accepts it; fail with the pane after `DEADLINE`.
    pub(crate) fn wait_for(&self, what: &str, mut done: impl FnMut(&[String]) -> bool) -> Vec<String> {
        let start = Instant::now();
        loop {
            let lines = self.lines();
            if done(&lines) {
                return lines;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "{}: no {what} within {DEADLINE:?}; the pane:\n{}",
                self.shell,
                lines.join("\n")
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Wait for the first prompt.
    pub(crate) fn first_prompt(&self) -> Prompt {
        let lines = self.wait_for("first prompt", |l| l.last().and_then(|p| Prompt::parse(p)).is_some());
        Prompt::parse(lines.last().unwrap()).unwrap()
    }

    /// Type `line`, press Enter and wait for the next prompt: what the command printed, and that prompt.
    pub(crate) fn run(&self, line: &str) -> Step {
        let before = self.lines();
        assert!(
            before.last().and_then(|p| Prompt::parse(p)).is_some(),
            "{}: not at a prompt before `{line}`:\n{}",
            self.shell,
            before.join("\n")
        );
        let n = before.len();
        self.type_text(line);
        self.key("Enter");
        let lines = self.wait_for(&format!("prompt after `{line}`"), |l| {
            l.len() > n && l.last().and_then(|p| Prompt::parse(p)).is_some()
        });
        assert!(
            lines[n - 1].ends_with(line),
            "{}: the command line should read `{line}`:\n{}",
            self.shell,
            lines.join("\n")
        );
        Step {
            shell: self.shell,
            cmd: line.to_owned(),
            output: lines[n..lines.len() - 1].to_vec(),
            prompt: Prompt::parse(lines.last().unwrap()).unwrap(),
        }
    }
}

#[cfg(feature = "real-tools")]
impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new(&self.program)
            .env_clear()
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
    }
}

#[cfg(feature = "real-tools")]
/// A prompt as the rc files set it up (trailing blanks trimmed): `[SEGMENT ]STATUS $`, where STATUS is the last
/// command's status as every place that shows it sees it, joined with `/` (see `start`).
#[derive(Debug)]
pub(crate) struct Prompt {
    pub(crate) line: String,
    /// Everything before the status: empty, or what `awsso prompt` printed.
    pub(crate) segment: String,
    pub(crate) statuses: Vec<i32>,
}

#[cfg(feature = "real-tools")]
impl Prompt {
    /// `None` for anything else, such as command output. The segment's form is checked by `Step::expect`, so a
    /// doubled or broken segment fails with a clear message rather than a timeout.
    pub(crate) fn parse(line: &str) -> Option<Self> {
        let rest = line.strip_suffix(" $")?;
        let (segment, status) = rest.rsplit_once(' ').unwrap_or(("", rest));
        if !segment.is_empty() && !segment.starts_with("p ") {
            return None;
        }
        let statuses = status
            .split('/')
            .map(|s| s.parse().ok())
            .collect::<Option<Vec<i32>>>()?;
        Some(Self {
            line: line.to_owned(),
            segment: segment.to_owned(),
            statuses,
        })
    }

    /// Whether this is the segment of profile `p` exactly once: `p 111111111111/Admin 2h59m`.
    pub(crate) fn has_segment(&self) -> bool {
        self.segment.strip_prefix(SEGMENT).is_some_and(|ttl| {
            ttl.ends_with('m') && ttl.contains('h') && ttl.chars().all(|c| c.is_ascii_digit() || "hm".contains(c))
        })
    }
}

#[cfg(feature = "real-tools")]
pub(crate) struct Step {
    shell: &'static str,
    cmd: String,
    pub(crate) output: Vec<String>,
    pub(crate) prompt: Prompt,
}

#[cfg(feature = "real-tools")]
impl Step {
    /// The command printed `output`; the next prompt shows the segment of `p` exactly once (or no segment), and
    /// `status` everywhere the prompt shows the status.
    pub(crate) fn expect(&self, output: &[&str], segment: bool, status: i32) {
        let (sh, cmd) = (self.shell, &self.cmd);
        assert_eq!(self.output, output, "{sh}: output of `{cmd}`");
        if segment {
            assert!(
                self.prompt.has_segment(),
                "{sh}: no segment after `{cmd}`: {:?}",
                self.prompt.line
            );
        } else {
            assert_eq!(
                self.prompt.segment, "",
                "{sh}: a segment after `{cmd}`: {:?}",
                self.prompt.line
            );
        }
        assert!(
            self.prompt.statuses.iter().all(|&s| s == status),
            "{sh}: the prompt after `{cmd}` should show status {status}: {:?}",
            self.prompt.line
        );
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Interactive sessions

#[cfg(feature = "real-tools")]
/// How to drive one shell.
struct Spec {
    name: &'static str,
    /// Prints `AWS_PROFILE=<value>`, empty when unset.
    show_profile: &'static str,
    /// Prints `st=<status of the previous command>`.
    show_status: &'static str,
    /// A command that exits 3.
    exit_3: &'static str,
    /// Writes every shell variable with its value to `~/vars.txt`.
    dump_vars: &'static str,
    /// What the variable dump must contain: the active profile, and the prompt's substitution (not its value).
    dump_has: &'static [&'static str],
    /// Sources the init script again, and then the whole rc file again.
    resource: [&'static str; 2],
    /// After sourcing twice: (command, text its output holds exactly once).
    once: &'static [(&'static str, &'static str)],
}

#[cfg(feature = "real-tools")]
const BASH: Spec = Spec {
    name: "bash",
    show_profile: r#"echo "AWS_PROFILE=${AWS_PROFILE-}""#,
    show_status: r#"echo "st=$?""#,
    exit_3: "(exit 3)",
    dump_vars: r#"declare -p > "$HOME/vars.txt""#,
    dump_has: &[r#"declare -x AWS_PROFILE="p""#, r#"PS1="\$(__awsso_ps1)"#],
    resource: [r#"eval "$(awsso init bash)""#, "source ~/.bashrc"],
    once: &[
        (r#"echo "pc=$PROMPT_COMMAND""#, "__awsso_hook"),
        (r#"echo "ps1=$PS1""#, "__awsso_ps1"),
    ],
};

#[cfg(feature = "real-tools")]
const ZSH: Spec = Spec {
    name: "zsh",
    show_profile: r#"print -r -- "AWS_PROFILE=${AWS_PROFILE-}""#,
    show_status: r#"echo "st=$?""#,
    exit_3: "(exit 3)",
    dump_vars: r#"typeset > "$HOME/vars.txt""#,
    dump_has: &["AWS_PROFILE=p", "PROMPT='$(__awsso_ps1)"],
    resource: [r#"eval "$(awsso init zsh)""#, r#"source "$ZDOTDIR/.zshrc""#],
    once: &[
        (r#"print -r -- "pc=$precmd_functions""#, "__awsso_precmd"),
        (r#"print -r -- "ps1=$PROMPT""#, "__awsso_ps1"),
    ],
};

#[cfg(feature = "real-tools")]
const FISH: Spec = Spec {
    name: "fish",
    show_profile: r#"echo "AWS_PROFILE=$AWS_PROFILE""#,
    show_status: "echo st=$status",
    exit_3: "sh -c 'exit 3'",
    // Not plain `set`: it escapes spaces in values, which would hide a fragment such as `set -gx AWS_`.
    dump_vars: r"for __v in (set --names); printf '%s=%s\n' $__v $$__v; end > $HOME/vars.txt",
    dump_has: &["AWS_PROFILE=p"],
    resource: ["awsso init fish | source", "source ~/.config/fish/config.fish"],
    // The wrapper calls `__awsso_return` once; were it wrapped twice, the original prompt would call it too.
    once: &[("functions fish_prompt __awsso_original_fish_prompt", "__awsso_return $")],
};

#[cfg(feature = "real-tools")]
/// Write the rc file for `spec` and start the shell in tmux.
///
/// Each rc file sets a prompt that shows the last status the way users' prompts do, and what a prompt hook that
/// runs after awsso's sees, so the prompt reads `STATUS/STATUS $` and awsso adds its segment in front:
/// bash `$?` in PS1 after `$(__awsso_ps1)` and a `PROMPT_COMMAND` that was there before init; zsh `%?` and `$?`
/// and a precmd function added after init; fish `$status`. zsh also loads its completion system first.
fn start(sb: &Sandbox, spec: &Spec) -> Tmux {
    let home = sb.home().to_str().unwrap().to_owned();
    let exe = AWSSO;
    match spec.name {
        "bash" => {
            // `set -u` last: the hook and the wrapper must be clean under nounset at every prompt too.
            let q = posix_word(exe);
            sb.write(
                ".bashrc",
                format!("PROMPT_COMMAND='__st=$?'\nPS1='$?/$__st $ '\neval \"$({q} init bash)\"\nset -u\n"),
            );
            Tmux::start(
                sb,
                "bash",
                &[],
                &["--noprofile", "--rcfile", &format!("{home}/.bashrc"), "-i"],
            )
        }
        "zsh" => {
            let q = posix_word(exe);
            sb.write(
                ".zshrc",
                format!(
                    "setopt prompt_subst\nPS1='%?/$?/$__st $ '\n\
                     autoload -Uz compinit && compinit -u -d \"$ZDOTDIR/.zcompdump\"\n\
                     eval \"$({q} init zsh)\"\n\
                     __user_precmd() {{ __st=$? }}\nadd-zsh-hook precmd __user_precmd\n\
                     setopt no_unset\n"
                ),
            );
            // -d: no global rc files, so the sandbox's .zshrc is the whole setup.
            Tmux::start(sb, "zsh", &[("ZDOTDIR", home)], &["-d", "-i"])
        }
        "fish" => {
            let q = fish_word(exe);
            sb.write(
                ".config/fish/config.fish",
                format!(
                    "set -g fish_greeting ''\nset -g fish_autosuggestion_enabled 0\n\
                     function fish_prompt\n    printf '%s $ ' $status\nend\n{q} init fish | source\n"
                ),
            );
            Tmux::start(sb, "fish", &[], &["-i"])
        }
        other => unreachable!("{other}"),
    }
}

#[cfg(feature = "real-tools")]
/// The acceptance scenario for one shell: segment after `use`, gone after `unset`; `$?` survives the hooks; no
/// variable holds awsso's output; sourcing the init (and the whole rc file) again changes nothing.
fn session(spec: &Spec) {
    let sh = spec.name;
    let sb = sandbox();
    let t = start(&sb, spec);
    let first = t.first_prompt();
    assert!(
        first.segment.is_empty() && first.statuses.iter().all(|&s| s == 0),
        "{sh}: first prompt {first:?}"
    );

    t.run("awsso use p").expect(&[], true, 0);
    t.run(spec.show_profile).expect(&["AWS_PROFILE=p"], true, 0);

    // The hooks run `awsso prompt` (status 0) between the two commands; the status must still be the command's.
    t.run("false").expect(&[], true, 1);
    t.run(spec.show_status).expect(&["st=1"], true, 0);
    t.run(spec.exit_3).expect(&[], true, 3);
    t.run(spec.show_status).expect(&["st=3"], true, 0);

    // A prompt has been drawn with the segment: nothing may remember awsso's output.
    t.run(spec.dump_vars).expect(&[], true, 0);
    let vars = std::fs::read_to_string(sb.path("vars.txt")).unwrap();
    for fragment in FRAGMENTS {
        let holders: Vec<&str> = vars.lines().filter(|l| l.contains(fragment)).collect();
        assert!(
            holders.is_empty(),
            "{sh}: variables hold awsso output `{fragment}`: {holders:#?}"
        );
    }
    for has in spec.dump_has {
        assert!(
            vars.lines().any(|l| l.contains(has)),
            "{sh}: no `{has}` in the variables:\n{vars}"
        );
    }

    // Sourcing the init again, and the whole rc file again (which also resets the prompt), changes nothing.
    for cmd in spec.resource {
        t.run(cmd).expect(&[], true, 0);
    }
    for (cmd, needle) in spec.once {
        let step = t.run(cmd);
        let text = step.output.join("\n");
        assert_eq!(
            text.matches(needle).count(),
            1,
            "{sh}: `{needle}` once in the output of `{cmd}`:\n{text}"
        );
        step.expect(&step.output.iter().map(String::as_str).collect::<Vec<_>>(), true, 0);
    }
    t.run("false").expect(&[], true, 1);

    // The wrapper still works: unset, a failing use, and use again.
    t.run("awsso unset").expect(&[], false, 0);
    t.run(spec.show_profile).expect(&["AWS_PROFILE="], false, 0);
    let failed = t.run("awsso use nope");
    assert!(
        failed.output.iter().any(|l| l.contains("nope")),
        "{sh}: `awsso use nope` should say why: {:?}",
        failed.output
    );
    failed.expect(&failed.output.iter().map(String::as_str).collect::<Vec<_>>(), false, 2);
    t.run(spec.show_status).expect(&["st=2"], false, 0);
    t.run(spec.show_profile).expect(&["AWS_PROFILE="], false, 0);
    t.run("awsso use p").expect(&[], true, 0);
}

#[cfg(feature = "real-tools")]
#[test]
fn bash_interactive_session() {
    session(&BASH);
}

#[cfg(feature = "real-tools")]
#[test]
fn zsh_interactive_session() {
    session(&ZSH);
}

#[cfg(feature = "real-tools")]
#[test]
fn fish_interactive_session() {
    session(&FISH);
}

#[cfg(feature = "real-tools")]
/// Tab in a real line editor: a unique prefix completes from the config, a change to the config shows at once (no
/// cache), and an empty word lists every profile.
fn tab_completion(spec: &Spec) {
    let sh = spec.name;
    let sb = sandbox();
    let t = start(&sb, spec);
    t.first_prompt();

    let complete = |typed: &str, want: &str| {
        t.type_text(typed);
        t.key("Tab");
        t.wait_for(&format!("`{typed}` + Tab to give `{want}`"), |l| {
            l.last().is_some_and(|last| last.ends_with(&format!(" $ {want}")))
        });
        t.key("C-u");
        t.wait_for("an empty command line", |l| {
            l.last().and_then(|p| Prompt::parse(p)).is_some()
        });
    };
    complete("awsso use dev", "awsso use dev-admin");
    add_profile(&sb, "newprof");
    complete("awsso use ne", "awsso use newprof");

    // An empty word: the line editor lists every candidate (bash on the second Tab).
    let from = t.lines().len() - 1;
    t.type_text("awsso use ");
    t.key("Tab");
    if sh == "bash" {
        t.key("Tab");
    }
    let want: Vec<&str> = PROFILES.iter().copied().chain(["newprof"]).collect();
    t.wait_for("the list of every profile", |l| {
        let words: Vec<&str> = l[from..].iter().flat_map(|l| l.split_whitespace()).collect();
        want.iter().all(|w| words.contains(w))
    });
}

#[cfg(feature = "real-tools")]
#[test]
fn bash_tab_completes_profiles() {
    tab_completion(&BASH);
}

#[cfg(feature = "real-tools")]
#[test]
fn zsh_tab_completes_profiles() {
    tab_completion(&ZSH);
}

// ---------------------------------------------------------------------------------------------------------------
// Completion functions, called directly

/// Split completion output (`name` or `name<TAB>help` per line) into profile candidates and flags.
fn candidates(lines: &str) -> (Vec<String>, Vec<String>) {
    lines
        .lines()
        .map(|l| l.split('\t').next().unwrap().to_owned())
        .partition(|c| !c.starts_with('-'))
}

/// `PROFILES` with `extra` added at the end of the config file: config profiles come before credentials-only ones.
fn profiles_plus(extra: &[&str]) -> Vec<String> {
    let (config, credentials) = PROFILES.split_at(PROFILES.len() - 1);
    config
        .iter()
        .chain(extra)
        .chain(credentials)
        .map(|s| (*s).to_owned())
        .collect()
}

#[test]
fn bash_completion_function_lists_current_profiles() {
    let sb = sandbox();
    // Find the function `complete -p awsso` registered and call it as readline would for `awsso use <word>`.
    let script = format!(
        r#"eval "$({exe} init bash)"
spec=$(complete -p awsso)
fn=${{spec##*-F }}
fn=${{fn%% *}}
comp() {{
    COMP_WORDS=(awsso use "$1")
    COMP_CWORD=2
    COMP_LINE="awsso use $1"
    COMP_POINT=${{#COMP_LINE}}
    COMP_TYPE=9
    COMP_KEY=9
    COMPREPLY=()
    "$fn" awsso "$1" use
    printf '%s\n' "${{COMPREPLY[@]}}"
}}
comp ''
echo ===
comp p
echo ===
printf '\n[profile newprof]\nregion = eu-west-1\n' >> "$HOME/.aws/config"
comp ''
"#,
        exe = posix_word(AWSSO)
    );
    let out = sb
        .command(require("bash"))
        .args(["--norc", "--noprofile", "-c", &script])
        .output()
        .unwrap();
    assert_ok(&out, "bash completion");
    let text = stdout(&out);
    let parts: Vec<&str> = text.split("===\n").collect();
    assert_eq!(parts.len(), 3, "{text}");

    // An empty word gets every profile of the config and credentials files; clap adds the flags of `use` too.
    let (profiles, flags) = candidates(parts[0]);
    assert_eq!(profiles, profiles_plus(&[]), "{text}");
    assert!(flags.iter().all(|f| f.starts_with("--")), "{flags:?}");
    assert_eq!(candidates(parts[1]).0, ["p", "plain"], "{text}");
    // The config is read on every call: a profile added a moment ago is there.
    assert_eq!(candidates(parts[2]).0, profiles_plus(&["newprof"]), "{text}");
}

#[cfg(feature = "real-tools")]
#[test]
fn fish_complete_lists_current_profiles() {
    let sb = sandbox();
    let exe = fish_word(AWSSO);
    for (init_args, name) in [("", "awsso"), (" --cmd other", "other")] {
        let script = format!(
            "{exe} init fish{init_args} | source
complete -C '{name} use '
echo ===
complete -C '{name} use d'
echo ===
printf '\\n[profile newprof]\\nregion = eu-west-1\\n' >> $HOME/.aws/config
complete -C '{name} use '
"
        );
        sb.write(".aws/config", CONFIG);
        let out = sb
            .command(require("fish"))
            .args(["--no-config", "-c", &script])
            .output()
            .unwrap();
        assert_ok(&out, "fish completion");
        let text = stdout(&out);
        let parts: Vec<&str> = text.split("===\n").collect();
        assert_eq!(parts.len(), 3, "{text}");
        let (profiles, flags) = candidates(parts[0]);
        assert_eq!(profiles, profiles_plus(&[]), "{name}: {text}");
        assert!(flags.iter().all(|f| f.starts_with("--")), "{flags:?}");
        assert_eq!(candidates(parts[1]).0, ["default", "dev-admin"], "{name}: {text}");
        assert_eq!(candidates(parts[2]).0, profiles_plus(&["newprof"]), "{name}: {text}");
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Strict mode, lint and parse checks

/// The init variants: (extra arguments, the wrapper's name).
const VARIANTS: [(&[&str], &str); 5] = [
    (&[], "awsso"),
    (&["--no-prompt"], "awsso"),
    (&["--cmd", "other"], "other"),
    (&["--no-prompt", "--cmd", "other"], "other"),
    (&["--no-dir", "--no-prompt"], "awsso"),
];

fn assert_silent_ok(out: &Output, what: &str) {
    assert_ok(out, what);
    assert_eq!(
        (stdout(out).as_str(), stderr(out).as_str()),
        ("", ""),
        "{what} should print nothing"
    );
}

/// Loading the init under `set -euo pipefail` prints nothing and succeeds; then the wrapper works under the same
/// options, the other name is not defined, and `--no-prompt` leaves the prompt alone.
#[test]
fn bash_init_is_clean_in_strict_mode() {
    let sb = sandbox();
    let bash = require("bash");
    for (args, name) in VARIANTS {
        let code = init(&sb, &["bash"].iter().chain(args).copied().collect::<Vec<_>>());
        let strict = |script: &str| {
            sb.command(&bash)
                .args(["--norc", "--noprofile", "-euo", "pipefail", "-c", script])
                .output()
                .unwrap()
        };
        assert_silent_ok(
            &strict(&code),
            &format!("bash -euo pipefail -c \"$(awsso init bash {args:?})\""),
        );

        let other = if name == "awsso" { "other" } else { "awsso" };
        let out = strict(&format!(
            r#"{code}
{name} use p
echo "AWS_PROFILE=$AWS_PROFILE"
{name} unset
echo "after=${{AWS_PROFILE-unset}}"
if declare -F {other} >/dev/null; then echo "{other} is defined"; fi
if declare -F __awsso_ps1 >/dev/null; then echo prompt-fn; fi
echo "pc=${{PROMPT_COMMAND-}}"
"#
        ));
        assert_ok(&out, &format!("bash strict use, init {args:?}"));
        // The directory hook is prepended after the prompt hook, so it runs first.
        let want = match (args.contains(&"--no-prompt"), args.contains(&"--no-dir")) {
            (true, true) => "AWS_PROFILE=p\nafter=unset\npc=\n",
            (true, false) => "AWS_PROFILE=p\nafter=unset\npc=__awsso_dir_hook;\n",
            (false, _) => "AWS_PROFILE=p\nafter=unset\nprompt-fn\npc=__awsso_dir_hook;__awsso_hook;\n",
        };
        assert_eq!(stdout(&out), want, "init {args:?}; stderr: {}", stderr(&out));
    }
}

#[cfg(feature = "real-tools")]
#[test]
fn zsh_init_is_clean_in_strict_mode() {
    let sb = sandbox();
    let zsh = require("zsh");
    for (args, name) in VARIANTS {
        let init_cmd = format!("{} init zsh {}", posix_word(AWSSO), args.join(" "));
        let strict = |rest: &str| {
            let script = format!("setopt err_exit no_unset; eval \"$({init_cmd})\"{rest}");
            sb.command(&zsh).args(["-f", "-c", &script]).output().unwrap()
        };
        assert_silent_ok(&strict(""), &format!("zsh err_exit no_unset: eval init {args:?}"));

        let other = if name == "awsso" { "other" } else { "awsso" };
        let out = strict(&format!(
            r#"
{name} use p
print -r -- "AWS_PROFILE=$AWS_PROFILE"
{name} unset
print -r -- "after=${{AWS_PROFILE-unset}}"
if (( ${{+functions[{other}]}} )); then print "{other} is defined"; fi
if (( ${{+functions[__awsso_ps1]}} )); then print prompt-fn; fi
print -r -- "pc=${{precmd_functions-}}"
"#
        ));
        assert_ok(&out, &format!("zsh strict use, init {args:?}"));
        let want = match (args.contains(&"--no-prompt"), args.contains(&"--no-dir")) {
            (true, true) => "AWS_PROFILE=p\nafter=unset\npc=\n",
            (true, false) => "AWS_PROFILE=p\nafter=unset\npc=__awsso_dir_hook\n",
            (false, _) => "AWS_PROFILE=p\nafter=unset\nprompt-fn\npc=__awsso_precmd __awsso_dir_hook\n",
        };
        assert_eq!(stdout(&out), want, "init {args:?}; stderr: {}", stderr(&out));
    }
}

#[cfg(feature = "real-tools")]
#[test]
fn fish_init_is_clean() {
    let sb = sandbox();
    let fish = require("fish");
    for (args, name) in VARIANTS {
        let init_cmd = format!("{} init fish {}", fish_word(AWSSO), args.join(" "));
        let run = |rest: &str| {
            let script = format!("{init_cmd} | source{rest}");
            sb.command(&fish).args(["--no-config", "-c", &script]).output().unwrap()
        };
        assert_silent_ok(&run(""), &format!("fish: awsso init fish {args:?} | source"));

        let other = if name == "awsso" { "other" } else { "awsso" };
        let out = run(&format!(
            r#"
{name} use p
echo "AWS_PROFILE=$AWS_PROFILE"
{name} unset
set -q AWS_PROFILE; or echo after=unset
functions -q {other}; and echo "{other} is defined"
functions -q __awsso_original_fish_prompt; and echo prompt-fn
true
"#
        ));
        assert_ok(&out, &format!("fish use, init {args:?}"));
        let want = if args.contains(&"--no-prompt") {
            "AWS_PROFILE=p\nafter=unset\n"
        } else {
            "AWS_PROFILE=p\nafter=unset\nprompt-fn\n"
        };
        assert_eq!(stdout(&out), want, "init {args:?}; stderr: {}", stderr(&out));
    }
}

#[cfg(feature = "real-tools")]
/// Split an init script into its own code and `clap_complete`'s generated completion block.
fn split_completions(script: &str) -> (String, String) {
    let (mut own, mut generated, mut inside) = (String::new(), String::new(), false);
    for line in script.split_inclusive('\n') {
        match line.trim_end() {
            "# >>> completions" => inside = true,
            "# <<< completions" => inside = false,
            _ if inside => generated.push_str(line),
            _ => own.push_str(line),
        }
    }
    (own, generated)
}

#[cfg(feature = "real-tools")]
fn shellcheck(script: &str, excludes: &[&str]) -> Output {
    let mut cmd = Command::new(require("shellcheck"));
    cmd.args(["--shell=bash", "--severity=style", "--norc"]);
    if !excludes.is_empty() {
        cmd.arg(format!("--exclude={}", excludes.join(",")));
    }
    let mut child = cmd
        .arg("-")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run shellcheck");
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), script.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[cfg(feature = "real-tools")]
#[test]
fn bash_init_passes_shellcheck() {
    let sb = sandbox();
    for (args, _) in VARIANTS {
        let script = init(&sb, &["bash"].iter().chain(args).copied().collect::<Vec<_>>());
        let (own, generated) = split_completions(&script);
        assert!(generated.contains("complete "), "no completion block in:\n{script}");
        let out = shellcheck(&own, &[]);
        assert_ok(&out, &format!("shellcheck of awsso init bash {args:?}"));
        // The block is clap_complete's, generated verbatim: SC2207 (`COMPREPLY=( $(...) )`, split on the IFS it
        // sets on purpose) and SC2181 (`[[ $? != 0 ]]`) are its style, not bugs, and not ours to change.
        let out = shellcheck(&generated, &["SC2207", "SC2181"]);
        assert_ok(
            &out,
            &format!("shellcheck of the completion block of awsso init bash {args:?}"),
        );
    }
}

#[cfg(feature = "real-tools")]
/// Every shell's own parser accepts every variant without running it.
#[test]
fn init_scripts_parse() {
    let sb = sandbox();
    for (args, _) in VARIANTS {
        for (shell, check) in [
            ("bash", vec!["-n"]),
            ("zsh", vec!["-f", "-n"]),
            ("fish", vec!["--no-config", "--no-execute"]),
        ] {
            let script = init(&sb, &[shell].iter().chain(args).copied().collect::<Vec<_>>());
            let file = format!("init-{shell}");
            sb.write(&file, &script);
            let out = sb
                .command(require(shell))
                .args(&check)
                .arg(sb.path(&file))
                .output()
                .unwrap();
            assert_silent_ok(&out, &format!("{shell} {check:?} on awsso init {shell} {args:?}"));
        }
    }
}

#[cfg(feature = "real-tools")]
/// On a terminal, `awsso use` logs in first when the session has no token: here the device flow (no browser can
/// be reached: no `BROWSER`, no display), approved at once by the emulator, then the prompt shows the segment.
#[test]
fn bash_use_logs_in_first_on_a_terminal() {
    let emu = crate::util::Emulator::start(&["--auto-approve"]);
    let sb = Sandbox::with_config(CONFIG)
        .env("AWS_ENDPOINT_URL_SSO", &emu.url)
        .env("AWS_ENDPOINT_URL_SSO_OIDC", &emu.url);
    let t = start(&sb, &BASH);
    t.first_prompt();
    let step = t.run("awsso use p");
    let text = step.output.join("\n");
    assert!(text.contains("using the device code flow"), "{text}");
    assert!(text.contains("logged in to sso-session `corp`"), "{text}");
    assert!(
        step.prompt.segment.starts_with(SEGMENT),
        "no segment after the login: {:?}",
        step.prompt.line
    );
    assert_eq!(emu.stats()["device_code_grants"].as_u64(), Some(1));
    t.run("echo \"AWS_PROFILE=$AWS_PROFILE\"")
        .expect(&["AWS_PROFILE=p"], true, 0);
}

/// A theme that defines `fish_prompt` after `awsso init fish` (here typed at the prompt, as sourcing a theme does)
/// still shows the segment, from the very next prompt, with the status intact.
#[test]
#[cfg(feature = "real-tools")]
fn fish_segment_survives_a_theme_that_replaces_the_prompt() {
    let sb = sandbox();
    let t = start(&sb, &FISH);
    t.first_prompt();
    t.run("awsso use p").expect(&[], true, 0);
    t.run("function fish_prompt; printf '%s $ ' $status; end")
        .expect(&[], true, 0);
    t.run("false").expect(&[], true, 1);
    t.run("functions -e fish_prompt; function fish_prompt; printf '%s $ ' $status; end")
        .expect(&[], true, 0);
    t.run("awsso unset").expect(&[], false, 0);
}

/// After `awsso use` of a role chain, the prompt shows the chain's last account and role and the time left of the
/// SSO session at its root (issue: every profile the AWS CLI resolves). The format starts with `p ` so this
/// harness's prompt parser reads it.
#[test]
#[cfg(feature = "real-tools")]
fn prompt_after_use_of_a_chain_shows_its_role_and_the_root_sessions_time() {
    for spec in [&BASH, &ZSH, &FISH] {
        // A sandbox (and tmux server) per shell: one server's exit must not race the next one's start.
        let sb = sandbox().env("AWSSO_PROMPT_FORMAT", "p {profile}:{account}/{role}:{ttl}");
        let config = std::fs::read_to_string(sb.path(".aws/config")).unwrap();
        sb.write(
            ".aws/config",
            format!(
                "{config}\n[profile spoke]\nrole_arn = arn:aws:iam::333333333333:role/Deploy\nsource_profile = p\n"
            ),
        );
        let t = start(&sb, spec);
        t.first_prompt();
        let step = t.run("awsso use spoke");
        let ttl = step
            .prompt
            .segment
            .strip_prefix("p spoke:333333333333/Deploy:")
            .unwrap_or_else(|| panic!("{}: {:?}", spec.name, step.prompt.line));
        assert!(ttl.starts_with("2h") || ttl.starts_with("3h"), "{}: {ttl}", spec.name);
        assert!(
            step.prompt.statuses.iter().all(|&s| s == 0),
            "{}: {:?}",
            spec.name,
            step.prompt.line
        );
    }
}
