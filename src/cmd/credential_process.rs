//! `awsso credential-process --profile P`: the `credential_process` document (Version 1, protocol.md §8) for tools
//! that cannot read SSO profiles. Configure it as `credential_process = awsso credential-process --profile P`.
//!
//! The SDK that runs this owns stdin and reads stdout, so a login is never started unless both stdin and stderr are
//! a terminal: otherwise exit 3 with the command to run.

use crate::cli::CredentialProcessArgs;
use crate::cli::LoginFlags;
use crate::cmd::interaction;
use crate::config::Files;
use crate::config::hints::unknown_profile;
use crate::env::Env;
use crate::resolve;
use crate::ui::print_once;

impl CredentialProcessArgs {
    pub(crate) fn run(&self, env: &Env) -> anyhow::Result<()> {
        let files = Files::load(env)?;
        let config = files.parse()?;
        let profile = config
            .profile(&self.profile)
            .ok_or_else(|| unknown_profile(&config, &self.profile))?;
        let flags = LoginFlags {
            use_device_code: false,
            no_browser: false,
        };
        let creds = resolve::credentials(env, &config, &profile, interaction(false, flags, true))?;
        print_once(&creds.process_json())
    }
}
