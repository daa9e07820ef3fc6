//! IAM Identity Center: the token cache shared with the AWS CLI and SDKs.

pub(crate) mod cache;
pub(crate) mod store;
