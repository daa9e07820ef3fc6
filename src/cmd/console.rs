//! `awsso console [PROFILE]`: open the AWS console as PROFILE or the active identity (protocol.md §13): the access
//! portal's shortcut link for plain SSO profiles, a federation sign-in for anything else, handed to the browser
//! through a one-time loopback redirect so the sign-in token is never on a command line.

use std::time::Duration;

use crate::cli::{ConsoleArgs, LoginFlags, Via};
use crate::clock::now;
use crate::cmd::interaction;
use crate::config::chain::summary;
use crate::config::hints::unknown_profile;
use crate::config::{Config, Files, Kind, Profile, regions};
use crate::console::federation::{self, Origin};
use crate::console::loopback::Redirect;
use crate::console::{self, portal_link};
use crate::credentials::Credentials;
use crate::env::{Env, login_timeout};
use crate::error::Error;
use crate::prompt::identity;
use crate::resolve;
use crate::secret::Secret;
use crate::ui::{self, print_once};

/// A sign-in token lives 15 minutes; waiting longer for the browser is pointless.
const TOKEN_LIFE: Duration = Duration::from_mins(15);

/// Whom to sign in as.
enum Who<'c, 'a> {
    /// A profile from the config, credentials resolved by awsso.
    Profile(Profile<'c, 'a>),
    /// Credentials in the environment (`use --creds`, or keys awsso did not set), with the profile `use --creds`
    /// took them from, when there is one.
    Raw {
        profile: Option<Profile<'c, 'a>>,
        credentials: Credentials,
    },
}

impl<'c, 'a> Who<'c, 'a> {
    fn profile(&self) -> Option<&Profile<'c, 'a>> {
        match self {
            Who::Profile(p) => Some(p),
            Who::Raw { profile, .. } => profile.as_ref(),
        }
    }

    fn name(&self) -> String {
        match (self, self.profile()) {
            (Who::Profile(_), Some(p)) => format!("`{}`", p.name()),
            (Who::Raw { .. }, Some(p)) => format!("`{}` (raw credentials)", p.name()),
            _ => "the environment's credentials".to_owned(),
        }
    }

    /// A plain SSO profile (GetRoleCredentials), which the portal link can open.
    fn plain_sso(&self) -> bool {
        self.profile()
            .is_some_and(|p| matches!(p.kind(), Kind::Sso | Kind::LegacySso))
    }
}

impl ConsoleArgs {
    pub(crate) fn run(&self, env: &Env) -> anyhow::Result<()> {
        if let Some(region) = &self.region {
            regions::validate(region)?;
        }
        let files = Files::load(env)?;
        let config = files.parse()?;
        let who = self.who(env, &config)?;
        let region = self
            .region
            .as_deref()
            .or_else(|| env.get("AWS_REGION"))
            .or_else(|| env.get("AWS_DEFAULT_REGION"))
            .or_else(|| who.profile().and_then(Profile::region))
            .unwrap_or("us-east-1")
            .to_owned();
        regions::validate(&region)?;
        let destination = match (&self.service, &self.destination) {
            (Some(service), _) => console::service_url(service, &region)?,
            (None, Some(url)) => console::check_destination(url, &region)?,
            (None, None) => console::home_url(&region),
        };
        let via = self.via.unwrap_or(match (&who, who.plain_sso()) {
            (Who::Profile(_), true) => Via::Portal,
            _ => Via::Federation,
        });
        match via {
            Via::Portal => self.portal(env, &config, &who, &destination),
            Via::Federation => self.federation(env, &config, &who, &region, &destination),
        }
    }

    /// PROFILE, else the active identity as `whoami` sees it.
    fn who<'c, 'a>(&self, env: &Env, config: &'c Config<'a>) -> anyhow::Result<Who<'c, 'a>> {
        let find = |name: &str| config.profile(name).ok_or_else(|| unknown_profile(config, name));
        if let Some(name) = &self.profile {
            return Ok(Who::Profile(find(name)?));
        }
        match identity(env, now()) {
            Some(id) if !id.raw_credentials => Ok(Who::Profile(find(&id.profile)?)),
            Some(id) => Ok(Who::Raw {
                profile: config.profile(&id.profile),
                credentials: environment_credentials(env)?,
            }),
            None if env.get("AWS_ACCESS_KEY_ID").is_some() => Ok(Who::Raw {
                profile: None,
                credentials: environment_credentials(env)?,
            }),
            None => Err(Error::Usage(
                "no AWS identity is active in this shell; name a PROFILE or run `awsso use PROFILE`".to_owned(),
            )
            .into()),
        }
    }

    /// The access portal's shortcut link (§13.2): no call, no credentials, nothing secret.
    fn portal(&self, env: &Env, config: &Config<'_>, who: &Who<'_, '_>, destination: &str) -> anyhow::Result<()> {
        let profile = match who.profile() {
            Some(p) if who.plain_sso() => p,
            Some(p) => {
                return Err(Error::Usage(format!(
                    "--via portal opens plain SSO profiles only, and `{}` is not one (the portal cannot assume a \
                     role chain); use --via federation",
                    p.name()
                ))
                .into());
            }
            None => {
                return Err(Error::Usage(
                    "--via portal needs an SSO profile, and the environment's credentials come from none; use \
                     --via federation"
                        .to_owned(),
                )
                .into());
            }
        };
        let facts = summary(config, profile);
        let (Some(start_url), Some(account), Some(role)) = (facts.start_url, facts.account_id, facts.role_name) else {
            return Err(Error::Usage(format!(
                "profile `{}` needs sso_start_url (or its sso-session's), sso_account_id and sso_role_name for the \
                 portal link; add them",
                profile.name()
            ))
            .into());
        };
        let link = portal_link(start_url, account, role, Some(destination));
        if self.print {
            return print_once(&format!("{link}\n"));
        }
        if !crate::browser::reachable(env) {
            ui::note(&format!(
                "no browser can be reached here (set BROWSER, or use --print); open this link: {link}"
            ));
            return Ok(());
        }
        if let Err(why) = crate::browser::open(env, &link) {
            ui::note(&format!("could not open a browser ({why}); open this link: {link}"));
        }
        Ok(())
    }

    /// A sign-in token for the credentials, then the login URL (§13.1), opened through the one-time redirect.
    fn federation(
        &self,
        env: &Env,
        config: &Config<'_>,
        who: &Who<'_, '_>,
        region: &str,
        destination: &str,
    ) -> anyhow::Result<()> {
        let credentials = match who {
            Who::Profile(p) => {
                let flags = LoginFlags {
                    use_device_code: false,
                    no_browser: false,
                };
                resolve::credentials(env, config, p, interaction(false, flags, false))?
            }
            Who::Raw { credentials, .. } => credentials.clone(),
        };
        if credentials.session_token.is_none() {
            return Err(Error::Usage(format!(
                "{} has long-term keys, and the console signs in only with temporary credentials; use a profile \
                 that assumes a role with them (role_arn, source_profile)",
                who.name()
            ))
            .into());
        }
        let origin = match who {
            Who::Profile(_) if who.plain_sso() => Origin::SsoRole,
            _ => Origin::Other,
        };
        let issuer = who.profile().and_then(|p| summary(config, p).start_url);
        let base = console::signin_base(env, region);
        let duration = federation::session_duration(origin, &credentials, now());
        let token = federation::signin_token(&base, &credentials, duration)?;
        let login = Secret::new(console::login_url(&base, issuer, destination, &token));
        if self.print {
            return print_once(&format!("{}\n", login.expose()));
        }
        let secret_hint = format!(
            "open this link within 15 minutes, and share it with no one: it signs in as {}",
            who.name()
        );
        if !crate::browser::reachable(env) {
            ui::note_revealing(
                &format!("no browser can be reached here (set BROWSER, or use --print); {secret_hint}:"),
                &login,
            );
            return Ok(());
        }
        let redirect = Redirect::bind()?;
        let url = redirect.url()?;
        if let Err(why) = crate::browser::open(env, &url) {
            ui::note_revealing(&format!("could not open a browser ({why}); {secret_hint}:"), &login);
            return Ok(());
        }
        let wait = login_timeout(env)?.min(TOKEN_LIFE);
        redirect
            .serve(&login, wait)
            .map_err(|e| anyhow::anyhow!("{e:#}; run `awsso console --print` and open the URL yourself"))?;
        ui::note(&format!("opened the AWS console as {} in the browser", who.name()));
        Ok(())
    }
}

/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` of the environment.
fn environment_credentials(env: &Env) -> anyhow::Result<Credentials> {
    let (Some(id), Some(secret)) = (env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY")) else {
        return Err(Error::Usage(
            "AWS_ACCESS_KEY_ID is set without AWS_SECRET_ACCESS_KEY; set both, or name a PROFILE".to_owned(),
        )
        .into());
    };
    Ok(Credentials {
        access_key_id: id.to_owned(),
        secret_access_key: Secret::new(secret),
        session_token: env.get("AWS_SESSION_TOKEN").map(Secret::new),
        expiration: env
            .get("AWS_CREDENTIAL_EXPIRATION")
            .and_then(crate::clock::parse_timestamp),
        account_id: None,
    })
}
