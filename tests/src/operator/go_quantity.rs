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
//!
//! `canonical.rs` reads and rewrites the text; this file is the type the
//! stand-ins' Go-shaped structs hold.

mod canonical;

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use canonical::canonical;

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
