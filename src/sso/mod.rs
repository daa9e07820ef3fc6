//! IAM Identity Center: the token cache shared with the AWS CLI and SDKs.

pub(crate) mod accounts;
pub(crate) mod cache;
pub(crate) mod client;
pub(crate) mod creds;
pub(crate) mod login;
pub(crate) mod names;
pub(crate) mod pace;
pub(crate) mod store;
pub(crate) mod target;
