//! The prompt segment: who is active and for how long, from the environment, the config and the token cache only.
//!
//! This runs before every prompt, so it never touches the network, never starts an async runtime and never fails
//! loudly: anything odd yields `None` and the prompt simply shows less.

use time::OffsetDateTime;

use crate::clock::{cli_timestamp, parse_timestamp, ttl_text};
use crate::env::Env;
use crate::sso::token::{self, TokenState};

pub(crate) const DEFAULT_FORMAT: &str = "{profile}[ {account}/{role}][ {ttl}]";

/// What a prompt can show. Empty strings mean "unknown".
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Identity {
    pub(crate) profile: String,
    pub(crate) account: String,
    /// Remembered from `awsso accounts`; filled only on request ([`fill_account_name`]), since it costs a read.
    pub(crate) account_name: String,
    pub(crate) role: String,
    pub(crate) session: String,
    pub(crate) region: String,
    /// Time left, `↻` for an expired token that can refresh itself, or `expired`.
    pub(crate) ttl: String,
    /// When the token or credentials expire, RFC 3339.
    pub(crate) expires: String,
    /// Seconds until then; negative once expired.
    pub(crate) seconds_left: Option<i64>,
    /// Raw credentials from `use --creds` (rather than a profile the SDKs resolve).
    pub(crate) raw_credentials: bool,
    /// What names the profile's token file (session name or legacy start URL); also keys the remembered names.
    pub(crate) cache_key: String,
}

/// The active identity, or `None` when no profile is active.
pub(crate) fn identity(env: &Env, now: OffsetDateTime) -> Option<Identity> {
    // Raw credentials from `use --creds` win over any profile, exactly as they do for the SDKs.
    let creds_profile = env
        .get("AWSSO_PROFILE")
        .filter(|_| env.get("AWS_ACCESS_KEY_ID").is_some());
    // The AWS CLI v2 order: AWS_PROFILE, then AWS_DEFAULT_PROFILE (protocol.md §6.2).
    let name = creds_profile
        .or_else(|| env.get("AWS_PROFILE"))
        .or_else(|| env.get("AWS_DEFAULT_PROFILE"))?;
    // Remembered between runs (`config::facts`): no config parse before every prompt.
    let facts = crate::config::facts::of(env, name);
    let profile = facts.as_ref();
    let text = |v: Option<&String>| v.cloned().unwrap_or_default();
    let mut id = Identity {
        profile: name.to_owned(),
        account: text(profile.and_then(|p| p.account_id.as_ref())),
        role: text(profile.and_then(|p| p.role_name.as_ref())),
        session: text(profile.and_then(|p| p.sso_session.as_ref())),
        region: text(profile.and_then(|p| p.region.as_ref())),
        cache_key: text(profile.and_then(|p| p.token_key.as_ref())),
        ..Identity::default()
    };
    let expires_at = if creds_profile.is_some() {
        let exp = env.get("AWS_CREDENTIAL_EXPIRATION").and_then(parse_timestamp);
        id.ttl = exp.map(|e| ttl_text((e - now).whole_seconds())).unwrap_or_default();
        exp
    } else if let Some(key) = profile.and_then(|p| p.token_key.as_deref()) {
        let token = token::peek(env, key);
        id.ttl = match token.as_ref().map(|t| t.state(now)) {
            Some(TokenState::Valid(left)) => ttl_text(left),
            Some(TokenState::Refreshable) => "↻".to_owned(),
            Some(TokenState::Expired | TokenState::Missing) => "expired".to_owned(),
            None => "no token".to_owned(),
        };
        token.map(|t| t.expires_at)
    } else {
        None
    };
    id.expires = expires_at.map(cli_timestamp).unwrap_or_default();
    id.seconds_left = expires_at.map(|e| (e - now).whole_seconds());
    id.raw_credentials = creds_profile.is_some();
    // The environment's region beats the profile's, as in the AWS CLI v2.
    if let Some(region) = env.get("AWS_REGION").or_else(|| env.get("AWS_DEFAULT_REGION")) {
        region.clone_into(&mut id.region);
    }
    Some(id)
}

/// Look up the account's name among those `awsso accounts` remembered: one small file read, no network.
pub(crate) fn fill_account_name(id: &mut Identity, env: &Env) {
    if id.account.is_empty() || id.cache_key.is_empty() {
        return;
    }
    if let Some(name) = crate::sso::names::lookup(env, &id.cache_key, &id.account) {
        id.account_name = name;
    }
}

/// Fill a format string. `{token}` is replaced; `[...]` is kept only when every token inside has a value (and it
/// holds at least one); `\` escapes the next character. Unknown tokens are empty.
pub(crate) fn render(format: &str, id: &Identity) -> String {
    let value = |name: &str| -> &str {
        match name {
            "profile" => &id.profile,
            "account" => &id.account,
            "account_name" => &id.account_name,
            "role" => &id.role,
            "session" => &id.session,
            "region" => &id.region,
            "ttl" => &id.ttl,
            "expires" => &id.expires,
            _ => "",
        }
    };
    let mut out = String::new();
    // The open group: where its text starts in `out`, and whether every token so far had a value.
    let mut group: Option<(usize, bool, bool)> = None;
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            '[' if group.is_none() => group = Some((out.len(), true, false)),
            ']' if group.is_some() => {
                if let Some((start, all, any)) = group.take()
                    && !(all && any)
                {
                    out.truncate(start);
                }
            }
            '{' => {
                let name: String = chars.by_ref().take_while(|&c| c != '}').collect();
                let v = value(name.trim());
                // Values come from the environment, the config and the portal; the format is the user's own.
                out.push_str(&crate::ui::escape(v));
                if let Some((_, all, any)) = &mut group {
                    *all &= !v.is_empty();
                    *any = true;
                }
            }
            c => out.push(c),
        }
    }
    if let Some((start, all, any)) = group
        && !(all && any)
    {
        out.truncate(start);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn id() -> Identity {
        Identity {
            profile: "dev-account-admin".into(),
            account: "123456789011".into(),
            role: "DevAccess".into(),
            ttl: "7h12m".into(),
            ..Identity::default()
        }
    }

    #[test]
    fn default_format_matches_the_contract_example() {
        assert_eq!(
            render(DEFAULT_FORMAT, &id()),
            "dev-account-admin 123456789011/DevAccess 7h12m"
        );
    }

    #[test]
    fn groups_vanish_when_a_token_is_empty() {
        let plain = Identity {
            profile: "p".into(),
            ..Identity::default()
        };
        assert_eq!(render(DEFAULT_FORMAT, &plain), "p");
        assert_eq!(render("[{region}|]{profile}", &plain), "p");
        assert_eq!(
            render("[static]{profile}", &plain),
            "p",
            "a group without tokens is dropped"
        );
        assert_eq!(render(r"\[{profile}\] \{x\}", &plain), "[p] {x}");
        assert_eq!(
            render("{nope}{profile}[ {ttl}", &plain),
            "p",
            "unclosed group still hides"
        );
    }

    #[test]
    fn account_name_is_read_only_on_request() {
        let home = tempfile::tempdir().unwrap();
        let h = home.path().to_str().unwrap();
        std::fs::create_dir_all(home.path().join(".aws")).unwrap();
        std::fs::write(
            home.path().join(".aws/config"),
            "[profile dev]\nsso_session = corp\nsso_account_id = 123456789011\nsso_role_name = DevAccess\n",
        )
        .unwrap();
        let target = crate::sso::target::Target {
            session: Some("corp".into()),
            start_url: "https://x.awsapps.com/start".into(),
            region: "us-east-1".into(),
            scopes: None,
        };
        let names = std::collections::BTreeMap::from([("123456789011".to_owned(), "Dev".to_owned())]);
        crate::sso::names::save(&Env::from_pairs([("HOME", h)]), &target, names).unwrap();
        let env = Env::from_pairs([("HOME", h), ("AWS_PROFILE", "dev")]);
        let mut id = identity(&env, datetime!(2026-11-26 00:00 UTC)).unwrap();
        assert_eq!(id.account_name, "", "not read unless asked for");
        assert_eq!(render("{profile}[ ({account_name})]", &id), "dev");
        fill_account_name(&mut id, &env);
        assert_eq!(render("{profile}[ ({account_name})]", &id), "dev (Dev)");
    }

    #[test]
    fn nothing_active_means_nothing() {
        let env = Env::from_pairs([("HOME", "/nonexistent")]);
        assert_eq!(identity(&env, datetime!(2026-11-26 00:00 UTC)), None);
    }

    #[test]
    fn raw_credentials_show_their_own_expiry() {
        let env = Env::from_pairs([
            ("HOME", "/nonexistent"),
            ("AWSSO_PROFILE", "dev"),
            ("AWS_ACCESS_KEY_ID", "ASIA"),
            ("AWS_CREDENTIAL_EXPIRATION", "2026-11-26T01:30:00Z"),
            ("AWS_PROFILE", "ignored"),
        ]);
        let id = identity(&env, datetime!(2026-11-26 00:00 UTC)).unwrap();
        assert_eq!((id.profile.as_str(), id.ttl.as_str()), ("dev", "1h30m"));
    }

    /// Regression (issue 8, defect 1): an expiration with an offset was shown with its local digits and a `Z`,
    /// two hours off for `+02:00`.
    #[test]
    fn an_offset_expiration_is_shown_in_utc() {
        let env = Env::from_pairs([
            ("HOME", "/nonexistent"),
            ("AWSSO_PROFILE", "dev"),
            ("AWS_ACCESS_KEY_ID", "ASIA"),
            ("AWS_CREDENTIAL_EXPIRATION", "2026-12-02T23:00:00+02:00"),
        ]);
        let id = identity(&env, datetime!(2026-12-02 20:00 UTC)).unwrap();
        assert_eq!(id.expires, "2026-12-02T21:00:00Z");
        assert_eq!(id.ttl, "1h0m");
        assert_eq!(render("{expires}", &id), "2026-12-02T21:00:00Z");
    }
}
