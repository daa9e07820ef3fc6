//! awsso's integration tests: one test binary (faster to link than one per file), one module per area.
//!
//! Every test runs the real `awsso` binary with a cleared environment and a temporary HOME (see `util`).

mod accounts;
mod chains;
#[cfg(feature = "real-tools")]
mod chains_sts;
mod cli;
mod configure;
mod console;
mod creds;
#[cfg(feature = "real-tools")]
mod dirs;
mod hardening;
mod interactive;
mod login;
mod newuser;
#[cfg(feature = "real-tools")]
mod nu;
mod populate;
mod regressions;
mod serve;
mod shells;
mod util;
