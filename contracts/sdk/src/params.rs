//! Instance parameters: the text a department gives when it instantiates a contract.
//!
//! # Format
//! - One `key=value` per line (`\n` or `\r\n`); key and value are trimmed of surrounding
//!   ASCII whitespace; the value is everything after the first `=` (it may contain `=`).
//! - Blank lines and lines whose first non-blank character is `#` are ignored.
//! - A line without `=`, an empty key, or a key given twice is an error naming the line
//!   (`line 3: ...`, lines counted from 1).
//! - Lists ([`Params::list`]) are comma-separated; items are trimmed and empty items
//!   dropped. Numbers ([`Params::u64`]) are decimal digits only (no sign).
//!
//! (Byte-level splitting and ASCII trimming rather than `lines`/`trim`: the same result
//! for this format at a fraction of the code size.)

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// Parsed instance parameters (see the module docs for the format).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params {
    /// `(key, value, line)` in the order given.
    entries: Vec<(String, String, usize)>,
}

impl Params {
    /// Parses parameters text; the error names the offending line.
    #[allow(
        clippy::manual_pattern_char_comparison,
        reason = "a closure pattern avoids the memchr-based char searcher: 400 bytes less per contract"
    )]
    pub fn parse(text: &str) -> Result<Params, String> {
        let mut entries: Vec<(String, String, usize)> = Vec::new();
        for (i, raw) in text.split(|c| c == '\n').enumerate() {
            let line_no = i + 1;
            let line = raw.trim_ascii();
            if line.is_empty() || line.as_bytes()[0] == b'#' {
                continue;
            }
            let Some((key, value)) = line.split_once(|c| c == '=') else {
                return Err(format!(
                    "line {line_no}: expected `key=value`, found `{line}`"
                ));
            };
            let key = key.trim_ascii();
            if key.is_empty() {
                return Err(format!("line {line_no}: empty key before `=`"));
            }
            if let Some((_, _, first)) = entries.iter().find(|(k, _, _)| k == key) {
                return Err(format!(
                    "line {line_no}: parameter `{key}` given twice (first on line {first})"
                ));
            }
            entries.push((key.to_owned(), value.trim_ascii().to_owned(), line_no));
        }
        Ok(Params { entries })
    }

    /// The value of `key`, if given (possibly empty).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _, _)| k == key)
            .map(|(_, v, _)| v.as_str())
    }

    /// The comma-separated items of `key`, trimmed, empty ones dropped; empty if `key` is
    /// not given.
    #[allow(clippy::manual_pattern_char_comparison, reason = "as in `parse`")]
    pub fn list(&self, key: &str) -> Vec<String> {
        self.get(key)
            .unwrap_or("")
            .split(|c| c == ',')
            .map(str::trim_ascii)
            .filter(|item| !item.is_empty())
            .map(ToOwned::to_owned)
            .collect()
    }

    /// `key` as a whole number: `Ok(None)` if not given, an error naming the key if the
    /// value is not decimal digits (or does not fit in a `u64`).
    pub fn u64(&self, key: &str) -> Result<Option<u64>, String> {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        let mut n: Option<u64> = (!value.is_empty()).then_some(0);
        for b in value.bytes() {
            n = n
                .filter(|_| b.is_ascii_digit())
                .and_then(|n| n.checked_mul(10))
                .and_then(|n| n.checked_add(u64::from(b.wrapping_sub(b'0'))));
        }
        n.map(Some)
            .ok_or_else(|| format!("parameter `{key}` must be a whole number, found `{value}`"))
    }

    /// The value of `key`; an error if it is missing or empty.
    pub fn required(&self, key: &str) -> Result<&str, String> {
        match self.get(key) {
            None => Err(format!("missing required parameter `{key}`")),
            Some("") => Err(format!("parameter `{key}` is empty")),
            Some(value) => Ok(value),
        }
    }

    /// The items of `key`; an error if it is missing or lists nothing.
    pub fn required_list(&self, key: &str) -> Result<Vec<String>, String> {
        self.required(key)?;
        let items = self.list(key);
        if items.is_empty() {
            return Err(format!("parameter `{key}` lists nothing"));
        }
        Ok(items)
    }

    /// `key` as a whole number; an error if it is missing or not a number.
    pub fn required_u64(&self, key: &str) -> Result<u64, String> {
        self.u64(key)?
            .ok_or_else(|| format!("missing required parameter `{key}`"))
    }

    /// An error naming the first key that is not in `known` (a misspelt key would
    /// otherwise be silently ignored).
    pub fn check_keys(&self, known: &[&str]) -> Result<(), String> {
        match self
            .entries
            .iter()
            .find(|(k, _, _)| !known.contains(&k.as_str()))
        {
            None => Ok(()),
            Some((key, _, line)) => Err(format!(
                "line {line}: unknown parameter `{key}` (known: {})",
                crate::text::join(known, ", ")
            )),
        }
    }

    /// The keys given, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _, _)| k.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
# who may ask
requesters = 11520100MB1742286U, 11520100009283741A ,,
roles=cdo

purposes=licence verification
  # indented comment
expr=a=b\r
max_days=30
empty=
";

    #[test]
    fn parses_lines_comments_and_blanks() {
        let p = Params::parse(TEXT).unwrap();
        assert_eq!(
            p.keys().collect::<Vec<_>>(),
            [
                "requesters",
                "roles",
                "purposes",
                "expr",
                "max_days",
                "empty"
            ]
        );
        assert_eq!(p.get("roles"), Some("cdo"));
        assert_eq!(p.get("expr"), Some("a=b"));
        assert_eq!(p.get("empty"), Some(""));
        assert_eq!(p.get("absent"), None);
        assert_eq!(
            p.list("requesters"),
            ["11520100MB1742286U", "11520100009283741A"]
        );
        assert!(p.list("absent").is_empty());
        assert!(p.list("empty").is_empty());
        assert_eq!(Params::parse("").unwrap(), Params::default());
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(
            Params::parse("a=1\n\nno equals here").unwrap_err(),
            "line 3: expected `key=value`, found `no equals here`"
        );
        assert_eq!(
            Params::parse(" = 5").unwrap_err(),
            "line 1: empty key before `=`"
        );
        assert_eq!(
            Params::parse("a=1\n# c\na = 2").unwrap_err(),
            "line 3: parameter `a` given twice (first on line 1)"
        );
    }

    #[test]
    fn numbers() {
        let p = Params::parse(
            "n=42\nneg=-1\nplus=+3\nbig=18446744073709551616\nx=4x\nmax=18446744073709551615\nz=007",
        )
        .unwrap();
        assert_eq!(p.u64("max"), Ok(Some(u64::MAX)));
        assert_eq!(p.u64("z"), Ok(Some(7)));
        assert_eq!(p.u64("n"), Ok(Some(42)));
        assert_eq!(p.u64("absent"), Ok(None));
        for key in ["neg", "plus", "big", "x"] {
            let err = p.u64(key).unwrap_err();
            assert!(err.contains(&format!("`{key}`")), "{err}");
        }
        assert_eq!(p.required_u64("n"), Ok(42));
        assert_eq!(
            p.required_u64("absent").unwrap_err(),
            "missing required parameter `absent`"
        );
    }

    #[test]
    fn required_values_and_lists() {
        let p = Params::parse(TEXT).unwrap();
        assert_eq!(p.required("roles"), Ok("cdo"));
        assert_eq!(
            p.required("empty").unwrap_err(),
            "parameter `empty` is empty"
        );
        assert_eq!(
            p.required("nope").unwrap_err(),
            "missing required parameter `nope`"
        );
        assert_eq!(p.required_list("roles"), Ok(vec!["cdo".to_owned()]));
        let commas = Params::parse("r= , ,").unwrap();
        assert_eq!(
            commas.required_list("r").unwrap_err(),
            "parameter `r` lists nothing"
        );
    }

    #[test]
    fn unknown_keys_are_named() {
        let p = Params::parse("roles=cdo\n\npurpose=x").unwrap();
        assert_eq!(
            p.check_keys(&["roles", "purposes"]).unwrap_err(),
            "line 3: unknown parameter `purpose` (known: roles, purposes)"
        );
        assert_eq!(p.check_keys(&["roles", "purpose"]), Ok(()));
    }
}
