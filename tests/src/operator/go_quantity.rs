//! A resource quantity as Go's `k8s.io/apimachinery/pkg/api/resource`
//! Quantity decodes and re-encodes it: the upstream operator's typed update
//! writes every quantity of `spec.resources` back in canonical form (`0.5`
//! becomes `"500m"`, `1.5Gi` becomes `"1536Mi"`, the number `2` becomes the
//! string `"2"`), and refuses an object holding a malformed one.
//!
//! Reproduced from that package's documented format (see the `Quantity`
//! description in any CRD schema): a signed decimal number with a binary-SI
//! (`Ki`..`Ei`), decimal-SI (`n`..`E`) or decimal-exponent (`e3`) suffix,
//! rounded up to a multiple of 1n, capped at 2^63-1 (binary-SI only), and
//! canonical form = no fractional digits, the largest exponent (a multiple
//! of 3, or a power of 1024 for binary-SI values of at least 1Ki) without
//! losing precision. A string already canonical is kept as written, as Go
//! keeps it (so `+1` and `1E3` stay). Checked against apimachinery v0.33.13
//! (`resource.ParseQuantity(s).String()`, built with Go 1.26) on the values
//! in this file's tests.
//!
//! Not reproduced: values whose digits overflow 128 bits are kept as
//! written. A JSON number reaches this through serde_json's f64, so `1e3`
//! written as a bare number becomes `"1k"` here but `"1e3"` in Go.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A quantity in Go's canonical form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoQuantity(String);

impl GoQuantity {
    /// Parses `text` the way Go does (surrounding whitespace ignored) and
    /// keeps its canonical form.
    pub fn parse(text: &str) -> Result<GoQuantity, QuantityError> {
        canonical(text.trim()).map(GoQuantity)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What Go's `ParseQuantity` refuses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuantityError(String);

impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a Kubernetes quantity: {:?}", self.0)
    }
}

impl std::error::Error for QuantityError {}

impl Serialize for GoQuantity {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for GoQuantity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<GoQuantity, D::Error> {
        struct QuantityVisitor;
        impl Visitor<'_> for QuantityVisitor {
            type Value = GoQuantity;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a quantity string or number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<GoQuantity, E> {
                GoQuantity::parse(v).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<GoQuantity, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<GoQuantity, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<GoQuantity, E> {
                self.visit_str(&v.to_string())
            }
        }
        deserializer.deserialize_any(QuantityVisitor)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    DecimalSi,
    BinarySi,
    DecimalExponent,
}

/// A written quantity split into its parts.
struct Written<'a> {
    negative: bool,
    /// Digits before the point, leading zeros removed ("0" when none).
    whole: &'a str,
    /// Digits after the point, as written.
    fraction: &'a str,
    /// Power of `base` the suffix stands for.
    exponent: i32,
    base: u32,
    format: Format,
}

/// The largest value a binary-SI quantity holds: 2^63-1.
const MAX_BINARY: i128 = i64::MAX as i128;
/// Go keeps nine fractional digits at most (1n).
const NANO: i32 = -9;

fn canonical(text: &str) -> Result<String, QuantityError> {
    if text.is_empty() {
        return Err(QuantityError(text.to_string()));
    }
    let written = split(text).ok_or_else(|| QuantityError(text.to_string()))?;
    if written.whole.len() + written.fraction.len() > 38 {
        return Ok(text.to_string());
    }
    if kept_as_written(&written) {
        return Ok(text.to_string());
    }
    Ok(format_value(&written).unwrap_or_else(|| text.to_string()))
}

/// Go's reading: an optional sign, digits (none at all read as 0), an
/// optional point and digits, then a suffix it must recognise.
fn split(text: &str) -> Option<Written<'_>> {
    let (negative, rest) = match text.as_bytes()[0] {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let rest = rest.trim_start_matches('0');
    let whole_len = rest.bytes().take_while(u8::is_ascii_digit).count();
    let whole = if whole_len == 0 {
        "0"
    } else {
        &rest[..whole_len]
    };
    let mut rest = &rest[whole_len..];
    let mut fraction = "";
    if let Some(after_point) = rest.strip_prefix('.') {
        let fraction_len = after_point.bytes().take_while(u8::is_ascii_digit).count();
        fraction = &after_point[..fraction_len];
        rest = &after_point[fraction_len..];
    }
    let (base, exponent, format) = suffix(rest)?;
    Some(Written {
        negative,
        whole,
        fraction,
        exponent,
        base,
        format,
    })
}

fn suffix(text: &str) -> Option<(u32, i32, Format)> {
    let decimal = |exponent| Some((10, exponent, Format::DecimalSi));
    let binary = |exponent| Some((2, exponent, Format::BinarySi));
    match text {
        "" => decimal(0),
        "n" => decimal(-9),
        "u" => decimal(-6),
        "m" => decimal(-3),
        "k" => decimal(3),
        "M" => decimal(6),
        "G" => decimal(9),
        "T" => decimal(12),
        "P" => decimal(15),
        "E" => decimal(18),
        "Ki" => binary(10),
        "Mi" => binary(20),
        "Gi" => binary(30),
        "Ti" => binary(40),
        "Pi" => binary(50),
        "Ei" => binary(60),
        _ if text.len() > 1 && (text.starts_with('e') || text.starts_with('E')) => {
            let exponent: i32 = text[1..].parse().ok()?;
            Some((10, exponent, Format::DecimalExponent))
        }
        _ => None,
    }
}

/// Go keeps the string as written when it takes its 64-bit path and the
/// digits are already canonical: at a multiple of 3 without a leading zero
/// or a removable `000` (decimal), or a mantissa not divisible by 8
/// (binary). Hence `0001`, `5.`, `+1` and `1E3` stay as they are.
fn kept_as_written(written: &Written<'_>) -> bool {
    let digits = format!("{}{}", written.whole, written.fraction);
    match written.format {
        Format::DecimalSi | Format::DecimalExponent => {
            let scale = written.exponent - written.fraction.len() as i32;
            digits.len() <= 18
                && scale >= NANO
                && scale % 3 == 0
                && !digits.ends_with("000")
                && !digits.starts_with('0')
        }
        Format::BinarySi => {
            let precision = 15 - written.whole.len() as i32 - (written.exponent * 3 / 10) - 1;
            if !written.fraction.is_empty() || precision < 0 {
                return false;
            }
            written.whole.parse::<i64>().is_ok_and(|value| {
                value & 0x07 != 0 && value.checked_mul(1 << written.exponent).is_some()
            })
        }
    }
}

/// The canonical text, or None when the value overflows 128 bits.
fn format_value(written: &Written<'_>) -> Option<String> {
    // |value| = mantissa * 10^scale, exactly.
    let digits = format!("{}{}", written.whole, written.fraction);
    let mut mantissa: i128 = digits.parse().ok()?;
    let mut scale = -(written.fraction.len() as i32);
    if written.base == 10 {
        scale += written.exponent;
    } else {
        mantissa = mantissa.checked_mul(1i128.checked_shl(written.exponent as u32)?)?;
    }
    if mantissa == 0 {
        return Some("0".to_string());
    }
    if scale < NANO {
        mantissa = divide_rounding_up(mantissa, NANO - scale);
        scale = NANO;
    }
    if written.format == Format::BinarySi && exceeds_max(mantissa, scale) {
        mantissa = MAX_BINARY;
        scale = 0;
    }
    let sign = if written.negative { "-" } else { "" };
    let integer = integer_value(mantissa, scale);
    let format = match (written.format, integer) {
        (Format::BinarySi, Some(value)) if value >= 1024 => Format::BinarySi,
        (Format::BinarySi, _) => Format::DecimalSi,
        (other, _) => other,
    };
    if format == Format::BinarySi {
        let (number, power) = remove_factors(integer?, 1024);
        let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"].get(power as usize)?;
        return Some(format!("{sign}{number}{suffix}"));
    }
    let (mut number, removed) = remove_factors(mantissa, 10);
    let mut exponent = scale + removed as i32;
    match exponent % 3 {
        1 | -2 => {
            number = number.checked_mul(10)?;
            exponent -= 1;
        }
        2 | -1 => {
            number = number.checked_mul(100)?;
            exponent -= 2;
        }
        _ => {}
    }
    let suffix = match format {
        Format::DecimalExponent if exponent == 0 => String::new(),
        Format::DecimalExponent => format!("e{exponent}"),
        // Beyond `E` Go has no suffix and writes the bare mantissa.
        _ => decimal_suffix(exponent).unwrap_or_default().to_string(),
    };
    Some(format!("{sign}{number}{suffix}"))
}

fn decimal_suffix(exponent: i32) -> Option<&'static str> {
    Some(match exponent {
        -9 => "n",
        -6 => "u",
        -3 => "m",
        0 => "",
        3 => "k",
        6 => "M",
        9 => "G",
        12 => "T",
        15 => "P",
        18 => "E",
        _ => return None,
    })
}

/// `mantissa / 10^places`, rounded away from zero (Go rounds a too precise
/// request up, so that asking for a little never yields nothing).
fn divide_rounding_up(mantissa: i128, places: i32) -> i128 {
    match 10i128.checked_pow(places as u32) {
        Some(divisor) => mantissa / divisor + i128::from(mantissa % divisor != 0),
        None => 1,
    }
}

fn exceeds_max(mantissa: i128, scale: i32) -> bool {
    if scale >= 0 {
        10i128
            .checked_pow(scale as u32)
            .and_then(|factor| mantissa.checked_mul(factor))
            .is_none_or(|value| value > MAX_BINARY)
    } else {
        10i128
            .checked_pow((-scale) as u32)
            .and_then(|factor| MAX_BINARY.checked_mul(factor))
            .is_some_and(|limit| mantissa > limit)
    }
}

/// `mantissa * 10^scale` when it is a whole number.
fn integer_value(mantissa: i128, scale: i32) -> Option<i128> {
    if scale >= 0 {
        mantissa.checked_mul(10i128.checked_pow(scale as u32)?)
    } else {
        let divisor = 10i128.checked_pow((-scale) as u32)?;
        (mantissa % divisor == 0).then_some(mantissa / divisor)
    }
}

fn remove_factors(mut value: i128, base: i128) -> (i128, u32) {
    let mut times = 0;
    while value != 0 && value % base == 0 {
        value /= base;
        times += 1;
    }
    (value, times)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Inputs and what Go's `resource.MustParse(input).String()` gave
    /// (apimachinery v0.33.13, Go 1.24).
    const GO_CANONICAL: &[(&str, &str)] = &[
        ("0", "0"),
        ("1", "1"),
        ("2", "2"),
        ("+1", "+1"),
        ("-1", "-1"),
        ("0.5", "500m"),
        (".5", "500m"),
        ("5.", "5."),
        ("1.5", "1500m"),
        ("1500m", "1500m"),
        ("2000m", "2"),
        ("1000", "1k"),
        ("1500", "1500"),
        ("1e3", "1e3"),
        ("1E3", "1E3"),
        ("5e0", "5e0"),
        ("1.5e3", "1500"),
        ("1e-3", "1e-3"),
        ("1.5e-3", "1500e-6"),
        ("1k", "1k"),
        ("10k", "10k"),
        ("1000k", "1M"),
        ("1Gi", "1Gi"),
        ("1.5Gi", "1536Mi"),
        ("0.5Gi", "512Mi"),
        ("512Mi", "512Mi"),
        ("1024Mi", "1Gi"),
        ("8Gi", "8Gi"),
        ("1024", "1024"),
        ("1023", "1023"),
        ("2048", "2048"),
        ("1000Ki", "1000Ki"),
        ("1.5Ki", "1536"),
        ("0.5Ki", "512"),
        ("100Mi", "100Mi"),
        ("0.1m", "100u"),
        ("1n", "1n"),
        ("0.1n", "1n"),
        ("1u", "1u"),
        ("100u", "100u"),
        ("1234567890123", "1234567890123"),
        ("9223372036854775807", "9223372036854775807"),
        ("9223372036854775808", "9223372036854775808"),
        ("99999999999999999999", "99999999999999999999"),
        ("1E", "1E"),
        ("-1Gi", "-1Gi"),
        ("-0.5", "-500m"),
        ("-1500m", "-1500m"),
        ("0001", "0001"),
        ("00.5", "500m"),
        ("0.000000001", "1n"),
        ("1.0000000001", "1000000001n"),
        ("7Ei", "7Ei"),
        ("8Ei", "9223372036854775807"),
        ("1e19", "10e18"),
        ("1e18", "1e18"),
        ("12e3", "12e3"),
        ("120k", "120k"),
        ("1200", "1200"),
        ("1M", "1M"),
        ("1000M", "1G"),
        ("1.5M", "1500k"),
        ("3.14159", "3141590u"),
        ("+0.5", "500m"),
        ("-0", "0"),
        ("+5e0", "+5e0"),
        ("4096Mi", "4Gi"),
        ("1Ki", "1Ki"),
        ("3Ki", "3Ki"),
        ("8Ki", "8Ki"),
        ("100e-3", "100e-3"),
        ("1e-9", "1e-9"),
        ("1e-10", "1e-9"),
        (".", "0"),
        ("e3", "0"),
        ("-", "0"),
        ("0.500", "500m"),
        ("0.0", "0"),
        ("00", "0"),
        ("0.050", "50m"),
        ("+", "0"),
        ("E", "0"),
        ("Mi", "0"),
        ("-.5", "-500m"),
        ("0e3", "0"),
        ("1.000", "1"),
        ("100.0", "100"),
        ("-0.0001n", "-1n"),
        ("1.5Ei", "1536Pi"),
        ("0.1Ki", "102400m"),
        ("1000000000000000000000", "1"),
        ("1000E", "1"),
        ("9223372036854775807000m", "9223372036854775807"),
        ("10.5k", "10500"),
        ("0010k", "0010k"),
        ("00100", "00100"),
        ("0100m", "0100m"),
        ("-8Ei", "-9223372036854775807"),
        ("9Ei", "9223372036854775807"),
        ("1024.0", "1024"),
        ("1024.5", "1024500m"),
        ("05Ki", "05Ki"),
        ("010Ki", "010Ki"),
        ("1.Ki", "1.Ki"),
        ("2e1", "20"),
        ("12345e-2", "123450e-3"),
        ("1e+3", "1e+3"),
        ("64Gi", "64Gi"),
        ("250m", "250m"),
        ("4Gi", "4Gi"),
        ("16Gi", "16Gi"),
        ("2", "2"),
        ("1.5Mi", "1536Ki"),
        (
            "123456789012345678901234567890",
            "123456789012345678901234567890",
        ),
    ];

    #[test]
    fn matches_go() {
        for (input, expected) in GO_CANONICAL {
            assert_eq!(
                GoQuantity::parse(input).map(|q| q.0),
                Ok(expected.to_string()),
                "{input}"
            );
        }
    }

    #[test]
    fn refuses_what_go_refuses() {
        for input in ["", "abc", "1x", "1.2.3", "1e", "--1", "1ke3", "1 k", "1Kib"] {
            assert!(GoQuantity::parse(input).is_err(), "{input}");
        }
    }

    #[test]
    fn numbers_become_strings() {
        let q: GoQuantity = serde_json::from_value(serde_json::json!(2)).unwrap();
        assert_eq!(serde_json::to_value(&q).unwrap(), serde_json::json!("2"));
        let q: GoQuantity = serde_json::from_value(serde_json::json!(0.5)).unwrap();
        assert_eq!(q.as_str(), "500m");
    }
}
