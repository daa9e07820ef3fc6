//! `awsso logout [--sso-session S | --all]`: the portal's Logout, then delete the cached token.
//!
//! The token is deleted even when the portal cannot be reached (with a warning): the user asked for this machine
//! to forget the session. Role credentials awsso cached for the session's profiles are deleted too. Client
//! registrations stay, as with `aws sso logout` (protocol.md §2).

use crate::cli::LogoutArgs;
use crate::config::Files;
use crate::env::Env;
use crate::sso::creds::{self, Role};
use crate::sso::{client, login, target};

impl LogoutArgs {
    pub(crate) fn run(&self, env: &Env) -> anyhow::Result<()> {
        let files = Files::load(env)?;
        let config = files.parse()?;
        let targets = if self.all {
            target::all(&config)
        } else {
            vec![target::resolve(env, &config, self.sso_session.as_deref(), None)?]
        };
        let mut runtime = None;
        // Role credentials awsso cached for the profiles of these sessions go too (~/.aws/cli/cache).
        let roles: Vec<Role> = config
            .all_profiles()
            .filter_map(|p| Role::of(&config, &p).ok())
            .filter(|r| targets.iter().any(|t| t.cache_key() == r.target.cache_key()))
            .collect();
        creds::forget(env, &roles)?;
        for t in &targets {
            let Some(token) = login::read_token(env, t)? else {
                eprintln!("awsso: not logged in to {}", t.describe());
                continue;
            };
            let rt = match &mut runtime {
                Some(rt) => rt,
                None => runtime.insert(tokio::runtime::Builder::new_current_thread().enable_all().build()?),
            };
            let result = rt.block_on(async {
                let config = client::sdk_config(&t.region).await;
                client::portal(&config)
                    .logout()
                    .access_token(token.access_token.expose())
                    .send()
                    .await
            });
            if let Err(e) = result {
                eprintln!(
                    "awsso: warning: the portal did not confirm the logout of {} ({}); deleting the token anyway",
                    t.describe(),
                    client::describe(&e)
                );
            }
            let path = login::token_file(env, t)?;
            match std::fs::remove_file(&path) {
                Ok(()) => eprintln!("awsso: logged out of {}", t.describe()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(anyhow::Error::from(e).context(format!("could not delete {}", path.display()))),
            }
        }
        Ok(())
    }
}
