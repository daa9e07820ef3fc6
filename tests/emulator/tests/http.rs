//! Smoke test of the `awsso-emulator` binary over plain HTTP/1.1 (std only): start-up line, `--port`, a device-flow
//! login, the portal, the admin API and a clean exit on SIGTERM.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Emulator {
    child: Child,
    addr: String,
}

impl Emulator {
    fn start(args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_awsso-emulator"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start awsso-emulator");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read the URL");
        let addr = line
            .trim()
            .strip_prefix("http://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
        Self {
            addr: addr.to_owned(),
            child,
        }
    }

    /// One request on a fresh connection: (status, lower-cased headers, body).
    fn request(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (u16, Vec<(String, String)>, String) {
        let mut stream = TcpStream::connect(&self.addr).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
        let mut request = format!(
            "{method} {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.addr
        );
        for (name, value) in headers {
            let _ = write!(request, "{name}: {value}\r\n");
        }
        let _ = write!(request, "Content-Length: {}\r\n\r\n{body}", body.len());
        stream.write_all(request.as_bytes()).expect("send");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("receive");
        let (head, body) = response.split_once("\r\n\r\n").expect("header end");
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .expect("status");
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        (status, headers, body.to_owned())
    }

    fn json(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let (status, _, text) = self.request(method, target, headers, &body.to_string());
        (
            status,
            if text.is_empty() {
                serde_json::Value::Null
            } else {
                serde_json::from_str(&text).expect("JSON body")
            },
        )
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

#[test]
fn device_login_portal_admin_and_sigterm() {
    // A free port for --port (tiny race with other processes, acceptable in a test).
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let emu = Emulator::start(&[
        "--port",
        &port.to_string(),
        "--auto-approve",
        "--accounts",
        "2",
        "--roles",
        "1",
    ]);
    assert_eq!(emu.addr, format!("127.0.0.1:{port}"));

    let (status, registration) = emu.json(
        "POST",
        "/client/register",
        &[],
        &serde_json::json!({"clientName": "smoke", "clientType": "public", "scopes": ["sso:account:access"]}),
    );
    assert_eq!(status, 200, "{registration}");
    let client = serde_json::json!({
        "clientId": registration["clientId"],
        "clientSecret": registration["clientSecret"],
    });
    let mut start = client.clone();
    start["startUrl"] = "https://d-0000000000.awsapps.com/start".into();
    let (status, authorization) = emu.json("POST", "/device_authorization", &[], &start);
    assert_eq!(status, 200, "{authorization}");
    assert_eq!(
        authorization["verificationUri"],
        format!("http://127.0.0.1:{port}/device")
    );

    let mut poll = client.clone();
    poll["grantType"] = "urn:ietf:params:oauth:grant-type:device_code".into();
    poll["deviceCode"] = authorization["deviceCode"].clone();
    let (status, token) = emu.json("POST", "/token", &[], &poll);
    assert_eq!(status, 200, "auto-approve: the first poll succeeds: {token}");
    let access = token["accessToken"].as_str().expect("accessToken").to_owned();

    // Errors: suffixed x-amzn-ErrorType and the OAuth body.
    let (status, headers, body) = emu.request("POST", "/token", &[], &poll.to_string());
    assert_eq!(status, 400);
    assert_eq!(
        header(&headers, "x-amzn-errortype"),
        Some("InvalidGrantException:http://internal.amazon.com/coral/com.amazonaws.ssooidc/")
    );
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["error"],
        "invalid_grant"
    );

    let bearer = [("x-amz-sso_bearer_token", access.as_str())];
    let (status, accounts) = emu.json(
        "GET",
        "/assignment/accounts?max_result=1",
        &bearer,
        &serde_json::Value::Null,
    );
    assert_eq!(status, 200);
    assert_eq!(accounts["accountList"][0]["accountName"], "account-0001");
    let next = accounts["nextToken"].as_str().expect("nextToken on the first page");
    let (_, last) = emu.json(
        "GET",
        &format!("/assignment/accounts?max_result=1&next_token={next}"),
        &bearer,
        &serde_json::Value::Null,
    );
    assert_eq!(last["accountList"][0]["accountId"], "111111111112");
    assert!(last.get("nextToken").is_none(), "no nextToken on the last page: {last}");
    let (status, creds) = emu.json(
        "GET",
        "/federation/credentials?role_name=Admin&account_id=111111111111",
        &bearer,
        &serde_json::Value::Null,
    );
    assert_eq!(status, 200);
    assert!(
        creds["roleCredentials"]["expiration"].as_u64().expect("expiration") > 1_000_000_000_000,
        "milliseconds"
    );
    let (status, _) = emu.json(
        "GET",
        "/assignment/accounts",
        &[("x-amz-sso_bearer_token", "nope")],
        &serde_json::Value::Null,
    );
    assert_eq!(status, 401);

    // Admin: stats, log, config, throttling.
    let (_, counters) = emu.json("GET", "/_admin/stats", &[], &serde_json::Value::Null);
    assert_eq!(counters["device_code_grants"], 1);
    assert_eq!(counters["get_role_credentials"], 1);
    assert_eq!(counters["requests"]["GET /assignment/accounts"], 3);
    let (_, log) = emu.json("GET", "/_admin/log", &[], &serde_json::Value::Null);
    let log = log.as_array().expect("log array");
    assert_eq!(log.len(), 8, "{log:?}");
    assert_eq!(log[3]["error_type"], "InvalidGrantException");
    assert_eq!(log[3]["grant_type"], "urn:ietf:params:oauth:grant-type:device_code");
    assert!(
        log.iter().all(|e| !e.to_string().contains(&access)),
        "the log holds no tokens"
    );
    let (status, config) = emu.json("POST", "/_admin/config", &[], &serde_json::json!({"throttle_every": 1}));
    assert_eq!((status, &config["throttle_every"]), (200, &serde_json::json!(1)));
    let (status, headers, _) = emu.request("GET", "/assignment/accounts", &bearer, "");
    assert_eq!(status, 429);
    assert!(header(&headers, "x-amzn-errortype").is_some_and(|v| v.starts_with("TooManyRequestsException:")));
    let (status, _) = emu.json(
        "POST",
        "/_admin/config",
        &[],
        &serde_json::json!({"no_such_setting": 1}),
    );
    assert_eq!(status, 400);

    #[cfg(unix)]
    {
        let mut emu = emu;
        let pid = emu.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .expect("kill")
                .success()
        );
        let status = emu.child.wait().expect("wait");
        assert!(status.success(), "clean exit on SIGTERM, got {status}");
    }
}
