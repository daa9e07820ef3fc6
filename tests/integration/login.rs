//! `login`, `logout`, `status` and `use`'s login-first rule against the SSO emulator, and interop with botocore
//! both ways: it reads what awsso writes, and awsso reads what it writes.

use std::process::Output;

#[cfg(feature = "real-tools")]
use crate::util::boto3_credentials;
use crate::util::{
    Emulator, Sandbox, assert_clean_failure, assert_clean_failure_after_progress, sha1_hex, stderr, stdout,
};

const CONFIG: &str = "\
[sso-session corp]
sso_start_url = https://d-0000000000.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin
region = eu-west-1

[profile legacy]
sso_start_url = https://d-0000000000.awsapps.com/legacy
sso_region = us-east-1
sso_account_id = 111111111112
sso_role_name = ReadOnly

[sso-session other]
sso_start_url = https://d-1111111111.awsapps.com/start
sso_region = eu-west-1
";

fn sandbox(emu: &Emulator) -> Sandbox {
    Sandbox::with_config(CONFIG)
        .env("AWS_ENDPOINT_URL_SSO", &emu.url)
        .env("AWS_ENDPOINT_URL_SSO_OIDC", &emu.url)
}

fn token_path(sb: &Sandbox, key: &str) -> std::path::PathBuf {
    sb.path(&format!(".aws/sso/cache/{}.json", sha1_hex(key)))
}

/// The cached client registration: the one JSON file in the cache with a `clientId` and no `accessToken`.
fn registration_json(sb: &Sandbox) -> (String, serde_json::Value) {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(sb.path(".aws/sso/cache")).unwrap() {
        let path = entry.unwrap().path();
        let Ok(json) = serde_json::from_slice::<serde_json::Value>(&std::fs::read(&path).unwrap_or_default()) else {
            continue;
        };
        if json.get("clientId").is_some() && json.get("accessToken").is_none() {
            found.push((path.file_name().unwrap().to_string_lossy().into_owned(), json));
        }
    }
    assert_eq!(found.len(), 1, "one registration file");
    found.pop().unwrap()
}

fn token_json(sb: &Sandbox, key: &str) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(token_path(sb, key)).expect("token file")).expect("token json")
}

/// Every secret string in the sandbox's SSO cache: none may appear in any output.
fn secrets(sb: &Sandbox) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(sb.path(".aws/sso/cache")).unwrap() {
        let path = entry.unwrap().path();
        let Ok(json) = serde_json::from_slice::<serde_json::Value>(&std::fs::read(&path).unwrap_or_default()) else {
            continue;
        };
        for key in ["accessToken", "refreshToken", "clientSecret"] {
            if let Some(v) = json.get(key).and_then(|v| v.as_str()) {
                out.push(v.to_owned());
            }
        }
    }
    out
}

fn assert_no_secrets(sb: &Sandbox, outputs: &[&Output]) {
    let secrets = secrets(sb);
    assert!(!secrets.is_empty());
    for out in outputs {
        let all = format!("{}{}", stdout(out), stderr(out));
        for s in &secrets {
            assert!(!all.contains(s.as_str()), "a secret leaked into: {all}");
        }
    }
}

#[test]
fn device_login_writes_the_cli_cache_and_reuses_it() {
    let emu = Emulator::start(&["--auto-approve"]);
    let sb = sandbox(&emu);
    let out = sb.run(&["login", "--sso-session", "corp", "--use-device-code", "--no-browser"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert!(err.contains("/device?user_code="), "the URL is always printed: {err}");
    assert!(err.contains("confirm the code "), "{err}");
    assert!(err.contains("logged in to sso-session `corp` (59m left)"), "{err}");

    // All eight fields, in the CLI's order and format (protocol.md §1.4).
    let text = std::fs::read_to_string(token_path(&sb, "corp")).unwrap();
    let keys: Vec<&str> = text
        .split("\", \"")
        .map(|kv| kv.trim_start_matches("{\"").split('"').next().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "startUrl",
            "region",
            "accessToken",
            "expiresAt",
            "clientId",
            "clientSecret",
            "registrationExpiresAt",
            "refreshToken"
        ]
    );
    let json = token_json(&sb, "corp");
    for key in ["expiresAt", "registrationExpiresAt"] {
        let t = json[key].as_str().unwrap();
        assert!(
            t.len() == 20 && t.ends_with('Z') && t.as_bytes()[10] == b'T',
            "{key} = {t}"
        );
    }
    assert_eq!(json["startUrl"], "https://d-0000000000.awsapps.com/start");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&token_path(&sb, "corp")), 0o600);
        assert_eq!(mode(&sb.path(".aws/sso/cache")), 0o700);
    }
    // The registration is cached under the CLI's key (protocol.md §2), so `aws sso login` can reuse it: the
    // SHA-1 of `json.dumps({...}, sort_keys=True)`.
    let (name, reg) = registration_json(&sb);
    let key = r#"{"region": "us-east-1", "scopes": ["sso:account:access"], "session_name": "corp", "startUrl": "https://d-0000000000.awsapps.com/start", "tool": "botocore"}"#;
    assert_eq!(name, format!("{}.json", sha1_hex(key)));
    assert_eq!(reg["clientId"], json["clientId"]);
    assert!(
        reg.get("grantTypes").is_none(),
        "a device registration has no grantTypes"
    );

    // A valid token is reused; --force logs in again and reuses the registration.
    let again = sb.run(&["login", "--sso-session", "corp", "--use-device-code"]);
    assert!(stderr(&again).contains("already logged in"), "{}", stderr(&again));
    let forced = sb.run(&[
        "login",
        "--sso-session",
        "corp",
        "--use-device-code",
        "--no-browser",
        "--force",
    ]);
    assert!(forced.status.success());
    let stats = emu.stats();
    assert_eq!(
        (
            stats["client_registrations"].as_u64(),
            stats["device_authorizations"].as_u64()
        ),
        (Some(1), Some(2))
    );
    assert_no_secrets(&sb, &[&out, &again, &forced]);
}

#[test]
fn status_reports_every_session() {
    let emu = Emulator::start(&["--auto-approve"]);
    let sb = sandbox(&emu);
    assert!(
        sb.run(&["login", "--profile", "dev", "--use-device-code", "--no-browser"])
            .status
            .success()
    );
    sb.write_token("https://d-0000000000.awsapps.com/legacy", -60, false);
    let out = sb.run(&["status", "--json"]);
    assert!(out.status.success());
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let states: Vec<(&str, &str)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["start_url"].as_str().unwrap(), r["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        states,
        [
            ("https://d-0000000000.awsapps.com/start", "valid"),
            ("https://d-1111111111.awsapps.com/start", "missing"),
            ("https://d-0000000000.awsapps.com/legacy", "expired"),
        ]
    );
    assert!(rows[0]["seconds_left"].as_i64().unwrap() > 3500);
    let table = stdout(&sb.run(&["status"]));
    assert!(
        table.starts_with("SESSION   STATE    LEFT  REGION     START URL\ncorp      valid    59m"),
        "{table}"
    );
}

#[test]
fn pkce_login_through_a_redirecting_browser() {
    let emu = Emulator::start(&["--auto-approve"]);
    // Any program that follows the redirect into awsso's loopback listener is a browser here; the real one
    // (headless Chromium) is in `chromium_completes_the_pkce_login`.
    let sb = sandbox(&emu).env("BROWSER", "curl -s -L -o /dev/null");
    let out = sb.run(&["login", "--sso-session", "corp"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("/authorize?response_type=code&client_id="));
    let stats = emu.stats();
    assert_eq!(stats["authorization_code_grants"].as_u64(), Some(1));
    let (_, reg) = registration_json(&sb);
    assert_eq!(
        reg["grantTypes"],
        serde_json::json!(["authorization_code", "refresh_token"])
    );
    assert!(token_json(&sb, "corp")["refreshToken"].is_string());
    assert_no_secrets(&sb, &[&out]);
}

#[cfg(feature = "real-tools")]
#[test]
fn chromium_completes_the_pkce_login() {
    let chromium = crate::util::require("chromium");
    let emu = Emulator::start(&["--auto-approve"]);
    let sb = sandbox(&emu);
    // Headless Chromium loads the authorize URL, follows the 302 into awsso's listener and renders its page.
    let browser = format!(
        "{} --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
         --disable-component-update --disable-sync --user-data-dir={} --dump-dom",
        chromium.display(),
        sb.path("chromium-profile").display()
    );
    let sb = sb.env("BROWSER", &browser);
    let out = sb.run(&["login", "--sso-session", "corp"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(emu.stats()["authorization_code_grants"].as_u64(), Some(1));
    assert!(token_json(&sb, "corp")["accessToken"].is_string());
}

#[test]
fn refresh_keeps_the_session_alive_without_a_browser() {
    let emu = Emulator::start(&["--auto-approve"]);
    let sb = sandbox(&emu);
    assert!(
        sb.run(&["login", "--sso-session", "corp", "--use-device-code", "--no-browser"])
            .status
            .success()
    );
    let old = token_json(&sb, "corp");
    emu.admin("POST", "expire-tokens", "");
    let mut expired = old.clone();
    expired["expiresAt"] = "2000-01-01T00:00:00Z".into();
    std::fs::write(token_path(&sb, "corp"), expired.to_string()).unwrap();
    // Not a terminal, so no login is allowed: the refresh grant alone must bring the session back.
    let out = sb.run(&["use", "dev", "--shell", "bash"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("export AWS_PROFILE=dev;"));
    let new = token_json(&sb, "corp");
    assert_ne!(new["accessToken"], old["accessToken"]);
    assert_ne!(
        new["refreshToken"], old["refreshToken"],
        "the emulator rotates refresh tokens"
    );
    assert_eq!(new["clientId"], old["clientId"]);
    assert_eq!(emu.stats()["refresh_grants"].as_u64(), Some(1));
    assert_no_secrets(&sb, &[&out]);
}

#[test]
fn use_without_a_terminal_exits_3_with_the_command_to_run() {
    let emu = Emulator::start(&["--auto-approve"]);
    let sb = sandbox(&emu);
    let out = sb.run(&["use", "dev"]);
    assert_clean_failure(&out, 3, "run `awsso login --sso-session corp`");
    let out = sb.run(&["use", "legacy"]);
    assert_clean_failure(&out, 3, "run `awsso login --profile legacy`");
    assert_eq!(emu.stats()["device_authorizations"].as_u64(), Some(0));
}

#[test]
fn concurrent_logins_share_one_authorization() {
    let emu = Emulator::start(&["--auto-approve", "--latency-ms", "100"]);
    let sb = sandbox(&emu).env("BROWSER", "curl -s -L -o /dev/null");
    let children: Vec<_> = (0..10)
        .map(|_| {
            sb.awsso(&["login", "--sso-session", "corp"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let stats = emu.stats();
    assert_eq!(stats["authorization_code_grants"].as_u64(), Some(1), "{stats}");
    assert_eq!(stats["device_authorizations"].as_u64(), Some(0));
    let tokens: Vec<_> = std::fs::read_dir(sb.path(".aws/sso/cache"))
        .unwrap()
        .filter_map(|e| {
            let p = e.unwrap().path();
            let text = std::fs::read_to_string(&p).ok()?;
            text.contains("accessToken").then_some(p)
        })
        .collect();
    assert_eq!(tokens.len(), 1);
    assert!(token_json(&sb, "corp")["accessToken"].is_string());
}

#[test]
fn faults_fail_cleanly_and_leave_the_cache_alone() {
    // Unreachable: a port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let sb = Sandbox::with_config(CONFIG)
        .env("AWS_ENDPOINT_URL_SSO", &format!("http://127.0.0.1:{closed}"))
        .env("AWS_ENDPOINT_URL_SSO_OIDC", &format!("http://127.0.0.1:{closed}"));
    sb.write(".aws/sso/cache/keep.json", "untouched");
    assert_clean_failure(
        &sb.run(&["login", "--sso-session", "corp", "--use-device-code"]),
        1,
        "could not connect",
    );
    assert_eq!(
        std::fs::read_dir(sb.path(".aws/sso/cache"))
            .unwrap()
            .filter(|e| { e.as_ref().unwrap().file_name().to_string_lossy().ends_with(".json") })
            .count(),
        1
    );

    // Every request a 500: retried, then a one-line error.
    let emu = Emulator::start(&["--auto-approve", "--error-rate", "1"]);
    let sb = sandbox(&emu);
    assert_clean_failure(
        &sb.run(&["login", "--sso-session", "corp", "--use-device-code"]),
        1,
        "InternalServerException",
    );
    assert!(!token_path(&sb, "corp").exists());

    // One 500 in two: the SDK's retry gets through.
    let emu = Emulator::start(&["--auto-approve", "--error-every", "2"]);
    let sb = sandbox(&emu);
    let out = sb.run(&["login", "--sso-session", "corp", "--use-device-code", "--no-browser"]);
    assert!(out.status.success(), "{}", stderr(&out));

    // Denied in the browser.
    let emu = Emulator::start(&["--deny-all"]);
    let sb = sandbox(&emu);
    // Two lines of progress first: where to log in, and the code to confirm.
    assert_clean_failure_after_progress(
        &sb.run(&["login", "--sso-session", "corp", "--use-device-code", "--no-browser"]),
        1,
        2,
        "denied",
    );
    assert!(!token_path(&sb, "corp").exists());

    // The device code expires before anyone approves it.
    let emu = Emulator::start(&["--device-expires-in", "2"]);
    let sb = sandbox(&emu);
    assert_clean_failure_after_progress(
        &sb.run(&["login", "--sso-session", "corp", "--use-device-code", "--no-browser"]),
        1,
        2,
        "expired",
    );
    assert!(!token_path(&sb, "corp").exists());
}

/// Issue 9, finding 6: one request to the loopback listener without our `state` aborted the login, and an idle or
/// trickling connection stalled it (one connection at a time, a deadline per read). Now such requests are ignored,
/// connections are served concurrently with a whole-request deadline, and the real redirect completes the login.
#[test]
fn requests_without_our_state_and_slow_connections_do_not_stop_the_login() {
    let emu = Emulator::start(&["--auto-approve"]);
    // A "browser" that first attacks the loopback listener (an idle connection, one trickling a byte a second, a
    // forged state, no state), then follows the real URL.
    let sb = sandbox(&emu);
    sb.write(
        "browser.sh",
        r#"#!/bin/bash
url=$1
redirect=$(printf %s "$url" | sed 's/.*redirect_uri=\([^&]*\).*/\1/' | sed 's/%3A/:/g; s/%2F/\//g')
hostport=${redirect#http://}
hostport=${hostport%%/*}
exec 3<>"/dev/tcp/${hostport%:*}/${hostport#*:}"
exec 4<>"/dev/tcp/${hostport%:*}/${hostport#*:}"
(printf 'GET /oauth/callback?state=' && while printf x; do sleep 1; done) >&4 &
trickler=$!
curl -s -o /dev/null "$redirect?code=stolen&state=forged"
curl -s -o /dev/null "$redirect?code=stolen"
curl -s -o /dev/null "$redirect?error=access_denied"
curl -s -L -o /dev/null "$url"
kill $trickler
"#,
    );
    let script = sb.path("browser.sh");
    let sb = sb
        .env("BROWSER", &format!("bash {}", script.display()))
        .env("AWSSO_LOGIN_TIMEOUT", "60");
    let out = sb.run(&["login", "--sso-session", "corp"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(token_path(&sb, "corp").exists());
    assert_eq!(emu.stats()["authorization_code_grants"].as_u64(), Some(1));
}

#[test]
fn corrupt_cache_is_treated_as_absent_and_unknown_sessions_are_usage_errors() {
    let emu = Emulator::start(&["--auto-approve"]);
    let sb = sandbox(&emu);
    sb.write(&format!(".aws/sso/cache/{}.json", sha1_hex("corp")), "{not json");
    let out = sb.run(&["login", "--sso-session", "corp", "--use-device-code", "--no-browser"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("warning: ignoring"), "{}", stderr(&out));
    assert!(token_json(&sb, "corp")["accessToken"].is_string());

    assert_clean_failure(
        &sb.run(&["login", "--sso-session", "nope"]),
        2,
        "configured sessions: `corp`, `other`",
    );
    assert_clean_failure(
        &sb.run(&["logout", "--sso-session", "nope"]),
        2,
        "unknown sso-session `nope`",
    );
}

#[test]
fn ctrl_c_exits_130_and_writes_nothing() {
    let emu = Emulator::start(&[]);
    let sb = sandbox(&emu);
    let child = sb
        .awsso(&["login", "--sso-session", "corp", "--use-device-code", "--no-browser"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until it polls, then interrupt it as a terminal would.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while emu.stats()["device_authorizations"].as_u64() != Some(1) {
        assert!(std::time::Instant::now() < deadline, "the login never started");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert!(!token_path(&sb, "corp").exists());
}

#[test]
fn logout_calls_the_portal_then_deletes_the_token() {
    let emu = Emulator::start(&["--auto-approve"]);
    let sb = sandbox(&emu);
    assert!(
        sb.run(&["login", "--sso-session", "corp", "--use-device-code", "--no-browser"])
            .status
            .success()
    );
    let out = sb.run(&["logout", "--sso-session", "corp"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(emu.stats()["logouts"].as_u64(), Some(1));
    assert!(!token_path(&sb, "corp").exists());
    // The registration survives, as with `aws sso logout` (protocol.md §2).
    registration_json(&sb);

    // With the portal gone, the token is still deleted, with a warning.
    assert!(
        sb.run(&["login", "--sso-session", "corp", "--use-device-code", "--no-browser"])
            .status
            .success()
    );
    drop(emu);
    let out = sb.run(&["logout", "--all"]);
    assert!(out.status.success());
    assert!(
        stderr(&out).contains("warning: the portal did not confirm the logout"),
        "{}",
        stderr(&out)
    );
    assert!(!token_path(&sb, "corp").exists());
}

#[cfg(feature = "real-tools")]
/// botocore reads what awsso writes, refreshes it, and awsso reads what botocore wrote.
#[test]
fn botocore_and_awsso_share_the_token_cache() {
    let emu = Emulator::start(&["--auto-approve"]);
    let sb = sandbox(&emu);
    assert!(
        sb.run(&["login", "--sso-session", "corp", "--use-device-code", "--no-browser"])
            .status
            .success()
    );
    // boto3 gets, with awsso's token, exactly the credentials the emulator issued for the profile's role.
    let boto3_key = || {
        let boto = boto3_credentials(&sb, &["dev"]).remove(0);
        assert_eq!(boto["method"], "sso", "{boto}");
        boto["access_key"].as_str().unwrap().to_owned()
    };
    let first = boto3_key();
    let issued = |key: &str| ("111111111111".to_owned(), "Admin".to_owned(), key.to_owned());
    assert_eq!(emu.issued_credentials(), [issued(&first)]);
    assert_eq!(emu.stats()["device_authorizations"].as_u64(), Some(1));

    // Leave two minutes: botocore refreshes through the refresh grant and rewrites the file itself.
    let mut near = token_json(&sb, "corp");
    let two_min = time::OffsetDateTime::now_utc() + time::Duration::minutes(2);
    near["expiresAt"] = two_min
        .format(&time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
        ))
        .unwrap()
        .into();
    std::fs::write(token_path(&sb, "corp"), near.to_string()).unwrap();
    let second = boto3_key();
    assert_eq!(emu.issued_credentials(), [issued(&first), issued(&second)]);
    assert_eq!(emu.stats()["refresh_grants"].as_u64(), Some(1));
    assert_ne!(
        token_json(&sb, "corp")["expiresAt"],
        near["expiresAt"],
        "botocore wrote the refreshed token"
    );
    let written_by_botocore = std::fs::read(token_path(&sb, "corp")).unwrap();

    // awsso takes botocore's file as it is: valid, no refresh and no login of its own.
    let report: serde_json::Value = serde_json::from_slice(&sb.run(&["status", "--json"]).stdout).unwrap();
    assert_eq!(report[0]["state"], "valid");
    assert!(sb.run(&["use", "dev", "--no-login"]).status.success());
    assert!(sb.run(&["login", "--sso-session", "corp"]).status.success());
    assert_eq!(std::fs::read(token_path(&sb, "corp")).unwrap(), written_by_botocore);
    let stats = emu.stats();
    assert_eq!(
        (
            stats["refresh_grants"].as_u64(),
            stats["device_authorizations"].as_u64()
        ),
        (Some(1), Some(1))
    );
}

#[test]
fn a_browser_that_never_comes_back_times_out_with_a_hint() {
    let emu = Emulator::start(&["--auto-approve"]);
    let sb = sandbox(&emu).env("BROWSER", "true").env("AWSSO_LOGIN_TIMEOUT", "1");
    assert_clean_failure_after_progress(
        &sb.run(&["login", "--sso-session", "corp"]),
        1,
        1,
        "use --use-device-code",
    );
    assert!(!token_path(&sb, "corp").exists());
}

#[test]
fn portal_throttling_is_retried_with_backoff() {
    // Every other portal request is a 429 TooManyRequestsException: the SDK's standard retry gets through.
    let emu = Emulator::start(&["--auto-approve", "--throttle-every", "2"]);
    let sb = sandbox(&emu);
    assert!(
        sb.run(&["login", "--sso-session", "corp", "--use-device-code", "--no-browser"])
            .status
            .success()
    );
    emu.admin("POST", "reset-stats", "");
    // One portal request of our own first (counts from the change), so the logout's first request is the 2nd: 429.
    emu.admin("POST", "config", r#"{"throttle_every": 2}"#);
    {
        use std::io::{Read as _, Write as _};
        let addr = emu.url.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        write!(
            stream,
            "GET /assignment/accounts HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        stream.read_to_end(&mut Vec::new()).unwrap();
    }
    let out = sb.run(&["logout", "--sso-session", "corp"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    let stats = emu.stats();
    assert_eq!(
        (stats["logouts"].as_u64(), stats["throttled"].as_u64()),
        (Some(1), Some(1)),
        "{stats}"
    );

    // A storm that never ends: retried, then the logout is reported and the token still deleted.
    assert!(
        sb.run(&["login", "--sso-session", "corp", "--use-device-code", "--no-browser"])
            .status
            .success()
    );
    emu.admin("POST", "config", r#"{"throttle_every": 1}"#);
    let out = sb.run(&["logout", "--sso-session", "corp"]);
    assert!(out.status.success());
    assert!(stderr(&out).contains("TooManyRequestsException"), "{}", stderr(&out));
    assert!(
        emu.stats()["throttled"].as_u64().unwrap() >= 3,
        "retried before giving up"
    );
    assert!(!token_path(&sb, "corp").exists());
}
