//! Go's reading of a quantity's text and its canonical writing, step by
//! step: split into sign, digits and suffix; keep the text when Go would;
//! otherwise the exact value, rounded up to 1n, written with the largest
//! exponent that loses nothing.

use super::QuantityError;

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

pub(super) fn canonical(text: &str) -> Result<String, QuantityError> {
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
