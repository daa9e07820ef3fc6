//! `awsso configure` and `awsso configure sso-session`: from flags, what lands in the file (as `aws configure sso`
//! writes it, every other byte kept, updated in place) and that botocore and boto3 take it; bad flags; and the
//! wizard, answered by typing in a real terminal (tmux) against the SSO emulator.

#[cfg(feature = "real-tools")]
use std::path::Path;
use std::process::Output;

#[cfg(feature = "real-tools")]
use crate::interactive::{Tmux, posix_word};
#[cfg(feature = "real-tools")]
use crate::util::{AWSSO, Emulator, boto3_credentials, python, stdout};
use crate::util::{Sandbox, stderr};

const URL: &str = "https://d-0000000000.awsapps.com/start";

/// Every flag of `configure`, for profile `dev` with role `role`.
fn flags(role: &str) -> Vec<String> {
    [
        "configure",
        "--sso-session",
        "corp",
        "--start-url",
        URL,
        "--sso-region",
        "us-east-1",
        "--profile",
        "dev",
        "--account-id",
        "111111111111",
        "--role-name",
        role,
        "--region",
        "eu-west-1",
        "--output",
        "json",
    ]
    .map(str::to_owned)
    .to_vec()
}

fn run(sb: &Sandbox, args: &[String]) -> Output {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    sb.run(&args)
}

#[cfg(feature = "real-tools")]
fn assert_ok(out: &Output) {
    assert!(out.status.success(), "{}", stderr(out));
    assert!(out.stdout.is_empty(), "stdout must stay empty: {}", stdout(out));
}

#[cfg(feature = "real-tools")]
/// What `aws configure sso` writes for these answers: its `ConfigFileWriter` appends the profile, then the
/// session (awsso's editor puts a blank line between them, as most files do).
const CLI_WROTE: &str = "\
[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin
region = eu-west-1
output = json
[sso-session corp]
sso_start_url = https://d-0000000000.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
";

#[cfg(feature = "real-tools")]
/// botocore's reading of a config file: `{"profiles": ..., "sso_sessions": ...}`.
fn botocore(sb: &Sandbox, config: &Path) -> serde_json::Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/botocore_dump.py");
    let out = sb.command(python()).arg(script).arg(config).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        json.get("error").is_none(),
        "botocore refused {}: {json}",
        config.display()
    );
    json
}

#[cfg(feature = "real-tools")]
#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(feature = "real-tools")]
#[test]
fn flags_write_what_aws_configure_sso_writes_and_boto3_uses_it() {
    let emu = Emulator::start(&["--auto-approve"]);
    let sb = Sandbox::new()
        .env("AWS_ENDPOINT_URL_SSO", &emu.url)
        .env("AWS_ENDPOINT_URL_SSO_OIDC", &emu.url);
    std::fs::remove_dir(sb.path(".aws")).unwrap();
    let out = run(&sb, &flags("Admin"));
    assert_ok(&out);
    assert!(
        stderr(&out).contains("added [profile dev] and [sso-session corp]"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        emu.stats()["requests"],
        serde_json::json!({}),
        "no login without a terminal"
    );

    let config = sb.path(".aws/config");
    let written = std::fs::read_to_string(&config).unwrap();
    assert_eq!(written, CLI_WROTE.replace("[sso-session", "\n[sso-session"));
    #[cfg(unix)]
    assert_eq!((mode(&config), mode(&sb.path(".aws"))), (0o600, 0o700));

    // botocore reads exactly what it reads from the AWS CLI's own file.
    sb.write("cli-wrote", CLI_WROTE);
    let ours = botocore(&sb, &config);
    assert_eq!(ours, botocore(&sb, &sb.path("cli-wrote")));
    assert_eq!(ours["profiles"]["dev"]["sso_session"], "corp");
    assert_eq!(ours["sso_sessions"]["corp"]["sso_start_url"], URL);

    // After a login, boto3 gets role credentials for the profile from the emulator.
    let login = sb.run(&["login", "--sso-session", "corp", "--use-device-code", "--no-browser"]);
    assert!(login.status.success(), "{}", stderr(&login));
    let boto = &boto3_credentials(&sb, &["dev"])[0];
    assert_eq!((&boto["method"], &boto["region"]), (&"sso".into(), &"eu-west-1".into()));
    // The one set of credentials the emulator issued, for the account and role written above.
    let key = boto["access_key"].as_str().unwrap().to_owned();
    assert_eq!(emu.issued_credentials(), [("111111111111".into(), "Admin".into(), key)]);
}

/// A hand-kept file with CRLF endings, comments everywhere, odd spacing and a legacy profile.
const HAND_KEPT: &str = "\
# ~/.aws/config, kept by hand\r
[default]\r
region=us-west-2   \r
; a comment\r
\r
[profile legacy]  # old style\r
sso_start_url = https://d-0000000000.awsapps.com/start\r
sso_region = us-east-1\r
sso_account_id = 222222222222\r
  # indented comment\r
sso_role_name = ReadOnly\r
s3 =\r
  max_concurrent_requests = 20\r
\r
# the end\r
";

#[cfg(feature = "real-tools")]
#[test]
fn flags_keep_every_other_byte_and_update_in_place() {
    let sb = Sandbox::with_config(HAND_KEPT);
    let config = sb.path(".aws/config");
    #[cfg(unix)]
    std::fs::set_permissions(&config, std::os::unix::fs::PermissionsExt::from_mode(0o640)).unwrap();

    // New sections: the old text is untouched, the new lines follow with its CRLF endings.
    assert_ok(&run(&sb, &flags("Admin")));
    let first = std::fs::read_to_string(&config).unwrap();
    let added = first.strip_prefix(HAND_KEPT).expect("the old text is a prefix");
    assert_eq!(
        added,
        format!("\n{}", CLI_WROTE.replace("[sso-session", "\n[sso-session")).replace('\n', "\r\n")
    );
    #[cfg(unix)]
    assert_eq!(mode(&config), 0o640, "an existing file keeps its mode");

    // Another role: that one line changes, and there is still one [profile dev].
    assert_ok(&run(&sb, &flags("ReadOnly")));
    let second = std::fs::read_to_string(&config).unwrap();
    assert_eq!(
        second,
        first.replacen("sso_role_name = Admin\r\n", "sso_role_name = ReadOnly\r\n", 1)
    );
    assert_eq!(second.matches("[profile dev]").count(), 1);

    // The same again: nothing to write, the file is not even replaced.
    let before = std::fs::metadata(&config).unwrap().modified().unwrap();
    let out = run(&sb, &flags("ReadOnly"));
    assert_ok(&out);
    assert!(stderr(&out).contains("nothing to write"), "{}", stderr(&out));
    assert_eq!(std::fs::metadata(&config).unwrap().modified().unwrap(), before);

    // A legacy profile moves onto the session: its start URL and region go (the Rust SDK refuses them beside
    // sso_session), `sso_session` is added after its last option, and only the flags given change.
    let out = sb.run(&[
        "configure",
        "--profile",
        "legacy",
        "--sso-session",
        "corp",
        "--role-name",
        "Admin",
    ]);
    assert_ok(&out);
    let third = std::fs::read_to_string(&config).unwrap();
    let old = format!(
        "[profile legacy]  # old style\r\nsso_start_url = {URL}\r\nsso_region = us-east-1\r\n\
         sso_account_id = 222222222222\r\n  # indented comment\r\nsso_role_name = ReadOnly\r\n\
         s3 =\r\n  max_concurrent_requests = 20\r\n"
    );
    let new = "[profile legacy]  # old style\r\nsso_account_id = 222222222222\r\n  # indented comment\r\n\
               sso_role_name = Admin\r\ns3 =\r\n  max_concurrent_requests = 20\r\nsso_session = corp\r\n";
    assert!(second.contains(&old));
    assert_eq!(third, second.replacen(&old, new, 1));
    let read = botocore(&sb, &config);
    assert_eq!(
        read["profiles"]["legacy"],
        serde_json::json!({
            "sso_session": "corp",
            "sso_account_id": "222222222222",
            "sso_role_name": "Admin",
            "s3": {"max_concurrent_requests": "20"},
        })
    );
    assert_eq!(read["profiles"]["default"]["region"], "us-west-2");
}

#[cfg(feature = "real-tools")]
#[test]
fn configure_sso_session_writes_only_the_session() {
    let sb = Sandbox::new();
    let out = sb.run(&[
        "configure",
        "sso-session",
        "--sso-session",
        "corp",
        "--start-url",
        URL,
        "--sso-region",
        "eu-central-1",
        "--scopes",
        "sso:account:access,codewhisperer:completions",
    ]);
    assert_ok(&out);
    assert!(
        stderr(&out).contains("awsso login --sso-session corp"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(sb.path(".aws/config")).unwrap(),
        format!(
            "[sso-session corp]\nsso_start_url = {URL}\nsso_region = eu-central-1\n\
             sso_registration_scopes = sso:account:access,codewhisperer:completions\n"
        )
    );
    // The session's start URL changes with a token cached: the token is for the old one.
    sb.write_token("corp", 3600, true);
    let out = sb.run(&[
        "configure",
        "sso-session",
        "--sso-session",
        "corp",
        "--start-url",
        "https://d-1111111111.awsapps.com/start",
    ]);
    assert_ok(&out);
    assert!(
        stderr(&out).contains("run `awsso login --sso-session corp --force`"),
        "{}",
        stderr(&out)
    );
    let read = botocore(&sb, &sb.path(".aws/config"));
    assert_eq!(
        read["sso_sessions"]["corp"]["sso_start_url"],
        "https://d-1111111111.awsapps.com/start"
    );

    // AWS_CONFIG_FILE is where it writes, directories and all.
    let out = sb
        .awsso(&[
            "configure",
            "sso-session",
            "--sso-session",
            "x",
            "--start-url",
            URL,
            "--sso-region",
            "us-east-1",
        ])
        .env("AWS_CONFIG_FILE", sb.path("elsewhere/aws-config"))
        .output()
        .unwrap();
    assert_ok(&out);
    assert!(
        std::fs::read_to_string(sb.path("elsewhere/aws-config"))
            .unwrap()
            .starts_with("[sso-session x]\n")
    );
    assert!(
        !std::fs::read_to_string(sb.path(".aws/config"))
            .unwrap()
            .contains("[sso-session x]")
    );
}

#[test]
fn bad_or_missing_flags_exit_2_and_write_nothing() {
    let sb = Sandbox::with_config(HAND_KEPT);
    let empty = Sandbox::new();
    let with = |flag: &str, value: &str| {
        let mut args = flags("Admin");
        let i = args.iter().position(|a| a == flag).unwrap();
        args[i + 1] = value.to_owned();
        args
    };
    let without = |flag: &str| {
        let mut args = flags("Admin");
        let i = args.iter().position(|a| a == flag).unwrap();
        args.drain(i..i + 2);
        args
    };
    for (args, says) in [
        (
            with("--start-url", "http://d-0000000000.awsapps.com/start"),
            "--start-url: the start URL must use https",
        ),
        (
            with("--start-url", "https:///start"),
            "--start-url: `https:///start` has no valid host",
        ),
        (
            with("--sso-region", "us-east-7"),
            "--sso-region: `us-east-7` is not an AWS region; did you mean `us-east-1`",
        ),
        (with("--region", "eu-west"), "--region: `eu-west` is not an AWS region"),
        (
            with("--account-id", "12345"),
            "--account-id: `12345` is not an AWS account id; use its 12 digits",
        ),
        (
            with("--output", "xml"),
            "--output: `xml` is not an AWS CLI output format; use json, text",
        ),
        (with("--profile", ""), "--profile: the name is empty"),
        (
            without("--start-url"),
            "missing --start-url: pass it, or run `awsso configure` on a terminal",
        ),
        (without("--account-id"), "missing --account-id: pass it"),
    ] {
        for sandbox in [&sb, &empty] {
            let out = run(sandbox, &args);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
            assert!(out.stdout.is_empty());
            let err = stderr(&out);
            assert_eq!(err.lines().count(), 1, "one line: {err}");
            assert!(err.starts_with(&format!("awsso: {says}")), "{args:?}: {err}");
        }
        assert_eq!(std::fs::read_to_string(sb.path(".aws/config")).unwrap(), HAND_KEPT);
        assert!(!empty.path(".aws/config").exists());
    }
    let out = sb.run(&["configure", "sso-session", "--start-url", URL]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("missing --sso-session and --sso-region: pass them"),
        "{}",
        stderr(&out)
    );
}

// ---------------------------------------------------------------------------------------------------------------
// The wizard in a terminal

#[cfg(feature = "real-tools")]
/// bash in tmux with the prompt `STATUS $`.
fn bash_in_tmux(sb: &Sandbox) -> Tmux {
    sb.write(".bashrc", "PS1='$? $ '\n");
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
/// Run `awsso ARGS` with stdout to `~/stdout.txt`: the questions are on stderr, the terminal.
fn start(t: &Tmux, args: &str) {
    t.type_text(&format!("{} {args} >~/stdout.txt", posix_word(AWSSO)));
    t.key("Enter");
}

#[cfg(feature = "real-tools")]
fn wait_for_line(t: &Tmux, what: &str, pred: impl Fn(&str) -> bool) {
    t.wait_for(what, |lines| lines.iter().any(|l| pred(l)));
}

#[cfg(feature = "real-tools")]
/// Wait for a question (`? PROMPT`) to be asked.
fn question(t: &Tmux, prompt: &str) {
    wait_for_line(t, prompt, |l| l.starts_with(&format!("? {prompt}")));
}

#[cfg(feature = "real-tools")]
fn wait_for_status(t: &Tmux, status: i32) {
    let want = format!("{status} $");
    t.wait_for(&format!("a prompt showing {status}"), |l| {
        l.last().is_some_and(|p| *p == want)
    });
}

#[cfg(feature = "real-tools")]
#[test]
fn wizard_asks_logs_in_and_picks_the_account_and_role() {
    let emu = Emulator::start(&["--auto-approve", "--accounts", "3"]);
    let sb = Sandbox::with_config("[profile plain]\nregion = us-west-2\n")
        .env("AWS_ENDPOINT_URL_SSO", &emu.url)
        .env("AWS_ENDPOINT_URL_SSO_OIDC", &emu.url);
    let t = bash_in_tmux(&sb);
    start(&t, "configure --no-browser");

    question(&t, "SSO session name (my-sso)");
    t.type_text("corp");
    t.key("Enter");
    // A bad answer is refused and stays on the line to fix.
    question(&t, "SSO start URL");
    t.type_text("http://d-0000000000.awsapps.com/start");
    t.key("Enter");
    wait_for_line(&t, "the https error", |l| l.contains("the start URL must use https"));
    t.key("C-u");
    t.type_text(URL);
    t.key("Enter");
    question(&t, "SSO region");
    t.type_text("frankfurt");
    wait_for_line(&t, "Frankfurt alone", |l| l.starts_with("❯ eu-central-1"));
    t.key("Enter");
    question(&t, "SSO registration scopes (sso:account:access)");
    t.key("Enter");

    // The login (device code, approved at once), then one picker over every account and role.
    question(&t, "Account and role");
    wait_for_line(&t, "the roles", |l| l.contains("account-0003  111111111113  ReadOnly"));
    t.type_text("0002read");
    t.wait_for("account-0002 ReadOnly alone", |lines| {
        let rows: Vec<&String> = lines.iter().filter(|l| l.contains("  1111111111")).collect();
        rows.len() == 1 && rows[0].starts_with("❯ account-0002  111111111112  ReadOnly")
    });
    t.key("Enter");
    question(&t, "Profile name (account-0002-ReadOnly)");
    t.key("Enter");
    // The profile's region starts on the SSO region.
    question(&t, "Default region of the profile");
    wait_for_line(&t, "eu-central-1 first", |l| l.starts_with("❯ eu-central-1"));
    t.key("Enter");
    question(&t, "AWS CLI output format");
    t.type_text("text");
    t.key("Enter");
    wait_for_status(&t, 0);

    let pane = t.lines().join("\n");
    for answer in [
        "✔ SSO session name · corp",
        "✔ SSO region · eu-central-1",
        "✔ Account and role · account-0002 (111111111112) as ReadOnly",
        "✔ AWS CLI output format · text",
    ] {
        assert!(pane.contains(answer), "{answer}:\n{pane}");
    }
    assert_eq!(std::fs::read_to_string(sb.path("stdout.txt")).unwrap(), "");
    // Nothing secret reached the terminal.
    let token: serde_json::Value = serde_json::from_slice(
        &std::fs::read(sb.path(&format!(".aws/sso/cache/{}.json", crate::util::sha1_hex("corp")))).unwrap(),
    )
    .unwrap();
    for key in ["accessToken", "refreshToken", "clientSecret"] {
        let secret = token[key].as_str().unwrap();
        assert!(!pane.contains(secret), "{key} on the terminal");
    }
    assert_eq!(
        std::fs::read_to_string(sb.path(".aws/config")).unwrap(),
        format!(
            "[profile plain]\nregion = us-west-2\n\n\
             [profile account-0002-ReadOnly]\nsso_session = corp\nsso_account_id = 111111111112\n\
             sso_role_name = ReadOnly\nregion = eu-central-1\noutput = text\n\n\
             [sso-session corp]\nsso_start_url = {URL}\nsso_region = eu-central-1\n\
             sso_registration_scopes = sso:account:access\n"
        )
    );
    let stats = emu.stats();
    assert_eq!(stats["device_authorizations"].as_u64(), Some(1), "{stats}");
    // The names it listed are remembered, as `awsso accounts` remembers them.
    let out = sb.run(&["list", "--json"]);
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list[1]["account_name"], "account-0002", "{list}");
}

#[cfg(feature = "real-tools")]
#[test]
fn esc_and_ctrl_c_cancel_with_130_and_write_nothing() {
    let emu = Emulator::start(&["--auto-approve", "--accounts", "3"]);
    let config = format!(
        "# mine\n[sso-session corp]\nsso_start_url = {URL}\nsso_region = us-east-1\nsso_registration_scopes = \
         sso:account:access\n"
    );
    let sb = Sandbox::with_config(&config)
        .env("AWS_ENDPOINT_URL_SSO", &emu.url)
        .env("AWS_ENDPOINT_URL_SSO_OIDC", &emu.url);
    // A token the portal no longer takes (signed out elsewhere): the wizard logs in again by itself.
    let login = sb.run(&["login", "--sso-session", "corp", "--use-device-code", "--no-browser"]);
    assert!(login.status.success(), "{}", stderr(&login));
    emu.admin("POST", "revoke-tokens", "");
    let t = bash_in_tmux(&sb);

    // Esc at the account picker, after the login.
    start(&t, "configure --sso-session corp --no-browser");
    question(&t, "SSO start URL");
    t.key("Enter");
    question(&t, "SSO region");
    t.key("Enter");
    question(&t, "SSO registration scopes");
    t.key("Enter");
    question(&t, "Account and role");
    assert!(
        t.lines()
            .iter()
            .any(|l| l.contains("refused the cached token") && l.ends_with("logging in again"))
    );
    t.type_text("0003");
    t.key("Escape");
    wait_for_status(&t, 130);

    // Ctrl-C at a text question, Esc at another.
    start(&t, "configure --no-browser");
    question(&t, "SSO session name (corp)");
    t.key("C-c");
    wait_for_status(&t, 130);
    start(&t, "configure sso-session");
    question(&t, "SSO session name (corp)");
    t.key("Enter");
    question(&t, &format!("SSO start URL ({URL})"));
    t.key("Escape");
    wait_for_status(&t, 130);

    assert_eq!(std::fs::read_to_string(sb.path(".aws/config")).unwrap(), config);
    assert_eq!(std::fs::read_to_string(sb.path("stdout.txt")).unwrap(), "");
    assert_eq!(emu.stats()["device_authorizations"].as_u64(), Some(2));
}
