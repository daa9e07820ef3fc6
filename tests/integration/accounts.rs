//! `awsso accounts` against the SSO emulator: paging, bounded concurrency, throttling, a revoked token and a portal
//! that is down; the account names it remembers, read offline by `list`, `prompt` and the `use` picker; and the
//! picker itself, driven in a real bash through tmux.

use std::collections::{BTreeMap, BTreeSet};

#[cfg(feature = "real-tools")]
use crate::interactive::{Tmux, posix_word};
#[cfg(feature = "real-tools")]
use crate::util::AWSSO;
use crate::util::{Emulator, Sandbox, assert_clean_failure, sha1_hex, stderr, stdout};

const CONFIG: &str = "\
[sso-session corp]
sso_start_url = https://d-0000000000.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin

[profile ops]
sso_session = corp
sso_account_id = 111111111112
sso_role_name = ReadOnly

[profile ops-admin]
sso_session = corp
sso_account_id = 111111111112
sso_role_name = Admin

[profile gone]
sso_session = corp
sso_account_id = 999999999999
sso_role_name = Admin

[profile plain]
region = eu-west-1
";

fn sandbox(emu: &Emulator) -> Sandbox {
    Sandbox::with_config(CONFIG)
        .env("AWS_ENDPOINT_URL_SSO", &emu.url)
        .env("AWS_ENDPOINT_URL_SSO_OIDC", &emu.url)
}

/// Log in to `corp` through the emulator (device code, approved at once).
fn login(sb: &Sandbox) {
    let out = sb.run(&["login", "--sso-session", "corp", "--use-device-code", "--no-browser"]);
    assert!(out.status.success(), "login: {}", stderr(&out));
}

/// `awsso accounts --json`, checked, as (account id, account name, role, profiles) rows.
fn accounts_json(sb: &Sandbox) -> Vec<(String, String, String, Vec<String>)> {
    let out = sb.run(&["accounts", "--json"]);
    assert!(out.status.success(), "accounts: {}", stderr(&out));
    assert_eq!(stderr(&out), "", "nothing on stderr without a terminal");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    json.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap_or_default().to_owned();
            let profiles = r["profiles"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap().to_owned())
                .collect();
            (s("account_id"), s("account_name"), s("role_name"), profiles)
        })
        .collect()
}

/// The remembered-names file of session `corp`.
fn names_path(sb: &Sandbox) -> std::path::PathBuf {
    sb.path(&format!(".aws/awsso/accounts/{}.json", sha1_hex("corp")))
}

#[test]
fn pages_through_250_accounts_a_bounded_number_at_a_time() {
    // 20 ms per request, so concurrent role listings overlap and the emulator sees how many were in flight.
    let emu = Emulator::start(&[
        "--auto-approve",
        "--accounts",
        "250",
        "--roles",
        "3",
        "--default-page-size",
        "7",
        "--latency-ms",
        "20",
    ]);
    let sb = sandbox(&emu);
    login(&sb);
    emu.admin("POST", "reset-stats", "");
    let rows = accounts_json(&sb);

    assert_eq!(rows.len(), 750, "250 accounts x 3 roles");
    let pairs: BTreeSet<(&str, &str)> = rows.iter().map(|(a, _, r, _)| (a.as_str(), r.as_str())).collect();
    assert_eq!(pairs.len(), 750, "no duplicates");
    let accounts: BTreeMap<&str, &str> = rows.iter().map(|(a, n, _, _)| (a.as_str(), n.as_str())).collect();
    assert_eq!(accounts.len(), 250);
    assert_eq!(accounts["111111111111"], "account-0001");
    assert_eq!(accounts["111111111360"], "account-0250");
    // Sorted by account name, roles by name; the profiles that point at an account and role are named.
    assert_eq!(
        rows[..4]
            .iter()
            .map(|(a, _, r, p)| (a.as_str(), r.as_str(), p.clone()))
            .collect::<Vec<_>>(),
        [
            ("111111111111", "Admin", vec!["dev".to_owned()]),
            ("111111111111", "Developer", vec![]),
            ("111111111111", "ReadOnly", vec![]),
            ("111111111112", "Admin", vec!["ops-admin".to_owned()]),
        ]
    );
    assert_eq!(rows[5].3, ["ops"]);

    let stats = emu.stats();
    // Pages of 100 (the most the portal serves), whatever the server's default page size: 3 ListAccounts calls.
    assert_eq!(stats["list_accounts"].as_u64(), Some(3), "{stats}");
    assert_eq!(stats["list_account_roles"].as_u64(), Some(250), "{stats}");
    let peak = stats["max_in_flight"].as_u64().unwrap();
    assert!(
        (2..=8).contains(&peak),
        "role listings ran {peak} at once; the bound is 8"
    );

    // The table: a header and one line per account and role.
    let out = sb.run(&["accounts"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 751);
    assert_eq!(lines[0], "ACCOUNT ID    ACCOUNT NAME  ROLE       PROFILE");
    assert_eq!(lines[1], "111111111111  account-0001  Admin      dev");
    assert_eq!(lines[2], "111111111111  account-0001  Developer  -");
}

#[test]
fn roles_are_paged_too() {
    // 130 roles per account: two ListAccountRoles pages each (100 + 30).
    let emu = Emulator::start(&["--auto-approve", "--accounts", "3", "--roles", "130"]);
    let sb = sandbox(&emu);
    login(&sb);
    emu.admin("POST", "reset-stats", "");
    let rows = accounts_json(&sb);
    assert_eq!(rows.len(), 390);
    let roles: BTreeSet<&str> = rows.iter().map(|(_, _, r, _)| r.as_str()).collect();
    assert_eq!(roles.len(), 130);
    assert!(roles.contains("Role130") && roles.contains("ViewOnly"));
    let stats = emu.stats();
    assert_eq!(stats["list_account_roles"].as_u64(), Some(6), "{stats}");
}

#[test]
fn every_fifth_portal_request_throttled_still_lists_every_account() {
    let emu = Emulator::start(&[
        "--auto-approve",
        "--accounts",
        "100",
        "--roles",
        "3",
        "--throttle-every",
        "5",
    ]);
    let sb = sandbox(&emu);
    login(&sb);
    let rows = accounts_json(&sb);
    assert_eq!(rows.len(), 300);
    let accounts: BTreeSet<&str> = rows.iter().map(|(a, _, _, _)| a.as_str()).collect();
    assert_eq!(accounts.len(), 100);
    let stats = emu.stats();
    assert!(stats["throttled"].as_u64().unwrap() >= 20, "{stats}");
    assert_eq!(stats["list_account_roles"].as_u64(), Some(100), "{stats}");
}

#[test]
fn a_429_storm_ends_with_one_clear_line() {
    let emu = Emulator::start(&["--auto-approve", "--throttle-every", "1"]);
    let sb = sandbox(&emu);
    login(&sb);
    let started = std::time::Instant::now();
    let out = sb.run(&["accounts", "--json"]);
    let took = started.elapsed();
    let err = assert_clean_failure(&out, 1, "429 TooManyRequestsException");
    assert!(err.contains("wait a minute"), "{err}");
    // Eight attempts of the first request, the pace slowing down at each: 8 requests, all throttled.
    let stats = emu.stats();
    assert_eq!(stats["throttled"].as_u64(), Some(8), "{stats}");
    assert_eq!(stats["list_accounts"].as_u64(), Some(0));
    assert!(took.as_secs() < 60, "gave up after {took:?}");
    assert!(!names_path(&sb).exists(), "nothing remembered from a failed listing");
}

#[test]
fn a_bad_awsso_portal_rate_is_a_usage_error_before_any_request() {
    let emu = Emulator::start(&["--auto-approve"]);
    let sb = sandbox(&emu);
    login(&sb);
    let config = std::fs::read_to_string(sb.path(".aws/config")).unwrap();
    emu.admin("POST", "reset-stats", "");
    // (An empty one is unset, as AWS tools treat empty variables.)
    for bad in ["abc", "0", "-1", "1e-300", "1e-10", "inf", "NaN", "100001", " 5"] {
        for command in [&["accounts", "--json"][..], &["populate"]] {
            let out = sb.awsso(command).env("AWSSO_PORTAL_RATE", bad).output().unwrap();
            let err = assert_clean_failure(&out, 2, &format!("AWSSO_PORTAL_RATE=`{bad}` is not a rate"));
            assert!(err.contains("from 0.1 to 100000"), "{err}");
        }
    }
    assert_eq!(emu.stats()["portal_requests"].as_u64(), Some(0), "no request was sent");
    assert_eq!(std::fs::read_to_string(sb.path(".aws/config")).unwrap(), config);
    assert!(!names_path(&sb).exists());
    // A good one works, whatever its form.
    let sb = sb.env("AWSSO_PORTAL_RATE", "2.5e1");
    assert_eq!(accounts_json(&sb).len(), 9);
}

#[test]
fn a_revoked_token_exits_3_with_the_login_command() {
    let emu = Emulator::start(&["--auto-approve"]);
    let sb = sandbox(&emu);
    login(&sb);
    emu.admin("POST", "revoke-tokens", "");
    // The token still looks valid locally; only the portal knows it was revoked.
    let out = sb.run(&["accounts"]);
    let err = assert_clean_failure(&out, 3, "run `awsso login --sso-session corp`");
    assert!(err.contains("revoked"), "{err}");
    // That command does fix it: the refused token was forgotten, so a plain `login` does not reuse it.
    let relogin = sb.run(&["login", "--sso-session", "corp", "--use-device-code", "--no-browser"]);
    assert!(relogin.status.success(), "{}", stderr(&relogin));
    assert_eq!(accounts_json(&sb).len(), 9);
}

#[test]
fn no_token_unknown_session_and_a_portal_that_is_down() {
    // Nothing listens on a port just freed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let sb = Sandbox::with_config(CONFIG)
        .env("AWS_ENDPOINT_URL_SSO", &url)
        .env("AWS_ENDPOINT_URL_SSO_OIDC", &url);

    // No token and no terminal: exit 3 with the login command.
    assert_clean_failure(&sb.run(&["accounts"]), 3, "run `awsso login --sso-session corp`");
    assert_clean_failure(
        &sb.run(&["accounts", "--sso-session", "nope"]),
        2,
        "unknown sso-session `nope`",
    );

    sb.write_token("corp", 3600, false);
    let err = assert_clean_failure(&sb.run(&["accounts", "--json"]), 1, "could not connect");
    assert!(err.contains(&url) && err.contains("check the network"), "{err}");
    assert!(!err.contains("SECRET"), "{err}");
}

#[test]
fn names_are_remembered_for_list_prompt_offline() {
    let emu = Emulator::start(&["--auto-approve", "--accounts", "3"]);
    let sb = sandbox(&emu);
    login(&sb);
    assert_eq!(accounts_json(&sb).len(), 9);
    drop(emu);

    // The names file: awsso's own directory, 0600, a JSON object without `accessToken`; the shared SSO cache holds
    // only what the AWS CLI would put there (the token and the client registration).
    let path = names_path(&sb);
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(json["accounts"]["111111111112"], "account-0002");
    assert_eq!(json["ssoSession"], "corp");
    assert!(json.get("accessToken").is_none());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let cache: Vec<String> = std::fs::read_dir(sb.path(".aws/sso/cache"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    assert_eq!(
        cache.len(),
        2,
        "token and registration only (besides awsso's hidden lock): {cache:?}"
    );

    // `list`: names where known, null for an account the portal did not list and for non-SSO profiles.
    let out = sb.run(&["list", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<(&str, &serde_json::Value)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), &p["account_name"]))
        .collect();
    assert_eq!(
        names,
        [
            ("dev", &serde_json::json!("account-0001")),
            ("ops", &serde_json::json!("account-0002")),
            ("ops-admin", &serde_json::json!("account-0002")),
            ("gone", &serde_json::Value::Null),
            ("plain", &serde_json::Value::Null),
        ]
    );
    let table = stdout(&sb.run(&["list"]));
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("ops ") && l.contains("account-0002")),
        "{table}"
    );

    // `prompt`: the new token; a group with an unknown name vanishes.
    let prompt = |profile: &str, format: &str| {
        let out = sb
            .awsso(&["prompt", "--format", format])
            .env("AWS_PROFILE", profile)
            .output()
            .unwrap();
        assert!(out.status.success() && out.stderr.is_empty(), "{}", stderr(&out));
        stdout(&out)
    };
    assert_eq!(prompt("ops", "{profile} {account_name}"), "ops account-0002\n");
    assert_eq!(prompt("gone", "{profile}[ ({account_name})]"), "gone\n");
    let out = sb
        .awsso(&["prompt"])
        .env("AWS_PROFILE", "dev")
        .env("AWSSO_PROMPT_FORMAT", "[{account_name}/]{role}")
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "account-0001/Admin\n");
}

#[test]
fn use_without_a_profile_needs_a_terminal() {
    let sb = Sandbox::with_config(CONFIG);
    let err = assert_clean_failure(&sb.run(&["use"]), 2, "PROFILE is required when not on a terminal");
    assert!(err.contains("awsso use PROFILE"), "{err}");
}

#[cfg(feature = "real-tools")]
/// bash with the `init` wrapper (no prompt segment, so the prompt is just `STATUS $`), in tmux.
fn bash_in_tmux(sb: &Sandbox) -> Tmux {
    sb.write(
        ".bashrc",
        format!("PS1='$? $ '\neval \"$({} init bash --no-prompt)\"\n", posix_word(AWSSO)),
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
/// The profile of a picker line: `❯ NAME  ACCOUNT ...` for the selected one, `  NAME  ACCOUNT ...` for the others.
fn item(line: &str) -> Option<&str> {
    line.strip_prefix("❯ ")
        .or_else(|| line.strip_prefix("  "))?
        .split_whitespace()
        .next()
}

#[cfg(feature = "real-tools")]
/// The profiles the picker shows from line `from` of the pane on, top first, and the selected one.
fn items(lines: &[String], from: usize) -> (Vec<&str>, Option<&str>) {
    let lines = lines.get(from..).unwrap_or_default();
    let shown = lines.iter().filter_map(|l| item(l)).collect();
    let selected = lines
        .iter()
        .find_map(|l| l.strip_prefix("❯ ")?.split_whitespace().next());
    (shown, selected)
}

#[cfg(feature = "real-tools")]
/// Type `awsso use`, press Enter, and wait for the picker to list every profile; where it starts on the pane.
fn open_picker(t: &Tmux) -> usize {
    let from = t.lines().len() - 1;
    t.type_text("awsso use");
    t.key("Enter");
    t.wait_for("the picker with every profile", |l| {
        items(l, from).0 == ["dev", "ops", "ops-admin", "gone", "plain"]
    });
    from
}

#[cfg(feature = "real-tools")]
/// Wait for the shell's prompt to show `status`.
fn wait_for_status(t: &Tmux, status: i32) {
    let want = format!("{status} $");
    t.wait_for(&format!("a prompt showing {status}"), |l| {
        l.last().is_some_and(|p| *p == want)
    });
}

#[cfg(feature = "real-tools")]
fn aws_profile(t: &Tmux) -> Vec<String> {
    t.run(r#"echo "AWS_PROFILE=${AWS_PROFILE-}""#).output
}

#[cfg(feature = "real-tools")]
#[test]
fn picker_in_bash_enter_chooses_esc_and_ctrl_c_cancel() {
    // Names come from the portal once; the picker then works offline.
    let emu = Emulator::start(&["--auto-approve", "--accounts", "3"]);
    let sb = sandbox(&emu);
    login(&sb);
    assert_eq!(accounts_json(&sb).len(), 9);
    drop(emu);

    let t = bash_in_tmux(&sb);
    let from = open_picker(&t);
    // A fuzzy query on the account name and the role: only `ops` (account-0002, ReadOnly) matches.
    t.type_text("0002rdonly");
    t.wait_for("`ops` alone", |l| items(l, from) == (vec!["ops"], Some("ops")));
    t.key("Enter");
    wait_for_status(&t, 0);
    assert_eq!(aws_profile(&t), ["AWS_PROFILE=ops"]);

    // Esc: status 130, nothing evaluated, AWS_PROFILE as it was.
    open_picker(&t);
    t.type_text("dev");
    t.key("Escape");
    wait_for_status(&t, 130);
    assert_eq!(aws_profile(&t), ["AWS_PROFILE=ops"]);

    // Ctrl-C: the same.
    open_picker(&t);
    t.key("C-c");
    wait_for_status(&t, 130);
    assert_eq!(aws_profile(&t), ["AWS_PROFILE=ops"]);

    // The picker starts on the active profile, so Enter at once keeps it; then a query picks another.
    let from = open_picker(&t);
    t.wait_for("`ops` selected", |l| items(l, from).1 == Some("ops"));
    t.key("Enter");
    wait_for_status(&t, 0);
    assert_eq!(aws_profile(&t), ["AWS_PROFILE=ops"]);
    let from = open_picker(&t);
    t.type_text("plain");
    t.wait_for("`plain` alone", |l| items(l, from) == (vec!["plain"], Some("plain")));
    t.key("Enter");
    wait_for_status(&t, 0);
    assert_eq!(aws_profile(&t), ["AWS_PROFILE=plain"]);
    // Nothing of the picker is left on the terminal after a choice.
    let pane = t.lines();
    assert!(items(&pane, from).0.is_empty(), "{}", pane.join("\n"));
}
