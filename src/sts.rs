//! AWS STS calls made with an identity's credentials (protocol.md §12.4): AssumeRole for each hop of a role chain,
//! GetCallerIdentity for `whoami --verify`. Every call goes to [`client::sts_base_url`] only.

use anyhow::anyhow;
use aws_config::{BehaviorVersion, Region};
use time::OffsetDateTime;

use crate::credentials::Credentials;
use crate::env::Env;
use crate::secret::Secret;
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

async fn client(env: &Env, region: &str, signer: Signer) -> Result<aws_sdk_sts::Client, crate::error::Error> {
    let url = client::secure_endpoint(
        env,
        &["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"],
        client::sts_base_url(env, region),
    )?;
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .http_client(client::https());
    loader = match signer {
        Signer::Credentials(c) => loader.credentials_provider(c),
        Signer::Profile(name) => loader.profile_name(name),
    };
    let config = loader.load().await;
    let conf = aws_sdk_sts::config::Builder::from(&config).endpoint_url(url).build();
    Ok(aws_sdk_sts::Client::from_conf(conf))
}

/// GetCallerIdentity in `region`, signed as `signer` says.
pub(crate) fn caller_identity(env: &Env, signer: Signer, region: &str) -> anyhow::Result<CallerIdentity> {
    client::block_on(async {
        let out = client(env, region, signer)
            .await?
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| {
                anyhow!(
                    "STS could not verify the identity: {}",
                    client::describe_at(&e, &client::sts_base_url(env, region))
                )
            })?;
        Ok(CallerIdentity {
            account: out.account().unwrap_or_default().to_owned(),
            arn: out.arn().unwrap_or_default().to_owned(),
            user_id: out.user_id().unwrap_or_default().to_owned(),
        })
    })?
}

/// The arguments of one AssumeRole (protocol.md §12.1, §12.4).
#[derive(Debug, Clone)]
pub(crate) struct AssumeRole<'a> {
    pub(crate) role_arn: &'a str,
    pub(crate) role_session_name: &'a str,
    pub(crate) external_id: Option<&'a str>,
    pub(crate) duration_seconds: Option<i32>,
    pub(crate) serial_number: Option<&'a str>,
    pub(crate) token_code: Option<&'a Secret>,
}

/// What AssumeRole returned.
#[derive(Debug, Clone)]
pub(crate) struct Assumed {
    pub(crate) credentials: Credentials,
    pub(crate) arn: String,
    pub(crate) assumed_role_id: String,
    pub(crate) request_id: Option<String>,
}

/// AssumeRole in `region`, signed with `source`. The error is STS's code and message in one line.
pub(crate) fn assume_role(
    env: &Env,
    region: &str,
    source: &Credentials,
    args: &AssumeRole<'_>,
) -> anyhow::Result<Assumed> {
    use aws_sdk_sts::operation::RequestId as _;
    client::block_on(async {
        let out = client(env, region, Signer::Credentials(source.to_sdk("awsso")))
            .await?
            .assume_role()
            .role_arn(args.role_arn)
            .role_session_name(args.role_session_name)
            .set_external_id(args.external_id.map(str::to_owned))
            .set_duration_seconds(args.duration_seconds)
            .set_serial_number(args.serial_number.map(str::to_owned))
            .set_token_code(args.token_code.map(|c| c.expose().to_owned()))
            .send()
            .await
            .map_err(|e| anyhow!("{}", client::describe_at(&e, &client::sts_base_url(env, region))))?;
        let c = out
            .credentials()
            .ok_or_else(|| anyhow!("STS returned no credentials"))?;
        let user = out.assumed_role_user();
        let arn = user.map(|u| u.arn().to_owned()).unwrap_or_default();
        let expiration = OffsetDateTime::from_unix_timestamp(c.expiration().secs())
            .map_err(|_| anyhow!("STS returned an expiration out of range"))?;
        Ok(Assumed {
            credentials: Credentials {
                access_key_id: c.access_key_id().to_owned(),
                secret_access_key: Secret::new(c.secret_access_key()),
                session_token: Some(Secret::new(c.session_token())),
                expiration: Some(expiration),
                // `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`, as botocore takes it (§12.2).
                account_id: arn.split(':').nth(4).filter(|a| !a.is_empty()).map(str::to_owned),
            },
            assumed_role_id: user.map(|u| u.assumed_role_id().to_owned()).unwrap_or_default(),
            arn,
            request_id: out.request_id().map(str::to_owned),
        })
    })?
}
