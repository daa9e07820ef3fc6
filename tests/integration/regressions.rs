//! Regressions for the defects a review of the first round found (issue "Reshape the core", defects 1–4): each
//! test failed on the code before the fix.

use crate::util::{Emulator, Sandbox, assert_clean_failure, sha1_hex, stderr, stdout};

const CONFIG: &str = "\
[sso-session corp]
sso_start_url = https://d-0000000000.awsapps.com/start
sso_region = us-east-1

[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin
";

/// Defect 1: an expiration with an offset was shown with its local digits and a `Z`, two hours off.
#[test]
fn an_offset_expiration_is_reported_in_utc() {
    let sb = Sandbox::with_config(CONFIG)
        .env("AWSSO_PROFILE", "dev")
        .env("AWS_ACCESS_KEY_ID", "ASIAEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_CREDENTIAL_EXPIRATION", "2099-12-02T23:00:00+02:00");
    let out = sb.run(&["prompt", "--format", "{expires}"]);
    assert_eq!(stdout(&out), "2099-12-02T21:00:00Z\n");
    let out = sb.run(&["whoami", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["expires_at"], "2099-12-02T21:00:00Z");
}

/// Defect 2: `status` and `prompt` read the token file with exact camelCase keys, `use` and `login` with any case,
/// so they disagreed about one file. Every command now reads it one way.
#[test]
fn every_command_reads_a_token_file_the_same_way() {
    let sb = Sandbox::with_config(CONFIG).env("AWS_PROFILE", "dev");
    sb.write(
        &format!(".aws/sso/cache/{}.json", sha1_hex("corp")),
        r#"{"StartUrl": "https://d-0000000000.awsapps.com/start", "Region": "us-east-1", "AccessToken": "at", "ExpiresAt": "2099-01-01T00:00:00Z"}"#,
    );
    let out = sb.run(&["status", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc[0]["state"], "valid", "{doc}");
    let out = sb.run(&["prompt", "--format", "{profile} {ttl}"]);
    assert!(
        !stdout(&out).contains("no token") && !stdout(&out).contains("expired"),
        "{}",
        stdout(&out)
    );
    let out = sb.run(&["use", "dev", "--shell", "bash"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Defect 3: `use --creds` with stdout on a terminal fetched credentials (network, perhaps a login) and only then
/// refused to print them. Now it refuses first: the portal sees no request.
#[test]
fn use_creds_on_a_terminal_refuses_before_any_request() {
    let emu = Emulator::start(&["--auto-approve"]);
    let sb = Sandbox::with_config(CONFIG)
        .env("AWS_ENDPOINT_URL_SSO", &emu.url)
        .env("AWS_ENDPOINT_URL_SSO_OIDC", &emu.url);
    let out = sb.run(&["login", "--sso-session", "corp", "--use-device-code", "--no-browser"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let before = emu.stats()["requests"].clone();
    // `script` gives the command a pseudo-terminal for stdin, stdout and stderr.
    let cmd = format!("{} use --creds dev --shell bash", crate::util::AWSSO);
    let out = sb.command("script").args(["-qec", &cmd, "/dev/null"]).output().unwrap();
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{screen}");
    assert!(screen.contains("not printing credentials to a terminal"), "{screen}");
    assert!(!screen.contains("AWS_SECRET_ACCESS_KEY"), "{screen}");
    assert_eq!(
        emu.stats()["requests"],
        before,
        "no request for credentials that are not printed"
    );
}

/// Defect 4: a malformed `AWSSO_LOGIN_TIMEOUT` silently became 600 seconds; now it is a usage error naming the
/// variable, before anything is sent.
#[test]
fn a_malformed_login_timeout_is_a_usage_error() {
    let emu = Emulator::start(&["--auto-approve"]);
    for bad in ["abc", "0", "18446744073709551615"] {
        let sb = Sandbox::with_config(CONFIG)
            .env("AWS_ENDPOINT_URL_SSO", &emu.url)
            .env("AWS_ENDPOINT_URL_SSO_OIDC", &emu.url)
            .env("AWSSO_LOGIN_TIMEOUT", bad);
        let out = sb.run(&["login", "--sso-session", "corp", "--no-browser"]);
        assert_clean_failure(&out, 2, "AWSSO_LOGIN_TIMEOUT");
    }
    assert_eq!(emu.stats()["requests"], serde_json::json!({}), "nothing was sent");
}
