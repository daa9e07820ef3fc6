//! AWS STS calls made with an identity's credentials: GetCallerIdentity for `whoami --verify`.

use anyhow::anyhow;
use aws_config::{BehaviorVersion, Region};

use crate::sso::client;

/// Who STS says the credentials belong to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub(crate) struct CallerIdentity {
    pub(crate) account: String,
    pub(crate) arn: String,
    pub(crate) user_id: String,
}

/// How to sign: explicit credentials, or the named profile as the SDK resolves it.
pub(crate) enum Signer {
    Credentials(aws_credential_types::Credentials),
    Profile(String),
}

/// GetCallerIdentity in `region`, signed as `signer` says.
pub(crate) fn caller_identity(signer: Signer, region: &str) -> anyhow::Result<CallerIdentity> {
    client::block_on(async {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(region.to_owned()))
            .http_client(client::https());
        loader = match signer {
            Signer::Credentials(c) => loader.credentials_provider(c),
            Signer::Profile(name) => loader.profile_name(name),
        };
        let config = loader.load().await;
        let out = aws_sdk_sts::Client::new(&config)
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| anyhow!("STS could not verify the identity: {}", client::describe(&e)))?;
        Ok(CallerIdentity {
            account: out.account().unwrap_or_default().to_owned(),
            arn: out.arn().unwrap_or_default().to_owned(),
            user_id: out.user_id().unwrap_or_default().to_owned(),
        })
    })?
}
