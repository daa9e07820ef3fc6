//! Time as awsso reads and writes it: the clock, the AWS timestamp dialects (protocol.md §1.3), and durations for
//! humans.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The current time, in UTC.
pub(crate) fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// `YYYY-MM-DDTHH:MM:SSZ`, in UTC: the only timestamp shape every reader of the AWS caches accepts (protocol.md
/// §1.3), and the one `AWS_CREDENTIAL_EXPIRATION` carries. A time with another offset is converted first, never
/// relabelled.
pub(crate) fn cli_timestamp(t: OffsetDateTime) -> String {
    const FORMAT: &[time::format_description::BorrowedFormatItem<'_>] =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    t.to_offset(time::UtcOffset::UTC).format(FORMAT).unwrap_or_default()
}

/// Parse a timestamp in any dialect the AWS tools write: RFC 3339 with any offset and fractional seconds (the Rust
/// SDK), `+00:00`, and the old botocore `... UTC` (protocol.md §1.3).
pub(crate) fn parse_timestamp(s: &str) -> Option<OffsetDateTime> {
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t);
    }
    let bare = s.strip_suffix("UTC").map_or(s, str::trim_end);
    let with_z = format!("{}Z", bare.replacen(' ', "T", 1));
    OffsetDateTime::parse(&with_z, &Rfc3339).ok()
}

/// `2d3h`, `7h12m`, `12m`, `<1m`, or `expired`.
pub(crate) fn ttl_text(seconds: i64) -> String {
    if seconds <= 0 {
        return "expired".to_owned();
    }
    let (d, h, m) = (seconds / 86_400, seconds % 86_400 / 3600, seconds % 3600 / 60);
    match (d, h, m) {
        (0, 0, 0) => "<1m".to_owned(),
        (0, 0, m) => format!("{m}m"),
        (0, h, m) => format!("{h}h{m}m"),
        (d, h, _) => format!("{d}d{h}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn timestamps_in_every_dialect() {
        let want = datetime!(2026-11-26 03:36:53 UTC);
        for s in [
            "2026-11-26T03:36:53Z",
            "2026-11-26T03:36:53+00:00",
            "2026-11-26T03:36:53UTC",
            "2026-11-26 03:36:53 UTC",
            "2026-11-26T05:36:53+02:00",
        ] {
            assert_eq!(parse_timestamp(s), Some(want), "{s}");
        }
        assert_eq!(
            parse_timestamp("2026-11-26T03:36:53.609333Z"),
            Some(datetime!(2026-11-26 03:36:53.609333 UTC))
        );
        assert_eq!(parse_timestamp("yesterday"), None);
    }

    /// Regression (issue 8, defect 1): a time with an offset was printed with its local digits and a `Z`.
    #[test]
    fn cli_timestamp_converts_to_utc() {
        assert_eq!(
            cli_timestamp(datetime!(2026-12-02 23:00:00 +02:00)),
            "2026-12-02T21:00:00Z"
        );
        assert_eq!(
            cli_timestamp(datetime!(2026-11-26 03:36:53.7 UTC)),
            "2026-11-26T03:36:53Z"
        );
    }

    #[test]
    fn ttl_texts() {
        assert_eq!(ttl_text(-5), "expired");
        assert_eq!(ttl_text(30), "<1m");
        assert_eq!(ttl_text(12 * 60 + 5), "12m");
        assert_eq!(ttl_text(7 * 3600 + 12 * 60), "7h12m");
        assert_eq!(ttl_text(2 * 86_400 + 3 * 3600), "2d3h");
    }
}
