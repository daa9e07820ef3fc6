//! Role chains against the emulator's STS (protocol.md §12), with botocore as the reference: the same AssumeRole
//! calls and the same assumed-role ARN over two dozen chain configurations, cache interop both ways with botocore's
//! `JSONFileCache`, twenty concurrent `credential-process` calls sharing one call per hop, real shells, and faults.

use std::process::Output;

use crate::util::{AWSSO, Emulator, Sandbox, assert_clean_failure, python, stderr, stdout};

const BASE: &str = "\
[sso-session corp]
sso_start_url = https://d-0000000000.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile hub]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin
region = us-east-1

[profile legacy]
sso_start_url = https://d-0000000000.awsapps.com/start
sso_region = us-east-1
sso_account_id = 111111111111
sso_role_name = Admin

[profile spoke]
role_arn = arn:aws:iam::222222222222:role/Deploy
source_profile = hub

[profile deep]
role_arn = arn:aws:iam::333333333333:role/team/Reader
source_profile = spoke
role_session_name = alice

[profile deeper]
role_arn = arn:aws:iam::444444444444:role/Ops
source_profile = deep

[profile over-legacy]
role_arn = arn:aws:iam::222222222222:role/Deploy
source_profile = legacy

[profile ext-ok]
role_arn = arn:aws:iam::222222222222:role/NeedsExt
source_profile = hub
external_id = ext-123

[profile ext-wrong]
role_arn = arn:aws:iam::222222222222:role/NeedsExt
source_profile = hub
external_id = nope

[profile named]
role_arn = arn:aws:iam::222222222222:role/Deploy
source_profile = hub
role_session_name = bob@example.com

[profile short]
role_arn = arn:aws:iam::222222222222:role/Deploy
source_profile = hub
duration_seconds = 900

[profile too-long]
role_arn = arn:aws:iam::222222222222:role/Deploy
source_profile = hub
duration_seconds = 7200

[profile long-over-keys]
role_arn = arn:aws:iam::222222222222:role/Deploy
source_profile = keys
duration_seconds = 7200

[profile odd-duration]
role_arn = arn:aws:iam::222222222222:role/Deploy
source_profile = hub
duration_seconds = an hour

[profile mfa]
role_arn = arn:aws:iam::222222222222:role/NeedsMfa
source_profile = hub
mfa_serial = arn:aws:iam::111111111111:mfa/alice

[profile over-keys]
role_arn = arn:aws:iam::555555555555:role/FromKeys
source_profile = keys

[profile over-config-keys]
role_arn = arn:aws:iam::555555555555:role/FromKeys
source_profile = config-keys

[profile config-keys]
aws_access_key_id = USER_KEY
aws_secret_access_key = USER_SECRET

[profile self]
role_arn = arn:aws:iam::555555555555:role/Self
source_profile = self
aws_access_key_id = USER_KEY
aws_secret_access_key = USER_SECRET

[profile proc]
credential_process = printf '{\"Version\": 1, \"AccessKeyId\": \"USER_KEY\", \"SecretAccessKey\": \"USER_SECRET\"}'

[profile over-proc]
role_arn = arn:aws:iam::666666666666:role/FromProcess
source_profile = proc

[profile over-env]
role_arn = arn:aws:iam::666666666666:role/FromEnv
credential_source = Environment

[profile loop-a]
role_arn = arn:aws:iam::555555555555:role/A
source_profile = loop-b

[profile loop-b]
role_arn = arn:aws:iam::555555555555:role/B
source_profile = loop-a

[profile lost]
role_arn = arn:aws:iam::555555555555:role/A
source_profile = nowhere

[profile both]
role_arn = arn:aws:iam::555555555555:role/A
source_profile = hub
credential_source = Environment

[profile ecs]
role_arn = arn:aws:iam::555555555555:role/A
credential_source = EcsContainer

[profile imds]
role_arn = arn:aws:iam::555555555555:role/A
credential_source = Ec2InstanceMetadata

[profile denied]
role_arn = arn:aws:iam::222222222222:role/Denied
source_profile = hub
";

struct World {
    emu: Emulator,
    sb: Sandbox,
    key: String,
    secret: String,
}

fn world() -> World {
    let emu = Emulator::start(&["--auto-approve"]);
    let user = emu.admin("POST", "sts/users", r#"{"account_id": "999999999999"}"#);
    let key = user["access_key_id"].as_str().unwrap().to_owned();
    let secret = user["secret_access_key"].as_str().unwrap().to_owned();
    for rule in [
        r#"{"role_arn": "arn:aws:iam::222222222222:role/NeedsExt", "external_id": "ext-123"}"#,
        r#"{"role_arn": "arn:aws:iam::222222222222:role/NeedsMfa", "mfa_serial": "arn:aws:iam::111111111111:mfa/alice", "mfa_code": "123456"}"#,
        r#"{"role_arn": "arn:aws:iam::222222222222:role/Denied", "deny": true}"#,
    ] {
        emu.admin("POST", "sts/roles", rule);
    }
    let config = BASE.replace("USER_KEY", &key).replace("USER_SECRET", &secret);
    let sb = Sandbox::with_config(&config)
        .env("AWS_ENDPOINT_URL_SSO", &emu.url)
        .env("AWS_ENDPOINT_URL_SSO_OIDC", &emu.url)
        .env("AWS_ENDPOINT_URL_STS", &emu.url)
        .env("AWS_DEFAULT_REGION", "us-east-1");
    sb.write(
        ".aws/credentials",
        format!("[keys]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n"),
    );
    let out = sb.run(&["login", "--sso-session", "corp", "--use-device-code", "--no-browser"]);
    assert!(out.status.success(), "{}", stderr(&out));
    World { emu, sb, key, secret }
}

impl World {
    /// The AssumeRole calls since the last reset, as `[RoleArn, RoleSessionName, ExternalId, DurationSeconds,
    /// SerialNumber]`, with generated session names made comparable.
    fn assume_calls(&self) -> Vec<[String; 5]> {
        let calls = self.emu.admin("GET", "sts/calls?action=AssumeRole", "");
        let text = |v: &serde_json::Value| match v {
            serde_json::Value::Null => "-".to_owned(),
            serde_json::Value::String(s) if s.starts_with("botocore-session-") => "botocore-session-*".to_owned(),
            other => other.to_string().trim_matches('"').to_owned(),
        };
        calls
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|c| {
                        [
                            "role_arn",
                            "role_session_name",
                            "external_id",
                            "duration_seconds",
                            "serial_number",
                        ]
                        .map(|k| text(&c[k]))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The assumed-role ARN STS gave the access key `key`.
    fn arn_of(&self, key: &str) -> Option<String> {
        let calls = self.emu.admin("GET", "sts/calls", "");
        calls.as_array()?.iter().find_map(|c| {
            (c["issued_access_key_id"] == key).then(|| c["assumed_role_arn"].as_str().unwrap_or_default().to_owned())
        })
    }

    fn forget_cached(&self) {
        let _ = std::fs::remove_dir_all(self.sb.path(".aws/cli/cache"));
        self.emu.admin("POST", "sts/reset-calls", "");
    }

    fn botocore(&self, profile: &str, extra: &[(&str, &str)], cli_cache: bool) -> serde_json::Value {
        let mut cmd = self.sb.command(python());
        cmd.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/botocore_chain.py"));
        if cli_cache {
            cmd.arg("--cli-cache");
        }
        cmd.arg(profile).env("AWSSO_TEST_MFA_CODE", "123456");
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("botocore_chain: {}", stderr(&out)))
    }

    fn awsso(&self, args: &[&str], extra: &[(&str, &str)]) -> Output {
        let mut cmd = self.sb.awsso(args);
        cmd.env("AWSSO_MFA_CODE", "123456");
        for (k, v) in extra {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }
}

fn session_of(arn: &str) -> String {
    match arn.rsplit_once('/') {
        Some((head, s)) if s.starts_with("botocore-session-") => format!("{head}/botocore-session-*"),
        _ => arn.to_owned(),
    }
}

#[test]
fn same_calls_and_same_identity_as_botocore() {
    let w = world();
    let env_keys = [
        ("AWS_ACCESS_KEY_ID", w.key.as_str()),
        ("AWS_SECRET_ACCESS_KEY", w.secret.as_str()),
    ];
    let cases: Vec<(&str, &[(&str, &str)])> = vec![
        ("spoke", &[]),
        ("deep", &[]),
        ("deeper", &[]),
        ("over-legacy", &[]),
        ("ext-ok", &[]),
        ("ext-wrong", &[]),
        ("named", &[]),
        ("short", &[]),
        ("too-long", &[]),
        ("long-over-keys", &[]),
        ("odd-duration", &[]),
        ("mfa", &[]),
        ("over-keys", &[]),
        ("over-config-keys", &[]),
        ("self", &[]),
        ("over-proc", &[]),
        ("over-env", &env_keys),
        ("loop-a", &[]),
        ("lost", &[]),
        ("both", &[]),
        ("ecs", &[]),
        ("imds", &[]),
        ("denied", &[]),
    ];
    assert!(cases.len() >= 20);
    let mut agreed_ok = 0;
    for (profile, extra) in cases {
        w.forget_cached();
        let reference = w.botocore(profile, extra, false);
        let reference_calls = w.assume_calls();
        w.forget_cached();
        let out = w.awsso(&["credential-process", "--profile", profile], extra);
        let calls = w.assume_calls();
        if reference["ok"] == true {
            assert!(
                out.status.success(),
                "{profile}: botocore resolved it, awsso: {}",
                stderr(&out)
            );
            let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            let key = doc["AccessKeyId"].as_str().unwrap();
            let arn = w
                .arn_of(key)
                .unwrap_or_else(|| panic!("{profile}: STS never issued {key}"));
            assert_eq!(
                session_of(&arn),
                session_of(reference["arn"].as_str().unwrap()),
                "{profile}"
            );
            assert_eq!(calls, reference_calls, "{profile}: the AssumeRole calls, in order");
            agreed_ok += 1;
        } else {
            assert!(
                !out.status.success() && out.stdout.is_empty(),
                "{profile}: botocore failed ({}), awsso printed {}",
                reference["error"],
                stdout(&out)
            );
            assert_eq!(stderr(&out).lines().count(), 1, "{profile}: one line: {}", stderr(&out));
        }
    }
    assert!(agreed_ok >= 12, "most cases resolve: {agreed_ok}");
}

#[test]
fn cache_interop_with_botocore_both_ways() {
    let w = world();
    // botocore writes, awsso reuses without calling STS.
    w.forget_cached();
    let reference = w.botocore("spoke", &[], true);
    assert_eq!(reference["ok"], true, "{reference}");
    w.emu.admin("POST", "sts/reset-calls", "");
    let doc: serde_json::Value =
        serde_json::from_slice(&w.awsso(&["credential-process", "--profile", "spoke"], &[]).stdout).unwrap();
    assert_eq!(doc["AccessKeyId"], reference["access_key"]);
    assert!(w.assume_calls().is_empty(), "awsso used botocore's cache file");
    // awsso writes, botocore reuses without calling STS.
    w.forget_cached();
    let doc: serde_json::Value =
        serde_json::from_slice(&w.awsso(&["credential-process", "--profile", "deep"], &[]).stdout).unwrap();
    w.emu.admin("POST", "sts/reset-calls", "");
    let reference = w.botocore("deep", &[], true);
    assert_eq!(reference["access_key"], doc["AccessKeyId"], "{reference}");
    assert!(w.assume_calls().is_empty(), "botocore used awsso's cache file");
    // Both files are the CLI's: 0600, and named by the §12.2 key.
    #[cfg(unix)]
    for entry in std::fs::read_dir(w.sb.path(".aws/cli/cache")).unwrap() {
        use std::os::unix::fs::PermissionsExt as _;
        let meta = entry.unwrap().metadata().unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    }
}

#[test]
fn twenty_concurrent_calls_share_one_call_per_hop() {
    let w = world();
    // Expire the access token but keep the refresh token: every caller needs a refresh first.
    let path =
        w.sb.path(&format!(".aws/sso/cache/{}.json", crate::util::sha1_hex("corp")));
    let mut token: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    token["expiresAt"] = "2020-01-01T00:00:00Z".into();
    std::fs::write(&path, token.to_string()).unwrap();
    w.forget_cached();
    w.emu.admin("POST", "reset-stats", "");
    let children: Vec<_> = (0..20)
        .map(|_| {
            w.sb.awsso(&["credential-process", "--profile", "deep"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let docs: Vec<serde_json::Value> = children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            assert!(out.status.success(), "{}", stderr(&out));
            serde_json::from_slice(&out.stdout).unwrap()
        })
        .collect();
    assert!(
        docs.iter().all(|d| d["AccessKeyId"] == docs[0]["AccessKeyId"]),
        "all print the same"
    );
    let stats = w.emu.stats();
    assert_eq!(stats["refresh_grants"], 1, "{stats}");
    assert_eq!(stats["get_role_credentials"], 1, "{stats}");
    assert_eq!(stats["assume_role"], 2, "one per hop: {stats}");
}

#[test]
fn use_creds_in_real_shells_gives_boto3_the_assumed_role() {
    let w = world();
    let boto = format!(
        "{} -c 'import boto3; print(boto3.client(\"sts\").get_caller_identity()[\"Arn\"])'",
        python().display()
    );
    for shell in ["bash", "zsh", "fish"] {
        let code = stdout(&w.awsso(
            &["use", "--creds", "deep", "--region", "us-east-1", "--shell", shell],
            &[],
        ));
        w.sb.write("code.txt", &code);
        let out =
            w.sb.command(crate::util::require(shell))
                .args(["-c", &format!("source code.txt; {boto}")])
                .env("AWS_PROFILE", "stale")
                .output()
                .unwrap();
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        assert!(
            stdout(&out).starts_with("arn:aws:sts::333333333333:assumed-role/Reader/alice"),
            "{shell}: {}",
            stdout(&out)
        );
    }
}

#[test]
fn faults_are_one_line_and_cache_nothing() {
    let w = world();
    let cached = || {
        std::fs::read_dir(w.sb.path(".aws/cli/cache")).map_or(0, |d| {
            d.filter(|e| {
                std::fs::read_to_string(e.as_ref().unwrap().path()).is_ok_and(|t| t.contains("AssumedRoleUser"))
            })
            .count()
        })
    };
    w.forget_cached();
    assert_clean_failure(
        &w.awsso(&["credential-process", "--profile", "denied"], &[]),
        1,
        "AccessDenied",
    );
    assert_clean_failure(
        &w.awsso(&["credential-process", "--profile", "too-long"], &[]),
        2,
        "exceeds the 1 hour session limit for roles assumed by role chaining",
    );
    assert_clean_failure(
        &w.awsso(
            &["credential-process", "--profile", "mfa"],
            &[("AWSSO_MFA_CODE", "000000")],
        ),
        1,
        "AccessDenied",
    );
    let mut no_code = w.sb.awsso(&["credential-process", "--profile", "mfa"]);
    assert_clean_failure(&no_code.output().unwrap(), 3, "set AWSSO_MFA_CODE");
    assert_clean_failure(
        &w.awsso(&["credential-process", "--profile", "loop-a"], &[]),
        2,
        "makes a loop",
    );
    assert_clean_failure(
        &w.awsso(&["credential-process", "--profile", "lost"], &[]),
        2,
        "does not exist",
    );
    assert_clean_failure(
        &w.awsso(
            &["credential-process", "--profile", "over-keys"],
            &[("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")],
        ),
        1,
        "could not assume arn:aws:iam::555555555555:role/FromKeys",
    );
    assert_eq!(cached(), 0, "no failure left an assume-role file");
    let _ = AWSSO;
}
