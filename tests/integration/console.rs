//! `awsso console` (protocol.md §13): the portal's shortcut link without network, federation against the
//! emulator's sign-in endpoint (`AWSSO_SIGNIN_URL`) for an SSO profile, a role chain and raw credentials, the
//! one-time loopback redirect (the token on no argv, a second fetch refused), faults, and headless Chromium ending
//! on the emulator's console page.

use std::path::Path;
use std::process::Output;

use crate::util::{Emulator, Sandbox, assert_clean_failure, stderr, stdout};

const CONFIG: &str = "\
[sso-session corp]
sso_start_url = https://d-0000000000.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile hub]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin
region = eu-west-1

[profile spoke]
role_arn = arn:aws:iam::222222222222:role/Deploy
source_profile = hub

[profile keys]
aws_access_key_id = AKIAEXAMPLEEXAMPLE01
aws_secret_access_key = long-term-secret
";

const START: &str = "https://d-0000000000.awsapps.com/start";

struct World {
    emu: Emulator,
    sb: Sandbox,
}

/// An emulator, a sandbox pointed at it (sign-in endpoint included), logged in to `corp`.
fn world() -> World {
    let emu = Emulator::start(&["--auto-approve"]);
    let sb = Sandbox::with_config(CONFIG)
        .env("AWS_ENDPOINT_URL_SSO", &emu.url)
        .env("AWS_ENDPOINT_URL_SSO_OIDC", &emu.url)
        .env("AWS_ENDPOINT_URL_STS", &emu.url)
        .env("AWSSO_SIGNIN_URL", &emu.url);
    let out = sb.run(&["login", "--sso-session", "corp", "--use-device-code", "--no-browser"]);
    assert!(out.status.success(), "{}", stderr(&out));
    World { emu, sb }
}

impl World {
    fn signin_calls(&self) -> Vec<serde_json::Value> {
        self.emu
            .admin("GET", "signin/calls", "")
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// `profile`'s credentials as `credential-process` prints them.
    fn credentials(&self, profile: &str) -> serde_json::Value {
        let out = self.sb.run(&["credential-process", "--profile", profile]);
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

/// `--print`'s answer: exactly one line, the URL, and nothing on stderr.
fn printed_url(out: &Output) -> String {
    assert!(out.status.success(), "{}", stderr(out));
    assert_eq!(stderr(out), "", "--print says nothing on stderr");
    let text = stdout(out);
    assert_eq!(text.lines().count(), 1, "{text:?}");
    assert!(text.ends_with('\n'));
    text.trim_end().to_owned()
}

/// A plain `GET` of `url`: status, `Location`, body. `Err` when the connection is refused or cut.
fn http_get(url: &str) -> std::io::Result<(u16, Option<String>, String)> {
    use std::io::{Read as _, Write as _};
    let rest = url.strip_prefix("http://").expect("an http URL");
    let (addr, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = std::net::TcpStream::connect(addr)?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut text = String::new();
    stream.read_to_string(&mut text)?;
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP answer: {text:?}")))?;
    let location = head
        .lines()
        .find_map(|l| l.strip_prefix("location: ").or_else(|| l.strip_prefix("Location: ")))
        .map(str::to_owned);
    Ok((status, location, body.to_owned()))
}

/// The value of `key` in the query of `url`, decoded.
fn query_value(url: &str, key: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// Follow a printed login URL on the emulator: the console page it lands on (identity, destination), and whether
/// the same URL works a second time.
fn sign_in(emu: &Emulator, login: &str) -> (String, bool) {
    let (status, location, body) = http_get(login).unwrap();
    assert_eq!(status, 302, "{body}");
    let console = format!("{}{}", emu.url, location.unwrap());
    let (status, _, page) = http_get(&console).unwrap();
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("id=\"awsso-console\""), "{page}");
    let (again, _, _) = http_get(login).unwrap();
    (page, again == 302)
}

#[test]
fn portal_links_for_sso_profiles_need_no_network_and_no_login() {
    // No emulator, no token: the portal link is built from the config alone (§13.2).
    let sb = Sandbox::with_config(CONFIG).env("AWSSO_SIGNIN_URL", "http://127.0.0.1:9");
    let url = printed_url(&sb.run(&["console", "hub", "--print"]));
    assert_eq!(
        url,
        format!(
            "{START}/#/console?account_id=111111111111&role_name=Admin&destination=\
             https%3A%2F%2Feu-west-1.console.aws.amazon.com%2Fconsole%2Fhome%3Fregion%3Deu-west-1"
        )
    );
    // The active profile, a service and a region.
    let sb = sb.env("AWS_PROFILE", "hub");
    let url = printed_url(&sb.run(&["console", "--service", "lambda", "--region", "us-gov-west-1", "--print"]));
    assert!(
        url.ends_with(
            "&destination=https%3A%2F%2Fconsole.amazonaws-us-gov.com%2Flambda%2Fhome%3Fregion%3Dus-gov-west-1"
        ),
        "{url}"
    );
    // Role chains cannot go through the portal.
    let out = sb.run(&["console", "spoke", "--via", "portal", "--print"]);
    assert_clean_failure(&out, 2, "--via federation");
}

#[test]
fn federation_for_a_chained_profile_leaves_session_duration_out() {
    let w = world();
    let login = printed_url(&w.sb.run(&["console", "spoke", "--service", "s3", "--print"]));
    assert!(
        login.starts_with(&format!("{}/federation?Action=login&", w.emu.url)),
        "{login}"
    );
    assert_eq!(query_value(&login, "Issuer").as_deref(), Some(START));
    assert_eq!(
        query_value(&login, "Destination").as_deref(),
        // As for the AWS CLI, a chained profile's region is its own, not its source's: none, so us-east-1.
        Some("https://us-east-1.console.aws.amazon.com/s3/home?region=us-east-1")
    );
    let calls = w.signin_calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0]["method"], "POST", "the keys travel in a form body");
    assert_eq!(calls[0]["action"], "getSigninToken");
    assert_eq!(calls[0]["status"], 200, "{calls:?}");
    assert!(calls[0]["session_duration"].is_null(), "chained: no SessionDuration");
    let (page, again) = sign_in(&w.emu, &login);
    assert!(
        page.contains("arn:aws:sts::222222222222:assumed-role/Deploy/"),
        "signed in as the chained role: {page}"
    );
    assert!(!again, "a sign-in token works once");
}

#[test]
fn federation_for_an_sso_profile_sends_session_duration() {
    let w = world();
    let login = printed_url(&w.sb.run(&["console", "hub", "--via", "federation", "--print"]));
    let calls = w.signin_calls();
    let duration: i64 = calls[0]["session_duration"].as_str().unwrap().parse().unwrap();
    assert!(
        (900..=3600).contains(&duration),
        "the credentials' time left: {duration}"
    );
    let (page, _) = sign_in(&w.emu, &login);
    assert!(page.contains("AWSReservedSSO_Admin_"), "{page}");
}

#[test]
fn federation_for_raw_credentials() {
    let w = world();
    let creds = w.credentials("spoke");
    let s = |k: &str| creds[k].as_str().unwrap().to_owned();
    // As `use --creds` leaves them: the raw credentials are the active identity, and federation the default.
    let raw = |sb: Sandbox| {
        sb.env("AWS_ACCESS_KEY_ID", &s("AccessKeyId"))
            .env("AWS_SECRET_ACCESS_KEY", &s("SecretAccessKey"))
            .env("AWS_SESSION_TOKEN", &s("SessionToken"))
    };
    let World { emu, sb } = w;
    let sb = raw(sb).env("AWSSO_PROFILE", "spoke");
    let login = printed_url(&sb.run(&["console", "--print"]));
    let calls = emu.admin("GET", "signin/calls", "");
    assert_eq!(calls[0]["access_key_id"], s("AccessKeyId").as_str());
    assert!(calls[0]["session_duration"].is_null());
    let (page, _) = sign_in(&emu, &login);
    assert!(page.contains("assumed-role/Deploy/"), "{page}");

    // Keys awsso did not set work too (whoami's `environment` source), without an Issuer.
    let sb = raw(Sandbox::with_config(CONFIG).env("AWSSO_SIGNIN_URL", &emu.url));
    let login = printed_url(&sb.run(&["console", "--print"]));
    assert_eq!(query_value(&login, "Issuer"), None);
    let (page, _) = sign_in(&emu, &login);
    assert!(page.contains("assumed-role/Deploy/"), "{page}");
}

#[test]
fn faults_are_one_line_each() {
    let w = world();
    // Unknown service, foreign destination: usage errors before any call.
    assert_clean_failure(
        &w.sb.run(&["console", "spoke", "--service", "lamda"]),
        2,
        "did you mean lambda",
    );
    let out =
        w.sb.run(&["console", "spoke", "--destination", "https://evil.example.com/console"]);
    assert_clean_failure(&out, 2, "`evil.example.com` is not a console host");
    let out = w.sb.run(&[
        "console",
        "spoke",
        "--region",
        "cn-north-1",
        "--destination",
        "https://console.aws.amazon.com/",
    ]);
    assert_clean_failure(&out, 2, "not a console host");
    // Long-term keys cannot sign in to the console.
    assert_clean_failure(&w.sb.run(&["console", "keys", "--print"]), 2, "temporary credentials");
    // The endpoint refusing the credentials (expired by the emulator): its 400 in one line.
    let creds = w.credentials("spoke");
    w.emu.admin("POST", "sts/expire-credentials", "");
    let sb = Sandbox::with_config(CONFIG)
        .env("AWSSO_SIGNIN_URL", &w.emu.url)
        .env("AWS_ACCESS_KEY_ID", creds["AccessKeyId"].as_str().unwrap())
        .env("AWS_SECRET_ACCESS_KEY", creds["SecretAccessKey"].as_str().unwrap())
        .env("AWS_SESSION_TOKEN", creds["SessionToken"].as_str().unwrap());
    let err = assert_clean_failure(&sb.run(&["console", "--print"]), 1, "answered 400");
    assert!(!err.contains(creds["SecretAccessKey"].as_str().unwrap()));
    assert_eq!(w.signin_calls().last().unwrap()["status"], 400);
    // Nothing active, nothing named.
    assert_clean_failure(&Sandbox::with_config(CONFIG).run(&["console"]), 2, "awsso use PROFILE");
}

#[test]
fn an_expired_session_asks_for_a_login() {
    let sb = Sandbox::with_config(CONFIG).env("AWSSO_SIGNIN_URL", "http://127.0.0.1:9");
    sb.write_token("corp", -60, false);
    let out = sb.run(&["console", "spoke", "--print"]);
    assert_clean_failure(&out, 3, "awsso login");
    // The portal needs no credentials: it still works.
    printed_url(&sb.run(&["console", "hub", "--print"]));
}

#[test]
fn without_a_browser_the_url_goes_to_stderr_with_a_hint() {
    let w = world();
    // No BROWSER, no DISPLAY: nothing can be opened.
    let out = w.sb.run(&["console", "spoke"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "", "stdout stays empty without --print");
    let err = stderr(&out);
    assert!(err.contains("no browser can be reached"), "{err}");
    assert!(err.contains("share it with no one"), "{err}");
    let login = err.split_whitespace().last().unwrap();
    assert!(
        login.starts_with(&format!("{}/federation?Action=login&", w.emu.url)),
        "{err}"
    );
    sign_in(&w.emu, login);
    // A BROWSER that cannot be started: the same, after saying why.
    let out =
        w.sb.awsso(&["console", "spoke"])
            .env("BROWSER", "/nonexistent/browser")
            .output()
            .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    assert!(
        err.contains("could not open a browser") && err.contains("/federation?Action=login&"),
        "{err}"
    );
}

/// Wait (bounded) for a file a browser script writes when it is done.
fn wait_for(path: &Path) {
    for _ in 0..1200 {
        if path.exists() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("{} never appeared", path.display());
}

#[test]
fn the_browser_gets_a_one_time_loopback_url_and_no_argv_holds_a_secret() {
    let w = world();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    // A "browser" that records every process's argv while the redirect is pending, then fetches the URL twice.
    let script = format!(
        "#!/bin/bash\n\
         for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < \"$f\" 2>/dev/null; echo; done > {d}/argv.txt\n\
         echo \"$1\" > {d}/url.txt\n\
         curl -s -o /dev/null -w '%{{http_code}} %{{redirect_url}}' \"$1\" > {d}/first.txt\n\
         curl -s -o /dev/null -w '%{{http_code}}' \"$1\" > {d}/second.txt; echo \" exit=$?\" >> {d}/second.txt\n\
         touch {d}/done\n"
    );
    let browser = dir.path().join("browser.sh");
    std::fs::write(&browser, script).unwrap();
    std::fs::set_permissions(&browser, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let creds = w.credentials("spoke");
    let out =
        w.sb.awsso(&["console", "spoke"])
            .env("BROWSER", &browser)
            .output()
            .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    wait_for(&dir.path().join("done"));
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    let url = read("url.txt");
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let first = read("first.txt");
    let (status, login) = first.split_once(' ').unwrap();
    assert_eq!(status, "302", "{first}");
    let token = query_value(login, "SigninToken").expect("a token in the redirect");
    assert!(token.len() > 20);
    let argv = read("argv.txt");
    assert!(argv.contains(url.trim()), "the dump saw the browser's own argv");
    for secret in [
        token.as_str(),
        creds["SecretAccessKey"].as_str().unwrap(),
        creds["SessionToken"].as_str().unwrap(),
    ] {
        assert!(!argv.contains(secret), "a secret on some argv: {argv}");
    }
    assert!(
        !stderr(&out).contains(&token),
        "the token is not shown when a browser opens it"
    );
    let second = read("second.txt");
    assert!(!second.starts_with("302"), "the loopback URL answers once: {second}");
    // The token the redirect carried is the live one.
    sign_in(&w.emu, login);
}

#[cfg(feature = "real-tools")]
mod chromium {
    use super::*;

    /// Run `console ARGS` with BROWSER = headless Chromium dumping the DOM it ends on; return that DOM.
    fn console_in_chromium(sb: &Sandbox, args: &[&str]) -> String {
        let chromium = crate::util::require("chromium");
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display();
        let script = format!(
            "#!/bin/bash\n\
             {chromium} --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
             --user-data-dir={d}/profile --dump-dom \"$1\" > {d}/dom.html 2> {d}/chromium.err\n\
             touch {d}/done\n",
            chromium = chromium.display()
        );
        let browser = dir.path().join("browser.sh");
        std::fs::write(&browser, script).unwrap();
        std::fs::set_permissions(&browser, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        let out = sb
            .awsso(args)
            .env("BROWSER", &browser)
            .env("AWSSO_LOGIN_TIMEOUT", "120")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stderr(&out).contains("opened the AWS console"), "{}", stderr(&out));
        wait_for(&dir.path().join("done"));
        let dom = std::fs::read_to_string(dir.path().join("dom.html")).unwrap();
        let err = std::fs::read_to_string(dir.path().join("chromium.err")).unwrap_or_default();
        assert!(
            dom.contains("id=\"awsso-console\""),
            "Chromium ended elsewhere: {dom}\n{err}"
        );
        dom
    }

    #[test]
    fn headless_chromium_ends_on_the_console_page() {
        let w = world();
        // A role chain, with a service.
        let dom = console_in_chromium(
            &w.sb,
            &["console", "spoke", "--service", "ec2", "--region", "eu-west-1"],
        );
        assert!(dom.contains("assumed-role/Deploy/"), "{dom}");
        assert!(
            dom.contains("https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1"),
            "{dom}"
        );
        // An SSO profile through federation.
        let dom = console_in_chromium(&w.sb, &["console", "hub", "--via", "federation"]);
        assert!(dom.contains("AWSReservedSSO_Admin_"), "{dom}");
        // Raw credentials, as `use --creds` leaves them.
        let creds = w.credentials("spoke");
        let sb = Sandbox::with_config(CONFIG)
            .env("AWSSO_SIGNIN_URL", &w.emu.url)
            .env("AWS_ACCESS_KEY_ID", creds["AccessKeyId"].as_str().unwrap())
            .env("AWS_SECRET_ACCESS_KEY", creds["SecretAccessKey"].as_str().unwrap())
            .env("AWS_SESSION_TOKEN", creds["SessionToken"].as_str().unwrap())
            .env("AWSSO_PROFILE", "spoke");
        let dom = console_in_chromium(&sb, &["console"]);
        assert!(dom.contains("assumed-role/Deploy/"), "{dom}");
    }
}

#[test]
fn completion_offers_the_services() {
    let sb = Sandbox::new()
        .env("COMPLETE", "bash")
        .env("_CLAP_COMPLETE_INDEX", "3")
        .env("_CLAP_IFS", "\n");
    let out = sb.run(&["--", "awsso", "console", "--service", "c"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "cloudformation\ncloudfront\ncloudtrail\ncloudwatch\ncodepipeline"
    );
}
