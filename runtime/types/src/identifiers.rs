//! Identifier checks, one implementation for runtime, gateway and CLI.
//!
//! - **Unified social credit code** (统一社会信用代码, GB 32100-2015): 18 characters from
//!   the 31-symbol alphabet `0-9A-HJ-NPQRTUWXY` (no I, O, S, V, Z); characters 3-8 are
//!   the administrative division code (digits); the 18th is a check character: with
//!   weights `3^i mod 31`, `check = 31 - (Σ value·weight mod 31)`, 31 mapping to 0.
//! - **Resident ID number** (居民身份证号码, GB 11643-1999): 17 digits and a check
//!   character (ISO 7064 MOD 11-2, weights `2^(17-i) mod 11`, `X` for 10); characters
//!   7-14 are a real calendar date of birth (year 1900 or later).

use crate::error::TypesError;

const CREDIT_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const RESIDENT_CHECK: &[u8; 11] = b"10X98765432";

/// Validates a unified social credit code; returns the canonical (upper-case) form.
pub fn check_credit_code(code: &str) -> Result<String, TypesError> {
    let err = |reason: String| TypesError::InvalidCreditCode {
        code: code.to_string(),
        reason,
    };
    let upper = code.trim().to_ascii_uppercase();
    let bytes = upper.as_bytes();
    if bytes.len() != 18 {
        return Err(err(format!(
            "must be 18 characters, found {}",
            upper.chars().count()
        )));
    }
    let mut values = [0usize; 18];
    for (i, b) in bytes.iter().enumerate() {
        values[i] = CREDIT_ALPHABET.iter().position(|c| c == b).ok_or_else(|| {
            err(format!(
                "character {} ({:?}) is not allowed",
                i + 1,
                *b as char
            ))
        })?;
    }
    if let Some(i) = (2..8).find(|&i| !bytes[i].is_ascii_digit()) {
        return Err(err(format!(
            "character {} must be a digit of the administrative division code",
            i + 1
        )));
    }
    let expected = credit_check_char(&bytes[..17]).ok_or_else(|| err("bad character".into()))?;
    if bytes[17] != expected {
        return Err(err(format!(
            "check character is {:?}, expected {:?}",
            bytes[17] as char, expected as char
        )));
    }
    Ok(upper)
}

/// The check character for the first 17 characters of a credit code, if they are in the alphabet.
pub fn credit_check_char(first17: &[u8]) -> Option<u8> {
    let mut sum = 0usize;
    let mut weight = 1usize;
    for b in first17.iter().take(17) {
        let v = CREDIT_ALPHABET.iter().position(|c| c == b)?;
        sum += v * weight;
        weight = weight * 3 % 31;
    }
    Some(CREDIT_ALPHABET[(31 - sum % 31) % 31])
}

/// Completes 17 valid characters into a full credit code (for sample data and tests).
pub fn complete_credit_code(first17: &str) -> Option<String> {
    let c = credit_check_char(first17.as_bytes())?;
    (first17.len() == 17).then(|| format!("{first17}{}", c as char))
}

/// Validates an 18-digit resident ID number; returns the canonical (upper-case) form.
pub fn check_resident_id(id: &str) -> Result<String, TypesError> {
    let err = |reason: String| TypesError::InvalidResidentId {
        id: id.to_string(),
        reason,
    };
    let upper = id.trim().to_ascii_uppercase();
    let bytes = upper.as_bytes();
    if bytes.len() != 18 {
        return Err(err(format!(
            "must be 18 characters, found {}",
            upper.chars().count()
        )));
    }
    if let Some(i) = (0..17).find(|&i| !bytes[i].is_ascii_digit()) {
        return Err(err(format!("character {} must be a digit", i + 1)));
    }
    let digit = |r: std::ops::Range<usize>| -> u32 {
        bytes[r]
            .iter()
            .fold(0, |acc, b| acc * 10 + u32::from(b - b'0'))
    };
    let (y, m, d) = (digit(6..10), digit(10..12), digit(12..14));
    if y < 1900 || !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return Err(err(format!(
            "{y:04}-{m:02}-{d:02} is not a valid date of birth"
        )));
    }
    let expected = resident_check_char(&bytes[..17]);
    if bytes[17] != expected {
        return Err(err(format!(
            "check character is {:?}, expected {:?}",
            bytes[17] as char, expected as char
        )));
    }
    Ok(upper)
}

/// ISO 7064 MOD 11-2 check character over 17 ASCII digits.
pub fn resident_check_char(first17: &[u8]) -> u8 {
    let mut sum = 0u32;
    let mut weight = 1u32; // 2^(17-i) mod 11, computed from the right
    let mut weights = [0u32; 17];
    for w in weights.iter_mut().rev() {
        weight = weight * 2 % 11;
        *w = weight;
    }
    for (b, w) in first17.iter().zip(weights) {
        sum += u32::from(b.wrapping_sub(b'0')) * w;
    }
    RESIDENT_CHECK[(sum % 11) as usize]
}

/// Completes 17 digits into a full resident ID number (for sample data and tests).
pub fn complete_resident_id(first17: &str) -> String {
    format!(
        "{first17}{}",
        resident_check_char(first17.as_bytes()) as char
    )
}

/// The keyed hash under which the ledger knows a person or a company (the data subject of
/// a delivered row): HMAC-SHA256 with the consortium's subject key over a domain tag and
/// the canonical identifier. The raw number never goes on chain; whoever holds the key
/// (the member nodes) can answer "who accessed my data" for a number presented to it.
pub fn subject_hash(key: &[u8; 32], identifier: &str) -> Result<crate::Hash, TypesError> {
    let canonical = check_resident_id(identifier).or_else(|_| check_credit_code(identifier))?;
    let msg = [b"kuai/subject/v1\0".as_slice(), canonical.as_bytes()].concat();
    Ok(crate::Hash(crate::masking::hmac_sha256(key, &msg)))
}

/// Days in a month of the proleptic Gregorian calendar.
pub fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_credit_codes_pass() {
        for code in [
            "9144030071526726XG",
            "91330100799655058B",
            "91110000600037341L",
            "91350100M000100Y43",
        ] {
            assert_eq!(check_credit_code(code).unwrap(), code);
        }
        assert_eq!(
            check_credit_code("9144030071526726xg").unwrap(),
            "9144030071526726XG"
        );
    }

    #[test]
    fn bad_credit_codes_fail_with_reason() {
        let wrong_check = check_credit_code("9144030071526726XA")
            .unwrap_err()
            .to_string();
        assert!(wrong_check.contains("expected 'G'"), "{wrong_check}");
        assert!(check_credit_code("9144030071526726X")
            .unwrap_err()
            .to_string()
            .contains("18 characters"));
        assert!(check_credit_code("9144030071526726IG")
            .unwrap_err()
            .to_string()
            .contains("not allowed"));
        assert!(check_credit_code("91A4030071526726XG")
            .unwrap_err()
            .to_string()
            .contains("division"));
    }

    #[test]
    fn every_single_character_change_of_a_credit_code_is_caught() {
        let code = b"91330100799655058B";
        for pos in 0..18 {
            for &c in CREDIT_ALPHABET.iter().filter(|&&c| c != code[pos]) {
                let mut changed = *code;
                changed[pos] = c;
                let s = String::from_utf8(changed.to_vec()).unwrap();
                assert!(check_credit_code(&s).is_err(), "{s} passed");
            }
        }
    }

    #[test]
    fn resident_ids() {
        assert_eq!(
            check_resident_id("11010519491231002x").unwrap(),
            "11010519491231002X"
        );
        assert!(check_resident_id("110105194912310021")
            .unwrap_err()
            .to_string()
            .contains("expected 'X'"));
        let bad_date = complete_resident_id("11010519490230002");
        assert!(check_resident_id(&bad_date)
            .unwrap_err()
            .to_string()
            .contains("1949-02-30"));
        let leap = complete_resident_id("11010520000229002");
        assert!(check_resident_id(&leap).is_ok());
        let not_leap = complete_resident_id("11010519000229002");
        assert!(check_resident_id(&not_leap).is_err());
        assert!(check_resident_id("1101051949123100").is_err());
        assert!(check_resident_id("1101051949A231002X").is_err());
    }

    #[test]
    fn completion_helpers_produce_valid_identifiers() {
        let c = complete_credit_code("11110000MB0123456").unwrap();
        assert!(check_credit_code(&c).is_ok());
        assert!(complete_credit_code("11110000MB012345O").is_none());
    }
}
