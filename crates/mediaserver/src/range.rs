//! The byte-range arithmetic of HTTP Range requests (RFC 9110 §14), kept
//! apart from I/O so every edge case is a plain unit test.
//!
//! Only single ranges are honoured. A header we cannot or choose not to
//! honour (another unit, several ranges, bad syntax) is ignored and the
//! whole file is sent, which the RFC allows; media players ask for one
//! range at a time. A range that starts at or past the end of the file is
//! the one case that must be answered with 416.

/// What to send for a request, given its `Range` header and the file length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeOutcome {
    /// 200 with the whole file (no Range header, or one we ignore).
    Full,
    /// 206 with `start..=end` (inclusive, always within the file).
    Partial { start: u64, end: u64 },
    /// 416 with `Content-Range: bytes */len`.
    Unsatisfiable,
}

impl RangeOutcome {
    /// The number of body bytes this outcome sends for a file of `len` bytes.
    pub fn body_len(&self, len: u64) -> u64 {
        match *self {
            RangeOutcome::Full => len,
            RangeOutcome::Partial { start, end } => end - start + 1,
            RangeOutcome::Unsatisfiable => 0,
        }
    }
}

/// Decide what a request with `header` (the raw `Range` value, if any) gets
/// from a file of `len` bytes.
pub fn resolve(header: Option<&str>, len: u64) -> RangeOutcome {
    let Some(header) = header else {
        return RangeOutcome::Full;
    };
    let Some(spec) = parse_single(header) else {
        return RangeOutcome::Full;
    };
    match spec {
        Spec::From { start, end } => {
            if start >= len {
                return RangeOutcome::Unsatisfiable;
            }
            let end = end.map_or(len - 1, |e| e.min(len - 1));
            RangeOutcome::Partial { start, end }
        }
        Spec::Suffix(n) => {
            if n == 0 || len == 0 {
                return RangeOutcome::Unsatisfiable;
            }
            RangeOutcome::Partial {
                start: len.saturating_sub(n),
                end: len - 1,
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spec {
    /// `start-` or `start-end`.
    From { start: u64, end: Option<u64> },
    /// `-n`: the last n bytes.
    Suffix(u64),
}

/// Parse `bytes=<one range>`; `None` for anything we ignore.
fn parse_single(header: &str) -> Option<Spec> {
    let (unit, set) = header.trim().split_once('=')?;
    if !unit.trim().eq_ignore_ascii_case("bytes") {
        return None;
    }
    let set = set.trim();
    if set.contains(',') {
        return None;
    }
    let (first, last) = set.split_once('-')?;
    let (first, last) = (first.trim(), last.trim());
    if first.is_empty() {
        return Some(Spec::Suffix(digits(last)?));
    }
    let start = digits(first)?;
    if last.is_empty() {
        return Some(Spec::From { start, end: None });
    }
    let end = digits(last)?;
    // RFC 9110: a range whose last position is before its first is invalid,
    // which makes the whole header ignorable.
    (end >= start).then_some(Spec::From {
        start,
        end: Some(end),
    })
}

/// Strict decimal digits (no sign, no spaces inside); overflow is invalid.
fn digits(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::RangeOutcome::*;
    use super::*;

    #[test]
    fn no_header_or_ignored_header_sends_everything() {
        assert_eq!(resolve(None, 100), Full);
        for h in [
            "items=0-5",
            "bytes=0-1,5-6",
            "bytes=",
            "bytes=-",
            "bytes=a-b",
            "bytes=5-2",
            "bytes=+1-2",
            "bytes=99999999999999999999999-",
            "0-5",
        ] {
            assert_eq!(resolve(Some(h), 100), Full, "{h}");
        }
    }

    #[test]
    fn bounded_and_open_ranges() {
        assert_eq!(
            resolve(Some("bytes=0-0"), 100),
            Partial { start: 0, end: 0 }
        );
        assert_eq!(
            resolve(Some("bytes=10-19"), 100),
            Partial { start: 10, end: 19 }
        );
        assert_eq!(
            resolve(Some("bytes=90-"), 100),
            Partial { start: 90, end: 99 }
        );
        assert_eq!(
            resolve(Some("BYTES = 0-"), 100),
            Partial { start: 0, end: 99 }
        );
        // An end past the file is clamped, not refused.
        assert_eq!(
            resolve(Some("bytes=50-1000"), 100),
            Partial { start: 50, end: 99 }
        );
        assert_eq!(
            resolve(Some("bytes=99-99"), 100),
            Partial { start: 99, end: 99 }
        );
    }

    #[test]
    fn suffix_ranges() {
        assert_eq!(
            resolve(Some("bytes=-10"), 100),
            Partial { start: 90, end: 99 }
        );
        assert_eq!(
            resolve(Some("bytes=-500"), 100),
            Partial { start: 0, end: 99 }
        );
        assert_eq!(resolve(Some("bytes=-0"), 100), Unsatisfiable);
    }

    #[test]
    fn starts_at_or_past_the_end_are_unsatisfiable() {
        assert_eq!(resolve(Some("bytes=100-"), 100), Unsatisfiable);
        assert_eq!(resolve(Some("bytes=100-200"), 100), Unsatisfiable);
        assert_eq!(resolve(Some("bytes=0-"), 0), Unsatisfiable);
        assert_eq!(resolve(Some("bytes=-5"), 0), Unsatisfiable);
        assert_eq!(resolve(None, 0), Full);
    }

    #[test]
    fn body_lengths() {
        assert_eq!(Full.body_len(100), 100);
        assert_eq!(Partial { start: 10, end: 19 }.body_len(100), 10);
        assert_eq!(Unsatisfiable.body_len(100), 0);
    }

    #[test]
    fn every_partial_lies_inside_the_file() {
        // Exhaustive over small files and positions: no outcome may point
        // outside the file, whatever the request.
        for len in 0..20u64 {
            for a in 0..25u64 {
                for b in 0..25u64 {
                    for h in [
                        format!("bytes={a}-{b}"),
                        format!("bytes={a}-"),
                        format!("bytes=-{b}"),
                    ] {
                        if let Partial { start, end } = resolve(Some(&h), len) {
                            assert!(start <= end && end < len, "{h} len={len}");
                        }
                    }
                }
            }
        }
    }
}
