//! Durations the way kubectl takes them: Go's `time.ParseDuration`
//! (`500ms`, `10s`, `1m30s`, `1.5h`, `0`), plus a bare whole number meaning
//! seconds, as kubectl's `--request-timeout` accepts (client-go
//! `ParseTimeout`).
//!
//! Why Go's grammar: every duration our users already write (kubectl
//! flags, the apiserver's `?timeout=10s`, operator flags) is a Go duration,
//! so the webhook's flags and the plugin's take exactly those. A sequence
//! of `<number><unit>` with no spaces; numbers may have a fraction; units
//! `ns`, `us` (`µs`, `μs`), `ms`, `s`, `m`, `h`; at most Go's limit of
//! 2^63-1 nanoseconds (about 292 years). Two differences, both because a
//! `std::time::Duration` is what comes out: a negative duration is refused
//! (`-0` and `-0s` are zero, as in Go), and surrounding whitespace is
//! ignored (an environment variable with a trailing newline is no typo).
//!
//! No crate parses exactly this: humantime takes spaces, days and months
//! but no fractions.

use std::time::Duration;

const EXAMPLES: &str = "e.g. 500ms, 10s, 1m30s or 1h";

/// Go's largest duration in nanoseconds (`math.MaxInt64`).
const MAX_NANOS: u64 = i64::MAX as u64;

const NANOS_PER_SECOND: u64 = 1_000_000_000;

/// Parses a Go duration or a whole number of seconds; `Err` says what is
/// wrong and what is expected.
pub fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("empty duration; expected {EXAMPLES}"));
    }
    // kubectl's bare number: seconds (client-go's ParseTimeout).
    let digits = text.strip_prefix('+').unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return digits
            .parse::<u64>()
            .ok()
            .and_then(|seconds| seconds.checked_mul(NANOS_PER_SECOND))
            .filter(|&nanos| nanos <= MAX_NANOS)
            .map(Duration::from_nanos)
            .ok_or_else(|| too_long(text));
    }
    go_duration(text)
}

/// Go's `time.ParseDuration`, grammar `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, in
/// integer nanoseconds (a fraction is scaled in `f64` as Go does, which is
/// nanosecond-exact up to hours).
fn go_duration(text: &str) -> Result<Duration, String> {
    let invalid = || format!("{text:?} is not a duration; expected {EXAMPLES}");
    let (negative, mut rest) = match text.as_bytes()[0] {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Ok(Duration::ZERO);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: u64 = 0;
    while !rest.is_empty() {
        if !rest.starts_with(|c: char| c == '.' || c.is_ascii_digit()) {
            return Err(invalid());
        }
        let whole_len = leading_digits(rest);
        let whole = leading_int(&rest[..whole_len]).ok_or_else(|| too_long(text))?;
        rest = &rest[whole_len..];
        let mut fraction = 0;
        let mut scale = 1.0;
        let mut fraction_len = 0;
        if let Some(after_point) = rest.strip_prefix('.') {
            fraction_len = leading_digits(after_point);
            (fraction, scale) = leading_fraction(&after_point[..fraction_len]);
            rest = &after_point[fraction_len..];
        }
        if whole_len == 0 && fraction_len == 0 {
            // A point without digits: `.s`, `-.s`.
            return Err(invalid());
        }
        let unit_len = rest
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(rest.len());
        if unit_len == 0 {
            return Err(format!(
                "{text:?} has a number without a unit (ms, s, m, h); expected {EXAMPLES}"
            ));
        }
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let nanos_per_unit = unit_nanos(unit).ok_or_else(|| {
            format!("{text:?} has an unknown unit {unit:?}; expected ns, us, ms, s, m or h")
        })?;
        if whole > (1 << 63) / nanos_per_unit {
            return Err(too_long(text));
        }
        let mut span = whole * nanos_per_unit;
        if fraction > 0 {
            // Go's own arithmetic, so that `1.1s` is the same nanoseconds here.
            span += (fraction as f64 * (nanos_per_unit as f64 / scale)) as u64;
            if span > 1 << 63 {
                return Err(too_long(text));
            }
        }
        total = total
            .checked_add(span)
            .filter(|&total| total <= 1 << 63)
            .ok_or_else(|| too_long(text))?;
    }
    if negative && total > 0 {
        return Err(format!(
            "{text:?} is negative; a duration here is 0 or more"
        ));
    }
    if total > MAX_NANOS {
        return Err(too_long(text));
    }
    Ok(Duration::from_nanos(total))
}

fn too_long(text: &str) -> String {
    format!("{text:?} is longer than the longest duration, about 292 years")
}

fn leading_digits(text: &str) -> usize {
    text.find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len())
}

/// The value of `digits` (all ASCII digits), or `None` past 2^63 as in Go.
fn leading_int(digits: &str) -> Option<u64> {
    digits.bytes().try_fold(0u64, |value, digit| {
        let value = value
            .checked_mul(10)?
            .checked_add(u64::from(digit - b'0'))?;
        (value <= 1 << 63).then_some(value)
    })
}

/// The digits after a point as `fraction / scale`; digits beyond what a
/// u64 holds are dropped, as Go drops them (they are below a nanosecond).
fn leading_fraction(digits: &str) -> (u64, f64) {
    let mut fraction: u64 = 0;
    let mut scale = 1.0;
    for digit in digits.bytes() {
        let Some(next) = fraction
            .checked_mul(10)
            .and_then(|value| value.checked_add(u64::from(digit - b'0')))
            .filter(|&value| value <= 1 << 63)
        else {
            break;
        };
        fraction = next;
        scale *= 10.0;
    }
    (fraction, scale)
}

fn unit_nanos(unit: &str) -> Option<u64> {
    Some(match unit {
        "ns" => 1,
        // `µ` is U+00B5 (micro sign), `μ` U+03BC (Greek mu): Go takes both.
        "us" | "µs" | "μs" => 1_000,
        "ms" => 1_000_000,
        "s" => NANOS_PER_SECOND,
        "m" => 60 * NANOS_PER_SECOND,
        "h" => 3_600 * NANOS_PER_SECOND,
        _ => return None,
    })
}

/// A short form for messages, shaped like Go's `time.Duration` (`5m0s`,
/// `1h2m3s`, `42s`) but rounded for reading: whole seconds from 10s up,
/// tenths below (`2.5s`).
pub fn display(duration: Duration) -> String {
    let total = duration.as_secs();
    let (h, m, s) = (total / 3600, (total % 3600) / 60, total % 60);
    match (h, m) {
        (0, 0) if duration.subsec_millis() > 0 && total < 10 => {
            format!("{:.1}s", duration.as_secs_f64())
        }
        (0, 0) => format!("{s}s"),
        (0, _) => format!("{m}m{s}s"),
        _ => format!("{h}h{m}m{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(seconds: u64) -> Duration {
        Duration::from_secs(seconds)
    }

    #[test]
    fn single_units() {
        assert_eq!(parse("10s").unwrap(), secs(10));
        assert_eq!(parse("30s").unwrap(), secs(30));
        assert_eq!(parse("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse("2m").unwrap(), secs(120));
        assert_eq!(parse("5m").unwrap(), secs(300));
        assert_eq!(parse("1h").unwrap(), secs(3600));
        assert_eq!(parse("5h").unwrap(), secs(5 * 3600));
        assert_eq!(parse("7ns").unwrap(), Duration::from_nanos(7));
        assert_eq!(parse("3us").unwrap(), Duration::from_micros(3));
        assert_eq!(parse("3µs").unwrap(), Duration::from_micros(3));
        assert_eq!(parse("3μs").unwrap(), Duration::from_micros(3));
    }

    #[test]
    fn several_units_in_a_row() {
        assert_eq!(parse("1m30s").unwrap(), secs(90));
        assert_eq!(parse("1h30m").unwrap(), secs(5400));
        assert_eq!(
            parse("1h2m3s4ms").unwrap(),
            Duration::from_millis(3_723_004)
        );
        // Go adds them up in any order, repeats included.
        assert_eq!(parse("30s1m").unwrap(), secs(90));
        assert_eq!(parse("1s1s").unwrap(), secs(2));
    }

    #[test]
    fn fractions_as_in_go() {
        assert_eq!(parse("1.5h").unwrap(), secs(5400));
        assert_eq!(parse("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse(".5s").unwrap(), Duration::from_millis(500));
        assert_eq!(parse("5.s").unwrap(), secs(5));
        assert_eq!(parse("1.1s").unwrap(), Duration::from_nanos(1_100_000_000));
        // Digits below a nanosecond are dropped, not an error.
        assert_eq!(
            parse("0.1234567890123456789012s").unwrap(),
            Duration::from_nanos(123_456_789)
        );
        assert_eq!(parse("0.0000000009s").unwrap(), Duration::ZERO);
        // Go scales a fraction in f64; these are its results to the nanosecond.
        assert_eq!(
            parse("1.9999999999h").unwrap(),
            Duration::from_nanos(7_199_999_999_640)
        );
        assert_eq!(
            parse("59.99999999999m").unwrap(),
            Duration::from_nanos(3_599_999_999_999)
        );
    }

    #[test]
    fn zero_and_bare_seconds() {
        assert_eq!(parse("0").unwrap(), Duration::ZERO);
        assert_eq!(parse("-0").unwrap(), Duration::ZERO);
        assert_eq!(parse("0s").unwrap(), Duration::ZERO);
        assert_eq!(parse("-0s").unwrap(), Duration::ZERO);
        assert_eq!(parse("7").unwrap(), secs(7));
        assert_eq!(parse("12").unwrap(), secs(12));
        assert_eq!(parse("+12").unwrap(), secs(12));
        assert_eq!(parse("+1s").unwrap(), secs(1));
        assert_eq!(parse(" 10s\n").unwrap(), secs(10));
    }

    #[test]
    fn what_is_refused_and_why() {
        assert!(parse("").unwrap_err().contains("empty"));
        assert!(parse("  ").unwrap_err().contains("empty"));
        assert!(parse("ten").unwrap_err().contains("not a duration"));
        assert!(parse("m").is_err());
        assert!(parse("s5").is_err());
        assert!(parse(".s").is_err());
        assert!(parse("-.s").is_err());
        assert!(parse("+").is_err());
        assert!(parse("1.5").unwrap_err().contains("without a unit"));
        assert!(parse("1m30").unwrap_err().contains("without a unit"));
        assert!(parse("5x").unwrap_err().contains("unknown unit"));
        assert!(parse("5d").unwrap_err().contains("unknown unit \"d\""));
        assert!(parse("1 s").unwrap_err().contains("unknown unit \" s\""));
        assert!(parse("1S").unwrap_err().contains("unknown unit"));
        assert!(parse("-1s").unwrap_err().contains("negative"));
        assert!(parse("-3").is_err());
    }

    #[test]
    fn up_to_gos_limit() {
        assert_eq!(
            parse("2562047h47m16.854775807s").unwrap(),
            Duration::from_nanos(MAX_NANOS)
        );
        assert!(
            parse("2562047h47m16.854775808s")
                .unwrap_err()
                .contains("longest")
        );
        assert!(
            parse("9223372036854775808ns")
                .unwrap_err()
                .contains("longest")
        );
        assert!(parse("3000000h").unwrap_err().contains("longest"));
        assert!(
            parse("99999999999999999999s")
                .unwrap_err()
                .contains("longest")
        );
        assert_eq!(parse("9223372036").unwrap(), secs(9_223_372_036));
        assert!(parse("9223372037").unwrap_err().contains("longest"));
        assert!(
            parse("99999999999999999999")
                .unwrap_err()
                .contains("longest")
        );
    }

    #[test]
    fn displays_like_go() {
        assert_eq!(display(secs(300)), "5m0s");
        assert_eq!(display(secs(42)), "42s");
        assert_eq!(display(secs(3723)), "1h2m3s");
        assert_eq!(display(Duration::from_millis(2500)), "2.5s");
        assert_eq!(display(Duration::from_millis(12_500)), "12s");
        assert_eq!(display(Duration::ZERO), "0s");
    }
}
