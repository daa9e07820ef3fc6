//! The command-line contract (../shared/docs/cli.md): exit codes, the stdout/stderr split, and what each offline
//! command prints, run against the real binary in a sandboxed HOME.

use crate::util::{Sandbox, assert_clean_failure, sha1_hex, stderr, stdout};

const CONFIG: &str = "\
[default]
region = us-east-1

[profile dev-account-admin]
sso_session = corp
sso_account_id = 123456789011
sso_role_name = DevAccess
region = eu-west-1

[profile prod-account-admin]
sso_session = corp
sso_account_id = 210987654321
sso_role_name = AdministratorAccess

[profile legacy]
sso_start_url = https://d-1111111111.awsapps.com/start
sso_region = us-west-2
sso_account_id = 111111111111
sso_role_name = ReadOnly

[sso-session corp]
sso_start_url = https://d-0000000000.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
";

#[test]
fn use_prints_profile_exports_quietly_with_a_valid_token() {
    let sb = Sandbox::with_config(CONFIG);
    sb.write_token("corp", 3600, false);
    let out = sb.run(&["use", "dev-account-admin", "--shell", "bash"]);
    assert!(out.status.success());
    assert_eq!(
        stdout(&out),
        "unset AWS_ACCESS_KEY_ID;\nunset AWS_SECRET_ACCESS_KEY;\nunset AWS_SESSION_TOKEN;\n\
         unset AWS_CREDENTIAL_EXPIRATION;\nunset AWS_DEFAULT_PROFILE;\nunset AWSSO_PROFILE;\n\
         unset AWS_WEB_IDENTITY_TOKEN_FILE;\nunset AWS_ROLE_ARN;\nunset AWS_ROLE_SESSION_NAME;\n\
         export AWS_PROFILE=dev-account-admin;\n"
    );
    assert_eq!(stderr(&out), "");
}

#[test]
fn use_without_a_usable_token_and_no_terminal_exits_3() {
    // Missing, expired legacy, and refreshable-but-unreachable all need a login, which only a terminal allows.
    let sb = Sandbox::with_config(CONFIG);
    let err = assert_clean_failure(&sb.run(&["use", "dev-account-admin"]), 3, "");
    assert_eq!(
        err,
        "awsso: the SSO session for sso-session `corp` needs a login; run `awsso login --sso-session corp`\n"
    );
    sb.write_token("https://d-1111111111.awsapps.com/start", -60, false);
    let err = assert_clean_failure(&sb.run(&["use", "legacy", "--shell", "zsh"]), 3, "");
    assert!(err.ends_with("run `awsso login --profile legacy`\n"), "{err}");
    let err = assert_clean_failure(&sb.run(&["use", "dev-account-admin", "--no-login"]), 3, "");
    assert!(err.contains("needs a login"), "{err}");
}

#[test]
fn use_with_region_sets_both_region_variables() {
    let sb = Sandbox::with_config(CONFIG);
    let out = sb.run(&["use", "default", "--region", "ap-southeast-2", "--shell", "powershell"]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.contains("$Env:AWS_REGION = 'ap-southeast-2';\n$Env:AWS_DEFAULT_REGION = 'ap-southeast-2';\n"));
}

#[test]
fn use_unknown_profile_is_a_usage_error_with_suggestions() {
    let sb = Sandbox::with_config(CONFIG);
    let err = assert_clean_failure(&sb.run(&["use", "dev-acount-admin"]), 2, "");
    // The closest name comes first.
    assert!(
        err.starts_with("awsso: unknown profile `dev-acount-admin`: did you mean `dev-account-admin`"),
        "{err}"
    );
    let err = assert_clean_failure(&sb.run(&["use", "zzzzzzzz"]), 2, "");
    assert!(err.contains("run `awsso list`"), "{err}");
    let err = assert_clean_failure(&Sandbox::new().run(&["use", "x"]), 2, "");
    assert!(err.contains("no profiles are configured"), "{err}");
}

#[test]
fn use_rejects_a_bad_region_and_a_bad_shell() {
    let sb = Sandbox::with_config(CONFIG);
    let err = assert_clean_failure(&sb.run(&["use", "default", "--region", "us east 1"]), 2, "");
    assert!(err.contains("not an AWS region name"), "{err}");
    let out = sb.run(&["use", "default", "--shell", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

#[test]
fn shell_comes_from_awsso_shell_then_login_shell() {
    let sb = Sandbox::with_config(CONFIG)
        .env("AWSSO_SHELL", "fish")
        .env("SHELL", "/bin/zsh");
    assert!(stdout(&sb.run(&["unset"])).starts_with("if set -q AWS_PROFILE;"));
    let sb = Sandbox::with_config(CONFIG).env("SHELL", "/usr/bin/pwsh");
    assert!(stdout(&sb.run(&["unset"])).starts_with("Remove-Item -Path Env:AWS_PROFILE"));
    let sb = Sandbox::with_config(CONFIG);
    assert!(stdout(&sb.run(&["unset"])).starts_with("unset AWS_PROFILE;"));
}

#[test]
fn malformed_config_names_file_and_line_and_changes_nothing() {
    let broken = "[profile a]\nregion = x\nthis line has no equals sign\n";
    let sb = Sandbox::with_config(broken);
    let config = sb.path(".aws/config");
    for args in [&["use", "a"][..], &["list"], &["list", "--json"]] {
        let err = assert_clean_failure(&sb.run(args), 1, "");
        assert_eq!(
            err,
            format!("awsso: {}: line 3: expected `key = value`\n", config.display())
        );
    }
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        broken,
        "awsso never rewrites a file it cannot read"
    );
    // The prompt never fails loudly: it still shows the active profile's name.
    let out = Sandbox::with_config(broken).env("AWS_PROFILE", "a").run(&["prompt"]);
    assert_eq!(
        (out.status.code(), stdout(&out), stderr(&out)),
        (Some(0), "a\n".into(), String::new())
    );
}

#[test]
fn config_file_variables_are_honoured() {
    let sb = Sandbox::new();
    sb.write("elsewhere/cfg", "[profile moved]\nregion = eu-north-1\n");
    sb.write("elsewhere/creds", "[keys-only]\naws_access_key_id = AKIAEXAMPLE\n");
    let sb = sb
        .env("AWS_CONFIG_FILE", "~/elsewhere/cfg")
        .env("AWS_SHARED_CREDENTIALS_FILE", "~/elsewhere/creds");
    let out = sb.run(&["list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "PROFILE    KIND   SESSION  ACCOUNT  ACCOUNT NAME  ROLE  REGION\n\
         moved      other  -        -        -             -     eu-north-1\n\
         keys-only  other  -        -        -             -     -\n"
    );
}

#[test]
fn list_table_and_json() {
    let sb = Sandbox::with_config(CONFIG);
    let out = sb.run(&["list"]);
    assert!(out.status.success());
    assert_eq!(
        stdout(&out),
        "PROFILE             KIND        SESSION  ACCOUNT       ACCOUNT NAME  ROLE                 REGION\n\
         default             other       -        -             -             -                    us-east-1\n\
         dev-account-admin   sso         corp     123456789011  -             DevAccess            eu-west-1\n\
         prod-account-admin  sso         corp     210987654321  -             AdministratorAccess  -\n\
         legacy              legacy-sso  -        111111111111  -             ReadOnly             -\n"
    );
    let out = sb.run(&["list", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 4);
    assert_eq!(
        json[1],
        serde_json::json!({
            "name": "dev-account-admin", "kind": "sso", "sso_session": "corp",
            "sso_start_url": "https://d-0000000000.awsapps.com/start", "sso_region": "us-east-1",
            "account_id": "123456789011", "account_name": null, "role_name": "DevAccess", "region": "eu-west-1"
        })
    );
    assert_eq!(json[3]["kind"], "legacy-sso");
    assert_eq!(json[3]["sso_region"], "us-west-2");
}

#[test]
fn list_with_no_profiles_says_so_on_stderr() {
    let out = Sandbox::new().run(&["list"]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    assert!(stderr(&out).starts_with("awsso: no profiles in "));
    assert_eq!(stdout(&Sandbox::new().run(&["list", "--json"])), "[]\n");
}

#[test]
fn prompt_is_empty_when_nothing_is_active() {
    let out = Sandbox::with_config(CONFIG).run(&["prompt"]);
    assert_eq!((out.status.code(), out.stdout.len(), out.stderr.len()), (Some(0), 0, 0));
}

#[test]
fn prompt_shows_identity_and_time_left() {
    let sb = Sandbox::with_config(CONFIG).env("AWS_PROFILE", "dev-account-admin");
    sb.write_token("corp", 2 * 3600 + 5 * 60 + 30, false);
    assert_eq!(
        stdout(&sb.run(&["prompt"])),
        "dev-account-admin 123456789011/DevAccess 2h5m\n"
    );
    let out = sb.run(&["prompt", "--format", "{session}|{region}|{account}"]);
    assert_eq!(stdout(&out), "corp|eu-west-1|123456789011\n");
    let sb = sb
        .env("AWS_REGION", "ca-central-1")
        .env("AWSSO_PROMPT_FORMAT", "[{region}]");
    assert_eq!(stdout(&sb.run(&["prompt"])), "ca-central-1\n");
}

#[test]
fn prompt_calls_a_refreshable_session_alive() {
    let sb = Sandbox::with_config(CONFIG).env("AWS_PROFILE", "prod-account-admin");
    sb.write_token("corp", -600, true);
    assert_eq!(
        stdout(&sb.run(&["prompt"])),
        "prod-account-admin 210987654321/AdministratorAccess ↻\n"
    );
    sb.write_token("corp", -600, false);
    assert_eq!(
        stdout(&sb.run(&["prompt"])),
        "prod-account-admin 210987654321/AdministratorAccess expired\n"
    );
}

#[test]
fn prompt_prefers_raw_credentials_and_treats_a_corrupt_cache_as_no_token() {
    let sb = Sandbox::with_config(CONFIG)
        .env("AWS_PROFILE", "dev-account-admin")
        .env("AWSSO_PROFILE", "prod-account-admin")
        .env("AWS_ACCESS_KEY_ID", "ASIAEXAMPLE")
        .env("AWS_CREDENTIAL_EXPIRATION", "2000-01-01T00:00:00Z");
    assert_eq!(
        stdout(&sb.run(&["prompt"])),
        "prod-account-admin 210987654321/AdministratorAccess expired\n"
    );

    let sb = Sandbox::with_config(CONFIG).env("AWS_PROFILE", "dev-account-admin");
    for corrupt in [
        "not json",
        "{\"accessToken\": \"x\", \"expiresAt\": \"garbage\"}",
        "{\"expiresAt\": 5}",
    ] {
        sb.write(&format!(".aws/sso/cache/{}.json", sha1_hex("corp")), corrupt);
        let out = sb.run(&["prompt"]);
        assert_eq!(
            stdout(&out),
            "dev-account-admin 123456789011/DevAccess no token\n",
            "{corrupt}"
        );
        assert_eq!((out.status.code(), out.stderr.len()), (Some(0), 0));
    }
}

#[test]
fn secrets_from_the_cache_never_reach_output() {
    let sb = Sandbox::with_config(CONFIG).env("AWS_PROFILE", "dev-account-admin");
    sb.write_token("corp", -60, true);
    for args in [
        &["prompt"][..],
        &["use", "dev-account-admin"],
        &["list", "--json"],
        &["prompt", "--format", "{expires}"],
    ] {
        let out = sb.run(args);
        let all = format!("{}{}", stdout(&out), stderr(&out));
        assert!(!all.contains("SECRET-"), "{args:?} leaked: {all}");
    }
}

#[test]
fn init_rejects_a_bad_function_name() {
    let err = assert_clean_failure(&Sandbox::new().run(&["init", "bash", "--cmd", "a;b"]), 2, "");
    assert!(err.contains("cannot be a function name"), "{err}");
}

#[test]
fn checked_in_completions_are_up_to_date() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    for (shell, file) in [
        ("bash", "awsso.bash"),
        ("zsh", "_awsso"),
        ("fish", "awsso.fish"),
        ("powershell", "awsso.ps1"),
        ("nu", "awsso.nu"),
    ] {
        let out = Sandbox::new().run(&["completions", shell]);
        assert!(out.status.success());
        let checked_in = std::fs::read_to_string(root.join(file)).unwrap();
        assert!(
            stdout(&out) == checked_in,
            "completions/{file} is stale: run `awsso completions {shell} > completions/{file}`"
        );
    }
}

#[test]
fn dynamic_completion_lists_profiles_from_the_current_config() {
    let sb = Sandbox::with_config(CONFIG)
        .env("COMPLETE", "bash")
        .env("_CLAP_COMPLETE_INDEX", "2")
        .env("_CLAP_IFS", "\n");
    let out = sb.run(&["--", "awsso", "use", "d"]);
    assert!(out.status.success());
    assert_eq!(stdout(&out), "default\ndev-account-admin");
    sb.write(".aws/config", "[profile fresh]\n");
    assert_eq!(
        stdout(&sb.run(&["--", "awsso", "use", ""])).lines().next(),
        Some("fresh")
    );
}

#[test]
fn version_and_help() {
    let out = Sandbox::new().run(&["--version"]);
    assert_eq!(stdout(&out), format!("awsso {}\n", env!("CARGO_PKG_VERSION")));
    let help = stdout(&Sandbox::new().run(&["--help"]));
    for needle in [
        "AWSSO_SHELL",
        "AWSSO_PROFILE",
        "AWSSO_PROMPT_FORMAT",
        "AWSSO_SIGNIN_URL",
        "eval \"$(awsso init bash)\"",
    ] {
        assert!(help.contains(needle), "--help lacks {needle}");
    }
}
