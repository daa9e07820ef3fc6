//! Per-directory profiles (`.awsso`, cli.md "Per-directory profiles") in real interactive bash, zsh, fish and nu
//! sessions in tmux: entering a trusted project switches, leaving restores, a manual `use` inside survives leaving,
//! untrusted and edited files are not applied (and reported once), the nearest file wins, a symlinked directory is
//! the path the user typed. PowerShell cannot run here: its init is pinned by snapshot and parsed. Also `allow` /
//! `deny` as commands.

use crate::interactive::{Tmux, posix_word};
use crate::util::{AWSSO, Sandbox, assert_clean_failure, stderr, stdout};

/// Profiles that need no login (`Kind::Other`), so the switch's login check passes without a token.
const CONFIG: &str = "\
[profile p]
region = us-east-1

[profile q]
region = us-east-2

[profile r]
region = us-west-1
";

/// The layout under HOME:
/// - `proj/.awsso` (q, trusted) with `proj/nested/.awsso` (r, trusted) below it;
/// - `untrusted/.awsso` (q, never allowed);
/// - `edited/.awsso` (q, allowed, then edited);
/// - `real/.awsso` (r, trusted) and `ln`, a symlink to `real/sub`: through `ln` the file is not above the path.
fn layout() -> Sandbox {
    let sb = Sandbox::with_config(CONFIG);
    sb.write("proj/.awsso", "# the team's dev account\nprofile = q\n");
    sb.write("proj/nested/.awsso", "profile = r\nregion = eu-west-1\n");
    sb.write("proj/nested/deeper/keep", "");
    sb.write("untrusted/.awsso", "profile = q\n");
    sb.write("edited/.awsso", "profile = q\n");
    sb.write("real/.awsso", "profile = r\n");
    sb.write("real/sub/keep", "");
    std::os::unix::fs::symlink(sb.path("real/sub"), sb.path("ln")).unwrap();
    for dir in ["proj", "proj/nested", "edited", "real"] {
        let out = sb.run(&["allow", dir]);
        assert!(out.status.success(), "allow {dir}: {}", stderr(&out));
        assert!(out.stdout.is_empty(), "allow prints nothing on stdout");
    }
    sb.write("edited/.awsso", "profile = r\n");
    sb
}

struct Shell {
    name: &'static str,
    /// Prints `AWS_PROFILE=<value> AWS_REGION=<value>`, empty when unset.
    show: &'static str,
}

const BASH: Shell = Shell {
    name: "bash",
    show: r#"echo "AWS_PROFILE=${AWS_PROFILE-} AWS_REGION=${AWS_REGION-}""#,
};
const ZSH: Shell = Shell {
    name: "zsh",
    show: r#"echo "AWS_PROFILE=${AWS_PROFILE-} AWS_REGION=${AWS_REGION-}""#,
};
const FISH: Shell = Shell {
    name: "fish",
    show: r#"echo "AWS_PROFILE=$AWS_PROFILE AWS_REGION=$AWS_REGION""#,
};
const NU: Shell = Shell {
    name: "nu",
    show: r#"print $"AWS_PROFILE=($env.AWS_PROFILE? | default '') AWS_REGION=($env.AWS_REGION? | default '')""#,
};

/// Start `shell` with an rc file that sets the prompt `STATUS $ ` and loads `awsso init SHELL --no-prompt` (the
/// segment is the interactive tests' business; here the environment is), in HOME, with `AWS_PROFILE=p`.
fn start(sb: &Sandbox, shell: &'static str, init_args: &[&str]) -> Tmux {
    let home = sb.home().to_str().unwrap().to_owned();
    let init_args = [&["--no-prompt"], init_args].concat();
    let init_args = init_args.as_slice();
    let extra = init_args.join(" ");
    let envs = [("AWS_PROFILE", "p".to_owned())];
    match shell {
        "bash" => {
            sb.write(
                ".bashrc",
                format!(
                    "PS1='$? $ '\neval \"$({} init bash {extra})\"\nset -u\n",
                    posix_word(AWSSO)
                ),
            );
            Tmux::start(
                sb,
                "bash",
                &envs,
                &["--noprofile", "--rcfile", &format!("{home}/.bashrc"), "-i"],
            )
        }
        "zsh" => {
            sb.write(
                ".zshrc",
                format!(
                    "PS1='%? $ '\neval \"$({} init zsh {extra})\"\nsetopt no_unset\n",
                    posix_word(AWSSO)
                ),
            );
            let mut envs = envs.to_vec();
            envs.push(("ZDOTDIR", home));
            Tmux::start(sb, "zsh", &envs, &["-d", "-i"])
        }
        "fish" => {
            sb.write(
                ".config/fish/config.fish",
                format!(
                    "set -g fish_greeting ''\nset -g fish_autosuggestion_enabled 0\n\
                     function fish_prompt\n    printf '%s $ ' $status\nend\n\
                     {} init fish {extra} | source\n",
                    posix_word(AWSSO)
                ),
            );
            Tmux::start(sb, "fish", &envs, &["-i"])
        }
        "nu" => {
            // nu has no eval: the init is saved to a file and sourced, as the autoload directory does.
            let out = sb.run(&[&["init", "nu"], init_args].concat());
            assert!(out.status.success(), "init nu: {}", stderr(&out));
            sb.write("awsso.nu", stdout(&out));
            sb.write(
                "config.nu",
                format!(
                    "$env.config.show_banner = false\n\
                     $env.PROMPT_COMMAND = {{|| $'($env.LAST_EXIT_CODE)' }}\n\
                     $env.PROMPT_INDICATOR = ' $ '\n$env.PROMPT_COMMAND_RIGHT = ''\n\
                     source {home}/awsso.nu\n"
                ),
            );
            Tmux::start(
                sb,
                "nu",
                &envs,
                &["--config", &format!("{home}/config.nu"), "--env-config", "/dev/null"],
            )
        }
        other => unreachable!("{other}"),
    }
}

/// The whole scenario in one session of `sh`.
fn follows_directories(sh: &Shell) {
    let name = sh.name;
    let sb = layout();
    let t = start(&sb, name, &[]);
    t.first_prompt();
    let home = sb.home().to_str().unwrap().to_owned();
    let show = |want: &str| {
        let step = t.run(sh.show);
        assert_eq!(step.output, [want], "{name}: after the previous step");
    };
    // `cd` prints nothing by itself; anything else is what the hook said on stderr.
    let cd = |dir: &str| t.run(&format!("cd {dir}")).output;
    let quiet = |dir: &str| {
        let out = cd(dir);
        assert!(out.is_empty(), "{name}: `cd {dir}` printed {out:?}");
    };
    let notice = |dir: &str, file: &str| {
        let out = cd(dir);
        assert!(
            out.len() == 1 && out[0].contains(&format!("{home}/{file} is not trusted")),
            "{name}: `cd {dir}` should report {file} once: {out:?}"
        );
    };

    show("AWS_PROFILE=p AWS_REGION=");
    quiet("proj");
    show("AWS_PROFILE=q AWS_REGION=");
    // The nearest file wins, with its region; going back up puts the outer project's profile back.
    quiet("nested/deeper");
    show("AWS_PROFILE=r AWS_REGION=eu-west-1");
    quiet("../..");
    show("AWS_PROFILE=q AWS_REGION=");
    // Leaving restores what was there before.
    quiet("~");
    show("AWS_PROFILE=p AWS_REGION=");

    // Untrusted: not applied, reported once per directory and content.
    notice("untrusted", "untrusted/.awsso");
    show("AWS_PROFILE=p AWS_REGION=");
    quiet("~");
    quiet("untrusted");
    show("AWS_PROFILE=p AWS_REGION=");
    // Edited after `allow`: the trust went with the old content.
    notice("~/edited", "edited/.awsso");
    show("AWS_PROFILE=p AWS_REGION=");

    // A profile chosen by hand inside the project stays when leaving.
    quiet("~/proj");
    show("AWS_PROFILE=q AWS_REGION=");
    t.run("awsso use r");
    quiet("~");
    show("AWS_PROFILE=r AWS_REGION=");
    t.run("awsso use p");

    // Through the symlink, `real/.awsso` is not above the path the user typed: nothing applies.
    quiet("~/ln");
    show("AWS_PROFILE=p AWS_REGION=");
    // While in the physical directory it does.
    quiet("~/real/sub");
    show("AWS_PROFILE=r AWS_REGION=");
    quiet("~");

    // `allow` from the shell applies at once (the wrapper makes the hook look again); `deny` withdraws it.
    quiet("untrusted");
    let step = t.run("awsso allow");
    assert!(
        step.output.len() == 1 && step.output[0].contains("trusted"),
        "{name}: {:?}",
        step.output
    );
    show("AWS_PROFILE=q AWS_REGION=");
    t.run("awsso deny");
    show("AWS_PROFILE=p AWS_REGION=");
}

#[test]
fn bash_follows_directories() {
    follows_directories(&BASH);
}

#[test]
fn zsh_follows_directories() {
    follows_directories(&ZSH);
}

#[test]
fn fish_follows_directories() {
    follows_directories(&FISH);
}

#[test]
fn nu_follows_directories() {
    follows_directories(&NU);
}

/// `init --no-dir`: a trusted project changes nothing.
fn no_dir(sh: &Shell) {
    let sb = layout();
    let t = start(&sb, sh.name, &["--no-dir"]);
    t.first_prompt();
    assert!(t.run("cd proj").output.is_empty());
    assert_eq!(t.run(sh.show).output, ["AWS_PROFILE=p AWS_REGION="], "{}", sh.name);
}

#[test]
fn no_dir_turns_the_hook_off() {
    for sh in [&BASH, &ZSH, &FISH, &NU] {
        no_dir(sh);
    }
}

#[test]
fn allow_and_deny_say_how_to_fix_bad_input() {
    let sb = Sandbox::with_config(CONFIG);
    sb.write("empty/keep", "");
    assert_clean_failure(&sb.run(&["allow", "empty"]), 2, "no .awsso file in");
    assert_clean_failure(&sb.run(&["allow", "missing"]), 2, "is not a directory");
    sb.write("bad/.awsso", "profile = p\nrole = Admin\n");
    assert_clean_failure(&sb.run(&["allow", "bad"]), 2, "line 2: unknown key `role`");
    sb.write("region/.awsso", "profile = p\nregion = Not A Region\n");
    assert_clean_failure(&sb.run(&["allow", "region"]), 2, "is not an AWS region name");
    assert!(!sb.path(".aws/awsso/trusted-dirs.json").exists(), "nothing was trusted");

    // `allow` from a subdirectory trusts the nearest file above; `deny` forgets it.
    sb.write("ok/.awsso", "profile = p\n");
    sb.write("ok/sub/keep", "");
    let out = sb.run(&["allow", "ok/sub/.."]);
    assert!(out.status.success(), "{}", stderr(&out));
    let store = std::fs::read_to_string(sb.path(".aws/awsso/trusted-dirs.json")).unwrap();
    assert!(store.contains(&format!("{}/ok/.awsso", sb.home().display())), "{store}");
    let out = sb.run(&["deny", "ok/sub"]);
    assert!(
        out.status.success() && stderr(&out).contains("no longer trusting"),
        "{}",
        stderr(&out)
    );
    let store = std::fs::read_to_string(sb.path(".aws/awsso/trusted-dirs.json")).unwrap();
    assert!(!store.contains("ok/.awsso"), "{store}");
}

/// PowerShell cannot run here: pin its init (the lookup hook that runs the directory check and re-wraps a replaced
/// prompt) and the hook's output.
#[test]
fn powershell_init_and_hook_snapshots() {
    let sb = layout();
    let out = sb.run(&["init", "powershell"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let exe = std::fs::canonicalize(AWSSO).unwrap();
    let script = stdout(&out).replace(exe.to_str().unwrap(), "/path/to/awsso");
    insta::assert_snapshot!("init_powershell_with_dir", script);

    let out = sb
        .awsso(&["dir-hook", "--shell", "powershell", "--pwd"])
        .arg(sb.path("proj/nested"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out).replace(sb.home().to_str().unwrap(), "~");
    // The state's content hash depends only on the file's bytes, which are fixed above.
    insta::assert_snapshot!("dir_hook_powershell_enter", text);
}
