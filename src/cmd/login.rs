//! `awsso login`: log in to an SSO session and write the token cache as AWS CLI v2 does.

use crate::cli::{LoginArgs, LoginFlags};
use crate::config::Files;
use crate::env::Env;
use crate::prompt::ttl_text;
use crate::sso::login::{self, Options};
use crate::sso::target;

impl LoginFlags {
    pub(crate) fn options(self, force: bool) -> Options {
        Options {
            force,
            device_code: self.use_device_code,
            no_browser: self.no_browser,
        }
    }
}

impl LoginArgs {
    pub(crate) fn run(&self, env: &Env) -> anyhow::Result<()> {
        let files = Files::load(env)?;
        let config = files.parse()?;
        let target = target::resolve(env, &config, self.sso_session.as_deref(), self.profile.as_deref())?;
        let before = login::read_token(env, &target)?.map(|t| t.access_token);
        let token = login::login(env, &target, self.login.options(self.force))?;
        if before.as_ref() == Some(&token.access_token) {
            let left = ttl_text((token.expires_at - login::now()).whole_seconds());
            eprintln!(
                "awsso: already logged in to {} ({left} left; --force logs in again)",
                target.describe()
            );
        }
        Ok(())
    }
}
