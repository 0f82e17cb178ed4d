//! Resource quantities (`500m`, `4Gi`, `1e3`), parsed exactly so that
//! requests and limits can be compared without floating-point surprises.

use super::split_once_byte;

/// A parsed quantity in billionths of the unit. Kubernetes keeps quantities
/// to three decimal places, so nano-units hold every value exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Quantity {
    nanos: i128,
}

impl Quantity {
    pub fn from_units(units: i64) -> Self {
        Quantity {
            nanos: i128::from(units) * 1_000_000_000,
        }
    }
}

const EXPECTED: &str = "expected a number with an optional suffix, e.g. 500m, 2, 4Gi, 1.5G or 1e3";

/// Parses a quantity; `Err` says what is wrong and what is expected.
pub fn parse(text: &str) -> Result<Quantity, String> {
    let invalid = || format!("{text:?} is not a valid quantity; {EXPECTED}");
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let number_len = unsigned
        .bytes()
        .position(|b| !(b.is_ascii_digit() || b == b'.'))
        .unwrap_or(unsigned.len());
    let (number, suffix) = unsigned.split_at(number_len);
    let (whole, fraction) = split_once_byte(number, b'.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty() || fraction.bytes().any(|b| b == b'.') {
        return Err(invalid());
    }

    // The digits of whole and fraction as one number, leading zeros aside,
    // read in place: every request's quantities are parsed, and a string
    // per quantity showed in the profile.
    let mut significant = 0;
    let mut mantissa: i128 = 0;
    for digit in whole.bytes().chain(fraction.bytes()) {
        if significant == 0 && digit == b'0' {
            continue;
        }
        significant += 1;
        if significant > 30 {
            return Err(format!("{text:?} is too large to be a quantity"));
        }
        mantissa = mantissa * 10 + i128::from(digit - b'0');
    }
    let (power_of_ten, power_of_two) = suffix_scale(suffix).ok_or_else(invalid)?;
    let exponent = power_of_ten - i32::try_from(fraction.len()).map_err(|_| invalid())? + 9;

    let too_large = || format!("{text:?} is too large to be a quantity");
    let mut nanos = mantissa
        .checked_mul(1_i128.checked_shl(power_of_two).ok_or_else(too_large)?)
        .ok_or_else(too_large)?;
    if exponent >= 0 {
        let scale = 10_i128
            .checked_pow(exponent.unsigned_abs())
            .ok_or_else(too_large)?;
        nanos = nanos.checked_mul(scale).ok_or_else(too_large)?;
    } else {
        // Below a nano-unit: round up, as Kubernetes does for its smallest scale.
        let scale = 10_i128
            .checked_pow(exponent.unsigned_abs())
            .unwrap_or(i128::MAX);
        nanos = nanos / scale + i128::from(nanos % scale != 0);
    }
    Ok(Quantity {
        nanos: if negative { -nanos } else { nanos },
    })
}

/// Decimal and binary scale of a suffix: `k` is 10^3, `Ki` 2^10, `e3` 10^3.
fn suffix_scale(suffix: &str) -> Option<(i32, u32)> {
    let decimal = match suffix {
        "" => Some(0),
        "m" => Some(-3),
        "k" => Some(3),
        "M" => Some(6),
        "G" => Some(9),
        "T" => Some(12),
        "P" => Some(15),
        "E" => Some(18),
        _ => None,
    };
    if let Some(power) = decimal {
        return Some((power, 0));
    }
    let binary = match suffix {
        "Ki" => Some(10),
        "Mi" => Some(20),
        "Gi" => Some(30),
        "Ti" => Some(40),
        "Pi" => Some(50),
        "Ei" => Some(60),
        _ => None,
    };
    if let Some(power) = binary {
        return Some((0, power));
    }
    let exponent = suffix.strip_prefix(['e', 'E'])?;
    let unsigned = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) || unsigned.len() > 3 {
        return None;
    }
    Some((exponent.parse().ok()?, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(text: &str) -> Quantity {
        parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn equal_values_in_different_notations() {
        assert_eq!(q("1"), q("1000m"));
        assert_eq!(q("0.1"), q("100m"));
        assert_eq!(q("1k"), q("1e3"));
        assert_eq!(q("1Ki"), q("1024"));
        assert_eq!(q("1.5Gi"), q("1536Mi"));
        assert_eq!(q("2"), Quantity::from_units(2));
        assert_eq!(q(".5"), q("500m"));
        assert_eq!(q("+1"), q("1"));
    }

    #[test]
    fn orders_values() {
        assert!(q("2") < q("8"));
        assert!(q("4Gi") < q("16Gi"));
        assert!(q("999m") < q("1"));
        assert!(q("1G") < q("1Gi"));
        assert!(q("-1") < q("0"));
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "abc",
            "1.2.3",
            "1Gb",
            "1e",
            "1 Gi",
            "Gi",
            ".",
            "1e1000",
            "99999999999999999999999999999999999",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should not parse");
        }
    }

    /// Thirty significant digits are read, leading zeros not counted; one
    /// more is too large.
    #[test]
    fn thirty_significant_digits_at_most() {
        let thirty = "123456789012345678901234567890";
        assert_eq!(q(&format!("000{thirty}m")), q(&format!("{thirty}m")));
        assert_eq!(q(&format!("0.{thirty}")), q(&format!("{thirty}e-30")));
        let error = parse(&format!("{thirty}1m")).unwrap_err();
        assert!(error.contains("too large"), "{error}");
        assert_eq!(q("00.0"), q("0"));
        assert_eq!(q("0.5"), q("500m"));
    }
}
