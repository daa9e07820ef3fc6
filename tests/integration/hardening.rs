//! Regressions for what an attacker review found (issue 9): each test failed on the code before its fix. The
//! README's Security section promises these in the same words.

#[cfg(feature = "real-tools")]
use std::process::{Command, Stdio};

#[cfg(feature = "real-tools")]
use crate::util::{Emulator, python};
use crate::util::{Sandbox, assert_clean_failure, stderr, stdout};

/// An SSO profile, and a LocalStack-style `[default]` and `[profile local]` whose `endpoint_url` (and `services`
/// section) point at `RECORDER`: the endpoint of whatever profile is active in the shell.
const ISOLATION_CONFIG: &str = "\
[default]
region = us-east-1
endpoint_url = RECORDER
services = rec

[profile local]
region = us-east-1
endpoint_url = RECORDER
services = rec

[services rec]
sso =
  endpoint_url = RECORDER
sso_oidc =
  endpoint_url = RECORDER
sts =
  endpoint_url = RECORDER

[sso-session corp]
sso_start_url = https://d-0000000000.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin
region = eu-west-1
";

/// tests/support/recorder.py on `port` (0: any), writing what it receives to `file`; killed when dropped.
#[cfg(feature = "real-tools")]
struct Recorder {
    child: std::process::Child,
    url: String,
}

#[cfg(feature = "real-tools")]
impl Recorder {
    fn start(file: &std::path::Path) -> Self {
        use std::io::BufRead as _;
        let mut child = Command::new(python())
            .arg(recorder_script())
            .arg("0")
            .arg(file)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the recorder");
        let mut url = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut url)
            .unwrap();
        assert!(url.starts_with("http://127.0.0.1:"), "recorder said {url:?}");
        Self {
            child,
            url: url.trim().to_owned(),
        }
    }
}

#[cfg(feature = "real-tools")]
impl Drop for Recorder {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(feature = "real-tools")]
fn recorder_script() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/recorder.py")
}

/// Endpoint isolation (finding 1): with the overrides set and a profile active whose `endpoint_url` is a
/// recorder, `login`, `use --creds`, a refresh, `credential-process`, `whoami --verify` and `logout` all succeed
/// against the SSO emulator and moto's STS, and the recorder receives not one byte.
#[cfg(feature = "real-tools")]
#[test]
fn sso_and_sts_calls_never_go_to_the_active_profiles_endpoint() {
    let emu = Emulator::start(&["--auto-approve"]);
    let moto = crate::creds::Moto::start();
    let dir = tempfile::tempdir().unwrap();
    let record_file = dir.path().join("recorded");
    let recorder = Recorder::start(&record_file);
    let sb = Sandbox::with_config(&ISOLATION_CONFIG.replace("RECORDER", &recorder.url))
        .env("AWS_ENDPOINT_URL_SSO", &emu.url)
        .env("AWS_ENDPOINT_URL_SSO_OIDC", &emu.url)
        .env("AWS_ENDPOINT_URL_STS", &moto.url);
    let active = |args: &[&str]| sb.awsso(args).env("AWS_PROFILE", "local").output().unwrap();

    let out = active(&["login", "--sso-session", "corp", "--use-device-code", "--no-browser"]);
    assert!(out.status.success(), "login: {}", stderr(&out));
    let out = active(&["use", "--creds", "dev", "--shell", "bash"]);
    assert!(out.status.success(), "use --creds: {}", stderr(&out));
    assert!(stdout(&out).contains("AWS_SECRET_ACCESS_KEY"));

    // A refresh: the token's time is up and no login is allowed, so the refresh grant alone brings it back.
    emu.admin("POST", "expire-tokens", "");
    let token_path = sb.path(&format!(".aws/sso/cache/{}.json", crate::util::sha1_hex("corp")));
    let mut token: serde_json::Value = serde_json::from_slice(&std::fs::read(&token_path).unwrap()).unwrap();
    token["expiresAt"] = "2000-01-01T00:00:00Z".into();
    std::fs::write(&token_path, token.to_string()).unwrap();
    let out = active(&["use", "dev", "--shell", "bash"]);
    assert!(out.status.success(), "refresh: {}", stderr(&out));
    assert_eq!(emu.stats()["refresh_grants"].as_u64(), Some(1));

    // `whoami --verify` with raw credentials: no AWS_PROFILE, so `[default]` is the ambient profile.
    let out = sb
        .awsso(&["credential-process", "--profile", "dev"])
        .env("AWS_PROFILE", "local")
        .output()
        .unwrap();
    assert!(out.status.success(), "credential-process: {}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let out = sb
        .awsso(&["whoami", "--verify"])
        .env("AWSSO_PROFILE", "dev")
        .env("AWS_ACCESS_KEY_ID", doc["AccessKeyId"].as_str().unwrap())
        .env("AWS_SECRET_ACCESS_KEY", doc["SecretAccessKey"].as_str().unwrap())
        .env("AWS_SESSION_TOKEN", doc["SessionToken"].as_str().unwrap())
        .output()
        .unwrap();
    assert!(out.status.success(), "whoami --verify: {}", stderr(&out));

    let out = active(&["logout", "--sso-session", "corp"]);
    assert!(out.status.success(), "logout: {}", stderr(&out));
    assert_eq!(
        emu.stats()["logouts"].as_u64(),
        Some(1),
        "the logout reached the portal"
    );

    drop(recorder);
    let bytes = std::fs::read(&record_file).unwrap_or_default();
    assert!(
        bytes.is_empty(),
        "the active profile's endpoint received: {}",
        String::from_utf8_lossy(&bytes)
    );
}

/// Endpoint isolation (finding 1) without any override: a correct awsso goes to the real AWS hosts. Inside a
/// network namespace that has only loopback (`unshare -n`, root) nothing can leave the machine; every command fails
/// cleanly (or, for `logout`, forgets the token with a warning), and the recorder on the active profile's
/// `endpoint_url` receives not one byte.
#[cfg(feature = "real-tools")]
#[test]
fn without_overrides_nothing_goes_to_the_active_profiles_endpoint() {
    let unshare = crate::util::require("unshare");
    let probe = Command::new(&unshare).args(["-n", "true"]).status().unwrap();
    assert!(
        probe.success(),
        "`unshare -n` needs root (CI runs as root): this test never skips"
    );
    // A fresh namespace: port 4566 is free there.
    let sb = Sandbox::with_config(&ISOLATION_CONFIG.replace("RECORDER", "http://127.0.0.1:4566"));
    sb.write_token("corp", 3600, true);
    let script = r#"
set -u
ip link set lo up
coproc REC { "$PY" "$RECORDER" 4566 "$HOME/recorded"; }
read -r url <&"${REC[0]}"
run() { # name, env assignments..., -- args...
    local name=$1; shift
    env "$@" >"$HOME/$name.out" 2>"$HOME/$name.err"
    echo $? >"$HOME/$name.rc"
}
# A valid token: `use --creds` asks the portal for role credentials.
run use-creds AWS_PROFILE=local "$AWSSO" use --creds dev --shell bash
# A token whose time is up, with a refresh token: the refresh grant goes to OIDC.
sed -i 's/"expiresAt":"[^"]*"/"expiresAt":"2000-01-01T00:00:00Z"/' "$HOME"/.aws/sso/cache/*.json
run refresh AWS_PROFILE=local "$AWSSO" use dev --shell bash
run login AWS_PROFILE=local "$AWSSO" login --sso-session corp --use-device-code --no-browser --force
run whoami AWSSO_PROFILE=dev AWS_ACCESS_KEY_ID=ASIAEXAMPLE AWS_SECRET_ACCESS_KEY=SECRET-KEY "$AWSSO" whoami --verify
run logout AWS_PROFILE=local "$AWSSO" logout --sso-session corp
exec {REC[1]}>&-
wait
"#;
    let out = sb
        .command(&unshare)
        .args(["-n", "bash", "-c", script])
        .env("PY", python())
        .env("RECORDER", recorder_script())
        .env("AWSSO", crate::util::AWSSO)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let read = |f: &str| std::fs::read_to_string(sb.path(f)).unwrap_or_default();
    for (name, codes) in [
        ("use-creds", &[1][..]),
        ("refresh", &[3][..]),
        ("login", &[1][..]),
        ("whoami", &[1][..]),
        ("logout", &[0][..]),
    ] {
        let rc: i32 = read(&format!("{name}.rc")).trim().parse().unwrap();
        let err = read(&format!("{name}.err"));
        assert!(codes.contains(&rc), "{name}: exit {rc}: {err}");
        assert!(read(&format!("{name}.out")).is_empty(), "{name}: stdout");
        assert!(
            err.lines().all(|l| l.starts_with("awsso: ")) && !err.is_empty(),
            "{name}: {err:?}"
        );
        for secret in ["SECRET-ACCESS-TOKEN", "SECRET-REFRESH", "SECRET-CLIENT", "SECRET-KEY"] {
            assert!(!err.contains(secret), "{name}: {err}");
        }
    }
    let bytes = read("recorded");
    assert!(bytes.is_empty(), "the active profile's endpoint received: {bytes}");
}

/// Plain `http://` to anything but loopback is refused for SSO and STS (finding 1): a usage error naming the
/// variable, before anything is sent.
#[test]
fn plain_http_endpoints_are_refused_except_to_loopback() {
    let sb = Sandbox::with_config(&ISOLATION_CONFIG.replace("RECORDER", "http://127.0.0.1:9"));
    sb.write_token("corp", 3600, true);
    for var in ["AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL"] {
        let out = sb
            .awsso(&["use", "--creds", "dev", "--shell", "bash"])
            .env(var, "http://sso.example.invalid")
            .output()
            .unwrap();
        assert_clean_failure(&out, 2, &format!("{var}=http://sso.example.invalid"));
    }
    let out = sb
        .awsso(&["whoami", "--verify"])
        .env("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "not-a-secret")
        .env("AWS_ENDPOINT_URL_STS", "http://sts.example.invalid")
        .output()
        .unwrap();
    assert_clean_failure(&out, 2, "AWS_ENDPOINT_URL_STS=http://sts.example.invalid");
}

const CONFIG: &str = "\
[sso-session corp]
sso_start_url = https://d-0000000000.awsapps.com/start
sso_region = us-east-1

[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin
";

/// Finding 5: in a CI shell or an IRSA pod, botocore ranks the web-identity variables above `AWS_PROFILE`; `use`
/// and `exec --profile-env` (profile mode) clear them, so the identity the prompt names is the one the AWS CLI uses.
#[test]
fn use_and_exec_clear_the_web_identity_variables() {
    let sb = Sandbox::with_config(CONFIG)
        .env("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/secrets/token")
        .env("AWS_ROLE_ARN", "arn:aws:iam::999999999999:role/ci")
        .env("AWS_ROLE_SESSION_NAME", "ci");
    sb.write_token("corp", 3600, false);
    let out = sb
        .command("bash")
        .args(["-c", r#"eval "$("$AWSSO" use dev --shell bash)" && env"#])
        .env("AWSSO", crate::util::AWSSO)
        .output()
        .unwrap();
    let exec = sb.run(&["exec", "--profile-env", "dev", "--", "env"]);
    for (what, out) in [("use", &out), ("exec", &exec)] {
        assert!(out.status.success(), "{what}: {}", stderr(out));
        let env = stdout(out);
        assert!(env.lines().any(|l| l == "AWS_PROFILE=dev"), "{what}: {env}");
        for var in ["AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME"] {
            assert!(!env.contains(&format!("{var}=")), "{what} left {var}: {env}");
        }
    }
}

/// Finding 10: a role-cache file that cannot be deleted stopped `logout` before the portal's Logout and before the
/// token was deleted, with an error naming no path. Now the session is logged out and the token gone first, and
/// the file is a warning that names it.
#[test]
fn logout_logs_out_and_forgets_the_token_even_when_a_cache_file_cannot_go() {
    let emu = crate::util::Emulator::start(&["--auto-approve"]);
    let sb = Sandbox::with_config(CONFIG)
        .env("AWS_ENDPOINT_URL_SSO", &emu.url)
        .env("AWS_ENDPOINT_URL_SSO_OIDC", &emu.url);
    let out = sb.run(&["login", "--sso-session", "corp", "--use-device-code", "--no-browser"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = sb.run(&["use", "--creds", "dev", "--shell", "bash"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The cached role credentials become a non-empty directory: not even root can unlink that as a file.
    let cached = std::fs::read_dir(sb.path(".aws/cli/cache"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::remove_file(&cached).unwrap();
    std::fs::create_dir(&cached).unwrap();
    std::fs::write(cached.join("keep"), "x").unwrap();

    let out = sb.run(&["logout", "--sso-session", "corp"]);
    assert_eq!(emu.stats()["logouts"].as_u64(), Some(1), "{}", stderr(&out));
    assert!(
        !sb.path(&format!(".aws/sso/cache/{}.json", crate::util::sha1_hex("corp")))
            .exists(),
        "the token is gone: {}",
        stderr(&out)
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(&cached.display().to_string()), "{err}");
}

/// Finding 7: control characters from the config or the environment reached the terminal raw: a CR overwrote the
/// prompt, an OSC set the window title. Human output, messages and the prompt escape them.
#[test]
fn control_characters_never_reach_the_terminal_raw() {
    let title = "\u{1b}]0;pwned\u{7}";
    let sb = Sandbox::with_config(&format!(
        "{CONFIG}region = eu{title}west\u{9b}1\n\n[sso-session other]\nsso_start_url = https://x{title}.example\nsso_region = us-east-1\n"
    ));
    sb.write_token("corp", 3600, false);
    let hostile = format!("dev\r{title}evil");
    let runs = [
        sb.awsso(&["prompt", "--format", "{profile} {region}"])
            .env("AWS_PROFILE", "dev")
            .output()
            .unwrap(),
        sb.awsso(&["prompt"])
            .env("AWSSO_PROFILE", &hostile)
            .env("AWS_ACCESS_KEY_ID", "AKIA")
            .output()
            .unwrap(),
        sb.awsso(&["whoami"]).env("AWS_PROFILE", "dev").output().unwrap(),
        sb.awsso(&["whoami"]).env("AWS_PROFILE", &hostile).output().unwrap(),
        sb.run(&["list"]),
        sb.run(&["status"]),
        sb.run(&["use", "--shell", "bash", &hostile]),
    ];
    for out in &runs {
        let all = format!("{}{}", stdout(out), stderr(out));
        assert!(!all.is_empty());
        for c in ['\r', '\u{1b}', '\u{7}', '\u{9b}'] {
            assert!(!all.contains(c), "{c:?} raw in {all:?}");
        }
    }
    assert!(
        stdout(&runs[0]).contains(r"eu\u{1b}]0;pwned\u{7}west\u{9b}1"),
        "{}",
        stdout(&runs[0])
    );
    assert!(
        stderr(&runs[6]).contains(r"dev\r\u{1b}]0;pwned"),
        "{}",
        stderr(&runs[6])
    );
}

/// A hostile endpoint on loopback that answers every request with a 400 whose message is the whole request it
/// received (headers and body, so every token and secret sent to it), in the error shape both SDKs parse.
fn start_echo_server() -> String {
    use std::io::{BufRead as _, BufReader, Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                request.push_str(&line);
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            request.push_str(&String::from_utf8_lossy(&body));
            let answer = serde_json::json!({ "error": "invalid_request", "message": request }).to_string();
            let _ = write!(
                stream,
                "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nx-amzn-ErrorType: \
                 InvalidRequestException\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    url
}

/// Finding 8: a portal error message was printed verbatim, so an endpoint that echoes the bearer token (or the
/// refresh token and client secret) put it on stderr, and into an SDK's exception text via `credential-process`.
#[test]
fn secrets_echoed_by_an_endpoint_are_redacted_from_every_message() {
    let echo = start_echo_server();
    let sb = Sandbox::with_config(CONFIG)
        .env("AWS_ENDPOINT_URL_SSO", &echo)
        .env("AWS_ENDPOINT_URL_SSO_OIDC", &echo);
    sb.write_token("corp", 3600, true);
    let creds = sb.run(&["credential-process", "--profile", "dev"]);
    let logout = sb.run(&["logout", "--sso-session", "corp"]);
    sb.write_token("corp", -60, true);
    let refresh = sb.run(&["use", "dev", "--shell", "bash"]);
    for (what, out) in [
        ("credential-process", &creds),
        ("logout", &logout),
        ("refresh", &refresh),
    ] {
        let err = stderr(out);
        assert!(
            err.contains("***"),
            "{what}: the endpoint's echo is shown, redacted: {err}"
        );
        for secret in ["SECRET-ACCESS-TOKEN", "SECRET-REFRESH", "SECRET-CLIENT"] {
            assert!(!err.contains(secret), "{what}: {secret} in {err}");
        }
    }
}

/// Finding 9: `credential-process` waited silently for the whole of another awsso's pending login (up to 600 s),
/// then exited 3. Where no interaction is allowed it fails at once; a `login` says it waits.
#[test]
fn a_pending_login_elsewhere_fails_fast_without_interaction_and_is_announced_with_it() {
    use std::io::BufRead as _;
    let emu = crate::util::Emulator::start(&[]); // never approves: the first login stays pending
    let sb = Sandbox::with_config(CONFIG)
        .env("AWS_ENDPOINT_URL_SSO", &emu.url)
        .env("AWS_ENDPOINT_URL_SSO_OIDC", &emu.url);
    let login = ["login", "--sso-session", "corp", "--use-device-code", "--no-browser"];
    let mut first = sb.awsso(&login).stderr(std::process::Stdio::piped()).spawn().unwrap();
    let mut lines = std::io::BufReader::new(first.stderr.take().unwrap()).lines();
    // Once it says where to log in, it holds the session's locks and waits for the user.
    while !lines.next().unwrap().unwrap().contains("open") {}

    let out = sb.run(&["credential-process", "--profile", "dev"]);
    assert_clean_failure(&out, 3, "a login to sso-session `corp` is in progress in another awsso");

    let mut second = sb.awsso(&login).stderr(std::process::Stdio::piped()).spawn().unwrap();
    let said = std::io::BufReader::new(second.stderr.take().unwrap())
        .lines()
        .next()
        .unwrap()
        .unwrap();
    assert!(said.contains("waiting for the login to"), "{said}");
    for child in [&mut first, &mut second] {
        child.kill().unwrap();
        child.wait().unwrap();
    }
}

const POPULATE_CONFIG: &str = "\
[sso-session corp]
sso_start_url = https://d-0000000000.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[sso-session other]
sso_start_url = https://d-1111111111.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
";

/// A sandbox on `emu` logged in to the sessions `corp` and `other`.
fn populate_sandbox(emu: &crate::util::Emulator, config: &str) -> Sandbox {
    let sb = Sandbox::with_config(config)
        .env("AWS_ENDPOINT_URL_SSO", &emu.url)
        .env("AWS_ENDPOINT_URL_SSO_OIDC", &emu.url)
        .env("AWSSO_PORTAL_RATE", "100000");
    for session in ["corp", "other"] {
        let out = sb.run(&["login", "--sso-session", session, "--use-device-code", "--no-browser"]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    sb
}

/// Issue 9, finding 2: populate saved the text it read before the listing, so a hand edit made meanwhile was lost
/// (and it still said it succeeded). Now it applies its additions to the file as it is, under the config lock.
#[test]
fn populate_keeps_a_hand_edit_made_while_it_listed() {
    let emu = crate::util::Emulator::start(&["--auto-approve", "--accounts", "3", "--roles", "2"]);
    let sb = populate_sandbox(&emu, POPULATE_CONFIG);
    // Slow from here on: every portal request waits 400 ms, so the listing (4+ requests) outlasts the edit.
    emu.admin("POST", "config", r#"{"latency_ms": 400}"#);
    emu.admin("POST", "reset-stats", "");
    let child = sb
        .awsso(&["populate", "--sso-session", "corp"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // ListAccounts answered: populate has read the file and is listing roles now.
    while emu.stats()["list_accounts"].as_u64().unwrap_or(0) == 0 {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let edit = "\n[profile handmade]\nregion = eu-west-1\n";
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(sb.path(".aws/config"))
        .unwrap();
    std::io::Write::write_all(&mut file, edit.as_bytes()).unwrap();
    drop(file);
    assert!(
        emu.stats()["list_account_roles"].as_u64().unwrap_or(0) < 3,
        "the edit came while populate was still listing (else this test proves nothing)"
    );
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(sb.path(".aws/config")).unwrap();
    assert!(text.starts_with(&format!("{POPULATE_CONFIG}{edit}")), "{text}");
    assert_eq!(text.matches("awsso_populated = true").count(), 6, "{text}");
}

/// Issue 9, finding 2: of two concurrent populates (two sessions), the one that wrote last erased the other's
/// profiles, and both exited 0. Now both keep theirs.
#[test]
fn two_concurrent_populates_of_different_sessions_both_keep_their_profiles() {
    let emu = crate::util::Emulator::start(&["--auto-approve", "--accounts", "3", "--roles", "2"]);
    let sb = populate_sandbox(&emu, POPULATE_CONFIG);
    emu.admin("POST", "config", r#"{"latency_ms": 300}"#);
    let children: Vec<_> = ["corp", "other"]
        .iter()
        .map(|session| {
            sb.awsso(&[
                "populate",
                "--sso-session",
                session,
                "--template",
                "{session}-{account_id}-{role_name}",
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let text = std::fs::read_to_string(sb.path(".aws/config")).unwrap();
    assert!(text.starts_with(POPULATE_CONFIG), "{text}");
    for session in ["corp", "other"] {
        assert_eq!(
            text.matches(&format!("[profile {session}-")).count(),
            6,
            "{session}'s profiles are all there:\n{text}"
        );
    }
}

/// Issue 9, finding 13: one role name from the portal that the config file cannot hold (leading space, tab, line
/// break) made populate refuse every profile. Now it is skipped with a warning, and the others are written.
#[test]
fn populate_skips_an_unwritable_role_name_with_a_warning() {
    let emu = crate::util::Emulator::start(&[
        "--auto-approve",
        "--accounts",
        "2",
        "--roles",
        "2",
        "--extra-role",
        " Lead",
        "--extra-role",
        "\tTab",
        "--extra-role",
        "New\nLine",
    ]);
    let sb = populate_sandbox(&emu, POPULATE_CONFIG);
    let out = sb.run(&["populate", "--sso-session", "corp"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.matches("skipped account").count(), 6, "{err}");
    assert!(err.contains("4 new"), "{err}");
    let text = std::fs::read_to_string(sb.path(".aws/config")).unwrap();
    assert_eq!(text.matches("awsso_populated = true").count(), 4, "{text}");
    assert!(
        !text.contains("Lead") && !text.contains("Tab") && !text.contains("Line"),
        "{text}"
    );
}

/// Issue 9, finding 15: a portal that lists nothing (a permission hiccup) made `--prune` remove every populated
/// profile of the session. Now that needs `--force`.
#[test]
fn prune_with_an_empty_listing_needs_force() {
    let emu = crate::util::Emulator::start(&["--auto-approve", "--accounts", "2", "--roles", "1"]);
    let sb = populate_sandbox(&emu, POPULATE_CONFIG);
    assert!(sb.run(&["populate", "--sso-session", "corp"]).status.success());
    let populated = std::fs::read_to_string(sb.path(".aws/config")).unwrap();
    assert_eq!(populated.matches("awsso_populated = true").count(), 2);
    drop(emu);
    let emu = crate::util::Emulator::start(&["--auto-approve", "--accounts", "0"]);
    let sb = sb
        .env("AWS_ENDPOINT_URL_SSO", &emu.url)
        .env("AWS_ENDPOINT_URL_SSO_OIDC", &emu.url);
    for entry in std::fs::read_dir(sb.path(".aws/sso/cache")).unwrap() {
        std::fs::remove_file(entry.unwrap().path()).unwrap();
    }
    let login = sb.run(&["login", "--sso-session", "corp", "--use-device-code", "--no-browser"]);
    assert!(login.status.success(), "{}", stderr(&login));
    assert_clean_failure(&sb.run(&["populate", "--sso-session", "corp", "--prune"]), 2, "--force");
    assert_eq!(std::fs::read_to_string(sb.path(".aws/config")).unwrap(), populated);
    let forced = sb.run(&["populate", "--sso-session", "corp", "--prune", "--force"]);
    assert!(forced.status.success(), "{}", stderr(&forced));
    let after = std::fs::read_to_string(sb.path(".aws/config")).unwrap();
    assert_eq!(after.matches("awsso_populated = true").count(), 0, "{after}");
}

/// Run `awsso ARGS` in `sb` with at most 1 GB of address space and 10 s of CPU, killed after a minute: resource
/// bounds a hundred times above what the fixed code needs (milliseconds), which the broken one exceeded (it never
/// answered, or computed for 30 s on this machine).
fn run_bounded(sb: &Sandbox, args: &[&str]) -> std::process::Output {
    let mut child = sb
        .command("sh")
        .arg("-c")
        .arg("ulimit -v 1000000; ulimit -t 10; exec \"$0\" \"$@\"")
        .arg(crate::util::AWSSO)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_mins(1);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("awsso {args:?} hung");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// Issue 9, finding 15: `AWS_CONFIG_FILE` naming a FIFO hung every command (the prompt too), and `/dev/zero` was read
/// until memory ran out. Now only a regular file is read, up to a size cap.
#[test]
fn a_config_file_that_is_a_fifo_or_a_device_is_refused() {
    let sb = Sandbox::new();
    let fifo = sb.path("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    for file in [fifo.to_str().unwrap(), "/dev/zero"] {
        let sb = Sandbox::new().env("AWS_CONFIG_FILE", file);
        let out = run_bounded(&sb, &["list"]);
        assert_ne!(out.status.code(), Some(0), "{file}");
        assert!(out.stdout.is_empty(), "{file}");
        assert!(
            stderr(&out).contains("is not a regular file"),
            "{file}: {}",
            stderr(&out)
        );
        // The prompt never fails (it shows nothing it cannot read), and never waits.
        run_bounded(&sb.env("AWS_PROFILE", "dev"), &["prompt"]);
    }
}

/// Issue 9, finding 15: `init --cmd eval` was accepted, and its wrapper (which runs `eval`) called itself.
#[test]
fn init_refuses_a_keyword_or_builtin_as_the_command_name() {
    let sb = Sandbox::new();
    for shell in ["bash", "zsh", "fish"] {
        for name in ["eval", "local", "source", "string"] {
            assert_clean_failure(&sb.run(&["init", shell, "--cmd", name]), 2, "keyword or builtin");
        }
    }
    assert!(sb.run(&["init", "bash", "--cmd", "sw"]).status.success());
}

/// `awsso use ARGS…` through the shell integration (`init`) of `shell`, then `AWS_PROFILE` on stdout.
#[cfg(feature = "real-tools")]
fn use_through_the_wrapper(sb: &Sandbox, shell: &str, args: &[&str]) -> std::process::Output {
    let script = match shell {
        "fish" => "$argv[1] init fish | source; awsso $argv[2..-1]; printf '%s' \"$AWS_PROFILE\"",
        _ => "eval \"$(\"$0\" init $SHELL_NAME)\"; awsso \"$@\"; printf '%s' \"${AWS_PROFILE-}\"",
    };
    let mut cmd = sb.command(crate::util::require(shell));
    match shell {
        "fish" => cmd.args(["--no-config", "-c", script, crate::util::AWSSO]),
        "zsh" => cmd.args(["-f", "-c", script, crate::util::AWSSO]),
        _ => cmd.args(["--norc", "--noprofile", "-c", script, crate::util::AWSSO]),
    };
    cmd.env("SHELL_NAME", shell).args(args).output().unwrap()
}

/// Issue 9, finding 14: the bash and zsh wrappers looked for `-h`/`--help` in the joined argument string, so
/// `awsso use 'a -h b'` and `awsso use -- -h` printed the code instead of applying it. Now each argument is looked at,
/// up to `--`; `-h` and `--help` still show the help.
#[cfg(feature = "real-tools")]
#[test]
fn the_wrappers_see_help_only_in_a_whole_argument_before_the_double_dash() {
    let sb = Sandbox::with_config(
        "[profile 'a -h b']\nregion = us-east-1\n\n[profile -h]\nregion = us-east-1\n\n\
         [profile --help]\nregion = us-east-1\n",
    );
    for shell in ["bash", "zsh", "fish"] {
        for (args, profile) in [
            (&["use", "a -h b"][..], "a -h b"),
            (&["use", "--", "-h"], "-h"),
            (&["use", "--", "--help"], "--help"),
        ] {
            let out = use_through_the_wrapper(&sb, shell, args);
            assert!(out.status.success(), "{shell} {args:?}: {}", stderr(&out));
            assert_eq!(stdout(&out), profile, "{shell} {args:?}: {}", stderr(&out));
        }
        let help = use_through_the_wrapper(&sb, shell, &["use", "-h"]);
        assert!(stdout(&help).contains("Usage"), "{shell}: {}", stdout(&help));
    }
}

/// Issue 9, finding 15: "did you mean" computed a full edit distance, quadratic in name length: a 20 kB typo of a
/// 20 kB profile name took 30 s of CPU. Now only a prefix of each name is compared.
#[test]
fn did_you_mean_is_bounded_for_a_huge_name() {
    let long = "x".repeat(20_000);
    let sb = Sandbox::with_config(&format!("[profile {long}]\nregion = us-east-1\n"));
    let typo = format!("{}y", "x".repeat(19_999));
    let out = run_bounded(&sb, &["use", "--shell", "bash", "--", &typo]);
    assert_clean_failure(&out, 2, "did you mean");
    let out = run_bounded(&sb, &["populate", "--region", &typo]);
    assert_clean_failure(&out, 2, "not an AWS region");
}

/// Issue 9, finding 15: an `sso_region` from the file was not validated, and a bad one surfaced as the SDK's opaque
/// "failed to construct request". Now it is a usage error naming the section and key.
#[test]
fn a_bad_sso_region_in_the_file_is_a_usage_error_naming_the_key() {
    for region in ["us east 1", "US-EAST-1", "evil.com/x", "-"] {
        let sb = Sandbox::with_config(&format!(
            "[sso-session corp]\nsso_start_url = https://d-0000000000.awsapps.com/start\nsso_region = {region}\n\n\
             [profile dev]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Admin\n\n\
             [profile old]\nsso_start_url = https://d-0000000000.awsapps.com/start\nsso_region = {region}\n\
             sso_account_id = 111111111111\nsso_role_name = Admin\n"
        ));
        for (args, section) in [
            (
                &["login", "--sso-session", "corp", "--no-browser"][..],
                "[sso-session corp]",
            ),
            (&["use", "--creds", "--shell", "bash", "dev"], "[sso-session corp]"),
            (&["login", "--profile", "old", "--no-browser"], "[profile old]"),
        ] {
            let err = assert_clean_failure(&sb.run(args), 2, "sso_region");
            assert!(err.contains(section), "{region} {args:?}: {err}");
        }
    }
}

/// Issue 9, finding 4: bash inserted completed names unquoted, so a profile name with `$(…)` or `;` ran when the
/// completed line was entered, and a name with a space completed as two words. Now candidates reach bash as shell
/// words. In a real bash in tmux, each name of the hostile-value corpus that a config file can hold is completed
/// with Tab (the only profile in the file), the line is entered, and the command receives exactly the name; nothing
/// runs.
#[cfg(feature = "real-tools")]
#[test]
fn bash_tab_completion_inserts_hostile_names_quoted() {
    use crate::interactive::Tmux;
    use crate::shells::{config_names, config_with};
    let sb = Sandbox::new();
    let home = sb.home().to_str().unwrap().to_owned();
    // After init, `awsso` (the wrapper) is replaced by a function that writes its last argument to a file; the
    // completion registered for `awsso` stays.
    sb.write(
        ".bashrc",
        format!(
            "PS1='$ '\neval \"$({} init bash)\"\nawsso() {{ printf '%s' \"${{@: -1}}\" > \"$HOME/got.tmp\" && mv \"$HOME/got.tmp\" \"$HOME/got\"; }}\n",
            crate::interactive::posix_word(crate::util::AWSSO)
        ),
    );
    let t = Tmux::start(
        &sb,
        "bash",
        &[],
        &["--noprofile", "--rcfile", &format!("{home}/.bashrc"), "-i"],
    );
    t.wait_for("first prompt", |l| l.last().is_some_and(|p| p == "$"));
    let got = sb.path("got");
    let mut failures = Vec::new();
    for name in config_names() {
        sb.write(".aws/config", config_with(&[&name]));
        t.type_text("awsso use -- ");
        t.key("Tab");
        t.key("Enter");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !got.exists() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        match std::fs::read(&got) {
            Ok(bytes) if bytes == name.as_bytes() => {}
            Ok(bytes) => failures.push(format!("{name:?} read back as {:?}", String::from_utf8_lossy(&bytes))),
            Err(_) => {
                failures.push(format!(
                    "{name:?}: the line never ran; the pane:\n{}",
                    t.lines().join("\n")
                ));
                break;
            }
        }
        let _ = std::fs::remove_file(&got);
        assert!(!sb.path("pwned").exists(), "{name:?} ran a command");
    }
    assert!(
        failures.is_empty(),
        "{} names failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
