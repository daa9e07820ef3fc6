//! AWS region names: the well-formedness every command checks (`use --region`, `exec --region`, `populate
//! --region`), and the known regions `configure` accepts for `sso_region` and a profile's `region`, with their
//! names for the picker and close matches for typos.
//!
//! Source: botocore 1.44.8, `botocore/data/partitions.json`, the `regions` of the partitions `aws` (commercial),
//! `aws-cn` (China) and `aws-us-gov` (GovCloud), without the `*-global` pseudo-regions. botocore's endpoint rules
//! read this file, so it is the list the AWS CLI itself knows. The isolated partitions (`aws-iso*`, `aws-eusc`) are
//! left out: their users run builds made for them. Add a region here when AWS opens one.

/// `(name, description)`, in partitions.json order: commercial, then China, then GovCloud.
pub(crate) const REGIONS: &[(&str, &str)] = &[
    ("af-south-1", "Africa (Cape Town)"),
    ("ap-east-1", "Asia Pacific (Hong Kong)"),
    ("ap-east-2", "Asia Pacific (Taipei)"),
    ("ap-northeast-1", "Asia Pacific (Tokyo)"),
    ("ap-northeast-2", "Asia Pacific (Seoul)"),
    ("ap-northeast-3", "Asia Pacific (Osaka)"),
    ("ap-south-1", "Asia Pacific (Mumbai)"),
    ("ap-south-2", "Asia Pacific (Hyderabad)"),
    ("ap-southeast-1", "Asia Pacific (Singapore)"),
    ("ap-southeast-2", "Asia Pacific (Sydney)"),
    ("ap-southeast-3", "Asia Pacific (Jakarta)"),
    ("ap-southeast-4", "Asia Pacific (Melbourne)"),
    ("ap-southeast-5", "Asia Pacific (Malaysia)"),
    ("ap-southeast-6", "Asia Pacific (New Zealand)"),
    ("ap-southeast-7", "Asia Pacific (Thailand)"),
    ("ca-central-1", "Canada (Central)"),
    ("ca-west-1", "Canada West (Calgary)"),
    ("eu-central-1", "Europe (Frankfurt)"),
    ("eu-central-2", "Europe (Zurich)"),
    ("eu-north-1", "Europe (Stockholm)"),
    ("eu-south-1", "Europe (Milan)"),
    ("eu-south-2", "Europe (Spain)"),
    ("eu-west-1", "Europe (Ireland)"),
    ("eu-west-2", "Europe (London)"),
    ("eu-west-3", "Europe (Paris)"),
    ("il-central-1", "Israel (Tel Aviv)"),
    ("me-central-1", "Middle East (UAE)"),
    ("me-south-1", "Middle East (Bahrain)"),
    ("me-west-1", "Middle East (Saudi Arabia)"),
    ("mx-central-1", "Mexico (Central)"),
    ("sa-east-1", "South America (Sao Paulo)"),
    ("sa-west-1", "South America (Chile)"),
    ("us-east-1", "US East (N. Virginia)"),
    ("us-east-2", "US East (Ohio)"),
    ("us-west-1", "US West (N. California)"),
    ("us-west-2", "US West (Oregon)"),
    ("cn-north-1", "China (Beijing)"),
    ("cn-northwest-1", "China (Ningxia)"),
    ("us-gov-east-1", "AWS GovCloud (US-East)"),
    ("us-gov-west-1", "AWS GovCloud (US-West)"),
];

/// The index of `name` in [`REGIONS`].
pub(crate) fn position(name: &str) -> Option<usize> {
    REGIONS.iter().position(|(n, _)| *n == name)
}

/// Up to three region names closest to `name`, for "did you mean".
pub(crate) fn closest(name: &str) -> Vec<&'static str> {
    let lower = name.trim().to_lowercase();
    // Within 3 edits means within 3 characters of length; never compute a quadratic distance for a long input.
    let len = lower.chars().count();
    let mut scored: Vec<(usize, &str)> = REGIONS
        .iter()
        .filter(|(n, _)| n.len().abs_diff(len) <= 3)
        .map(|(n, _)| (strsim::damerau_levenshtein(&lower, n), *n))
        .filter(|&(d, _)| d <= 3)
        .collect();
    scored.sort_unstable();
    scored.into_iter().take(3).map(|(_, n)| n).collect()
}

/// The region in an IAM Identity Center host that names one, as the AWS CLI reads it
/// (`awscli/customizations/sso/resolve.py`, `_REGION_PATTERNS`): `ID.portal.REGION.app.aws`,
/// `ID.REGION.portal.amazonaws.com` and `ID.REGION.portal.amazonaws.com.cn`. Only regions in [`REGIONS`].
pub(crate) fn from_host(host: &str) -> Option<&'static str> {
    let host = host.to_lowercase();
    let labels: Vec<&str> = host.trim_end_matches('.').split('.').collect();
    let region = match labels.as_slice() {
        [_, "portal", region, "app", "aws"]
        | [_, region, "portal", "amazonaws", "com"]
        | [_, region, "portal", "amazonaws", "com", "cn"] => *region,
        _ => return None,
    };
    position(region).map(|i| REGIONS[i].0)
}

/// Region names are a partition prefix, words and a number, in lowercase and joined by dashes (`us-east-1`,
/// `eu-central-2`, `us-gov-west-1`). A well-formed name AWS opens later is accepted; [`check`] also warns about
/// one not in [`REGIONS`], and `configure` wants a known one ([`check_known`]).
pub(crate) fn validate(region: &str) -> anyhow::Result<()> {
    let parts: Vec<&str> = region.split('-').collect();
    let ok = region.len() <= 32
        && parts.len() >= 3
        && parts[0].len() >= 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty();
    if ok {
        Ok(())
    } else {
        Err(crate::error::Error::Usage(format!(
            "`{region}` is not an AWS region name; use one like `us-east-1`"
        ))
        .into())
    }
}

/// The check of a region the user typed for a command (`use --region`, `exec --region`, `populate --region`): a
/// malformed name fails ([`validate`]); a well-formed one awsso does not know is used, with a warning naming the
/// close known ones (a region AWS opened after this build, or a typo).
pub(crate) fn check(region: &str) -> anyhow::Result<()> {
    validate(region)?;
    if let Err(unknown) = check_known(region) {
        crate::report::warn(&format!(
            "{unknown} (using it anyway: AWS may have opened it after this awsso was built)"
        ));
    }
    Ok(())
}

/// A region from the known list, with close names in the error for a typo.
pub(crate) fn check_known(region: &str) -> Result<String, String> {
    let region = region.trim();
    if position(region).is_some() {
        return Ok(region.to_owned());
    }
    let close: Vec<String> = closest(region).iter().map(|n| format!("`{n}`")).collect();
    Err(if close.is_empty() {
        format!("`{region}` is not an AWS region; use one like `us-east-1`")
    } else {
        format!("`{region}` is not an AWS region; did you mean {}?", close.join(", "))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_well_formed() {
        let mut names: Vec<&str> = REGIONS.iter().map(|(n, _)| *n).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), REGIONS.len());
        assert!(names.iter().all(|n| validate(n).is_ok()));
        assert!(position("us-east-1").is_some() && position("us-gov-west-1").is_some());
        assert!(position("cn-north-1").is_some() && position("aws-global").is_none());
    }

    #[test]
    fn close_names_and_regions_in_hosts() {
        assert_eq!(closest("us-east-7")[0], "us-east-1");
        assert_eq!(closest("eu-wset-1")[0], "eu-west-1");
        assert!(closest("mars-north-1").is_empty());
        assert_eq!(from_host("ssoins-1234.portal.eu-west-2.app.aws"), Some("eu-west-2"));
        assert_eq!(
            from_host("ssoins-1.ap-south-1.portal.amazonaws.com"),
            Some("ap-south-1")
        );
        assert_eq!(from_host("x.cn-north-1.portal.amazonaws.com.cn"), Some("cn-north-1"));
        assert_eq!(from_host("d-0000000000.awsapps.com"), None);
        assert_eq!(from_host("x.portal.nowhere-1.app.aws"), None);
    }

    #[test]
    fn well_formed_names_have_a_prefix_words_and_a_number() {
        for good in [
            "us-east-1",
            "us-gov-west-1",
            "eu-isoe-west-1",
            "mars-north-1",
            "xx-yy-12",
        ] {
            assert!(validate(good).is_ok(), "{good}");
            assert!(check(good).is_ok(), "{good}");
        }
        for bad in [
            "mars-1",
            "us-east",
            "us-east-",
            "-us-east-1",
            "US-EAST-1",
            "us_east_1",
            "",
            "u-east-1",
            "us--1",
        ] {
            let err = check(bad).unwrap_err().to_string();
            assert_eq!(
                err,
                format!("`{bad}` is not an AWS region name; use one like `us-east-1`")
            );
        }
    }
}
