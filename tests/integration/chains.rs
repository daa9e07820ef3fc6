//! Role chains over an SSO root (protocol.md §12), as every command sees them: resolution errors, kinds, the login
//! check of profile mode, the prompt, `login --profile`. The STS calls themselves are in `chains_sts`.

use crate::util::{Sandbox, assert_clean_failure, stderr, stdout};

pub(crate) const CONFIG: &str = "\
[sso-session corp]
sso_start_url = https://d-0000000000.awsapps.com/start
sso_region = us-east-1

[profile hub]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin
region = us-east-1

[profile spoke]
role_arn = arn:aws:iam::222222222222:role/Deploy
source_profile = hub

[profile deep]
role_arn = arn:aws:iam::333333333333:role/team/Reader
source_profile = spoke
role_session_name = alice

[profile keys]
aws_access_key_id = AKIAEXAMPLE
aws_secret_access_key = not-a-real-secret

[profile over-keys]
role_arn = arn:aws:iam::444444444444:role/FromKeys
source_profile = keys

[profile loop-a]
role_arn = arn:aws:iam::555555555555:role/A
source_profile = loop-b

[profile loop-b]
role_arn = arn:aws:iam::555555555555:role/B
source_profile = loop-a

[profile lost]
role_arn = arn:aws:iam::555555555555:role/A
source_profile = nowhere

[profile long]
role_arn = arn:aws:iam::222222222222:role/Deploy
source_profile = hub
duration_seconds = 7200
";

#[test]
fn list_shows_kinds_and_the_root_session() {
    let sb = Sandbox::with_config(CONFIG);
    let out = sb.run(&["list", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = |name: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(row("hub")["kind"], "sso");
    assert_eq!(row("deep")["kind"], "chained");
    assert_eq!(row("deep")["sso_session"], "corp", "the root session");
    assert_eq!(row("deep")["account_id"], "333333333333");
    assert_eq!(row("deep")["role_name"], "Reader");
    assert_eq!(row("keys")["kind"], "static");
    assert_eq!(row("over-keys")["kind"], "chained");
    assert_eq!(row("over-keys")["sso_session"], serde_json::Value::Null);
}

#[test]
fn profile_mode_checks_the_root_session() {
    let sb = Sandbox::with_config(CONFIG);
    let err = assert_clean_failure(&sb.run(&["use", "deep", "--shell", "bash"]), 3, "");
    assert!(err.contains("run `awsso login --sso-session corp`"), "{err}");
    sb.write_token("corp", 3600, false);
    let out = sb.run(&["use", "deep", "--shell", "bash"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("export AWS_PROFILE=deep;"));
    // A chain over keys needs no login at all.
    let sb = Sandbox::with_config(CONFIG);
    let out = sb.run(&["use", "over-keys", "--shell", "bash"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn the_prompt_shows_the_last_role_and_the_root_sessions_time() {
    let sb = Sandbox::with_config(CONFIG).env("AWS_PROFILE", "deep");
    sb.write_token("corp", 2 * 3600 + 5 * 60, false);
    let out = sb.run(&["prompt"]);
    assert_eq!(stdout(&out), "deep 333333333333/Reader 2h4m\n");
}

#[test]
fn login_for_a_chain_logs_in_to_its_root() {
    // No emulator: the login fails at the network, but the error shows which session it was for.
    let sb = Sandbox::with_config(CONFIG)
        .env("AWS_ENDPOINT_URL_SSO_OIDC", "http://127.0.0.1:9")
        .env("AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:9");
    sb.write_token("corp", 3600, false);
    let out = sb.run(&["login", "--profile", "deep"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("already logged in to sso-session `corp`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn broken_chains_are_usage_errors_naming_profile_and_key() {
    let sb = Sandbox::with_config(CONFIG);
    for (profile, says) in [
        (
            "loop-a",
            "profile `loop-b`: source_profile `loop-a` makes a loop (loop-a → loop-b → loop-a)",
        ),
        ("lost", "profile `lost`: source_profile `nowhere` does not exist"),
        (
            "long",
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
        ),
    ] {
        for args in [
            vec!["credential-process", "--profile", profile],
            vec!["use", "--creds", profile, "--shell", "bash"],
            vec!["exec", profile, "--", "true"],
        ] {
            assert_clean_failure(&sb.run(&args), 2, says);
        }
    }
    assert_clean_failure(&sb.run(&["use", "loop-a", "--shell", "bash"]), 2, "makes a loop");
}
