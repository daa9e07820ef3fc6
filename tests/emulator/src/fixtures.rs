//! The accounts and roles the portal serves, and the `next_token` / `max_result` paging of
//! `ListAccounts` and `ListAccountRoles` (protocol.md §5).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;

/// Role names handed out in this order; roles past the list are `Role11`, `Role12`, ...
const ROLE_NAMES: &[&str] = &[
    "Admin",
    "ReadOnly",
    "Developer",
    "PowerUser",
    "Billing",
    "SecurityAudit",
    "NetworkAdmin",
    "DataScientist",
    "SupportUser",
    "ViewOnly",
];

/// First account id; account `i` (0-based) is `111111111111 + i`, always 12 digits.
const FIRST_ACCOUNT_ID: u64 = 111_111_111_111;

/// Most accounts the flags allow, so ids stay 12 digits.
pub(crate) const MAX_ACCOUNTS: usize = 100_000;

/// One `accountList` entry, in the wire shape of protocol.md §5 (`accountId`, `accountName`, `emailAddress`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[allow(clippy::struct_field_names, reason = "the wire member names")]
pub(crate) struct Account {
    pub(crate) account_id: String,
    pub(crate) account_name: String,
    pub(crate) email_address: String,
}

/// One `roleList` entry (`roleName`, `accountId`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Role {
    pub(crate) role_name: String,
    pub(crate) account_id: String,
}

/// N accounts (`account-0001`, ...), each with the same K roles (`Admin`, `ReadOnly`, `Developer`, ...).
#[derive(Debug, Clone)]
pub(crate) struct Fixtures {
    accounts: Vec<Account>,
    roles: Vec<String>,
}

impl Fixtures {
    pub(crate) fn new(accounts: usize, roles: usize) -> Self {
        let accounts = (0..accounts.min(MAX_ACCOUNTS))
            .map(|i| {
                let name = format!("account-{:04}", i + 1);
                Account {
                    account_id: format!("{:012}", FIRST_ACCOUNT_ID + i as u64),
                    email_address: format!("{name}@example.com"),
                    account_name: name,
                }
            })
            .collect();
        let roles = (0..roles)
            .map(|j| {
                ROLE_NAMES
                    .get(j)
                    .map_or_else(|| format!("Role{:02}", j + 1), |name| (*name).to_owned())
            })
            .collect();
        Self { accounts, roles }
    }

    /// Every account also has these roles, after the numbered ones (`--extra-role`).
    #[must_use]
    pub(crate) fn with_extra_roles(mut self, names: Vec<String>) -> Self {
        self.roles.extend(names);
        self
    }

    pub(crate) fn accounts(&self) -> &[Account] {
        &self.accounts
    }

    pub(crate) fn has_account(&self, account_id: &str) -> bool {
        self.accounts.iter().any(|a| a.account_id == account_id)
    }

    /// The roles of an account, or `None` if there is no such account.
    pub(crate) fn roles(&self, account_id: &str) -> Option<Vec<Role>> {
        self.has_account(account_id).then(|| {
            self.roles
                .iter()
                .map(|role_name| Role {
                    role_name: role_name.clone(),
                    account_id: account_id.to_owned(),
                })
                .collect()
        })
    }

    pub(crate) fn is_assigned(&self, account_id: &str, role_name: &str) -> bool {
        self.has_account(account_id) && self.roles.iter().any(|r| r == role_name)
    }
}

/// What a `next_token` pages through; tokens are only valid for the list that issued them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Listing<'a> {
    Accounts,
    Roles { account_id: &'a str },
}

impl Listing<'_> {
    fn prefix(&self) -> String {
        match self {
            Self::Accounts => "emu1/accounts/".to_owned(),
            Self::Roles { account_id } => format!("emu1/roles/{account_id}/"),
        }
    }

    /// An opaque `nextToken` for the page starting at `offset`.
    pub(crate) fn token(&self, offset: usize) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}{offset}", self.prefix()))
    }

    /// The offset a `next_token` stands for, or `None` if it is not one this listing issued.
    pub(crate) fn offset(&self, token: &str) -> Option<usize> {
        let decoded = String::from_utf8(URL_SAFE_NO_PAD.decode(token).ok()?).ok()?;
        decoded.strip_prefix(&self.prefix())?.parse().ok()
    }
}

/// Errors in the paging query parameters; the portal answers them with 400 `InvalidRequestException`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PageError {
    MaxResult(String),
    NextToken,
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // The model constrains max_result to 1..=100 (protocol.md §5 table).
            Self::MaxResult(value) => write!(
                f,
                "1 validation error detected: Value '{value}' at 'maxResults' failed to satisfy constraint: \
                 Member must have value between 1 and 100"
            ),
            Self::NextToken => f.write_str("The value of nextToken is invalid"),
        }
    }
}

/// One page of a listing: the items and the `nextToken`, which is `None` on the last page, so it is left out of the
/// response (protocol.md §5: "Emulator: omit `nextToken` on the last page").
pub(crate) fn page<T: Clone>(
    items: &[T],
    listing: &Listing<'_>,
    next_token: Option<&str>,
    max_result: Option<&str>,
    default_size: usize,
) -> Result<(Vec<T>, Option<String>), PageError> {
    let size = match max_result {
        None => default_size,
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if (1..=100).contains(&n) => n,
            _ => return Err(PageError::MaxResult(raw.to_owned())),
        },
    };
    let start = match next_token {
        // An empty token is what a client sends when it has none; treat it as the first page.
        None | Some("") => 0,
        Some(token) => match listing.offset(token) {
            Some(offset) if offset < items.len() => offset,
            _ => return Err(PageError::NextToken),
        },
    };
    let end = start.saturating_add(size).min(items.len());
    let next = (end < items.len()).then(|| listing.token(end));
    Ok((items[start..end].to_vec(), next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_accounts_and_roles() {
        let fixtures = Fixtures::new(250, 12);
        let accounts = fixtures.accounts();
        assert_eq!(accounts.len(), 250);
        assert_eq!(accounts[0].account_id, "111111111111");
        assert_eq!(accounts[0].account_name, "account-0001");
        assert_eq!(accounts[0].email_address, "account-0001@example.com");
        assert_eq!(accounts[249].account_id, "111111111360");
        assert_eq!(accounts[249].account_name, "account-0250");
        assert!(
            accounts
                .iter()
                .all(|a| a.account_id.len() == 12 && a.account_id.bytes().all(|b| b.is_ascii_digit()))
        );
        let roles: Vec<String> = fixtures
            .roles("111111111111")
            .unwrap()
            .into_iter()
            .map(|r| r.role_name)
            .collect();
        assert_eq!(&roles[..3], ["Admin", "ReadOnly", "Developer"]);
        assert_eq!(&roles[10..], ["Role11", "Role12"]);
        assert!(fixtures.roles("999999999999").is_none());
        assert!(fixtures.is_assigned("111111111112", "Admin"));
        assert!(!fixtures.is_assigned("111111111112", "Nope"));
        assert!(!fixtures.is_assigned("999999999999", "Admin"));
    }

    #[test]
    fn pages_through_everything_and_omits_the_last_token() {
        let items: Vec<u32> = (0..25).collect();
        let listing = Listing::Accounts;
        let mut seen = Vec::new();
        let mut token: Option<String> = None;
        let mut pages = 0;
        loop {
            let (items, next) = page(&items, &listing, token.as_deref(), Some("7"), 20).unwrap();
            pages += 1;
            seen.extend(items);
            match next {
                Some(next) => token = Some(next),
                None => break,
            }
        }
        assert_eq!(pages, 4);
        assert_eq!(seen, (0..25).collect::<Vec<_>>());
    }

    #[test]
    fn exact_multiple_has_no_trailing_empty_page() {
        let items: Vec<u32> = (0..10).collect();
        let (first, next) = page(&items, &Listing::Accounts, None, Some("5"), 20).unwrap();
        assert_eq!(first, [0, 1, 2, 3, 4]);
        let (second, next) = page(&items, &Listing::Accounts, next.as_deref(), Some("5"), 20).unwrap();
        assert_eq!(second, [5, 6, 7, 8, 9]);
        assert_eq!(next, None);
    }

    #[test]
    fn default_size_and_empty_lists() {
        let items: Vec<u32> = (0..3).collect();
        assert_eq!(
            page(&items, &Listing::Accounts, None, None, 20).unwrap(),
            (vec![0, 1, 2], None)
        );
        assert_eq!(
            page::<u32>(&[], &Listing::Accounts, Some(""), None, 20).unwrap(),
            (vec![], None)
        );
    }

    #[test]
    fn rejects_bad_parameters() {
        let items: Vec<u32> = (0..10).collect();
        for bad in ["0", "101", "-1", "x", ""] {
            assert_eq!(
                page(&items, &Listing::Accounts, None, Some(bad), 20),
                Err(PageError::MaxResult(bad.into()))
            );
        }
        assert_eq!(
            page(&items, &Listing::Accounts, Some("garbage!"), None, 20),
            Err(PageError::NextToken)
        );
        // Past the end, or issued by another listing.
        let past = Listing::Accounts.token(10);
        assert_eq!(
            page(&items, &Listing::Accounts, Some(&past), None, 20),
            Err(PageError::NextToken)
        );
        let roles = Listing::Roles {
            account_id: "111111111111",
        }
        .token(2);
        assert_eq!(
            page(&items, &Listing::Accounts, Some(&roles), None, 20),
            Err(PageError::NextToken)
        );
        let other_account = Listing::Roles {
            account_id: "111111111112",
        };
        assert_eq!(
            page(&items, &other_account, Some(&roles), None, 20),
            Err(PageError::NextToken)
        );
        assert!(
            page(
                &items,
                &Listing::Roles {
                    account_id: "111111111111"
                },
                Some(&roles),
                None,
                20
            )
            .is_ok()
        );
    }
}
