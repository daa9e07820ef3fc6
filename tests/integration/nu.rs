//! nushell (`awsso init nu`): `use`/`unset` print data the wrapper applies with `load-env`/`hide-env`. Checked
//! through the real wrapper in the real nu (from the npm registry, scripts/setup-tests): every hostile profile name
//! reads back byte for byte, exactly the documented variables change, and in tmux the segment follows `use` and
//! `unset` and Tab offers the current profiles.

use std::collections::BTreeMap;

use crate::interactive::{Tmux, add_profile, sandbox};
use crate::shells::{SHADOWS, TRICKY, config_names, config_with};
use crate::util::{Sandbox, require, stderr, stdout};

/// Save `awsso init nu` in the sandbox, as users save it to nu's autoload directory; its path.
fn save_init(sb: &Sandbox) -> String {
    let out = sb.run(&["init", "nu"]);
    assert!(out.status.success(), "init nu: {}", stderr(&out));
    sb.write("awsso.nu", stdout(&out));
    sb.path("awsso.nu").to_str().unwrap().to_owned()
}

/// Run a nu script (`def main`) with the init sourced first, and `args`.
fn nu_script(sb: &Sandbox, body: &str, args: &[&str]) -> std::process::Output {
    let init = save_init(sb);
    sb.write("script.nu", format!("source {init}\n{body}"));
    sb.command(require("nu"))
        .arg("--no-config-file")
        .arg(sb.path("script.nu"))
        .args(args)
        .output()
        .expect("run nu")
}

#[test]
fn nu_reads_back_every_hostile_profile_name() {
    let names = config_names();
    let sb = Sandbox::with_config(&config_with(&names));
    sb.write("names.json", serde_json::to_string(&names).expect("names as JSON"));
    let dir = sb.path("out");
    std::fs::create_dir_all(&dir).unwrap();
    // Names go in as JSON data, so no nu quoting stands between the test and the wrapper.
    let out = nu_script(
        &sb,
        r"def main [names: path, dir: path] {
    for it in (open $names | enumerate) {
        awsso use -- $it.item
        $env.AWS_PROFILE | save --raw ($dir | path join ($it.index | into string))
    }
}",
        &[sb.path("names.json").to_str().unwrap(), dir.to_str().unwrap()],
    );
    let mut failures = Vec::new();
    for (i, name) in names.iter().enumerate() {
        match std::fs::read(dir.join(i.to_string())) {
            Ok(bytes) if bytes == name.as_bytes() => {}
            Ok(bytes) => failures.push(format!(
                "#{i} {name:?} read back as {:?}",
                String::from_utf8_lossy(&bytes)
            )),
            Err(_) => {
                failures.push(format!("#{i} {name:?}: nu stopped here"));
                break;
            }
        }
    }
    assert!(
        failures.is_empty() && out.status.success(),
        "nu: {} of {} names failed ({}, stderr {:?}):\n{}",
        failures.len(),
        names.len(),
        out.status,
        stderr(&out),
        failures.join("\n")
    );
    assert!(!sb.path("pwned").exists(), "a profile name ran a command");
}

type EnvMap = BTreeMap<String, String>;

fn parse_env(dump: &[u8]) -> EnvMap {
    String::from_utf8_lossy(dump)
        .split('\0')
        .filter(|e| !e.is_empty())
        .map(|e| {
            let (k, v) = e.split_once('=').expect("NAME=value");
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

/// Through the wrapper: `awsso ARGS` changes exactly `expect` in what a child process sees (`None`: unset).
fn assert_env_change(preset: &[(&str, &str)], args: &[&str], expect: &[(&str, Option<&str>)]) {
    let sb = Sandbox::with_config(&config_with(&["dev", TRICKY]));
    let before = sb.path("before");
    let after = sb.path("after");
    let mut all = vec![before.to_str().unwrap(), after.to_str().unwrap()];
    all.extend(args);
    let mut cmd = sb.command(require("nu"));
    let init = save_init(&sb);
    sb.write(
        "diff.nu",
        format!(
            "source {init}\ndef --wrapped main [before: path, after: path, ...args: string] {{\n\
             ^env -0 | save --raw $before\nawsso ...$args\n^env -0 | save --raw $after\n}}\n"
        ),
    );
    cmd.arg("--no-config-file").arg(sb.path("diff.nu")).args(&all);
    cmd.envs(preset.iter().copied());
    let out = cmd.output().expect("run nu");
    let what = format!("nu `awsso {}`", args.join(" "));
    assert!(out.status.success(), "{what}: {} {}", out.status, stderr(&out));
    assert_eq!(stderr(&out), "", "{what}");
    let before = parse_env(&std::fs::read(before).unwrap());
    let after = parse_env(&std::fs::read(after).unwrap());
    let mut want = before.clone();
    for (k, v) in expect {
        match v {
            Some(v) => want.insert((*k).to_owned(), (*v).to_owned()),
            None => want.remove(*k),
        };
    }
    assert_eq!(want, after, "{what}");
    assert!(!sb.path("pwned").exists(), "{what}: a value ran a command");
}

#[test]
fn nu_use_and_unset_change_exactly_the_documented_variables() {
    let mut full: Vec<(&str, &str)> = SHADOWS.iter().map(|&k| (k, "old 'v' $(touch pwned)\nline 2")).collect();
    full.extend([
        ("AWS_PROFILE", "old"),
        ("AWS_REGION", "ap-south-1"),
        ("AWS_DEFAULT_REGION", "ap-south-2"),
        ("KEEP_ME", "untouched"),
    ]);
    let shadows_gone = || {
        SHADOWS
            .iter()
            .map(|&k| (k, None))
            .collect::<Vec<(&str, Option<&str>)>>()
    };
    for preset in [full.clone(), vec![("KEEP_ME", "x")]] {
        let mut dev = shadows_gone();
        dev.push(("AWS_PROFILE", Some("dev")));
        assert_env_change(&preset, &["use", "dev"], &dev);
        let mut tricky = shadows_gone();
        tricky.push(("AWS_PROFILE", Some(TRICKY)));
        assert_env_change(&preset, &["use", "--", TRICKY], &tricky);
        let mut region = dev.clone();
        region.extend([
            ("AWS_REGION", Some("eu-west-1")),
            ("AWS_DEFAULT_REGION", Some("eu-west-1")),
        ]);
        assert_env_change(&preset, &["use", "--region", "eu-west-1", "dev"], &region);
        let mut unset = shadows_gone();
        unset.extend(["AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION"].map(|k| (k, None)));
        assert_env_change(&preset, &["unset"], &unset);
    }
}

/// nu in tmux with the prompt `[SEGMENT ]STATUS $ ` (the interactive tests' `Prompt`) and the init sourced.
fn start_with_prompt(sb: &Sandbox) -> Tmux {
    let init = save_init(sb);
    sb.write(
        "config.nu",
        format!(
            "$env.config.show_banner = false\n\
             $env.PROMPT_COMMAND = {{|| $'($env.LAST_EXIT_CODE)' }}\n\
             $env.PROMPT_INDICATOR = ' $ '\n$env.PROMPT_COMMAND_RIGHT = ''\n\
             source {init}\n"
        ),
    );
    let config = sb.path("config.nu");
    Tmux::start(
        sb,
        "nu",
        &[],
        &["--config", config.to_str().unwrap(), "--env-config", "/dev/null"],
    )
}

#[test]
fn nu_interactive_segment_and_tab_completion() {
    let sb = sandbox();
    let t = start_with_prompt(&sb);
    let first = t.first_prompt();
    assert!(first.segment.is_empty(), "{first:?}");
    t.run("awsso use p").expect(&[], true, 0);
    t.run("print $env.AWS_PROFILE").expect(&["p"], true, 0);
    // A failing `use` says why, changes nothing, and leaves its status for the prompt.
    let failed = t.run("awsso use nope");
    assert!(
        failed.output.iter().any(|l| l.contains("unknown profile `nope`")),
        "{:?}",
        failed.output
    );
    failed.expect(&failed.output.iter().map(String::as_str).collect::<Vec<_>>(), true, 2);
    // Loading the init again changes nothing: one segment.
    t.run(&format!("source {}", sb.path("awsso.nu").display()))
        .expect(&[], true, 0);
    // A theme that sets PROMPT_COMMAND after init: the pre_prompt hook wraps it again before it is drawn.
    t.run("$env.PROMPT_COMMAND = {|| $'($env.LAST_EXIT_CODE)' }")
        .expect(&[], true, 0);
    t.run("awsso unset").expect(&[], false, 0);
    t.run("print ($env.AWS_PROFILE? | default 'none')")
        .expect(&["none"], false, 0);

    // Tab lists the profiles of the config as it is now.
    add_profile(&sb, "newprof");
    let from = t.lines().len() - 1;
    t.type_text("awsso use ");
    t.key("Tab");
    let want = ["default", "p", "dev-admin", "plain", "creds-only", "newprof"];
    t.wait_for("the profiles after Tab", |l| {
        let words: Vec<&str> = l[from..].iter().flat_map(|l| l.split_whitespace()).collect();
        want.iter().all(|w| words.contains(w))
    });
}

/// `awsso completions nu` (for nu without `init`): the completer, attached to the `awsso` on PATH, lists the
/// profiles that start with the word being typed.
#[test]
fn nu_completions_script_completes_profiles() {
    let sb = Sandbox::with_config(&config_with(&["dev", "dev-admin", "prod"]));
    let out = sb.run(&["completions", "nu"]);
    assert!(out.status.success(), "{}", stderr(&out));
    sb.write("completions.nu", stdout(&out));
    let bin_dir = std::path::Path::new(crate::util::AWSSO).parent().unwrap();
    let script = format!(
        "source {}\n__awsso_complete 'awsso use de' | get completions | get value | to json --raw | print",
        sb.path("completions.nu").display()
    );
    let out = sb
        .command(require("nu"))
        .env("PATH", format!("{}:/usr/bin:/bin", bin_dir.display()))
        .args(["--no-config-file", "-c", &script])
        .output()
        .expect("run nu");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), r#"["dev","dev-admin"]"#);
}
