//! Ethereum addresses: `0x` + 40 hex digits, with the EIP-55 checksum checked
//! when the address mixes upper and lower case (a mixed-case address claims
//! to carry a checksum, so a wrong one is almost always a typo).

use sha3::{Digest, Keccak256};

/// Checks an address; `Err` says what is wrong and what is expected.
pub fn check_address(address: &str) -> Result<(), String> {
    let Some(hex) = address.strip_prefix("0x") else {
        return Err(format!(
            "{address:?} is not an Ethereum address: expected 0x followed by 40 hex characters"
        ));
    };
    if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "{address:?} is not an Ethereum address: expected 0x followed by 40 hex characters, got {} after 0x",
            describe_body(hex)
        ));
    }
    let has_upper = hex.bytes().any(|b| b.is_ascii_uppercase());
    let has_lower = hex.bytes().any(|b| b.is_ascii_lowercase());
    if has_upper && has_lower {
        let expected = checksummed(hex);
        if expected[2..] != *hex {
            return Err(format!(
                "{address:?} has an invalid EIP-55 checksum: expected {expected}, or write it all in lower case"
            ));
        }
    }
    Ok(())
}

/// The EIP-55 spelling of a 40-hex-digit address body, with `0x`.
pub fn checksummed(hex: &str) -> String {
    let lower = hex.to_ascii_lowercase();
    let hash = Keccak256::digest(lower.as_bytes());
    let mut out = String::with_capacity(42);
    out.push_str("0x");
    for (i, c) in lower.chars().enumerate() {
        let byte = hash[i / 2];
        let nibble = if i % 2 == 0 { byte >> 4 } else { byte & 0x0f };
        if c.is_ascii_alphabetic() && nibble >= 8 {
            out.push(c.to_ascii_uppercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn describe_body(hex: &str) -> String {
    if hex.chars().all(|c| c.is_ascii_hexdigit()) {
        format!("{} characters", hex.chars().count())
    } else {
        "non-hex characters".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_lower_upper_and_checksummed() {
        assert_eq!(
            check_address("0x1234567890abcdef1234567890abcdef12345678"),
            Ok(())
        );
        assert_eq!(
            check_address("0x1234567890ABCDEF1234567890ABCDEF12345678"),
            Ok(())
        );
        // Anvil's first deployment address, as the Helm chart's example writes it.
        assert_eq!(
            check_address("0x5FbDB2315678afecb367f032d93F642f64180aa3"),
            Ok(())
        );
        // The EIP-55 specification's own vectors.
        for vector in [
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
            "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
            "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
        ] {
            assert_eq!(check_address(vector), Ok(()), "{vector}");
        }
    }

    #[test]
    fn rejects_a_bad_checksum_and_names_the_right_one() {
        let err = check_address("0x5FbDB2315678afecb367f032d93F642f64180aA3").unwrap_err();
        assert!(err.contains("EIP-55"), "{err}");
        assert!(
            err.contains("0x5FbDB2315678afecb367f032d93F642f64180aa3"),
            "{err}"
        );
    }

    #[test]
    fn rejects_wrong_shapes() {
        for bad in [
            "",
            "0x",
            "0x...",
            "1234567890abcdef1234567890abcdef12345678",
            "0x1234",
            "0xZZ34567890abcdef1234567890abcdef12345678",
        ] {
            let err = check_address(bad).unwrap_err();
            assert!(
                err.contains("expected 0x followed by 40 hex characters"),
                "{bad}: {err}"
            );
        }
    }
}
