//! Role credentials: `use --creds` in real shells, `exec`, `credential-process` (also as boto3 runs it), `whoami`
//! (verified by moto's STS), the role-credential cache shared with AWS CLI v2, concurrency and faults — all
//! against the SSO emulator.

use std::process::{Command, Output, Stdio};

use crate::util::{Emulator, Sandbox, assert_clean_failure, sha1_hex, stderr, stdout};
#[cfg(feature = "real-tools")]
use crate::util::{python, require};

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

[profile noregion]
sso_session = corp
sso_account_id = 111111111112
sso_role_name = ReadOnly

[profile unassigned]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = NotMyRole

[profile via-process]
credential_process = AWSSO credential-process --profile dev
region = eu-west-1

[profile plain]
region = eu-west-1
";

fn sandbox(emu: &Emulator) -> Sandbox {
    let sb = Sandbox::with_config(&CONFIG.replace("AWSSO", crate::util::AWSSO))
        .env("AWS_ENDPOINT_URL_SSO", &emu.url)
        .env("AWS_ENDPOINT_URL_SSO_OIDC", &emu.url);
    let out = sb.run(&["login", "--sso-session", "corp", "--use-device-code", "--no-browser"]);
    assert!(out.status.success(), "{}", stderr(&out));
    sb
}

fn process_doc(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", stderr(out));
    serde_json::from_slice(&out.stdout).expect("credential_process JSON")
}

#[cfg(feature = "real-tools")]
/// The variables `use --creds` sets and removes, in each real shell: the environment before and after `eval`
/// differs in exactly these, and boto3 started from that shell resolves the same access key from it.
#[test]
fn use_creds_in_real_shells() {
    let emu = Emulator::start(&["--auto-approve"]);
    let sb = sandbox(&emu);
    let doc = process_doc(&sb.run(&["credential-process", "--profile", "dev"]));
    let key = doc["AccessKeyId"].as_str().unwrap().to_owned();
    let py = python();
    let boto = format!(
        "{} -c 'import boto3; print(boto3.Session().get_credentials().get_frozen_credentials().access_key)'",
        py.display()
    );
    for shell in ["bash", "zsh", "fish"] {
        let code = stdout(&sb.run(&["use", "--creds", "dev", "--shell", shell]));
        sb.write("code.txt", &code);
        let script = match shell {
            "fish" => format!(
                "set -gx AWS_PROFILE old; set -gx AWS_DEFAULT_PROFILE old2; set -gx KEEP_ME 1\n\
                 env | sort > before.txt\nsource code.txt\nenv | sort > after.txt\n{boto}"
            ),
            _ => format!(
                "export AWS_PROFILE=old AWS_DEFAULT_PROFILE=old2 KEEP_ME=1\n\
                 env | sort > before.txt\neval \"$(cat code.txt)\"\nenv | sort > after.txt\n{boto}"
            ),
        };
        let out = sb.command(require(shell)).arg("-c").arg(&script).output().unwrap();
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        assert_eq!(stdout(&out).trim(), key, "{shell}: boto3 sees the exported key");
        let lines = |f: &str| -> std::collections::BTreeSet<String> {
            std::fs::read_to_string(sb.path(f))
                .unwrap()
                .lines()
                .filter(|l| !l.starts_with("_=") && !l.starts_with("SHLVL=") && !l.starts_with("PWD="))
                .map(str::to_owned)
                .collect()
        };
        let (before, after) = (lines("before.txt"), lines("after.txt"));
        let removed: Vec<&str> = before
            .difference(&after)
            .map(|l| l.split('=').next().unwrap())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let added: std::collections::BTreeSet<&str> = after
            .difference(&before)
            .map(|l| l.split('=').next().unwrap())
            .collect();
        assert_eq!(removed, ["AWS_DEFAULT_PROFILE", "AWS_PROFILE"], "{shell}");
        assert_eq!(
            added.into_iter().collect::<Vec<_>>(),
            [
                "AWSSO_PROFILE",
                "AWS_ACCESS_KEY_ID",
                "AWS_CREDENTIAL_EXPIRATION",
                "AWS_DEFAULT_REGION",
                "AWS_REGION",
                "AWS_SECRET_ACCESS_KEY",
                "AWS_SESSION_TOKEN"
            ],
            "{shell}"
        );
        assert!(
            after.contains("AWS_REGION=eu-west-1") && after.contains("AWSSO_PROFILE=dev"),
            "{shell}"
        );
    }
    // One GetRoleCredentials for all of it: the rest came from the cache.
    assert_eq!(emu.stats()["get_role_credentials"].as_u64(), Some(1));
}

#[test]
fn role_credentials_are_cached_where_the_aws_cli_looks() {
    let emu = Emulator::start(&["--auto-approve"]);
    let sb = sandbox(&emu);
    let first = process_doc(&sb.run(&["credential-process", "--profile", "dev"]));
    // protocol.md §7.1: sha1 of the compact, key-sorted JSON of account, role and session.
    let key = sha1_hex(r#"{"accountId":"111111111111","roleName":"Admin","sessionName":"corp"}"#);
    let path = sb.path(&format!(".aws/cli/cache/{key}.json"));
    let cached: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(cached["ProviderType"], "sso");
    assert_eq!(cached["Credentials"]["AccessKeyId"], first["AccessKeyId"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let second = process_doc(&sb.run(&["credential-process", "--profile", "dev"]));
    assert_eq!(first, second);
    assert_eq!(emu.stats()["get_role_credentials"].as_u64(), Some(1));
    assert_eq!(first["Version"], 1);
    assert!(first["Expiration"].as_str().unwrap().ends_with('Z'));
    assert!(stdout(&sb.run(&["credential-process", "--profile", "dev"])).starts_with("{\n  \"Version\": 1,"));

    // Within 10 minutes of expiry they are fetched again; logout deletes them.
    let mut near = cached.clone();
    near["Credentials"]["Expiration"] = "2000-01-01T00:00:00Z".into();
    std::fs::write(&path, near.to_string()).unwrap();
    process_doc(&sb.run(&["credential-process", "--profile", "dev"]));
    assert_eq!(emu.stats()["get_role_credentials"].as_u64(), Some(2));
    assert!(sb.run(&["logout", "--sso-session", "corp"]).status.success());
    assert!(!path.exists());
}

#[cfg(feature = "real-tools")]
#[test]
fn boto3_runs_credential_process() {
    let emu = Emulator::start(&["--auto-approve"]);
    let sb = sandbox(&emu);
    let doc = process_doc(&sb.run(&["credential-process", "--profile", "dev"]));
    let out = sb
        .command(python())
        .args([
            "-c",
            "import boto3; print(boto3.Session(profile_name='via-process').get_credentials().get_frozen_credentials().access_key)",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), doc["AccessKeyId"]);
}

/// Twenty processes at once, with an expired access token and a live refresh token: one refresh, one
/// GetRoleCredentials, twenty identical answers, and every cache file parses afterwards.
#[test]
fn concurrent_credential_process_share_one_refresh_and_one_fetch() {
    let emu = Emulator::start(&["--auto-approve", "--latency-ms", "50"]);
    let sb = sandbox(&emu);
    let token_path = sb.path(&format!(".aws/sso/cache/{}.json", sha1_hex("corp")));
    let mut token: serde_json::Value = serde_json::from_slice(&std::fs::read(&token_path).unwrap()).unwrap();
    token["expiresAt"] = "2000-01-01T00:00:00Z".into();
    std::fs::write(&token_path, token.to_string()).unwrap();
    emu.admin("POST", "reset-stats", "");
    let children: Vec<_> = (0..20)
        .map(|_| {
            sb.awsso(&["credential-process", "--profile", "dev"])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let docs: Vec<serde_json::Value> = children
        .into_iter()
        .map(|c| process_doc(&c.wait_with_output().unwrap()))
        .collect();
    assert!(
        docs.iter().all(|d| d == &docs[0]),
        "every process got the same credentials"
    );
    let stats = emu.stats();
    assert_eq!(
        (stats["refresh_grants"].as_u64(), stats["get_role_credentials"].as_u64()),
        (Some(1), Some(1)),
        "{stats}"
    );
    for dir in [".aws/sso/cache", ".aws/cli/cache"] {
        for entry in std::fs::read_dir(sb.path(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                let parsed: Result<serde_json::Value, _> = serde_json::from_slice(&std::fs::read(&path).unwrap());
                assert!(parsed.is_ok(), "{} does not parse", path.display());
            }
        }
    }
}

#[test]
fn credential_process_never_logs_in_without_a_terminal() {
    let emu = Emulator::start(&["--auto-approve"]);
    let sb = sandbox(&emu);
    assert!(sb.run(&["logout", "--sso-session", "corp"]).status.success());
    emu.admin("POST", "reset-stats", "");
    let out = sb
        .awsso(&["credential-process", "--profile", "dev"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_clean_failure(&out, 3, "run `awsso login --sso-session corp`");
    let stats = emu.stats();
    assert_eq!(
        (
            stats["device_authorizations"].as_u64(),
            stats["authorizations"].as_u64()
        ),
        (Some(0), Some(0))
    );
}

#[test]
fn faults_are_one_line_errors_with_empty_stdout() {
    // A 429 storm: the SDK retries with backoff, then a clear error.
    let emu = Emulator::start(&["--auto-approve", "--throttle-every", "1"]);
    let sb = sandbox(&emu);
    assert_clean_failure(
        &sb.run(&["credential-process", "--profile", "dev"]),
        1,
        "TooManyRequestsException",
    );
    assert!(emu.stats()["throttled"].as_u64().unwrap() >= 3, "retried first");
    // One 429 in three: retried and through.
    emu.admin("POST", "config", r#"{"throttle_every": 3}"#);
    process_doc(&sb.run(&["credential-process", "--profile", "dev"]));

    // Token revoked by a logout elsewhere: 401, exit 3 with the login command, and the dead token is forgotten.
    let emu = Emulator::start(&["--auto-approve"]);
    let sb = sandbox(&emu);
    emu.admin("POST", "revoke-tokens", "");
    assert_clean_failure(
        &sb.run(&["use", "--creds", "dev"]),
        3,
        "run `awsso login --sso-session corp`",
    );
    assert!(!sb.path(&format!(".aws/sso/cache/{}.json", sha1_hex("corp"))).exists());

    // A role that is not assigned: names the profile and the role.
    let emu = Emulator::start(&["--auto-approve"]);
    let sb = sandbox(&emu);
    assert_clean_failure(
        &sb.run(&["credential-process", "--profile", "unassigned"]),
        1,
        "profile `unassigned`: role `NotMyRole` in account 111111111111 is not assigned",
    );
    // A profile with no credentials at all: a usage error. (One with credential_process resolves: issue 10.)
    assert_clean_failure(
        &sb.run(&["use", "--creds", "plain", "--shell", "bash"]),
        2,
        "profile `plain` has no credentials",
    );

    // The emulator is gone (the token is still valid, so this is GetRoleCredentials failing to connect); the
    // error names where it tried (issue 15, item 10).
    let url = emu.url.clone();
    drop(emu);
    assert_clean_failure(
        &sb.run(&["exec", "dev", "--", "true"]),
        1,
        &format!("could not connect to {url}"),
    );
}

#[test]
fn exec_passes_status_signals_and_keeps_secrets_off_argv() {
    let emu = Emulator::start(&["--auto-approve"]);
    let sb = sandbox(&emu);
    for code in [0, 1, 42] {
        let out = sb.run(&["exec", "dev", "--", "sh", "-c", &format!("exit {code}")]);
        assert_eq!(out.status.code(), Some(code));
    }
    let out = sb.run(&[
        "exec",
        "dev",
        "--",
        "sh",
        "-c",
        "echo \"$AWS_ACCESS_KEY_ID|$AWSSO_PROFILE|${AWS_PROFILE-unset}|$AWS_REGION\"",
    ]);
    let line = stdout(&out);
    assert!(
        line.starts_with("ASIA") && line.trim_end().ends_with("|dev|unset|eu-west-1"),
        "{line}"
    );
    let out = sb.run(&[
        "exec",
        "dev",
        "--profile-env",
        "--",
        "sh",
        "-c",
        "echo \"${AWS_ACCESS_KEY_ID-none}|$AWS_PROFILE\"",
    ]);
    assert_eq!(stdout(&out), "none|dev\n");

    // SIGTERM reaches the command (awsso replaced itself with it), and its argv holds no secret.
    let mut child = sb
        .awsso(&["exec", "dev", "--", "sleep", "30"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id().to_string();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let cmdline = loop {
        let ps = Command::new("ps").args(["-o", "args=", "-p", &pid]).output().unwrap();
        let args = stdout(&ps);
        if args.starts_with("sleep") {
            break args;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the command never started: {args:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(cmdline.trim(), "sleep 30");
    let secret = std::fs::read_to_string(
        std::fs::read_dir(sb.path(".aws/cli/cache"))
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path(),
    )
    .unwrap();
    let cached: serde_json::Value = serde_json::from_str(&secret).unwrap();
    let secret_key = cached["Credentials"]["SecretAccessKey"].as_str().unwrap();
    assert!(!cmdline.contains(secret_key));
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = child.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(15),
        "the command died of SIGTERM itself: {status:?}"
    );
}

#[cfg(feature = "real-tools")]
/// `whoami` offline in both modes, and `--verify` against moto's STS on loopback.
#[test]
fn whoami_offline_and_verified_by_sts() {
    let emu = Emulator::start(&["--auto-approve"]);
    let sb = sandbox(&emu);
    let moto = Moto::start();
    let sb = sb.env("AWS_ENDPOINT_URL_STS", &moto.url);

    let profile_mode = sb
        .command(crate::util::AWSSO)
        .args(["whoami", "--json"])
        .env("AWS_PROFILE", "dev")
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&profile_mode.stdout).unwrap();
    assert_eq!(
        (report["source"].as_str(), report["account_id"].as_str()),
        (Some("profile"), Some("111111111111"))
    );
    assert!(report.get("verified").is_none());

    let verified = sb
        .command(crate::util::AWSSO)
        .args(["whoami", "--verify", "--json"])
        .env("AWS_PROFILE", "dev")
        .output()
        .unwrap();
    assert!(verified.status.success(), "{}", stderr(&verified));
    let report: serde_json::Value = serde_json::from_slice(&verified.stdout).unwrap();
    assert!(
        report["verified"]["arn"].as_str().unwrap().starts_with("arn:aws:"),
        "{report}"
    );

    // Raw credentials, as `use --creds` leaves them.
    let doc = process_doc(&sb.run(&["credential-process", "--profile", "dev"]));
    let raw = sb
        .command(crate::util::AWSSO)
        .args(["whoami", "--verify"])
        .env("AWSSO_PROFILE", "dev")
        .env("AWS_ACCESS_KEY_ID", doc["AccessKeyId"].as_str().unwrap())
        .env("AWS_SECRET_ACCESS_KEY", doc["SecretAccessKey"].as_str().unwrap())
        .env("AWS_SESSION_TOKEN", doc["SessionToken"].as_str().unwrap())
        .env("AWS_CREDENTIAL_EXPIRATION", doc["Expiration"].as_str().unwrap())
        .output()
        .unwrap();
    assert!(raw.status.success(), "{}", stderr(&raw));
    let text = stdout(&raw);
    assert!(
        text.contains("source    credentials") && text.contains("arn       arn:aws:"),
        "{text}"
    );
    assert!(!text.contains(doc["SecretAccessKey"].as_str().unwrap()));

    let nothing = Sandbox::new().run(&["whoami"]);
    assert_clean_failure(&nothing, 1, "no AWS identity is active");
}

#[cfg(feature = "real-tools")]
/// moto's server answering STS on a loopback port it binds itself (tests/support/moto_server.py binds port 0 and
/// reports the port: no window in which another process can take it). Killed when dropped.
#[cfg(feature = "real-tools")]
pub(crate) struct Moto {
    child: std::process::Child,
    pub(crate) url: String,
}

#[cfg(feature = "real-tools")]
impl Moto {
    pub(crate) fn start() -> Self {
        use std::io::BufRead as _;
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/moto_server.py");
        let mut child = Command::new(python())
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(
            line.starts_with("http://127.0.0.1:"),
            "moto said {line:?}: is moto in .venv? run scripts/setup-tests"
        );
        Self {
            child,
            url: line.trim().to_owned(),
        }
    }
}

#[cfg(feature = "real-tools")]
impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
