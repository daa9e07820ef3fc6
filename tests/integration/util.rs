//! The `Sandbox`: a temporary HOME with its own `~/.aws`, and a way to run awsso (or a shell) inside it with a
//! cleared environment, so nothing from the developer's machine leaks into a test.

#![allow(dead_code)] // each test module uses a different part

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub(crate) const AWSSO: &str = env!("CARGO_BIN_EXE_awsso");

pub(crate) struct Sandbox {
    dir: tempfile::TempDir,
    envs: Vec<(String, String)>,
}

impl Sandbox {
    pub(crate) fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        // Only `~/.aws`: awsso creates the SSO cache itself, and that is tested (mode 0700).
        std::fs::create_dir_all(dir.path().join(".aws")).unwrap();
        Self { dir, envs: Vec::new() }
    }

    /// A sandbox whose `~/.aws/config` holds `config`.
    pub(crate) fn with_config(config: &str) -> Self {
        let sb = Self::new();
        sb.write(".aws/config", config);
        sb
    }

    pub(crate) fn home(&self) -> &Path {
        self.dir.path()
    }

    pub(crate) fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub(crate) fn write(&self, rel: &str, contents: impl AsRef<[u8]>) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, contents).unwrap();
    }

    /// Write an SSO token cache file for `key` (a session name or legacy start URL) that expires in `secs`
    /// seconds (negative: already expired), optionally with a live refresh token and registration.
    pub(crate) fn write_token(&self, key: &str, secs: i64, refreshable: bool) {
        let name = sha1_hex(key);
        let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
        let now = time::OffsetDateTime::now_utc();
        let at = |s: i64| (now + time::Duration::seconds(s)).format(&fmt).unwrap();
        let mut json = serde_json::json!({
            "startUrl": "https://d-0000000000.awsapps.com/start",
            "region": "us-east-1",
            "accessToken": "SECRET-ACCESS-TOKEN",
            "expiresAt": at(secs),
        });
        if refreshable {
            let obj = json.as_object_mut().unwrap();
            obj.insert("clientId".into(), "client".into());
            obj.insert("clientSecret".into(), "SECRET-CLIENT".into());
            obj.insert("refreshToken".into(), "SECRET-REFRESH".into());
            obj.insert("registrationExpiresAt".into(), at(90 * 86_400).into());
        }
        self.write(&format!(".aws/sso/cache/{name}.json"), json.to_string());
    }

    /// Add an environment variable to every command this sandbox runs.
    pub(crate) fn env(mut self, key: &str, value: &str) -> Self {
        self.envs.push((key.to_owned(), value.to_owned()));
        self
    }

    /// A command with a cleared environment: HOME, a PATH with the system directories, the sandbox's variables.
    pub(crate) fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("HOME", self.home())
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("LANG", "C.UTF-8")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .current_dir(self.home());
        for (k, v) in &self.envs {
            cmd.env(k, v);
        }
        cmd
    }

    pub(crate) fn awsso(&self, args: &[&str]) -> Command {
        let mut cmd = self.command(AWSSO);
        cmd.args(args);
        cmd
    }

    pub(crate) fn run(&self, args: &[&str]) -> Output {
        self.awsso(args).output().expect("run awsso")
    }
}

pub(crate) fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("utf-8 stdout")
}

pub(crate) fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("utf-8 stderr")
}

/// The absolute path of a shell, or a panic that says how to install it: a missing shell fails, never skips.
/// nu comes from the npm registry into the project's `.tools/bin` (scripts/setup-tests).
pub(crate) fn require(program: &str) -> PathBuf {
    let tools = Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/bin");
    for dir in [
        tools.as_path(),
        Path::new("/usr/local/bin"),
        Path::new("/usr/bin"),
        Path::new("/bin"),
    ] {
        let p = dir.join(program);
        if p.exists() {
            return p;
        }
    }
    panic!("`{program}` is not installed; run scripts/setup-tests (real-shell tests never skip)");
}

/// Lowercase hex SHA-1: the SSO token cache names files this way (protocol.md §1.1).
pub(crate) fn sha1_hex(s: &str) -> String {
    use sha1::Digest as _;
    use std::fmt::Write as _;
    sha1::Sha1::digest(s.as_bytes())
        .iter()
        .fold(String::new(), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

/// The SSO emulator (tests/emulator), started on an ephemeral port and killed when dropped. `cargo test --workspace`
/// builds it next to the awsso binary.
pub(crate) struct Emulator {
    child: std::process::Child,
    pub(crate) url: String,
}

impl Emulator {
    pub(crate) fn start(args: &[&str]) -> Self {
        use std::io::BufRead as _;
        let exe = Path::new(AWSSO).with_file_name("awsso-emulator");
        assert!(
            exe.exists(),
            "{} is missing: run `cargo build --workspace` (scripts/test does)",
            exe.display()
        );
        let mut child = Command::new(&exe)
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start the emulator");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.starts_with("http://127.0.0.1:"), "emulator said {line:?}");
        Self {
            child,
            url: line.trim().to_owned(),
        }
    }

    /// Call an admin endpoint (`GET`/`POST` `/_admin/<path>`) and parse its JSON answer.
    pub(crate) fn admin(&self, method: &str, path: &str, body: &str) -> serde_json::Value {
        use std::io::{Read as _, Write as _};
        let addr = self.url.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(addr).expect("connect to the emulator");
        write!(
            stream,
            "{method} /_admin/{path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (_, json) = response.split_once("\r\n\r\n").expect("an HTTP response");
        serde_json::from_str(json).unwrap_or(serde_json::Value::Null)
    }

    pub(crate) fn stats(&self) -> serde_json::Value {
        self.admin("GET", "stats", "")
    }

    /// `(account_id, role_name, AccessKeyId)` of every GetRoleCredentials answer so far, oldest first.
    pub(crate) fn issued_credentials(&self) -> Vec<(String, String, String)> {
        serde_json::from_value(self.stats()["issued_credentials"].clone()).expect("issued_credentials")
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(feature = "real-tools")]
/// The Python that has botocore and boto3 (.venv, made by scripts/setup-tests); never skipped.
pub(crate) fn python() -> PathBuf {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    assert!(
        venv.exists(),
        "botocore and boto3 are needed: run scripts/setup-tests (it creates .venv)"
    );
    venv
}

/// What boto3 resolves for each of `profiles` in the sandbox (env, HOME and config as awsso sees them): the
/// credential provider botocore chose (`method`: `sso` for an SSO profile), the profile's `region` and the
/// `access_key`, one JSON object per profile. Fails the test with boto3's stderr when it cannot resolve one.
#[cfg(feature = "real-tools")]
pub(crate) fn boto3_credentials(sb: &Sandbox, profiles: &[&str]) -> Vec<serde_json::Value> {
    let script = "import boto3, json, sys\n\
                  for p in sys.argv[1:]:\n\
                  \x20   s = boto3.Session(profile_name=p)\n\
                  \x20   c = s.get_credentials()\n\
                  \x20   print(json.dumps({'method': c.method, 'region': s.region_name,\n\
                  \x20                     'access_key': c.get_frozen_credentials().access_key}))\n";
    let out = sb
        .command(python())
        .args(["-c", script])
        .args(profiles)
        .output()
        .unwrap();
    assert!(out.status.success(), "boto3: {}", stderr(&out));
    let found: Vec<serde_json::Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(found.len(), profiles.len(), "{found:?}");
    found
}

/// A failed command as the contract wants it (cli.md principles 1–2): exit `code`, nothing on stdout, and one line
/// on stderr that starts with `awsso: ` and contains `needle`. Returns that line.
pub(crate) fn assert_clean_failure(out: &Output, code: i32, needle: &str) -> String {
    assert_eq!(out.status.code(), Some(code), "stderr: {}", stderr(out));
    assert!(
        out.stdout.is_empty(),
        "stdout must stay empty on failure: {:?}",
        stdout(out)
    );
    let err = stderr(out);
    assert_eq!(err.lines().count(), 1, "one line of error: {err:?}");
    assert!(
        err.starts_with("awsso: ") && err.contains(needle),
        "`{needle}` in {err:?}"
    );
    err
}

/// [`assert_clean_failure`] for a command that reports `progress` lines first (a login prints where to log in before
/// the portal answers): exit `code`, nothing on stdout, exactly `progress` + 1 lines on stderr, all starting with
/// `awsso: `, the last one the error containing `needle`. Returns that line.
pub(crate) fn assert_clean_failure_after_progress(out: &Output, code: i32, progress: usize, needle: &str) -> String {
    assert_eq!(out.status.code(), Some(code), "stderr: {}", stderr(out));
    assert!(
        out.stdout.is_empty(),
        "stdout must stay empty on failure: {:?}",
        stdout(out)
    );
    let err = stderr(out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines.len(),
        progress + 1,
        "{progress} lines of progress, then the error: {err:?}"
    );
    assert!(lines.iter().all(|l| l.starts_with("awsso: ")), "{err:?}");
    let last = lines[progress];
    assert!(last.contains(needle), "`{needle}` in the last line of {err:?}");
    last.to_owned()
}
