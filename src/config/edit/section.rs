//! How botocore names a section from its header, and how the AWS CLI writes the header of a new one.

use std::borrow::Cow;

use crate::config::ini;

/// A section as botocore names it in the config file (protocol.md §6.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum SectionRef {
    /// `[profile NAME]`; `default` is `[default]` (or `[profile default]`).
    Profile(String),
    /// `[sso-session NAME]`.
    SsoSession(String),
    /// `[services NAME]`.
    Services(String),
}

impl SectionRef {
    /// The section a header (the text between the brackets) names, by the rules of `Config::build`: a `startswith`
    /// prefix test, then exactly two shell words. `None` for `[DEFAULT]`, `[plugins]`, `[profile a b]` and the like.
    pub(crate) fn from_header(header: &str) -> Option<Self> {
        let name = || match ini::shlex_split(header) {
            Some(mut words) if words.len() == 2 => words.pop(),
            _ => None,
        };
        if header.starts_with("profile") {
            name().map(Self::Profile)
        } else if header.starts_with("sso-session") {
            name().map(Self::SsoSession)
        } else if header.starts_with("services") {
            name().map(Self::Services)
        } else if header == "default" {
            Some(Self::Profile("default".to_owned()))
        } else {
            None
        }
    }

    pub(crate) fn name(&self) -> &str {
        match self {
            Self::Profile(name) | Self::SsoSession(name) | Self::Services(name) => name,
        }
    }

    /// The header text a new section gets, as the AWS CLI writes it.
    pub(super) fn header(&self) -> String {
        match self {
            Self::Profile(name) if name == "default" => "default".to_owned(),
            Self::Profile(name) => format!("profile {}", quote_name(name)),
            Self::SsoSession(name) => format!("sso-session {}", quote_name(name)),
            Self::Services(name) => format!("services {}", quote_name(name)),
        }
    }
}

/// Python's `shlex.quote`, applied when shlex would not read the bare name back as one word. The AWS CLI quotes only
/// names with spaces or tabs (`awscli/customizations/configure/__init__.py`, `get_section_header`), which leaves a
/// name with a quote or a backslash unreadable; quoting more than needed would hide the profile from the Rust SDK.
pub(super) fn quote_name(name: &str) -> Cow<'_, str> {
    if name.is_empty() || name.contains([' ', '\t', '\r', '\n', '\'', '"', '\\']) {
        Cow::Owned(format!("'{}'", name.replace('\'', r#"'"'"'"#)))
    } else {
        Cow::Borrowed(name)
    }
}
