//! IAM Identity Center: the token cache shared with the AWS CLI and SDKs.

pub(crate) mod cache;
pub(crate) mod client;
pub(crate) mod creds;
pub(crate) mod login;
pub(crate) mod store;
pub(crate) mod target;
