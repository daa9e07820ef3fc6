//! The device code flow (protocol.md §3): StartDeviceAuthorization, show the URL and code, poll CreateToken.

use std::time::Duration;

use anyhow::{anyhow, bail};
use aws_sdk_ssooidc::operation::create_token::CreateTokenError;

use super::{Granted, granted, open_browser};
use crate::env::Env;
use crate::report::{self, Event};
use crate::sso::client;
use crate::sso::registration::Registration;
use crate::sso::target::Target;

pub(super) async fn flow(
    env: &Env,
    oidc: &aws_sdk_ssooidc::Client,
    target: &Target,
    reg: &Registration,
    open: bool,
) -> anyhow::Result<Granted> {
    let auth = oidc
        .start_device_authorization()
        .client_id(&reg.client_id)
        .client_secret(reg.client_secret.expose())
        .start_url(&target.start_url)
        .send()
        .await
        .map_err(|e| {
            anyhow!(
                "could not start the device login: {}",
                client::describe_at(&e, &client::oidc_base_url(env, &target.region))
            )
        })?;
    let device_code = crate::secret::Secret::new(auth.device_code().unwrap_or_default());
    let user_code = auth.user_code().unwrap_or_default();
    let url = auth
        .verification_uri_complete()
        .or(auth.verification_uri())
        .unwrap_or_default();
    report::emit(&Event::Visit {
        what: &target.describe(),
        url,
        code: Some(user_code),
    });
    open_browser(env, url, open);
    // `interval` defaults to 5 s when absent (§3.3).
    let mut interval = Duration::from_secs(u64::try_from(auth.interval()).ok().filter(|&i| i > 0).unwrap_or(5));
    let deadline = std::time::Instant::now() + Duration::from_secs(u64::try_from(auth.expires_in()).unwrap_or(600));
    report::emit(&Event::Waiting {
        what: "waiting for approval in the browser",
        deadline,
    });
    // One immediate attempt, then poll at `interval`, adding 5 s on every slow_down (§3.3).
    let mut first = true;
    loop {
        if !first {
            tokio::time::sleep(interval).await;
        }
        first = false;
        let result = oidc
            .create_token()
            .client_id(&reg.client_id)
            .client_secret(reg.client_secret.expose())
            .grant_type("urn:ietf:params:oauth:grant-type:device_code")
            .device_code(device_code.expose())
            .send()
            .await;
        match result {
            Ok(out) => return Ok(granted(&out)),
            Err(e) => match e.as_service_error() {
                Some(CreateTokenError::AuthorizationPendingException(_)) => {}
                Some(CreateTokenError::SlowDownException(_)) => interval += Duration::from_secs(5),
                Some(CreateTokenError::ExpiredTokenException(_)) => {
                    bail!("the device code expired before the login was approved; run the login again")
                }
                Some(CreateTokenError::AccessDeniedException(_)) => bail!("the login was denied in the browser"),
                _ => bail!(
                    "the login failed: {}",
                    client::describe_at(&e, &client::oidc_base_url(env, &target.region))
                ),
            },
        }
    }
}
