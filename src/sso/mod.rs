//! IAM Identity Center: which session a command means (`target`), its token (`token`, `login`), the client
//! registration, role credentials and their cache, the portal's account listing, and the SDK clients.

pub(crate) mod accounts;
pub(crate) mod client;
pub(crate) mod creds;
pub(crate) mod listing;
pub(crate) mod login;
pub(crate) mod names;
pub(crate) mod pace;
pub(crate) mod registration;
pub(crate) mod role_cache;
pub(crate) mod target;
pub(crate) mod token;
