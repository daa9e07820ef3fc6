use super::*;

fn session() -> Session {
    Session {
        name: "corp".into(),
        start_url: "https://d-0000000000.awsapps.com/start".into(),
        region: "us-east-1".into(),
        scopes: Some(DEFAULT_SCOPES.into()),
    }
}

fn profile() -> Profile {
    Profile {
        name: "dev".into(),
        session: "corp".into(),
        account_id: "111111111111".into(),
        role_name: "Admin".into(),
        region: Some("eu-west-1".into()),
        output: Some("json".into()),
    }
}

fn applied(text: &str, session: &Session, profile: Option<&Profile>) -> (String, Vec<(SectionRef, Change)>) {
    let mut doc = Document::parse(text);
    let report = apply(&mut doc, session, profile).unwrap();
    (doc.to_string(), report)
}

/// What `aws configure sso` writes into an empty file (its `ConfigFileWriter` appends the profile, then the
/// session), but with the editor's blank line between the two sections.
const WRITTEN: &str = "\
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

#[test]
fn start_urls_must_be_https_with_a_host() {
    for good in [
        "https://d-0000000000.awsapps.com/start",
        " https://my-org.awsapps.com/start/ ",
        "HTTPS://x.awsapps.com",
        "https://ssoins-1.portal.eu-west-2.app.aws/",
        "https://sso.example.com:8443/start#/",
    ] {
        assert_eq!(check_start_url(good), Ok(good.trim().to_owned()), "{good}");
    }
    for (bad, says) in [
        ("http://d-0000000000.awsapps.com/start", "must use https"),
        ("ftp://x.awsapps.com", "must use https"),
        ("d-0000000000.awsapps.com/start", "is not a URL"),
        ("https:///start", "no valid host"),
        ("https://", "no valid host"),
        ("https://user@x.awsapps.com/", "no valid host"),
        ("https://x.awsapps.com:/", "no valid host"),
        ("https://x y.awsapps.com/", "no valid host"),
        ("https://x.awsapps.com/a b", "no valid host"),
    ] {
        let err = check_start_url(bad).unwrap_err();
        assert!(
            err.contains(says) && err.contains("https://d-1234567890.awsapps.com/start"),
            "{bad}: {err}"
        );
    }
    assert!(aws_owned("https://D-0000000000.AWSAPPS.com/start"));
    assert!(aws_owned("https://ssoins-1.portal.eu-west-2.app.aws/"));
    assert!(aws_owned("https://identitycenter.amazonaws.com/x"));
    assert!(!aws_owned("https://sso.example.com/start"));
    assert!(!aws_owned("https://evilawsapps.com/start"));
}

#[test]
fn other_checks_say_how_to_fix() {
    assert_eq!(check_region("eu-central-1"), Ok("eu-central-1".into()));
    assert!(
        check_region("us-east-7")
            .unwrap_err()
            .contains("did you mean `us-east-1`")
    );
    assert!(check_region("moon").unwrap_err().contains("use one like `us-east-1`"));
    assert_eq!(check_account_id("111111111111"), Ok("111111111111".into()));
    for bad in ["11111111111", "1111111111111", "11111111111a", ""] {
        assert!(check_account_id(bad).unwrap_err().contains("12 digits"), "{bad}");
    }
    assert_eq!(
        check_scopes("sso:account:access, codewhisperer:completions").ok(),
        Some("sso:account:access, codewhisperer:completions".into())
    );
    assert!(check_scopes("sso:account:access codewhisperer:completions").is_err());
    assert!(check_scopes("a,,b").is_err());
    assert_eq!(check_output("yaml-stream"), Ok("yaml-stream".into()));
    assert!(
        check_output("xml")
            .unwrap_err()
            .contains("json, text, table, yaml or yaml-stream")
    );
    assert_eq!(check_role(" Admin "), Ok("Admin".into()));
    assert!(check_role("").is_err());

    let profile = |n: &str| check_name(&SectionRef::Profile(n.into()));
    assert_eq!(profile("dev admin"), Ok("dev admin".into()), "quoted in the header");
    assert_eq!(profile("default"), Ok("default".into()));
    assert!(profile("").unwrap_err().contains("empty"));
    assert!(profile(" dev").unwrap_err().contains("space"));
    assert!(profile("a\nb").unwrap_err().contains("line break"));
    assert!(check_name(&SectionRef::SsoSession("a\rb".into())).is_err());
}

#[test]
fn writes_what_aws_configure_sso_writes() {
    let (text, report) = applied("", &session(), Some(&profile()));
    assert_eq!(text, WRITTEN);
    assert_eq!(
        report,
        [
            (SectionRef::Profile("dev".into()), Change::Added),
            (SectionRef::SsoSession("corp".into()), Change::Added)
        ]
    );
    // Once more: nothing changes, byte for byte.
    let (again, report) = applied(&text, &session(), Some(&profile()));
    assert_eq!(again, text);
    assert!(report.iter().all(|(_, c)| *c == Change::Unchanged));
    // Only the session, for `configure sso-session`.
    let (text, _) = applied("", &session(), None);
    assert!(
        text.starts_with("[sso-session corp]\n") && !text.contains("profile"),
        "{text}"
    );
}

#[test]
fn updates_in_place_and_moves_legacy_keys_out_of_the_profile() {
    let before = "\
# my profiles\r
[profile dev]   ; the dev one\r
sso_start_url = https://d-0000000000.awsapps.com/start\r
sso_region=us-east-1\r
sso_account_id = 111111111111\r
# keep me\r
sso_role_name = ReadOnly\r
\r
[sso-session corp]\r
sso_start_url = https://d-0000000000.awsapps.com/start\r
sso_region = us-west-2\r
";
    let mut p = profile();
    p.region = None;
    p.output = None;
    let (after, report) = applied(before, &session(), Some(&p));
    assert_eq!(
        after,
        "\
# my profiles\r
[profile dev]   ; the dev one\r
sso_account_id = 111111111111\r
# keep me\r
sso_role_name = Admin\r
sso_session = corp\r
\r
[sso-session corp]\r
sso_start_url = https://d-0000000000.awsapps.com/start\r
sso_region = us-east-1\r
sso_registration_scopes = sso:account:access\r
"
    );
    assert!(report.iter().all(|(_, c)| *c == Change::Updated), "{report:?}");
}

fn flags(session: &[(&str, &str)]) -> Given {
    let get = |k: &str| session.iter().find(|(key, _)| *key == k).map(|(_, v)| (*v).to_owned());
    Given {
        session: get("sso-session"),
        start_url: get("start-url"),
        sso_region: get("sso-region"),
        scopes: get("scopes"),
        profile: get("profile"),
        account_id: get("account-id"),
        role_name: get("role-name"),
        region: get("region"),
        output: get("output"),
    }
}

#[test]
fn flags_fill_in_from_the_file_and_name_what_is_missing() {
    let usage = |r: Result<(Session, Option<Profile>), Error>| match r {
        Err(Error::Usage(m)) => m,
        other => panic!("{other:?}"),
    };
    let empty = Document::default();
    assert_eq!(
        usage(from_flags(&empty, &flags(&[]), true)),
        "missing --sso-session, --start-url, --sso-region, --profile, --account-id and --role-name: pass them, or \
         run `awsso configure` on a terminal to be asked"
    );
    assert_eq!(
        usage(from_flags(
            &empty,
            &flags(&[("sso-session", "s"), ("start-url", "https://x.awsapps.com/start")]),
            false
        )),
        "missing --sso-region: pass it, or run `awsso configure sso-session` on a terminal to be asked"
    );
    // The region of an IAM Identity Center host that names one.
    let (s, _) = from_flags(
        &empty,
        &flags(&[
            ("sso-session", "s"),
            ("start-url", "https://ssoins-1.portal.eu-west-2.app.aws/"),
        ]),
        false,
    )
    .unwrap();
    assert_eq!(
        (s.region.as_str(), s.scopes.as_deref()),
        ("eu-west-2", Some(DEFAULT_SCOPES))
    );

    // A new profile gets the SSO region and json; the session comes from an existing profile.
    let doc = Document::parse(WRITTEN);
    let all = [
        ("profile", "new"),
        ("sso-session", "corp"),
        ("account-id", "111111111112"),
        ("role-name", "R"),
    ];
    let (s, p) = from_flags(&doc, &flags(&all), true).unwrap();
    assert_eq!(
        s,
        Session {
            scopes: None,
            ..session()
        },
        "an existing session is left as it is"
    );
    let p = p.unwrap();
    assert_eq!(
        (p.region.as_deref(), p.output.as_deref()),
        (Some("us-east-1"), Some("json"))
    );

    // An existing profile: only the role changes; a profile without region or output keeps none.
    let doc = Document::parse(
        "[profile dev]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = A\n[sso-session corp]\nsso_start_url = https://d-0000000000.awsapps.com/start\nsso_region = us-east-1\n",
    );
    let (s, p) = from_flags(&doc, &flags(&[("profile", "dev"), ("role-name", "B")]), true).unwrap();
    assert_eq!(s.scopes, None, "an existing session without scopes keeps none");
    let p = p.unwrap();
    assert_eq!((p.account_id.as_str(), p.role_name.as_str()), ("111111111111", "B"));
    assert_eq!((p.region, p.output), (None, None));
}

/// The Rust SDK (aws-config) loads what `configure` writes, and resolving the profile's credentials gets through
/// the profile checks to building its SSO provider — while a profile that also names `sso_region`, as a careless
/// writer would leave it, is refused at the checks (protocol.md §6.1, §11).
#[test]
fn the_rust_sdk_accepts_the_written_profile() {
    #[allow(deprecated)]
    use aws_config::profile::profile_file::{ProfileFileKind, ProfileFiles};
    use aws_credential_types::provider::{ProvideCredentials as _, error::CredentialsError};

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let legacy = "[profile dev]\nsso_start_url = https://d-0000000000.awsapps.com/start\nsso_region = us-east-1\n\
                  sso_account_id = 111111111111\nsso_role_name = ReadOnly\n";
    let resolve = |text: &str| {
        let path = tmp.path().join("config");
        std::fs::write(&path, text).unwrap();
        #[allow(deprecated)]
        let files = ProfileFiles::builder()
            .with_file(ProfileFileKind::Config, &path)
            .build();
        // `Env` is `aws-types`', not a direct dependency, so it is built through its `From<HashMap>`: nothing but a
        // HOME inside this test's directory. The file system is the real one; only `path` is read.
        let env = std::collections::HashMap::from([("HOME".to_owned(), tmp.path().display().to_string())]).into();
        #[allow(clippy::default_trait_access)]
        let fs = Default::default();
        let set = runtime
            .block_on(aws_config::profile::load(&fs, &env, &files, None))
            .expect("aws-config parses the file");
        assert_eq!(set.get_profile("dev").and_then(|p| p.get("sso_session")), Some("corp"));
        // The provider's own `ProviderConfig` cannot be handed an `Env` (that needs aws-config's `test-util`), but
        // with the files and the profile name given it reads no variable that could change the outcome below. No
        // request is made, but the builder wants an HTTP client: the one awsso uses.
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https();
        let provider = aws_config::profile::ProfileFileCredentialsProvider::builder()
            .configure(&aws_config::provider_config::ProviderConfig::without_region().with_http_client(http))
            .profile_files(files)
            .profile_name("dev")
            .build();
        let err = runtime.block_on(provider.provide_credentials()).unwrap_err();
        assert!(matches!(err, CredentialsError::InvalidConfiguration(_)), "{err:?}");
        format!("{err:?}")
    };
    // aws-config's `sso` feature is off (awsso fetches role credentials itself), so a profile the SDK accepts gets
    // exactly as far as building its SSO provider: no token cache is read and nothing goes to the network.
    let accepted = "This behavior requires following cargo feature(s) enabled: sso";
    for before in ["", legacy] {
        let (text, _) = applied(before, &session(), Some(&profile()));
        let err = resolve(&text);
        assert!(err.contains(accepted), "{before:?}: {err}");
    }
    let (text, _) = applied("", &session(), Some(&profile()));
    let broken = text.replace("output = json\n", "output = json\nsso_region = us-east-1\n");
    let err = resolve(&broken);
    assert!(
        err.contains("can only be specified in the [sso-session]") && !err.contains(accepted),
        "{err}"
    );
}
