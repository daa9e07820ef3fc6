//! Profile names awsso makes up for an account and role (`configure`'s suggestion, `populate`'s template), by one
//! rule so both name the same account and role the same way.

/// A profile name that every tool reads back the same: letters, digits and `-_.+@`; anything else (spaces,
/// brackets, quotes, slashes) becomes `-`, runs of `-` collapse, and the ends are trimmed. Empty when nothing is
/// left.
pub(crate) fn sanitize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        let c = if c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '+' | '@') {
            c
        } else {
            '-'
        };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    out.trim_matches('-').to_owned()
}

/// Letters and digits kept, everything else `-`: for the parts of a fallback name.
pub(crate) fn plain(s: &str) -> String {
    s.chars().map(|c| if c.is_alphanumeric() { c } else { '-' }).collect()
}

/// `name` sanitized, or `ACCOUNTID-ROLE` when nothing of it is left.
pub(crate) fn or_fallback(name: &str, account_id: &str, role_name: &str) -> String {
    let out = sanitize(name);
    if out.is_empty() {
        format!("{account_id}-{}", plain(role_name))
    } else {
        out
    }
}

/// The default name of a profile for a role: `{account_name}-{role_name}`, sanitized.
pub(crate) fn default_profile_name(account_id: &str, account_name: &str, role_name: &str) -> String {
    or_fallback(&format!("{account_name}-{role_name}"), account_id, role_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_names_from_account_and_role() {
        let name = |account: &str, role: &str| default_profile_name("111111111111", account, role);
        assert_eq!(name("account-0002", "ReadOnly"), "account-0002-ReadOnly");
        assert_eq!(
            name("My Prod (EU)", "AdministratorAccess"),
            "My-Prod-EU-AdministratorAccess"
        );
        assert_eq!(name("  ", "Admin"), "Admin");
        assert_eq!(name("Zürich.ops", "a/b"), "Zürich.ops-a-b");
        assert_eq!(name("Prod [EU] main", "Admin"), "Prod-EU-main-Admin");
        assert_eq!(
            or_fallback("  [] ", "111111111111", "Read Only"),
            "111111111111-Read-Only"
        );
    }
}
