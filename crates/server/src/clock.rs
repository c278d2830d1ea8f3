//! Wall-clock time as Unix milliseconds, and the durations people type.

use time::OffsetDateTime;

pub fn now_ms() -> i64 {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// A Unix ms timestamp as a time (the epoch when out of range).
pub fn ms_to_time(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// RFC 3339 (UTC) form of a Unix ms timestamp, for messages and listings.
pub fn rfc3339(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| format!("{ms} ms after the epoch"))
}

/// HTTP date (RFC 7231 IMF-fixdate) of a Unix ms timestamp, for Upload-Expires.
pub fn http_date(ms: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let fmt = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    t.format(&fmt).unwrap_or_default()
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a duration (use a number and a unit: 30m, 12h, 7d)")]
pub struct BadDuration(pub String);

/// `30s`, `30m`, `12h`, `7d` or `2w` as milliseconds.
pub fn parse_duration_ms(s: &str) -> Result<i64, BadDuration> {
    match parse_duration_or_zero_ms(s)? {
        0 => Err(BadDuration(s.to_string())),
        ms => Ok(ms),
    }
}

/// Like [`parse_duration_ms`], but `0s` (or `0d`, ...) means zero.
pub fn parse_duration_or_zero_ms(s: &str) -> Result<i64, BadDuration> {
    let err = || BadDuration(s.to_string());
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).ok_or_else(err)?;
    let (num, unit) = t.split_at(split);
    let n: i64 = num.parse().map_err(|_| err())?;
    let unit_ms: i64 = match unit {
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 7 * 86_400_000,
        _ => return Err(err()),
    };
    n.checked_mul(unit_ms).ok_or_else(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_dates() {
        assert_eq!(parse_duration_ms("7d").unwrap(), 7 * 86_400_000);
        assert_eq!(parse_duration_ms("90m").unwrap(), 90 * 60_000);
        for bad in ["", "7", "d", "7x", "0d", "-1d", "99999999999999999w"] {
            assert!(parse_duration_ms(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_duration_or_zero_ms("0s").unwrap(), 0);
        assert!(parse_duration_or_zero_ms("0").is_err());
        assert_eq!(http_date(784_111_777_000), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    }
}
