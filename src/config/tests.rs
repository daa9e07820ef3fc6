//! Config resolution tests, including the differential test against botocore itself.

use super::*;
use std::path::Path;

fn parse_pair<'a>(config: &'a str, credentials: &'a str) -> Config<'a> {
    Config::build(ini::parse(config).unwrap(), ini::parse(credentials).unwrap())
}

#[test]
fn profiles_sessions_and_kinds() {
    let cfg = parse_pair(
        "[default]\nregion = eu-west-1\n[profile dev]\nsso_session = corp\nsso_account_id = 111\nsso_role_name = Admin\n\
         [sso-session corp]\nsso_start_url = https://d-1.awsapps.com/start\nsso_region = us-east-1\n\
         [profile old]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-west-2\n",
        "[keys]\naws_access_key_id = AKIA\n",
    );
    let names: Vec<_> = cfg.profiles.names().collect();
    assert_eq!(names, ["default", "dev", "old", "keys"]);
    let dev = cfg.profile("dev").unwrap();
    assert_eq!(dev.kind(), Kind::Sso);
    assert_eq!(dev.token_cache_key(), Some("corp"));
    assert_eq!(dev.start_url(), Some("https://d-1.awsapps.com/start"));
    assert_eq!(dev.sso_region(), Some("us-east-1"));
    let old = cfg.profile("old").unwrap();
    assert_eq!(old.kind(), Kind::LegacySso);
    assert_eq!(old.token_cache_key(), Some("https://x.awsapps.com/start"));
    assert_eq!(
        cfg.profile("keys").unwrap().kind(),
        Kind::Other,
        "one key alone is not credentials"
    );
}

#[test]
fn later_definition_of_a_name_wins_in_place() {
    let cfg = parse_pair("[profile a]\nx = 1\n[profile b]\n[profile 'a']\ny = 2\n", "");
    assert_eq!(cfg.profiles.names().collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(cfg.profile("a").unwrap().props.get("y"), Some("2"));
    assert_eq!(cfg.profile("a").unwrap().props.get("x"), None);
}

#[test]
fn credentials_merge_over_config() {
    let cfg = parse_pair("[profile a]\nregion = r1\nx = 1\n", "[a]\nregion = r2\n[profile z]\n");
    let a = cfg.profile("a").unwrap();
    assert_eq!(a.region(), Some("r2"));
    assert_eq!(a.props.get("x"), Some("1"));
    assert!(
        cfg.profile("profile z").is_some(),
        "credentials headers are literal names"
    );
}

#[test]
fn closest_names_for_typos() {
    let cfg = parse_pair("[profile dev-admin]\n[profile prod-admin]\n[profile sandbox]\n", "");
    assert_eq!(cfg.closest_profiles("dev-admn", 3)[0], "dev-admin");
    assert!(cfg.closest_profiles("zzzzzz", 3).is_empty());
}

#[test]
fn parse_errors_name_file_and_line() {
    let files = Files {
        config_path: Some("/tmp/cfg".into()),
        config: "[a]\nk = v\nbroken line\n".into(),
        ..Files::default()
    };
    let err = files.parse().unwrap_err().to_string();
    assert_eq!(err, "/tmp/cfg: line 3: expected `key = value`");
}

/// The Python interpreter that has botocore: `AWSSO_TEST_PYTHON`, else the project venv made by `scripts/setup-tests`.
#[cfg(feature = "real-tools")]
#[allow(clippy::disallowed_methods)] // test-only
pub(crate) fn test_python() -> std::path::PathBuf {
    if let Ok(p) = std::env::var("AWSSO_TEST_PYTHON") {
        return p.into();
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    assert!(
        venv.exists(),
        "botocore is needed for this test: run scripts/setup-tests (it creates .venv)"
    );
    venv
}

/// The fixture directories of the botocore corpus (tests/fixtures/configs), sorted.
fn corpus_dirs() -> Vec<std::path::PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/configs");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 60, "the corpus has shrunk to {} fixtures", dirs.len());
    dirs
}

/// `None` when awsso reads the fixture in `dir` as botocore did (`expected`: botocore_dump.py's JSON line), else
/// the difference.
fn differs_from(dir: &Path, expected: &serde_json::Value) -> Option<String> {
    let (cfg, creds) = (dir.join("config"), dir.join("credentials"));
    let env = Env::from_pairs([
        ("AWS_CONFIG_FILE", cfg.to_str().unwrap()),
        ("AWS_SHARED_CREDENTIALS_FILE", creds.to_str().unwrap()),
    ]);
    let got = Files::load(&env).and_then(|files| {
        let config = files.parse()?;
        Ok(serde_json::json!({
            "profiles": named_to_json(&config.profiles),
            "sso_sessions": named_to_json(&config.sso_sessions),
        }))
    });
    match (expected.get("error"), got) {
        (Some(_), Err(e)) => {
            let msg = e.to_string();
            let named = msg.contains("line ") && msg.contains(dir.file_name().unwrap().to_str().unwrap());
            (!named).then(|| format!("{}: the error names no file and line: {msg}", dir.display()))
        }
        (None, Ok(got)) if got == *expected => None,
        (_, got) => Some(format!(
            "{}:\n  botocore: {expected}\n  awsso:    {got:?}",
            dir.display()
        )),
    }
}

/// awsso sees the same profiles and sso-sessions as botocore did for every fixture, and fails on the same files:
/// against the `botocore.json` recorded beside each fixture, so this runs without Python; the live test below
/// keeps the recordings honest.
#[test]
fn matches_the_recorded_botocore_view_of_every_fixture() {
    let dirs = corpus_dirs();
    let failures: Vec<String> = dirs
        .iter()
        .filter_map(|dir| {
            let recorded = std::fs::read(dir.join("botocore.json")).expect("every fixture has a botocore.json");
            differs_from(dir, &serde_json::from_slice(&recorded).unwrap())
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} fixtures differ:\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n")
    );
}

/// The same against botocore itself, run live from `.venv`: awsso agrees with it, and so does each recorded
/// `botocore.json` (a botocore upgrade that reads a fixture differently shows up here, not as a stale recording).
#[cfg(feature = "real-tools")]
#[test]
fn differential_against_live_botocore() {
    let dirs = corpus_dirs();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/botocore_dump.py");
    let python = test_python();
    let mut failures = Vec::new();
    for dir in &dirs {
        let out = std::process::Command::new(&python)
            .arg(&script)
            .arg(dir.join("config"))
            .arg(dir.join("credentials"))
            .output()
            .expect("run python");
        assert!(
            out.status.success(),
            "{}: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let live: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let recorded: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("botocore.json")).unwrap()).unwrap();
        if live != recorded {
            failures.push(format!(
                "{}: botocore.json is stale (regenerate as tests/fixtures/configs/README.md says):\n  live:     {live}\n  recorded: {recorded}",
                dir.display()
            ));
        }
        failures.extend(differs_from(dir, &live));
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures differ:\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n")
    );
}
