//! The environment changes that make an identity the active one, in a shell (`use`, `unset`) or a child process
//! (`exec`, `exec --server`): which variables are set, and which go because they would shadow it (protocol.md §6.1,
//! §6.2, §14).

use crate::clock::cli_timestamp;
use crate::credentials::Credentials;
use crate::secret::Secret;
use crate::shell::EnvChanges;

/// Variables that would shadow `AWS_PROFILE`: SDKs prefer environment keys to any profile, and botocore prefers
/// `AWS_DEFAULT_PROFILE` to `AWS_PROFILE` (protocol.md §6.1, §6.2).
pub(crate) const PROFILE_SHADOWS: [&str; 6] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_DEFAULT_PROFILE",
    "AWSSO_PROFILE",
];

/// Variables that make botocore (and the AWS CLI) and the other SDKs assume a web-identity role ahead of any
/// `AWS_PROFILE`: an IRSA pod or a CI job sets them, and the prompt would say `dev` while the CLI acts as that role.
pub(crate) const WEB_IDENTITY: [&str; 3] = ["AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME"];

/// Profile mode: `AWS_PROFILE`, and the region variables when a region is given; everything that would shadow the
/// profile goes (environment keys, `AWS_DEFAULT_PROFILE`, web identity). Raw credentials need no such care:
/// environment keys come first in every SDK's chain.
pub(crate) fn profile_changes(name: &str, region: Option<&str>) -> EnvChanges {
    let mut changes = EnvChanges {
        set: vec![("AWS_PROFILE", name.to_owned())],
        unset: PROFILE_SHADOWS.iter().chain(&WEB_IDENTITY).copied().collect(),
    };
    if let Some(region) = region {
        // The AWS CLI v2 and Rust SDK read AWS_REGION; botocore reads only AWS_DEFAULT_REGION (protocol.md §6.2).
        changes.set.push(("AWS_REGION", region.to_owned()));
        changes.set.push(("AWS_DEFAULT_REGION", region.to_owned()));
    }
    changes
}

/// Raw credentials: keys, token, expiry (RFC 3339 `Z`, which starship counts down), the region, and `AWSSO_PROFILE`
/// for `prompt`/`whoami`; the profile variables go, or they would confuse tools that prefer a profile (cli.md,
/// `use --creds`).
pub(crate) fn creds_changes(creds: &Credentials, profile: &str, region: Option<&str>) -> EnvChanges {
    let mut changes = EnvChanges {
        set: vec![
            ("AWS_ACCESS_KEY_ID", creds.access_key_id.clone()),
            ("AWS_SECRET_ACCESS_KEY", creds.secret_access_key.expose().to_owned()),
        ],
        unset: vec!["AWS_PROFILE", "AWS_DEFAULT_PROFILE"],
    };
    // Long-term keys have neither; a token or expiry left from another identity would be wrong for these.
    match &creds.session_token {
        Some(token) => changes.set.push(("AWS_SESSION_TOKEN", token.expose().to_owned())),
        None => changes.unset.push("AWS_SESSION_TOKEN"),
    }
    match creds.expiration {
        Some(at) => changes.set.push(("AWS_CREDENTIAL_EXPIRATION", cli_timestamp(at))),
        None => changes.unset.push("AWS_CREDENTIAL_EXPIRATION"),
    }
    set_region(&mut changes, region);
    changes.set.push(("AWSSO_PROFILE", profile.to_owned()));
    changes
}

/// The credential endpoint, for a child (`exec --server`) or another shell (`serve`): the two container-provider
/// variables. Everything an SDK's chain tries before the endpoint goes (protocol.md §14): keys, profiles, the token
/// file (which wins over the token) and web identity.
pub(crate) fn endpoint_changes(url: &str, token: &Secret) -> EnvChanges {
    let mut changes = EnvChanges {
        set: vec![
            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", url.to_owned()),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN", token.expose().to_owned()),
        ],
        unset: PROFILE_SHADOWS.to_vec(),
    };
    changes.unset.extend([
        "AWS_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
        "AWS_ROLE_SESSION_NAME",
    ]);
    changes
}

/// `region` as both region variables, or neither when there is none (one left from another identity would be
/// wrong), as `use --creds` and `exec` set it.
pub(crate) fn set_region(changes: &mut EnvChanges, region: Option<&str>) {
    match region {
        Some(r) => {
            changes.set.push(("AWS_REGION", r.to_owned()));
            changes.set.push(("AWS_DEFAULT_REGION", r.to_owned()));
        }
        None => changes.unset.extend(["AWS_REGION", "AWS_DEFAULT_REGION"]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::Shell;

    /// `use --creds` output for every shell, with fixed credentials (PowerShell cannot run here: this pins it).
    #[test]
    fn creds_exports_snapshots() {
        let creds = Credentials {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: Secret::new("se/cret+key'with\"quotes"),
            session_token: Some(Secret::new("tok$en`x")),
            expiration: Some(time::macros::datetime!(2026-11-26 03:36:53 UTC)),
            account_id: Some("111111111111".into()),
        };
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::Powershell] {
            let with_region = shell.render(&creds_changes(&creds, "dev admin", Some("eu-west-1")));
            let without = shell.render(&creds_changes(&creds, "dev", None));
            insta::assert_snapshot!(
                format!("use_creds_{}", shell.name()),
                format!("{with_region}---\n{without}")
            );
        }
    }
}
