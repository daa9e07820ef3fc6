//! The emulated STS over HTTP (protocol.md §12.3–§12.4): SigV4 accepted and refused, the one-hour chaining limit,
//! ExternalId, MFA, denied roles, IAM-user keys, expiry, the `--role-credentials-seconds` flag and the admin record
//! of calls. Requests are signed here with a small SigV4 signer written from the AWS specification (botocore, an
//! independent signer, drives the same routes in `tests/support/test_emulator_botocore.py`).

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, KeyInit as _, Mac as _};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

const ROLE: &str = "arn:aws:iam::222222222222:role/Deploy";
const CHAINING: &str =
    "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.";

struct Emulator {
    child: Child,
    addr: String,
}

/// An HTTP answer: status, lower-cased headers, body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    /// The text of the first `<name>…</name>` element.
    fn xml(&self, name: &str) -> Option<&str> {
        let start = self.body.find(&format!("<{name}>"))? + name.len() + 2;
        let end = self.body[start..].find(&format!("</{name}>"))?;
        Some(&self.body[start..start + end])
    }

    fn error_code(&self) -> Option<&str> {
        self.body
            .starts_with("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">")
            .then(|| self.xml("Code"))
            .flatten()
    }
}

/// Access key, secret and (for sessions) token.
#[derive(Debug, Clone)]
struct Keys {
    id: String,
    secret: String,
    token: Option<String>,
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
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Self { child, addr }
    }

    fn request(&self, method: &str, target: &str, headers: &[(String, String)], body: &str) -> Answer {
        let mut stream = TcpStream::connect(&self.addr).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
        let mut request = format!("{method} {target} HTTP/1.1\r\nConnection: close\r\n");
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
        Answer {
            status,
            headers,
            body: body.to_owned(),
        }
    }

    fn admin(&self, method: &str, path: &str, body: &Value) -> (u16, Value) {
        let text = if body.is_null() {
            String::new()
        } else {
            body.to_string()
        };
        let host = [("Host".to_owned(), self.addr.clone())];
        let answer = self.request(method, &format!("/_admin/{path}"), &host, &text);
        (answer.status, serde_json::from_str(&answer.body).expect("JSON"))
    }

    /// A device-flow login and GetRoleCredentials for account 111111111111, role Admin (SSO role credentials).
    fn sso_credentials(&self) -> (Keys, u64) {
        let host = [("Host".to_owned(), self.addr.clone())];
        let post = |path: &str, body: &Value| {
            let answer = self.request("POST", path, &host, &body.to_string());
            assert_eq!(answer.status, 200, "{path}: {}", answer.body);
            serde_json::from_str::<Value>(&answer.body).expect("JSON")
        };
        let registration = post(
            "/client/register",
            &json!({"clientName": "sts-test", "clientType": "public", "scopes": ["sso:account:access"]}),
        );
        let client = json!({"clientId": registration["clientId"], "clientSecret": registration["clientSecret"]});
        let mut start = client.clone();
        start["startUrl"] = "https://d-0000000000.awsapps.com/start".into();
        let authorization = post("/device_authorization", &start);
        let mut poll = client;
        poll["grantType"] = "urn:ietf:params:oauth:grant-type:device_code".into();
        poll["deviceCode"] = authorization["deviceCode"].clone();
        let token = post("/token", &poll);
        let mut headers = host.to_vec();
        headers.push((
            "x-amz-sso_bearer_token".to_owned(),
            token["accessToken"].as_str().expect("accessToken").to_owned(),
        ));
        let answer = self.request(
            "GET",
            "/federation/credentials?role_name=Admin&account_id=111111111111",
            &headers,
            "",
        );
        assert_eq!(answer.status, 200, "{}", answer.body);
        let credentials: Value = serde_json::from_str(&answer.body).expect("JSON");
        let credentials = &credentials["roleCredentials"];
        let keys = Keys {
            id: credentials["accessKeyId"].as_str().expect("key").to_owned(),
            secret: credentials["secretAccessKey"].as_str().expect("secret").to_owned(),
            token: Some(credentials["sessionToken"].as_str().expect("token").to_owned()),
        };
        (keys, credentials["expiration"].as_u64().expect("expiration"))
    }

    /// A SigV4-signed STS query request (`POST /`), as botocore sends one (protocol.md §12.4).
    fn sts(&self, keys: &Keys, params: &[(&str, &str)]) -> Answer {
        self.sts_signed_with(keys, &keys.secret, params)
    }

    fn sts_signed_with(&self, keys: &Keys, secret: &str, params: &[(&str, &str)]) -> Answer {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        let headers = sign(&self.addr, keys, secret, &body, now_secs());
        self.request("POST", "/", &headers, &body)
    }

    fn assume(&self, keys: &Keys, extra: &[(&str, &str)]) -> Answer {
        let mut params = vec![
            ("Action", "AssumeRole"),
            ("Version", "2011-06-15"),
            ("RoleArn", ROLE),
            ("RoleSessionName", "alice"),
        ];
        params.extend_from_slice(extra);
        self.sts(keys, &params)
    }

    fn caller_arn(&self, keys: &Keys) -> Answer {
        self.sts(keys, &[("Action", "GetCallerIdentity"), ("Version", "2011-06-15")])
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// The headers of a SigV4-signed `POST /` (region us-west-2, service sts), signed at `at` (epoch seconds).
fn sign(host: &str, keys: &Keys, secret: &str, body: &str, at: u64) -> Vec<(String, String)> {
    let time = time::OffsetDateTime::from_unix_timestamp(i64::try_from(at).expect("time")).expect("time");
    let amz_date = format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        time.year(),
        u8::from(time.month()),
        time.day(),
        time.hour(),
        time.minute(),
        time.second()
    );
    let date = &amz_date[..8];
    let mut headers = vec![
        (
            "content-type".to_owned(),
            "application/x-www-form-urlencoded; charset=utf-8".to_owned(),
        ),
        ("host".to_owned(), host.to_owned()),
        ("x-amz-date".to_owned(), amz_date.clone()),
    ];
    if let Some(token) = &keys.token {
        headers.push(("x-amz-security-token".to_owned(), token.clone()));
    }
    let signed: Vec<&str> = headers.iter().map(|(k, _)| k.as_str()).collect();
    let canonical_headers = headers.iter().fold(String::new(), |mut out, (k, v)| {
        let _ = writeln!(out, "{k}:{v}");
        out
    });
    let canonical = format!(
        "POST\n/\n\n{canonical_headers}\n{}\n{}",
        signed.join(";"),
        hex(&Sha256::digest(body.as_bytes()))
    );
    let scope = format!("{date}/us-west-2/sts/aws4_request");
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex(&Sha256::digest(canonical.as_bytes()))
    );
    let mut key = hmac(format!("AWS4{secret}").as_bytes(), date);
    for part in ["us-west-2", "sts", "aws4_request"] {
        key = hmac(&key, part);
    }
    let signature = hex(&hmac(&key, &to_sign));
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={}, Signature={signature}",
        keys.id,
        signed.join(";")
    );
    headers.push(("authorization".to_owned(), authorization));
    headers
}

fn keys_of(answer: &Answer) -> Keys {
    assert_eq!(answer.status, 200, "{}", answer.body);
    Keys {
        id: answer.xml("AccessKeyId").expect("AccessKeyId").to_owned(),
        secret: answer.xml("SecretAccessKey").expect("SecretAccessKey").to_owned(),
        token: Some(answer.xml("SessionToken").expect("SessionToken").to_owned()),
    }
}

/// Epoch seconds of `YYYY-MM-DDTHH:MM:SSZ`.
fn parse_expiration(text: &str) -> u64 {
    let format = time::format_description::well_known::Rfc3339;
    assert!(text.ends_with('Z') && text.len() == 20, "{text}");
    u64::try_from(
        time::OffsetDateTime::parse(text, &format)
            .expect("RFC 3339")
            .unix_timestamp(),
    )
    .expect("epoch")
}

#[test]
fn sso_credentials_chain_through_two_roles_and_identify() {
    let emu = Emulator::start(&["--auto-approve"]);
    let (sso, _) = emu.sso_credentials();

    let identity = emu.caller_arn(&sso);
    assert_eq!(identity.status, 200, "{}", identity.body);
    assert_eq!(
        identity.xml("Arn"),
        Some("arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/sso-user@example.com")
    );
    assert_eq!(identity.xml("Account"), Some("111111111111"));
    assert!(
        identity
            .headers
            .iter()
            .any(|(k, v)| k == "content-type" && v == "text/xml")
    );

    let hop1 = emu.assume(&sso, &[("DurationSeconds", "3600")]);
    assert_eq!(
        hop1.xml("Arn"),
        Some("arn:aws:sts::222222222222:assumed-role/Deploy/alice")
    );
    assert!(
        hop1.xml("AssumedRoleId")
            .is_some_and(|id| id.starts_with("AROA") && id.ends_with(":alice"))
    );
    assert_eq!(hop1.xml("PackedPolicySize"), Some("6"));
    let hop1 = keys_of(&hop1);
    assert!(hop1.id.starts_with("ASIA"));

    let hop2 = emu.sts(
        &hop1,
        &[
            ("Action", "AssumeRole"),
            ("Version", "2011-06-15"),
            ("RoleArn", "arn:aws:iam::333333333333:role/team/Reader"),
            ("RoleSessionName", "hop-2"),
        ],
    );
    let hop2 = keys_of(&hop2);
    assert_eq!(
        emu.caller_arn(&hop2).xml("Arn"),
        Some("arn:aws:sts::333333333333:assumed-role/Reader/hop-2")
    );

    // The record: in order, with who signed each.
    let (_, calls) = emu.admin("GET", "sts/calls?action=AssumeRole", &Value::Null);
    let calls = calls.as_array().expect("array");
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(calls[0]["role_arn"], ROLE);
    assert_eq!(calls[0]["role_session_name"], "alice");
    assert_eq!(calls[0]["duration_seconds"], 3600);
    assert_eq!(calls[0]["access_key_id"], sso.id.as_str());
    assert_eq!(calls[0]["issued_access_key_id"], hop1.id.as_str());
    assert_eq!(calls[1]["access_key_id"], hop1.id.as_str());
    assert_eq!(calls[1]["duration_seconds"], Value::Null);
    let (_, all) = emu.admin("GET", "sts/calls", &Value::Null);
    assert_eq!(
        all.as_array().map(Vec::len),
        Some(4),
        "two AssumeRole, two GetCallerIdentity"
    );
    let (_, stats) = emu.admin("GET", "stats", &Value::Null);
    assert_eq!(
        (stats["assume_role"].as_u64(), stats["get_caller_identity"].as_u64()),
        (Some(2), Some(2))
    );
    let (_, reset) = emu.admin("POST", "sts/reset-calls", &Value::Null);
    assert_eq!(reset["ok"], true);
    let (_, calls) = emu.admin("GET", "sts/calls", &Value::Null);
    assert_eq!(calls, json!([]));
}

#[test]
fn signatures_keys_and_tokens_are_checked() {
    let emu = Emulator::start(&["--auto-approve"]);
    let (sso, _) = emu.sso_credentials();
    let code = |a: &Answer| (a.status, a.error_code().map(str::to_owned));

    let wrong = emu.sts_signed_with(
        &sso,
        "not-the-secret",
        &[("Action", "GetCallerIdentity"), ("Version", "2011-06-15")],
    );
    assert_eq!(code(&wrong), (403, Some("SignatureDoesNotMatch".into())));
    let unknown = Keys {
        id: "ASIAAAAAAAAAAAAAAAAA".into(),
        ..sso.clone()
    };
    assert_eq!(
        code(&emu.caller_arn(&unknown)),
        (403, Some("InvalidClientTokenId".into()))
    );
    let other_token = Keys {
        token: Some("another-token".into()),
        ..sso.clone()
    };
    assert_eq!(
        code(&emu.caller_arn(&other_token)),
        (403, Some("InvalidClientTokenId".into()))
    );
    let no_token = Keys {
        token: None,
        ..sso.clone()
    };
    assert_eq!(
        code(&emu.caller_arn(&no_token)),
        (403, Some("InvalidClientTokenId".into()))
    );

    // A signature made 20 minutes ago, and one with nothing signed at all.
    let body = "Action=GetCallerIdentity&Version=2011-06-15";
    let stale = emu.request(
        "POST",
        "/",
        &sign(&emu.addr, &sso, &sso.secret, body, now_secs() - 1200),
        body,
    );
    assert_eq!(code(&stale), (403, Some("SignatureDoesNotMatch".into())));
    assert!(
        stale.xml("Message").is_some_and(|m| m.starts_with("Signature expired")),
        "{}",
        stale.body
    );
    let unsigned = emu.request("POST", "/", &[("Host".into(), emu.addr.clone())], body);
    assert_eq!(code(&unsigned), (403, Some("MissingAuthenticationToken".into())));

    // A good one still works, and the record names the key of each attempt.
    assert_eq!(emu.caller_arn(&sso).status, 200);
    let (_, calls) = emu.admin("GET", "sts/calls", &Value::Null);
    let codes: Vec<Option<&str>> = calls
        .as_array()
        .expect("array")
        .iter()
        .map(|c| c["error_code"].as_str())
        .collect();
    assert_eq!(
        codes,
        [
            Some("SignatureDoesNotMatch"),
            Some("InvalidClientTokenId"),
            Some("InvalidClientTokenId"),
            Some("InvalidClientTokenId"),
            Some("SignatureDoesNotMatch"),
            Some("MissingAuthenticationToken"),
            None
        ]
    );
    assert_eq!(calls[1]["access_key_id"], "ASIAAAAAAAAAAAAAAAAA");
    let (_, stats) = emu.admin("GET", "stats", &Value::Null);
    assert_eq!(stats["get_caller_identity"], 1, "only successes count");
}

#[test]
fn chaining_limit_and_iam_user_keys() {
    let emu = Emulator::start(&["--auto-approve"]);
    let (sso, _) = emu.sso_credentials();

    let refused = emu.assume(&sso, &[("DurationSeconds", "3601")]);
    assert_eq!((refused.status, refused.error_code()), (400, Some("ValidationError")));
    assert_eq!(refused.xml("Message"), Some(CHAINING));
    let hop = keys_of(&emu.assume(&sso, &[]));
    let refused = emu.assume(&hop, &[("DurationSeconds", "43200")]);
    assert_eq!(
        refused.xml("Message"),
        Some(CHAINING),
        "AssumeRole credentials chain too"
    );
    let short = emu.assume(&sso, &[("DurationSeconds", "899")]);
    assert_eq!(short.error_code(), Some("ValidationError"));

    // Long-term IAM-user keys are not a role session: 12 hours is fine.
    let (status, user) = emu.admin(
        "POST",
        "sts/users",
        &json!({"user_name": "ci", "account_id": "444444444444", "access_key_id": "AKIAEXAMPLEEXAMPLE00", "secret_access_key": "s3cr3t"}),
    );
    assert_eq!(status, 200, "{user}");
    assert_eq!(user["arn"], "arn:aws:iam::444444444444:user/ci");
    let keys = Keys {
        id: "AKIAEXAMPLEEXAMPLE00".into(),
        secret: "s3cr3t".into(),
        token: None,
    };
    assert_eq!(
        emu.caller_arn(&keys).xml("Arn"),
        Some("arn:aws:iam::444444444444:user/ci")
    );
    assert_eq!(emu.caller_arn(&keys).xml("UserId"), user["user_id"].as_str());
    let long = emu.assume(&keys, &[("DurationSeconds", "43200")]);
    assert_eq!(long.status, 200, "{}", long.body);
    let expires = parse_expiration(long.xml("Expiration").expect("Expiration"));
    assert!(expires >= now_secs() + 43_000, "about 12 hours: {expires}");
    let (status, duplicate) = emu.admin("POST", "sts/users", &json!({"user_name": "ci"}));
    assert_eq!(status, 400, "{duplicate}");
}

#[test]
fn role_rules_external_id_mfa_and_deny() {
    let emu = Emulator::start(&["--auto-approve"]);
    let (sso, _) = emu.sso_credentials();
    let denied = |a: &Answer| (a.status, a.error_code()) == (403, Some("AccessDenied"));

    let (status, roles) = emu.admin("POST", "sts/roles", &json!({"role_arn": ROLE, "external_id": "xyz"}));
    assert_eq!(
        (status, &roles),
        (200, &json!({ROLE: {"deny": false, "external_id": "xyz"}}))
    );
    assert!(denied(&emu.assume(&sso, &[])));
    assert!(denied(&emu.assume(&sso, &[("ExternalId", "abc")])));
    assert_eq!(emu.assume(&sso, &[("ExternalId", "xyz")]).status, 200);

    let serial = "arn:aws:iam::111111111111:mfa/alice";
    let (status, _) = emu.admin(
        "POST",
        "sts/roles",
        &json!({"role_arn": ROLE, "mfa_serial": serial, "mfa_code": "123456"}),
    );
    assert_eq!(status, 200);
    assert!(denied(&emu.assume(&sso, &[])));
    let wrong = emu.assume(&sso, &[("SerialNumber", serial), ("TokenCode", "000000")]);
    assert!(denied(&wrong));
    assert!(
        wrong
            .xml("Message")
            .is_some_and(|m| m.contains("invalid MFA one time pass code"))
    );
    assert_eq!(
        emu.assume(&sso, &[("SerialNumber", serial), ("TokenCode", "123456")])
            .status,
        200
    );

    let (_, _) = emu.admin("POST", "sts/roles", &json!({"role_arn": ROLE, "deny": true}));
    let refused = emu.assume(&sso, &[]);
    assert!(denied(&refused));
    assert!(refused.xml("Message").is_some_and(|m| m.ends_with(&format!(
        "is not authorized to perform: sts:AssumeRole on resource: {ROLE}"
    ))));
    // Another role is still open to anyone; an empty rule reopens this one.
    let other = emu.sts(
        &sso,
        &[
            ("Action", "AssumeRole"),
            ("Version", "2011-06-15"),
            ("RoleArn", "arn:aws:iam::222222222222:role/Other"),
            ("RoleSessionName", "alice"),
        ],
    );
    assert_eq!(other.status, 200);
    let (_, roles) = emu.admin("POST", "sts/roles", &json!({"role_arn": ROLE}));
    assert_eq!(roles, json!({}));
    assert_eq!(emu.assume(&sso, &[]).status, 200);

    let (status, _) = emu.admin("POST", "sts/roles", &json!({"role_arn": ROLE, "mfa_code": "123456"}));
    assert_eq!(status, 400, "an MFA code without a serial is refused");
    let (status, _) = emu.admin("POST", "sts/roles", &json!({"role_arn": ROLE, "denied": true}));
    assert_eq!(status, 400, "unknown members are refused");
    let (_, calls) = emu.admin("GET", "sts/calls?action=AssumeRole", &Value::Null);
    let mfa = &calls[4];
    assert_eq!(
        (&mfa["serial_number"], &mfa["token_code"]),
        (&json!(serial), &json!("000000"))
    );
    assert_eq!(calls[2]["external_id"], "xyz");
}

#[test]
fn short_lived_credentials_expire() {
    let emu = Emulator::start(&["--auto-approve", "--role-credentials-seconds", "30"]);
    let (sso, expiration_ms) = emu.sso_credentials();
    let now = now_secs();
    assert!(
        (now * 1000..=(now + 31) * 1000).contains(&expiration_ms),
        "GetRoleCredentials lasts 30 s: {expiration_ms}"
    );
    let hop = emu.assume(&sso, &[]);
    let expires = parse_expiration(hop.xml("Expiration").expect("Expiration"));
    assert!(
        (now..=now + 31).contains(&expires),
        "AssumeRole defaults to 30 s: {expires}"
    );
    let hop = keys_of(&hop);

    let (_, count) = emu.admin("POST", "sts/expire-credentials", &Value::Null);
    assert_eq!(count["expired"], 2);
    for keys in [&sso, &hop] {
        let answer = emu.caller_arn(keys);
        assert_eq!((answer.status, answer.error_code()), (400, Some("ExpiredToken")));
    }
    let (_, config) = emu.admin("GET", "config", &Value::Null);
    assert_eq!(config["role_credentials_ttl"], 30);
}
