//! Running a profile's `credential_process` and reading its Version 1 document (protocol.md §8), as botocore's
//! `ProcessProvider` does: the command is split like shell words and run without a shell; its stderr reaches the
//! user; its stdout is the document.

use anyhow::anyhow;

use crate::clock::parse_timestamp;
use crate::credentials::Credentials;
use crate::secret::Secret;

pub(crate) fn run(profile: &str, command_line: &str) -> anyhow::Result<Credentials> {
    let words = crate::config::ini::shlex_split(command_line)
        .filter(|w| !w.is_empty())
        .ok_or_else(|| {
            anyhow!("profile `{profile}`: credential_process `{command_line}` cannot be split into words")
        })?;
    let output = std::process::Command::new(&words[0])
        .args(&words[1..])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| {
            anyhow!(
                "profile `{profile}`: credential_process `{}` could not be run ({e})",
                words[0]
            )
        })?;
    if !output.status.success() {
        return Err(anyhow!(
            "profile `{profile}`: credential_process exited with {}",
            output.status
        ));
    }
    parse(&output.stdout).ok_or_else(|| {
        anyhow!("profile `{profile}`: credential_process did not print a Version 1 credentials document")
    })
}

fn parse(stdout: &[u8]) -> Option<Credentials> {
    let doc: serde_json::Value = serde_json::from_slice(stdout).ok()?;
    if doc.get("Version")?.as_i64()? != 1 {
        return None;
    }
    let s = |k: &str| doc.get(k).and_then(|v| v.as_str()).filter(|v| !v.is_empty());
    Some(Credentials {
        access_key_id: s("AccessKeyId")?.to_owned(),
        secret_access_key: Secret::new(s("SecretAccessKey")?),
        session_token: s("SessionToken").map(Secret::new),
        expiration: match s("Expiration") {
            Some(e) => Some(parse_timestamp(e)?),
            None => None,
        },
        account_id: s("AccountId").map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents() {
        let c = parse(
            br#"{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "S", "Expiration": "2026-11-26T03:36:53+00:00"}"#,
        )
        .unwrap();
        assert_eq!(c.session_token, None);
        assert!(c.expiration.is_some());
        assert_eq!(
            parse(br#"{"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "S"}"#),
            None
        );
        assert_eq!(parse(b"not json"), None);
    }

    #[test]
    fn runs_a_real_process() {
        let c = run(
            "p",
            r#"printf '{"Version": 1, "AccessKeyId": "A B", "SecretAccessKey": "S"}'"#,
        )
        .unwrap();
        assert_eq!(c.access_key_id, "A B");
        let err = run("p", "false").unwrap_err().to_string();
        assert!(err.contains("profile `p`: credential_process exited"), "{err}");
    }
}
