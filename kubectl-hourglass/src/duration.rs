//! Durations as kubectl writes them: `30s`, `5m`, `1h30m`, `500ms`; a bare number is seconds.

use std::time::Duration;

pub fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration; expected e.g. 30s, 5m, 1h30m".to_string());
    }
    if let Ok(seconds) = text.parse::<u64>() {
        return Ok(Duration::from_secs(seconds));
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| format!("{text:?} has a number without a unit (ms, s, m, h)"))?;
        if digits == 0 {
            return Err(format!(
                "{text:?} is not a duration; expected e.g. 30s, 5m, 1h30m"
            ));
        }
        let number: f64 = rest[..digits]
            .parse()
            .map_err(|_| format!("{text:?} is not a duration; expected e.g. 30s, 5m, 1h30m"))?;
        let unit_end = rest[digits..]
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .map_or(rest.len(), |i| digits + i);
        let seconds_per_unit = match &rest[digits..unit_end] {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            unit => {
                return Err(format!(
                    "{text:?} has an unknown unit {unit:?}; expected ms, s, m or h"
                ));
            }
        };
        total += Duration::from_secs_f64(number * seconds_per_unit);
        rest = &rest[unit_end..];
    }
    Ok(total)
}

/// A short form for messages: `5m0s` style like Go's `time.Duration`.
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

    #[test]
    fn kubectl_durations() {
        assert_eq!(parse("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse("5m").unwrap(), Duration::from_secs(300));
        assert_eq!(parse("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse("0").unwrap(), Duration::ZERO);
        assert_eq!(parse("12").unwrap(), Duration::from_secs(12));
        assert!(parse("5x").unwrap_err().contains("unknown unit"));
        assert!(parse("m").is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn displays_like_go() {
        assert_eq!(display(Duration::from_secs(300)), "5m0s");
        assert_eq!(display(Duration::from_secs(42)), "42s");
        assert_eq!(display(Duration::from_secs(3723)), "1h2m3s");
    }
}
