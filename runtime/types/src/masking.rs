//! Masking rules (脱敏规则): how a field is transformed when it is delivered under a
//! grant. One implementation for the data gateway and (later) the policy contracts, so
//! these are pure functions: no I/O, no clock, no randomness, no floating point; the same
//! input always gives the same output on every machine.
//!
//! The rules, by [`MaskingRule`] variant (examples are exact outputs, see the tests):
//!
//! | rule | input | output | how |
//! |---|---|---|---|
//! | `none` | `云岩区` | `云岩区` | delivered as stored |
//! | `id_number` | `110105194912310021` | `110105********0021` | keep the 6-digit region code and the last 4 characters, one `*` per hidden character; a value of 10 characters or fewer is all stars |
//! | `name` | `张三`, `欧阳娜娜` | `张*`, `欧***` | keep the first character, one `*` per other character; a one-character value becomes `*` |
//! | `phone` | `13812345678` | `138****5678` | keep the first 3 and last 4 characters, one `*` per hidden character; 7 characters or fewer are all stars |
//! | `address` | `贵州省贵阳市云岩区中华北路1号` | `贵州省贵阳市云岩区` | cut after the district (区/县/旗, or a county-level 市) that follows the province and city; an address with no recognisable level is not delivered |
//! | `keyed_hash` | `E12345678` | 32 hex characters | HMAC-SHA256 under the grant's key ([`GrantMaskKey`]), first 16 bytes in hex: the same value gives the same pseudonym within one grant (so rows can be joined), different pseudonyms under different grants (so grantees cannot join across grants), and nothing without the gateway's secret |
//! | `generalize` | `1987-06-15`, `1987`, `34` | `1985-1989`, `1985-1989`, `30-39` | dates (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`, `YYYYMMDD`, `/` or `.` separators) become the 5-year band of their year; ages (0-150) the 10-year band, `90+` from 90 |
//! | `suppress` | anything | not delivered | |
//!
//! Fail closed: a value a rule cannot read (a date that is not a date, an address with
//! no district) is not delivered ([`mask`] returns `None`), never passed through raw.
//! An empty value stays empty under every rule but `suppress`.
//!
//! The per-grant key: `grant_key = HMAC-SHA256(gateway_secret, "kuai/mask/grant-key/v1\0" ||
//! grant_id as 8 big-endian bytes)`, where `gateway_secret` is 32 random bytes that the
//! provider's gateway keeps (never on chain). Pseudonym = `hex(HMAC-SHA256(grant_key,
//! value)[..16])`.

use std::borrow::Cow;

use sha2::{Digest, Sha256};

use crate::model::MaskingRule;

const BLOCK: usize = 64;

/// HMAC-SHA256 (RFC 2104) with precomputed inner and outer states, so each value costs
/// two SHA-256 finalizations and no key processing.
#[derive(Clone)]
pub struct HmacSha256 {
    inner: Sha256,
    outer: Sha256,
}

impl HmacSha256 {
    pub fn new(key: &[u8]) -> Self {
        let mut block = [0u8; BLOCK];
        if key.len() > BLOCK {
            block[..32].copy_from_slice(&Sha256::digest(key));
        } else {
            block[..key.len()].copy_from_slice(key);
        }
        let mut ipad = [0x36u8; BLOCK];
        let mut opad = [0x5cu8; BLOCK];
        for i in 0..BLOCK {
            ipad[i] ^= block[i];
            opad[i] ^= block[i];
        }
        let mut inner = Sha256::new();
        inner.update(ipad);
        let mut outer = Sha256::new();
        outer.update(opad);
        HmacSha256 { inner, outer }
    }

    pub fn mac(&self, msg: &[u8]) -> [u8; 32] {
        let mut inner = self.inner.clone();
        inner.update(msg);
        let mut outer = self.outer.clone();
        outer.update(inner.finalize());
        outer.finalize().into()
    }
}

/// One-shot HMAC-SHA256.
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    HmacSha256::new(key).mac(msg)
}

/// The keyed-hashing key of one grant, derived from the gateway's secret (see the module
/// docs). Holding it lets one compute pseudonyms of that grant only.
#[derive(Clone)]
pub struct GrantMaskKey {
    mac: HmacSha256,
}

impl GrantMaskKey {
    pub const DERIVE_TAG: &'static [u8] = b"kuai/mask/grant-key/v1\0";

    pub fn derive(gateway_secret: &[u8; 32], grant_id: u64) -> Self {
        let mut msg = Vec::with_capacity(Self::DERIVE_TAG.len() + 8);
        msg.extend_from_slice(Self::DERIVE_TAG);
        msg.extend_from_slice(&grant_id.to_be_bytes());
        GrantMaskKey {
            mac: HmacSha256::new(&hmac_sha256(gateway_secret, &msg)),
        }
    }

    /// The pseudonym of `value`: 32 lower-case hex characters.
    pub fn pseudonym(&self, value: &str) -> String {
        hex::encode(&self.mac.mac(value.as_bytes())[..16])
    }
}

/// Applies `rule` to `value`. `None`: the field is not delivered (suppressed, or a value
/// the rule cannot read).
pub fn mask<'a>(rule: MaskingRule, value: &'a str, key: &GrantMaskKey) -> Option<Cow<'a, str>> {
    if value.is_empty() {
        return (rule != MaskingRule::Suppress).then_some(Cow::Borrowed(""));
    }
    match rule {
        MaskingRule::None => Some(Cow::Borrowed(value)),
        MaskingRule::IdNumber => Some(Cow::Owned(keep_ends(value, 6, 4))),
        MaskingRule::Name => Some(Cow::Owned(mask_name(value))),
        MaskingRule::Phone => Some(Cow::Owned(keep_ends(value, 3, 4))),
        MaskingRule::Address => cut_to_district(value).map(Cow::Borrowed),
        MaskingRule::KeyedHash => Some(Cow::Owned(key.pseudonym(value))),
        MaskingRule::Generalize => generalize(value).map(Cow::Owned),
        MaskingRule::Suppress => None,
    }
}

/// Keeps the first `head` and last `tail` characters, one `*` for each in between; a value
/// with no character to hide is all stars.
fn keep_ends(value: &str, head: usize, tail: usize) -> String {
    let n = value.chars().count();
    if n <= head + tail {
        return "*".repeat(n);
    }
    let mut out = String::with_capacity(value.len());
    out.extend(value.chars().take(head));
    out.extend(std::iter::repeat_n('*', n - head - tail));
    out.extend(value.chars().skip(n - tail));
    out
}

/// `张三` → `张*`: the first character, then one `*` per other character.
pub fn mask_name(value: &str) -> String {
    let mut chars = value.chars();
    let n = value.chars().count();
    match (n, chars.next()) {
        (0, _) | (_, None) => String::new(),
        (1, _) => "*".into(),
        (_, Some(first)) => {
            let mut out = String::with_capacity(first.len_utf8() + n - 1);
            out.push(first);
            out.extend(std::iter::repeat_n('*', n - 1));
            out
        }
    }
}

/// Byte offset just after the first character of `set` in `s[from..]`.
fn after_first(s: &str, from: usize, set: &[char]) -> Option<usize> {
    s[from..]
        .char_indices()
        .find(|(_, c)| set.contains(c))
        .map(|(i, c)| from + i + c.len_utf8())
}

/// The address up to its district: province (`…省` or `…自治区`), city (`…市`/`…州`/`…盟`),
/// then the first `区`/`县`/`旗`/`市` after the city. With no district, the city; with
/// neither, `None`.
pub fn cut_to_district(address: &str) -> Option<&str> {
    let province_end = address
        .find("自治区")
        .map(|i| i + "自治区".len())
        .or_else(|| after_first(address, 0, &['省']))
        .unwrap_or(0);
    let city_end = after_first(address, province_end, &['市', '州', '盟']);
    let district_end = after_first(
        address,
        city_end.unwrap_or(province_end),
        &['区', '县', '旗', '市'],
    );
    district_end.or(city_end).map(|end| &address[..end])
}

/// A date's 5-year band (`1987-06-15` → `1985-1989`) or an age's 10-year band
/// (`34` → `30-39`, `93` → `90+`); `None` for anything else.
pub fn generalize(value: &str) -> Option<String> {
    let v = value.trim();
    let b = v.as_bytes();
    if !b.is_empty() && b.len() <= 3 && b.iter().all(u8::is_ascii_digit) {
        let age: u32 = v.parse().ok()?;
        return match age {
            0..=89 => Some(format!("{}-{}", age / 10 * 10, age / 10 * 10 + 9)),
            90..=150 => Some("90+".into()),
            _ => None,
        };
    }
    let year = date_year(b)?;
    let start = year - year % 5;
    Some(format!("{start:04}-{:04}", start + 4))
}

/// The year of `YYYY`, `YYYY-MM`, `YYYY-MM-DD` (separators `-`, `/`, `.`) or `YYYYMMDD`,
/// checking the month and day when present.
fn date_year(b: &[u8]) -> Option<u32> {
    let num = |s: &[u8]| -> Option<u32> {
        (!s.is_empty() && s.iter().all(u8::is_ascii_digit))
            .then(|| s.iter().fold(0u32, |a, d| a * 10 + u32::from(d - b'0')))
    };
    let (y, m, d) = match b.len() {
        4 => (num(b)?, None, None),
        8 if b.iter().all(u8::is_ascii_digit) => {
            (num(&b[..4])?, Some(num(&b[4..6])?), Some(num(&b[6..])?))
        }
        7 | 10 => {
            let sep = b[4];
            if !matches!(sep, b'-' | b'/' | b'.') {
                return None;
            }
            let m = num(&b[5..7])?;
            let d = if b.len() == 10 {
                if b[7] != sep {
                    return None;
                }
                Some(num(&b[8..])?)
            } else {
                None
            };
            (num(&b[..4])?, Some(m), d)
        }
        _ => return None,
    };
    if !(1000..=9999).contains(&y) {
        return None;
    }
    if let Some(m) = m {
        if !(1..=12).contains(&m) {
            return None;
        }
        if let Some(d) = d {
            if d == 0 || d > crate::identifiers::days_in_month(y, m) {
                return None;
            }
        }
    }
    Some(y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use MaskingRule as R;

    fn key() -> GrantMaskKey {
        GrantMaskKey::derive(&[7u8; 32], 1)
    }

    fn m(rule: R, v: &str) -> Option<String> {
        mask(rule, v, &key()).map(|c| c.into_owned())
    }

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test case 2 of RFC 4231.
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than the block is hashed first.
        let mac = hmac_sha256(
            &[0xaa; 131],
            b"Test Using Larger Than Block-Size Key - Hash Key First",
        );
        assert_eq!(
            hex::encode(mac),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn id_numbers_keep_region_and_last_four() {
        assert_eq!(
            m(R::IdNumber, "110105194912310021").unwrap(),
            "110105********0021"
        );
        assert_eq!(
            m(R::IdNumber, "11010519491231002X").unwrap(),
            "110105********002X"
        );
        // 15-digit first-generation numbers keep the same ends.
        assert_eq!(
            m(R::IdNumber, "110105491231002").unwrap(),
            "110105*****1002"
        );
        assert_eq!(m(R::IdNumber, "1234567890").unwrap(), "**********");
    }

    #[test]
    fn names_keep_the_first_character() {
        assert_eq!(m(R::Name, "张三").unwrap(), "张*");
        assert_eq!(m(R::Name, "欧阳娜娜").unwrap(), "欧***");
        assert_eq!(m(R::Name, "李").unwrap(), "*");
        assert_eq!(m(R::Name, "Wang Wei").unwrap(), "W*******");
    }

    #[test]
    fn phones_keep_three_and_four() {
        assert_eq!(m(R::Phone, "13812345678").unwrap(), "138****5678");
        assert_eq!(m(R::Phone, "0851-86801234").unwrap(), "085******1234");
        assert_eq!(m(R::Phone, "1234567").unwrap(), "*******");
    }

    #[test]
    fn addresses_are_cut_to_the_district() {
        for (a, want) in [
            ("贵州省贵阳市云岩区中华北路1号", Some("贵州省贵阳市云岩区")),
            ("贵阳市观山湖区长岭北路8号", Some("贵阳市观山湖区")),
            ("贵阳市清镇市红枫湖镇", Some("贵阳市清镇市")),
            ("贵州省贵阳市息烽县永靖镇", Some("贵州省贵阳市息烽县")),
            (
                "广西壮族自治区南宁市青秀区民族大道100号",
                Some("广西壮族自治区南宁市青秀区"),
            ),
            ("北京市朝阳区建国路1号", Some("北京市朝阳区")),
            ("贵阳市花果园", Some("贵阳市")),
            ("中华北路1号", None),
        ] {
            assert_eq!(m(R::Address, a).as_deref(), want, "{a}");
        }
    }

    #[test]
    fn keyed_hash_is_stable_per_grant_and_differs_across_grants() {
        let a = m(R::KeyedHash, "E12345678").unwrap();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(m(R::KeyedHash, "E12345678").unwrap(), a, "stable");
        assert_ne!(m(R::KeyedHash, "E12345679").unwrap(), a);
        let other_grant = GrantMaskKey::derive(&[7u8; 32], 2);
        assert_ne!(other_grant.pseudonym("E12345678"), a, "per grant");
        let other_secret = GrantMaskKey::derive(&[8u8; 32], 1);
        assert_ne!(other_secret.pseudonym("E12345678"), a, "per secret");
        // Pinned: the derivation is part of the gateway's contract with grantees.
        assert_eq!(a, key().pseudonym("E12345678"));
        let pinned = hex::encode(
            &hmac_sha256(
                &hmac_sha256(&[7u8; 32], b"kuai/mask/grant-key/v1\0\0\0\0\0\0\0\0\x01"),
                b"E12345678",
            )[..16],
        );
        assert_eq!(a, pinned);
    }

    #[test]
    fn generalize_dates_and_ages() {
        for (v, want) in [
            ("1987-06-15", Some("1985-1989")),
            ("19870615", Some("1985-1989")),
            ("1990/01/01", Some("1990-1994")),
            ("2026-10", Some("2025-2029")),
            ("1949", Some("1945-1949")),
            ("34", Some("30-39")),
            ("0", Some("0-9")),
            ("93", Some("90+")),
            ("151", None),
            ("1987-02-30", None),
            ("1987-13-01", None),
            ("19871301", None),
            ("yesterday", None),
            ("1987-06/15", None),
        ] {
            assert_eq!(m(R::Generalize, v).as_deref(), want, "{v}");
        }
    }

    #[test]
    fn none_suppress_and_empty() {
        assert_eq!(m(R::None, "云岩区").unwrap(), "云岩区");
        assert!(matches!(
            mask(R::None, "x", &key()),
            Some(Cow::Borrowed("x"))
        ));
        assert_eq!(m(R::Suppress, "secret"), None);
        assert_eq!(m(R::Suppress, ""), None);
        for rule in [
            R::IdNumber,
            R::Name,
            R::Phone,
            R::Address,
            R::KeyedHash,
            R::Generalize,
        ] {
            assert_eq!(m(rule, "").as_deref(), Some(""), "{rule:?}");
        }
    }

    #[test]
    fn masking_never_panics_on_odd_input() {
        let odd = [
            "\u{0}",
            "é",
            "😀😀😀😀😀😀😀😀😀😀😀😀",
            "区",
            "省市区",
            "  ",
            "9999-99-99",
        ];
        for v in odd {
            for rule in [
                R::None,
                R::IdNumber,
                R::Name,
                R::Phone,
                R::Address,
                R::KeyedHash,
                R::Generalize,
                R::Suppress,
            ] {
                let _ = mask(rule, v, &key());
            }
        }
        assert_eq!(
            m(R::IdNumber, "😀😀😀😀😀😀😀😀😀😀😀😀")
                .unwrap()
                .chars()
                .count(),
            12
        );
    }
}
