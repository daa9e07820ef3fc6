//! `awsso login`: log in to an SSO session and write the token cache as AWS CLI v2 does.

use crate::cli::LoginArgs;
use crate::clock::{now, ttl_text};
use crate::config::Files;
use crate::env::Env;
use crate::sso::{login, target, token};
use crate::ui;

impl LoginArgs {
    pub(crate) fn run(&self, env: &Env) -> anyhow::Result<()> {
        let files = Files::load(env)?;
        let config = files.parse()?;
        let target = target::resolve(env, &config, self.sso_session.as_deref(), self.profile.as_deref())?;
        let before = token::read(env, &target)?.map(|t| t.access_token);
        let token = login::login(env, &target, self.login.options(self.force))?;
        if before.as_ref() == Some(&token.access_token) {
            let left = ttl_text((token.expires_at - now()).whole_seconds());
            ui::note(&format!(
                "already logged in to {} ({left} left; --force logs in again)",
                target.describe()
            ));
        }
        Ok(())
    }
}
