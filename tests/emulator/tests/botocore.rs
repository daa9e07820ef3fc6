//! Fidelity of the emulator, proven by a client we did not write: runs `tests/support/test_emulator_botocore.py`
//! (boto3/botocore 1.44.8 from the repo's `.venv`) against the `awsso-emulator` binary built with this test.
//!
//! The Python comes from `<repo>/.venv/bin/python` unless `AWSSO_TEST_PYTHON` names another. A missing venv or boto3
//! FAILS the test (it never skips), with instructions.

#![cfg(feature = "real-tools")]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The whole Python suite takes about 5 s; this only guards against a hang.
const TIMEOUT: Duration = Duration::from_mins(3);

fn repo_root() -> PathBuf {
    // CARGO_MANIFEST_DIR is <repo>/tests/emulator.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

#[allow(
    clippy::disallowed_methods,
    reason = "a test-only override, read once; there is no env::Env here"
)]
fn python(root: &Path) -> PathBuf {
    std::env::var_os("AWSSO_TEST_PYTHON").map_or_else(|| root.join(".venv/bin/python"), PathBuf::from)
}

#[test]
fn botocore_drives_the_emulator() {
    let root = repo_root();
    let python = python(&root);
    let setup = "run scripts/setup-tests (or `.venv/bin/pip install -r tests/support/requirements.txt`) to create \
                 the venv with boto3/botocore, or set AWSSO_TEST_PYTHON to a Python that has boto3";
    assert!(python.exists(), "no Python at {}: {setup}", python.display());
    let probe = Command::new(&python)
        .args(["-c", "import boto3, botocore; print(botocore.__version__)"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}; {setup}", python.display()));
    assert!(
        probe.status.success(),
        "{} cannot import boto3: {}\n{setup}",
        python.display(),
        String::from_utf8_lossy(&probe.stderr)
            .trim()
            .lines()
            .last()
            .unwrap_or("")
    );

    let script = root.join("tests/support/test_emulator_botocore.py");
    let mut child = Command::new(&python)
        .arg(&script)
        .arg("-v")
        .env("AWSSO_EMULATOR", env!("CARGO_BIN_EXE_awsso-emulator"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    // Drain both pipes on threads so a chatty child can't block on a full pipe while we wait.
    let drain = |mut pipe: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("stdout")));
    let stderr = drain(Box::new(child.stderr.take().expect("stderr")));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for python") {
            break Some(status);
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(50));
    };
    let (stdout, stderr) = (stdout.join().unwrap_or_default(), stderr.join().unwrap_or_default());
    match status {
        Some(status) if status.success() => {}
        Some(status) => panic!("{} failed ({status}):\n{stdout}{stderr}", script.display()),
        None => panic!("{} timed out after {TIMEOUT:?}:\n{stdout}{stderr}", script.display()),
    }
}
