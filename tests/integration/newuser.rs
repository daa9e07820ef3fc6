//! What a new user trips on (issue 15): hints that name a command which then works (each test runs it); the only
//! session when the active profile is not on SSO; the picker's ranking among 3,000 profiles and its keys, driven
//! in a real bash through tmux; `exec PROFILE CMD` without `--`; regions awsso does not know.

#[cfg(feature = "real-tools")]
use crate::interactive::{Tmux, posix_word};
use crate::util::{Emulator, Sandbox, assert_clean_failure, stderr, stdout};

const CREDENTIALS: &str = "\
[static]
aws_access_key_id = AKIASTATIC
aws_secret_access_key = secret
";

const CONFIG: &str = "\
[sso-session corp]
sso_start_url = https://d-0000000000.awsapps.com/start
sso_region = us-east-1

[profile p]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin
";

fn sandbox() -> Sandbox {
    let sb = Sandbox::with_config(CONFIG);
    sb.write(".aws/credentials", CREDENTIALS);
    sb.write_token("corp", 3 * 3600, false);
    sb
}

// ---------------------------------------------------------------------------------------------------------------
// hints, and the session a command means

/// A sandbox whose SSO calls go to `emu`.
fn on(emu: &Emulator, sb: Sandbox) -> Sandbox {
    sb.env("AWS_ENDPOINT_URL_SSO", &emu.url)
        .env("AWS_ENDPOINT_URL_SSO_OIDC", &emu.url)
}

/// The command a hint names: the words inside the backticks after `run `, without `awsso`.
fn hinted(line: &str) -> Vec<String> {
    let cmd = line
        .split("run `")
        .nth(1)
        .and_then(|r| r.split('`').next())
        .unwrap_or_else(|| panic!("{line}"));
    let words: Vec<String> = cmd.split_whitespace().map(str::to_owned).collect();
    assert_eq!(words[0], "awsso", "{line}");
    words[1..].to_vec()
}

fn run_ok(sb: &Sandbox, args: &[&str]) -> String {
    let out = sb.run(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

#[test]
fn on_an_empty_home_every_hint_names_awsso_configure_which_then_makes_them_work() {
    let emu = Emulator::start(&["--auto-approve", "--accounts", "2"]);
    let sb = on(&emu, Sandbox::new());
    let commands: [&[&str]; 5] = [
        &["use", "p", "--shell", "bash"],
        &["login"],
        &["logout"],
        &["accounts"],
        &["populate", "--dry-run"],
    ];
    for args in commands {
        let err = assert_clean_failure(&sb.run(args), 2, "run `awsso configure` to add one");
        assert_eq!(hinted(&err), ["configure"], "{args:?}");
    }
    let status = sb.run(&["status"]);
    assert_eq!(hinted(&stderr(&status)), ["configure"]);
    // `awsso configure` is a wizard on a terminal; here its flags say the same.
    run_ok(
        &sb,
        &[
            "configure",
            "--sso-session",
            "corp",
            "--start-url",
            "https://d-0000000000.awsapps.com/start",
            "--sso-region",
            "us-east-1",
            "--profile",
            "p",
            "--account-id",
            "111111111111",
            "--role-name",
            "Admin",
        ],
    );
    // Now each of them works: `login` without flags takes the only session.
    run_ok(&sb, &["login"]);
    assert!(run_ok(&sb, &["use", "p", "--shell", "bash"]).contains("export AWS_PROFILE=p"));
    assert!(run_ok(&sb, &["accounts"]).contains("account-0002"));
    assert!(run_ok(&sb, &["populate", "--dry-run"]).contains("+[profile account-0002-"));
    run_ok(&sb, &["logout"]);
}

#[test]
fn with_several_sessions_the_hint_names_them_and_the_flag_every_command_has() {
    let emu = Emulator::start(&["--auto-approve"]);
    let sb = on(
        &emu,
        Sandbox::with_config(
            "[sso-session a]\nsso_start_url = https://d-0000000000.awsapps.com/start\nsso_region = us-east-1\n\
             [sso-session b]\nsso_start_url = https://d-1111111111.awsapps.com/start\nsso_region = us-east-1\n",
        ),
    );
    for cmd in ["login", "logout", "accounts", "populate"] {
        let err = assert_clean_failure(&sb.run(&[cmd]), 2, "which SSO session?");
        assert!(
            err.ends_with("pass --sso-session NAME (configured: `a`, `b`)\n"),
            "{cmd}: {err}"
        );
        assert!(
            run_ok(&sb, &[cmd, "--help"]).contains("--sso-session <NAME>"),
            "{cmd} --help"
        );
    }
    run_ok(&sb, &["login", "--sso-session", "a"]);
    run_ok(&sb, &["logout", "--sso-session", "a"]);
}

#[test]
fn an_active_profile_on_keys_leaves_accounts_and_populate_to_the_only_session() {
    let emu = Emulator::start(&["--auto-approve", "--accounts", "2"]);
    let sb = on(&emu, sandbox()).env("AWS_PROFILE", "static");
    std::fs::remove_dir_all(sb.path(".aws/sso")).unwrap();
    // Not logged in: the hint names the session, and the login it names works.
    let err = assert_clean_failure(&sb.run(&["accounts"]), 3, "needs a login");
    assert_eq!(hinted(&err), ["login", "--sso-session", "corp"]);
    let args = hinted(&err);
    run_ok(&sb, &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(run_ok(&sb, &["accounts"]).contains("account-0002"));
    assert!(run_ok(&sb, &["populate", "--dry-run"]).contains("+[profile account-0002-"));
    // An explicit profile on keys is still an error, and says so.
    let err = assert_clean_failure(
        &sb.run(&["login", "--profile", "static"]),
        2,
        "does not use IAM Identity Center",
    );
    assert!(err.contains("`static`"), "{err}");
}

#[test]
fn populate_skips_pairs_a_hand_written_profile_reaches_unless_asked() {
    let emu = Emulator::start(&["--auto-approve", "--accounts", "2", "--roles", "2"]);
    let sb = on(
        &emu,
        Sandbox::with_config(&format!(
            "{CONFIG}\n[profile dev-account-admin]\nsso_session = corp\nsso_account_id = 111111111111\n\
             sso_role_name = Admin\n"
        )),
    );
    run_ok(&sb, &["login"]);
    let added = |args: &[&str]| -> (Vec<String>, String) {
        let out = sb.run(args);
        assert!(out.status.success(), "{}", stderr(&out));
        let headers = stdout(&out)
            .lines()
            .filter(|l| l.starts_with("+["))
            .map(str::to_owned)
            .collect();
        (headers, stderr(&out))
    };
    // `p` (111111111111/Admin, hand-written) and `dev-account-admin` reach the same pair: no third name for it.
    let (headers, err) = added(&["populate", "--dry-run"]);
    assert_eq!(
        headers,
        [
            "+[profile account-0001-ReadOnly]",
            "+[profile account-0002-Admin]",
            "+[profile account-0002-ReadOnly]"
        ]
    );
    assert!(
        err.contains("3 new, 0 already there, 1 skipped: your own profiles reach them (--include-existing"),
        "{err}"
    );
    let (headers, err) = added(&["populate", "--dry-run", "--include-existing"]);
    assert_eq!(headers.len(), 4, "{headers:?}");
    assert!(err.contains("4 new, 0 already there\n"), "{err}");
}

// ---------------------------------------------------------------------------------------------------------------
// exec

#[test]
fn exec_takes_the_command_without_a_double_dash() {
    let sb = sandbox();
    for args in [
        &["exec", "static", "printenv", "AWS_ACCESS_KEY_ID"][..],
        &["exec", "static", "--", "printenv", "AWS_ACCESS_KEY_ID"],
        &[
            "exec",
            "--region",
            "eu-west-1",
            "static",
            "printenv",
            "AWS_ACCESS_KEY_ID",
        ],
    ] {
        let out = sb.run(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), "AKIASTATIC\n", "{args:?}");
    }
    // Once the command has started, its options are its own, even those awsso also has.
    let out = sb.run(&["exec", "static", "printf", "%s|", "--region", "mars-1", "--", "-x"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "--region|mars-1|--|-x|");
}

#[test]
fn exec_of_a_command_that_is_not_there_exits_127_and_one_that_cannot_run_126() {
    let sb = sandbox();
    let err = assert_clean_failure(&sb.run(&["exec", "static", "no-such-command-here", "x"]), 127, "");
    assert_eq!(err, "awsso: `no-such-command-here`: command not found\n");
    let dir = sb.home().to_str().unwrap().to_owned();
    let err = assert_clean_failure(&sb.run(&["exec", "static", &dir]), 126, "permission denied");
    assert_eq!(err.lines().count(), 1, "{err}");
}

// ---------------------------------------------------------------------------------------------------------------
// regions

#[test]
fn an_unknown_but_well_formed_region_is_used_with_a_warning() {
    let sb = sandbox();
    let out = sb.run(&["use", "p", "--region", "mars-north-1", "--shell", "bash"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("export AWS_REGION=mars-north-1"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        stderr(&out),
        "awsso: warning: `mars-north-1` is not an AWS region; use one like `us-east-1` (using it anyway: AWS may \
         have opened it after this awsso was built)\n"
    );
    // A typo of a known region says which one it may be.
    let out = sb.run(&["exec", "--region", "us-east-7", "static", "printenv", "AWS_REGION"]);
    assert_eq!(stdout(&out), "us-east-7\n");
    assert!(stderr(&out).contains("did you mean `us-east-1`"), "{}", stderr(&out));
    // A known region: no warning.
    let out = sb.run(&["use", "p", "--region", "eu-west-1", "--shell", "bash"]);
    assert_eq!(stderr(&out), "");
}

#[test]
fn a_malformed_region_fails_before_anything_happens() {
    let sb = sandbox();
    for cmd in [
        &["use", "p", "--shell", "bash", "--region"][..],
        &["exec", "static", "--region"],
        &["populate", "--dry-run", "--region"],
    ] {
        for region in ["mars-1", "Mars", "us east 1"] {
            let mut args = cmd.to_vec();
            args.push(region);
            if args[0] == "exec" {
                args.extend(["printenv", "AWS_REGION"]);
            }
            let err = assert_clean_failure(&sb.run(&args), 2, "is not an AWS region name");
            assert!(err.contains("use one like `us-east-1`"), "{args:?}: {err}");
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// the picker

#[cfg(feature = "real-tools")]
/// 3,000 SSO profiles `name-1` … `name-3000` whose account ids are full of digits, as in issue 15.
fn many_profiles() -> Sandbox {
    let config: String = std::iter::once(CONFIG.to_owned())
        .chain((1..=3000u64).map(|n| {
            format!(
                "\n[profile name-{n}]\nsso_session = corp\nsso_account_id = {}\nsso_role_name = Admin\n",
                120_000_000_000 + 1_212 * n
            )
        }))
        .collect();
    let sb = Sandbox::with_config(&config);
    sb.write_token("corp", 3 * 3600, false);
    sb
}

#[cfg(feature = "real-tools")]
/// bash with the `init` wrapper and no prompt segment, so the prompt is `STATUS $`, in tmux.
fn bash_in_tmux(sb: &Sandbox) -> Tmux {
    sb.write(
        ".bashrc",
        format!(
            "PS1='$? $ '\neval \"$({} init bash --no-prompt)\"\n",
            posix_word(crate::util::AWSSO)
        ),
    );
    let rc = sb.path(".bashrc");
    let t = Tmux::start(
        sb,
        "bash",
        &[],
        &["--noprofile", "--rcfile", rc.to_str().unwrap(), "-i"],
    );
    t.first_prompt();
    t
}

#[cfg(feature = "real-tools")]
/// The picker's prompt line, if it is on the pane.
fn picker_head(lines: &[String]) -> Option<&String> {
    lines.iter().rev().find(|l| l.starts_with("? awsso use"))
}

#[cfg(feature = "real-tools")]
/// The profile on the selected line (`❯ NAME  ACCOUNT …`).
fn selected(lines: &[String]) -> Option<&str> {
    lines
        .iter()
        .rev()
        .find_map(|l| l.strip_prefix("❯ ")?.split_whitespace().next())
}

#[cfg(feature = "real-tools")]
fn open_picker(t: &Tmux) {
    t.type_text("awsso use");
    t.key("Enter");
    t.wait_for("the picker with 3,001 profiles", |l| {
        picker_head(l).is_some_and(|h| h.contains("[3001/3001]"))
    });
}

#[cfg(feature = "real-tools")]
fn wait_for_status(t: &Tmux, status: i32) -> Vec<String> {
    let want = format!("{status} $");
    t.wait_for(&format!("a prompt showing {status}"), |l| {
        l.last().is_some_and(|p| *p == want)
    })
}

#[cfg(feature = "real-tools")]
#[test]
fn among_3000_profiles_typing_an_exact_name_and_enter_chooses_it() {
    let sb = many_profiles();
    let t = bash_in_tmux(&sb);
    open_picker(&t);
    t.type_text("name-12");
    // Nearly every row matches `name-12` fuzzily (`name-1…2`, or the digits of an account id); the exact name is
    // on top and selected, then the names starting with it, shortest first.
    let pane = t.wait_for("`name-12` selected", |l| {
        picker_head(l).is_some_and(|h| h.ends_with("› name-12")) && selected(l) == Some("name-12")
    });
    let rows: Vec<&str> = pane
        .iter()
        .skip_while(|l| !l.starts_with("? awsso use"))
        .skip(1)
        .filter_map(|l| {
            l.strip_prefix("❯ ")
                .or_else(|| l.strip_prefix("  "))?
                .split_whitespace()
                .next()
        })
        .collect();
    assert_eq!(
        rows[..4],
        ["name-12", "name-120", "name-121", "name-122"],
        "{}",
        pane.join("\n")
    );
    t.key("Enter");
    wait_for_status(&t, 0);
    assert_eq!(
        t.run(r#"echo "AWS_PROFILE=$AWS_PROFILE""#).output,
        ["AWS_PROFILE=name-12"]
    );
}

#[cfg(feature = "real-tools")]
#[test]
fn ctrl_u_clears_the_query_and_ctrl_c_leaves_a_clean_screen() {
    let sb = many_profiles();
    let t = bash_in_tmux(&sb);
    open_picker(&t);
    t.type_text("zzz");
    t.wait_for("no match", |l| {
        picker_head(l).is_some_and(|h| h.ends_with("[0/3001] › zzz"))
            && l.iter()
                .any(|r| r.contains("no profile matches (Ctrl-U clears the query)"))
    });
    t.key("C-u");
    t.wait_for("every profile again", |l| {
        picker_head(l).is_some_and(|h| h.ends_with("[3001/3001] ›")) && selected(l) == Some("p")
    });
    t.type_text("name-3");
    t.key("C-c");
    let pane = wait_for_status(&t, 130);
    // Nothing of the picker is left: the command line, the one line saying so, and the next prompt.
    assert_eq!(
        pane[pane.len() - 3..],
        ["0 $ awsso use", "awsso: cancelled", "130 $"],
        "{}",
        pane.join("\n")
    );
    assert!(
        picker_head(&pane).is_none() && selected(&pane).is_none(),
        "{}",
        pane.join("\n")
    );
    assert_eq!(
        t.run(r#"echo "AWS_PROFILE=${AWS_PROFILE-unset}""#).output,
        ["AWS_PROFILE=unset"]
    );
}

// ---------------------------------------------------------------------------------------------------------------
// a shell without the segment

#[cfg(feature = "real-tools")]
#[test]
fn use_says_what_it_did_only_where_no_segment_shows_it() {
    let sb = sandbox();
    // --no-prompt (a starship user): one line on stderr.
    let t = bash_in_tmux(&sb);
    t.run("awsso use p").expect(&["awsso: using profile p"], false, 0);
    t.run("awsso use static")
        .expect(&["awsso: using profile static"], false, 0);
    // With the segment, the prompt says it: nothing printed.
    let sb = sandbox();
    sb.write(
        ".bashrc",
        format!(
            "PS1='$? $ '\neval \"$({} init bash)\"\n",
            posix_word(crate::util::AWSSO)
        ),
    );
    let rc = sb.path(".bashrc");
    let t = Tmux::start(
        &sb,
        "bash",
        &[],
        &["--noprofile", "--rcfile", rc.to_str().unwrap(), "-i"],
    );
    t.first_prompt();
    t.run("awsso use p").expect(&[], true, 0);
}
