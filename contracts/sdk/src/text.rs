//! Small text helpers that keep contracts small: they avoid the generic `join` and the
//! two-way substring searcher of `core`/`alloc`, which cost kilobytes of code each.
//!
//! # Rules
//! - [`join`] puts `sep` between the items, nothing before or after.
//! - [`contains_ignore_ascii_case`] compares ASCII letters ignoring case and every other
//!   byte exactly; an empty needle is contained in anything. (A match of a valid UTF-8
//!   needle always starts and ends on character boundaries.)

use alloc::string::String;

/// The items separated by `sep`.
pub fn join<S: AsRef<str>>(items: impl IntoIterator<Item = S>, sep: &str) -> String {
    let mut out = String::new();
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(item.as_ref());
    }
    out
}

/// Whether `needle` occurs in `haystack`, ASCII letters compared ignoring case.
pub fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    let needle = needle.as_bytes();
    needle.is_empty()
        || haystack
            .as_bytes()
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn joins() {
        assert_eq!(join(["a", "b", "c"], ", "), "a, b, c");
        assert_eq!(join(Vec::<String>::new(), ", "), "");
        assert_eq!(join(&[String::from("x")], "-"), "x");
    }

    #[test]
    fn contains_ignoring_ascii_case() {
        assert!(contains_ignore_ascii_case(
            "Business Licence check",
            "licence"
        ));
        assert!(contains_ignore_ascii_case("营业执照证照核验", "证照"));
        assert!(contains_ignore_ascii_case("abc", ""));
        assert!(!contains_ignore_ascii_case("ab", "abc"));
        assert!(!contains_ignore_ascii_case("licence", "license"));
        assert!(!contains_ignore_ascii_case("", "a"));
    }
}
