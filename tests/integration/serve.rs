//! The credential endpoint (issue 13, protocol.md §14): `serve` answering raw HTTP requests (401, 403, 200 for the
//! token holder only), `exec --server` passing statuses and signals through and leaving nothing behind, the
//! `[default]` warning, and, with real tools, boto3 and the Rust SDK's default chain in the child calling STS for
//! 70 s on 30-second role credentials, and a session that can no longer be refreshed naming the login command.

use std::io::{BufRead as _, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use crate::util::{Emulator, Sandbox, stderr, stdout};

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
";

fn sandbox(emu: &Emulator, config: &str) -> Sandbox {
    let sb = Sandbox::with_config(config)
        .env("AWS_ENDPOINT_URL_SSO", &emu.url)
        .env("AWS_ENDPOINT_URL_SSO_OIDC", &emu.url)
        .env("AWS_ENDPOINT_URL_STS", &emu.url);
    let out = sb.run(&["login", "--sso-session", "corp", "--use-device-code", "--no-browser"]);
    assert!(out.status.success(), "{}", stderr(&out));
    sb
}

/// One request over a fresh connection, as the SDKs' container providers make them: the status and the body.
fn request(addr: &str, head: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect to the endpoint");
    stream.write_all(head.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {response:?}"));
    let (_, body) = response.split_once("\r\n\r\n").expect("a head and a body");
    (status, body.to_owned())
}

fn get(addr: &str, host: Option<&str>, token: Option<&str>) -> (u16, String) {
    let host = host.map(|h| format!("Host: {h}\r\n")).unwrap_or_default();
    let auth = token.map(|t| format!("Authorization: {t}\r\n")).unwrap_or_default();
    request(
        addr,
        &format!("GET / HTTP/1.1\r\nAccept: application/json\r\n{host}{auth}\r\n"),
    )
}

fn cmdline(pid: u32) -> String {
    String::from_utf8_lossy(&std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default()).replace('\0', " ")
}

/// Whether any process this user can see still holds `token` in its environment.
fn anyone_holds(token: &str) -> Vec<String> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| {
            let path = e.ok()?.path();
            let environ = std::fs::read(path.join("environ")).ok()?;
            let found = environ.windows(token.len()).any(|w| w == token.as_bytes());
            found.then(|| path.display().to_string())
        })
        .collect()
}

fn kill(signal: &str, pid: u32) {
    assert!(
        Command::new("kill")
            .args([signal, &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
}

/// A value from bash exports (`export NAME=VALUE;`, VALUE maybe single-quoted).
fn export_value(text: &str, name: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let v = l.strip_prefix(&format!("export {name}="))?.strip_suffix(';')?;
        Some(v.trim_matches('\'').to_owned())
    })
}

struct Served {
    child: Child,
    url: String,
    token: String,
    addr: String,
    port: u16,
}

fn serve(sb: &Sandbox, args: &[&str]) -> Served {
    let mut child = sb
        .awsso(&[&["serve", "--shell", "bash"], args].concat())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut text = String::new();
    while export_value(&text, "AWS_CONTAINER_AUTHORIZATION_TOKEN").is_none() {
        let mut line = String::new();
        assert!(reader.read_line(&mut line).unwrap() > 0, "serve ended early: {text}");
        text.push_str(&line);
    }
    let url = export_value(&text, "AWS_CONTAINER_CREDENTIALS_FULL_URI").expect("the URL");
    let token = export_value(&text, "AWS_CONTAINER_AUTHORIZATION_TOKEN").unwrap();
    assert!(text.contains("unset AWS_PROFILE;"), "{text}");
    let addr = url.trim_start_matches("http://").trim_end_matches('/').to_owned();
    let port = addr.rsplit_once(':').unwrap().1.parse().unwrap();
    Served {
        child,
        url,
        token,
        addr,
        port,
    }
}

#[test]
fn serve_answers_only_the_token_holder_on_its_own_host() {
    let emu = Emulator::start(&["--auto-approve"]);
    let sb = sandbox(&emu, CONFIG);
    // A taken --port: one line, before any login, nothing on stdout.
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    crate::util::assert_clean_failure(
        &sb.run(&["serve", "dev", "--port", &port]),
        1,
        &format!("could not listen on 127.0.0.1:{port}: "),
    );
    drop(busy);
    let mut s = serve(&sb, &["dev", "--verbose"]);
    assert!(
        s.url.starts_with("http://127.0.0.1:") && s.url.ends_with('/'),
        "{}",
        s.url
    );
    assert!(s.token.len() >= 43, "at least 256 bits, base64: {}", s.token);
    let here = format!("127.0.0.1:{}", s.port);
    let token = Some(s.token.as_str());

    let (status, body) = get(&s.addr, Some(&here), token);
    assert_eq!(status, 200, "{body}");
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    let key = doc["AccessKeyId"].as_str().unwrap();
    assert!(
        emu.issued_credentials().iter().any(|(_, _, k)| k == key),
        "the emulator issued {key}"
    );
    for member in ["SecretAccessKey", "Token", "Expiration"] {
        assert!(doc[member].as_str().is_some_and(|v| !v.is_empty()), "{member}: {doc}");
    }
    assert_eq!(doc["AccountId"], "111111111111");
    assert_eq!(get(&s.addr, Some(&format!("localhost:{}", s.port)), token).0, 200);

    // The token, and only the token.
    let mut wrong = s.token.clone();
    let last = wrong.pop().unwrap();
    wrong.push(if last == 'A' { 'B' } else { 'A' });
    let (status, body) = get(&s.addr, Some(&here), None);
    assert_eq!(status, 401, "{body}");
    assert!(!body.contains(&s.token));
    assert_eq!(get(&s.addr, Some(&here), Some(&wrong)).0, 401);
    assert_eq!(get(&s.addr, Some(&here), Some(&format!("{}x", s.token))).0, 401);
    assert_eq!(get(&s.addr, Some(&here), Some(&s.token[..s.token.len() - 1])).0, 401);
    // DNS rebinding: the right token under a foreign Host.
    for host in [
        format!("evil.example:{}", s.port),
        "127.0.0.1".to_owned(),
        format!("127.0.0.1:{}", s.port + 1),
    ] {
        let (status, body) = get(&s.addr, Some(&host), token);
        assert_eq!(status, 403, "{host}: {body}");
    }
    assert_eq!(get(&s.addr, None, token).0, 403, "no Host");
    // Nothing else is served.
    let auth = format!("Host: {here}\r\nAuthorization: {}\r\n", s.token);
    assert_eq!(request(&s.addr, &format!("POST / HTTP/1.1\r\n{auth}\r\n")).0, 405);
    assert_eq!(request(&s.addr, &format!("GET /x HTTP/1.1\r\n{auth}\r\n")).0, 404);
    assert_eq!(request(&s.addr, "HELLO\r\n\r\n").0, 400);
    assert_eq!(
        request(&s.addr, &format!("GET / HTTP/1.1\r\n{auth}Content-Length: 3\r\n\r\n")).0,
        400
    );

    // The token never reaches argv; SIGTERM ends `serve` with 0, and the port with it.
    assert!(!cmdline(s.child.id()).contains(&s.token));
    kill("-TERM", s.child.id());
    let status = s.child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{status:?}");
    let mut err = String::new();
    s.child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert!(
        err.contains(&format!("serving the credentials of profile `dev` at {}", s.url)),
        "{err}"
    );
    let requests: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("awsso: endpoint: 127.0.0.1:"))
        .collect();
    assert_eq!(requests.len(), 14, "one line per request: {err}");
    assert!(requests.iter().any(|l| l.ends_with("GET / -> 401")), "{err}");
    assert!(
        !err.contains(&s.token) && !err.contains(doc["SecretAccessKey"].as_str().unwrap()),
        "{err}"
    );
    assert!(TcpStream::connect(&s.addr).is_err(), "the endpoint is closed");
}

#[test]
fn exec_server_passes_statuses_and_signals_and_leaves_nothing() {
    let emu = Emulator::start(&["--auto-approve"]);
    let sb = sandbox(&emu, CONFIG);
    for code in [0, 1, 42] {
        let out = sb.run(&["exec", "--server", "dev", "--", "sh", "-c", &format!("exit {code}")]);
        assert_eq!(out.status.code(), Some(code), "{}", stderr(&out));
    }
    // The endpoint instead of keys and profiles; curl (as any SDK) gets credentials from it.
    let out = sb
        .awsso(&[
            "exec",
            "--server",
            "dev",
            "--",
            "sh",
            "-c",
            "echo \"${AWS_ACCESS_KEY_ID-none}|${AWS_PROFILE-none}|${AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE-none}|$AWS_REGION\"; \
             curl -sS -H \"Authorization: $AWS_CONTAINER_AUTHORIZATION_TOKEN\" \"$AWS_CONTAINER_CREDENTIALS_FULL_URI\"",
        ])
        .env("AWS_ACCESS_KEY_ID", "STALE")
        .env("AWS_PROFILE", "stale")
        .env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/nonexistent")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let (first, body) = text.split_once('\n').unwrap();
    assert_eq!(first, "none|none|none|eu-west-1");
    let doc: serde_json::Value = serde_json::from_str(body).unwrap_or_else(|_| panic!("{text}"));
    assert!(doc["AccessKeyId"].as_str().unwrap().starts_with("ASIA"), "{doc}");
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));

    // SIGTERM reaches CMD and awsso dies of it too; no secret on either argv; nothing is left afterwards.
    let mut child = sb
        .awsso(&[
            "exec",
            "--server",
            "dev",
            "--",
            "sh",
            "-c",
            "echo $$ > child.pid; exec sleep 30",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let cmd_pid: u32 = loop {
        if let Some(pid) = std::fs::read_to_string(sb.path("child.pid"))
            .ok()
            .and_then(|p| p.trim().parse().ok())
            && cmdline(pid).starts_with("sleep")
        {
            break pid;
        }
        assert!(std::time::Instant::now() < deadline, "CMD never started");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let environ = std::fs::read(format!("/proc/{cmd_pid}/environ")).unwrap();
    let token = environ
        .split(|&b| b == 0)
        .find_map(|v| v.strip_prefix(b"AWS_CONTAINER_AUTHORIZATION_TOKEN="))
        .map(|t| String::from_utf8(t.to_vec()).unwrap())
        .expect("CMD has the token in its environment");
    let url = environ
        .split(|&b| b == 0)
        .find_map(|v| v.strip_prefix(b"AWS_CONTAINER_CREDENTIALS_FULL_URI="))
        .map(|t| String::from_utf8(t.to_vec()).unwrap())
        .unwrap();
    assert_eq!(cmdline(cmd_pid).trim(), "sleep 30");
    assert!(!cmdline(child.id()).contains(&token), "{}", cmdline(child.id()));
    kill("-TERM", child.id());
    let status = child.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(15),
        "awsso died of SIGTERM, as CMD did: {status:?}"
    );
    assert!(
        !std::path::Path::new(&format!("/proc/{cmd_pid}")).exists(),
        "CMD is gone"
    );
    assert_eq!(anyone_holds(&token), Vec::<String>::new(), "no process holds the token");
    let addr = url.trim_start_matches("http://").trim_end_matches('/');
    assert!(TcpStream::connect(addr).is_err(), "the endpoint is closed");

    // A CMD killed by a signal: awsso dies of the same one.
    let out = sb.run(&["exec", "--server", "dev", "--", "sh", "-c", "kill -KILL $$"]);
    assert_eq!(std::os::unix::process::ExitStatusExt::signal(&out.status), Some(9));
    // A CMD that cannot run: one line, exit 1, as plain `exec`.
    crate::util::assert_clean_failure(
        &sb.run(&["exec", "--server", "dev", "--", "/nonexistent/cmd"]),
        1,
        "could not run `/nonexistent/cmd`",
    );
}

#[test]
fn a_default_profile_with_credentials_is_warned_about_before_cmd() {
    let emu = Emulator::start(&["--auto-approve"]);
    let config =
        format!("{CONFIG}\n[default]\nsso_session = corp\nsso_account_id = 111111111112\nsso_role_name = ReadOnly\n");
    let sb = sandbox(&emu, &config);
    let out = sb.run(&["exec", "--server", "dev", "--", "sh", "-c", "echo started >&2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[0].starts_with("awsso: warning: profile `default` has credentials (sso)") && lines[0].contains("rename"),
        "{err}"
    );
    assert_eq!(lines[1], "started", "the warning comes before CMD");
    // Without credentials in [default], no warning.
    let sb = sandbox(&emu, &format!("{CONFIG}\n[default]\nregion = us-east-1\n"));
    let out = sb.run(&["exec", "--server", "dev", "--", "true"]);
    assert!(out.status.success() && out.stderr.is_empty(), "{}", stderr(&out));
}

/// The Rust SDK client the real-tools tests run as CMD (this test binary runs itself). Alone it does nothing.
#[test]
#[allow(clippy::disallowed_methods)] // the parent passes its parameters in the environment
fn rust_sdk_child() {
    let Some(rounds) = std::env::var("AWSSO_TEST_SDK_ROUNDS")
        .ok()
        .and_then(|r| r.parse::<u32>().ok())
    else {
        return;
    };
    let interval: u64 = std::env::var("AWSSO_TEST_SDK_INTERVAL").unwrap().parse().unwrap();
    rust_sdk::calls(rounds, std::time::Duration::from_secs(interval));
}

mod rust_sdk {
    use std::sync::{Arc, Mutex};

    use aws_sdk_sts::config::interceptors::BeforeTransmitInterceptorContextRef;
    use aws_sdk_sts::config::{ConfigBag, Intercept, RuntimeComponents};

    /// Notes the access key each request is signed with (from its `Authorization` header).
    #[derive(Debug, Clone, Default)]
    struct KeySpy(Arc<Mutex<String>>);

    impl Intercept for KeySpy {
        fn name(&self) -> &'static str {
            "KeySpy"
        }

        fn read_before_transmit(
            &self,
            context: &BeforeTransmitInterceptorContextRef<'_>,
            _: &RuntimeComponents,
            _: &mut ConfigBag,
        ) -> Result<(), aws_sdk_sts::error::BoxError> {
            let auth = context.request().headers().get("authorization").unwrap_or_default();
            let key = auth
                .split("Credential=")
                .nth(1)
                .and_then(|c| c.split('/').next())
                .unwrap_or("?");
            key.clone_into(&mut self.0.lock().unwrap());
            Ok(())
        }
    }

    /// `rounds` GetCallerIdentity calls `interval` apart with aws-config's default chain, one line each on stdout.
    #[allow(clippy::print_stdout, clippy::disallowed_macros)] // the parent test reads these lines
    pub(super) fn calls(rounds: u32, interval: std::time::Duration) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let http = aws_smithy_http_client::Builder::new()
                .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                    aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
                ))
                .build_https();
            let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
                .http_client(http)
                .load()
                .await;
            let spy = KeySpy::default();
            let sts = aws_sdk_sts::Client::from_conf(
                aws_sdk_sts::config::Builder::from(&config)
                    .interceptor(spy.clone())
                    .build(),
            );
            for i in 0..rounds {
                if i > 0 {
                    tokio::time::sleep(interval).await;
                }
                match sts.get_caller_identity().send().await {
                    Ok(out) => println!(
                        "rust-sdk ok {} {}",
                        spy.0.lock().unwrap(),
                        out.arn().unwrap_or_default()
                    ),
                    Err(e) => println!("rust-sdk FAILED {}", aws_sdk_sts::error::DisplayErrorContext(&e)),
                }
            }
        });
    }
}

#[cfg(feature = "real-tools")]
const BOTO3_CALLS: &str = r#"
import sys, time, boto3
rounds, interval = int(sys.argv[1]), float(sys.argv[2])
session = boto3.Session()
sts = session.client("sts")
used = []
def spy(request, **kwargs):
    auth = request.headers["Authorization"]
    auth = auth.decode() if isinstance(auth, bytes) else auth
    used.append(auth.split("Credential=")[1].split("/")[0])
sts.meta.events.register("before-send.sts.GetCallerIdentity", spy)
for i in range(rounds):
    if i:
        time.sleep(interval)
    try:
        arn = sts.get_caller_identity()["Arn"]
        print("boto3 ok", used[-1], arn, session.get_credentials().method, flush=True)
    except Exception as e:
        print("boto3 FAILED", str(e).replace("\n", " "), flush=True)
        sys.exit(1)
"#;

#[cfg(feature = "real-tools")]
#[test]
fn sdks_in_the_child_call_sts_for_seventy_seconds_on_thirty_second_credentials() {
    let emu = Emulator::start(&["--auto-approve", "--role-credentials-seconds", "30"]);
    let sb = sandbox(&emu, CONFIG);
    let me = std::env::current_exe().unwrap();
    let script = "\"$PY\" -c \"$BOTO3\" 8 10 & \"$ME\" --exact serve::rust_sdk_child --nocapture --test-threads 1 \
                  | grep -o 'rust-sdk .*'; wait $!";
    let out = sb
        .awsso(&["exec", "--server", "--verbose", "dev", "--", "sh", "-c", script])
        .env("PY", crate::util::python())
        .env("BOTO3", BOTO3_CALLS)
        .env("ME", &me)
        .env("AWSSO_TEST_SDK_ROUNDS", "8")
        .env("AWSSO_TEST_SDK_INTERVAL", "10")
        .output()
        .unwrap();
    let text = stdout(&out);
    let err = stderr(&out);
    assert!(out.status.success(), "{text}\n{err}");
    assert!(!text.contains("FAILED"), "{text}");
    let issued: Vec<String> = emu.issued_credentials().into_iter().map(|(_, _, k)| k).collect();
    for sdk in ["boto3", "rust-sdk"] {
        let lines: Vec<&str> = text.lines().filter(|l| l.starts_with(&format!("{sdk} ok "))).collect();
        assert_eq!(lines.len(), 8, "{sdk}: eight calls over 70 s: {text}");
        let mut keys: Vec<&str> = lines.iter().map(|l| l.split(' ').nth(2).unwrap()).collect();
        assert!(
            keys.iter().all(|k| issued.iter().any(|i| i == k)),
            "{sdk}: keys from GetRoleCredentials: {text}"
        );
        assert!(
            lines.iter().all(|l| l.contains("assumed-role/AWSReservedSSO_Admin")),
            "{sdk}: {text}"
        );
        keys.dedup();
        assert!(keys.len() >= 2, "{sdk} saw fresh keys: {text}");
    }
    assert!(
        text.lines()
            .filter(|l| l.starts_with("boto3 ok"))
            .all(|l| l.ends_with(" container-role")),
        "botocore's container provider: {text}"
    );
    assert!(
        err.lines().filter(|l| l.ends_with("GET / -> 200")).count() >= 4,
        "{err}"
    );
    assert!(!err.contains("warning"), "{err}");
}

#[cfg(feature = "real-tools")]
#[test]
fn a_session_that_cannot_be_refreshed_names_the_login_command() {
    let emu = Emulator::start(&["--auto-approve", "--role-credentials-seconds", "12"]);
    let sb = sandbox(&emu, CONFIG);
    let mut child = sb
        .awsso(&[
            "exec",
            "--server",
            "dev",
            "--",
            "sh",
            "-c",
            "\"$PY\" -c \"$BOTO3\" 60 1",
        ])
        .env("PY", crate::util::python())
        .env("BOTO3", BOTO3_CALLS)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    assert!(first.starts_with("boto3 ok"), "{first}");
    // The session ends while CMD runs: the next refresh cannot get a token.
    let out = sb.run(&["logout", "--sso-session", "corp"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut rest = String::new();
    reader.read_to_string(&mut rest).unwrap();
    let status = child.wait().unwrap();
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert_eq!(status.code(), Some(1), "CMD's status: {rest}\n{err}");
    let failed = rest
        .lines()
        .find(|l| l.starts_with("boto3 FAILED"))
        .unwrap_or_else(|| panic!("{rest}"));
    assert!(
        failed.contains("run `awsso login --sso-session corp`") && failed.contains("container-role"),
        "boto3 shows the endpoint's message: {failed}"
    );
    let said: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("awsso login --sso-session corp"))
        .collect();
    assert_eq!(said.len(), 1, "said once on stderr: {err}");
    assert!(
        said[0].starts_with("awsso: warning: could not refresh the credentials of profile `dev`"),
        "{err}"
    );
}
