//! Console sign-in (protocol.md §13): the partition of a region and its hosts, the console URL of a service or a
//! checked destination, the access portal's shortcut link, and the federation flow (a sign-in token for temporary
//! credentials, then the login URL), served to the browser through a one-time loopback redirect.

pub(crate) mod federation;
pub(crate) mod loopback;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::env::Env;
use crate::error::Error;

/// The AWS partitions that have a console (§13.1 table); the isolated ones have no public sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Partition {
    Aws,
    UsGov,
    China,
}

impl Partition {
    pub(crate) fn of_region(region: &str) -> Self {
        if region.starts_with("us-gov-") {
            Self::UsGov
        } else if region.starts_with("cn-") {
            Self::China
        } else {
            Self::Aws
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Aws => "aws",
            Self::UsGov => "aws-us-gov",
            Self::China => "aws-cn",
        }
    }

    /// The console's host; regional consoles are `<region>.<host>` (only used in the `aws` partition).
    pub(crate) fn console_host(self) -> &'static str {
        match self {
            Self::Aws => "console.aws.amazon.com",
            Self::UsGov => "console.amazonaws-us-gov.com",
            Self::China => "console.amazonaws.cn",
        }
    }

    /// The region whose sign-in endpoint has no region prefix.
    fn home_region(self) -> &'static str {
        match self {
            Self::Aws => "us-east-1",
            Self::UsGov => "us-gov-west-1",
            Self::China => "cn-north-1",
        }
    }

    fn signin_host(self) -> &'static str {
        match self {
            Self::Aws => "signin.aws.amazon.com",
            Self::UsGov => "signin.amazonaws-us-gov.com",
            Self::China => "signin.amazonaws.cn",
        }
    }
}

/// The sign-in endpoint's base URL for `region`: `AWSSO_SIGNIN_URL` (the emulator, a sandbox), else the
/// partition's host, with the region in front outside the partition's home region (§13.1 table).
pub(crate) fn signin_base(env: &Env, region: &str) -> String {
    if let Some(url) = env.get("AWSSO_SIGNIN_URL") {
        return url.trim_end_matches('/').to_owned();
    }
    let partition = Partition::of_region(region);
    if region == partition.home_region() {
        format!("https://{}", partition.signin_host())
    } else {
        format!("https://{region}.{}", partition.signin_host())
    }
}

/// A console service `--service` knows: its name, the path of its console, and whether that console is global
/// (one URL for every region).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Service {
    pub(crate) name: &'static str,
    path: &'static str,
    global: bool,
    pub(crate) about: &'static str,
}

const fn service(name: &'static str, path: &'static str, global: bool, about: &'static str) -> Service {
    Service {
        name,
        path,
        global,
        about,
    }
}

/// The services `--service` takes (and completion offers), by name.
pub(crate) const SERVICES: &[Service] = &[
    service("apigateway", "apigateway/main", false, "API Gateway"),
    service("athena", "athena/home", false, "Athena"),
    service("billing", "billing/home", true, "Billing and Cost Management"),
    service("cloudformation", "cloudformation/home", false, "CloudFormation"),
    service("cloudfront", "cloudfront/v4/home", true, "CloudFront"),
    service("cloudtrail", "cloudtrail/home", false, "CloudTrail"),
    service("cloudwatch", "cloudwatch/home", false, "CloudWatch"),
    service(
        "codepipeline",
        "codesuite/codepipeline/pipelines",
        false,
        "CodePipeline",
    ),
    service("dynamodb", "dynamodbv2/home", false, "DynamoDB"),
    service("ec2", "ec2/home", false, "EC2"),
    service("ecr", "ecr/home", false, "Elastic Container Registry"),
    service("ecs", "ecs/v2/home", false, "Elastic Container Service"),
    service("eks", "eks/home", false, "Elastic Kubernetes Service"),
    service("iam", "iam/home", true, "IAM"),
    service("kms", "kms/home", false, "Key Management Service"),
    service("lambda", "lambda/home", false, "Lambda"),
    service("organizations", "organizations/v2/home", true, "Organizations"),
    service("rds", "rds/home", false, "RDS"),
    service("route53", "route53/v2/home", true, "Route 53"),
    service("s3", "s3/home", false, "S3"),
    service("secretsmanager", "secretsmanager/home", false, "Secrets Manager"),
    service("sns", "sns/v3/home", false, "SNS"),
    service("sqs", "sqs/v3/home", false, "SQS"),
    service("ssm", "systems-manager/home", false, "Systems Manager"),
    service("stepfunctions", "states/home", false, "Step Functions"),
    service("vpc", "vpcconsole/home", false, "VPC"),
];

/// The base URL of the console for `region`: regional in the `aws` partition, the partition's host elsewhere.
fn console_base(region: &str) -> String {
    let partition = Partition::of_region(region);
    match partition {
        Partition::Aws => format!("https://{region}.{}", partition.console_host()),
        _ => format!("https://{}", partition.console_host()),
    }
}

/// The console's home page in `region`.
pub(crate) fn home_url(region: &str) -> String {
    format!("{}/console/home?region={region}", console_base(region))
}

/// The console URL of `service` in `region`, or a usage error naming the known services.
pub(crate) fn service_url(name: &str, region: &str) -> anyhow::Result<String> {
    let Some(service) = SERVICES.iter().find(|s| s.name.eq_ignore_ascii_case(name)) else {
        let close: Vec<&str> = SERVICES
            .iter()
            .map(|s| s.name)
            .filter(|s| strsim::jaro_winkler(s, &name.to_ascii_lowercase()) > 0.8)
            .collect();
        let hint = match close.as_slice() {
            [] => String::new(),
            some => format!(" (did you mean {}?)", some.join(", ")),
        };
        let names: Vec<&str> = SERVICES.iter().map(|s| s.name).collect();
        return Err(Error::Usage(format!(
            "unknown service `{name}`{hint}; use one of {}, or --destination URL",
            names.join(", ")
        ))
        .into());
    };
    let partition = Partition::of_region(region);
    Ok(if service.global {
        format!("https://{}/{}", partition.console_host(), service.path)
    } else {
        format!("{}/{}?region={region}", console_base(region), service.path)
    })
}

/// `url` if it is an https console URL of `region`'s partition (the console's host or a subdomain of it), else a
/// usage error: the sign-in endpoint would send the session anywhere it is told.
pub(crate) fn check_destination(url: &str, region: &str) -> anyhow::Result<String> {
    let partition = Partition::of_region(region);
    let console = partition.console_host();
    let refuse = |why: &str| -> anyhow::Error {
        Error::Usage(format!(
            "--destination {url}: {why}; give an https://…{console}/ URL (partition {}, region {region})",
            partition.name()
        ))
        .into()
    };
    let parsed = url::Url::parse(url).map_err(|e| refuse(&format!("not a URL ({e})")))?;
    if parsed.scheme() != "https" {
        return Err(refuse("not https"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() || parsed.port().is_some() {
        return Err(refuse("a console URL has no user, password or port"));
    }
    let host = parsed.host_str().unwrap_or_default().to_ascii_lowercase();
    let ours = host == console || host.strip_suffix(console).is_some_and(|sub| sub.ends_with('.'));
    if !ours {
        return Err(refuse(&format!("`{host}` is not a console host")));
    }
    Ok(parsed.to_string())
}

/// What a query value must escape: everything but unreserved characters (RFC 3986), as AWS's own examples do.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

fn enc(value: &str) -> percent_encoding::PercentEncode<'_> {
    utf8_percent_encode(value, QUERY)
}

/// The access portal's shortcut link (§13.2): no credentials, no call; the browser's portal session signs in.
pub(crate) fn portal_link(start_url: &str, account_id: &str, role_name: &str, destination: Option<&str>) -> String {
    let mut link = format!(
        "{}/#/console?account_id={}&role_name={}",
        start_url.trim_end_matches('/'),
        enc(account_id),
        enc(role_name)
    );
    if let Some(destination) = destination {
        link.push_str("&destination=");
        link.push_str(&enc(destination).to_string());
    }
    link
}

/// The login URL (§13.1 step 2). It holds the sign-in token: whoever has it is signed in, for 15 minutes.
pub(crate) fn login_url(base: &str, issuer: Option<&str>, destination: &str, token: &crate::secret::Secret) -> String {
    let mut url = format!("{base}/federation?Action=login");
    if let Some(issuer) = issuer {
        url.push_str("&Issuer=");
        url.push_str(&enc(issuer).to_string());
    }
    url.push_str("&Destination=");
    url.push_str(&enc(destination).to_string());
    url.push_str("&SigninToken=");
    url.push_str(&enc(token.expose()).to_string());
    url
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    #[test]
    fn partitions_have_their_hosts() {
        let env = Env::default();
        let cases = [
            ("us-east-1", "aws", "https://signin.aws.amazon.com"),
            ("eu-west-1", "aws", "https://eu-west-1.signin.aws.amazon.com"),
            ("us-gov-west-1", "aws-us-gov", "https://signin.amazonaws-us-gov.com"),
            (
                "us-gov-east-1",
                "aws-us-gov",
                "https://us-gov-east-1.signin.amazonaws-us-gov.com",
            ),
            ("cn-north-1", "aws-cn", "https://signin.amazonaws.cn"),
            ("cn-northwest-1", "aws-cn", "https://cn-northwest-1.signin.amazonaws.cn"),
        ];
        for (region, partition, signin) in cases {
            assert_eq!(Partition::of_region(region).name(), partition, "{region}");
            assert_eq!(signin_base(&env, region), signin, "{region}");
        }
        let env = Env::from_pairs([("AWSSO_SIGNIN_URL", "http://127.0.0.1:9/")]);
        assert_eq!(signin_base(&env, "cn-north-1"), "http://127.0.0.1:9");
    }

    #[test]
    fn service_urls_per_partition() {
        assert_eq!(
            service_url("s3", "eu-west-1").unwrap(),
            "https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1"
        );
        assert_eq!(
            service_url("EC2", "us-east-2").unwrap(),
            "https://us-east-2.console.aws.amazon.com/ec2/home?region=us-east-2"
        );
        assert_eq!(
            service_url("iam", "eu-west-1").unwrap(),
            "https://console.aws.amazon.com/iam/home"
        );
        assert_eq!(
            service_url("lambda", "us-gov-west-1").unwrap(),
            "https://console.amazonaws-us-gov.com/lambda/home?region=us-gov-west-1"
        );
        assert_eq!(
            service_url("iam", "us-gov-east-1").unwrap(),
            "https://console.amazonaws-us-gov.com/iam/home"
        );
        assert_eq!(
            service_url("dynamodb", "cn-north-1").unwrap(),
            "https://console.amazonaws.cn/dynamodbv2/home?region=cn-north-1"
        );
        assert_eq!(
            home_url("cn-northwest-1"),
            "https://console.amazonaws.cn/console/home?region=cn-northwest-1"
        );
        assert_eq!(
            home_url("ap-south-1"),
            "https://ap-south-1.console.aws.amazon.com/console/home?region=ap-south-1"
        );
        // Every service the issue names is known, and every known one builds an https console URL.
        for name in [
            "s3",
            "ec2",
            "iam",
            "lambda",
            "cloudformation",
            "cloudwatch",
            "dynamodb",
            "rds",
            "ecs",
            "eks",
            "organizations",
            "billing",
        ] {
            assert!(SERVICES.iter().any(|s| s.name == name), "{name}");
        }
        for s in SERVICES {
            for region in ["us-west-2", "us-gov-west-1", "cn-north-1"] {
                let url = service_url(s.name, region).unwrap();
                let host = Partition::of_region(region).console_host();
                check_destination(&url, region).unwrap_or_else(|e| panic!("{url}: {e}"));
                assert!(url.contains(host), "{url}");
            }
        }
    }

    #[test]
    fn unknown_services_are_one_line_usage_errors() {
        let err = service_url("lamda", "us-east-1").unwrap_err();
        let text = err.to_string();
        assert!(matches!(err.downcast_ref::<Error>(), Some(Error::Usage(_))));
        assert!(text.contains("unknown service `lamda`"), "{text}");
        assert!(text.contains("did you mean lambda"), "{text}");
        assert!(!text.contains('\n'));
    }

    #[test]
    fn destinations_stay_in_the_partition() {
        for (url, region) in [
            ("https://console.aws.amazon.com/", "us-east-1"),
            (
                "https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#Instances:",
                "eu-west-1",
            ),
            ("https://console.amazonaws-us-gov.com/s3/home", "us-gov-west-1"),
            ("https://console.amazonaws.cn/iam/home", "cn-north-1"),
        ] {
            assert!(check_destination(url, region).is_ok(), "{url}");
        }
        for (url, region, why) in [
            ("https://evil.example.com/", "us-east-1", "not a console host"),
            (
                "https://console.aws.amazon.com.evil.example/",
                "us-east-1",
                "not a console host",
            ),
            ("https://evilconsole.aws.amazon.com/", "us-east-1", "not a console host"),
            ("http://console.aws.amazon.com/", "us-east-1", "not https"),
            ("https://x@console.aws.amazon.com/", "us-east-1", "no user"),
            ("https://console.aws.amazon.com:8443/", "us-east-1", "port"),
            ("https://console.aws.amazon.com/", "cn-north-1", "not a console host"),
            ("https://console.amazonaws.cn/", "us-gov-west-1", "not a console host"),
            ("console.aws.amazon.com", "us-east-1", "not a URL"),
        ] {
            let text = check_destination(url, region).unwrap_err().to_string();
            assert!(text.contains(why), "{url}: {text}");
        }
    }

    #[test]
    fn portal_links_follow_the_user_guide() {
        assert_eq!(
            portal_link("https://d-123.awsapps.com/start/", "111111111111", "Admin", None),
            "https://d-123.awsapps.com/start/#/console?account_id=111111111111&role_name=Admin"
        );
        assert_eq!(
            portal_link(
                "https://d-123.awsapps.com/start",
                "111111111111",
                "Read Only",
                Some("https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1")
            ),
            "https://d-123.awsapps.com/start/#/console?account_id=111111111111&role_name=Read%20Only\
             &destination=https%3A%2F%2Feu-west-1.console.aws.amazon.com%2Fs3%2Fhome%3Fregion%3Deu-west-1"
        );
    }

    #[test]
    fn login_urls_escape_every_value() {
        let url = login_url(
            "https://signin.aws.amazon.com",
            Some("https://d-123.awsapps.com/start"),
            "https://console.aws.amazon.com/?a=b&c=d",
            &Secret::new("tok+/="),
        );
        assert_eq!(
            url,
            "https://signin.aws.amazon.com/federation?Action=login&Issuer=https%3A%2F%2Fd-123.awsapps.com%2Fstart\
             &Destination=https%3A%2F%2Fconsole.aws.amazon.com%2F%3Fa%3Db%26c%3Dd&SigninToken=tok%2B%2F%3D"
        );
        let url = login_url(
            "http://127.0.0.1:9",
            None,
            "https://console.aws.amazon.com/",
            &Secret::new("t"),
        );
        assert!(!url.contains("Issuer"), "{url}");
    }
}
